/* Rolling a disk back to a snapshot (MS-ISTM 3.36.4.14; docs/snapshots.md).
 *
 * Refused while initiators are logged in to a target that maps the disk.
 * Steps, each durable before the next:
 *   1. a space-sharing copy of the snapshot, .istmd-snapshots/<disk>/
 *      rollback-<id>.tmp (a crash now: an orphan the next start removes);
 *   2. the snapshot's row records the rollback (phase 1, the copy's inode,
 *      whether the disk was enabled);
 *   3. the disk is disabled (its LUN leaves the target, its loop device goes);
 *   4. the copy is renamed over the disk's file: atomic, so the disk has
 *      either its old or its rolled-back content, never a mix;
 *   5. the disk's record takes the new file's identity, phase 0, one commit;
 *   6. the disk is enabled again if it was.
 * A crash between 2 and 5 is finished at the next start (snapshots_store.c):
 * the disk's file tells whether the rename happened. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/snapshots_internal.h"
#include "core/store.h"
#include "istmd/log.h"

struct rb_job {
	const struct storage_paths *sp;
	int root;
	const struct snap_provider *provider;
	char disk_guid[CORE_GUID_LEN + 1];
	char id[CORE_GUID_LEN + 1];
	char *disk_path;
	uint64_t file_dev, file_ino; /* the disk's file on record */
	bool rename;                 /* step 4, else step 1 */
	uint64_t new_dev, new_ino;   /* the copy */
	int rc;
	char reason[512];
};

