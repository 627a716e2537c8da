/* Client <-> server round trips through the public API (auth.h): NTLMSSP and
 * SPNEGO handshakes, signing and sealing in both directions over several
 * messages, and everything that must be refused. */
#include "auth_test.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/ntlm.h"
#include "auth/ntlm_crypto.h"
#include "auth/ntlm_msg.h"
#include "auth/spnego_der.h"
#include "auth/users_file.h"
#include "istmd/log.h"

#define KRB5_OID "1.2.840.113554.1.2.2"

struct fixture {
	TALLOC_CTX *mem;
	char dir[32];
	char *path;
	struct auth_accounts *accounts;
	struct auth_server_options opts;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->mem = talloc_new(NULL);
	strcpy(f->dir, "/tmp/istmd-auth-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = talloc_asprintf(f->mem, "%s/users", f->dir);
	assert_int_equal(users_add(f->path, "alice", true, "Secret#1"), 0);
	assert_int_equal(users_add(f->path, "bob", false, "h\xc3\xa9llo w\xc3\xb6rld"), 0);
	f->accounts = auth_accounts_open(f->mem, f->path);
	f->opts = (struct auth_server_options){ .nb_computer_name = "ISTMD",
						.nb_domain_name = "WORKGROUP",
						.dns_computer_name = "istmd.example.org",
						.dns_domain_name = "example.org" };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	unlink(f->path);
	rmdir(f->dir);
	talloc_free(f->mem);
	free(f);
	return 0;
}

/* Tampering hook: may change the token of leg LEG (0 = client's first) before
 * it is delivered. */
typedef void (*mutate_fn)(int leg, DATA_BLOB *token, void *priv);

/* Runs the exchange; returns 0 when both sides are complete, else the first
 * error and *FAILED_SERVER says which side returned it. */
static int run(TALLOC_CTX *mem, struct auth_ctx *client, struct auth_ctx *server, mutate_fn mutate,
	       void *priv, bool *failed_server)
{
	DATA_BLOB in = { NULL, 0 }, out;
	int leg = 0;
	*failed_server = false;
	for (int round = 0; round < 5; round++) {
		int ret = auth_update(client, mem, &in, &out);
		if (ret < 0)
			return ret;
		if (out.length == 0)
			break;
		if (mutate != NULL)
			mutate(leg, &out, priv);
		leg++;
		ret = auth_update(server, mem, &out, &in);
		if (ret < 0) {
			*failed_server = true;
			return ret;
		}
		if (in.length == 0)
			break;
		if (mutate != NULL)
			mutate(leg, &in, priv);
		leg++;
	}
	assert_true(auth_is_complete(client));
	assert_true(auth_is_complete(server));
	return 0;
}

static void handshake_ok(struct fixture *f, uint8_t type, struct auth_ctx **c, struct auth_ctx **s)
{
	*s = auth_server_new(f->mem, f->accounts, &f->opts, type);
	*c = auth_client_new(f->mem, type, "ALICE", "anything", "Secret#1");
	assert_non_null(*s);
	assert_non_null(*c);
	bool side;
	assert_int_equal(run(f->mem, *c, *s, NULL, NULL, &side), 0);
	assert_string_equal(auth_user(*s), "ALICE");
	assert_string_equal(auth_domain(*s), "anything");
	assert_true(auth_is_admin(*s));
	assert_int_equal(auth_type(*s), type);
	assert_true(auth_can_sign(*s));
	assert_true(auth_can_seal(*s));
	assert_int_equal(auth_sig_size(*s), 16);
}

/* A DCE/RPC-like PDU: 16-byte header, stub, 8-byte trailer; the signature
 * covers all of it, the seal only the stub. */
struct pdu {
	uint8_t bytes[16 + 64 + 8];
	uint8_t *stub;
	size_t stub_len;
};

static void make_pdu(struct pdu *p, int n, size_t stub_len)
{
	memset(p->bytes, 0, sizeof(p->bytes));
	for (size_t i = 0; i < sizeof(p->bytes); i++)
		p->bytes[i] = (uint8_t)(i * 7 + (size_t)n);
	p->stub = p->bytes + 16;
	p->stub_len = stub_len;
}

static size_t pdu_len(const struct pdu *p)
{
	return 16 + p->stub_len + 8;
}

/* Seals in one direction and unseals in the other, then signs and checks. */
static void exchange(TALLOC_CTX *mem, struct auth_ctx *from, struct auth_ctx *to, int n)
{
	struct pdu p, orig;
	DATA_BLOB sig;
	/* at least 8 bytes: a sealed 1-byte stub equals its plain text once
	 * in 256 keys, which "sealing changed it" must not depend on */
	make_pdu(&p, n, 8 + (size_t)n * 5 % 57);
	orig = p;
	assert_int_equal(auth_seal(from, mem, p.stub, p.stub_len, p.bytes, pdu_len(&p), &sig), 0);
	assert_int_equal(sig.length, 16);
	assert_memory_not_equal(p.stub, orig.bytes + 16, p.stub_len);
	assert_int_equal(auth_unseal(to, p.stub, p.stub_len, p.bytes, pdu_len(&p), &sig), 0);
	assert_memory_equal(p.bytes, orig.bytes, pdu_len(&p));

	assert_int_equal(auth_sign(from, mem, p.stub, p.stub_len, p.bytes, pdu_len(&p), &sig), 0);
	assert_int_equal(auth_check(to, p.stub, p.stub_len, p.bytes, pdu_len(&p), &sig), 0);

	/* The same through the in-place variants the server uses: the
	 * signature written to the caller's bytes, read by the usual checks. */
	uint8_t in_place[16];
	assert_int_equal(auth_seal_to(from, p.stub, p.stub_len, p.bytes, pdu_len(&p), in_place), 0);
	assert_memory_not_equal(p.stub, orig.bytes + 16, p.stub_len);
	DATA_BLOB sig2 = data_blob_const(in_place, sizeof(in_place));
	assert_int_equal(auth_unseal(to, p.stub, p.stub_len, p.bytes, pdu_len(&p), &sig2), 0);
	assert_memory_equal(p.bytes, orig.bytes, pdu_len(&p));
	assert_int_equal(auth_sign_to(from, p.stub, p.stub_len, p.bytes, pdu_len(&p), in_place), 0);
	assert_int_equal(auth_check(to, p.stub, p.stub_len, p.bytes, pdu_len(&p), &sig2), 0);
}

static void traffic(TALLOC_CTX *mem, struct auth_ctx *c, struct auth_ctx *s)
{
	for (int i = 0; i < 6; i++) {
		exchange(mem, c, s, i);
		exchange(mem, s, c, i + 100);
		if (i % 2)
			exchange(mem, c, s, i + 200); /* unbalanced directions: separate counters */
	}
}

static void test_ntlmssp_round_trip(void **state)
{
	struct fixture *f = *state;
	struct auth_ctx *c, *s;
	handshake_ok(f, AUTH_TYPE_NTLMSSP, &c, &s);
	traffic(f->mem, c, s);
}

static void test_spnego_round_trip(void **state)
{
	struct fixture *f = *state;
	struct auth_ctx *c, *s;
	handshake_ok(f, AUTH_TYPE_SPNEGO, &c, &s);
	traffic(f->mem, c, s);
}

static void test_non_ascii_password_non_admin(void **state)
{
	struct fixture *f = *state;
	struct auth_ctx *s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_SPNEGO);
	struct auth_ctx *c =
		auth_client_new(f->mem, AUTH_TYPE_SPNEGO, "bob", NULL, "h\xc3\xa9llo w\xc3\xb6rld");
	bool side;
	assert_int_equal(run(f->mem, c, s, NULL, NULL, &side), 0);
	assert_false(auth_is_admin(s));
	assert_string_equal(auth_domain(s), "");
}

