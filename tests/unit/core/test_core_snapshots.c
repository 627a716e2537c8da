/* The snapshot engine on real file systems: a storage root on a
 * loop-mounted XFS (reflink=1) and btrfs image, and the ext4 refusal.
 * Needs root (mount); skips (77) without it or without mkfs.xfs/btrfs. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend/snap_provider.h"
#include "backend_testutil.h"
#include "core/snapshot_schedules.h"
#include "core/snapshots.h"
#include "core/store.h"
#include "core_testutil.h"

#define MiB (1024ull * 1024ull)

static const char *fs_kind; /* "xfs" or "btrfs" for the group under way */
/* Mount points still mounted: a failed test (cmocka jumps out of it) leaves
 * its own; main() unmounts them all at the end. */
#define MAX_MOUNTS 32
static char mounts[MAX_MOUNTS][4096];

static void remember_mount(const char *path, bool mounted)
{
	for (int i = 0; i < MAX_MOUNTS; i++) {
		if (mounted && mounts[i][0] == '\0') {
			snprintf(mounts[i], sizeof(mounts[i]), "%s", path);
			return;
		}
		if (!mounted && strcmp(mounts[i], path) == 0) {
			mounts[i][0] = '\0';
			return;
		}
	}
}

/* Mounts a fresh image of FS_KIND over t->root and reloads the roots. */
static bool mount_root(struct tc *t)
{
	int st = 0;
	char *img = talloc_asprintf(t, "%s/fs.img", t->dir);
	const char *mkfs = strcmp(fs_kind, "xfs") == 0 ? "mkfs.xfs -q -f -m reflink=1"
						       : "mkfs.btrfs -q -f";
	tu_run(t, &st, "truncate -s %s %s && %s %s >/dev/null 2>&1 && mount -o loop %s %s",
	       strcmp(fs_kind, "xfs") == 0 ? "320M" : "256M", img, mkfs, img, img, t->root);
	if (st != 0)
		return false;
	remember_mount(t->root, true);
	talloc_free(t->sp);
	const char *roots[] = { t->root, NULL };
	char *err = NULL;
	assert_int_equal(storage_paths_new(t, roots, NULL, &t->sp, &err), 0);
	t->opts.storage = t->sp;
	return true;
}

static void unmount_root(struct tc *t)
{
	int st = 0;
	tc_close(t);
	talloc_free(t->sp); /* closes the root's descriptor */
	t->sp = NULL;
	tu_run(t, &st, "umount %s", t->root);
	assert_int_equal(st, 0);
	remember_mount(t->root, false);
}

static struct tc *fs_tc(void)
{
	struct tc *t = tc_new(false);
	if (!mount_root(t)) {
		tc_free(t);
		return NULL;
	}
	assert_int_equal(tc_open(t), 0);
	return t;
}

static int snap_create(struct tc *t, const uint32_t *wtds, size_t n, char ***ids)
{
	struct tevent_req *req = core_snapshot_create_send(t, t->core, wtds, n, NULL, NULL);
	tc_wait(t, req);
	TALLOC_FREE(t->why);
	uint64_t hold = 0;
	int rc = core_snapshot_create_recv(req, t, ids, &hold, &t->why);
	talloc_free(req);
	if (rc == 0)
		assert_true(hold < 1000000); /* reflink: far below a second */
	return rc;
}

static int snap_delete(struct tc *t, const char *id)
{
	struct tevent_req *req = core_snapshot_delete_send(t, t->core, id);
	tc_wait(t, req);
	int rc = core_snapshot_delete_recv(req, t, &t->why);
	talloc_free(req);
	return rc;
}

static int snap_export(struct tc *t, const char *id, uint32_t *wtd)
{
	struct tevent_req *req = core_snapshot_export_send(t, t->core, id);
	tc_wait(t, req);
	int rc = core_snapshot_export_recv(req, t, wtd, &t->why);
	talloc_free(req);
	return rc;
}

static void write_pattern(const char *path, char c, off_t off, size_t len)
{
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	char *buf = malloc(len);
	memset(buf, c, len);
	assert_int_equal(pwrite(fd, buf, len, off), (ssize_t)len);
	free(buf);
	fsync(fd);
	close(fd);
}

static char read_byte(const char *path, off_t off)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	char c = 0;
	assert_int_equal(pread(fd, &c, 1, off), 1);
	close(fd);
	return c;
}

/* A, snapshot, B: the snapshot keeps A, the disk has B; the snapshot shares
 * every extent but the overwritten one; export gives a disk reading A; the
 * whole survives a restart; deleting removes the export and the files. */
