/* ISnapshot (MS-ISTM 3.36) and IEnumSnapshot (3.15): a snapshot of a
 * virtual disk as the core keeps it (core/snapshots.h). The propputs that
 * Windows does not implement (<73>-<78>) answer E_NOTIMPL as it does; local
 * mounting (DVMount, DVDismount) is refused: docs/compat.md says why. */
#include "istm/snapshot.h"

#include <errno.h>
#include <string.h>

#include "core/core.h"
#include "core/snapshots.h"
#include "idl/ndr_ms_istm.h"
#include "istm/disk_internal.h"
#include "istm/enumerator.h"
#include "istm/errmap.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

#ifndef ERROR_IO_PENDING
#define ERROR_IO_PENDING 997u
#endif
#ifndef ERROR_TOO_MANY_LINKS
#define ERROR_TOO_MANY_LINKS 1142u
#endif

struct istm_snapshot {
	struct istm_context *ctx;
	char id[CORE_GUID_LEN + 1];
};

/* The snapshot, or NULL with the call completed (ERROR_FILE_NOT_FOUND). */
static struct core_snapshot *view(struct dcom_call *call, TALLOC_CTX *mem, struct istm_snapshot *o)
{
	struct core_snapshot *s = core_snapshot_get(mem, o->ctx->core, o->id);
	if (s == NULL)
		dcom_call_done(call, errno == ENOMEM ? E_OUTOFMEMORY
						     : HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	return s;
}

/* 3.36.4.1 */
static void get_id(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshot_get_Id *r = rv;
	struct core_snapshot *s = view(call, r, object);
	if (s == NULL)
		return;
	dcom_call_done(call, NT_STATUS_IS_OK(GUID_from_string(s->id, r->out.pId)) ? S_OK
										  : E_UNEXPECTED);
}

/* 3.36.4.5 */
static void get_orig_wtd(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshot_get_OrigWTD *r = rv;
	struct core_snapshot *s = view(call, r, object);
	if (s == NULL)
		return;
	*r->out.pWTD = s->orig_wtd;
	dcom_call_done(call, S_OK);
}

/* 3.36.4.7: FILETIME of the instant the set was taken. */
static void get_time_stamp(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshot_get_TimeStamp *r = rv;
	struct core_snapshot *s = view(call, r, object);
	if (s == NULL)
		return;
	*r->out.pTimeStamp = s->timestamp;
	dcom_call_done(call, S_OK);
}

/* 3.36.4.8: 0xFFFFFFFF when not exported. */
static void get_exported_wtd(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshot_get_ExportedWTD *r = rv;
	struct core_snapshot *s = view(call, r, object);
	if (s == NULL)
		return;
	*r->out.pWTD = s->exported_wtd;
	dcom_call_done(call, S_OK);
}

/* 3.36.4.10: snapshots are files recorded in the state database. */
static void get_persistent(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshot_get_Persistent *r = rv;
	struct core_snapshot *s = view(call, r, object);
	if (s == NULL)
		return;
	*r->out.pPersistent = s->persistent;
	dcom_call_done(call, S_OK);
}

/* 3.36.4.11: Exported and RollbackInProgress as they are now. */
static void get_status(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshot_get_Status *r = rv;
	struct core_snapshot *s = view(call, r, object);
	if (s == NULL)
		return;
	*r->out.pStatus = s->status;
	dcom_call_done(call, S_OK);
}

/* 3.36.4.13: every property is saved when it changes; nothing is staged. */
static void save(struct dcom_call *call, void *object, void *rv)
{
	if (view(call, rv, object) != NULL)
		dcom_call_done(call, S_OK);
}

/* 3.36.4.14: completes when the disk has its snapshot content back (a
 * reflink rollback takes milliseconds); Status shows RollbackInProgress
 * meanwhile. */
static const struct istm_errmap rollback_errors[] = {
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) },
	{ -EBUSY, HR_WIN32(ERROR_SHARING_VIOLATION) },
	{ -EACCES, HR_WIN32(ERROR_INVALID_HANDLE) },
	{ -EALREADY, HR_WIN32(ERROR_IO_PENDING) },
	{ -ESTALE, HR_WIN32(ERROR_SHARING_VIOLATION) },
	{ 0, 0 },
};

static void rollback_done(struct tevent_req *subreq)
{
	struct dcom_call *call = tevent_req_callback_data(subreq, struct dcom_call);
	char *why = NULL;
	int rc = core_snapshot_rollback_recv(subreq, subreq, &why);
	if (rc < 0)
		log_info("ISnapshot::Rollback by %s: %s", dcom_call_user(call),
			 why ? why : strerror(-rc));
	talloc_free(subreq);
	dcom_call_done(call, istm_hr(rc, rollback_errors));
}