static void expect_refused(struct fixture *f, uint8_t type, const char *user, const char *pw,
			   int expected)
{
	struct auth_ctx *s = auth_server_new(f->mem, f->accounts, &f->opts, type);
	struct auth_ctx *c = auth_client_new(f->mem, type, user, "", pw);
	bool side;
	assert_int_equal(run(f->mem, c, s, NULL, NULL, &side), expected);
	assert_true(side);
	assert_false(auth_is_complete(s));
	assert_null(auth_user(s));
	assert_false(auth_is_admin(s));
	DATA_BLOB sig;
	uint8_t data[4] = { 0 };
	assert_int_equal(auth_sign(s, f->mem, data, 4, NULL, 0, &sig), -EPROTO);
}

static void test_wrong_password(void **state)
{
	expect_refused(*state, AUTH_TYPE_NTLMSSP, "alice", "secret#1", -EACCES);
	expect_refused(*state, AUTH_TYPE_SPNEGO, "alice", "Secret#2", -EACCES);
}

static void test_unknown_user(void **state)
{
	expect_refused(*state, AUTH_TYPE_NTLMSSP, "mallory", "Secret#1", -EACCES);
	expect_refused(*state, AUTH_TYPE_SPNEGO, "mallory", "Secret#1", -EACCES);
}