static void test_snapshot_lifecycle(void **unused)
{
	struct tc *t = fs_tc();
	if (t == NULL) {
		skip();
		return;
	}
	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "a.vhd", 16 * MiB, &wtd), 0);
	char *disk = tc_path(t, "a.vhd");
	write_pattern(disk, 'A', 0, 16 * MiB);
	assert_int_equal(core_snapshot_supported(t, t->core, wtd, NULL), 0);
	char **ids = NULL;
	assert_int_equal(snap_create(t, &wtd, 1, &ids), 0);
	write_pattern(disk, 'B', 0, 1 * MiB);

	struct core_snapshot *s = core_snapshot_get(t, t->core, ids[0]);
	assert_non_null(s);
	assert_int_equal(s->orig_wtd, wtd);
	assert_int_equal(s->exported_wtd, CORE_NO_WTD);
	assert_true(s->persistent);
	assert_true(s->timestamp > 0);
	assert_int_equal(read_byte(s->file, 0), 'A');
	assert_int_equal(read_byte(disk, 0), 'B');
	int fd = open(s->file, O_RDONLY);
	uint64_t shared = 0, total = 0;
	assert_int_equal(snap_shared_bytes(fd, &shared, &total), 0);
	close(fd);
	assert_true(shared >= 14 * MiB); /* all but the 1 MiB rewritten (+footer) */

	/* restart: kept */
	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	struct core_snapshot **list = NULL;
	size_t n = 0;
	assert_int_equal(core_snapshot_list(t, t->core, wtd, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0]->id, ids[0]);

	/* export: a new disk with A; the snapshot is unchanged */
	uint32_t ex = CORE_NO_WTD;
	assert_int_equal(snap_export(t, ids[0], &ex), 0);
	assert_int_not_equal(ex, CORE_NO_WTD);
	struct core_disk *exd = core_disk_by_wtd(t, t->core, ex);
	assert_non_null(exd);
	assert_int_equal(exd->size, 16 * MiB);
	assert_int_equal(read_byte(exd->path, 0), 'A');
	assert_int_equal(snap_export(t, ids[0], NULL), -EALREADY);
	s = core_snapshot_get(t, t->core, ids[0]);
	assert_int_equal(s->exported_wtd, ex);
	assert_int_equal(s->status, CORE_SNAP_STATUS_EXPORTED);
	char *exported_path = talloc_strdup(t, exd->path);

	/* delete: the export goes too, and the files */
	assert_int_equal(snap_delete(t, ids[0]), 0);
	assert_null(core_snapshot_get(t, t->core, ids[0]));
	assert_null(core_disk_by_wtd(t, t->core, ex));
	assert_int_not_equal(access(exported_path, F_OK), 0);
	assert_int_not_equal(access(s->file, F_OK), 0);
	assert_int_equal(snap_delete(t, ids[0]), 0); /* unknown: S_OK */
	unmount_root(t);
	tc_free(t);
}

static int snap_rollback(struct tc *t, const char *id)
{
	struct tevent_req *req = core_snapshot_rollback_send(t, t->core, id);
	tc_wait(t, req);
	int rc = core_snapshot_rollback_recv(req, t, &t->why);
	talloc_free(req);
	return rc;
}

static uint64_t inode_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_ino;
}

/* Rollback: the disk reads A again, its record follows the new file, the
 * snapshot stays; a disabled disk is refused. */
static void test_rollback(void **unused)
{
	struct tc *t = fs_tc();
	if (t == NULL) {
		skip();
		return;
	}
	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "r.vhd", 8 * MiB, &wtd), 0);
	char *disk = tc_path(t, "r.vhd");
	write_pattern(disk, 'A', 0, 8 * MiB);
	char **ids = NULL;
	assert_int_equal(snap_create(t, &wtd, 1, &ids), 0);
	write_pattern(disk, 'B', 0, 2 * MiB);
	assert_int_equal(snap_rollback(t, ids[0]), 0);
	assert_int_equal(read_byte(disk, 0), 'A');
	assert_int_equal(read_byte(disk, 2 * MiB - 1), 'A');
	struct core_disk *d = core_disk_by_wtd(t, t->core, wtd);
	assert_true(d->enabled);
	assert_int_equal(d->file_ino, inode_of(disk));
	struct core_snapshot *s = core_snapshot_get(t, t->core, ids[0]);
	assert_non_null(s);
	assert_int_equal(s->status, 0);
	assert_int_equal(read_byte(s->file, 0), 'A');
	assert_int_equal(snap_rollback(t, "00000000-0000-4000-8000-000000000001"), -ENOENT);
	/* restart: the record still matches the file */
	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	d = core_disk_by_wtd(t, t->core, wtd);
	assert_int_equal(d->file_ino, inode_of(disk));
	unmount_root(t);
	tc_free(t);
}

