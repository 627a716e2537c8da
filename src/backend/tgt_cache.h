/* What the tgt backend knows of tgtd's live state between operations
 * (docs/tgt-backend.md, "Live state cache"): the targets with their tids,
 * LUNs, ACL and bound CHAP users, the accounts and the portals.
 *
 * Reading tgtd's whole target list costs time in the number of targets (in
 * tgtd and here), so doing it for every operation made re-applying N targets
 * cost O(N^2). Instead the list is read once, then kept up to date from the
 * plans istmd runs, indexed by IQN and tid, and read again whenever it may be
 * wrong: after any failed operation, when tgtd restarts, and by every full
 * reconcile pass (which lists the live state anyway and repairs drift). */
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
/* PLAN removed target IQN (and maybe accounts). */
int tgt_cache_removed(struct tgt_cache *c, const char *iqn, const struct tgt_plan *plan);

#endif
