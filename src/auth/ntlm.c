/* NTLMSSP context: the parts shared by the server and the client role. */
#include "auth/ntlm_private.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>

#include "auth/ntlm_crypto.h"
#include "auth/ntlm_msg.h"

/* Windows 10 / Server 2019, NTLMSSP_REVISION_W2K3. */
const uint8_t ntlm_our_version[8] = { 10, 0, 0x63, 0x45, 0, 0, 0, 0x0f };

static void wipe_blob(DATA_BLOB *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->length);
}

static int ntlm_destructor(struct ntlm_ctx *ctx)
{
	wipe_blob(&ctx->negotiate_msg);
	wipe_blob(&ctx->challenge_msg);
	wipe_blob(&ctx->user16);
	wipe_blob(&ctx->domain16);
	explicit_bzero(ctx->nt_hash, sizeof(ctx->nt_hash));
	explicit_bzero(ctx->server_challenge, sizeof(ctx->server_challenge));
	explicit_bzero(ctx->fixed_challenge, sizeof(ctx->fixed_challenge));
	explicit_bzero(ctx->fixed_session_key, sizeof(ctx->fixed_session_key));
	return 0;
}

struct ntlm_ctx *ntlm_ctx_new(TALLOC_CTX *mem_ctx, bool server)
{
	struct ntlm_ctx *ctx = talloc_zero(mem_ctx, struct ntlm_ctx);
	if (ctx == NULL)
		return NULL;
	ctx->server = server;
	talloc_set_destructor(ctx, ntlm_destructor);
	return ctx;
}

int ntlm_update(struct ntlm_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in, DATA_BLOB *out)
{
	*out = (DATA_BLOB){ NULL, 0 };
	if (ctx->state == NTLM_DONE || ctx->state == NTLM_FAILED)
		return -EPROTO;
	static const DATA_BLOB empty = { NULL, 0 };
	if (in == NULL)
		in = &empty;
	int ret = ctx->server ? ntlm_server_update(ctx, mem_ctx, in, out)
			      : ntlm_client_update(ctx, mem_ctx, in, out);
	if (ret < 0) {
		ctx->state = NTLM_FAILED;
		TALLOC_FREE(ctx->session);
		data_blob_free(out);
	}
	return ret;
}

bool ntlm_is_complete(const struct ntlm_ctx *ctx)
{
	return ctx->state == NTLM_DONE;
}

const char *ntlm_user(const struct ntlm_ctx *ctx)
{
	return ctx->state == NTLM_DONE ? ctx->user : NULL;
}

const char *ntlm_domain(const struct ntlm_ctx *ctx)
{
	return ctx->state == NTLM_DONE ? ctx->domain : NULL;
}

bool ntlm_is_admin(const struct ntlm_ctx *ctx)
{
	return ctx->state == NTLM_DONE && ctx->is_admin;
}

bool ntlm_has_mic(const struct ntlm_ctx *ctx)
{
	return ctx->has_mic;
}

struct ntlm_session *ntlm_session(struct ntlm_ctx *ctx)
{
	return ctx->state == NTLM_DONE ? ctx->session : NULL;
}

void ntlm_test_fix_randomness(struct ntlm_ctx *ctx, const uint8_t challenge[8],
			      const uint8_t session_key[16])
{
	ctx->fixed_random = true;
	memcpy(ctx->fixed_challenge, challenge, 8);
	memcpy(ctx->fixed_session_key, session_key, 16);
}

bool ntlm_keep(struct ntlm_ctx *ctx, DATA_BLOB *slot, const uint8_t *msg, size_t len)
{
	*slot = data_blob_talloc(ctx, msg, len);
	return slot->data != NULL;
}

int ntlm_compute_mic(const struct ntlm_ctx *ctx, const uint8_t esk[16], const uint8_t *auth,
		     size_t auth_len, uint8_t mic[16])
{
	static const uint8_t zero_mic[16];
	const struct ntlm_part parts[] = {
		{ ctx->negotiate_msg.data, ctx->negotiate_msg.length },
		{ ctx->challenge_msg.data, ctx->challenge_msg.length },
		{ auth, NTLM_AUTH_MIC_OFFSET },
		{ zero_mic, sizeof(zero_mic) },
		{ auth + NTLM_AUTH_MIC_END, auth_len - NTLM_AUTH_MIC_END },
	};
	return ntlm_hmac_md5(esk, 16, parts, 5, mic);
}

int ntlm_random(const struct ntlm_ctx *ctx, uint8_t *out, size_t len, const uint8_t *fixed)
{
	if (ctx->fixed_random) {
		memcpy(out, fixed, len);
		return 0;
	}
	return gnutls_rnd(GNUTLS_RND_KEY, out, len) < 0 ? -EIO : 0;
}

const char *auth_log_name(TALLOC_CTX *mem_ctx, const char *s)
{
	if (s == NULL)
		return "(none)";
	size_t n = strlen(s) > 64 ? 64 : strlen(s);
	char *out = talloc_strndup(mem_ctx, s, n);
	if (out == NULL)
		return "(?)";
	for (char *p = out; *p; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	}
	return out;
}

uint64_t ntlm_filetime_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull + (uint64_t)ts.tv_nsec / 100;
}

int ntlm_parse_error(const DATA_BLOB *in, int expected)
{
	int type = ntlm_msg_type(in->data, in->length);
	return type > 0 && type != expected ? -EPROTO : -EINVAL;
}