static const char *crash_at;

static void crash_hook(const char *point, void *priv)
{
	if (crash_at != NULL && strcmp(point, crash_at) == 0)
		_exit(42);
}

/* A crash at each step of a rollback (a child process dies there), then a
 * restart: the disk has either the old or the rolled-back content, its
 * record matches its file, it is enabled, no copy is left. */
static void rollback_crash_at(const char *point, char expect)
{
	struct tc *t = tc_new(false);
	if (!mount_root(t)) {
		tc_free(t);
		skip();
		return;
	}
	char *disk = tc_path(t, "c.vhd");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		t->opts.crash_point = crash_hook;
		crash_at = point;
		if (tc_open(t) != 0)
			_exit(1);
		uint32_t wtd;
		if (tc_create_disk(t, "c.vhd", 4 * MiB, &wtd) != 0)
			_exit(2);
		write_pattern(disk, 'A', 0, 4 * MiB);
		char **ids = NULL;
		if (snap_create(t, &wtd, 1, &ids) != 0)
			_exit(3);
		write_pattern(disk, 'B', 0, 4 * MiB);
		snap_rollback(t, ids[0]);
		_exit(4);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
	assert_int_equal(tc_open(t), 0);
	struct core_disk **disks = NULL;
	size_t n = 0;
	assert_int_equal(core_disk_list(t, t->core, &disks, &n), 0);
	assert_int_equal(n, 1);
	assert_true(disks[0]->enabled);
	assert_int_equal(disks[0]->file_ino, inode_of(disk));
	assert_int_equal(read_byte(disk, 0), expect);
	assert_int_equal(read_byte(disk, 4 * MiB - 1), expect);
	struct core_snapshot **list = NULL;
	assert_int_equal(core_snapshot_list(t, t->core, CORE_NO_WTD, &list, &n), 0);
	assert_int_equal(n, 1);
	int st = 0;
	char *left = tu_run(t, &st, "ls %s/%s/*/ | grep -c rollback || true", t->root,
			    SNAP_DIR_NAME);
	assert_int_equal(atoi(left), 0);
	unmount_root(t);
	tc_free(t);
}

static void test_rollback_crash_copied(void **unused)
{
	rollback_crash_at("rollback-copied", 'B');
}

static void test_rollback_crash_recorded(void **unused)
{
	rollback_crash_at("rollback-recorded", 'B');
}

static void test_rollback_crash_renamed(void **unused)
{
	rollback_crash_at("rollback-renamed", 'A');
}

static void test_create_crash(void **unused)
{
	struct tc *t = tc_new(false);
	if (!mount_root(t)) {
		tc_free(t);
		skip();
		return;
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		t->opts.crash_point = crash_hook;
		crash_at = "snapshot-cloned";
		uint32_t wtd;
		if (tc_open(t) != 0 || tc_create_disk(t, "k.vhd", 4 * MiB, &wtd) != 0)
			_exit(1);
		snap_create(t, &wtd, 1, NULL);
		_exit(4);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 42);
	assert_int_equal(tc_open(t), 0);
	struct core_snapshot **list = NULL;
	size_t n = 1;
	assert_int_equal(core_snapshot_list(t, t->core, CORE_NO_WTD, &list, &n), 0);
	assert_int_equal(n, 0);
	int st = 0;
	char *left = tu_run(t, &st, "find %s/%s -type f | wc -l", t->root, SNAP_DIR_NAME);
	assert_int_equal(atoi(left), 0);
	unmount_root(t);
	tc_free(t);
}

/* Two disks in one set share set_id and timestamp; 100 snapshots of one
 * disk; orphans (a crash between clone and commit) go at the next start. */
