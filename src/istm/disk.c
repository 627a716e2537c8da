/* The IWTDisk class: its objects, IEnumWTDisk collections of them, and the
 * properties read straight from the core (MS-ISTM 3.43-3.45). */
#include "istm/disk_internal.h"

#include <errno.h>
#include <string.h>

#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

const char *istm_disk_device_path(const struct core_disk *d)
{
	return d->windows_path != NULL ? d->windows_path : d->path;
}

struct core_disk *istm_disk_view(struct dcom_call *call, TALLOC_CTX *mem, struct istm_disk *o)
{
	struct core_disk *d = core_disk_by_wtd(mem, o->ctx->core, o->wtd);
	if (d == NULL) {
		dcom_call_done(call, errno == ENOMEM ? E_OUTOFMEMORY
						     : HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
		return NULL;
	}
	if (o->staged & CORE_DISK_SET_DESCRIPTION)
		d->description = o->description;
	if (o->staged & CORE_DISK_SET_RESOURCE_NAME)
		d->resource_name = o->resource_name;
	if (o->staged & CORE_DISK_SET_CACHE_PARENT)
		d->cache_parent = o->cache_parent;
	return d;
}

/* A BSTR [out] copied onto the call's structure R. */
static void done_string(struct dcom_call *call, void *r, const char **out, const char *value)
{
	*out = talloc_strdup(r, value != NULL ? value : "");
	dcom_call_done(call, *out != NULL ? S_OK : E_OUTOFMEMORY);
}

/* ---- IWTDisk (3.43) ---------------------------------------------------------------- */

/* 3.43.4.1 */
static void get_guid(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_Guid *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	if (!NT_STATUS_IS_OK(GUID_from_string(d->guid, r->out.pGuid))) {
		log_err("disk %u: its GUID in the state database is malformed", d->wtd);
		dcom_call_done(call, E_UNEXPECTED);
		return;
	}
	dcom_call_done(call, S_OK);
}

/* 3.43.4.2: also the LUN's unit serial number (VPD page 0x80). */
static void get_serial_number(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_SerialNumber *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d != NULL)
		done_string(call, r, r->out.pSerialNumber, d->serial);
}

/* 3.43.4.3 */
static void get_wtd(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_WTD *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	*r->out.pWTD = d->wtd;
	dcom_call_done(call, S_OK);
}

/* 3.43.4.5 */
static void get_type(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_Type *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	*r->out.pType = (enum WTDType)d->type;
	dcom_call_done(call, S_OK);
}

/* 3.43.4.7 */
static void get_flags(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_Flags *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	*r->out.pFlags = d->flags;
	dcom_call_done(call, S_OK);
}

/* 3.43.4.9: InUse while a loop device and an applied target serve it. */
static void get_status(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_Status *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	*r->out.pStatus = (enum DeviceStatus)d->status;
	dcom_call_done(call, S_OK);
}

/* 3.43.4.11: Windows answers E_NOTIMPL (<93>); here, whether a target maps it. */
static void get_assigned(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_Assigned *r = rv;
	struct istm_disk *o = object;
	struct core_disk *d = istm_disk_view(call, r, o);
	if (d == NULL)
		return;
	char **guids = NULL;
	size_t n = 0;
	if (core_disk_targets(r, o->ctx->core, d->wtd, &guids, &n) < 0) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	*r->out.pAssigned = n > 0;
	dcom_call_done(call, S_OK);
}

/* 3.43.4.13 */
static void get_description(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_Description *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d != NULL)
		done_string(call, r, r->out.pDescription, d->description);
}

/* 3.43.4.15 */
static void get_device_path(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_DevicePath *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d != NULL)
		done_string(call, r, r->out.pDevicePath, istm_disk_device_path(d));
}

/* 3.43.4.17: the virtual size, what initiators see (a fixed VHD's file is
 * 512 bytes longer). */
static void get_size(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_get_Size *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	*r->out.pSize = (int64_t)d->size;
	dcom_call_done(call, S_OK);
}

/* ---- IWTDisk2 (3.44) --------------------------------------------------------------- */

