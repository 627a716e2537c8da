/* SPNEGO carrying NTLMSSP (RFC 4178, MS-SPNG), acceptor and initiator.
 *
 * Acceptor: a NegTokenInit whose mechTypes name NTLMSSP anywhere is accepted.
 * If NTLMSSP is first, its optimistic token is used; if not, the optimistic
 * token (for another mechanism) is ignored and the answer is request-mic. The
 * mechListMIC (an NTLM signature over the DER of the initiator's MechTypeList)
 * is exchanged in both directions when the mechanism was not the initiator's
 * first choice, when NTLM's AUTHENTICATE carried a MIC, or when the initiator
 * sent one (MS-SPNG 3.1.5.1, <8>) — provided NTLM negotiated signing. The MIC
 * consumes NTLM sequence number 0 in each direction; afterwards both RC4
 * handles are re-initialised (MS-SPNG 3.2.5.1, 3.3.5.1), so the first signed
 * application message has sequence number 1 and the RC4 state of the MIC. */
#include "auth/spnego.h"

#include <errno.h>
#include <string.h>

#include "auth/ntlm.h"
#include "auth/spnego_der.h"
#include "istmd/log.h"

enum spnego_state {
	SPNEGO_START,
	SPNEGO_MECH,  /* NTLM tokens are flowing */
	SPNEGO_FINAL, /* acceptor: waits for the initiator's MIC; initiator: for the last reply */
	SPNEGO_DONE,
	SPNEGO_FAILED,
};

struct spnego_ctx {
	bool server;
	enum spnego_state state;
	struct ntlm_ctx *ntlm;
	DATA_BLOB mech_types_der;
	bool downgraded; /* acceptor: NTLMSSP was not the initiator's first choice */
	bool mic_sent;
	bool mic_checked;
};

static struct spnego_ctx *spnego_new(TALLOC_CTX *mem_ctx, struct ntlm_ctx *ntlm, bool server)
{
	if (ntlm == NULL)
		return NULL;
	struct spnego_ctx *ctx = talloc_zero(mem_ctx, struct spnego_ctx);
	if (ctx == NULL)
		return NULL;
	ctx->server = server;
	ctx->ntlm = talloc_steal(ctx, ntlm);
	return ctx;
}

struct spnego_ctx *spnego_server_new(TALLOC_CTX *mem_ctx, struct ntlm_ctx *ntlm)
{
	return spnego_new(mem_ctx, ntlm, true);
}

struct spnego_ctx *spnego_client_new(TALLOC_CTX *mem_ctx, struct ntlm_ctx *ntlm)
{
	return spnego_new(mem_ctx, ntlm, false);
}

bool spnego_is_complete(const struct spnego_ctx *ctx)
{
	return ctx->state == SPNEGO_DONE;
}

static bool can_sign(struct spnego_ctx *ctx)
{
	struct ntlm_session *s = ntlm_session(ctx->ntlm);
	return s != NULL && ntlm_session_can_sign(s);
}

static int sign_mic(struct spnego_ctx *ctx, TALLOC_CTX *mem_ctx, DATA_BLOB *mic)
{
	*mic = data_blob_talloc(mem_ctx, NULL, NTLM_SIG_SIZE);
	if (mic->data == NULL)
		return -ENOMEM;
	int ret = ntlm_session_sign(ntlm_session(ctx->ntlm), ctx->mech_types_der.data,
				    ctx->mech_types_der.length, mic->data);
	if (ret == 0)
		ctx->mic_sent = true;
	return ret;
}

static int check_mic(struct spnego_ctx *ctx, const DATA_BLOB *mic)
{
	int ret = ntlm_session_check(ntlm_session(ctx->ntlm), ctx->mech_types_der.data,
				     ctx->mech_types_der.length, mic->data, mic->length);
	if (ret < 0) {
		log_notice("SPNEGO: mechListMIC does not verify; refused");
		return -EACCES;
	}
	ctx->mic_checked = true;
	return 0;
}

/* Same RC4 key state for the first application message as for the MIC. */
static int finish(struct spnego_ctx *ctx)
{
	if (can_sign(ctx)) {
		int ret = ntlm_session_reset_rc4(ntlm_session(ctx->ntlm));
		if (ret < 0)
			return ret;
	}
	ctx->state = SPNEGO_DONE;
	return 0;
}

