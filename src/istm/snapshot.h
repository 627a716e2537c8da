/* Snapshot objects: ISnapshot (MS-ISTM 3.36) and IEnumSnapshot collections
 * of them (3.15). An object names its snapshot by id and reads the core at
 * each call. docs/snapshots.md. */
#ifndef ISTMD_ISTM_SNAPSHOT_H
#define ISTMD_ISTM_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "istm/istm.h"

struct core_snapshot;
struct MInterfacePointer;

extern const struct dcom_class istm_snapshot_class;

/* A new object for snapshot ID, held by CALL until marshalled. */
struct dcom_object *istm_snapshot_new(struct dcom_call *call, struct istm_context *ctx,
				      const char *id);
/* An IEnumSnapshot over SNAPS in order, marshalled into *OUT. */
uint32_t istm_snapshot_enum_return(struct dcom_call *call, struct istm_context *ctx,
				   struct core_snapshot *const *snaps, size_t n,
				   struct MInterfacePointer **out);

#endif
