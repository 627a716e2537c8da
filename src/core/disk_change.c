/* Virtual disk mutations on existing disks: update, grow, delete (see
 * disk_create.c for the principle and docs/core.md for the argument). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/disk_change.h"
#include "core/file_jobs.h"
#include "core/rules.h"
#include "core/store.h"
#include "istmd/log.h"

/* ---- update ---- */

struct update_state {
	uint32_t wtd;
	struct core_disk_update upd;
	struct core_disk *disk;
	bool serving_changed;
};

static void update_committed(struct op *op)
{
	struct update_state *s = op->state;
	struct mdisk *md = model_disk(op->c->model, s->wtd);
	if (op->rc < 0 || md == NULL) {
		op_finish(op, op->rc < 0 ? op->rc : -ENOENT, NULL);
		return;
	}
	s->disk->status = md->d->status;
	if (model_disk_set(op->c->model, md, s->disk) < 0)
		log_err("disk %u: out of memory indexing it", (unsigned)s->wtd);
	if (s->serving_changed) {
		reconciler_disk_changed(op->c, s->wtd);
		op->wait_reconcile = true;
	}
	op_finish(op, 0, NULL);
}

static void update_start(struct op *op)
{
	struct update_state *s = op->state;
	struct mdisk *md = model_disk(op->c->model, s->wtd);
	if (md == NULL) {
		op_finish(op, -ENOENT, "disk %" PRIu32 " does not exist", s->wtd);
		return;
	}
	struct core_disk *d = core_disk_dup(op, md->d);
	if (d == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	const struct core_disk_update *u = &s->upd;
	if (u->fields & CORE_DISK_SET_DESCRIPTION) {
		if (rules_text(u->description, CORE_TEXT_MAX, true) < 0) {
			op_finish(op, -EINVAL, "the description is not UTF-8 of at most %d bytes",
				  CORE_TEXT_MAX);
			return;
		}
		d->description = talloc_strdup(d, u->description);
	}
	if (u->fields & CORE_DISK_SET_CACHE_PARENT) {
		if (d->vhd_type != CORE_VHD_DIFFERENCING) {
			op_finish(op, -EMEDIUMTYPE, "CacheParent applies to differencing VHDs only");
			return;
		}
		d->cache_parent = u->cache_parent;
	}
	if (u->fields & CORE_DISK_SET_RESOURCE_NAME) {
		if (rules_text(u->resource_name, CORE_RESOURCE_NAME_MAX, false) < 0) {
			op_finish(op, -EINVAL, "the resource name is empty, too long or not UTF-8");
			return;
		}
		d->resource_name = talloc_strdup(d, u->resource_name);
	}
	if (u->fields & CORE_DISK_SET_ENABLED) {
		s->serving_changed = d->enabled != u->enabled;
		d->enabled = u->enabled;
	}
	s->disk = d;
	struct store_tx *tx = store_tx_new(op);
	if (d->description == NULL || d->resource_name == NULL || tx == NULL ||
	    store_tx_put_disk(tx, d) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_store(op, tx, update_committed);
}

struct tevent_req *core_disk_update_send(TALLOC_CTX *mem, struct core *c, uint32_t wtd,
					 const struct core_disk_update *upd)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, "update a virtual disk",
					 sizeof(struct update_state), update_start, &op);
	if (req == NULL || !tevent_req_is_in_progress(req))
		return req;
	struct update_state *s = op->state;
	s->wtd = wtd;
	s->upd = *upd;
	s->upd.description = talloc_strdup(op, upd->description ? upd->description : "");
	s->upd.resource_name = talloc_strdup(op, upd->resource_name ? upd->resource_name : "");
	if (s->upd.description == NULL || s->upd.resource_name == NULL) {
		talloc_free(op);
		tevent_req_oom(req);
		return tevent_req_post(req, c->ev);
	}
	return req;
}

int core_disk_update_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}

/* ---- grow: intent (phase 1), the file, the row with intent phase 2; the
 * reconciler serves the new size, then detaches the old loop device and
 * removes the intent ---- */

struct grow_state {
	uint32_t wtd;
	uint64_t new_size;
	struct intent *intent;
	int error; /* the failure being rolled back */
};

static void grow_intent_committed(struct op *op);
static void grow_file_done(struct op *op);
static void grow_committed(struct op *op);
static void grow_undone(struct op *op);

