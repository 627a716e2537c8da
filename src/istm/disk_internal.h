/* Shared by the files of the IWTDisk class (disk*.c). */
#ifndef ISTMD_ISTM_DISK_INTERNAL_H
#define ISTMD_ISTM_DISK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "istm/disk.h"

/* An IWTDisk object's state. */
struct istm_disk {
	struct istm_context *ctx;
	uint32_t wtd;
	/* Set by the propputs, committed by Save (CORE_DISK_SET_*). */
	unsigned staged;
	unsigned stage_gen; /* counts the puts, so a Save in flight knows what it covered */
	char *description;
	char *resource_name;
	bool cache_parent;
};

/* The disk as object O shows it (its staged properties applied), on MEM.
 * When it is gone (deleted by anyone) the call is completed with
 * ERROR_FILE_NOT_FOUND and NULL returned: the handler just returns. */
struct core_disk *istm_disk_view(struct dcom_call *call, TALLOC_CTX *mem, struct istm_disk *o);

/* MS-CMRP 3.1.4.1.13 resource states. */
#define ISTM_CLUSTER_RESOURCE_ONLINE 2
#define ISTM_CLUSTER_RESOURCE_OFFLINE 3

/* Handlers in disk_settings.c (what a client changes). */
void istm_disk_put_description(struct dcom_call *call, void *object, void *r);
void istm_disk_put_device_path(struct dcom_call *call, void *object, void *r);
void istm_disk_save(struct dcom_call *call, void *object, void *r);
void istm_disk_put_enable(struct dcom_call *call, void *object, void *r);
void istm_disk_put_resource_name(struct dcom_call *call, void *object, void *r);
void istm_disk_put_cache_parent(struct dcom_call *call, void *object, void *r);

/* Handlers in disk_info.c (what needs the file, the volume or the LUN). */
void istm_disk_get_vds_lun_info(struct dcom_call *call, void *object, void *r);
/* D's LUN information into INFO (allocations on MEM): S_OK or E_OUTOFMEMORY. */
struct VDS_LUN_INFORMATION;
uint32_t istm_disk_vds_lun_info(TALLOC_CTX *mem, const struct core_disk *d,
				struct VDS_LUN_INFORMATION *info);
void istm_disk_get_device_volume_guid(struct dcom_call *call, void *object, void *r);
void istm_disk_is_alive(struct dcom_call *call, void *object, void *r);
void istm_disk_get_allocated_size(struct dcom_call *call, void *object, void *r);
void istm_disk_get_lun_status(struct dcom_call *call, void *object, void *r);

/* Handlers in disk_features.c (snapshots, local mounts, clusters, streams:
 * what istmd answers for features it does not have). */
void istm_disk_get_snapshot_storage_path(struct dcom_call *call, void *object, void *r);
void istm_disk_put_snapshot_storage_path(struct dcom_call *call, void *object, void *r);
void istm_disk_get_snapshot_storage_size(struct dcom_call *call, void *object, void *r);
void istm_disk_put_snapshot_storage_size(struct dcom_call *call, void *object, void *r);
void istm_disk_get_snapshot_storage_used_size(struct dcom_call *call, void *object, void *r);
void istm_disk_get_lm_type(struct dcom_call *call, void *object, void *r);
void istm_disk_get_lm_status(struct dcom_call *call, void *object, void *r);
void istm_disk_get_lm_time_stamp(struct dcom_call *call, void *object, void *r);
void istm_disk_get_lm_curr_mount_device_id(struct dcom_call *call, void *object, void *r);
void istm_disk_get_lm_snapshot_id(struct dcom_call *call, void *object, void *r);
void istm_disk_dv_mount_direct(struct dcom_call *call, void *object, void *r);
void istm_disk_dv_dismount(struct dcom_call *call, void *object, void *r);
void istm_disk_enum_lm_mount_points(struct dcom_call *call, void *object, void *r);
void istm_disk_save_to_stream(struct dcom_call *call, void *object, void *r);

/* CreateWTDisk's errno -> HRESULT table (3.46.4.2), shared with ImportWTDisk. */
extern const struct istm_errmap *const istm_disk_create_errors;

#endif
