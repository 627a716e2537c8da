/* istmctl's option parser (exact names, no value in a message), its config
 * file, the journal of unfinished "disk delete --delete-file" and the JSON
 * form of an error (docs/istmctl.md). */
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

#include "ctl/args.h"
#include "ctl/conf_file.h"
#include "ctl/errors.h"
#include "ctl/options.h"
#include "ctl/pending.h"
#include "istmd/hresult.h"

/* stderr captured between capture_start() and capture_end(): what a user
 * would read. */
static char captured[4096];
static int saved_stderr = -1;
static const char *capture_path = "/tmp/test_ctl_options.err";

static void capture_start(void)
{
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	int fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static const char *capture_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	FILE *f = fopen(capture_path, "r");
	assert_non_null(f);
	size_t n = fread(captured, 1, sizeof(captured) - 1, f);
	captured[n] = '\0';
	fclose(f);
	unlink(capture_path);
	return captured;
}

enum { O_FILE = 1, O_FLAG };
static const struct option longopts[] = {
	{ "password-file", required_argument, NULL, O_FILE },
	{ "flag", no_argument, NULL, O_FLAG },
	{ NULL, 0, NULL, 0 },
};

/* Parses ARGV (NULL-terminated, ARGV[0] the command); the last result. */
static int parse(char **argv, bool in_order, struct ctl_args *a, char **operands)
{
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	*a = (struct ctl_args){ .who = "t", .argc = argc, .argv = argv, .longopts = longopts,
				.shortopts = "p:f", .in_order = in_order,
				.operands = in_order ? NULL : operands };
	int opt, last = 0;
	while ((opt = ctl_args_next(a)) != CTL_ARGS_END) {
		last = opt;
		if (opt == CTL_ARGS_ERROR)
			break;
	}
	return last;
}

