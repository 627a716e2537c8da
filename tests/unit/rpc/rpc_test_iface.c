#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "istmd/config.h"
#include "rpc/pdu.h"
#include "rpc_test_iface.h"

struct rpctest_seen rpctest_last;
struct tevent_context *rpctest_ev;
struct auth_accounts *rpctest_accounts;

static bool before(const struct timeval *end)
{
	struct timeval now = tevent_timeval_current();
	return tevent_timeval_compare(&now, end) < 0;
}

/* ---- hand-written NDR ---------------------------------------------------------- */

/* [size_is(len)] byte arrays: max_count, then the bytes. */
static enum ndr_err_code push_bytes(struct ndr_push *ndr, uint32_t len, const uint8_t *data)
{
	NDR_CHECK(ndr_push_uint32(ndr, NDR_SCALARS, len));
	NDR_CHECK(ndr_push_uint32(ndr, NDR_SCALARS, len));
	return ndr_push_array_uint8(ndr, NDR_SCALARS, data, len);
}

static enum ndr_err_code pull_bytes(struct ndr_pull *ndr, uint32_t *len, uint8_t **data)
{
	uint32_t max;
	NDR_CHECK(ndr_pull_uint32(ndr, NDR_SCALARS, len));
	NDR_CHECK(ndr_pull_uint32(ndr, NDR_SCALARS, &max));
	if (max != *len || max > ndr->data_size - ndr->offset)
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, "bad echo size %u", max);
	*data = talloc_array(ndr->current_mem_ctx, uint8_t, max ? max : 1);
	return ndr_pull_array_uint8(ndr, NDR_SCALARS, *data, max);
}

static enum ndr_err_code push_echo(struct ndr_push *ndr, int flags, const void *p)
{
	const struct rpctest_echo *r = p;
	if (flags & NDR_IN)
		NDR_CHECK(push_bytes(ndr, r->in.len, r->in.data));
	if (flags & NDR_OUT) {
		NDR_CHECK(push_bytes(ndr, r->out.len, r->out.data));
		NDR_CHECK(ndr_push_align(ndr, 4));
		NDR_CHECK(ndr_push_uint32(ndr, NDR_SCALARS, r->out.result));
	}
	return NDR_ERR_SUCCESS;
}

static enum ndr_err_code pull_echo(struct ndr_pull *ndr, int flags, void *p)
{
	struct rpctest_echo *r = p;
	if (flags & NDR_IN)
		NDR_CHECK(pull_bytes(ndr, &r->in.len, &r->in.data));
	if (flags & NDR_OUT) {
		NDR_CHECK(pull_bytes(ndr, &r->out.len, &r->out.data));
		NDR_CHECK(ndr_pull_align(ndr, 4));
		NDR_CHECK(ndr_pull_uint32(ndr, NDR_SCALARS, &r->out.result));
	}
	return NDR_ERR_SUCCESS;
}

static bool init_out_echo(TALLOC_CTX *mem, void *p)
{
	struct rpctest_echo *r = p;
	r->out.data = NULL;
	return true;
}

static const struct ndr_interface_call rpctest_calls[] = {
	{ "rpctest_echo", sizeof(struct rpctest_echo), push_echo, pull_echo, NULL, { 0, NULL }, { 0, NULL } },
	{ "rpctest_echo_later", sizeof(struct rpctest_echo), push_echo, pull_echo, NULL, { 0, NULL }, { 0, NULL } },
	{ "rpctest_fault", sizeof(struct rpctest_echo), push_echo, pull_echo, NULL, { 0, NULL }, { 0, NULL } },
};

const struct ndr_interface_table ndr_table_rpctest = {
	.name = "rpctest",
	.syntax_id = { { 0x12345678, 0x1234, 0xabcd, { 0xef, 0x00 }, { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab } }, 1 },
	.num_calls = 3,
	.calls = rpctest_calls,
};

const struct ndr_interface_table ndr_table_rpctest_other = {
	.name = "rpctest_other",
	.syntax_id = { { 0x87654321, 0x1234, 0xabcd, { 0xef, 0x00 }, { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab } }, 1 },
	.num_calls = 3,
	.calls = rpctest_calls,
};

static const idl_init_out_fn rpctest_init_out[] = { init_out_echo, init_out_echo, init_out_echo };

const struct idl_interface idl_iface_rpctest = {
	.name = "rpctest",
	.table = &ndr_table_rpctest,
	.init_out = rpctest_init_out,
};

const struct idl_interface idl_iface_rpctest_other = {
	.name = "rpctest_other",
	.table = &ndr_table_rpctest_other,
	.init_out = rpctest_init_out,
};

