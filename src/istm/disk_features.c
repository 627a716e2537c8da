/* IWTDisk answers for features istmd does not have yet or cannot have
 * (docs/istm-disks.md, docs/compat.md): snapshot storage (the disk's own
 * volume, docs/snapshots.md), local mounts (a disk is never mounted on the server: mounting a
 * file system that initiators also write corrupts it), and the local
 * streams of cluster resource DLLs. The checks the spec orders come first,
 * so a client learns about its own mistakes before the missing feature. */
#include "istm/disk_internal.h"

#include <string.h>

#include "backend/storage_paths.h"
#include "core/snapshots.h"

#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istmd/hresult.h"

/* <95>: Windows' smallest snapshot store; -1 means "as large as needed". */
#define SNAPSHOT_STORE_MIN (320ll * 1024 * 1024)

/* Snapshots of a disk live on its own volume (docs/snapshots.md): the
 * snapshot storage is that volume when its file system can make them, and
 * grows as needed (-1, note <95>). Where it cannot (ext4), or the disk cannot
 * have snapshots (not a fixed VHD, disabled), the empty string and 0. */
static bool storage_usable(struct istm_disk *o, const struct core_disk *d)
{
	return d->enabled && core_snapshot_supported(NULL, o->ctx->core, d->wtd, NULL) == 0;
}

/* 3.43.4.18 */
void istm_disk_get_snapshot_storage_path(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_SnapshotStoragePath *r = rv;
	struct istm_disk *o = object;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	if (d->type != CORE_WTD_FILE) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	const char *out = "";
	struct storage_path *p = NULL;
	if (storage_usable(o, d) && storage_path_parse(r, o->ctx->storage, d->path, &p) == 0)
		out = p->root->drive;
	*r->out.pSnapshotStoragePath = talloc_strdup(r, out);
	dcom_call_done(call, *r->out.pSnapshotStoragePath ? S_OK : E_OUTOFMEMORY);
}

/* The checks of 3.43.4.19 and 3.43.4.21: S_OK for a disabled disk (which
 * MUST NOT change), E_INVALIDARG for a disk that cannot have snapshots.
 * The storage is the disk's own volume: a setting that says so is taken,
 * another volume is VSS_E_VOLUME_NOT_SUPPORTED. */
#define VSS_E_VOLUME_NOT_SUPPORTED HR(0x8004230C)
static uint32_t snapshot_storage_put(struct istm_disk *o, const struct core_disk *d)
{
	if (d->type != CORE_WTD_FILE || d->vhd_type != CORE_VHD_FIXED)
		return E_INVALIDARG;
	if (!d->enabled)
		return S_OK;
	return storage_usable(o, d) ? S_OK : VSS_E_VOLUME_NOT_SUPPORTED;
}

/* 3.43.4.19 */
void istm_disk_put_snapshot_storage_path(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_put_SnapshotStoragePath *r = rv;
	struct istm_disk *o = object;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	uint32_t hr = snapshot_storage_put(o, d);
	struct storage_path *p = NULL, *q = NULL;
	if (hr == S_OK && d->enabled && r->in.SnapshotStoragePath != NULL &&
	    r->in.SnapshotStoragePath[0] != '\0' &&
	    (storage_path_parse(r, o->ctx->storage, r->in.SnapshotStoragePath, &p) < 0 ||
	     storage_path_parse(r, o->ctx->storage, d->path, &q) < 0 || p->root != q->root))
		hr = VSS_E_VOLUME_NOT_SUPPORTED;
	dcom_call_done(call, hr);
}

/* 3.43.4.20 */
void istm_disk_get_snapshot_storage_size(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_SnapshotStorageSize *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	*r->out.pSize = storage_usable(object, d) ? -1 : 0;
	dcom_call_done(call, d->type == CORE_WTD_FILE ? S_OK : E_INVALIDARG);
}

/* 3.43.4.21 */
void istm_disk_put_snapshot_storage_size(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_put_SnapshotStorageSize *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	if (r->in.nSize != -1 && r->in.nSize < SNAPSHOT_STORE_MIN) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	dcom_call_done(call, snapshot_storage_put(object, d));
}

