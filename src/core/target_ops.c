/* Target mutations: save a draft, delete, and the one-shot changes. A target
 * touches no file: its row is the whole change, committed in one
 * transaction; the reconciler then brings the backend in line. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/draft.h"
#include "core/rules.h"
#include "core/store.h"
#include "istmd/log.h"

enum change_kind { CHANGE_SAVE, CHANGE_MAP, CHANGE_UNMAP, CHANGE_ENABLE };

struct save_state {
	enum change_kind kind;
	struct core_target_draft *draft; /* the caller's, NULL once it is gone */
	struct core_target *base;        /* snapshots taken at send */
	struct core_target *edit;
	char *name;                      /* one-shot changes */
	uint32_t wtd, lun;
	bool enabled;
	struct core_target *merged;
	char *old_iqn;
	bool is_new;
};

static int save_state_destructor(struct save_state *s)
{
	if (s->draft != NULL)
		s->draft->pending = NULL;
	return 0;
}

void draft_detach_save(struct core_target_draft *d)
{
	if (d->pending != NULL) {
		struct save_state *s = d->pending->state;
		s->draft = NULL;
		d->pending = NULL;
	}
}

static void save_committed(struct op *op);

/* Validates MERGED (the target as it will be) and commits it. */
static void commit_target(struct op *op, struct mtarget *cur)
{
	struct save_state *s = op->state;
	struct core *c = op->c;
	char *why = NULL;
	if (s->merged->iqn == NULL) {
		s->merged->iqn = rules_default_iqn(s->merged, c, s->merged->name);
		if (s->merged->iqn == NULL) {
			op_finish(op, -ENOMEM, NULL);
			return;
		}
	}
	int rc = rules_target(c, s->merged, op, &why);
	if (rc < 0) {
		op_finish(op, rc, "%s", why ? why : "invalid target");
		return;
	}
	s->is_new = cur == NULL;
	s->old_iqn = cur ? talloc_strdup(op, cur->t->iqn) : NULL;
	struct store_tx *tx = store_tx_new(op);
	if (tx == NULL ||
	    store_tx_put_target(tx, s->merged, cur ? cur->seq : c->model->next_seq) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, save_committed);
}

/* Marks every disk mapped before or after as changed (loop devices follow). */
static void disks_changed(struct core *c, const struct core_target *a, const struct core_target *b)
{
	for (size_t i = 0; a != NULL && i < a->n_luns; i++)
		reconciler_disk_changed(c, a->luns[i].wtd);
	for (size_t i = 0; b != NULL && i < b->n_luns; i++)
		reconciler_disk_changed(c, b->luns[i].wtd);
}

static void save_committed(struct op *op)
{
	struct save_state *s = op->state;
	struct core *c = op->c;
	struct model *m = c->model;
	core_crash_point(c, "save.commit");
	struct mtarget *mt = model_target_by_guid(m, s->merged->guid);
	if (mt != NULL) {
		disks_changed(c, mt->t, s->merged);
		if (model_target_set(m, mt, s->merged) < 0)
			log_err("target '%s': out of memory indexing it", mt->t->name);
		if (s->old_iqn != NULL && !core_str_ieq(s->old_iqn, mt->t->iqn))
			reconciler_target_removed(c, s->old_iqn);
	} else {
		mt = talloc_zero(m, struct mtarget);
		if (mt == NULL) {
			/* Committed but not in memory: the next start sees it. */
			op_finish(op, -ENOMEM, "saved, but out of memory");
			return;
		}
		mt->seq = m->next_seq++;
		mt->t = talloc_steal(mt, s->merged);
		if (model_add_target(m, mt) < 0) {
			talloc_free(mt);
			op_finish(op, -ENOMEM, "saved, but out of memory");
			return;
		}
		disks_changed(c, NULL, mt->t);
	}
	log_event(LOG_LVL_INFO, s->is_new ? LOG_ID_OBJECT_CREATED : NULL, "target '%s' (%s) %s",
		  mt->t->name, mt->t->iqn, s->is_new ? "created" : "saved");
	if (s->draft != NULL) {
		struct core_target_draft *d = s->draft;
		struct core_target *base = core_target_dup(d, mt->t);
		struct core_target *edit = core_target_dup(d, mt->t);
		if (base != NULL && edit != NULL) {
			talloc_free(d->base);
			talloc_free(d->edit);
			d->base = base;
			d->edit = edit;
		}
		d->pending = NULL;
		s->draft = NULL;
	}
	reconciler_target_changed(c, mt->t->guid);
	op->wait_reconcile = true;
	op_finish(op, 0, NULL);
}

static void save_start(struct op *op)
{
	struct save_state *s = op->state;
	struct core *c = op->c;
	struct mtarget *cur = model_target_by_guid(c->model, s->edit->guid);
	if (s->base != NULL && cur == NULL) {
		op_finish(op, -ENOENT, "target '%s' was deleted meanwhile", s->base->name);
		return;
	}
	if (s->base != NULL)
		s->merged = draft_merge(op, cur->t, s->base, s->edit);
	else
		s->merged = core_target_dup(op, s->edit);
	if (s->merged == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	commit_target(op, cur);
}

struct tevent_req *core_target_save_send(TALLOC_CTX *mem, struct core *c,
					 struct core_target_draft *d)
{
	struct op *op;
	struct tevent_req *req =
		op_send(mem, c, "save target", sizeof(struct save_state), save_start, &op);
	if (req == NULL || !tevent_req_is_in_progress(req))
		return req;
	struct save_state *s = op->state;
	s->kind = CHANGE_SAVE;
	s->edit = core_target_dup(op, d->edit);
	s->base = d->base ? core_target_dup(op, d->base) : NULL;
	if (s->edit == NULL || (d->base != NULL && s->base == NULL)) {
		talloc_free(op); /* leaves the request pending; fail it instead */
		tevent_req_oom(req);
		return tevent_req_post(req, c->ev);
	}
	draft_detach_save(d);
	d->pending = op;
	s->draft = d;
	talloc_set_destructor(s, save_state_destructor);
	return req;
}

int core_target_save_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}

