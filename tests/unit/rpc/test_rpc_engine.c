/* The engine over real loopback TCP: bind negotiation, requests, fragments in
 * both directions, faults and PFC_DID_NOT_EXECUTE, association groups,
 * asynchronous completion, limits, and hostile PDUs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "istmd/config.h"
#include "rpc/pdu.h"
#include "rpc_test_iface.h"


static int setup_with(void **state, const char *extra)
{
	*state = rpc_fixture_new(extra);
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, NULL);
}

static int setup_small(void **state)
{
	return setup_with(state, "max_request_size = 8192\nmax_pdu_size = 2048");
}

static int setup_integrity(void **state)
{
	return setup_with(state, "min_auth_level = integrity");
}

static int setup_limits(void **state)
{
	return setup_with(state, "max_connections = 1\nidle_timeout = 1");
}

static int teardown(void **state)
{
	rpc_fixture_free(*state);
	return 0;
}

static struct ncacn_packet *recv_pkt(struct rpc_fixture *f, struct tclient *tc)
{
	return tc_recv_pkt(tc, f->mem, NULL);
}

/* Sends an echo of LEN bytes and checks the (possibly fragmented) answer. */
static void echo(struct rpc_fixture *f, struct tclient *tc, uint32_t call_id, uint16_t opnum, size_t len)
{
	uint8_t *data = talloc_size(f->mem, len ? len : 1);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + call_id);
	DATA_BLOB stub = echo_stub(f->mem, data, (uint32_t)len);
	/* in fragments of 1024 stub bytes at most */
	for (size_t off = 0; off == 0 || off < stub.length; off += 1024) {
		size_t n = stub.length - off < 1024 ? stub.length - off : 1024;
		uint8_t flags = (off == 0 ? DCERPC_PFC_FLAG_FIRST : 0) |
				(off + n == stub.length ? DCERPC_PFC_FLAG_LAST : 0);
		tc_send_blob(tc, build_request(f->mem, call_id, 0, opnum, flags,
					       (uint32_t)(stub.length - off), NULL,
					       data_blob_const(stub.data + off, n)));
	}
	DATA_BLOB all = data_blob_talloc(f->mem, NULL, 0);
	uint32_t expect_hint = 0;
	for (bool first = true;; first = false) {
		struct ncacn_packet *pkt = recv_pkt(f, tc);
		assert_non_null(pkt);
		assert_int_equal(pkt->ptype, DCERPC_PKT_RESPONSE);
		assert_int_equal(pkt->call_id, call_id);
		assert_int_equal(!!(pkt->pfc_flags & DCERPC_PFC_FLAG_FIRST), first);
		assert_true(pkt->frag_length <= 5840);
		if (!first)
			assert_int_equal(pkt->u.response.alloc_hint, expect_hint);
		data_blob_append(f->mem, &all, pkt->u.response.stub_and_verifier.data,
				 pkt->u.response.stub_and_verifier.length);
		expect_hint = pkt->u.response.alloc_hint - pkt->u.response.stub_and_verifier.length;
		if (pkt->pfc_flags & DCERPC_PFC_FLAG_LAST)
			break;
	}
	/* len, max, data, align 4, result */
	size_t want = 8 + len + (4 - len % 4) % 4 + 4;
	assert_int_equal(all.length, want);
	assert_memory_equal(all.data + 8, data, len);
	uint32_t result;
	memcpy(&result, all.data + want - 4, 4);
	assert_int_equal(result, 0x600d);
}

