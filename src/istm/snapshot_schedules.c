/* IIstmdSnapshotSchedules (idl/istmd-ext.idl): set, get, list and clear the
 * core's named snapshot schedules (core/snapshot_schedules.h). Served on the
 * IWTGeneral object; the schedule named "default" is the one IWTGeneral
 * DVSetSnapshotSchedule/DVGetSnapshotSchedule see (general.c). */
#include "istm/snapshot_schedules.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/snapshot_schedules.h"
#include "core/snapshots.h"
#include "istm/errmap.h"
#include "istm/istm.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

#define FT_UNIX_EPOCH 116444736000000000LL
#define FT_PER_S 10000000LL
/* MS-ERREF 2.2: "The name limit ... was exceeded" (CORE_SCHEDULES_MAX). */
#define ERROR_TOO_MANY_NAMES 68u

static const struct istm_errmap schedule_errors[] = {
	{ -EINVAL, E_INVALIDARG },
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) }, /* a disk */
	{ -EMLINK, HR_WIN32(ERROR_TOO_MANY_NAMES) }, /* CORE_SCHEDULES_MAX */
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ 0, 0 },
};

static struct core *core_of(void *object)
{
	return ((struct istm_manager *)object)->ctx->core;
}

static int64_t now_ft(void)
{
	return FT_UNIX_EPOCH + (int64_t)time(NULL) * FT_PER_S;
}

static bool to_wire(TALLOC_CTX *mem, const struct core_snapshot_schedule *s, int64_t now,
		    struct ISTMD_SNAPSHOT_SCHEDULE *w)
{
	*w = (struct ISTMD_SNAPSHOT_SCHEDULE){
		.Name = talloc_strdup(mem, s->name),
		.Start = s->start,
		.IntervalSeconds = s->interval_s,
		.Days = s->days,
		.Keep = s->keep,
		.NumDisks = (uint32_t)s->n_wtds,
		.LastRun = s->last_made,
		.NextRun = core_schedule_next_run(s, now),
	};
	if (s->n_wtds > 0) {
		uint32_t *d = talloc_memdup(mem, s->wtds, s->n_wtds * sizeof(*s->wtds));
		w->Disks = d;
		if (d == NULL)
			return false;
	}
	return w->Name != NULL;
}

static void set_done(struct tevent_req *subreq)
{
	struct dcom_call *call = tevent_req_callback_data(subreq, struct dcom_call);
	char *why = NULL;
	int rc = core_snapshot_schedule_set_recv(subreq, subreq, &why);
	if (rc < 0)
		log_info("snapshot schedule by %s: %s", dcom_call_user(call),
			 why ? why : strerror(-rc));
	talloc_free(subreq);
	dcom_call_done(call, istm_hr(rc, schedule_errors));
}

/* Start 0 is not a way to clear here (ClearSchedule is): E_INVALIDARG; nor
 * is an interval under a minute (a client could make istmd do nothing but
 * snapshots; the core's own tests go lower). */
static void set_schedule(struct dcom_call *call, void *object, void *rv)
{
	struct IIstmdSnapshotSchedules_SetSchedule *r = rv;
	const struct ISTMD_SNAPSHOT_SCHEDULE *in = r->in.pSchedule;
	if (in == NULL || in->Name == NULL || in->Start <= 0 || in->IntervalSeconds < 60 ||
	    (in->NumDisks > 0 && in->Disks == NULL)) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	if (!core_snapshots_any_supported(core_of(object))) {
		dcom_call_done(call, HR_WIN32(ERROR_NOT_SUPPORTED));
		return;
	}
	struct core_snapshot_schedule s = {
		.name = in->Name,
		.start = in->Start,
		.interval_s = in->IntervalSeconds,
		.days = in->Days,
		.keep = in->Keep,
		.wtds = in->Disks,
		.n_wtds = in->NumDisks,
	};
	struct tevent_req *subreq = core_snapshot_schedule_set_send(r, core_of(object), &s);
	if (subreq == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(subreq, set_done, call);
}

static void get_schedule(struct dcom_call *call, void *object, void *rv)
{
	struct IIstmdSnapshotSchedules_GetSchedule *r = rv;
	if (r->in.Name == NULL) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	struct core_snapshot_schedule *s =
		core_snapshot_schedule_find(r, core_of(object), r->in.Name);
	if (s == NULL) {
		dcom_call_done(call, HR_WIN32(ERROR_NOT_FOUND));
		return;
	}
	dcom_call_done(call, to_wire(r, s, now_ft(), r->out.pSchedule) ? S_OK : E_OUTOFMEMORY);
}

static void list_schedules(struct dcom_call *call, void *object, void *rv)
{
	struct IIstmdSnapshotSchedules_ListSchedules *r = rv;
	struct core_snapshot_schedule **all = NULL;
	size_t n = 0;
	if (core_snapshot_schedule_list(r, core_of(object), &all, &n) < 0) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	struct ISTMD_SNAPSHOT_SCHEDULE *w = talloc_zero_array(r, struct ISTMD_SNAPSHOT_SCHEDULE,
							      n + 1);
	int64_t now = now_ft();
	for (size_t i = 0; w != NULL && i < n; i++)
		if (!to_wire(w, all[i], now, &w[i]))
			w = NULL;
	if (w == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	*r->out.pCount = (uint32_t)n;
	*r->out.ppSchedules = w;
	dcom_call_done(call, S_OK);
}

/* An unknown name is ERROR_NOT_FOUND (the default one included: istmctl
 * says there was nothing to clear). */
static void clear_schedule(struct dcom_call *call, void *object, void *rv)
{
	struct IIstmdSnapshotSchedules_ClearSchedule *r = rv;
	if (r->in.Name == NULL) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	if (core_snapshot_schedule_find(r, core_of(object), r->in.Name) == NULL) {
		dcom_call_done(call, HR_WIN32(ERROR_NOT_FOUND));
		return;
	}
	struct core_snapshot_schedule s = { .name = r->in.Name };
	struct tevent_req *subreq = core_snapshot_schedule_set_send(r, core_of(object), &s);
	if (subreq == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(subreq, set_done, call);
}

const dcom_method_fn istm_schedule_methods[NDR_IISTMDSNAPSHOTSCHEDULES_CALL_COUNT] = {
	[NDR_IISTMDSNAPSHOTSCHEDULES_SETSCHEDULE] = set_schedule,
	[NDR_IISTMDSNAPSHOTSCHEDULES_GETSCHEDULE] = get_schedule,
	[NDR_IISTMDSNAPSHOTSCHEDULES_LISTSCHEDULES] = list_schedules,
	[NDR_IISTMDSNAPSHOTSCHEDULES_CLEARSCHEDULE] = clear_schedule,
};
