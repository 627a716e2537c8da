/* Virtual disk mutations. Registering an existing VHD is one transaction.
 * Creating a VHD with its disk, growing one, and deleting a disk touch files
 * or loop devices too: an intent row is committed first and removed last,
 * and recover.c or the reconciler finishes whatever a crash interrupted
 * (docs/core.md, "Crash safety", has the argument step by step). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "core/file_jobs.h"
#include "core/rules.h"
#include "core/store.h"
#include "istmd/log.h"

/* ---- create ---- */

struct create_state {
	struct core_disk_spec spec;
	char *input;            /* the path as given (may hold a NUL: refused) */
	size_t input_len;
	struct storage_path *p; /* parsed */
	uint32_t wtd;
	struct core_disk *disk;
	struct intent *intent;  /* with a new file */
	int error;              /* the failure being rolled back */
	char *error_why;
};

static void rollback_tmp_removed(struct op *op);

/* Removes the temporary file (if any), then continues with the rollback. */
static void unlink_tmp(struct op *op)
{
	struct create_state *s = op->state;
	struct file_job *u = file_job_new(NULL, FJ_UNLINK_TMP, op->c->sp, s->p->posix);
	if (u == NULL || (u->tmp_name = talloc_strdup(u, s->intent->tmp_name)) == NULL) {
		talloc_free(u);
		rollback_tmp_removed(op);
		return;
	}
	op_io(op, file_job_run, u, rollback_tmp_removed);
}

static void create_fail(struct op *op, int rc, const char *why)
{
	op_finish(op, rc, "%s", why ? why : strerror(-rc));
}

static struct core_disk *new_disk(struct op *op, struct create_state *s, enum core_vhd_type type,
				  uint64_t size, const char *parent)
{
	struct core_disk *d = talloc_zero(op, struct core_disk);
	if (d == NULL)
		return NULL;
	d->wtd = s->wtd;
	core_guid_new(d->guid);
	char serial[CORE_GUID_LEN + 1];
	size_t k = 0;
	for (const char *g = d->guid; *g; g++)
		if (*g != '-')
			serial[k++] = *g;
	serial[k] = '\0';
	d->serial = talloc_strdup(d, serial);
	d->device_id = talloc_strdup(d, d->guid);
	d->path = talloc_strdup(d, s->p->posix);
	d->description = talloc_strdup(d, s->spec.description ? s->spec.description : "");
	d->type = CORE_WTD_FILE;
	d->flags = CORE_WTD_FLAG_ENABLE_LUN_MAPPING;
	d->enabled = true;
	d->size = size;
	d->vhd_type = type;
	d->parent_path = talloc_strdup(d, parent ? parent : "");
	d->resource_name = talloc_strdup(d, "");
	d->resource_group = talloc_strdup(d, "");
	if (!d->serial || !d->device_id || !d->path || !d->description || !d->parent_path ||
	    !d->resource_name || !d->resource_group) {
		talloc_free(d);
		return NULL;
	}
	model_disk_derive(op->c, d);
	return d;
}

/* The disk is committed and its file in place: it joins the model. */
static void create_done(struct op *op)
{
	struct create_state *s = op->state;
	struct model *m = op->c->model;
	struct mdisk *md = talloc_zero(m, struct mdisk);
	if (md != NULL)
		md->d = talloc_steal(md, s->disk);
	if (md == NULL || model_add_disk(m, md) < 0) {
		talloc_free(md);
		op_finish(op, -ENOMEM, "created, but out of memory: restart istmd");
		return;
	}
	if (s->intent != NULL)
		model_remove_intent(m, s->intent->id);
	log_event(LOG_LVL_INFO, LOG_ID_OBJECT_CREATED,
		  "disk %" PRIu32 " created on %s (%s VHD, %" PRIu64 " bytes)", md->d->wtd,
		  md->d->path, core_vhd_type_name(md->d->vhd_type), md->d->size);
	op_set_result(op, &md->d->wtd, sizeof(md->d->wtd));
	op_finish(op, 0, NULL);
}

