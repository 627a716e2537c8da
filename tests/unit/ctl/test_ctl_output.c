/* istmctl's output (src/ctl/model.c): the JSON field names and types that
 * docs/istmctl.md promises, read back with jansson, and the human forms; and
 * its per-action option parsing (src/ctl/cmd_common.c) with fake actions,
 * against a closed loopback port (nothing is ever sent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/model.h"

static char *emit(json_t *j)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	assert_non_null(f);
	assert_int_equal(ctl_json_emit(f, j), 0);
	fclose(f);
	return text;
}

/* Emits J and parses it back: what a script sees. */
static json_t *round_trip(json_t *j, char **text_out)
{
	char *text = emit(j);
	json_error_t error;
	json_t *back = json_loads(text, 0, &error);
	assert_non_null(back);
	assert_int_equal(text[strlen(text) - 1], '\n');
	if (text_out)
		*text_out = text;
	else
		free(text);
	return back;
}

/* The keys of OBJECT, in order, are exactly KEYS (NULL-terminated). */
static void assert_keys(json_t *object, const char *const *keys)
{
	assert_true(json_is_object(object));
	size_t n = 0;
	const char *key;
	json_t *value;
	json_object_foreach(object, key, value) {
		assert_non_null(keys[n]);
		assert_string_equal(key, keys[n]);
		n++;
	}
	assert_null(keys[n]);
}

static struct ctl_target sample_target(void)
{
	static struct ctl_initiator ids[] = {
		{ 4, "iqn.1991-05.com.contoso:test-server" },
		{ 2, "10.0.0.0/8" },
	};
	static struct ctl_lun luns[] = { { 1, 3 }, { 7, 4 } };
	static struct ctl_portal portals[] = { { "127.0.0.2", 3260 } };
	return (struct ctl_target){
		.name = "db",
		.iqn = "iqn.2025-01.org.istmd:host-db-target",
		.guid = "0f0e0d0c-0b0a-4908-8706-050403020100",
		.description = "a \"quoted\" description\nwith a newline",
		.enabled = true,
		.connected = false,
		.last_login = (1704164645LL + 11644473600LL) * 10000000LL,
		.chap = true,
		.chap_user = "alice",
		.mutual_chap = false,
		.mutual_chap_user = NULL,
		.max_recv_data_segment_length = 65536,
		.first_burst_length = 65536,
		.max_burst_length = 262144,
		.num_recv_buffers = 10,
		.enforce_idle_timeout_detection = true,
		.initiators = ids,
		.n_initiators = 2,
		.luns = luns,
		.n_luns = 2,
		.has_portals = true,
		.portals = portals,
		.n_portals = 1,
	};
}

