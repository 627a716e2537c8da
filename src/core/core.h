/* The core: the single source of truth for targets, virtual disks and LUN
 * mappings (docs/core.md).
 *
 *  - The desired state lives in SQLite in [state] dir and, loaded at start-up,
 *    in memory on the event loop: every lookup below is synchronous and
 *    returns a deep copy on the caller's context.
 *  - Mutations are asynchronous (tevent_req): they are validated against the
 *    model, committed durably (one SQLite transaction, plus an intent row for
 *    the steps that touch files), then the reconciler makes the backend match;
 *    the request completes when that attempt is over. A change that is
 *    committed stays committed: if the backend cannot apply it, the reconciler
 *    retries with back-off and core_target_state() says why.
 *  - Mutations run one at a time, in the order they were sent.
 *
 * Every recv returns 0 or a negative errno, and where WHY is not NULL a short
 * reason talloc'd on MEM (NULL on success). docs/core.md has the table of
 * errno values per call that the ISTM layer maps to HRESULTs. */
#ifndef ISTMD_CORE_CORE_H
#define ISTMD_CORE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>
#include <tevent.h>

#include "backend/iscsi_backend.h"
#include "backend/loopdev.h"
#include "core/model.h"

struct cfg;
struct storage_paths;
struct workpool;
struct core;

/* How the core attaches loop devices; the default is backend/loopdev.h.
 * Called on worker threads: implementations must be thread-safe. Files are
 * given as a descriptor the core opened beneath the storage root (NAME is a
 * label) or as their identity, never as a path to follow. */
struct vhdfs_conf; /* backend/vhdfs_ctl.h */

struct core_loop_ops {
	int (*ensure)(int file_fd, const char *name, uint64_t sizelimit, unsigned flags,
		      struct loopdev *out);
	int (*find)(dev_t dev, ino_t ino, uint64_t sizelimit, struct loopdev *out);
	int (*info)(const char *dev, struct loopdev *out);
	int (*detach)(const char *dev);
	/* Optional: every attached device at once (free() *OUT), so that a
	 * pass over many disks scans the devices once, not once per disk. */
	int (*list)(struct loopdev **out, size_t *n);
};

#define CORE_DEFAULT_IQN_PREFIX "iqn.2025-01.org.istmd"
#define CORE_DEFAULT_RECONCILE_INTERVAL 30 /* seconds between drift checks */
#define CORE_DEFAULT_LOGIN_POLL_MS 1000 /* ms between session polls (LastLogIn) */
#define CORE_DEFAULT_MAX_CONNECTIONS 8 /* connections per session (MC/S) */

struct core_options {
	const char *state_dir;                /* required */
	const struct storage_paths *storage;  /* required; must outlive the core */
	/* The iSCSI backend; NULL keeps the desired state without serving it. */
	struct iscsi_backend *backend;
	/* IQN of a new target: PREFIX ":" host "-" name "-target". NULL: default. */
	const char *target_iqn_prefix;
	const char *hostname;                 /* NULL: gethostname() */
	unsigned reconcile_interval_s;        /* 0: default */
	/* Sessions polled (TSIHs only) to date short logins; 0: no poll. */
	unsigned login_poll_interval_ms;
	/* MaxConnections offered by every target (MC/S, RFC 3720 12.2); 0:
	 * the backend's default. [iscsi] max_connections, default 8. */
	unsigned max_connections;
	struct workpool *io_pool;             /* blocking file/loop work; NULL: own */
	const struct core_loop_ops *loop_ops; /* NULL: real loop devices */
	/* How dynamic and differencing VHDs are served (istmd-vhdfs, [vhd];
	 * docs/vhd-serving.md); NULL: they are not (AddWTDisk refuses them). */
	const struct vhdfs_conf *vhdfs;
	/* Tests only: called at each named crash point (docs/core.md, "Crash
	 * points"), possibly on a worker thread; may kill the process. */
	void (*crash_point)(const char *point, void *priv);
	void *crash_priv;
	/* The reconciler waits for core_reconcile_start(): the daemon first
	 * checks the backend for targets it does not own (docs/tgt-backend.md,
	 * "Targets istmd does not own"). Mutations work meanwhile. */
	bool defer_reconcile;
};

/* Reads [state] (dir, target_iqn_prefix, reconcile_interval,
 * login_poll_interval_ms) and [iscsi] max_connections into OPTS; the
 * caller fills in storage, backend and the rest. 0 or -EINVAL with *err. */
