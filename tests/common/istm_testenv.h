/* What ISTM objects stand on, for tests: a core over a temporary state
 * directory with one storage root (drive D:), a worker pool, no iSCSI backend
 * unless the test brings one. */
#ifndef ISTMD_TESTS_ISTM_TESTENV_H
#define ISTMD_TESTS_ISTM_TESTENV_H

#include <talloc.h>
#include <tevent.h>

#include "istm/istm.h"

struct istm_testenv {
	struct istm_deps deps;
	char *state_dir;    /* DIR/state */
	char *storage_root; /* DIR/storage, drive D: */
};

/* Opens the environment under DIR (which must exist). NAME is the service
 * name (IWTGeneral Name). BACKEND may be NULL. Asserts on failure. */
struct istm_testenv *istm_testenv_open(TALLOC_CTX *mem, struct tevent_context *ev,
				       const char *dir, const char *name,
				       struct iscsi_backend *backend);
/* Stops the core cleanly and frees everything. */
void istm_testenv_close(struct istm_testenv *env);

#endif
