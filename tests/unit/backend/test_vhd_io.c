/* The VHD block engine (vhd_io.c) and parent resolution (vhd_parent.c):
 * data through dynamic, differencing and chained images, growth only by the
 * blocks written, the crash-safe allocation order, repair, bounded caches,
 * parents never written. Images are cross-checked with our validator,
 * qemu-img (dynamic images: `qemu-img check` has no vpc support, so the
 * check is `qemu-img convert` to raw and a byte comparison) and vhdiinfo. */
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

#include "backend/storage_paths.h"
#include "backend/vhd.h"
#include "backend/vhd_format.h"
#include "backend/vhd_io.h"
#include "backend/vhd_parent.h"
#include "backend_testutil.h"

#define MiB (1024ull * 1024)
#define DISK (16 * MiB)

struct fixture {
	char *dir;
	int dirfd;
	struct storage_paths *sp;
};

static int setup(void **state)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);
	f->dir = tu_scratch_dir(f, &f->dirfd);
	const char *roots[] = { f->dir, NULL };
	char *err = NULL;
	if (storage_paths_new(f, roots, NULL, &f->sp, &err) != 0)
		fail_msg("storage paths: %s", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	vhd_io_crash_hook = NULL;
	talloc_free(*state);
	return 0;
}

static char *path_of(struct fixture *f, const char *name)
{
	return talloc_asprintf(f, "%s/%s", f->dir, name);
}