void disk_grow_begin(struct op *op, uint32_t wtd, uint64_t new_size)
{
	struct core *c = op->c;
	struct grow_state *s = talloc_zero(op, struct grow_state);
	struct mdisk *md = model_disk(c->model, wtd);
	if (s == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	talloc_set_name_const(s, "struct grow_state");
	op->state = s;
	s->wtd = wtd;
	s->new_size = new_size;
	if (md == NULL) {
		op_finish(op, -ENOENT, "disk %" PRIu32 " does not exist", wtd);
		return;
	}
	const struct core_disk *d = md->d;
	if (d->vhd_type != CORE_VHD_FIXED && d->vhd_type != CORE_VHD_DYNAMIC) {
		/* 3.30.4.7: a differencing disk has its parent's size */
		op_finish(op, -EMEDIUMTYPE, "disk %" PRIu32 " is a %s VHD; only fixed and dynamic "
			  "ones grow", wtd, core_vhd_type_name(d->vhd_type));
		return;
	}
	if (new_size > VHD_MAX_VIRTUAL_SIZE) {
		op_finish(op, -ERANGE, "%" PRIu64 " bytes is above the %llu-byte VHD limit",
			  new_size, VHD_MAX_VIRTUAL_SIZE);
		return;
	}
	if (new_size <= d->size || new_size % VHD_SECTOR_SIZE != 0) {
		op_finish(op, -EINVAL, "the new size must be a multiple of 512 above %" PRIu64,
			  d->size);
		return;
	}
	if (model_intent_for_disk(c->model, wtd) != NULL) {
		op_finish(op, -EBUSY, "an operation on disk %" PRIu32 " is under way", wtd);
		return;
	}
	struct intent *i = talloc_zero(s, struct intent);
	struct store_tx *tx = store_tx_new(op);
	if (i == NULL || tx == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	i->id = c->model->next_intent++;
	i->kind = INTENT_GROW;
	i->phase = 1;
	i->wtd = wtd;
	i->path = talloc_strdup(i, d->path);
	i->tmp_name = talloc_strdup(i, "");
	i->old_size = d->size;
	i->new_size = new_size;
	i->file_dev = d->file_dev;
	i->file_ino = d->file_ino;
	s->intent = i;
	if (i->path == NULL || i->tmp_name == NULL || store_tx_put_intent(tx, i) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, grow_intent_committed);
}

static void grow_intent_committed(struct op *op)
{
	struct grow_state *s = op->state;
	struct core *c = op->c;
	if (model_track_intent(c->model, s->intent) < 0) {
		op_finish(op, -ENOMEM, "out of memory; the next start undoes the growth");
		return;
	}
	core_crash_point(c, "grow.intent");
	struct file_job *j = file_job_new(NULL, FJ_GROW, c->sp, s->intent->path);
	if (j == NULL) {
		op_finish(op, -ENOMEM, "out of memory; the next start undoes the growth");
		return;
	}
	j->old_size = s->intent->old_size;
	j->new_size = s->new_size;
	j->vc = c->vhdfs;
	j->file_dev = s->intent->file_dev;
	j->file_ino = s->intent->file_ino;
	op_io(op, file_job_run, j, grow_file_done);
}

static void grow_file_done(struct op *op)
{
	struct grow_state *s = op->state;
	struct core *c = op->c;
	struct file_job *j;
	int rc = op_file_job(op, &j);
	if (rc < 0) {
		/* vhd_grow_fixed leaves the old image on failure: only the
		 * intent has to go. */
		talloc_free(op->why);
		op->why = talloc_strdup(op, j ? j->reason : strerror(-rc));
		s->error = rc;
		struct store_tx *tx = store_tx_new(op);
		if (tx == NULL || store_tx_delete_intent(tx, s->intent->id) < 0) {
			op_finish(op, rc, NULL);
			return;
		}
		op->rc = rc;
		op_store(op, tx, grow_undone);
		return;
	}
	core_crash_point(c, "grow.file");
	struct mdisk *md = model_disk(c->model, s->wtd);
	struct core_disk *d = md ? core_disk_dup(op, md->d) : NULL;
	struct intent *phase2 = intent_dup(op, s->intent);
	struct store_tx *tx = store_tx_new(op);
	if (d == NULL || phase2 == NULL || tx == NULL) {
		op_finish(op, -ENOMEM, "grown; the next start records it");
		return;
	}
	d->size = s->new_size;
	phase2->phase = 2;
	if (store_tx_put_disk(tx, d) < 0 || store_tx_put_intent(tx, phase2) < 0) {
		op_finish(op, -ENOMEM, "grown; the next start records it");
		return;
	}
	op_store(op, tx, grow_committed);
}

static void grow_undone(struct op *op)
{
	struct grow_state *s = op->state;
	if (op->rc == 0)
		model_remove_intent(op->c->model, s->intent->id);
	op_finish(op, s->error, NULL);
}

static void grow_committed(struct op *op)
{
	struct grow_state *s = op->state;
	struct core *c = op->c;
	if (op->rc < 0) {
		op_finish(op, op->rc, "the file grew but the change could not be recorded; the "
			  "next start records it");
		return;
	}
	core_crash_point(c, "grow.commit");
	struct mdisk *md = model_disk(c->model, s->wtd);
	if (md != NULL)
		md->d->size = s->new_size;
	for (size_t i = 0; i < c->model->n_intents; i++)
		if (c->model->intents[i]->id == s->intent->id)
			c->model->intents[i]->phase = 2;
	log_info("disk %" PRIu32 " grew from %" PRIu64 " to %" PRIu64 " bytes", s->wtd,
		 s->intent->old_size, s->new_size);
	reconciler_disk_changed(c, s->wtd);
	op->wait_reconcile = true;
	op_set_result(op, &s->new_size, sizeof(s->new_size));
	op_finish(op, 0, NULL);
}

struct grow_args {
	uint32_t wtd;
	uint64_t new_size;
};

static void grow_start(struct op *op)
{
	struct grow_args *a = op->state;
	disk_grow_begin(op, a->wtd, a->new_size);
}

struct tevent_req *core_disk_grow_send(TALLOC_CTX *mem, struct core *c, uint32_t wtd,
				       uint64_t new_size)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, "grow a virtual disk", sizeof(struct grow_args),
					 grow_start, &op);
	if (req != NULL && tevent_req_is_in_progress(req)) {
		struct grow_args *a = op->state;
		a->wtd = wtd;
		a->new_size = new_size;
	}
	return req;
}