/* -- an existing VHD: inspect, then one transaction -- */

static void register_inspected(struct op *op)
{
	struct create_state *s = op->state;
	struct file_job *j = op_io_arg(op);
	if (op->rc < 0 || j == NULL) {
		op_finish(op, op->rc < 0 ? op->rc : -ENOMEM, NULL);
		return;
	}
	if (j->rc < 0) {
		create_fail(op, j->rc, j->reason);
		return;
	}
	s->disk = new_disk(op, s, j->vhd_type, j->virtual_size, j->parent_path);
	if (s->disk != NULL) {
		s->disk->file_dev = j->file_dev;
		s->disk->file_ino = j->file_ino;
	}
	struct store_tx *tx = store_tx_new(op);
	char next[16];
	snprintf(next, sizeof(next), "%" PRIu32, s->wtd + 1);
	if (s->disk == NULL || tx == NULL || store_tx_put_disk(tx, s->disk) < 0 ||
	    store_tx_set_meta(tx, STORE_META_NEXT_WTD, next) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, create_done);
}

/* -- a new VHD: intent (phase 1), file under a temporary name, disk row and
 * intent phase 2, rename into place, intent removed -- */

static void new_file_created(struct op *op);
static void new_disk_committed(struct op *op);
static void new_file_renamed(struct op *op);
static void new_intent_removed(struct op *op);
static void rollback_phase1_saved(struct op *op);
static void rollback_done(struct op *op);

static void new_intent_committed(struct op *op)
{
	struct create_state *s = op->state;
	struct core *c = op->c;
	if (model_track_intent(c->model, s->intent) < 0) {
		op_finish(op, -ENOMEM, NULL); /* recovery removes the intent at the next start */
		return;
	}
	core_crash_point(c, "create.intent");
	struct file_job *j = file_job_new(NULL, FJ_CREATE, c->sp, s->p->posix);
	if (j == NULL || (j->tmp_name = talloc_strdup(j, s->intent->tmp_name)) == NULL) {
		talloc_free(j);
		s->error = -ENOMEM;
		rollback_tmp_removed(op);
		return;
	}
	j->type = s->spec.new_type;
	j->size = s->spec.new_size;
	j->sparse = s->spec.sparse;
	j->must_not_exist = true;
	op_io(op, file_job_run, j, new_file_created);
}

static void new_file_created(struct op *op)
{
	struct create_state *s = op->state;
	struct core *c = op->c;
	struct file_job *j;
	int rc = op_file_job(op, &j);
	if (rc < 0) {
		s->error = rc;
		s->error_why = j ? talloc_strdup(op, j->reason) : NULL;
		unlink_tmp(op); /* the file, if any, exists only under the temporary name */
		return;
	}
	core_crash_point(c, "create.file");
	s->disk = new_disk(op, s, s->spec.new_type, s->spec.new_size, NULL);
	if (s->disk != NULL) {
		s->disk->file_dev = j->file_dev;
		s->disk->file_ino = j->file_ino;
	}
	struct intent *phase2 = intent_dup(op, s->intent);
	struct store_tx *tx = store_tx_new(op);
	char next[16];
	snprintf(next, sizeof(next), "%" PRIu32, s->wtd + 1);
	if (s->disk == NULL || phase2 == NULL || tx == NULL) {
		s->error = -ENOMEM;
		new_disk_committed(op); /* takes the failure path */
		return;
	}
	phase2->phase = 2;
	if (store_tx_put_disk(tx, s->disk) < 0 || store_tx_set_meta(tx, STORE_META_NEXT_WTD, next) < 0 ||
	    store_tx_put_intent(tx, phase2) < 0) {
		s->error = -ENOMEM;
		new_disk_committed(op);
		return;
	}
	op_store(op, tx, new_disk_committed);
}

