/* ImportSnapshot in the core (MS-ISTM 3.38.4.7; docs/snapshots.md,
 * "Import"): an unregistered snapshot file, ROOT/.istmd-snapshots/<disk
 * guid>/<id>.vhd with no row (a restored database, a volume brought from
 * another istmd, a create interrupted after its file was complete), becomes
 * snapshot <id> of the disk whose GUID names its directory. The start-up
 * sweep keeps such files (snapshots_store.c); this registers one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/vhd.h"
#include "core/snapshots_internal.h"
#include "core/store.h"
#include "istmd/log.h"

/* ---- finding the file (io pool) ---- */

struct import_job {
	const struct storage_paths *sp;
	char id[CORE_GUID_LEN + 1];
	/* found: */
	int root;
	char disk_guid[CORE_GUID_LEN + 1];
	bool fixed;
	uint64_t virtual_size;
	int64_t mtime_ft; /* FILETIME */
	int rc;
	char reason[512];
};

/* Looks at <id>.vhd in one disk's directory: 1 found (J filled), 0 not. */
static int look(struct import_job *j, int r, const char *disk)
{
	int dfd = snap_dir_open(j->sp->roots[r].dirfd, disk, false);
	if (dfd < 0)
		return 0;
	char name[SNAP_NAME_MAX];
	snprintf(name, sizeof(name), "%s%s", j->id, SNAP_FILE_SUFFIX);
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return 0;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	j->root = r;
	snprintf(j->disk_guid, sizeof(j->disk_guid), "%s", disk);
	j->mtime_ft = ((int64_t)st.st_mtim.tv_sec + 11644473600LL) * 10000000LL +
		      st.st_mtim.tv_nsec / 100;
	struct vhd_info *info = NULL;
	char why[512] = "";
	if (vhd_inspect(NULL, fd, &info, why) == 0 && info != NULL) {
		j->fixed = info->type == VHD_TYPE_FIXED;
		j->virtual_size = info->virtual_size;
	} else {
		snprintf(j->reason, sizeof(j->reason), "%s", why[0] ? why : "not a VHD");
	}
	talloc_free(info);
	close(fd);
	return 1;
}

static void import_job_run(void *arg)
{
	struct import_job *j = arg;
	j->rc = -ENOENT;
	for (size_t r = 0; r < j->sp->count && j->rc == -ENOENT; r++) {
		int top = snap_dir_open(j->sp->roots[r].dirfd, NULL, false);
		DIR *d = top >= 0 ? fdopendir(top) : NULL;
		if (d == NULL) {
			if (top >= 0)
				close(top);
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d)) != NULL)
			if (snap_id_valid(e->d_name) && look(j, (int)r, e->d_name)) {
				j->rc = 0;
				break;
			}
		closedir(d);
	}
}

/* ---- the operation ---- */

struct import_state {
	char id[CORE_GUID_LEN + 1];
	struct core_snapshot_import hint;
	struct core_snapshot *snap;
};

static void import_found(struct op *op);
static void import_committed(struct op *op);

