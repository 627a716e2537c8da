/* What a hostile or careless client found (issue 9), kept fixed: PDUs after
 * a close decision, handshake timeout, connection limits per peer and
 * eviction, and the protocol details where Windows is the reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

static int setup_integrity(void **state)
{
	return setup_with(state, "min_auth_level = integrity");
}

static int setup_handshake(void **state)
{
	return setup_with(state, "handshake_timeout = 1");
}

static int setup_full(void **state)
{
	return setup_with(state, "max_connections = 3");
}

static int setup_per_peer(void **state)
{
	return setup_with(state, "max_connections_per_peer = 2");
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

static DATA_BLOB concat(TALLOC_CTX *mem, DATA_BLOB a, DATA_BLOB b)
{
	DATA_BLOB both = data_blob_talloc(mem, a.data, a.length);
	assert_true(data_blob_append(mem, &both, b.data, b.length));
	return both;
}

static void echo_ok(struct rpc_fixture *f, struct tclient *tc, uint32_t call_id)
{
	uint8_t x[3] = { 1, 2, 3 };
	tc_send_blob(tc, build_request(f->mem, call_id, 0, 0,
				       DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 0, NULL,
				       echo_stub(f->mem, x, sizeof(x))));
	struct ncacn_packet *resp = recv_pkt(f, tc);
	assert_non_null(resp);
	assert_int_equal(resp->ptype, DCERPC_PKT_RESPONSE);
	assert_int_equal(resp->call_id, call_id);
}

/* Only the bind_nak comes back, then the connection closes: the alter_context
 * in the same segment is never processed. */
static void expect_nak_only(struct rpc_fixture *f, struct tclient *tc, uint16_t reason)
{
	rpc_expect_bind_nak(f, tc, reason);
	assert_false(tc_recv(tc, f->mem, &(DATA_BLOB){ 0 }));
	assert_true(tc_wait_closed(tc));
}

/* Issue 9, defect 1: a PDU that makes the server close the connection,
 * followed in the same segment by an alter_context, on both ports. */
static void test_no_pdu_after_close_decision(void **state)
{
	struct rpc_fixture *f = *state;
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 0, &ndr_table_rpctest.syntax_id,
					    &ndr_transfer_syntax_ndr);
	DATA_BLOB alter = build_bind(f->mem, DCERPC_PKT_ALTER, 2, 0, 0, 1, &c, NULL);
	uint8_t one = 1;
	DATA_BLOB request = build_request(f->mem, 1, 0, 0,
					  DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 0, NULL,
					  echo_stub(f->mem, &one, 1));
	DATA_BLOB unknown_group = build_bind(f->mem, DCERPC_PKT_BIND, 1, 0x1234567, 0, 1, &c, NULL);

	for (int i = 0; i < 2; i++) {
		uint16_t port = rpc_server_port(f->server, i == 0 ? RPC_EP_MAPPER : RPC_EP_OBJECT);
		struct tclient *tc = tc_connect(f->mem, f->ev, port);
		tc_send_blob(tc, concat(f->mem, request, alter));
		expect_nak_only(f, tc, DCERPC_BIND_NAK_REASON_PROTOCOL_VERSION_NOT_SUPPORTED);

		tc = tc_connect(f->mem, f->ev, port);
		tc_send_blob(tc, concat(f->mem, unknown_group, alter));
		expect_nak_only(f, tc, DCERPC_BIND_NAK_REASON_NOT_SPECIFIED);

		/* a fault that closes, then a request: not dispatched */
		tc = tc_bind_rpctest(f->mem, f->ev, port);
		tc_send_blob(tc, concat(f->mem, build_bind(f->mem, DCERPC_PKT_ALTER, 2, 0, 0, 0, NULL,
							   NULL),
					build_request(f->mem, 3, 0, 0,
						      DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 0,
						      NULL, echo_stub(f->mem, &one, 1))));
		rpc_expect_fault(f, tc, 2, DCERPC_NCA_S_PROTO_ERROR, true);
		assert_false(tc_recv(tc, f->mem, &(DATA_BLOB){ 0 }));
		assert_true(tc_wait_closed(tc));

		/* the server still serves on that port */
		tc = tc_bind_rpctest(f->mem, f->ev, port);
		echo_ok(f, tc, 2);
	}
	assert_int_equal(*f->count, 2);
}