int core_options_from_config(TALLOC_CTX *mem, struct cfg *cfg, struct core_options *opts,
			     char **err);

/* Reads [vhd] (conf/istmd.conf): *OUT is NULL when dynamic and differencing
 * VHDs are not to be served (serve = no, istmd-vhdfs or /dev/fuse missing:
 * logged). 0 or -EINVAL with *ERR. */
int core_vhdfs_from_config(TALLOC_CTX *mem, struct cfg *cfg, const char *state_dir,
			   const struct storage_paths *sp, struct vhdfs_conf **out, char **err);

/* Opens the state directory (created 0700 if absent; one istmd per directory),
 * checks the database, migrates it, rolls pending intents forward or back,
 * loads the model and starts the reconciler (its first pass, the full one,
 * starts at once: core_reconcile_wait_send() waits for it). Errors: -EBUSY
 * (another process holds the directory), -EBADMSG (corrupt database: it is
 * left untouched), -EPROTO (written by a newer istmd), -EACCES, -EIO, ... */
struct tevent_req *core_open_send(TALLOC_CTX *mem, struct tevent_context *ev,
				  const struct core_options *opts);
int core_open_recv(struct tevent_req *req, TALLOC_CTX *mem, struct core **core, char **why);

/* Starts the reconciler of a core opened with defer_reconcile (its first,
 * full pass at once). 0 or -ENOMEM; 0 when it runs already. */
int core_reconcile_start(struct core *c);
/* KEEP: full passes leave alone the live targets the model does not have,
 * instead of removing them (the daemon could not check the backend for
 * foreign targets at start-up, and the database was empty). */
void core_keep_foreign_targets(struct core *c, bool keep);

/* Stops the core cleanly: new mutations fail with -ESHUTDOWN, those already
 * sent finish, the reconcile pass under way ends, and no worker job is left
 * in flight; then talloc_free(core). (Freeing a busy core is safe for the
 * data, every step being crash-atomic, but leaks its worker threads.) */
struct tevent_req *core_close_send(TALLOC_CTX *mem, struct core *c);
int core_close_recv(struct tevent_req *req);

/* IWTGeneral: the service GUID (created once, on the first start) and name
 * (default: the host name). */
const char *core_service_guid(const struct core *c);
const char *core_service_name(const struct core *c);
struct tevent_req *core_service_set_name_send(TALLOC_CTX *mem, struct core *c, const char *name);
int core_service_set_name_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);

/* ILocalDeviceMgr SetPortalConfig (MS-ISTM 3.30.4.16): listen (LISTEN) or
 * stop listening on ADDRESS:PORT, persisted and re-applied after restarts;
 * a setting overrides [iscsi] portal for the same address and port. Errors:
 * -EINVAL (address or port), whatever the backend answers (-EADDRNOTAVAIL,
 * -EIO...), -ENOSYS (a backend without run-time listeners). */
struct tevent_req *core_portal_set_send(TALLOC_CTX *mem, struct core *c, const char *address,
					uint16_t port, bool listen);
int core_portal_set_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);
/* The settings in force (the store's). */
const struct iscsi_portal_setting *core_portal_settings(const struct core *c, size_t *n);

/* LUN numbers initiators can be given on this backend (tgt: 1..16383, its
 * LUN 0 being the controller) and the per-target limit. */
void core_lun_range(const struct core *c, uint32_t *min_lun, uint32_t *max_lun,
		    uint32_t *max_luns);

/* ---- Targets: lookups (names and IQNs compare case-insensitively) ---- */

struct core_target *core_target_by_guid(TALLOC_CTX *mem, const struct core *c, const char *guid);
struct core_target *core_target_by_name(TALLOC_CTX *mem, const struct core *c, const char *name);
struct core_target *core_target_by_iqn(TALLOC_CTX *mem, const struct core *c, const char *iqn);
/* Every target, in creation order; *targets is a talloc array on MEM. */
int core_target_list(TALLOC_CTX *mem, const struct core *c, struct core_target ***targets,
		     size_t *n);
/* How many targets and disks there are (no copies). */
size_t core_target_count(const struct core *c);
size_t core_disk_count(const struct core *c);
/* Every target's GUID, in creation order (a talloc array of strings on
 * MEM): what an enumeration needs, without copying every target. */
