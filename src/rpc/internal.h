/* The engine's private structures, shared by the files of src/rpc (and its
 * unit tests); nothing outside src/rpc includes this. */
#ifndef ISTMD_RPC_INTERNAL_H
#define ISTMD_RPC_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <talloc.h>
#include <tevent.h>

#include "rpc/bind.h"
#include "rpc/pdu.h"
#include "rpc/server.h"

struct auth_ctx;

/* Limits and policy from [rpc]. */
struct rpc_limits {
	uint8_t min_auth_level;    /* DCERPC_AUTH_LEVEL_* */
	unsigned max_connections;
	unsigned max_connections_per_peer; /* from one client address */
	unsigned handshake_timeout; /* seconds to complete the bind (and its authentication) */
	unsigned idle_timeout;     /* seconds, 0: never */
	uint16_t max_pdu_size;     /* largest fragment we accept and send */
	uint32_t max_request_size; /* reassembled stub bound */
	unsigned max_contexts;     /* presentation contexts per connection */
	unsigned max_sec_contexts; /* security contexts per connection */
	unsigned max_pending;      /* dispatched calls per connection before reading pauses */
	size_t max_output;         /* queued response bytes before reading pauses */
};

struct rpc_iface_reg {
	struct rpc_iface_reg *next;
	struct rpc_interface iface;
};

struct rpc_assoc {
	struct rpc_assoc *prev, *next;
	struct rpc_server *server;
	uint32_t id;
	unsigned connections;
	struct sockaddr_storage peer; /* joining connections must come from here */
	TALLOC_CTX *mem;
};

struct rpc_listener;

/* Bytes of the server's scratch pool: a few calls' NDR state at once. */
#define RPC_SCRATCH_POOL 16384

struct rpc_server {
	struct tevent_context *ev;
	void *scratch; /* talloc_pool for transient per-call state (call.c) */
	struct auth_accounts *accounts;
	const struct auth_server_options *auth_options; /* NULL: host defaults */
	struct rpc_limits limits;
	const char **addresses; /* NULL-terminated */
	uint16_t mapper_port, object_port;
	struct rpc_listener *listeners;
	struct rpc_iface_reg *ifaces;
	struct rpc_conn *conns;
	unsigned nconns;    /* serving connections */
	unsigned nrefusing; /* over the limit, being told so */
	uint64_t conn_serial; /* orders connections by age (eviction: oldest first) */
	struct rpc_assoc *assocs;
	bool shutting_down;
	struct rpc_session_log *session_log; /* [rpc] session_log, NULL: off */
};

/* A security context of a connection, keyed by auth_context_id
 * (MS-RPCE 3.3.1.5.4). */
enum rpc_sec_state {
	RPC_SEC_PENDING, /* legs in progress */
	RPC_SEC_DONE,    /* authenticated, usable */
	RPC_SEC_FAILED,  /* refused: requests using it are refused */
};

struct rpc_sec {
	struct rpc_sec *next;
	struct rpc_conn *conn;
	uint32_t context_id;
	uint8_t auth_type;
	uint8_t auth_level;
	enum rpc_sec_state state;
	int error; /* why it failed (negative errno from the security layer) */
	uint64_t last_used; /* conn->use_clock when last started, fed or used */
	struct auth_ctx *auth;
};

/* One queued output PDU. */
struct rpc_out {
	struct rpc_out *next;
	DATA_BLOB blob;
};

struct rpc_conn {
	struct rpc_conn *prev, *next;
	struct rpc_server *server;
	int fd;
	struct tevent_fd *fde;
	struct tevent_timer *idle_timer;
	struct timeval last_active; /* the last PDU processed: idle is measured from it */
	struct tevent_timer *handshake_timer; /* until the bind (and its authentication) completed */
	struct tevent_immediate *free_im;
	struct tevent_immediate *read_im; /* a PDU read ahead waits in IN */
	bool listed;  /* on server->conns */
	bool counted; /* in server->nconns or nrefusing (until its socket closes) */
	enum rpc_endpoint endpoint;
	char local_addr[64], remote_addr[64];
	uint16_t local_port, remote_port;
	struct sockaddr_storage peer;
	bool refusing; /* over max_connections: answer the bind with bind_nak */
	bool established; /* bound, and authenticated if the bind started it */
	uint64_t serial;  /* server->conn_serial when accepted */
	bool session_logged; /* its "conn" line is in the session log */

