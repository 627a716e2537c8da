/* The security context the RPC layer sees (auth.h): NTLMSSP alone (auth type
 * 10) or wrapped in SPNEGO (auth type 9). Packet protection is NTLM's either way. */
#include "auth/auth.h"

#include <errno.h>
#include <string.h>

#include "auth/ntlm.h"
#include "auth/spnego.h"

struct auth_ctx {
	uint8_t type;
	struct ntlm_ctx *ntlm;
	struct spnego_ctx *spnego; /* NULL for AUTH_TYPE_NTLMSSP */
};

static struct auth_ctx *wrap(TALLOC_CTX *mem_ctx, uint8_t type, struct ntlm_ctx *ntlm,
			     bool server)
{
	if (ntlm == NULL)
		return NULL;
	struct auth_ctx *ctx = talloc_zero(mem_ctx, struct auth_ctx);
	if (ctx == NULL) {
		talloc_free(ntlm);
		return NULL;
	}
	ctx->type = type;
	ctx->ntlm = talloc_steal(ctx, ntlm);
	if (type == AUTH_TYPE_SPNEGO) {
		ctx->spnego = server ? spnego_server_new(ctx, ntlm) : spnego_client_new(ctx, ntlm);
		if (ctx->spnego == NULL) {
			talloc_free(ctx);
			return NULL;
		}
	}
	return ctx;
}

struct auth_ctx *auth_server_new(TALLOC_CTX *mem_ctx, struct auth_accounts *accounts,
				 const struct auth_server_options *options, uint8_t auth_type)
{
	if (auth_type != AUTH_TYPE_NTLMSSP && auth_type != AUTH_TYPE_SPNEGO)
		return NULL;
	return wrap(mem_ctx, auth_type, ntlm_server_new(NULL, accounts, options), true);
}

struct auth_ctx *auth_client_new(TALLOC_CTX *mem_ctx, uint8_t auth_type, const char *user,
				 const char *domain, const char *password)
{
	if (auth_type != AUTH_TYPE_NTLMSSP && auth_type != AUTH_TYPE_SPNEGO)
		return NULL;
	return wrap(mem_ctx, auth_type, ntlm_client_new(NULL, user, domain, password), false);
}

int auth_update(struct auth_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in, DATA_BLOB *out)
{
	if (ctx->spnego != NULL)
		return spnego_update(ctx->spnego, mem_ctx, in, out);
	return ntlm_update(ctx->ntlm, mem_ctx, in, out);
}

bool auth_is_complete(const struct auth_ctx *ctx)
{
	return ctx->spnego != NULL ? spnego_is_complete(ctx->spnego) : ntlm_is_complete(ctx->ntlm);
}

uint8_t auth_type(const struct auth_ctx *ctx)
{
	return ctx->type;
}

const char *auth_user(const struct auth_ctx *ctx)
{
	return auth_is_complete(ctx) ? ntlm_user(ctx->ntlm) : NULL;
}

const char *auth_domain(const struct auth_ctx *ctx)
{
	return auth_is_complete(ctx) ? ntlm_domain(ctx->ntlm) : NULL;
}

bool auth_is_admin(const struct auth_ctx *ctx)
{
	return auth_is_complete(ctx) && ntlm_is_admin(ctx->ntlm);
}

size_t auth_sig_size(const struct auth_ctx *ctx)
{
	return NTLM_SIG_SIZE;
}

static struct ntlm_session *session_of(const struct auth_ctx *ctx)
{
	return auth_is_complete(ctx) ? ntlm_session(ctx->ntlm) : NULL;
}

bool auth_can_sign(const struct auth_ctx *ctx)
{
	struct ntlm_session *s = session_of(ctx);
	return s != NULL && ntlm_session_can_sign(s);
}

bool auth_can_seal(const struct auth_ctx *ctx)
{
	struct ntlm_session *s = session_of(ctx);
	return s != NULL && ntlm_session_can_seal(s);
}