int core_target_guids(TALLOC_CTX *mem, const struct core *c, char ***guids, size_t *n);
/* The IQN a new target called NAME gets unless one is set. */
char *core_target_default_iqn(TALLOC_CTX *mem, const struct core *c, const char *name);

/* What the reconciler knows of a target's live side. */
struct core_target_state {
	bool applied;         /* the backend carries exactly the desired target */
	int error;            /* last failure (negative errno), 0 if none */
	const char *reason;   /* its reason, NULL if none */
	unsigned n_sessions;  /* at the last look (reconcile or core_sessions_send) */
	/* LUNs left out of the live target (disk disabled, not servable, LUN
	 * outside the backend's range, loop device failure): see reason. */
	unsigned n_luns_unserved;
};
int core_target_state(TALLOC_CTX *mem, const struct core *c, const char *guid,
		      struct core_target_state *out);

/* ---- Targets: drafts (IHost). A draft is a private copy that setters edit
 * and core_target_save_send() commits as a whole. Setters check their value
 * at once (and Save checks everything again against the model of that
 * moment). Save merges: only what this draft changed since it was opened (or
 * last saved) is applied to the current target, so two consoles editing
 * different properties of one target do not undo each other. ---- */

struct core_target_draft;

/* A draft for a new target called NAME: -EINVAL (*why says why: characters,
 * length, or the IQN it would get), -EEXIST (name taken). */
struct core_target_draft *core_target_draft_new(TALLOC_CTX *mem, struct core *c, const char *name,
						int *rc, char **why);
/* A draft of an existing target, or NULL (errno ENOENT). */
struct core_target_draft *core_target_draft_open(TALLOC_CTX *mem, struct core *c,
						 const char *guid);
/* The draft as edited (iqn NULL: not set yet on a new target). Valid until
 * the next setter or save on this draft. */
const struct core_target *core_draft_target(const struct core_target_draft *d);
bool core_draft_is_new(const struct core_target_draft *d);

/* -EINVAL: not a valid name (characters, length); -EEXIST: another target's. */
int core_draft_set_name(struct core_target_draft *d, const char *name, char **why);
/* -EINVAL: not a valid iSCSI name; -EEXIST: another target's. */
int core_draft_set_iqn(struct core_target_draft *d, const char *iqn, char **why);
/* -EINVAL: too long or not UTF-8. */
int core_draft_set_description(struct core_target_draft *d, const char *text);
void core_draft_set_enabled(struct core_target_draft *d, bool enabled);
/* CHAP (REVERSE: mutual CHAP). User: -EINVAL (empty is allowed while the
 * draft is edited; Save requires it when enabled), printable ASCII without
 * space or comma, at most CORE_CHAP_USER_MAX. Secret: -EMSGSIZE outside
 * CORE_CHAP_SECRET_MIN..MAX, -EINVAL not printable ASCII. */
void core_draft_set_chap_enabled(struct core_target_draft *d, bool reverse, bool enabled);
int core_draft_set_chap_user(struct core_target_draft *d, bool reverse, const char *user);
int core_draft_set_chap_secret(struct core_target_draft *d, bool reverse, const char *secret);
/* ValidateChapSecret: 0, -EMSGSIZE (length), -EINVAL (characters), -ENOTUNIQ
 * (equal to the draft's secret for the other direction: RFC 3720 8.2.1). */
int core_draft_check_chap_secret(const struct core_target_draft *d, bool reverse,
				 const char *secret);

enum core_param {
	CORE_PARAM_MAX_RECV_DATA_SEGMENT_LENGTH,
	CORE_PARAM_FIRST_BURST_LENGTH,
	CORE_PARAM_MAX_BURST_LENGTH,
	CORE_PARAM_NUM_RECV_BUFFERS,
};
/* -ERANGE outside the ranges of MS-ISTM notes <23>, <25>, <27>, <29>. */
int core_draft_set_param(struct core_target_draft *d, enum core_param p, uint32_t value);
void core_draft_set_enforce_idle_timeout(struct core_target_draft *d, bool enable);
/* -EINVAL: empty, too long or not UTF-8. */
int core_draft_set_resource_name(struct core_target_draft *d, const char *name);

