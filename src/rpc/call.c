/* Requests (C706 12.6.4.9, MS-RPCE 3.3.3.5): verification of each fragment,
 * reassembly, the checks before dispatch, NDR in and out, response
 * fragments, co_cancel and orphaned. Fault codes and PFC_DID_NOT_EXECUTE
 * follow what Windows does. */
#include <errno.h>
#include <string.h>

#include <rpc_common.h>
#include <ndr/ndr_dcerpc.h>

#include "istmd/log.h"
#include "rpc/internal.h"
#include "rpc/session_log.h"

/* The security context a request fragment names: the one of its sec_trailer,
 * or, without a trailer, the connection's only context when that one is at
 * connect level (MS-RPCE 3.3.1.5.4), else none. */
static struct rpc_sec *default_sec(struct rpc_conn *conn)
{
	if (conn->nsecs == 1 && conn->secs->state == RPC_SEC_DONE &&
	    conn->secs->auth_level <= DCERPC_AUTH_LEVEL_CALL)
		return conn->secs;
	return NULL;
}

static struct rpc_call *find_pending(struct rpc_conn *conn, uint32_t call_id)
{
	for (struct rpc_call *c = conn->pending; c != NULL; c = c->next) {
		if (c->call_id == call_id)
			return c;
	}
	return NULL;
}

static void fault_call(struct rpc_call *call, uint8_t flags, uint32_t status)
{
	if (call->conn->server->session_log != NULL)
		rpc_session_log_fault(call->conn->server->session_log, call, status);
	rpc_conn_send_fault(call->conn, call->call_id, call->context_id, flags, status);
}

static int stub_append(struct rpc_call *call, const uint8_t *data, size_t len)
{
	if (len == 0)
		return 0;
	size_t need = call->stub.length + len;
	if (need > call->stub_alloc) {
		size_t alloc = call->stub_alloc ? call->stub_alloc : 4096;
		while (alloc < need)
			alloc *= 2;
		uint8_t *p = talloc_realloc(call, call->stub.data, uint8_t, alloc);
		if (p == NULL)
			return -ENOMEM;
		call->stub.data = p;
		call->stub_alloc = alloc;
	}
	if (len != 0) /* an empty stub (ServerAlive2) leaves stub.data NULL */
		memcpy(call->stub.data + call->stub.length, data, len);
	call->stub.length = need;
	return 0;
}

static void call_dispatch(struct rpc_call *call);

