/* One reconcile pass (docs/core.md, "Reconciler"): list the live state (full
 * passes), resolve DNS identifiers, attach the loop devices LUNs need, apply
 * targets, remove what the model does not have, detach loop devices nobody
 * needs, finish intents. Steps run one after the other; blocking ones on the
 * io pool. */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <string.h>

#include "core/core_events.h"
#include "core/reconcile_internal.h"
#include "core/store.h"
#include "istmd/hindex.h"
#include "istmd/log.h"
#include "istmd/workpool.h"

static void pass_listed(struct tevent_req *subreq);
static void pass_resolve(struct pass *p);
static void pass_loops(struct pass *p, bool attach);
static void pass_apply_next(struct pass *p);
static void pass_remove_next(struct pass *p);
static void pass_intent_next(struct pass *p);
static void pass_end(struct pass *p);

/* ---- a pass ---- */

static bool wants_loop(const struct core *c, const struct core_disk *d)
{
	return c->backend != NULL && d->enabled && d->type == CORE_WTD_FILE &&
	       ((d->vhd_type == CORE_VHD_FIXED && !c->caps.file_luns) ||
		core_disk_uses_vhdfs(c, d)) &&
	       model_disk_mapped(c->model, d->wtd);
}

bool core_disk_uses_vhdfs(const struct core *c, const struct core_disk *d)
{
	return c->vhdfs != NULL && d->type == CORE_WTD_FILE &&
	       (d->vhd_type == CORE_VHD_DYNAMIC || d->vhd_type == CORE_VHD_DIFFERENCING);
}

/* Adds WTD to the pass's disks unless it is there already (O(1): a full
 * pass over 10,000 disks must not compare every pair). */
static void add_disk(struct pass *p, uint32_t wtd)
{
	if (hindex_get_u64(p->disk_set, wtd) != NULL)
		return;
	if (hindex_put_u64(p->disk_set, wtd, p) < 0)
		return; /* out of memory: the disk waits for the next pass */
	p->disks[p->n_disks++] = wtd;
}

void pass_start(struct reconciler *r)
{
	struct core *c = r->c;
	struct model *m = c->model;
	struct pass *p = talloc_zero(r, struct pass);
	if (p == NULL) {
		log_err("reconciler: out of memory");
		return;
	}
	p->r = r;
	p->full = r->want_full;
	p->backend_up = c->backend != NULL && iscsi_backend_is_up(c->backend, NULL);
	r->want_full = false;
	r->want_pass = false;
	r->pass = p;
	r->started++;

	struct timeval now = tevent_timeval_current();
	p->targets = talloc_zero_array(p, char *, m->n_targets + 1);
	p->disks = talloc_zero_array(p, uint32_t, m->n_disks + 1);
	p->intents = talloc_zero_array(p, int64_t, m->n_intents + 1);
	p->disk_set = hindex_new(p, HINDEX_U64);
	if (!p->targets || !p->disks || !p->intents || !p->disk_set) {
		pass_end(p);
		return;
	}
	for (size_t i = 0; i < m->n_targets; i++) {
		struct mtarget *mt = m->targets[i];
		bool due = mt->live.dirty && tevent_timeval_compare(&mt->live.next_try, &now) <= 0;
		if (!p->full && !due)
			continue;
		p->targets[p->n_targets++] = talloc_strdup(p->targets, mt->t->guid);
		/* its disks: a target cannot be applied without their devices */
		for (size_t j = 0; j < mt->t->n_luns; j++)
			if (model_disk(m, mt->t->luns[j].wtd) != NULL)
				add_disk(p, mt->t->luns[j].wtd);
	}
	for (size_t i = 0; i < m->n_disks; i++) {
		struct mdisk *md = m->disks[i];
		if (p->full || md->live.dirty)
			add_disk(p, md->d->wtd);
	}
	for (size_t i = 0; i < m->n_intents; i++) {
		const struct intent *it = m->intents[i];
		if (it->kind == INTENT_DELETE_DISK || (it->kind == INTENT_GROW && it->phase == 2))
			p->intents[p->n_intents++] = it->id;
	}
	p->removed = talloc_steal(p, r->removed);
	p->n_removed = r->n_removed;
	r->removed = NULL;
	r->n_removed = 0;

	if (p->full && p->backend_up) {
		struct tevent_req *subreq = iscsi_backend_list_send(p, c->ev, c->backend);
		if (subreq != NULL) {
			tevent_req_set_callback(subreq, pass_listed, p);
			return;
		}
	}
	pass_resolve(p);
}