/* The signature covers the whole PDU, or DATA when there is none. */
#define COVERED(data, length, pdu, pdu_length) \
	((pdu) != NULL ? (pdu) : (data)), ((pdu) != NULL ? (pdu_length) : (length))

/* Signs (DATA NULL) or seals, the signature written to SIG (auth_sig_size()
 * bytes): no allocation per PDU. */
static int protect_to(struct auth_ctx *ctx, uint8_t *seal_data, size_t length,
		      const uint8_t *covered, size_t covered_len, uint8_t *sig)
{
	struct ntlm_session *s = session_of(ctx);
	if (s == NULL)
		return -EPROTO;
	return seal_data != NULL ? ntlm_session_seal(s, seal_data, length, covered, covered_len, sig)
				 : ntlm_session_sign(s, covered, covered_len, sig);
}

/* As protect_to(), into a fresh 16-byte signature on MEM_CTX. */
static int protect(struct auth_ctx *ctx, TALLOC_CTX *mem_ctx, uint8_t *seal_data, size_t length,
		   const uint8_t *covered, size_t covered_len, DATA_BLOB *sig)
{
	if (session_of(ctx) == NULL)
		return -EPROTO;
	*sig = data_blob_talloc_zero(mem_ctx, NTLM_SIG_SIZE);
	if (sig->data == NULL)
		return -ENOMEM;
	int ret = protect_to(ctx, seal_data, length, covered, covered_len, sig->data);
	if (ret < 0)
		data_blob_free(sig);
	return ret;
}

int auth_sign_to(struct auth_ctx *ctx, const uint8_t *data, size_t length,
		 const uint8_t *whole_pdu, size_t pdu_length, uint8_t *sig)
{
	return protect_to(ctx, NULL, 0, COVERED(data, length, whole_pdu, pdu_length), sig);
}

int auth_seal_to(struct auth_ctx *ctx, uint8_t *data, size_t length, const uint8_t *whole_pdu,
		 size_t pdu_length, uint8_t *sig)
{
	static uint8_t nothing[1]; /* sealing an empty stub still signs */
	return protect_to(ctx, data != NULL ? data : nothing, length,
			  COVERED(data, length, whole_pdu, pdu_length), sig);
}

int auth_sign(struct auth_ctx *ctx, TALLOC_CTX *mem_ctx, const uint8_t *data, size_t length,
	      const uint8_t *whole_pdu, size_t pdu_length, DATA_BLOB *sig)
{
	return protect(ctx, mem_ctx, NULL, 0, COVERED(data, length, whole_pdu, pdu_length), sig);
}

int auth_check(struct auth_ctx *ctx, const uint8_t *data, size_t length,
	       const uint8_t *whole_pdu, size_t pdu_length, const DATA_BLOB *sig)
{
	struct ntlm_session *s = session_of(ctx);
	if (s == NULL)
		return -EPROTO;
	return ntlm_session_check(s, COVERED(data, length, whole_pdu, pdu_length),
				  sig != NULL ? sig->data : NULL, sig != NULL ? sig->length : 0);
}

int auth_seal(struct auth_ctx *ctx, TALLOC_CTX *mem_ctx, uint8_t *data, size_t length,
	      const uint8_t *whole_pdu, size_t pdu_length, DATA_BLOB *sig)
{
	static uint8_t nothing[1]; /* sealing an empty stub still signs */
	return protect(ctx, mem_ctx, data != NULL ? data : nothing, length,
		       COVERED(data, length, whole_pdu, pdu_length), sig);
}

int auth_unseal(struct auth_ctx *ctx, uint8_t *data, size_t length,
		const uint8_t *whole_pdu, size_t pdu_length, const DATA_BLOB *sig)
{
	struct ntlm_session *s = session_of(ctx);
	if (s == NULL)
		return -EPROTO;
	return ntlm_session_unseal(s, data, length, COVERED(data, length, whole_pdu, pdu_length),
				   sig != NULL ? sig->data : NULL, sig != NULL ? sig->length : 0);
}