static void rollback(struct dcom_call *call, void *object, void *rv)
{
	struct istm_snapshot *o = object;
	if (view(call, rv, object) == NULL)
		return;
	struct tevent_req *subreq = core_snapshot_rollback_send(rv, o->ctx->core, o->id);
	if (subreq == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(subreq, rollback_done, call);
}

/* 3.36.4.15: a rollback is one rename, which cannot be stopped half way:
 * nothing to abort (S_OK) unless its disk is gone (E_INVALIDARG). */
static void abort_rollback(struct dcom_call *call, void *object, void *rv)
{
	struct istm_snapshot *o = object;
	struct core_snapshot *s = view(call, rv, object);
	if (s == NULL)
		return;
	struct core_disk *d = core_disk_by_wtd(rv, o->ctx->core, s->orig_wtd);
	dcom_call_done(call, d != NULL ? S_OK : E_INVALIDARG);
}

/* The exported disk's LUN information with the snapshot's id in the
 * WINTARGET_DISK_DEVICE_IDENTIFIER (3.36.4.17). */
struct lun_info_ctx {
	struct dcom_call *call;
	struct VDS_LUN_INFORMATION *out;
	uint32_t *pwtd;
	struct istm_context *ctx;
	char id[CORE_GUID_LEN + 1];
};

static uint32_t fill_lun_info(TALLOC_CTX *mem, struct istm_context *ctx, uint32_t wtd,
			      const char *id, struct VDS_LUN_INFORMATION *out);

static const struct istm_errmap export_errors[] = {
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) },
	{ -EALREADY, E_ABORT },
	{ -EBUSY, HR_WIN32(ERROR_BUSY) },
	{ -EINVAL, E_INVALIDARG },
	{ 0, 0 },
};

static void export_done(struct tevent_req *subreq)
{
	struct lun_info_ctx *lc = tevent_req_callback_data(subreq, struct lun_info_ctx);
	struct dcom_call *call = lc->call;
	char *why = NULL;
	uint32_t wtd = 0;
	int rc = core_snapshot_export_recv(subreq, subreq, &wtd, &why);
	if (rc < 0)
		log_info("ISnapshot::ExportAsWTDisk by %s: %s", dcom_call_user(call),
			 why ? why : strerror(-rc));
	talloc_free(subreq);
	if (rc < 0) {
		dcom_call_done(call, istm_hr(rc, export_errors));
		return;
	}
	*lc->pwtd = wtd;
	dcom_call_done(call, fill_lun_info(lc, lc->ctx, wtd, lc->id, lc->out));
}