void rpc_handle_request(struct rpc_conn *conn, struct ncacn_packet *pkt, DATA_BLOB *raw)
{
	const struct rpc_limits *l = &conn->server->limits;
	struct dcerpc_request *req = &pkt->u.request;
	bool first = pkt->pfc_flags & DCERPC_PFC_FLAG_FIRST;
	struct rpc_call *call = NULL;

	if (rpc_pdu_check_header(pkt, DCERPC_PKT_REQUEST, req->stub_and_verifier.length) != 0) {
		rpc_conn_fault_disconnect(conn, pkt->call_id, 0, DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
					  DCERPC_NCA_S_PROTO_ERROR, "bad request header");
		return;
	}

	if (first) {
		if (conn->frag_call != NULL) {
			/* Only one request may be in fragments (MS-RPCE 3.3.1.5.8);
			 * the fault names the call already started. */
			struct rpc_call *old = conn->frag_call;
			rpc_conn_fault_disconnect(conn, old->call_id, old->context_id, 0,
						  DCERPC_NCA_S_PROTO_ERROR,
						  "new request inside a fragmented one");
			return;
		}
		if (conn->npending > 0 && !conn->conc_mpx) {
			rpc_conn_fault_disconnect(conn, pkt->call_id, req->context_id, 0,
						  DCERPC_NCA_S_PROTO_ERROR,
						  "concurrent request without PFC_CONC_MPX");
			return;
		}
		if (find_pending(conn, pkt->call_id) != NULL) {
			rpc_conn_fault_disconnect(conn, pkt->call_id, req->context_id, 0,
						  DCERPC_NCA_S_PROTO_ERROR, "call_id in use");
			return;
		}
		if (pkt->pfc_flags & DCERPC_PFC_FLAG_PENDING_CANCEL) {
			rpc_conn_fault_disconnect(conn, pkt->call_id, req->context_id,
						  DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
						  DCERPC_FAULT_NO_CALL_ACTIVE, "cancel before the call");
			return;
		}
	} else {
		call = conn->frag_call;
		if (call == NULL || call->call_id != pkt->call_id) {
			if (call == NULL && rpc_pctx_find(conn->contexts, req->context_id) == NULL) {
				/* Windows puts context id 0 in this fault. */
				rpc_conn_send_fault(conn, pkt->call_id, 0,
						    DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
						    DCERPC_NCA_S_UNKNOWN_IF);
				return;
			}
			rpc_conn_fault_disconnect(conn, call ? call->call_id : pkt->call_id,
						  call ? call->context_id : req->context_id, 0,
						  DCERPC_NCA_S_PROTO_ERROR,
						  "fragment of no call in progress");
			return;
		}
		if (memcmp(call->drep, pkt->drep, 4) != 0) {
			rpc_conn_fault_disconnect(conn, call->call_id, call->context_id,
						  DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
						  DCERPC_NCA_S_PROTO_ERROR,
						  "data representation changed between fragments");
			return;
		}
	}

	/* Split the fragment into stub, padding and sec_trailer. */
	struct dcerpc_auth auth;
	size_t stub_len;
	bool be = !rpc_drep_is_le(pkt->drep);
	if (rpc_pdu_split_auth(&req->stub_and_verifier, pkt->auth_length, be, false, &auth,
			       &stub_len) != 0) {
		rpc_conn_fault_disconnect(conn, pkt->call_id, req->context_id, 0,
					  DCERPC_NCA_S_PROTO_ERROR, "malformed sec_trailer");
		return;
	}

	struct rpc_sec *sec;
	if (!first) {
		sec = call->sec;
	} else if (pkt->auth_length == 0) {
		sec = default_sec(conn);
	} else {
		sec = rpc_sec_find(conn, auth.auth_context_id);
		if (sec != NULL && sec->state == RPC_SEC_PENDING) {
			rpc_conn_fault_disconnect(conn, pkt->call_id, req->context_id,
						  DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
						  DCERPC_NCA_S_PROTO_ERROR,
						  "request before authentication completed");
			return;
		}
		if (sec != NULL && (sec->auth_type != auth.auth_type ||
				    sec->auth_level != auth.auth_level))
			sec->state = RPC_SEC_FAILED;
		if (sec == NULL || sec->state != RPC_SEC_DONE) {
			/* Unknown or failed context, e.g. a wrong password in auth3. */
			rpc_conn_fault_disconnect(conn, pkt->call_id, req->context_id, 0,
						  DCERPC_FAULT_ACCESS_DENIED,
						  "request on a refused security context");
			return;
		}
	}

	/* Every fragment of a protected call is signed or sealed on its own. */
	size_t body_off = RPC_REQUEST_HDR_LEN + (pkt->pfc_flags & DCERPC_PFC_FLAG_OBJECT_UUID ? 16 : 0);
	if (rpc_sec_protects(sec)) {
		if (pkt->auth_length == 0 || auth.auth_context_id != sec->context_id ||
		    rpc_sec_open_fragment(sec, raw->data, raw->length, body_off,
					  stub_len + auth.auth_pad_length, &auth.credentials) != 0) {
			rpc_conn_fault_disconnect(conn, pkt->call_id, req->context_id, 0,
						  DCERPC_FAULT_ACCESS_DENIED,
						  "request signature does not verify");
			return;
		}
	}
	const uint8_t *stub = raw->data + body_off;

	if (first) {
		if (!(pkt->pfc_flags & DCERPC_PFC_FLAG_LAST) && req->alloc_hint > l->max_request_size) {
			rpc_conn_fault_disconnect(conn, pkt->call_id, req->context_id, 0,
						  DCERPC_FAULT_ACCESS_DENIED,
						  "request larger than max_request_size");
			return;
		}
		call = talloc_zero(conn, struct rpc_call);
		if (call == NULL) {
			rpc_conn_terminate(conn, "out of memory");
			return;
		}
		call->conn = conn;
		call->call_id = pkt->call_id;
		call->context_id = req->context_id;
		call->opnum = req->opnum;
		memcpy(call->drep, pkt->drep, 4);
		call->pfc_flags = pkt->pfc_flags;
		if (pkt->pfc_flags & DCERPC_PFC_FLAG_OBJECT_UUID) {
			call->has_object = true;
			call->object = req->object.object;
		}
		call->sec = sec;
		call->auth_level = sec ? sec->auth_level : DCERPC_AUTH_LEVEL_NONE;
		call->auth_type = sec ? sec->auth_type : DCERPC_AUTH_TYPE_NONE;
		call->pctx = rpc_pctx_find(conn->contexts, req->context_id);
		if (call->pctx == NULL) {
			/* An unknown context: Windows answers with context id 0. */
			rpc_conn_send_fault(conn, call->call_id, 0, DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
					    DCERPC_NCA_S_UNKNOWN_IF);
			talloc_free(call);
			return;
		}
		/* Used now (handshake.c gives up the least recently used
		 * context when full); it keeps its security context alive
		 * (sec.c). */
		call->pctx->last_used = ++conn->use_clock;
		if (sec != NULL) {
			call->pctx->sec = sec;
			rpc_sec_touch(sec);
		}
	}

	uint32_t fault = 0;
	uint8_t fault_flags = 0;
	if (call->stub.length + stub_len > l->max_request_size) {
		/* MS-RPCE 3.3.3.5.4: status 5 for requests over the limit. */
		fault = DCERPC_FAULT_ACCESS_DENIED;
	} else if (first && (pkt->pfc_flags & DCERPC_PFC_FLAG_LAST)) {
		/* A call in one fragment is pulled from the receive buffer,
		 * before anything else reads the socket (call_dispatch()):
		 * no copy. */
		call->stub = data_blob_const(stub, stub_len);
		call->stub_borrowed = true;
	} else if (stub_append(call, stub, stub_len) != 0) {
		fault = DCERPC_FAULT_OUT_OF_RESOURCES;
		fault_flags = DCERPC_PFC_FLAG_DID_NOT_EXECUTE;
	}
	if (fault != 0) {
		if (call == conn->frag_call)
			conn->frag_call = NULL;
		rpc_conn_fault_disconnect(conn, call->call_id, call->context_id, fault_flags, fault,
					  "request too large");
		talloc_free(call);
		return;
	}
	if (!(pkt->pfc_flags & DCERPC_PFC_FLAG_LAST)) {
		conn->frag_call = call;
		return;
	}
	conn->frag_call = NULL;
	call_dispatch(call);
}

