/* The snapshot schedule (core/snapshots.h): kept in the snapshot_schedules
 * table (row 1: MS-ISTM has one schedule at a time) and run by a tevent
 * timer of the core, never by cron. docs/snapshots.md, "Schedules". */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/snapshots_internal.h"
#include "core/store.h"
#include "istmd/log.h"

#define FT_PER_S 10000000LL

/* Runs due at or before NOW on S's grid: the latest one, or 0 if none. */
static int64_t latest_due(const struct core_snapshot_schedule *s, int64_t now)
{
	if (s->start == 0 || now < s->start)
		return 0;
	int64_t step = (int64_t)s->interval_s * FT_PER_S;
	return s->start + (now - s->start) / step * step;
}

static int64_t next_due(const struct core_snapshot_schedule *s, int64_t now)
{
	if (s->start >= now)
		return s->start;
	int64_t step = (int64_t)s->interval_s * FT_PER_S;
	return latest_due(s, now) + step;
}

static void arm(struct core *c);

/* ---- a run ---- */

struct run_state {
	struct core *c;
	uint32_t *wtds;
	size_t n;
	char **doomed; /* snapshots beyond keep, oldest first */
	size_t n_doomed, next;
	int64_t when;
};

static void run_end(struct run_state *r)
{
	struct core *c = r->c;
	struct snap_model *sm = snap_model(c);
	sm->running = false;
	sm->runs++;
	talloc_free(r);
	arm(c);
}

static void run_deleted(struct tevent_req *subreq);

static void run_delete_next(struct run_state *r)
{
	if (r->next >= r->n_doomed) {
		run_end(r);
		return;
	}
	struct tevent_req *subreq = core_snapshot_delete_send(r, r->c, r->doomed[r->next++]);
	if (subreq == NULL) {
		run_end(r);
		return;
	}
	tevent_req_set_callback(subreq, run_deleted, r);
}

static void run_deleted(struct tevent_req *subreq)
{
	struct run_state *r = tevent_req_callback_data(subreq, struct run_state);
	char *why = NULL;
	int rc = core_snapshot_delete_recv(subreq, r, &why);
	talloc_free(subreq);
	if (rc < 0)
		log_warn("snapshot schedule: cannot delete %s: %s", r->doomed[r->next - 1],
			 why ? why : strerror(-rc));
	run_delete_next(r);
}

/* Records the run, then retention. */
static void run_recorded(struct tevent_req *subreq)
{
	struct run_state *r = tevent_req_callback_data(subreq, struct run_state);
	op_recv(subreq, r, NULL);
	talloc_free(subreq);
	struct snap_model *sm = snap_model(r->c);
	uint32_t keep = sm->schedule->keep;
	r->doomed = talloc_zero_array(r, char *, sm->n + 1);
	for (size_t k = 0; r->doomed != NULL && k < r->n; k++) {
		size_t have = 0;
		for (size_t i = 0; i < sm->n; i++)
			have += sm->snaps[i]->s->orig_wtd == r->wtds[k] &&
				strcmp(sm->snaps[i]->s->description, CORE_SCHEDULE_DESCRIPTION) == 0;
		for (size_t i = 0; i < sm->n && have > keep; i++) {
			const struct core_snapshot *x = sm->snaps[i]->s;
			if (x->orig_wtd != r->wtds[k] ||
			    strcmp(x->description, CORE_SCHEDULE_DESCRIPTION) != 0)
				continue;
			r->doomed[r->n_doomed++] = talloc_strdup(r->doomed, x->id);
			have--;
		}
	}
	run_delete_next(r);
}

static void record_last_run(struct op *op);

