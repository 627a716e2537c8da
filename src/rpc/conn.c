/* One TCP connection: non-blocking framing of PDUs in, an output queue out,
 * the handshake and idle timers, and the dispatch of each PDU by type
 * (MS-RPCE 3.3.3). Once a connection has decided to close, nothing more it
 * sends is processed. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "istmd/log.h"
#include "rpc/internal.h"

#define RPC_IN_BUF (UINT16_MAX + 1)
#define RPC_PDUS_PER_WAKEUP 16
#define RPC_REFUSE_TIMEOUT 5 /* seconds an over-the-limit client has to send its bind */
#define RPC_LINGER_TIMEOUT 2 /* seconds we drain input after our last PDU */

static void conn_update_flags(struct rpc_conn *conn);
static void conn_arm_timer(struct rpc_conn *conn, unsigned seconds);
static void conn_io(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags, void *priv);
static void conn_handshake_expired(struct tevent_context *ev, struct tevent_timer *te,
				   struct timeval now, void *priv);

static void format_addr(const struct sockaddr_storage *ss, char *buf, size_t size, uint16_t *port)
{
	buf[0] = '\0';
	*port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)size);
		*port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)size);
		*port = ntohs(sin6->sin6_port);
	}
}

static int conn_destructor(struct rpc_conn *conn)
{
	if (conn->fd >= 0)
		close(conn->fd);
	rpc_server_conn_gone(conn->server, conn);
	if (conn->assoc != NULL)
		rpc_assoc_leave(conn->assoc);
	return 0;
}

static void conn_free_now(struct tevent_context *ev, struct tevent_immediate *im, void *priv)
{
	struct rpc_conn *conn = priv;
	if (conn->npending == 0)
		talloc_free(conn);
}

struct rpc_conn *rpc_conn_new(struct rpc_server *server, int fd, enum rpc_endpoint endpoint,
			      bool refusing)
{
	struct rpc_conn *conn = talloc_zero(server, struct rpc_conn);
	if (conn == NULL) {
		close(fd);
		return NULL;
	}
	conn->server = server;
	conn->fd = fd;
	conn->endpoint = endpoint;
	conn->refusing = refusing;
	conn->max_xmit = server->limits.max_pdu_size;
	conn->max_recv = server->limits.max_pdu_size;
	conn->in_want = RPC_HDR_LEN;
	talloc_set_destructor(conn, conn_destructor);

	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	if (getsockname(fd, (struct sockaddr *)&local, &len) == 0)
		format_addr(&local, conn->local_addr, sizeof(conn->local_addr), &conn->local_port);
	len = sizeof(conn->peer);
	if (getpeername(fd, (struct sockaddr *)&conn->peer, &len) == 0)
		format_addr(&conn->peer, conn->remote_addr, sizeof(conn->remote_addr),
			    &conn->remote_port);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	conn->in = talloc_size(conn, RPC_IN_BUF);
	conn->free_im = tevent_create_immediate(conn);
	conn->abandon_im = tevent_create_immediate(conn);
	conn->read_im = tevent_create_immediate(conn);
	if (conn->in == NULL || conn->free_im == NULL || conn->abandon_im == NULL ||
	    conn->read_im == NULL)
		goto fail;

	conn->fde = tevent_add_fd(server->ev, conn, fd, TEVENT_FD_READ, conn_io, conn);
	if (conn->fde == NULL)
		goto fail;

	conn->next = server->conns;
	if (server->conns != NULL)
		server->conns->prev = conn;
	server->conns = conn;
	conn->listed = true;
	conn->counted = true;
	conn->serial = ++server->conn_serial;
	if (refusing)
		server->nrefusing++;
	else
		server->nconns++;
	conn_arm_timer(conn, refusing ? RPC_REFUSE_TIMEOUT : server->limits.idle_timeout);
	/* A client that neither binds nor authenticates holds a slot only
	 * briefly (issue 9: silent sockets locked everyone out). */
	if (!refusing) {
		conn->handshake_timer = tevent_add_timer(
			server->ev, conn, tevent_timeval_current_ofs(server->limits.handshake_timeout, 0),
			conn_handshake_expired, conn);
		if (conn->handshake_timer == NULL)
			goto fail;
	}
	log_debug("connection from %s:%u to %s:%u%s", conn->remote_addr, conn->remote_port,
		  conn->local_addr, conn->local_port, refusing ? " (over the limit)" : "");
	return conn;
fail:
	log_err("out of memory accepting a connection");
	talloc_free(conn);
	return NULL;
}