/* ---- what is logged ------------------------------------------------------- */

struct seen_lines {
	int success_level;  /* level of the "authenticated" line, 0: none */
	int failure_level;
	const char *failure_id;
};

static void record_line(enum log_level level, const char *id, const char *msg, void *priv)
{
	struct seen_lines *seen = priv;
	if (strstr(msg, "' authenticated") != NULL)
		seen->success_level = (int)level;
	if (strstr(msg, "authentication failed") != NULL) {
		seen->failure_level = (int)level;
		seen->failure_id = id;
	}
}

/* Issue 10: successful logons were most of istmd's info lines. A success is
 * debug; a failure stays visible (notice) and carries its MESSAGE_ID. */
static void test_log_levels(void **state)
{
	struct fixture *f = *state;
	struct seen_lines seen = { 0 };
	struct auth_ctx *c, *s;
	enum log_level saved = log_get_level();

	log_set_level(LOG_LVL_DEBUG);
	log_set_sink(record_line, &seen);
	handshake_ok(f, AUTH_TYPE_NTLMSSP, &c, &s);
	expect_refused(f, AUTH_TYPE_NTLMSSP, "alice", "secret#1", -EACCES);
	log_set_sink(NULL, NULL);
	log_set_level(saved);

	assert_int_equal(seen.success_level, LOG_LVL_DEBUG);
	assert_int_equal(seen.failure_level, LOG_LVL_NOTICE);
	assert_non_null(seen.failure_id);
	assert_string_equal(seen.failure_id, LOG_ID_AUTH_FAILURE);
}

/* ---- tampering ------------------------------------------------------------ */

struct flip {
	int leg;
	size_t offset; /* from the end when negative-ish: see from_end */
	bool from_end;
	uint8_t xor;
};

static void flip_byte(int leg, DATA_BLOB *t, void *priv)
{
	struct flip *fl = priv;
	if (leg != fl->leg)
		return;
	size_t off = fl->from_end ? t->length - fl->offset : fl->offset;
	assert_true(off < t->length);
	t->data[off] ^= fl->xor;
}

static void test_ntlm_mic_tampering(void **state)
{
	struct fixture *f = *state;
	/* leg 2 is the AUTHENTICATE; its MIC is at offset 72 */
	struct flip fl = { .leg = 2, .offset = NTLM_AUTH_MIC_OFFSET + 3, .xor = 0x40 };
	struct auth_ctx *s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_NTLMSSP);
	struct auth_ctx *c = auth_client_new(f->mem, AUTH_TYPE_NTLMSSP, "alice", "", "Secret#1");
	bool side;
	assert_int_equal(run(f->mem, c, s, flip_byte, &fl, &side), -EACCES);
	assert_true(side);

	/* Tampering with the CHALLENGE's target info (leg 1, last AV pair before
	 * EOL is the timestamp) also breaks the MIC or the proof. */
	struct flip fl2 = { .leg = 1, .offset = 6, .from_end = true, .xor = 0x01 };
	s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_NTLMSSP);
	c = auth_client_new(f->mem, AUTH_TYPE_NTLMSSP, "alice", "", "Secret#1");
	assert_int_equal(run(f->mem, c, s, flip_byte, &fl2, &side), -EACCES);
}

