/* The identity of the ISTM service (MS-ISTM 3.1.1.1 Guid and Name, returned
 * by IWTGeneral [propget] Guid and Name). The GUID persists in [state] dir;
 * the core store will own it later: callers go through this one function. */
#ifndef ISTMD_ISTM_SERVICE_ID_H
#define ISTMD_ISTM_SERVICE_ID_H

#include <talloc.h>

struct GUID;

/* The service GUID kept in STATE_DIR/service-guid, created on first use
 * (atomically: a second process racing sees the first one's). Returns 0, or
 * a negative errno with *ERR set (talloc'd on MEM_CTX), e.g. -EINVAL for a
 * file that does not hold a GUID: the service's identity is never replaced
 * silently. Blocking file I/O: call it at start-up. */
int istm_service_guid(TALLOC_CTX *mem_ctx, const char *state_dir, struct GUID *guid, char **err);

#endif
