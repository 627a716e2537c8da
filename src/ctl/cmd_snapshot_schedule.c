/* istmctl snapshot schedule (cmd_snapshot_schedule.h). A name selects istmd's
 * own interface IIstmdSnapshotSchedules (QueryInterface on the IWTGeneral
 * manager); without a name, set/show/clear are the MS-ISTM calls on the
 * default schedule, as before several schedules existed. */
#include "ctl/cmd_snapshot_schedule.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/remote.h"
#include "dcom/client.h"
#include "idl/ndr_istmd_ext.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"

#define FT_UNIX_EPOCH 116444736000000000LL
#define FT_PER_S 10000000LL
#define KEEP_MAX 4096
#define DISKS_MAX 64

enum {
	OPT_EVERY_DAY = 200,
	OPT_DAY,
	OPT_AT,
	OPT_EVERY,
	OPT_DAYS,
	OPT_KEEP,
	OPT_DISKS,
	OPT_ALL,
};

const struct option ctl_schedule_options[] = {
	{ "every-day", no_argument, NULL, OPT_EVERY_DAY },
	{ "day", required_argument, NULL, OPT_DAY },
	{ "at", required_argument, NULL, OPT_AT },
	{ "every", required_argument, NULL, OPT_EVERY },
	{ "days", required_argument, NULL, OPT_DAYS },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "disks", required_argument, NULL, OPT_DISKS },
	{ "all", no_argument, NULL, OPT_ALL },
	{ NULL, 0, NULL, 0 },
};

static struct {
	bool every_day;
	int day; /* -1: not given */
	int at;  /* seconds after midnight UTC, -1: not given */
	unsigned every, days, keep;
	const char *disks;
	bool all;
} opt = { .day = -1, .at = -1 };

static const char *const day_names[] = { "sunday",   "monday", "tuesday", "wednesday",
					 "thursday", "friday", "saturday" };

static int day_index(const char *text, size_t len)
{
	for (int i = 0; i < 7; i++)
		if (len >= 3 && len <= strlen(day_names[i]) &&
		    strncasecmp(text, day_names[i], len) == 0)
			return i;
	return -1;
}

unsigned ctl_schedule_parse_every(const char *text)
{
	char *end = NULL;
	unsigned long n = strtoul(text, &end, 10);
	if (end == text || n == 0 || end[0] == '\0' || end[1] != '\0' || text[0] == '-')
		return 0;
	unsigned long unit;
	switch (end[0]) {
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return 0;
	}
	if (n > 366UL * 86400 / unit)
		return 0;
	return (unsigned)(n * unit);
}

unsigned ctl_schedule_parse_days(const char *text)
{
	unsigned bits = 0;
	const char *p = text;
	while (*p) {
		size_t len = strcspn(p, ",");
		int d = day_index(p, len);
		if (d < 0)
			return 0;
		bits |= 1u << d;
		p += len;
		if (*p == ',' && *++p == '\0')
			return 0;
	}
	return bits;
}

bool ctl_schedule_option(int o, const char *arg, bool *ok)
{
	*ok = true;
	const char *who = "istmctl snapshot schedule";
	switch (o) {
	case OPT_EVERY_DAY: opt.every_day = true; return true;
	case OPT_DAY:
		opt.day = day_index(arg, strlen(arg));
		if (opt.day < 0) {
			ctl_error(0, "%s: bad --day '%s' (sunday ... saturday)", who, arg);
			*ok = false;
		}
		return true;
	case OPT_AT: {
		unsigned h, m, sec = 0;
		char extra;
		int k = sscanf(arg, "%u:%u:%u%c", &h, &m, &sec, &extra);
		if ((k != 2 && k != 3) || h > 23 || m > 59 || sec > 59) {
			ctl_error(0, "%s: bad --at '%s' (HH:MM[:SS], UTC)", who, arg);
			*ok = false;
		}
		opt.at = (int)(h * 3600 + m * 60 + sec);
		return true;
	}
	case OPT_EVERY:
		opt.every = ctl_schedule_parse_every(arg);
		if (opt.every == 0) {
			ctl_error(0, "%s: bad --every '%s' (N followed by m, h, d or w: 1m, 1h, "
				  "1d, 1w)", who, arg);
			*ok = false;
		}
		return true;
	case OPT_DAYS:
		opt.days = ctl_schedule_parse_days(arg);
		if (opt.days == 0) {
			ctl_error(0, "%s: bad --days '%s' (mon,tue,... sun)", who, arg);
			*ok = false;
		}
		return true;
	case OPT_KEEP: {
		char *end = NULL;
		unsigned long k = strtoul(arg, &end, 10);
		if (end == arg || *end != '\0' || k == 0 || k > KEEP_MAX || arg[0] == '-') {
			ctl_error(0, "%s: bad --keep '%s' (1 to %d)", who, arg, KEEP_MAX);
			*ok = false;
		}
		opt.keep = (unsigned)k;
		return true;
	}
	case OPT_DISKS: opt.disks = arg; return true;
	case OPT_ALL: opt.all = true; return true;
	default: return false;
	}
}

