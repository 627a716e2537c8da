/* Security contexts of a connection (MS-RPCE 3.3.1.5.2 and 3.3.1.5.4): the
 * glue between sec_trailers and src/auth's NTLMSSP/SPNEGO contexts, and
 * their reclaiming once nothing uses them. */
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

void rpc_sec_touch(struct rpc_sec *sec)
{
	if (sec != NULL)
		sec->last_used = ++sec->conn->use_clock;
}

bool rpc_conn_authenticated(const struct rpc_conn *conn)
{
	for (const struct rpc_sec *s = conn->secs; s != NULL; s = s->next) {
		if (s->state == RPC_SEC_DONE)
			return true;
	}
	return false;
}

/* A call being reassembled or dispatched holds its security context. */
static bool used_by_call(const struct rpc_conn *conn, const struct rpc_sec *sec)
{
	if (conn->frag_call != NULL && conn->frag_call->sec == sec)
		return true;
	for (const struct rpc_call *c = conn->pending; c != NULL; c = c->next) {
		if (c->sec == sec)
			return true;
	}
	return false;
}

static bool used_by_pctx(const struct rpc_conn *conn, const struct rpc_sec *sec)
{
	for (const struct rpc_pctx *p = conn->contexts; p != NULL; p = p->next) {
		if (p->sec == sec)
			return true;
	}
	return false;
}

static void sec_free(struct rpc_conn *conn, struct rpc_sec *sec)
{
	for (struct rpc_sec **ps = &conn->secs; *ps != NULL; ps = &(*ps)->next) {
		if (*ps == sec) {
			*ps = sec->next;
			break;
		}
	}
	for (struct rpc_pctx *p = conn->contexts; p != NULL; p = p->next) {
		if (p->sec == sec)
			p->sec = NULL;
	}
	conn->nsecs--;
	log_debug("%s:%u: security context %u released", conn->remote_addr, conn->remote_port,
		  sec->context_id);
	talloc_free(sec);
}

bool rpc_sec_make_room(struct rpc_conn *conn)
{
	unsigned max = conn->server->limits.max_sec_contexts;
	if (conn->nsecs < max)
		return true;
	/* Contexts no presentation context and no call uses any more. A
	 * pending one is kept: its legs may still come. */
	struct rpc_sec *s = conn->secs;
	while (s != NULL) {
		struct rpc_sec *next = s->next;
		if (s->state != RPC_SEC_PENDING && !used_by_call(conn, s) && !used_by_pctx(conn, s))
			sec_free(conn, s);
		s = next;
	}
	if (conn->nsecs < max)
		return true;
	/* Without security context multiplexing a client may count on one
	 * context per connection only (MS-RPCE 3.3.1.1.2, 3.3.1.5.4): impacket
	 * starts a fresh one, on a fresh presentation context, with every
	 * alter_context and never goes back. The least recently used gives way. */
	if (conn->features & DCERPC_BIND_TIME_SECURITY_CONTEXT_MULTIPLEXING)
		return false;
	struct rpc_sec *lru = NULL;
	for (s = conn->secs; s != NULL; s = s->next) {
		if (s->state != RPC_SEC_PENDING && !used_by_call(conn, s) &&
		    (lru == NULL || s->last_used < lru->last_used))
			lru = s;
	}
	if (lru == NULL)
		return false;
	sec_free(conn, lru);
	return true;
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
	sec->conn = conn;
	sec->context_id = in->auth_context_id;
	sec->auth_type = in->auth_type;
	sec->auth_level = in->auth_level;
	sec->state = RPC_SEC_PENDING;
	sec->next = conn->secs;
	conn->secs = sec;
	conn->nsecs++;
	rpc_sec_touch(sec);
	return sec;
}

int rpc_sec_update(struct rpc_sec *sec, TALLOC_CTX *mem_ctx, const DATA_BLOB *in, DATA_BLOB *out)
{
	*out = data_blob_null;
	if (sec->state != RPC_SEC_PENDING)
		return -EPROTO;
	rpc_sec_touch(sec);
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
	if (frag_len < sig_size)
		return -EINVAL;
	size_t whole = frag_len - sig_size;
	/* The signature goes straight to its place at the end of the PDU
	 * (MS-RPCE 2.2.2.11), computed over everything before it. */
	if (sec->auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
		return auth_seal_to(sec->auth, frag + body_off, body_len, frag, whole, frag + whole);
	return auth_sign_to(sec->auth, frag + body_off, body_len, frag, whole, frag + whole);
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
