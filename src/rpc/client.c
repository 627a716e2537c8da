/* The DCE/RPC client (client.h): a TCP connection, a queue of operations,
 * and for each: PDUs out, PDUs in. Bind and alter_context (C706 12.6.4.3,
 * 12.6.4.1), the security legs (MS-RPCE 3.3.1.5.2: NTLMSSP ends with auth3,
 * SPNEGO with alter_context), requests and responses in fragments, each
 * signed or sealed on its own (MS-RPCE 3.3.1.5.2.2), faults. */
#include "rpc/client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <ndr.h>
#include <gen_ndr/ndr_dcerpc.h>

#include "auth/auth.h"
#include "istmd/log.h"
#include "istmd/treq.h"
#include "rpc/pdu.h"

#define CLIENT_MAX_FRAG 5840 /* what we offer; the server may lower it */
#define CLIENT_MAX_RESPONSE (64u << 20)
#define CLIENT_AUTH_CONTEXT_ID 1 /* our one security context */

struct bound_ctx {
	struct bound_ctx *next;
	const struct ndr_interface_table *table;
	uint16_t id;
};

struct rpc_client {
	struct tevent_context *ev;
	int fd;
	struct tevent_fd *fde;
	struct tevent_queue *queue;
	struct tevent_req *io; /* the read or write in progress */
	bool broken;
	unsigned timeout_ms;
	uint32_t next_call_id;
	uint16_t max_xmit, max_recv;
	uint32_t assoc_group;
	uint8_t auth_type, auth_level;
	struct auth_ctx *sec; /* NULL without authentication */
	struct bound_ctx *contexts;
	uint16_t next_ctx_id;
	char local_addr[64], remote_addr[64];
	uint16_t remote_port;
};

/* ---- I/O: one PDU written, one PDU read ------------------------------------------- */

static void client_fd_handler(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags,
			      void *priv);

struct io_state {
	struct rpc_client *client;
	bool writing;
	bool then_read; /* after writing, read one PDU */
	DATA_BLOB buf;  /* writing: what to send; reading: what came */
	size_t done;
	size_t want; /* reading: header first, then frag_length */
};

/* An I/O abandoned half way (a timeout, a caller giving up) leaves the
 * byte stream out of step: the connection is unusable after it. */
static int io_state_destructor(struct io_state *s)
{
	struct rpc_client *client = s->client;
	if (client != NULL && client->io != NULL &&
	    tevent_req_data(client->io, struct io_state) == s) {
		client->io = NULL;
		client->broken = true;
		TEVENT_FD_NOT_READABLE(client->fde);
		TEVENT_FD_NOT_WRITEABLE(client->fde);
	}
	return 0;
}

static bool start_reading(struct io_state *s)
{
	s->writing = false;
	s->done = 0;
	s->want = RPC_HDR_LEN;
	s->buf = data_blob_talloc(s, NULL, RPC_HDR_LEN);
	if (s->buf.data == NULL)
		return false;
	TEVENT_FD_NOT_WRITEABLE(s->client->fde);
	TEVENT_FD_READABLE(s->client->fde);
	return true;
}

/* Writes OUT (when not NULL), then, with READ, reads one PDU. */
static struct tevent_req *io_send(TALLOC_CTX *mem, struct tevent_context *ev,
				  struct rpc_client *client, const DATA_BLOB *out, bool read)
{
	struct io_state *s;
	struct tevent_req *req = tevent_req_create(mem, &s, struct io_state);
	if (req == NULL)
		return NULL;
	s->client = client;
	if (client->broken || client->io != NULL) {
		tevent_req_error(req, ECONNRESET);
		return tevent_req_post(req, ev);
	}
	talloc_set_destructor(s, io_state_destructor);
	client->io = req;
	s->then_read = read;
	if (out != NULL) {
		s->writing = true;
		s->buf = *out;
		TEVENT_FD_WRITEABLE(client->fde);
	} else if (!start_reading(s)) {
		tevent_req_oom(req);
		return tevent_req_post(req, ev);
	}
	return req;
}

static void io_fail(struct tevent_req *req, struct io_state *s, int err)
{
	s->client->broken = true;
	tevent_req_error(req, err);
}

