/* session_auth: a session keeps the authentication it was first seen with,
 * keyed by target and TSIH (LIO numbers TSIHs per TPG), and forgets ended
 * sessions when told the list is complete. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backend/session_auth.h"

static void test_first_seen(void **state)
{
	(void)state;
	struct session_auth *m = session_auth_new(NULL);
	assert_non_null(m);
	struct iscsi_session_info s[2] = {
		{ .target_iqn = "iqn.a", .tsih = 1, .auth = ISCSI_AUTH_CHAP },
		{ .target_iqn = "iqn.b", .tsih = 1, .auth = ISCSI_AUTH_NONE },
	};
	session_auth_first(m, s, 2, true);
	/* CHAP turned off on a, on for b: the live sessions keep what they had */
	s[0].auth = ISCSI_AUTH_NONE;
	s[1].auth = ISCSI_AUTH_CHAP;
	session_auth_first(m, s, 2, true);
	assert_int_equal(s[0].auth, ISCSI_AUTH_CHAP);
	assert_int_equal(s[1].auth, ISCSI_AUTH_NONE);
	/* a look at one target only keeps the other's */
	s[0].auth = ISCSI_AUTH_NONE;
	session_auth_first(m, &s[0], 1, false);
	assert_int_equal(s[0].auth, ISCSI_AUTH_CHAP);
	s[1].auth = ISCSI_AUTH_CHAP;
	session_auth_first(m, &s[1], 1, true);
	assert_int_equal(s[1].auth, ISCSI_AUTH_NONE);
	/* a complete list without a's session: a new session 1 of a is new */
	s[0].auth = ISCSI_AUTH_NONE;
	session_auth_first(m, &s[0], 1, false);
	assert_int_equal(s[0].auth, ISCSI_AUTH_NONE);
	session_auth_reset(m);
	s[1].auth = ISCSI_AUTH_CHAP;
	session_auth_first(m, &s[1], 1, true);
	assert_int_equal(s[1].auth, ISCSI_AUTH_CHAP);
	talloc_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_seen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