static void test_target_json(void **unused)
{
	struct ctl_target t = sample_target();
	char *text;
	json_t *j = round_trip(ctl_target_json(&t), &text);
	static const char *const keys[] = { "name", "iqn", "guid", "description", "enabled",
					    "status", "last_login", "chap", "mutual_chap",
					    "initiators", "luns", "portals", "parameters", NULL };
	assert_keys(j, keys);
	assert_string_equal(json_string_value(json_object_get(j, "description")), t.description);
	assert_true(json_is_true(json_object_get(j, "enabled")));
	assert_string_equal(json_string_value(json_object_get(j, "status")), "idle");
	assert_string_equal(json_string_value(json_object_get(j, "last_login")),
			    "2024-01-02T03:04:05Z");
	json_t *chap = json_object_get(j, "chap"), *mutual = json_object_get(j, "mutual_chap");
	static const char *const chap_keys[] = { "enabled", "user", NULL };
	assert_keys(chap, chap_keys);
	assert_keys(mutual, chap_keys);
	assert_string_equal(json_string_value(json_object_get(chap, "user")), "alice");
	assert_true(json_is_null(json_object_get(mutual, "user")));
	assert_true(json_is_false(json_object_get(mutual, "enabled")));
	/* no secret anywhere */
	assert_null(strstr(text, "secret"));

	json_t *ids = json_object_get(j, "initiators");
	assert_int_equal(json_array_size(ids), 2);
	static const char *const id_keys[] = { "method", "value", NULL };
	assert_keys(json_array_get(ids, 0), id_keys);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ids, 0), "method")),
			    "iqn");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ids, 1), "method")),
			    "ip");
	json_t *luns = json_object_get(j, "luns");
	static const char *const lun_keys[] = { "lun", "wtd", NULL };
	assert_keys(json_array_get(luns, 1), lun_keys);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(luns, 1), "lun")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(luns, 1), "wtd")), 4);
	static const char *const portal_keys[] = { "address", "port", NULL };
	assert_keys(json_array_get(json_object_get(j, "portals"), 0), portal_keys);
	static const char *const param_keys[] = { "max_recv_data_segment_length",
						  "first_burst_length", "max_burst_length",
						  "num_recv_buffers",
						  "enforce_idle_timeout_detection", NULL };
	json_t *params = json_object_get(j, "parameters");
	assert_keys(params, param_keys);
	assert_int_equal(json_integer_value(json_object_get(params, "max_burst_length")), 262144);
	json_decref(j);
	free(text);

	/* never logged in, no portal enumeration, connected */
	t.last_login = 0;
	t.has_portals = false;
	t.connected = true;
	j = round_trip(ctl_target_json(&t), NULL);
	assert_true(json_is_null(json_object_get(j, "last_login")));
	assert_true(json_is_null(json_object_get(j, "portals")));
	assert_string_equal(json_string_value(json_object_get(j, "status")), "connected");
	json_decref(j);

	/* the list wraps the same objects */
	struct ctl_target two[2] = { sample_target(), sample_target() };
	two[1].name = "web";
	j = round_trip(ctl_targets_json(two, 2), NULL);
	static const char *const list_keys[] = { "targets", NULL };
	assert_keys(j, list_keys);
	assert_int_equal(json_array_size(json_object_get(j, "targets")), 2);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(json_object_get(j, "targets"), 1),
						  "name")),
		"web");
	json_decref(j);
	j = round_trip(ctl_targets_json(NULL, 0), NULL);
	assert_int_equal(json_array_size(json_object_get(j, "targets")), 0);
	json_decref(j);
}

static void test_disk_json(void **unused)
{
	struct ctl_disk d = {
		.wtd = 4,
		.guid = "00112233-4455-6677-8899-aabbccddeeff",
		.serial_number = "00112233445566778899AABBCCDDEEFF",
		.path = "D:\\iSCSIVirtualDisks\\a.vhd",
		.description = "Virtual Disk Number 1 - 64 MB",
		.size = 64u << 20,
		.status = 1,
		.assigned = true,
		.has_enabled = true,
		.enabled = true,
		.vhd_type = 1,
	};
	json_t *j = round_trip(ctl_disk_json(&d), NULL);
	static const char *const keys[] = { "wtd", "guid", "serial_number", "path", "description",
					    "size", "vhd_type", "parent_path", "enabled", "status",
					    "assigned", NULL };
	assert_keys(j, keys);
	assert_int_equal(json_integer_value(json_object_get(j, "wtd")), 4);
	assert_int_equal(json_integer_value(json_object_get(j, "size")), 64 << 20);
	assert_string_equal(json_string_value(json_object_get(j, "path")), d.path);
	assert_string_equal(json_string_value(json_object_get(j, "vhd_type")), "fixed");
	assert_string_equal(json_string_value(json_object_get(j, "status")), "in-use");
	assert_true(json_is_null(json_object_get(j, "parent_path")));
	assert_true(json_is_true(json_object_get(j, "enabled")));
	json_decref(j);

	d.has_enabled = false;
	d.vhd_type = 2;
	d.parent_path = "D:\\base.vhd";
	j = round_trip(ctl_disks_json(&d, 1), NULL);
	json_t *one = json_array_get(json_object_get(j, "disks"), 0);
	assert_true(json_is_null(json_object_get(one, "enabled")));
	assert_string_equal(json_string_value(json_object_get(one, "vhd_type")), "differencing");
	assert_string_equal(json_string_value(json_object_get(one, "parent_path")), "D:\\base.vhd");
	json_decref(j);
	/* a NULL object is a failure, not a crash */
	assert_int_equal(ctl_json_emit(stdout, NULL), -1);
}

