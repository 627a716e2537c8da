/* Snapshots: lookups, and taking and deleting snapshot sets (saving a
 * snapshot and its space: snapshots_record.c; the export and
 * the rollback are in snapshots_ops.c). docs/snapshots.md. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/snapshots_internal.h"
#include "core/store.h"
#include "istmd/log.h"

#define FILETIME_UNIX_EPOCH 116444736000000000LL

int64_t snap_filetime_now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return FILETIME_UNIX_EPOCH + (int64_t)tv.tv_sec * 10000000 + (int64_t)tv.tv_usec * 10;
}

struct snap_model *snap_model(const struct core *c)
{
	return c->model != NULL ? c->model->snap : NULL;
}

struct core_snapshot *core_snapshot_dup(TALLOC_CTX *mem, const struct core_snapshot *s)
{
	struct core_snapshot *d = talloc_memdup(mem, s, sizeof(*s));
	if (d == NULL)
		return NULL;
	d->root = talloc_strdup(d, s->root ? s->root : "");
	d->file = talloc_strdup(d, s->file ? s->file : "");
	d->description = talloc_strdup(d, s->description ? s->description : "");
	if (d->root == NULL || d->file == NULL || d->description == NULL)
		TALLOC_FREE(d);
	return d;
}

struct msnap *snap_find(const struct core *c, const char *id)
{
	struct snap_model *sm = snap_model(c);
	for (size_t i = 0; sm != NULL && id != NULL && i < sm->n; i++)
		if (strcasecmp(sm->snaps[i]->s->id, id) == 0)
			return sm->snaps[i];
	return NULL;
}

int snap_add(struct core *c, struct core_snapshot *s)
{
	struct snap_model *sm = snap_model(c);
	struct msnap **a = talloc_realloc(sm, sm->snaps, struct msnap *, sm->n + 1);
	struct msnap *ms = a ? talloc_zero(sm, struct msnap) : NULL;
	if (ms == NULL)
		return -ENOMEM;
	sm->snaps = a;
	ms->s = talloc_steal(ms, s);
	sm->snaps[sm->n++] = ms;
	return 0;
}

void snap_remove(struct core *c, const char *id)
{
	struct snap_model *sm = snap_model(c);
	for (size_t i = 0; i < sm->n; i++) {
		if (strcasecmp(sm->snaps[i]->s->id, id) != 0)
			continue;
		talloc_free(sm->snaps[i]);
		memmove(&sm->snaps[i], &sm->snaps[i + 1], (sm->n - i - 1) * sizeof(sm->snaps[0]));
		sm->n--;
		return;
	}
}

size_t snap_count_disk(const struct core *c, uint32_t wtd)
{
	struct snap_model *sm = snap_model(c);
	size_t n = 0;
	for (size_t i = 0; i < sm->n; i++)
		n += sm->snaps[i]->s->orig_wtd == wtd;
	return n;
}

int snap_root_index(const struct storage_paths *sp, const char *root_path)
{
	for (size_t i = 0; i < sp->count; i++)
		if (strcmp(sp->roots[i].path, root_path) == 0)
			return (int)i;
	return -1;
}

/* The root index of disk D's file, or a negative errno. */
static int disk_root(const struct core *c, const struct core_disk *d)
{
	struct storage_path *p = NULL;
	int rc = storage_path_parse(NULL, c->sp, d->path, &p);
	if (rc < 0)
		return rc;
	rc = snap_root_index(c->sp, p->root->path);
	talloc_free(p);
	return rc < 0 ? -EINVAL : rc;
}

