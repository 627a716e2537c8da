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
#include <netdb.h>
#include <string.h>

#include "core/reconcile_jobs.h"
#include "core/rules.h"
#include "core/store.h"
#include "istmd/log.h"
#include "istmd/workpool.h"

#define BACKOFF_MAX_S 60
#define LUN_VENDOR "ISTMD"
#define LUN_PRODUCT "Virtual Disk"
#define LUN_REVISION "0001"

struct rec_waiter {
	uint64_t need;          /* passes finished >= need */
	struct op *op;          /* an operation, or */
	op_step_fn done;
	struct tevent_req *req; /* a public waiter */
};

struct pass;

struct reconciler {
	struct core *c;
	struct pass *pass;       /* under way, or NULL */
	bool want_pass, want_full;
	uint64_t started, finished, drifts;
	uint64_t generation;     /* of the backend daemon we last applied to */
	bool backend_up;
	struct rec_waiter *waiters;
	size_t n_waiters;
	char **removed;          /* IQNs of targets deleted or renamed */
	size_t n_removed;
	struct tevent_immediate *kick;
	struct tevent_timer *retry;
	struct tevent_timer *periodic;
};

struct pass {
	struct reconciler *r;
	bool full;
	bool backend_up;
	char **targets;          /* GUIDs to apply, in model order */
	size_t n_targets, cursor;
	uint32_t *disks;         /* disks to look at */
	size_t n_disks;
	char **removed;
	size_t n_removed;
	struct iscsi_target *live; /* full pass: the backend's state */
	size_t n_live;
	struct dns_job *dns;
	int64_t *intents;        /* ids of the intents to finish */
	size_t n_intents;
};

static void pass_start(struct reconciler *r);
static void pass_listed(struct tevent_req *subreq);
static void pass_resolve(struct pass *p);
static void pass_attach(struct pass *p);
static void pass_apply_next(struct pass *p);
static void pass_remove_next(struct pass *p);
static void pass_detach(struct pass *p);
static void pass_intent_next(struct pass *p);
static void pass_end(struct pass *p);

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

static struct timeval backoff(unsigned failures)
{
	unsigned s = failures >= 7 ? BACKOFF_MAX_S : 1u << (failures - 1);
	if (s > BACKOFF_MAX_S)
		s = BACKOFF_MAX_S;
	return tevent_timeval_current_ofs(s, 0);
}

/* ---- what changed ---- */

void reconciler_target_changed(struct core *c, const char *guid)
{
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
	for (size_t i = 0; i < m->n_targets; i++) {
		struct mtarget *mt = m->targets[i];
		for (size_t j = 0; j < mt->t->n_luns; j++) {
			if (mt->t->luns[j].wtd == wtd) {
				mt->live.dirty = true;
				mt->live.next_try = (struct timeval){ 0, 0 };
				break;
			}
		}
	}
	if (c->rec != NULL)
		kick(c->rec);
}

