/* An iSCSI backend in memory (iscsi_backend_ops), for the core's unit tests:
 * it keeps what apply() gives it, can fail on demand, go down, and restart
 * as a new generation with nothing applied, as tgtd does. */
#ifndef ISTMD_TESTS_CORE_FAKE_BACKEND_H
#define ISTMD_TESTS_CORE_FAKE_BACKEND_H

#include "backend/iscsi_backend.h"

struct fake_backend {
	struct iscsi_backend base; /* first */
	struct iscsi_target **live;
	size_t n_live;
	struct iscsi_session_info *sessions;
	size_t n_sessions;
	int fail_applies; /* the next N applies fail with FAIL_RC */
	int fail_rc;
	unsigned applies, removes, lists;
};

struct fake_backend *fake_backend_new(TALLOC_CTX *mem, struct tevent_context *ev, bool up);
/* The daemon died and came back empty: DOWN, then UP with a new generation. */
void fake_backend_restart(struct fake_backend *fb);
void fake_backend_down(struct fake_backend *fb);
void fake_backend_up(struct fake_backend *fb);
/* The same daemon reachable again (UP with the same generation). */
void fake_backend_reconnect(struct fake_backend *fb);
struct iscsi_target *fake_backend_target(struct fake_backend *fb, const char *iqn);
/* Adds a live target nobody asked for (drift), or a session. */
void fake_backend_add_live(struct fake_backend *fb, const char *iqn);
void fake_backend_add_session(struct fake_backend *fb, const char *target_iqn,
			      const char *initiator_iqn, uint16_t tsih);

#endif