int ctl_schedule_check(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	const char *a = args[0];
	bool named_opts = opt.every || opt.days || opt.keep || opt.disks || opt.all;
	bool old_opts = opt.every_day || opt.day >= 0;
	if (strcmp(a, "set") == 0 && n == 2) {
		if (old_opts || opt.every == 0 || opt.keep == 0 || opt.all == (opt.disks != NULL)) {
			ctl_error(0, "%s: set NAME needs --every N(m|h|d|w), --keep N and either "
				  "--disks WTD|PATH,... or --all (--at HH:MM and --days DAY,... "
				  "optional)", who);
			return CTL_EXIT_USAGE;
		}
		if (opt.days != 0 && opt.every > 86400 && opt.every != 7 * 86400) {
			ctl_error(0, "%s: --days needs --every of at most 1d (or 1w)", who);
			return CTL_EXIT_USAGE;
		}
	} else if (strcmp(a, "set") == 0) {
		if (named_opts || opt.at < 0 || (opt.every_day == (opt.day >= 0))) {
			ctl_error(0, "%s: set needs a NAME (set NAME --every ... --keep N), or, for "
				  "the MS-ISTM default schedule, --at HH:MM and either --every-day "
				  "or --day DAY", who);
			return CTL_EXIT_USAGE;
		}
	} else if (strcmp(a, "show") == 0 || strcmp(a, "clear") == 0 ||
		   strcmp(a, "list") == 0) {
		if (named_opts || old_opts || opt.at >= 0 || (strcmp(a, "list") == 0 && n > 1)) {
			ctl_error(0, "%s: %s takes %s", who, a,
				  strcmp(a, "list") == 0 ? "nothing" : "at most a NAME");
			return CTL_EXIT_USAGE;
		}
	} else {
		ctl_error(0, "%s: set, show, list or clear, not '%s'", who, a);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

static char *time_text(struct ctl_conn *c, int64_t ft)
{
	time_t t = (time_t)((ft - FT_UNIX_EPOCH) / FT_PER_S);
	struct tm tm;
	char buf[64];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return talloc_strdup(c, buf);
}

static char *every_text(struct ctl_conn *c, uint32_t s)
{
	if (s % (7 * 86400) == 0)
		return talloc_asprintf(c, "%" PRIu32 "w", s / (7 * 86400));
	if (s % 86400 == 0)
		return talloc_asprintf(c, "%" PRIu32 "d", s / 86400);
	if (s % 3600 == 0)
		return talloc_asprintf(c, "%" PRIu32 "h", s / 3600);
	if (s % 60 == 0)
		return talloc_asprintf(c, "%" PRIu32 "m", s / 60);
	return talloc_asprintf(c, "%" PRIu32 "s", s);
}

static char *days_text(struct ctl_conn *c, uint32_t days)
{
	if ((days & 0x7f) == 0)
		return talloc_strdup(c, "every day");
	char *t = talloc_strdup(c, "");
	for (int i = 1; i <= 7; i++) /* Monday first */
		if (days & (1u << (i % 7)))
			t = talloc_asprintf_append(t, "%s%.3s", *t ? "," : "", day_names[i % 7]);
	return t;
}

static char *disks_text(struct ctl_conn *c, const struct ISTMD_SNAPSHOT_SCHEDULE *s)
{
	if (s->NumDisks == 0)
		return talloc_strdup(c, "all");
	char *t = talloc_strdup(c, "");
	for (uint32_t i = 0; i < s->NumDisks; i++)
		t = talloc_asprintf_append(t, "%s%" PRIu32, i ? "," : "", s->Disks[i]);
	return t;
}

static json_t *sched_json(struct ctl_conn *c, const struct ISTMD_SNAPSHOT_SCHEDULE *s)
{
	json_t *days = json_array(), *disks = s->NumDisks ? json_array() : json_string("all");
	for (int i = 0; i < 7; i++)
		if (s->Days & (1u << i))
			json_array_append_new(days, json_string(day_names[i]));
	for (uint32_t i = 0; i < s->NumDisks; i++)
		json_array_append_new(disks, json_integer(s->Disks[i]));
	return json_pack("{s:s, s:s, s:I, s:o, s:s, s:s, s:I, s:o, s:o, s:o}", "name",
			 s->Name ? s->Name : "", "every", every_text(c, s->IntervalSeconds),
			 "interval_s", (json_int_t)s->IntervalSeconds, "days", days, "at",
			 talloc_asprintf(c, "%02d:%02d",
					 (int)((s->Start / FT_PER_S) % 86400 / 3600),
					 (int)((s->Start / FT_PER_S) % 3600 / 60)),
			 "start", time_text(c, s->Start), "keep", (json_int_t)s->Keep, "disks",
			 disks, "last_run",
			 s->LastRun ? json_string(time_text(c, s->LastRun)) : json_null(),
			 "next_run", s->NextRun ? json_string(time_text(c, s->NextRun)) : json_null());
}

static void sched_print_row(struct ctl_conn *c, const struct ISTMD_SNAPSHOT_SCHEDULE *s,
			    bool header)
{
	if (header)
		printf("%-16s  %-6s  %-27s  %-5s  %5s  %-12s  %-20s  %s\n", "NAME", "EVERY", "DAYS",
		       "AT", "KEEP", "DISKS", "LAST RUN (UTC)", "NEXT RUN (UTC)");
	printf("%-16s  %-6s  %-27s  %02d:%02d  %5" PRIu32 "  %-12s  %-20s  %s\n", s->Name,
	       every_text(c, s->IntervalSeconds), days_text(c, s->Days),
	       (int)((s->Start / FT_PER_S) % 86400 / 3600), (int)((s->Start / FT_PER_S) % 3600 / 60),
	       s->Keep, disks_text(c, s), s->LastRun ? time_text(c, s->LastRun) : "-",
	       s->NextRun ? time_text(c, s->NextRun) : "-");
}

static int sched_iface(struct ctl_conn *c, struct dcom_iface **out)
{
	struct dcom_iface *g;
	int ret = ctl_manager(c, CTL_WT_GENERAL, &g);
	if (ret == 0)
		ret = ctl_query(c, g, &idl_iface_IIstmdSnapshotSchedules, out);
	if (ret == 0 && *out == NULL) {
		ctl_error(0, "%s: this server has no named snapshot schedules (it is not istmd, "
			  "or an older one): use set/show/clear without a name", c->who);
		return CTL_EXIT_FAILURE;
	}
	return ret;
}

static int named_show(struct ctl_conn *c, const struct ctl_options *o, struct dcom_iface *s,
		      const char *name)
{
	struct IIstmdSnapshotSchedules_GetSchedule r = { .in.Name = name };
	int ret = ctl_call(c, s, &idl_iface_IIstmdSnapshotSchedules,
			   NDR_IISTMDSNAPSHOTSCHEDULES_GETSCHEDULE, &r, "GetSchedule",
			   ctl_quote(c, name), NULL);
	if (ret != 0)
		return ret;
	const struct ISTMD_SNAPSHOT_SCHEDULE *x = r.out.pSchedule;
	if (o->json)
		return ctl_emit(c, sched_json(c, x));
	printf("name:      %s\nevery:     %s\ndays:      %s\nfrom:      %s\nkeep:      %" PRIu32
	       " per disk (of this schedule's snapshots)\ndisks:     %s\nlast run:  %s\n"
	       "next run:  %s\n",
	       x->Name, every_text(c, x->IntervalSeconds), days_text(c, x->Days),
	       time_text(c, x->Start), x->Keep, disks_text(c, x),
	       x->LastRun ? time_text(c, x->LastRun) : "-",
	       x->NextRun ? time_text(c, x->NextRun) : "-");
	return 0;
}

static int named_list(struct ctl_conn *c, const struct ctl_options *o, struct dcom_iface *s)
{
	struct IIstmdSnapshotSchedules_ListSchedules r = { 0 };
	int ret = ctl_call(c, s, &idl_iface_IIstmdSnapshotSchedules,
			   NDR_IISTMDSNAPSHOTSCHEDULES_LISTSCHEDULES, &r, "ListSchedules", NULL,
			   NULL);
	if (ret != 0)
		return ret;
	uint32_t n = *r.out.pCount;
	const struct ISTMD_SNAPSHOT_SCHEDULE *a = *r.out.ppSchedules;
	if (o->json) {
		json_t *arr = json_array();
		for (uint32_t i = 0; i < n; i++)
			json_array_append_new(arr, sched_json(c, &a[i]));
		return ctl_emit(c, arr);
	}
	if (n == 0)
		printf("no snapshot schedule\n");
	for (uint32_t i = 0; i < n; i++)
		sched_print_row(c, &a[i], i == 0);
	return 0;
}

/* The grid's start: today's --at (00:00 without it), UTC. A start in the
 * past is fine: istmd runs from the first grid point after now. */
static int64_t named_start(void)
{
	time_t now = time(NULL);
	time_t t = now - now % 86400 + (opt.at >= 0 ? opt.at : 0);
	return FT_UNIX_EPOCH + (int64_t)t * FT_PER_S;
}

static int named_set(struct ctl_conn *c, const struct ctl_options *o, struct dcom_iface *s,
		     const char *name)
{
	uint32_t *disks = talloc_zero_array(c, uint32_t, DISKS_MAX + 1);
	uint32_t n = 0;
	if (disks == NULL)
		return CTL_EXIT_FAILURE;
	for (const char *p = opt.disks; p != NULL && *p;) {
		size_t len = strcspn(p, ",");
		char *one = talloc_strndup(c, p, len);
		if (n >= DISKS_MAX) {
			ctl_error(0, "%s: at most %d disks", c->who, DISKS_MAX);
			return CTL_EXIT_USAGE;
		}
		int ret = one ? ctl_disk_resolve(c, one, &disks[n++]) : CTL_EXIT_FAILURE;
		if (ret != 0)
			return ret;
		p += len;
		if (*p == ',')
			p++;
	}
	if (opt.disks != NULL && n == 0) {
		ctl_error(0, "%s: --disks names no disk (use --all for every disk)", c->who);
		return CTL_EXIT_USAGE;
	}
	struct ISTMD_SNAPSHOT_SCHEDULE in = {
		.Name = name,
		.Start = named_start(),
		.IntervalSeconds = opt.every,
		.Days = opt.days,
		.Keep = opt.keep,
		.NumDisks = n,
		.Disks = n ? disks : NULL,
	};
	struct IIstmdSnapshotSchedules_SetSchedule r = { .in.pSchedule = &in };
	int ret = ctl_call(c, s, &idl_iface_IIstmdSnapshotSchedules,
			   NDR_IISTMDSNAPSHOTSCHEDULES_SETSCHEDULE, &r, "SetSchedule",
			   ctl_quote(c, name), NULL);
	return ret != 0 ? ret : named_show(c, o, s, name);
}

static int named_clear(struct ctl_conn *c, const struct ctl_options *o, struct dcom_iface *s,
		       const char *name)
{
	struct IIstmdSnapshotSchedules_ClearSchedule r = { .in.Name = name };
	int ret = ctl_call(c, s, &idl_iface_IIstmdSnapshotSchedules,
			   NDR_IISTMDSNAPSHOTSCHEDULES_CLEARSCHEDULE, &r, "ClearSchedule",
			   ctl_quote(c, name), NULL);
	if (ret != 0)
		return ret;
	if (o->json)
		return ctl_emit(c, json_pack("{s:s, s:b}", "name", name, "cleared", 1));
	printf("cleared snapshot schedule %s (its snapshots stay)\n", name);
	return 0;
}

/* ---- the MS-ISTM default schedule (no name) ---- */

/* The next instant at opt.at (UTC) on opt.day (or any day), as FILETIME. */
static int64_t next_start(void)
{
	time_t now = time(NULL);
	time_t midnight = now - now % 86400;
	time_t t = midnight + opt.at;
	if (t <= now)
		t += 86400;
	if (!opt.every_day) {
		struct tm tm;
		gmtime_r(&t, &tm);
		t += (time_t)((opt.day - tm.tm_wday + 7) % 7) * 86400;
	}
	return FT_UNIX_EPOCH + (int64_t)t * FT_PER_S;
}

static int default_show(struct ctl_conn *c, const struct ctl_options *o, struct dcom_iface *g)
{
	struct SNAPSHOT_SCHEDULE_SETTINGS in = { 0 };
	struct IWTGeneral_DVGetSnapshotSchedule r = { .in.pSchedule = &in };
	int ret = ctl_call(c, g, &idl_iface_IWTGeneral, NDR_IWTGENERAL_DVGETSNAPSHOTSCHEDULE, &r,
			   "DVGetSnapshotSchedule", NULL, NULL);
	if (ret != 0)
		return ret;
	const struct SNAPSHOT_SCHEDULE_SETTINGS *s = r.out.pSchedule;
	if (o->json) {
		if (s->hyStartTime == 0)
			return ctl_emit(c, json_pack("{s:b}", "scheduled", 0));
		return ctl_emit(c, json_pack("{s:b, s:b, s:s, s:s}", "scheduled", 1, "every_day",
					     s->bEveryday, "day", day_names[s->eDay % 7], "start",
					     time_text(c, s->hyStartTime)));
	}
	if (s->hyStartTime == 0)
		printf("no snapshot schedule\n");
	else
		printf("snapshots of every disk that can have them %s, from %s\n",
		       s->bEveryday ? "every day"
				    : talloc_asprintf(c, "every %s", day_names[s->eDay % 7]),
		       time_text(c, s->hyStartTime));
	return 0;
}

int ctl_schedule_run(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	const char *a = args[0];
	struct dcom_iface *s;
	if (n == 2 || strcmp(a, "list") == 0) {
		int ret = sched_iface(c, &s);
		if (ret != 0)
			return ret;
		if (strcmp(a, "list") == 0)
			return named_list(c, o, s);
		if (strcmp(a, "set") == 0)
			return named_set(c, o, s, args[1]);
		if (strcmp(a, "clear") == 0)
			return named_clear(c, o, s, args[1]);
		return named_show(c, o, s, args[1]);
	}
	struct dcom_iface *g;
	int ret = ctl_manager(c, CTL_WT_GENERAL, &g);
	if (ret != 0 || strcmp(a, "show") == 0)
		return ret != 0 ? ret : default_show(c, o, g);
	struct IWTGeneral_DVSetSnapshotSchedule r = { 0 };
	if (strcmp(a, "set") == 0) {
		r.in.Schedule.bEveryday = opt.every_day;
		r.in.Schedule.eDay = (enum DayOfWeek)(opt.day >= 0 ? opt.day : 0);
		r.in.Schedule.hyStartTime = next_start();
	}
	ret = ctl_call(c, g, &idl_iface_IWTGeneral, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE, &r,
		       "DVSetSnapshotSchedule", NULL, NULL);
	return ret != 0 ? ret : default_show(c, o, g);
}