static void rb_job_run(void *arg)
{
	struct rb_job *j = arg;
	char tmp[CORE_GUID_LEN + 32], name[CORE_GUID_LEN + 8];
	snprintf(tmp, sizeof(tmp), "rollback-%s.tmp", j->id);
	snprintf(name, sizeof(name), "%s%s", j->id, SNAP_FILE_SUFFIX);
	int sdir = snap_dir_open(j->sp->roots[j->root].dirfd, j->disk_guid, false);
	if (sdir < 0) {
		j->rc = sdir;
		snprintf(j->reason, sizeof(j->reason), "cannot open the snapshot directory: %s",
			 strerror(-sdir));
		return;
	}
	if (!j->rename) {
		int sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		unlinkat(sdir, tmp, 0); /* a previous attempt's */
		j->rc = sfd < 0 ? -errno : snap_clone_to(j->provider, sfd, sdir, tmp, true);
		struct stat st;
		if (j->rc == 0 && fstatat(sdir, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			j->new_dev = (uint64_t)st.st_dev;
			j->new_ino = (uint64_t)st.st_ino;
		} else if (j->rc == 0) {
			j->rc = -errno;
		}
		if (j->rc < 0)
			snprintf(j->reason, sizeof(j->reason), "cannot copy snapshot %s: %s", j->id,
				 strerror(-j->rc));
		if (sfd >= 0)
			close(sfd);
		close(sdir);
		return;
	}
	struct storage_path *p = NULL;
	const char *dname = NULL;
	int rc = storage_path_parse(j, j->sp, j->disk_path, &p);
	int ddir = rc == 0 ? storage_path_open_parent(p, &dname) : rc;
	struct stat st;
	if (ddir >= 0 && (fstatat(ddir, dname, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			  !S_ISREG(st.st_mode) ||
			  (j->file_ino != 0 && ((uint64_t)st.st_dev != j->file_dev ||
						(uint64_t)st.st_ino != j->file_ino)))) {
		j->rc = -ESTALE;
		snprintf(j->reason, sizeof(j->reason), "%s is not the disk's file any more; "
			 "not rolled back", j->disk_path);
	} else if (ddir < 0) {
		j->rc = ddir;
		snprintf(j->reason, sizeof(j->reason), "cannot open the directory of %s: %s",
			 j->disk_path, strerror(-ddir));
	} else if (renameat(sdir, tmp, ddir, dname) != 0) {
		j->rc = -errno;
		snprintf(j->reason, sizeof(j->reason), "cannot rename the copy over %s: %s",
			 j->disk_path, strerror(errno));
	} else {
		fsync(ddir);
		fsync(sdir);
	}
	if (ddir >= 0)
		close(ddir);
	close(sdir);
}

struct rb_state {
	struct core *c;
	char *id;
	uint32_t wtd;
	bool was_enabled;
	struct rb_job *job;
	struct snap_rollback rb;
	int rc;       /* a failure after the disk was disabled */
	char *why;
};

static void rb_sessions(struct tevent_req *subreq);
static void rb_copied(struct tevent_req *subreq);
static void rb_recorded(struct tevent_req *subreq);
static void rb_disabled(struct tevent_req *subreq);
static void rb_finish_commit(struct tevent_req *req, bool renamed);
static void rb_renamed(struct tevent_req *subreq);
static void rb_committed(struct tevent_req *subreq);
static void rb_enabled(struct tevent_req *subreq);
static void rb_end(struct tevent_req *req);

static void rb_fail(struct tevent_req *req, int rc, const char *why)
{
	struct rb_state *s = tevent_req_data(req, struct rb_state);
	if (s->why == NULL && why != NULL)
		s->why = talloc_strdup(s, why);
	s->rc = rc;
	rb_end(req);
}

struct tevent_req *core_snapshot_rollback_send(TALLOC_CTX *mem, struct core *c, const char *id)
{
	struct rb_state *s;
	struct tevent_req *req = tevent_req_create(mem, &s, struct rb_state);
	if (req == NULL)
		return NULL;
	s->c = c;
	s->id = talloc_strdup(s, id ? id : "");
	struct msnap *ms = snap_find(c, id);
	struct mdisk *md = ms != NULL ? model_disk(c->model, ms->s->orig_wtd) : NULL;
	int rc = 0;
	if (ms == NULL || md == NULL) {
		rc = -ENOENT;
		s->why = talloc_asprintf(s, ms ? "the disk of snapshot %s is gone"
					      : "no snapshot %s", s->id);
	} else if (ms->busy || ms->rb.phase != 0) {
		rc = -EALREADY;
		s->why = talloc_asprintf(s, "snapshot %s is being exported or rolled back", s->id);
	} else if (!md->d->enabled) {
		rc = -EACCES;
		s->why = talloc_asprintf(s, "disk %" PRIu32 " is disabled", md->d->wtd);
	} else if (snap_root_index(c->sp, ms->s->root) < 0 ||
		   snap_model(c)->roots[snap_root_index(c->sp, ms->s->root)].provider == NULL) {
		rc = -EIO;
		s->why = talloc_asprintf(s, "the storage root %s is not usable", ms->s->root);
	}
	for (size_t i = 0; rc == 0 && i < snap_model(c)->n; i++) {
		struct msnap *o = snap_model(c)->snaps[i];
		if (o->s->orig_wtd == ms->s->orig_wtd && (o->rb.phase != 0 ||
		    (o->s->status & CORE_SNAP_STATUS_ROLLBACK))) {
			rc = -EALREADY;
			s->why = talloc_asprintf(s, "a rollback of disk %" PRIu32 " runs",
						 ms->s->orig_wtd);
		}
	}
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return tevent_req_post(req, c->ev);
	}
	s->wtd = md->d->wtd;
	s->was_enabled = md->d->enabled;
	ms->busy = true;
	ms->s->status |= CORE_SNAP_STATUS_ROLLBACK;
	struct tevent_req *subreq = core_sessions_send(s, c, NULL);
	if (subreq == NULL) {
		rb_fail(req, -ENOMEM, NULL);
		return tevent_req_post(req, c->ev);
	}
	tevent_req_set_callback(subreq, rb_sessions, req);
	return req;
}

static void rb_sessions(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct rb_state *s = tevent_req_data(req, struct rb_state);
	struct core_session *sess = NULL;
	size_t n = 0;
	int rc = core_sessions_recv(subreq, s, &sess, &n);
	talloc_free(subreq);
	if (rc == -ENOTCONN) /* no backend: nobody can be logged in */
		rc = 0, n = 0;
	if (rc < 0) {
		rb_fail(req, rc, "cannot list the sessions");
		return;
	}
	char **guids = NULL;
	size_t ng = 0;
	core_disk_targets(s, s->c, s->wtd, &guids, &ng);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < ng; k++)
			if (sess[i].target_guid != NULL && strcmp(sess[i].target_guid, guids[k]) == 0) {
				s->why = talloc_asprintf(s, "initiator %s is logged in to target %s, "
							 "which maps disk %" PRIu32,
							 sess[i].info.initiator_iqn
								 ? sess[i].info.initiator_iqn : "?",
							 sess[i].target_name, s->wtd);
				rb_fail(req, -EBUSY, NULL);
				return;
			}
	struct msnap *ms = snap_find(s->c, s->id);
	struct mdisk *md = model_disk(s->c->model, s->wtd);
	if (ms == NULL || md == NULL) {
		rb_fail(req, -ENOENT, "the snapshot or its disk went meanwhile");
		return;
	}
	struct rb_job *j = talloc_zero(s, struct rb_job);
	if (j == NULL) {
		rb_fail(req, -ENOMEM, NULL);
		return;
	}
	j->sp = s->c->sp;
	j->root = snap_root_index(s->c->sp, ms->s->root);
	j->provider = snap_model(s->c)->roots[j->root].provider;
	snprintf(j->disk_guid, sizeof(j->disk_guid), "%s", ms->s->disk_guid);
	snprintf(j->id, sizeof(j->id), "%s", ms->s->id);
	j->disk_path = talloc_strdup(j, md->d->path);
	j->file_dev = md->d->file_dev;
	j->file_ino = md->d->file_ino;
	s->job = j;
	subreq = core_io_send(s, s->c, rb_job_run, talloc_steal(NULL, j));
	if (subreq == NULL) {
		rb_fail(req, -ENOMEM, NULL);
		return;
	}
	tevent_req_set_callback(subreq, rb_copied, req);
}