static void test_spnego_mic_tampering(void **state)
{
	struct fixture *f = *state;
	/* leg 2 is the client's NegTokenResp: AUTHENTICATE then the mechListMIC,
	 * whose last 4 bytes (the sequence number) end the token */
	struct flip fl = { .leg = 2, .offset = 6, .from_end = true, .xor = 0x80 };
	struct auth_ctx *s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_SPNEGO);
	struct auth_ctx *c = auth_client_new(f->mem, AUTH_TYPE_SPNEGO, "alice", "", "Secret#1");
	bool side;
	assert_int_equal(run(f->mem, c, s, flip_byte, &fl, &side), -EACCES);
	assert_true(side);

	/* leg 3: the server's mechListMIC; the client refuses it */
	struct flip fl3 = { .leg = 3, .offset = 6, .from_end = true, .xor = 0x80 };
	s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_SPNEGO);
	c = auth_client_new(f->mem, AUTH_TYPE_SPNEGO, "alice", "", "Secret#1");
	assert_int_equal(run(f->mem, c, s, flip_byte, &fl3, &side), -EACCES);
	assert_false(side);
}

static void test_tampered_messages(void **state)
{
	struct fixture *f = *state;
	for (int what = 0; what < 4; what++) {
		struct auth_ctx *c, *s;
		handshake_ok(f, what % 2 ? AUTH_TYPE_SPNEGO : AUTH_TYPE_NTLMSSP, &c, &s);
		exchange(f->mem, c, s, 1);
		struct pdu p;
		DATA_BLOB sig;
		make_pdu(&p, 9, 40);
		if (what < 2) {
			assert_int_equal(auth_seal(c, f->mem, p.stub, p.stub_len, p.bytes, pdu_len(&p), &sig), 0);
			p.stub[5] ^= 1; /* sealed data */
			assert_int_equal(auth_unseal(s, p.stub, p.stub_len, p.bytes, pdu_len(&p), &sig), -EBADMSG);
		} else {
			assert_int_equal(auth_sign(s, f->mem, p.stub, p.stub_len, p.bytes, pdu_len(&p), &sig), 0);
			p.bytes[2] ^= 1; /* the header, outside the stub, is covered too */
			assert_int_equal(auth_check(c, p.stub, p.stub_len, p.bytes, pdu_len(&p), &sig), -EBADMSG);
		}
		/* the receiving side is now broken for good */
		make_pdu(&p, 10, 8);
		assert_int_equal(auth_check(what < 2 ? s : c, p.stub, 8, p.bytes, pdu_len(&p), &sig), -EPROTO);
	}
}

static void test_bad_signatures(void **state)
{
	struct fixture *f = *state;
	struct auth_ctx *c, *s;
	handshake_ok(f, AUTH_TYPE_NTLMSSP, &c, &s);
	struct pdu p;
	DATA_BLOB sig;
	make_pdu(&p, 1, 10);

	/* a replayed message has the wrong sequence number */
	assert_int_equal(auth_sign(c, f->mem, p.stub, 10, p.bytes, pdu_len(&p), &sig), 0);
	assert_int_equal(auth_check(s, p.stub, 10, p.bytes, pdu_len(&p), &sig), 0);
	assert_int_equal(auth_check(s, p.stub, 10, p.bytes, pdu_len(&p), &sig), -EBADMSG);

	handshake_ok(f, AUTH_TYPE_NTLMSSP, &c, &s);
	assert_int_equal(auth_sign(c, f->mem, p.stub, 10, p.bytes, pdu_len(&p), &sig), 0);
	sig.length = 15; /* wrong size */
	assert_int_equal(auth_check(s, p.stub, 10, p.bytes, pdu_len(&p), &sig), -EBADMSG);

	handshake_ok(f, AUTH_TYPE_NTLMSSP, &c, &s);
	/* a message reflected back to its sender does not verify */
	assert_int_equal(auth_sign(c, f->mem, p.stub, 10, p.bytes, pdu_len(&p), &sig), 0);
	assert_int_equal(auth_check(c, p.stub, 10, p.bytes, pdu_len(&p), &sig), -EBADMSG);
	assert_int_equal(auth_check(s, p.stub, 10, p.bytes, pdu_len(&p), NULL), -EBADMSG);
}