static void pass_sessions_done(struct tevent_req *subreq);

static void pass_listed(struct tevent_req *subreq)
{
	struct pass *p = tevent_req_callback_data(subreq, struct pass);
	int rc = iscsi_backend_list_recv(subreq, p, &p->live, &p->n_live);
	talloc_free(subreq);
	if (rc < 0) {
		log_info("reconciler: cannot list the live targets: %s", strerror(-rc));
		p->live = NULL;
		p->n_live = 0;
		p->backend_up = rc != -ENOTCONN && p->backend_up;
	}
	p->live_by_iqn = p->live != NULL ? hindex_new(p, HINDEX_STR_CI) : NULL;
	for (size_t i = 0; p->live_by_iqn != NULL && i < p->n_live; i++)
		if (p->live[i].iqn != NULL && hindex_get(p->live_by_iqn, p->live[i].iqn) == NULL &&
		    hindex_put(p->live_by_iqn, p->live[i].iqn, &p->live[i]) < 0)
			TALLOC_FREE(p->live_by_iqn); /* then live_target() scans */
	/* LastLogIn needs the sessions themselves. */
	struct tevent_req *s = p->backend_up ? iscsi_backend_sessions_send(p, p->r->c->ev,
									   p->r->c->backend, NULL)
					     : NULL;
	if (s == NULL) {
		pass_resolve(p);
		return;
	}
	tevent_req_set_callback(s, pass_sessions_done, p);
}

static void pass_sessions_done(struct tevent_req *subreq)
{
	struct pass *p = tevent_req_callback_data(subreq, struct pass);
	struct core *c = p->r->c;
	struct iscsi_session_info *info = NULL;
	size_t n = 0;
	int rc = iscsi_backend_sessions_recv(subreq, p, &info, &n);
	talloc_free(subreq);
	if (rc == 0)
		sessions_observe_all(c, info, n, NULL);
	talloc_free(info);
	pass_resolve(p);
}

/* DNS identifiers of the targets to apply become addresses. */
static void pass_resolved(struct tevent_req *subreq);

static void pass_resolve(struct pass *p)
{
	struct core *c = p->r->c;
	struct dns_job *j = talloc_zero(NULL, struct dns_job);
	if (j == NULL) {
		pass_loops(p, true);
		return;
	}
	for (size_t i = 0; i < p->n_targets; i++) {
		const struct mtarget *mt = model_target_by_guid(c->model, p->targets[i]);
		for (size_t k = 0; mt != NULL && k < mt->t->n_ids; k++) {
			if (mt->t->ids[k].method != CORE_ID_DNS)
				continue;
			bool have = false;
			for (size_t x = 0; x < j->n && !have; x++)
				have = strcmp(j->names[x].name, mt->t->ids[k].value) == 0;
			if (have)
				continue;
			struct dns_name *names = talloc_realloc(j, j->names, struct dns_name, j->n + 1);
			if (names == NULL)
				break;
			j->names = names;
			memset(&names[j->n], 0, sizeof(names[j->n]));
			names[j->n].name = talloc_strdup(names, mt->t->ids[k].value);
			j->n++;
		}
	}
	if (j->n == 0) {
		talloc_free(j);
		pass_loops(p, true);
		return;
	}
	struct tevent_req *subreq = core_io_send(p, c, dns_job_run, j);
	if (subreq == NULL) {
		talloc_free(j);
		pass_loops(p, true);
		return;
	}
	tevent_req_set_callback(subreq, pass_resolved, p);
}

