/* The core over a scratch directory (a storage root, drive D:, and a state
 * directory) with the tgt backend on a private tgtd, on one event loop: what
 * the integration tests of the core and of the ISTM objects against a real
 * target stand on. Loopback only; tgtd is stopped by PID and every loop
 * device over the scratch directory is detached at the end. */
#ifndef ISTMD_TEST_CORE_ENV_H
#define ISTMD_TEST_CORE_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>

#include "backend/storage_paths.h"
#include "core/core.h"
#include "istmd/config.h"
#include "tgtd_harness.h"

struct core_env {
	TALLOC_CTX *mem;
	struct tevent_context *ev;
	char *dir, *root, *state; /* DIR/storage, DIR/state */
	struct cfg *cfg;
	struct storage_paths *sp;
	struct tgtd tgtd;
	struct iscsi_backend *be;
	struct core *core; /* NULL while closed */
};

/* Exits 77 (skipped) where tgtd cannot run. Starts tgtd and the backend on
 * a new directory WORK_DIR/NAME-XXXXXX, configured with [state] STATE_CONF
 * lines ("" for none), and opens the core (ce_open). */
void ce_start(struct core_env *e, const char *work_dir, const char *name,
	      const char *state_conf);
/* Closes the core if open, stops tgtd, detaches the loop devices over the
 * directory and removes it. */
void ce_stop(struct core_env *e);
/* Opens e->core and waits until the backend is up and a reconcile pass is
 * done (each at most 5 s, or the test fails). */
void ce_open(struct core_env *e);
void ce_close(struct core_env *e);
/* The core's options from the configuration, on the storage root, with BE. */
void ce_options(struct core_env *e, struct iscsi_backend *be, struct core_options *o);

/* Runs the loop until REQ is done (at most 60 s, or the test fails). */
void ce_wait(struct core_env *e, struct tevent_req *req);
/* Runs the loop for MS milliseconds. */
void ce_run_for(struct core_env *e, unsigned ms);
/* Waits for a reconcile pass. */
void ce_reconcile(struct core_env *e);
/* Saves a new target NAME through the core that lets INITIATOR in and maps
 * disk WTD as LUN 1 (asserting each step); its IQN. */
const char *ce_target(struct core_env *e, const char *name, const char *initiator, uint32_t wtd);

#endif
