/* PDU framing, parsing and building (C706 12.6, MS-RPCE 2.2.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "rpc/pdu.h"

static void test_peek_le_and_be(void **unused)
{
	static const uint8_t le[16] = { 5, 0, 0, 3, 0x10, 0, 0, 0, 0x34, 0x12, 0x10, 0, 7, 0, 0, 0 };
	static const uint8_t be[16] = { 5, 0, 0, 3, 0x00, 0, 0, 0, 0x12, 0x34, 0, 0x10, 0, 0, 0, 7 };
	struct rpc_pdu_hdr h;
	rpc_pdu_peek(le, &h);
	assert_int_equal(h.frag_length, 0x1234);
	assert_int_equal(h.auth_length, 16);
	assert_int_equal(h.call_id, 7);
	assert_true(rpc_drep_is_le(h.drep));
	rpc_pdu_peek(be, &h);
	assert_int_equal(h.frag_length, 0x1234);
	assert_int_equal(h.auth_length, 16);
	assert_int_equal(h.call_id, 7);
	assert_false(rpc_drep_is_le(h.drep));
}

static void test_fault_bytes(void **unused)
{
	/* C706 12.6.4.7: 16-byte header, alloc_hint, p_cont_id, cancel_count,
	 * reserved, status, reserved: 32 bytes, no stub. */
	static const uint8_t want[32] = {
		5, 0, 3, 0x23, 0x10, 0, 0, 0, 32, 0, 0, 0, 9, 0, 0, 0,
		32, 0, 0, 0, 2, 0, 0, 0, 0x03, 0x00, 0x01, 0x1c, 0, 0, 0, 0,
	};
	DATA_BLOB b;
	assert_int_equal(rpc_pdu_fault(NULL, 9, 2, DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
				       DCERPC_NCA_S_UNKNOWN_IF, &b), 0);
	assert_int_equal(b.length, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	talloc_free(b.data);
}

