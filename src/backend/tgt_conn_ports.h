/* The ports of tgtd's iSCSI connections (tgt_sockets.h), looked up off the
 * event loop: tgtd's descriptors and TCP tables are read on a worker thread,
 * and the tgt backend's sessions() and nexus() (the login poll) go through
 * here. nexus() also looks at the connections when a socket is new, so that
 * each connection is learnt while it is the only new one from its address,
 * whoever asks later. */
#ifndef ISTMD_BACKEND_TGT_CONN_PORTS_H
#define ISTMD_BACKEND_TGT_CONN_PORTS_H

#include <sys/types.h>
#include <talloc.h>
#include <tevent.h>

#include "backend/iscsi_backend.h"

/* The tgt backend's own operations, without ports. */
struct tgt_ports_raw {
	struct tevent_req *(*sessions_send)(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    struct iscsi_backend *be, const char *iqn);
	int (*sessions_recv)(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			     struct iscsi_session_info **sessions, size_t *n_sessions);
	struct tevent_req *(*nexus_send)(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					 struct iscsi_backend *be);
	int (*nexus_recv)(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			  struct iscsi_session_info **sessions, size_t *n_sessions);
};

struct tgt_ports;

/* NULL on allocation failure. PROC: "/proc" (tests: a fake tree). */
struct tgt_ports *tgt_ports_new(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				const struct tgt_ports_raw *raw, const char *proc);
/* tgtd's process (0: down or unknown, then ports stay 0). A new PID
 * forgets what was learnt. */
void tgt_ports_set_pid(struct tgt_ports *p, pid_t pid);

/* The backend operations, ports filled in (iscsi_backend_ops). BE's ports
 * come from tgt_backend_ports(BE). */
struct tevent_req *tgt_ports_sessions_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					   struct iscsi_backend *be, const char *iqn);
int tgt_ports_sessions_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			    struct iscsi_session_info **sessions, size_t *n_sessions);
struct tevent_req *tgt_ports_nexus_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					struct iscsi_backend *be);
int tgt_ports_nexus_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			 struct iscsi_session_info **sessions, size_t *n_sessions);

/* Defined by the tgt backend. */
struct tgt_ports *tgt_backend_ports(struct iscsi_backend *be);

#endif