static int open_in(struct fixture *f, const char *name, int flags)
{
	int fd = openat(f->dirfd, name, flags | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static struct vhd_io *open_io(TALLOC_CTX *mem, struct fixture *f, const char *name, bool writable,
			      unsigned max_depth, unsigned cache, int *rc)
{
	struct vhd_parent_resolver *res = talloc_zero(mem, struct vhd_parent_resolver);
	assert_int_equal(vhd_parent_resolver_init(res, res, f->sp, talloc_asprintf(res, "%s/%s", f->dir, name)), 0);
	struct vhd_io_options opt = { .writable = writable, .max_depth = max_depth,
				      .bitmap_cache = cache, .open_parent = vhd_parent_open,
				      .open_parent_arg = res };
	char reason[VHD_REASON_LEN];
	struct vhd_io *io = NULL;
	*rc = vhd_io_open(res, open_in(f, name, writable ? O_RDWR : O_RDONLY), &opt, &io, reason);
	if (*rc != 0)
		print_message("open %s: %d %s\n", name, *rc, reason);
	return io;
}

static struct vhd_io *must_open(TALLOC_CTX *mem, struct fixture *f, const char *name, bool writable)
{
	int rc;
	struct vhd_io *io = open_io(mem, f, name, writable, 0, 0, &rc);
	assert_int_equal(rc, 0);
	return io;
}

static void check_valid(struct fixture *f, const char *name)
{
	char reason[VHD_REASON_LEN];
	int fd = open_in(f, name, O_RDONLY);
	int r = vhd_inspect(NULL, fd, NULL, reason);
	close(fd);
	if (r != 0)
		fail_msg("%s invalid: %s", name, reason);
}

static uint64_t file_size(struct fixture *f, const char *name)
{
	struct stat st;
	assert_int_equal(fstatat(f->dirfd, name, &st, 0), 0);
	return (uint64_t)st.st_size;
}

static void pattern(uint8_t *buf, size_t len, uint64_t off, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(((off + i) * 131 + seed) >> 3 ^ seed);
}

/* qemu-img's reading of a dynamic image must equal EXPECT. */
static void check_qemu_raw(struct fixture *f, const char *name, const uint8_t *expect, size_t len)
{
	int st;
	tu_run(f, &st, "qemu-img convert -f vpc -O raw '%s/%s' '%s/%s.raw'", f->dir, name, f->dir, name);
	assert_int_equal(st, 0);
	size_t got_len;
	uint8_t *got = tu_read_file(f, talloc_asprintf(f, "%s/%s.raw", f->dir, name), &got_len);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, expect, len);
	talloc_free(got);
}

static void test_dynamic_scattered(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_create_dynamic(f->dirfd, "d.vhd", DISK, NULL, reason), 0);
	uint64_t empty = file_size(f, "d.vhd");
	uint8_t *model = talloc_zero_size(f, DISK);
	struct vhd_io *io = must_open(f, f, "d.vhd", true);
	assert_int_equal(vhd_io_size(io), DISK);

	/* Scattered writes in 3 distinct 2 MiB blocks, one unaligned, one across a boundary. */
	static const struct { uint64_t off; size_t len; } w[] = {
		{ 0, 4096 }, { 5 * MiB + 512, 65536 }, { 5 * MiB + 7, 100 },
		{ 8 * MiB - 1024, 2048 }, { 6 * MiB - 512, 512 },
	};
	uint8_t buf[65536];
	for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		pattern(buf, w[i].len, w[i].off, (uint8_t)i);
		assert_int_equal(vhd_io_pwrite(io, buf, w[i].len, w[i].off), 0);
		memcpy(model + w[i].off, buf, w[i].len);
	}
	uint8_t *back = talloc_size(f, DISK);
	assert_int_equal(vhd_io_pread(io, back, DISK, 0), 0);
	assert_memory_equal(back, model, DISK);
	assert_int_equal(vhd_io_pwrite(io, buf, 512, DISK), -EINVAL);
	assert_int_equal(vhd_io_flush(io), 0);
	struct vhd_io_stats st;
	vhd_io_stats(io, &st);
	assert_int_equal(st.blocks_allocated, 4); /* blocks 0, 2, 3 (8 MiB - 1 KiB .. 8 MiB + 1 KiB), 4 */
	talloc_free(io);

	/* Grew by exactly the blocks written (bitmap sector + 2 MiB each). */
	assert_int_equal(file_size(f, "d.vhd"), empty + 4 * (512 + 2 * MiB));
	check_valid(f, "d.vhd");
	check_qemu_raw(f, "d.vhd", model, DISK);
	int s;
	char *out = tu_run(f, &s, "vhdiinfo '%s/d.vhd'", f->dir);
	assert_int_equal(s, 0);
	assert_non_null(strstr(out, "Dynamic"));

	/* Reopened: same bytes. */
	io = must_open(f, f, "d.vhd", false);
	assert_int_equal(vhd_io_pread(io, back, DISK, 0), 0);
	assert_memory_equal(back, model, DISK);
	assert_int_equal(vhd_io_pwrite(io, buf, 512, 0), -EROFS);
	talloc_free(io);
}

/* A fixed parent filled with a pattern; returns the model of its data. */
static uint8_t *make_parent(struct fixture *f, const char *name)
{
	char reason[VHD_REASON_LEN];
	struct vhd_create_options o = { .sparse = true };
	assert_int_equal(vhd_create_fixed(f->dirfd, name, DISK, &o, reason), 0);
	uint8_t *model = talloc_size(f, DISK);
	pattern(model, DISK, 0, 0x5a);
	int fd = open_in(f, name, O_RDWR);
	assert_int_equal(vhd_pwrite(fd, model, DISK, 0), 0);
	close(fd);
	return model;
}

static void make_child(struct fixture *f, const char *parent, const char *child, const char *abs,
		       const char *rel)
{
	char reason[VHD_REASON_LEN];
	struct vhd_parent ref = { open_in(f, parent, O_RDONLY), abs, rel };
	if (vhd_create_differencing(f->dirfd, child, &ref, NULL, reason) != 0)
		fail_msg("differencing %s: %s", child, reason);
	close(ref.fd);
}