static void run_taken(struct tevent_req *subreq)
{
	struct run_state *r = tevent_req_callback_data(subreq, struct run_state);
	char *why = NULL;
	uint64_t hold = 0;
	int rc = core_snapshot_create_recv(subreq, r, NULL, &hold, &why);
	talloc_free(subreq);
	if (rc < 0)
		log_warn("snapshot schedule: the set of %zu disk(s) was not taken: %s", r->n,
			 why ? why : strerror(-rc));
	else
		log_notice("snapshot schedule: took a set of %zu disk(s)", r->n);
	struct op *op;
	subreq = op_send(r, r->c, "record a scheduled run", sizeof(int64_t), record_last_run, &op);
	if (subreq == NULL) {
		run_end(r);
		return;
	}
	if (tevent_req_is_in_progress(subreq))
		*(int64_t *)op->state = r->when;
	tevent_req_set_callback(subreq, run_recorded, r);
}

static void run_start(struct core *c, int64_t when)
{
	struct snap_model *sm = snap_model(c);
	struct run_state *r = talloc_zero(c, struct run_state);
	if (r == NULL)
		return;
	r->c = c;
	r->when = when;
	sm->running = true;
	const struct core_snapshot_schedule *s = sm->schedule;
	r->wtds = talloc_zero_array(r, uint32_t, c->model->n_disks + s->n_wtds + 1);
	if (r->wtds == NULL) {
		run_end(r);
		return;
	}
	if (s->n_wtds > 0) {
		for (size_t i = 0; i < s->n_wtds; i++)
			if (core_snapshot_supported(NULL, c, s->wtds[i], NULL) == 0)
				r->wtds[r->n++] = s->wtds[i];
	} else {
		for (size_t i = 0; i < c->model->n_disks; i++) {
			const struct core_disk *d = c->model->disks[i]->d;
			if (d->enabled && core_snapshot_supported(NULL, c, d->wtd, NULL) == 0 &&
			    r->n < CORE_SNAPSHOT_SET_MAX)
				r->wtds[r->n++] = d->wtd;
		}
	}
	struct tevent_req *subreq =
		r->n > 0 ? snap_create_send(r, c, r->wtds, r->n, NULL, NULL,
					    CORE_SCHEDULE_DESCRIPTION)
			 : NULL;
	if (subreq == NULL) {
		if (r->n == 0)
			log_info("snapshot schedule: no disk can have snapshots now");
		/* still record the run: the grid moves on */
		subreq = NULL;
		struct op *op;
		subreq = op_send(r, c, "record a scheduled run", sizeof(int64_t), record_last_run,
				 &op);
		if (subreq == NULL) {
			run_end(r);
			return;
		}
		if (tevent_req_is_in_progress(subreq))
			*(int64_t *)op->state = when;
		tevent_req_set_callback(subreq, run_recorded, r);
		return;
	}
	tevent_req_set_callback(subreq, run_taken, r);
}

static void timer_fired(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
			void *priv)
{
	struct core *c = priv;
	struct snap_model *sm = snap_model(c);
	sm->timer = NULL;
	if (c->quiescing || c->closing)
		return;
	int64_t t = snap_filetime_now();
	int64_t due = latest_due(sm->schedule, t);
	if (due == 0 || due <= sm->schedule->last_run || sm->running) {
		arm(c);
		return;
	}
	run_start(c, due);
}

static void arm(struct core *c)
{
	struct snap_model *sm = c ? snap_model(c) : NULL;
	if (sm == NULL)
		return;
	TALLOC_FREE(sm->timer);
	if (sm->schedule->start == 0 || sm->running || c->quiescing || c->closing)
		return;
	int64_t now = snap_filetime_now();
	int64_t when = next_due(sm->schedule, now);
	/* a run missed while down (or now due) goes at once */
	int64_t due = latest_due(sm->schedule, now);
	if (due != 0 && due > sm->schedule->last_run)
		when = now;
	int64_t wait_us = (when - now) / 10;
	if (wait_us < 0)
		wait_us = 0;
	sm->timer = tevent_add_timer(c->ev, sm, tevent_timeval_current_ofs(
							wait_us / 1000000, wait_us % 1000000),
				     timer_fired, c);
}

