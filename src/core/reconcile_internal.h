/* The reconciler's state, shared by reconcile.c (scheduling, events,
 * waiters), reconcile_pass.c (a pass) and reconcile_describe.c (what the
 * backend is told, and what came of it). */
#ifndef ISTMD_CORE_RECONCILE_INTERNAL_H
#define ISTMD_CORE_RECONCILE_INTERNAL_H

#include "core/core_internal.h"
#include "core/reconcile_jobs.h"

#define BACKOFF_MAX_S 60

struct rec_waiter {
	uint64_t need;          /* passes finished >= need */
	struct op *op;          /* an operation, or */
	op_step_fn done;
	struct tevent_req *req; /* a public waiter */
};

struct pass;

struct reconciler {
	struct core *c;
	struct pass *pass;       /* under way, or NULL */
	bool want_pass, want_full;
	uint64_t started, finished, drifts;
	uint64_t generation;     /* of the backend daemon we last applied to */
	bool backend_up;
	struct rec_waiter *waiters;
	size_t n_waiters;
	char **removed;          /* IQNs of targets deleted or renamed */
	size_t n_removed;
	struct tevent_immediate *kick;
	struct tevent_timer *retry;
	struct tevent_timer *periodic;
};

struct pass {
	struct reconciler *r;
	bool full;
	bool backend_up;
	char **targets;          /* GUIDs to apply, in model order */
	size_t n_targets, cursor;
	uint32_t *disks;         /* disks to look at */
	size_t n_disks;
	char **removed;
	size_t n_removed;
	struct iscsi_target *live; /* full pass: the backend's state */
	size_t n_live;
	struct hindex *live_by_iqn; /* LIVE by IQN (case-insensitive) */
	struct hindex *disk_set;    /* DISKS, as a set */
	struct dns_job *dns;
	int64_t *intents;        /* ids of the intents to finish */
	size_t n_intents;
	bool loops_attach;       /* the loop step under way attaches */
};

/* reconcile_pass.c */
void pass_start(struct reconciler *r);
/* reconcile.c: the pass under way has ended (R->pass is NULL again). */
void reconciler_pass_ended(struct reconciler *r);
struct timeval reconcile_backoff(unsigned failures);

/* reconcile_describe.c */
/* The backend description of MT: its LUNs on their loop devices (those that
 * cannot be served are left out, counted in *N_UNSERVED, the first reason in
 * *WHY and its error in *UNSERVED_RC: the disk's, e.g. -ESTALE for a file
 * replaced, else -ENODEV), its identifiers (DNS names as P resolved them),
 * CHAP, parameters. */
struct iscsi_target *reconcile_describe(TALLOC_CTX *mem, struct core *c, const struct pass *p,
					const struct mtarget *mt, unsigned *n_unserved,
					int *unserved_rc, char **why);
/* Records an apply's outcome (back-off, one log line per distinct cause);
 * an apply that succeeded with LUNs left out counts as UNSERVED_RC. */
void reconcile_target_outcome(struct mtarget *mt, int rc, const char *why, unsigned n_unserved,
			      int unserved_rc);
void reconcile_disk_outcome(struct mdisk *md, const struct loop_item *it);

#endif
