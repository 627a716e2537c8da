/* At start-up, before the reconciler runs: the targets the iSCSI backend
 * carries that istmd's database does not have ("foreign" targets). istmd
 * removes live targets it does not own (docs/tgt-backend.md), so a first
 * start against someone else's tgtd would wipe them: with an empty database
 * and foreign targets the daemon refuses to start, or with --adopt imports
 * them first (fixed VHD LUNs become virtual disks, ACLs become initiator
 * IDs). */
#ifndef ISTMD_DAEMON_ADOPT_H
#define ISTMD_DAEMON_ADOPT_H

#include <stdbool.h>
#include <talloc.h>
#include <tevent.h>

struct core;
struct iscsi_backend;
struct storage_paths;

/* 0: go on (start the reconciler); -1 after log_err(): do not start.
 * WAIT_S bounds the wait for the backend to answer; when it does not, the
 * core is told to leave unknown live targets alone (an empty database only). */
int daemon_check_foreign(struct tevent_context *ev, struct core *core,
			 struct iscsi_backend *backend, const struct storage_paths *storage,
			 bool adopt, unsigned wait_s);

#endif