static void client_fd_handler(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags,
			      void *priv)
{
	struct rpc_client *client = priv;
	struct tevent_req *req = client->io;
	if (req == NULL) {
		/* Idle, and the server closed (idle timeout, shutdown PDU) or
		 * sent what nobody asked for: the next operation reconnects
		 * or fails at once. */
		client->broken = true;
		TEVENT_FD_NOT_READABLE(fde);
		return;
	}
	struct io_state *s = tevent_req_data(req, struct io_state);
	if (s->writing) {
		if (!(flags & TEVENT_FD_WRITE))
			return;
		ssize_t n = send(client->fd, s->buf.data + s->done, s->buf.length - s->done,
				 MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			io_fail(req, s, errno == EPIPE ? ECONNRESET : errno);
			return;
		}
		s->done += (size_t)n;
		if (s->done < s->buf.length)
			return;
		if (s->then_read) {
			if (!start_reading(s))
				io_fail(req, s, ENOMEM);
			return;
		}
		client->io = NULL;
		TEVENT_FD_NOT_WRITEABLE(fde);
		TEVENT_FD_READABLE(fde); /* idle: notice the server closing */
		tevent_req_done(req);
		return;
	}
	ssize_t n = recv(client->fd, s->buf.data + s->done, s->want - s->done, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		io_fail(req, s, n == 0 ? ECONNRESET : errno);
		return;
	}
	s->done += (size_t)n;
	if (s->done < s->want)
		return;
	if (s->want == RPC_HDR_LEN) {
		struct rpc_pdu_hdr hdr;
		rpc_pdu_peek(s->buf.data, &hdr);
		if (hdr.rpc_vers != 5 || hdr.frag_length < RPC_HDR_LEN) {
			io_fail(req, s, EPROTO);
			return;
		}
		s->want = hdr.frag_length;
		if (s->want > RPC_HDR_LEN) {
			uint8_t *p = talloc_realloc(s, s->buf.data, uint8_t, s->want);
			if (p == NULL) {
				io_fail(req, s, ENOMEM);
				return;
			}
			s->buf.data = p;
			s->buf.length = s->want;
			return;
		}
	}
	client->io = NULL; /* idle: stays readable to notice the server closing */
	tevent_req_done(req);
}

static int io_recv(struct tevent_req *req, TALLOC_CTX *mem, DATA_BLOB *in)
{
	struct io_state *s = tevent_req_data(req, struct io_state);
	int err = treq_errno(req);
	if (err != 0)
		return err;
	if (in != NULL) {
		*in = s->buf;
		talloc_steal(mem, in->data);
	}
	return 0;
}

/* ---- PDUs ------------------------------------------------------------------------- */

/* Pulls and checks a PDU that answers CALL_ID. */
static int parse_reply(TALLOC_CTX *mem, const DATA_BLOB *in, uint32_t call_id,
		       struct ncacn_packet *pkt)
{
	if (rpc_pdu_pull(mem, in, pkt) != 0)
		return -EPROTO;
	if (pkt->rpc_vers != 5 || pkt->rpc_vers_minor != 0 || pkt->call_id != call_id)
		return -EPROTO;
	if ((pkt->drep[0] & DCERPC_DREP_LE) == 0)
		return -EPROTO; /* we only read little-endian answers */
	return 0;
}

/* The PDU SUBREQ (io_send) read, on MEM, and pulled: the answer to CALL_ID;
 * a malformed one breaks the connection (-EPROTO). Frees SUBREQ. */
static int read_reply(struct tevent_req *subreq, TALLOC_CTX *mem, struct rpc_client *client,
		      uint32_t call_id, DATA_BLOB *in, struct ncacn_packet *pkt)
{
	int rc = io_recv(subreq, mem, in);
	TALLOC_FREE(subreq);
	if (rc != 0)
		return rc;
	if (parse_reply(mem, in, call_id, pkt) != 0) {
		client->broken = true;
		return -EPROTO;
	}
	return 0;
}

/* Our security trailer (MS-RPCE 2.2.2.11), carrying CREDENTIALS. */
static struct dcerpc_auth auth_trailer(const struct rpc_client *client, DATA_BLOB credentials)
{
	struct dcerpc_auth auth = {
		.auth_type = client->auth_type,
		.auth_level = client->auth_level,
		.auth_context_id = CLIENT_AUTH_CONTEXT_ID,
		.credentials = credentials,
	};
	return auth;
}