/* Windows answers a bind whose auth_length exceeds the fragment with
 * bind_nak reason 4; a bind is never answered with a fault. */
static void test_bind_auth_length_too_large(void **state)
{
	struct rpc_fixture *f = *state;
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 0, &ndr_table_rpctest.syntax_id,
					    &ndr_transfer_syntax_ndr);
	struct tclient *tc = tc_connect(f->mem, f->ev, f->port);
	DATA_BLOB bind = build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, 0, 1, &c, NULL);
	bind.data[10] = 0xff;
	bind.data[11] = 0x7f;
	tc_send_blob(tc, bind);
	expect_nak_only(f, tc, DCERPC_BIND_NAK_REASON_PROTOCOL_VERSION_NOT_SUPPORTED);
}

/* The opnum range is checked before the authentication level: an unknown
 * opnum from an unauthenticated caller is nca_op_rng_error, not executed. */
static void test_opnum_range_before_auth_level(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	uint8_t code[4] = { 0 };
	tc_send_blob(tc, build_request(f->mem, 2, 0, 3, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, code, 4)));
	rpc_expect_fault(f, tc, 2, DCERPC_NCA_S_OP_RNG_ERROR, true);
	/* an opnum in range still needs the level */
	tc_send_blob(tc, build_request(f->mem, 3, 0, 2, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, code, 4)));
	rpc_expect_fault(f, tc, 3, DCERPC_FAULT_ACCESS_DENIED, false);
	assert_int_equal(*f->count, 0);
}

/* PFC_CONC_MPX means something in the bind only: in an alter_context it is
 * neither echoed nor does it allow concurrent calls. */
static void test_alter_conc_mpx_ignored(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 1, &ndr_table_rpctest.syntax_id,
					    &ndr_transfer_syntax_ndr);
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_ALTER, 2, 0, DCERPC_PFC_FLAG_CONC_MPX, 1, &c,
				    NULL));
	struct ncacn_packet *resp = recv_pkt(f, tc);
	assert_non_null(resp);
	assert_int_equal(resp->ptype, DCERPC_PKT_ALTER_RESP);
	assert_false(resp->pfc_flags & DCERPC_PFC_FLAG_CONC_MPX);
	uint8_t slow[50] = { 0 };
	tc_send_blob(tc, build_request(f->mem, 3, 0, 1, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, slow, sizeof(slow))));
	tc_send_blob(tc, build_request(f->mem, 4, 0, 1, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, slow, 1)));
	rpc_expect_fault(f, tc, 4, DCERPC_NCA_S_PROTO_ERROR, false);
	assert_true(tc_wait_closed(tc));
	pump(f->ev, 80);
}

/* A fault for a context the connection does not have carries context id 0. */
static void test_unknown_context_fault_id(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	uint8_t x = 1;
	tc_send_blob(tc, build_request(f->mem, 2, 7, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, &x, 1)));
	struct ncacn_packet *fault = rpc_expect_fault(f, tc, 2, DCERPC_NCA_S_UNKNOWN_IF, true);
	assert_int_equal(fault->u.fault.context_id, 0);
	echo_ok(f, tc, 3);
}

/* An alter_context that proposes NDR64 for a context id already in use is a
 * protocol error: fault, then the connection closes. */