/* ---- implementation ------------------------------------------------------------ */

static void finish_echo(struct rpc_call *call, struct rpctest_echo *r)
{
	r->out.len = r->in.len;
	r->out.data = r->in.data;
	r->out.result = 0x600d;
	rpc_call_complete(call, 0);
}

struct later_state {
	struct rpc_call *call;
	struct rpctest_echo *r;
};

static void later(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		  void *priv)
{
	struct later_state *st = priv;
	finish_echo(st->call, st->r);
}

static void dispatch(struct rpc_call *call, uint32_t opnum, void *r, void *priv)
{
	struct rpctest_echo *e = r;
	unsigned *count = priv;
	(*count)++;
	const struct GUID *obj = rpc_call_object(call);
	rpctest_last.has_object = obj != NULL;
	if (obj != NULL)
		rpctest_last.object = *obj;
	rpctest_last.auth_level = rpc_call_auth_level(call);
	snprintf(rpctest_last.user, sizeof(rpctest_last.user), "%s",
		 rpc_call_user(call) ? rpc_call_user(call) : "");
	rpctest_last.assoc_id = rpc_assoc_id(rpc_call_assoc(call));
	rpctest_last.endpoint = rpc_call_endpoint(call);
	snprintf(rpctest_last.local_address, sizeof(rpctest_last.local_address), "%s",
		 rpc_call_local_address(call));

	switch (opnum) {
	case 0:
		finish_echo(call, e);
		break;
	case 1: {
		/* Complete after LEN milliseconds: responses leave in completion order. */
		struct later_state *st = talloc(e, struct later_state);
		st->call = call;
		st->r = e;
		struct tevent_timer *te = tevent_add_timer(
			rpctest_ev, st, tevent_timeval_current_ofs(0, e->in.len * 1000), later, st);
		assert_non_null(te);
		break;
	}
	default: {
		uint32_t code = 0;
		if (e->in.len >= 4)
			memcpy(&code, e->in.data, 4);
		rpc_call_complete(call, code);
		break;
	}
	}
}

unsigned *rpctest_register(struct rpc_server *server)
{
	unsigned *count = talloc_zero(server, unsigned);
	struct rpc_interface iface = {
		.idl = &idl_iface_rpctest,
		.endpoints = RPC_EP_MAPPER | RPC_EP_OBJECT,
		.auth_exempt_opnums = RPC_OPNUM_BIT(0),
		.dispatch = dispatch,
		.private_data = count,
	};
	assert_int_equal(rpc_server_register(server, &iface), 0);
	return count;
}

void rpctest_register_other(struct rpc_server *server, unsigned endpoints)
{
	struct rpc_interface iface = {
		.idl = &idl_iface_rpctest_other,
		.endpoints = endpoints,
		.dispatch = dispatch,
		.private_data = talloc_zero(server, unsigned),
	};
	assert_int_equal(rpc_server_register(server, &iface), 0);
}

/* ---- client -------------------------------------------------------------------- */

struct rpc_server *test_server(TALLOC_CTX *mem, struct tevent_context *ev, const char *extra)
{
	static const char *const defaults[][2] = {
		{ "listen", "127.0.0.1" },
		{ "endpoint_mapper_port", "0" },
		{ "min_auth_level", "none" },
	};
	char *err = NULL;
	char *text = talloc_asprintf(mem, "[rpc]\n%s\n", extra ? extra : "");
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (extra == NULL || strstr(extra, defaults[i][0]) == NULL)
			text = talloc_asprintf_append(text, "%s = %s\n", defaults[i][0],
						      defaults[i][1]);
	}
	struct cfg *cfg = cfg_parse(mem, "test.conf", text, &err);
	if (cfg == NULL)
		fail_msg("test config: %s", err);
	struct rpc_server *s = rpc_server_new(mem, ev, cfg, rpctest_accounts, NULL, &err);
	if (s == NULL)
		fail_msg("rpc_server_new: %s", err);
	rpctest_ev = ev;
	return s;
}

struct tclient *tc_connect_to(TALLOC_CTX *mem, struct tevent_context *ev, const char *address,
			      uint16_t port)
{
	struct tclient *tc = talloc_zero(mem, struct tclient);
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	} else {
		assert_int_equal(inet_pton(AF_INET, address, &sin->sin_addr), 1);
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	}
	tc->ev = ev;
	tc->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(tc->fd >= 0);
	assert_int_equal(connect(tc->fd, (struct sockaddr *)&ss, len), 0);
	pump(ev, 1); /* let the server accept */
	return tc;
}

