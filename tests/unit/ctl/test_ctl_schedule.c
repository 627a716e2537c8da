/* istmctl snapshot schedule's values (ctl/cmd_snapshot_schedule.h): --every
 * and --days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ctl/cmd_snapshot_schedule.h"

static void test_every(void **unused)
{
	assert_int_equal(ctl_schedule_parse_every("1m"), 60);
	assert_int_equal(ctl_schedule_parse_every("15m"), 900);
	assert_int_equal(ctl_schedule_parse_every("1h"), 3600);
	assert_int_equal(ctl_schedule_parse_every("1d"), 86400);
	assert_int_equal(ctl_schedule_parse_every("2w"), 14 * 86400);
	const char *bad[] = { "", "m", "0m", "-1m", "1", "1s", "1x", "1mm", "1 m", "53w", "9999999999m" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ctl_schedule_parse_every(bad[i]), 0);
}

static void test_days(void **unused)
{
	assert_int_equal(ctl_schedule_parse_days("sun"), 1);
	assert_int_equal(ctl_schedule_parse_days("mon,fri"), (1 << 1) | (1 << 5));
	assert_int_equal(ctl_schedule_parse_days("Saturday,sunday"), (1 << 6) | 1);
	assert_int_equal(ctl_schedule_parse_days("mon,tue,wed,thu,fri,sat,sun"), 0x7f);
	const char *bad[] = { "", "mo", "mon,", ",mon", "mon,,tue", "monday1", "xyz" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ctl_schedule_parse_days(bad[i]), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every),
		cmocka_unit_test(test_days),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
