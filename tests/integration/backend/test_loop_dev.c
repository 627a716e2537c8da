/* Loop devices over files limited to a size: size, direct I/O, data at the
 * right offset, finding the device again by identity, read-only, refusals,
 * detaching while open, attaching the descriptor's file whatever its name
 * leads to now, and no device left behind. Root only. */
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

#include "backend/loopdev.h"
#include "istmd/log.h"

#define MiB (1024u * 1024u)

static char dir[256];
static char *files[8];
static int n_files;

static char *make_file(const char *name, uint64_t size)
{
	char *path = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(path, "%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	unsigned char trailer[512];
	memset(trailer, 0xEE, sizeof(trailer));
	assert_int_equal(pwrite(fd, trailer, sizeof(trailer), (off_t)size - 512), 512);
	close(fd);
	files[n_files++] = path;
	return path;
}

/* The API takes descriptors and identities: these open and stat by name,
 * as only a test may. */
static int attach(const char *file, uint64_t size, unsigned flags, struct loopdev *d)
{
	int fd = open(file, ((flags & LOOPDEV_READ_ONLY) ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = loopdev_attach(fd, file, size, flags, d);
	close(fd);
	return rc;
}

static int ensure(const char *file, uint64_t size, unsigned flags, struct loopdev *d)
{
	int fd = open(file, ((flags & LOOPDEV_READ_ONLY) ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = loopdev_ensure(fd, file, size, flags, d);
	close(fd);
	return rc;
}

static int find(const char *file, uint64_t size, struct loopdev *d)
{
	struct stat st;
	if (stat(file, &st) != 0)
		return -errno;
	return loopdev_find(st.st_dev, st.st_ino, size, d);
}

static void test_attach_find_detach(void **unused)
{
	const uint64_t data = 4 * MiB;
	char *file = make_file("a.vhd", data + 512);
	struct loopdev d;
	assert_int_equal(attach(file, data, 0, &d), 0);
	assert_int_equal(d.size, data);
	assert_int_equal(d.offset, 0);
	assert_int_equal(d.sizelimit, data);
	assert_false(d.read_only);
	assert_true(d.direct_io); /* ext4 supports it */
	struct stat st;
	assert_int_equal(stat(file, &st), 0);
	assert_true(d.backing_dev == st.st_dev);
	assert_true(d.backing_ino == st.st_ino);
	assert_string_equal(d.backing_file, file);

	/* what a restarted istmd finds */
	struct loopdev f;
	assert_int_equal(find(file, data, &f), 0);
	assert_string_equal(f.path, d.path);
	assert_int_equal(find(file, data - 512, &f), -ENOENT);
	assert_int_equal(ensure(file, data, 0, &f), 0);
	assert_string_equal(f.path, d.path);
	assert_int_equal(loopdev_info(d.path, &f), 0);
	assert_int_equal(f.size, data);

	/* data written through the device is in the file at the same offset,
	 * and the trailer cannot be reached */
	int fd = open(d.path, O_RDWR | O_DIRECT);
	assert_true(fd >= 0);
	void *buf;
	assert_int_equal(posix_memalign(&buf, 4096, 4096), 0);
	memset(buf, 0x5A, 4096);
	assert_int_equal(pwrite(fd, buf, 4096, 1 * MiB), 4096);
	assert_true(pwrite(fd, buf, 512, (off_t)data) <= 0);
	/* open elsewhere (as tgtd would): detaching is deferred */
	assert_int_equal(loopdev_detach(d.path), 1);
	close(fd);
	for (int i = 0; i < 50 && find(file, 0, &f) == 0; i++)
		usleep(20000);
	assert_int_equal(find(file, 0, &f), -ENOENT);

	unsigned char back[4096], trailer[512], ee[512];
	memset(ee, 0xEE, sizeof(ee));
	int ffd = open(file, O_RDONLY);
	assert_int_equal(pread(ffd, back, sizeof(back), 1 * MiB), 4096);
	assert_memory_equal(back, buf, 4096);
	assert_int_equal(pread(ffd, trailer, sizeof(trailer), (off_t)data), 512);
	assert_memory_equal(trailer, ee, 512);
	close(ffd);
	free(buf);

	assert_int_equal(loopdev_detach(d.path), -ENXIO);
	assert_int_equal(loopdev_detach("/dev/sda"), -EINVAL);
}

static void sysfs_read(const struct loopdev *d, const char *attr, char *buf, size_t size)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/block/loop%d/%s", d->number, attr);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, (int)size, f));
	fclose(f);
}

static void sysfs_write(const struct loopdev *d, const char *attr, const char *value)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/block/loop%d/%s", d->number, attr);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(value, f);
	assert_int_equal(fclose(f), 0);
}

/* What tgtd's I/O goes through (docs/vhd-serving.md, "Fast I/O"): 512-byte
 * logical blocks, direct I/O to the file, no I/O scheduler; and a device
 * found buffered or with a scheduler is brought back to that. */
static void test_queue_setup(void **unused)
{
	const uint64_t data = 4 * MiB;
	char *file = make_file("q.vhd", data + 512);
	struct loopdev d, f;
	char buf[128];
	assert_int_equal(attach(file, data, 0, &d), 0);
	sysfs_read(&d, "queue/logical_block_size", buf, sizeof(buf));
	assert_int_equal(atoi(buf), 512);
	sysfs_read(&d, "loop/dio", buf, sizeof(buf));
	assert_int_equal(atoi(buf), 1);
	sysfs_read(&d, "queue/scheduler", buf, sizeof(buf));
	assert_non_null(strstr(buf, "[none]"));

	/* someone set a scheduler: ensure() removes it */
	sysfs_write(&d, "queue/scheduler", "mq-deadline");
	sysfs_read(&d, "queue/scheduler", buf, sizeof(buf));
	if (strstr(buf, "[none]") == NULL) { /* else: no mq-deadline in this kernel */
		assert_int_equal(ensure(file, data, 0, &f), 0);
		assert_string_equal(f.path, d.path);
		sysfs_read(&d, "queue/scheduler", buf, sizeof(buf));
		assert_non_null(strstr(buf, "[none]"));
	}
	assert_int_equal(loopdev_detach(d.path), 0);

	/* attached buffered (as an older istmd or a refusing kernel left it):
	 * ensure() switches direct I/O on for the same device */
	assert_int_equal(attach(file, data, LOOPDEV_BUFFERED, &d), 0);
	assert_false(d.direct_io);
	assert_int_equal(ensure(file, data, 0, &f), 0);
	assert_string_equal(f.path, d.path);
	assert_true(f.direct_io);
	sysfs_read(&d, "loop/dio", buf, sizeof(buf));
	assert_int_equal(atoi(buf), 1);
	/* and LOOPDEV_BUFFERED keeps a buffered device as it is */
	assert_int_equal(loopdev_detach(d.path), 0);
	assert_int_equal(attach(file, data, LOOPDEV_BUFFERED, &d), 0);
	assert_int_equal(ensure(file, data, LOOPDEV_BUFFERED, &f), 0);
	assert_false(f.direct_io);
	assert_int_equal(loopdev_detach(d.path), 0);
}

static void test_read_only(void **unused)
{
	char *file = make_file("ro.vhd", 1 * MiB + 512);
	struct loopdev rw, ro;
	assert_int_equal(ensure(file, 1 * MiB, 0, &rw), 0);
	/* a read-write device does not serve a read-only wish */
	assert_int_equal(ensure(file, 1 * MiB, LOOPDEV_READ_ONLY, &ro), 0);
	assert_string_not_equal(ro.path, rw.path);
	assert_true(ro.read_only);
	/* the kernel lets a read-only loop device be opened for writing, but
	 * no write gets through */
	int fd = open(ro.path, O_RDWR);
	if (fd >= 0) {
		char sector[512] = { 1 };
		ssize_t n = pwrite(fd, sector, sizeof(sector), 0);
		int e = errno;
		close(fd);
		assert_true(n < 0);
		assert_true(e == EPERM || e == EROFS || e == EIO);
	}
	assert_int_equal(loopdev_detach(rw.path), 0);
	assert_int_equal(loopdev_detach(ro.path), 0);
}

static void test_refusals(void **unused)
{
	char *file = make_file("small.vhd", 1 * MiB);
	struct loopdev d;
	assert_int_equal(attach(file, 0, 0, &d), -EINVAL);
	assert_int_equal(attach(file, 1000, 0, &d), -EINVAL);
	assert_int_equal(attach(file, 2 * MiB, 0, &d), -ERANGE);
	assert_int_equal(attach(dir, 512, LOOPDEV_READ_ONLY, &d), -EINVAL);
	char missing[300];
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	assert_int_equal(attach(missing, 512, 0, &d), -ENOENT);
	assert_int_equal(find(missing, 0, &d), -ENOENT);
	/* buffered on request */
	assert_int_equal(attach(file, 512 * 1024, LOOPDEV_BUFFERED, &d), 0);
	assert_false(d.direct_io);
	assert_int_equal(loopdev_detach(d.path), 0);
}

/* The device holds the descriptor's file: replacing the name (by another
 * file, or a symlink out) before the attach changes nothing. */
static void test_descriptor_not_name(void **unused)
{
	char *file = make_file("fd.vhd", 1 * MiB + 512);
	char *other = make_file("other.vhd", 1 * MiB + 512);
	int fd = open(file, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	struct stat st, ost;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(stat(other, &ost), 0);
	assert_int_equal(rename(other, file), 0); /* the name is another file now */
	files[--n_files] = NULL;                 /* other.vhd is gone */
	free(other);
	struct loopdev d;
	assert_int_equal(loopdev_attach(fd, file, 1 * MiB, 0, &d), 0);
	assert_true(d.backing_ino == st.st_ino);
	assert_int_equal(loopdev_find(ost.st_dev, ost.st_ino, 0, &d), -ENOENT);
	struct loopdev f;
	assert_int_equal(loopdev_find(st.st_dev, st.st_ino, 1 * MiB, &f), 0);
	assert_string_equal(f.path, d.path);
	/* the descriptor must carry the access the device needs */
	int ro = open(file, O_RDONLY | O_CLOEXEC), path = open(file, O_PATH | O_CLOEXEC);
	assert_int_equal(loopdev_attach(ro, file, 1 * MiB, 0, &f), -EBADF);
	assert_int_equal(loopdev_attach(path, file, 1 * MiB, LOOPDEV_READ_ONLY, &f), -EBADF);
	close(ro);
	close(path);
	close(fd);
	assert_int_equal(loopdev_detach(d.path), 0);
}

static int teardown(void **unused)
{
	int leaked = 0;
	for (int i = 0; i < n_files; i++) {
		struct loopdev d;
		for (int tries = 0; tries < 10 && find(files[i], 0, &d) == 0; tries++) {
			print_message("leaked %s over %s\n", d.path, files[i]);
			leaked++;
			loopdev_detach(d.path);
			usleep(50000);
		}
		unlink(files[i]);
		free(files[i]);
	}
	rmdir(dir);
	return leaked ? -1 : 0;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("skipping: loop devices need root\n");
		return 77;
	}
	snprintf(dir, sizeof(dir), "%s/loop-test-XXXXXX", TEST_WORK_DIR);
	if (mkdtemp(dir) == NULL)
		return 1;
	log_set_level(LOG_LVL_WARNING);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_find_detach),
		cmocka_unit_test(test_queue_setup),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_descriptor_not_name),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