static void test_alter_reuse_with_ndr64(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	struct ndr_syntax_id both[2] = { ndr_transfer_syntax_ndr64, ndr_transfer_syntax_ndr };
	struct dcerpc_ctx_list c = { .context_id = 0,
				     .abstract_syntax = ndr_table_rpctest.syntax_id,
				     .num_transfer_syntaxes = 2,
				     .transfer_syntaxes = both };
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_ALTER, 2, 0, 0, 1, &c, NULL));
	rpc_expect_fault(f, tc, 2, DCERPC_NCA_S_PROTO_ERROR, true);
	assert_true(tc_wait_closed(tc));
	/* a new id with the same list is fine: NDR is picked */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	c.context_id = 1;
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_ALTER, 2, 0, 0, 1, &c, NULL));
	struct ncacn_packet *resp = recv_pkt(f, tc);
	assert_non_null(resp);
	assert_int_equal(resp->ptype, DCERPC_PKT_ALTER_RESP);
	assert_int_equal(resp->u.alter_resp.ctx_list[0].result, DCERPC_BIND_ACK_RESULT_ACCEPTANCE);
}

/* Issue 9, defect 4: a connection that does not bind within
 * handshake_timeout is closed; a bound one is not. */
static void test_handshake_timeout(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *silent = tc_connect(f->mem, f->ev, f->port);
	struct tclient *bound = tc_bind_rpctest(f->mem, f->ev, f->port);
	pump(f->ev, 1100);
	assert_true(tc_wait_closed(silent));
	pump(f->ev, 500);
	echo_ok(f, bound, 2);
}

static struct tclient *tc_connect_from(struct rpc_fixture *f, const char *source)
{
	struct tclient *tc = talloc_zero(f->mem, struct tclient);
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(f->port) };
	assert_int_equal(inet_pton(AF_INET, source, &src.sin_addr), 1);
	assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr), 1);
	tc->ev = f->ev;
	tc->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(tc->fd >= 0);
	assert_int_equal(bind(tc->fd, (struct sockaddr *)&src, sizeof(src)), 0);
	assert_int_equal(connect(tc->fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
	pump(f->ev, 1);
	return tc;
}

static void bind_from(struct rpc_fixture *f, struct tclient *tc)
{
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 0, &ndr_table_rpctest.syntax_id,
					    &ndr_transfer_syntax_ndr);
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, 0, 1, &c, NULL));
}

/* A call in progress keeps a connection from being evicted. */
static void start_slow_call(struct rpc_fixture *f, struct tclient *tc, uint32_t ms)
{
	uint8_t *slow = talloc_zero_size(f->mem, ms);
	tc_send_blob(tc, build_request(f->mem, 2, 0, 1, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, slow, ms)));
	pump(f->ev, 5);
}

/* When every slot is taken, the oldest unauthenticated idle connection makes
 * room for a new client; busy connections are never evicted. */
static void test_full_table_evicts_idle(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *busy = tc_bind_rpctest(f->mem, f->ev, f->port);
	start_slow_call(f, busy, 1500);
	struct tclient *s1 = tc_connect(f->mem, f->ev, f->port);
	struct tclient *s2 = tc_connect(f->mem, f->ev, f->port);
	/* full (3): the next one takes s1's place, then s2's */
	struct tclient *c1 = tc_bind_rpctest(f->mem, f->ev, f->port);
	assert_true(tc_wait_closed(s1));
	struct tclient *c2 = tc_bind_rpctest(f->mem, f->ev, f->port);
	assert_true(tc_wait_closed(s2));
	echo_ok(f, c2, 2);
	/* c1 is now the oldest idle one */
	struct tclient *c3 = tc_bind_rpctest(f->mem, f->ev, f->port);
	assert_true(tc_wait_closed(c1));
	echo_ok(f, c3, 2);
	/* the busy one was left alone */
	struct ncacn_packet *resp = recv_pkt(f, busy);
	assert_non_null(resp);
	assert_int_equal(resp->ptype, DCERPC_PKT_RESPONSE);
}

/* max_connections_per_peer: a peer whose connections are all busy is
 * refused; another address is not affected. */