/* ---- acceptor -------------------------------------------------------------- */

static int server_init(struct spnego_ctx *ctx, TALLOC_CTX *mem_ctx, const struct spnego_token *t,
		       DATA_BLOB *out)
{
	if (!t->is_init)
		return -EPROTO;
	size_t idx = 0;
	while (idx < t->n_mech_types && strcmp(t->mech_types[idx], NTLMSSP_OID) != 0)
		idx++;
	if (idx == t->n_mech_types) {
		log_notice("SPNEGO: the client offers no NTLMSSP; refused");
		return -ENOTSUP;
	}
	ctx->mech_types_der = data_blob_talloc(ctx, t->mech_types_der.data, t->mech_types_der.length);
	if (ctx->mech_types_der.data == NULL)
		return -ENOMEM;
	ctx->downgraded = idx > 0;

	DATA_BLOB challenge = { NULL, 0 };
	if (!ctx->downgraded && t->mech_token.length > 0) {
		int ret = ntlm_update(ctx->ntlm, mem_ctx, &t->mech_token, &challenge);
		if (ret < 0)
			return ret;
		if (ret != 1)
			return -EPROTO;
	}
	ctx->state = SPNEGO_MECH;
	int ret = spnego_encode_resp(mem_ctx,
				     ctx->downgraded ? SPNEGO_REQUEST_MIC : SPNEGO_ACCEPT_INCOMPLETE,
				     NTLMSSP_OID, &challenge, NULL, out);
	data_blob_free(&challenge);
	return ret < 0 ? ret : 1;
}

static int server_mech(struct spnego_ctx *ctx, TALLOC_CTX *mem_ctx, const struct spnego_token *t,
		       DATA_BLOB *out)
{
	if (t->is_init || t->mech_token.length == 0)
		return -EPROTO;
	DATA_BLOB ntlm_out = { NULL, 0 };
	int ret = ntlm_update(ctx->ntlm, mem_ctx, &t->mech_token, &ntlm_out);
	if (ret < 0)
		return ret;
	if (ret == 1) { /* that was the NEGOTIATE: send the CHALLENGE */
		ret = spnego_encode_resp(mem_ctx, SPNEGO_ACCEPT_INCOMPLETE, NULL, &ntlm_out, NULL, out);
		data_blob_free(&ntlm_out);
		return ret < 0 ? ret : 1;
	}
	bool sign = can_sign(ctx);
	bool need_mic = sign && (ctx->downgraded || ntlm_has_mic(ctx->ntlm) ||
				 t->mech_list_mic.length > 0);
	if (sign && t->mech_list_mic.length > 0 && (ret = check_mic(ctx, &t->mech_list_mic)) < 0)
		return ret;
	DATA_BLOB mic = { NULL, 0 };
	if (need_mic && (ret = sign_mic(ctx, mem_ctx, &mic)) < 0)
		return ret;
	if (need_mic && !ctx->mic_checked) {
		ctx->state = SPNEGO_FINAL;
		ret = spnego_encode_resp(mem_ctx, SPNEGO_ACCEPT_INCOMPLETE, NULL, NULL, &mic, out);
		data_blob_free(&mic);
		return ret < 0 ? ret : 1;
	}
	ret = spnego_encode_resp(mem_ctx, SPNEGO_ACCEPT_COMPLETED, NULL, NULL, &mic, out);
	data_blob_free(&mic);
	if (ret == 0)
		ret = finish(ctx);
	return ret;
}

static int server_final(struct spnego_ctx *ctx, TALLOC_CTX *mem_ctx, const struct spnego_token *t,
			DATA_BLOB *out)
{
	if (t->is_init || t->mech_token.length > 0 || t->mech_list_mic.length == 0)
		return -EPROTO;
	int ret = check_mic(ctx, &t->mech_list_mic);
	if (ret == 0)
		ret = spnego_encode_resp(mem_ctx, SPNEGO_ACCEPT_COMPLETED, NULL, NULL, NULL, out);
	if (ret == 0)
		ret = finish(ctx);
	return ret;
}

/* ---- initiator ------------------------------------------------------------ */

