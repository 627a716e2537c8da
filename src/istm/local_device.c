/* Local device management: ILocalDeviceMgr, ILocalDeviceMgr2, ILocalDeviceMgr3
 * (MS-ISTM 3.30, 3.32, 3.33). The handler table, and the small answers about
 * the machine: physical disks (none offered, as Windows), processors, and
 * resource groups (no cluster). The rest lives in local_device_*.c. */
#include "istm/local_device.h"

#include <sched.h>
#include <string.h>

#include "backend/storage_paths.h"
#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istmd/hresult.h"

static void empty_enum(struct dcom_call *call, const struct istm_enum_kind *kind,
		       struct MInterfacePointer **out)
{
	struct istm_enum_items *items = istm_enum_items_new(call, kind);
	dcom_call_done(call, items ? istm_enum_return(call, items, out) : E_OUTOFMEMORY);
}

/* 3.30.4.1 and <58>: disks are not offered as LUNs; empty, as Windows. */
static void enum_disks(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_EnumDisks *r = rv;
	empty_enum(call, &istm_enum_IEnumDisk, r->out.ppEnumDisk);
}

/* 3.32.4.1 and <71> */
static void enum_disks2(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr2_EnumDisks2 *r = rv;
	empty_enum(call, &istm_enum_IEnumDisk2, r->out.ppEnumDisk);
}

/* 3.30.4.5: istmd partitions nothing (CreateVolume is not offered). */
static void is_disk_part_available(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_IsDiskPartAvailable *r = rv;
	*r->out.bAvail = 0;
	dcom_call_done(call, S_OK);
}

/* 3.30.4.17: Linux needs no rescan for istmd to see its files. */
static void device_manager_rescan(struct dcom_call *call, void *object, void *rv)
{
	dcom_call_done(call, S_OK);
}

/* 3.30.4.18: Windows answers E_NOTIMPL (<64>); here, the processors istmd
 * may run on (its affinity), as a mask of the first 32. */
static void get_processors(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_GetProcessors *r = rv;
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		dcom_call_done(call, E_FAIL);
		return;
	}
	uint32_t mask = 0;
	for (unsigned cpu = 0; cpu < 32; cpu++)
		if (CPU_ISSET(cpu, &set))
			mask |= 1u << cpu;
	*r->out.pProcessors = mask;
	dcom_call_done(call, S_OK);
}

/* ---- resource groups: there is no cluster ------------------------------------------------ */

static bool empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* 3.32.4.6 */
static void get_resource_group_guid(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr2_GetResourceGroupGuid *r = rv;
	dcom_call_done(call, empty(r->in.ResourceGroup) ? E_INVALIDARG
							: HR_WIN32(ERROR_INVALID_HANDLE));
}

/* 3.32.4.7: every path is in no resource group: the empty string. */
static void get_resource_group_from_path(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr2_GetResourceGroupFromPath *r = rv;
	struct storage_path *p = NULL;
	int rc = storage_path_parse(r, local_device_ctx(object)->storage,
				    r->in.FilePath ? r->in.FilePath : "", &p);
	if (rc < 0) {
		dcom_call_done(call, local_device_parse_hr(rc, E_INVALIDARG, E_ACCESSDENIED));
		return;
	}
	*r->out.pResourceGroup = "";
	dcom_call_done(call, S_OK);
}

/* 3.32.4.8: "the machine is not configured in an HA cluster". */
static void rename_resource_group(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr2_RenameResourceGroup *r = rv;
	dcom_call_done(call, empty(r->in.ResourceGroup) || empty(r->in.NewResourceGroup)
				     ? E_INVALIDARG
				     : HR_WIN32(ERROR_INVALID_HANDLE));
}

/* 3.32.4.10 */
static void get_resource_group_owner(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr2_GetResourceGroupOwner *r = rv;
	dcom_call_done(call, empty(r->in.ResourceGroup) ? E_POINTER
							: HR_WIN32(ERROR_INVALID_HANDLE));
}

/* Missing entries answer E_NOTIMPL (docs/compat.md): CreateVolume (<59>),
 * EnumResourceGroup and EnumLocalResourceGroup (3.32.4.4-5: E_NOTIMPL is
 * the answer of a machine outside a cluster). */
static const dcom_method_fn local_device_methods[] = {
	[NDR_ILOCALDEVICEMGR_ENUMDISKS] = enum_disks,
	[NDR_ILOCALDEVICEMGR_ENUMVOLUMES] = local_device_enum_volumes,
	[NDR_ILOCALDEVICEMGR_ISVALIDWTDEVICE] = local_device_is_valid_wt_device,
	[NDR_ILOCALDEVICEMGR_ISDISKPARTAVAILABLE] = is_disk_part_available,
	[NDR_ILOCALDEVICEMGR_CREATEWTFILE] = local_device_create_wt_file,
	[NDR_ILOCALDEVICEMGR_GROWWTFILE] = local_device_grow_wt_file,
	[NDR_ILOCALDEVICEMGR_DELETEWTFILE] = local_device_delete_wt_file,
	[NDR_ILOCALDEVICEMGR_ISPATHVALID] = local_device_is_path_valid,
	[NDR_ILOCALDEVICEMGR_ISPATHNTFS] = local_device_is_path_ntfs,
	[NDR_ILOCALDEVICEMGR_DOESFILEEXIST] = local_device_does_file_exist,
	[NDR_ILOCALDEVICEMGR_GETDRIVEINFO] = local_device_get_drive_info,
	[NDR_ILOCALDEVICEMGR_ENUMDIRECTORY] = local_device_enum_directory,
	[NDR_ILOCALDEVICEMGR_ENUMPORTALS] = local_device_enum_portals,
	[NDR_ILOCALDEVICEMGR_GETPORTAL] = local_device_get_portal,
	[NDR_ILOCALDEVICEMGR_SETPORTALCONFIG] = local_device_set_portal_config,
	[NDR_ILOCALDEVICEMGR_DEVICEMANAGERRESCAN] = device_manager_rescan,
	[NDR_ILOCALDEVICEMGR_GETPROCESSORS] = get_processors,
	[NDR_ILOCALDEVICEMGR2_ENUMDISKS2] = enum_disks2,
	[NDR_ILOCALDEVICEMGR2_ENUMVOLUMES2] = local_device_enum_volumes2,
	[NDR_ILOCALDEVICEMGR2_GETVOLUMEINFO] = local_device_get_volume_info,
	[NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPGUID] = get_resource_group_guid,
	[NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPFROMPATH] = get_resource_group_from_path,
	[NDR_ILOCALDEVICEMGR2_RENAMERESOURCEGROUP] = rename_resource_group,
	[NDR_ILOCALDEVICEMGR2_ENUMLOCALPORTALS] = local_device_enum_local_portals,
	[NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPOWNER] = get_resource_group_owner,
	[NDR_ILOCALDEVICEMGR3_CREATEDIFFWTFILE] = local_device_create_diff_wt_file,
};

static const struct dcom_chain local_device_chains[] = {
	DCOM_CHAIN(ILocalDeviceMgr3, local_device_methods),
};

const struct dcom_class istm_local_device_class = {
	.name = "LocalDeviceMgr",
	.chains = local_device_chains,
	.num_chains = 1,
	.singleton = true,
};