static int build_bind(TALLOC_CTX *mem, struct rpc_client *client, uint8_t ptype, uint32_t call_id,
		      const struct ndr_interface_table *table, uint16_t ctx_id,
		      const DATA_BLOB *token, DATA_BLOB *out)
{
	struct ncacn_packet pkt;
	struct dcerpc_ctx_list ctx = {
		.context_id = ctx_id,
		.num_transfer_syntaxes = 1,
		.abstract_syntax = table->syntax_id,
		.transfer_syntaxes = discard_const_p(struct ndr_syntax_id, &ndr_transfer_syntax_ndr),
	};
	rpc_pdu_init(&pkt, ptype, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, call_id);
	pkt.u.bind.max_xmit_frag = CLIENT_MAX_FRAG;
	pkt.u.bind.max_recv_frag = CLIENT_MAX_FRAG;
	pkt.u.bind.assoc_group_id = client->assoc_group;
	pkt.u.bind.num_contexts = 1;
	pkt.u.bind.ctx_list = &ctx;
	struct dcerpc_auth auth = auth_trailer(client, token ? *token : data_blob_null);
	return rpc_pdu_push(mem, &pkt, token ? &auth : NULL, out);
}

static int build_auth3(TALLOC_CTX *mem, struct rpc_client *client, uint32_t call_id,
		       const DATA_BLOB *token, DATA_BLOB *out)
{
	struct ncacn_packet pkt;
	rpc_pdu_init(&pkt, DCERPC_PKT_AUTH3, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, call_id);
	struct dcerpc_auth auth = auth_trailer(client, *token);
	return rpc_pdu_push(mem, &pkt, &auth, out);
}

/* ---- bind and alter_context -------------------------------------------------------- */

struct bind_state {
	struct tevent_context *ev;
	struct rpc_client *client;
	const struct ndr_interface_table *table;
	uint16_t ctx_id;
	uint32_t call_id;
	bool alter;    /* this leg is an alter_context */
	bool security; /* the first bind: security legs follow */
	DATA_BLOB token;
};

static void bind_answered(struct tevent_req *subreq);
static void auth3_written(struct tevent_req *subreq);

static void bind_leg(struct tevent_req *req)
{
	struct bind_state *s = tevent_req_data(req, struct bind_state);
	DATA_BLOB out;
	s->call_id = s->client->next_call_id++;
	if (build_bind(s, s->client, s->alter ? DCERPC_PKT_ALTER : DCERPC_PKT_BIND, s->call_id,
		       s->table, s->ctx_id, s->security ? &s->token : NULL, &out) != 0) {
		tevent_req_error(req, EINVAL);
		return;
	}
	struct tevent_req *subreq = io_send(s, s->ev, s->client, &out, true);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, bind_answered, req);
}

/* Binds TABLE: with FIRST the connection's bind and its security legs, else
 * an alter_context adding a presentation context. */
static struct tevent_req *bind_send(TALLOC_CTX *mem, struct tevent_context *ev,
				    struct rpc_client *client,
				    const struct ndr_interface_table *table, bool first)
{
	struct bind_state *s;
	struct tevent_req *req = tevent_req_create(mem, &s, struct bind_state);
	if (req == NULL)
		return NULL;
	s->ev = ev;
	s->client = client;
	s->table = table;
	s->ctx_id = client->next_ctx_id;
	s->alter = !first;
	s->security = first && client->sec != NULL;
	if (s->security) {
		DATA_BLOB empty = data_blob_null;
		int rc = auth_update(client->sec, s, &empty, &s->token);
		if (rc < 0) {
			tevent_req_error(req, -rc);
			return tevent_req_post(req, ev);
		}
	}
	bind_leg(req);
	if (!tevent_req_is_in_progress(req))
		return tevent_req_post(req, ev);
	return req;
}

