/* Feature management: IWTGeneral and IWTGeneral2 (MS-ISTM 3.52, 3.54). */
#include "istm/istm.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/iscsi_backend.h"
#include "core/core.h"
#include "core/snapshot_schedules.h"
#include "core/snapshots.h"
#include "idl/ndr_ms_istm.h"
#include "istm/errmap.h"
#include "istm/general_notify.h"
#include "istm/snapshot_schedules.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

static struct istm_context *ctx_of(void *object)
{
	return ((struct istm_manager *)object)->ctx;
}

/* 3.52.4.1: the persistent service GUID (created by the core on first start). */
static void get_guid(struct dcom_call *call, void *object, void *rv)
{
	struct IWTGeneral_get_Guid *r = rv;
	if (!NT_STATUS_IS_OK(GUID_from_string(core_service_guid(ctx_of(object)->core),
					      r->out.pGuid))) {
		log_err("the service GUID in the state database is malformed");
		dcom_call_done(call, E_UNEXPECTED);
		return;
	}
	dcom_call_done(call, S_OK);
}

/* 3.52.4.2: the name, or its default (the host name, <124>). */
static void get_name(struct dcom_call *call, void *object, void *rv)
{
	struct IWTGeneral_get_Name *r = rv;
	*r->out.pName = talloc_strdup(r, core_service_name(ctx_of(object)->core));
	dcom_call_done(call, *r->out.pName != NULL ? S_OK : E_OUTOFMEMORY);
}

static const struct istm_errmap set_name_errors[] = {
	{ -EINVAL, E_INVALIDARG }, /* empty or longer than the core keeps */
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ 0, 0 },
};

struct set_name {
	struct dcom_call *call;
	char *name;
};

static void name_set(struct tevent_req *req)
{
	struct set_name *s = tevent_req_callback_data(req, struct set_name);
	char *why = NULL;
	int rc = core_service_set_name_recv(req, s, &why);
	if (rc == 0)
		log_info("service name set to \"%s\" by %s", s->name, dcom_call_user(s->call));
	else
		log_notice("service name \"%s\" refused: %s", s->name, why ? why : strerror(-rc));
	dcom_call_done(s->call, istm_hr(rc, set_name_errors));
}

/* 3.52.4.3: persisted by the core (it survives restarts). */
static void put_name(struct dcom_call *call, void *object, void *rv)
{
	struct IWTGeneral_put_Name *r = rv;
	if (r->in.Name == NULL || r->in.Name[0] == '\0') {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	struct set_name *s = talloc_zero(call, struct set_name);
	struct tevent_req *req = NULL;
	if (s != NULL && (s->name = talloc_strdup(s, r->in.Name)) != NULL)
		req = core_service_set_name_send(s, ctx_of(object)->core, s->name);
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	s->call = call;
	tevent_req_set_callback(req, name_set, s);
}

/* 3.52.4.5: the program that takes scheduled snapshots: istmd itself
 * (its own timer, docs/snapshots.md), or "" when no storage root can make
 * snapshots. */
static void get_wt_cli_path(struct dcom_call *call, void *object, void *rv)
{
	struct IWTGeneral_get_WtCliPath *r = rv;
	char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0 || !core_snapshots_any_supported(ctx_of(object)->core))
		len = 0;
	self[len] = '\0';
	*r->out.pWtCliPath = talloc_strdup(r, self);
	dcom_call_done(call, *r->out.pWtCliPath != NULL ? S_OK : E_OUTOFMEMORY);
}

/* 3.52.4.6, 3.1.4.2.1: the runtime let only an authenticated admin reach
 * this; the target service must be up (<9>). */
static uint32_t preconditions(const struct istm_context *ctx)
{
	uint64_t generation;
	if (ctx->backend != NULL && !iscsi_backend_is_up(ctx->backend, &generation))
		return HR_WIN32(ERROR_NOT_READY);
	return S_OK;
}

static void check_access(struct dcom_call *call, void *object, void *rv)
{
	dcom_call_done(call, preconditions(ctx_of(object)));
}

