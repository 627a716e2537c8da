/* The ISTM layer: the MS-ISTM objects on the DCOM runtime (docs/architecture.md,
 * "Contract: DCOM objects"). At start-up it creates the seven management
 * singletons of MS-ISTM 3.1.3 and binds them to the CLSIDs of MS-ISTM 1.9;
 * every other object is created by their methods. */
#ifndef ISTMD_ISTM_H
#define ISTMD_ISTM_H

#include <ndr.h>
#include <talloc.h>

#include "dcom/dcom.h"

struct cfg;
struct dcom_exporter;

/* What every ISTM object can reach. */
struct istm_context {
	struct dcom_exporter *ex;
	struct GUID service_guid; /* MS-ISTM 3.1.1.1 Guid */
	const char *name;         /* MS-ISTM 3.1.1.1 Name: [general] name, else the host name */
};

/* The state of each management singleton. */
struct istm_manager {
	struct istm_context *ctx;
};

/* The seven management classes (MS-ISTM 1.9, 3.1.4.1). */
extern const struct dcom_class istm_general_class;         /* IWTGeneral, IWTGeneral2 */
extern const struct dcom_class istm_session_manager_class; /* ISessionManager(2) */
extern const struct dcom_class istm_local_device_class;    /* ILocalDeviceMgr(2,3) */
extern const struct dcom_class istm_disk_manager_class;    /* IWTDiskMgr(2,3,4) */
extern const struct dcom_class istm_snapshot_manager_class; /* ISnapshotMgr */
extern const struct dcom_class istm_sns_manager_class;     /* ISnsMgr */
extern const struct dcom_class istm_host_manager_class;    /* IHostMgr(2,3) */

/* Reads [general], the service GUID in STATE_DIR, creates the managers in EX
 * and binds their CLSIDs. NULL on failure with *ERR set. */
struct istm_context *istm_start(TALLOC_CTX *mem_ctx, struct dcom_exporter *ex, struct cfg *cfg,
				const char *state_dir, char **err);

#endif