static void bind_answered(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct bind_state *s = tevent_req_data(req, struct bind_state);
	struct rpc_client *client = s->client;
	DATA_BLOB in;
	struct ncacn_packet pkt;
	int rc = read_reply(subreq, s, client, s->call_id, &in, &pkt);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	if (pkt.ptype == DCERPC_PKT_BIND_NAK) {
		log_debug("RPC client: bind refused, reason %u", pkt.u.bind_nak.reject_reason);
		client->broken = true;
		tevent_req_error(req, pkt.u.bind_nak.reject_reason ==
						      DCERPC_BIND_NAK_REASON_INVALID_AUTH_TYPE ?
					      EACCES :
					      EPROTO);
		return;
	}
	if (pkt.ptype == DCERPC_PKT_FAULT) {
		log_debug("RPC client: alter_context refused, status 0x%08x", pkt.u.fault.status);
		client->broken = true;
		tevent_req_error(req, pkt.u.fault.status == DCERPC_FAULT_ACCESS_DENIED ? EACCES :
											EPROTO);
		return;
	}
	uint8_t want = s->alter ? DCERPC_PKT_ALTER_RESP : DCERPC_PKT_BIND_ACK;
	struct dcerpc_bind_ack *ack = &pkt.u.bind_ack; /* alter_resp has the same layout */
	if (pkt.ptype != want || ack->num_results != 1 ||
	    ack->ctx_list[0].result != DCERPC_BIND_ACK_RESULT_ACCEPTANCE) {
		log_debug("RPC client: %s not accepted", s->table->name);
		client->broken = !s->alter;
		tevent_req_error(req, EPROTO);
		return;
	}
	if (!s->alter) {
		client->max_xmit = ack->max_xmit_frag < ack->max_recv_frag ? ack->max_xmit_frag :
									    ack->max_recv_frag;
		if (client->max_xmit > CLIENT_MAX_FRAG)
			client->max_xmit = CLIENT_MAX_FRAG;
		client->assoc_group = ack->assoc_group_id;
	}

	if (s->security && !auth_is_complete(client->sec)) {
		struct dcerpc_auth auth;
		size_t data_len;
		DATA_BLOB out = data_blob_null;
		if (pkt.auth_length == 0 ||
		    rpc_pdu_split_auth(&ack->auth_info, pkt.auth_length, false, true, &auth,
				       &data_len) != 0) {
			client->broken = true;
			tevent_req_error(req, EPROTO);
			return;
		}
		rc = auth_update(client->sec, s, &auth.credentials, &out);
		if (rc < 0) {
			client->broken = true;
			tevent_req_error(req, rc == -EACCES ? EACCES : EPROTO);
			return;
		}
		if (rc == 1) {
			/* More legs: they travel in alter_context (SPNEGO). */
			s->alter = true;
			s->token = out;
			bind_leg(req);
			return;
		}
		if (out.length != 0) {
			/* The last leg has no answer: auth3 (NTLMSSP). */
			DATA_BLOB pdu;
			if (build_auth3(s, client, client->next_call_id++, &out, &pdu) != 0) {
				tevent_req_error(req, EINVAL);
				return;
			}
			subreq = io_send(s, s->ev, client, &pdu, false);
			if (tevent_req_nomem(subreq, req))
				return;
			tevent_req_set_callback(subreq, auth3_written, req);
			return;
		}
	}
	tevent_req_done(req);
}

static void auth3_written(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	int rc = io_recv(subreq, NULL, NULL);
	TALLOC_FREE(subreq);
	treq_finish(req, rc);
}

static int bind_recv(struct tevent_req *req)
{
	struct bind_state *s = tevent_req_data(req, struct bind_state);
	int err = treq_errno(req);
	if (err != 0)
		return err;
	struct bound_ctx *b = talloc_zero(s->client, struct bound_ctx);
	if (b == NULL)
		return -ENOMEM;
	b->table = s->table;
	b->id = s->ctx_id;
	b->next = s->client->contexts;
	s->client->contexts = b;
	s->client->next_ctx_id++;
	return 0;
}

/* ---- connect ----------------------------------------------------------------------- */

struct connect_state {
	struct tevent_context *ev;
	struct rpc_client *client;
	const struct ndr_interface_table *table;
	struct tevent_fd *connecting;
};

static void connect_done(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags,
			 void *priv);
static void connect_bound(struct tevent_req *subreq);

static int client_destructor(struct rpc_client *client)
{
	/* An I/O still waiting never completes now; it must not touch us. */
	if (client->io != NULL) {
		struct io_state *io = tevent_req_data(client->io, struct io_state);
		io->client = NULL;
	}
	TALLOC_FREE(client->fde);
	if (client->fd >= 0)
		close(client->fd);
	return 0;
}