void reconciler_target_removed(struct core *c, const char *iqn)
{
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
	if (generation == r->generation)
		return;
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

/* ---- describing a target for the backend ---- */

static const char *const *dns_lookup(const struct pass *p, const char *name, size_t *n)
{
	*n = 0;
	for (size_t i = 0; p != NULL && p->dns != NULL && i < p->dns->n; i++) {
		if (strcmp(p->dns->names[i].name, name) == 0) {
			*n = p->dns->names[i].n_addrs;
			return (const char *const *)p->dns->names[i].addrs;
		}
	}
	return NULL;
}

static struct iscsi_target *describe(TALLOC_CTX *mem, struct core *c, const struct pass *p,
				     const struct mtarget *mt, unsigned *n_unserved, char **why)
{
	const struct core_target *t = mt->t;
	struct iscsi_target *d = talloc_zero(mem, struct iscsi_target);
	if (d == NULL)
		return NULL;
	*n_unserved = 0;
	*why = NULL;
	d->iqn = t->iqn;
	d->enabled = t->enabled;
	d->luns = talloc_zero_array(d, struct iscsi_lun, t->n_luns + 1);
	size_t n_acl = t->n_ids;
	for (size_t i = 0; i < t->n_ids; i++) {
		size_t n = 0;
		if (t->ids[i].method == CORE_ID_DNS)
			dns_lookup(p, t->ids[i].value, &n);
		n_acl += n;
	}
	d->acl = talloc_zero_array(d, struct iscsi_acl_entry, n_acl + 1);
	d->chap_in = talloc_zero_array(d, struct iscsi_chap_account, 2);
	d->portals = talloc_zero_array(d, struct iscsi_portal, t->n_portals + 1);
	if (!d->luns || !d->acl || !d->chap_in || !d->portals) {
		talloc_free(d);
		return NULL;
	}
	for (size_t i = 0; i < t->n_luns; i++) {
		const struct core_lun_mapping *l = &t->luns[i];
		const struct mdisk *md = model_disk(c->model, l->wtd);
		const char *problem = NULL;
		if (md == NULL)
			problem = "the disk does not exist";
		else if (!md->d->enabled)
			continue; /* disabled: hidden on purpose */
		else if (md->d->vhd_type != CORE_VHD_FIXED)
			problem = "the VHD is not fixed";
		else if (l->lun < c->caps.min_lun || l->lun > c->caps.max_lun)
			problem = "the LUN number is outside the backend's range";
		else if (!md->live.attached)
			problem = md->live.reason ? md->live.reason : "no loop device";
		if (problem != NULL) {
			(*n_unserved)++;
			if (*why == NULL)
				*why = talloc_asprintf(mem, "LUN %" PRIu32 " (disk %" PRIu32
						       ") is not served: %s",
						       l->lun, l->wtd, problem);
			continue;
		}
		struct iscsi_lun *lun = &d->luns[d->n_luns++];
		lun->lun = l->lun;
		lun->path = md->live.loop.path;
		lun->size = md->d->size;
		lun->serial = md->d->serial;
		lun->device_id = md->d->device_id;
		lun->vendor = LUN_VENDOR;
		lun->product = LUN_PRODUCT;
		lun->revision = LUN_REVISION;
		lun->read_only = false;
		lun->direct_io = true;
	}
	for (size_t i = 0; i < t->n_ids; i++) {
		const struct core_initiator_id *id = &t->ids[i];
		switch (id->method) {
		case CORE_ID_IQN:
			if (strcmp(id->value, "*") == 0)
				d->acl[d->n_acl++] = (struct iscsi_acl_entry){ ISCSI_ACL_ANY, NULL };
			else
				d->acl[d->n_acl++] = (struct iscsi_acl_entry){ ISCSI_ACL_IQN, id->value };
			break;
		case CORE_ID_IP:
		case CORE_ID_IPV6:
			d->acl[d->n_acl++] = (struct iscsi_acl_entry){ ISCSI_ACL_ADDRESS, id->value };
			break;
		case CORE_ID_DNS: {
			size_t n;
			const char *const *addrs = dns_lookup(p, id->value, &n);
			for (size_t k = 0; k < n; k++)
				d->acl[d->n_acl++] =
					(struct iscsi_acl_entry){ ISCSI_ACL_ADDRESS, addrs[k] };
			break;
		}
		default:
			break; /* never accepted; grants nothing */
		}
	}
	if (t->chap_enabled) {
		d->chap_in[0] = (struct iscsi_chap_account){ t->chap_user, t->chap_secret };
		d->n_chap_in = 1;
		if (t->reverse_chap_enabled) {
			d->chap_out = &d->chap_in[1];
			*d->chap_out = (struct iscsi_chap_account){ t->reverse_chap_user,
								   t->reverse_chap_secret };
		}
	}
	d->params.max_recv_data_segment_length = t->max_recv_data_segment_length;
	d->params.first_burst_length = t->first_burst_length;
	d->params.max_burst_length = t->max_burst_length;
	d->params.nop_interval = t->enforce_idle_timeout ? CORE_IDLE_NOP_INTERVAL : 0;
	d->params.nop_count = t->enforce_idle_timeout ? CORE_IDLE_NOP_COUNT : 0;
	for (size_t i = 0; i < t->n_portals; i++)
		d->portals[d->n_portals++] =
			(struct iscsi_portal){ t->portals[i].address, t->portals[i].port };
	return d;
}

/* ---- recording outcomes, logging each distinct cause once ---- */

static void target_outcome(struct reconciler *r, struct mtarget *mt, int rc, const char *why,
			   unsigned n_unserved)
{
	struct target_live *l = &mt->live;
	l->n_unserved = n_unserved;
	if (rc == 0 && n_unserved == 0) {
		if (l->error != 0)
			log_notice("target '%s' (%s) is applied again", mt->t->name, mt->t->iqn);
		l->applied = true;
		l->error = 0;
		TALLOC_FREE(l->reason);
		l->failures = 0;
		l->dirty = false;
		return;
	}
	if (rc == 0)
		rc = -ENODEV; /* applied, but some LUNs are missing */
	l->applied = false;
	l->failures++;
	l->dirty = true;
	l->next_try = backoff(l->failures);
	if (l->error != rc || l->reason == NULL || why == NULL || strcmp(l->reason, why) != 0) {
		log_warn("target '%s' (%s): %s (%s); retrying with back-off", mt->t->name,
			 mt->t->iqn, why ? why : strerror(-rc), strerror(-rc));
		talloc_free(l->reason);
		l->reason = talloc_strdup(mt, why ? why : strerror(-rc));
	}
	l->error = rc;
}

static void disk_outcome(struct mdisk *md, const struct loop_item *it)
{
	struct disk_live *l = &md->live;
	if (it->rc == 0) {
		if (l->error != 0)
			log_notice("disk %" PRIu32 " (%s) is served again", md->d->wtd, md->d->path);
		l->error = 0;
		TALLOC_FREE(l->reason);
		l->dirty = false;
		if (it->attach) {
			l->attached = true;
			l->loop = it->dev;
		} else {
			l->attached = false;
		}
		return;
	}
	if (it->attach)
		l->attached = false;
	if (l->error != it->rc || l->reason == NULL || strcmp(l->reason, it->reason) != 0) {
		log_warn("disk %" PRIu32 ": %s", md->d->wtd, it->reason);
		talloc_free(l->reason);
		l->reason = talloc_strdup(md, it->reason);
	}
	l->error = it->rc;
	l->dirty = true;
}

/* ---- a pass ---- */

static bool wants_loop(const struct core *c, const struct core_disk *d)
{
	return c->backend != NULL && d->enabled && d->type == CORE_WTD_FILE &&
	       d->vhd_type == CORE_VHD_FIXED && model_disk_mapped(c->model, d->wtd);
}

static bool in_list(const uint32_t *list, size_t n, uint32_t wtd)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == wtd)
			return true;
	return false;
}