void snapshots_start(struct core *c)
{
	arm(c);
}

uint64_t core_snapshot_schedule_runs(const struct core *c)
{
	struct snap_model *sm = snap_model(c);
	return sm ? sm->runs : 0;
}

/* ---- get, set ---- */

static struct core_snapshot_schedule *schedule_dup(TALLOC_CTX *mem,
						   const struct core_snapshot_schedule *s)
{
	struct core_snapshot_schedule *d = talloc_memdup(mem, s, sizeof(*s));
	if (d == NULL)
		return NULL;
	d->wtds = talloc_zero_array(d, uint32_t, s->n_wtds + 1);
	if (d->wtds == NULL) {
		talloc_free(d);
		return NULL;
	}
	if (s->n_wtds > 0)
		memcpy(d->wtds, s->wtds, s->n_wtds * sizeof(*s->wtds));
	return d;
}

struct core_snapshot_schedule *core_snapshot_schedule_get(TALLOC_CTX *mem, const struct core *c)
{
	struct snap_model *sm = snap_model(c);
	return schedule_dup(mem, sm->schedule);
}

static void record_committed(struct op *op)
{
	struct snap_model *sm = snap_model(op->c);
	sm->schedule->last_run = *(int64_t *)op->state;
	op_finish(op, 0, NULL);
}

static void record_last_run(struct op *op)
{
	struct snap_model *sm = snap_model(op->c);
	struct core_snapshot_schedule copy = *sm->schedule;
	copy.last_run = *(int64_t *)op->state;
	struct store_tx *tx = store_tx_new(op);
	if (tx == NULL || snap_tx_schedule(tx, &copy) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, record_committed);
}

struct set_state {
	struct core_snapshot_schedule *s;
};

static void set_committed(struct op *op)
{
	struct set_state *st = op->state;
	struct snap_model *sm = snap_model(op->c);
	talloc_free(sm->schedule);
	sm->schedule = talloc_steal(sm, st->s);
	log_notice("snapshot schedule %s", sm->schedule->start == 0 ? "cleared" : "set");
	arm(op->c);
	op_finish(op, 0, NULL);
}

static void set_start(struct op *op)
{
	struct set_state *st = op->state;
	struct core_snapshot_schedule *s = st->s;
	if (s == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	if (s->start != 0 && (s->interval_s == 0 || s->keep == 0 ||
			      s->keep > CORE_SNAPSHOTS_PER_DISK_MAX || s->start < 0)) {
		op_finish(op, -EINVAL, "a schedule needs an interval, a start and 1 to %d "
			  "snapshots to keep", CORE_SNAPSHOTS_PER_DISK_MAX);
		return;
	}
	for (size_t i = 0; i < s->n_wtds; i++)
		if (model_disk(op->c->model, s->wtds[i]) == NULL) {
			op_finish(op, -ENOENT, "no disk %" PRIu32, s->wtds[i]);
			return;
		}
	if (s->start == 0) {
		s->n_wtds = 0;
		s->interval_s = 0;
		s->keep = 0;
	}
	/* A new schedule's grid starts afresh: no catch-up for runs before it. */
	s->last_run = latest_due(s, snap_filetime_now());
	if (s->last_run == 0)
		s->last_run = s->start - 1;
	struct store_tx *tx = store_tx_new(op);
	if (tx == NULL || snap_tx_schedule(tx, s) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, set_committed);
}

struct tevent_req *core_snapshot_schedule_set_send(TALLOC_CTX *mem, struct core *c,
						   const struct core_snapshot_schedule *s)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, "set the snapshot schedule",
					 sizeof(struct set_state), set_start, &op);
	if (req != NULL && tevent_req_is_in_progress(req)) {
		struct set_state *st = op->state;
		st->s = schedule_dup(op, s);
	}
	return req;
}

int core_snapshot_schedule_set_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}