static int open_socket(struct rpc_client *client, const char *host, uint16_t port)
{
	char service[8];
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &ai) != 0)
		return -EHOSTUNREACH;
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return -errno;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc != 0 && errno != EINPROGRESS) {
		rc = -errno;
		close(fd);
		freeaddrinfo(ai);
		return rc;
	}
	freeaddrinfo(ai);
	client->fd = fd;
	client->remote_port = port;
	return 0;
}

static void format_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, len);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, len);
	else
		snprintf(buf, len, "?");
}

struct tevent_req *rpc_client_connect_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					   const char *host, uint16_t port,
					   const struct rpc_client_auth *auth,
					   const struct ndr_interface_table *table,
					   unsigned timeout_ms)
{
	struct connect_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct connect_state);
	if (req == NULL)
		return NULL;
	s->ev = ev;
	s->table = table;
	struct rpc_client *client = talloc_zero(s, struct rpc_client);
	if (tevent_req_nomem(client, req))
		return tevent_req_post(req, ev);
	s->client = client;
	client->ev = ev;
	client->fd = -1;
	client->next_call_id = 1;
	client->max_xmit = client->max_recv = RPC_MIN_FRAG;
	client->timeout_ms = timeout_ms;
	talloc_set_destructor(client, client_destructor);
	client->queue = tevent_queue_create(client, "rpc_client");
	if (tevent_req_nomem(client->queue, req))
		return tevent_req_post(req, ev);
	if (auth != NULL && auth->auth_type != 0) {
		client->auth_type = auth->auth_type;
		client->auth_level = auth->auth_level;
		client->sec = auth_client_new(client, auth->auth_type, auth->user,
					      auth->domain ? auth->domain : "", auth->password);
		if (client->sec == NULL) {
			tevent_req_error(req, EINVAL);
			return tevent_req_post(req, ev);
		}
	}
	if (timeout_ms != 0 &&
	    !tevent_req_set_endtime(req, ev,
				    tevent_timeval_current_ofs(timeout_ms / 1000,
							       (timeout_ms % 1000) * 1000))) {
		tevent_req_oom(req);
		return tevent_req_post(req, ev);
	}
	int rc = open_socket(client, host, port);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return tevent_req_post(req, ev);
	}
	/* READ too: tevent reports a refused connection (EPOLLERR) only to
	 * handlers that read. */
	s->connecting = tevent_add_fd(ev, s, client->fd, TEVENT_FD_READ | TEVENT_FD_WRITE,
				      connect_done, req);
	if (tevent_req_nomem(s->connecting, req))
		return tevent_req_post(req, ev);
	return req;
}

static void connect_done(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags,
			 void *priv)
{
	struct tevent_req *req = priv;
	struct connect_state *s = tevent_req_data(req, struct connect_state);
	struct rpc_client *client = s->client;
	int err = 0;
	socklen_t len = sizeof(err);
	TALLOC_FREE(s->connecting);
	if (getsockopt(client->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		tevent_req_error(req, err);
		return;
	}
	struct sockaddr_storage ss;
	len = sizeof(ss);
	if (getsockname(client->fd, (struct sockaddr *)&ss, &len) == 0)
		format_addr(&ss, client->local_addr, sizeof(client->local_addr));
	len = sizeof(ss);
	if (getpeername(client->fd, (struct sockaddr *)&ss, &len) == 0)
		format_addr(&ss, client->remote_addr, sizeof(client->remote_addr));
	client->fde = tevent_add_fd(ev, client, client->fd, 0, client_fd_handler, client);
	if (tevent_req_nomem(client->fde, req))
		return;
	struct tevent_req *subreq = bind_send(s, ev, client, s->table, true);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, connect_bound, req);
}

static void connect_bound(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	int rc = bind_recv(subreq);
	TALLOC_FREE(subreq);
	treq_finish(req, rc);
}

int rpc_client_connect_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			    struct rpc_client **client)
{
	struct connect_state *s = tevent_req_data(req, struct connect_state);
	int rc = treq_errno(req);
	if (rc != 0)
		return rc;
	*client = talloc_steal(mem_ctx, s->client);
	return 0;
}

/* ---- calls ------------------------------------------------------------------------- */

