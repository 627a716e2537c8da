/* Security contexts of a connection (MS-RPCE 3.3.1.5.2 and 3.3.1.5.4): the
 * glue between sec_trailers and src/auth's NTLMSSP/SPNEGO contexts. */
#include <errno.h>
#include <string.h>

#include "auth/auth.h"
#include "istmd/log.h"
#include "rpc/internal.h"

struct rpc_sec *rpc_sec_find(struct rpc_conn *conn, uint32_t context_id)
{
	for (struct rpc_sec *s = conn->secs; s != NULL; s = s->next) {
		if (s->context_id == context_id)
			return s;
	}
	return NULL;
}

bool rpc_conn_authenticated(const struct rpc_conn *conn)
{
	for (const struct rpc_sec *s = conn->secs; s != NULL; s = s->next) {
		if (s->state == RPC_SEC_DONE)
			return true;
	}
	return false;
}

struct rpc_sec *rpc_sec_start(struct rpc_conn *conn, const struct dcerpc_auth *in,
			      uint16_t *nak_reason)
{
	if (in->auth_level < DCERPC_AUTH_LEVEL_CONNECT || in->auth_level > DCERPC_AUTH_LEVEL_PRIVACY) {
		*nak_reason = DCERPC_BIND_NAK_REASON_NOT_SPECIFIED;
		return NULL;
	}
	if (in->auth_type != DCERPC_AUTH_TYPE_NTLMSSP && in->auth_type != DCERPC_AUTH_TYPE_SPNEGO) {
		log_info("%s:%u asked for unsupported auth type %u", conn->remote_addr,
			 conn->remote_port, in->auth_type);
		*nak_reason = DCERPC_BIND_NAK_REASON_INVALID_AUTH_TYPE;
		return NULL;
	}
	struct rpc_sec *sec = talloc_zero(conn, struct rpc_sec);
	if (sec == NULL) {
		*nak_reason = DCERPC_BIND_NAK_REASON_TEMPORARY_CONGESTION;
		return NULL;
	}
	struct auth_server_options defaults = { 0 };
	const struct auth_server_options *opts = conn->server->auth_options;
	if (opts == NULL) {
		auth_options_fill_defaults(sec, &defaults);
		opts = &defaults;
	}
	sec->auth = auth_server_new(sec, conn->server->accounts, opts, in->auth_type);
	if (sec->auth == NULL) {
		talloc_free(sec);
		*nak_reason = DCERPC_BIND_NAK_REASON_TEMPORARY_CONGESTION;
		return NULL;
	}
	sec->context_id = in->auth_context_id;
	sec->auth_type = in->auth_type;
	sec->auth_level = in->auth_level;
	sec->state = RPC_SEC_PENDING;
	sec->next = conn->secs;
	conn->secs = sec;
	conn->nsecs++;
	return sec;
}

int rpc_sec_update(struct rpc_sec *sec, TALLOC_CTX *mem_ctx, const DATA_BLOB *in, DATA_BLOB *out)
{
	*out = data_blob_null;
	if (sec->state != RPC_SEC_PENDING)
		return -EPROTO;
	int rc = auth_update(sec->auth, mem_ctx, in, out);
	/* MS-RPCE 3.3.1.5.2.2: a context that cannot give the protection its
	 * level asks for is as good as a failed one. */
	if (rc == 0 &&
	    ((sec->auth_level >= DCERPC_AUTH_LEVEL_PACKET && !auth_can_sign(sec->auth)) ||
	     (sec->auth_level == DCERPC_AUTH_LEVEL_PRIVACY && !auth_can_seal(sec->auth))))
		rc = -EACCES;
	if (rc == 0) {
		sec->state = RPC_SEC_DONE;
	} else if (rc < 0) {
		sec->state = RPC_SEC_FAILED;
		sec->error = rc;
	}
	return rc;
}

bool rpc_sec_protects(const struct rpc_sec *sec)
{
	return sec != NULL && sec->auth_level >= DCERPC_AUTH_LEVEL_PACKET;
}

size_t rpc_sec_sig_size(const struct rpc_sec *sec)
{
	if (rpc_sec_protects(sec) && sec->state == RPC_SEC_DONE)
		return auth_sig_size(sec->auth);
	return 0;
}

int rpc_sec_open_fragment(struct rpc_sec *sec, uint8_t *frag, size_t frag_len, size_t body_off,
			  size_t body_len, const DATA_BLOB *sig)
{
	if (!rpc_sec_protects(sec))
		return 0; /* connect level: the token, if any, carries nothing */
	/* The signature covers the PDU from its header through the sec_trailer
	 * (MS-RPCE 3.3.1.5.2.2; the security layer decides what it signs). */
	size_t whole = frag_len - sig->length;
	int rc;
	if (sec->auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
		rc = auth_unseal(sec->auth, frag + body_off, body_len, frag, whole, sig);
	else
		rc = auth_check(sec->auth, frag + body_off, body_len, frag, whole, sig);
	return rc == 0 ? 0 : -EACCES;
}

int rpc_sec_protect_fragment(struct rpc_sec *sec, uint8_t *frag, size_t frag_len, size_t body_off,
			     size_t body_len)
{
	if (!rpc_sec_protects(sec))
		return 0;
	size_t sig_size = auth_sig_size(sec->auth);
	size_t whole = frag_len - sig_size;
	DATA_BLOB sig = data_blob_null;
	TALLOC_CTX *tmp = talloc_new(NULL);
	int rc;
	if (sec->auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
		rc = auth_seal(sec->auth, tmp, frag + body_off, body_len, frag, whole, &sig);
	else
		rc = auth_sign(sec->auth, tmp, frag + body_off, body_len, frag, whole, &sig);
	if (rc == 0 && sig.length > sig_size)
		rc = -EOVERFLOW;
	if (rc == 0) {
		/* A shorter signature leaves zeros in the space reserved for it
		 * (MS-RPCE 2.2.2.11). */
		memset(frag + whole, 0, sig_size);
		memcpy(frag + whole, sig.data, sig.length);
	}
	talloc_free(tmp);
	return rc;
}

const char *rpc_sec_user(const struct rpc_sec *sec)
{
	if (sec != NULL && sec->state == RPC_SEC_DONE)
		return auth_user(sec->auth);
	return NULL;
}

const char *rpc_sec_domain(const struct rpc_sec *sec)
{
	if (sec != NULL && sec->state == RPC_SEC_DONE)
		return auth_domain(sec->auth);
	return NULL;
}

bool rpc_sec_is_admin(const struct rpc_sec *sec)
{
	if (sec != NULL && sec->state == RPC_SEC_DONE)
		return auth_is_admin(sec->auth);
	return false;
}
