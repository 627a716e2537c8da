/* NTLMSSP client (MS-NLMP 3.1.5.1): NTLMv2 with extended session security,
 * 128-bit keys, key exchange, and a MIC whenever the server sent a timestamp. */
#include "auth/ntlm_private.h"

#include <errno.h>
#include <string.h>

#include "auth/ntlm_crypto.h"
#include "auth/ntlm_msg.h"
#include "istmd/log.h"

#define NEGOTIATE_LEN 40
#define AUTHENTICATE_HEADER_LEN NTLM_AUTH_MIC_END

static const uint32_t client_flags =
	NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_SIGN |
	NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
	NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_TARGET_INFO |
	NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH |
	NTLMSSP_NEGOTIATE_56;

struct ntlm_ctx *ntlm_client_new(TALLOC_CTX *mem_ctx, const char *user, const char *domain,
				 const char *password)
{
	if (user == NULL || user[0] == '\0' || password == NULL)
		return NULL; /* anonymous logons are not offered */
	struct ntlm_ctx *ctx = ntlm_ctx_new(mem_ctx, false);
	if (ctx == NULL)
		return NULL;
	size_t ulen, dlen;
	uint8_t *u = ntlm_utf16le(ctx, user, &ulen);
	uint8_t *d = ntlm_utf16le(ctx, domain != NULL ? domain : "", &dlen);
	ctx->user = talloc_strdup(ctx, user);
	ctx->domain = talloc_strdup(ctx, domain != NULL ? domain : "");
	if (u == NULL || d == NULL || ctx->user == NULL || ctx->domain == NULL ||
	    ntlm_nt_hash(password, ctx->nt_hash) < 0) {
		talloc_free(ctx);
		return NULL;
	}
	ctx->user16 = (DATA_BLOB){ u, ulen };
	ctx->domain16 = (DATA_BLOB){ d, dlen };
	return ctx;
}

static int client_negotiate(struct ntlm_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in,
			    DATA_BLOB *out)
{
	if (in->length != 0)
		return -EPROTO; /* the client speaks first */
	uint8_t msg[NEGOTIATE_LEN] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };
	ntlm_set_u32(msg + 8, NTLM_NEGOTIATE);
	ntlm_set_u32(msg + 12, client_flags);
	ntlm_set_u32(msg + 20, NEGOTIATE_LEN); /* empty domain and workstation */
	ntlm_set_u32(msg + 28, NEGOTIATE_LEN);
	memcpy(msg + 32, ntlm_our_version, 8);
	ctx->flags = client_flags;
	if (!ntlm_keep(ctx, &ctx->negotiate_msg, msg, sizeof(msg)))
		return -ENOMEM;
	*out = data_blob_talloc(mem_ctx, msg, sizeof(msg));
	if (out->data == NULL)
		return -ENOMEM;
	ctx->state = NTLM_EXCHANGE;
	return 1;
}

/* The AV pairs of NTLMv2_CLIENT_CHALLENGE: the server's, with MsvAvFlags
 * (MIC present), an all-zero channel binding and an empty target name added
 * (MS-NLMP 3.1.5.1.2). */
static int client_av_pairs(struct ntlm_buf *b, const struct ntlm_bytes *info, bool mic)
{
	uint32_t av_flags = 0;
	size_t pos = 0;
	while (pos + 4 <= info->len) {
		uint16_t id = ntlm_get_u16(info->data + pos);
		uint16_t len = ntlm_get_u16(info->data + pos + 2);
		if (id == MSV_AV_EOL)
			break;
		if (id == MSV_AV_FLAGS && len == 4)
			av_flags = ntlm_get_u32(info->data + pos + 4);
		else if (id != MSV_AV_CHANNEL_BINDINGS && id != MSV_AV_TARGET_NAME)
			ntlm_av_put(b, id, info->data + pos + 4, len);
		pos += 4u + len;
	}
	if (mic)
		av_flags |= MSV_AV_FLAG_MIC_PRESENT;
	if (av_flags != 0) {
		uint8_t v[4];
		ntlm_set_u32(v, av_flags);
		ntlm_av_put(b, MSV_AV_FLAGS, v, 4);
	}
	static const uint8_t no_bindings[16];
	ntlm_av_put(b, MSV_AV_CHANNEL_BINDINGS, no_bindings, sizeof(no_bindings));
	ntlm_av_put(b, MSV_AV_TARGET_NAME, NULL, 0);
	ntlm_av_put(b, MSV_AV_EOL, NULL, 0);
	return b->failed ? -ENOMEM : 0;
}

/* Checks the server's choices against our policy; sets the negotiated flags. */
static int accept_challenge(struct ntlm_ctx *ctx, const struct ntlm_challenge *ch)
{
	uint32_t f = ch->flags;
	if (!(f & NTLMSSP_NEGOTIATE_UNICODE) || !(f & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) ||
	    !(f & NTLMSSP_NEGOTIATE_128) || !(f & NTLMSSP_NEGOTIATE_SIGN)) {
		log_notice("NTLM: server does not offer Unicode, extended session security, signing and 128-bit keys");
		return -ENOTSUP;
	}
	if (ntlm_av_validate(ch->target_info.data, ch->target_info.len) < 0)
		return -EINVAL;
	struct ntlm_bytes v;
	/* MS-NLMP 3.1.5.1.2: without both NetBIOS names, STATUS_LOGON_FAILURE. */
	if (ntlm_av_find(ch->target_info.data, ch->target_info.len, MSV_AV_NB_COMPUTER_NAME, &v) != 1 ||
	    ntlm_av_find(ch->target_info.data, ch->target_info.len, MSV_AV_NB_DOMAIN_NAME, &v) != 1)
		return -EINVAL;
	ctx->flags &= f;
	return 0;
}

