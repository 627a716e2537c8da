/* bind, alter_context and auth3 (C706 12.6.4, MS-RPCE 3.3.1.5 and 3.3.3):
 * presentation contexts, security legs, association groups. The choice of
 * reject reasons and fault codes follows what Windows answers (as Samba's
 * raw-protocol tests record it). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "istmd/log.h"
#include "rpc/internal.h"

static const struct rpc_interface *find_iface(void *priv, const struct ndr_syntax_id *abstract)
{
	struct rpc_conn *conn = priv;
	return rpc_server_find_iface(conn->server, conn->endpoint, abstract);
}

static void send_bind_nak(struct rpc_conn *conn, uint32_t call_id, uint16_t reason,
			  const char *why)
{
	DATA_BLOB nak;
	log_info("bind from %s:%u refused (reason %u): %s", conn->remote_addr, conn->remote_port,
		 reason, why);
	if (rpc_pdu_bind_nak(conn, call_id, reason, &nak) == 0)
		rpc_conn_send(conn, nak);
	rpc_conn_close_after_send(conn, why);
}

/* MS-RPCE 2.2.2.3, 3.3.1.5.2.2: a client that announces header signing gets
 * the flag back (our security layer signs the header with the rest). */
static uint8_t negotiate_hdr_signing(struct rpc_conn *conn, const struct ncacn_packet *pkt)
{
	if (!(pkt->pfc_flags & DCERPC_PFC_FLAG_SUPPORT_HEADER_SIGN))
		return 0;
	conn->client_hdr_signing = true;
	return DCERPC_PFC_FLAG_SUPPORT_HEADER_SIGN;
}

/* Remembers SEC as the security context of the presentation contexts B
 * accepted (ACKS): a security context no presentation context names any more
 * can be freed (sec.c). */
static void link_contexts(struct rpc_conn *conn, const struct dcerpc_bind *b,
			  const struct dcerpc_ack_ctx *acks, struct rpc_sec *sec)
{
	for (unsigned i = 0; i < b->num_contexts; i++) {
		if (acks[i].result != DCERPC_BIND_ACK_RESULT_ACCEPTANCE)
			continue;
		struct rpc_pctx *p = rpc_pctx_find(conn->contexts, b->ctx_list[i].context_id);
		if (p == NULL)
			continue;
		p->last_used = ++conn->use_clock;
		if (sec != NULL)
			p->sec = sec;
	}
}

static bool named_in(const struct dcerpc_bind *b, uint16_t id)
{
	for (unsigned i = 0; i < b->num_contexts; i++) {
		if (b->ctx_list[i].context_id == id)
			return true;
	}
	return false;
}

static bool pctx_used_by_call(const struct rpc_conn *conn, const struct rpc_pctx *p)
{
	if (conn->frag_call != NULL && conn->frag_call->pctx == p)
		return true;
	for (const struct rpc_call *c = conn->pending; c != NULL; c = c->next) {
		if (c->pctx == p)
			return true;
	}
	return false;
}

/* Presentation contexts cannot be deleted in DCE/RPC, but impacket binds a
 * fresh one with every alter_context and never returns to the old ones: when
 * B would not fit under max_contexts, the least recently used contexts that
 * no call uses and B does not name give way. A request on one of them later
 * gets nca_unk_if, not executed. */
static void make_context_room(struct rpc_conn *conn, const struct dcerpc_bind *b)
{
	unsigned max = conn->server->limits.max_contexts, fresh = 0;
	for (unsigned i = 0; i < b->num_contexts; i++) {
		if (rpc_pctx_find(conn->contexts, b->ctx_list[i].context_id) == NULL)
			fresh++;
	}
	while (conn->ncontexts + fresh > max) {
		struct rpc_pctx **victim = NULL;
		for (struct rpc_pctx **pp = &conn->contexts; *pp != NULL; pp = &(*pp)->next) {
			if (named_in(b, (*pp)->id) || pctx_used_by_call(conn, *pp))
				continue;
			if (victim == NULL || (*pp)->last_used < (*victim)->last_used)
				victim = pp;
		}
		if (victim == NULL)
			return; /* negotiation refuses the alter_context */
		struct rpc_pctx *p = *victim;
		*victim = p->next;
		conn->ncontexts--;
		log_debug("%s:%u: presentation context %u given up", conn->remote_addr,
			  conn->remote_port, p->id);
		talloc_free(p);
	}
}