static void test_sets_many_orphans(void **unused)
{
	struct tc *t = fs_tc();
	if (t == NULL) {
		skip();
		return;
	}
	uint32_t w[2];
	assert_int_equal(tc_create_disk(t, "x.vhd", 4 * MiB, &w[0]), 0);
	assert_int_equal(tc_create_disk(t, "y.vhd", 4 * MiB, &w[1]), 0);
	char **ids = NULL;
	assert_int_equal(snap_create(t, w, 2, &ids), 0);
	struct core_snapshot *a = core_snapshot_get(t, t->core, ids[0]);
	struct core_snapshot *b = core_snapshot_get(t, t->core, ids[1]);
	assert_string_equal(a->set_id, b->set_id);
	assert_true(a->timestamp == b->timestamp);
	uint32_t dup[2] = { w[0], w[0] };
	assert_int_equal(snap_create(t, dup, 2, NULL), -EINVAL);
	assert_int_equal(snap_create(t, (uint32_t[]){ 999 }, 1, NULL), -ENOENT);

	for (int i = 0; i < 100; i++)
		assert_int_equal(snap_create(t, &w[0], 1, NULL), 0);
	struct core_snapshot **list = NULL;
	size_t n = 0;
	assert_int_equal(core_snapshot_list(t, t->core, w[0], &list, &n), 0);
	assert_int_equal(n, 101);

	/* what interrupted operations leave: a clone never committed
	 * (.part), a delete committed (.deleting); both go at the next start.
	 * A <id>.vhd without a row is an unregistered snapshot: kept. */
	char *orphan = talloc_asprintf(t, "%s/%s/%s/%s.vhd.part", t->root, SNAP_DIR_NAME,
				       a->disk_guid, "00000000-0000-4000-8000-000000000000");
	char *deleted = talloc_asprintf(t, "%s/%s/%s/%s.vhd.deleting", t->root, SNAP_DIR_NAME,
					a->disk_guid, "00000000-0000-4000-8000-000000000002");
	char *unregistered = talloc_asprintf(t, "%s/%s/%s/%s.vhd", t->root, SNAP_DIR_NAME,
					     a->disk_guid, "00000000-0000-4000-8000-000000000001");
	tu_write_file(orphan, "x", 1);
	tu_write_file(deleted, "x", 1);
	tu_write_file(unregistered, "x", 1);
	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	assert_int_not_equal(access(orphan, F_OK), 0);
	assert_int_not_equal(access(deleted, F_OK), 0);
	assert_int_equal(access(unregistered, F_OK), 0);
	assert_int_equal(unlink(unregistered), 0);
	assert_int_equal(core_snapshot_list(t, t->core, CORE_NO_WTD, &list, &n), 0);
	assert_int_equal(n, 102);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(snap_delete(t, list[i]->id), 0);
	assert_int_equal(core_snapshot_list(t, t->core, CORE_NO_WTD, &list, &n), 0);
	assert_int_equal(n, 0);
	unmount_root(t);
	tc_free(t);
}

/* A crash after a delete's commit, before its file goes: the snapshot is
 * gone and so is its file after the restart. */
static void test_delete_crash(void **unused)
{
	struct tc *t = tc_new(false);
	if (!mount_root(t)) {
		tc_free(t);
		skip();
		return;
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		t->opts.crash_point = crash_hook;
		crash_at = "snapshot-delete-committed";
		uint32_t w;
		char **ids = NULL;
		if (tc_open(t) != 0 || tc_create_disk(t, "d.vhd", 4 * MiB, &w) != 0 ||
		    snap_create(t, &w, 1, &ids) != 0 || snap_create(t, &w, 1, NULL) != 0)
			_exit(1);
		snap_delete(t, ids[0]);
		_exit(4);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 42);
	assert_int_equal(tc_open(t), 0);
	struct core_snapshot **list = NULL;
	size_t n = 0;
	assert_int_equal(core_snapshot_list(t, t->core, CORE_NO_WTD, &list, &n), 0);
	assert_int_equal(n, 1);
	int st = 0;
	char *left = tu_run(t, &st, "find %s/%s -type f | wc -l", t->root, SNAP_DIR_NAME);
	assert_int_equal(atoi(left), 1);
	assert_int_equal(access(list[0]->file, R_OK), 0);
	unmount_root(t);
	tc_free(t);
}

/* A crash after a create's commit, before its file takes its final name:
 * the next start renames it; the snapshot is whole. */
