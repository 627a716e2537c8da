#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "istmd/config.h"

static const char *sample =
	"; istmd test configuration\n"
	"[rpc]\n"
	"listen = 127.0.0.2, 127.0.0.3   ; two addresses\n"
	"endpoint_mapper_port = 1135\n"
	"min_auth_level = integrity # hash comment\n"
	"\n"
	"[state]\n"
	"dir = /var/lib/istmd;not-a-comment\n"
	"[iscsi]\n"
	"enabled = yes\n";

static void test_parse_and_get(void **unused)
{
	char *err = NULL;
	struct cfg *cfg = cfg_parse(NULL, "t.conf", sample, &err);
	assert_non_null(cfg);

	char **list = NULL;
	assert_int_equal(cfg_get_list(cfg, "rpc", "listen", NULL, cfg, &list, &err), 0);
	assert_string_equal(list[0], "127.0.0.2");
	assert_string_equal(list[1], "127.0.0.3");
	assert_null(list[2]);

	uint64_t port = 0;
	assert_int_equal(cfg_get_uint(cfg, "rpc", "endpoint_mapper_port", 135, 1, 65535, &port, &err), 0);
	assert_int_equal(port, 1135);

	static const char *const levels[] = { "none", "connect", "integrity", "privacy", NULL };
	unsigned idx = 99;
	assert_int_equal(cfg_get_enum(cfg, "rpc", "min_auth_level", "privacy", levels, &idx, &err), 0);
	assert_int_equal(idx, 2);

	/* ';' without a space before it is part of the value */
	assert_string_equal(cfg_get(cfg, "state", "dir", NULL), "/var/lib/istmd;not-a-comment");

	bool enabled = false;
	assert_int_equal(cfg_get_bool(cfg, "iscsi", "enabled", false, &enabled, &err), 0);
	assert_true(enabled);

	/* absent keys give their defaults */
	assert_int_equal(cfg_get_uint(cfg, "rpc", "max_connections", 256, 1, 65535, &port, &err), 0);
	assert_int_equal(port, 256);
	assert_null(cfg_get(cfg, "nope", "nothing", NULL));
	talloc_free(cfg);
}

static void count_unused(const char *section, const char *key, unsigned line, void *priv)
{
	(*(int *)priv)++;
	assert_string_equal(key, "typo_key");
	assert_int_equal(line, 3);
}

static void test_unused_keys_reported(void **unused)
{
	char *err = NULL;
	struct cfg *cfg = cfg_parse(NULL, "t", "[a]\nused = 1\ntypo_key = 2\n", &err);
	assert_non_null(cfg);
	assert_non_null(cfg_get(cfg, "a", "used", NULL));
	int n = 0;
	cfg_foreach_unused(cfg, count_unused, &n);
	assert_int_equal(n, 1);
	talloc_free(cfg);
}

static void test_bad_values(void **unused)
{
	char *err = NULL;
	struct cfg *cfg = cfg_parse(NULL, "t", "[a]\nport = 70000\nneg = -1\nb = maybe\nl = x\n", &err);
	assert_non_null(cfg);
	uint64_t v;
	bool b;
	unsigned idx;
	static const char *const choices[] = { "y", "z", NULL };
	assert_int_equal(cfg_get_uint(cfg, "a", "port", 1, 1, 65535, &v, &err), -EINVAL);
	assert_non_null(strstr(err, "t:2: [a] port"));
	assert_int_equal(cfg_get_uint(cfg, "a", "neg", 1, 0, 10, &v, &err), -EINVAL);
	assert_int_equal(cfg_get_bool(cfg, "a", "b", false, &b, &err), -EINVAL);
	assert_int_equal(cfg_get_enum(cfg, "a", "l", "y", choices, &idx, &err), -EINVAL);
	assert_non_null(strstr(err, "expected one of: y z"));
	talloc_free(cfg);
}

static void test_syntax_errors(void **unused)
{
	static const char *bad[] = {
		"key = outside\n",
		"[sec\nk = v\n",
		"[sec]\njust words\n",
		"[sec]\nk = 1\nk = 2\n",
		"[s p]\n",
		"[sec]\nbad key = 1\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		TALLOC_CTX *mem = talloc_new(NULL);
		assert_null(cfg_parse(mem, "t", bad[i], &err));
		assert_non_null(err);
		talloc_free(mem);
	}
}

static void test_missing_file(void **unused)
{
	char *err = NULL;
	TALLOC_CTX *mem = talloc_new(NULL);
	assert_null(cfg_load(mem, "/nonexistent/istmd.conf", &err));
	assert_non_null(strstr(err, "No such file"));
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_get),
		cmocka_unit_test(test_unused_keys_reported),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