static struct rb_job *job_back(struct tevent_req *subreq, struct rb_state *s, int *rc)
{
	struct rb_job *j = NULL;
	*rc = core_io_recv(subreq, s, (void **)&j);
	talloc_free(subreq);
	if (j != NULL)
		s->job = j;
	if (*rc == 0)
		*rc = j != NULL ? j->rc : -ENOMEM;
	return j;
}

static void rb_copied(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct rb_state *s = tevent_req_data(req, struct rb_state);
	int rc;
	struct rb_job *j = job_back(subreq, s, &rc);
	if (rc < 0) {
		rb_fail(req, rc, j ? j->reason : NULL);
		return;
	}
	core_crash_point(s->c, "rollback-copied");
	struct msnap *ms = snap_find(s->c, s->id);
	if (ms == NULL) {
		rb_fail(req, -ENOENT, "the snapshot went meanwhile");
		return;
	}
	s->rb.phase = 1;
	s->rb.new_ino = j->new_ino;
	s->rb.enable = s->was_enabled;
	subreq = snap_record_rb_send(s, s->c, ms->s, &s->rb);
	if (subreq == NULL) {
		rb_fail(req, -ENOMEM, NULL);
		return;
	}
	tevent_req_set_callback(subreq, rb_recorded, req);
}

static void rb_recorded(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct rb_state *s = tevent_req_data(req, struct rb_state);
	int rc = op_recv(subreq, s, &s->why);
	talloc_free(subreq);
	if (rc < 0) {
		rb_fail(req, rc, NULL);
		return;
	}
	core_crash_point(s->c, "rollback-recorded");
	struct core_disk_update upd = { .fields = CORE_DISK_SET_ENABLED, .enabled = false };
	subreq = core_disk_update_send(s, s->c, s->wtd, &upd);
	if (subreq == NULL) {
		rb_fail(req, -ENOMEM, NULL);
		return;
	}
	tevent_req_set_callback(subreq, rb_disabled, req);
}

static void rb_disabled(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct rb_state *s = tevent_req_data(req, struct rb_state);
	char *why = NULL;
	int rc = core_disk_update_recv(subreq, s, &why);
	talloc_free(subreq);
	struct mdisk *md = model_disk(s->c->model, s->wtd);
	if (rc == 0 && md == NULL) {
		rc = -ENOENT;
		why = talloc_strdup(s, "the disk went meanwhile");
	}
	if (rc < 0) {
		/* no rename: the disk keeps its content; the rollback ends */
		s->rc = rc;
		s->why = why;
		rb_finish_commit(req, false);
		return;
	}
	s->job->rename = true;
	s->job->file_dev = md->d->file_dev;
	s->job->file_ino = md->d->file_ino;
	subreq = core_io_send(s, s->c, rb_job_run, talloc_steal(NULL, s->job));
	if (subreq == NULL) {
		s->rc = -ENOMEM;
		rb_finish_commit(req, false);
		return;
	}
	tevent_req_set_callback(subreq, rb_renamed, req);
}

/* After the rename (or its failure): the disk's record and the rollback's
 * end in one commit. */
struct commit_state {
	uint32_t wtd;
	bool renamed;
	uint64_t dev, ino;
	bool enable;
	struct core_snapshot *snap;
};

static void commit_done(struct op *op)
{
	struct commit_state *cs = op->state;
	struct msnap *ms = snap_find(op->c, cs->snap->id);
	if (ms != NULL)
		ms->rb.phase = 0;
	if (op->rc == 0 && cs->renamed)
		reconciler_disk_changed(op->c, cs->wtd);
	op_finish(op, op->rc, NULL);
}