static int supported(TALLOC_CTX *mem, const struct core *c, const struct core_disk *d, char **why)
{
	if (d->type != CORE_WTD_FILE || d->vhd_type != CORE_VHD_FIXED) {
		if (why)
			*why = talloc_asprintf(mem, "disk %" PRIu32 " is a %s VHD: snapshots are "
					       "taken of fixed VHDs", d->wtd,
					       core_vhd_type_name(d->vhd_type));
		return -EMEDIUMTYPE;
	}
	int r = disk_root(c, d);
	struct snap_model *sm = snap_model(c);
	if (r < 0 || sm == NULL || (size_t)r >= sm->n_roots) {
		if (why)
			*why = talloc_asprintf(mem, "%s is outside the configured storage roots",
					       d->path);
		return -EOPNOTSUPP;
	}
	if (sm->roots[r].provider == NULL) {
		if (why)
			*why = talloc_asprintf(mem, "the file system of %s (%s) cannot make "
					       "snapshots: no reflink (%s)", c->sp->roots[r].path,
					       c->sp->roots[r].fs_type, strerror(-sm->roots[r].rc));
		return -EOPNOTSUPP;
	}
	return 0;
}

int core_snapshot_supported(TALLOC_CTX *mem, const struct core *c, uint32_t wtd, char **why)
{
	struct mdisk *md = model_disk(c->model, wtd);
	if (md == NULL) {
		if (why)
			*why = talloc_asprintf(mem, "no disk %" PRIu32, wtd);
		return -ENOENT;
	}
	return supported(mem, c, md->d, why);
}

bool core_snapshots_any_supported(const struct core *c)
{
	struct snap_model *sm = snap_model(c);
	for (size_t i = 0; sm != NULL && i < sm->n_roots; i++)
		if (sm->roots[i].provider != NULL)
			return true;
	return false;
}

const char *core_snapshot_provider_name(const struct core *c, uint32_t wtd)
{
	struct mdisk *md = model_disk(c->model, wtd);
	struct snap_model *sm = snap_model(c);
	int r = md != NULL ? disk_root(c, md->d) : -1;
	if (r < 0 || sm == NULL || (size_t)r >= sm->n_roots || sm->roots[r].provider == NULL)
		return "";
	return sm->roots[r].provider->name;
}

struct core_snapshot *core_snapshot_get(TALLOC_CTX *mem, const struct core *c, const char *id)
{
	struct msnap *ms = snap_find(c, id);
	if (ms == NULL) {
		errno = ENOENT;
		return NULL;
	}
	return core_snapshot_dup(mem, ms->s);
}

int core_snapshot_list(TALLOC_CTX *mem, const struct core *c, uint32_t wtd,
		       struct core_snapshot ***out, size_t *n)
{
	struct snap_model *sm = snap_model(c);
	struct core_snapshot **a = talloc_zero_array(mem, struct core_snapshot *, sm->n + 1);
	if (a == NULL)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < sm->n; i++) {
		if (wtd != CORE_NO_WTD && sm->snaps[i]->s->orig_wtd != wtd)
			continue;
		if ((a[k++] = core_snapshot_dup(a, sm->snaps[i]->s)) == NULL) {
			talloc_free(a);
			return -ENOMEM;
		}
	}
	*out = a;
	*n = k;
	return 0;
}

/* ---- blocking work ---- */

struct snap_item {
	char *disk_path;
	uint64_t file_dev, file_ino;
	char disk_guid[CORE_GUID_LEN + 1];
	char id[CORE_GUID_LEN + 1];
	int root;
	const struct snap_provider *provider;
	bool made; /* its clone exists, as <id>.vhd.part */
};

struct snap_job {
	const struct storage_paths *sp;
	struct snap_item *items;
	size_t n;
	bool remove; /* unlink the items' files instead */
	/* With REMOVE or RENAME_TO: the items' files are named <id>SUFFIX
	 * (SNAP_FILE_SUFFIX when NULL). RENAME_TO: rename them to <id>RENAME_TO
	 * instead of cloning (create's last step, delete's first). */
	const char *suffix;
	const char *rename_to;
	/* A set of several disks: the backend's I/O is held around the clones
	 * (iscsi_backend_hold_io), so that the set is one instant. */
	struct iscsi_backend *hold_be;
	uint64_t hold_us, stop_us; /* held in all; of which stopping tgtd */
	int rc;
	char reason[512];
};

/* The disk's file, opened beneath its root without symlinks, checked
 * against the identity on record. */