static void test_bind_and_echo(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_connect(f->mem, f->ev, f->port);
	const struct ndr_syntax_id *iface = &ndr_table_rpctest.syntax_id;
	struct dcerpc_ctx_list ctx[3] = {
		ctx_elem(f->mem, 0, iface, &ndr_transfer_syntax_ndr64),
		ctx_elem(f->mem, 1, &ndr_table_rpctest_other.syntax_id, &ndr_transfer_syntax_ndr),
		ctx_elem(f->mem, 2, iface, &ndr_transfer_syntax_ndr),
	};
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, DCERPC_PFC_FLAG_CONC_MPX, 3,
				    ctx, NULL));
	struct ncacn_packet *ack = recv_pkt(f, tc);
	assert_non_null(ack);
	assert_int_equal(ack->ptype, DCERPC_PKT_BIND_ACK);
	assert_int_equal(ack->call_id, 1);
	assert_true(ack->pfc_flags & DCERPC_PFC_FLAG_CONC_MPX);
	assert_int_equal(ack->u.bind_ack.max_xmit_frag, 5840);
	assert_int_equal(ack->u.bind_ack.max_recv_frag, 5840);
	assert_int_not_equal(ack->u.bind_ack.assoc_group_id, 0);
	char port[8];
	snprintf(port, sizeof(port), "%u", f->port);
	assert_string_equal(ack->u.bind_ack.secondary_address, port);
	assert_int_equal(ack->u.bind_ack.num_results, 3);
	assert_int_equal(ack->u.bind_ack.ctx_list[0].result, DCERPC_BIND_ACK_RESULT_PROVIDER_REJECTION);
	assert_int_equal(ack->u.bind_ack.ctx_list[0].reason.value,
			 DCERPC_BIND_ACK_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED);
	assert_int_equal(ack->u.bind_ack.ctx_list[1].reason.value,
			 DCERPC_BIND_ACK_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
	assert_int_equal(ack->u.bind_ack.ctx_list[2].result, DCERPC_BIND_ACK_RESULT_ACCEPTANCE);

	/* context 2 works, context 0 was refused: unknown interface, not executed */
	uint8_t hello[5] = "hello";
	DATA_BLOB stub = echo_stub(f->mem, hello, 5);
	tc_send_blob(tc, build_request(f->mem, 2, 0, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, stub));
	rpc_expect_fault(f, tc, 2, DCERPC_NCA_S_UNKNOWN_IF, true);
	struct GUID obj = { .time_low = 0x11223344, .node = { 1, 2, 3, 4, 5, 6 } };
	tc_send_blob(tc, build_request(f->mem, 3, 2, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, &obj, stub));
	struct ncacn_packet *resp = recv_pkt(f, tc);
	assert_non_null(resp);
	assert_int_equal(resp->ptype, DCERPC_PKT_RESPONSE);
	assert_int_equal(resp->u.response.context_id, 2);
	assert_memory_equal(resp->u.response.stub_and_verifier.data + 8, "hello", 5);
	assert_int_equal(*f->count, 1);
	assert_true(rpctest_last.has_object);
	assert_true(GUID_equal(&rpctest_last.object, &obj));
	assert_int_equal(rpctest_last.auth_level, DCERPC_AUTH_LEVEL_NONE);
	assert_int_equal(rpctest_last.endpoint, RPC_EP_MAPPER);
	assert_int_equal(rpctest_last.assoc_id, ack->u.bind_ack.assoc_group_id);
}

static void test_faults(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	uint8_t code[4] = { 0x05, 0, 0, 0 };

	/* the implementation's own fault: executed */
	tc_send_blob(tc, build_request(f->mem, 2, 0, 2, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, code, 4)));
	rpc_expect_fault(f, tc, 2, 5, false);
	/* opnum out of range */
	tc_send_blob(tc, build_request(f->mem, 3, 0, 3, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, code, 4)));
	rpc_expect_fault(f, tc, 3, DCERPC_NCA_S_OP_RNG_ERROR, true);
	/* stub data that does not unmarshal */
	uint8_t bad[8] = { 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0 };
	tc_send_blob(tc, build_request(f->mem, 4, 0, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, data_blob_const(bad, sizeof(bad))));
	rpc_expect_fault(f, tc, 4, DCERPC_FAULT_NDR, false);
	/* an empty stub (no [in] arguments at all) does not unmarshal here */
	tc_send_blob(tc, build_request(f->mem, 6, 0, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, data_blob_null));
	rpc_expect_fault(f, tc, 6, DCERPC_FAULT_NDR, false);
	/* none of that closed the connection */
	echo(f, tc, 5, 0, 3);
	assert_int_equal(*f->count, 2);
}