static void test_differencing(void **state)
{
	struct fixture *f = *state;
	uint8_t *model = make_parent(f, "base.vhd");
	uint8_t *before = tu_read_file(f, path_of(f, "base.vhd"), &(size_t){ 0 });
	make_child(f, "base.vhd", "child.vhd", "D:\\base.vhd", ".\\base.vhd");

	struct vhd_io *io = must_open(f, f, "child.vhd", true);
	assert_int_equal(vhd_io_depth(io), 2);
	uint8_t *back = talloc_size(f, DISK);
	assert_int_equal(vhd_io_pread(io, back, DISK, 0), 0);
	assert_memory_equal(back, model, DISK); /* all from the parent */

	uint8_t buf[8192];
	memset(buf, 0xc3, sizeof(buf));
	/* Part of a block (new block, bits for 2 sectors), then more of it (bits later). */
	assert_int_equal(vhd_io_pwrite(io, buf, 1024, 3 * MiB + 4096), 0);
	memcpy(model + 3 * MiB + 4096, buf, 1024);
	assert_int_equal(vhd_io_pwrite(io, buf, 8192, 3 * MiB + 65536), 0);
	memcpy(model + 3 * MiB + 65536, buf, 8192);
	assert_int_equal(vhd_io_pwrite(io, buf, 3, 3 * MiB + 100000), 0); /* unaligned: parent bytes kept */
	memcpy(model + 3 * MiB + 100000, buf, 3);
	assert_int_equal(vhd_io_pread(io, back, DISK, 0), 0);
	assert_memory_equal(back, model, DISK);
	assert_int_equal(vhd_io_flush(io), 0);
	talloc_free(io);
	check_valid(f, "child.vhd");

	io = must_open(f, f, "child.vhd", false);
	assert_int_equal(vhd_io_pread(io, back, DISK, 0), 0);
	assert_memory_equal(back, model, DISK);
	talloc_free(io);

	size_t n;
	uint8_t *after = tu_read_file(f, path_of(f, "base.vhd"), &n);
	assert_int_equal(n, DISK + 512);
	assert_memory_equal(after, before, n); /* the parent never changes */
	int s;
	char *out = tu_run(f, &s, "vhdiinfo '%s/child.vhd'", f->dir);
	assert_int_equal(s, 0);
	assert_non_null(strstr(out, "Differential"));
}

static void test_three_levels_and_depth(void **state)
{
	struct fixture *f = *state;
	uint8_t *model = make_parent(f, "l0.vhd");
	assert_int_equal(mkdirat(f->dirfd, "sub", 0700), 0);
	/* l1 in a subdirectory with a "..\" locator, l2 found through a POSIX absolute path. */
	int sub = openat(f->dirfd, "sub", O_RDONLY | O_DIRECTORY);
	char reason[VHD_REASON_LEN];
	struct vhd_parent r1 = { open_in(f, "l0.vhd", O_RDONLY), "Q:\\nowhere\\l0.vhd", "..\\l0.vhd" };
	assert_int_equal(vhd_create_differencing(sub, "l1.vhd", &r1, NULL, reason), 0);
	close(r1.fd);
	close(sub);
	char *abs = path_of(f, "sub/l1.vhd");
	make_child(f, "sub/l1.vhd", "l2.vhd", abs, NULL);

	struct vhd_io *io = must_open(f, f, "sub/l1.vhd", true);
	uint8_t buf[4096];
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(vhd_io_pwrite(io, buf, sizeof(buf), MiB), 0);
	memcpy(model + MiB, buf, sizeof(buf));
	assert_int_equal(vhd_io_flush(io), 0);
	talloc_free(io);

	io = must_open(f, f, "l2.vhd", true);
	assert_int_equal(vhd_io_depth(io), 3);
	memset(buf, 0x22, sizeof(buf));
	assert_int_equal(vhd_io_pwrite(io, buf, sizeof(buf), MiB + 2048), 0);
	memcpy(model + MiB + 2048, buf, sizeof(buf));
	uint8_t *back = talloc_size(f, DISK);
	assert_int_equal(vhd_io_pread(io, back, DISK, 0), 0);
	assert_memory_equal(back, model, DISK);
	assert_int_equal(vhd_io_flush(io), 0);
	talloc_free(io);
	check_valid(f, "l2.vhd");

	int rc;
	io = open_io(f, f, "l2.vhd", false, 1, 0, &rc);
	assert_int_equal(rc, -ELOOP);
	assert_null(io);
}