static void test_per_peer_limit(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *a = tc_connect_from(f, "127.0.0.1");
	bind_from(f, a);
	assert_int_equal(recv_pkt(f, a)->ptype, DCERPC_PKT_BIND_ACK);
	start_slow_call(f, a, 1500);
	struct tclient *b = tc_connect_from(f, "127.0.0.1");
	bind_from(f, b);
	assert_int_equal(recv_pkt(f, b)->ptype, DCERPC_PKT_BIND_ACK);
	start_slow_call(f, b, 1500);

	struct tclient *c = tc_connect_from(f, "127.0.0.1");
	bind_from(f, c);
	rpc_expect_bind_nak(f, c, DCERPC_BIND_NAK_REASON_LOCAL_LIMIT_EXCEEDED);
	assert_true(tc_wait_closed(c));

	struct tclient *other = tc_connect_from(f, "127.0.0.2");
	bind_from(f, other);
	assert_int_equal(recv_pkt(f, other)->ptype, DCERPC_PKT_BIND_ACK);
	echo_ok(f, other, 2);

	/* an idle connection of the same peer makes room: the oldest goes */
	struct tclient *d = tc_connect_from(f, "127.0.0.2");
	struct tclient *e = tc_connect_from(f, "127.0.0.2");
	assert_true(tc_wait_closed(other));
	bind_from(f, e);
	assert_int_equal(recv_pkt(f, e)->ptype, DCERPC_PKT_BIND_ACK);
	bind_from(f, d);
	assert_int_equal(recv_pkt(f, d)->ptype, DCERPC_PKT_BIND_ACK);
}

/* A console that binds a fresh presentation context for every interface
 * switch (impacket's alter_ctx) never hits the 256-context limit: the least
 * recently used context without a call in progress gives way. */
static void test_presentation_context_reclaim(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	uint8_t x = 1;
	for (uint16_t id = 1; id <= 300; id++) {
		struct dcerpc_ctx_list c = ctx_elem(f->mem, id, &ndr_table_rpctest.syntax_id,
						    &ndr_transfer_syntax_ndr);
		tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_ALTER, 1000u + id, 0, 0, 1, &c, NULL));
		struct ncacn_packet *resp = recv_pkt(f, tc);
		assert_non_null(resp);
		assert_int_equal(resp->ptype, DCERPC_PKT_ALTER_RESP);
		assert_int_equal(resp->u.alter_resp.ctx_list[0].result,
				 DCERPC_BIND_ACK_RESULT_ACCEPTANCE);
		tc_send_blob(tc, build_request(f->mem, id, id, 0,
					       DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 0, NULL,
					       echo_stub(f->mem, &x, 1)));
		resp = recv_pkt(f, tc);
		assert_non_null(resp);
		assert_int_equal(resp->ptype, DCERPC_PKT_RESPONSE);
	}
	/* context 0, unused since, was given up: not executed, connection stays */
	tc_send_blob(tc, build_request(f->mem, 400, 0, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, &x, 1)));
	rpc_expect_fault(f, tc, 400, DCERPC_NCA_S_UNKNOWN_IF, true);
	tc_send_blob(tc, build_request(f->mem, 401, 300, 0,
				       DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 0, NULL,
				       echo_stub(f->mem, &x, 1)));
	struct ncacn_packet *resp = recv_pkt(f, tc);
	assert_non_null(resp);
	assert_int_equal(resp->ptype, DCERPC_PKT_RESPONSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_pdu_after_close_decision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_auth_length_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opnum_range_before_auth_level,
						setup_integrity, teardown),
		cmocka_unit_test_setup_teardown(test_alter_conc_mpx_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_context_fault_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alter_reuse_with_ndr64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_timeout, setup_handshake, teardown),
		cmocka_unit_test_setup_teardown(test_full_table_evicts_idle, setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_per_peer_limit, setup_per_peer, teardown),
		cmocka_unit_test_setup_teardown(test_presentation_context_reclaim, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