/* MS-RPCE 2.2.2.13: when present, the verification trailer must match the
 * call. It is cut off the stub here. Returns 0 or a fault code. */
static uint32_t check_verification_trailer(struct rpc_call *call, struct ndr_pull *pull)
{
	struct dcerpc_sec_verification_trailer *vt = NULL;
	TALLOC_CTX *tmp = talloc_new(call->conn->server->scratch);
	uint32_t fault = 0;

	enum ndr_err_code err = ndr_pop_dcerpc_sec_verification_trailer(pull, tmp, &vt);
	if (!NDR_ERR_CODE_IS_SUCCESS(err)) {
		fault = DCERPC_FAULT_OTHER;
		goto out;
	}
	/* No trailer (no commands): nothing to compare. Windows sends one
	 * only on a context's first call with NTLM (MS-RPCE 2.2.2.13.2-4,
	 * <41>-<43>), istmd's client never. */
	if (vt->count.count == 0)
		goto out;
	const uint32_t bitmask1 =
		call->conn->client_hdr_signing ? DCERPC_SEC_VT_CLIENT_SUPPORTS_HEADER_SIGNING : 0;
	const struct dcerpc_sec_vt_pcontext pcontext = {
		.abstract_syntax = call->pctx->iface->idl->table->syntax_id,
		.transfer_syntax = call->pctx->transfer,
	};
	struct dcerpc_sec_vt_header2 header2 = {
		.ptype = DCERPC_PKT_REQUEST,
		.call_id = call->call_id,
		.context_id = call->context_id,
		.opnum = call->opnum,
	};
	memcpy(header2.drep, call->drep, 4);
	if (!dcerpc_sec_verification_trailer_check(vt, &bitmask1, &pcontext, &header2))
		fault = DCERPC_FAULT_ACCESS_DENIED;
out:
	talloc_free(tmp);
	return fault;
}

