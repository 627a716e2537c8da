/* Snapshot schedules (core/snapshots.h, core/snapshot_schedules.h): kept in
 * the snapshot_schedule_list table, one row per name, and run by one tevent
 * timer of the core, never by cron. One run at a time: when several are
 * due, the earliest goes first and the others follow at once. A run missed
 * while istmd was down is made once at start-up, never a burst.
 * docs/snapshots.md, "Schedules". */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/snapshot_schedules.h"
#include "core/snapshots_internal.h"
#include "core/store.h"
#include "istmd/log.h"

static void arm(struct core *c);

static const char *name_of(const struct core_snapshot_schedule *s)
{
	return s->name != NULL && *s->name != '\0' ? s->name : CORE_SCHEDULE_DEFAULT;
}

static struct core_snapshot_schedule *sched_find(const struct snap_model *sm, const char *name)
{
	for (size_t i = 0; i < sm->n_schedules; i++)
		if (strcmp(sm->schedules[i]->name, name) == 0)
			return sm->schedules[i];
	return NULL;
}

static struct core_snapshot_schedule *schedule_dup(TALLOC_CTX *mem,
						   const struct core_snapshot_schedule *s)
{
	struct core_snapshot_schedule *d = talloc_memdup(mem, s, sizeof(*s));
	if (d == NULL)
		return NULL;
	d->name = talloc_strdup(d, name_of(s));
	d->wtds = talloc_zero_array(d, uint32_t, s->n_wtds + 1);
	if (d->wtds == NULL || d->name == NULL) {
		talloc_free(d);
		return NULL;
	}
	if (s->n_wtds > 0)
		memcpy(d->wtds, s->wtds, s->n_wtds * sizeof(*s->wtds));
	return d;
}

/* ---- a run ---- */

struct run_state {
	struct core *c;
	char *name;
	char *description;
	uint32_t keep;
	uint32_t *wtds;
	size_t n;
	const char **doomed; /* snapshots beyond keep, oldest first */
	size_t n_doomed, next;
	int64_t when;
};

struct record_state {
	char *name;
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
		log_warn("snapshot schedule %s: cannot delete %s: %s", r->name,
			 r->doomed[r->next - 1], why ? why : strerror(-rc));
	else
		log_info("snapshot schedule %s: deleted %s (keeps %" PRIu32 ")", r->name,
			 r->doomed[r->next - 1], r->keep);
	run_delete_next(r);
}

/* The run is recorded: retention, keep-N per disk of the run, counting only
 * this schedule's own snapshots. */
static void run_recorded(struct tevent_req *subreq)
{
	struct run_state *r = tevent_req_callback_data(subreq, struct run_state);
	op_recv(subreq, r, NULL);
	talloc_free(subreq);
	struct snap_model *sm = snap_model(r->c);
	struct core_snapshot **list = talloc_zero_array(r, struct core_snapshot *, sm->n + 1);
	r->doomed = talloc_zero_array(r, const char *, sm->n + 1);
	if (list == NULL || r->doomed == NULL) {
		run_end(r);
		return;
	}
	for (size_t i = 0; i < sm->n; i++)
		list[i] = core_snapshot_dup(list, sm->snaps[i]->s);
	for (size_t i = 0; i < sm->n; i++)
		if (list[i] == NULL) {
			run_end(r);
			return;
		}
	for (size_t k = 0; k < r->n; k++)
		r->n_doomed += core_schedule_doomed(list, sm->n, r->wtds[k], r->description,
						    r->keep, r->doomed + r->n_doomed,
						    sm->n - r->n_doomed);
	run_delete_next(r);
}

static void record_committed(struct op *op)
{
	struct record_state *st = op->state;
	struct core_snapshot_schedule *s = sched_find(snap_model(op->c), st->name);
	if (s != NULL)
		s->last_run = s->last_made = st->when;
	op_finish(op, 0, NULL);
}

/* Serialised with set and clear: a schedule cleared during its run is not
 * written back. */
