/* The arithmetic of snapshot schedules (core/snapshot_schedules.h): when
 * runs are due on a schedule's grid, which days allow them, and which
 * scheduled snapshots go beyond keep-N. Pure functions: unit-tested by
 * test_snapshot_schedule_time. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "core/snapshot_schedules.h"

#define FT_PER_S 10000000LL
#define FT_DAY (86400 * FT_PER_S)

bool core_schedule_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > CORE_SCHEDULE_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && strchr("._-", name[i]) == NULL)
			return false;
	return true;
}

char *core_schedule_description(TALLOC_CTX *mem, const char *name)
{
	if (name == NULL || *name == '\0' || strcmp(name, CORE_SCHEDULE_DEFAULT) == 0)
		return talloc_strdup(mem, CORE_SCHEDULE_DESCRIPTION);
	return talloc_asprintf(mem, "%s:%s", CORE_SCHEDULE_DESCRIPTION, name);
}

/* FILETIME day 0 (1601-01-01) was a Monday. */
int core_schedule_weekday(int64_t ft)
{
	return (int)((ft / FT_DAY + 1) % 7);
}

static bool day_allowed(const struct core_snapshot_schedule *s, int64_t t)
{
	uint32_t days = s->days & CORE_SCHEDULE_ALL_DAYS;
	return days == 0 || (days & (1u << core_schedule_weekday(t))) != 0;
}

/* The grid's last run at or before T (T >= start). */
static int64_t floor_grid(const struct core_snapshot_schedule *s, int64_t t)
{
	int64_t step = (int64_t)s->interval_s * FT_PER_S;
	return s->start + (t - s->start) / step * step;
}

/* The grid's first run at or after T (T >= start). */
static int64_t ceil_grid(const struct core_snapshot_schedule *s, int64_t t)
{
	int64_t step = (int64_t)s->interval_s * FT_PER_S;
	int64_t f = floor_grid(s, t);
	return f == t ? f : f + step;
}

/* With days, the interval is at most a day (core_schedule_check), so every
 * day after the start holds a run and 8 days always reach an allowed one. */
int64_t core_schedule_latest_due(const struct core_snapshot_schedule *s, int64_t now)
{
	if (s->start <= 0 || s->interval_s == 0 || now < s->start)
		return 0;
	int64_t t = floor_grid(s, now);
	for (int i = 0; i < 9; i++) {
		if (day_allowed(s, t))
			return t;
		int64_t day_start = t - t % FT_DAY;
		if (day_start - 1 < s->start)
			return 0;
		t = floor_grid(s, day_start - 1);
	}
	return 0;
}

int64_t core_schedule_next_due(const struct core_snapshot_schedule *s, int64_t now)
{
	if (s->start <= 0 || s->interval_s == 0)
		return 0;
	int64_t step = (int64_t)s->interval_s * FT_PER_S;
	int64_t t = s->start > now ? s->start : floor_grid(s, now) + step;
	for (int i = 0; i < 9; i++) {
		if (day_allowed(s, t))
			return t;
		t = ceil_grid(s, t - t % FT_DAY + FT_DAY);
	}
	return 0;
}

int64_t core_schedule_next_run(const struct core_snapshot_schedule *s, int64_t now)
{
	int64_t due = core_schedule_latest_due(s, now);
	if (due != 0 && due > s->last_run)
		return now;
	return core_schedule_next_due(s, now);
}

int core_schedule_check(struct core_snapshot_schedule *s, const char **why)
{
	if (s->start == 0)
		return 0;
	if (s->start < 0 || s->interval_s < CORE_SCHEDULE_INTERVAL_MIN) {
		*why = "a schedule needs a start and an interval";
		return -EINVAL;
	}
	if ((s->days & ~CORE_SCHEDULE_ALL_DAYS) != 0) {
		*why = "days are Sunday (bit 0) to Saturday (bit 6)";
		return -EINVAL;
	}
	if (s->days == CORE_SCHEDULE_ALL_DAYS)
		s->days = 0;
	if (s->days != 0 && s->interval_s == 7 * 86400)
		s->interval_s = 86400; /* weekly on given days: daily on those days */
	if (s->days != 0 && s->interval_s > 86400) {
		*why = "days of the week need an interval of at most a day";
		return -EINVAL;
	}
	if (s->keep == 0 || s->keep > CORE_SNAPSHOTS_PER_DISK_MAX) {
		*why = "a schedule keeps 1 to 4096 snapshots per disk";
		return -EINVAL;
	}
	return 0;
}

/* An exported snapshot is someone's disk now: keep-N neither counts nor
 * deletes it (deleting it would delete that disk). */
static bool counted(const struct core_snapshot *x, uint32_t wtd, const char *description)
{
	return x->orig_wtd == wtd && x->exported_wtd == CORE_NO_WTD &&
	       strcmp(x->description, description) == 0;
}

size_t core_schedule_doomed(struct core_snapshot *const *list, size_t n, uint32_t wtd,
			    const char *description, uint32_t keep, const char **out, size_t max)
{
	size_t have = 0, k = 0;
	for (size_t i = 0; i < n; i++)
		have += counted(list[i], wtd, description);
	for (size_t i = 0; i < n && have > keep && k < max; i++) {
		if (!counted(list[i], wtd, description))
			continue;
		out[k++] = list[i]->id;
		have--;
	}
	return k;
}
