/* Status notification registrations (MS-ISTM 3.52.4.9-10, 3.42.1): the
 * IStatusNotify objects clients registered, with their cookies; each is
 * called back on the core's change events when [notify] is configured
 * (istm_deps.notify; general_notify.c, notify_sink.c,
 * docs/notifications.md). */
#ifndef ISTMD_ISTM_GENERAL_NOTIFY_H
#define ISTMD_ISTM_GENERAL_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "istm/istm.h"

/* At most this many registrations are kept (and [notify]
 * max_sinks_per_account per account); a new one drops the oldest (a client
 * that vanished never unregisters). */
#define ISTM_MAX_NOTIFICATIONS 256

struct MInterfacePointer;

/* Registers the IStatusNotify object MIP names with COOKIE for USER calling
 * from address CALLER (NULL: in-process). 0, -EINVAL (not a standard OBJREF
 * of IStatusNotify, or, with [notify], no numeric resolver address in it
 * that may be called: only CALLER's with only_caller_address), -ENOMEM. */
int istm_notify_register(struct istm_context *ctx, const struct MInterfacePointer *mip,
			 uint32_t cookie, const char *user, const char *caller);
/* Removes every registration of the object MIP names (whatever cookie);
 * *removed gets their number. 0, -EINVAL. */
int istm_notify_unregister(struct istm_context *ctx, const struct MInterfacePointer *mip,
			   size_t *removed);
size_t istm_notify_count(const struct istm_context *ctx);

#endif