/* 3.52.4.8: S_OK when a storage root's file system can make snapshots
 * (reflink, probed at start-up); per disk, IWTDisk's SnapshotStoragePath
 * says which. */
static void is_snapshots_supported(struct dcom_call *call, void *object, void *rv)
{
	dcom_call_done(call, core_snapshots_any_supported(ctx_of(object)->core) ? S_OK : S_FALSE);
}

/* 3.52.4.9: the sink is called back on every change (docs/notifications.md). */
static void register_notification(struct dcom_call *call, void *object, void *rv)
{
	struct IWTGeneral_RegisterNotification *r = rv;
	struct istm_context *ctx = ctx_of(object);
	uint32_t hr = preconditions(ctx);
	if (hr != S_OK) {
		dcom_call_done(call, hr);
		return;
	}
	if (r->in.pStatusNotify == NULL) {
		dcom_call_done(call, E_POINTER);
		return;
	}
	const char *from = dcom_call_remote_address(call);
	int rc = istm_notify_register(ctx, r->in.pStatusNotify, r->in.lCookie,
				      dcom_call_user(call), strcmp(from, "local") ? from : NULL);
	if (rc == 0)
		log_info("status notifications registered by %s (cookie %u)", dcom_call_user(call),
			 r->in.lCookie);
	else if (rc == -EINVAL)
		log_notice("status notifications of %s refused: not an IStatusNotify OBJREF, or no "
			   "resolver address in it istmd may call ([notify] only_caller_address: "
			   "%s's)", dcom_call_user(call), from);
	dcom_call_done(call, rc == 0 ? S_OK : rc == -EINVAL ? E_INVALIDARG : E_OUTOFMEMORY);
}

/* 3.52.4.10: every registration of that object goes. */
static void unregister_notification(struct dcom_call *call, void *object, void *rv)
{
	struct IWTGeneral_UnregisterNotification *r = rv;
	if (r->in.pStatusNotify == NULL) {
		dcom_call_done(call, E_POINTER);
		return;
	}
	size_t removed = 0;
	int rc = istm_notify_unregister(ctx_of(object), r->in.pStatusNotify, &removed);
	if (rc == 0 && removed > 0)
		log_info("%zu status notification registration(s) removed by %s", removed,
			 dcom_call_user(call));
	dcom_call_done(call, rc == 0 ? S_OK : E_INVALIDARG);
}

#define FT_PER_S 10000000LL
#define FT_DAY (86400 * FT_PER_S)
static int64_t snap_now(void)
{
	return 116444736000000000LL + (int64_t)time(NULL) * FT_PER_S;
}

/* FILETIME day 0 (1601-01-01) was a Monday. */
static int filetime_weekday(int64_t ft)
{
	return (int)((ft / FT_DAY + 1) % 7); /* 0 Sunday, as DayOfWeek */
}

/* 3.52.4.12: one schedule, of every disk that can have snapshots (unless
 * istmctl named disks), from hyStartTime (a FILETIME) every day or, without
 * bEveryday, every week on eDay at that time of day; hyStartTime 0 clears
 * it. Refused (ERROR_NOT_SUPPORTED) when no storage root can make
 * snapshots. */
static void schedule_set_done(struct tevent_req *subreq)
{
	struct dcom_call *call = tevent_req_callback_data(subreq, struct dcom_call);
	char *why = NULL;
	int rc = core_snapshot_schedule_set_recv(subreq, subreq, &why);
	if (rc < 0)
		log_info("DVSetSnapshotSchedule: %s", why ? why : strerror(-rc));
	talloc_free(subreq);
	dcom_call_done(call, istm_hr(rc, NULL));
}