static void call_dispatch(struct rpc_call *call)
{
	struct rpc_conn *conn = call->conn;
	const struct rpc_interface *iface = call->pctx->iface;
	const struct ndr_interface_table *table = iface->idl->table;
	uint32_t opnum = call->opnum;

	/* The opnum range first: Windows answers an unknown opnum with
	 * nca_op_rng_error whatever the caller's authentication level. */
	if (opnum >= table->num_calls || table->calls[opnum].ndr_pull == NULL) {
		log_info("%s has no opnum %u (from %s:%u)", table->name, opnum, conn->remote_addr,
			 conn->remote_port);
		fault_call(call, DCERPC_PFC_FLAG_DID_NOT_EXECUTE, DCERPC_NCA_S_OP_RNG_ERROR);
		talloc_free(call);
		return;
	}
	if (opnum < 64 ? !(iface->auth_exempt_opnums & RPC_OPNUM_BIT(opnum)) :
			 iface->auth_exempt_opnums != RPC_ALL_OPNUMS) {
		if (call->auth_level < conn->server->limits.min_auth_level) {
			log_info("%s opnum %u from %s:%u refused: auth level %u below %u",
				 table->name, opnum, conn->remote_addr, conn->remote_port,
				 call->auth_level, conn->server->limits.min_auth_level);
			fault_call(call, 0, DCERPC_FAULT_ACCESS_DENIED);
			talloc_free(call);
			return;
		}
	}

	/* The pull state lives in the server's scratch pool (freed below on
	 * every path): what it reads goes to call->r. */
	struct ndr_pull *pull = ndr_pull_init_blob(&call->stub, conn->server->scratch);
	if (pull == NULL) {
		fault_call(call, DCERPC_PFC_FLAG_DID_NOT_EXECUTE, DCERPC_FAULT_OUT_OF_RESOURCES);
		talloc_free(call);
		return;
	}
	pull->flags |= LIBNDR_FLAG_REF_ALLOC;
	if (!rpc_drep_is_le(call->drep))
		pull->flags |= LIBNDR_FLAG_BIGENDIAN;

	uint32_t fault = check_verification_trailer(call, pull);
	if (fault != 0) {
		log_info("%s opnum %u from %s:%u: verification trailer does not match",
			 table->name, opnum, conn->remote_addr, conn->remote_port);
		talloc_free(pull);
		fault_call(call, 0, fault);
		talloc_free(call);
		return;
	}

	const struct ndr_interface_call *ic = &table->calls[opnum];
	call->r = talloc_zero_size(call, ic->struct_size);
	if (call->r == NULL) {
		talloc_free(pull);
		fault_call(call, DCERPC_PFC_FLAG_DID_NOT_EXECUTE, DCERPC_FAULT_OUT_OF_RESOURCES);
		talloc_free(call);
		return;
	}
	pull->current_mem_ctx = call->r;
	enum ndr_err_code err = ic->ndr_pull(pull, NDR_IN, call->r);
	if (!NDR_ERR_CODE_IS_SUCCESS(err)) {
		log_info("%s.%s from %s:%u: bad stub data: %s", table->name, ic->name,
			 conn->remote_addr, conn->remote_port, ndr_map_error2string(err));
		talloc_free(pull);
		fault_call(call, 0, DCERPC_FAULT_NDR);
		talloc_free(call);
		return;
	}
	if (pull->offset != pull->data_size)
		log_debug("%s.%s: %u bytes after the stub ignored", table->name, ic->name,
			  pull->data_size - pull->offset);
	talloc_free(pull);
	if (conn->server->session_log != NULL)
		rpc_session_log_request(conn->server->session_log, call);
	if (call->stub_borrowed)
		call->stub = data_blob_null; /* it points into the connection's buffer */
	else
		data_blob_free(&call->stub);
	call->stub_borrowed = false;

	idl_init_out_fn init_out = iface->idl->init_out ? iface->idl->init_out[opnum] : NULL;
	if (init_out != NULL && !init_out(call->r, call->r)) {
		fault_call(call, DCERPC_PFC_FLAG_DID_NOT_EXECUTE, DCERPC_FAULT_OUT_OF_RESOURCES);
		talloc_free(call);
		return;
	}

	call->dispatched = true;
	call->next = conn->pending;
	if (conn->pending != NULL)
		conn->pending->prev = call;
	conn->pending = call;
	conn->npending++;
	log_debug("%s.%s call %u from %s:%u (user %s, level %u)", table->name, ic->name,
		  call->call_id, conn->remote_addr, conn->remote_port,
		  rpc_sec_user(call->sec) ? rpc_sec_user(call->sec) : "-", call->auth_level);
	iface->dispatch(call, opnum, call->r, iface->private_data);
}