static int reply_ack(struct rpc_conn *conn, TALLOC_CTX *tmp, uint8_t ptype, uint8_t flags,
		     const struct ncacn_packet *req, struct dcerpc_ack_ctx *acks,
		     const char *secondary, const struct rpc_sec *sec, const DATA_BLOB *token)
{
	struct ncacn_packet pkt;
	struct dcerpc_auth auth;
	DATA_BLOB blob;

	if (conn->assoc == NULL)
		return -EPROTO; /* never acknowledge without an association */
	rpc_pdu_init(&pkt, ptype, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST | flags,
		     req->call_id);
	pkt.u.bind_ack.max_xmit_frag = conn->max_xmit;
	pkt.u.bind_ack.max_recv_frag = conn->max_recv;
	pkt.u.bind_ack.assoc_group_id = conn->assoc->id;
	pkt.u.bind_ack.secondary_address = secondary;
	pkt.u.bind_ack.num_results = req->u.bind.num_contexts;
	pkt.u.bind_ack.ctx_list = acks;
	if (sec != NULL) {
		auth = (struct dcerpc_auth){
			.auth_type = sec->auth_type,
			.auth_level = sec->auth_level,
			.auth_context_id = sec->context_id,
			.credentials = *token,
		};
	}
	int rc = rpc_pdu_push(tmp, &pkt, sec ? &auth : NULL, &blob);
	if (rc != 0)
		return rc;
	talloc_steal(conn, blob.data);
	rpc_conn_send(conn, blob);
	return 0;
}

void rpc_handle_bind(struct rpc_conn *conn, struct ncacn_packet *pkt)
{
	const struct rpc_limits *l = &conn->server->limits;
	struct dcerpc_bind *b = &pkt->u.bind;
	TALLOC_CTX *tmp = talloc_new(conn);
	uint8_t flags = 0;

	if (rpc_pdu_check_header(pkt, DCERPC_PKT_BIND, b->auth_info.length) != 0) {
		send_bind_nak(conn, pkt->call_id,
			      DCERPC_BIND_NAK_REASON_PROTOCOL_VERSION_NOT_SUPPORTED,
			      pkt->ptype == DCERPC_PKT_BIND ? "bad header" : "first PDU is not a bind");
		goto out;
	}

	/* Both directions get the same size: the smaller of the client's two,
	 * at least 2048 (what Windows does), at most max_pdu_size, a multiple of 8. */
	unsigned req = b->max_xmit_frag < b->max_recv_frag ? b->max_xmit_frag : b->max_recv_frag;
	if (req < 2048)
		req = 2048;
	if (req > l->max_pdu_size)
		req = l->max_pdu_size;
	conn->max_xmit = conn->max_recv = (uint16_t)(req & 0xFFF8);

	conn->assoc = rpc_assoc_join(conn->server, b->assoc_group_id, &conn->peer);
	if (conn->assoc == NULL) {
		send_bind_nak(conn, pkt->call_id, DCERPC_BIND_NAK_REASON_NOT_SPECIFIED,
			      "unknown association group");
		goto out;
	}
	if (b->num_contexts < 1) {
		send_bind_nak(conn, pkt->call_id,
			      DCERPC_BIND_NAK_REASON_PROTOCOL_VERSION_NOT_SUPPORTED,
			      "no presentation context");
		goto out;
	}

	struct dcerpc_ack_ctx *acks = talloc_zero_array(tmp, struct dcerpc_ack_ctx, b->num_contexts);
	struct rpc_negotiation neg = { .find_iface = find_iface, .priv = conn, .is_bind = true,
				       .max_contexts = l->max_contexts };
	bool has_features;
	int rc = acks ? rpc_negotiate_contexts(&neg, b, conn, &conn->contexts, &conn->ncontexts,
					       acks, &conn->features, &has_features) :
			-ENOMEM;
	if (rc == -ENOSPC) {
		send_bind_nak(conn, pkt->call_id, DCERPC_BIND_NAK_REASON_LOCAL_LIMIT_EXCEEDED,
			      "too many presentation contexts");
		goto out;
	}
	if (rc != 0) {
		send_bind_nak(conn, pkt->call_id, DCERPC_BIND_NAK_REASON_NOT_SPECIFIED,
			      rc == -EPROTO ? "bad presentation context list" : "out of memory");
		goto out;
	}
	if (pkt->pfc_flags & DCERPC_PFC_FLAG_CONC_MPX) {
		conn->conc_mpx = true;
		flags |= DCERPC_PFC_FLAG_CONC_MPX;
	}

	struct rpc_sec *sec = NULL;
	DATA_BLOB token = data_blob_null;
	if (pkt->auth_length != 0) {
		struct dcerpc_auth in;
		size_t data_len;
		uint16_t reason;
		if (rpc_pdu_split_auth(&b->auth_info, pkt->auth_length,
				       !rpc_drep_is_le(pkt->drep), true, &in, &data_len) != 0) {
			send_bind_nak(conn, pkt->call_id,
				      DCERPC_BIND_NAK_REASON_PROTOCOL_VERSION_NOT_SUPPORTED,
				      "malformed sec_trailer");
			goto out;
		}
		sec = rpc_sec_start(conn, &in, &reason);
		if (sec == NULL) {
			send_bind_nak(conn, pkt->call_id, reason, "security context refused");
			goto out;
		}
		if (rpc_sec_update(sec, tmp, &in.credentials, &token) < 0) {
			send_bind_nak(conn, pkt->call_id, DCERPC_BIND_NAK_REASON_NOT_SPECIFIED,
				      "security token refused");
			goto out;
		}
	}
	flags |= negotiate_hdr_signing(conn, pkt);
	link_contexts(conn, b, acks, sec);

	/* The secondary address is our port (MS-RPCE 3.3.1.5.5). */
	char port[8];
	snprintf(port, sizeof(port), "%u", conn->local_port);
	if (reply_ack(conn, tmp, DCERPC_PKT_BIND_ACK, flags, pkt, acks, port, sec, &token) != 0) {
		rpc_conn_terminate(conn, "cannot build bind_ack");
		goto out;
	}
	/* Without authentication the handshake is over; with it, once the
	 * last leg completes (alter_context or auth3). */
	if (sec == NULL || sec->state == RPC_SEC_DONE)
		rpc_conn_established(conn);
out:
	talloc_free(tmp);
}