static void new_disk_committed(struct op *op)
{
	struct create_state *s = op->state;
	struct core *c = op->c;
	if (s->error == 0 && op->rc < 0) {
		s->error = op->rc;
		s->error_why = talloc_steal(op, op->why);
		op->why = NULL;
	}
	if (s->error < 0) {
		unlink_tmp(op); /* phase 1 still: the unfinished file goes, then the intent */
		return;
	}
	s->intent->phase = 2;
	core_crash_point(c, "create.commit");
	struct file_job *j = file_job_new(NULL, FJ_RENAME_TMP, c->sp, s->p->posix);
	if (j == NULL || (j->tmp_name = talloc_strdup(j, s->intent->tmp_name)) == NULL) {
		talloc_free(j);
		/* Left to recovery: the intent says phase 2. */
		op_finish(op, -ENOMEM, "out of memory; the next start finishes the creation");
		return;
	}
	op_io(op, file_job_run, j, new_file_renamed);
}

static void new_file_renamed(struct op *op)
{
	struct create_state *s = op->state;
	struct core *c = op->c;
	struct file_job *j;
	int rc = op_file_job(op, &j);
	if (rc < 0) {
		/* Someone took the name meanwhile: back to phase 1 with no disk
		 * row (one transaction), then the file, then the intent. */
		s->error = rc == -EEXIST ? -EEXIST : rc;
		s->error_why = talloc_asprintf(op, "%s", j ? j->reason : "cannot rename");
		struct store_tx *tx = store_tx_new(op);
		s->intent->phase = 1;
		if (tx == NULL || store_tx_delete_disk(tx, s->wtd) < 0 ||
		    store_tx_put_intent(tx, s->intent) < 0) {
			op_finish(op, -ENOMEM, "out of memory; the next start finishes the creation");
			return;
		}
		op_store(op, tx, rollback_phase1_saved);
		return;
	}
	core_crash_point(c, "create.rename");
	struct store_tx *tx = store_tx_new(op);
	if (tx == NULL || store_tx_delete_intent(tx, s->intent->id) < 0) {
		op_finish(op, -ENOMEM, "out of memory; the next start finishes the creation");
		return;
	}
	op_store(op, tx, new_intent_removed);
}

static void new_intent_removed(struct op *op)
{
	/* The disk is whole whatever this commit did: a leftover intent in
	 * phase 2 with the file in place is finished by the next start. */
	if (op->rc < 0)
		log_warn("%s: the intent stays until the next start: %s", op->what,
			 op->why ? op->why : strerror(-op->rc));
	create_done(op);
}

static void rollback_phase1_saved(struct op *op)
{
	struct create_state *s = op->state;
	if (op->rc < 0) {
		op_finish(op, s->error, "%s (cleaning up is left to the next start)",
			  s->error_why ? s->error_why : strerror(-s->error));
		return;
	}
	unlink_tmp(op);
}

static void rollback_tmp_removed(struct op *op)
{
	struct create_state *s = op->state;
	struct store_tx *tx = store_tx_new(op);
	if (tx == NULL || store_tx_delete_intent(tx, s->intent->id) < 0) {
		rollback_done(op);
		return;
	}
	op_store(op, tx, rollback_done);
}

static void rollback_done(struct op *op)
{
	struct create_state *s = op->state;
	if (op->rc == 0)
		model_remove_intent(op->c->model, s->intent->id);
	op_finish(op, s->error < 0 ? s->error : -EIO, "%s",
		  s->error_why && s->error_why[0] ? s->error_why : strerror(-s->error));
}

