/* LUN management: IWTDiskMgr, IWTDiskMgr2, IWTDiskMgr3, IWTDiskMgr4
 * (MS-ISTM 3.46, 3.48, 3.50, 3.51). Virtual disks live in the core; this
 * layer checks what clients send, creates IWTDisk objects, maps errors.
 * docs/istm-disks.md has the decisions. */
#include "istm/istm.h"

#include <errno.h>
#include <string.h>

#include "backend/storage_paths.h"
#include "core/core.h"
#include "idl/ndr_ms_istm.h"
#include "istm/disk.h"
#include "istm/disk_internal.h"
#include "istm/errmap.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

static struct istm_context *ctx_of(void *object)
{
	return ((struct istm_manager *)object)->ctx;
}

/* Enumerates the disks KEEP selects (all when NULL). */
static void enum_disks(struct dcom_call *call, struct istm_context *ctx,
		       bool (*keep)(const struct core_disk *d, const void *arg), const void *arg,
		       struct MInterfacePointer **out)
{
	struct core_disk **disks = NULL;
	size_t n = 0, k = 0;
	if (core_disk_list(call, ctx->core, &disks, &n) < 0) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (keep == NULL || keep(disks[i], arg))
			disks[k++] = disks[i];
	dcom_call_done(call, istm_disk_enum_return(call, ctx, disks, k, out));
}

/* 3.46.4.1 */
static void enum_wt_disks(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr_EnumWTDisks *r = rv;
	enum_disks(call, ctx_of(object), NULL, NULL, r->out.ppEnumWTDisk);
}

/* 3.51.4.1: without a cluster, what EnumWTDisks returns. */
static void enum_all_cluster_wt_disks(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr4_EnumAllClusterWTDisks *r = rv;
	enum_disks(call, ctx_of(object), NULL, NULL, r->out.EnumWTDisk);
}

/* ---- the same volume: a storage root is one volume (docs/paths.md) ---------------------- */

static void enum_on_root(struct dcom_call *call, struct istm_context *ctx,
			 const struct storage_root *root, struct MInterfacePointer **out)
{
	struct core_disk **disks = NULL;
	size_t n = 0, k = 0;
	if (core_disk_list(call, ctx->core, &disks, &n) < 0) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct storage_path *p = NULL;
		/* The deepest root owns a path: a disk below a nested root is
		 * that root's. */
		if (storage_path_parse(disks, ctx->storage, disks[i]->path, &p) == 0 &&
		    p->root == root)
			disks[k++] = disks[i];
	}
	dcom_call_done(call, istm_disk_enum_return(call, ctx, disks, k, out));
}

/* 3.46.4.7 */
static void enum_on_same_volume(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr_EnumWTDisksOnSameVolume *r = rv;
	struct istm_context *ctx = ctx_of(object);
	struct core_disk *d = core_disk_by_wtd(r, ctx->core, r->in.nWTD);
	struct storage_path *p = NULL;
	if (d == NULL || storage_path_parse(r, ctx->storage, d->path, &p) < 0) {
		dcom_call_done(call, HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	enum_on_root(call, ctx, p->root, r->out.ppEnumWTDisk);
}

/* 3.46.4.6: Windows answers E_NOTIMPL (<111>); here, the disks on the
 * volume (storage root) holding PATH, which need not exist. */
static void enum_on_same_volume_by_path(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr_EnumWTDisksOnSameVolumeByPath *r = rv;
	struct istm_context *ctx = ctx_of(object);
	struct storage_path *p = NULL;
	int rc = storage_path_parse(r, ctx->storage, r->in.Path ? r->in.Path : "", &p);
	if (rc < 0) {
		dcom_call_done(call, rc == -EACCES ? E_ACCESSDENIED : E_INVALIDARG);
		return;
	}
	enum_on_root(call, ctx, p->root, r->out.ppEnumWTDisk);
}

/* ---- creating ------------------------------------------------------------------------ */

/* also ImportWTDisk's (disk_import.c): it registers the path the same way */
static const struct istm_errmap create_errors[] = {
	{ -EINVAL, E_FAIL }, /* 3.46.4.2: malformed or invalid path */
	{ -ENAMETOOLONG, E_FAIL },
	{ -EISDIR, E_FAIL },
	{ -EACCES, E_ACCESSDENIED },
	{ -EEXIST, HR_WIN32(ERROR_ALREADY_EXISTS) },
	{ -EBUSY, HR_WIN32(ERROR_DEVICE_IN_USE) },
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) },
	{ -ENOTDIR, HR_WIN32(ERROR_PATH_NOT_FOUND) },
	{ -EBADMSG, HR_WIN32(ERROR_INVALID_DATA) },
	{ -EOPNOTSUPP, HR_WIN32(ERROR_UNSUPPORTED_TYPE) },
	{ -ERANGE, HR_WIN32(ERROR_BAD_LENGTH) },
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ 0, 0 },
};
const struct istm_errmap *const istm_disk_create_errors = create_errors;