static void test_parent_confined(void **state)
{
	struct fixture *f = *state;
	assert_null(vhd_parent_join(f, "a/b.vhd", "..\\..\\x.vhd"));
	assert_null(vhd_parent_join(f, "b.vhd", "\\x.vhd"));
	assert_null(vhd_parent_join(f, "b.vhd", "C:x.vhd"));
	assert_string_equal(vhd_parent_join(f, "a/b.vhd", ".\\c\\..\\x.vhd"), "a/x.vhd");
	assert_string_equal(vhd_parent_join(f, "a/b.vhd", "../y/x.vhd"), "y/x.vhd");

	/* A parent outside the root (both locators and the name miss) is not opened. */
	char *outside = tu_mkdtemp(f, "/tmp");
	int od = open(outside, O_RDONLY | O_DIRECTORY);
	char reason[VHD_REASON_LEN];
	struct vhd_create_options o = { .sparse = true };
	assert_int_equal(vhd_create_fixed(od, "p.vhd", DISK, &o, reason), 0);
	struct vhd_parent ref = { openat(od, "p.vhd", O_RDONLY),
				  talloc_asprintf(f, "%s/p.vhd", outside), "..\\p.vhd" };
	assert_int_equal(vhd_create_differencing(f->dirfd, "c.vhd", &ref, NULL, reason), 0);
	close(ref.fd);
	close(od);
	assert_int_equal(symlinkat(talloc_asprintf(f, "%s/p.vhd", outside), f->dirfd, "p.vhd"), 0);
	int rc;
	struct vhd_io *io = open_io(f, f, "c.vhd", false, 0, 0, &rc);
	assert_null(io);
	assert_int_equal(rc, -EACCES);

	/* A wrong parent (other unique id) is refused. */
	make_parent(f, "real.vhd");
	make_child(f, "real.vhd", "c2.vhd", "D:\\real.vhd", NULL);
	assert_int_equal(renameat(f->dirfd, "real.vhd", f->dirfd, "old.vhd"), 0);
	make_parent(f, "real.vhd");
	io = open_io(f, f, "c2.vhd", false, 0, 0, &rc);
	assert_int_equal(rc, -EBADMSG);
}

static int crash_at;
static int hook(int step)
{
	return step == crash_at;
}

/* Stops a block allocation before each step in turn: the image must stay
 * valid with every flushed write, and open writable again. */
static void test_crash_order(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	uint8_t a[4096], b[4096], back[4096];
	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	for (int step = 1; step <= 4; step++) {
		const char *name = talloc_asprintf(f, "c%d.vhd", step);
		assert_int_equal(vhd_create_dynamic(f->dirfd, name, DISK, NULL, reason), 0);
		struct vhd_io *io = must_open(f, f, name, true);
		assert_int_equal(vhd_io_pwrite(io, a, sizeof(a), 0), 0);
		assert_int_equal(vhd_io_flush(io), 0);
		crash_at = step;
		vhd_io_crash_hook = hook;
		assert_int_equal(vhd_io_pwrite(io, b, sizeof(b), 9 * MiB), -ECANCELED);
		vhd_io_crash_hook = NULL;
		talloc_free(io); /* the process dies here */
		check_valid(f, name);
		io = must_open(f, f, name, true);
		assert_int_equal(vhd_io_pread(io, back, sizeof(back), 0), 0);
		assert_memory_equal(back, a, sizeof(a));
		assert_int_equal(vhd_io_pread(io, back, sizeof(back), 9 * MiB), 0);
		for (size_t i = 0; i < sizeof(back); i++)
			assert_int_equal(back[i], 0);
		/* and the engine carries on allocating after the leftover */
		assert_int_equal(vhd_io_pwrite(io, b, sizeof(b), 9 * MiB), 0);
		assert_int_equal(vhd_io_flush(io), 0);
		talloc_free(io);
		check_valid(f, name);
	}
}