/* A response fragment up to this size is laid out on the stack and handed to
 * the socket from there (most calls: no allocation for the reply). */
#define RPC_SMALL_FRAG 1024

/* Marshals R's [out] side and queues it in response fragments of at most
 * max_xmit bytes, each signed or sealed (C706 12.6.4.10, MS-RPCE 2.2.2.6). */
static uint32_t send_response(struct rpc_call *call)
{
	struct rpc_conn *conn = call->conn;
	const struct ndr_interface_call *ic = &call->pctx->iface->idl->table->calls[call->opnum];
	uint32_t fault = 0;

	struct ndr_push *push = ndr_push_init_ctx(conn->server->scratch);
	if (push == NULL)
		return DCERPC_FAULT_OUT_OF_RESOURCES;
	enum ndr_err_code err = ic->ndr_push(push, NDR_OUT, call->r);
	if (!NDR_ERR_CODE_IS_SUCCESS(err)) {
		log_err("%s: cannot marshal the response: %s", ic->name, ndr_map_error2string(err));
		fault = DCERPC_FAULT_NDR;
		goto out;
	}
	DATA_BLOB stub = ndr_push_blob(push);
	if (conn->server->session_log != NULL)
		rpc_session_log_response(conn->server->session_log, call, stub.data, stub.length);

	struct rpc_sec *sec = call->sec;
	bool with_auth = rpc_sec_protects(sec);
	size_t sig_size = rpc_sec_sig_size(sec);
	size_t chunk_max = rpc_pdu_max_stub_chunk(conn->max_xmit, sig_size, with_auth);
	size_t done = 0;
	static const uint8_t zeros[64];
	if (chunk_max == 0 || sig_size > sizeof(zeros)) {
		fault = DCERPC_FAULT_OTHER;
		goto out;
	}
	do {
		size_t len = stub.length - done < chunk_max ? stub.length - done : chunk_max;
		size_t pad = with_auth ? rpc_auth_pad(len) : 0;
		uint8_t flags = 0;
		if (done == 0)
			flags |= DCERPC_PFC_FLAG_FIRST;
		if (done + len == stub.length)
			flags |= DCERPC_PFC_FLAG_LAST;
		struct dcerpc_auth auth = {
			.auth_type = call->auth_type,
			.auth_level = call->auth_level,
			.auth_pad_length = (uint8_t)pad,
			.auth_context_id = sec ? sec->context_id : 0,
			.credentials = data_blob_const(zeros, sig_size),
		};
		size_t frag_len = RPC_RESPONSE_HDR_LEN + len +
				  (with_auth ? pad + RPC_AUTH_TRAILER_LEN + sig_size : 0);
		uint8_t small[RPC_SMALL_FRAG];
		uint8_t *frag = frag_len <= sizeof(small) ? small : talloc_size(conn, frag_len);
		if (frag == NULL) {
			if (done == 0) {
				fault = DCERPC_FAULT_OUT_OF_RESOURCES;
				goto out;
			}
			rpc_conn_terminate(conn, "out of memory");
			goto out;
		}
		if (rpc_pdu_put_response(frag, frag_len, flags, call->call_id,
					 (uint32_t)(stub.length - done), call->context_id,
					 call->cancel_count, stub.data + done, len,
					 with_auth ? &auth : NULL) != frag_len ||
		    (with_auth && rpc_sec_protect_fragment(sec, frag, frag_len,
							   RPC_RESPONSE_HDR_LEN, len + pad) != 0)) {
			if (frag != small)
				talloc_free(frag);
			/* Nothing sent yet for a first fragment: a fault still fits. */
			if (done == 0) {
				fault = DCERPC_FAULT_OTHER;
				goto out;
			}
			rpc_conn_terminate(conn, "cannot protect a response fragment");
			goto out;
		}
		if (frag == small)
			rpc_conn_send_bytes(conn, small, frag_len);
		else
			rpc_conn_send(conn, data_blob_const(frag, frag_len));
		done += len;
	} while (done < stub.length);
out:
	talloc_free(push);
	return fault;
}

