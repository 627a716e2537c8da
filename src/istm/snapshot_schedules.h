/* istmd's own IIstmdSnapshotSchedules (idl/istmd-ext.idl), served on the
 * IWTGeneral object beside IWTGeneral2: several named snapshot schedules,
 * which MS-ISTM's DVSetSnapshotSchedule (one schedule, no disks, no keep)
 * cannot express. docs/snapshots.md, "Schedules". */
#ifndef ISTMD_ISTM_SNAPSHOT_SCHEDULES_H
#define ISTMD_ISTM_SNAPSHOT_SCHEDULES_H

#include "dcom/dcom.h"
#include "idl/ndr_istmd_ext.h"

extern const dcom_method_fn istm_schedule_methods[NDR_IISTMDSNAPSHOTSCHEDULES_CALL_COUNT];

#endif