int core_disk_grow_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}

/* ---- delete: one transaction removes the disk and its mappings and adds a
 * DELETE_DISK intent; the reconciler applies the targets, detaches the loop
 * device, removes the file if asked, then the intent ---- */

struct delete_state {
	uint32_t wtd;
	bool delete_file;
	struct core_target **changed; /* the mapping targets without the disk */
	size_t n_changed;
	struct intent *intent;
};

static void delete_commit(struct op *op);
static void delete_committed(struct op *op);

static bool maps(const struct core_target *t, uint32_t wtd)
{
	for (size_t i = 0; i < t->n_luns; i++)
		if (t->luns[i].wtd == wtd)
			return true;
	return false;
}

static void delete_sessions_done(struct tevent_req *subreq)
{
	struct op *op = tevent_req_callback_data(subreq, struct op);
	struct delete_state *s = op->state;
	struct iscsi_session_info *sessions = NULL;
	size_t n = 0;
	int rc = iscsi_backend_sessions_recv(subreq, op, &sessions, &n);
	talloc_free(subreq);
	if (rc < 0 && rc != -ENOTCONN) {
		op_finish(op, rc, "cannot tell whether initiators use disk %" PRIu32 ": %s", s->wtd,
			  strerror(-rc));
		return;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct mtarget *mt = model_target_by_iqn(op->c->model, sessions[i].target_iqn);
		if (mt != NULL && maps(mt->t, s->wtd) && !sessions[i].discovery) {
			op_finish(op, -EBUSY, "initiator %s is logged in to target '%s', which maps "
				  "disk %" PRIu32,
				  sessions[i].initiator_iqn ? sessions[i].initiator_iqn : "?",
				  mt->t->name, s->wtd);
			return;
		}
	}
	talloc_free(sessions);
	delete_commit(op);
}

