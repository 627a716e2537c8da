/* The security glue with real NTLMSSP and SPNEGO contexts on both sides
 * (src/auth's client plays the client): legs in bind, auth3 and
 * alter_context, several contexts per connection, sealed and signed
 * fragments both ways with auth padding, header signing, the verification
 * trailer, min_auth_level, refused credentials, and the reclaiming of
 * security contexts nothing uses any more. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rpc_common.h>

#include "auth/auth.h"
#include "rpc/pdu.h"
#include "rpc_test_iface.h"


/* NTOWFv1("Password"), MS-NLMP 4.2.1 */
#define ALICE "alice:admin:a4f49c406510bdcab6824ee7c30fd852\n"
#define BOB "bob:user:a4f49c406510bdcab6824ee7c30fd852\n"

static char users_dir[64];

static int setup_with(void **state, const char *extra)
{
	snprintf(users_dir, sizeof(users_dir), "/tmp/rpc-sec-XXXXXX");
	assert_non_null(mkdtemp(users_dir));
	char path[96];
	snprintf(path, sizeof(path), "%s/users", users_dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ALICE BOB, strlen(ALICE BOB)), (ssize_t)strlen(ALICE BOB));
	close(fd);
	rpctest_accounts = auth_accounts_open(NULL, path);
	assert_non_null(rpctest_accounts);
	struct rpc_fixture *f = rpc_fixture_new(extra);
	talloc_steal(f, rpctest_accounts);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, "min_auth_level = integrity");
}

static int teardown(void **state)
{
	char path[96];
	snprintf(path, sizeof(path), "%s/users", users_dir);
	unlink(path);
	rmdir(users_dir);
	rpc_fixture_free(*state);
	rpctest_accounts = NULL;
	return 0;
}

static struct ncacn_packet *recv_pkt(struct rpc_fixture *f, struct tclient *tc, DATA_BLOB *raw)
{
	return tc_recv_pkt(tc, f->mem, raw);
}

/* A client security context and what the server must see of it. */
struct csec {
	struct auth_ctx *auth;
	uint8_t type, level;
	uint32_t id;
};

static struct dcerpc_auth trailer(const struct csec *c, DATA_BLOB token)
{
	return (struct dcerpc_auth){ .auth_type = c->type, .auth_level = c->level,
				     .auth_context_id = c->id, .credentials = token };
}

/* The presentation context authenticate() proposes. */
static uint16_t legs_context_id;

/* Runs the legs of C over bind (when BIND) or alter_context, finishing with
 * auth3 when the server has nothing more to say and the client a last token.
 * Returns the last server answer. */
static struct ncacn_packet *authenticate(struct rpc_fixture *f, struct tclient *tc, struct csec *c,
					 bool bind, uint32_t *call_id, uint8_t flags,
					 const char *password, bool use_auth3)
{
	struct dcerpc_ctx_list ctx = ctx_elem(f->mem, legs_context_id, &ndr_table_rpctest.syntax_id,
					      &ndr_transfer_syntax_ndr);
	c->auth = auth_client_new(f->mem, c->type, "alice", "", password);
	assert_non_null(c->auth);
	DATA_BLOB in = data_blob_null, out;
	int rc = auth_update(c->auth, f->mem, &in, &out);
	assert_int_equal(rc, 1);
	uint8_t ptype = bind ? DCERPC_PKT_BIND : DCERPC_PKT_ALTER;
	for (;;) {
		struct dcerpc_auth a = trailer(c, out);
		tc_send_blob(tc, build_bind(f->mem, ptype, (*call_id)++, 0, flags, 1, &ctx, &a));
		struct ncacn_packet *resp = recv_pkt(f, tc, NULL);
		if (resp == NULL || (resp->ptype != DCERPC_PKT_BIND_ACK &&
				     resp->ptype != DCERPC_PKT_ALTER_RESP))
			return resp;
		ptype = DCERPC_PKT_ALTER;
		struct dcerpc_auth got;
		size_t data_len;
		assert_int_equal(rpc_pdu_split_auth(&resp->u.bind_ack.auth_info, resp->auth_length,
						    false, true, &got, &data_len), 0);
		assert_int_equal(got.auth_context_id, c->id);
		if (got.credentials.length == 0 && auth_is_complete(c->auth))
			return resp;
		rc = auth_update(c->auth, f->mem, &got.credentials, &out);
		assert_true(rc == 0 || rc == 1);
		if (rc == 0 && out.length == 0)
			return resp;
		if (rc == 0 && use_auth3) {
			/* the last leg in auth3: no answer */
			struct ncacn_packet pkt;
			DATA_BLOB blob;
			rpc_pdu_init(&pkt, DCERPC_PKT_AUTH3, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				     (*call_id)++);
			struct dcerpc_auth a3 = trailer(c, out);
			assert_int_equal(rpc_pdu_push(f->mem, &pkt, &a3, &blob), 0);
			tc_send_blob(tc, blob);
			return resp;
		}
	}
}

