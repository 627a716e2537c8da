/* What the core's files share: the in-memory model, the core object, the
 * operation machinery. Not for other layers (they use core/core.h). */
#ifndef ISTMD_CORE_INTERNAL_H
#define ISTMD_CORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include "backend/storage_paths.h"
#include "core/core.h"

/* Frees a talloc string the model holds through a const pointer. */
#define CORE_FREE_CONST(p) talloc_free((void *)(uintptr_t)(p))

struct store;
struct store_tx;
struct reconciler;

/* A multi-step operation that touches files, recorded before its first step
 * and removed after its last (docs/core.md, "Crash safety"). */
enum intent_kind {
	INTENT_CREATE_FILE = 1, /* a disk on a new VHD: TMP_NAME, then PATH */
	INTENT_DELETE_DISK = 2, /* detach PATH's loop device, then unlink if DELETE_FILE */
	INTENT_GROW = 3,        /* PATH grows OLD_SIZE -> NEW_SIZE */
};

/* Phases. CREATE_FILE: 1 = file may exist under TMP_NAME, no disk row;
 * 2 = the disk row is committed, TMP_NAME still to be renamed to PATH.
 * GROW: 1 = the file may be half grown, the row says OLD_SIZE; 2 = the row
 * says NEW_SIZE, a loop device of OLD_SIZE may remain. DELETE_DISK: 1. */
struct intent {
	int64_t id;
	enum intent_kind kind;
	int phase;
	uint32_t wtd;
	char *path;     /* canonical POSIX path */
	char *tmp_name; /* CREATE_FILE: last component of the temporary file */
	uint64_t old_size, new_size;
	bool delete_file;
	uint64_t file_dev, file_ino; /* the disk's file (core_disk), 0/0 unknown */
	/* In memory only: the loop device the disk had when it was deleted. */
	bool have_loop;
	struct loopdev loop;
};

/* Reconciler bookkeeping of one target (reconcile.c). */
struct target_live {
	bool dirty;          /* desired state changed since the last apply */
	bool applied;
	int error;
	char *reason;        /* last failure, logged once per distinct text */
	unsigned failures;   /* consecutive, for the back-off */
	struct timeval next_try;
	unsigned n_sessions;
	unsigned n_unserved;
	uint16_t *tsihs;     /* sessions seen, for LastLogIn */
	size_t n_tsihs;
	bool tsihs_known;    /* seen at least once since start-up */
};

struct mtarget {
	struct core_target *t; /* talloc child of the mtarget */
	int64_t seq;           /* creation order, the row's key in the store */
	struct target_live live;
};

/* Reconciler bookkeeping of one disk's loop device. */
struct disk_live {
	bool dirty;
	bool attached;       /* LOOP is ours and serves the current size */
	/* the loop device it was last attached to; NULL: never (a loopdev
	 * holds a PATH_MAX backing file name: 4 KiB per disk, 40 MiB for
	 * 10,000 disks, touched at load; issue 16) */
	struct loopdev *loop;
	int error;
	char *reason;
	pid_t vhdfs_pid;     /* the istmd-vhdfs serving a dynamic/differencing disk, or 0 */
};

struct mdisk {
	struct core_disk *d; /* talloc child of the mdisk */
	struct disk_live live;
};

struct model {
	struct mtarget **targets; /* talloc array, creation order */
	size_t n_targets;
	struct mdisk **disks;     /* by WTD */
	size_t n_disks;
	struct intent **intents;  /* by id */
	size_t n_intents;
	char service_guid[CORE_GUID_LEN + 1];
	char *service_name;       /* "" until set */
	uint32_t next_wtd;
	int64_t next_seq;
	int64_t next_intent;
	/* SetPortalConfig's listener settings (MS-ISTM 3.30.4.16) */
	struct iscsi_portal_setting *portal_settings;
	size_t n_portal_settings;
	struct snap_model *snap; /* snapshots (snapshots_internal.h) */
	/* ISnsMgr's iSNS servers (MS-ISTM 3.40), in the order added */
	char **isns_servers;
	size_t n_isns_servers;
	int64_t next_isns_seq;
	/* Indexes of the targets (model.c), so that no lookup of one target
	 * costs time in the number of targets: by GUID, by name and IQN
	 * (case-insensitive), and WTD -> each target mapping it. NULL until
	 * the first target is added (lookups then scan). */
	struct hindex *by_guid, *by_name, *by_iqn, *by_wtd;
	struct hindex *disk_by_path; /* disks by canonical POSIX path */
};

/* Hands the stored listener settings to the backend (at open). */
int core_portal_settings_push(struct core *c);

