/* VHD creation, growth and inspection, cross-checked with two independent
 * readers: qemu-img (qemu-utils) and vhdiinfo (libvhdi-utils). */
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "backend/vhd.h"
#include "backend/vhd_format.h"
#include "backend_testutil.h"

#define MiB (1024ull * 1024)

struct fixture {
	char *dir;
	int dirfd;
};

static int setup(void **state)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);
	f->dir = tu_scratch_dir(f, &f->dirfd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	talloc_free(*state);
	return 0;
}

static int open_in(struct fixture *f, const char *name, int flags)
{
	int fd = openat(f->dirfd, name, flags | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static struct vhd_info *inspect_name(TALLOC_CTX *mem, struct fixture *f, const char *name)
{
	char reason[VHD_REASON_LEN];
	struct vhd_info *info = NULL;
	int fd = open_in(f, name, O_RDONLY);
	int r = vhd_inspect(mem, fd, &info, reason);
	close(fd);
	if (r != 0)
		fail_msg("%s: %d %s", name, r, reason);
	return info;
}

/* qemu-img's view: format and exact virtual size. */
static void check_qemu(struct fixture *f, const char *name, uint64_t size)
{
	int st;
	char *out = tu_run(f, &st, "qemu-img info -f vpc --output=json '%s/%s'", f->dir, name);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "\"format\": \"vpc\""));
	assert_int_equal(tu_json_number(out, "virtual-size"), (long long)size);
}

/* vhdiinfo's view: disk type and media size. */
static char *check_vhdiinfo(struct fixture *f, const char *name, const char *type, uint64_t size)
{
	int st;
	char *out = tu_run(f, &st, "vhdiinfo '%s/%s'", f->dir, name);
	assert_int_equal(st, 0);
	char *want = talloc_asprintf(f, "Disk type\t\t: %s\n", type);
	if (strstr(out, want) == NULL)
		fail_msg("vhdiinfo: no \"%s\" in:\n%s", want, out);
	want = talloc_asprintf(f, "(%llu bytes)", (unsigned long long)size);
	assert_non_null(strstr(out, want));
	return out;
}

static void test_geometry(void **unused)
{
	uint16_t c;
	uint8_t h, s;
	vhd_geometry(64 * MiB, &c, &h, &s); /* 131072 sectors: 17 spt, 8 heads */
	assert_int_equal(c, 963);
	assert_int_equal(h, 8);
	assert_int_equal(s, 17);
	vhd_geometry(1 * MiB, &c, &h, &s); /* at least 4 heads */
	assert_int_equal(c, 30);
	assert_int_equal(h, 4);
	assert_int_equal(s, 17);
	vhd_geometry(2040ull * 1024 * MiB, &c, &h, &s); /* capped at the CHS maximum */
	assert_int_equal(c, 65535);
	assert_int_equal(h, 16);
	assert_int_equal(s, 255);
	vhd_geometry(8ull * 1024 * MiB, &c, &h, &s); /* 8 GiB: 63 spt, 16 heads */
	assert_int_equal(c, 16644);
	assert_int_equal(h, 16);
	assert_int_equal(s, 63);
}

/* qemu computes geometry with the same algorithm (without force_size it
 * rounds the size up to whole cylinders): compare footers. With force_size it
 * writes the maximum geometry and the exact size, which we accept too. */
static void test_geometry_matches_qemu(void **state)
{
	struct fixture *f = *state;
	static const uint64_t sizes[] = { 8 * MiB, 100 * MiB, 3000 * MiB, 40000 * MiB };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int st;
		tu_run(f, &st, "qemu-img create -q -f vpc -o subformat=dynamic,force_size=on '%s/q.vhd' %llu",
		       f->dir, (unsigned long long)sizes[i]);
		assert_int_equal(st, 0);
		struct vhd_info *info = inspect_name(f, f, "q.vhd"); /* our validator accepts qemu's file */
		assert_int_equal(info->virtual_size, sizes[i]);
		assert_int_equal(info->type, VHD_TYPE_DYNAMIC);

		tu_run(f, &st, "qemu-img create -q -f vpc -o subformat=fixed '%s/q.vhd' %llu", f->dir,
		       (unsigned long long)sizes[i]);
		assert_int_equal(st, 0);
		info = inspect_name(f, f, "q.vhd");
		assert_true(info->virtual_size >= sizes[i]);
		uint16_t c;
		uint8_t h, s;
		vhd_geometry(info->virtual_size, &c, &h, &s);
		assert_int_equal(info->cylinders, c);
		assert_int_equal(info->heads, h);
		assert_int_equal(info->sectors_per_track, s);
	}
}

