/* The validator against broken images: every footer and header field, bad
 * checksums, truncation, BATs and locators pointing outside or overlapping,
 * random bytes. Each must be refused with the right errno and reason, and
 * never crash (the sanitizer build runs this too). */
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
#include <unistd.h>

#include "backend/vhd.h"
#include "backend/vhd_format.h"
#include "backend_testutil.h"

#define MiB (1024ull * 1024)

struct img {
	uint8_t *buf;
	size_t len;
};

struct fixture {
	char *dir;
	int dirfd;
	struct img fixed, dynamic, diff;
};

static struct img load(struct fixture *f, const char *name)
{
	struct img m;
	m.buf = tu_read_file(f, talloc_asprintf(f, "%s/%s", f->dir, name), &m.len);
	assert_non_null(m.buf);
	return m;
}

static int setup(void **state)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);
	char reason[VHD_REASON_LEN];
	f->dir = tu_scratch_dir(f, &f->dirfd);
	assert_int_equal(vhd_create_fixed(f->dirfd, "fixed.vhd", 4 * MiB, NULL, reason), 0);
	assert_int_equal(vhd_create_dynamic(f->dirfd, "dynamic.vhd", 64 * MiB, NULL, reason), 0);
	int pfd = openat(f->dirfd, "fixed.vhd", O_RDONLY);
	struct vhd_parent p = { pfd, "D:\\base.vhd", ".\\base.vhd" };
	assert_int_equal(vhd_create_differencing(f->dirfd, "diff.vhd", &p, NULL, reason), 0);
	close(pfd);
	f->fixed = load(f, "fixed.vhd");
	f->dynamic = load(f, "dynamic.vhd");
	f->diff = load(f, "diff.vhd");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	talloc_free(*state);
	return 0;
}