struct call_state {
	struct tevent_context *ev;
	struct rpc_client *client;
	const struct ndr_interface_table *table;
	uint32_t opnum;
	const struct GUID *object;
	void *r;
	TALLOC_CTX *out_mem; /* where the [out] side is allocated */
	uint16_t ctx_id;
	uint32_t call_id;
	DATA_BLOB response; /* reassembled stub */
	uint32_t fault;
};

static void call_queued(struct tevent_req *subreq);
static void call_bound(struct tevent_req *subreq);
static void call_fragment(struct tevent_req *subreq);

static bool protects(const struct rpc_client *client)
{
	return client->sec != NULL && client->auth_level >= DCERPC_AUTH_LEVEL_INTEGRITY;
}

/* The request in fragments of at most max_xmit bytes, all in one buffer. */
static int build_request(struct call_state *s, const DATA_BLOB *stub, DATA_BLOB *out)
{
	struct rpc_client *client = s->client;
	bool with_auth = client->sec != NULL;
	size_t sig_size = with_auth ? auth_sig_size(client->sec) : 0;
	size_t hdr = RPC_REQUEST_HDR_LEN + (s->object ? 16 : 0);
	size_t room = client->max_xmit > hdr ? client->max_xmit - hdr : 0;
	if (with_auth)
		room = room > RPC_AUTH_TRAILER_LEN + sig_size ? room - RPC_AUTH_TRAILER_LEN - sig_size : 0;
	room -= room % RPC_AUTH_PAD_ALIGN;
	if (room == 0)
		return -EINVAL;
	uint8_t zeros[64] = { 0 };
	if (sig_size > sizeof(zeros))
		return -EINVAL;

	DATA_BLOB all = data_blob_null;
	size_t done = 0;
	do {
		size_t len = stub->length - done < room ? stub->length - done : room;
		size_t pad = with_auth ? rpc_auth_pad(len) : 0;
		struct ncacn_packet pkt;
		uint8_t flags = 0;
		if (done == 0)
			flags |= DCERPC_PFC_FLAG_FIRST;
		if (done + len == stub->length)
			flags |= DCERPC_PFC_FLAG_LAST;
		rpc_pdu_init(&pkt, DCERPC_PKT_REQUEST, flags, s->call_id);
		pkt.u.request.alloc_hint = (uint32_t)(stub->length - done);
		pkt.u.request.context_id = s->ctx_id;
		pkt.u.request.opnum = (uint16_t)s->opnum;
		if (s->object != NULL) {
			pkt.pfc_flags |= DCERPC_PFC_FLAG_OBJECT_UUID;
			pkt.u.request.object.object = *s->object;
		}
		DATA_BLOB body = data_blob_talloc_zero(s, len + pad);
		if (body.data == NULL && len + pad != 0)
			return -ENOMEM;
		if (len != 0)
			memcpy(body.data, stub->data + done, len);
		pkt.u.request.stub_and_verifier = body;
		struct dcerpc_auth auth = auth_trailer(client, data_blob_const(zeros, sig_size));
		auth.auth_pad_length = (uint8_t)pad;
		DATA_BLOB frag;
		if (rpc_pdu_push(s, &pkt, with_auth ? &auth : NULL, &frag) != 0)
			return -EINVAL;
		if (protects(client)) {
			size_t whole = frag.length - sig_size;
			DATA_BLOB sig = data_blob_null;
			int rc = client->auth_level == DCERPC_AUTH_LEVEL_PRIVACY ?
					 auth_seal(client->sec, s, frag.data + hdr, len + pad, frag.data,
						   whole, &sig) :
					 auth_sign(client->sec, s, frag.data + hdr, len + pad, frag.data,
						   whole, &sig);
			if (rc != 0 || sig.length > sig_size)
				return -EIO;
			memcpy(frag.data + whole, sig.data, sig.length);
		}
		if (!data_blob_append(s, &all, frag.data, frag.length))
			return -ENOMEM;
		data_blob_free(&frag);
		data_blob_free(&body);
		done += len;
	} while (done < stub->length);
	*out = all;
	return 0;
}