static char *capture(void (*print)(FILE *, const void *, size_t), const void *what, size_t n)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	print(f, what, n);
	fclose(f);
	return text;
}

static void print_target(FILE *f, const void *t, size_t n)
{
	(void)n;
	ctl_target_print(f, t);
}

static void print_targets(FILE *f, const void *t, size_t n)
{
	ctl_targets_print(f, t, n);
}

static void print_disks(FILE *f, const void *d, size_t n)
{
	ctl_disks_print(f, d, n);
}

static void test_human(void **unused)
{
	struct ctl_target t = sample_target();
	char *text = capture(print_target, &t, 1);
	assert_non_null(strstr(text, "Name:         db\n"));
	assert_non_null(strstr(text, "Last login:   2024-01-02T03:04:05Z\n"));
	assert_non_null(strstr(text, "CHAP:         one-way, user alice\n"));
	assert_non_null(strstr(text, "  iqn      iqn.1991-05.com.contoso:test-server\n"));
	assert_non_null(strstr(text, "  LUN 7    disk 4\n"));
	assert_non_null(strstr(text, "  127.0.0.2:3260\n"));
	free(text);
	t.n_initiators = 0;
	text = capture(print_target, &t, 1);
	assert_non_null(strstr(text, "Initiators:   none (nobody may log in)\n"));
	free(text);

	text = capture(print_targets, &t, 1);
	assert_non_null(strstr(text, "NAME"));
	assert_non_null(strstr(text, "one-way"));
	assert_non_null(strstr(text, "iqn.2025-01.org.istmd:host-db-target"));
	free(text);
	text = capture(print_targets, NULL, 0);
	assert_string_equal(text, "no targets\n");
	free(text);

	struct ctl_disk d = { .wtd = 12, .path = "D:\\a.vhd", .size = 1u << 30, .vhd_type = 3 };
	text = capture(print_disks, &d, 1);
	assert_non_null(strstr(text, "12    1 GiB        dynamic  idle     D:\\a.vhd\n"));
	free(text);
}

/* ---- option parsing of an action ---------------------------------------------------- */

static struct {
	int runs;
	bool json;
	int n_args;
	char *args[4];
	char who[64]; /* WHO lives only during the call */
	const char *value;
	bool flag;
} seen;

/* The check hook sees the parsed command line; the action itself would run
 * on a connection, which the closed port below refuses (exit 9). */
static int fake_check(const struct ctl_options *o, const char *who, char **args, int n)
{
	seen.runs++;
	seen.json = o->json;
	seen.n_args = n;
	for (int i = 0; i < n && i < 4; i++)
		seen.args[i] = args[i];
	snprintf(seen.who, sizeof(seen.who), "%s", who);
	return 0;
}

static int fake_run(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)c;
	(void)o;
	(void)args;
	(void)n;
	fail_msg("an action ran without a server");
	return 0;
}

static bool fake_set(int opt, const char *arg)
{
	if (opt == 'v') {
		if (strcmp(arg, "bad") == 0)
			return false;
		seen.value = arg;
		return true;
	}
	if (opt == 'f') {
		seen.flag = true;
		return true;
	}
	return false;
}

static const struct option fake_options[] = {
	{ "value", required_argument, NULL, 'v' },
	{ "flag", no_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 },
};

static const struct ctl_action fake_actions[] = {
	{ "make", "NAME [--value V] [--flag]", 1, 1, fake_options, fake_check, fake_run },
	{ "many", "A B...", 2, -1, NULL, fake_check, fake_run },
};

/* A server nobody listens on, and a password file. */
static struct ctl_options closed_server(void)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/test_ctl_output.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "pw\n", 3), 3);
	close(fd);
	return (struct ctl_options){ .server = "127.0.0.1:1", .user = "x", .password_file = path,
				     .timeout_ms = 5000 };
}

