/* Shared by the files of the local device manager (local_device*.c):
 * ILocalDeviceMgr, ILocalDeviceMgr2, ILocalDeviceMgr3 (MS-ISTM 3.30, 3.32,
 * 3.33). docs/istm-disks.md has the decisions. */
#ifndef ISTMD_ISTM_LOCAL_DEVICE_H
#define ISTMD_ISTM_LOCAL_DEVICE_H

#include <errno.h>
#include <stdint.h>

#include "istm/istm.h"

static inline struct istm_context *local_device_ctx(void *object)
{
	return ((struct istm_manager *)object)->ctx;
}

/* The HRESULT for a path that did not parse (storage_path_parse_n's
 * -EINVAL, -ENAMETOOLONG: MALFORMED; -EACCES, outside the roots: OUTSIDE). */
static inline uint32_t local_device_parse_hr(int rc, uint32_t malformed, uint32_t outside)
{
	return rc == -EACCES ? outside : malformed;
}

/* local_device_paths.c: questions about a path (sequence 4.1). */
void local_device_is_valid_wt_device(struct dcom_call *call, void *object, void *r);
void local_device_is_path_valid(struct dcom_call *call, void *object, void *r);
void local_device_is_path_ntfs(struct dcom_call *call, void *object, void *r);
void local_device_does_file_exist(struct dcom_call *call, void *object, void *r);

/* local_device_files.c: VHD files, through the core. */
void local_device_create_wt_file(struct dcom_call *call, void *object, void *r);
void local_device_grow_wt_file(struct dcom_call *call, void *object, void *r);
void local_device_delete_wt_file(struct dcom_call *call, void *object, void *r);
void local_device_create_diff_wt_file(struct dcom_call *call, void *object, void *r);

/* local_device_volumes.c: the storage roots as drives and volumes. */
void local_device_get_drive_info(struct dcom_call *call, void *object, void *r);
void local_device_enum_volumes(struct dcom_call *call, void *object, void *r);
void local_device_enum_volumes2(struct dcom_call *call, void *object, void *r);
void local_device_get_volume_info(struct dcom_call *call, void *object, void *r);

/* local_device_portals.c: the configured portals. */
void local_device_enum_portals(struct dcom_call *call, void *object, void *r);
void local_device_get_portal(struct dcom_call *call, void *object, void *r);
void local_device_set_portal_config(struct dcom_call *call, void *object, void *r);
void local_device_enum_local_portals(struct dcom_call *call, void *object, void *r);

/* local_device_dir.c: IDirectoryEnum over the storage roots. */
void local_device_enum_directory(struct dcom_call *call, void *object, void *r);

#endif