/* 2.2.3.10 and 3.1.4.2.4: VolumeBased is reserved (E_INVALIDARG); RAM disks
 * are Windows' (<108>), not ours. */
static uint32_t check_device_type(enum WTDType type)
{
	switch (type) {
	case WTDTypeFileBased:
		return S_OK;
	case WTDTypeRamBased:
		return HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED);
	default:
		return E_INVALIDARG;
	}
}

struct create {
	struct dcom_call *call;
	uint32_t *wtd;
	char *path;
};

static void created(struct tevent_req *req)
{
	struct create *c = tevent_req_callback_data(req, struct create);
	char *why = NULL;
	int rc = core_disk_create_recv(req, c, c->wtd, &why);
	if (rc == 0)
		log_info("virtual disk %u created on %s by %s", *c->wtd, c->path,
			 dcom_call_user(c->call));
	else
		log_notice("CreateWTDisk %s by %s refused: %s", c->path, dcom_call_user(c->call),
			   why ? why : strerror(-rc));
	dcom_call_done(c->call, istm_hr(rc, create_errors));
}

/* 3.46.4.2, sequence 4.1: registers the VHD at DevicePath (made by
 * CreateWtFile, or an existing one IsValidWtDevice accepted) as one
 * committed step of the core. bClearPartTable and bForceDismount concern
 * volume-based disks: a VHD's contents are never touched here. */
static void create_wt_disk(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr_CreateWTDisk *r = rv;
	struct istm_context *ctx = ctx_of(object);
	if (r->in.DevicePath == NULL || r->in.Description == NULL) {
		dcom_call_done(call, E_POINTER);
		return;
	}
	uint32_t hr = check_device_type(r->in.eDeviceType);
	if (hr == S_OK && strlen(r->in.Description) > CORE_TEXT_MAX)
		hr = E_INVALIDARG;
	if (hr != S_OK) {
		dcom_call_done(call, hr);
		return;
	}
	struct create *c = talloc_zero(call, struct create);
	if (c == NULL || (c->path = talloc_strdup(c, r->in.DevicePath)) == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	c->call = call;
	c->wtd = r->out.pWTD;
	struct core_disk_spec spec = {
		.path = r->in.DevicePath,
		.description = r->in.Description,
		.type = CORE_WTD_FILE,
	};
	struct tevent_req *req = core_disk_create_send(c, ctx->core, &spec);
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, created, c);
}

/* 3.46.4.3: the spec's answer once the preconditions hold (snapshots come
 * later). */
static void create_shadow_wt_disk(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr_CreateShadowWTDisk *r = rv;
	uint32_t hr = check_device_type(r->in.eDeviceType);
	if (r->in.DevicePath == NULL || r->in.Description == NULL)
		hr = E_POINTER;
	dcom_call_done(call, HR_FAILED(hr) ? hr : E_NOTIMPL);
}

/* 3.48.4.1, 3.48.4.2: non-persistent disks exist for cluster failover; the
 * core keeps persistent state only (docs/compat.md). The arguments are
 * checked as the spec orders, then E_NOTIMPL. */
static uint32_t check_non_persistent(TALLOC_CTX *mem, const struct core *core, uint32_t wtd,
				     enum WTDType type, const char *path,
				     const char *description)
{
	if (path == NULL || description == NULL)
		return E_POINTER;
	uint32_t hr = check_device_type(type);
	if (hr != S_OK)
		return hr;
	if (core_disk_by_path(mem, core, path, 0) != NULL)
		return HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS);
	if (errno == EINVAL || errno == ENAMETOOLONG)
		return E_INVALIDARG;
	if (errno == EACCES)
		return E_ACCESSDENIED;
	/* nWTD -1: the next free index */
	if (wtd != UINT32_MAX && core_disk_by_wtd(mem, core, wtd) != NULL)
		return HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS);
	return E_NOTIMPL;
}

static void create_wt_disk_non_persistent(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr2_CreateWTDiskNonPersistent *r = rv;
	dcom_call_done(call, check_non_persistent(r, ctx_of(object)->core, r->in.nWTD,
						  r->in.eDeviceType, r->in.DevicePath,
						  r->in.Description));
}

static void create_shadow_wt_disk_non_persistent(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr2_CreateShadowWTDiskNonPersistent *r = rv;
	dcom_call_done(call, check_non_persistent(r, ctx_of(object)->core, r->in.nWTD,
						  r->in.eDeviceType, r->in.DevicePath,
						  r->in.Description));
}

/* 3.48.4.3: every caller is remote (DCOM over TCP). */
static void open_wt_disk(struct dcom_call *call, void *object, void *rv)
{
	dcom_call_done(call, E_ACCESSDENIED);
}

/* ---- getting and deleting ----------------------------------------------------------- */