static void record_last_run(struct op *op)
{
	struct record_state *st = op->state;
	struct core_snapshot_schedule *s = sched_find(snap_model(op->c), st->name);
	if (s == NULL) {
		op_finish(op, 0, NULL);
		return;
	}
	struct core_snapshot_schedule copy = *s;
	copy.last_run = st->when;
	copy.last_made = st->when;
	struct store_tx *tx = store_tx_new(op);
	if (tx == NULL || snap_tx_schedule(tx, &copy) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, record_committed);
}

static void run_record(struct run_state *r)
{
	struct op *op;
	struct tevent_req *subreq = op_send(r, r->c, "record a scheduled run",
					    sizeof(struct record_state), record_last_run, &op);
	if (subreq == NULL) {
		run_end(r);
		return;
	}
	if (tevent_req_is_in_progress(subreq)) {
		struct record_state *st = op->state;
		st->name = talloc_strdup(op, r->name);
		st->when = r->when;
	}
	tevent_req_set_callback(subreq, run_recorded, r);
}

static void run_taken(struct tevent_req *subreq)
{
	struct run_state *r = tevent_req_callback_data(subreq, struct run_state);
	char *why = NULL;
	uint64_t hold = 0;
	int rc = core_snapshot_create_recv(subreq, r, NULL, &hold, &why);
	talloc_free(subreq);
	if (rc < 0)
		log_warn("snapshot schedule %s: the set of %zu disk(s) was not taken: %s", r->name,
			 r->n, why ? why : strerror(-rc));
	else
		log_notice("snapshot schedule %s: took a set of %zu disk(s)", r->name, r->n);
	run_record(r);
}

static void run_start(struct core *c, const struct core_snapshot_schedule *s, int64_t when)
{
	struct snap_model *sm = snap_model(c);
	struct run_state *r = talloc_zero(c, struct run_state);
	if (r == NULL)
		return;
	r->c = c;
	r->when = when;
	r->keep = s->keep;
	sm->running = true;
	r->name = talloc_strdup(r, s->name);
	r->description = core_schedule_description(r, s->name);
	r->wtds = talloc_zero_array(r, uint32_t, c->model->n_disks + s->n_wtds + 1);
	if (r->wtds == NULL || r->name == NULL || r->description == NULL) {
		run_end(r);
		return;
	}
	if (s->n_wtds > 0) {
		for (size_t i = 0; i < s->n_wtds && r->n < CORE_SNAPSHOT_SET_MAX; i++) {
			int rc = core_snapshot_supported(NULL, c, s->wtds[i], NULL);
			if (rc == 0)
				r->wtds[r->n++] = s->wtds[i];
			else
				log_info("snapshot schedule %s: disk %" PRIu32 " left out: %s",
					 r->name, s->wtds[i],
					 rc == -ENOENT ? "no such disk (deleted?)" : strerror(-rc));
		}
	} else {
		for (size_t i = 0; i < c->model->n_disks; i++) {
			const struct core_disk *d = c->model->disks[i]->d;
			if (d->enabled && core_snapshot_supported(NULL, c, d->wtd, NULL) == 0 &&
			    r->n < CORE_SNAPSHOT_SET_MAX)
				r->wtds[r->n++] = d->wtd;
		}
	}
	if (r->n == 0) {
		/* still record the run: the grid moves on */
		log_info("snapshot schedule %s: no disk can have snapshots now", r->name);
		run_record(r);
		return;
	}
	struct tevent_req *subreq = snap_create_send(r, c, r->wtds, r->n, NULL, NULL,
						     r->description);
	if (subreq == NULL) {
		run_record(r);
		return;
	}
	tevent_req_set_callback(subreq, run_taken, r);
}