void rpc_handle_alter(struct rpc_conn *conn, struct ncacn_packet *pkt)
{
	const struct rpc_limits *l = &conn->server->limits;
	struct dcerpc_bind *b = &pkt->u.alter;
	TALLOC_CTX *tmp = talloc_new(conn);
	uint32_t auth_fault = 0;
	struct rpc_sec *sec = NULL;
	struct dcerpc_auth in;
	uint8_t flags = 0;

#define ALTER_FAIL(status, why)                                                           \
	do {                                                                                \
		rpc_conn_fault_disconnect(conn, pkt->call_id, 0,                             \
					  DCERPC_PFC_FLAG_DID_NOT_EXECUTE, (status), (why)); \
		goto out;                                                                   \
	} while (0)

	if (rpc_pdu_check_header(pkt, DCERPC_PKT_ALTER, b->auth_info.length) != 0)
		ALTER_FAIL(DCERPC_NCA_S_PROTO_ERROR, "bad alter_context header");

	if (pkt->auth_length != 0) {
		size_t data_len;
		if (rpc_pdu_split_auth(&b->auth_info, pkt->auth_length, !rpc_drep_is_le(pkt->drep),
				       true, &in, &data_len) != 0)
			ALTER_FAIL(DCERPC_NCA_S_PROTO_ERROR, "malformed sec_trailer");
		sec = rpc_sec_find(conn, in.auth_context_id);
		if (sec == NULL) {
			/* A new context on this connection (impacket starts one
			 * per alter_context); bounded (MS-RPCE 3.3.1.5.4). */
			uint16_t reason;
			if (!rpc_sec_make_room(conn)) {
				log_notice("refusing a security context from %s:%u: %u in use on "
					   "the connection", conn->remote_addr, conn->remote_port,
					   l->max_sec_contexts);
				ALTER_FAIL(DCERPC_NCA_S_PROTO_ERROR, "too many security contexts");
			}
			sec = rpc_sec_start(conn, &in, &reason);
			if (sec == NULL)
				auth_fault = DCERPC_FAULT_ACCESS_DENIED;
		} else if (sec->state != RPC_SEC_PENDING) {
			/* Completed or failed contexts cannot be restarted. */
			auth_fault = DCERPC_FAULT_ACCESS_DENIED;
		} else if (in.auth_type != sec->auth_type) {
			auth_fault = DCERPC_FAULT_SEC_PKG_ERROR;
		} else if (in.auth_level != sec->auth_level) {
			auth_fault = DCERPC_FAULT_ACCESS_DENIED;
		}
	}
	if (b->num_contexts < 1)
		ALTER_FAIL(DCERPC_NCA_S_PROTO_ERROR, "no presentation context");

	make_context_room(conn, b);
	struct dcerpc_ack_ctx *acks = talloc_zero_array(tmp, struct dcerpc_ack_ctx, b->num_contexts);
	struct rpc_negotiation neg = { .find_iface = find_iface, .priv = conn, .is_bind = false,
				       .max_contexts = l->max_contexts };
	uint16_t features;
	bool has_features;
	int rc = acks ? rpc_negotiate_contexts(&neg, b, conn, &conn->contexts, &conn->ncontexts,
					       acks, &features, &has_features) :
			-ENOMEM;
	if (rc != 0)
		ALTER_FAIL(DCERPC_NCA_S_PROTO_ERROR, rc == -ENOSPC ? "too many presentation contexts" :
								    "bad presentation context list");
	if (auth_fault != 0)
		ALTER_FAIL(auth_fault, "security context refused");
	/* PFC_CONC_MPX is negotiated by the bind only; Windows ignores it in an
	 * alter_context (neither echoed nor acted on). */

	DATA_BLOB token = data_blob_null;
	if (sec != NULL) {
		rc = rpc_sec_update(sec, tmp, &in.credentials, &token);
		if (rc < 0) {
			log_notice("authentication from %s:%u failed: %s", conn->remote_addr,
				   conn->remote_port, strerror(-rc));
			ALTER_FAIL(rc == -EACCES ? DCERPC_FAULT_ACCESS_DENIED :
						   DCERPC_FAULT_SEC_PKG_ERROR,
				   "security token refused");
		}
		if (rc == 0) {
			log_debug("%s:%u authenticated as %s (alter_context)", conn->remote_addr,
				  conn->remote_port, rpc_sec_user(sec));
			rpc_conn_established(conn);
		}
	}
	flags |= negotiate_hdr_signing(conn, pkt);
	link_contexts(conn, b, acks, sec);
	if (reply_ack(conn, tmp, DCERPC_PKT_ALTER_RESP, flags, pkt, acks, "", sec, &token) != 0)
		rpc_conn_terminate(conn, "cannot build alter_context_resp");
out:
	talloc_free(tmp);
#undef ALTER_FAIL
}