static void test_fixed(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	struct vhd_create_options opt = { 0 };

	assert_int_equal(vhd_create_fixed(f->dirfd, "f.vhd", 64 * MiB, &opt, reason), 0);
	assert_true(opt.preallocated); /* ext4/tmpfs/xfs/btrfs all have fallocate */
	struct stat st;
	assert_int_equal(fstatat(f->dirfd, "f.vhd", &st, 0), 0);
	assert_int_equal(st.st_size, 64 * MiB + 512);
	assert_int_equal(st.st_mode & 0777, 0600);
	struct vhd_info *info = inspect_name(f, f, "f.vhd");
	assert_int_equal(info->type, VHD_TYPE_FIXED);
	assert_int_equal(info->virtual_size, 64 * MiB);
	assert_int_equal(info->original_size, 64 * MiB);
	assert_true(info->allocated_size >= 64 * MiB);
	assert_memory_equal(info->creator_app, "win ", 4);
	assert_true(info->timestamp > vhd_timestamp(1700000000));
	check_qemu(f, "f.vhd", 64 * MiB);
	char *out = check_vhdiinfo(f, "f.vhd", "Fixed", 64 * MiB);
	(void)out;

	/* Data at virtual offset X is at file offset X: write through the file,
	 * read back through qemu's VHD driver. */
	uint8_t pattern[4096];
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
	const uint64_t x = 5 * MiB + 512;
	int fd = open_in(f, "f.vhd", O_RDWR);
	assert_int_equal(vhd_pwrite(fd, pattern, sizeof(pattern), x), 0);
	close(fd);
	int rc;
	tu_run(f, &rc, "qemu-img convert -f vpc -O raw '%s/f.vhd' '%s/f.raw'", f->dir, f->dir);
	assert_int_equal(rc, 0);
	fd = open_in(f, "f.raw", O_RDONLY);
	uint8_t back[4096];
	assert_int_equal(vhd_pread(fd, back, sizeof(back), x), 0);
	assert_memory_equal(back, pattern, sizeof(back));
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 64 * MiB);
	close(fd);
}