static int open_disk(const struct storage_paths *sp, const struct snap_item *it, int flags,
		     char *reason, size_t size)
{
	struct storage_path *p = NULL;
	int rc = storage_path_parse(NULL, sp, it->disk_path, &p);
	int fd = rc == 0 ? storage_path_open_exact(p, flags) : rc;
	talloc_free(p);
	if (fd < 0) {
		snprintf(reason, size, "cannot open %s: %s", it->disk_path, strerror(-fd));
		return fd;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (it->file_ino != 0 &&
	     ((uint64_t)st.st_dev != it->file_dev || (uint64_t)st.st_ino != it->file_ino))) {
		close(fd);
		snprintf(reason, size, "%s is not the disk's file any more; refused", it->disk_path);
		return -ESTALE;
	}
	return fd;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void remove_items(struct snap_job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		struct snap_item *it = &j->items[i];
		if (!it->made && !j->remove)
			continue;
		int dfd = snap_dir_open(j->sp->roots[it->root].dirfd, it->disk_guid, false);
		if (dfd < 0)
			continue;
		char name[SNAP_NAME_MAX];
		const char *suffix = !j->remove ? SNAP_PART_SUFFIX /* a failed clone job */
				     : j->suffix ? j->suffix : SNAP_FILE_SUFFIX;
		snprintf(name, sizeof(name), "%s%s", it->id, suffix);
		if (unlinkat(dfd, name, 0) == 0)
			fsync(dfd);
		/* the disk's directory goes with its last snapshot */
		int top = snap_dir_open(j->sp->roots[it->root].dirfd, NULL, false);
		if (top >= 0) {
			if (unlinkat(top, it->disk_guid, AT_REMOVEDIR) == 0)
				fsync(top);
			close(top);
		}
		close(dfd);
		it->made = false;
	}
}

/* Renames the items' files from <id>SUFFIX to <id>RENAME_TO, durably. */
static void rename_items(struct snap_job *j)
{
	for (size_t i = 0; j->rc == 0 && i < j->n; i++) {
		struct snap_item *it = &j->items[i];
		int dfd = snap_dir_open(j->sp->roots[it->root].dirfd, it->disk_guid, false);
		char from[SNAP_NAME_MAX], to[SNAP_NAME_MAX];
		snprintf(from, sizeof(from), "%s%s", it->id, j->suffix ? j->suffix : SNAP_FILE_SUFFIX);
		snprintf(to, sizeof(to), "%s%s", it->id, j->rename_to);
		int rc = dfd < 0 ? dfd : renameat(dfd, from, dfd, to) != 0 ? -errno : 0;
		if (rc == 0 && fsync(dfd) != 0)
			rc = -errno;
		if (rc < 0) {
			j->rc = rc;
			snprintf(j->reason, sizeof(j->reason), "cannot rename %s/%s/%s/%s: %s",
				 j->sp->roots[it->root].path, SNAP_DIR_NAME, it->disk_guid, from,
				 strerror(-rc));
		}
		if (dfd >= 0)
			close(dfd);
	}
}

