/* Snapshots of virtual disks (MS-ISTM 3.1.1.5; docs/snapshots.md).
 *
 * A snapshot is a space-sharing copy of a disk's VHD file made by a
 * snapshot provider (backend/snap_provider.h) on the file system of the
 * disk's storage root, kept in ROOT/.istmd-snapshots/<disk-guid>/<id>.vhd.
 * A set is taken over several disks at one go (the same set_id). Lookups
 * are synchronous deep copies; changes are tevent_req operations serialised
 * with every other core mutation. Crash safety: a new snapshot's file is
 * made durable as <id>.vhd.part before its row is committed, then renamed;
 * a deleted one's is renamed <id>.vhd.deleting before its row goes, then
 * removed; the next start finishes or undoes either. A <id>.vhd without a
 * row is never removed: it is an unregistered snapshot (ImportSnapshot). */
#ifndef ISTMD_CORE_SNAPSHOTS_H
#define ISTMD_CORE_SNAPSHOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>
#include <tevent.h>

#include "core/model.h"

struct core;

/* MS-ISTM 3.1.1.5 Status flags. */
#define CORE_SNAP_STATUS_IDLE 0u
#define CORE_SNAP_STATUS_EXPORTED 1u
#define CORE_SNAP_STATUS_LOCALLY_MOUNTED 2u
#define CORE_SNAP_STATUS_ROLLBACK 4u

/* Snapshots one disk may have (Windows: 512 shadow copies per volume). */
#define CORE_SNAPSHOTS_PER_DISK_MAX 4096
/* Disks in one snapshot set. */
#define CORE_SNAPSHOT_SET_MAX 64
#define CORE_NO_WTD UINT32_MAX

struct core_snapshot {
	char id[CORE_GUID_LEN + 1];
	char set_id[CORE_GUID_LEN + 1];
	uint32_t orig_wtd;
	char disk_guid[CORE_GUID_LEN + 1];
	const char *root;      /* the storage root holding the file */
	const char *file;      /* POSIX path of the snapshot's file (display) */
	int64_t timestamp;     /* FILETIME of the instant it was taken */
	uint64_t size;         /* the disk's virtual size then */
	uint32_t exported_wtd; /* CORE_NO_WTD when not exported */
	bool persistent;       /* always true here */
	uint32_t status;       /* CORE_SNAP_STATUS_* */
	const char *description;
};

/* Whether disk WTD can have snapshots: 0, -ENOENT (no such disk),
 * -EMEDIUMTYPE (not a fixed VHD file), -EOPNOTSUPP (its file system
 * cannot: *why names it). Per volume, probed at start-up. */
int core_snapshot_supported(TALLOC_CTX *mem, const struct core *c, uint32_t wtd, char **why);
/* Whether any storage root can take snapshots. */
bool core_snapshots_any_supported(const struct core *c);
/* The provider's name for the root holding disk WTD ("" if none). */
const char *core_snapshot_provider_name(const struct core *c, uint32_t wtd);

struct core_snapshot *core_snapshot_get(TALLOC_CTX *mem, const struct core *c, const char *id);
/* Snapshots of disk WTD, or of every disk (CORE_NO_WTD), oldest first. */
int core_snapshot_list(TALLOC_CTX *mem, const struct core *c, uint32_t wtd,
		       struct core_snapshot ***out, size_t *n);

/* Takes one snapshot of each of the N disks WTDS as one set, at one
 * instant (docs/snapshots.md, "Consistency"). IDS: N GUIDs to use, or NULL
 * to make them; SET_ID likewise. Errors: -EINVAL (N, duplicate disk, bad
 * or used id), -ENOENT (a disk), -EMEDIUMTYPE, -EOPNOTSUPP, -ENOSPC,
 * -EMLINK (CORE_SNAPSHOTS_PER_DISK_MAX reached), -EIO. */
struct tevent_req *core_snapshot_create_send(TALLOC_CTX *mem, struct core *c,
					     const uint32_t *wtds, size_t n,
					     const char *const *ids, const char *set_id);
/* *ids: talloc array of N ids on MEM (may be NULL); *hold_us: how long the
 * disks' content was held at one instant (may be NULL). */
int core_snapshot_create_recv(struct tevent_req *req, TALLOC_CTX *mem, char ***ids,
			      uint64_t *hold_us, char **why);

/* DeleteSnapshot: 0 also when there is no such snapshot (MS-ISTM
 * 3.38.4.6). -EBUSY: a rollback from it runs. Its exported disk, if any,
 * is deleted with its file (-EBUSY while initiators use that). */
struct tevent_req *core_snapshot_delete_send(TALLOC_CTX *mem, struct core *c, const char *id);
int core_snapshot_delete_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);

/* ImportSnapshot (MS-ISTM 3.38.4.7): registers the unregistered snapshot
 * file ROOT/.istmd-snapshots/<disk-guid>/<ID>.vhd as snapshot ID of the disk
 * with that GUID. HINT (may be NULL): what the client's ISnapshot says.
 * Errors: -EINVAL (ID is not a GUID), -EEXIST (registered already),
 * -ENOENT (no such file below any root), -ENODEV (no disk has its GUID),
 * -EXDEV (the file is another disk's than HINT's orig_wtd, or on another
 * volume than its disk), -EMEDIUMTYPE (the disk is not a fixed VHD, or the
 * file is not a fixed VHD of the disk's size), -EOPNOTSUPP (the volume
 * cannot make snapshots), -EMLINK (CORE_SNAPSHOTS_PER_DISK_MAX). */