struct tevent_req *rpc_client_call_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					struct rpc_client *client,
					const struct ndr_interface_table *table, uint32_t opnum,
					const struct GUID *object, TALLOC_CTX *r_mem, void *r)
{
	struct call_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct call_state);
	if (req == NULL)
		return NULL;
	s->ev = ev;
	s->client = client;
	s->table = table;
	s->opnum = opnum;
	s->object = object;
	s->r = r;
	s->out_mem = r_mem;
	if (opnum >= table->num_calls || table->calls[opnum].ndr_push == NULL) {
		tevent_req_error(req, EINVAL);
		return tevent_req_post(req, ev);
	}
	if (client->timeout_ms != 0 &&
	    !tevent_req_set_endtime(req, ev,
				    tevent_timeval_current_ofs(client->timeout_ms / 1000,
							       (client->timeout_ms % 1000) * 1000))) {
		tevent_req_oom(req);
		return tevent_req_post(req, ev);
	}
	struct tevent_req *subreq = tevent_queue_wait_send(s, ev, client->queue);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, call_queued, req);
	return req;
}

static void call_start(struct tevent_req *req);

static void call_queued(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct call_state *s = tevent_req_data(req, struct call_state);
	/* SUBREQ stays until the call ends: it holds our place in the queue. */
	if (s->client->broken) {
		tevent_req_error(req, ECONNRESET);
		return;
	}
	for (struct bound_ctx *b = s->client->contexts; b != NULL; b = b->next) {
		if (b->table == s->table ||
		    ndr_syntax_id_equal(&b->table->syntax_id, &s->table->syntax_id)) {
			s->ctx_id = b->id;
			call_start(req);
			return;
		}
	}
	struct tevent_req *bindreq = bind_send(s, s->ev, s->client, s->table, false);
	if (tevent_req_nomem(bindreq, req))
		return;
	tevent_req_set_callback(bindreq, call_bound, req);
}

static void call_bound(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct call_state *s = tevent_req_data(req, struct call_state);
	int rc = bind_recv(subreq);
	TALLOC_FREE(subreq);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	s->ctx_id = s->client->contexts->id;
	call_start(req);
}

static void call_start(struct tevent_req *req)
{
	struct call_state *s = tevent_req_data(req, struct call_state);
	struct ndr_push *push = ndr_push_init_ctx(s);
	if (tevent_req_nomem(push, req))
		return;
	enum ndr_err_code err = s->table->calls[s->opnum].ndr_push(push, NDR_IN, s->r);
	if (!NDR_ERR_CODE_IS_SUCCESS(err)) {
		log_debug("RPC client: cannot marshal %s: %s", s->table->calls[s->opnum].name,
			  ndr_map_error2string(err));
		tevent_req_error(req, EINVAL);
		return;
	}
	DATA_BLOB stub = ndr_push_blob(push), pdus;
	s->call_id = s->client->next_call_id++;
	int rc = build_request(s, &stub, &pdus);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	struct tevent_req *subreq = io_send(s, s->ev, s->client, &pdus, true);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, call_fragment, req);
}

static void call_fail(struct tevent_req *req, int err)
{
	struct call_state *s = tevent_req_data(req, struct call_state);
	s->client->broken = true;
	tevent_req_error(req, err);
}

