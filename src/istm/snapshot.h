/* Snapshot objects: ISnapshot (MS-ISTM 3.36) and IEnumSnapshot collections
 * of them (3.15). An object names its snapshot by id and reads the core at
 * each call. docs/snapshots.md. */
#ifndef ISTMD_ISTM_SNAPSHOT_H
#define ISTMD_ISTM_SNAPSHOT_H

#include <stdbool.h>
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

/* The snapshot id of OBJ if it is an ISnapshot object of istmd, else NULL. */
const char *istm_snapshot_object_id(struct dcom_object *obj);
/* Whether ID is prepared (PrepareCreateSnapshot) and not yet taken. */
bool istm_snapshot_pending(struct istm_context *ctx, const char *id);
/* ISnapshotMgr ImportSnapshot (snapshot_import.c). */
void istm_import_snapshot(struct dcom_call *call, void *object, void *rv);

#endif