static void test_create_crash_committed(void **unused)
{
	struct tc *t = tc_new(false);
	if (!mount_root(t)) {
		tc_free(t);
		skip();
		return;
	}
	char *disk = tc_path(t, "k.vhd");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		t->opts.crash_point = crash_hook;
		crash_at = "snapshot-committed";
		uint32_t wtd;
		if (tc_open(t) != 0 || tc_create_disk(t, "k.vhd", 4 * MiB, &wtd) != 0)
			_exit(1);
		write_pattern(disk, 'A', 0, 4 * MiB);
		snap_create(t, &wtd, 1, NULL);
		_exit(4);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 42);
	write_pattern(disk, 'B', 0, 4 * MiB);
	assert_int_equal(tc_open(t), 0);
	struct core_snapshot **list = NULL;
	size_t n = 0;
	assert_int_equal(core_snapshot_list(t, t->core, CORE_NO_WTD, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(read_byte(list[0]->file, 0), 'A');
	assert_int_equal(read_byte(list[0]->file, 4 * MiB - 1), 'A');
	int st = 0;
	char *left = tu_run(t, &st, "find %s/%s -type f | wc -l", t->root, SNAP_DIR_NAME);
	assert_int_equal(atoi(left), 1);
	unmount_root(t);
	tc_free(t);
}

/* A crash after a delete renamed the file, before the row went: the
 * snapshot is still there, with its file, after the restart. */
static void test_delete_crash_renamed(void **unused)
{
	struct tc *t = tc_new(false);
	if (!mount_root(t)) {
		tc_free(t);
		skip();
		return;
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		t->opts.crash_point = crash_hook;
		crash_at = "snapshot-delete-renamed";
		uint32_t w;
		char **ids = NULL;
		if (tc_open(t) != 0 || tc_create_disk(t, "d.vhd", 4 * MiB, &w) != 0 ||
		    snap_create(t, &w, 1, &ids) != 0)
			_exit(1);
		snap_delete(t, ids[0]);
		_exit(4);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 42);
	assert_int_equal(tc_open(t), 0);
	struct core_snapshot **list = NULL;
	size_t n = 0;
	assert_int_equal(core_snapshot_list(t, t->core, CORE_NO_WTD, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(access(list[0]->file, R_OK), 0);
	assert_int_equal(snap_delete(t, list[0]->id), 0);
	int st = 0;
	char *left = tu_run(t, &st, "find %s/%s -type f | wc -l", t->root, SNAP_DIR_NAME);
	assert_int_equal(atoi(left), 0);
	unmount_root(t);
	tc_free(t);
}

static int snap_import(struct tc *t, const char *id, const struct core_snapshot_import *hint)
{
	struct tevent_req *req = core_snapshot_import_send(t, t->core, id, hint);
	tc_wait(t, req);
	TALLOC_FREE(t->why);
	int rc = core_snapshot_import_recv(req, t, &t->why);
	talloc_free(req);
	return rc;
}

/* ImportSnapshot's core: a snapshot file without a row (its row lost, as
 * with a restored database: here a reflink copy under a new id) is kept by
 * a restart and registered by import, then is like any other snapshot;
 * what cannot be imported is refused with its reason. */
static void test_import(void **unused)
{
	struct tc *t = fs_tc();
	if (t == NULL) {
		skip();
		return;
	}
	uint32_t w, v;
	assert_int_equal(tc_create_disk(t, "i.vhd", 4 * MiB, &w), 0);
	assert_int_equal(tc_create_disk(t, "j.vhd", 4 * MiB, &v), 0);
	char *disk = tc_path(t, "i.vhd");
	write_pattern(disk, 'A', 0, 4 * MiB);
	char **ids = NULL;
	assert_int_equal(snap_create(t, &w, 1, &ids), 0);
	write_pattern(disk, 'B', 0, 4 * MiB);
	struct core_snapshot *s = core_snapshot_get(t, t->core, ids[0]);
	const char *nid = "4f1c2a7e-0d3b-4c5a-9e8f-112233445566";
	int st = 0;
	char *dir = talloc_asprintf(t, "%s/%s/%s", t->root, SNAP_DIR_NAME, s->disk_guid);
	tu_run(t, &st, "cp --reflink=always %s %s/%s.vhd", s->file, dir, nid);
	assert_int_equal(st, 0);
	tc_close(t);
	assert_int_equal(tc_open(t), 0); /* kept: unregistered, not an orphan */

	assert_int_equal(snap_import(t, "not-a-guid", NULL), -EINVAL);
	assert_int_equal(snap_import(t, ids[0], NULL), -EEXIST);
	assert_int_equal(snap_import(t, "4f1c2a7e-0d3b-4c5a-9e8f-000000000000", NULL), -ENOENT);
	struct core_snapshot_import hint = { .orig_wtd = v };
	assert_int_equal(snap_import(t, nid, &hint), -EXDEV);
	/* a file that is no VHD */
	const char *bad = "4f1c2a7e-0d3b-4c5a-9e8f-000000000001";
	tu_write_file(talloc_asprintf(t, "%s/%s.vhd", dir, bad), "x", 1);
	assert_int_equal(snap_import(t, bad, NULL), -EMEDIUMTYPE);
	/* a directory of no registered disk */
	const char *lost = "4f1c2a7e-0d3b-4c5a-9e8f-000000000002";
	tu_run(t, &st, "mkdir -p %s/%s/%s && cp --reflink=always %s %s/%s/%s/%s.vhd", t->root,
	       SNAP_DIR_NAME, lost, s->file, t->root, SNAP_DIR_NAME, lost, lost);
	assert_int_equal(st, 0);
	assert_int_equal(snap_import(t, lost, NULL), -ENODEV);

	hint = (struct core_snapshot_import){ .orig_wtd = w, .timestamp = 130000000000000001LL };
	snprintf(hint.set_id, sizeof(hint.set_id), "%s", s->set_id);
	assert_int_equal(snap_import(t, "4F1C2A7E-0D3B-4C5A-9E8F-112233445566", &hint), 0);
	struct core_snapshot *im = core_snapshot_get(t, t->core, nid);
	assert_non_null(im);
	assert_int_equal(im->orig_wtd, w);
	assert_string_equal(im->set_id, s->set_id);
	assert_int_equal(im->timestamp, 130000000000000001LL);
	assert_int_equal(im->size, 4 * MiB);
	assert_string_equal(im->description, "imported");
	assert_int_equal(snap_import(t, nid, NULL), -EEXIST);
	/* a restart keeps it; it rolls back like any snapshot; delete removes it */
	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	assert_non_null(core_snapshot_get(t, t->core, nid));
	assert_int_equal(snap_rollback(t, nid), 0);
	assert_int_equal(read_byte(disk, 0), 'A');
	assert_int_equal(snap_delete(t, nid), 0);
	assert_int_not_equal(access(talloc_asprintf(t, "%s/%s.vhd", dir, nid), F_OK), 0);
	unmount_root(t);
	tc_free(t);
}

static int schedule_set(struct tc *t, const struct core_snapshot_schedule *s)
{
	struct tevent_req *req = core_snapshot_schedule_set_send(t, t->core, s);
	tc_wait(t, req);
	int rc = core_snapshot_schedule_set_recv(req, t, &t->why);
	talloc_free(req);
	return rc;
}

static size_t scheduled_count(struct tc *t, uint32_t wtd)
{
	struct core_snapshot **list = NULL;
	size_t n = 0, k = 0;
	assert_int_equal(core_snapshot_list(t, t->core, wtd, &list, &n), 0);
	for (size_t i = 0; i < n; i++)
		k += strcmp(list[i]->description, CORE_SCHEDULE_DESCRIPTION) == 0;
	return k;
}

/* A schedule every second keeping 3: runs by itself, never more than 3
 * scheduled snapshots (a hand-made one stays), survives a restart, and a
 * run missed while down is made once at start-up. */
static void test_schedule(void **unused)
{
	struct tc *t = fs_tc();
	if (t == NULL) {
		skip();
		return;
	}
	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "s.vhd", 4 * MiB, &wtd), 0);
	assert_int_equal(snap_create(t, &wtd, 1, NULL), 0); /* by hand */
	int64_t now = 116444736000000000LL + (int64_t)time(NULL) * 10000000LL;
	struct core_snapshot_schedule s = { .start = now, .interval_s = 1, .keep = 3 };
	assert_int_equal(schedule_set(t, &s), 0);
	struct core_snapshot_schedule bad = { .start = now, .interval_s = 0, .keep = 3 };
	assert_int_equal(schedule_set(t, &bad), -EINVAL);
	tc_run_for(t, 5500);
	assert_true(core_snapshot_schedule_runs(t->core) >= 3);
	/* a run may be between its create and its deletes (slow under ASan) */
	for (int i = 0; i < 50 && scheduled_count(t, wtd) != 3; i++)
		tc_run_for(t, 100);
	assert_int_equal(scheduled_count(t, wtd), 3);
	struct core_snapshot **list = NULL;
	size_t n = 0;
	assert_int_equal(core_snapshot_list(t, t->core, wtd, &list, &n), 0);
	assert_int_equal(n, 4); /* 3 scheduled + the hand-made one */

	/* restart after a pause: the schedule is back, the missed run made */
	tc_close(t);
	sleep(2);
	assert_int_equal(tc_open(t), 0);
	struct core_snapshot_schedule *got = core_snapshot_schedule_get(t, t->core);
	assert_int_equal(got->interval_s, 1);
	assert_int_equal(got->keep, 3);
	tc_run_for(t, 300);
	for (int i = 0; i < 50 && (core_snapshot_schedule_runs(t->core) < 1 ||
				   scheduled_count(t, wtd) != 3); i++)
		tc_run_for(t, 100);
	assert_true(core_snapshot_schedule_runs(t->core) >= 1);
	assert_int_equal(scheduled_count(t, wtd), 3);

	struct core_snapshot_schedule off = { 0 };
	assert_int_equal(schedule_set(t, &off), 0);
	tc_run_for(t, 300); /* a run under way when it was cleared ends */
	uint64_t runs = core_snapshot_schedule_runs(t->core);
	tc_run_for(t, 1500);
	assert_int_equal(core_snapshot_schedule_runs(t->core), runs);
	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	assert_int_equal(core_snapshot_schedule_get(t, t->core)->start, 0);
	unmount_root(t);
	tc_free(t);
}

static size_t described_count(struct tc *t, uint32_t wtd, const char *description)
{
	struct core_snapshot **list = NULL;
	size_t n = 0, k = 0;
	assert_int_equal(core_snapshot_list(t, t->core, wtd, &list, &n), 0);
	for (size_t i = 0; i < n; i++)
		k += strcmp(list[i]->description, description) == 0;
	return k;
}

/* Several named schedules: each keeps its own N per disk, never touches
 * another's snapshots or hand-made ones, and all come back after a
 * restart. */
static void test_schedules_named(void **unused)
{
	struct tc *t = fs_tc();
	if (t == NULL) {
		skip();
		return;
	}
	uint32_t w1, w2;
	assert_int_equal(tc_create_disk(t, "n1.vhd", 4 * MiB, &w1), 0);
	assert_int_equal(tc_create_disk(t, "n2.vhd", 4 * MiB, &w2), 0);
	assert_int_equal(snap_create(t, &w1, 1, NULL), 0); /* by hand */
	int64_t now = 116444736000000000LL + (int64_t)time(NULL) * 10000000LL;
	uint32_t only1[] = { w1 };
	struct core_snapshot_schedule a = { .name = "a", .start = now, .interval_s = 1,
					    .keep = 1, .wtds = only1, .n_wtds = 1 };
	struct core_snapshot_schedule b = { .name = "b", .start = now, .interval_s = 1,
					    .keep = 2 };
	assert_int_equal(schedule_set(t, &a), 0);
	assert_int_equal(schedule_set(t, &b), 0);
	struct core_snapshot_schedule bad = { .name = "no/slash", .start = now,
					      .interval_s = 1, .keep = 1 };
	assert_int_equal(schedule_set(t, &bad), -EINVAL);
	uint32_t nodisk[] = { 999 };
	struct core_snapshot_schedule gone = { .name = "c", .start = now, .interval_s = 1,
					       .keep = 1, .wtds = nodisk, .n_wtds = 1 };
	assert_int_equal(schedule_set(t, &gone), -ENOENT);
	tc_run_for(t, 4500);
	assert_int_equal(described_count(t, w1, "scheduled:a"), 1);
	assert_int_equal(described_count(t, w2, "scheduled:a"), 0);
	assert_int_equal(described_count(t, w1, "scheduled:b"), 2);
	assert_int_equal(described_count(t, w2, "scheduled:b"), 2);
	assert_int_equal(described_count(t, w1, ""), 1); /* the hand-made one */
	assert_int_equal(scheduled_count(t, w1), 0);     /* no default schedule */

	struct core_snapshot_schedule **all = NULL;
	size_t n = 0;
	assert_int_equal(core_snapshot_schedule_list(t, t->core, &all, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(all[0]->name, "a");
	assert_string_equal(all[1]->name, "b");
	assert_true(all[0]->last_run > 0);

	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	struct core_snapshot_schedule *got = core_snapshot_schedule_find(t, t->core, "a");
	assert_non_null(got);
	assert_int_equal(got->keep, 1);
	assert_int_equal(got->n_wtds, 1);
	assert_int_equal(got->wtds[0], w1);
	assert_non_null(core_snapshot_schedule_find(t, t->core, "b"));
	assert_null(core_snapshot_schedule_find(t, t->core, "default"));
	/* clearing one stops it and keeps its snapshots */
	struct core_snapshot_schedule off = { .name = "b" };
	assert_int_equal(schedule_set(t, &off), 0);
	tc_run_for(t, 2500);
	assert_null(core_snapshot_schedule_find(t, t->core, "b"));
	assert_int_equal(described_count(t, w2, "scheduled:b"), 2);
	assert_int_equal(described_count(t, w1, "scheduled:a"), 1);
	/* a disk deleted since: may stay in its schedule (runs leave it out),
	 * is refused in another */
	assert_int_equal(tc_delete_disk(t, w1, false), 0);
	a.keep = 2;
	assert_int_equal(schedule_set(t, &a), 0);
	struct core_snapshot_schedule c = a;
	c.name = "c";
	assert_int_equal(schedule_set(t, &c), -ENOENT);
	uint64_t runs = core_snapshot_schedule_runs(t->core);
	tc_run_for(t, 2500);
	assert_true(core_snapshot_schedule_runs(t->core) > runs);
	assert_int_equal(described_count(t, w1, "scheduled:a"), 1);
	off.name = "a";
	assert_int_equal(schedule_set(t, &off), 0);
	unmount_root(t);
	tc_free(t);
}

/* Down for five runs of an hourly schedule: at start-up one catch-up run,
 * not five, then nothing until the next grid point (half an hour away). */
static void test_schedule_catch_up_once(void **unused)
{
	struct tc *t = fs_tc();
	if (t == NULL) {
		skip();
		return;
	}
	uint32_t w;
	assert_int_equal(tc_create_disk(t, "c.vhd", 4 * MiB, &w), 0);
	int64_t now = 116444736000000000LL + (int64_t)time(NULL) * 10000000LL;
	int64_t start = now - (5 * 3600 + 1800) * 10000000LL;
	struct core_snapshot_schedule s = { .name = "h", .start = start, .interval_s = 3600,
					    .keep = 10 };
	assert_int_equal(schedule_set(t, &s), 0);
	tc_run_for(t, 300);
	assert_int_equal(core_snapshot_schedule_runs(t->core), 0); /* no catch-up when set */
	tc_close(t);
	/* as if the last run was five grid points ago */
	struct store *st = NULL;
	char *why = NULL;
	assert_int_equal(store_open(t, t->state, &st, &why), 0);
	char *sql = talloc_asprintf(t, "UPDATE snapshot_schedule_list SET last_run = %lld,"
				       " last_made = %lld WHERE name = 'h';",
				    (long long)start, (long long)start);
	assert_int_equal(store_exec(st, sql, &why), 0);
	talloc_free(st);
	assert_int_equal(tc_open(t), 0);
	for (int i = 0; i < 30 && core_snapshot_schedule_runs(t->core) < 1; i++)
		tc_run_for(t, 100);
	tc_run_for(t, 1500);
	assert_int_equal(core_snapshot_schedule_runs(t->core), 1);
	assert_int_equal(described_count(t, w, "scheduled:h"), 1);
	struct core_snapshot_schedule *got = core_snapshot_schedule_find(t, t->core, "h");
	assert_int_equal(got->last_made, start + 5 * 3600 * 10000000LL);
	assert_int_equal(core_schedule_next_run(got, now), start + 6 * 3600 * 10000000LL);
	struct core_snapshot_schedule off = { .name = "h" };
	assert_int_equal(schedule_set(t, &off), 0);
	unmount_root(t);
	tc_free(t);
}

/* ext4 (the scratch directory's file system here) cannot reflink: refused,
 * and said so per disk. */
static void test_ext4_refused(void **unused)
{
	struct tc *t = tc_new(false);
	int st = 0;
	char *fs = tu_run(t, &st, "stat -f -c %%T %s", t->root);
	if (st != 0 || fs == NULL || strncmp(fs, "ext", 3) != 0) {
		tc_free(t);
		skip();
		return;
	}
	assert_int_equal(tc_open(t), 0);
	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "e.vhd", 4 * MiB, &wtd), 0);
	char *why = NULL;
	assert_int_equal(core_snapshot_supported(t, t->core, wtd, &why), -EOPNOTSUPP);
	assert_non_null(strstr(why, "reflink"));
	assert_false(core_snapshots_any_supported(t->core));
	assert_int_equal(snap_create(t, &wtd, 1, NULL), -EOPNOTSUPP);
	assert_int_equal(core_snapshot_supported(t, t->core, 777, NULL), -ENOENT);
	tc_free(t);
}

static int setup_xfs(void **unused)
{
	fs_kind = "xfs";
	return 0;
}

static int setup_btrfs(void **unused)
{
	fs_kind = "btrfs";
	return 0;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("skipped: mounting file system images needs root\n");
		return 77;
	}
	const struct CMUnitTest xfs[] = {
		cmocka_unit_test(test_snapshot_lifecycle),
		cmocka_unit_test(test_sets_many_orphans),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_rollback_crash_copied),
		cmocka_unit_test(test_rollback_crash_recorded),
		cmocka_unit_test(test_rollback_crash_renamed),
		cmocka_unit_test(test_create_crash),
		cmocka_unit_test(test_delete_crash),
		cmocka_unit_test(test_create_crash_committed),
		cmocka_unit_test(test_delete_crash_renamed),
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_schedules_named),
		cmocka_unit_test(test_schedule_catch_up_once),
		cmocka_unit_test(test_ext4_refused),
	};
	const struct CMUnitTest btrfs[] = {
		cmocka_unit_test(test_snapshot_lifecycle),
		cmocka_unit_test(test_sets_many_orphans),
		cmocka_unit_test(test_rollback),
	};
	int rc = cmocka_run_group_tests_name("xfs", xfs, setup_xfs, NULL);
	rc |= cmocka_run_group_tests_name("btrfs", btrfs, setup_btrfs, NULL);
	for (int i = 0; i < MAX_MOUNTS; i++) {
		if (mounts[i][0] == '\0')
			continue;
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "umount -l '%.4000s'", mounts[i]);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot unmount %s\n", mounts[i]);
	}
	return rc;
}
