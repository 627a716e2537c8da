/* What the snapshot files of the core share (snapshots*.c). */
#ifndef ISTMD_CORE_SNAPSHOTS_INTERNAL_H
#define ISTMD_CORE_SNAPSHOTS_INTERNAL_H

#include "backend/snap_provider.h"
#include "core/core_internal.h"
#include "core/snapshots.h"

struct store;

/* Per storage root (same order as storage_paths): the provider that works
 * there, or NULL and why not. */
struct snap_root {
	const struct snap_provider *provider;
	int rc;
};

/* A rollback recorded before its rename (crash recovery finishes it). */
struct snap_rollback {
	int phase;           /* 0 none; 1 the copy may exist; 2 renamed */
	uint64_t new_ino;    /* the copy's inode: the disk's file after the rename */
	bool enable;         /* re-enable the disk at the end */
};

struct msnap {
	struct core_snapshot *s; /* talloc child */
	struct snap_rollback rb;
	bool busy;               /* an export or a rollback runs */
};

struct snap_model {
	struct msnap **snaps;    /* talloc array, oldest first */
	size_t n;
	struct snap_root *roots; /* sp->count entries */
	size_t n_roots;
	struct core_snapshot_schedule **schedules; /* by name, each with a start */
	size_t n_schedules;
	struct tevent_timer *timer;
	bool running;            /* a scheduled run is under way */
	uint64_t runs;
};

/* snapshots_schedule.c: arms the timer for the loaded schedules (open). */
void snapshots_start(struct core *c);
int snap_tx_schedule(struct store_tx *tx, const struct core_snapshot_schedule *s);
/* Create with a description (the scheduler's); core_snapshot_create_send
 * passes NULL. */
struct tevent_req *snap_create_send(TALLOC_CTX *mem, struct core *c, const uint32_t *wtds,
				    size_t n, const char *const *ids, const char *set_id,
				    const char *description);

/* The snapshot file's name in its directory: "<id>.vhd". */
#define SNAP_FILE_SUFFIX ".vhd"
/* A new snapshot's file until its row is committed ("<id>.vhd.part"), and a
 * deleted one's until its row is gone ("<id>.vhd.deleting"): the start-up
 * sweep removes or renames these, and only these (plus a rollback's copy);
 * a "<id>.vhd" without a row is an unregistered snapshot, kept for
 * ImportSnapshot (snapshots_import.c). */
#define SNAP_PART_SUFFIX ".vhd.part"
#define SNAP_DELETING_SUFFIX ".vhd.deleting"
#define SNAP_NAME_MAX 64

/* A snapshot id as istmd writes them: a lower-case GUID, its file's name. */
bool snap_id_valid(const char *s);

/* snapshots_store.c, on the store thread at open: loads the snapshots,
 * probes each root, removes orphan files and half rollbacks. */
int snapshots_open(struct store *s, const struct storage_paths *sp, struct model *m,
		   char **why);
/* Transaction steps. */
int snap_tx_put(struct store_tx *tx, const struct core_snapshot *s, const struct snap_rollback *rb);
int snap_tx_delete(struct store_tx *tx, const char *id);

struct snap_model *snap_model(const struct core *c);
struct msnap *snap_find(const struct core *c, const char *id);
int snap_add(struct core *c, struct core_snapshot *s);
void snap_remove(struct core *c, const char *id);
size_t snap_count_disk(const struct core *c, uint32_t wtd);
/* The root index of a POSIX path, or -1. */
int snap_root_index(const struct storage_paths *sp, const char *root_path);
struct core_snapshot *core_snapshot_dup(TALLOC_CTX *mem, const struct core_snapshot *s);
/* Saves SNAP's fields (and RB when not NULL) and updates the model: an
 * operation (op_recv). */
struct tevent_req *snap_record_send(TALLOC_CTX *mem, struct core *c,
				    const struct core_snapshot *snap);
struct tevent_req *snap_record_rb_send(TALLOC_CTX *mem, struct core *c,
				       const struct core_snapshot *snap,
				       const struct snap_rollback *rb);
/* The snapshot's row, then its file (snapshots.c); op_recv. */
struct tevent_req *snap_delete_only_send(TALLOC_CTX *mem, struct core *c, const char *id);
/* FILETIME now. */
int64_t snap_filetime_now(void);

#endif
