/* istmd-vhdfs through FUSE (and a loop device on top), started and found
 * again with vhdfs_ctl: a dynamic image written and read back through the
 * raw file, a differencing image reading its parent, a SIGKILL of the
 * serving process (flushed writes survive, the image validates, a new
 * process serves it again) and a clean stop. Needs root and /dev/fuse
 * (exit 77 otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/loopdev.h"
#include "backend/storage_paths.h"
#include "backend/vhd.h"
#include "backend/vhd_format.h"
#include "backend/vhdfs_ctl.h"

#define MiB (1024ull * 1024)
#define DISK (32 * MiB)

struct fixture {
	char dir[64];
	char root[96];
	char run[96];
	int rootfd;
	struct storage_paths *sp;
	struct vhdfs_conf vc;
	char binary[4096];
};

static void rm_rf(const char *p)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	(void)!system(cmd);
}

static int setup(void **state)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);
	snprintf(f->dir, sizeof(f->dir), "/tmp/istmd-vhdfs-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->root, sizeof(f->root), "%s/root", f->dir);
	snprintf(f->run, sizeof(f->run), "%s/run", f->dir);
	assert_int_equal(mkdir(f->root, 0700), 0);
	f->rootfd = open(f->root, O_RDONLY | O_DIRECTORY);
	const char *roots[] = { f->root, NULL };
	char *err = NULL;
	assert_int_equal(storage_paths_new(f, roots, NULL, &f->sp, &err), 0);
	snprintf(f->binary, sizeof(f->binary), "%s", VHDFS_BINARY);
	f->vc = (struct vhdfs_conf){ .binary = f->binary, .run_dir = f->run, .sp = f->sp };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	close(f->rootfd);
	rm_rf(f->dir);
	talloc_free(f);
	return 0;
}

static int serve(struct fixture *f, const char *name, struct stat *st, pid_t *pid, bool *started)
{
	char posix[256];
	snprintf(posix, sizeof(posix), "%s/%s", f->root, name);
	int img = openat(f->rootfd, name, O_RDWR | O_CLOEXEC);
	assert_true(img >= 0);
	assert_int_equal(fstat(img, st), 0);
	char reason[512] = "";
	int fd = -1;
	int r = vhdfs_ensure(&f->vc, img, posix, st, &fd, pid, started, reason, sizeof(reason));
	close(img);
	if (r != 0)
		fail_msg("vhdfs_ensure: %d %s", r, reason);
	return fd;
}

static void check_valid(struct fixture *f, const char *name)
{
	char reason[VHD_REASON_LEN];
	int fd = openat(f->rootfd, name, O_RDONLY);
	int r = vhd_inspect(NULL, fd, NULL, reason);
	close(fd);
	if (r != 0)
		fail_msg("%s: %s", name, reason);
}

static void test_dynamic_through_fuse(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_create_dynamic(f->rootfd, "d.vhd", DISK, NULL, reason), 0);
	struct stat st;
	pid_t pid;
	bool started;
	int fd = serve(f, "d.vhd", &st, &pid, &started);
	off_t initial = st.st_size;
	assert_true(started);
	struct stat fst;
	assert_int_equal(fstat(fd, &fst), 0);
	assert_int_equal(fst.st_size, DISK);

	static uint8_t a[65536], b[65536];
	memset(a, 0xa5, sizeof(a));
	assert_int_equal(pwrite(fd, a, sizeof(a), 7 * MiB), (ssize_t)sizeof(a));
	assert_int_equal(pwrite(fd, a, 512, 30 * MiB + 512), 512);
	assert_int_equal(fsync(fd), 0);
	assert_int_equal(pread(fd, b, sizeof(b), 7 * MiB), (ssize_t)sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(pwrite(fd, a, 512, DISK), -1); /* not past the end */

	/* The same process is found again (an istmd restart). */
	bool again;
	pid_t pid2;
	int fd2 = serve(f, "d.vhd", &st, &pid2, &again);
	assert_false(again);
	assert_int_equal(pid2, pid);
	close(fd2);

	/* A loop device on top, as the reconciler attaches it. */
	struct loopdev ld;
	int r = loopdev_attach(fd, "d.vhd", DISK, 0, &ld);
	assert_int_equal(r, 0);
	int dev = open(ld.path, O_RDWR | O_DIRECT);
	assert_true(dev >= 0);
	void *al;
	assert_int_equal(posix_memalign(&al, 4096, 65536), 0);
	memset(al, 0x3c, 65536);
	assert_int_equal(pwrite(dev, al, 65536, 12 * MiB), 65536);
	assert_int_equal(fsync(dev), 0);
	memset(al, 0, 65536);
	assert_int_equal(pread(dev, al, 65536, 7 * MiB), 65536);
	assert_memory_equal(al, a, 65536);
	free(al);
	close(dev);
	loopdev_detach(ld.path);
	close(fd);

	assert_int_equal(vhdfs_stop(&f->vc, st.st_dev, st.st_ino), 0);
	assert_false(vhdfs_pid_alive(pid));
	check_valid(f, "d.vhd");
	struct stat now;
	assert_int_equal(fstatat(f->rootfd, "d.vhd", &now, 0), 0);
	/* header + BAT + 3 blocks of 2 MiB + bitmap sectors + footers */
	assert_int_equal(now.st_size, initial + 3 * (2 * MiB + 512));
}