static void pass_resolved(struct tevent_req *subreq)
{
	struct pass *p = tevent_req_callback_data(subreq, struct pass);
	void *arg = NULL;
	if (core_io_recv(subreq, p, &arg) == 0)
		p->dns = arg;
	talloc_free(subreq);
	for (size_t i = 0; p->dns != NULL && i < p->dns->n; i++)
		if (p->dns->names[i].rc != 0 || p->dns->names[i].n_addrs == 0)
			log_info("initiator DNS name %s does not resolve (%s); it grants nothing "
				 "until it does",
				 p->dns->names[i].name, gai_strerror(p->dns->names[i].rc));
	pass_loops(p, true);
}

/* Loop devices: attach those the LUNs need (before the targets are applied),
 * or detach those nobody needs (after). */
static bool loop_wanted_now(const struct pass *p, const struct mdisk *md, bool attach)
{
	const struct core *c = p->r->c;
	if (c->backend == NULL)
		return false;
	if (attach && core_disk_uses_vhdfs(c, md->d) && model_intent_for_disk(c->model, md->d->wtd))
		return false; /* its file is being changed (a growth): served after */
	if (attach)
		return wants_loop(c, md->d) &&
		       (p->full || !md->live.attached || md->live.loop == NULL || md->live.loop->sizelimit != md->d->size ||
			md->live.dirty);
	return !wants_loop(c, md->d) && (p->full || md->live.attached);
}

static void pass_loops_done(struct tevent_req *subreq);

/* A disk from a database older than identities: what the first attach found
 * (beneath the root, without symlinks) becomes the record. */
static void record_identity(struct core *c, struct mdisk *md, const struct loop_item *it)
{
	md->d->file_dev = it->file_dev;
	md->d->file_ino = it->file_ino;
	struct store_tx *tx = store_tx_new(NULL);
	if (tx != NULL && store_tx_put_disk(tx, md->d) == 0)
		core_store_background(c, tx, "file identity");
	else
		talloc_free(tx);
	log_info("disk %" PRIu32 ": recorded the identity of %s (inode %llu)", md->d->wtd,
		 md->d->path, (unsigned long long)it->file_ino);
}

static void pass_loops(struct pass *p, bool attach)
{
	struct core *c = p->r->c;
	p->loops_attach = attach;
	/* Items only for the disks with loop work: an item holds a loopdev
	 * (4 KiB), and zeroing one per disk of a full pass cost a third of
	 * the pass at 10,000 disks (issue 16). */
	size_t wanted = 0;
	for (size_t i = 0; i < p->n_disks; i++) {
		const struct mdisk *md = model_disk(c->model, p->disks[i]);
		if (md != NULL && loop_wanted_now(p, md, attach))
			wanted++;
	}
	struct loop_job *j = talloc_zero(NULL, struct loop_job);
	if (j != NULL) {
		j->ops = c->loop;
		j->vc = c->vhdfs;
		j->sp = c->sp;
		j->items = talloc_zero_array(j, struct loop_item, wanted + 1);
	}
	for (size_t i = 0; j != NULL && j->items != NULL && i < p->n_disks && j->n < wanted; i++) {
		const struct mdisk *md = model_disk(c->model, p->disks[i]);
		if (md == NULL || !loop_wanted_now(p, md, attach))
			continue;
		struct loop_item *it = &j->items[j->n++];
		it->wtd = md->d->wtd;
		it->path = talloc_strdup(j, md->d->path);
		it->size = md->d->size;
		it->attach = attach;
		it->have_dev = !attach && md->live.attached;
		if (attach || it->have_dev) {
			it->dev = md->live.loop != NULL
					  ? talloc_memdup(j->items, md->live.loop, sizeof(*md->live.loop))
					  : talloc_zero(j->items, struct loopdev);
			if (it->dev == NULL) {
				j->n--; /* out of memory: this disk waits for the next pass */
				continue;
			}
		}
		it->file_dev = md->d->file_dev;
		it->file_ino = md->d->file_ino;
		it->vhdfs = core_disk_uses_vhdfs(c, md->d);
	}
	struct tevent_req *subreq = j != NULL && j->items != NULL && j->n > 0
					    ? core_io_send(p, c, loop_job_run, j)
					    : NULL;
	if (subreq == NULL) {
		talloc_free(j);
		if (attach)
			pass_apply_next(p);
		else
			pass_intent_next(p);
		return;
	}
	tevent_req_set_callback(subreq, pass_loops_done, p);
}

