/* Snapshots in the store: rows of the snapshots table (schema 6), loaded at
 * open together with the per-root provider probe and the crash recovery
 * (files of interrupted operations, half rollbacks). Runs on the store
 * thread. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/snapshot_schedules.h"
#include "core/snapshots_internal.h"
#include "core/store_internal.h"
#include "istmd/log.h"

struct snap_row {
	struct core_snapshot *s;
	struct snap_rollback rb;
	bool del;
};

static int bind_run(struct store *s, TALLOC_CTX *mem, char **why, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, mem, why, "database");
}

static int put_row(struct store *s, void *arg, TALLOC_CTX *mem, char **why)
{
	struct snap_row *r = arg;
	sqlite3_stmt *st;
	if (r->del) {
		int rc = store_prepare(s, "DELETE FROM snapshots WHERE id = ?", &st, mem, why);
		if (rc < 0)
			return rc;
		sqlite3_bind_text(st, 1, r->s->id, -1, SQLITE_STATIC);
		return bind_run(s, mem, why, st);
	}
	int rc = store_prepare(s,
			       "INSERT OR REPLACE INTO snapshots (id, set_id, orig_wtd, disk_guid,"
			       " root, timestamp, size, exported_wtd, description, rollback_phase,"
			       " rollback_ino, rollback_enable) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
			       &st, mem, why);
	if (rc < 0)
		return rc;
	const struct core_snapshot *x = r->s;
	sqlite3_bind_text(st, 1, x->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, x->set_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, x->orig_wtd);
	sqlite3_bind_text(st, 4, x->disk_guid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, x->root, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, x->timestamp);
	sqlite3_bind_int64(st, 7, (int64_t)x->size);
	sqlite3_bind_int64(st, 8, x->exported_wtd == CORE_NO_WTD ? -1 : (int64_t)x->exported_wtd);
	sqlite3_bind_text(st, 9, x->description ? x->description : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, r->rb.phase);
	sqlite3_bind_int64(st, 11, (int64_t)r->rb.new_ino);
	sqlite3_bind_int(st, 12, r->rb.enable);
	return bind_run(s, mem, why, st);
}

int snap_tx_put(struct store_tx *tx, const struct core_snapshot *s, const struct snap_rollback *rb)
{
	struct snap_row *r = talloc_zero(NULL, struct snap_row);
	if (r == NULL || (r->s = core_snapshot_dup(r, s)) == NULL) {
		talloc_free(r);
		return -ENOMEM;
	}
	if (rb != NULL)
		r->rb = *rb;
	return store_tx_call(tx, put_row, r);
}

int snap_tx_delete(struct store_tx *tx, const char *id)
{
	struct snap_row *r = talloc_zero(NULL, struct snap_row);
	if (r == NULL || (r->s = talloc_zero(r, struct core_snapshot)) == NULL) {
		talloc_free(r);
		return -ENOMEM;
	}
	snprintf(r->s->id, sizeof(r->s->id), "%s", id);
	r->del = true;
	return store_tx_call(tx, put_row, r);
}

static char *snap_file_path(TALLOC_CTX *mem, const struct core_snapshot *s)
{
	return talloc_asprintf(mem, "%s/%s/%s/%s%s", s->root, SNAP_DIR_NAME, s->disk_guid, s->id,
			       SNAP_FILE_SUFFIX);
}

static int load_rows(struct store *s, struct snap_model *sm, char **why)
{
	sqlite3_stmt *st;
	int rc = store_prepare(s,
			       "SELECT id, set_id, orig_wtd, disk_guid, root, timestamp, size,"
			       " exported_wtd, description, rollback_phase, rollback_ino,"
			       " rollback_enable FROM snapshots ORDER BY timestamp, rowid",
			       &st, sm, why);
	if (rc < 0)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct msnap **a = talloc_realloc(sm, sm->snaps, struct msnap *, sm->n + 1);
		struct msnap *ms = a ? talloc_zero(sm, struct msnap) : NULL;
		struct core_snapshot *x = ms ? talloc_zero(ms, struct core_snapshot) : NULL;
		if (x == NULL) {
			rc = -ENOMEM;
			break;
		}
		sm->snaps = a;
		ms->s = x;
		snprintf(x->id, sizeof(x->id), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(x->set_id, sizeof(x->set_id), "%s", (const char *)sqlite3_column_text(st, 1));
		x->orig_wtd = (uint32_t)sqlite3_column_int64(st, 2);
		snprintf(x->disk_guid, sizeof(x->disk_guid), "%s",
			 (const char *)sqlite3_column_text(st, 3));
		x->root = store_col_text(x, st, 4);
		x->timestamp = sqlite3_column_int64(st, 5);
		x->size = (uint64_t)sqlite3_column_int64(st, 6);
		int64_t ex = sqlite3_column_int64(st, 7);
		x->exported_wtd = ex < 0 ? CORE_NO_WTD : (uint32_t)ex;
		x->description = store_col_text(x, st, 8);
		ms->rb.phase = sqlite3_column_int(st, 9);
		ms->rb.new_ino = (uint64_t)sqlite3_column_int64(st, 10);
		ms->rb.enable = sqlite3_column_int(st, 11) != 0;
		x->persistent = true;
		x->status = x->exported_wtd != CORE_NO_WTD ? CORE_SNAP_STATUS_EXPORTED : 0;
		x->file = snap_file_path(x, x);
		sm->snaps[sm->n++] = ms;
	}
	sqlite3_finalize(st);
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(s, step, sm, why, "reading snapshots");
	return rc;
}

/* The row of snapshot ID (the part of NAME before SUFFIX) in ROOT/DISK. */
static bool has_row(const struct snap_model *sm, const char *root, const char *disk,
		    const char *name, const char *suffix)
{
	size_t nl = strlen(name), sl = strlen(suffix);
	if (nl <= sl || strcmp(name + nl - sl, suffix) != 0)
		return false;
	for (size_t i = 0; i < sm->n; i++) {
		const struct core_snapshot *x = sm->snaps[i]->s;
		if (strcmp(x->root, root) == 0 && strcmp(x->disk_guid, disk) == 0 &&
		    strlen(x->id) == nl - sl && strncmp(name, x->id, nl - sl) == 0)
			return true;
	}
	return false;
}