static int dispatch(int argc, char **argv)
{
	memset(&seen, 0, sizeof(seen));
	struct ctl_options o = closed_server();
	int ret = ctl_dispatch("fake", fake_actions, 2, &o, argc, argv, fake_set);
	unlink(o.password_file);
	return ret;
}

static void test_dispatch(void **unused)
{
	char *a1[] = { "fake", "make", "db", "--value", "x", "--json", NULL };
	assert_int_equal(dispatch(6, a1), CTL_EXIT_CONNECT);
	assert_int_equal(seen.runs, 1);
	assert_true(seen.json);
	assert_int_equal(seen.n_args, 1);
	assert_string_equal(seen.args[0], "db");
	assert_string_equal(seen.value, "x");
	assert_false(seen.flag);
	assert_string_equal(seen.who, "istmctl fake make");

	/* options before the operand, and "--" for an operand starting with '-' */
	char *a2[] = { "fake", "make", "--flag", "--", "-odd", NULL };
	assert_int_equal(dispatch(5, a2), CTL_EXIT_CONNECT);
	assert_true(seen.flag);
	assert_string_equal(seen.args[0], "-odd");
	assert_false(seen.json);

	/* usage errors never run the action */
	char *bad[][6] = {
		{ "fake", "make", NULL },                     /* missing operand */
		{ "fake", "make", "a", "b", NULL },           /* one too many */
		{ "fake", "make", "a", "--value", "bad", NULL }, /* refused value */
		{ "fake", "make", "a", "--nope", NULL },      /* unknown option */
		{ "fake", "make", "a", "--value", NULL },     /* missing value */
		{ "fake", "unknown", NULL },                  /* unknown action */
		{ "fake", NULL },                             /* no action */
		{ "fake", "many", "a", NULL },                /* too few */
		{ "fake", "many", "a", "--flag", "b", NULL }, /* not its option */
		{ "fake", "make", "a", "--val", "x", NULL },  /* abbreviated */
		{ "fake", "make", "a", "--fl", NULL },        /* abbreviated */
		{ "fake", "make", "a", "--js", NULL },        /* abbreviated */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int argc = 0;
		while (bad[i][argc] != NULL)
			argc++;
		assert_int_equal(dispatch(argc, bad[i]), CTL_EXIT_USAGE);
		assert_int_equal(seen.runs, 0);
	}

	char *eq[] = { "fake", "make", "--value=y", "a", NULL };
	assert_int_equal(dispatch(4, eq), CTL_EXIT_CONNECT);
	assert_string_equal(seen.value, "y");

	char *many[] = { "fake", "many", "t", "a", "b", "c", NULL };
	assert_int_equal(dispatch(6, many), CTL_EXIT_CONNECT);
	assert_int_equal(seen.n_args, 4);
	assert_string_equal(seen.args[3], "c");

	/* --help prints and succeeds without running */
	char *help[] = { "fake", "make", "--help", NULL };
	assert_int_equal(dispatch(3, help), 0);
	assert_int_equal(seen.runs, 0);
	char *family_help[] = { "fake", "--help", NULL };
	assert_int_equal(dispatch(2, family_help), 0);

	/* a single-action command; the global --json */
	memset(&seen, 0, sizeof(seen));
	struct ctl_options o = closed_server();
	o.json = true;
	char *single[] = { "make", "x", NULL };
	assert_int_equal(ctl_run(&fake_actions[0], &o, 2, single, fake_set), CTL_EXIT_CONNECT);
	unlink(o.password_file);
	assert_string_equal(seen.who, "istmctl make");
	assert_true(seen.json);
	/* no --server: a usage error, after the check */
	memset(&seen, 0, sizeof(seen));
	struct ctl_options none = { 0 };
	assert_int_equal(ctl_run(&fake_actions[0], &none, 2, single, fake_set), CTL_EXIT_USAGE);
	assert_int_equal(seen.runs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_json),
		cmocka_unit_test(test_disk_json),
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_dispatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