struct core_snapshot_import {
	uint32_t orig_wtd;             /* CORE_NO_WTD: whichever disk it is of */
	char set_id[CORE_GUID_LEN + 1]; /* "": a new set */
	int64_t timestamp;             /* FILETIME; 0: the file's mtime */
	const char *description;       /* NULL: "imported" */
};
struct tevent_req *core_snapshot_import_send(TALLOC_CTX *mem, struct core *c, const char *id,
					     const struct core_snapshot_import *hint);
int core_snapshot_import_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);

/* ExportAsWTDisk: a space-sharing copy of the snapshot becomes a new
 * virtual disk beside the original's file (the snapshot stays as it is).
 * -ENOENT (no snapshot), -EALREADY (exported already), -EBUSY (an export
 * of it runs), -EINVAL (its storage root is gone), -ENOSPC, -EIO. */
struct tevent_req *core_snapshot_export_send(TALLOC_CTX *mem, struct core *c, const char *id);
int core_snapshot_export_recv(struct tevent_req *req, TALLOC_CTX *mem, uint32_t *wtd, char **why);

/* Rollback: the disk gets the snapshot's content back, crash-atomically
 * (a copy of the snapshot renamed over the disk's file). -ENOENT (no
 * snapshot, or its disk is gone), -EBUSY (initiators are logged in to a
 * target that maps the disk), -EALREADY (a rollback of the disk runs),
 * -EACCES (the disk is disabled), -EIO. The snapshot is kept. */
struct tevent_req *core_snapshot_rollback_send(TALLOC_CTX *mem, struct core *c, const char *id);
int core_snapshot_rollback_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);

/* ---- Snapshot schedules, run by istmd's own timer: several, by name
 * (core/snapshot_schedules.h); the one named "default" is MS-ISTM's
 * (3.52.4.11-12: one at a time). Each run takes one set over its disks (all
 * fixed, enabled disks whose volume can, when WTDS is empty) and then
 * deletes the oldest snapshots of that schedule of each disk beyond KEEP
 * (snapshots taken by hand or by another schedule are never deleted by
 * it). A run missed while istmd was down is made once, at start-up, then
 * the schedule goes on from its grid. ---- */
#define CORE_SCHEDULE_DESCRIPTION "scheduled"
#define CORE_SCHEDULE_KEEP_DEFAULT 64
struct core_snapshot_schedule {
	int64_t start;        /* FILETIME of the first run; 0: no schedule */
	uint32_t interval_s;  /* between runs: 86400 every day, 604800 weekly */
	uint32_t keep;        /* scheduled snapshots kept per disk */
	uint32_t *wtds;       /* the disks; none: every disk that can */
	size_t n_wtds;
	int64_t last_run;     /* FILETIME of the last run, 0: none yet */
	/* Several schedules (core/snapshot_schedules.h): NULL or "" is the
	 * default one, the one MS-ISTM sees; DAYS: bit 0 Sunday ... bit 6
	 * Saturday, 0 every day. */
	const char *name;
	uint32_t days;
	/* the grid point of the last run really made, 0: none (LAST_RUN also
	 * marks the runs skipped when the schedule was set) */
	int64_t last_made;
};
/* The default schedule (start 0 when none), on MEM. */
struct core_snapshot_schedule *core_snapshot_schedule_get(TALLOC_CTX *mem, const struct core *c);
/* Sets (START 0: clears) schedule S->name (the default one when NULL),
 * durably. -EINVAL: bad name, interval 0, keep 0 or above
 * CORE_SNAPSHOTS_PER_DISK_MAX, days with an interval above a day; -ENOENT:
 * a disk; -EMLINK: CORE_SCHEDULES_MAX schedules exist. */
struct tevent_req *core_snapshot_schedule_set_send(TALLOC_CTX *mem, struct core *c,
						   const struct core_snapshot_schedule *s);
int core_snapshot_schedule_set_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);
/* Number of scheduled runs made since start-up (tests). */
uint64_t core_snapshot_schedule_runs(const struct core *c);

/* Whether disk WTD is a snapshot's export: its LUNs are read-only (a
 * snapshot is a point in time; MS-ISTM has no way to ask for writable). */
bool core_snapshot_export_read_only(const struct core *c, uint32_t wtd);

/* Whether a rollback of disk WTD runs (IWTDisk3 GetLunStatus: Reverting). */
bool core_snapshot_disk_reverting(const struct core *c, uint32_t wtd);

/* Bytes the snapshots of disk WTD hold of their own (their extents not
 * shared with the disk or each other, FIEMAP): SnapshotStorageUsedSize. */
struct tevent_req *core_snapshot_usage_send(TALLOC_CTX *mem, struct core *c, uint32_t wtd);
int core_snapshot_usage_recv(struct tevent_req *req, uint64_t *used);

#endif
