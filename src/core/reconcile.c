/* The reconciler: makes the backend and the loop devices match the model
 * (docs/core.md, "Reconciler").
 *
 * It works in passes, one at a time. A pass takes what changed (or, in a
 * full pass, everything), attaches the loop devices the LUNs need, applies
 * each target (backend apply() is itself a reconciliation: idempotent), in a
 * full pass removes live targets the model does not have, detaches loop
 * devices nobody needs, and finishes the loop and file side of intents.
 * Full passes run at start-up, when the backend reports a new daemon
 * generation, and every reconcile_interval seconds (drift detection).
 * A target that fails stays dirty and is retried with back-off; each
 * distinct failure is logged once. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/reconcile_internal.h"
#include "istmd/log.h"

/* ---- scheduling ---- */

static void kick_handler(struct tevent_context *ev, struct tevent_immediate *im, void *priv)
{
	struct reconciler *r = priv;
	if (r->pass == NULL && !r->c->quiescing && (r->want_pass || r->want_full))
		pass_start(r);
}

static void kick(struct reconciler *r)
{
	r->want_pass = true;
	if (r->pass == NULL && !r->c->quiescing)
		tevent_schedule_immediate(r->kick, r->c->ev, kick_handler, r);
}

static void periodic_handler(struct tevent_context *ev, struct tevent_timer *te,
			     struct timeval now, void *priv)
{
	struct reconciler *r = priv;
	if (r->c->quiescing)
		return;
	r->periodic = tevent_add_timer(ev, r, tevent_timeval_current_ofs(r->c->reconcile_interval_s, 0),
				       periodic_handler, r);
	r->want_full = true;
	kick(r);
}

static void retry_handler(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
			  void *priv)
{
	struct reconciler *r = priv;
	r->retry = NULL;
	kick(r);
}

static void schedule_retry(struct reconciler *r)
{
	struct timeval earliest = { 0, 0 };
	bool any = false;
	for (size_t i = 0; i < r->c->model->n_targets; i++) {
		const struct target_live *l = &r->c->model->targets[i]->live;
		if (!l->dirty || l->failures == 0)
			continue;
		if (!any || tevent_timeval_compare(&l->next_try, &earliest) < 0)
			earliest = l->next_try;
		any = true;
	}
	for (size_t i = 0; i < r->c->model->n_intents && !any; i++) {
		/* unfinished intents: try again at the periodic pass at the latest */
		earliest = tevent_timeval_current_ofs(BACKOFF_MAX_S, 0);
		any = true;
	}
	TALLOC_FREE(r->retry);
	if (any)
		r->retry = tevent_add_timer(r->c->ev, r, earliest, retry_handler, r);
}

struct timeval reconcile_backoff(unsigned failures)
{
	unsigned s = failures >= 7 ? BACKOFF_MAX_S : 1u << (failures - 1);
	if (s > BACKOFF_MAX_S)
		s = BACKOFF_MAX_S;
	return tevent_timeval_current_ofs(s, 0);
}

/* ---- what changed ---- */

void reconciler_target_changed(struct core *c, const char *guid)
{
	core_watch_fire(c); /* the iSNS agent re-registers */
	struct mtarget *mt = model_target_by_guid(c->model, guid);
	if (mt == NULL || c->rec == NULL)
		return;
	mt->live.dirty = true;
	mt->live.next_try = (struct timeval){ 0, 0 }; /* a fresh change goes at once */
	kick(c->rec);
}

void reconciler_disk_changed(struct core *c, uint32_t wtd)
{
	struct model *m = c->model;
	struct mdisk *md = model_disk(m, wtd);
	if (md != NULL)
		md->live.dirty = true;
	size_t cursor = 0;
	struct mtarget *mt;
	while ((mt = model_next_mapping(m, wtd, &cursor)) != NULL) {
		mt->live.dirty = true;
		mt->live.next_try = (struct timeval){ 0, 0 };
	}
	if (c->rec != NULL)
		kick(c->rec);
}