/* Builds a protected request fragment of STUB (FLAGS, ALLOC_HINT), sealed or
 * signed by C. */
static DATA_BLOB protected_request(struct rpc_fixture *f, struct csec *c, uint32_t call_id, uint16_t opnum,
				   uint8_t flags, uint32_t alloc_hint, DATA_BLOB stub)
{
	size_t pad = rpc_auth_pad(stub.length);
	size_t sig_size = auth_sig_size(c->auth);
	DATA_BLOB body = data_blob_talloc_zero(f->mem, stub.length + pad);
	memcpy(body.data, stub.data, stub.length);
	uint8_t *zeros = talloc_zero_size(f->mem, sig_size);
	struct ncacn_packet pkt;
	rpc_pdu_init(&pkt, DCERPC_PKT_REQUEST, flags, call_id);
	pkt.u.request.alloc_hint = alloc_hint;
	pkt.u.request.opnum = opnum;
	pkt.u.request.stub_and_verifier = body;
	struct dcerpc_auth a = trailer(c, data_blob_const(zeros, sig_size));
	a.auth_pad_length = (uint8_t)pad;
	DATA_BLOB frag;
	assert_int_equal(rpc_pdu_push(f->mem, &pkt, &a, &frag), 0);
	DATA_BLOB sig;
	size_t whole = frag.length - sig_size;
	if (c->level == DCERPC_AUTH_LEVEL_PRIVACY)
		assert_int_equal(auth_seal(c->auth, f->mem, frag.data + 24, body.length, frag.data, whole, &sig), 0);
	else
		assert_int_equal(auth_sign(c->auth, f->mem, frag.data + 24, body.length, frag.data, whole, &sig), 0);
	assert_int_equal(sig.length, sig_size);
	memcpy(frag.data + whole, sig.data, sig.length);
	return frag;
}

/* Reads a whole protected response (maybe in fragments), checking every
 * fragment's signature with C; returns the stub. */