void rpc_conn_abandon_calls(struct tevent_context *ev, struct tevent_immediate *im, void *priv)
{
	struct rpc_conn *conn = priv;
	/* FN may complete its call (and others): start over after each. */
	for (;;) {
		struct rpc_call *c = conn->pending;
		while (c != NULL && c->abandon_fn == NULL)
			c = c->next;
		if (c == NULL)
			break;
		void (*fn)(struct rpc_call *, void *) = c->abandon_fn;
		c->abandon_fn = NULL;
		fn(c, c->abandon_priv);
	}
}

void rpc_conn_terminate(struct rpc_conn *conn, const char *why)
{
	if (conn->dead)
		return;
	log_debug("closing connection from %s:%u: %s", conn->remote_addr, conn->remote_port, why);
	conn->dead = true;
	rpc_server_conn_uncount(conn->server, conn);
	TALLOC_FREE(conn->fde);
	TALLOC_FREE(conn->idle_timer);
	TALLOC_FREE(conn->handshake_timer);
	if (conn->fd >= 0) {
		close(conn->fd);
		conn->fd = -1;
	}
	while (conn->out_head != NULL) {
		struct rpc_out *o = conn->out_head;
		conn->out_head = o->next;
		talloc_free(o);
	}
	conn->out_tail = NULL;
	conn->out_bytes = 0;
	TALLOC_FREE(conn->frag_call);
	bool abandoned = false;
	for (struct rpc_call *c = conn->pending; c != NULL; c = c->next) {
		c->cancelled = true;
		abandoned |= c->abandon_fn != NULL;
	}
	/* Implementations that asked are told from the loop, never under the
	 * caller's feet; the connection stays until its last call completes. */
	if (abandoned && conn->abandon_im != NULL)
		tevent_schedule_immediate(conn->abandon_im, conn->server->ev, rpc_conn_abandon_calls,
					  conn);
	/* Freed from the loop, never under the caller's feet; with calls still
	 * dispatched, the last rpc_call_complete() schedules it. */
	if (conn->npending == 0)
		rpc_conn_schedule_free(conn);
}

void rpc_conn_schedule_free(struct rpc_conn *conn)
{
	tevent_schedule_immediate(conn->free_im, conn->server->ev, conn_free_now, conn);
}

/* ---- output ------------------------------------------------------------------ */

static void conn_linger(struct rpc_conn *conn)
{
	/* Everything is sent: half-close and read until the client closes, so
	 * that unread input does not turn our last PDU into a reset. */
	shutdown(conn->fd, SHUT_WR);
	conn->lingering = true;
	conn_arm_timer(conn, RPC_LINGER_TIMEOUT);
	conn_update_flags(conn);
}

static void conn_flush(struct rpc_conn *conn)
{
	while (conn->out_head != NULL) {
		struct rpc_out *o = conn->out_head;
		ssize_t n = send(conn->fd, o->blob.data + conn->out_off, o->blob.length - conn->out_off,
				 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			rpc_conn_terminate(conn, strerror(errno));
			return;
		}
		conn->out_off += (size_t)n;
		conn->out_bytes -= (size_t)n;
		if (conn->out_off < o->blob.length)
			break;
		conn->out_off = 0;
		conn->out_head = o->next;
		if (conn->out_head == NULL)
			conn->out_tail = NULL;
		talloc_free(o);
	}
	if (conn->out_head == NULL && conn->close_pending && !conn->lingering) {
		conn_linger(conn);
		return;
	}
	conn_update_flags(conn);
}

/* Nothing queued: hands DATA to the socket at once, so that the usual reply
 * goes out whole with no allocation and no change to the descriptor's flags
 * (TEVENT_FD_WRITE is asked for only when the socket is full). Returns the
 * bytes it took, or -1 once the connection is terminated. */