struct core {
	struct tevent_context *ev;
	const struct storage_paths *sp;
	struct iscsi_backend *backend;
	struct iscsi_backend_caps caps;
	const struct core_loop_ops *loop;
	const struct vhdfs_conf *vhdfs; /* NULL: dynamic/differencing disks are not served */
	struct tevent_timer *vhdfs_watch;
	char *state_dir;
	char *iqn_prefix;
	char *hostname;
	unsigned reconcile_interval_s;
	unsigned login_poll_interval_ms;
	unsigned max_connections; /* offered by every target; 0: backend default */
	void (*crash_point)(const char *point, void *priv);
	void *crash_priv;

	struct workpool *store_pool; /* one thread: SQLite writes in order */
	struct workpool *io_pool;
	struct store *store;         /* used on the store thread only */
	struct model *model;

	struct op *turn_holder;      /* the mutation running now */
	struct op **turn_queue;      /* waiting mutations, FIFO */
	size_t n_turn_queue;
	struct tevent_immediate *turn_im;

	struct reconciler *rec;
	struct core_events *events; /* observers of changes (events.c), made on first use */
	bool defer_reconcile; /* core_reconcile_start() starts it */
	bool keep_foreign;    /* core_keep_foreign_targets() */
	bool closing;     /* being freed: operations must not touch the queues */
	bool quiescing;   /* core_close_send(): no new work */
	unsigned n_ops;   /* operations alive */
	unsigned n_background; /* store jobs outside operations */
	struct tevent_req **closers;
	size_t n_closers;
	/* core_watch_targets() (isns_servers.c) */
	struct core_watch *watch;
};

/* ---- model.c ---- */
struct mtarget *model_target_by_guid(const struct model *m, const char *guid);
struct mtarget *model_target_by_name(const struct model *m, const char *name);
struct mtarget *model_target_by_iqn(const struct model *m, const char *iqn);
struct mdisk *model_disk(const struct model *m, uint32_t wtd);
struct mdisk *model_disk_by_path(const struct model *m, const char *posix_path);
struct intent *model_intent_for_path(const struct model *m, const char *posix_path);
struct intent *model_intent_for_disk(const struct model *m, uint32_t wtd);
/* Adding, replacing and removing targets keeps the indexes in step: the
 * only ways to change a model target's name, IQN or LUNs. */
int model_add_target(struct model *m, struct mtarget *mt);
void model_remove_target(struct model *m, struct mtarget *mt);
/* MT's target becomes T (stolen; the old one is freed). */
int model_target_set(struct model *m, struct mtarget *mt, struct core_target *t);
/* Rebuilds every index (after the store filled targets in place). */
int model_reindex(struct model *m);
/* The targets mapping WTD: start with *CURSOR = 0, until NULL. */
struct mtarget *model_next_mapping(const struct model *m, uint32_t wtd, size_t *cursor);
int model_add_disk(struct model *m, struct mdisk *md);
/* MD's disk becomes D (stolen; the old one is freed): keeps the path index. */
int model_disk_set(struct model *m, struct mdisk *md, struct core_disk *d);
void model_remove_disk(struct model *m, struct mdisk *md);
int model_add_intent(struct model *m, struct intent *i);
/* Adds a copy of I (just committed) to the model. 0 or -ENOMEM. */
int model_track_intent(struct model *m, const struct intent *i);
void model_remove_intent(struct model *m, int64_t id);
struct intent *intent_dup(TALLOC_CTX *mem, const struct intent *i);
/* Whether any target maps WTD. */
bool model_disk_mapped(const struct model *m, uint32_t wtd);
/* Fills in windows_path and status-independent derived fields. */
void model_disk_derive(const struct core *c, struct core_disk *d);
/* New random v4 GUID text. */
void core_guid_new(char out[CORE_GUID_LEN + 1]);
/* Case-insensitive ASCII equality (names, IQNs, DNS names). */
bool core_str_ieq(const char *a, const char *b);

/* ---- operations (op.c): a mutation's life on the core, independent of
 * the caller's request, so a caller that goes away never leaves the model
 * and the database out of step. ---- */
struct op;
typedef void (*op_step_fn)(struct op *op);

struct op {
	struct core *c;
	const char *what;        /* for logs */
	struct tevent_req *req;  /* the caller's request; NULL once it is gone */
	void *state;             /* the operation's own data (talloc child) */
	op_step_fn start;        /* runs when the operation has the turn */
	int rc;
	char *why;
	bool holds_turn;
	bool queued;
	bool wait_reconcile;     /* complete only after a reconcile pass */
	void *io_arg;            /* op_io(): the job's argument, back from the pool */
	void *result;            /* op_set_result() */
};

