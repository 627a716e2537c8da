/* Virtual disk objects: IWTDisk, IWTDisk2, IWTDisk3 (MS-ISTM 3.43-3.45), and
 * IEnumWTDisk collections of them (3.19). An object names its disk by WTD
 * index (never reused, so an old pointer can never reach another disk) and
 * reads the core at each call; the properties a client sets are staged in
 * the object until Save (3.43.4.34), as IHost does. docs/istm-disks.md. */
#ifndef ISTMD_ISTM_DISK_H
#define ISTMD_ISTM_DISK_H

#include <stddef.h>
#include <stdint.h>

#include "istm/istm.h"

struct core_disk;
struct MInterfacePointer;

extern const struct dcom_class istm_disk_class;

/* A new object for disk WTD, held by CALL until it is marshalled. NULL on
 * ENOMEM (or the exporter's object limit). */
struct dcom_object *istm_disk_new(struct dcom_call *call, struct istm_context *ctx, uint32_t wtd);

/* An IEnumWTDisk over DISKS, in order, marshalled into *OUT (3.46.4.1). */
uint32_t istm_disk_enum_return(struct dcom_call *call, struct istm_context *ctx,
			       struct core_disk *const *disks, size_t n,
			       struct MInterfacePointer **out);

/* The DevicePath reported for D: its Windows form, which every path input
 * accepts back; the POSIX path when the name cannot be written in Windows. */
const char *istm_disk_device_path(const struct core_disk *d);

/* IWTDiskMgr ImportWTDisk (3.46.4.9), disk_import.c; OBJECT is the manager. */
void istm_import_wt_disk(struct dcom_call *call, void *object, void *rv);

#endif