static void test_fragments_both_ways(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);

	/* a 20000-byte answer leaves in fragments of at most 5840 bytes */
	echo(f, tc, 2, 0, 20000);

	/* a request in three fragments */
	uint8_t data[3000];
	memset(data, 0x5a, sizeof(data));
	DATA_BLOB stub = echo_stub(f->mem, data, sizeof(data));
	size_t cut[4] = { 0, 1000, 2001, stub.length };
	for (int i = 0; i < 3; i++) {
		uint8_t flags = (i == 0 ? DCERPC_PFC_FLAG_FIRST : 0) | (i == 2 ? DCERPC_PFC_FLAG_LAST : 0);
		DATA_BLOB part = data_blob_const(stub.data + cut[i], cut[i + 1] - cut[i]);
		tc_send_blob(tc, build_request(f->mem, 3, 0, 0, flags,
					       (uint32_t)(stub.length - cut[i]), NULL, part));
	}
	struct ncacn_packet *resp = recv_pkt(f, tc);
	assert_non_null(resp);
	assert_int_equal(resp->ptype, DCERPC_PKT_RESPONSE);
	assert_int_equal(resp->call_id, 3);
	assert_memory_equal(resp->u.response.stub_and_verifier.data + 8, data, 100);
}

static void test_async_completion_order(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_connect(f->mem, f->ev, f->port);
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 0, &ndr_table_rpctest.syntax_id,
					    &ndr_transfer_syntax_ndr);
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, DCERPC_PFC_FLAG_CONC_MPX, 1, &c,
				    NULL));
	assert_non_null(recv_pkt(f, tc));
	/* opnum 1 completes after LEN ms: the slow one first, the quick one second */
	uint8_t slow[80] = { 0 }, quick[5] = { 0 };
	tc_send_blob(tc, build_request(f->mem, 10, 0, 1, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, slow, sizeof(slow))));
	tc_send_blob(tc, build_request(f->mem, 11, 0, 1, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, quick, sizeof(quick))));
	/* a cancel and an orphaned notice get no answer */
	struct ncacn_packet pkt;
	DATA_BLOB blob;
	rpc_pdu_init(&pkt, DCERPC_PKT_CO_CANCEL, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 10);
	assert_int_equal(rpc_pdu_push(f->mem, &pkt, NULL, &blob), 0);
	tc_send_blob(tc, blob);
	struct ncacn_packet *a = recv_pkt(f, tc);
	struct ncacn_packet *b = recv_pkt(f, tc);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->call_id, 11);
	assert_int_equal(b->call_id, 10);
	assert_int_equal(b->ptype, DCERPC_PKT_RESPONSE);
	assert_int_equal(b->u.response.cancel_count, 1);
}

static void test_concurrent_without_mpx(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	uint8_t slow[50] = { 0 };
	tc_send_blob(tc, build_request(f->mem, 2, 0, 1, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, slow, sizeof(slow))));
	tc_send_blob(tc, build_request(f->mem, 3, 0, 1, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, slow, 1)));
	rpc_expect_fault(f, tc, 3, DCERPC_NCA_S_PROTO_ERROR, false);
	assert_true(tc_wait_closed(tc));
	/* the slow call completes into a closed connection without harm */
	pump(f->ev, 80);
}

static void test_association_groups(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *a = tc_connect(f->mem, f->ev, f->port);
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 0, &ndr_table_rpctest.syntax_id,
					    &ndr_transfer_syntax_ndr);
	tc_send_blob(a, build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, 0, 1, &c, NULL));
	struct ncacn_packet *ack = recv_pkt(f, a);
	uint32_t group = ack->u.bind_ack.assoc_group_id;

	/* a second connection joins the group, on the object port too */
	struct tclient *b = tc_connect(f->mem, f->ev, rpc_server_port(f->server, RPC_EP_OBJECT));
	tc_send_blob(b, build_bind(f->mem, DCERPC_PKT_BIND, 1, group, 0, 1, &c, NULL));
	ack = recv_pkt(f, b);
	assert_int_equal(ack->ptype, DCERPC_PKT_BIND_ACK);
	assert_int_equal(ack->u.bind_ack.assoc_group_id, group);
	echo(f, b, 2, 0, 1);
	assert_int_equal(rpctest_last.assoc_id, group);
	assert_int_equal(rpctest_last.endpoint, RPC_EP_OBJECT);

	/* a group that does not exist */
	struct tclient *x = tc_connect(f->mem, f->ev, f->port);
	tc_send_blob(x, build_bind(f->mem, DCERPC_PKT_BIND, 1, group ^ 0x5555, 0, 1, &c, NULL));
	rpc_expect_bind_nak(f, x, DCERPC_BIND_NAK_REASON_NOT_SPECIFIED);
	assert_true(tc_wait_closed(x));

	/* the group lives while one of its connections does */
	close(a->fd);
	pump(f->ev, 10);
	struct tclient *y = tc_connect(f->mem, f->ev, f->port);
	tc_send_blob(y, build_bind(f->mem, DCERPC_PKT_BIND, 1, group, 0, 1, &c, NULL));
	ack = recv_pkt(f, y);
	assert_int_equal(ack->ptype, DCERPC_PKT_BIND_ACK);
	close(b->fd);
	close(y->fd);
	pump(f->ev, 10);
	struct tclient *z = tc_connect(f->mem, f->ev, f->port);
	tc_send_blob(z, build_bind(f->mem, DCERPC_PKT_BIND, 1, group, 0, 1, &c, NULL));
	rpc_expect_bind_nak(f, z, DCERPC_BIND_NAK_REASON_NOT_SPECIFIED);
}