static int client_authenticate(struct ntlm_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in,
			       DATA_BLOB *out)
{
	struct ntlm_challenge ch;
	if (ntlm_parse_challenge(in->data, in->length, &ch) < 0)
		return ntlm_parse_error(in, NTLM_CHALLENGE);
	int ret = accept_challenge(ctx, &ch);
	if (ret < 0)
		return ret;
	memcpy(ctx->server_challenge, ch.server_challenge, 8);

	struct ntlm_bytes ts;
	bool have_ts = ntlm_av_find(ch.target_info.data, ch.target_info.len, MSV_AV_TIMESTAMP, &ts) == 1 &&
		       ts.len == 8;
	uint8_t cc[8];
	if ((ret = ntlm_random(ctx, cc, 8, ctx->fixed_challenge)) < 0)
		return ret;

	/* temp = 01 01 Z(6) Time ClientChallenge Z(4) AvPairs Z(4) (MS-NLMP 3.3.2) */
	struct ntlm_buf nt;
	ntlm_buf_init(&nt, mem_ctx);
	ntlm_buf_put_zero(&nt, 16); /* NTProofStr, filled in below */
	ntlm_buf_put(&nt, (const uint8_t[]){ 1, 1 }, 2);
	ntlm_buf_put_zero(&nt, 6);
	if (have_ts)
		ntlm_buf_put(&nt, ts.data, 8);
	else
		ntlm_buf_put_u64(&nt, ntlm_filetime_now());
	ntlm_buf_put(&nt, cc, 8);
	ntlm_buf_put_zero(&nt, 4);
	if ((ret = client_av_pairs(&nt, &ch.target_info, have_ts)) < 0)
		return ret;
	ntlm_buf_put_zero(&nt, 4);
	if (nt.failed)
		return -ENOMEM;

	uint8_t key[16], proof[16], kxk[16], esk[16], ersk[16], lm[24] = { 0 };
	const struct ntlm_part proof_part = { proof, 16 };
	ret = ntlm_ntowfv2(ctx->nt_hash, ctx->user16.data, ctx->user16.length, ctx->domain16.data,
			   ctx->domain16.length, key);
	if (ret == 0)
		ret = ntlm_v2_proof(key, ctx->server_challenge, nt.data + 16, nt.len - 16, proof);
	if (ret == 0)
		ret = ntlm_hmac_md5(key, 16, &proof_part, 1, kxk); /* SessionBaseKey */
	/* With a server timestamp the LM response is Z(24) (MS-NLMP 3.1.5.1.2). */
	if (ret == 0 && !have_ts)
		ret = ntlm_lmv2_response(key, ctx->server_challenge, cc, lm);
	memcpy(nt.data, proof, 16);

	bool exchange = (ctx->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) != 0;
	if (ret == 0 && exchange) {
		ret = ntlm_random(ctx, esk, 16, ctx->fixed_session_key);
		memcpy(ersk, esk, 16);
		if (ret == 0)
			ret = ntlm_rc4k(kxk, ersk, 16);
	} else {
		memcpy(esk, kxk, 16);
	}

	uint8_t *msg = NULL;
	size_t len = 0;
	if (ret == 0) {
		uint8_t hdr[AUTHENTICATE_HEADER_LEN] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };
		ntlm_set_u32(hdr + 8, NTLM_AUTHENTICATE);
		ntlm_set_u32(hdr + 60, ctx->flags);
		if (ctx->flags & NTLMSSP_NEGOTIATE_VERSION)
			memcpy(hdr + 64, ntlm_our_version, 8);
		static const size_t pos[] = { 28, 36, 44, 12, 20, 52 };
		const struct ntlm_bytes fields[] = {
			{ ctx->domain16.data, ctx->domain16.length },
			{ ctx->user16.data, ctx->user16.length },
			{ NULL, 0 },
			{ lm, sizeof(lm) },
			{ nt.data, nt.len },
			{ ersk, exchange ? 16 : 0 },
		};
		msg = ntlm_build(mem_ctx, hdr, sizeof(hdr), pos, fields, 6, &len);
		if (msg == NULL)
			ret = -ENOMEM;
	}
	if (ret == 0 && have_ts) {
		if (!ntlm_keep(ctx, &ctx->challenge_msg, in->data, in->length))
			ret = -ENOMEM;
		else
			ret = ntlm_compute_mic(ctx, esk, msg, len, msg + NTLM_AUTH_MIC_OFFSET);
		ctx->has_mic = true;
	}
	if (ret == 0) {
		ctx->session = ntlm_session_new(ctx, ctx->flags, esk, true);
		if (ctx->session == NULL)
			ret = -ENOMEM;
	}
	explicit_bzero(key, sizeof(key));
	explicit_bzero(proof, sizeof(proof));
	explicit_bzero(kxk, sizeof(kxk));
	explicit_bzero(esk, sizeof(esk));
	explicit_bzero(lm, sizeof(lm));
	explicit_bzero(cc, sizeof(cc));
	talloc_free(nt.data);
	if (ret < 0) {
		talloc_free(msg);
		return ret;
	}
	*out = (DATA_BLOB){ msg, len };
	ctx->state = NTLM_DONE;
	return 0;
}

int ntlm_client_update(struct ntlm_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in,
		       DATA_BLOB *out)
{
	if (ctx->state == NTLM_START)
		return client_negotiate(ctx, mem_ctx, in, out);
	return client_authenticate(ctx, mem_ctx, in, out);
}