static void import_start(struct op *op)
{
	struct import_state *s = op->state;
	if (!snap_id_valid(s->id)) {
		op_finish(op, -EINVAL, "'%s' is not a snapshot id", s->id);
		return;
	}
	if (snap_find(op->c, s->id) != NULL) {
		op_finish(op, -EEXIST, "snapshot %s is registered already", s->id);
		return;
	}
	struct import_job *j = talloc_zero(NULL, struct import_job);
	if (j == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	j->sp = op->c->sp;
	memcpy(j->id, s->id, sizeof(j->id));
	op_io(op, import_job_run, j, import_found);
}

static struct mdisk *disk_by_guid(const struct core *c, const char *guid)
{
	for (size_t i = 0; i < c->model->n_disks; i++) {
		struct mdisk *md = c->model->disks[i];
		if (md != NULL && strcasecmp(md->d->guid, guid) == 0)
			return md;
	}
	return NULL;
}

static void import_found(struct op *op)
{
	struct import_state *s = op->state;
	struct import_job *j = op_io_arg(op);
	struct core *c = op->c;
	int rc = op->rc < 0 ? op->rc : j != NULL ? j->rc : -ENOMEM;
	if (rc < 0) {
		talloc_free(j);
		op_finish(op, rc, rc == -ENOENT ? "no snapshot file %s%s below the storage roots"
						: "cannot look for %s%s",
			  s->id, SNAP_FILE_SUFFIX);
		return;
	}
	talloc_steal(s, j);
	const char *root = c->sp->roots[j->root].path;
	struct mdisk *md = disk_by_guid(c, j->disk_guid);
	if (md == NULL) {
		op_finish(op, -ENODEV, "%s/%s/%s/%s%s: no disk with GUID %s is registered", root,
			  SNAP_DIR_NAME, j->disk_guid, s->id, SNAP_FILE_SUFFIX, j->disk_guid);
		return;
	}
	uint32_t wtd = md->d->wtd;
	if (s->hint.orig_wtd != CORE_NO_WTD && s->hint.orig_wtd != wtd) {
		op_finish(op, -EXDEV, "snapshot %s is of disk %" PRIu32 ", not of disk %" PRIu32,
			  s->id, wtd, s->hint.orig_wtd);
		return;
	}
	char *why = NULL;
	rc = core_snapshot_supported(op, c, wtd, &why);
	if (rc < 0) {
		op_finish(op, rc, "%s", why ? why : "the disk cannot have snapshots");
		return;
	}
	struct storage_path *p = NULL;
	if (storage_path_parse(op, c->sp, md->d->path, &p) != 0 ||
	    strcmp(p->root->path, root) != 0) {
		op_finish(op, -EXDEV, "snapshot %s is on %s, disk %" PRIu32 " on another volume",
			  s->id, root, wtd);
		return;
	}
	if (!j->fixed || j->virtual_size != md->d->size) {
		op_finish(op, -EMEDIUMTYPE, "%s/%s/%s/%s%s is not a fixed VHD of disk %" PRIu32
			  "'s size (%" PRIu64 " bytes)%s%s", root, SNAP_DIR_NAME, j->disk_guid,
			  s->id, SNAP_FILE_SUFFIX, wtd, md->d->size, j->reason[0] ? ": " : "",
			  j->reason);
		return;
	}
	if (snap_count_disk(c, wtd) >= CORE_SNAPSHOTS_PER_DISK_MAX) {
		op_finish(op, -EMLINK, "disk %" PRIu32 " has %d snapshots, the most it may have",
			  wtd, CORE_SNAPSHOTS_PER_DISK_MAX);
		return;
	}
	struct core_snapshot *x = talloc_zero(s, struct core_snapshot);
	if (x == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	memcpy(x->id, s->id, sizeof(x->id));
	if (snap_id_valid(s->hint.set_id))
		memcpy(x->set_id, s->hint.set_id, sizeof(x->set_id));
	else
		core_guid_new(x->set_id);
	memcpy(x->disk_guid, j->disk_guid, sizeof(x->disk_guid));
	x->orig_wtd = wtd;
	x->root = talloc_strdup(x, root);
	x->file = talloc_asprintf(x, "%s/%s/%s/%s%s", root, SNAP_DIR_NAME, x->disk_guid, x->id,
				  SNAP_FILE_SUFFIX);
	x->timestamp = s->hint.timestamp > 0 ? s->hint.timestamp : j->mtime_ft;
	x->size = j->virtual_size;
	x->exported_wtd = CORE_NO_WTD;
	x->persistent = true;
	x->description = talloc_strdup(x, s->hint.description ? s->hint.description : "imported");
	s->snap = x;
	struct store_tx *tx = store_tx_new(op);
	if (x->root == NULL || x->file == NULL || x->description == NULL || tx == NULL ||
	    snap_tx_put(tx, x, NULL) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, import_committed);
}

static void import_committed(struct op *op)
{
	struct import_state *s = op->state;
	if (snap_add(op->c, s->snap) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	log_notice("snapshot %s of disk %" PRIu32 " imported from %s", s->snap->id,
		   s->snap->orig_wtd, s->snap->file);
	op_finish(op, 0, NULL);
}

struct tevent_req *core_snapshot_import_send(TALLOC_CTX *mem, struct core *c, const char *id,
					     const struct core_snapshot_import *hint)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, "import a snapshot", sizeof(struct import_state),
					 import_start, &op);
	if (req == NULL || !tevent_req_is_in_progress(req))
		return req;
	struct import_state *s = op->state;
	snprintf(s->id, sizeof(s->id), "%s", id ? id : "");
	for (char *q = s->id; *q; q++)
		if (*q >= 'A' && *q <= 'F')
			*q = (char)(*q - 'A' + 'a');
	s->hint.orig_wtd = CORE_NO_WTD;
	if (hint != NULL) {
		s->hint = *hint;
		s->hint.description = hint->description ? talloc_strdup(op, hint->description)
							: NULL;
	}
	return req;
}

int core_snapshot_import_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}