static void snap_job_run(void *arg)
{
	struct snap_job *j = arg;
	if (j->remove) {
		remove_items(j);
		return;
	}
	if (j->rename_to != NULL) {
		rename_items(j);
		return;
	}
	int *src = talloc_array(j, int, j->n);
	int *dir = talloc_array(j, int, j->n);
	if (src == NULL || dir == NULL) {
		j->rc = -ENOMEM;
		return;
	}
	size_t opened = 0;
	for (; opened < j->n; opened++) {
		struct snap_item *it = &j->items[opened];
		src[opened] = open_disk(j->sp, it, O_RDONLY, j->reason, sizeof(j->reason));
		if (src[opened] < 0) {
			j->rc = src[opened];
			break;
		}
		dir[opened] = snap_dir_open(j->sp->roots[it->root].dirfd, it->disk_guid, true);
		if (dir[opened] < 0) {
			j->rc = dir[opened];
			snprintf(j->reason, sizeof(j->reason), "cannot create %s/%s/%s: %s",
				 j->sp->roots[it->root].path, SNAP_DIR_NAME, it->disk_guid,
				 strerror(-j->rc));
			close(src[opened]);
			break;
		}
		/* An unregistered snapshot file (ImportSnapshot's) may have the id. */
		char final[SNAP_NAME_MAX];
		snprintf(final, sizeof(final), "%s%s", it->id, SNAP_FILE_SUFFIX);
		struct stat fst;
		if (fstatat(dir[opened], final, &fst, AT_SYMLINK_NOFOLLOW) == 0) {
			j->rc = -EEXIST;
			snprintf(j->reason, sizeof(j->reason), "an unregistered snapshot file "
				 "%s/%s/%s/%s has that id: import it or choose another id",
				 j->sp->roots[it->root].path, SNAP_DIR_NAME, it->disk_guid, final);
			close(src[opened]);
			close(dir[opened]);
			break;
		}
		/* Written data reaches the file before the hold: the clone
		 * then only has the last moment's writes to flush. */
		fdatasync(src[opened]);
	}
	/* XFS: each snapshot is cloned before the hold and brought up to date
	 * inside it, where only the extents written meanwhile are remapped (the
	 * others are skipped, at a tenth of the cost of a first clone):
	 * docs/snapshots.md, "How long I/O is held". */
	int *dst = talloc_array(j, int, j->n);
	for (size_t i = 0; dst != NULL && i < j->n; i++)
		dst[i] = -1;
	if (dst == NULL && j->rc == 0)
		j->rc = -ENOMEM;
	for (size_t i = 0; j->rc == 0 && i < j->n; i++) {
		struct snap_item *it = &j->items[i];
		if (!snap_refresh_is_cheap(src[i]))
			continue;
		snap_cow_hint(src[i]); /* fewer extents after copy-on-write */
		char name[SNAP_NAME_MAX];
		snprintf(name, sizeof(name), "%s%s", it->id, SNAP_PART_SUFFIX);
		int fd = snap_clone_open(it->provider, src[i], dir[i], name);
		if (fd < 0) {
			j->rc = fd;
			snprintf(j->reason, sizeof(j->reason), "cannot snapshot %s (%s): %s",
				 it->disk_path, it->provider->name, strerror(-fd));
		} else {
			dst[i] = fd;
			it->made = true;
		}
	}
	uint64_t t0 = now_us();
	bool held = false;
	if (j->rc == 0 && j->hold_be != NULL) {
		int rc = iscsi_backend_hold_io(j->hold_be, true);
		held = rc == 0;
		if (rc < 0 && rc != -ENOTSUP && rc != -ENOTCONN && rc != -ESRCH) {
			j->rc = -EAGAIN;
			snprintf(j->reason, sizeof(j->reason), "cannot hold the target's I/O for the "
				 "set: %s", strerror(-rc));
		}
	}
	j->stop_us = now_us() - t0;
	for (size_t i = 0; j->rc == 0 && i < j->n; i++) {
		struct snap_item *it = &j->items[i];
		char name[SNAP_NAME_MAX];
		snprintf(name, sizeof(name), "%s%s", it->id, SNAP_PART_SUFFIX);
		int rc = dst[i] >= 0 ? it->provider->clone(src[i], dst[i])
				     : snap_clone_to(it->provider, src[i], dir[i], name, false);
		if (rc < 0) {
			j->rc = rc;
			snprintf(j->reason, sizeof(j->reason), "cannot snapshot %s (%s): %s",
				 it->disk_path, it->provider->name, strerror(-rc));
		} else {
			it->made = true;
		}
	}
	if (held)
		iscsi_backend_hold_io(j->hold_be, false);
	j->hold_us = now_us() - t0;
	for (size_t i = 0; dst != NULL && i < j->n; i++)
		if (dst[i] >= 0)
			close(dst[i]);
	/* durable before the rows are committed, outside the hold */
	for (size_t i = 0; j->rc == 0 && i < j->n; i++) {
		char name[SNAP_NAME_MAX];
		snprintf(name, sizeof(name), "%s%s", j->items[i].id, SNAP_PART_SUFFIX);
		int rc = snap_sync(dir[i], name);
		if (rc < 0) {
			j->rc = rc;
			snprintf(j->reason, sizeof(j->reason), "cannot make snapshot %s durable: %s",
				 j->items[i].id, strerror(-rc));
		}
	}
	for (size_t i = 0; i < opened; i++) {
		close(src[i]);
		close(dir[i]);
	}
	if (j->rc < 0)
		remove_items(j);
}