/* A file system that kept the new size but not the footer's data. */
static void test_repair_lost_footer(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	uint8_t a[4096], back[4096];
	memset(a, 0x77, sizeof(a));
	assert_int_equal(vhd_create_dynamic(f->dirfd, "r.vhd", DISK, NULL, reason), 0);
	struct vhd_io *io = must_open(f, f, "r.vhd", true);
	assert_int_equal(vhd_io_pwrite(io, a, sizeof(a), 2 * MiB), 0);
	assert_int_equal(vhd_io_flush(io), 0);
	talloc_free(io);
	uint64_t good = file_size(f, "r.vhd");
	int fd = open_in(f, "r.vhd", O_RDWR);
	assert_int_equal(ftruncate(fd, (off_t)(good + 3 * MiB)), 0); /* zeros where the footer should be */
	assert_int_equal(vhd_inspect(NULL, fd, NULL, reason), -EBADMSG);
	close(fd);
	io = must_open(f, f, "r.vhd", true);
	assert_int_equal(vhd_io_pread(io, back, sizeof(back), 2 * MiB), 0);
	assert_memory_equal(back, a, sizeof(a));
	talloc_free(io);
	assert_int_equal(file_size(f, "r.vhd"), good);
	check_valid(f, "r.vhd");
}

/* Many differencing blocks with a cache of 2 bitmaps: dirty ones are written
 * before they are evicted, clean ones reloaded. */
static void test_small_bitmap_cache(void **state)
{
	struct fixture *f = *state;
	uint8_t *model = make_parent(f, "pc.vhd");
	make_child(f, "pc.vhd", "cc.vhd", "D:\\pc.vhd", NULL);
	int rc;
	struct vhd_io *io = open_io(f, f, "cc.vhd", true, 0, 2, &rc);
	assert_int_equal(rc, 0);
	uint8_t buf[1024];
	for (int round = 0; round < 2; round++) {
		for (uint64_t blk = 0; blk < DISK / (2 * MiB); blk++) {
			uint64_t off = blk * 2 * MiB + (uint64_t)round * 8192 + 512;
			memset(buf, (int)(blk * 16 + (uint64_t)round), sizeof(buf));
			assert_int_equal(vhd_io_pwrite(io, buf, sizeof(buf), off), 0);
			memcpy(model + off, buf, sizeof(buf));
		}
	}
	struct vhd_io_stats st;
	vhd_io_stats(io, &st);
	assert_true(st.bitmaps_cached <= 2);
	uint8_t *back = talloc_size(f, DISK);
	assert_int_equal(vhd_io_pread(io, back, DISK, 0), 0);
	assert_memory_equal(back, model, DISK);
	assert_int_equal(vhd_io_flush(io), 0);
	talloc_free(io);
	io = must_open(f, f, "cc.vhd", false);
	assert_int_equal(vhd_io_pread(io, back, DISK, 0), 0);
	assert_memory_equal(back, model, DISK);
	talloc_free(io);
	check_valid(f, "cc.vhd");
}

static void test_fixed(void **state)
{
	struct fixture *f = *state;
	uint8_t *model = make_parent(f, "fx.vhd");
	struct vhd_io *io = must_open(f, f, "fx.vhd", true);
	uint8_t buf[700];
	memset(buf, 1, sizeof(buf));
	assert_int_equal(vhd_io_pwrite(io, buf, sizeof(buf), 1000), 0);
	memcpy(model + 1000, buf, sizeof(buf));
	uint8_t *back = talloc_size(f, DISK);
	assert_int_equal(vhd_io_pread(io, back, DISK, 0), 0);
	assert_memory_equal(back, model, DISK);
	assert_int_equal(vhd_io_pread(io, back, 512, DISK - 256), -EINVAL); /* never the footer */
	talloc_free(io);
	check_valid(f, "fx.vhd");
}