/* The schedule whose due run is the oldest not made, and that run. */
static struct core_snapshot_schedule *most_due(struct snap_model *sm, int64_t now, int64_t *due)
{
	struct core_snapshot_schedule *best = NULL;
	for (size_t i = 0; i < sm->n_schedules; i++) {
		struct core_snapshot_schedule *s = sm->schedules[i];
		int64_t d = core_schedule_latest_due(s, now);
		if (d != 0 && d > s->last_run && (best == NULL || d < *due)) {
			best = s;
			*due = d;
		}
	}
	return best;
}

static void timer_fired(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
			void *priv)
{
	struct core *c = priv;
	struct snap_model *sm = snap_model(c);
	sm->timer = NULL;
	if (c->quiescing || c->closing)
		return;
	int64_t due = 0;
	struct core_snapshot_schedule *s = sm->running ? NULL
						       : most_due(sm, snap_filetime_now(), &due);
	if (s == NULL) {
		arm(c);
		return;
	}
	run_start(c, s, due);
}

static void arm(struct core *c)
{
	struct snap_model *sm = c ? snap_model(c) : NULL;
	if (sm == NULL)
		return;
	TALLOC_FREE(sm->timer);
	if (sm->n_schedules == 0 || sm->running || c->quiescing || c->closing)
		return;
	int64_t now = snap_filetime_now();
	int64_t when = 0;
	for (size_t i = 0; i < sm->n_schedules; i++) {
		int64_t w = core_schedule_next_run(sm->schedules[i], now);
		if (w != 0 && (when == 0 || w < when))
			when = w;
	}
	if (when == 0)
		return;
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

/* ---- get, list ---- */

struct core_snapshot_schedule *core_snapshot_schedule_find(TALLOC_CTX *mem, const struct core *c,
							   const char *name)
{
	struct snap_model *sm = snap_model(c);
	const struct core_snapshot_schedule *s =
		sm ? sched_find(sm, name ? name : CORE_SCHEDULE_DEFAULT) : NULL;
	return s ? schedule_dup(mem, s) : NULL;
}

struct core_snapshot_schedule *core_snapshot_schedule_get(TALLOC_CTX *mem, const struct core *c)
{
	struct core_snapshot_schedule *s = core_snapshot_schedule_find(mem, c, NULL);
	if (s != NULL)
		return s;
	struct core_snapshot_schedule none = { .name = CORE_SCHEDULE_DEFAULT };
	return schedule_dup(mem, &none);
}

int core_snapshot_schedule_list(TALLOC_CTX *mem, const struct core *c,
				struct core_snapshot_schedule ***out, size_t *n)
{
	struct snap_model *sm = snap_model(c);
	size_t count = sm ? sm->n_schedules : 0;
	struct core_snapshot_schedule **a = talloc_zero_array(mem, struct core_snapshot_schedule *,
							      count + 1);
	if (a == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++)
		if ((a[i] = schedule_dup(a, sm->schedules[i])) == NULL) {
			talloc_free(a);
			return -ENOMEM;
		}
	*out = a;
	*n = count;
	return 0;
}

/* ---- set, clear ---- */

struct set_state {
	struct core_snapshot_schedule *s;
};

/* Keeps the schedules sorted by name (list, show). */
static int sched_put(struct snap_model *sm, struct core_snapshot_schedule *s)
{
	for (size_t i = 0; i < sm->n_schedules; i++)
		if (strcmp(sm->schedules[i]->name, s->name) == 0) {
			talloc_free(sm->schedules[i]);
			sm->schedules[i] = talloc_steal(sm, s);
			return 0;
		}
	struct core_snapshot_schedule **a = talloc_realloc(
		sm, sm->schedules, struct core_snapshot_schedule *, sm->n_schedules + 1);
	if (a == NULL)
		return -ENOMEM;
	sm->schedules = a;
	size_t at = sm->n_schedules;
	while (at > 0 && strcmp(a[at - 1]->name, s->name) > 0) {
		a[at] = a[at - 1];
		at--;
	}
	a[at] = talloc_steal(sm, s);
	sm->n_schedules++;
	return 0;
}

static void sched_drop(struct snap_model *sm, const char *name)
{
	for (size_t i = 0; i < sm->n_schedules; i++)
		if (strcmp(sm->schedules[i]->name, name) == 0) {
			talloc_free(sm->schedules[i]);
			memmove(&sm->schedules[i], &sm->schedules[i + 1],
				(sm->n_schedules - i - 1) * sizeof(sm->schedules[0]));
			sm->n_schedules--;
			return;
		}
}

static void set_committed(struct op *op)
{
	struct set_state *st = op->state;
	struct snap_model *sm = snap_model(op->c);
	const char *name = st->s->name;
	if (st->s->start == 0) {
		sched_drop(sm, name);
		log_notice("snapshot schedule %s cleared", name);
	} else {
		log_notice("snapshot schedule %s set: every %" PRIu32 " s, days 0x%02" PRIx32
			   ", keep %" PRIu32 ", %zu disk(s)%s", name, st->s->interval_s,
			   st->s->days, st->s->keep, st->s->n_wtds,
			   st->s->n_wtds == 0 ? " (all)" : "");
		if (sched_put(sm, st->s) < 0) {
			op_finish(op, -ENOMEM, NULL); /* the database has it: back at restart */
			return;
		}
		st->s = NULL;
	}
	arm(op->c);
	op_finish(op, 0, NULL);
}

static bool has_disk(const struct core_snapshot_schedule *s, uint32_t wtd)
{
	for (size_t i = 0; s != NULL && i < s->n_wtds; i++)
		if (s->wtds[i] == wtd)
			return true;
	return false;
}

static void set_start(struct op *op)
{
	struct set_state *st = op->state;
	struct core_snapshot_schedule *s = st->s;
	struct snap_model *sm = snap_model(op->c);
	if (s == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	if (!core_schedule_name_ok(s->name)) {
		op_finish(op, -EINVAL, "a schedule's name has 1 to %d letters, digits, '.', '_' "
			  "or '-' (not first)", CORE_SCHEDULE_NAME_MAX);
		return;
	}
	const char *why = NULL;
	if (core_schedule_check(s, &why) < 0) {
		op_finish(op, -EINVAL, "%s", why);
		return;
	}
	if (s->start == 0) {
		s->n_wtds = 0;
		s->interval_s = 0;
		s->keep = 0;
		s->days = 0;
	} else if (sched_find(sm, s->name) == NULL && sm->n_schedules >= CORE_SCHEDULES_MAX) {
		op_finish(op, -EMLINK, "istmd keeps at most %d snapshot schedules",
			  CORE_SCHEDULES_MAX);
		return;
	}
	if (s->n_wtds > CORE_SNAPSHOT_SET_MAX) {
		op_finish(op, -EINVAL, "a schedule covers at most %d disks", CORE_SNAPSHOT_SET_MAX);
		return;
	}
	const struct core_snapshot_schedule *old = sched_find(sm, s->name);
	for (size_t i = 0; i < s->n_wtds; i++) {
		/* a disk deleted since the schedule had it may stay (DVSetSnapshot-
		 * Schedule keeps the default schedule's disks): runs leave it out */
		if (model_disk(op->c->model, s->wtds[i]) == NULL && !has_disk(old, s->wtds[i])) {
			op_finish(op, -ENOENT, "no disk %" PRIu32, s->wtds[i]);
			return;
		}
		for (size_t j = 0; j < i; j++)
			if (s->wtds[j] == s->wtds[i]) {
				op_finish(op, -EINVAL, "disk %" PRIu32 " twice", s->wtds[i]);
				return;
			}
	}
	s->last_made = old != NULL ? old->last_made : 0;
	/* A new or changed schedule's grid starts afresh: no catch-up for runs
	 * before it was set. */
	s->last_run = core_schedule_latest_due(s, snap_filetime_now());
	if (s->last_run == 0 && s->start != 0)
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
	struct tevent_req *req = op_send(mem, c, "set a snapshot schedule",
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