static void test_bind_refusals(void **state)
{
	struct rpc_fixture *f = *state;
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 0, &ndr_table_rpctest.syntax_id,
					    &ndr_transfer_syntax_ndr);

	/* no presentation context */
	struct tclient *tc = tc_connect(f->mem, f->ev, f->port);
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, 0, 0, NULL, NULL));
	rpc_expect_bind_nak(f, tc, DCERPC_BIND_NAK_REASON_PROTOCOL_VERSION_NOT_SUPPORTED);
	assert_true(tc_wait_closed(tc));

	/* a request before any bind */
	tc = tc_connect(f->mem, f->ev, f->port);
	uint8_t one = 1;
	tc_send_blob(tc, build_request(f->mem, 1, 0, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, &one, 1)));
	rpc_expect_bind_nak(f, tc, DCERPC_BIND_NAK_REASON_PROTOCOL_VERSION_NOT_SUPPORTED);
	assert_true(tc_wait_closed(tc));

	/* an authentication type we do not know */
	tc = tc_connect(f->mem, f->ev, f->port);
	uint8_t token[8] = { 0 };
	struct dcerpc_auth auth = { .auth_type = DCERPC_AUTH_TYPE_SCHANNEL,
				    .auth_level = DCERPC_AUTH_LEVEL_INTEGRITY, .auth_context_id = 1,
				    .credentials = data_blob_const(token, sizeof(token)) };
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, 0, 1, &c, &auth));
	rpc_expect_bind_nak(f, tc, DCERPC_BIND_NAK_REASON_INVALID_AUTH_TYPE);
	assert_true(tc_wait_closed(tc));

	/* a second bind on a bound connection */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_BIND, 2, 0, 0, 1, &c, NULL));
	rpc_expect_bind_nak(f, tc, DCERPC_BIND_NAK_REASON_NOT_SPECIFIED);
	assert_true(tc_wait_closed(tc));

	/* a bind in another protocol version */
	tc = tc_connect(f->mem, f->ev, f->port);
	DATA_BLOB b = build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, 0, 1, &c, NULL);
	b.data[0] = 4;
	tc_send_blob(tc, b);
	rpc_expect_bind_nak(f, tc, DCERPC_BIND_NAK_REASON_PROTOCOL_VERSION_NOT_SUPPORTED);
	assert_true(tc_wait_closed(tc));
}

static void test_alter_context(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 5, &ndr_table_rpctest.syntax_id,
					    &ndr_transfer_syntax_ndr);
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_ALTER, 2, 0, 0, 1, &c, NULL));
	struct ncacn_packet *resp = recv_pkt(f, tc);
	assert_int_equal(resp->ptype, DCERPC_PKT_ALTER_RESP);
	assert_int_equal(resp->u.alter_resp.ctx_list[0].result, DCERPC_BIND_ACK_RESULT_ACCEPTANCE);
	uint8_t x = 1;
	tc_send_blob(tc, build_request(f->mem, 3, 5, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, &x, 1)));
	resp = recv_pkt(f, tc);
	assert_int_equal(resp->ptype, DCERPC_PKT_RESPONSE);
	/* an alter_context without contexts is a protocol error */
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_ALTER, 4, 0, 0, 0, NULL, NULL));
	rpc_expect_fault(f, tc, 4, DCERPC_NCA_S_PROTO_ERROR, true);
	assert_true(tc_wait_closed(tc));
}