/* ---- create ---- */

struct create_state {
	uint32_t *wtds;
	char **ids;
	char *set_id;
	size_t n;
	struct snap_job *job;
	struct core_snapshot **snaps;
	int64_t when;
	int fail_rc;
	char *fail_why;
	char *description;
};

struct create_result {
	char **ids;
	uint64_t hold_us;
};

/* A snapshot id as istmd writes them: a lower-case GUID (its file's name). */
bool snap_id_valid(const char *s)
{
	if (s == NULL || strlen(s) != CORE_GUID_LEN)
		return false;
	for (int i = 0; i < CORE_GUID_LEN; i++) {
		char ch = s[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? ch != '-'
			 : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return false;
	}
	return true;
}

static void create_cloned(struct op *op);
static void create_committed(struct op *op);
static void create_renamed(struct op *op);
static void create_undone(struct op *op);

static void create_start(struct op *op)
{
	struct create_state *s = op->state;
	struct core *c = op->c;
	if (s->n == 0 || s->n > CORE_SNAPSHOT_SET_MAX) {
		op_finish(op, -EINVAL, "a snapshot set has 1 to %d disks", CORE_SNAPSHOT_SET_MAX);
		return;
	}
	struct snap_job *j = talloc_zero(NULL, struct snap_job);
	if (j == NULL || (j->items = talloc_zero_array(j, struct snap_item, s->n)) == NULL) {
		talloc_free(j);
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	j->sp = c->sp;
	j->n = s->n;
	for (size_t i = 0; i < s->n; i++) {
		struct mdisk *md = model_disk(c->model, s->wtds[i]);
		char *why = NULL;
		int rc = md == NULL ? -ENOENT : supported(op, c, md->d, &why);
		for (size_t k = 0; rc == 0 && k < i; k++)
			if (s->wtds[k] == s->wtds[i]) {
				rc = -EINVAL;
				why = talloc_asprintf(op, "disk %" PRIu32 " twice in one set",
						      s->wtds[i]);
			}
		if (rc == 0 && snap_count_disk(c, s->wtds[i]) >= CORE_SNAPSHOTS_PER_DISK_MAX) {
			rc = -EMLINK;
			why = talloc_asprintf(op, "disk %" PRIu32 " has %d snapshots, the most it "
					      "may have", s->wtds[i], CORE_SNAPSHOTS_PER_DISK_MAX);
		}
		if (rc == 0 && model_intent_for_disk(c->model, s->wtds[i]) != NULL) {
			rc = -EBUSY;
			why = talloc_asprintf(op, "an operation on disk %" PRIu32 " is under way",
					      s->wtds[i]);
		}
		if (rc == 0 && !snap_id_valid(s->ids[i])) {
			rc = -EINVAL;
			why = talloc_asprintf(op, "'%s' is not a snapshot id", s->ids[i]);
		}
		for (size_t k = 0; rc == 0 && k < i; k++)
			if (strcmp(s->ids[k], s->ids[i]) == 0)
				rc = -EINVAL;
		if (rc == 0 && snap_find(c, s->ids[i]) != NULL) {
			rc = -EINVAL;
			why = talloc_asprintf(op, "snapshot %s exists already", s->ids[i]);
		}
		if (rc < 0) {
			talloc_free(j);
			if (rc == -ENOENT)
				op_finish(op, rc, "no disk %" PRIu32, s->wtds[i]);
			else
				op_finish(op, rc, "%s", why ? why : "invalid snapshot request");
			return;
		}
		struct snap_item *it = &j->items[i];
		it->disk_path = talloc_strdup(j, md->d->path);
		it->file_dev = md->d->file_dev;
		it->file_ino = md->d->file_ino;
		snprintf(it->disk_guid, sizeof(it->disk_guid), "%s", md->d->guid);
		snprintf(it->id, sizeof(it->id), "%s", s->ids[i]);
		it->root = disk_root(c, md->d);
		it->provider = snap_model(c)->roots[it->root].provider;
	}
	if (s->n > 1 && c->backend != NULL && iscsi_backend_is_up(c->backend, NULL))
		j->hold_be = c->backend;
	s->when = snap_filetime_now();
	op_io(op, snap_job_run, j, create_cloned);
}

static void create_cloned(struct op *op)
{
	struct create_state *s = op->state;
	struct snap_job *j = op_io_arg(op);
	int rc = op->rc < 0 ? op->rc : j ? j->rc : -ENOMEM;
	if (rc < 0) {
		op_finish(op, rc, "%s", j && j->reason[0] ? j->reason : strerror(-rc));
		return;
	}
	s->job = talloc_steal(s, j);
	core_crash_point(op->c, "snapshot-cloned");
	struct store_tx *tx = store_tx_new(op);
	s->snaps = talloc_zero_array(s, struct core_snapshot *, s->n);
	if (tx == NULL || s->snaps == NULL)
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < s->n; i++) {
		struct mdisk *md = model_disk(op->c->model, s->wtds[i]);
		struct core_snapshot *x = talloc_zero(s->snaps, struct core_snapshot);
		if (x == NULL || md == NULL) {
			rc = -ENOMEM;
			break;
		}
		snprintf(x->id, sizeof(x->id), "%s", s->ids[i]);
		snprintf(x->set_id, sizeof(x->set_id), "%s", s->set_id);
		snprintf(x->disk_guid, sizeof(x->disk_guid), "%s", md->d->guid);
		x->orig_wtd = s->wtds[i];
		x->root = talloc_strdup(x, op->c->sp->roots[j->items[i].root].path);
		x->file = talloc_asprintf(x, "%s/%s/%s/%s%s", x->root, SNAP_DIR_NAME, x->disk_guid,
					  x->id, SNAP_FILE_SUFFIX);
		x->timestamp = s->when;
		x->size = md->d->size;
		x->exported_wtd = CORE_NO_WTD;
		x->persistent = true;
		x->description = talloc_strdup(x, s->description ? s->description : "");
		s->snaps[i] = x;
		if (x->root == NULL || x->file == NULL || snap_tx_put(tx, x, NULL) < 0)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		op->rc = rc;
		create_committed(op);
		return;
	}
	op_store(op, tx, create_committed);
}

static void create_committed(struct op *op)
{
	struct create_state *s = op->state;
	if (op->rc < 0) {
		/* nothing committed: the files go (a crash now leaves <id>.vhd.part
		 * files, which the next start removes) */
		s->job->remove = true;
		s->job->suffix = SNAP_PART_SUFFIX;
		s->fail_rc = op->rc;
		s->fail_why = talloc_asprintf(s, "%s", op->why ? op->why : strerror(-op->rc));
		op_io(op, snap_job_run, talloc_steal(NULL, s->job), create_undone);
		return;
	}
	/* Committed: the files take their final names (a crash before that:
	 * the next start renames the .part of a committed row). */
	core_crash_point(op->c, "snapshot-committed");
	struct snap_job *j = talloc_zero(NULL, struct snap_job);
	if (j == NULL || (j->items = talloc_memdup(j, s->job->items,
						   s->n * sizeof(*s->job->items))) == NULL) {
		talloc_free(j);
		op->io_arg = NULL;
		op->rc = -ENOMEM;
		create_renamed(op);
		return;
	}
	j->sp = s->job->sp;
	j->n = s->n;
	j->suffix = SNAP_PART_SUFFIX;
	j->rename_to = SNAP_FILE_SUFFIX;
	op_io(op, snap_job_run, j, create_renamed);
}

static void create_renamed(struct op *op)
{
	struct create_state *s = op->state;
	struct snap_job *j = op_io_arg(op);
	if (op->rc < 0 || (j != NULL && j->rc < 0))
		log_err("snapshots: %s (the next start finishes it)",
			j && j->reason[0] ? j->reason : "cannot rename the new snapshot files");
	talloc_free(j);
	op->rc = 0;
	for (size_t i = 0; i < s->n; i++)
		if (snap_add(op->c, s->snaps[i]) < 0)
			log_err("snapshots: out of memory keeping %s", s->ids[i]);
	if (s->job->hold_be != NULL)
		log_notice("snapshot set %s: %zu disk(s) at one instant, content held for %" PRIu64
			   " us (%" PRIu64 " us to stop the target's I/O)", s->set_id, s->n,
			   s->job->hold_us, s->job->stop_us);
	else
		log_notice("snapshot set %s: %zu disk(s) at one instant, content held for %" PRIu64
			   " us", s->set_id, s->n, s->job->hold_us);
	struct create_result res = { .ids = talloc_steal(NULL, s->ids), .hold_us = s->job->hold_us };
	op_set_result(op, &res, sizeof(res));
	struct create_result *r = op->result;
	if (r != NULL)
		talloc_steal(r, r->ids);
	else
		talloc_free(res.ids);
	op_finish(op, 0, NULL);
}

static void create_undone(struct op *op)
{
	struct create_state *s = op->state;
	talloc_free(op_io_arg(op));
	op_finish(op, s->fail_rc, "%s", s->fail_why ? s->fail_why : "cannot save the snapshot");
}

struct tevent_req *core_snapshot_create_send(TALLOC_CTX *mem, struct core *c,
					     const uint32_t *wtds, size_t n,
					     const char *const *ids, const char *set_id)
{
	return snap_create_send(mem, c, wtds, n, ids, set_id, NULL);
}

struct tevent_req *snap_create_send(TALLOC_CTX *mem, struct core *c, const uint32_t *wtds,
				    size_t n, const char *const *ids, const char *set_id,
				    const char *description)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, "create a snapshot set",
					 sizeof(struct create_state), create_start, &op);
	if (req == NULL || !tevent_req_is_in_progress(req))
		return req;
	struct create_state *s = op->state;
	s->n = n;
	s->description = description ? talloc_strdup(op, description) : NULL;
	s->wtds = talloc_zero_array(op, uint32_t, n + 1);
	if (s->wtds != NULL && n > 0)
		memcpy(s->wtds, wtds, n * sizeof(*wtds));
	s->ids = talloc_zero_array(op, char *, n + 1);
	s->set_id = talloc_zero_array(op, char, CORE_GUID_LEN + 1);
	if (s->set_id != NULL) {
		if (set_id != NULL)
			snprintf(s->set_id, CORE_GUID_LEN + 1, "%s", set_id);
		else
			core_guid_new(s->set_id);
	}
	for (size_t i = 0; s->ids != NULL && i < n; i++) {
		s->ids[i] = talloc_zero_array(s->ids, char, CORE_GUID_LEN + 1);
		if (s->ids[i] == NULL)
			break;
		if (ids != NULL && ids[i] != NULL)
			snprintf(s->ids[i], CORE_GUID_LEN + 1, "%s", ids[i]);
		else
			core_guid_new(s->ids[i]);
	}
	return req;
}