/* 3.46.4.5 */
static void get_wt_disk(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr_GetWTDisk *r = rv;
	struct istm_context *ctx = ctx_of(object);
	struct core_disk *d = core_disk_by_wtd(r, ctx->core, r->in.nWTD);
	if (d == NULL) {
		dcom_call_done(call, HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	struct dcom_object *obj = istm_disk_new(call, ctx, d->wtd);
	dcom_call_done(call, obj ? dcom_marshal(call, obj, &idl_iface_IWTDisk, r->out.ppWTDisk)
				 : E_OUTOFMEMORY);
}

static const struct istm_errmap delete_errors[] = {
	{ -EBUSY, HR_WIN32(ERROR_DRIVE_LOCKED) }, /* initiators logged in */
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ 0, 0 },
};

struct delete {
	struct dcom_call *call;
	uint32_t wtd;
};

static void deleted(struct tevent_req *req)
{
	struct delete *del = tevent_req_callback_data(req, struct delete);
	char *why = NULL;
	int rc = core_disk_delete_recv(req, del, &why);
	if (rc == 0)
		log_info("virtual disk %u deleted by %s", del->wtd, dcom_call_user(del->call));
	else
		log_notice("DeleteWTDisk %u by %s refused: %s", del->wtd, dcom_call_user(del->call),
			   why ? why : strerror(-rc));
	dcom_call_done(del->call, istm_hr(rc, delete_errors));
}

/* 3.46.4.4 and sequence 4.8: unmaps the disk from every target and forgets
 * it; its VHD stays (DeleteWtFile removes it). An unknown index is S_OK. */
static void delete_wt_disk(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr_DeleteWTDisk *r = rv;
	struct istm_context *ctx = ctx_of(object);
	struct delete *del = talloc_zero(call, struct delete);
	struct tevent_req *req = del ? core_disk_delete_send(del, ctx->core, r->in.nWTD, false)
				     : NULL;
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	del->call = call;
	del->wtd = r->in.nWTD;
	tevent_req_set_callback(req, deleted, del);
}

/* 3.48.4.4: closes non-persistent disks, which istmd does not have: S_OK
 * for an unknown index, E_NOTIMPL for a (persistent) disk. */
static void close_wt_disk(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr2_CloseWTDisk *r = rv;
	struct core_disk *d = core_disk_by_wtd(r, ctx_of(object)->core, r->in.nWTD);
	dcom_call_done(call, d == NULL ? S_OK : E_NOTIMPL);
}

/* 3.51.4.2: "called in a non-HA configuration". */
static void cluster_notify_deletion2(struct dcom_call *call, void *object, void *rv)
{
	dcom_call_done(call, HRESULT_FROM_WIN32(ERROR_INVALID_OPERATION));
}

/* 3.46.4.8: no side effects, as Windows (<112>). */
static void dv_mount_selected_snapshot_now(struct dcom_call *call, void *object, void *rv)
{
	dcom_call_done(call, S_OK);
}

/* Missing entries answer E_NOTIMPL (docs/compat.md):
 * ClusterNotifyWTDiskDeletion (<123>). ImportWTDisk: disk_import.c. */
static const dcom_method_fn disk_mgr_methods[] = {
	[NDR_IWTDISKMGR_ENUMWTDISKS] = enum_wt_disks,
	[NDR_IWTDISKMGR_CREATEWTDISK] = create_wt_disk,
	[NDR_IWTDISKMGR_CREATESHADOWWTDISK] = create_shadow_wt_disk,
	[NDR_IWTDISKMGR_DELETEWTDISK] = delete_wt_disk,
	[NDR_IWTDISKMGR_GETWTDISK] = get_wt_disk,
	[NDR_IWTDISKMGR_ENUMWTDISKSONSAMEVOLUMEBYPATH] = enum_on_same_volume_by_path,
	[NDR_IWTDISKMGR_ENUMWTDISKSONSAMEVOLUME] = enum_on_same_volume,
	[NDR_IWTDISKMGR_DVMOUNTSELECTEDWTDISKSSNAPSHOTNOW] = dv_mount_selected_snapshot_now,
	[NDR_IWTDISKMGR_IMPORTWTDISK] = istm_import_wt_disk,
	[NDR_IWTDISKMGR2_CREATEWTDISKNONPERSISTENT] = create_wt_disk_non_persistent,
	[NDR_IWTDISKMGR2_CREATESHADOWWTDISKNONPERSISTENT] = create_shadow_wt_disk_non_persistent,
	[NDR_IWTDISKMGR2_OPENWTDISK] = open_wt_disk,
	[NDR_IWTDISKMGR2_CLOSEWTDISK] = close_wt_disk,
	[NDR_IWTDISKMGR4_ENUMALLCLUSTERWTDISKS] = enum_all_cluster_wt_disks,
	[NDR_IWTDISKMGR4_CLUSTERNOTIFYWTDISKDELETION2] = cluster_notify_deletion2,
};

static const struct dcom_chain disk_mgr_chains[] = {
	DCOM_CHAIN(IWTDiskMgr4, disk_mgr_methods),
};

const struct dcom_class istm_disk_manager_class = {
	.name = "WTDiskMgr",
	.chains = disk_mgr_chains,
	.num_chains = 1,
	.singleton = true,
};
