/* Issue 9, defect 2: a disk's file, or a directory on its path, replaced
 * after CreateWTDisk (by a symlink leading out of the storage root, or by
 * another file) is never attached to a loop device nor exported, neither
 * when the disk is mapped afterwards nor when istmd restarts with the disk
 * mapped; the target says why. Against a real tgtd and real loop devices
 * (core_env); what is attached is read from sysfs (loop_scan), not through
 * the code under test. Loopback only; tgtd stopped by PID; every loop device
 * over the scratch directory is detached at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_env.h"
#include "loop_scan.h"

#define MiB (1024 * 1024ull)
#define ALLOWED "iqn.2025-01.org.istmd.test:allowed"

static struct core_env E;

static uint32_t new_disk(const char *rel)
{
	struct core_disk_spec spec = { .path = talloc_asprintf(E.mem, "%s/%s", E.root, rel),
				       .type = CORE_WTD_FILE, .new_size = 8 * MiB,
				       .new_type = CORE_VHD_FIXED, .sparse = true };
	struct tevent_req *req = core_disk_create_send(E.mem, E.core, &spec);
	ce_wait(&E, req);
	uint32_t wtd;
	char *why = NULL;
	if (core_disk_create_recv(req, E.mem, &wtd, &why) != 0)
		fail_msg("CreateWTDisk %s: %s", rel, why ? why : "?");
	return wtd;
}

/* A file outside the root, as big as the disk's: what an escape would export. */
static char *outside_file(const char *name)
{
	char *path = talloc_asprintf(E.mem, "%s/%s", E.dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(8 * MiB + 512)), 0);
	close(fd);
	return path;
}

/* Replaces the name REL under the root by a symlink to TARGET. */
static void swap_for_symlink(const char *rel, const char *target)
{
	char *path = talloc_asprintf(E.mem, "%s/%s", E.root, rel);
	char *aside = talloc_asprintf(E.mem, "%s.aside", path);
	assert_int_equal(rename(path, aside), 0);
	assert_int_equal(symlink(target, path), 0);
}

/* The target NAME is not applied, its LUN is left out, and the reason names
 * the refusal. */
static void assert_refused(const char *name, const char *word)
{
	struct core_target *t = core_target_by_name(E.mem, E.core, name);
	assert_non_null(t);
	struct core_target_state ts;
	assert_int_equal(core_target_state(E.mem, E.core, t->guid, &ts), 0);
	assert_false(ts.applied);
	assert_int_equal(ts.n_luns_unserved, 1);
	if (ts.reason == NULL || strstr(ts.reason, word) == NULL)
		fail_msg("target %s: reason \"%s\" does not say \"%s\"", name,
			 ts.reason ? ts.reason : "(none)", word);
	assert_int_equal(ts.error, -ESTALE);
}

static int group_setup(void **state)
{
	ce_start(&E, TEST_WORK_DIR, "core-escape", "reconcile_interval = 5\n");
	return 0;
}

static int group_teardown(void **state)
{
	ce_stop(&E);
	return 0;
}

/* CreateWTDisk, then the file becomes a symlink out, then the disk is mapped. */
static void test_map_after_file_swapped(void **unused)
{
	uint32_t wtd = new_disk("a.vhd");
	char *out = outside_file("outside-a.img");
	swap_for_symlink("a.vhd", out);
	ce_target(&E, "ta", ALLOWED, wtd);
	ce_reconcile(&E);
	assert_int_equal(loops_backed_by(out, false, false), 0);
	assert_refused("ta", "symlink");
}

/* The same with a directory on the path. */
static void test_map_after_directory_swapped(void **unused)
{
	char *sub = talloc_asprintf(E.mem, "%s/sub", E.root);
	assert_int_equal(mkdir(sub, 0755), 0);
	uint32_t wtd = new_disk("sub/b.vhd");
	char *outdir = talloc_asprintf(E.mem, "%s/outside-dir", E.dir);
	assert_int_equal(mkdir(outdir, 0755), 0);
	char *out = talloc_asprintf(E.mem, "%s/b.vhd", outdir);
	int fd = open(out, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(8 * MiB + 512)), 0);
	close(fd);
	swap_for_symlink("sub", outdir);
	ce_target(&E, "tb", ALLOWED, wtd);
	ce_reconcile(&E);
	assert_int_equal(loops_backed_by(out, false, false), 0);
	assert_refused("tb", "symlink");
}

/* Another regular file at the same name (inside the root): not the disk's. */
static void test_map_after_file_replaced(void **unused)
{
	uint32_t wtd = new_disk("c.vhd");
	char *path = talloc_asprintf(E.mem, "%s/c.vhd", E.root);
	char *other = talloc_asprintf(E.mem, "%s/c.other", E.root);
	int fd = open(other, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(8 * MiB + 512)), 0);
	close(fd);
	assert_int_equal(rename(other, path), 0);
	ce_target(&E, "tc", ALLOWED, wtd);
	ce_reconcile(&E);
	assert_int_equal(loops_backed_by(path, false, false), 0);
	assert_refused("tc", "not the file");
}

/* A mapped, served disk; istmd stops, the machine reboots (no loop device
 * left), the file becomes a symlink out; istmd starts again. */
static void test_restart_after_file_swapped(void **unused)
{
	uint32_t wtd = new_disk("d.vhd");
	char *path = talloc_asprintf(E.mem, "%s/d.vhd", E.root);
	ce_target(&E, "td", ALLOWED, wtd);
	struct core_target *t = core_target_by_name(E.mem, E.core, "td");
	struct core_target_state ts;
	assert_int_equal(core_target_state(E.mem, E.core, t->guid, &ts), 0);
	if (!ts.applied)
		fail_msg("td not applied before the swap: %s", ts.reason ? ts.reason : "?");
	assert_int_equal(loops_backed_by(path, false, false), 1);

	ce_close(&E);
	/* what a reboot leaves: tgtd empty, no loop device */
	tgtd_kill(&E.tgtd);
	assert_int_equal(tgtd_start(&E.tgtd), 0);
	loops_backed_by(E.dir, true, true);
	char *out = outside_file("outside-d.img");
	swap_for_symlink("d.vhd", out);
	ce_open(&E);
	ce_reconcile(&E);
	assert_int_equal(loops_backed_by(out, false, false), 0);
	assert_refused("td", "symlink");
	/* the earlier refusals still hold after the restart */
	assert_refused("ta", "symlink");
	assert_int_equal(loops_backed_by(E.dir, true, false), 0);
}

/* DeleteWTDisk with its file: what was put at the file's name (a symlink
 * out, and so not the disk's file) stays, and so does what it names. */
static void test_delete_after_file_swapped(void **unused)
{
	uint32_t wtd = new_disk("e.vhd");
	char *out = outside_file("outside-e.img");
	swap_for_symlink("e.vhd", out);
	struct tevent_req *req = core_disk_delete_send(E.mem, E.core, wtd, true);
	ce_wait(&E, req);
	assert_int_equal(core_disk_delete_recv(req, E.mem, NULL), 0);
	ce_reconcile(&E);
	struct stat st;
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_size, 8 * MiB + 512);
	assert_int_equal(lstat(talloc_asprintf(E.mem, "%s/e.vhd", E.root), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_null(core_disk_by_wtd(E.mem, E.core, wtd));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_after_file_swapped),
		cmocka_unit_test(test_map_after_directory_swapped),
		cmocka_unit_test(test_map_after_file_replaced),
		cmocka_unit_test(test_restart_after_file_swapped),
		cmocka_unit_test(test_delete_after_file_swapped),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