/* ---- SPNEGO with NTLMSSP not first ------------------------------------------ */

static void test_spnego_ntlm_not_first(void **state)
{
	struct fixture *f = *state;
	TALLOC_CTX *mem = f->mem;
	struct auth_ctx *s = auth_server_new(mem, f->accounts, &f->opts, AUTH_TYPE_SPNEGO);
	struct ntlm_ctx *client = ntlm_client_new(mem, "alice", "", "Secret#1");

	/* NegTokenInit [krb5, NTLMSSP] with an optimistic (bogus) Kerberos token. */
	static const char *const mechs[] = { KRB5_OID, NTLMSSP_OID };
	DATA_BLOB junk = { (uint8_t *)"not kerberos", 12 }, init, mech_types, out;
	assert_int_equal(spnego_encode_init(mem, mechs, 2, &junk, &init, &mech_types), 0);
	assert_int_equal(auth_update(s, mem, &init, &out), 1);
	struct spnego_token t;
	assert_int_equal(spnego_decode(mem, &out, &t), 0);
	assert_int_equal(t.neg_state, SPNEGO_REQUEST_MIC);
	assert_string_equal(t.supported_mech, NTLMSSP_OID);
	assert_int_equal(t.mech_token.length, 0);

	/* NEGOTIATE -> CHALLENGE */
	DATA_BLOB ntlm_out, resp;
	assert_int_equal(ntlm_update(client, mem, NULL, &ntlm_out), 1);
	assert_int_equal(spnego_encode_resp(mem, SPNEGO_NO_STATE, NULL, &ntlm_out, NULL, &resp), 0);
	assert_int_equal(auth_update(s, mem, &resp, &out), 1);
	assert_int_equal(spnego_decode(mem, &out, &t), 0);
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_null(t.supported_mech); /* only in the first reply (RFC 4178 4.2.2) */

	/* AUTHENTICATE without a mechListMIC: the server still wants one (downgrade) */
	assert_int_equal(ntlm_update(client, mem, &t.mech_token, &ntlm_out), 0);
	assert_int_equal(spnego_encode_resp(mem, SPNEGO_NO_STATE, NULL, &ntlm_out, NULL, &resp), 0);
	assert_int_equal(auth_update(s, mem, &resp, &out), 1);
	assert_false(auth_is_complete(s));
	assert_int_equal(spnego_decode(mem, &out, &t), 0);
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_int_equal(t.mech_list_mic.length, 16);
	/* the server's MIC uses its sequence number 0 */
	struct ntlm_session *cs = ntlm_session(client);
	assert_int_equal(ntlm_session_check(cs, mech_types.data, mech_types.length,
					    t.mech_list_mic.data, 16), 0);

	/* now our MIC (sequence 0); the server completes */
	uint8_t mic[16];
	assert_int_equal(ntlm_session_sign(cs, mech_types.data, mech_types.length, mic), 0);
	DATA_BLOB mic_blob = { mic, 16 };
	assert_int_equal(spnego_encode_resp(mem, SPNEGO_NO_STATE, NULL, NULL, &mic_blob, &resp), 0);
	assert_int_equal(auth_update(s, mem, &resp, &out), 0);
	assert_true(auth_is_complete(s));
	assert_int_equal(spnego_decode(mem, &out, &t), 0);
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_COMPLETED);

	/* RC4 state reset, sequence numbers go on: first messages carry 1 */
	assert_int_equal(ntlm_session_reset_rc4(cs), 0);
	struct pdu p;
	DATA_BLOB sig;
	make_pdu(&p, 3, 20);
	assert_int_equal(auth_seal(s, mem, p.stub, 20, p.bytes, pdu_len(&p), &sig), 0);
	assert_int_equal(ntlm_get_u32(sig.data + 12), 1);
	assert_int_equal(ntlm_session_unseal(cs, p.stub, 20, p.bytes, pdu_len(&p), sig.data, 16), 0);
	assert_int_equal(ntlm_session_seal(cs, p.stub, 20, p.bytes, pdu_len(&p), mic), 0);
	sig = (DATA_BLOB){ mic, 16 };
	assert_int_equal(auth_unseal(s, p.stub, 20, p.bytes, pdu_len(&p), &sig), 0);
}