	/* input: one PDU at a time */
	uint8_t *in;
	size_t in_len, in_want;
	bool in_reading; /* conn_read() is processing IN */

	/* output */
	struct rpc_out *out_head, *out_tail;
	size_t out_off, out_bytes;

	/* protocol state (MS-RPCE 3.3.3) */
	bool bound;         /* the first PDU (the bind) was handled */
	bool close_pending; /* send what is queued, then close */
	bool lingering;     /* all sent and half-closed; reading until the client closes */
	bool dead;          /* socket closed; freed when the last call completes */
	uint16_t max_xmit, max_recv;
	bool conc_mpx;
	bool client_hdr_signing;
	uint16_t features;
	struct rpc_assoc *assoc;
	struct rpc_pctx *contexts;
	unsigned ncontexts;
	struct rpc_sec *secs;
	unsigned nsecs;
	uint64_t use_clock; /* orders uses of security and presentation contexts */
	struct rpc_call *frag_call; /* request being reassembled */
	struct rpc_call *pending;   /* dispatched, not yet completed */
	struct tevent_immediate *abandon_im; /* runs the abandon_fn of pending calls */
	unsigned npending;
	uint32_t last_call_id;
};

struct rpc_call {
	struct rpc_call *prev, *next; /* conn->pending */
	struct rpc_conn *conn;
	uint32_t call_id;
	uint16_t context_id;
	uint16_t opnum;
	uint8_t drep[4];
	uint8_t pfc_flags; /* of the first fragment */
	bool has_object;
	struct GUID object;
	struct rpc_pctx *pctx;
	struct rpc_sec *sec; /* NULL: unauthenticated */
	uint8_t auth_level, auth_type;
	DATA_BLOB stub;       /* reassembled, unsealed stub */
	size_t stub_alloc;
	bool stub_borrowed; /* STUB points into conn->in until call_dispatch() pulled it */
	void *r;
	bool dispatched;
	bool cancelled; /* co_cancel */
	bool orphaned;
	uint8_t cancel_count;
	void (*abandon_fn)(struct rpc_call *call, void *priv); /* rpc_call_on_abandon() */
	void *abandon_priv;
	bool session_logged; /* its request is in the session log, the answer not yet */
};

/* conn.c */
struct rpc_conn *rpc_conn_new(struct rpc_server *server, int fd, enum rpc_endpoint endpoint,
			      bool refusing);
void rpc_conn_send(struct rpc_conn *conn, DATA_BLOB blob);
/* Sends LEN bytes of DATA, which the caller keeps: what the socket does not
 * take at once is copied and queued. */
void rpc_conn_send_bytes(struct rpc_conn *conn, const uint8_t *data, size_t len);
void rpc_conn_close_after_send(struct rpc_conn *conn, const char *why);
void rpc_conn_terminate(struct rpc_conn *conn, const char *why);
void rpc_conn_send_fault(struct rpc_conn *conn, uint32_t call_id, uint16_t context_id,
			 uint8_t flags, uint32_t status);
/* Fault, then close once it is sent (MS-RPCE 3.3.3.5.1). */
void rpc_conn_fault_disconnect(struct rpc_conn *conn, uint32_t call_id, uint16_t context_id,
			       uint8_t flags, uint32_t status, const char *why);
void rpc_conn_resume_reading(struct rpc_conn *conn);
/* The bind, and the authentication it started, completed: the handshake
 * timeout no longer applies. */
void rpc_conn_established(struct rpc_conn *conn);
/* A connection that may be closed to make room for another: not
 * authenticated and no call in progress, or already closing. */
bool rpc_conn_evictable(const struct rpc_conn *conn);
/* Frees CONN from the loop once no call is dispatched on it any more. */
void rpc_conn_schedule_free(struct rpc_conn *conn);
/* A tevent_immediate handler: runs the abandon_fn of CONN's pending calls. */
void rpc_conn_abandon_calls(struct tevent_context *ev, struct tevent_immediate *im, void *priv);