/* ---- one-shot changes ---- */

static void change_start(struct op *op)
{
	struct save_state *s = op->state;
	struct core *c = op->c;
	struct mtarget *cur = model_target_by_name(c->model, s->name);
	if (cur == NULL) {
		op_finish(op, -ENOENT, "no target called '%s'", s->name);
		return;
	}
	s->merged = core_target_dup(op, cur->t);
	struct core_target_draft *d = s->merged ? draft_on_target(op, c, s->merged) : NULL;
	if (d == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	char *why = NULL;
	int rc = 0;
	switch (s->kind) {
	case CHANGE_MAP:
		if (s->lun == CORE_LUN_AUTO) {
			rc = core_draft_add_disk(d, s->wtd, NULL, &why);
		} else if ((rc = core_draft_add_disk(d, s->wtd, NULL, &why)) == 0) {
			rc = core_draft_set_lun(d, s->wtd, s->lun);
			if (rc == -EEXIST)
				why = talloc_asprintf(op, "LUN %" PRIu32 " is taken", s->lun);
			else if (rc == -ERANGE)
				why = talloc_asprintf(op, "LUN %" PRIu32 " is out of range", s->lun);
		}
		break;
	case CHANGE_UNMAP:
		rc = core_draft_remove_disk(d, s->wtd);
		if (rc == -ENOENT)
			why = talloc_asprintf(op, "disk %" PRIu32 " is not mapped to '%s'", s->wtd,
					      s->name);
		break;
	case CHANGE_ENABLE:
		core_draft_set_enabled(d, s->enabled);
		break;
	case CHANGE_SAVE:
		break;
	}
	if (rc < 0) {
		op_finish(op, rc, "%s", why ? why : strerror(-rc));
		return;
	}
	commit_target(op, cur);
}

static struct tevent_req *change_send(TALLOC_CTX *mem, struct core *c, const char *what,
				      enum change_kind kind, const char *name, uint32_t wtd,
				      uint32_t lun, bool enabled)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, what, sizeof(struct save_state), change_start, &op);
	if (req == NULL || !tevent_req_is_in_progress(req))
		return req;
	struct save_state *s = op->state;
	s->kind = kind;
	s->name = talloc_strdup(op, name ? name : "");
	s->wtd = wtd;
	s->lun = lun;
	s->enabled = enabled;
	return req;
}

struct tevent_req *core_target_map_send(TALLOC_CTX *mem, struct core *c, const char *name,
					uint32_t wtd, uint32_t lun)
{
	return change_send(mem, c, "map a disk", CHANGE_MAP, name, wtd, lun, false);
}

struct tevent_req *core_target_unmap_send(TALLOC_CTX *mem, struct core *c, const char *name,
					  uint32_t wtd)
{
	return change_send(mem, c, "unmap a disk", CHANGE_UNMAP, name, wtd, 0, false);
}

struct tevent_req *core_target_set_enabled_send(TALLOC_CTX *mem, struct core *c,
						const char *name, bool enabled)
{
	return change_send(mem, c, enabled ? "enable a target" : "disable a target",
			   CHANGE_ENABLE, name, 0, 0, enabled);
}

int core_target_change_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}

/* ---- delete ---- */

struct delete_state {
	char *name;
	char *guid;
};

static void delete_committed(struct op *op);

static void delete_start(struct op *op)
{
	struct delete_state *s = op->state;
	struct mtarget *mt = model_target_by_name(op->c->model, s->name);
	if (mt == NULL) {
		op_finish(op, -ENOENT, "no target called '%s'", s->name);
		return;
	}
	s->guid = talloc_strdup(op, mt->t->guid);
	struct store_tx *tx = store_tx_new(op);
	if (s->guid == NULL || tx == NULL || store_tx_delete_target(tx, s->guid) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, delete_committed);
}

static void delete_committed(struct op *op)
{
	struct delete_state *s = op->state;
	struct core *c = op->c;
	struct mtarget *mt = model_target_by_guid(c->model, s->guid);
	if (mt != NULL) {
		log_event(LOG_LVL_INFO, LOG_ID_OBJECT_DELETED, "target '%s' (%s) deleted",
			  mt->t->name, mt->t->iqn);
		reconciler_target_removed(c, mt->t->iqn);
		/* OLD outlives MT (stolen), and is what the indexes hold */
		struct core_target *old = talloc_steal(op, mt->t);
		model_remove_target(c->model, mt);
		disks_changed(c, old, NULL);
	}
	op->wait_reconcile = true;
	op_finish(op, 0, NULL);
}

struct tevent_req *core_target_delete_send(TALLOC_CTX *mem, struct core *c, const char *name)
{
	struct op *op;
	struct tevent_req *req =
		op_send(mem, c, "delete target", sizeof(struct delete_state), delete_start, &op);
	if (req != NULL && tevent_req_is_in_progress(req)) {
		struct delete_state *s = op->state;
		s->name = talloc_strdup(op, name ? name : "");
	}
	return req;
}

int core_target_delete_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}
