/* The reflink provider's refresh and hint (docs/snapshots.md, "How long I/O
 * is held"): a clone made before the hold and cloned onto again equals the
 * disk's file at the refresh, whatever was written in between (overwrites,
 * blocks of a hole filled); the refresh is cheap on XFS, not on btrfs; the
 * copy-on-write extent size hint is set once and an existing one is kept.
 * Needs root (loop-mounted images); skips (77) without it or the mkfs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/snap_provider.h"

#define SIZE (8u << 20)

static char base[256], xfs[300], btrfs[300];

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), fmt, a, b, a, b);
	return system(cmd) == 0 ? 0 : -1;
}

static int mount_image(const char *mkfs, const char *mnt)
{
	char img[400], cmd[4096];
	snprintf(img, sizeof(img), "%s.img", mnt);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && truncate -s 300M %s && %s %s >/dev/null 2>&1 && "
		 "mount -o loop %s %s", mnt, img, mkfs, img, img, mnt);
	return system(cmd) == 0 ? 0 : -1;
}

/* A file of SIZE bytes: written blocks every 256 KiB (many extents), holes
 * between. */
static int make_disk(int dir)
{
	int fd = openat(dir, "disk.vhd", O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, SIZE), 0);
	char buf[65536];
	memset(buf, 0x11, sizeof(buf));
	for (off_t off = SIZE - 262144; off >= 0; off -= 262144)
		assert_int_equal(pwrite(fd, buf, sizeof(buf), off), (ssize_t)sizeof(buf));
	assert_int_equal(fsync(fd), 0);
	return fd;
}

static void same(int a, int b)
{
	static char x[SIZE], y[SIZE];
	assert_int_equal(pread(a, x, SIZE, 0), SIZE);
	assert_int_equal(pread(b, y, SIZE, 0), SIZE);
	assert_memory_equal(x, y, SIZE);
}

static void refresh_equals_source(const char *root, bool cheap)
{
	int dir = open(root, O_RDONLY | O_DIRECTORY);
	assert_true(dir >= 0);
	int src = make_disk(dir);
	assert_int_equal(snap_refresh_is_cheap(src), cheap);
	int snap = snap_clone_open(&snap_provider_reflink, src, dir, "snap.vhd");
	assert_true(snap >= 0);
	same(src, snap);
	/* written between the clone and the hold: shared blocks overwritten,
	 * a hole filled, one byte at the very end */
	char buf[4096];
	memset(buf, 0x22, sizeof(buf));
	assert_int_equal(pwrite(src, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	assert_int_equal(pwrite(src, buf, sizeof(buf), 100000), (ssize_t)sizeof(buf));
	assert_int_equal(pwrite(src, buf, 1, SIZE - 1), 1);
	fdatasync(src);
	assert_int_equal(snap_provider_reflink.clone(src, snap), 0);
	same(src, snap);
	/* a write after the refresh is not in the snapshot */
	memset(buf, 0x33, sizeof(buf));
	assert_int_equal(pwrite(src, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	char got[4096];
	assert_int_equal(pread(snap, got, sizeof(got), 0), (ssize_t)sizeof(got));
	assert_int_equal(got[0], 0x22);
	close(snap);
	close(src);
	unlinkat(dir, "snap.vhd", 0);
	unlinkat(dir, "disk.vhd", 0);
	close(dir);
}

static void test_refresh_xfs(void **state)
{
	(void)state;
	refresh_equals_source(xfs, true);
}

static void test_refresh_btrfs(void **state)
{
	(void)state;
	refresh_equals_source(btrfs, false);
}

static unsigned cowextsize(int fd)
{
	struct fsxattr fa;
	assert_int_equal(ioctl(fd, FS_IOC_FSGETXATTR, &fa), 0);
	return (fa.fsx_xflags & FS_XFLAG_COWEXTSIZE) ? fa.fsx_cowextsize : 0;
}

static void test_cow_hint(void **state)
{
	(void)state;
	int dir = open(xfs, O_RDONLY | O_DIRECTORY);
	int fd = make_disk(dir);
	assert_int_equal(cowextsize(fd), 0);
	assert_int_equal(snap_cow_hint(fd), 0);
	assert_int_equal(cowextsize(fd), SNAP_COWEXTSIZE);
	/* an administrator's hint is kept */
	struct fsxattr fa;
	assert_int_equal(ioctl(fd, FS_IOC_FSGETXATTR, &fa), 0);
	fa.fsx_cowextsize = 1u << 20;
	assert_int_equal(ioctl(fd, FS_IOC_FSSETXATTR, &fa), 0);
	assert_int_equal(snap_cow_hint(fd), 0);
	assert_int_equal(cowextsize(fd), 1u << 20);
	close(fd);
	unlinkat(dir, "disk.vhd", 0);
	/* not XFS: nothing done */
	int bdir = open(btrfs, O_RDONLY | O_DIRECTORY);
	fd = make_disk(bdir);
	assert_int_equal(snap_cow_hint(fd), -EOPNOTSUPP);
	close(fd);
	unlinkat(bdir, "disk.vhd", 0);
	close(bdir);
	close(dir);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("skipped: mounting file system images needs root\n");
		return 77;
	}
	snprintf(base, sizeof(base), "/var/tmp/istmd-snaprefresh-XXXXXX");
	if (mkdtemp(base) == NULL)
		return 1;
	snprintf(xfs, sizeof(xfs), "%s/xfs", base);
	snprintf(btrfs, sizeof(btrfs), "%s/btrfs", base);
	int rc = 77;
	if (mount_image("mkfs.xfs -q -f -m reflink=1", xfs) != 0 ||
	    mount_image("mkfs.btrfs -q -f", btrfs) != 0) {
		printf("skipped: cannot make and mount XFS and btrfs images\n");
	} else {
		const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_refresh_xfs),
			cmocka_unit_test(test_refresh_btrfs),
			cmocka_unit_test(test_cow_hint),
		};
		rc = cmocka_run_group_tests(tests, NULL, NULL);
	}
	sh("umount %s 2>/dev/null; umount %s 2>/dev/null; rm -rf %s %s", xfs, btrfs);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		rc = rc == 0 ? 1 : rc;
	return rc;
}
