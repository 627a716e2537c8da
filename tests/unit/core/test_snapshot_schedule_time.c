/* The arithmetic of snapshot schedules (core/snapshot_schedules.h): the
 * grid, days of the week, the catch-up rule, the checks, keep-N. Pure: no
 * root, no file system. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/snapshot_schedules.h"

#define S 10000000LL
#define MIN (60 * S)
#define HOUR (3600 * S)
#define DAY (86400 * S)
/* 2026-12-07 00:00 UTC, a Monday: (days since 1601-01-01) x DAY. */
#define MON (((int64_t)(2026 - 1601) * 365 + 103 + 340) * DAY)

static void test_weekday(void **unused)
{
	assert_int_equal(core_schedule_weekday(0), 1);        /* 1601-01-01 Monday */
	assert_int_equal(core_schedule_weekday(116444736000000000LL), 4); /* 1970 Thursday */
	assert_int_equal(core_schedule_weekday(MON), 1);
	assert_int_equal(core_schedule_weekday(MON + 6 * DAY + DAY - 1), 0); /* Sunday 23:59 */
}

static void test_grid(void **unused)
{
	struct core_snapshot_schedule s = { .start = MON + 10 * HOUR, .interval_s = 60, .keep = 1 };
	/* before the start: nothing due, the start is next */
	assert_int_equal(core_schedule_latest_due(&s, MON), 0);
	assert_int_equal(core_schedule_next_due(&s, MON), s.start);
	/* on a run: it is due, the next is one interval on */
	assert_int_equal(core_schedule_latest_due(&s, s.start), s.start);
	assert_int_equal(core_schedule_next_due(&s, s.start), s.start + MIN);
	/* in between */
	int64_t now = s.start + 5 * MIN + 7 * S;
	assert_int_equal(core_schedule_latest_due(&s, now), s.start + 5 * MIN);
	assert_int_equal(core_schedule_next_due(&s, now), s.start + 6 * MIN);
	/* no schedule */
	struct core_snapshot_schedule none = { 0 };
	assert_int_equal(core_schedule_latest_due(&none, now), 0);
	assert_int_equal(core_schedule_next_due(&none, now), 0);
}

/* A missed run is made once, at once: next_run is NOW while the latest due
 * run is newer than the last made, whatever the number missed. */
static void test_catch_up_once(void **unused)
{
	struct core_snapshot_schedule s = { .start = MON, .interval_s = 3600, .keep = 2 };
	s.last_run = MON + 2 * HOUR;
	int64_t now = MON + 9 * HOUR + 30 * MIN; /* down for 7 runs */
	assert_int_equal(core_schedule_next_run(&s, now), now);
	s.last_run = core_schedule_latest_due(&s, now); /* the one catch-up */
	assert_int_equal(s.last_run, MON + 9 * HOUR);
	assert_int_equal(core_schedule_next_run(&s, now), MON + 10 * HOUR);
	assert_int_equal(core_schedule_next_run(&s, now + 1), MON + 10 * HOUR);
}

/* Weekly on Tuesday and Friday at 02:30 (daily on those days). */
static void test_days(void **unused)
{
	struct core_snapshot_schedule s = { .start = MON - 7 * DAY + 2 * HOUR + 30 * MIN,
					    .interval_s = 7 * 86400,
					    .keep = 4,
					    .days = (1u << 2) | (1u << 5) };
	const char *why = NULL;
	assert_int_equal(core_schedule_check(&s, &why), 0);
	assert_int_equal(s.interval_s, 86400);
	int64_t tue = MON + DAY + 2 * HOUR + 30 * MIN, fri = tue + 3 * DAY;
	assert_int_equal(core_schedule_next_due(&s, MON), tue);
	assert_int_equal(core_schedule_next_due(&s, tue), fri);
	assert_int_equal(core_schedule_next_due(&s, fri), tue + 7 * DAY);
	assert_int_equal(core_schedule_latest_due(&s, fri - 1), tue);
	assert_int_equal(core_schedule_latest_due(&s, tue + 7 * DAY - 1), fri);
	assert_int_equal(core_schedule_latest_due(&s, MON), fri - 7 * DAY);
	/* hourly on Sundays only: Monday 10:00 -> the last Sunday's 23:00 */
	struct core_snapshot_schedule h = { .start = MON - 30 * DAY, .interval_s = 3600,
					    .keep = 1, .days = 1u };
	assert_int_equal(core_schedule_check(&h, &why), 0);
	assert_int_equal(core_schedule_latest_due(&h, MON + 10 * HOUR), MON - HOUR);
	assert_int_equal(core_schedule_next_due(&h, MON + 10 * HOUR), MON + 6 * DAY);
	/* nothing allowed before the start */
	struct core_snapshot_schedule late = { .start = MON + DAY, .interval_s = 86400,
					       .keep = 1, .days = 1u << 1 };
	assert_int_equal(core_schedule_latest_due(&late, MON + 2 * DAY), 0);
	assert_int_equal(core_schedule_next_due(&late, MON + 2 * DAY), MON + 7 * DAY);
	/* all seven days is every day */
	struct core_snapshot_schedule all = { .start = MON, .interval_s = 60, .keep = 1,
					      .days = CORE_SCHEDULE_ALL_DAYS };
	assert_int_equal(core_schedule_check(&all, &why), 0);
	assert_int_equal(all.days, 0);
}