static void pass_loops_done(struct tevent_req *subreq)
{
	struct pass *p = tevent_req_callback_data(subreq, struct pass);
	struct loop_job *j = NULL;
	int rc = core_io_recv(subreq, p, (void **)&j);
	talloc_free(subreq);
	for (size_t i = 0; rc == 0 && i < j->n; i++) {
		struct mdisk *md = model_disk(p->r->c->model, j->items[i].wtd);
		if (md == NULL)
			continue;
		reconcile_disk_outcome(md, &j->items[i]);
		if (j->items[i].learned && md->d->file_ino == 0)
			record_identity(p->r->c, md, &j->items[i]);
	}
	talloc_free(j);
	if (p->loops_attach)
		pass_apply_next(p);
	else
		pass_intent_next(p);
}

static const struct iscsi_target *live_target(const struct pass *p, const char *iqn)
{
	if (p->live_by_iqn != NULL)
		return hindex_get(p->live_by_iqn, iqn);
	for (size_t i = 0; i < p->n_live; i++)
		if (core_str_ieq(p->live[i].iqn, iqn))
			return &p->live[i];
	return NULL;
}

struct apply_ctx {
	struct pass *p;
	char *guid;
	unsigned n_unserved;
	int unserved_rc;
	char *why;
};

static void pass_applied(struct tevent_req *subreq);

static void pass_apply_next(struct pass *p)
{
	struct reconciler *r = p->r;
	struct core *c = r->c;
	while (p->cursor < p->n_targets) {
		struct mtarget *mt = model_target_by_guid(c->model, p->targets[p->cursor++]);
		if (mt == NULL)
			continue; /* deleted meanwhile */
		struct apply_ctx *a = talloc_zero(p, struct apply_ctx);
		struct iscsi_target *want = a ? reconcile_describe(a, c, p, mt, &a->n_unserved, &a->unserved_rc, &a->why) : NULL;
		if (want == NULL) {
			talloc_free(a);
			continue;
		}
		a->p = p;
		a->guid = talloc_strdup(a, mt->t->guid);
		if (!p->backend_up) {
			mt->live.applied = false;
			mt->live.dirty = true;
			talloc_free(a);
			continue; /* a new generation brings a full pass */
		}
		if (p->full && p->live != NULL) {
			const struct iscsi_target *live = live_target(p, mt->t->iqn);
			char *diff = NULL;
			if (live != NULL && iscsi_target_matches(want, live, a, &diff)) {
				mt->live.n_sessions = live->n_sessions;
				reconcile_target_outcome(mt, 0, a->why, a->n_unserved, a->unserved_rc);
				talloc_free(a);
				continue;
			}
			if (mt->live.applied) {
				r->drifts++;
				log_event(LOG_LVL_WARNING, LOG_ID_DRIFT_REPAIRED,
					  "drift: target '%s' (%s) %s; re-applying", mt->t->name,
					  mt->t->iqn, live ? diff : "is missing");
			}
		}
		struct tevent_req *subreq = iscsi_backend_apply_send(a, c->ev, c->backend, want);
		if (subreq == NULL) {
			talloc_free(a);
			continue;
		}
		tevent_req_set_callback(subreq, pass_applied, a);
		return;
	}
	p->cursor = 0;
	pass_remove_next(p);
}

static void pass_applied(struct tevent_req *subreq)
{
	struct apply_ctx *a = tevent_req_callback_data(subreq, struct apply_ctx);
	struct pass *p = a->p;
	int rc = iscsi_backend_apply_recv(subreq);
	talloc_free(subreq);
	struct mtarget *mt = model_target_by_guid(p->r->c->model, a->guid);
	if (mt != NULL) {
		const char *why = rc < 0 ? NULL : a->why;
		char *msg = rc < 0 ? talloc_asprintf(a, "the backend refused it: %s", strerror(-rc))
				   : NULL;
		reconcile_target_outcome(mt, rc, rc < 0 ? msg : why, a->n_unserved, a->unserved_rc);
	}
	talloc_free(a);
	pass_apply_next(p);
}

