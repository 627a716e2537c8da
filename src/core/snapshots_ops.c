/* Snapshots: delete (with the exported disk), export as a new virtual disk,
 * roll a disk back. Each is a short chain of core operations and public
 * disk operations, so that no step holds the core's turn while waiting for
 * another mutation. docs/snapshots.md. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/snapshots_internal.h"
#include "core/store.h"
#include "istmd/log.h"

/* ---- delete ---- */

struct sdel_state {
	struct core *c;
	char *id;
	char *why;
};

static void sdel_disk_done(struct tevent_req *subreq);
static void sdel_done(struct tevent_req *subreq);

struct tevent_req *core_snapshot_delete_send(TALLOC_CTX *mem, struct core *c, const char *id)
{
	struct sdel_state *s;
	struct tevent_req *req = tevent_req_create(mem, &s, struct sdel_state);
	if (req == NULL)
		return NULL;
	s->c = c;
	s->id = talloc_strdup(s, id ? id : "");
	struct msnap *ms = snap_find(c, id);
	struct tevent_req *subreq;
	if (ms != NULL && ms->s->exported_wtd != CORE_NO_WTD &&
	    model_disk(c->model, ms->s->exported_wtd) != NULL) {
		/* MS-ISTM 3.38.4.6: the exported LUN goes with the snapshot */
		subreq = core_disk_delete_send(s, c, ms->s->exported_wtd, true);
		if (tevent_req_nomem(subreq, req))
			return tevent_req_post(req, c->ev);
		tevent_req_set_callback(subreq, sdel_disk_done, req);
		return req;
	}
	subreq = snap_delete_only_send(s, c, id);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, c->ev);
	tevent_req_set_callback(subreq, sdel_done, req);
	return req;
}

static void sdel_disk_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct sdel_state *s = tevent_req_data(req, struct sdel_state);
	int rc = core_disk_delete_recv(subreq, s, &s->why);
	talloc_free(subreq);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	subreq = snap_delete_only_send(s, s->c, s->id);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, sdel_done, req);
}

static void sdel_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct sdel_state *s = tevent_req_data(req, struct sdel_state);
	int rc = op_recv(subreq, s, &s->why);
	talloc_free(subreq);
	if (rc < 0)
		tevent_req_error(req, -rc);
	else
		tevent_req_done(req);
}

static int plain_recv(struct tevent_req *req, char *state_why, TALLOC_CTX *mem, char **why)
{
	enum tevent_req_state rs;
	uint64_t err;
	if (why != NULL)
		*why = NULL;
	if (tevent_req_is_error(req, &rs, &err)) {
		if (why != NULL && state_why != NULL)
			*why = talloc_steal(mem, state_why);
		return rs == TEVENT_REQ_USER_ERROR ? -(int)err : -ENOMEM;
	}
	return 0;
}

int core_snapshot_delete_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	struct sdel_state *s = tevent_req_data(req, struct sdel_state);
	return plain_recv(req, s->why, mem, why);
}

/* ---- export ---- */

/* Blocking: clone the snapshot's file to a new file beside the disk's. */
struct export_job {
	const struct storage_paths *sp;
	int root;
	char disk_guid[CORE_GUID_LEN + 1];
	char id[CORE_GUID_LEN + 1];
	const struct snap_provider *provider;
	char *dest_dir;   /* POSIX path of the directory for the new file */
	char *dest_name;
	char *dest_path;  /* out */
	bool remove;      /* undo: unlink dest_path */
	int rc;
	char reason[512];
};

