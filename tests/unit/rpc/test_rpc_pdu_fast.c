/* The hand-framed request and response (src/rpc/pdu_fast.c) against Samba's
 * ncacn_packet marshallers: the same fields read, the same bytes written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "rpc/pdu.h"

/* A request PDU in little- or big-endian representation, with or without an
 * object UUID, STUB_LEN stub bytes and an optional 16-byte verifier. */
static DATA_BLOB make_request(TALLOC_CTX *mem, bool le, bool object, size_t stub_len, bool auth)
{
	struct ncacn_packet pkt;
	uint8_t flags = DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST;
	if (object)
		flags |= DCERPC_PFC_FLAG_OBJECT_UUID;
	rpc_pdu_init(&pkt, DCERPC_PKT_REQUEST, flags, 0x01020304);
	pkt.u.request.alloc_hint = 0x0a0b0c0d;
	pkt.u.request.context_id = 0x0102;
	pkt.u.request.opnum = 0x0304;
	struct GUID g = { .time_low = 0x11223344, .time_mid = 0x5566, .time_hi_and_version = 0x7788,
			  .clock_seq = { 0x99, 0xaa }, .node = { 1, 2, 3, 4, 5, 6 } };
	pkt.u.request.object.object = g;
	uint8_t *stub = talloc_zero_array(mem, uint8_t, stub_len + 16);
	for (size_t i = 0; i < stub_len; i++)
		stub[i] = (uint8_t)(i * 7 + 1);
	size_t pad = auth ? rpc_auth_pad(stub_len) : 0;
	pkt.u.request.stub_and_verifier = data_blob_const(stub, stub_len + pad);
	uint8_t sig[16];
	memset(sig, 0x5a, sizeof(sig));
	struct dcerpc_auth a = { .auth_type = DCERPC_AUTH_TYPE_NTLMSSP,
				 .auth_level = DCERPC_AUTH_LEVEL_PRIVACY,
				 .auth_pad_length = (uint8_t)pad,
				 .auth_context_id = 7,
				 .credentials = data_blob_const(sig, sizeof(sig)) };
	DATA_BLOB b;
	assert_int_equal(rpc_pdu_push(mem, &pkt, auth ? &a : NULL, &b), 0);
	if (!le) {
		/* The same PDU as a big-endian client sends it: drep and the
		 * integers of the header, the request and the GUID swapped. */
		b.data[4] = 0;
		uint8_t t;
#define SWAP2(o) (t = b.data[o], b.data[o] = b.data[(o) + 1], b.data[(o) + 1] = t)
#define SWAP4(o) (SWAP2(o), t = b.data[o], b.data[o] = b.data[(o) + 2], b.data[(o) + 2] = t, \
		  t = b.data[(o) + 1], b.data[(o) + 1] = b.data[(o) + 3], b.data[(o) + 3] = t)
		SWAP2(8);
		SWAP2(10);
		SWAP4(12);
		SWAP4(16);
		SWAP2(20);
		SWAP2(22);
		if (object) {
			SWAP4(24);
			SWAP2(28);
			SWAP2(30);
		}
#undef SWAP2
#undef SWAP4
	}
	return b;
}

static void test_pull_request_matches_ndr(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	for (int le = 0; le < 2; le++)
		for (int object = 0; object < 2; object++)
			for (int auth = 0; auth < 2; auth++)
				for (size_t stub_len = 0; stub_len < 40; stub_len += 13) {
					DATA_BLOB b = make_request(mem, le, object, stub_len, auth);
					struct ncacn_packet slow, fast;
					assert_int_equal(rpc_pdu_pull(mem, &b, &slow), 0);
					assert_int_equal(rpc_pdu_pull_request(&b, &fast), 0);
					assert_int_equal(fast.rpc_vers, slow.rpc_vers);
					assert_int_equal(fast.ptype, slow.ptype);
					assert_int_equal(fast.pfc_flags, slow.pfc_flags);
					assert_memory_equal(fast.drep, slow.drep, 4);
					assert_int_equal(fast.frag_length, slow.frag_length);
					assert_int_equal(fast.auth_length, slow.auth_length);
					assert_int_equal(fast.call_id, slow.call_id);
					const struct dcerpc_request *f = &fast.u.request,
								    *s = &slow.u.request;
					assert_int_equal(f->alloc_hint, s->alloc_hint);
					assert_int_equal(f->context_id, s->context_id);
					assert_int_equal(f->opnum, s->opnum);
					if (object)
						assert_true(GUID_equal(&f->object.object,
								       &s->object.object));
					assert_int_equal(f->stub_and_verifier.length,
							 s->stub_and_verifier.length);
					assert_memory_equal(f->stub_and_verifier.data,
							    s->stub_and_verifier.data,
							    s->stub_and_verifier.length);
					/* in place: the stub is the PDU's own bytes */
					assert_ptr_equal(f->stub_and_verifier.data + f->stub_and_verifier.length,
							 b.data + b.length);
				}
	talloc_free(mem);
}

