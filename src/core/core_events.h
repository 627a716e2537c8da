/* Change events of the core for observers (the ISTM layer's status
 * notifications, MS-ISTM 3.42.4): the core says *that* something changed,
 * not how to tell anyone.
 *
 *  - CORE_EVENT_LUN_LIST: the LUN list changed (3.42.4.1): a LUN assignment
 *    added or removed, a target started or stopped using a LUN (enabled,
 *    disabled, applied or dropped by the backend), a LUN (virtual disk)
 *    created or deleted, a disk enabled or disabled.
 *  - CORE_EVENT_LUN_STATUS: a device's status changed (3.42.4.2): the
 *    DeviceStatus the reconciler derives (Idle, InUse), or what another part
 *    reports through core_events_lun_status() (snapshot restore progress and
 *    completion: Reverting with a percentage, then the final status and
 *    completion code).
 *
 * Detection is by comparison: after every mutation and every reconcile pass
 * the core compares a digest of what 3.42.4.1 lists, and each disk's
 * status, with the previous ones. Observers run synchronously on the event
 * loop and must only queue work (never block, never call back into a core
 * mutation synchronously). */
#ifndef ISTMD_CORE_EVENTS_H
#define ISTMD_CORE_EVENTS_H

#include <stdint.h>
#include <talloc.h>

#include "core/model.h"

struct core;

enum core_event_kind {
	CORE_EVENT_LUN_LIST,
	CORE_EVENT_LUN_STATUS,
};

struct core_event {
	enum core_event_kind kind;
	/* CORE_EVENT_LUN_STATUS only (MS-ISTM 2.2.4.11 LUN_STATUS) */
	uint32_t wtd;               /* dwLun: the disk index */
	enum core_device_status status;
	uint32_t progress_percent;  /* restore progress, 0 otherwise */
	uint32_t completion_error;  /* restore result (HRESULT), 0 otherwise */
};

typedef void (*core_event_fn)(const struct core_event *e, void *priv);

/* Calls FN for every event from now on, until the returned handle (talloc'd
 * on MEM) is freed. NULL on allocation failure. */
struct core_observer *core_observe(TALLOC_CTX *mem, struct core *c, core_event_fn fn, void *priv);

/* For other parts of istmd (snapshot restore): reports disk WTD's status,
 * progress and completion code; observers get a CORE_EVENT_LUN_STATUS.
 * While a restore reports CORE_DEVICE_REVERTING, the derived status of the
 * disk does not replace it; any other status ends that. */
void core_events_lun_status(struct core *c, uint32_t wtd, enum core_device_status status,
			    uint32_t progress_percent, uint32_t completion_error);

/* The core's own hook: compares the model with the last comparison and
 * emits what changed. Cheap (a digest of the mappings); called after every
 * mutation and every reconcile pass. */
void core_events_check(struct core *c);

#endif