static void test_size_limits(void **state)
{
	struct rpc_fixture *f = *state;
	/* max_pdu_size 2048 is negotiated down */
	struct tclient *tc = tc_connect(f->mem, f->ev, f->port);
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 0, &ndr_table_rpctest.syntax_id,
					    &ndr_transfer_syntax_ndr);
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, 0, 1, &c, NULL));
	struct ncacn_packet *ack = recv_pkt(f, tc);
	assert_int_equal(ack->u.bind_ack.max_xmit_frag, 2048);
	assert_int_equal(ack->u.bind_ack.max_recv_frag, 2048);
	echo(f, tc, 2, 0, 5000); /* answered in 2048-byte fragments */

	/* a fragment above max_pdu_size */
	uint8_t big[3000] = { 0 };
	tc_send_blob(tc, build_request(f->mem, 3, 0, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, big, sizeof(big))));
	rpc_expect_fault(f, tc, 3, DCERPC_NCA_S_PROTO_ERROR, false);
	assert_true(tc_wait_closed(tc));

	/* an enormous alloc_hint is refused up front */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	tc_send_blob(tc, build_request(f->mem, 2, 0, 0, DCERPC_PFC_FLAG_FIRST, 0xfffffff0, NULL,
				       data_blob_const(big, 100)));
	rpc_expect_fault(f, tc, 2, DCERPC_FAULT_ACCESS_DENIED, false);
	assert_true(tc_wait_closed(tc));

	/* fragments adding up to more than max_request_size (8192) */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	for (uint32_t i = 0; i < 5; i++)
		tc_send_blob(tc, build_request(f->mem, 2, 0, 0, i == 0 ? DCERPC_PFC_FLAG_FIRST : 0, 0,
					       NULL, data_blob_const(big, 2000)));
	rpc_expect_fault(f, tc, 2, DCERPC_FAULT_ACCESS_DENIED, false);
	assert_true(tc_wait_closed(tc));
	assert_int_equal(*f->count, 1);
}

static void test_min_auth_level(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	/* opnum 0 is exempt, opnum 2 is not */
	echo(f, tc, 2, 0, 4);
	uint8_t code[4] = { 0 };
	tc_send_blob(tc, build_request(f->mem, 3, 0, 2, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, code, 4)));
	rpc_expect_fault(f, tc, 3, DCERPC_FAULT_ACCESS_DENIED, false);
	assert_int_equal(*f->count, 1);
}

static void test_connection_limit_and_idle(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *a = tc_bind_rpctest(f->mem, f->ev, f->port);
	/* with a call in progress, a cannot make room (test_rpc_hardening) */
	uint8_t slow[300] = { 0 };
	tc_send_blob(a, build_request(f->mem, 2, 0, 1, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				      0, NULL, echo_stub(f->mem, slow, sizeof(slow))));
	pump(f->ev, 5);
	struct tclient *b = tc_connect(f->mem, f->ev, f->port);
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 0, &ndr_table_rpctest.syntax_id,
					    &ndr_transfer_syntax_ndr);
	tc_send_blob(b, build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, 0, 1, &c, NULL));
	rpc_expect_bind_nak(f, b, DCERPC_BIND_NAK_REASON_LOCAL_LIMIT_EXCEEDED);
	assert_true(tc_wait_closed(b));
	struct ncacn_packet *resp = recv_pkt(f, a);
	assert_non_null(resp);
	assert_int_equal(resp->call_id, 2);
	/* idle_timeout = 1 s */
	echo(f, a, 3, 0, 1);
	assert_true(tc_wait_closed(a));
	/* a slot is free again; a client that stops inside a fragmented
	 * request is idle too */
	struct tclient *d = tc_bind_rpctest(f->mem, f->ev, f->port);
	echo(f, d, 2, 0, 1);
	uint8_t part[16] = { 0 };
	tc_send_blob(d, build_request(f->mem, 3, 0, 0, DCERPC_PFC_FLAG_FIRST, 100, NULL,
				      data_blob_const(part, sizeof(part))));
	assert_true(tc_wait_closed(d));
}