/* GrowWtFile of a dynamic disk: in the BAT's padding, then with the BAT
 * moved after the blocks; data kept, new space usable, qemu-img agrees; a
 * crash between the two footer writes is finished by vhd_recover_grow(). */
static void test_grow_dynamic(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_create_dynamic(f->dirfd, "g.vhd", DISK, NULL, reason), 0);
	struct vhd_io *io = must_open(f, f, "g.vhd", true);
	uint8_t a[4096], back[4096];
	memset(a, 0x42, sizeof(a));
	assert_int_equal(vhd_io_pwrite(io, a, sizeof(a), 3 * MiB), 0);
	assert_int_equal(vhd_io_flush(io), 0);
	talloc_free(io);

	int fd = open_in(f, "g.vhd", O_RDWR);
	assert_int_equal(vhd_grow_dynamic(fd, 64 * MiB, reason), 0); /* 8 -> 32 entries, in place */
	assert_int_equal(vhd_grow_dynamic(fd, 64 * MiB, reason), -EINVAL);
	assert_int_equal(vhd_grow_dynamic(fd, 512 * MiB, reason), 0); /* 256 entries: BAT moved */
	close(fd);
	check_valid(f, "g.vhd");
	int st;
	char *out = tu_run(f, &st, "qemu-img info -f vpc --output=json '%s/g.vhd'", f->dir);
	assert_int_equal(st, 0);
	assert_int_equal(tu_json_number(out, "virtual-size"), 512 * MiB);

	io = must_open(f, f, "g.vhd", true);
	assert_int_equal(vhd_io_size(io), 512 * MiB);
	assert_int_equal(vhd_io_pread(io, back, sizeof(back), 3 * MiB), 0);
	assert_memory_equal(back, a, sizeof(a));
	memset(a, 0x43, sizeof(a));
	assert_int_equal(vhd_io_pwrite(io, a, sizeof(a), 500 * MiB), 0);
	assert_int_equal(vhd_io_flush(io), 0);
	talloc_free(io);
	check_valid(f, "g.vhd");
	tu_run(f, &st, "qemu-img convert -f vpc -O raw '%s/g.vhd' '%s/g.raw'", f->dir, f->dir);
	assert_int_equal(st, 0);
	fd = open_in(f, "g.raw", O_RDONLY);
	assert_int_equal(pread(fd, back, sizeof(back), 500 * MiB), (ssize_t)sizeof(back));
	assert_memory_equal(back, a, sizeof(a));
	assert_int_equal(pread(fd, back, 1, 3 * MiB), 1);
	assert_int_equal(back[0], 0x42);
	close(fd);

	/* crash between the footer writes: the copy at 0 still has the old size */
	fd = open_in(f, "g.vhd", O_RDWR);
	uint8_t old[VHD_FOOTER_SIZE];
	assert_int_equal(vhd_pread(fd, old, sizeof(old), 0), 0);
	assert_int_equal(vhd_grow_dynamic(fd, 600 * MiB, reason), 0);
	assert_int_equal(vhd_pwrite(fd, old, sizeof(old), 0), 0);
	assert_int_equal(vhd_inspect(NULL, fd, NULL, reason), -EBADMSG);
	assert_int_equal(vhd_recover_grow(fd, 512 * MiB, reason), (int64_t)(600 * MiB));
	assert_int_equal(vhd_inspect(NULL, fd, NULL, reason), 0);
	close(fd);

	/* differencing disks keep their parent's size */
	make_parent(f, "gp.vhd");
	make_child(f, "gp.vhd", "gc.vhd", "D:\\gp.vhd", NULL);
	fd = open_in(f, "gc.vhd", O_RDWR);
	assert_int_equal(vhd_grow_dynamic(fd, 64 * MiB, reason), -EOPNOTSUPP);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dynamic_scattered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_differencing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_three_levels_and_depth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_confined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repair_lost_footer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_bitmap_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grow_dynamic, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