struct tclient *tc_connect(TALLOC_CTX *mem, struct tevent_context *ev, uint16_t port)
{
	return tc_connect_to(mem, ev, "127.0.0.1", port);
}

void tc_send(struct tclient *tc, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t n = send(tc->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			pump(tc->ev, 1);
			continue;
		}
		if (n < 0)
			return; /* the server closed; the test will notice */
		p += n;
		len -= (size_t)n;
	}
}

void tc_send_blob(struct tclient *tc, DATA_BLOB blob)
{
	tc_send(tc, blob.data, blob.length);
}

static void tick(struct tevent_context *ev, struct tevent_timer *te, struct timeval now, void *p)
{
	*(struct tevent_timer **)p = NULL; /* tevent frees a timer that fired */
}

void pump(struct tevent_context *ev, unsigned ms)
{
	struct timeval end = tevent_timeval_current_ofs(ms / 1000, (ms % 1000) * 1000);
	do {
		struct tevent_timer *t = NULL;
		t = tevent_add_timer(ev, NULL, tevent_timeval_current_ofs(0, 1000), tick, &t);
		tevent_loop_once(ev);
		TALLOC_FREE(t);
	} while (before(&end));
}

/* Reads exactly LEN bytes, pumping the server meanwhile. 1: done, 0: EOF, -1: timeout. */
static int read_exact(struct tclient *tc, uint8_t *buf, size_t len)
{
	size_t got = 0;
	struct timeval end = tevent_timeval_current_ofs(3, 0);
	while (got < len) {
		ssize_t n = recv(tc->fd, buf + got, len - got, MSG_DONTWAIT);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return 0;
			if (!before(&end))
				return -1;
			pump(tc->ev, 1);
			continue;
		}
		got += (size_t)n;
	}
	return 1;
}

bool tc_recv(struct tclient *tc, TALLOC_CTX *mem, DATA_BLOB *pdu)
{
	uint8_t hdr[RPC_HDR_LEN];
	if (read_exact(tc, hdr, sizeof(hdr)) != 1)
		return false;
	struct rpc_pdu_hdr h;
	rpc_pdu_peek(hdr, &h);
	if (h.frag_length < RPC_HDR_LEN)
		return false;
	*pdu = data_blob_talloc(mem, NULL, h.frag_length);
	memcpy(pdu->data, hdr, sizeof(hdr));
	return read_exact(tc, pdu->data + RPC_HDR_LEN, h.frag_length - RPC_HDR_LEN) == 1;
}