static DATA_BLOB protected_response(struct rpc_fixture *f, struct tclient *tc, struct csec *c,
				    uint32_t call_id)
{
	DATA_BLOB all = data_blob_talloc(f->mem, NULL, 0);
	for (;;) {
		DATA_BLOB raw;
		struct ncacn_packet *pkt = recv_pkt(f, tc, &raw);
		assert_non_null(pkt);
		if (pkt->ptype == DCERPC_PKT_FAULT)
			fail_msg("fault 0x%08x", pkt->u.fault.status);
		assert_int_equal(pkt->ptype, DCERPC_PKT_RESPONSE);
		assert_int_equal(pkt->call_id, call_id);
		assert_int_equal(pkt->auth_length, auth_sig_size(c->auth));
		struct dcerpc_auth a;
		size_t stub_len;
		assert_int_equal(rpc_pdu_split_auth(&pkt->u.response.stub_and_verifier,
						    pkt->auth_length, false, false, &a, &stub_len), 0);
		assert_int_equal(a.auth_context_id, c->id);
		assert_int_equal(a.auth_level, c->level);
		/* the sec_trailer is 16-byte aligned within the body */
		assert_int_equal((stub_len + a.auth_pad_length) % 16, 0);
		size_t body_len = stub_len + a.auth_pad_length;
		size_t whole = raw.length - pkt->auth_length;
		DATA_BLOB sig = data_blob_const(raw.data + whole, pkt->auth_length);
		if (c->level == DCERPC_AUTH_LEVEL_PRIVACY)
			assert_int_equal(auth_unseal(c->auth, raw.data + 24, body_len, raw.data, whole, &sig), 0);
		else
			assert_int_equal(auth_check(c->auth, raw.data + 24, body_len, raw.data, whole, &sig), 0);
		data_blob_append(f->mem, &all, raw.data + 24, stub_len);
		if (pkt->pfc_flags & DCERPC_PFC_FLAG_LAST)
			return all;
	}
}

static void sealed_echo(struct rpc_fixture *f, struct tclient *tc, struct csec *c, uint32_t call_id,
			size_t len)
{
	uint8_t *data = talloc_size(f->mem, len);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i ^ call_id);
	DATA_BLOB stub = echo_stub(f->mem, data, (uint32_t)len);
	for (size_t off = 0; off == 0 || off < stub.length; off += 2000) {
		size_t n = stub.length - off < 2000 ? stub.length - off : 2000;
		uint8_t flags = (off == 0 ? DCERPC_PFC_FLAG_FIRST : 0) |
				(off + n == stub.length ? DCERPC_PFC_FLAG_LAST : 0);
		tc_send_blob(tc, protected_request(f, c, call_id, 0, flags, (uint32_t)(stub.length - off),
						   data_blob_const(stub.data + off, n)));
	}
	DATA_BLOB out = protected_response(f, tc, c, call_id);
	assert_int_equal(out.length, 8 + len + (4 - len % 4) % 4 + 4);
	assert_memory_equal(out.data + 8, data, len);
}

static void test_ntlm_privacy_auth3(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_connect(f->mem, f->ev, f->port);
	struct csec c = { .type = DCERPC_AUTH_TYPE_NTLMSSP, .level = DCERPC_AUTH_LEVEL_PRIVACY, .id = 79231 };
	uint32_t call_id = 1;
	struct ncacn_packet *ack = authenticate(f, tc, &c, true, &call_id,
						DCERPC_PFC_FLAG_SUPPORT_HEADER_SIGN, "Password", true);
	assert_int_equal(ack->ptype, DCERPC_PKT_BIND_ACK);
	assert_true(ack->pfc_flags & DCERPC_PFC_FLAG_SUPPORT_HEADER_SIGN);
	sealed_echo(f, tc, &c, call_id++, 10);
	assert_string_equal(rpctest_last.user, "alice");
	assert_int_equal(rpctest_last.auth_level, DCERPC_AUTH_LEVEL_PRIVACY);
	/* fragments both ways, every one sealed with the next sequence number */
	sealed_echo(f, tc, &c, call_id++, 15000);
	sealed_echo(f, tc, &c, call_id++, 0);
	assert_int_equal(*f->count, 3);
}

