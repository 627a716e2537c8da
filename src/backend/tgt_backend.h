/* The tgt implementation of the iSCSI target backend (iscsi_backend.h): drives
 * tgtd through its control socket (tgt_proto.h) and watches it (tgt_monitor.h).
 * See docs/tgt-backend.md. */
#ifndef ISTMD_BACKEND_TGT_BACKEND_H
#define ISTMD_BACKEND_TGT_BACKEND_H

#include <stddef.h>
#include <talloc.h>
#include <tevent.h>

#include "backend/iscsi_backend.h"

struct tgt_backend_options {
	unsigned control_port;  /* tgtd -C N */
	const char *socket_dir; /* NULL: /var/run/tgtd (tgtd's TGT_IPC_SOCKET dir) */
	/* Portals every target gets when its description names none. */
	const struct iscsi_portal *portals;
	size_t n_portals;
	unsigned request_timeout_ms;   /* one tgtd request; 0: 5000 */
	unsigned operation_timeout_ms; /* one operation, queueing included; 0: 60000 */
	unsigned watch_interval_ms;    /* reconnect period while tgtd is down; 0: 200 */
};

int tgt_backend_new(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		    const struct tgt_backend_options *opts, struct iscsi_backend **out);

/* LUN numbers tgt accepts: 0 is its controller, and REPORT LUNS encodes at
 * most 14 bits (flat space addressing). */
#define TGT_MIN_LUN 1u
#define TGT_MAX_LUN 16383u

#endif
