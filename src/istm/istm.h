/* The ISTM layer: the MS-ISTM objects on the DCOM runtime (docs/architecture.md,
 * "Contract: DCOM objects"). At start-up it creates the seven management
 * singletons of MS-ISTM 3.1.3 and binds them to the CLSIDs of MS-ISTM 1.9;
 * every other object is created by their methods. */
#ifndef ISTMD_ISTM_H
#define ISTMD_ISTM_H

#include <ndr.h>
#include <stdbool.h>
#include <talloc.h>

#include "dcom/dcom.h"

struct core;
struct dcom_exporter;
struct iscsi_backend;
struct istm_notify_config;
struct isns_agent;
struct storage_paths;
struct workpool;

/* What the ISTM objects are built on; the daemon (or a test) creates these. */
struct istm_deps {
	struct tevent_context *ev;
	struct core *core;                   /* the desired state: targets, disks, identity */
	const struct storage_paths *storage; /* path mapping and confinement */
	struct workpool *pool;               /* blocking file work (VHD, statvfs) */
	struct iscsi_backend *backend;       /* may be NULL (nothing served) */
	struct isns_agent *isns;             /* may be NULL (no iSNS registration) */
	/* [istm] allow_unsealed_secrets: CHAP secrets may travel signed only
	 * (below PKT_PRIVACY). Default false. */
	bool allow_unsealed_secrets;
	/* [notify] (istm/notify.h): how to call consoles back. NULL:
	 * registrations are kept but nothing is sent (unit tests). */
	const struct istm_notify_config *notify;
};

/* What every ISTM object can reach. The service's identity (MS-ISTM 3.1.1.1
 * Guid and Name) lives in the core: core_service_guid(), core_service_name(). */
struct istm_context {
	struct dcom_exporter *ex;
	struct tevent_context *ev;
	struct core *core;
	const struct storage_paths *storage;
	struct workpool *pool;
	struct iscsi_backend *backend;
	struct isns_agent *isns; /* ISnsMgr EnumCachedInitiators; may be NULL */
	/* IWTGeneral RegisterNotification's list (general_notify.c), made on
	 * first use. */
	struct istm_notifications *notifications;
	const struct istm_notify_config *notify_config; /* from istm_deps */
	bool allow_unsealed_secrets; /* from istm_deps */
	/* ISnapshotMgr's prepared snapshots (snapshot_mgr.c), made on first use. */
	struct istm_snap_pending *snap_pending;
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

/* Creates the managers in EX on DEPS and binds their CLSIDs. NULL on failure
 * with *ERR set. */
struct istm_context *istm_start(TALLOC_CTX *mem_ctx, struct dcom_exporter *ex,
				const struct istm_deps *deps, char **err);

#endif