static void export_job_run(void *arg)
{
	struct export_job *j = arg;
	struct storage_path *p = NULL;
	int rc = storage_path_parse(j, j->sp, j->dest_path ? j->dest_path : j->dest_dir, &p);
	if (rc == 0 && j->remove) {
		rc = storage_path_unlink(p);
		j->rc = rc == -ENOENT ? 0 : rc;
		return;
	}
	int dfd = rc == 0 ? storage_path_open(p, O_RDONLY | O_DIRECTORY) : rc;
	int sdir = snap_dir_open(j->sp->roots[j->root].dirfd, j->disk_guid, false);
	char name[CORE_GUID_LEN + 8];
	snprintf(name, sizeof(name), "%s%s", j->id, SNAP_FILE_SUFFIX);
	int sfd = sdir >= 0 ? openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : sdir;
	if (sfd < 0 && sdir >= 0)
		sfd = -errno;
	if (dfd < 0 || sfd < 0) {
		j->rc = dfd < 0 ? dfd : sfd;
		snprintf(j->reason, sizeof(j->reason), "cannot open %s: %s",
			 dfd < 0 ? j->dest_dir : "the snapshot's file", strerror(-j->rc));
	} else {
		j->rc = snap_clone_to(j->provider, sfd, dfd, j->dest_name, true);
		if (j->rc < 0)
			snprintf(j->reason, sizeof(j->reason), "cannot copy the snapshot to %s/%s: %s",
				 j->dest_dir, j->dest_name, strerror(-j->rc));
		else
			j->dest_path = talloc_asprintf(j, "%s%s%s", j->dest_dir,
						       j->dest_dir[strlen(j->dest_dir) - 1] == '/'
							       ? "" : "/", j->dest_name);
	}
	if (dfd >= 0)
		close(dfd);
	if (sfd >= 0)
		close(sfd);
	if (sdir >= 0)
		close(sdir);
}

struct export_state {
	struct core *c;
	char *id;
	uint32_t wtd;
	struct export_job *job;
	char *why;
};

static void export_copied(struct tevent_req *subreq);
static void export_registered(struct tevent_req *subreq);
static void export_undone(struct tevent_req *subreq);
static void export_recorded(struct tevent_req *subreq);

static void export_fail(struct tevent_req *req, int rc, const char *fmt, const char *arg)
{
	struct export_state *s = tevent_req_data(req, struct export_state);
	struct msnap *ms = snap_find(s->c, s->id);
	if (ms != NULL)
		ms->busy = false;
	if (s->why == NULL && fmt != NULL)
		s->why = talloc_asprintf(s, fmt, arg);
	tevent_req_error(req, -rc);
}

struct tevent_req *core_snapshot_export_send(TALLOC_CTX *mem, struct core *c, const char *id)
{
	struct export_state *s;
	struct tevent_req *req = tevent_req_create(mem, &s, struct export_state);
	if (req == NULL)
		return NULL;
	s->c = c;
	s->id = talloc_strdup(s, id ? id : "");
	struct msnap *ms = snap_find(c, id);
	int rc = 0;
	if (ms == NULL) {
		rc = -ENOENT;
		s->why = talloc_asprintf(s, "no snapshot %s", s->id);
	} else if (ms->s->exported_wtd != CORE_NO_WTD) {
		rc = -EALREADY;
		s->why = talloc_asprintf(s, "snapshot %s is exported already as disk %" PRIu32,
					 s->id, ms->s->exported_wtd);
	} else if (ms->busy || ms->rb.phase != 0) {
		rc = -EBUSY;
		s->why = talloc_asprintf(s, "snapshot %s is being exported or rolled back", s->id);
	}
	int root = ms != NULL ? snap_root_index(c->sp, ms->s->root) : -1;
	struct snap_model *sm = snap_model(c);
	if (rc == 0 && (root < 0 || sm->roots[root].provider == NULL)) {
		rc = -EINVAL;
		s->why = talloc_asprintf(s, "the storage root %s of snapshot %s is not usable",
					 ms->s->root, s->id);
	}
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return tevent_req_post(req, c->ev);
	}
	struct export_job *j = talloc_zero(NULL, struct export_job);
	if (tevent_req_nomem(j, req))
		return tevent_req_post(req, c->ev);
	j->sp = c->sp;
	j->root = root;
	j->provider = sm->roots[root].provider;
	snprintf(j->disk_guid, sizeof(j->disk_guid), "%s", ms->s->disk_guid);
	snprintf(j->id, sizeof(j->id), "%s", ms->s->id);
	/* beside the disk's file if the disk is still there, else at the root */
	struct mdisk *md = model_disk(c->model, ms->s->orig_wtd);
	const char *stem = "snapshot";
	char *dir = NULL;
	if (md != NULL && strncmp(md->d->path, ms->s->root, strlen(ms->s->root)) == 0) {
		const char *slash = strrchr(md->d->path, '/');
		dir = talloc_strndup(j, md->d->path, (size_t)(slash - md->d->path) + 1);
		stem = talloc_strdup(j, slash + 1);
		char *dot = strrchr(stem, '.');
		if (dot != NULL && dot != stem)
			*dot = '\0';
	} else {
		dir = talloc_strdup(j, ms->s->root);
	}
	time_t t = (time_t)((ms->s->timestamp - 116444736000000000LL) / 10000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	j->dest_dir = dir;
	j->dest_name = talloc_asprintf(j, "%s-snapshot-%04d%02d%02d-%02d%02d%02d-%.8s.vhd", stem,
				       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				       tm.tm_min, tm.tm_sec, ms->s->id);
	if (dir == NULL || j->dest_name == NULL) {
		talloc_free(j);
		tevent_req_oom(req);
		return tevent_req_post(req, c->ev);
	}
	ms->busy = true;
	struct tevent_req *subreq = core_io_send(s, c, export_job_run, j);
	if (subreq == NULL) {
		talloc_free(j);
		ms->busy = false;
		tevent_req_oom(req);
		return tevent_req_post(req, c->ev);
	}
	tevent_req_set_callback(subreq, export_copied, req);
	return req;
}