static void dv_set_snapshot_schedule(struct dcom_call *call, void *object, void *rv)
{
	struct IWTGeneral_DVSetSnapshotSchedule *r = rv;
	struct istm_context *ctx = ctx_of(object);
	const struct SNAPSHOT_SCHEDULE_SETTINGS *in = &r->in.Schedule;
	if ((unsigned)in->eDay > Saturday || in->hyStartTime < 0) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	if (in->hyStartTime != 0 && !core_snapshots_any_supported(ctx->core)) {
		dcom_call_done(call, HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
		return;
	}
	struct core_snapshot_schedule *s = core_snapshot_schedule_get(r, ctx->core);
	if (s == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	if (s->keep == 0)
		s->keep = CORE_SCHEDULE_KEEP_DEFAULT;
	s->start = in->hyStartTime;
	s->interval_s = in->bEveryday ? 86400 : 7 * 86400;
	s->days = 0; /* the default schedule: its disks and keep-N stay */
	if (!in->bEveryday && s->start != 0)
		s->start += (int64_t)(((int)in->eDay - filetime_weekday(s->start) + 7) % 7) * FT_DAY;
	struct tevent_req *subreq = core_snapshot_schedule_set_send(r, ctx->core, s);
	if (subreq == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(subreq, schedule_set_done, call);
}

/* 3.52.4.11: the schedule as DVSetSnapshotSchedule takes it (all zero when
 * there is none). Windows answers E_NOTIMPL (<128>). */
static void dv_get_snapshot_schedule(struct dcom_call *call, void *object, void *rv)
{
	struct IWTGeneral_DVGetSnapshotSchedule *r = rv;
	struct core_snapshot_schedule *s = core_snapshot_schedule_get(r, ctx_of(object)->core);
	if (s == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	*r->out.pSchedule = (struct SNAPSHOT_SCHEDULE_SETTINGS){ 0 };
	if (s->start != 0) {
		/* a default schedule istmctl set with days or another interval:
		 * not every day, and eDay is the day of its next run */
		r->out.pSchedule->bEveryday = s->interval_s == 86400 && s->days == 0;
		r->out.pSchedule->eDay = (enum DayOfWeek)filetime_weekday(
			s->days == 0 ? s->start : core_schedule_next_due(s, snap_now()));
		r->out.pSchedule->hyStartTime = s->start;
	}
	dcom_call_done(call, S_OK);
}

/* 3.54.4.1 */
static void is_clustered(struct dcom_call *call, void *object, void *rv)
{
	dcom_call_done(call, S_FALSE);
}

/* Missing entries answer E_NOTIMPL as in Windows (docs/compat.md): License
 * (<125>), AddLicense (<127>). */
static const dcom_method_fn general_methods[] = {
	[NDR_IWTGENERAL_GET_GUID] = get_guid,
	[NDR_IWTGENERAL_GET_NAME] = get_name,
	[NDR_IWTGENERAL_PUT_NAME] = put_name,
	[NDR_IWTGENERAL_GET_WTCLIPATH] = get_wt_cli_path,
	[NDR_IWTGENERAL_CHECKACCESS] = check_access,
	[NDR_IWTGENERAL_ISSNAPSHOTSSUPPORTED] = is_snapshots_supported,
	[NDR_IWTGENERAL_REGISTERNOTIFICATION] = register_notification,
	[NDR_IWTGENERAL_UNREGISTERNOTIFICATION] = unregister_notification,
	[NDR_IWTGENERAL_DVGETSNAPSHOTSCHEDULE] = dv_get_snapshot_schedule,
	[NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE] = dv_set_snapshot_schedule,
	[NDR_IWTGENERAL2_ISCLUSTERED] = is_clustered,
};

static const struct dcom_chain general_chains[] = {
	DCOM_CHAIN(IWTGeneral2, general_methods),
	/* istmd's own, idl/istmd-ext.idl: several named schedules */
	{ .iface = &idl_iface_IIstmdSnapshotSchedules,
	  .methods = istm_schedule_methods,
	  .num_methods = NDR_IISTMDSNAPSHOTSCHEDULES_CALL_COUNT },
};

const struct dcom_class istm_general_class = {
	.name = "WTGeneral",
	.chains = general_chains,
	.num_chains = sizeof(general_chains) / sizeof(general_chains[0]),
	.singleton = true,
};