static void test_fixed_sparse(void **state)
{
	struct fixture *f = *state;
	struct vhd_create_options opt = { .sparse = true, .mode = 0640 };
	assert_int_equal(vhd_create_fixed(f->dirfd, "s.vhd", 256 * MiB, &opt, NULL), 0);
	assert_false(opt.preallocated);
	struct vhd_info *info = inspect_name(f, f, "s.vhd");
	assert_int_equal(info->virtual_size, 256 * MiB);
	assert_true(info->allocated_size < 1 * MiB);
	struct stat st;
	assert_int_equal(fstatat(f->dirfd, "s.vhd", &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	check_qemu(f, "s.vhd", 256 * MiB);
}

static void test_dynamic(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_create_dynamic(f->dirfd, "d.vhd", 64 * MiB, NULL, reason), 0);
	struct stat st;
	assert_int_equal(fstatat(f->dirfd, "d.vhd", &st, 0), 0);
	assert_int_equal(st.st_size, 512 + 1024 + 512 + 512); /* 32 BAT entries fit one sector */
	struct vhd_info *info = inspect_name(f, f, "d.vhd");
	assert_int_equal(info->type, VHD_TYPE_DYNAMIC);
	assert_int_equal(info->virtual_size, 64 * MiB);
	assert_int_equal(info->block_size, 2 * MiB);
	assert_int_equal(info->max_table_entries, 32);
	assert_int_equal(info->allocated_blocks, 0);
	assert_null(info->parent_absolute_path);
	check_qemu(f, "d.vhd", 64 * MiB);
	check_vhdiinfo(f, "d.vhd", "Dynamic", 64 * MiB);

	/* An empty dynamic disk reads as zeros. */
	int rc;
	tu_run(f, &rc, "qemu-img convert -f vpc -O raw '%s/d.vhd' '%s/d.raw'", f->dir, f->dir);
	assert_int_equal(rc, 0);
	size_t len;
	uint8_t *raw = tu_read_file(f, talloc_asprintf(f, "%s/d.raw", f->dir), &len);
	assert_non_null(raw);
	assert_int_equal(len, 64 * MiB);
	for (size_t i = 0; i < len; i++)
		if (raw[i] != 0)
			fail_msg("non-zero byte at %zu", i);

	/* A large one: the BAT spans several sectors. */
	assert_int_equal(vhd_create_dynamic(f->dirfd, "big.vhd", 1000ull * 1024 * MiB, NULL, reason), 0);
	info = inspect_name(f, f, "big.vhd");
	assert_int_equal(info->max_table_entries, 512000);
	check_qemu(f, "big.vhd", 1000ull * 1024 * MiB);
	check_vhdiinfo(f, "big.vhd", "Dynamic", 1000ull * 1024 * MiB);
}

static void test_differencing(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_create_fixed(f->dirfd, "base.vhd", 32 * MiB, NULL, reason), 0);
	struct vhd_info *parent = inspect_name(f, f, "base.vhd");

	int pfd = open_in(f, "base.vhd", O_RDONLY);
	struct vhd_parent ref = { pfd, "D:\\disks\\base.vhd", ".\\base.vhd" };
	assert_int_equal(vhd_create_differencing(f->dirfd, "child.vhd", &ref, NULL, reason), 0);
	close(pfd);

	struct vhd_info *info = inspect_name(f, f, "child.vhd");
	assert_int_equal(info->type, VHD_TYPE_DIFFERENCING);
	assert_int_equal(info->virtual_size, 32 * MiB);
	assert_memory_equal(info->parent_unique_id, parent->unique_id, 16);
	assert_int_equal(info->parent_timestamp, parent->timestamp);
	assert_memory_not_equal(info->unique_id, parent->unique_id, 16);
	assert_string_equal(info->parent_name, "base.vhd");
	assert_string_equal(info->parent_absolute_path, "D:\\disks\\base.vhd");
	assert_string_equal(info->parent_relative_path, ".\\base.vhd");
	assert_int_equal(info->allocated_blocks, 0);
	check_qemu(f, "child.vhd", 32 * MiB);
	char *out = check_vhdiinfo(f, "child.vhd", "Differential", 32 * MiB);
	assert_non_null(strstr(out, "Parent filename\t\t: base.vhd"));

	/* Non-ASCII names survive (UTF-16BE name, UTF-16LE locators). */
	pfd = open_in(f, "base.vhd", O_RDONLY);
	struct vhd_parent uref = { pfd, "E:\\d\xc3\xa9j\xc3\xa0\\b\xc3\xa4se.vhd", NULL };
	assert_int_equal(vhd_create_differencing(f->dirfd, "u.vhd", &uref, NULL, reason), 0);
	close(pfd);
	info = inspect_name(f, f, "u.vhd");
	assert_string_equal(info->parent_name, "b\xc3\xa4se.vhd");
	assert_string_equal(info->parent_absolute_path, uref.absolute_path);
	assert_null(info->parent_relative_path);

	/* A parent that is not a VHD: refused, nothing created. */
	tu_write_file(talloc_asprintf(f, "%s/junk", f->dir), "not a vhd", 9);
	pfd = open_in(f, "junk", O_RDONLY);
	struct vhd_parent bad = { pfd, "D:\\junk", NULL };
	assert_int_equal(vhd_create_differencing(f->dirfd, "x.vhd", &bad, NULL, reason), -EBADMSG);
	assert_non_null(strstr(reason, "parent"));
	close(pfd);
	assert_int_equal(faccessat(f->dirfd, "x.vhd", F_OK, 0), -1);
}