/* AddID: 0 (also when present already), -EINVAL (bad syntax, *why says
 * which), -EOPNOTSUPP (MAC and NetBIOS identifiers: the backend cannot
 * enforce them, and an ID that is not enforced must not be accepted),
 * -ERANGE (too many). */
int core_draft_add_id(struct core_target_draft *d, enum core_id_method m, const char *value,
		      char **why);
/* RemoveID: 0 when removed, -ENOENT when absent. */
int core_draft_remove_id(struct core_target_draft *d, enum core_id_method m, const char *value);
void core_draft_remove_all_ids(struct core_target_draft *d);

/* AddWTDisk: maps disk WTD at the first free LUN number (*lun, may be NULL).
 * 0 (also when mapped already: *lun is its LUN), -ENOENT (no such disk),
 * -EMEDIUMTYPE (a dynamic or differencing VHD: it cannot be served, see
 * docs/core.md), -ERANGE (the target has the maximum number of LUNs). */
int core_draft_add_disk(struct core_target_draft *d, uint32_t wtd, uint32_t *lun, char **why);
/* RemoveWTDisk: 0, -ENOENT (not mapped to this target). */
int core_draft_remove_disk(struct core_target_draft *d, uint32_t wtd);
void core_draft_remove_all_disks(struct core_target_draft *d);
/* SetWTDiskLunMapping: -ERANGE (LUN outside core_lun_range()), -EEXIST
 * (another disk has that LUN here), -ENOENT (disk not mapped to this target). */
int core_draft_set_lun(struct core_target_draft *d, uint32_t wtd, uint32_t lun);

/* AddPortal/RemovePortal: "ADDRESS", "ADDRESS:PORT" or "[V6]:PORT" (port
 * 3260 by default). -EINVAL malformed. Remove: -ENOENT when absent. Add:
 * -ENOTSUP when the backend has no per-target portals and does not listen
 * there for every target already (no listener is ever opened for one). */
int core_draft_add_portal(struct core_target_draft *d, const char *text);
int core_draft_remove_portal(struct core_target_draft *d, const char *text);
void core_draft_remove_all_portals(struct core_target_draft *d);

/* Save (IHost::Save, NewHost's commit). Errors: -EEXIST (name or IQN now
 * used by another target: *why says which), -ENOTUNIQ (a CHAP user name
 * another target uses with another secret, where the backend keeps one
 * secret per user name; or the same secret both ways), -ENOENT (the target
 * was deleted meanwhile, or a mapped disk was), -EINVAL (*why: CHAP enabled
 * without user or secret, mutual CHAP without one-way CHAP,
 * FirstBurstLength > MaxBurstLength, ...), -EMEDIUMTYPE, -ERANGE, -EIO
 * (database). On success the draft stays usable, now based on the saved
 * target. */
struct tevent_req *core_target_save_send(TALLOC_CTX *mem, struct core *c,
					 struct core_target_draft *d);
int core_target_save_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);

/* DeleteHost: removes the target (its sessions are closed). -ENOENT. */
struct tevent_req *core_target_delete_send(TALLOC_CTX *mem, struct core *c, const char *name);
int core_target_delete_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);

/* Shortcuts for istmctl: a draft opened, changed and saved in one go. LUN
 * CORE_LUN_AUTO picks the first free one. Errors as the setters and Save. */
#define CORE_LUN_AUTO UINT32_MAX
struct tevent_req *core_target_map_send(TALLOC_CTX *mem, struct core *c, const char *name,
					uint32_t wtd, uint32_t lun);
struct tevent_req *core_target_unmap_send(TALLOC_CTX *mem, struct core *c, const char *name,
					  uint32_t wtd);
struct tevent_req *core_target_set_enabled_send(TALLOC_CTX *mem, struct core *c,
						const char *name, bool enabled);
int core_target_change_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);

/* ---- Virtual disks ---- */

/* The INQUIRY strings every LUN shows (with the disk's serial and
 * device_id in VPD pages 0x80 and 0x83). */
#define CORE_LUN_VENDOR "ISTMD"
#define CORE_LUN_PRODUCT "Virtual Disk"
#define CORE_LUN_REVISION "0001"

struct core_disk *core_disk_by_wtd(TALLOC_CTX *mem, const struct core *c, uint32_t wtd);
/* PATH in any spelling storage_path_parse() accepts. NULL with errno ENOENT
 * (no disk there) or the parse error (EINVAL, EACCES, ENAMETOOLONG). */
