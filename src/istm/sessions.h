/* The live sessions in MS-ISTM's structures (2.2.4.2 CONNECTION, 2.2.4.15
 * SESSION, 2.2.4.16 SESSION2), shared by ISessionManager(2) and IHost2. */
#ifndef ISTMD_ISTM_SESSIONS_H
#define ISTMD_ISTM_SESSIONS_H

#include "core/core.h"
#include "idl/ndr_ms_istm.h"

/* 0 or -EINVAL (a string too long for the structure). */
int istm_session2_fill(struct SESSION2 *e, const struct core_session *cs);
int istm_connection_fill(struct CONNECTION *e, const struct iscsi_connection_info *ci);

#endif