void rpc_handle_auth3(struct rpc_conn *conn, struct ncacn_packet *pkt)
{
	TALLOC_CTX *tmp = talloc_new(conn);
	struct dcerpc_auth in;
	size_t data_len;

	if (rpc_pdu_check_header(pkt, DCERPC_PKT_AUTH3, pkt->u.auth3.auth_info.length) != 0 ||
	    pkt->auth_length == 0) {
		rpc_conn_fault_disconnect(conn, pkt->call_id, 0, DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
					  DCERPC_NCA_S_PROTO_ERROR, "bad auth3 header");
		goto out;
	}
	if (rpc_pdu_split_auth(&pkt->u.auth3.auth_info, pkt->auth_length,
			       !rpc_drep_is_le(pkt->drep), true, &in, &data_len) != 0) {
		/* What Windows answers to a malformed auth3 trailer. */
		rpc_conn_fault_disconnect(conn, pkt->call_id, 0, DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
					  DCERPC_NCA_S_FAULT_REMOTE_NO_MEMORY,
					  "malformed auth3 sec_trailer");
		goto out;
	}
	struct rpc_sec *sec = rpc_sec_find(conn, in.auth_context_id);
	if (sec == NULL || sec->state != RPC_SEC_PENDING) {
		rpc_conn_fault_disconnect(conn, pkt->call_id, 0, DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
					  DCERPC_NCA_S_PROTO_ERROR, "auth3 without a pending context");
		goto out;
	}
	/* No reply to auth3 (MS-RPCE 3.3.1.5.2.1); a failure shows on the first
	 * request that uses the context. */
	if (in.auth_type != sec->auth_type || in.auth_level != sec->auth_level) {
		sec->state = RPC_SEC_FAILED;
		sec->error = -EPROTO;
		goto out;
	}
	DATA_BLOB token;
	int rc = rpc_sec_update(sec, tmp, &in.credentials, &token);
	if (rc == 0 && token.length != 0)
		rc = -EPROTO; /* the last leg cannot have an answer */
	if (rc != 0) {
		sec->state = RPC_SEC_FAILED;
		sec->error = rc < 0 ? rc : -EPROTO;
		log_notice("authentication from %s:%u failed: %s", conn->remote_addr,
			   conn->remote_port, strerror(-sec->error));
		goto out;
	}
	log_debug("%s:%u authenticated as %s", conn->remote_addr, conn->remote_port,
		  rpc_sec_user(sec));
	rpc_conn_established(conn);
out:
	talloc_free(tmp);
}