static void call_finish(struct rpc_call *call, uint32_t fault, uint8_t flags)
{
	struct rpc_conn *conn = call->conn;

	if (!call->dispatched) {
		log_err("rpc_call_complete() on a call that was not dispatched");
		return;
	}
	if (call->prev != NULL)
		call->prev->next = call->next;
	else
		conn->pending = call->next;
	if (call->next != NULL)
		call->next->prev = call->prev;
	conn->npending--;

	if (!conn->dead) {
		if (fault == 0)
			fault = send_response(call);
		if (fault != 0)
			fault_call(call, flags, fault);
	}
	talloc_free(call);
	if (conn->dead) {
		if (conn->npending == 0)
			rpc_conn_schedule_free(conn);
	} else {
		rpc_conn_resume_reading(conn);
	}
}

void rpc_call_complete(struct rpc_call *call, uint32_t fault)
{
	call_finish(call, fault, 0);
}

void rpc_call_reject(struct rpc_call *call, uint32_t fault)
{
	call_finish(call, fault ? fault : DCERPC_FAULT_ACCESS_DENIED,
		    DCERPC_PFC_FLAG_DID_NOT_EXECUTE);
}

void rpc_handle_co_cancel(struct rpc_conn *conn, struct ncacn_packet *pkt, bool orphaned)
{
	/* No reply to either (C706 12.6.4.1, 12.6.4.8): the call is marked and
	 * its implementation may notice; a call still arriving in fragments
	 * just remembers it, as Windows does. */
	struct rpc_call *call = conn->frag_call;
	if (call == NULL || call->call_id != pkt->call_id)
		call = find_pending(conn, pkt->call_id);
	if (call == NULL)
		return;
	if (orphaned) {
		call->orphaned = true;
	} else {
		call->cancelled = true;
		if (call->cancel_count < UINT8_MAX)
			call->cancel_count++;
	}
}

/* ---- accessors --------------------------------------------------------------- */

const struct GUID *rpc_call_object(const struct rpc_call *call)
{
	return call->has_object ? &call->object : NULL;
}

const struct rpc_interface *rpc_call_interface(const struct rpc_call *call)
{
	return call->pctx->iface;
}

uint32_t rpc_call_opnum(const struct rpc_call *call)
{
	return call->opnum;
}

enum rpc_endpoint rpc_call_endpoint(const struct rpc_call *call)
{
	return call->conn->endpoint;
}

uint8_t rpc_call_auth_level(const struct rpc_call *call)
{
	return call->auth_level;
}

uint8_t rpc_call_auth_type(const struct rpc_call *call)
{
	return call->auth_type;
}

const char *rpc_call_user(const struct rpc_call *call)
{
	return rpc_sec_user(call->sec);
}

const char *rpc_call_domain(const struct rpc_call *call)
{
	return rpc_sec_domain(call->sec);
}

bool rpc_call_is_admin(const struct rpc_call *call)
{
	return rpc_sec_is_admin(call->sec);
}

const char *rpc_call_local_address(const struct rpc_call *call)
{
	return call->conn->local_addr;
}

uint16_t rpc_call_local_port(const struct rpc_call *call)
{
	return call->conn->local_port;
}

const char *rpc_call_remote_address(const struct rpc_call *call)
{
	return call->conn->remote_addr;
}

uint16_t rpc_call_remote_port(const struct rpc_call *call)
{
	return call->conn->remote_port;
}

bool rpc_call_cancelled(const struct rpc_call *call)
{
	return call->cancelled || call->orphaned || call->conn->dead;
}

void rpc_call_on_abandon(struct rpc_call *call, void (*fn)(struct rpc_call *call, void *priv),
			 void *priv)
{
	call->abandon_fn = fn;
	call->abandon_priv = priv;
	/* Registered after the connection went: tell at once, from the loop. */
	if (fn != NULL && call->conn->dead)
		tevent_schedule_immediate(call->conn->abandon_im, call->conn->server->ev,
					  rpc_conn_abandon_calls, call->conn);
}

struct rpc_assoc *rpc_call_assoc(const struct rpc_call *call)
{
	return call->conn->assoc;
}