static void test_integrity_and_second_context(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_connect(f->mem, f->ev, f->port);
	struct csec a = { .type = DCERPC_AUTH_TYPE_NTLMSSP, .level = DCERPC_AUTH_LEVEL_INTEGRITY, .id = 1 };
	uint32_t call_id = 1;
	assert_int_equal(authenticate(f, tc, &a, true, &call_id, 0, "Password", true)->ptype,
			 DCERPC_PKT_BIND_ACK);
	sealed_echo(f, tc, &a, call_id++, 100);
	assert_int_equal(rpctest_last.auth_level, DCERPC_AUTH_LEVEL_INTEGRITY);

	/* a second context, SPNEGO at privacy, negotiated in alter_context legs */
	struct csec b = { .type = DCERPC_AUTH_TYPE_SPNEGO, .level = DCERPC_AUTH_LEVEL_PRIVACY, .id = 2 };
	struct ncacn_packet *resp = authenticate(f, tc, &b, false, &call_id, 0, "Password", false);
	assert_int_equal(resp->ptype, DCERPC_PKT_ALTER_RESP);
	assert_true(auth_is_complete(b.auth));
	sealed_echo(f, tc, &b, call_id++, 3000);
	assert_int_equal(rpctest_last.auth_level, DCERPC_AUTH_LEVEL_PRIVACY);
	/* both keep working, each with its own sequence numbers */
	sealed_echo(f, tc, &a, call_id++, 7);
	sealed_echo(f, tc, &b, call_id++, 7);
}

static void test_wrong_password(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_connect(f->mem, f->ev, f->port);
	struct csec c = { .type = DCERPC_AUTH_TYPE_NTLMSSP, .level = DCERPC_AUTH_LEVEL_PRIVACY, .id = 5 };
	uint32_t call_id = 1;
	authenticate(f, tc, &c, true, &call_id, 0, "wrong", true);
	/* the client cannot know yet; its first request is refused */
	uint8_t x = 1;
	tc_send_blob(tc, protected_request(f, &c, call_id, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
					   0, echo_stub(f->mem, &x, 1)));
	struct ncacn_packet *fault = recv_pkt(f, tc, NULL);
	assert_non_null(fault);
	assert_int_equal(fault->ptype, DCERPC_PKT_FAULT);
	assert_int_equal(fault->u.fault.status, DCERPC_FAULT_ACCESS_DENIED);
	assert_true(tc_wait_closed(tc));
	assert_int_equal(*f->count, 0);

	/* in alter_context legs the refusal is a fault at once */
	tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	struct csec s = { .type = DCERPC_AUTH_TYPE_SPNEGO, .level = DCERPC_AUTH_LEVEL_PRIVACY, .id = 6 };
	call_id = 2;
	fault = authenticate(f, tc, &s, false, &call_id, 0, "wrong", false);
	assert_int_equal(fault->ptype, DCERPC_PKT_FAULT);
	assert_int_equal(fault->u.fault.status, DCERPC_FAULT_ACCESS_DENIED);
	assert_true(tc_wait_closed(tc));
}