static void be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void be64(uint8_t *p, uint64_t v)
{
	be32(p, (uint32_t)(v >> 32));
	be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct img copy(struct fixture *f, const struct img *src, size_t extra)
{
	struct img m = { talloc_zero_size(f, src->len + extra), src->len };
	memcpy(m.buf, src->buf, src->len);
	return m;
}

static size_t footer(const struct img *m)
{
	return m->len - 512;
}

/* Recomputes the footer checksum (and copies the footer to offset 0 for
 * dynamic images) and the dynamic header's checksum. */
static void fix(struct img *m)
{
	uint8_t *ft = m->buf + footer(m);
	be32(ft + 64, vhd_checksum(ft, 512, 64));
	if (get_be32(ft + 60) == VHD_TYPE_FIXED)
		return;
	memcpy(m->buf, ft, 512);
	uint8_t *h = m->buf + 512;
	be32(h + 36, vhd_checksum(h, 1024, 36));
}

static void expect(struct fixture *f, const struct img *m, int err, const char *text, const char *what)
{
	char reason[VHD_REASON_LEN] = "";
	tu_write_file(talloc_asprintf(f, "%s/bad.vhd", f->dir), m->buf, m->len);
	int fd = openat(f->dirfd, "bad.vhd", O_RDONLY);
	assert_true(fd >= 0);
	struct vhd_info *info = NULL;
	int r = vhd_inspect(f, fd, &info, reason);
	close(fd);
	if (r != err || (text != NULL && strstr(reason, text) == NULL))
		fail_msg("%s: got %d \"%s\", want %d \"%s\"", what, r, reason, err, text ? text : "");
	if (err == 0)
		assert_non_null(info);
}

#define CASE(base, mutation, fixup, err, text)                   \
	do {                                                      \
		struct img m = copy(f, &(base), 0);               \
		mutation;                                         \
		if (fixup)                                        \
			fix(&m);                                  \
		expect(f, &m, err, text, #mutation);              \
	} while (0)

static void test_footer_fields(void **state)
{
	struct fixture *f = *state;
	const struct img fx = f->fixed;
	size_t F = footer(&fx);

	CASE(fx, (void)0, false, 0, NULL);
	CASE(fx, m.buf[F] = 'C', true, -EBADMSG, "cookie");
	CASE(fx, m.buf[F + 64] ^= 1, false, -EBADMSG, "footer checksum");
	CASE(fx, m.buf[F + 300] = 1, false, -EBADMSG, "footer checksum"); /* reserved area counts */
	CASE(fx, be32(m.buf + F + 8, 0), true, -EBADMSG, "reserved bit");
	CASE(fx, be32(m.buf + F + 8, 0x12), true, -EBADMSG, "unknown footer features");
	CASE(fx, be32(m.buf + F + 12, 0x00020000), true, -EOPNOTSUPP, "version");
	CASE(fx, be64(m.buf + F + 16, 512), true, -EBADMSG, "data offset");
	CASE(fx, be64(m.buf + F + 48, 4 * MiB + 100), true, -EBADMSG, "current size");
	CASE(fx, be64(m.buf + F + 48, 0), true, -EBADMSG, "current size");
	CASE(fx, be64(m.buf + F + 48, 8 * MiB), true, -EBADMSG, "file size");
	CASE(fx, be64(m.buf + F + 48, 4096ull * 1024 * MiB), true, -EOPNOTSUPP, "exceeds");
	CASE(fx, m.buf[F + 56] = m.buf[F + 57] = 0, true, -EBADMSG, "geometry");
	CASE(fx, m.buf[F + 58] = 0, true, -EBADMSG, "geometry");
	CASE(fx, m.buf[F + 58] = 17, true, -EBADMSG, "geometry");
	CASE(fx, m.buf[F + 59] = 0, true, -EBADMSG, "geometry");
	CASE(fx, be32(m.buf + F + 60, 9), true, -EBADMSG, "invalid disk type");
	CASE(fx, be32(m.buf + F + 60, 5), true, -EOPNOTSUPP, "unsupported disk type");
	CASE(fx, be32(m.buf + F + 60, 0), true, -EOPNOTSUPP, "unsupported disk type");
	CASE(fx, be32(m.buf + F + 60, VHD_TYPE_DYNAMIC), true, -EBADMSG, "dynamic header offset");
	CASE(fx, m.buf[F + 84] = 1, true, -EOPNOTSUPP, "saved state");
	CASE(fx, m.buf[F + 84] = 7, true, -EBADMSG, "saved state");
	/* Fields readers ignore may hold anything. */
	CASE(fx, memcpy(m.buf + F + 28, "abcd", 4), true, 0, NULL);
	CASE(fx, be64(m.buf + F + 40, 1), true, 0, NULL);
}

static void test_sizes(void **state)
{
	struct fixture *f = *state;
	const struct img fx = f->fixed;

	CASE(fx, m.len -= 512, false, -EBADMSG, NULL);  /* no footer at the end */
	CASE(fx, m.len -= 100, false, -EBADMSG, "multiple of 512");
	CASE(fx, m.len = 100, false, -EBADMSG, "too small");
	CASE(fx, m.len = 0, false, -EBADMSG, "too small");
	/* The footer of a fixed disk whose file grew behind it. */
	struct img m = copy(f, &fx, 512);
	memcpy(m.buf + m.len, m.buf + footer(&fx), 512);
	m.len += 512;
	expect(f, &m, -EBADMSG, "is not the virtual size", "longer file");

	/* Random bytes, and a footer-sized block of them at the end. */
	struct img rnd = { talloc_size(f, 1 * MiB), 1 * MiB };
	srandom(42);
	for (size_t i = 0; i < rnd.len; i++)
		rnd.buf[i] = (uint8_t)random();
	expect(f, &rnd, -EBADMSG, "cookie", "random bytes");
	memcpy(rnd.buf + rnd.len - 512, "conectix", 8);
	expect(f, &rnd, -EBADMSG, "checksum", "random footer");

	/* Not a regular file. */
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_inspect(NULL, f->dirfd, NULL, reason), -EBADMSG);
	assert_non_null(strstr(reason, "regular"));
}

static void test_dynamic_header(void **state)
{
	struct fixture *f = *state;
	const struct img d = f->dynamic; /* copy | header@512 | BAT@1536 (1 sector) | footer@2048 */
	size_t F = footer(&d);
	const size_t H = 512;

	CASE(d, (void)0, false, 0, NULL);
	CASE(d, m.buf[100] ^= 1, false, -EBADMSG, "footer copy");
	CASE(d, m.buf[H] = 'X', true, -EBADMSG, "cxsparse");
	CASE(d, m.buf[H + 36] ^= 1, false, -EBADMSG, "dynamic header checksum");
	CASE(d, be64(m.buf + H + 8, 0), true, -EBADMSG, "data offset");
	CASE(d, be32(m.buf + H + 24, 0x00020000), true, -EOPNOTSUPP, "header version");
	CASE(d, be32(m.buf + H + 32, 3 * MiB), true, -EBADMSG, "block size");
	CASE(d, be32(m.buf + H + 32, 0), true, -EBADMSG, "block size");
	CASE(d, be32(m.buf + H + 28, 1), true, -EBADMSG, "cannot cover");
	CASE(d, be32(m.buf + H + 28, 0xffffffff), true, -EOPNOTSUPP, "larger than");
	CASE(d, be32(m.buf + H + 28, 4u << 20), true, -EBADMSG, "outside the file");
	CASE(d, be64(m.buf + H + 16, 1ull << 40), true, -EBADMSG, "outside the file");
	CASE(d, be64(m.buf + H + 16, 1537), true, -EBADMSG, "BAT at");
	CASE(d, be64(m.buf + H + 16, 1024), true, -EBADMSG, "overlaps");
	CASE(d, be64(m.buf + F + 16, 1ull << 33), true, -EBADMSG, "outside the file");
	CASE(d, be64(m.buf + F + 16, 513), true, -EBADMSG, "dynamic header offset");
	CASE(d, be64(m.buf + F + 16, 0), true, -EBADMSG, "dynamic header offset");
	CASE(d, m.len = 1536, false, -EBADMSG, NULL);
}

/* A dynamic image with one allocated block, built by hand: bitmap + data
 * appended before a moved footer. */
static struct img with_block(struct fixture *f, const struct img *d, uint32_t entry, uint8_t pattern)
{
	size_t block = 512 + 2 * MiB;
	struct img m = copy(f, d, block);
	size_t F = footer(d);
	memcpy(m.buf + F + block, m.buf + F, 512);
	memset(m.buf + F, 0xff, 512);                      /* bitmap: every sector present */
	memset(m.buf + F + 512, pattern, 2 * MiB);         /* data */
	m.len += block;
	be32(m.buf + 1536 + 4 * entry, (uint32_t)(F / 512)); /* BAT entry ENTRY */
	return m;
}

static void test_bat(void **state)
{
	struct fixture *f = *state;
	const struct img d = f->dynamic;

	struct img one = with_block(f, &d, 3, 0xa5);
	expect(f, &one, 0, NULL, "one block");
	tu_write_file(talloc_asprintf(f, "%s/one.vhd", f->dir), one.buf, one.len);
	char reason[VHD_REASON_LEN];
	struct vhd_info *info = NULL;
	int fd = openat(f->dirfd, "one.vhd", O_RDONLY);
	assert_int_equal(vhd_inspect(f, fd, &info, reason), 0);
	close(fd);
	assert_int_equal(info->allocated_blocks, 1);
	/* qemu reads our understanding of the layout back: block 3 holds 0xa5. */
	int st;
	tu_run(f, &st, "qemu-img convert -f vpc -O raw '%s/one.vhd' '%s/one.raw'", f->dir, f->dir);
	assert_int_equal(st, 0);
	size_t len;
	uint8_t *raw = tu_read_file(f, talloc_asprintf(f, "%s/one.raw", f->dir), &len);
	assert_int_equal(len, 64 * MiB);
	assert_int_equal(raw[3 * 2 * MiB], 0xa5);
	assert_int_equal(raw[4 * 2 * MiB - 1], 0xa5);
	assert_int_equal(raw[3 * 2 * MiB - 1], 0);
	assert_int_equal(raw[4 * 2 * MiB], 0);

	CASE(one, be32(m.buf + 1536 + 4 * 3, 0x10000000), false, -EBADMSG, "outside the file");
	CASE(one, be32(m.buf + 1536 + 4 * 3, (uint32_t)(m.len / 512 - 2)), false, -EBADMSG,
	     "outside the file");
	CASE(one, be32(m.buf + 1536 + 4 * 5, get_be32(m.buf + 1536 + 12)), false, -EBADMSG, "overlaps");
	CASE(one, be32(m.buf + 1536 + 4 * 3, 0), false, -EBADMSG, "overlaps");
	CASE(one, be32(m.buf + 1536 + 4 * 3, 3), false, -EBADMSG, "overlaps"); /* the BAT itself */
	CASE(one, be32(m.buf + 1536 + 4 * 3, 1), false, -EBADMSG, "overlaps"); /* the header */
}

static void test_locators(void **state)
{
	struct fixture *f = *state;
	const struct img d = f->diff; /* ... BAT@1536 | W2ku@2048 | W2ru@2560 | footer@3072 */
	const size_t L0 = 512 + 576, L1 = L0 + 24;

	CASE(d, (void)0, false, 0, NULL);
	assert_int_equal(get_be32(d.buf + L0), VHD_PLATFORM_W2KU);
	assert_int_equal(get_be32(d.buf + L1), VHD_PLATFORM_W2RU);
	CASE(d, memset(m.buf + 512 + 40, 0, 16), true, -EBADMSG, "zero parent unique id");
	CASE(d, be32(m.buf + L0, 0x41424344), true, -EBADMSG, "unknown platform code");
	CASE(d, be64(m.buf + L0 + 16, 1ull << 40), true, -EBADMSG, "outside the file");
	CASE(d, be64(m.buf + L0 + 16, 2049), true, -EBADMSG, "outside the file");
	CASE(d, be32(m.buf + L0 + 8, 4096), true, -EBADMSG, "does not fit");
	CASE(d, be32(m.buf + L0 + 8, 0), true, -EBADMSG, "does not fit");
	CASE(d, be32(m.buf + L0 + 8, 3), true, -EBADMSG, "bad length");
	CASE(d, be64(m.buf + L0 + 16, 1536), true, -EBADMSG, "overlaps");
	CASE(d, be64(m.buf + L1 + 16, 2048), true, -EBADMSG, "overlaps");
	CASE(d, (memset(m.buf + L0, 0, 48)), true, -EBADMSG, "without parent locators");
	/* A data space in bytes rather than sectors (as some writers store it). */
	CASE(d, be32(m.buf + L0 + 4, 512), true, 0, NULL);
	/* Parent name that is not UTF-16 (a lone surrogate). */
	CASE(d, (m.buf[512 + 64] = 0xd8, m.buf[512 + 65] = 0x00), true, -EBADMSG, "parent name");
	/* Nor locator data; refused also when no description is asked for. */
	struct img m = copy(f, &d, 0);
	m.buf[2048] = 0x00;
	m.buf[2049] = 0xdc;
	expect(f, &m, -EBADMSG, "not valid UTF-16", "locator data");
	char reason[VHD_REASON_LEN];
	int fd = openat(f->dirfd, "bad.vhd", O_RDONLY);
	assert_int_equal(vhd_inspect(NULL, fd, NULL, reason), -EBADMSG);
	close(fd);
	assert_non_null(strstr(reason, "not valid UTF-16"));
}

/* Random damage to valid images, with checksums repaired half the time so
 * that the deeper checks are reached. Only "no crash, an answer" is asserted. */
static void test_fuzz(void **state)
{
	struct fixture *f = *state;
	const struct img *bases[] = { &f->dynamic, &f->diff, &f->fixed };
	srandom(7);
	unsigned rejected = 0;
	for (int iter = 0; iter < 3000; iter++) {
		const struct img *b = bases[iter % 3];
		struct img m = copy(f, b, 0);
		int flips = 1 + (int)(random() % 6);
		for (int i = 0; i < flips; i++) {
			size_t off;
			if (random() % 2 && m.len > 4096)
				off = footer(&m) + (size_t)random() % 512;
			else
				off = (size_t)random() % (m.len < 4096 ? m.len : 4096);
			m.buf[off] = (uint8_t)random();
		}
		if (random() % 2)
			fix(&m);
		char reason[VHD_REASON_LEN] = "";
		tu_write_file(talloc_asprintf(m.buf, "%s/fuzz.vhd", f->dir), m.buf, m.len);
		int fd = openat(f->dirfd, "fuzz.vhd", O_RDONLY);
		struct vhd_info *info = NULL;
		int r = vhd_inspect(m.buf, fd, &info, reason);
		close(fd);
		if (r < 0) {
			rejected++;
			if (reason[0] == '\0')
				fail_msg("iteration %d: error %d without a reason", iter, r);
		} else {
			assert_non_null(info);
		}
		talloc_free(m.buf);
	}
	assert_true(rejected > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_footer_fields), cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_dynamic_header), cmocka_unit_test(test_bat),
		cmocka_unit_test(test_locators),      cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