struct core_disk *core_disk_by_path(TALLOC_CTX *mem, const struct core *c, const char *path,
				    size_t path_len);
/* Every disk, by WTD index. */
int core_disk_list(TALLOC_CTX *mem, const struct core *c, struct core_disk ***disks, size_t *n);
/* GUIDs of the targets that map WTD (IWTDisk "assigned"), creation order. */
int core_disk_targets(TALLOC_CTX *mem, const struct core *c, uint32_t wtd, char ***guids,
		      size_t *n);

struct core_disk_spec {
	const char *path;     /* DevicePath, any accepted spelling */
	size_t path_len;      /* 0: strlen(path) */
	const char *description; /* NULL: "" */
	enum core_wtd_type type; /* CORE_WTD_FILE */
	/* 0: register the existing VHD at PATH. Otherwise create a new VHD of
	 * NEW_TYPE (fixed or dynamic) and NEW_SIZE bytes there first, as one
	 * crash-atomic operation with the registration. */
	uint64_t new_size;
	enum core_vhd_type new_type;
	bool sparse;
};
/* CreateWTDisk. *wtd gets the new index. Errors: -EINVAL/-EACCES/
 * -ENAMETOOLONG (path), -EOPNOTSUPP (type other than file, or a VHD kind we
 * do not handle), -EEXIST (a disk already uses PATH; with NEW_SIZE: a file
 * exists there), -EBUSY (an operation on PATH is under way), -ENOENT (no
 * file), -EISDIR, -EBADMSG (not a valid VHD: *why says which field), -ERANGE
 * (NEW_SIZE not a multiple of 512 or above 2040 GiB), -ENOSPC, -EIO. */
struct tevent_req *core_disk_create_send(TALLOC_CTX *mem, struct core *c,
					 const struct core_disk_spec *spec);
int core_disk_create_recv(struct tevent_req *req, TALLOC_CTX *mem, uint32_t *wtd, char **why);

#define CORE_DISK_SET_DESCRIPTION 1u
#define CORE_DISK_SET_ENABLED 2u
#define CORE_DISK_SET_CACHE_PARENT 4u
#define CORE_DISK_SET_RESOURCE_NAME 8u
struct core_disk_update {
	unsigned fields; /* CORE_DISK_SET_*: what to change */
	const char *description;
	bool enabled;
	bool cache_parent;
	const char *resource_name;
};
/* IWTDisk Save / put_Enable / put_CacheParent. -ENOENT, -EINVAL (text),
 * -EMEDIUMTYPE (CacheParent on a disk that is not differencing). */
struct tevent_req *core_disk_update_send(TALLOC_CTX *mem, struct core *c, uint32_t wtd,
					 const struct core_disk_update *upd);
int core_disk_update_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);

/* Grows the fixed VHD of disk WTD to NEW_SIZE bytes (served LUNs follow).
 * -ENOENT, -EMEDIUMTYPE (not fixed), -EINVAL (not larger or not a multiple
 * of 512), -ERANGE (above 2040 GiB), -EBUSY (an operation on the disk is
 * pending), -ENOSPC, -EIO. */
struct tevent_req *core_disk_grow_send(TALLOC_CTX *mem, struct core *c, uint32_t wtd,
				       uint64_t new_size);
int core_disk_grow_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);

/* DeleteWTDisk: unmaps the disk from every target and forgets it; with
 * DELETE_FILE also removes its VHD. A disk that does not exist is 0 (MS-ISTM
 * 3.46.4.4). -EBUSY: a target that maps it has sessions. */
struct tevent_req *core_disk_delete_send(TALLOC_CTX *mem, struct core *c, uint32_t wtd,
					 bool delete_file);
int core_disk_delete_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);

/* ---- VHD files (ILocalDeviceMgr), serialised with the disk operations ---- */

struct core_file_spec {
	const char *path;
	size_t path_len;          /* 0: strlen */
	enum core_vhd_type type;  /* fixed, dynamic, or differencing */
	uint64_t size;            /* fixed and dynamic */
	bool sparse;              /* fixed: do not reserve the space */
	bool overwrite;           /* replace a file that is no disk's */
	const char *parent;       /* differencing: the parent VHD (any spelling) */
	size_t parent_len;
};
/* CreateWtFile / CreateDiffWtFile. -EBUSY (a disk uses PATH), -EEXIST (exists,
 * no OVERWRITE), -ERANGE (size), the path errors, -ENOENT (parent),
 * -EBADMSG (parent not a VHD), -ENOSPC, -EIO. A differencing child on another
 * drive than its parent gets only the absolute parent locator. */