static size_t count_entries(struct fixture *f)
{
	DIR *d = opendir(f->dir);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_create_errors(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];

	assert_int_equal(vhd_create_fixed(f->dirfd, "a.vhd", 0, NULL, reason), -EINVAL);
	assert_int_equal(vhd_create_fixed(f->dirfd, "a.vhd", 1000, NULL, reason), -EINVAL);
	assert_int_equal(vhd_create_dynamic(f->dirfd, "a.vhd", VHD_MAX_VIRTUAL_SIZE + 512, NULL, reason),
			 -EINVAL);
	assert_int_equal(vhd_create_fixed(f->dirfd, "x/a.vhd", 1 * MiB, NULL, reason), -EINVAL);
	assert_int_equal(vhd_create_fixed(f->dirfd, "..", 1 * MiB, NULL, reason), -EINVAL);
	assert_int_equal(count_entries(f), 0);

	/* An existing name is kept unless OVERWRITE. */
	assert_int_equal(vhd_create_fixed(f->dirfd, "a.vhd", 1 * MiB, NULL, reason), 0);
	struct vhd_info *first = inspect_name(f, f, "a.vhd");
	assert_int_equal(vhd_create_fixed(f->dirfd, "a.vhd", 2 * MiB, NULL, reason), -EEXIST);
	assert_int_equal(inspect_name(f, f, "a.vhd")->virtual_size, 1 * MiB);
	struct vhd_create_options over = { .overwrite = true };
	assert_int_equal(vhd_create_dynamic(f->dirfd, "a.vhd", 2 * MiB, &over, reason), 0);
	struct vhd_info *second = inspect_name(f, f, "a.vhd");
	assert_int_equal(second->virtual_size, 2 * MiB);
	assert_memory_not_equal(first->unique_id, second->unique_id, 16);
	assert_int_equal(count_entries(f), 1); /* no temporary left */

	/* A dangling symlink at the name is not followed. */
	assert_int_equal(symlinkat("/tmp/istmd-nowhere", f->dirfd, "link.vhd"), 0);
	assert_int_equal(vhd_create_fixed(f->dirfd, "link.vhd", 1 * MiB, NULL, reason), -EEXIST);
	assert_int_equal(access("/tmp/istmd-nowhere", F_OK), -1);
	/* A directory is never replaced. */
	assert_int_equal(mkdirat(f->dirfd, "dir.vhd", 0700), 0);
	assert_true(vhd_create_fixed(f->dirfd, "dir.vhd", 1 * MiB, &over, reason) < 0);
	struct stat st;
	assert_int_equal(fstatat(f->dirfd, "dir.vhd", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(count_entries(f), 3);

	/* Out of space half-way (here RLIMIT_FSIZE): the file disappears. */
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4 * MiB; /* the soft limit only, so that it can be raised again */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int r = vhd_create_fixed(f->dirfd, "big.vhd", 64 * MiB, NULL, reason);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(r, -EFBIG);
	assert_true(reason[0] != '\0');
	assert_int_equal(count_entries(f), 3);
}

static void fill(uint8_t *buf, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 13);
}

static void test_grow(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	uint8_t a[512], b[512], back[512];

	assert_int_equal(vhd_create_fixed(f->dirfd, "g.vhd", 8 * MiB, NULL, reason), 0);
	struct vhd_info *before = inspect_name(f, f, "g.vhd");
	int fd = open_in(f, "g.vhd", O_RDWR);
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	assert_int_equal(vhd_pwrite(fd, a, sizeof(a), 0), 0);
	assert_int_equal(vhd_pwrite(fd, b, sizeof(b), 8 * MiB - 512), 0);

	assert_int_equal(vhd_grow_fixed(fd, 8 * MiB, false, reason), -EINVAL);
	assert_int_equal(vhd_grow_fixed(fd, 4 * MiB, false, reason), -EINVAL);
	assert_int_equal(vhd_grow_fixed(fd, 16 * MiB + 100, false, reason), -EINVAL);
	assert_int_equal(vhd_grow_fixed(fd, 24 * MiB, false, reason), 0);
	close(fd);

	struct vhd_info *after = inspect_name(f, f, "g.vhd");
	assert_int_equal(after->virtual_size, 24 * MiB);
	assert_int_equal(after->original_size, 24 * MiB);
	assert_int_equal(after->file_size, 24 * MiB + 512);
	assert_memory_equal(after->unique_id, before->unique_id, 16);
	assert_true(after->allocated_size >= 24 * MiB);
	uint16_t c;
	uint8_t h, s;
	vhd_geometry(24 * MiB, &c, &h, &s);
	assert_int_equal(after->cylinders, c);
	fd = open_in(f, "g.vhd", O_RDWR);
	assert_int_equal(vhd_pread(fd, back, sizeof(back), 0), 0);
	assert_memory_equal(back, a, sizeof(a));
	assert_int_equal(vhd_pread(fd, back, sizeof(back), 8 * MiB - 512), 0);
	assert_memory_equal(back, b, sizeof(b));
	static const uint8_t zero[512];
	assert_int_equal(vhd_pread(fd, back, sizeof(back), 8 * MiB), 0); /* the old footer */
	assert_memory_equal(back, zero, sizeof(zero));
	/* Sparse growth: valid, but the new part is not allocated. */
	assert_int_equal(vhd_grow_fixed(fd, 512 * MiB, true, reason), 0);
	close(fd);
	after = inspect_name(f, f, "g.vhd");
	assert_int_equal(after->virtual_size, 512 * MiB);
	assert_true(after->allocated_size < 100 * MiB);
	check_qemu(f, "g.vhd", 512 * MiB);
	check_vhdiinfo(f, "g.vhd", "Fixed", 512 * MiB);

	/* Only fixed images grow. */
	assert_int_equal(vhd_create_dynamic(f->dirfd, "d.vhd", 8 * MiB, NULL, reason), 0);
	fd = open_in(f, "d.vhd", O_RDWR);
	assert_int_equal(vhd_grow_fixed(fd, 16 * MiB, false, reason), -EOPNOTSUPP);
	close(fd);
}

/* The two states a crash in vhd_grow_fixed() can leave. */
static void test_grow_recovery(void **state)
{
	struct fixture *f = *state;
	char reason[VHD_REASON_LEN];
	struct vhd_footer ft;
	uint8_t raw[512], back[512];
	static const uint8_t zero[512];

	/* Between steps 2 and 3: new footer at the end, old one still at 8 MiB. */
	assert_int_equal(vhd_create_fixed(f->dirfd, "r.vhd", 8 * MiB, NULL, reason), 0);
	int fd = open_in(f, "r.vhd", O_RDWR);
	assert_int_equal(vhd_read_footer(fd, 8 * MiB, &ft, raw, reason), 0);
	ft.current_size = 16 * MiB;
	vhd_footer_encode(&ft, raw);
	assert_int_equal(vhd_pwrite(fd, raw, sizeof(raw), 16 * MiB), 0);
	assert_int_equal(vhd_inspect(NULL, fd, NULL, reason), 0); /* already valid */
	assert_int_equal(vhd_recover_fixed_grow(fd, 8 * MiB, reason), 16 * MiB);
	assert_int_equal(vhd_pread(fd, back, sizeof(back), 8 * MiB), 0);
	assert_memory_equal(back, zero, sizeof(zero));
	assert_int_equal(vhd_recover_fixed_grow(fd, 16 * MiB, reason), 16 * MiB); /* nothing pending */
	close(fd);

	/* The extending write lost its data: a zero tail, old footer intact. */
	assert_int_equal(vhd_create_fixed(f->dirfd, "z.vhd", 8 * MiB, NULL, reason), 0);
	fd = open_in(f, "z.vhd", O_RDWR);
	assert_int_equal(ftruncate(fd, 16 * MiB + 512), 0);
	assert_int_equal(vhd_inspect(NULL, fd, NULL, reason), -EBADMSG);
	assert_int_equal(vhd_recover_fixed_grow(fd, 8 * MiB, reason), 8 * MiB);
	assert_int_equal(vhd_inspect(NULL, fd, NULL, reason), 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 8 * MiB + 512);

	/* Neither footer valid: an error, nothing changed. */
	assert_int_equal(ftruncate(fd, 16 * MiB + 512), 0);
	assert_int_equal(vhd_pwrite(fd, zero, sizeof(zero), 8 * MiB), 0);
	assert_int_equal(vhd_recover_fixed_grow(fd, 8 * MiB, reason), -EBADMSG);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 16 * MiB + 512);
	close(fd);
}