static void test_pull_request_refuses(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ncacn_packet pkt;
	DATA_BLOB b = make_request(mem, true, true, 8, false);
	DATA_BLOB cut = data_blob_const(b.data, 30); /* inside the object UUID */
	cut.data[8] = 30;
	cut.data[9] = 0;
	assert_int_equal(rpc_pdu_pull_request(&cut, &pkt), -EPROTO);
	assert_int_equal(rpc_pdu_pull(mem, &cut, &pkt), -EPROTO);
	b = make_request(mem, true, false, 8, false);
	DATA_BLOB shorter = data_blob_const(b.data, b.length - 1); /* frag_length disagrees */
	assert_int_equal(rpc_pdu_pull_request(&shorter, &pkt), -EPROTO);
	DATA_BLOB tiny = data_blob_const(b.data, 20);
	assert_int_equal(rpc_pdu_pull_request(&tiny, &pkt), -EPROTO);
	b.data[2] = DCERPC_PKT_RESPONSE; /* not a request */
	assert_int_equal(rpc_pdu_pull_request(&b, &pkt), -EPROTO);
	talloc_free(mem);
}

static void test_put_response_matches_ndr(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	uint8_t stub[100];
	for (size_t i = 0; i < sizeof(stub); i++)
		stub[i] = (uint8_t)(0xf0 ^ i);
	uint8_t sig[16];
	memset(sig, 0xc3, sizeof(sig));
	for (int with_auth = 0; with_auth < 2; with_auth++)
		for (size_t len = 0; len <= sizeof(stub); len += 9) {
			size_t pad = with_auth ? rpc_auth_pad(len) : 0;
			struct ncacn_packet pkt;
			uint8_t flags = DCERPC_PFC_FLAG_FIRST | (len > 50 ? 0 : DCERPC_PFC_FLAG_LAST);
			rpc_pdu_init(&pkt, DCERPC_PKT_RESPONSE, flags, 0x77665544);
			pkt.u.response.alloc_hint = 0x1000 + (uint32_t)len;
			pkt.u.response.context_id = 0x0203;
			pkt.u.response.cancel_count = 2;
			uint8_t *body = talloc_zero_array(mem, uint8_t, len + pad + 1);
			memcpy(body, stub, len);
			pkt.u.response.stub_and_verifier = data_blob_const(body, len + pad);
			struct dcerpc_auth a = { .auth_type = DCERPC_AUTH_TYPE_SPNEGO,
						 .auth_level = DCERPC_AUTH_LEVEL_INTEGRITY,
						 .auth_pad_length = (uint8_t)pad,
						 .auth_context_id = 0x0badf00d,
						 .credentials = data_blob_const(sig, sizeof(sig)) };
			DATA_BLOB want;
			assert_int_equal(rpc_pdu_push(mem, &pkt, with_auth ? &a : NULL, &want), 0);

			uint8_t got[512];
			memset(got, 0xee, sizeof(got)); /* padding must be written as zeros */
			size_t n = rpc_pdu_put_response(got, sizeof(got), flags, 0x77665544,
							0x1000 + (uint32_t)len, 0x0203, 2, stub, len,
							with_auth ? &a : NULL);
			assert_int_equal(n, want.length);
			assert_memory_equal(got, want.data, want.length);
			/* one byte short: nothing */
			assert_int_equal(rpc_pdu_put_response(got, want.length - 1, flags, 1, 1, 1, 0,
							      stub, len, with_auth ? &a : NULL),
					 0);
		}
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pull_request_matches_ndr),
		cmocka_unit_test(test_pull_request_refuses),
		cmocka_unit_test(test_put_response_matches_ndr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