static void export_copied(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct export_state *s = tevent_req_data(req, struct export_state);
	struct export_job *j = NULL;
	int rc = core_io_recv(subreq, s, (void **)&j);
	talloc_free(subreq);
	s->job = j;
	if (rc == 0)
		rc = j->rc;
	if (rc < 0) {
		export_fail(req, rc, "%s", j && j->reason[0] ? j->reason : strerror(-rc));
		return;
	}
	struct core_disk_spec spec = {
		.path = j->dest_path,
		.description = talloc_asprintf(s, "snapshot %s", s->id),
		.type = CORE_WTD_FILE,
	};
	subreq = core_disk_create_send(s, s->c, &spec);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, export_registered, req);
}

static void export_registered(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct export_state *s = tevent_req_data(req, struct export_state);
	int rc = core_disk_create_recv(subreq, s, &s->wtd, &s->why);
	talloc_free(subreq);
	if (rc < 0) {
		s->job->remove = true;
		s->job->rc = rc;
		subreq = core_io_send(s, s->c, export_job_run, s->job);
		if (subreq == NULL) {
			export_fail(req, rc, NULL, NULL);
			return;
		}
		tevent_req_set_callback(subreq, export_undone, req);
		return;
	}
	struct msnap *ms = snap_find(s->c, s->id);
	if (ms == NULL) { /* deleted meanwhile: the new disk stays a disk */
		tevent_req_done(req);
		return;
	}
	struct core_snapshot copy = *ms->s;
	copy.exported_wtd = s->wtd;
	subreq = snap_record_send(s, s->c, &copy);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, export_recorded, req);
}

static void export_undone(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct export_state *s = tevent_req_data(req, struct export_state);
	struct export_job *j = NULL;
	int rc = s->job->rc;
	core_io_recv(subreq, s, (void **)&j);
	talloc_free(subreq);
	export_fail(req, rc, NULL, NULL);
}

static void export_recorded(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct export_state *s = tevent_req_data(req, struct export_state);
	int rc = op_recv(subreq, s, &s->why);
	talloc_free(subreq);
	struct msnap *ms = snap_find(s->c, s->id);
	if (ms != NULL)
		ms->busy = false;
	if (rc < 0)
		tevent_req_error(req, -rc);
	else
		tevent_req_done(req);
}

int core_snapshot_export_recv(struct tevent_req *req, TALLOC_CTX *mem, uint32_t *wtd, char **why)
{
	struct export_state *s = tevent_req_data(req, struct export_state);
	int rc = plain_recv(req, s->why, mem, why);
	if (wtd != NULL)
		*wtd = rc == 0 ? s->wtd : CORE_NO_WTD;
	return rc;
}
