/* NTLMSSP server (MS-NLMP 3.2.5.1): NEGOTIATE -> CHALLENGE, AUTHENTICATE -> done.
 *
 * Policy (docs/auth.md): Unicode, extended session security and, when signing
 * or sealing is asked for, 128-bit keys are required; NTLMv2 responses only
 * unless allow_ntlmv1; anonymous and LM-only logons are refused; the MIC is
 * checked when the client says it sent one. */
#include "auth/ntlm_private.h"

#include <errno.h>
#include <string.h>

#include "auth/ntlm_crypto.h"
#include "auth/ntlm_msg.h"
#include "istmd/log.h"

#define CHALLENGE_HEADER_LEN 56
#define NTLMV2_BLOB_HEADER_LEN 28 /* NTLMv2_CLIENT_CHALLENGE up to AvPairs */

static bool to_utf16(struct ntlm_ctx *ctx, DATA_BLOB *slot, const char *s)
{
	size_t len;
	uint8_t *u = ntlm_utf16le(ctx, s != NULL ? s : "", &len);
	if (u == NULL)
		return false;
	*slot = (DATA_BLOB){ u, len };
	return true;
}

struct ntlm_ctx *ntlm_server_new(TALLOC_CTX *mem_ctx, struct auth_accounts *accounts,
				 const struct auth_server_options *options)
{
	struct ntlm_ctx *ctx = ntlm_ctx_new(mem_ctx, true);
	if (ctx == NULL)
		return NULL;
	struct auth_server_options opts = { 0 };
	if (options != NULL)
		opts = *options;
	auth_options_fill_defaults(ctx, &opts);
	ctx->accounts = accounts;
	ctx->allow_ntlmv1 = opts.allow_ntlmv1;
	if (!to_utf16(ctx, &ctx->nb_computer, opts.nb_computer_name) ||
	    !to_utf16(ctx, &ctx->nb_domain, opts.nb_domain_name) ||
	    !to_utf16(ctx, &ctx->dns_computer, opts.dns_computer_name) ||
	    !to_utf16(ctx, &ctx->dns_domain, opts.dns_domain_name)) {
		talloc_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The flags we answer with (MS-NLMP 3.2.5.1.1), or -ENOTSUP by policy. */
static int choose_flags(uint32_t req, uint32_t *out)
{
	if (!(req & NTLMSSP_NEGOTIATE_UNICODE)) {
		log_notice("NTLM: client does not offer Unicode; refused");
		return -ENOTSUP;
	}
	if (req & NTLMSSP_NEGOTIATE_DATAGRAM) {
		log_notice("NTLM: connectionless NTLM requested; refused");
		return -ENOTSUP;
	}
	if (!(req & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)) {
		log_notice("NTLM: client does not offer extended session security; refused");
		return -ENOTSUP;
	}
	uint32_t flags = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET |
			 NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
			 NTLMSSP_TARGET_TYPE_SERVER | NTLMSSP_NEGOTIATE_TARGET_INFO |
			 NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
	flags |= req & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_VERSION);
	if (req & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL)) {
		/* ServerRequire128bitEncryption (MS-NLMP 3.2.1.1). */
		if (!(req & NTLMSSP_NEGOTIATE_128)) {
			log_notice("NTLM: client asks for signing or sealing without 128-bit keys; refused");
			return -ENOTSUP;
		}
		flags |= req & (NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56 | NTLMSSP_NEGOTIATE_KEY_EXCH);
	}
	*out = flags;
	return 0;
}