static void test_hostile_pdus(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc;

	/* frag_length shorter than a header */
	tc = tc_connect(f->mem, f->ev, f->port);
	static const uint8_t tiny[16] = { 5, 0, 11, 3, 0x10, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0 };
	tc_send(tc, tiny, sizeof(tiny));
	assert_true(tc_wait_closed(tc));

	/* truncated header, then the client goes away */
	tc = tc_connect(f->mem, f->ev, f->port);
	tc_send(tc, tiny, 7);
	close(tc->fd);
	pump(f->ev, 5);

	/* unknown packet type after the bind */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	static const uint8_t unknown[16] = { 5, 0, 99, 3, 0x10, 0, 0, 0, 16, 0, 0, 0, 7, 0, 0, 0 };
	tc_send(tc, unknown, sizeof(unknown));
	rpc_expect_fault(f, tc, 7, DCERPC_NCA_S_PROTO_ERROR, true);
	assert_true(tc_wait_closed(tc));

	/* auth_length larger than the fragment */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	uint8_t x = 1;
	DATA_BLOB req = build_request(f->mem, 2, 0, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 0,
				      NULL, echo_stub(f->mem, &x, 1));
	req.data[10] = 0xff;
	tc_send_blob(tc, req);
	rpc_expect_fault(f, tc, 2, DCERPC_NCA_S_PROTO_ERROR, true);
	assert_true(tc_wait_closed(tc));

	/* a bad sec_trailer padding length on an unauthenticated connection */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	uint8_t stub[40] = { 0 };
	stub[40 - 16 - 8] = DCERPC_AUTH_TYPE_NTLMSSP;
	stub[40 - 16 - 8 + 1] = DCERPC_AUTH_LEVEL_INTEGRITY;
	stub[40 - 16 - 8 + 2] = 200; /* auth_pad_length */
	req = build_request(f->mem, 2, 0, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 0, NULL,
			    data_blob_const(stub, sizeof(stub)));
	req.data[10] = 16; /* auth_length */
	tc_send_blob(tc, req);
	rpc_expect_fault(f, tc, 2, DCERPC_NCA_S_PROTO_ERROR, false);
	assert_true(tc_wait_closed(tc));

	/* a valid trailer naming a security context that does not exist */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	stub[40 - 16 - 8 + 2] = 0;
	req = build_request(f->mem, 2, 0, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 0, NULL,
			    data_blob_const(stub, sizeof(stub)));
	req.data[10] = 16;
	tc_send_blob(tc, req);
	rpc_expect_fault(f, tc, 2, DCERPC_FAULT_ACCESS_DENIED, false);
	assert_true(tc_wait_closed(tc));

	/* a middle fragment of no call */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	tc_send_blob(tc, build_request(f->mem, 9, 0, 0, 0, 0, NULL, data_blob_const(stub, 8)));
	rpc_expect_fault(f, tc, 9, DCERPC_NCA_S_PROTO_ERROR, false);
	assert_true(tc_wait_closed(tc));

	/* a new request inside a fragmented one: the fault names the first */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	tc_send_blob(tc, build_request(f->mem, 4, 0, 0, DCERPC_PFC_FLAG_FIRST, 0, NULL,
				       data_blob_const(stub, 8)));
	tc_send_blob(tc, build_request(f->mem, 5, 0, 0, DCERPC_PFC_FLAG_FIRST, 0, NULL,
				       data_blob_const(stub, 8)));
	rpc_expect_fault(f, tc, 4, DCERPC_NCA_S_PROTO_ERROR, false);
	assert_true(tc_wait_closed(tc));

	/* a response or a shutdown sent to the server */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	struct ncacn_packet pkt;
	DATA_BLOB blob;
	rpc_pdu_init(&pkt, DCERPC_PKT_SHUTDOWN, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 6);
	assert_int_equal(rpc_pdu_push(f->mem, &pkt, NULL, &blob), 0);
	tc_send_blob(tc, blob);
	rpc_expect_fault(f, tc, 6, DCERPC_NCA_S_PROTO_ERROR, true);
	assert_true(tc_wait_closed(tc));

	/* bind with a context that proposes no transfer syntax */
	tc = tc_connect(f->mem, f->ev, f->port);
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 0, &ndr_table_rpctest.syntax_id, NULL);
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, 0, 1, &c, NULL));
	rpc_expect_bind_nak(f, tc, DCERPC_BIND_NAK_REASON_NOT_SPECIFIED);
	assert_true(tc_wait_closed(tc));

	/* the server still serves */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	echo(f, tc, 2, 0, 10);
	assert_int_equal(*f->count, 1);
}

