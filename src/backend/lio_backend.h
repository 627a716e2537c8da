/* The LIO implementation of the iSCSI target backend (iscsi_backend.h):
 * writes the kernel target's configfs tree (/sys/kernel/config/target)
 * directly, one operation at a time on a worker thread. istmd owns only the
 * WWNs it created (listed in STATE_DIR/lio-owned); others are reported and
 * never changed. See docs/lio-backend.md. */
#ifndef ISTMD_BACKEND_LIO_BACKEND_H
#define ISTMD_BACKEND_LIO_BACKEND_H

#include <stddef.h>
#include <talloc.h>
#include <tevent.h>

#include "backend/iscsi_backend.h"

struct lio_backend_options {
	const char *configfs;  /* NULL: /sys/kernel/config/target */
	const char *hba;       /* backstore HBA directory; NULL: "fileio_4242" */
	const char *state_dir; /* where the ownership list lives */
	const struct iscsi_portal *portals;
	size_t n_portals;
	unsigned watch_interval_ms; /* configfs presence check; 0: 2000 */
};

int lio_backend_new(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		    const struct lio_backend_options *opts, struct iscsi_backend **out);

/* LIO's LUN numbers: SAM flat space, as targetcli allows. */
#define LIO_MAX_LUN 16383u

#endif