static int server_negotiate(struct ntlm_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in,
			    DATA_BLOB *out)
{
	struct ntlm_negotiate neg;
	if (ntlm_parse_negotiate(in->data, in->length, &neg) < 0)
		return ntlm_parse_error(in, NTLM_NEGOTIATE);
	int ret = choose_flags(neg.flags, &ctx->flags);
	if (ret < 0)
		return ret;
	/* A fresh nonce per context: an AUTHENTICATE can only ever answer this one. */
	ret = ntlm_random(ctx, ctx->server_challenge, 8, ctx->fixed_challenge);
	if (ret < 0)
		return ret;

	struct ntlm_buf info;
	ntlm_buf_init(&info, mem_ctx);
	ntlm_av_put(&info, MSV_AV_NB_COMPUTER_NAME, ctx->nb_computer.data, ctx->nb_computer.length);
	ntlm_av_put(&info, MSV_AV_NB_DOMAIN_NAME, ctx->nb_domain.data, ctx->nb_domain.length);
	ntlm_av_put(&info, MSV_AV_DNS_COMPUTER_NAME, ctx->dns_computer.data, ctx->dns_computer.length);
	ntlm_av_put(&info, MSV_AV_DNS_DOMAIN_NAME, ctx->dns_domain.data, ctx->dns_domain.length);
	/* The tests that replay MS-NLMP 4.2.4 answer the spec's CHALLENGE, which
	 * has no timestamp. */
	if (!ctx->fixed_random) {
		uint64_t ft = ntlm_filetime_now();
		for (int i = 0; i < 8; i++)
			ctx->timestamp[i] = (uint8_t)(ft >> (8 * i));
		ntlm_av_put(&info, MSV_AV_TIMESTAMP, ctx->timestamp, 8);
		ctx->sent_timestamp = true;
	}
	ntlm_av_put(&info, MSV_AV_EOL, NULL, 0);
	if (info.failed)
		return -ENOMEM;

	uint8_t hdr[CHALLENGE_HEADER_LEN] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };
	ntlm_set_u32(hdr + 8, NTLM_CHALLENGE);
	ntlm_set_u32(hdr + 20, ctx->flags);
	memcpy(hdr + 24, ctx->server_challenge, 8);
	if (ctx->flags & NTLMSSP_NEGOTIATE_VERSION)
		memcpy(hdr + 48, ntlm_our_version, 8);
	static const size_t pos[] = { 12, 40 };
	const struct ntlm_bytes fields[] = { { ctx->nb_computer.data, ctx->nb_computer.length },
					     { info.data, info.len } };
	size_t len;
	uint8_t *msg = ntlm_build(mem_ctx, hdr, sizeof(hdr), pos, fields, 2, &len);
	talloc_free(info.data);
	if (msg == NULL)
		return -ENOMEM;
	if (!ntlm_keep(ctx, &ctx->negotiate_msg, in->data, in->length) ||
	    !ntlm_keep(ctx, &ctx->challenge_msg, msg, len)) {
		talloc_free(msg);
		return -ENOMEM;
	}
	*out = (DATA_BLOB){ msg, len };
	ctx->state = NTLM_EXCHANGE;
	return 1;
}

/* Flags in the AUTHENTICATE_MESSAGE may drop optional features we offered,
 * never add any (MS-NLMP 2.2.1.3: "the set of bit flags negotiated"). */
static int final_flags(struct ntlm_ctx *ctx, uint32_t auth_flags)
{
	static const uint32_t optional = NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL |
					 NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_128 |
					 NTLMSSP_NEGOTIATE_56 | NTLMSSP_NEGOTIATE_VERSION |
					 NTLMSSP_NEGOTIATE_ALWAYS_SIGN;
	if (auth_flags == 0) /* some clients leave them out: keep the negotiated set */
		return 0;
	if (!(auth_flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) ||
	    !(auth_flags & NTLMSSP_NEGOTIATE_UNICODE)) {
		log_notice("NTLM: AUTHENTICATE drops Unicode or extended session security; refused");
		return -ENOTSUP;
	}
	ctx->flags &= auth_flags | ~optional;
	if ((ctx->flags & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL)) &&
	    !(ctx->flags & NTLMSSP_NEGOTIATE_128)) {
		log_notice("NTLM: AUTHENTICATE drops 128-bit keys; refused");
		return -ENOTSUP;
	}
	return 0;
}

struct verified {
	uint8_t key_exchange_key[16];
	bool mic_present;
	bool altered; /* proof fine, but our target info was not echoed intact */
};

/* NTLMv2 (MS-NLMP 3.3.2): tries the domain the client sent, then the empty
 * domain (3.2.5.1.2: "clients which incorrectly use NIL for the UserDom"). */