int core_snapshot_create_recv(struct tevent_req *req, TALLOC_CTX *mem, char ***ids,
			      uint64_t *hold_us, char **why)
{
	int rc = op_recv(req, mem, why);
	struct create_result *r = rc == 0 ? op_req_result(req) : NULL;
	if (ids != NULL)
		*ids = r != NULL ? talloc_steal(mem, r->ids) : NULL;
	if (hold_us != NULL)
		*hold_us = r != NULL ? r->hold_us : 0;
	return rc;
}

/* ---- delete ---- */

struct delete_state {
	char *id;
	struct core_snapshot *snap;
	int root;
};

static void delete_renamed(struct op *op);
static void delete_committed(struct op *op);
static void delete_removed(struct op *op);

/* A job on the snapshot's file <id>SUFFIX. */
static struct snap_job *delete_job(struct op *op, const struct delete_state *s,
				   const char *suffix)
{
	struct snap_job *j = talloc_zero(NULL, struct snap_job);
	if (j != NULL)
		j->items = talloc_zero_array(j, struct snap_item, 1);
	if (j == NULL || j->items == NULL) {
		talloc_free(j);
		return NULL;
	}
	j->sp = op->c->sp;
	j->n = 1;
	j->suffix = suffix;
	j->items[0].root = s->root;
	snprintf(j->items[0].disk_guid, sizeof(j->items[0].disk_guid), "%s", s->snap->disk_guid);
	snprintf(j->items[0].id, sizeof(j->items[0].id), "%s", s->snap->id);
	return j;
}

