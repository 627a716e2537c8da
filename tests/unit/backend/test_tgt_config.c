/* [iscsi] configuration: choosing and setting up the backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "backend/iscsi_backend.h"
#include "istmd/config.h"

static int open_with(const char *text, struct iscsi_backend **be, char **err)
{
	static TALLOC_CTX *mem;
	static struct tevent_context *ev;
	if (mem == NULL) {
		mem = talloc_new(NULL);
		ev = tevent_context_init(mem);
	}
	char *perr = NULL;
	struct cfg *cfg = cfg_parse(mem, "t.conf", text, &perr);
	assert_non_null(cfg);
	*err = NULL;
	return iscsi_backend_open(mem, ev, cfg, be, err);
}

static void test_tgt(void **unused)
{
	struct iscsi_backend *be = NULL;
	char *err;
	assert_int_equal(open_with("[iscsi]\nbackend = tgt\ntgt_control_port = 7\n"
				   "portal = 127.0.0.2:3260, [::1]:3261\n"
				   "request_timeout_ms = 2000\noperation_timeout_ms = 30000\n",
				   &be, &err), 0);
	assert_non_null(be);
	assert_string_equal(iscsi_backend_name(be), "tgt");
	const struct iscsi_backend_caps *caps = iscsi_backend_caps(be);
	assert_int_equal(caps->min_lun, 1);
	assert_int_equal(caps->max_lun, 16383);
	assert_true(caps->max_luns_per_target >= 256);
	assert_false(caps->per_target_portals);
	assert_true(caps->global_chap_users);
	assert_false(iscsi_backend_is_up(be, NULL)); /* nobody told it yet */
	size_t n = 0;
	const struct iscsi_portal *p = iscsi_backend_portals(be, &n);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].address, "127.0.0.2");
	assert_int_equal(p[0].port, 3260);
	assert_string_equal(p[1].address, "::1");
	assert_int_equal(p[1].port, 3261);
	talloc_free(be);

	/* defaults */
	assert_int_equal(open_with("", &be, &err), 0);
	p = iscsi_backend_portals(be, &n);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].address, "127.0.0.2");
	assert_int_equal(p[0].port, 3260);
	talloc_free(be);
}

static void test_refusals(void **unused)
{
	struct iscsi_backend *be = NULL;
	char *err;
	/* LIO (issue 15) opens, and waits for configfs where there is none */
	assert_int_equal(open_with("[iscsi]\nbackend = lio\nlio_configfs = /nonexistent/target\n",
				   &be, &err), 0);
	assert_string_equal(iscsi_backend_name(be), "lio");
	assert_false(iscsi_backend_is_up(be, NULL));
	assert_true(iscsi_backend_caps(be)->per_target_portals);
	assert_true(iscsi_backend_caps(be)->file_luns);
	talloc_free(be);
	assert_int_equal(open_with("[iscsi]\nbackend = iet\n", &be, &err), -EINVAL);
	assert_int_equal(open_with("[iscsi]\ntgt_control_port = 40000\n", &be, &err), -EINVAL);
	assert_int_equal(open_with("[iscsi]\nportal = 127.0.0.2:99999\n", &be, &err), -EINVAL);
	assert_non_null(strstr(err, "portal"));
	assert_int_equal(open_with("[iscsi]\nportal = localhost:3260\n", &be, &err), -EINVAL);
	assert_int_equal(open_with("[iscsi]\nrequest_timeout_ms = 5\n", &be, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tgt),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
