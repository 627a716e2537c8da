/* What tgt_backend.c (operations) and tgt_backend_life.c (creation,
 * watching tgtd, holding its I/O) share. */
#ifndef ISTMD_BACKEND_TGT_BACKEND_INTERNAL_H
#define ISTMD_BACKEND_TGT_BACKEND_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "backend/iscsi_backend.h"
#include "backend/tgt_conn_ports.h"
#include "backend/tgt_plan.h"

struct tgt_backend {
	struct iscsi_backend base; /* first: the interface casts */
	struct tevent_context *ev;
	char *socket_path;
	struct iscsi_portal *portals;
	size_t n_portals;
	unsigned request_ms, operation_ms;
	/* the limit for a show of every target: 0 is request_ms (tgt_backend.c) */
	unsigned show_all_ms;
	struct tevent_queue *queue;
	struct tgt_monitor *monitor;
	TALLOC_CTX *secrets_mem;
	struct tgt_secrets secrets; /* the CHAP secrets set in this tgtd instance */
	uint64_t generation;
	struct tgt_cache *cache; /* tgtd's state between operations (tgt_cache.h) */
	pid_t tgtd_pid; /* 0: unknown (its connections' ports are then unknown) */
	struct tgt_ports *ports; /* connections' ports (tgt_conn_ports.h) */
};

static inline struct tgt_backend *tgt_of(struct iscsi_backend *be)
{
	return (struct tgt_backend *)be;
}

/* The backend's operations (tgt_backend.c) and the raw session readers
 * the port matcher wraps (tgt_conn_ports.h). */
extern const struct iscsi_backend_ops tgt_ops;
extern const struct tgt_ports_raw tgt_raw;

/* ops->hold_io (tgt_backend_life.c). */
int tgt_backend_hold(struct iscsi_backend *be, bool hold);

#endif