static void delete_start(struct op *op)
{
	struct delete_state *s = op->state;
	struct msnap *ms = snap_find(op->c, s->id);
	if (ms == NULL) {
		op_finish(op, 0, NULL); /* MS-ISTM 3.38.4.6: S_OK */
		return;
	}
	if (ms->busy || ms->rb.phase != 0) {
		op_finish(op, -EBUSY, "snapshot %s is being exported or rolled back", s->id);
		return;
	}
	s->snap = core_snapshot_dup(s, ms->s);
	s->root = snap_root_index(op->c->sp, ms->s->root);
	if (s->snap == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	if (s->root < 0) {
		op->io_arg = NULL;
		op->rc = 0;
		delete_renamed(op);
		return;
	}
	/* The file is renamed <id>.vhd.deleting before the row goes: a crash
	 * between the two gives the file its name back at the next start, one
	 * after removes it. A file without a row is never a deleted snapshot. */
	struct snap_job *j = delete_job(op, s, SNAP_FILE_SUFFIX);
	if (j == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	j->rename_to = SNAP_DELETING_SUFFIX;
	op_io(op, snap_job_run, j, delete_renamed);
}

static void delete_renamed(struct op *op)
{
	struct delete_state *s = op->state;
	struct snap_job *j = op_io_arg(op);
	int rc = op->rc < 0 ? op->rc : j != NULL ? j->rc : 0;
	if (rc < 0 && rc != -ENOENT) { /* a file already gone: the row goes */
		op_finish(op, rc, "%s", j && j->reason[0] ? j->reason : strerror(-rc));
		talloc_free(j);
		return;
	}
	talloc_free(j);
	core_crash_point(op->c, "snapshot-delete-renamed");
	struct store_tx *tx = store_tx_new(op);
	if (tx == NULL || snap_tx_delete(tx, s->id) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, delete_committed);
}

static void delete_committed(struct op *op)
{
	struct delete_state *s = op->state;
	snap_remove(op->c, s->id);
	core_crash_point(op->c, "snapshot-delete-committed");
	if (s->root < 0) {
		log_warn("snapshot %s: its storage root %s is not configured; file left",
			 s->id, s->snap->root);
		op_finish(op, 0, NULL);
		return;
	}
	struct snap_job *j = delete_job(op, s, SNAP_DELETING_SUFFIX);
	if (j == NULL) {
		op_finish(op, 0, NULL); /* the next start removes the .deleting file */
		return;
	}
	j->remove = true;
	op_io(op, snap_job_run, j, delete_removed);
}

static void delete_removed(struct op *op)
{
	talloc_free(op_io_arg(op));
	op_finish(op, 0, NULL);
}

/* The snapshot's row and file (the exported disk is the caller's:
 * snapshots_ops.c deletes it first). */
struct tevent_req *snap_delete_only_send(TALLOC_CTX *mem, struct core *c, const char *id)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, "delete a snapshot", sizeof(struct delete_state),
					 delete_start, &op);
	if (req != NULL && tevent_req_is_in_progress(req)) {
		struct delete_state *s = op->state;
		s->id = talloc_strdup(op, id ? id : "");
	}
	return req;
}