static void commit_start(struct op *op)
{
	struct commit_state *cs = op->state;
	struct mdisk *md = model_disk(op->c->model, cs->wtd);
	struct store_tx *tx = store_tx_new(op);
	struct snap_rollback none = { 0 };
	if (tx == NULL || snap_tx_put(tx, cs->snap, &none) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	if (md != NULL && cs->renamed) {
		md->d->file_dev = cs->dev;
		md->d->file_ino = cs->ino;
		if (store_tx_put_disk(tx, md->d) < 0) {
			op_finish(op, -ENOMEM, NULL);
			return;
		}
	}
	op_store(op, tx, commit_done);
}

static void rb_renamed(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct rb_state *s = tevent_req_data(req, struct rb_state);
	int rc;
	struct rb_job *j = job_back(subreq, s, &rc);
	if (rc < 0) {
		s->rc = rc;
		if (s->why == NULL && j != NULL)
			s->why = talloc_strdup(s, j->reason);
	}
	core_crash_point(s->c, "rollback-renamed");
	rb_finish_commit(req, rc == 0);
}

static void rb_finish_commit(struct tevent_req *req, bool renamed)
{
	struct rb_state *s = tevent_req_data(req, struct rb_state);
	struct msnap *ms = snap_find(s->c, s->id);
	struct op *op;
	struct tevent_req *subreq =
		ms != NULL ? op_send(s, s->c, "finish a rollback", sizeof(struct commit_state),
				     commit_start, &op)
			   : NULL;
	if (subreq == NULL) {
		if (s->rc == 0)
			s->rc = -ENOMEM;
		rb_end(req);
		return;
	}
	if (tevent_req_is_in_progress(subreq)) {
		struct commit_state *cs = op->state;
		cs->wtd = s->wtd;
		cs->renamed = renamed;
		cs->dev = s->job ? s->job->new_dev : 0;
		cs->ino = s->job ? s->job->new_ino : 0;
		cs->snap = core_snapshot_dup(op, ms->s);
	}
	tevent_req_set_callback(subreq, rb_committed, req);
}

static void rb_committed(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct rb_state *s = tevent_req_data(req, struct rb_state);
	char *why = NULL;
	int rc = op_recv(subreq, s, &why);
	talloc_free(subreq);
	if (rc < 0 && s->rc == 0) {
		s->rc = rc;
		s->why = why;
	}
	if (!s->was_enabled) {
		rb_end(req);
		return;
	}
	struct core_disk_update upd = { .fields = CORE_DISK_SET_ENABLED, .enabled = true };
	subreq = core_disk_update_send(s, s->c, s->wtd, &upd);
	if (subreq == NULL) {
		rb_end(req);
		return;
	}
	tevent_req_set_callback(subreq, rb_enabled, req);
}

static void rb_enabled(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct rb_state *s = tevent_req_data(req, struct rb_state);
	char *why = NULL;
	int rc = core_disk_update_recv(subreq, s, &why);
	talloc_free(subreq);
	if (rc < 0 && s->rc == 0) {
		s->rc = rc;
		s->why = why;
	}
	rb_end(req);
}

static void rb_end(struct tevent_req *req)
{
	struct rb_state *s = tevent_req_data(req, struct rb_state);
	struct msnap *ms = snap_find(s->c, s->id);
	if (ms != NULL) {
		ms->busy = false;
		ms->s->status &= ~CORE_SNAP_STATUS_ROLLBACK;
	}
	if (s->rc < 0) {
		log_warn("rollback of disk %" PRIu32 " from %s: %s", s->wtd, s->id,
			 s->why ? s->why : strerror(-s->rc));
		tevent_req_error(req, -s->rc);
		return;
	}
	log_notice("disk %" PRIu32 " rolled back to snapshot %s", s->wtd, s->id);
	tevent_req_done(req);
}

int core_snapshot_rollback_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	struct rb_state *s = tevent_req_data(req, struct rb_state);
	enum tevent_req_state rs;
	uint64_t err;
	if (why != NULL)
		*why = NULL;
	if (tevent_req_is_error(req, &rs, &err)) {
		if (why != NULL && s->why != NULL)
			*why = talloc_steal(mem, s->why);
		return rs == TEVENT_REQ_USER_ERROR ? -(int)err : -ENOMEM;
	}
	return 0;
}
