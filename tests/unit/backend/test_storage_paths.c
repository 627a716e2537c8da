/* Storage roots: drive letters, volume GUIDs, the path grammar both ways,
 * hostile inputs, and confinement by openat2 when opening. */
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
#include <ctype.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend/storage_paths.h"
#include "backend/storage_volume.h"
#include "backend/vhd.h"
#include "backend_testutil.h"

struct fixture {
	char *dir, *r1, *r2, *out;
	struct storage_paths *sp;
};

static void mkfile(const char *path)
{
	tu_write_file(path, "x", 1);
}

static int setup(void **state)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);
	char *err = NULL;
	f->dir = tu_mkdtemp(f, "/tmp");
	f->r1 = talloc_asprintf(f, "%s/r1", f->dir);
	f->r2 = talloc_asprintf(f, "%s/r2", f->dir);
	f->out = talloc_asprintf(f, "%s/outside", f->dir);
	assert_int_equal(mkdir(f->r1, 0700), 0);
	assert_int_equal(mkdir(f->r2, 0700), 0);
	assert_int_equal(mkdir(f->out, 0700), 0);
	assert_int_equal(mkdir(talloc_asprintf(f, "%s/sub", f->r1), 0700), 0);
	mkfile(talloc_asprintf(f, "%s/a.vhd", f->r1));
	mkfile(talloc_asprintf(f, "%s/sub/b.vhd", f->r1));
	mkfile(talloc_asprintf(f, "%s/secret", f->out));
	/* Symlinks: out of the root (file, dir, absolute), and one that stays inside. */
	assert_int_equal(symlink("../outside/secret", talloc_asprintf(f, "%s/esc.vhd", f->r1)), 0);
	assert_int_equal(symlink("../outside", talloc_asprintf(f, "%s/escdir", f->r1)), 0);
	assert_int_equal(symlink(talloc_asprintf(f, "%s/a.vhd", f->r1), talloc_asprintf(f, "%s/abs.vhd", f->r1)), 0);
	assert_int_equal(symlink("sub/b.vhd", talloc_asprintf(f, "%s/in.vhd", f->r1)), 0);
	const char *roots[] = { f->r1, f->r2, NULL };
	assert_int_equal(storage_paths_new(f, roots, NULL, &f->sp, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	talloc_free(*state);
	return 0;
}

static struct storage_path *parse_ok(struct fixture *f, const char *in)
{
	struct storage_path *p = NULL;
	int r = storage_path_parse(f, f->sp, in, &p);
	if (r != 0)
		fail_msg("parse \"%s\": %d", in, r);
	/* Every path we report is accepted back and means the same file. */
	struct storage_path *q = NULL;
	assert_int_equal(storage_path_parse(f, f->sp, p->posix, &q), 0);
	assert_string_equal(q->posix, p->posix);
	assert_ptr_equal(q->root, p->root);
	if (p->windows != NULL) {
		assert_int_equal(storage_path_parse(f, f->sp, p->windows, &q), 0);
		assert_string_equal(q->posix, p->posix);
		assert_string_equal(q->windows, p->windows);
	}
	return p;
}

static void expect_parse(struct fixture *f, const char *in, const char *posix_rel, const char *windows)
{
	struct storage_path *p = parse_ok(f, in);
	if (strcmp(p->rel, posix_rel) != 0)
		fail_msg("\"%s\": rel \"%s\", want \"%s\"", in, p->rel, posix_rel);
	if (windows == NULL)
		assert_null(p->windows);
	else if (p->windows == NULL || strcmp(p->windows, windows) != 0)
		fail_msg("\"%s\": windows \"%s\", want \"%s\"", in, p->windows ? p->windows : "(null)", windows);
}

static void expect_error(struct fixture *f, const char *in, size_t len, int err)
{
	struct storage_path *p = NULL;
	int r = storage_path_parse_n(f, f->sp, in, len, &p);
	if (r != err)
		fail_msg("\"%.*s\": %d, want %d", (int)len, in, r, err);
}

#define BAD(f, s, err) expect_error(f, s, strlen(s), err)

static void test_letters(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	assert_int_equal(f->sp->count, 2);
	assert_int_equal(f->sp->roots[0].letter, 'D');
	assert_int_equal(f->sp->roots[1].letter, 'E');
	assert_string_equal(f->sp->roots[1].drive, "E:\\");
	assert_ptr_equal(storage_root_by_letter(f->sp, 'd'), &f->sp->roots[0]);
	assert_null(storage_root_by_letter(f->sp, 'C'));

	/* Explicit letters; the unlisted root takes the first free one from D:. */
	struct storage_paths *sp = NULL;
	const char *roots[] = { f->r1, f->r2, NULL };
	char *l1 = talloc_asprintf(f, "d=%s", f->r2);
	const char *letters[] = { l1, NULL };
	assert_int_equal(storage_paths_new(f, roots, letters, &sp, &err), 0);
	assert_int_equal(sp->roots[1].letter, 'D');
	assert_int_equal(sp->roots[0].letter, 'E');
	/* The same file system under two roots: two letters, two volume GUIDs. */
	assert_string_not_equal(sp->roots[0].volume_guid, sp->roots[1].volume_guid);
	talloc_free(sp);

	const char *twice[] = { talloc_asprintf(f, "X=%s", f->r1), talloc_asprintf(f, "X=%s", f->r2), NULL };
	assert_int_equal(storage_paths_new(f, roots, twice, &sp, &err), -EINVAL);
	const char *foreign[] = { talloc_asprintf(f, "X=%s", f->out), NULL };
	assert_int_equal(storage_paths_new(f, roots, foreign, &sp, &err), -EINVAL);
	assert_non_null(strstr(err, "not one of the roots"));
	const char *junk[] = { "D:/x", NULL };
	assert_int_equal(storage_paths_new(f, roots, junk, &sp, &err), -EINVAL);
	const char *none[] = { NULL };
	assert_int_equal(storage_paths_new(f, none, NULL, &sp, &err), -EINVAL);
	const char *missing[] = { "/nonexistent/istmd", NULL };
	assert_int_equal(storage_paths_new(f, missing, NULL, &sp, &err), -ENOENT);
	const char *relative[] = { "srv", NULL };
	assert_int_equal(storage_paths_new(f, relative, NULL, &sp, &err), -EINVAL);
	const char *dup[] = { f->r1, talloc_asprintf(f, "%s/", f->r1), NULL };
	assert_int_equal(storage_paths_new(f, dup, NULL, &sp, &err), -EINVAL);

	/* From the configuration file. */
	struct cfg *cfg = cfg_parse(f, "t.conf",
				    talloc_asprintf(f, "[storage]\nroots = %s, %s\ndrive_letters = F=%s\n",
						    f->r1, f->r2, f->r1), &err);
	assert_non_null(cfg);
	assert_int_equal(storage_paths_from_config(f, cfg, &sp, &err), 0);
	assert_int_equal(sp->roots[0].letter, 'F');
	assert_int_equal(sp->roots[1].letter, 'D');
	talloc_free(sp);
}

static void test_windows_forms(void **state)
{
	struct fixture *f = *state;
	expect_parse(f, "D:\\a.vhd", "a.vhd", "D:\\a.vhd");
	expect_parse(f, "d:/sub/b.vhd", "sub/b.vhd", "D:\\sub\\b.vhd");
	expect_parse(f, "D:\\sub/./b.vhd", "sub/b.vhd", "D:\\sub\\b.vhd");
	expect_parse(f, "D:\\\\sub\\\\\\b.vhd", "sub/b.vhd", "D:\\sub\\b.vhd");
	expect_parse(f, "D:\\", "", "D:\\");
	expect_parse(f, "D:", "", "D:\\");
	expect_parse(f, "e:\\new dir\\x y.vhd", "new dir/x y.vhd", "E:\\new dir\\x y.vhd");
	expect_parse(f, "\\\\?\\D:\\a.vhd", "a.vhd", "D:\\a.vhd");
	expect_parse(f, "\\\\?\\D:/sub/b.vhd", "sub/b.vhd", "D:\\sub\\b.vhd");
	/* Win32 drops trailing dots and spaces; "\\?\" keeps them. */
	expect_parse(f, "D:\\a.vhd. . ", "a.vhd", "D:\\a.vhd");
	expect_parse(f, "\\\\?\\D:\\a.vhd.", "a.vhd.", "\\\\?\\D:\\a.vhd.");
	/* Reserved device names only through "\\?\". */
	expect_parse(f, "\\\\?\\D:\\CON", "CON", "\\\\?\\D:\\CON");
	expect_parse(f, "D:\\console.vhd", "console.vhd", "D:\\console.vhd");
	expect_parse(f, "D:\\COM10", "COM10", "D:\\COM10");
	/* Volume GUID names, any case, with or without the trailing separator. */
	const struct storage_root *r = &f->sp->roots[1];
	char *vol = talloc_asprintf(f, "%sx.vhd", r->volume_name);
	expect_parse(f, vol, "x.vhd", "E:\\x.vhd");
	char *upper = talloc_asprintf(f, "\\\\?\\VOLUME%s", r->volume_guid);
	for (char *p = upper; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	expect_parse(f, upper, "", "E:\\");
	/* Non-ASCII names. */
	expect_parse(f, "D:\\d\xc3\xa9j\xc3\xa0.vhd", "d\xc3\xa9j\xc3\xa0.vhd", "D:\\d\xc3\xa9j\xc3\xa0.vhd");
}

static void test_posix_forms(void **state)
{
	struct fixture *f = *state;
	expect_parse(f, talloc_asprintf(f, "%s/a.vhd", f->r1), "a.vhd", "D:\\a.vhd");
	expect_parse(f, talloc_asprintf(f, "%s//sub/./b.vhd", f->r1), "sub/b.vhd", "D:\\sub\\b.vhd");
	expect_parse(f, talloc_asprintf(f, "%s/", f->r2), "", "E:\\");
	/* POSIX names that Windows cannot spell: no Windows form, or "\\?\". */
	expect_parse(f, talloc_asprintf(f, "%s/a:b", f->r1), "a:b", NULL);
	expect_parse(f, talloc_asprintf(f, "%s/a\\b", f->r1), "a\\b", NULL);
	expect_parse(f, talloc_asprintf(f, "%s/trail ", f->r1), "trail ", "\\\\?\\D:\\trail ");
	expect_parse(f, talloc_asprintf(f, "%s/nul.txt", f->r1), "nul.txt", "\\\\?\\D:\\nul.txt");
	expect_parse(f, talloc_asprintf(f, "%s/bad\xff", f->r1), "bad\xff", NULL);
	/* Nested roots: the deepest root wins, so each file has one spelling. */
	char *err = NULL;
	struct storage_paths *sp = NULL;
	const char *roots[] = { f->dir, f->r1, NULL };
	assert_int_equal(storage_paths_new(f, roots, NULL, &sp, &err), 0);
	struct storage_path *p = NULL;
	assert_int_equal(storage_path_parse(f, sp, "D:\\r1\\a.vhd", &p), 0);
	assert_string_equal(p->windows, "E:\\a.vhd");
	assert_int_equal(storage_path_parse(f, sp, "D:\\outside\\secret", &p), 0);
	assert_string_equal(p->windows, "D:\\outside\\secret");
	talloc_free(sp);
}

static void test_hostile(void **state)
{
	struct fixture *f = *state;
	BAD(f, "", -EINVAL);
	BAD(f, "D:\\..\\..\\etc\\passwd", -EACCES);
	BAD(f, "D:\\sub\\..\\a.vhd", -EACCES);
	BAD(f, "D:/../r2/x", -EACCES);
	BAD(f, "\\\\?\\D:\\..\\x", -EACCES);
	BAD(f, talloc_asprintf(f, "%s/../outside/secret", f->r1), -EACCES);
	BAD(f, "/etc/passwd", -EACCES);
	BAD(f, "/", -EACCES);
	BAD(f, talloc_asprintf(f, "%s", f->dir), -EACCES);
	BAD(f, talloc_asprintf(f, "%s1/x", f->r1), -EACCES); /* prefix, not a parent */
	BAD(f, "C:\\Windows\\system32", -EACCES);
	BAD(f, "Z:\\", -EACCES);
	BAD(f, "\\\\server\\share\\x.vhd", -EACCES);
	BAD(f, "//server/share/x.vhd", -EACCES);
	BAD(f, "\\\\?\\UNC\\server\\share\\x.vhd", -EACCES);
	BAD(f, "\\\\?\\Volume{00000000-0000-0000-0000-000000000000}\\x", -EACCES);
	BAD(f, "\\\\?\\Volume{nonsense\\x", -EINVAL);
	BAD(f, "\\\\.\\PhysicalDrive0", -EINVAL);
	BAD(f, "\\\\.\\D:\\a.vhd", -EINVAL);
	BAD(f, "\\??\\D:\\a.vhd", -EINVAL);
	BAD(f, "\\\\?\\GLOBALROOT\\Device\\HarddiskVolume1\\x", -EINVAL);
	BAD(f, "D:a.vhd", -EINVAL);
	BAD(f, "a.vhd", -EINVAL);
	BAD(f, "sub\\a.vhd", -EINVAL);
	BAD(f, "\\a.vhd", -EINVAL);
	BAD(f, "D:\\a.vhd:stream", -EINVAL);
	BAD(f, "D:\\a.vhd::$DATA", -EINVAL);
	BAD(f, "D:\\a<b", -EINVAL);
	BAD(f, "D:\\a|b", -EINVAL);
	BAD(f, "D:\\a*", -EINVAL);
	BAD(f, "D:\\a?", -EINVAL);
	BAD(f, "D:\\a\"b", -EINVAL);
	BAD(f, "D:\\a\tb", -EINVAL);
	BAD(f, "D:\\CON", -EINVAL);
	BAD(f, "D:\\sub\\nul.vhd", -EINVAL);
	BAD(f, "D:\\Com1 .txt", -EINVAL);
	BAD(f, "D:\\lpt9", -EINVAL);
	BAD(f, "D:\\COM\xc2\xb9", -EINVAL);
	BAD(f, "D:\\...", -EINVAL);
	BAD(f, "D:\\ ", -EINVAL);
	/* Embedded NUL: refused, not cut. */
	expect_error(f, "D:\\a.vhd\0.txt", 14, -EINVAL);
	expect_error(f, "/tmp\0/x", 7, -EINVAL);

	/* Lengths: a 256-byte component, a Win32 path of 260 characters, a
	 * "\\?\" path of 300 (fine), and one past PATH_MAX. */
	char name[300];
	memset(name, 'n', 256);
	name[256] = '\0';
	BAD(f, talloc_asprintf(f, "D:\\%s", name), -ENAMETOOLONG);
	BAD(f, talloc_asprintf(f, "%s/%s", f->r1, name), -ENAMETOOLONG);
	memset(name, 'n', 200);
	name[200] = '\0';
	char *long_win = talloc_asprintf(f, "D:\\%s\\%s", name, name);
	BAD(f, long_win, -ENAMETOOLONG);
	struct storage_path *p = parse_ok(f, talloc_asprintf(f, "\\\\?\\%s", long_win));
	assert_string_equal(p->windows, talloc_asprintf(f, "\\\\?\\%s", long_win));
	char *huge = talloc_strdup(f, "\\\\?\\D:");
	for (int i = 0; i < 30; i++)
		huge = talloc_asprintf_append(huge, "\\%s", name);
	BAD(f, huge, -ENAMETOOLONG);
	char *giant = talloc_zero_size(f, STORAGE_PATH_MAX_INPUT + 2);
	memset(giant, 'a', STORAGE_PATH_MAX_INPUT + 1);
	giant[0] = '/';
	BAD(f, giant, -ENAMETOOLONG);
}

static int open_path(struct fixture *f, const char *in, int flags)
{
	struct storage_path *p = NULL;
	assert_int_equal(storage_path_parse(f, f->sp, in, &p), 0);
	int fd = storage_path_open(p, flags);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : fd;
}

static void test_confinement(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(open_path(f, "D:\\a.vhd", O_RDONLY), 0);
	assert_int_equal(open_path(f, "D:\\in.vhd", O_RDONLY), 0);        /* symlink inside */
	assert_int_equal(open_path(f, "D:\\in.vhd", O_RDONLY | O_NOFOLLOW), -ELOOP);
	assert_int_equal(open_path(f, "D:\\esc.vhd", O_RDONLY), -EACCES); /* ../outside/secret */
	assert_int_equal(open_path(f, "D:\\escdir\\secret", O_RDONLY), -EACCES);
	assert_int_equal(open_path(f, "D:\\abs.vhd", O_RDONLY), -EACCES); /* absolute target */
	assert_int_equal(open_path(f, "D:\\missing.vhd", O_RDONLY), -ENOENT);
	assert_int_equal(open_path(f, "D:\\", O_RDONLY | O_DIRECTORY), 0);
	struct storage_path *p = NULL;
	assert_int_equal(storage_path_parse(f, f->sp, "D:\\a.vhd", &p), 0);
	assert_int_equal(storage_path_open(p, O_RDWR | O_CREAT), -EINVAL);

	/* Creation: the parent resolved beneath the root, the name never followed. */
	assert_int_equal(storage_path_parse(f, f->sp, "D:\\escdir\\new.vhd", &p), 0);
	assert_int_equal(storage_path_create(p, O_RDWR, 0600), -EACCES);
	assert_int_equal(access(talloc_asprintf(f, "%s/new.vhd", f->out), F_OK), -1);
	assert_int_equal(storage_path_parse(f, f->sp, "D:\\esc.vhd", &p), 0);
	assert_int_equal(storage_path_create(p, O_RDWR, 0600), -EEXIST);
	assert_int_equal(storage_path_parse(f, f->sp, "D:\\sub\\c.vhd", &p), 0);
	int fd = storage_path_create(p, O_RDWR, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(storage_path_create(p, O_RDWR, 0600), -EEXIST);

	/* A VHD created through the parent descriptor lands inside the root. */
	const char *name = NULL;
	assert_int_equal(storage_path_parse(f, f->sp, "E:\\disk.vhd", &p), 0);
	int dirfd = storage_path_open_parent(p, &name);
	assert_true(dirfd >= 0);
	assert_string_equal(name, "disk.vhd");
	assert_int_equal(vhd_create_dynamic(dirfd, name, 1 << 20, NULL, NULL), 0);
	close(dirfd);
	assert_int_equal(access(talloc_asprintf(f, "%s/disk.vhd", f->r2), F_OK), 0);
	assert_int_equal(storage_path_parse(f, f->sp, "D:\\escdir\\disk.vhd", &p), 0);
	assert_int_equal(storage_path_open_parent(p, &name), -EACCES);
	assert_int_equal(storage_path_parse(f, f->sp, "D:\\", &p), 0);
	assert_int_equal(storage_path_open_parent(p, &name), -EINVAL);

	/* Removal: the symlink itself, never its target; never a directory. */
	assert_int_equal(storage_path_parse(f, f->sp, "D:\\esc.vhd", &p), 0);
	assert_int_equal(storage_path_unlink(p), 0);
	assert_int_equal(access(talloc_asprintf(f, "%s/secret", f->out), F_OK), 0);
	assert_int_equal(storage_path_parse(f, f->sp, "D:\\sub", &p), 0);
	assert_int_equal(storage_path_unlink(p), -EISDIR);
	assert_int_equal(storage_path_parse(f, f->sp, "D:\\escdir\\secret", &p), 0);
	assert_int_equal(storage_path_unlink(p), -EACCES);
	assert_int_equal(access(talloc_asprintf(f, "%s/secret", f->out), F_OK), 0);
}

/* Swapping a directory for a symlink between parse and open cannot escape:
 * the check happens in the kernel at open time. */
static void test_swap_race(void **state)
{
	struct fixture *f = *state;
	struct storage_path *p = NULL;
	char *d = talloc_asprintf(f, "%s/swap", f->r1);
	assert_int_equal(mkdir(d, 0700), 0);
	mkfile(talloc_asprintf(f, "%s/secret", d));
	assert_int_equal(storage_path_parse(f, f->sp, "D:\\swap\\secret", &p), 0);
	int fd = storage_path_open(p, O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	tu_rmtree(d);
	assert_int_equal(symlink("../outside", d), 0);
	assert_int_equal(storage_path_open(p, O_RDONLY), -EACCES);
}

static void test_volume(void **state)
{
	struct fixture *f = *state;
	const struct storage_root *r = &f->sp->roots[0];
	assert_int_equal(strlen(r->volume_guid), STORAGE_GUID_LEN);
	assert_int_equal(r->volume_guid[0], '{');
	assert_int_equal(r->volume_guid[15], '8'); /* version nibble */
	assert_non_null(strstr(r->volume_name, r->volume_guid));
	assert_true(strncmp(r->volume_name, "\\\\?\\Volume{", 11) == 0);
	assert_string_not_equal(r->fs_type, "unknown");

	/* Stable: a second load gives the same GUIDs. */
	char *err = NULL;
	struct storage_paths *again = NULL;
	const char *roots[] = { f->r1, f->r2, NULL };
	assert_int_equal(storage_paths_new(f, roots, NULL, &again, &err), 0);
	assert_string_equal(again->roots[0].volume_guid, r->volume_guid);
	assert_string_equal(again->roots[1].volume_guid, f->sp->roots[1].volume_guid);
	talloc_free(again);

	/* The derivation itself is fixed: same inputs, same GUID; any change, another. */
	char a[STORAGE_GUID_LEN + 1], b[STORAGE_GUID_LEN + 1];
	storage_volume_guid("uuid:1234", "/srv/iscsi", a);
	storage_volume_guid("uuid:1234", "/srv/iscsi", b);
	assert_string_equal(a, b);
	storage_volume_guid("uuid:1235", "/srv/iscsi", b);
	assert_string_not_equal(a, b);
	storage_volume_guid("uuid:1234", "/srv/iscsj", b);
	assert_string_not_equal(a, b);

	/* A made-up mountinfo: the UUID-less branch, and the path inside a bind mount. */
	struct stat st;
	assert_int_equal(stat(f->r1, &st), 0);
	struct storage_root fake = { .path = talloc_strdup(f, f->r1), .dirfd = open(f->r1, O_RDONLY) };
	char *mi = talloc_asprintf(f, "99 1 %u:%u /data %s rw - tmpfs none rw\n", major(st.st_dev),
				   minor(st.st_dev), f->dir);
	assert_int_equal(storage_volume_identify(&fake, mi, "machine-1"), 0);
	assert_string_equal(fake.fs_type, "tmpfs");
	assert_string_equal(fake.fs_uuid, "");
	assert_string_equal(fake.mount_point, f->dir);
	char want[STORAGE_GUID_LEN + 1];
	storage_volume_guid("machine:machine-1", f->r1, want);
	assert_string_equal(fake.volume_guid, want);
	assert_int_equal(storage_volume_identify(&fake, "", "machine-1"), 0); /* no match at all */
	assert_string_equal(fake.fs_type, "unknown");
	close(fake.dirfd);

	/* /dev/shm is a tmpfs: no UUID, still a stable GUID. */
	char *shm = tu_mkdtemp(f, "/dev/shm");
	if (shm != NULL) {
		const char *sroots[] = { shm, NULL };
		struct storage_paths *s1 = NULL, *s2 = NULL;
		assert_int_equal(storage_paths_new(f, sroots, NULL, &s1, &err), 0);
		assert_int_equal(storage_paths_new(f, sroots, NULL, &s2, &err), 0);
		assert_string_equal(s1->roots[0].fs_type, "tmpfs");
		assert_string_equal(s1->roots[0].fs_uuid, "");
		assert_string_equal(s1->roots[0].volume_guid, s2->roots[0].volume_guid);
		talloc_free(s1);
		talloc_free(s2);
	}

	struct storage_volume_info vi;
	assert_int_equal(storage_volume_info(r, &vi), 0);
	assert_string_equal(vi.fs_type, r->fs_type);
	assert_true(vi.total_bytes > 0);
	assert_true(vi.free_bytes <= vi.total_bytes);
	assert_true(vi.max_file_size > (1ull << 32));
	assert_true(vi.sparse_files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_letters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_posix_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confinement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_volume, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