static bool is_guid_vhd(const char *name)
{
	size_t l = strlen(name);
	if (l != CORE_GUID_LEN + strlen(SNAP_FILE_SUFFIX) ||
	    strcmp(name + CORE_GUID_LEN, SNAP_FILE_SUFFIX) != 0)
		return false;
	char id[CORE_GUID_LEN + 1];
	memcpy(id, name, CORE_GUID_LEN);
	id[CORE_GUID_LEN] = '\0';
	return snap_id_valid(id);
}

/* Finishes what an interrupted operation left in one disk's directory
 * (DIRFD): a new snapshot's <id>.vhd.part takes its final name if its row
 * was committed, else goes; a deleted one's <id>.vhd.deleting gets its name
 * back if its row is still there, else goes; a rollback's copy goes (the
 * rollback was finished above). Any other file is left alone: a <id>.vhd
 * without a row is an unregistered snapshot (a restored database, a volume
 * from another host) that ImportSnapshot can register. */
static void sweep_disk_dir(const struct storage_root *root, const struct snap_model *sm,
			   const char *disk, int dirfd, DIR *sd)
{
	struct dirent *f;
	bool changed = false;
	while ((f = readdir(sd)) != NULL) {
		const char *n = f->d_name;
		char final[SNAP_NAME_MAX];
		size_t l = strlen(n);
		if (n[0] == '.')
			continue;
		const char *act = NULL;
		if (has_row(sm, root->path, disk, n, SNAP_FILE_SUFFIX))
			continue;
		if (l > strlen(SNAP_PART_SUFFIX) &&
		    strcmp(n + l - strlen(SNAP_PART_SUFFIX), SNAP_PART_SUFFIX) == 0) {
			snprintf(final, sizeof(final), "%.*s%s", (int)(l - strlen(SNAP_PART_SUFFIX)),
				 n, SNAP_FILE_SUFFIX);
			if (has_row(sm, root->path, disk, n, SNAP_PART_SUFFIX))
				act = renameat(dirfd, n, dirfd, final) == 0 ? "committed: renamed" : NULL;
			else
				act = unlinkat(dirfd, n, 0) == 0 ? "not committed: removed" : NULL;
		} else if (l > strlen(SNAP_DELETING_SUFFIX) &&
			   strcmp(n + l - strlen(SNAP_DELETING_SUFFIX), SNAP_DELETING_SUFFIX) == 0) {
			snprintf(final, sizeof(final), "%.*s%s",
				 (int)(l - strlen(SNAP_DELETING_SUFFIX)), n, SNAP_FILE_SUFFIX);
			if (has_row(sm, root->path, disk, n, SNAP_DELETING_SUFFIX))
				act = renameat(dirfd, n, dirfd, final) == 0 ? "delete not committed: kept"
									   : NULL;
			else
				act = unlinkat(dirfd, n, 0) == 0 ? "deleted: removed" : NULL;
		} else if (strncmp(n, "rollback-", 9) == 0 && l > 4 &&
			   strcmp(n + l - 4, ".tmp") == 0) {
			act = unlinkat(dirfd, n, 0) == 0 ? "a rollback's copy: removed" : NULL;
		} else if (is_guid_vhd(n)) {
			log_notice("snapshots: %s/%s/%s/%s has no record: an unregistered snapshot "
				   "(ImportSnapshot registers it)", root->path, SNAP_DIR_NAME, disk, n);
		}
		if (act != NULL) {
			changed = true;
			log_notice("snapshots: %s/%s/%s/%s, left by an interrupted operation: %s",
				   root->path, SNAP_DIR_NAME, disk, n, act);
		}
	}
	if (changed)
		fsync(dirfd);
}