static int verify_v2(struct ntlm_ctx *ctx, const struct ntlm_authenticate *a,
		     const uint8_t nt_hash[16], struct verified *v)
{
	const uint8_t *proof = a->nt_response.data;
	const uint8_t *blob = a->nt_response.data + 16;
	size_t blob_len = a->nt_response.len - 16;
	if (blob_len < NTLMV2_BLOB_HEADER_LEN || blob[0] != 1 || blob[1] != 1)
		return -EINVAL;
	const uint8_t *av = blob + NTLMV2_BLOB_HEADER_LEN;
	size_t av_len = blob_len - NTLMV2_BLOB_HEADER_LEN;
	struct ntlm_bytes flags_value;
	int found = ntlm_av_find(av, av_len, MSV_AV_FLAGS, &flags_value);
	if (found < 0)
		return -EINVAL;
	v->mic_present = found && flags_value.len == 4 &&
			 (ntlm_get_u32(flags_value.data) & MSV_AV_FLAG_MIC_PRESENT);

	uint8_t key[16], expected[16];
	bool ok = false;
	for (int attempt = 0; attempt < 2 && !ok; attempt++) {
		size_t dom_len = attempt == 0 ? a->domain.len : 0;
		if (attempt == 1 && a->domain.len == 0)
			break;
		if (ntlm_ntowfv2(nt_hash, a->user.data, a->user.len, a->domain.data, dom_len, key) < 0 ||
		    ntlm_v2_proof(key, ctx->server_challenge, blob, blob_len, expected) < 0)
			return -EIO;
		ok = ntlm_equal(expected, proof, 16);
	}
	/* The client echoes our target info inside the proof. Our timestamp
	 * must be there: were it removed or altered in flight, the client would
	 * have sent no MIC and the CHALLENGE could have been tampered with. */
	if (ok && ctx->sent_timestamp) {
		struct ntlm_bytes ts;
		if (ntlm_av_find(av, av_len, MSV_AV_TIMESTAMP, &ts) != 1 || ts.len != 8 ||
		    memcmp(ts.data, ctx->timestamp, 8) != 0) {
			v->altered = true;
			ok = false;
		}
	}
	int ret = -EACCES;
	if (ok) {
		/* SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr) = KeyExchangeKey. */
		const struct ntlm_part part = { proof, 16 };
		ret = ntlm_hmac_md5(key, 16, &part, 1, v->key_exchange_key);
	}
	explicit_bzero(key, sizeof(key));
	explicit_bzero(expected, sizeof(expected));
	return ret;
}

/* NTLMv1 with extended session security ("NTLM2 session response"). */
static int verify_v1(struct ntlm_ctx *ctx, const struct ntlm_authenticate *a,
		     const uint8_t nt_hash[16], struct verified *v)
{
	if (a->lm_response.len < 8)
		return -EINVAL; /* it carries the client challenge */
	uint8_t expected[24], base[16];
	if (ntlm_v1_ess_response(nt_hash, ctx->server_challenge, a->lm_response.data, expected) < 0)
		return -EIO;
	int ret = -EACCES;
	if (ntlm_equal(expected, a->nt_response.data, 24)) {
		ntlm_md4(nt_hash, 16, base);
		ret = ntlm_v1_ess_kxkey(base, ctx->server_challenge, a->lm_response.data,
					v->key_exchange_key);
	}
	explicit_bzero(expected, sizeof(expected));
	explicit_bzero(base, sizeof(base));
	v->mic_present = false;
	return ret;
}

static int exported_key(const struct ntlm_ctx *ctx, const struct ntlm_authenticate *a,
			const struct verified *v, uint8_t esk[16])
{
	bool sign_or_seal = ctx->flags & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL);
	if ((ctx->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) && a->session_key.len == 16) {
		memcpy(esk, a->session_key.data, 16);
		return ntlm_rc4k(v->key_exchange_key, esk, 16);
	}
	if ((ctx->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) && sign_or_seal)
		return -EINVAL; /* MS-NLMP 3.2.5.1.2: must be a valid EncryptedRandomSessionKey */
	memcpy(esk, v->key_exchange_key, 16);
	return 0;
}

static bool is_anonymous(const struct ntlm_authenticate *a)
{
	return a->user.len == 0 && a->nt_response.len == 0 &&
	       (a->lm_response.len == 0 || (a->lm_response.len == 1 && a->lm_response.data[0] == 0));
}