void reconciler_target_removed(struct core *c, const char *iqn)
{
	core_watch_fire(c);
	struct reconciler *r = c->rec;
	if (r == NULL)
		return;
	char **list = talloc_realloc(r, r->removed, char *, r->n_removed + 1);
	if (list == NULL)
		return; /* the next full pass removes it */
	r->removed = list;
	if ((list[r->n_removed] = talloc_strdup(list, iqn)) != NULL)
		r->n_removed++;
	kick(r);
}

/* ---- waiting for a pass ---- */

static int add_waiter(struct reconciler *r, struct op *op, op_step_fn done, struct tevent_req *req)
{
	struct rec_waiter *w = talloc_realloc(r, r->waiters, struct rec_waiter, r->n_waiters + 1);
	if (w == NULL)
		return -ENOMEM;
	r->waiters = w;
	w[r->n_waiters++] = (struct rec_waiter){ .need = r->started + 1, .op = op, .done = done,
						 .req = req };
	kick(r);
	return 0;
}

void reconciler_wait_op(struct core *c, struct op *op, op_step_fn done)
{
	if (c->rec == NULL || add_waiter(c->rec, op, done, NULL) < 0)
		done(op);
}

bool reconciler_busy(const struct core *c)
{
	return c->rec != NULL && c->rec->pass != NULL;
}

static void wake_waiters(struct reconciler *r);

void reconciler_quiesce(struct core *c)
{
	struct reconciler *r = c->rec;
	if (r == NULL)
		return;
	TALLOC_FREE(r->periodic);
	TALLOC_FREE(r->retry);
	if (r->pass == NULL)
		wake_waiters(r);
}

static void wake_waiters(struct reconciler *r)
{
	/* Callbacks may add waiters: take the ready ones out first. */
	size_t n = 0, k = 0;
	struct rec_waiter *ready = talloc_zero_array(r, struct rec_waiter, r->n_waiters + 1);
	if (ready == NULL)
		return;
	for (size_t i = 0; i < r->n_waiters; i++) {
		if (r->waiters[i].need <= r->finished || r->c->quiescing)
			ready[n++] = r->waiters[i];
		else
			r->waiters[k++] = r->waiters[i];
	}
	r->n_waiters = k;
	for (size_t i = 0; i < n; i++) {
		if (ready[i].op != NULL)
			ready[i].done(ready[i].op);
		else if (ready[i].req != NULL)
			tevent_req_done(ready[i].req);
	}
	talloc_free(ready);
}

struct wait_state {
	struct reconciler *r;
};

static int wait_state_destructor(struct wait_state *s)
{
	struct reconciler *r = s->r;
	struct tevent_req *req = talloc_parent(s);
	if (r == NULL)
		return 0;
	for (size_t i = 0; i < r->n_waiters; i++) {
		if (r->waiters[i].req == req) {
			memmove(&r->waiters[i], &r->waiters[i + 1],
				(r->n_waiters - i - 1) * sizeof(*r->waiters));
			r->n_waiters--;
			break;
		}
	}
	return 0;
}

struct tevent_req *core_reconcile_wait_send(TALLOC_CTX *mem, struct core *c)
{
	struct wait_state *s;
	struct tevent_req *req = tevent_req_create(mem, &s, struct wait_state);
	if (req == NULL)
		return NULL;
	if (c->rec == NULL || add_waiter(c->rec, NULL, NULL, req) < 0) {
		tevent_req_done(req);
		return tevent_req_post(req, c->ev);
	}
	s->r = c->rec;
	talloc_set_destructor(s, wait_state_destructor);
	return req;
}

struct tevent_req *core_reconcile_check_send(TALLOC_CTX *mem, struct core *c)
{
	if (c->rec != NULL)
		c->rec->want_full = true; /* the kind of pass the periodic timer starts */
	return core_reconcile_wait_send(mem, c);
}

int core_reconcile_wait_recv(struct tevent_req *req)
{
	struct wait_state *s = tevent_req_data(req, struct wait_state);
	s->r = NULL; /* done: no longer in the list */
	enum tevent_req_state rs;
	uint64_t err;
	if (tevent_req_is_error(req, &rs, &err))
		return rs == TEVENT_REQ_USER_ERROR ? -(int)err : -ENOMEM;
	return 0;
}