static void sweep(const struct storage_root *root, const struct snap_model *sm)
{
	int top = snap_dir_open(root->dirfd, NULL, false);
	if (top < 0)
		return;
	DIR *d = fdopendir(top);
	if (d == NULL) {
		close(top);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		int sub = snap_dir_open(root->dirfd, e->d_name, false);
		if (sub < 0)
			continue;
		DIR *sd = fdopendir(sub);
		if (sd == NULL) {
			close(sub);
			continue;
		}
		sweep_disk_dir(root, sm, e->d_name, dirfd(sd), sd);
		closedir(sd);
	}
	closedir(d);
}

/* A rollback interrupted by a crash: if the copy was renamed over the disk's
 * file (its inode is there now), the disk's record follows; otherwise the
 * copy is removed and the disk keeps its old content. Either way the disk is
 * enabled again if it was. */
static void finish_rollback(struct store *s, const struct storage_paths *sp, struct model *m,
			    struct msnap *ms)
{
	struct mdisk *md = model_disk(m, ms->s->orig_wtd);
	char *why = NULL;
	TALLOC_CTX *tmp = talloc_new(NULL);
	if (md != NULL) {
		struct storage_path *p = NULL;
		const char *name = NULL;
		int dfd = storage_path_parse(tmp, sp, md->d->path, &p) == 0
				  ? storage_path_open_parent(p, &name)
				  : -ENOENT;
		struct stat st;
		bool renamed = dfd >= 0 && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			       (uint64_t)st.st_ino == ms->rb.new_ino;
		if (dfd >= 0)
			close(dfd); /* the copy, if not renamed, is an orphan: removed below */
		if (renamed) {
			md->d->file_dev = (uint64_t)st.st_dev;
			md->d->file_ino = (uint64_t)st.st_ino;
		}
		if (ms->rb.enable)
			md->d->enabled = true;
		char *sql = talloc_asprintf(tmp,
					    "UPDATE disks SET file_dev = %" PRIu64 ", file_ino = %" PRIu64
					    ", enabled = %d WHERE wtd = %" PRIu32,
					    md->d->file_dev, md->d->file_ino, md->d->enabled ? 1 : 0,
					    md->d->wtd);
		if (sql == NULL || store_run_sql(s, sql, tmp, &why) < 0)
			log_err("snapshots: cannot finish the rollback of disk %" PRIu32 ": %s",
				md->d->wtd, why ? why : "out of memory");
		log_notice("snapshots: the rollback of disk %" PRIu32 " from %s was interrupted: "
			   "the disk has its %s content", md->d->wtd, ms->s->id,
			   renamed ? "rolled back" : "previous");
	}
	char *sql = talloc_asprintf(tmp, "UPDATE snapshots SET rollback_phase = 0 WHERE id = '%s'",
				    ms->s->id);
	if (sql != NULL)
		store_run_sql(s, sql, tmp, &why);
	ms->rb.phase = 0;
	talloc_free(tmp);
}

/* Schedules: one row per name in snapshot_schedule_list (schema 8). */
static int put_schedule(struct store *s, void *arg, TALLOC_CTX *mem, char **why)
{
	const struct core_snapshot_schedule *x = arg;
	sqlite3_stmt *st;
	int rc;
	if (x->start == 0) {
		rc = store_prepare(s, "DELETE FROM snapshot_schedule_list WHERE name = ?", &st,
				   mem, why);
		if (rc < 0)
			return rc;
		sqlite3_bind_text(st, 1, x->name, -1, SQLITE_STATIC);
		return bind_run(s, mem, why, st);
	}
	char *wtds = talloc_strdup(mem, "");
	for (size_t i = 0; wtds != NULL && i < x->n_wtds; i++)
		wtds = talloc_asprintf_append(wtds, "%s%" PRIu32, i ? "," : "", x->wtds[i]);
	if (wtds == NULL)
		return -ENOMEM;
	rc = store_prepare(s,
			   "INSERT OR REPLACE INTO snapshot_schedule_list (name, wtds, start,"
			   " interval_s, days, keep, last_run, last_made) VALUES (?, ?, ?, ?, ?, ?,"
			   " ?, ?)",
			   &st, mem, why);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, x->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, wtds, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, x->start);
	sqlite3_bind_int64(st, 4, x->interval_s);
	sqlite3_bind_int64(st, 5, x->days);
	sqlite3_bind_int64(st, 6, x->keep);
	sqlite3_bind_int64(st, 7, x->last_run);
	sqlite3_bind_int64(st, 8, x->last_made);
	return bind_run(s, mem, why, st);
}