static void test_relative_parent_path(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	assert_string_equal(vhd_relative_parent_path(mem, "D:\\a\\child.vhd", "D:\\a\\base.vhd"),
			    ".\\base.vhd");
	assert_string_equal(vhd_relative_parent_path(mem, "D:\\a\\b\\child.vhd", "d:\\A\\base.vhd"),
			    "..\\base.vhd");
	assert_string_equal(vhd_relative_parent_path(mem, "D:\\x\\child.vhd", "D:\\y\\z\\base.vhd"),
			    "..\\y\\z\\base.vhd");
	assert_string_equal(vhd_relative_parent_path(mem, "D:\\child.vhd", "D:\\p\\base.vhd"),
			    ".\\p\\base.vhd");
	assert_string_equal(vhd_relative_parent_path(mem, "\\\\?\\D:\\a\\child.vhd", "D:\\a\\base.vhd"),
			    ".\\base.vhd");
	errno = 0;
	assert_null(vhd_relative_parent_path(mem, "D:\\child.vhd", "E:\\base.vhd"));
	assert_int_equal(errno, EXDEV);
	assert_null(vhd_relative_parent_path(mem, "child.vhd", "D:\\base.vhd"));
	assert_int_equal(errno, EINVAL);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test_setup_teardown(test_geometry_matches_qemu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_sparse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dynamic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_differencing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grow_recovery, setup, teardown),
		cmocka_unit_test(test_relative_parent_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