static int client_start(struct spnego_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in,
			DATA_BLOB *out)
{
	if (in != NULL && in->length > 0)
		return -EPROTO;
	DATA_BLOB negotiate = { NULL, 0 };
	int ret = ntlm_update(ctx->ntlm, mem_ctx, NULL, &negotiate);
	if (ret != 1)
		return ret < 0 ? ret : -EPROTO;
	static const char *const mechs[] = { NTLMSSP_OID };
	ret = spnego_encode_init(mem_ctx, mechs, 1, &negotiate, out, &ctx->mech_types_der);
	data_blob_free(&negotiate);
	if (ret < 0)
		return ret;
	talloc_steal(ctx, ctx->mech_types_der.data);
	ctx->state = SPNEGO_MECH;
	return 1;
}

static int client_mech(struct spnego_ctx *ctx, TALLOC_CTX *mem_ctx, const struct spnego_token *t,
		       DATA_BLOB *out)
{
	if (t->is_init)
		return -EPROTO;
	if (t->neg_state == SPNEGO_REJECT)
		return -EACCES;
	if (t->neg_state != SPNEGO_ACCEPT_INCOMPLETE && t->neg_state != SPNEGO_REQUEST_MIC)
		return -EPROTO;
	if (t->supported_mech != NULL && strcmp(t->supported_mech, NTLMSSP_OID) != 0)
		return -ENOTSUP;
	if (t->mech_token.length == 0)
		return -EPROTO; /* we always send NTLM's NEGOTIATE optimistically */
	DATA_BLOB authenticate = { NULL, 0 };
	int ret = ntlm_update(ctx->ntlm, mem_ctx, &t->mech_token, &authenticate);
	if (ret != 0)
		return ret < 0 ? ret : -EPROTO;
	DATA_BLOB mic = { NULL, 0 };
	if (can_sign(ctx) && (ntlm_has_mic(ctx->ntlm) || t->neg_state == SPNEGO_REQUEST_MIC))
		ret = sign_mic(ctx, mem_ctx, &mic);
	if (ret == 0)
		ret = spnego_encode_resp(mem_ctx, SPNEGO_NO_STATE, NULL, &authenticate, &mic, out);
	data_blob_free(&authenticate);
	data_blob_free(&mic);
	if (ret < 0)
		return ret;
	ctx->state = SPNEGO_FINAL;
	return 1;
}

static int client_final(struct spnego_ctx *ctx, const struct spnego_token *t)
{
	if (t->is_init)
		return -EPROTO;
	if (t->neg_state == SPNEGO_REJECT)
		return -EACCES;
	if (t->neg_state != SPNEGO_ACCEPT_COMPLETED || t->mech_token.length > 0)
		return -EPROTO;
	if (t->mech_list_mic.length > 0 && can_sign(ctx)) {
		int ret = check_mic(ctx, &t->mech_list_mic);
		if (ret < 0)
			return ret;
	} else if (ctx->mic_sent) {
		log_notice("SPNEGO: the server did not return a mechListMIC; refused");
		return -EACCES;
	}
	return finish(ctx);
}

int spnego_update(struct spnego_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in,
		  DATA_BLOB *out)
{
	*out = (DATA_BLOB){ NULL, 0 };
	if (ctx->state == SPNEGO_DONE || ctx->state == SPNEGO_FAILED)
		return -EPROTO;
	int ret;
	if (!ctx->server && ctx->state == SPNEGO_START) {
		ret = client_start(ctx, mem_ctx, in, out);
	} else {
		TALLOC_CTX *tmp = talloc_new(NULL);
		struct spnego_token t;
		ret = tmp == NULL ? -ENOMEM : spnego_decode(tmp, in, &t);
		if (ret == 0 && ctx->server) {
			ret = ctx->state == SPNEGO_START ? server_init(ctx, mem_ctx, &t, out)
			      : ctx->state == SPNEGO_MECH ? server_mech(ctx, mem_ctx, &t, out)
							  : server_final(ctx, mem_ctx, &t, out);
		} else if (ret == 0) {
			ret = ctx->state == SPNEGO_MECH ? client_mech(ctx, mem_ctx, &t, out)
							: client_final(ctx, &t);
		}
		talloc_free(tmp);
	}
	if (ret < 0) {
		ctx->state = SPNEGO_FAILED;
		data_blob_free(out);
	}
	return ret;
}