static void test_spnego_without_ntlm(void **state)
{
	struct fixture *f = *state;
	struct auth_ctx *s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_SPNEGO);
	static const char *const mechs[] = { KRB5_OID };
	DATA_BLOB init, mt, out;
	assert_int_equal(spnego_encode_init(f->mem, mechs, 1, NULL, &init, &mt), 0);
	assert_int_equal(auth_update(s, f->mem, &init, &out), -ENOTSUP);
	assert_int_equal(out.length, 0);
}

/* ---- policy ------------------------------------------------------------------ */

/* Builds an AUTHENTICATE_MESSAGE answering CHALLENGE with the given responses. */
static DATA_BLOB craft_authenticate(TALLOC_CTX *mem, uint32_t flags, const char *user,
				    const uint8_t *lm, size_t lm_len, const uint8_t *nt,
				    size_t nt_len)
{
	uint8_t hdr[64] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 3 };
	ntlm_set_u32(hdr + 60, flags);
	size_t ulen;
	uint8_t *u = ntlm_utf16le(mem, user, &ulen);
	static const size_t pos[] = { 36, 12, 20 };
	const struct ntlm_bytes fields[] = { { u, ulen }, { lm, lm_len }, { nt, nt_len } };
	size_t len;
	uint8_t *msg = ntlm_build(mem, hdr, sizeof(hdr), pos, fields, 3, &len);
	assert_non_null(msg);
	return (DATA_BLOB){ msg, len };
}

static DATA_BLOB negotiate_msg(TALLOC_CTX *mem, uint32_t flags)
{
	uint8_t *neg = talloc_zero_array(mem, uint8_t, 32);
	memcpy(neg, "NTLMSSP", 8);
	neg[8] = 1;
	ntlm_set_u32(neg + 12, flags);
	return (DATA_BLOB){ neg, 32 };
}

static const uint32_t ess_flags = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_NTLM |
				  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
				  NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_128;

/* An NTLMv1 client (NTLM2 session response) against a server; returns the result. */
static int ntlmv1_logon(struct fixture *f, bool allow)
{
	struct auth_server_options opts = f->opts;
	opts.allow_ntlmv1 = allow;
	struct auth_ctx *s = auth_server_new(f->mem, f->accounts, &opts, AUTH_TYPE_NTLMSSP);
	DATA_BLOB neg = negotiate_msg(f->mem, ess_flags), out;
	assert_int_equal(auth_update(s, f->mem, &neg, &out), 1);
	struct ntlm_challenge ch;
	assert_int_equal(ntlm_parse_challenge(out.data, out.length, &ch), 0);
	uint8_t hash[16], lm[24] = { 1, 2, 3, 4, 5, 6, 7, 8 }, nt[24];
	assert_int_equal(ntlm_nt_hash("Secret#1", hash), 0);
	assert_int_equal(ntlm_v1_ess_response(hash, ch.server_challenge, lm, nt), 0);
	DATA_BLOB auth = craft_authenticate(f->mem, ess_flags, "alice", lm, 24, nt, 24);
	int ret = auth_update(s, f->mem, &auth, &out);
	if (ret == 0) {
		assert_true(auth_is_complete(s));
		assert_true(auth_can_sign(s));
	}
	return ret;
}

static void test_ntlmv1_policy(void **state)
{
	assert_int_equal(ntlmv1_logon(*state, false), -ENOTSUP);
	assert_int_equal(ntlmv1_logon(*state, true), 0);
}

static void test_anonymous_refused(void **state)
{
	struct fixture *f = *state;
	struct auth_ctx *s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_NTLMSSP);
	DATA_BLOB neg = negotiate_msg(f->mem, ess_flags), out;
	assert_int_equal(auth_update(s, f->mem, &neg, &out), 1);
	static const uint8_t z1[1] = { 0 };
	DATA_BLOB auth = craft_authenticate(f->mem, ess_flags | NTLMSSP_ANONYMOUS, "", z1, 1, NULL, 0);
	assert_int_equal(auth_update(s, f->mem, &auth, &out), -EACCES);
}