static void create_start(struct op *op)
{
	struct create_state *s = op->state;
	struct core *c = op->c;
	struct model *m = c->model;
	if (s->spec.type != CORE_WTD_FILE) {
		op_finish(op, -EOPNOTSUPP, "only file-based virtual disks (VHD files) exist here");
		return;
	}
	if (rules_text(s->spec.description, CORE_TEXT_MAX, true) < 0) {
		op_finish(op, -EINVAL, "the description is not UTF-8 of at most %d bytes",
			  CORE_TEXT_MAX);
		return;
	}
	int rc = storage_path_parse_n(op, c->sp, s->input, s->input_len, &s->p);
	if (rc < 0) {
		op_finish(op, rc, "'%s' is not a path under the storage roots (%s)", s->input,
			  strerror(-rc));
		return;
	}
	const struct mdisk *other = model_disk_by_path(m, s->p->posix);
	if (other != NULL) {
		op_finish(op, -EEXIST, "disk %" PRIu32 " uses %s", other->d->wtd, s->p->posix);
		return;
	}
	if (model_intent_for_path(m, s->p->posix) != NULL) {
		op_finish(op, -EBUSY, "an operation on %s is under way", s->p->posix);
		return;
	}
	if (m->next_wtd == UINT32_MAX) {
		op_finish(op, -ERANGE, "no virtual disk index is left");
		return;
	}
	s->wtd = m->next_wtd++;
	if (s->spec.new_size == 0) {
		struct file_job *j = file_job_new(NULL, FJ_INSPECT, c->sp, s->p->posix);
		if (j == NULL) {
			op_finish(op, -ENOMEM, NULL);
			return;
		}
		j->exact = true; /* a disk's file is reached without symlinks, always */
		op_io(op, file_job_run, j, register_inspected);
		return;
	}
	if (s->spec.new_size % VHD_SECTOR_SIZE != 0 || s->spec.new_size > VHD_MAX_VIRTUAL_SIZE) {
		op_finish(op, -ERANGE, "a VHD's size is a multiple of 512 bytes up to %llu",
			  VHD_MAX_VIRTUAL_SIZE);
		return;
	}
	if (s->spec.new_type != CORE_VHD_FIXED && s->spec.new_type != CORE_VHD_DYNAMIC) {
		op_finish(op, -EOPNOTSUPP, "a new disk's VHD is fixed or dynamic");
		return;
	}
	uint32_t rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)s->wtd;
	struct intent *i = talloc_zero(op, struct intent);
	if (i == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	i->id = m->next_intent++;
	i->kind = INTENT_CREATE_FILE;
	i->phase = 1;
	i->wtd = s->wtd;
	i->path = talloc_strdup(i, s->p->posix);
	i->tmp_name = talloc_asprintf(i, ".istmd-new-%" PRId64 "-%08x.vhd", i->id, rnd);
	s->intent = i;
	struct store_tx *tx = store_tx_new(op);
	if (i->path == NULL || i->tmp_name == NULL || tx == NULL || store_tx_put_intent(tx, i) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, new_intent_committed);
}

struct tevent_req *core_disk_create_send(TALLOC_CTX *mem, struct core *c,
					 const struct core_disk_spec *spec)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, "create a virtual disk", sizeof(struct create_state),
					 create_start, &op);
	if (req == NULL || !tevent_req_is_in_progress(req))
		return req;
	struct create_state *s = op->state;
	s->spec = *spec;
	size_t len = spec->path ? (spec->path_len ? spec->path_len : strlen(spec->path)) : 0;
	s->input = talloc_size(op, len + 1);
	if (s->input != NULL) {
		if (len > 0)
			memcpy(s->input, spec->path, len);
		s->input[len] = '\0';
	}
	s->input_len = len;
	s->spec.description = talloc_strdup(op, spec->description ? spec->description : "");
	if (s->input == NULL || s->spec.description == NULL) {
		talloc_free(op);
		tevent_req_oom(req);
		return tevent_req_post(req, c->ev);
	}
	s->spec.path = NULL;
	s->spec.description = talloc_strdup(op, spec->description ? spec->description : "");
	return req;
}

int core_disk_create_recv(struct tevent_req *req, TALLOC_CTX *mem, uint32_t *wtd, char **why)
{
	int rc = op_recv(req, mem, why);
	if (rc == 0 && wtd != NULL) {
		const uint32_t *w = op_req_result(req);
		*wtd = w ? *w : 0;
	}
	return rc;
}