/* 3.44.4.1 */
static void get_enable(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk2_get_Enable *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	*r->out.pEnable = d->enabled;
	dcom_call_done(call, S_OK);
}

/* 3.44.4.3 */
static void get_resource_name(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk2_get_ResourceName *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d != NULL)
		done_string(call, r, r->out.pResourceName, d->resource_name);
}

/* 3.44.4.5: without a cluster, the empty string. */
static void get_resource_group_name(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk2_get_ResourceGroupName *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d != NULL)
		done_string(call, r, r->out.pResourceGroup, "");
}

/* ---- IWTDisk3 (3.45) --------------------------------------------------------------- */

/* 3.45.4.1 */
static void get_vhd_type(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk3_get_VhdType *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	*r->out.Type = (enum VhdType)d->vhd_type;
	dcom_call_done(call, S_OK);
}

/* 3.45.4.2: the parent as the differencing VHD names it; S_OK and no string
 * for any other disk. */
static void get_parent_path(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk3_get_ParentPath *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	if (d->vhd_type != CORE_VHD_DIFFERENCING) {
		*r->out.ParentPath = NULL;
		dcom_call_done(call, S_OK);
		return;
	}
	done_string(call, r, r->out.ParentPath, d->parent_path);
}

/* 3.45.4.4 */
static void get_cache_parent(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk3_get_CacheParent *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	*r->out.CacheParent = d->cache_parent;
	dcom_call_done(call, S_OK);
}

/* 3.45.4.6: no cluster; an enabled disk is online (MS-CMRP 3.1.4.1.13). */
static void get_resource_state(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk3_get_ResourceState *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	*r->out.ResourceState = d->enabled ? ISTM_CLUSTER_RESOURCE_ONLINE
					   : ISTM_CLUSTER_RESOURCE_OFFLINE;
	dcom_call_done(call, S_OK);
}

/* Missing entries answer E_NOTIMPL (docs/compat.md): put_WTD, put_Type,
 * put_Flags, put_Status, put_Assigned (<89>-<94>: derived, read-only),
 * put_LMType, LMWTManageMountPoint, LMMountPoint, put_LMCurrMountDeviceId
 * (<96>-<101>), put_ResourceGroupName (<103>), put_ResourceState (<107>). */
