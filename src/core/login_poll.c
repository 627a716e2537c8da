/* LastLogIn for short logins (issue 11): the sessions are looked at every
 * [state] login_poll_interval_ms, by one cheap backend request that lists
 * the sessions' TSIHs only (tgt: one "show target"), so that a login seen by
 * nobody else is still dated (sessions_observe). A login that starts and
 * ends between two polls is still missed: tgtd reports no login events.
 * One poll at a time; none while the backend is down or a reconcile pass
 * runs (a full pass reads the sessions itself; re-applying thousands of
 * targets must not share tgtd with a "show target" of all of them every
 * second). A poll's cost grows with the number of targets (tgtd prints them
 * all): the next one waits at least 10 times as long as the last one took,
 * so polling never takes more than about a tenth of tgtd or of istmd. */
#include <errno.h>
#include <string.h>

#include "core/core_internal.h"
#include "istmd/log.h"

struct login_poll {
	struct core *c;
	struct tevent_timer *timer;
	struct tevent_req *req; /* the poll under way */
	unsigned interval_ms;
	unsigned next_ms;     /* interval_ms, or longer after a slow poll */
	struct timeval sent;
	bool warned;
};

#define POLL_SLOW_FACTOR 10
#define POLL_MAX_MS 60000u

static void poll_arm(struct login_poll *p);

static void poll_done(struct tevent_req *req)
{
	struct login_poll *p = tevent_req_callback_data(req, struct login_poll);
	struct iscsi_session_info *info = NULL;
	size_t n = 0;
	int rc = iscsi_backend_nexus_recv(req, p, &info, &n);
	talloc_free(req);
	p->req = NULL;
	struct timeval now = tevent_timeval_current();
	struct timeval took = tevent_timeval_until(&p->sent, &now);
	uint64_t ms = (uint64_t)took.tv_sec * 1000u + (uint64_t)took.tv_usec / 1000u;
	uint64_t next = ms * POLL_SLOW_FACTOR;
	p->next_ms = next > p->interval_ms ? (next < POLL_MAX_MS ? (unsigned)next : POLL_MAX_MS)
					   : p->interval_ms;
	if (rc == 0) {
		sessions_observe_all(p->c, info, n, NULL);
		p->warned = false;
	} else if (rc == -ENOTSUP) {
		return; /* this backend cannot: no more polls */
	} else if (!p->warned) {
		log_debug("login poll: %s", strerror(-rc));
		p->warned = true;
	}
	talloc_free(info);
	poll_arm(p);
}

static void poll_tick(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		      void *priv)
{
	struct login_poll *p = priv;
	p->timer = NULL;
	if (!iscsi_backend_is_up(p->c->backend, NULL) || reconciler_busy(p->c)) {
		poll_arm(p);
		return;
	}
	p->sent = tevent_timeval_current();
	p->req = iscsi_backend_nexus_send(p, ev, p->c->backend);
	if (p->req == NULL) {
		poll_arm(p);
		return;
	}
	tevent_req_set_callback(p->req, poll_done, p);
}

static void poll_arm(struct login_poll *p)
{
	p->timer = tevent_add_timer(p->c->ev, p,
				    tevent_timeval_current_ofs(p->next_ms / 1000,
							       (p->next_ms % 1000) * 1000),
				    poll_tick, p);
}

int login_poll_start(struct core *c, unsigned interval_ms)
{
	if (c->backend == NULL || interval_ms == 0)
		return 0;
	struct login_poll *p = talloc_zero(c, struct login_poll);
	if (p == NULL)
		return -ENOMEM;
	p->c = c;
	p->interval_ms = interval_ms;
	p->next_ms = interval_ms;
	poll_arm(p);
	return p->timer != NULL ? 0 : -ENOMEM;
}