static void test_check(void **unused)
{
	const char *why = NULL;
	struct core_snapshot_schedule s = { .start = MON, .interval_s = 0, .keep = 1 };
	assert_int_equal(core_schedule_check(&s, &why), -EINVAL);
	s.interval_s = 60;
	s.keep = 0;
	assert_int_equal(core_schedule_check(&s, &why), -EINVAL);
	s.keep = CORE_SNAPSHOTS_PER_DISK_MAX + 1;
	assert_int_equal(core_schedule_check(&s, &why), -EINVAL);
	s.keep = CORE_SNAPSHOTS_PER_DISK_MAX;
	assert_int_equal(core_schedule_check(&s, &why), 0);
	s.days = 0x80;
	assert_int_equal(core_schedule_check(&s, &why), -EINVAL);
	s.days = 1;
	s.interval_s = 2 * 86400;
	assert_int_equal(core_schedule_check(&s, &why), -EINVAL);
	struct core_snapshot_schedule clear = { 0 };
	assert_int_equal(core_schedule_check(&clear, &why), 0);

	assert_true(core_schedule_name_ok("default"));
	assert_true(core_schedule_name_ok("db_hourly-2.x"));
	assert_false(core_schedule_name_ok(""));
	assert_false(core_schedule_name_ok(NULL));
	assert_false(core_schedule_name_ok("-x"));
	assert_false(core_schedule_name_ok(".x"));
	assert_false(core_schedule_name_ok("a b"));
	assert_false(core_schedule_name_ok("a/b"));
	char longname[CORE_SCHEDULE_NAME_MAX + 2];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(core_schedule_name_ok(longname));
	longname[CORE_SCHEDULE_NAME_MAX] = '\0';
	assert_true(core_schedule_name_ok(longname));
}

/* keep-N counts only the schedule's own snapshots of that disk and deletes
 * the oldest beyond N. */
static void test_doomed(void **unused)
{
	struct core_snapshot v[7] = { 0 };
	const char *desc[7] = { "",          "scheduled:a", "scheduled", "scheduled:a",
				"scheduled:a", "scheduled:a", "" };
	uint32_t wtd[7] = { 1, 1, 1, 2, 1, 1, 1 };
	struct core_snapshot *list[7];
	for (int i = 0; i < 7; i++) {
		v[i].id[0] = (char)('A' + i);
		v[i].orig_wtd = wtd[i];
		v[i].description = desc[i];
		v[i].exported_wtd = CORE_NO_WTD;
		list[i] = &v[i];
	}
	const char *out[7];
	/* disk 1 has three of 'a' (B, E, F): keep 1 -> B and E go */
	assert_int_equal(core_schedule_doomed(list, 7, 1, "scheduled:a", 1, out, 7), 2);
	assert_string_equal(out[0], "B");
	assert_string_equal(out[1], "E");
	assert_int_equal(core_schedule_doomed(list, 7, 1, "scheduled:a", 3, out, 7), 0);
	assert_int_equal(core_schedule_doomed(list, 7, 2, "scheduled:a", 1, out, 7), 0);
	assert_int_equal(core_schedule_doomed(list, 7, 1, "scheduled", 1, out, 7), 0);
	/* never the hand-made ones (description "") */
	assert_int_equal(core_schedule_doomed(list, 7, 1, "scheduled:a", 1, out, 1), 1);
	/* an exported one (E) is out of the count: B goes, F stays */
	v[4].exported_wtd = 9;
	assert_int_equal(core_schedule_doomed(list, 7, 1, "scheduled:a", 1, out, 7), 1);
	assert_string_equal(out[0], "B");
	char *d = core_schedule_description(NULL, "default");
	assert_string_equal(d, "scheduled");
	talloc_free(d);
	d = core_schedule_description(NULL, "a");
	assert_string_equal(d, "scheduled:a");
	talloc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weekday),   cmocka_unit_test(test_grid),
		cmocka_unit_test(test_catch_up_once), cmocka_unit_test(test_days),
		cmocka_unit_test(test_check),     cmocka_unit_test(test_doomed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
