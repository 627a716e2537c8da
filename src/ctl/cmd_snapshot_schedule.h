/* istmctl snapshot schedule: named schedules through istmd's own
 * IIstmdSnapshotSchedules (set NAME, show [NAME], list, clear NAME), and the
 * MS-ISTM form of the default schedule through IWTGeneral
 * DVSetSnapshotSchedule / DVGetSnapshotSchedule (set, show, clear without a
 * name). docs/istmctl.md, docs/snapshots.md "Schedules". */
#ifndef ISTMD_CTL_CMD_SNAPSHOT_SCHEDULE_H
#define ISTMD_CTL_CMD_SNAPSHOT_SCHEDULE_H

#include <getopt.h>
#include <stdbool.h>

struct ctl_conn;
struct ctl_options;

/* The action's options; their values go to ctl_schedule_option. */
extern const struct option ctl_schedule_options[];
/* True when O is one of ctl_schedule_options (*OK: whether ARG was good). */
bool ctl_schedule_option(int o, const char *arg, bool *ok);
int ctl_schedule_check(const struct ctl_options *o, const char *who, char **args, int n);
int ctl_schedule_run(struct ctl_conn *c, const struct ctl_options *o, char **args, int n);

/* Parsing, for the unit tests: "15m", "1h", "1d", "1w" -> seconds (0: bad);
 * "mon,tue" -> day bits (bit 0 Sunday; 0: bad). */
unsigned ctl_schedule_parse_every(const char *text);
unsigned ctl_schedule_parse_days(const char *text);

#endif