static void pass_start(struct reconciler *r)
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
	if (!p->targets || !p->disks || !p->intents) {
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
			if (!in_list(p->disks, p->n_disks, mt->t->luns[j].wtd) &&
			    model_disk(m, mt->t->luns[j].wtd) != NULL)
				p->disks[p->n_disks++] = mt->t->luns[j].wtd;
	}
	for (size_t i = 0; i < m->n_disks; i++) {
		struct mdisk *md = m->disks[i];
		if ((p->full || md->live.dirty) && !in_list(p->disks, p->n_disks, md->d->wtd))
			p->disks[p->n_disks++] = md->d->wtd;
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
	for (size_t k = 0; rc == 0 && k < c->model->n_targets; k++) {
		struct mtarget *mt = c->model->targets[k];
		uint16_t *tsihs = talloc_zero_array(p, uint16_t, n + 1);
		size_t m = 0;
		for (size_t i = 0; tsihs != NULL && i < n; i++)
			if (!info[i].discovery && core_str_ieq(info[i].target_iqn, mt->t->iqn))
				tsihs[m++] = info[i].tsih;
		if (tsihs != NULL)
			sessions_observe(c, mt, tsihs, m);
		talloc_free(tsihs);
	}
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
		pass_attach(p);
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
		pass_attach(p);
		return;
	}
	struct tevent_req *subreq = core_io_send(p, c, dns_job_run, j);
	if (subreq == NULL) {
		talloc_free(j);
		pass_attach(p);
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
	pass_attach(p);
}

static void pass_attached(struct tevent_req *subreq);

static void pass_attach(struct pass *p)
{
	struct core *c = p->r->c;
	struct loop_job *j = talloc_zero(NULL, struct loop_job);
	if (j == NULL || (j->items = talloc_zero_array(j, struct loop_item, p->n_disks + 1)) == NULL) {
		talloc_free(j);
		pass_apply_next(p);
		return;
	}
	j->ops = c->loop;
	for (size_t i = 0; i < p->n_disks; i++) {
		const struct mdisk *md = model_disk(c->model, p->disks[i]);
		if (md == NULL || !wants_loop(c, md->d))
			continue;
		if (!p->full && md->live.attached && md->live.loop.sizelimit == md->d->size &&
		    !md->live.dirty)
			continue;
		struct loop_item *it = &j->items[j->n++];
		it->wtd = md->d->wtd;
		it->path = talloc_strdup(j, md->d->path);
		it->size = md->d->size;
		it->attach = true;
	}
	if (j->n == 0) {
		talloc_free(j);
		pass_apply_next(p);
		return;
	}
	struct tevent_req *subreq = core_io_send(p, c, loop_job_run, j);
	if (subreq == NULL) {
		talloc_free(j);
		pass_apply_next(p);
		return;
	}
	tevent_req_set_callback(subreq, pass_attached, p);
}