/* Targets to remove from the backend: deleted or renamed ones, and in a
 * full pass whatever the backend has that the model does not (istmd owns
 * its tgtd). */
static const char *next_removal(struct pass *p)
{
	struct model *m = p->r->c->model;
	while (p->cursor < p->n_removed) {
		const char *iqn = p->removed[p->cursor++];
		if (model_target_by_iqn(m, iqn) == NULL)
			return iqn;
	}
	while (p->cursor - p->n_removed < p->n_live) {
		const struct iscsi_target *live = &p->live[p->cursor++ - p->n_removed];
		if (model_target_by_iqn(m, live->iqn) != NULL)
			continue;
		bool listed = false;
		for (size_t i = 0; i < p->n_removed && !listed; i++)
			listed = core_str_ieq(p->removed[i], live->iqn);
		if (listed)
			continue;
		if (p->r->c->keep_foreign) {
			log_debug("the backend has target %s, which is not ours; left alone "
				  "(the database was empty at start-up)", live->iqn);
			continue;
		}
		p->r->drifts++;
		log_event(LOG_LVL_WARNING, LOG_ID_DRIFT_REPAIRED,
			  "drift: the backend has target %s, which is not ours; removing it",
			  live->iqn);
		return live->iqn;
	}
	return NULL;
}

static void pass_removed(struct tevent_req *subreq);

static void pass_remove_next(struct pass *p)
{
	struct core *c = p->r->c;
	const char *iqn = p->backend_up ? next_removal(p) : NULL;
	if (iqn == NULL) {
		p->cursor = 0;
		pass_loops(p, false);
		return;
	}
	struct tevent_req *subreq = iscsi_backend_remove_send(p, c->ev, c->backend, iqn);
	if (subreq == NULL) {
		pass_remove_next(p);
		return;
	}
	tevent_req_set_callback(subreq, pass_removed, p);
}

static void pass_removed(struct tevent_req *subreq)
{
	struct pass *p = tevent_req_callback_data(subreq, struct pass);
	int rc = iscsi_backend_remove_recv(subreq);
	talloc_free(subreq);
	if (rc < 0)
		log_warn("cannot remove a target from the backend: %s; the next full pass "
			 "tries again", strerror(-rc));
	pass_remove_next(p);
}

static void pass_intent_done(struct tevent_req *subreq);
static void pass_intent_committed(struct tevent_req *subreq);

struct intent_ctx {
	struct pass *p;
	struct intent_job *job;
	int64_t id;
};

static void pass_intent_next(struct pass *p)
{
	struct core *c = p->r->c;
	while (p->cursor < p->n_intents) {
		int64_t id = p->intents[p->cursor++];
		const struct intent *it = NULL;
		for (size_t i = 0; i < c->model->n_intents && it == NULL; i++)
			if (c->model->intents[i]->id == id)
				it = c->model->intents[i];
		if (it == NULL)
			continue;
		struct intent_ctx *x = talloc_zero(p, struct intent_ctx);
		struct intent_job *j = talloc_zero(NULL, struct intent_job);
		if (x == NULL || j == NULL || (j->path = talloc_strdup(j, it->path)) == NULL) {
			talloc_free(x);
			talloc_free(j);
			continue;
		}
		j->ops = c->loop;
		j->vc = c->vhdfs;
		j->sp = c->sp;
		j->kind = it->kind;
		j->old_size = it->old_size;
		j->delete_file = it->delete_file;
		j->file_dev = it->file_dev;
		j->file_ino = it->file_ino;
		j->have_loop = it->have_loop;
		j->loop = it->loop;
		j->id = id;
		x->p = p;
		x->id = id;
		struct tevent_req *subreq = core_io_send(x, c, intent_job_run, j);
		if (subreq == NULL) {
			talloc_free(j);
			talloc_free(x);
			continue;
		}
		tevent_req_set_callback(subreq, pass_intent_done, x);
		return;
	}
	pass_end(p);
}