/* handshake.c: bind, alter_context, auth3 */
void rpc_handle_bind(struct rpc_conn *conn, struct ncacn_packet *pkt);
void rpc_handle_alter(struct rpc_conn *conn, struct ncacn_packet *pkt);
void rpc_handle_auth3(struct rpc_conn *conn, struct ncacn_packet *pkt);

/* call.c: requests, cancel, orphaned */
void rpc_handle_request(struct rpc_conn *conn, struct ncacn_packet *pkt, DATA_BLOB *raw);
void rpc_handle_co_cancel(struct rpc_conn *conn, struct ncacn_packet *pkt, bool orphaned);

/* sec.c */
struct rpc_sec *rpc_sec_find(struct rpc_conn *conn, uint32_t context_id);
/* Makes room for one more security context under max_sec_contexts by freeing
 * those nothing uses any more. False when there is none. */
bool rpc_sec_make_room(struct rpc_conn *conn);
/* Records that SEC was used (started, fed, named by a request) just now. */
void rpc_sec_touch(struct rpc_sec *sec);
/* True when some security context of CONN completed its authentication. */
bool rpc_conn_authenticated(const struct rpc_conn *conn);
/* Starts a security context from a bind/alter_context trailer. Returns it,
 * or NULL with *nak_reason (a bind_nak reason) set. */
struct rpc_sec *rpc_sec_start(struct rpc_conn *conn, const struct dcerpc_auth *in,
			      uint16_t *nak_reason);
/* Feeds a token. Returns 1 (send OUT, more legs), 0 (done) or a negative errno
 * (the context is then FAILED). */
int rpc_sec_update(struct rpc_sec *sec, TALLOC_CTX *mem_ctx, const DATA_BLOB *in, DATA_BLOB *out);
size_t rpc_sec_sig_size(const struct rpc_sec *sec);
bool rpc_sec_protects(const struct rpc_sec *sec); /* integrity or privacy */
/* Verifies and unseals one request fragment in place: FRAG is the whole PDU,
 * BODY_OFF where the stub starts, BODY_LEN the stub plus auth padding,
 * SIG the token. Returns 0 or -EACCES. */
int rpc_sec_open_fragment(struct rpc_sec *sec, uint8_t *frag, size_t frag_len, size_t body_off,
			  size_t body_len, const DATA_BLOB *sig);
/* Signs/seals a response fragment built with room for the signature (the
 * last rpc_sec_sig_size() bytes of FRAG). */
int rpc_sec_protect_fragment(struct rpc_sec *sec, uint8_t *frag, size_t frag_len, size_t body_off,
			     size_t body_len);
const char *rpc_sec_user(const struct rpc_sec *sec);
const char *rpc_sec_domain(const struct rpc_sec *sec);
bool rpc_sec_is_admin(const struct rpc_sec *sec);

/* server.c */
const struct rpc_interface *rpc_server_find_iface(struct rpc_server *server,
						  enum rpc_endpoint endpoint,
						  const struct ndr_syntax_id *abstract);
/* Joins association group ID (0: a new one). NULL when it does not exist or
 * belongs to another client (MS-RPCE 3.3.1.5.7). */
struct rpc_assoc *rpc_assoc_join(struct rpc_server *server, uint32_t id,
				 const struct sockaddr_storage *peer);
void rpc_assoc_leave(struct rpc_assoc *assoc);
void rpc_server_conn_gone(struct rpc_server *server, struct rpc_conn *conn);
void rpc_server_conn_uncount(struct rpc_server *server, struct rpc_conn *conn);
/* Whether a new connection from PEER may be served: under max_connections
 * and max_connections_per_peer, after evicting idle unauthenticated
 * connections (oldest first) when either is reached. */
bool rpc_server_admit(struct rpc_server *server, const struct sockaddr_storage *peer);

/* listener.c */
int rpc_listen(struct rpc_server *server, char **err);
/* "127.0.0.2", "::1" or "[::1]" in canonical numeric form, or NULL. */
char *rpc_address_canonical(TALLOC_CTX *mem_ctx, const char *text);

#endif