static const dcom_method_fn disk_methods[] = {
	[NDR_IWTDISK_GET_GUID] = get_guid,
	[NDR_IWTDISK_GET_SERIALNUMBER] = get_serial_number,
	[NDR_IWTDISK_GET_WTD] = get_wtd,
	[NDR_IWTDISK_GET_TYPE] = get_type,
	[NDR_IWTDISK_GET_FLAGS] = get_flags,
	[NDR_IWTDISK_GET_STATUS] = get_status,
	[NDR_IWTDISK_GET_ASSIGNED] = get_assigned,
	[NDR_IWTDISK_GET_DESCRIPTION] = get_description,
	[NDR_IWTDISK_PUT_DESCRIPTION] = istm_disk_put_description,
	[NDR_IWTDISK_GET_DEVICEPATH] = get_device_path,
	[NDR_IWTDISK_PUT_DEVICEPATH] = istm_disk_put_device_path,
	[NDR_IWTDISK_GET_SIZE] = get_size,
	[NDR_IWTDISK_GET_SNAPSHOTSTORAGEPATH] = istm_disk_get_snapshot_storage_path,
	[NDR_IWTDISK_PUT_SNAPSHOTSTORAGEPATH] = istm_disk_put_snapshot_storage_path,
	[NDR_IWTDISK_GET_SNAPSHOTSTORAGESIZE] = istm_disk_get_snapshot_storage_size,
	[NDR_IWTDISK_PUT_SNAPSHOTSTORAGESIZE] = istm_disk_put_snapshot_storage_size,
	[NDR_IWTDISK_GET_SNAPSHOTSTORAGEUSEDSIZE] = istm_disk_get_snapshot_storage_used_size,
	[NDR_IWTDISK_GET_LMTYPE] = istm_disk_get_lm_type,
	[NDR_IWTDISK_GET_LMSTATUS] = istm_disk_get_lm_status,
	[NDR_IWTDISK_GET_LMTIMESTAMP] = istm_disk_get_lm_time_stamp,
	[NDR_IWTDISK_GET_LMCURRMOUNTDEVICEID] = istm_disk_get_lm_curr_mount_device_id,
	[NDR_IWTDISK_GET_LMSNAPSHOTID] = istm_disk_get_lm_snapshot_id,
	[NDR_IWTDISK_SAVE] = istm_disk_save,
	[NDR_IWTDISK_DVMOUNTDIRECT] = istm_disk_dv_mount_direct,
	[NDR_IWTDISK_DVDISMOUNT] = istm_disk_dv_dismount,
	[NDR_IWTDISK_ENUMLMMOUNTPOINTS] = istm_disk_enum_lm_mount_points,
	[NDR_IWTDISK_GETVDSLUNINFO] = istm_disk_get_vds_lun_info,
	[NDR_IWTDISK_GETDEVICEVOLUMEGUID] = istm_disk_get_device_volume_guid,
	[NDR_IWTDISK2_GET_ENABLE] = get_enable,
	[NDR_IWTDISK2_PUT_ENABLE] = istm_disk_put_enable,
	[NDR_IWTDISK2_GET_RESOURCENAME] = get_resource_name,
	[NDR_IWTDISK2_PUT_RESOURCENAME] = istm_disk_put_resource_name,
	[NDR_IWTDISK2_GET_RESOURCEGROUPNAME] = get_resource_group_name,
	[NDR_IWTDISK2_ISALIVE] = istm_disk_is_alive,
	[NDR_IWTDISK2_SAVETOSTREAM] = istm_disk_save_to_stream,
	[NDR_IWTDISK3_GET_VHDTYPE] = get_vhd_type,
	[NDR_IWTDISK3_GET_PARENTPATH] = get_parent_path,
	[NDR_IWTDISK3_GET_ALLOCATEDSIZE] = istm_disk_get_allocated_size,
	[NDR_IWTDISK3_GET_CACHEPARENT] = get_cache_parent,
	[NDR_IWTDISK3_PUT_CACHEPARENT] = istm_disk_put_cache_parent,
	[NDR_IWTDISK3_GET_RESOURCESTATE] = get_resource_state,
	[NDR_IWTDISK3_GETLUNSTATUS] = istm_disk_get_lun_status,
};

static const struct dcom_chain disk_chains[] = {
	DCOM_CHAIN(IWTDisk3, disk_methods),
};

const struct dcom_class istm_disk_class = {
	.name = "WTDisk",
	.chains = disk_chains,
	.num_chains = 1,
};

struct dcom_object *istm_disk_new(struct dcom_call *call, struct istm_context *ctx, uint32_t wtd)
{
	struct istm_disk *o = talloc_zero(NULL, struct istm_disk);
	if (o == NULL)
		return NULL;
	o->ctx = ctx;
	o->wtd = wtd;
	return dcom_object_new(call, ctx->ex, &istm_disk_class, o);
}

/* IEnumWTDisk::Next's element: an IWTDisk object for the index KEY. */
static int make_disk(struct dcom_call *call, void *priv, const void *key,
		     struct dcom_object **obj)
{
	uint32_t wtd;
	memcpy(&wtd, key, sizeof(wtd));
	*obj = istm_disk_new(call, priv, wtd);
	return *obj != NULL ? 0 : -ENOMEM;
}

uint32_t istm_disk_enum_return(struct dcom_call *call, struct istm_context *ctx,
			       struct core_disk *const *disks, size_t n,
			       struct MInterfacePointer **out)
{
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumWTDisk);
	if (items == NULL)
		return E_OUTOFMEMORY;
	/* The objects are made as Next hands them out (issue 9). */
	istm_enum_set_maker(items, make_disk, ctx);
	for (size_t i = 0; i < n; i++) {
		if (istm_enum_add_key(items, &disks[i]->wtd, sizeof(disks[i]->wtd)) < 0) {
			talloc_free(items);
			return E_OUTOFMEMORY;
		}
	}
	return istm_enum_return(call, items, out);
}