static int server_authenticate(struct ntlm_ctx *ctx, const DATA_BLOB *in)
{
	struct ntlm_authenticate a;
	if (ntlm_parse_authenticate(in->data, in->length, &a) < 0)
		return ntlm_parse_error(in, NTLM_AUTHENTICATE);
	int ret = final_flags(ctx, a.flags);
	if (ret < 0)
		return ret;
	if (is_anonymous(&a)) {
		log_event(LOG_LVL_NOTICE, LOG_ID_AUTH_FAILURE, "NTLM: anonymous logon refused");
		return -EACCES;
	}
	TALLOC_CTX *tmp = talloc_new(NULL);
	if (tmp == NULL)
		return -ENOMEM;
	char *user = ntlm_utf8(ctx, a.user.data, a.user.len);
	char *domain = ntlm_utf8(ctx, a.domain.data, a.domain.len);
	if (user == NULL || domain == NULL || user[0] == '\0') {
		ret = -EINVAL;
		goto out;
	}
	const char *who = auth_log_name(tmp, user);
	if (a.nt_response.len < 24) {
		log_event(LOG_LVL_NOTICE, LOG_ID_AUTH_FAILURE, "NTLM: LM-only or malformed response from '%s' refused", who);
		ret = a.nt_response.len == 0 ? -ENOTSUP : -EINVAL;
		goto out;
	}
	if (a.nt_response.len == 24 && !ctx->allow_ntlmv1) {
		log_event(LOG_LVL_NOTICE, LOG_ID_AUTH_FAILURE, "NTLM: NTLMv1 response from '%s' refused (allow_ntlmv1 = no)", who);
		ret = -ENOTSUP;
		goto out;
	}

	uint8_t nt_hash[16];
	bool is_admin = false;
	bool known = ctx->accounts != NULL &&
		     auth_accounts_lookup(ctx->accounts, user, nt_hash, &is_admin) == 0;
	if (!known) /* same work for unknown users: no timing oracle */
		gnutls_rnd(GNUTLS_RND_NONCE, nt_hash, sizeof(nt_hash));

	struct verified v = { 0 };
	ret = a.nt_response.len > 24 ? verify_v2(ctx, &a, nt_hash, &v) : verify_v1(ctx, &a, nt_hash, &v);
	explicit_bzero(nt_hash, sizeof(nt_hash));
	if (ret == 0 && !known)
		ret = -EACCES;
	if (ret < 0) {
		if (ret == -EACCES)
			log_event(LOG_LVL_NOTICE, LOG_ID_AUTH_FAILURE,
				  "NTLM: authentication failed for '%s': %s", who,
				  !known ? "unknown user"
				  : v.altered ? "the client's copy of our target information was altered"
					      : "wrong password");
		goto out;
	}

	uint8_t esk[16];
	ret = exported_key(ctx, &a, &v, esk);
	if (ret == 0 && v.mic_present) {
		uint8_t mic[16];
		if (in->length < NTLM_AUTH_MIC_END) {
			ret = -EINVAL;
		} else if (ntlm_compute_mic(ctx, esk, in->data, in->length, mic) < 0) {
			ret = -EIO;
		} else if (!ntlm_equal(mic, in->data + NTLM_AUTH_MIC_OFFSET, 16)) {
			log_event(LOG_LVL_NOTICE, LOG_ID_AUTH_FAILURE, "NTLM: MIC mismatch for '%s'; refused", who);
			ret = -EACCES;
		}
		explicit_bzero(mic, sizeof(mic));
	}
	if (ret == 0) {
		ctx->session = ntlm_session_new(ctx, ctx->flags, esk, false);
		if (ctx->session == NULL)
			ret = -ENOMEM;
	}
	bool mic_present = v.mic_present;
	explicit_bzero(esk, sizeof(esk));
	explicit_bzero(&v, sizeof(v));
	if (ret < 0)
		goto out;

	ctx->user = talloc_steal(ctx, user);
	ctx->domain = talloc_steal(ctx, domain);
	user = domain = NULL;
	ctx->is_admin = is_admin;
	ctx->has_mic = mic_present;
	ctx->state = NTLM_DONE;
	/* debug: most of a busy server's lines would be logons (issue 10) */
	log_debug("NTLM: '%s' authenticated (%s)", who, is_admin ? "admin" : "user");
out:
	talloc_free(user);
	talloc_free(domain);
	talloc_free(tmp);
	return ret;
}

int ntlm_server_update(struct ntlm_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in,
		       DATA_BLOB *out)
{
	if (ctx->state == NTLM_START)
		return server_negotiate(ctx, mem_ctx, in, out);
	int ret = server_authenticate(ctx, in);
	return ret < 0 ? ret : 0;
}