struct tevent_req *core_file_create_send(TALLOC_CTX *mem, struct core *c,
					 const struct core_file_spec *spec);
int core_file_create_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);
/* GrowWtFile: the fixed VHD at PATH grows by ADDITIONAL bytes (a multiple of
 * 512); through core_disk_grow when a disk uses it. *new_size may be NULL. */
struct tevent_req *core_file_grow_send(TALLOC_CTX *mem, struct core *c, const char *path,
				       size_t path_len, uint64_t additional);
int core_file_grow_recv(struct tevent_req *req, TALLOC_CTX *mem, uint64_t *new_size,
			char **why);
/* DeleteWtFile: -EBUSY (a disk uses it, or one being deleted still does),
 * -ENOENT, -EISDIR, the path errors. */
struct tevent_req *core_file_delete_send(TALLOC_CTX *mem, struct core *c, const char *path,
					 size_t path_len);
int core_file_delete_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);

/* ---- Sessions (MS-ISTM 3.1.1.2), straight from the backend ---- */

struct core_session {
	const char *target_guid; /* NULL for a target that is not ours */
	const char *target_name;
	struct iscsi_session_info info;
};
/* Sessions of the target called NAME, or of all (NULL). -ENOENT (no such
 * target), -ENOTCONN (backend down or absent), -ETIMEDOUT, -EIO. Updates
 * LastLogIn of targets with a session not seen before. */
struct tevent_req *core_sessions_send(TALLOC_CTX *mem, struct core *c, const char *name);
int core_sessions_recv(struct tevent_req *req, TALLOC_CTX *mem, struct core_session **sessions,
		       size_t *n);

/* ---- Reconciler ---- */

/* Completes when a reconcile pass that started after this call has ended
 * (the desired state as of now has been tried on the backend). */
struct tevent_req *core_reconcile_wait_send(TALLOC_CTX *mem, struct core *c);
int core_reconcile_wait_recv(struct tevent_req *req);
/* The same for a full pass, as the periodic one: the live state is listed
 * and compared with the desired one (drift detection). Finish with
 * core_reconcile_wait_recv(). */
struct tevent_req *core_reconcile_check_send(TALLOC_CTX *mem, struct core *c);
/* Number of reconcile passes finished, and of drifts found (live state that
 * did not match: a target changed or missing, an extra target removed). */
void core_reconcile_stats(const struct core *c, uint64_t *passes, uint64_t *drifts);

/* ---- iSNS servers (ISnsMgr, MS-ISTM 3.40) ---- */

/* The servers istmd registers with, in the order added ("HOST" or
 * "HOST:PORT", as given); *names is a talloc array on MEM. */
int core_isns_servers(TALLOC_CTX *mem, const struct core *c, char ***names, size_t *n);
/* AddSnsServer: 0 also when present (names compare case-insensitively);
 * -EINVAL (*why: not a host name or address with an optional port). */
struct tevent_req *core_isns_server_add_send(TALLOC_CTX *mem, struct core *c, const char *name);
/* RemoveSnsServer: -ENOENT when absent. */
struct tevent_req *core_isns_server_remove_send(TALLOC_CTX *mem, struct core *c,
						const char *name);
int core_isns_server_change_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);
/* Whether NAME is a valid iSNS server name: a DNS name, IPv4 literal or
 * [IPv6] literal (a bare IPv6 literal too), optionally ":PORT". */
bool core_isns_server_name_valid(const char *name);

/* One watcher of what the iSNS agent registers: FN(PRIV) runs on the loop
 * (coalesced, from an immediate event) after targets are created, saved or
 * deleted, listener settings change or the iSNS servers change. FN NULL
 * removes it. 0 or -ENOMEM. */
int core_watch_targets(struct core *c, void (*fn)(void *priv), void *priv);
/* Makes AGENT register what the model holds now and after every change
 * (the watcher above; isns_feed.c). Stop with core_watch_targets(c, NULL,
 * NULL). 0 or -ENOMEM. */
struct isns_agent;
int core_isns_feed(struct core *c, struct isns_agent *agent);

#endif