/* The intent's work is done: its row goes (store thread), then the model's. */
struct intent_commit_job {
	struct store *store;
	struct store_tx *tx;
	int rc;
	char *why;
};

static void intent_commit_run(void *arg)
{
	struct intent_commit_job *j = arg;
	j->rc = store_tx_run(j->store, j->tx, &j->why);
	if (j->why != NULL)
		j->why = talloc_steal(j, j->why);
}

static void pass_intent_done(struct tevent_req *subreq)
{
	struct intent_ctx *x = tevent_req_callback_data(subreq, struct intent_ctx);
	struct pass *p = x->p;
	struct core *c = p->r->c;
	int rc = core_io_recv(subreq, x, (void **)&x->job);
	talloc_free(subreq);
	if (rc < 0 || x->job == NULL || x->job->rc < 0) {
		log_warn("cannot finish removing a deleted or grown disk's old loop device or "
			 "file: %s; retrying later",
			 x->job ? x->job->reason : strerror(-rc));
		talloc_free(x);
		pass_intent_next(p);
		return;
	}
	core_crash_point(c, x->job->kind == INTENT_DELETE_DISK ? "delete.cleanup" : "grow.cleanup");
	struct intent_commit_job *j = talloc_zero(NULL, struct intent_commit_job);
	if (j != NULL) {
		j->store = c->store;
		j->tx = store_tx_new(j);
	}
	if (j == NULL || j->tx == NULL || store_tx_delete_intent(j->tx, x->id) < 0 ||
	    (subreq = workpool_run_send(x, c->ev, c->store_pool, intent_commit_run, j)) == NULL) {
		talloc_free(j);
		talloc_free(x);
		pass_intent_next(p);
		return;
	}
	tevent_req_set_callback(subreq, pass_intent_committed, x);
}

static void pass_intent_committed(struct tevent_req *subreq)
{
	struct intent_ctx *x = tevent_req_callback_data(subreq, struct intent_ctx);
	struct pass *p = x->p;
	struct intent_commit_job *j = NULL;
	int rc = workpool_run_recv(subreq, x, (void **)&j);
	talloc_free(subreq);
	if (rc == 0)
		rc = j->rc;
	uint32_t grown = 0;
	bool was_grow = false;
	for (size_t i = 0; rc == 0 && i < p->r->c->model->n_intents; i++)
		if (p->r->c->model->intents[i]->id == x->id &&
		    p->r->c->model->intents[i]->kind == INTENT_GROW) {
			grown = p->r->c->model->intents[i]->wtd;
			was_grow = true;
		}
	if (rc == 0)
		model_remove_intent(p->r->c->model, x->id);
	if (was_grow && model_disk(p->r->c->model, grown) != NULL)
		reconciler_disk_changed(p->r->c, grown); /* a dynamic disk waits for this to be served */
	else
		log_warn("cannot remove a finished intent: %s", j && j->why ? j->why : strerror(-rc));
	talloc_free(x);
	pass_intent_next(p);
}

static void pass_end(struct pass *p)
{
	struct reconciler *r = p->r;
	struct core *c = r->c;
	/* Disk status: served = a loop device and an applied target carry it. */
	for (size_t i = 0; i < c->model->n_disks; i++) {
		struct mdisk *md = c->model->disks[i];
		bool served = false;
		/* LIO serves a fixed VHD's file itself (caps.file_luns) */
		bool servable = md->live.attached ||
				(c->caps.file_luns && md->d->type == CORE_WTD_FILE &&
				 !core_disk_uses_vhdfs(c, md->d));
		size_t cursor = 0;
		const struct mtarget *mt;
		while (servable && !served &&
		       (mt = model_next_mapping(c->model, md->d->wtd, &cursor)) != NULL)
			served = mt->live.applied;
		md->d->status = served ? CORE_DEVICE_IN_USE : CORE_DEVICE_IDLE;
	}
	r->pass = NULL;
	talloc_free(p);
	core_events_check(c); /* targets applied or dropped, device status */
	reconciler_pass_ended(r);
}