/* 3.43.4.22: what the snapshots hold of their own (not shared). */
static void used_done(struct tevent_req *subreq)
{
	struct dcom_call *call = tevent_req_callback_data(subreq, struct dcom_call);
	struct IWTDisk_get_SnapshotStorageUsedSize *r = talloc_parent(subreq);
	uint64_t used = 0;
	int rc = core_snapshot_usage_recv(subreq, &used);
	talloc_free(subreq);
	*r->out.pSize = (int64_t)used;
	dcom_call_done(call, rc == 0 ? S_OK : E_FAIL);
}

void istm_disk_get_snapshot_storage_used_size(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_SnapshotStorageUsedSize *r = rv;
	struct istm_disk *o = object;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	*r->out.pSize = 0;
	if (d->type != CORE_WTD_FILE) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	struct tevent_req *subreq = core_snapshot_usage_send(r, o->ctx->core, d->wtd);
	if (subreq == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(subreq, used_done, call);
}

/* 3.43.4.23: never mounted locally. */
void istm_disk_get_lm_type(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_LMType *r = rv;
	if (istm_disk_view(call, r, object) == NULL)
		return;
	*r->out.pType = DoNotMount;
	dcom_call_done(call, S_OK);
}

/* 3.43.4.25 */
void istm_disk_get_lm_status(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_LMStatus *r = rv;
	if (istm_disk_view(call, r, object) == NULL)
		return;
	*r->out.pStatus = DoNotMount;
	dcom_call_done(call, S_OK);
}

/* 3.43.4.26: no snapshot store, zero. */
void istm_disk_get_lm_time_stamp(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_LMTimeStamp *r = rv;
	if (istm_disk_view(call, r, object) == NULL)
		return;
	*r->out.pTimeStamp = 0;
	dcom_call_done(call, S_OK);
}

/* 3.43.4.31: not mounted, the empty string. */
void istm_disk_get_lm_curr_mount_device_id(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_LMCurrMountDeviceId *r = rv;
	if (istm_disk_view(call, r, object) == NULL)
		return;
	*r->out.pDeviceId = "";
	dcom_call_done(call, S_OK);
}

/* 3.43.4.33: not mounted, the null GUID. */
void istm_disk_get_lm_snapshot_id(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_LMSnapshotId *r = rv;
	if (istm_disk_view(call, r, object) == NULL)
		return;
	memset(r->out.pLMSnapshotId, 0, sizeof(*r->out.pLMSnapshotId));
	dcom_call_done(call, S_OK);
}

/* The checks DVMountDirect and DVDismount share (3.43.4.35, 3.43.4.36). */
static uint32_t mount_checks(const struct core_disk *d)
{
	if (!d->enabled)
		return E_FAIL;
	if (d->type != CORE_WTD_FILE)
		return E_INVALIDARG;
	if (d->vhd_type == CORE_VHD_DIFFERENCING)
		return HRESULT_FROM_WIN32(ERROR_INVALID_FUNCTION);
	return S_OK;
}

/* 3.43.4.35: local mounts are not offered (docs/compat.md). */
void istm_disk_dv_mount_direct(struct dcom_call *call, void *object, void *rv)
{
	struct core_disk *d = istm_disk_view(call, rv, object);
	if (d == NULL)
		return;
	uint32_t hr = mount_checks(d);
	dcom_call_done(call, HR_FAILED(hr) ? hr : E_NOTIMPL);
}

/* 3.43.4.36: nothing is ever mounted, so there is nothing to dismount. */
void istm_disk_dv_dismount(struct dcom_call *call, void *object, void *rv)
{
	struct core_disk *d = istm_disk_view(call, rv, object);
	if (d != NULL)
		dcom_call_done(call, mount_checks(d));
}

/* 3.43.4.37: no mount points. */
void istm_disk_enum_lm_mount_points(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_EnumLMMountPoints *r = rv;
	if (istm_disk_view(call, r, object) == NULL)
		return;
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumLMMountPoint);
	dcom_call_done(call, items ? istm_enum_return(call, items, r->out.ppEnumLMMountPoint)
				   : E_OUTOFMEMORY);
}

/* 3.44.4.8: every caller is remote (DCOM over TCP): E_ACCESSDENIED. */
void istm_disk_save_to_stream(struct dcom_call *call, void *object, void *rv)
{
	if (istm_disk_view(call, rv, object) != NULL)
		dcom_call_done(call, E_ACCESSDENIED);
}
