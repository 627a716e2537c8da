/* Several named snapshot schedules (docs/snapshots.md, "Schedules"): each
 * a disk set, a grid of runs (start + k x interval, optionally only on some
 * days of the week, UTC) and how many of its own snapshots to keep per
 * disk. Kept in the database, run by the core's own timer. The schedule
 * named CORE_SCHEDULE_DEFAULT is the one MS-ISTM's IWTGeneral
 * DVSetSnapshotSchedule/DVGetSnapshotSchedule read and write
 * (core_snapshot_schedule_get/set_send of core/snapshots.h). */
#ifndef ISTMD_CORE_SNAPSHOT_SCHEDULES_H
#define ISTMD_CORE_SNAPSHOT_SCHEDULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

#include "core/snapshots.h"

struct core;

#define CORE_SCHEDULE_DEFAULT "default"
/* Schedules istmd keeps. */
#define CORE_SCHEDULES_MAX 64
/* Characters of a name: [A-Za-z0-9._-], first not '.' or '-'. */
#define CORE_SCHEDULE_NAME_MAX 64
/* Shortest interval a schedule may have (tests use the core directly). */
#define CORE_SCHEDULE_INTERVAL_MIN 1
/* Days: bit D for weekday D (0 Sunday ... 6 Saturday), 0 every day. */
#define CORE_SCHEDULE_ALL_DAYS 0x7fu

/* Whether NAME is a valid schedule name. */
bool core_schedule_name_ok(const char *name);
/* The description of the snapshots schedule NAME takes ("scheduled" for the
 * default one, as before several schedules existed; "scheduled:NAME"). */
char *core_schedule_description(TALLOC_CTX *mem, const char *name);

/* ---- the arithmetic (FILETIMEs, UTC), pure ---- */
/* Weekday of a FILETIME, 0 Sunday. */
int core_schedule_weekday(int64_t ft);
/* The latest run of S's grid at or before NOW on an allowed day, 0 if none. */
int64_t core_schedule_latest_due(const struct core_snapshot_schedule *s, int64_t now);
/* The first run of S's grid strictly after NOW on an allowed day; 0 when S
 * has no start. */
int64_t core_schedule_next_due(const struct core_snapshot_schedule *s, int64_t now);
/* When S's next run happens as seen at NOW: NOW itself when a run is due
 * and not made (LAST_RUN older: a catch-up, made once), else next_due. */
int64_t core_schedule_next_run(const struct core_snapshot_schedule *s, int64_t now);
/* Normalises and checks S's timing: weekly (604800 s) with days becomes
 * daily on those days; days need an interval of at most a day. 0 or
 * -EINVAL with *WHY (static text). */
int core_schedule_check(struct core_snapshot_schedule *s, const char **why);
/* Ids of the snapshots to delete so that disk WTD keeps at most KEEP of
 * those with DESCRIPTION: the oldest beyond KEEP (LIST is oldest first).
 * Exported snapshots are neither counted nor deleted.
 * Returns how many were put in OUT (at most MAX). */
size_t core_schedule_doomed(struct core_snapshot *const *list, size_t n, uint32_t wtd,
			    const char *description, uint32_t keep, const char **out, size_t max);

/* ---- the schedules ---- */
/* Schedule NAME on MEM, or NULL (none, or out of memory). */
struct core_snapshot_schedule *core_snapshot_schedule_find(TALLOC_CTX *mem, const struct core *c,
							   const char *name);
/* Every schedule, by name, on MEM. 0 or -ENOMEM. */
int core_snapshot_schedule_list(TALLOC_CTX *mem, const struct core *c,
				struct core_snapshot_schedule ***out, size_t *n);

#endif