static void test_tampered_and_min_level(void **state)
{
	struct rpc_fixture *f = *state;
	/* unauthenticated: opnum 0 is exempt, opnum 2 is not */
	struct tclient *tc = tc_bind_rpctest(f->mem, f->ev, f->port);
	uint8_t code[4] = { 0 };
	tc_send_blob(tc, build_request(f->mem, 2, 0, 2, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, code, 4)));
	struct ncacn_packet *fault = recv_pkt(f, tc, NULL);
	assert_int_equal(fault->u.fault.status, DCERPC_FAULT_ACCESS_DENIED);

	/* connect level is below integrity too */
	tc = tc_connect(f->mem, f->ev, f->port);
	struct csec c = { .type = DCERPC_AUTH_TYPE_NTLMSSP, .level = DCERPC_AUTH_LEVEL_CONNECT, .id = 9 };
	uint32_t call_id = 1;
	authenticate(f, tc, &c, true, &call_id, 0, "Password", true);
	tc_send_blob(tc, build_request(f->mem, call_id, 0, 2, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
				       0, NULL, echo_stub(f->mem, code, 4)));
	fault = recv_pkt(f, tc, NULL);
	assert_int_equal(fault->ptype, DCERPC_PKT_FAULT);
	assert_int_equal(fault->u.fault.status, DCERPC_FAULT_ACCESS_DENIED);
	/* ...but a connect-level call without trailer runs as alice */
	tc_send_blob(tc, build_request(f->mem, call_id + 1, 0, 0,
				       DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 0, NULL,
				       echo_stub(f->mem, code, 4)));
	struct ncacn_packet *resp = recv_pkt(f, tc, NULL);
	assert_int_equal(resp->ptype, DCERPC_PKT_RESPONSE);
	assert_string_equal(rpctest_last.user, "alice");
	assert_int_equal(rpctest_last.auth_level, DCERPC_AUTH_LEVEL_CONNECT);

	/* a sealed request altered in transit */
	tc = tc_connect(f->mem, f->ev, f->port);
	struct csec p = { .type = DCERPC_AUTH_TYPE_NTLMSSP, .level = DCERPC_AUTH_LEVEL_PRIVACY, .id = 3 };
	call_id = 1;
	authenticate(f, tc, &p, true, &call_id, 0, "Password", true);
	DATA_BLOB req = protected_request(f, &p, call_id, 2, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
					  0, echo_stub(f->mem, code, 4));
	req.data[14] ^= 1; /* the call id is covered by the signature */
	tc_send_blob(tc, req);
	fault = recv_pkt(f, tc, NULL);
	assert_int_equal(fault->ptype, DCERPC_PKT_FAULT);
	assert_int_equal(fault->u.fault.status, DCERPC_FAULT_ACCESS_DENIED);
	assert_int_equal(fault->pfc_flags & DCERPC_PFC_FLAG_DID_NOT_EXECUTE, 0);
	assert_true(tc_wait_closed(tc));
	assert_int_equal(*f->count, 1);
}

/* MS-RPCE 2.2.2.13: a trailer after the stub, inside the sealed body. */
static DATA_BLOB with_trailer(struct rpc_fixture *f, DATA_BLOB stub, uint32_t call_id, uint16_t opnum,
			      bool hdr_signing)
{
	struct dcerpc_sec_vt cmds[3] = {
		{ .command = DCERPC_SEC_VT_COMMAND_BITMASK1,
		  .u.bitmask1 = hdr_signing ? DCERPC_SEC_VT_CLIENT_SUPPORTS_HEADER_SIGNING : 0 },
		{ .command = DCERPC_SEC_VT_COMMAND_PCONTEXT,
		  .u.pcontext = { ndr_table_rpctest.syntax_id, ndr_transfer_syntax_ndr } },
		{ .command = DCERPC_SEC_VT_COMMAND_HEADER2 | DCERPC_SEC_VT_COMMAND_END,
		  .u.header2 = { .ptype = DCERPC_PKT_REQUEST, .drep = { DCERPC_DREP_LE },
				 .call_id = call_id, .context_id = 0, .opnum = opnum } },
	};
	struct dcerpc_sec_verification_trailer vt = {
		.magic = { 0x8a, 0xe3, 0x13, 0x71, 0x02, 0xf4, 0x36, 0x71 },
		.count = { .count = 3 },
		.commands = cmds,
	};
	struct ndr_push *ndr = ndr_push_init_ctx(f->mem);
	assert_int_equal(ndr_push_bytes(ndr, stub.data, stub.length), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_push_dcerpc_sec_verification_trailer(ndr, NDR_SCALARS | NDR_BUFFERS, &vt),
			 NDR_ERR_SUCCESS);
	return ndr_push_blob(ndr);
}

