/* Snapshots: saving a snapshot's changed fields, what its disk's state
 * follows from them (read-only export, rollback under way), and the space a
 * disk's snapshots use (snapshots.c takes and deletes them).
 * docs/snapshots.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "core/snapshots_internal.h"
#include "core/store.h"

/* ---- record a snapshot's changed fields ---- */

struct record_state {
	struct core_snapshot *snap;
	struct snap_rollback rb;
	bool with_rb;
};

static void record_committed(struct op *op)
{
	struct record_state *s = op->state;
	struct msnap *ms = snap_find(op->c, s->snap->id);
	if (ms != NULL) {
		talloc_free(ms->s);
		ms->s = talloc_steal(ms, s->snap);
		ms->s->status = (ms->s->status & ~CORE_SNAP_STATUS_EXPORTED) |
				(ms->s->exported_wtd != CORE_NO_WTD ? CORE_SNAP_STATUS_EXPORTED : 0);
		if (s->with_rb)
			ms->rb = s->rb;
		if (ms->s->exported_wtd != CORE_NO_WTD) /* its LUN becomes read-only */
			reconciler_disk_changed(op->c, ms->s->exported_wtd);
	}
	op_finish(op, 0, NULL);
}

static void record_start(struct op *op)
{
	struct record_state *s = op->state;
	struct msnap *ms = snap_find(op->c, s->snap->id);
	if (ms == NULL) {
		op_finish(op, -ENOENT, "no snapshot %s", s->snap->id);
		return;
	}
	struct store_tx *tx = store_tx_new(op);
	if (tx == NULL || snap_tx_put(tx, s->snap, s->with_rb ? &s->rb : &ms->rb) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, record_committed);
}

struct tevent_req *snap_record_send(TALLOC_CTX *mem, struct core *c,
				    const struct core_snapshot *snap)
{
	return snap_record_rb_send(mem, c, snap, NULL);
}

struct tevent_req *snap_record_rb_send(TALLOC_CTX *mem, struct core *c,
				       const struct core_snapshot *snap,
				       const struct snap_rollback *rb)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, "save a snapshot", sizeof(struct record_state),
					 record_start, &op);
	if (req != NULL && tevent_req_is_in_progress(req)) {
		struct record_state *s = op->state;
		s->snap = core_snapshot_dup(op, snap);
		if (rb != NULL) {
			s->rb = *rb;
			s->with_rb = true;
		}
		if (s->snap == NULL) {
			/* record_start would dereference it */
			s->snap = talloc_zero(op, struct core_snapshot);
		}
	}
	return req;
}

bool core_snapshot_export_read_only(const struct core *c, uint32_t wtd)
{
	struct snap_model *sm = snap_model(c);
	for (size_t i = 0; sm != NULL && i < sm->n; i++)
		if (sm->snaps[i]->s->exported_wtd == wtd)
			return true;
	return false;
}

bool core_snapshot_disk_reverting(const struct core *c, uint32_t wtd)
{
	struct snap_model *sm = snap_model(c);
	for (size_t i = 0; sm != NULL && i < sm->n; i++)
		if (sm->snaps[i]->s->orig_wtd == wtd &&
		    ((sm->snaps[i]->s->status & CORE_SNAP_STATUS_ROLLBACK) || sm->snaps[i]->rb.phase))
			return true;
	return false;
}

/* ---- space used by a disk's snapshots ---- */

struct usage_job {
	const struct storage_paths *sp;
	int root;
	char disk_guid[CORE_GUID_LEN + 1];
	char **ids;
	size_t n;
	uint64_t used;
};

static void usage_job_run(void *arg)
{
	struct usage_job *j = arg;
	int dfd = snap_dir_open(j->sp->roots[j->root].dirfd, j->disk_guid, false);
	for (size_t i = 0; dfd >= 0 && i < j->n; i++) {
		char name[SNAP_NAME_MAX];
		snprintf(name, sizeof(name), "%s%s", j->ids[i], SNAP_FILE_SUFFIX);
		int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		uint64_t shared = 0, total = 0;
		if (fd >= 0 && snap_shared_bytes(fd, &shared, &total) == 0)
			j->used += total - shared;
		if (fd >= 0)
			close(fd);
	}
	if (dfd >= 0)
		close(dfd);
}

struct usage_state {
	uint64_t used;
};

static void usage_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct usage_state *s = tevent_req_data(req, struct usage_state);
	struct usage_job *j = NULL;
	int rc = core_io_recv(subreq, s, (void **)&j);
	talloc_free(subreq);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	s->used = j->used;
	tevent_req_done(req);
}

struct tevent_req *core_snapshot_usage_send(TALLOC_CTX *mem, struct core *c, uint32_t wtd)
{
	struct usage_state *s;
	struct tevent_req *req = tevent_req_create(mem, &s, struct usage_state);
	if (req == NULL)
		return NULL;
	struct snap_model *sm = snap_model(c);
	struct usage_job *j = talloc_zero(NULL, struct usage_job);
	if (tevent_req_nomem(j, req))
		return tevent_req_post(req, c->ev);
	j->sp = c->sp;
	j->root = -1;
	j->ids = talloc_zero_array(j, char *, sm->n + 1);
	for (size_t i = 0; j->ids != NULL && i < sm->n; i++) {
		const struct core_snapshot *x = sm->snaps[i]->s;
		if (x->orig_wtd != wtd)
			continue;
		j->root = snap_root_index(c->sp, x->root);
		snprintf(j->disk_guid, sizeof(j->disk_guid), "%s", x->disk_guid);
		if ((j->ids[j->n] = talloc_strdup(j->ids, x->id)) != NULL)
			j->n++;
	}
	if (j->n == 0 || j->root < 0) {
		talloc_free(j);
		tevent_req_done(req);
		return tevent_req_post(req, c->ev);
	}
	struct tevent_req *subreq = core_io_send(s, c, usage_job_run, j);
	if (subreq == NULL) {
		talloc_free(j);
		tevent_req_oom(req);
		return tevent_req_post(req, c->ev);
	}
	tevent_req_set_callback(subreq, usage_done, req);
	return req;
}

int core_snapshot_usage_recv(struct tevent_req *req, uint64_t *used)
{
	struct usage_state *s = tevent_req_data(req, struct usage_state);
	enum tevent_req_state rs;
	uint64_t err;
	*used = 0;
	if (tevent_req_is_error(req, &rs, &err))
		return rs == TEVENT_REQ_USER_ERROR ? -(int)err : -ENOMEM;
	*used = s->used;
	return 0;
}