static void test_negotiate_policy(void **state)
{
	struct fixture *f = *state;
	static const uint32_t refused[] = {
		ess_flags & ~NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY, /* no ESS */
		ess_flags & ~NTLMSSP_NEGOTIATE_128,                      /* 40/56-bit */
		(ess_flags & ~NTLMSSP_NEGOTIATE_UNICODE) | NTLMSSP_NEGOTIATE_OEM,
		ess_flags | NTLMSSP_NEGOTIATE_DATAGRAM,
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct auth_ctx *s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_NTLMSSP);
		DATA_BLOB neg = negotiate_msg(f->mem, refused[i]), out;
		assert_int_equal(auth_update(s, f->mem, &neg, &out), -ENOTSUP);
	}
	/* 128 bits are only needed for signing or sealing (auth level connect) */
	struct auth_ctx *s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_NTLMSSP);
	DATA_BLOB neg = negotiate_msg(f->mem, ess_flags & ~(NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_SIGN)),
		  out;
	assert_int_equal(auth_update(s, f->mem, &neg, &out), 1);
	struct ntlm_challenge ch;
	assert_int_equal(ntlm_parse_challenge(out.data, out.length, &ch), 0);
	assert_false(ch.flags & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_128 |
				 NTLMSSP_NEGOTIATE_KEY_EXCH));
	/* the AV pairs clients need */
	struct ntlm_bytes v;
	for (uint16_t id = MSV_AV_NB_COMPUTER_NAME; id <= MSV_AV_DNS_DOMAIN_NAME; id++)
		assert_int_equal(ntlm_av_find(ch.target_info.data, ch.target_info.len, id, &v), 1);
	assert_int_equal(ntlm_av_find(ch.target_info.data, ch.target_info.len, MSV_AV_TIMESTAMP, &v), 1);
	assert_int_equal(v.len, 8);
	assert_int_equal(ntlm_av_find(ch.target_info.data, ch.target_info.len, MSV_AV_NB_COMPUTER_NAME, &v), 1);
	assert_hex_equal(v.data, v.len, "4900530054004d004400"); /* ISTMD */
}

static void test_sequence_errors(void **state)
{
	struct fixture *f = *state;
	struct auth_ctx *c, *s;
	DATA_BLOB out;
	/* AUTHENTICATE first */
	s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_NTLMSSP);
	uint8_t nt[24] = { 0 };
	DATA_BLOB auth = craft_authenticate(f->mem, ess_flags, "alice", NULL, 0, nt, 24);
	assert_int_equal(auth_update(s, f->mem, &auth, &out), -EPROTO);
	/* malformed is -EINVAL, a well-formed message out of turn -EPROTO */
	s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_NTLMSSP);
	DATA_BLOB shortneg = negotiate_msg(f->mem, ess_flags);
	shortneg.length = 14;
	assert_int_equal(auth_update(s, f->mem, &shortneg, &out), -EINVAL);
	s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_NTLMSSP);
	assert_int_equal(auth_update(s, f->mem, NULL, &out), -EINVAL);
	/* a second NEGOTIATE where the AUTHENTICATE belongs */
	s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_NTLMSSP);
	DATA_BLOB neg = negotiate_msg(f->mem, ess_flags);
	assert_int_equal(auth_update(s, f->mem, &neg, &out), 1);
	assert_int_equal(auth_update(s, f->mem, &neg, &out), -EPROTO);
	/* anything after completion, both protocols */
	handshake_ok(f, AUTH_TYPE_NTLMSSP, &c, &s);
	assert_int_equal(auth_update(s, f->mem, &neg, &out), -EPROTO);
	assert_int_equal(auth_update(c, f->mem, &neg, &out), -EPROTO);
	handshake_ok(f, AUTH_TYPE_SPNEGO, &c, &s);
	assert_int_equal(auth_update(s, f->mem, &neg, &out), -EPROTO);
	/* signing before completion */
	s = auth_server_new(f->mem, f->accounts, &f->opts, AUTH_TYPE_SPNEGO);
	uint8_t d[4] = { 0 };
	DATA_BLOB sig = { d, 4 };
	assert_int_equal(auth_check(s, d, 4, NULL, 0, &sig), -EPROTO);
	assert_int_equal(auth_unseal(s, d, 4, NULL, 0, &sig), -EPROTO);
	assert_false(auth_can_sign(s));
	/* unknown auth types */
	assert_null(auth_server_new(f->mem, f->accounts, &f->opts, 68));
	assert_null(auth_client_new(f->mem, 16, "a", "", "b"));
	assert_null(auth_client_new(f->mem, AUTH_TYPE_NTLMSSP, "", "", "b"));
}