static void test_differencing_and_kill(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	struct vhd_create_options o = { .sparse = true };
	assert_int_equal(vhd_create_fixed(f->rootfd, "base.vhd", DISK, &o, reason), 0);
	int pfd = openat(f->rootfd, "base.vhd", O_RDWR);
	static uint8_t pat[65536], b[65536];
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7);
	for (uint64_t off = 0; off < DISK; off += sizeof(pat))
		assert_int_equal(vhd_pwrite(pfd, pat, sizeof(pat), off), 0);
	struct vhd_parent ref = { pfd, "D:\\base.vhd", ".\\base.vhd" };
	assert_int_equal(vhd_create_differencing(f->rootfd, "c.vhd", &ref, NULL, reason), 0);
	close(pfd);

	struct stat st;
	pid_t pid;
	bool started;
	int fd = serve(f, "c.vhd", &st, &pid, &started);
	assert_int_equal(pread(fd, b, sizeof(b), 5 * MiB), (ssize_t)sizeof(b));
	assert_memory_equal(b, pat, sizeof(b));
	memset(b, 0xee, 4096);
	assert_int_equal(pwrite(fd, b, 4096, 5 * MiB + 8192), 4096);
	assert_int_equal(fsync(fd), 0); /* flushed: must survive the kill */
	assert_int_equal(pwrite(fd, b, 4096, 5 * MiB + 65536 * 3), 4096); /* not flushed */

	kill(pid, SIGKILL);
	for (int i = 0; i < 200 && vhdfs_pid_alive(pid); i++)
		usleep(10000);
	assert_false(vhdfs_pid_alive(pid));
	assert_true(vhdfs_find(&f->vc, st.st_dev, st.st_ino) < 0);
	assert_int_equal(pread(fd, b, 512, 0), -1); /* the old mount is dead */
	close(fd);
	check_valid(f, "c.vhd");

	pid_t pid2;
	fd = serve(f, "c.vhd", &st, &pid2, &started);
	assert_true(started);
	assert_int_not_equal(pid2, pid);
	assert_int_equal(pread(fd, b, sizeof(b), 5 * MiB), (ssize_t)sizeof(b));
	for (size_t i = 0; i < sizeof(b); i++) {
		uint8_t want = i >= 8192 && i < 8192 + 4096 ? 0xee : pat[i];
		if (b[i] != want)
			fail_msg("byte %zu: %02x, want %02x", i, b[i], want);
	}
	close(fd);
	assert_int_equal(vhdfs_stop(&f->vc, st.st_dev, st.st_ino), 0);
	check_valid(f, "c.vhd");
}

/* A stale pid file naming the server of another disk (pid reuse): that
 * server is neither taken for this disk's nor killed. */
static void test_stale_pid_file(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_create_dynamic(f->rootfd, "one.vhd", DISK, NULL, reason), 0);
	assert_int_equal(vhd_create_dynamic(f->rootfd, "two.vhd", DISK, NULL, reason), 0);
	struct stat st1, st2;
	pid_t pid1, pid2;
	bool started;
	int fd1 = serve(f, "one.vhd", &st1, &pid1, &started);
	assert_int_equal(fstatat(f->rootfd, "two.vhd", &st2, 0), 0);
	char pidf[512];
	snprintf(pidf, sizeof(pidf), "%s/%llx-%llx.pid", f->run, (unsigned long long)st2.st_dev,
		 (unsigned long long)st2.st_ino);
	FILE *pf = fopen(pidf, "w");
	fprintf(pf, "%ld\n", (long)pid1);
	fclose(pf);
	assert_true(vhdfs_find(&f->vc, st2.st_dev, st2.st_ino) < 0);
	int fd2 = serve(f, "two.vhd", &st2, &pid2, &started);
	assert_true(started);
	assert_int_not_equal(pid2, pid1);
	assert_true(vhdfs_pid_alive(pid1));
	uint8_t b[512];
	assert_int_equal(pread(fd1, b, sizeof(b), 0), (ssize_t)sizeof(b)); /* one still served */
	close(fd1);
	close(fd2);
	assert_int_equal(vhdfs_stop(&f->vc, st2.st_dev, st2.st_ino), 0);
	assert_true(vhdfs_pid_alive(pid1));
	assert_int_equal(vhdfs_stop(&f->vc, st1.st_dev, st1.st_ino), 0);
	assert_false(vhdfs_pid_alive(pid1));
}

int main(void)
{
	if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) != 0) {
		printf("SKIP: needs root and /dev/fuse\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dynamic_through_fuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_differencing_and_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_pid_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