void core_reconcile_stats(const struct core *c, uint64_t *passes, uint64_t *drifts)
{
	if (passes != NULL)
		*passes = c->rec ? c->rec->finished : 0;
	if (drifts != NULL)
		*drifts = c->rec ? c->rec->drifts : 0;
}

/* ---- backend events ---- */

static void listeners_done(struct tevent_req *subreq)
{
	struct iscsi_portal *live;
	size_t n;
	int rc = iscsi_backend_portals_recv(subreq, subreq, &live, &n);
	if (rc < 0 && rc != -ENOSYS)
		log_warn("iSCSI backend: cannot re-apply the listener settings: %s", strerror(-rc));
	talloc_free(subreq);
}

/* SetPortalConfig's listeners (a new daemon knows only [iscsi] portal, a
 * disabled one included): re-applied on every UP, targets or not. */
static void reapply_listeners(struct reconciler *r)
{
	struct tevent_req *subreq = iscsi_backend_portals_send(r, r->c->ev, r->c->backend);
	if (subreq != NULL)
		tevent_req_set_callback(subreq, listeners_done, NULL);
}

static void on_backend(enum iscsi_backend_event event, uint64_t generation, void *priv)
{
	struct reconciler *r = priv;
	struct model *m = r->c->model;
	if (event == ISCSI_BACKEND_DOWN) {
		if (r->backend_up)
			log_warn("iSCSI backend %s is down; targets are re-applied when it is back",
				 iscsi_backend_name(r->c->backend));
		r->backend_up = false;
		for (size_t i = 0; i < m->n_targets; i++) {
			m->targets[i]->live.applied = false;
			m->targets[i]->live.n_sessions = 0;
		}
		return;
	}
	r->backend_up = true;
	reapply_listeners(r);
	if (generation == r->generation) {
		/* the same daemon, reachable again: check everything (removals
		 * dropped while it was unreachable included) */
		r->want_full = true;
		kick(r);
		return;
	}
	log_notice("iSCSI backend %s generation %" PRIu64 ": applying every target",
		   iscsi_backend_name(r->c->backend), generation);
	r->generation = generation;
	for (size_t i = 0; i < m->n_targets; i++) {
		struct target_live *l = &m->targets[i]->live;
		l->applied = false;
		l->dirty = true;
		l->failures = 0;
		l->next_try = (struct timeval){ 0, 0 };
	}
	r->want_full = true;
	kick(r);
}

static int reconciler_destructor(struct reconciler *r)
{
	if (r->c->backend != NULL)
		iscsi_backend_set_event_fn(r->c->backend, NULL, NULL);
	return 0;
}

int reconciler_start(struct core *c)
{
	struct reconciler *r = talloc_zero(c, struct reconciler);
	if (r == NULL || (r->kick = tevent_create_immediate(r)) == NULL)
		return -ENOMEM;
	r->c = c;
	r->periodic = tevent_add_timer(c->ev, r, tevent_timeval_current_ofs(c->reconcile_interval_s, 0),
				       periodic_handler, r);
	c->rec = r;
	talloc_set_destructor(r, reconciler_destructor);
	if (login_poll_start(c, c->login_poll_interval_ms) != 0)
		return -ENOMEM;
	vhdfs_watch_start(c);
	for (size_t i = 0; i < c->model->n_targets; i++)
		c->model->targets[i]->live.dirty = true;
	for (size_t i = 0; i < c->model->n_disks; i++)
		c->model->disks[i]->live.dirty = true;
	if (c->backend != NULL) {
		r->backend_up = iscsi_backend_is_up(c->backend, NULL);
		iscsi_backend_set_event_fn(c->backend, on_backend, r);
	}
	r->want_full = true;
	kick(r);
	return 0;
}

void reconciler_pass_ended(struct reconciler *r)
{
	struct core *c = r->c;
	r->finished++;
	if (!c->quiescing)
		schedule_retry(r);
	wake_waiters(r);
	if ((r->want_pass || r->want_full) && !c->quiescing)
		tevent_schedule_immediate(r->kick, c->ev, kick_handler, r);
	core_quiesce_check(c);
}