/* Creates the caller's request and the operation behind it; START runs when
 * every earlier mutation has released the turn. STATE_SIZE bytes of zeroed
 * operation data are at op->state. */
struct tevent_req *op_send(TALLOC_CTX *mem, struct core *c, const char *what, size_t state_size,
			   op_step_fn start, struct op **out);
/* Ends the operation: releases the turn, and either completes the caller's
 * request now (RC < 0, or no reconcile wanted) or after the next reconcile
 * pass. WHY (printf) may be NULL. */
void op_finish(struct op *op, int rc, const char *why_fmt, ...) __attribute__((format(printf, 3, 4)));
/* Releases the turn early (after the commit), keeping the operation alive
 * until op_finish(). */
void op_release_turn(struct op *op);
/* Generic recv for operations. */
int op_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why);
/* The operation's private result area for recv functions that return more. */
void *op_req_result(struct tevent_req *req);
void op_set_result(struct op *op, const void *data, size_t size);

/* Crash points for the tests (docs/core.md). */
void core_crash_point(const struct core *c, const char *point);

/* Runs FN(ARG) on the io pool (blocking file and device work), then DONE(op)
 * on the loop. ARG is handed over to the job (talloc-stolen) and given back
 * in op_io_result(). */
void op_io(struct op *op, void (*fn)(void *arg), void *arg, op_step_fn done);
void *op_io_arg(struct op *op);
/* After op_io(op, file_job_run, job, DONE): the job in *J (NULL if it could
 * not run) and the result: the step's error, else the job's (-ENOMEM
 * without a job). */
struct file_job;
int op_file_job(struct op *op, struct file_job **j);
/* Commits TX on the store thread, then DONE(op) with op->rc set (0 or a
 * negative errno, op->why set on failure). */
void op_store(struct op *op, struct store_tx *tx, op_step_fn done);
/* The same for a step with nothing to undo when the commit fails: then the
 * op finishes with the store's error and DONE does not run. */
void op_commit(struct op *op, struct store_tx *tx, op_step_fn done);

/* The io pool, for the reconciler and sessions. */
struct tevent_req *core_io_send(TALLOC_CTX *mem, struct core *c, void (*fn)(void *arg), void *arg);
int core_io_recv(struct tevent_req *req, TALLOC_CTX *mem, void **arg);
/* A store transaction outside any operation (LastLogIn); errors are logged. */
void core_store_background(struct core *c, struct store_tx *tx, const char *what);

/* Completes core_close_send() requests once nothing is in flight. */
void core_quiesce_check(struct core *c);

/* ---- reconcile.c ---- */
/* Whether a pass is under way. */
bool reconciler_busy(const struct core *c);
/* No new passes; wakes every waiter once the pass under way ends. */
void reconciler_quiesce(struct core *c);
int reconciler_start(struct core *c);
/* Marks the target (or disk) as changed; the next pass applies it. */
void reconciler_target_changed(struct core *c, const char *guid);
void reconciler_disk_changed(struct core *c, uint32_t wtd);
/* vhdfs_watch.c: notices a dead istmd-vhdfs and has its disk served again. */
void vhdfs_watch_start(struct core *c);
/* Whether disk D needs istmd-vhdfs (a dynamic or differencing VHD served). */
bool core_disk_uses_vhdfs(const struct core *c, const struct core_disk *d);
/* Requests a pass and calls DONE(op) once a pass that starts after now ends. */
void reconciler_wait_op(struct core *c, struct op *op, op_step_fn done);
/* A target is gone from the model: drop the live target at the next pass. */
void reconciler_target_removed(struct core *c, const char *iqn);

/* ---- isns_servers.c ---- */
/* Tells the watcher (core_watch_targets) that targets, portals or the iSNS
 * servers changed. */
void core_watch_fire(struct core *c);

/* ---- sessions.c ---- */
/* Records sessions seen for MT: a TSIH not seen before is a login. */
/* login_poll.c: starts polling the backend's sessions (nothing with no
 * backend or a 0 interval). */
int login_poll_start(struct core *c, unsigned interval_ms);
void sessions_observe(struct core *c, struct mtarget *mt, const uint16_t *tsihs, size_t n);
/* The same for every target (or the one whose IQN is ONLY_IQN) from a
 * backend's session list. */
void sessions_observe_all(struct core *c, const struct iscsi_session_info *info, size_t n,
			  const char *only_iqn);

#endif
