/* What the tgt backend knows of tgtd's live state between operations
 * (docs/tgt-backend.md, "Live state cache"): the targets with their tids,
 * LUNs, ACL and bound CHAP users, the accounts and the portals.
 *
 * Reading tgtd's whole target list costs time in the number of targets (in
 * tgtd and here), so doing it for every operation made re-applying N targets
 * cost O(N^2). Instead the list is read once, then kept up to date from the
 * plans istmd runs, indexed by IQN and tid, and read again whenever it may be
 * wrong: after any failed operation, when tgtd restarts, and by every full
 * reconcile pass (which lists the live state anyway and repairs drift).
 *
 * A target's negotiation parameters are not in tgtd's target list: each
 * takes a request of its own, so a full pass over 10,000 targets cost
 * 10,000 requests. The cache keeps them too: set from what istmd applied
 * and from what it read, carried over by each fill (same tid and IQN) as
 * long as the cache was not invalidated (a failure, a tgtd restart), and
 * re-read for a moving window of TGT_CACHE_REFRESH targets per full list,
 * so that a change made behind istmd's back is still seen in time. */
#ifndef ISTMD_BACKEND_TGT_CACHE_H
#define ISTMD_BACKEND_TGT_CACHE_H

#include <stdbool.h>
#include <talloc.h>

#include "backend/tgt_plan.h"

struct tgt_cache;

struct tgt_cache *tgt_cache_new(TALLOC_CTX *mem);
bool tgt_cache_valid(const struct tgt_cache *c);
/* Forgets everything; the next operation reads tgtd again. Memory is kept
 * until the next fill: an operation running now may still look at it. */
void tgt_cache_invalidate(struct tgt_cache *c);
/* Replaces the contents with a copy of LIVE, just read from tgtd (its
 * params are not kept). 0 or -ENOMEM (then the cache is invalid). */
int tgt_cache_fill(struct tgt_cache *c, const struct tgt_live *live);
/* The cached state for planning (indexed; params zeroed). Valid until the
 * cache next changes. */
void tgt_cache_view(const struct tgt_cache *c, struct tgt_live *out);
/* PLAN (for WANT, tid PLAN->tid) ran to its end: the target is now what
 * WANT says, the plan's accounts exist or are gone, its portals listen. */
int tgt_cache_applied(struct tgt_cache *c, const struct iscsi_target *want,
		      const struct tgt_plan *plan);
/* Targets whose parameters a full list reads even when they are known:
 * a window this wide that moves on at each list. */
#define TGT_CACHE_REFRESH 128

/* The known parameters of target TID named IQN: true and *OUT, or false
 * (read them from tgtd). */
bool tgt_cache_params(const struct tgt_cache *c, int32_t tid, const char *iqn,
		      struct iscsi_negotiation *out);
/* What tgtd said of target TID (IQN)'s parameters. Ignored if the cache
 * does not have that target. */
void tgt_cache_set_params(struct tgt_cache *c, int32_t tid, const char *iqn,
			  const struct iscsi_negotiation *params);
/* The window for a list of N targets: positions FIRST .. FIRST + *COUNT - 1
 * (modulo N) of the list are re-read; the next call starts after them. */
void tgt_cache_refresh_window(struct tgt_cache *c, size_t n, size_t *first, size_t *count);
/* Whether list position I falls in the window (FIRST, COUNT) of N. */
bool tgt_cache_in_window(size_t i, size_t n, size_t first, size_t count);

/* PLAN removed target IQN (and maybe accounts). */
int tgt_cache_removed(struct tgt_cache *c, const char *iqn, const struct tgt_plan *plan);

#endif