bool tc_wait_closed(struct tclient *tc)
{
	uint8_t buf[256];
	struct timeval end = tevent_timeval_current_ofs(3, 0);
	while (before(&end)) {
		ssize_t n = recv(tc->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			return true;
		if (n < 0)
			pump(tc->ev, 1);
	}
	return false;
}

/* ---- PDU builders -------------------------------------------------------------- */

struct dcerpc_ctx_list ctx_elem(TALLOC_CTX *mem, uint16_t id, const struct ndr_syntax_id *abstract,
				const struct ndr_syntax_id *transfer)
{
	struct dcerpc_ctx_list c = { .context_id = id, .abstract_syntax = *abstract };
	if (transfer != NULL) {
		c.num_transfer_syntaxes = 1;
		c.transfer_syntaxes = talloc_memdup(mem, transfer, sizeof(*transfer));
	}
	return c;
}

DATA_BLOB build_bind(TALLOC_CTX *mem, uint8_t ptype, uint32_t call_id, uint32_t assoc,
		     uint8_t pfc_flags, unsigned n, const struct dcerpc_ctx_list *ctx,
		     const struct dcerpc_auth *auth)
{
	struct ncacn_packet pkt;
	DATA_BLOB blob;
	rpc_pdu_init(&pkt, ptype, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST | pfc_flags, call_id);
	pkt.u.bind.max_xmit_frag = 5840;
	pkt.u.bind.max_recv_frag = 5840;
	pkt.u.bind.assoc_group_id = assoc;
	pkt.u.bind.num_contexts = (uint8_t)n;
	pkt.u.bind.ctx_list = discard_const_p(struct dcerpc_ctx_list, ctx);
	assert_int_equal(rpc_pdu_push(mem, &pkt, auth, &blob), 0);
	return blob;
}

DATA_BLOB build_request(TALLOC_CTX *mem, uint32_t call_id, uint16_t ctx_id, uint16_t opnum,
			uint8_t pfc_flags, uint32_t alloc_hint, const struct GUID *object,
			DATA_BLOB stub)
{
	struct ncacn_packet pkt;
	DATA_BLOB blob;
	rpc_pdu_init(&pkt, DCERPC_PKT_REQUEST, pfc_flags, call_id);
	pkt.u.request.alloc_hint = alloc_hint;
	pkt.u.request.context_id = ctx_id;
	pkt.u.request.opnum = opnum;
	if (object != NULL) {
		pkt.pfc_flags |= DCERPC_PFC_FLAG_OBJECT_UUID;
		pkt.u.request.object.object = *object;
	}
	pkt.u.request.stub_and_verifier = stub;
	assert_int_equal(rpc_pdu_push(mem, &pkt, NULL, &blob), 0);
	return blob;
}

DATA_BLOB echo_stub(TALLOC_CTX *mem, const void *data, uint32_t len)
{
	struct ndr_push *ndr = ndr_push_init_ctx(mem);
	struct rpctest_echo r = { .in = { .len = len, .data = discard_const_p(uint8_t, data) } };
	assert_int_equal(push_echo(ndr, NDR_IN, &r), NDR_ERR_SUCCESS);
	return ndr_push_blob(ndr);
}

struct tclient *tc_bind_rpctest(TALLOC_CTX *mem, struct tevent_context *ev, uint16_t port)
{
	struct tclient *tc = tc_connect(mem, ev, port);
	struct dcerpc_ctx_list c = ctx_elem(mem, 0, &ndr_table_rpctest.syntax_id,
					    &ndr_transfer_syntax_ndr);
	tc_send_blob(tc, build_bind(mem, DCERPC_PKT_BIND, 1, 0, 0, 1, &c, NULL));
	DATA_BLOB ack;
	assert_true(tc_recv(tc, mem, &ack));
	struct ncacn_packet pkt;
	parse_pdu(mem, ack, &pkt);
	assert_int_equal(pkt.ptype, DCERPC_PKT_BIND_ACK);
	assert_int_equal(pkt.u.bind_ack.ctx_list[0].result, DCERPC_BIND_ACK_RESULT_ACCEPTANCE);
	return tc;
}

struct ncacn_packet *tc_recv_pkt(struct tclient *tc, TALLOC_CTX *mem, DATA_BLOB *raw)
{
	DATA_BLOB pdu;
	if (!tc_recv(tc, mem, &pdu))
		return NULL;
	struct ncacn_packet *pkt = talloc(mem, struct ncacn_packet);
	parse_pdu(mem, pdu, pkt);
	if (raw != NULL)
		*raw = pdu;
	return pkt;
}

struct rpc_fixture *rpc_fixture_new(const char *extra_config)
{
	struct rpc_fixture *f = talloc_zero(NULL, struct rpc_fixture);
	f->mem = talloc_new(f);
	f->ev = tevent_context_init(f);
	f->server = test_server(f, f->ev, extra_config);
	f->count = rpctest_register(f->server);
	f->port = rpc_server_port(f->server, RPC_EP_MAPPER);
	return f;
}

void rpc_fixture_free(struct rpc_fixture *f)
{
	rpc_server_shutdown(f->server);
	pump(f->ev, 5);
	talloc_free(f);
}

void parse_pdu(TALLOC_CTX *mem, DATA_BLOB pdu, struct ncacn_packet *pkt)
{
	assert_int_equal(rpc_pdu_pull(mem, &pdu, pkt), 0);
}

void rpc_expect_bind_nak(struct rpc_fixture *f, struct tclient *tc, uint16_t reason)
{
	struct ncacn_packet *pkt = tc_recv_pkt(tc, f->mem, NULL);
	assert_non_null(pkt);
	assert_int_equal(pkt->ptype, DCERPC_PKT_BIND_NAK);
	assert_int_equal(pkt->u.bind_nak.reject_reason, reason);
}

struct ncacn_packet *rpc_expect_fault(struct rpc_fixture *f, struct tclient *tc,
				      uint32_t call_id, uint32_t status, bool did_not_execute)
{
	struct ncacn_packet *pkt = tc_recv_pkt(tc, f->mem, NULL);
	assert_non_null(pkt);
	assert_int_equal(pkt->ptype, DCERPC_PKT_FAULT);
	assert_int_equal(pkt->call_id, call_id);
	assert_int_equal(pkt->u.fault.status, status);
	assert_int_equal(!!(pkt->pfc_flags & DCERPC_PFC_FLAG_DID_NOT_EXECUTE), did_not_execute);
	assert_int_equal(pkt->frag_length, RPC_FAULT_LEN);
	return pkt;
}