static void test_args(void **unused)
{
	(void)unused;
	struct ctl_args a;
	char *ops[8];

	char *ok[] = { "c", "x", "--password-file", "F", "y", "--flag", "--", "--z", NULL };
	assert_int_equal(parse(ok, false, &a, ops), O_FLAG);
	assert_int_equal(a.n_operands, 3);
	assert_string_equal(ops[0], "x");
	assert_string_equal(ops[1], "y");
	assert_string_equal(ops[2], "--z");

	char *glued[] = { "c", "--password-file=F", "-pG", NULL };
	assert_int_equal(parse(glued, false, &a, ops), 'p');
	assert_string_equal(a.arg, "G");

	/* in order: stops at the first operand, the command */
	char *global[] = { "istmctl", "-p", "F", "target", "--flag", NULL };
	assert_int_equal(parse(global, true, &a, NULL), 'p');
	assert_int_equal(a.next, 3);

	/* abbreviations and unknown options are refused, and the message never
	 * shows a value: neither the one glued with '=' nor the next word */
	char *cases[][4] = {
		{ "c", "--password", "SECRET1", NULL },
		{ "c", "--password=SECRET1", NULL, NULL },
		{ "c", "--pass", "SECRET1", NULL },
		{ "c", "-xSECRET1", NULL, NULL },
		{ "c", "--flag=SECRET1", NULL, NULL },
		{ "c", "--password-file", NULL, NULL },
		{ "c", "-fSECRET1", NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		capture_start();
		int r = parse(cases[i], false, &a, ops);
		const char *err = capture_end();
		assert_int_equal(r, CTL_ARGS_ERROR);
		assert_non_null(strstr(err, "t: "));
		assert_null(strstr(err, "SECRET1"));
	}
	capture_start();
	parse(cases[1], false, &a, ops);
	assert_non_null(strstr(capture_end(), "unknown option '--password'"));

	char *help[] = { "c", "x", "--help", NULL };
	assert_true(ctl_args_has(3, help, "--help"));
	char *after[] = { "c", "--", "--help", NULL };
	assert_false(ctl_args_has(3, after, "--help"));
}

static void test_options(void **unused)
{
	(void)unused;
	struct ctl_options o;
	ctl_options_init(&o);
	assert_int_equal(o.timeout_ms, 30000);
	assert_int_equal(ctl_options_set(&o, "auth", "kerberos"), -EINVAL);
	assert_int_equal(ctl_options_set(&o, "level", "low"), -EINVAL);
	assert_int_equal(ctl_options_set(&o, "timeout", "0"), -EINVAL);
	assert_int_equal(ctl_options_set(&o, "timeout", "3601"), -EINVAL);
	assert_int_equal(ctl_options_set(&o, "timeout", "-5"), -EINVAL);
	assert_int_equal(ctl_options_set(&o, "timeout", "7"), 0);
	assert_int_equal(o.timeout_ms, 7000);
	assert_int_equal(ctl_options_set(&o, "auth", "spnego"), 0);
	assert_int_equal(o.auth_type, 9);
	assert_int_equal(ctl_options_set(&o, "level", "integrity"), 0);
	assert_int_equal(o.auth_level, 5);
	assert_int_equal(ctl_options_set(&o, "colour", "x"), -ENOENT);
}

static char dir[64];

static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_conf_file(void **unused)
{
	(void)unused;
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ctl_options o;
	ctl_options_init(&o);
	const char *path = write_file("a.conf", "# comment\n[istmctl]\n server = h:1135 \n"
						"user=alice\npassword_file = pw\nauth = spnego\n"
						"level = integrity\ntimeout = 9\n\n");
	assert_int_equal(ctl_conf_load(mem, path, true, &o), 0);
	assert_string_equal(o.server, "h:1135");
	assert_string_equal(o.user, "alice");
	char want[128];
	snprintf(want, sizeof(want), "%s/pw", dir); /* next to the file */
	assert_string_equal(o.password_file, want);
	assert_int_equal(o.auth_type, 9);
	assert_int_equal(o.timeout_ms, 9000);

	/* refused, with the file and line, never the password */
	const char *bad[][2] = {
		{ "password = SECRET1\n", ":1: no password in the config file" },
		{ "server = h\nauth = kerberos\n", ":2: bad value 'kerberos' for auth" },
		{ "colour = blue\n", ":1: unknown setting 'colour'" },
		{ "just words\n", ":1: expected 'key = value'" },
		{ "user =\n", ":1: bad value '' for user" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = write_file("b.conf", bad[i][0]);
		capture_start();
		int rc = ctl_conf_load(mem, path, true, &o);
		const char *err = capture_end();
		assert_int_equal(rc, CTL_EXIT_USAGE);
		assert_non_null(strstr(err, bad[i][1]));
		assert_null(strstr(err, "SECRET1"));
	}
	/* a missing default file is fine; a missing --config FILE is not */
	snprintf(want, sizeof(want), "%s/none.conf", dir);
	assert_int_equal(ctl_conf_load(mem, want, false, &o), 0);
	capture_start();
	assert_int_equal(ctl_conf_load(mem, want, true, &o), CTL_EXIT_USAGE);
	capture_end();

	setenv("XDG_CONFIG_HOME", "/x/y", 1);
	assert_string_equal(ctl_conf_default_path(mem), "/x/y/istmctl.conf");
	setenv("XDG_CONFIG_HOME", "relative", 1); /* ignored, as the spec says */
	setenv("HOME", "/home/h", 1);
	assert_string_equal(ctl_conf_default_path(mem), "/home/h/.config/istmctl.conf");
	unsetenv("XDG_CONFIG_HOME");
	talloc_free(mem);
}

static void test_pending(void **unused)
{
	(void)unused;
	TALLOC_CTX *mem = talloc_new(NULL);
	setenv("XDG_STATE_HOME", dir, 1);
	assert_null(ctl_pending_find(mem, "s:1", 3));
	assert_int_equal(ctl_pending_done("s:1", 3, NULL), 0); /* no journal yet */
	assert_int_equal(ctl_pending_add("s:1", 3, "D:\\a.vhd"), 0);
	assert_int_equal(ctl_pending_add("s:2", 3, "D:\\b.vhd"), 0);
	assert_int_equal(ctl_pending_add("s:1", 4, "/srv/c.vhd"), 0);
	assert_int_equal(ctl_pending_add("s:1", 5, "bad\tpath"), -EINVAL);
	assert_string_equal(ctl_pending_find(mem, "s:1", 3), "D:\\a.vhd");
	assert_string_equal(ctl_pending_find(mem, "s:2", 3), "D:\\b.vhd");
	assert_null(ctl_pending_find(mem, "s:1", 33));
	assert_int_equal(ctl_pending_done("s:1", 3, NULL), 0);
	assert_null(ctl_pending_find(mem, "s:1", 3));
	assert_string_equal(ctl_pending_find(mem, "s:2", 3), "D:\\b.vhd");
	/* by path: the line of whichever WTD had it */
	assert_int_equal(ctl_pending_done("s:1", 0, "/srv/c.vhd"), 0);
	assert_null(ctl_pending_find(mem, "s:1", 4));
	assert_string_equal(ctl_pending_find(mem, "s:2", 3), "D:\\b.vhd");
	unsetenv("XDG_STATE_HOME");
	talloc_free(mem);
}

static void test_error_json(void **unused)
{
	(void)unused;
	ctl_error_set_json(true);
	assert_true(ctl_error_json_wanted());
	capture_start();
	ctl_error(HRESULT_FROM_WIN32(ERROR_FILE_EXISTS), "istmctl x: NewHost 'db': exists");
	assert_string_equal(capture_end(), "istmctl x: NewHost 'db': exists\n");
	json_t *j = ctl_error_json(CTL_EXIT_EXISTS);
	json_t *e = json_object_get(j, "error");
	assert_non_null(e);
	assert_int_equal(json_integer_value(json_object_get(e, "hresult")), 0x80070050);
	assert_string_equal(json_string_value(json_object_get(e, "name")),
			    "HRESULT_FROM_WIN32(ERROR_FILE_EXISTS)");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
			    "istmctl x: NewHost 'db': exists");
	assert_int_equal(json_integer_value(json_object_get(e, "exit")), 3);
	json_decref(j);
	capture_start();
	ctl_error(0, "istmctl: unknown option '--x'");
	capture_end();
	j = ctl_error_json(CTL_EXIT_USAGE);
	e = json_object_get(j, "error");
	assert_true(json_is_null(json_object_get(e, "hresult")));
	assert_string_equal(json_string_value(json_object_get(e, "name")), "usage");
	json_decref(j);
	assert_string_equal(ctl_safe_word("target"), "target");
	assert_string_equal(ctl_safe_word("Secret-1"), "(not shown)");
	assert_string_equal(ctl_exit_name(CTL_EXIT_CONNECT), "connect");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_ctl_options.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_conf_file),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_error_json),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
