/* The users file: parsing, istmctl's editing functions (atomic, mode 0600,
 * comments kept) and the daemon's accounts (reload on change, refusals). */
#include "auth_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/ntlm_crypto.h"
#include "auth/users_file.h"
#include "istmd/config.h"
#include "istmd/log.h"

struct fixture {
	char dir[32];
	char path[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/istmd-users-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/users", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			char p[512];
			snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
			unlink(p);
		}
	}
	closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *read_text(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static int entries_in_dir(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void test_names(void **unused)
{
	static const char *good[] = { "alice", "A", "_svc", "x.y-z_9", "0day" };
	static const char *bad[] = { "", ".hidden", "-opt", "a b", "a:b", "caf\xc3\xa9", "a/b",
				     "DOMAIN\\user" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(users_name_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(users_name_valid(bad[i]));
	char long_name[USERS_NAME_MAX + 2];
	memset(long_name, 'a', sizeof(long_name));
	long_name[USERS_NAME_MAX] = '\0';
	assert_true(users_name_valid(long_name));
	long_name[USERS_NAME_MAX] = 'a';
	long_name[USERS_NAME_MAX + 1] = '\0';
	assert_false(users_name_valid(long_name));
}

static void test_parse_line(void **unused)
{
	struct users_entry u;
	assert_int_equal(users_parse_line("alice:admin:0123456789abcdefABCDEF0123456789", &u), 1);
	assert_string_equal(u.name, "alice");
	assert_true(u.is_admin);
	assert_hex_equal(u.nt_hash, 16, "0123456789abcdefabcdef0123456789");
	assert_int_equal(users_parse_line("  bob:user:00000000000000000000000000000000 \r", &u), 1);
	assert_false(u.is_admin);
	assert_int_equal(users_parse_line("", &u), 0);
	assert_int_equal(users_parse_line("   \t", &u), 0);
	assert_int_equal(users_parse_line("# comment: with:colons", &u), 0);
	assert_int_equal(users_parse_line("  # indented comment", &u), 0);
	static const char *bad[] = {
		"alice:admin",
		"alice:root:0123456789abcdef0123456789abcdef",
		"alice:admin:0123456789abcdef0123456789abcde",
		"alice:admin:0123456789abcdef0123456789abcdef0",
		"alice:admin:0123456789abcdef0123456789abcdeg",
		"alice:admin:0123456789abcdef:0123456789abcdef",
		":admin:0123456789abcdef0123456789abcdef",
		"a b:admin:0123456789abcdef0123456789abcdef",
		"alice:Admin:0123456789abcdef0123456789abcdef",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(users_parse_line(bad[i], &u), -EINVAL);
}

static void test_add_del_list(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(users_add(f->path, "alice", true, "Secret#1"), 0);
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	ino_t first = st.st_ino;

	assert_int_equal(users_add(f->path, "bob", false, "pw"), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_not_equal(st.st_ino, first); /* replaced, not rewritten in place */
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(entries_in_dir(f->dir), 1); /* no temporary file left */

	/* only the NT hash is stored */
	char *text = read_text(f->path);
	assert_null(strstr(text, "Secret#1"));
	uint8_t hash[16];
	char hex[33];
	assert_int_equal(ntlm_nt_hash("Secret#1", hash), 0);
	for (int i = 0; i < 16; i++)
		sprintf(hex + 2 * i, "%02x", hash[i]);
	assert_non_null(strstr(text, hex));

	assert_int_equal(users_add(f->path, "ALICE", false, "x"), -EEXIST);
	assert_int_equal(users_add(f->path, "bad name", false, "x"), -EINVAL);
	assert_int_equal(users_add(f->path, "carol", false, ""), -ERANGE);
	assert_int_equal(users_add(f->path, "carol", false, "\xff\xfe"), -EILSEQ);
	char pw[USERS_PASSWORD_MAX * 2 + 2];
	memset(pw, 'p', sizeof(pw));
	pw[USERS_PASSWORD_MAX + 1] = '\0';
	assert_int_equal(users_add(f->path, "carol", false, pw), -ERANGE);
	pw[USERS_PASSWORD_MAX] = '\0';
	assert_int_equal(users_add(f->path, "carol", false, pw), 0);
	/* 256 two-byte characters are 256 characters */
	for (int i = 0; i < USERS_PASSWORD_MAX; i++)
		memcpy(pw + 2 * i, "\xc3\xa9", 2);
	pw[USERS_PASSWORD_MAX * 2] = '\0';
	assert_int_equal(users_add(f->path, "dave", false, pw), 0);

	struct users_entry *e;
	size_t n;
	assert_int_equal(users_list(NULL, f->path, &e, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(e[0].name, "alice");
	assert_true(e[0].is_admin);
	assert_string_equal(e[1].name, "bob");
	assert_false(e[1].is_admin);
	for (size_t i = 0; i < n; i++) /* listing never hands out hashes */
		assert_hex_equal(e[i].nt_hash, 16, "00000000000000000000000000000000");
	talloc_free(e);

	assert_int_equal(users_del(f->path, "Bob"), 0);
	assert_int_equal(users_del(f->path, "bob"), -ENOENT);
	assert_int_equal(users_del(f->path, "bad name"), -EINVAL);
	assert_int_equal(users_list(NULL, f->path, &e, &n), 0);
	assert_int_equal(n, 3);
	talloc_free(e);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_edit_keeps_other_lines(void **state)
{
	struct fixture *f = *state;
	/* a hand-written file: comments, an unknown line, no final newline, and
	 * a mode that is too open (the rewrite fixes it) */
	write_file(f->path,
		   "# my accounts\n"
		   "alice:admin:0123456789abcdef0123456789abcdef\n"
		   "something the tool does not understand\n"
		   "\n"
		   "bob:user:0123456789abcdef0123456789abcdef",
		   0644);
	assert_int_equal(users_add(f->path, "carol", false, "pw"), 0);
	char *text = read_text(f->path);
	assert_non_null(strstr(text, "# my accounts\n"));
	assert_non_null(strstr(text, "something the tool does not understand\n"));
	assert_non_null(strstr(text, "bob:user:0123456789abcdef0123456789abcdef\ncarol:user:"));
	assert_null(strstr(text, "# istmd users file")); /* the header is for new files only */
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(users_del(f->path, "alice"), 0);
	text = read_text(f->path);
	assert_null(strstr(text, "alice"));
	assert_int_equal(strncmp(text, "# my accounts\n"
				       "something the tool does not understand\n"
				       "\n"
				       "bob:user:0123456789abcdef0123456789abcdef\n"
				       "carol:user:", 107), 0);
}

static void test_accounts_reload(void **state)
{
	struct fixture *f = *state;
	uint8_t hash[16], expected[16];
	bool admin;
	TALLOC_CTX *mem = talloc_new(NULL);

	/* no file yet: no accounts, and no failure */
	struct auth_accounts *a = auth_accounts_open(mem, f->path);
	assert_non_null(a);
	assert_int_equal(auth_accounts_lookup(a, "alice", hash, &admin), -ENOENT);

	assert_int_equal(users_add(f->path, "alice", true, "pw1"), 0);
	assert_int_equal(auth_accounts_reload(a), 0);
	assert_int_equal(auth_accounts_lookup(a, "ALICE", hash, &admin), 0);
	assert_true(admin);
	assert_int_equal(ntlm_nt_hash("pw1", expected), 0);
	assert_memory_equal(hash, expected, 16);

	/* a change is noticed by itself, within about a second */
	assert_int_equal(users_add(f->path, "bob", false, "pw2"), 0);
	usleep(1100 * 1000);
	assert_int_equal(auth_accounts_lookup(a, "bob", hash, &admin), 0);
	assert_false(admin);
	assert_int_equal(users_del(f->path, "alice"), 0);
	usleep(1100 * 1000);
	assert_int_equal(auth_accounts_lookup(a, "alice", hash, &admin), -ENOENT);

	/* a file others may read is refused as a whole */
	assert_int_equal(chmod(f->path, 0640), 0);
	assert_int_equal(auth_accounts_reload(a), -EPERM);
	assert_int_equal(auth_accounts_lookup(a, "bob", hash, &admin), -ENOENT);
	assert_int_equal(chmod(f->path, 0600), 0);
	assert_int_equal(auth_accounts_reload(a), 0);
	assert_int_equal(auth_accounts_lookup(a, "bob", hash, &admin), 0);

	/* malformed lines and later duplicates are skipped, the rest loads */
	write_file(f->path,
		   "carol:admin:0123456789abcdef0123456789abcdef\n"
		   "garbage line\n"
		   "dave:wizard:0123456789abcdef0123456789abcdef\n"
		   "CAROL:user:ffffffffffffffffffffffffffffffff\n"
		   "erin:user:fedcba9876543210fedcba9876543210\n",
		   0600);
	assert_int_equal(auth_accounts_reload(a), 0);
	assert_int_equal(auth_accounts_lookup(a, "carol", hash, &admin), 0);
	assert_true(admin);
	assert_hex_equal(hash, 16, "0123456789abcdef0123456789abcdef");
	assert_int_equal(auth_accounts_lookup(a, "dave", hash, &admin), -ENOENT);
	assert_int_equal(auth_accounts_lookup(a, "erin", hash, &admin), 0);
	assert_int_equal(auth_accounts_lookup(a, "bob", hash, &admin), -ENOENT);

	/* not a regular file: refused, the accounts loaded before are dropped */
	char aside[80];
	snprintf(aside, sizeof(aside), "%s/aside", f->dir);
	assert_int_equal(rename(f->path, aside), 0);
	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_true(auth_accounts_reload(a) < 0);
	assert_int_equal(auth_accounts_lookup(a, "erin", hash, &admin), -ENOENT);
	assert_int_equal(rmdir(f->path), 0);
	assert_int_equal(rename(aside, f->path), 0);
	assert_int_equal(auth_accounts_reload(a), 0);
	assert_int_equal(auth_accounts_lookup(a, "erin", hash, &admin), 0);

	/* the file disappears: nobody can log on */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(auth_accounts_reload(a), 0);
	assert_int_equal(auth_accounts_lookup(a, "erin", hash, &admin), -ENOENT);
	talloc_free(mem);
}

static void test_config(void **unused)
{
	char *err = NULL;
	TALLOC_CTX *mem = talloc_new(NULL);
	struct auth_config *c;
	struct cfg *cfg = cfg_parse(mem, "t.conf",
				    "[auth]\nusers_file = /srv/users\nallow_ntlmv1 = yes\n"
				    "netbios_name = STORE1\nworkgroup = LAB\n"
				    "dns_name = store1.lab.example\ndns_domain = lab.example\n",
				    &err);
	assert_non_null(cfg);
	assert_int_equal(auth_config_load(cfg, mem, &c, &err), 0);
	assert_string_equal(c->users_file, "/srv/users");
	assert_true(c->options.allow_ntlmv1);
	assert_string_equal(c->options.nb_computer_name, "STORE1");
	assert_string_equal(c->options.nb_domain_name, "LAB");
	assert_string_equal(c->options.dns_computer_name, "store1.lab.example");
	assert_string_equal(c->options.dns_domain_name, "lab.example");

	/* defaults */
	assert_int_equal(auth_config_load(cfg_empty(mem), mem, &c, &err), 0);
	assert_string_equal(c->users_file, "/etc/istmd/users");
	assert_false(c->options.allow_ntlmv1);
	assert_string_equal(c->options.nb_domain_name, "WORKGROUP");
	assert_non_null(c->options.nb_computer_name);
	assert_true(strlen(c->options.nb_computer_name) <= 15);
	assert_non_null(c->options.dns_computer_name);
	assert_non_null(c->options.dns_domain_name);

	/* the shipped configuration file documents the defaults */
	cfg = cfg_load(mem, ISTMD_CONF, &err);
	assert_non_null(cfg);
	assert_int_equal(auth_config_load(cfg, mem, &c, &err), 0);
	assert_string_equal(c->users_file, "/etc/istmd/users");
	assert_false(c->options.allow_ntlmv1);
	assert_string_equal(c->options.nb_domain_name, "WORKGROUP");

	/* derived from the DNS name */
	cfg = cfg_parse(mem, "t.conf", "[auth]\ndns_name = averyveryverylongname.corp.example\n", &err);
	assert_int_equal(auth_config_load(cfg, mem, &c, &err), 0);
	assert_string_equal(c->options.nb_computer_name, "AVERYVERYVERYLO");
	assert_string_equal(c->options.dns_domain_name, "corp.example");

	static const char *bad[] = {
		"[auth]\nallow_ntlmv1 = perhaps\n",
		"[auth]\nnetbios_name = WAYTOOLONGFORNETBIOS\n",
		"[auth]\nworkgroup = has space\n",
		"[auth]\ndns_name = bad_name!\n",
		"[auth]\nusers_file = relative/users\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg = cfg_parse(mem, "t.conf", bad[i], &err);
		assert_non_null(cfg);
		err = NULL;
		assert_int_equal(auth_config_load(cfg, mem, &c, &err), -EINVAL);
		assert_non_null(err);
		assert_non_null(strstr(err, "[auth]"));
	}
	talloc_free(mem);
}

int main(void)
{
	log_set_level(LOG_LVL_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test_setup_teardown(test_add_del_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_keeps_other_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accounts_reload, setup, teardown),
		cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