static void test_verification_trailer(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_connect(f->mem, f->ev, f->port);
	struct csec c = { .type = DCERPC_AUTH_TYPE_NTLMSSP, .level = DCERPC_AUTH_LEVEL_PRIVACY, .id = 4 };
	uint32_t call_id = 1;
	authenticate(f, tc, &c, true, &call_id, DCERPC_PFC_FLAG_SUPPORT_HEADER_SIGN, "Password", true);
	uint8_t x[3] = { 1, 2, 3 };
	DATA_BLOB stub = with_trailer(f, echo_stub(f->mem, x, 3), call_id, 0, true);
	tc_send_blob(tc, protected_request(f, &c, call_id, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
					   0, stub));
	DATA_BLOB out = protected_response(f, tc, &c, call_id);
	assert_memory_equal(out.data + 8, x, 3);
	call_id++;

	/* a trailer naming another opnum than the header's */
	stub = with_trailer(f, echo_stub(f->mem, x, 3), call_id, 1, true);
	tc_send_blob(tc, protected_request(f, &c, call_id, 0, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
					   0, stub));
	struct ncacn_packet *fault = recv_pkt(f, tc, NULL);
	assert_int_equal(fault->ptype, DCERPC_PKT_FAULT);
	assert_int_equal(fault->u.fault.status, DCERPC_FAULT_ACCESS_DENIED);
	assert_int_equal(*f->count, 1);
}

/* Issue 9: security contexts that no presentation context or call uses any
 * more are freed when room is needed, so re-authenticating forever works; a
 * multiplexing client whose 64 contexts are all in use is refused. */
static void test_security_context_reclaim(void **state)
{
	struct rpc_fixture *f = *state;
	struct tclient *tc = tc_connect(f->mem, f->ev, f->port);
	struct ndr_syntax_id features =
		dcerpc_construct_bind_time_features(DCERPC_BIND_TIME_SECURITY_CONTEXT_MULTIPLEXING);
	struct dcerpc_ctx_list ctx[2] = {
		ctx_elem(f->mem, 0, &ndr_table_rpctest.syntax_id, &ndr_transfer_syntax_ndr),
		ctx_elem(f->mem, 1, &ndr_table_rpctest.syntax_id, &features),
	};
	tc_send_blob(tc, build_bind(f->mem, DCERPC_PKT_BIND, 1, 0, 0, 2, ctx, NULL));
	struct ncacn_packet *ack = recv_pkt(f, tc, NULL);
	assert_non_null(ack);
	assert_int_equal(ack->u.bind_ack.ctx_list[1].result, DCERPC_BIND_ACK_RESULT_NEGOTIATE_ACK);
	assert_true(ack->u.bind_ack.ctx_list[1].reason.negotiate &
		    DCERPC_BIND_TIME_SECURITY_CONTEXT_MULTIPLEXING);

	uint32_t call_id = 2;
	legs_context_id = 0;
	for (uint32_t i = 0; i < 100; i++) {
		struct csec c = { .type = DCERPC_AUTH_TYPE_NTLMSSP,
				  .level = DCERPC_AUTH_LEVEL_INTEGRITY, .id = 100 + i };
		struct ncacn_packet *resp = authenticate(f, tc, &c, false, &call_id, 0, "Password",
							 true);
		assert_non_null(resp);
		assert_int_equal(resp->ptype, DCERPC_PKT_ALTER_RESP);
		sealed_echo(f, tc, &c, call_id++, 4);
	}
	/* 64 contexts each named by its own presentation context: no room */
	for (uint16_t id = 2; id < 70; id++) {
		struct csec c = { .type = DCERPC_AUTH_TYPE_NTLMSSP,
				  .level = DCERPC_AUTH_LEVEL_INTEGRITY, .id = 1000 + id };
		legs_context_id = id;
		struct ncacn_packet *resp = authenticate(f, tc, &c, false, &call_id, 0, "Password",
							 true);
		assert_non_null(resp);
		if (id < 65) {
			assert_int_equal(resp->ptype, DCERPC_PKT_ALTER_RESP);
			continue;
		}
		assert_int_equal(resp->ptype, DCERPC_PKT_FAULT);
		assert_int_equal(resp->u.fault.status, DCERPC_NCA_S_PROTO_ERROR);
		assert_true(tc_wait_closed(tc));
		break;
	}
	legs_context_id = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ntlm_privacy_auth3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_integrity_and_second_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_and_min_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verification_trailer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_security_context_reclaim, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