static void test_big_endian_client(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	/* request header and stub in big-endian (drep 0x00) */
	uint8_t pdu[24 + 12] = { 5, 0, 0, 3, 0, 0, 0, 0, 0, 36, 0, 0, 0, 0, 0, 2,
				 0, 0, 0, 12, 0, 0, 0, 0,
				 0, 0, 0, 3, 0, 0, 0, 3, 'a', 'b', 'c', 0 };
	tc_send(tc, pdu, sizeof(pdu));
	struct ncacn_packet *resp = recv_pkt(f, tc);
	assert_non_null(resp);
	assert_int_equal(resp->ptype, DCERPC_PKT_RESPONSE);
	assert_int_equal(resp->call_id, 2);
	/* we answer in little-endian */
	assert_true(resp->drep[0] & DCERPC_DREP_LE);
	assert_memory_equal(resp->u.response.stub_and_verifier.data + 8, "abc", 3);
}

static void test_shutdown_pdu(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	uint8_t slow[200] = { 0 };
	/* a call still running when the server stops completes into the void */
	tc_send_blob(tc, build_request(f->mem, 2, 0, 1, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, slow, sizeof(slow))));
	pump(f->ev, 5);
	rpc_server_shutdown(f->server);
	struct ncacn_packet *pkt = recv_pkt(f, tc);
	assert_non_null(pkt);
	assert_int_equal(pkt->ptype, DCERPC_PKT_SHUTDOWN);
	assert_true(tc_wait_closed(tc));
	pump(f->ev, 250);
	/* dispatched once, completed after the connection closed */
	assert_int_equal(*f->count, 1);
}

/* Listeners on IPv4 and IPv6 addresses, the same ephemeral object port on both. */
static void test_ipv6_listeners(void **unused)
{
	int probe = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	bool have_ipv6 = probe >= 0 && bind(probe, (struct sockaddr *)&any, sizeof(any)) == 0;
	if (probe >= 0)
		close(probe);
	if (!have_ipv6)
		skip(); /* no IPv6 loopback on this machine */

	struct rpc_fixture *f = rpc_fixture_new("listen = 127.0.0.1, [::1]");
	for (int i = 0; i < 2; i++) {
		enum rpc_endpoint ep = i == 0 ? RPC_EP_MAPPER : RPC_EP_OBJECT;
		struct tclient *tc = tc_connect_to(f->mem, f->ev, "::1", rpc_server_port(f->server, ep));
		struct dcerpc_ctx_list c = ctx_elem(f->mem, 0, &ndr_table_rpctest.syntax_id,
						    &ndr_transfer_syntax_ndr);
		tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, 0, 1, &c, NULL));
		struct ncacn_packet *ack = recv_pkt(f, tc);
		assert_non_null(ack);
		assert_int_equal(ack->ptype, DCERPC_PKT_BIND_ACK);
		echo(f, tc, 2, 0, 3);
		assert_int_equal(rpctest_last.endpoint, ep);
		assert_string_equal(rpctest_last.local_address, "::1");
	}
	const char *const *addrs = rpc_server_addresses(f->server);
	assert_string_equal(addrs[0], "127.0.0.1");
	assert_string_equal(addrs[1], "::1"); /* canonical form */
	assert_null(addrs[2]);
	rpc_fixture_free(f);
}

static void test_bad_config(void **unused)
{
	static const char *const bad[] = {
		"[rpc]\nlisten = server.example\n",
		"[rpc]\nlisten = 127.0.0.1\nendpoint_mapper_port = 1135\nobject_port = 1135\n",
		"[rpc]\nlisten = 127.0.0.1\nmin_auth_level = packet\n",
		"[rpc]\nlisten = 127.0.0.1\nmax_pdu_size = 1000\n",
		"[rpc]\nlisten =\n",
	};
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tevent_context *ev = tevent_context_init(mem);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		struct cfg *cfg = cfg_parse(mem, "bad.conf", bad[i], &err);
		assert_non_null(cfg);
		assert_null(rpc_server_new(mem, ev, cfg, NULL, NULL, &err));
		assert_non_null(err);
		assert_non_null(strstr(err, "bad.conf"));
	}
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bind_and_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragments_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_completion_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_without_mpx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_association_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alter_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_limits, setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_min_auth_level, setup_integrity, teardown),
		cmocka_unit_test_setup_teardown(test_connection_limit_and_idle, setup_limits, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_pdus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_endian_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_pdu, setup, teardown),
		cmocka_unit_test(test_ipv6_listeners),
		cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