static void test_bind_nak_bytes(void **unused)
{
	/* reason, one supported version (5.0), padding to 4. */
	static const uint8_t want[24] = {
		5, 0, 13, 3, 0x10, 0, 0, 0, 24, 0, 0, 0, 4, 0, 0, 0,
		2, 0, 1, 5, 0, 0, 0, 0,
	};
	DATA_BLOB b;
	assert_int_equal(rpc_pdu_bind_nak(NULL, 4, DCERPC_BIND_NAK_REASON_LOCAL_LIMIT_EXCEEDED, &b), 0);
	assert_int_equal(b.length, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	talloc_free(b.data);
}

static void test_push_pull_round_trip(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ncacn_packet pkt, back;
	uint8_t stub[20] = { 1, 2, 3 };
	struct GUID obj = { .time_low = 0xdeadbeef };
	rpc_pdu_init(&pkt, DCERPC_PKT_REQUEST,
		     DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST | DCERPC_PFC_FLAG_OBJECT_UUID, 42);
	pkt.u.request.alloc_hint = 20;
	pkt.u.request.context_id = 3;
	pkt.u.request.opnum = 5;
	pkt.u.request.object.object = obj;
	pkt.u.request.stub_and_verifier = data_blob_const(stub, sizeof(stub));
	uint8_t sig[16] = { 0xaa };
	struct dcerpc_auth auth = { .auth_type = 10, .auth_level = 6, .auth_pad_length = 12,
				    .auth_context_id = 0x1234567,
				    .credentials = data_blob_const(sig, sizeof(sig)) };
	/* 20 bytes of stub + 12 of padding make the trailer 16-aligned */
	uint8_t padded[32] = { 1, 2, 3 };
	pkt.u.request.stub_and_verifier = data_blob_const(padded, sizeof(padded));
	DATA_BLOB b;
	assert_int_equal(rpc_pdu_push(mem, &pkt, &auth, &b), 0);
	assert_int_equal(b.length, 24 + 16 + 32 + 8 + 16);
	assert_int_equal(pkt.frag_length, b.length);

	assert_int_equal(rpc_pdu_pull(mem, &b, &back), 0);
	assert_int_equal(back.ptype, DCERPC_PKT_REQUEST);
	assert_int_equal(back.auth_length, 16);
	assert_int_equal(back.u.request.opnum, 5);
	assert_true(GUID_equal(&back.u.request.object.object, &obj));

	struct dcerpc_auth got;
	size_t data_len;
	assert_int_equal(rpc_pdu_split_auth(&back.u.request.stub_and_verifier, back.auth_length,
					    false, false, &got, &data_len), 0);
	assert_int_equal(data_len, 20);
	assert_int_equal(got.auth_pad_length, 12);
	assert_int_equal(got.auth_context_id, 0x1234567);
	assert_int_equal(got.credentials.length, 16);
	assert_int_equal(got.credentials.data[0], 0xaa);

	/* frag_length that disagrees with the data is refused */
	b.length -= 1;
	assert_int_equal(rpc_pdu_pull(mem, &b, &back), -EPROTO);
	talloc_free(mem);
}

static void test_split_auth_rejects_bad_lengths(void **unused)
{
	uint8_t buf[40] = { 0 };
	struct dcerpc_auth a;
	size_t len;
	DATA_BLOB p = data_blob_const(buf, sizeof(buf));
	/* auth_length larger than the payload */
	assert_int_equal(rpc_pdu_split_auth(&p, 40, false, false, &a, &len), -EPROTO);
	/* padding longer than the data before the trailer */
	buf[40 - 16 - 8 + 2] = 17; /* auth_pad_length */
	assert_int_equal(rpc_pdu_split_auth(&p, 16, false, false, &a, &len), -EPROTO);
	buf[40 - 16 - 8 + 2] = 16;
	assert_int_equal(rpc_pdu_split_auth(&p, 16, false, false, &a, &len), 0);
	assert_int_equal(len, 0);
	/* in bind-type PDUs only padding may precede the trailer */
	buf[40 - 16 - 8 + 2] = 4;
	assert_int_equal(rpc_pdu_split_auth(&p, 16, false, true, &a, &len), -EPROTO);
	/* big-endian context id */
	buf[40 - 16 - 8 + 2] = 0;
	buf[40 - 16 - 8 + 7] = 1;
	assert_int_equal(rpc_pdu_split_auth(&p, 16, true, false, &a, &len), 0);
	assert_int_equal(a.auth_context_id, 0x01);
	assert_int_equal(rpc_pdu_split_auth(&p, 16, false, false, &a, &len), 0);
	assert_int_equal(a.auth_context_id, 0x01000000);
}

static void test_check_header(void **unused)
{
	struct ncacn_packet pkt;
	rpc_pdu_init(&pkt, DCERPC_PKT_BIND, 0xff, 1);
	pkt.frag_length = 100;
	assert_int_equal(rpc_pdu_check_header(&pkt, DCERPC_PKT_BIND, 0), 0);
	assert_int_equal(rpc_pdu_check_header(&pkt, DCERPC_PKT_ALTER, 0), -EPROTO);
	pkt.rpc_vers_minor = 1;
	assert_int_equal(rpc_pdu_check_header(&pkt, DCERPC_PKT_BIND, 0), -EPROTO);
	pkt.rpc_vers_minor = 0;
	pkt.drep[0] = 0x11; /* EBCDIC */
	assert_int_equal(rpc_pdu_check_header(&pkt, DCERPC_PKT_BIND, 0), -EPROTO);
	pkt.drep[0] = 0x10;
	pkt.auth_length = 8;
	assert_int_equal(rpc_pdu_check_header(&pkt, DCERPC_PKT_BIND, 4), -EPROTO);
}

static void test_padding_and_chunks(void **unused)
{
	assert_int_equal(rpc_auth_pad(0), 0);
	assert_int_equal(rpc_auth_pad(1), 15);
	assert_int_equal(rpc_auth_pad(16), 0);
	assert_int_equal(rpc_auth_pad(20), 12);
	/* 5840 - 24 = 5816, a multiple of 8 but not 16 */
	assert_int_equal(rpc_pdu_max_stub_chunk(5840, 0, false), 5808);
	/* with NTLMSSP: trailer 8 + signature 16 */
	assert_int_equal(rpc_pdu_max_stub_chunk(5840, 16, true), 5792);
	assert_int_equal(rpc_pdu_max_stub_chunk(2048, 16, true) % 16, 0);
	assert_int_equal(rpc_pdu_max_stub_chunk(40, 16, true), 0);
}

static void test_unknown_ptype_refused(void **unused)
{
	uint8_t pdu[16] = { 5, 0, 99, 3, 0x10, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0 };
	DATA_BLOB b = data_blob_const(pdu, sizeof(pdu));
	struct ncacn_packet pkt;
	assert_int_equal(rpc_pdu_pull(NULL, &b, &pkt), -EPROTO);
	assert_string_equal(rpc_ptype_name(99), "unknown");
	assert_string_equal(rpc_ptype_name(DCERPC_PKT_AUTH3), "auth3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peek_le_and_be),
		cmocka_unit_test(test_fault_bytes),
		cmocka_unit_test(test_bind_nak_bytes),
		cmocka_unit_test(test_push_pull_round_trip),
		cmocka_unit_test(test_split_auth_rejects_bad_lengths),
		cmocka_unit_test(test_check_header),
		cmocka_unit_test(test_padding_and_chunks),
		cmocka_unit_test(test_unknown_ptype_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