static void pass_attached(struct tevent_req *subreq)
{
	struct pass *p = tevent_req_callback_data(subreq, struct pass);
	struct loop_job *j = NULL;
	int rc = core_io_recv(subreq, p, (void **)&j);
	talloc_free(subreq);
	for (size_t i = 0; rc == 0 && i < j->n; i++) {
		struct mdisk *md = model_disk(p->r->c->model, j->items[i].wtd);
		if (md != NULL)
			disk_outcome(md, &j->items[i]);
	}
	talloc_free(j);
	pass_apply_next(p);
}

static const struct iscsi_target *live_target(const struct pass *p, const char *iqn)
{
	for (size_t i = 0; i < p->n_live; i++)
		if (core_str_ieq(p->live[i].iqn, iqn))
			return &p->live[i];
	return NULL;
}

struct apply_ctx {
	struct pass *p;
	char *guid;
	unsigned n_unserved;
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
		struct iscsi_target *want = a ? describe(a, c, p, mt, &a->n_unserved, &a->why) : NULL;
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
				target_outcome(r, mt, 0, a->why, a->n_unserved);
				talloc_free(a);
				continue;
			}
			if (mt->live.applied) {
				r->drifts++;
				log_warn("drift: target '%s' (%s) %s; re-applying", mt->t->name,
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
		target_outcome(p->r, mt, rc, rc < 0 ? msg : why, a->n_unserved);
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
		p->r->drifts++;
		log_warn("drift: the backend has target %s, which is not ours; removing it",
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
		pass_detach(p);
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

static void pass_detached(struct tevent_req *subreq);

static void pass_detach(struct pass *p)
{
	struct core *c = p->r->c;
	struct loop_job *j = talloc_zero(NULL, struct loop_job);
	if (j == NULL || (j->items = talloc_zero_array(j, struct loop_item, p->n_disks + 1)) == NULL) {
		talloc_free(j);
		pass_intent_next(p);
		return;
	}
	j->ops = c->loop;
	for (size_t i = 0; i < p->n_disks; i++) {
		const struct mdisk *md = model_disk(c->model, p->disks[i]);
		if (md == NULL || wants_loop(c, md->d) || c->backend == NULL)
			continue;
		if (!md->live.attached && !p->full)
			continue;
		struct loop_item *it = &j->items[j->n++];
		it->wtd = md->d->wtd;
		it->path = talloc_strdup(j, md->d->path);
		it->size = md->d->size;
		it->attach = false;
		it->have_dev = md->live.attached;
		it->dev = md->live.loop;
	}
	if (j->n == 0) {
		talloc_free(j);
		pass_intent_next(p);
		return;
	}
	struct tevent_req *subreq = core_io_send(p, c, loop_job_run, j);
	if (subreq == NULL) {
		talloc_free(j);
		pass_intent_next(p);
		return;
	}
	tevent_req_set_callback(subreq, pass_detached, p);
}

static void pass_detached(struct tevent_req *subreq)
{
	struct pass *p = tevent_req_callback_data(subreq, struct pass);
	struct loop_job *j = NULL;
	int rc = core_io_recv(subreq, p, (void **)&j);
	talloc_free(subreq);
	for (size_t i = 0; rc == 0 && i < j->n; i++) {
		struct mdisk *md = model_disk(p->r->c->model, j->items[i].wtd);
		if (md != NULL)
			disk_outcome(md, &j->items[i]);
	}
	talloc_free(j);
	pass_intent_next(p);
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
		j->sp = c->sp;
		j->kind = it->kind;
		j->old_size = it->old_size;
		j->delete_file = it->delete_file;
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
	if (rc == 0)
		model_remove_intent(p->r->c->model, x->id);
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
		for (size_t k = 0; md->live.attached && k < c->model->n_targets && !served; k++) {
			const struct mtarget *mt = c->model->targets[k];
			for (size_t j = 0; mt->live.applied && j < mt->t->n_luns && !served; j++)
				served = mt->t->luns[j].wtd == md->d->wtd;
		}
		md->d->status = served ? CORE_DEVICE_IN_USE : CORE_DEVICE_IDLE;
	}
	r->finished++;
	r->pass = NULL;
	talloc_free(p);
	if (!c->quiescing)
		schedule_retry(r);
	wake_waiters(r);
	if ((r->want_pass || r->want_full) && !c->quiescing)
		tevent_schedule_immediate(r->kick, c->ev, kick_handler, r);
	core_quiesce_check(c);
}