/* 3.36.4.16 */
static void export_as_wt_disk(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshot_ExportAsWTDisk *r = rv;
	struct istm_snapshot *o = object;
	if (view(call, r, object) == NULL)
		return;
	struct lun_info_ctx *lc = talloc_zero(r, struct lun_info_ctx);
	if (lc == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	lc->call = call;
	lc->out = r->out.pVdsLunInfo;
	lc->pwtd = r->out.pWTD;
	lc->ctx = o->ctx;
	memcpy(lc->id, o->id, sizeof(lc->id));
	struct tevent_req *subreq = core_snapshot_export_send(lc, o->ctx->core, o->id);
	if (subreq == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(subreq, export_done, lc);
}

/* 3.36.4.17 */
static void get_vds_lun_info(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshot_GetVdsLunInfo *r = rv;
	struct istm_snapshot *o = object;
	struct core_snapshot *s = view(call, r, object);
	if (s == NULL)
		return;
	if (!(s->status & CORE_SNAP_STATUS_EXPORTED)) {
		dcom_call_done(call, E_FAIL);
		return;
	}
	dcom_call_done(call, fill_lun_info(r, o->ctx, s->exported_wtd, s->id, r->out.pVdsLunInfo));
}

/* The IWTDisk answer for WTD, with the snapshot id put in the vendor
 * identifier's SnapshotId (its last 16 bytes, MS-ISTM 2.2.4.21). */
static uint32_t fill_lun_info(TALLOC_CTX *mem, struct istm_context *ctx, uint32_t wtd,
			      const char *id, struct VDS_LUN_INFORMATION *out)
{
	struct core_disk *d = core_disk_by_wtd(mem, ctx->core, wtd);
	if (d == NULL)
		return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
	uint32_t hr = istm_disk_vds_lun_info(mem, d, out);
	if (hr != S_OK)
		return hr;
	struct GUID g;
	if (!NT_STATUS_IS_OK(GUID_from_string(id, &g)))
		return E_UNEXPECTED;
	for (uint32_t i = 0; i < out->m_deviceIdDescriptor.m_cIdentifiers; i++) {
		struct VDS_STORAGE_IDENTIFIER *x = &out->m_deviceIdDescriptor.m_rgIdentifiers[i];
		if (x->m_Type == VDSStorageIdTypeVendorSpecific && x->m_cbIdentifier >= 16) {
			uint8_t *p = x->m_rgbIdentifier + x->m_cbIdentifier - 16;
			p[0] = (uint8_t)g.time_low;
			p[1] = (uint8_t)(g.time_low >> 8);
			p[2] = (uint8_t)(g.time_low >> 16);
			p[3] = (uint8_t)(g.time_low >> 24);
			p[4] = (uint8_t)g.time_mid;
			p[5] = (uint8_t)(g.time_mid >> 8);
			p[6] = (uint8_t)g.time_hi_and_version;
			p[7] = (uint8_t)(g.time_hi_and_version >> 8);
			memcpy(p + 8, g.clock_seq, 2);
			memcpy(p + 10, g.node, 6);
		}
	}
	return S_OK;
}

/* 3.36.4.18, 3.36.4.19: istmd never mounts a disk on the server
 * (docs/compat.md): export the snapshot and log in to it instead. */
static void dv_mount(struct dcom_call *call, void *object, void *rv)
{
	if (view(call, rv, object) != NULL)
		dcom_call_done(call, HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
}

const char *istm_snapshot_object_id(struct dcom_object *obj)
{
	if (dcom_object_class(obj) != &istm_snapshot_class)
		return NULL;
	return ((struct istm_snapshot *)dcom_object_impl(obj))->id;
}

static const dcom_method_fn snapshot_methods[] = {
	[NDR_ISNAPSHOT_GET_ID] = get_id,
	[NDR_ISNAPSHOT_GET_ORIGWTD] = get_orig_wtd,
	[NDR_ISNAPSHOT_GET_TIMESTAMP] = get_time_stamp,
	[NDR_ISNAPSHOT_GET_EXPORTEDWTD] = get_exported_wtd,
	[NDR_ISNAPSHOT_GET_PERSISTENT] = get_persistent,
	[NDR_ISNAPSHOT_GET_STATUS] = get_status,
	[NDR_ISNAPSHOT_SAVE] = save,
	[NDR_ISNAPSHOT_ROLLBACK] = rollback,
	[NDR_ISNAPSHOT_ABORTROLLBACK] = abort_rollback,
	[NDR_ISNAPSHOT_EXPORTASWTDISK] = export_as_wt_disk,
	[NDR_ISNAPSHOT_GETVDSLUNINFO] = get_vds_lun_info,
	[NDR_ISNAPSHOT_DVMOUNT] = dv_mount,
	[NDR_ISNAPSHOT_DVDISMOUNT] = dv_mount,
};

static const struct dcom_chain snapshot_chains[] = {
	DCOM_CHAIN(ISnapshot, snapshot_methods),
};

const struct dcom_class istm_snapshot_class = {
	.name = "Snapshot",
	.chains = snapshot_chains,
	.num_chains = 1,
};

struct dcom_object *istm_snapshot_new(struct dcom_call *call, struct istm_context *ctx,
				      const char *id)
{
	struct istm_snapshot *o = talloc_zero(NULL, struct istm_snapshot);
	if (o == NULL)
		return NULL;
	o->ctx = ctx;
	snprintf(o->id, sizeof(o->id), "%s", id);
	return dcom_object_new(call, ctx->ex, &istm_snapshot_class, o);
}

static int make_snapshot(struct dcom_call *call, void *priv, const void *key,
			 struct dcom_object **obj)
{
	struct istm_context *ctx = priv;
	struct core_snapshot *s = core_snapshot_get(NULL, ctx->core, key);
	if (s == NULL)
		return -ENOENT;
	talloc_free(s);
	*obj = istm_snapshot_new(call, ctx, key);
	return *obj != NULL ? 0 : -ENOMEM;
}

uint32_t istm_snapshot_enum_return(struct dcom_call *call, struct istm_context *ctx,
				   struct core_snapshot *const *snaps, size_t n,
				   struct MInterfacePointer **out)
{
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumSnapshot);
	if (items == NULL)
		return E_OUTOFMEMORY;
	istm_enum_set_maker(items, make_snapshot, ctx);
	for (size_t i = 0; i < n; i++) {
		if (istm_enum_add_key(items, snaps[i]->id, sizeof(snaps[i]->id)) < 0) {
			talloc_free(items);
			return E_OUTOFMEMORY;
		}
	}
	return istm_enum_return(call, items, out);
}