static void call_fragment(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct call_state *s = tevent_req_data(req, struct call_state);
	struct rpc_client *client = s->client;
	DATA_BLOB in;
	struct ncacn_packet pkt;
	int rc = read_reply(subreq, s, client, s->call_id, &in, &pkt);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	if (pkt.ptype == DCERPC_PKT_FAULT) {
		s->fault = pkt.u.fault.status;
		tevent_req_error(req, EREMOTEIO);
		return;
	}
	if (pkt.ptype != DCERPC_PKT_RESPONSE) {
		call_fail(req, EPROTO);
		return;
	}
	struct dcerpc_auth auth;
	size_t data_len;
	if (rpc_pdu_split_auth(&pkt.u.response.stub_and_verifier, pkt.auth_length, false, false,
			       &auth, &data_len) != 0) {
		call_fail(req, EPROTO);
		return;
	}
	if (protects(client)) {
		/* Each fragment is verified or unsealed on its own; it must
		 * carry our context's trailer at our level. */
		size_t whole = in.length - auth.credentials.length;
		size_t body_len = data_len + auth.auth_pad_length;
		if (pkt.auth_length == 0 || auth.auth_context_id != CLIENT_AUTH_CONTEXT_ID ||
		    auth.auth_level != client->auth_level) {
			call_fail(req, EACCES);
			return;
		}
		rc = client->auth_level == DCERPC_AUTH_LEVEL_PRIVACY ?
			     auth_unseal(client->sec, in.data + RPC_RESPONSE_HDR_LEN, body_len, in.data,
					 whole, &auth.credentials) :
			     auth_check(client->sec, in.data + RPC_RESPONSE_HDR_LEN, body_len, in.data,
					whole, &auth.credentials);
		if (rc != 0) {
			call_fail(req, EACCES);
			return;
		}
	}
	if (s->response.length + data_len > CLIENT_MAX_RESPONSE ||
	    !data_blob_append(s, &s->response, in.data + RPC_RESPONSE_HDR_LEN, data_len)) {
		call_fail(req, ENOMEM);
		return;
	}
	data_blob_free(&in);
	if (!(pkt.pfc_flags & DCERPC_PFC_FLAG_LAST)) {
		subreq = io_send(s, s->ev, client, NULL, true);
		if (tevent_req_nomem(subreq, req))
			return;
		tevent_req_set_callback(subreq, call_fragment, req);
		return;
	}
	struct ndr_pull *pull = ndr_pull_init_blob(&s->response, s->out_mem);
	if (tevent_req_nomem(pull, req))
		return;
	pull->flags |= LIBNDR_FLAG_REF_ALLOC;
	enum ndr_err_code err = s->table->calls[s->opnum].ndr_pull(pull, NDR_OUT, s->r);
	talloc_free(pull);
	if (!NDR_ERR_CODE_IS_SUCCESS(err)) {
		log_debug("RPC client: bad answer to %s: %s", s->table->calls[s->opnum].name,
			  ndr_map_error2string(err));
		tevent_req_error(req, EPROTO); /* the connection itself is fine */
		return;
	}
	tevent_req_done(req);
}

int rpc_client_call_recv(struct tevent_req *req, uint32_t *fault)
{
	struct call_state *s = tevent_req_data(req, struct call_state);
	int rc = treq_errno(req);
	if (fault != NULL)
		*fault = rc == -EREMOTEIO ? s->fault : 0;
	return rc;
}

/* ---- synchronous forms and accessors --------------------------------------------- */

int rpc_client_connect(TALLOC_CTX *mem_ctx, struct tevent_context *ev, const char *host,
		       uint16_t port, const struct rpc_client_auth *auth,
		       const struct ndr_interface_table *table, unsigned timeout_ms,
		       struct rpc_client **client)
{
	struct tevent_req *req = rpc_client_connect_send(mem_ctx, ev, host, port, auth, table,
							 timeout_ms);
	if (req == NULL)
		return -ENOMEM;
	if (!tevent_req_poll(req, ev)) {
		talloc_free(req);
		return -EIO;
	}
	int rc = rpc_client_connect_recv(req, mem_ctx, client);
	talloc_free(req);
	return rc;
}

int rpc_client_call(struct rpc_client *client, TALLOC_CTX *mem_ctx,
		    const struct ndr_interface_table *table, uint32_t opnum,
		    const struct GUID *object, void *r, uint32_t *fault)
{
	struct tevent_req *req = rpc_client_call_send(mem_ctx, client->ev, client, table, opnum,
						      object, mem_ctx, r);
	if (req == NULL)
		return -ENOMEM;
	if (!tevent_req_poll(req, client->ev)) {
		talloc_free(req);
		return -EIO;
	}
	int rc = rpc_client_call_recv(req, fault);
	talloc_free(req);
	return rc;
}

void rpc_client_set_timeout(struct rpc_client *client, unsigned timeout_ms)
{
	client->timeout_ms = timeout_ms;
}

bool rpc_client_broken(const struct rpc_client *client)
{
	return client->broken;
}

const char *rpc_client_local_address(const struct rpc_client *client)
{
	return client->local_addr;
}

const char *rpc_client_remote_address(const struct rpc_client *client)
{
	return client->remote_addr;
}

uint16_t rpc_client_remote_port(const struct rpc_client *client)
{
	return client->remote_port;
}

uint32_t rpc_client_assoc_group(const struct rpc_client *client)
{
	return client->assoc_group;
}