static void delete_start(struct op *op)
{
	struct delete_state *s = op->state;
	struct core *c = op->c;
	struct mdisk *md = model_disk(c->model, s->wtd);
	if (md == NULL) {
		op_finish(op, 0, NULL); /* MS-ISTM 3.46.4.4: not there is success */
		return;
	}
	if (model_intent_for_disk(c->model, s->wtd) != NULL) {
		op_finish(op, -EBUSY, "an operation on disk %" PRIu32 " is under way", s->wtd);
		return;
	}
	if (c->backend != NULL && iscsi_backend_is_up(c->backend, NULL) &&
	    model_disk_mapped(c->model, s->wtd)) {
		struct tevent_req *subreq = iscsi_backend_sessions_send(op, c->ev, c->backend, NULL);
		if (subreq == NULL) {
			op_finish(op, -ENOMEM, NULL);
			return;
		}
		tevent_req_set_callback(subreq, delete_sessions_done, op);
		return;
	}
	delete_commit(op);
}

static void delete_commit(struct op *op)
{
	struct delete_state *s = op->state;
	struct core *c = op->c;
	struct model *m = c->model;
	struct mdisk *md = model_disk(m, s->wtd);
	struct store_tx *tx = store_tx_new(op);
	struct intent *i = talloc_zero(op, struct intent);
	s->changed = talloc_zero_array(op, struct core_target *, m->n_targets + 1);
	if (md == NULL || tx == NULL || i == NULL || s->changed == NULL) {
		op_finish(op, md == NULL ? 0 : -ENOMEM, NULL);
		return;
	}
	for (size_t k = 0; k < m->n_targets; k++) {
		const struct mtarget *mt = m->targets[k];
		if (!maps(mt->t, s->wtd))
			continue;
		struct core_target *t = core_target_dup(s->changed, mt->t);
		if (t == NULL) {
			op_finish(op, -ENOMEM, NULL);
			return;
		}
		size_t n = 0;
		for (size_t j = 0; j < t->n_luns; j++)
			if (t->luns[j].wtd != s->wtd)
				t->luns[n++] = t->luns[j];
		t->n_luns = n;
		s->changed[s->n_changed++] = t;
		if (store_tx_put_target(tx, t, mt->seq) < 0) {
			op_finish(op, -ENOMEM, NULL);
			return;
		}
	}
	i->id = m->next_intent++;
	i->kind = INTENT_DELETE_DISK;
	i->phase = 1;
	i->wtd = s->wtd;
	i->path = talloc_strdup(i, md->d->path);
	i->tmp_name = talloc_strdup(i, "");
	i->delete_file = s->delete_file;
	i->file_dev = md->d->file_dev;
	i->file_ino = md->d->file_ino;
	i->have_loop = md->live.attached;
	if (md->live.loop != NULL)
		i->loop = *md->live.loop;
	s->intent = i;
	if (i->path == NULL || i->tmp_name == NULL || store_tx_delete_disk(tx, s->wtd) < 0 ||
	    store_tx_put_intent(tx, i) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, delete_committed);
}

static void delete_committed(struct op *op)
{
	struct delete_state *s = op->state;
	struct core *c = op->c;
	struct model *m = c->model;
	core_crash_point(c, "delete.commit");
	for (size_t k = 0; k < s->n_changed; k++) {
		struct mtarget *mt = model_target_by_guid(m, s->changed[k]->guid);
		if (mt == NULL)
			continue;
		if (model_target_set(m, mt, s->changed[k]) < 0)
			log_err("target '%s': out of memory indexing it", mt->t->name);
		reconciler_target_changed(c, mt->t->guid);
	}
	struct mdisk *md = model_disk(m, s->wtd);
	if (md != NULL) {
		log_event(LOG_LVL_INFO, LOG_ID_OBJECT_DELETED, "disk %" PRIu32 " (%s) deleted%s",
			  s->wtd, md->d->path, s->delete_file ? " with its file" : "");
		model_remove_disk(m, md);
	}
	if (model_add_intent(m, talloc_steal(m, s->intent)) < 0)
		log_warn("out of memory: the deleted disk's loop device is cleaned at the next "
			 "start");
	else
		reconciler_disk_changed(c, s->wtd); /* runs the intent at the next pass */
	op->wait_reconcile = true;
	op_finish(op, 0, NULL);
}

struct tevent_req *core_disk_delete_send(TALLOC_CTX *mem, struct core *c, uint32_t wtd,
					 bool delete_file)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, "delete a virtual disk",
					 sizeof(struct delete_state), delete_start, &op);
	if (req != NULL && tevent_req_is_in_progress(req)) {
		struct delete_state *s = op->state;
		s->wtd = wtd;
		s->delete_file = delete_file;
	}
	return req;
}

int core_disk_delete_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}