/* ---- malformed input at every leg -------------------------------------------- */

struct damage {
	int leg;
	int how;      /* 0: truncate to LEN, 1: random bytes, 2: flip byte POS */
	size_t arg;
	bool hit;
	size_t seen_len;
};

static void damage_token(int leg, DATA_BLOB *t, void *priv)
{
	struct damage *d = priv;
	if (leg != d->leg)
		return;
	d->hit = true;
	d->seen_len = t->length;
	if (d->how == 0 && d->arg < t->length) {
		t->length = d->arg;
	} else if (d->how == 1) {
		for (size_t i = 0; i < t->length; i++)
			t->data[i] = (uint8_t)random();
	} else if (d->how == 2 && d->arg < t->length) {
		t->data[d->arg] ^= (uint8_t)(1u << (d->arg % 8));
	}
}

/* Runs a handshake with one token damaged; a damaged token must never give a
 * context, and must not crash or leak (sanitizer build). */
static int damaged_run(struct fixture *f, uint8_t type, struct damage *d)
{
	TALLOC_CTX *mem = talloc_new(f->mem);
	struct auth_ctx *s = auth_server_new(mem, f->accounts, &f->opts, type);
	struct auth_ctx *c = auth_client_new(mem, type, "alice", "", "Secret#1");
	bool side;
	int ret = run(mem, c, s, damage_token, d, &side);
	if (ret == 0 && d->how == 0 && d->arg >= d->seen_len) {
		assert_string_equal(auth_user(s), "alice"); /* the undamaged control run */
		exchange(mem, c, s, 1);
		exchange(mem, s, c, 2);
	}
	talloc_free(mem);
	return ret;
}

static void test_malformed_tokens(void **state)
{
	struct fixture *f = *state;
	srandom(1234);
	for (int type = AUTH_TYPE_SPNEGO; type <= AUTH_TYPE_NTLMSSP; type++) {
		int legs = type == AUTH_TYPE_SPNEGO ? 4 : 3;
		for (int leg = 0; leg < legs; leg++) {
			struct damage d = { .leg = leg, .how = 0, .arg = 1u << 20 };
			assert_int_equal(damaged_run(f, (uint8_t)type, &d), 0); /* untouched */
			assert_true(d.hit);
			size_t len = d.seen_len;
			for (size_t cut = 0; cut < len; cut++) {
				d = (struct damage){ .leg = leg, .how = 0, .arg = cut };
				assert_true(damaged_run(f, (uint8_t)type, &d) < 0);
			}
			for (int i = 0; i < 20; i++) {
				d = (struct damage){ .leg = leg, .how = 1 };
				assert_true(damaged_run(f, (uint8_t)type, &d) < 0);
			}
			for (size_t pos = 0; pos < len; pos++) {
				/* the MIC, the proof and canonical DER catch every bit */
				d = (struct damage){ .leg = leg, .how = 2, .arg = pos };
				assert_true(damaged_run(f, (uint8_t)type, &d) < 0);
			}
		}
	}
}

int main(void)
{
	log_set_level(LOG_LVL_WARNING); /* thousands of refused logons below */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ntlmssp_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spnego_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_ascii_password_non_admin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ntlm_mic_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spnego_mic_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_signatures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spnego_ntlm_not_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spnego_without_ntlm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ntlmv1_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negotiate_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequence_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_tokens, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