static ssize_t conn_send_now(struct rpc_conn *conn, const uint8_t *data, size_t len)
{
	if (conn->out_head != NULL)
		return 0; /* after what is queued */
	ssize_t n = send(conn->fd, data, len, MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	rpc_conn_terminate(conn, strerror(errno));
	return -1;
}

/* Queues BLOB (taken over), of which SENT bytes already went. */
static void conn_queue(struct rpc_conn *conn, DATA_BLOB blob, size_t sent)
{
	struct rpc_out *o = talloc_zero(conn, struct rpc_out);
	if (o == NULL) {
		talloc_free(blob.data);
		rpc_conn_terminate(conn, "out of memory");
		return;
	}
	o->blob = blob;
	talloc_steal(o, blob.data);
	if (conn->out_tail != NULL) {
		conn->out_tail->next = o;
	} else {
		conn->out_head = o;
		conn->out_off = sent;
	}
	conn->out_tail = o;
	conn->out_bytes += blob.length - sent;
	conn_update_flags(conn); /* the socket is full: TEVENT_FD_WRITE flushes the rest */
}

void rpc_conn_send(struct rpc_conn *conn, DATA_BLOB blob)
{
	if (conn->dead || conn->lingering || conn->close_pending) {
		talloc_free(blob.data);
		return;
	}
	ssize_t n = conn_send_now(conn, blob.data, blob.length);
	if (n < 0 || (size_t)n == blob.length) {
		talloc_free(blob.data);
		return;
	}
	conn_queue(conn, blob, (size_t)n);
}

void rpc_conn_send_bytes(struct rpc_conn *conn, const uint8_t *data, size_t len)
{
	if (conn->dead || conn->lingering || conn->close_pending)
		return;
	ssize_t n = conn_send_now(conn, data, len);
	if (n < 0 || (size_t)n == len)
		return;
	DATA_BLOB rest = data_blob_talloc(conn, data + n, len - (size_t)n);
	if (rest.data == NULL) {
		rpc_conn_terminate(conn, "out of memory");
		return;
	}
	conn_queue(conn, rest, 0);
}

void rpc_conn_close_after_send(struct rpc_conn *conn, const char *why)
{
	if (conn->dead || conn->close_pending)
		return;
	log_debug("closing connection from %s:%u after the reply: %s", conn->remote_addr,
		  conn->remote_port, why);
	conn->close_pending = true;
	TALLOC_FREE(conn->frag_call);
	conn_flush(conn);
}

void rpc_conn_send_fault(struct rpc_conn *conn, uint32_t call_id, uint16_t context_id,
			 uint8_t flags, uint32_t status)
{
	DATA_BLOB blob;
	if (conn->dead || conn->close_pending)
		return;
	if (rpc_pdu_fault(conn, call_id, context_id, flags, status, &blob) != 0) {
		rpc_conn_terminate(conn, "cannot build a fault");
		return;
	}
	log_debug("fault 0x%08x (flags 0x%02x) for call %u from %s:%u", status, flags, call_id,
		  conn->remote_addr, conn->remote_port);
	rpc_conn_send(conn, blob);
}

void rpc_conn_fault_disconnect(struct rpc_conn *conn, uint32_t call_id, uint16_t context_id,
			       uint8_t flags, uint32_t status, const char *why)
{
	rpc_conn_send_fault(conn, call_id, context_id, flags, status);
	rpc_conn_close_after_send(conn, why);
}

/* ---- input ------------------------------------------------------------------- */

static bool conn_may_read(const struct rpc_conn *conn)
{
	const struct rpc_limits *l = &conn->server->limits;
	if (conn->lingering)
		return true;
	if (conn->close_pending)
		return false;
	return conn->npending < l->max_pending && conn->out_bytes < l->max_output;
}

static void conn_read_more(struct tevent_context *ev, struct tevent_immediate *im, void *priv);

static void conn_update_flags(struct rpc_conn *conn)
{
	if (conn->fde == NULL)
		return;
	uint16_t flags = 0;
	if (conn_may_read(conn))
		flags |= TEVENT_FD_READ;
	/* Read ahead left a PDU (or a header to check) in the buffer: the
	 * socket may have nothing more to wake us up with. Not while
	 * conn_read() runs: it goes on with the buffer itself, and its caller
	 * updates the flags when it returns. */
	if (conn_may_read(conn) && !conn->lingering && !conn->close_pending && !conn->dead &&
	    !conn->in_reading && conn->in_len >= conn->in_want)
		tevent_schedule_immediate(conn->read_im, conn->server->ev, conn_read_more, conn);
	if (conn->out_head != NULL)
		flags |= TEVENT_FD_WRITE;
	tevent_fd_set_flags(conn->fde, flags);
}

void rpc_conn_resume_reading(struct rpc_conn *conn)
{
	conn_update_flags(conn);
}

static void conn_idle(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		      void *priv)
{
	struct rpc_conn *conn = priv;
	conn->idle_timer = NULL;
	if (conn->lingering) {
		rpc_conn_terminate(conn, "client did not close");
		return;
	}
	if (conn->refusing) {
		rpc_conn_terminate(conn, "no bind from a client over the connection limit");
		return;
	}
	/* A PDU came since the timer was set: wait until idle_timeout after it. */
	unsigned idle = conn->server->limits.idle_timeout;
	struct timeval deadline = tevent_timeval_add(&conn->last_active, idle, 0);
	if (idle != 0 && conn->last_active.tv_sec != 0 &&
	    tevent_timeval_compare(&deadline, &now) > 0) {
		conn->idle_timer = tevent_add_timer(ev, conn, deadline, conn_idle, conn);
		if (conn->idle_timer == NULL)
			rpc_conn_terminate(conn, "out of memory");
		return;
	}
	/* A client waiting for a slow call is not idle (one that stopped in the
	 * middle of a fragmented request is). */
	if (conn->npending > 0) {
		conn_arm_timer(conn, conn->server->limits.idle_timeout);
		return;
	}
	rpc_conn_terminate(conn, "idle timeout");
}

static void conn_handshake_expired(struct tevent_context *ev, struct tevent_timer *te,
				   struct timeval now, void *priv)
{
	struct rpc_conn *conn = priv;
	conn->handshake_timer = NULL;
	if (conn->established || conn->dead)
		return;
	log_info("closing connection from %s:%u: no %s within handshake_timeout (%u s)",
		 conn->remote_addr, conn->remote_port, conn->bound ? "authentication" : "bind",
		 conn->server->limits.handshake_timeout);
	rpc_conn_terminate(conn, "handshake timeout");
}

void rpc_conn_established(struct rpc_conn *conn)
{
	conn->established = true;
	TALLOC_FREE(conn->handshake_timer);
}

bool rpc_conn_evictable(const struct rpc_conn *conn)
{
	if (conn->dead || conn->refusing)
		return false;
	if (conn->close_pending || conn->lingering)
		return true;
	return conn->npending == 0 && !rpc_conn_authenticated(conn);
}

static void conn_arm_timer(struct rpc_conn *conn, unsigned seconds)
{
	TALLOC_FREE(conn->idle_timer);
	if (seconds == 0 || conn->dead)
		return;
	conn->idle_timer = tevent_add_timer(conn->server->ev, conn,
					    tevent_timeval_current_ofs(seconds, 0), conn_idle, conn);
}

static void process_refusing(struct rpc_conn *conn, const struct rpc_pdu_hdr *hdr)
{
	DATA_BLOB nak;
	if (hdr->ptype != DCERPC_PKT_BIND ||
	    rpc_pdu_bind_nak(conn, hdr->call_id, DCERPC_BIND_NAK_REASON_LOCAL_LIMIT_EXCEEDED,
			     &nak) != 0) {
		rpc_conn_terminate(conn, "over the connection limit");
		return;
	}
	log_notice("refusing a connection from %s:%u: max_connections (%u) or "
		   "max_connections_per_peer (%u) reached, none idle to close",
		   conn->remote_addr, conn->remote_port, conn->server->limits.max_connections,
		   conn->server->limits.max_connections_per_peer);
	rpc_conn_send(conn, nak);
	rpc_conn_close_after_send(conn, "over the connection limit");
}

static void process_pdu(struct rpc_conn *conn, const struct rpc_pdu_hdr *hdr)
{
	DATA_BLOB raw = data_blob_const(conn->in, hdr->frag_length);

	/* After a close decision nothing the client sends is processed
	 * (issue 9: an alter_context after a bind_nak reached a connection
	 * without association). conn_read() stops first; this is the rule. */
	if (conn->dead || conn->close_pending || conn->lingering)
		return;
	if (conn->refusing) {
		process_refusing(conn, hdr);
		return;
	}
	/* Activity moves the idle deadline; the timer itself is re-armed only
	 * when it fires early (conn_idle): re-creating a timer per PDU cost an
	 * allocation and a sorted insertion among every connection's timers. */
	if (conn->server->limits.idle_timeout != 0) {
		conn->last_active = tevent_timeval_current();
		if (conn->idle_timer == NULL)
			conn_arm_timer(conn, conn->server->limits.idle_timeout);
	}

	/* A request on a bound connection, i.e. nearly every PDU, is read in
	 * place (pdu_fast.c); the others go through the NDR marshaller. */
	struct ncacn_packet request;
	struct ncacn_packet *pkt = &request;
	TALLOC_CTX *tmp = NULL;
	int rc;
	if (hdr->ptype == DCERPC_PKT_REQUEST && conn->bound && conn->assoc != NULL) {
		rc = rpc_pdu_pull_request(&raw, pkt);
	} else {
		tmp = talloc_new(conn);
		pkt = talloc_zero(tmp, struct ncacn_packet);
		if (tmp == NULL || pkt == NULL) {
			talloc_free(tmp);
			rpc_conn_terminate(conn, "out of memory");
			return;
		}
		rc = rpc_pdu_pull(tmp, &raw, pkt);
	}
	if (rc != 0) {
		log_info("malformed %s PDU (type %u) from %s:%u", rpc_ptype_name(hdr->ptype),
			 hdr->ptype, conn->remote_addr, conn->remote_port);
		if (!conn->bound && hdr->ptype == DCERPC_PKT_BIND) {
			DATA_BLOB nak;
			if (rpc_pdu_bind_nak(conn, hdr->call_id,
					     DCERPC_BIND_NAK_REASON_PROTOCOL_VERSION_NOT_SUPPORTED,
					     &nak) == 0)
				rpc_conn_send(conn, nak);
			rpc_conn_close_after_send(conn, "malformed bind");
		} else {
			rpc_conn_fault_disconnect(conn, hdr->call_id, 0,
						  DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
						  DCERPC_NCA_S_PROTO_ERROR, "malformed PDU");
		}
		talloc_free(tmp);
		return;
	}
	log_debug("%s call %u (%u bytes, flags 0x%02x) from %s:%u", rpc_ptype_name(pkt->ptype),
		  pkt->call_id, pkt->frag_length, pkt->pfc_flags, conn->remote_addr,
		  conn->remote_port);

	if (!conn->bound) {
		/* The first PDU of a connection must be its bind. */
		conn->bound = true;
		rpc_handle_bind(conn, pkt);
		talloc_free(tmp);
		return;
	}
	if (conn->assoc == NULL) {
		/* Every handler below may rely on the association of a bound
		 * connection; a refused bind never leaves one. */
		rpc_conn_terminate(conn, "PDU after a refused bind");
		talloc_free(tmp);
		return;
	}
	switch (pkt->ptype) {
	case DCERPC_PKT_REQUEST:
		rpc_handle_request(conn, pkt, &raw);
		break;
	case DCERPC_PKT_ALTER:
		rpc_handle_alter(conn, pkt);
		break;
	case DCERPC_PKT_AUTH3:
		rpc_handle_auth3(conn, pkt);
		break;
	case DCERPC_PKT_CO_CANCEL:
		rpc_handle_co_cancel(conn, pkt, false);
		break;
	case DCERPC_PKT_ORPHANED:
		rpc_handle_co_cancel(conn, pkt, true);
		break;
	case DCERPC_PKT_BIND: {
		/* One bind per connection (C706 11.1.3). */
		DATA_BLOB nak;
		if (rpc_pdu_bind_nak(conn, pkt->call_id, DCERPC_BIND_NAK_REASON_NOT_SPECIFIED,
				     &nak) == 0)
			rpc_conn_send(conn, nak);
		rpc_conn_close_after_send(conn, "second bind");
		break;
	}
	default:
		rpc_conn_fault_disconnect(conn, pkt->call_id, 0, DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
					  DCERPC_NCA_S_PROTO_ERROR, "unexpected PDU type");
		break;
	}
	talloc_free(tmp);
}

/* Checks the header of the PDU being read before reading its body. */
static bool frame_ok(struct rpc_conn *conn, const struct rpc_pdu_hdr *hdr)
{
	size_t min = RPC_HDR_LEN + (hdr->auth_length ? RPC_AUTH_TRAILER_LEN + hdr->auth_length : 0);
	if (hdr->frag_length < min) {
		if (hdr->frag_length < RPC_HDR_LEN) {
			rpc_conn_terminate(conn, "fragment shorter than its header");
		} else if (!conn->bound || hdr->ptype == DCERPC_PKT_BIND) {
			/* A bind is answered with bind_ack or bind_nak only
			 * (Windows: reason 4), never with a fault. */
			DATA_BLOB nak;
			conn->bound = true;
			if (rpc_pdu_bind_nak(conn, hdr->call_id,
					     DCERPC_BIND_NAK_REASON_PROTOCOL_VERSION_NOT_SUPPORTED,
					     &nak) == 0)
				rpc_conn_send(conn, nak);
			rpc_conn_close_after_send(conn, "bind auth_length too large");
		} else {
			rpc_conn_fault_disconnect(conn, hdr->call_id, 0,
						  DCERPC_PFC_FLAG_DID_NOT_EXECUTE,
						  DCERPC_NCA_S_PROTO_ERROR, "auth_length too large");
		}
		return false;
	}
	switch (hdr->ptype) {
	case DCERPC_PKT_BIND:
	case DCERPC_PKT_ALTER:
	case DCERPC_PKT_AUTH3:
		/* Security tokens may be large: these may use the whole 16 bits. */
		return true;
	default:
		break;
	}
	if (hdr->frag_length > conn->server->limits.max_pdu_size) {
		rpc_conn_fault_disconnect(conn, hdr->call_id, 0, 0, DCERPC_NCA_S_PROTO_ERROR,
					  "fragment larger than max_pdu_size");
		return false;
	}
	return true;
}

static void conn_drain(struct rpc_conn *conn)
{
	uint8_t buf[4096];
	for (;;) {
		ssize_t n = recv(conn->fd, buf, sizeof(buf), 0);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		rpc_conn_terminate(conn, n == 0 ? "closed by the client" : strerror(errno));
		return;
	}
}

/* Processes the PDUs in the buffer, reading the socket at most once per
 * wakeup: after a reply the client has usually not sent its next request
 * yet, and a second recv() would only return EAGAIN (epoll, level-triggered,
 * says when there is more, as in the echo baseline). */
static void conn_read(struct rpc_conn *conn)
{
	struct rpc_pdu_hdr hdr;
	bool received = false;

	conn->in_reading = true;
	for (unsigned pdus = 0; pdus < RPC_PDUS_PER_WAKEUP;) {
		/* Lingering reads only to drain (conn_drain()): PDUs that
		 * arrived after our last one, even in the same segment, are
		 * never processed. */
		if (conn->dead || conn->close_pending || conn->lingering || !conn_may_read(conn))
			break;
		if (conn->in_len >= conn->in_want)
			goto have;
		if (received)
			break;
		/* Read ahead whatever the socket has, up to the buffer: one
		 * recv per PDU instead of two (header, then body). Bytes of
		 * the next PDU stay buffered for the next turn of this loop
		 * (or conn_update_flags() schedules one). */
		ssize_t n = recv(conn->fd, conn->in + conn->in_len, RPC_IN_BUF - conn->in_len, 0);
		received = true;
		if (n == 0) {
			rpc_conn_terminate(conn, conn->in_len ? "closed in the middle of a PDU" :
								"closed by the client");
			break;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				rpc_conn_terminate(conn, strerror(errno));
			break;
		}
		conn->in_len += (size_t)n;
		if (conn->in_len < conn->in_want)
			continue;
	have:
		rpc_pdu_peek(conn->in, &hdr);
		if (conn->in_want == RPC_HDR_LEN) {
			if (!frame_ok(conn, &hdr))
				break;
			conn->in_want = hdr.frag_length;
			if (conn->in_len < conn->in_want)
				continue;
		}
		size_t used = conn->in_want;
		conn->in_want = RPC_HDR_LEN;
		process_pdu(conn, &hdr); /* keeps nothing that points into conn->in */
		pdus++;
		conn->in_len -= used;
		if (conn->in_len > 0)
			memmove(conn->in, conn->in + used, conn->in_len);
	}
	conn->in_reading = false;
}

static void conn_read_more(struct tevent_context *ev, struct tevent_immediate *im, void *priv)
{
	struct rpc_conn *conn = priv;
	conn_read(conn);
	if (!conn->dead)
		conn_update_flags(conn);
}

static void conn_io(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags, void *priv)
{
	struct rpc_conn *conn = priv;

	if (flags & TEVENT_FD_WRITE) {
		conn_flush(conn);
		if (conn->dead)
			return;
	}
	if (flags & TEVENT_FD_READ) {
		if (!conn->lingering)
			conn_read(conn);
		if (conn->lingering && !conn->dead)
			conn_drain(conn);
	}
	if (!conn->dead)
		conn_update_flags(conn);
}