int snap_tx_schedule(struct store_tx *tx, const struct core_snapshot_schedule *x)
{
	struct core_snapshot_schedule *copy = talloc_memdup(NULL, x, sizeof(*x));
	if (copy == NULL)
		return -ENOMEM;
	copy->name = talloc_strdup(copy, x->name && *x->name ? x->name : CORE_SCHEDULE_DEFAULT);
	copy->wtds = talloc_zero_array(copy, uint32_t, x->n_wtds + 1);
	if (copy->wtds == NULL || copy->name == NULL) {
		talloc_free(copy);
		return -ENOMEM;
	}
	if (x->n_wtds > 0)
		memcpy(copy->wtds, x->wtds, x->n_wtds * sizeof(*x->wtds));
	return store_tx_call(tx, put_schedule, copy);
}

static struct core_snapshot_schedule *schedule_row(TALLOC_CTX *mem, sqlite3_stmt *st)
{
	struct core_snapshot_schedule *x = talloc_zero(mem, struct core_snapshot_schedule);
	if (x == NULL)
		return NULL;
	x->name = store_col_text(x, st, 0);
	const char *w = (const char *)sqlite3_column_text(st, 1);
	size_t n = 0;
	for (const char *q = w; q != NULL && *q; q++)
		n += *q == ',';
	x->wtds = talloc_zero_array(x, uint32_t, n + 2);
	if (x->wtds == NULL || x->name == NULL) {
		talloc_free(x);
		return NULL;
	}
	for (const char *q = w; q != NULL && *q && x->n_wtds < n + 1;) {
		char *end = NULL;
		unsigned long v = strtoul(q, &end, 10);
		if (end == q)
			break;
		x->wtds[x->n_wtds++] = (uint32_t)v;
		q = *end == ',' ? end + 1 : end;
	}
	x->start = sqlite3_column_int64(st, 2);
	x->interval_s = (uint32_t)sqlite3_column_int64(st, 3);
	x->days = (uint32_t)sqlite3_column_int64(st, 4);
	x->keep = (uint32_t)sqlite3_column_int64(st, 5);
	x->last_run = sqlite3_column_int64(st, 6);
	x->last_made = sqlite3_column_int64(st, 7);
	return x;
}

static int load_schedules(struct store *s, struct snap_model *sm, char **why)
{
	sm->schedules = talloc_zero_array(sm, struct core_snapshot_schedule *, 0);
	if (sm->schedules == NULL)
		return -ENOMEM;
	sqlite3_stmt *st;
	int rc = store_prepare(s,
			       "SELECT name, wtds, start, interval_s, days, keep, last_run,"
			       " last_made FROM snapshot_schedule_list ORDER BY name",
			       &st, sm, why);
	if (rc < 0)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct core_snapshot_schedule *x = schedule_row(sm, st);
		struct core_snapshot_schedule **a =
			x ? talloc_realloc(sm, sm->schedules, struct core_snapshot_schedule *,
					   sm->n_schedules + 1)
			  : NULL;
		if (a == NULL) {
			rc = -ENOMEM;
			break;
		}
		sm->schedules = a;
		if (x->interval_s == 0 || x->start <= 0) {
			talloc_free(x); /* not a schedule: never written so */
			continue;
		}
		sm->schedules[sm->n_schedules++] = x;
	}
	sqlite3_finalize(st);
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(s, step, sm, why, "reading snapshot schedules");
	return rc;
}

int snapshots_open(struct store *s, const struct storage_paths *sp, struct model *m, char **why)
{
	struct snap_model *sm = talloc_zero(m, struct snap_model);
	if (sm == NULL)
		return -ENOMEM;
	sm->snaps = talloc_zero_array(sm, struct msnap *, 0);
	sm->roots = talloc_zero_array(sm, struct snap_root, sp->count + 1);
	if (sm->snaps == NULL || sm->roots == NULL)
		return -ENOMEM;
	sm->n_roots = sp->count;
	int rc = load_rows(s, sm, why);
	if (rc == 0)
		rc = load_schedules(s, sm, why);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sm->n; i++)
		if (sm->snaps[i]->rb.phase != 0)
			finish_rollback(s, sp, m, sm->snaps[i]);
	for (size_t i = 0; i < sp->count; i++) {
		struct snap_root *r = &sm->roots[i];
		r->provider = snap_provider_for(sp->roots[i].dirfd, &r->rc);
		log_info("snapshots on %s (%s): %s", sp->roots[i].path, sp->roots[i].fs_type,
			 r->provider ? r->provider->name : strerror(-r->rc));
		sweep(&sp->roots[i], sm);
	}
	m->snap = sm;
	return 0;
}
