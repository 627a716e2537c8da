/* Drafts' internals, shared by draft.c, merge.c and target_ops.c. */
#ifndef ISTMD_CORE_DRAFT_H
#define ISTMD_CORE_DRAFT_H

#include "core/core_internal.h"

struct core_target_draft {
	struct core *c;
	struct core_target *base; /* as opened or last saved; NULL: a new target */
	struct core_target *edit; /* what the setters change */
	struct op *pending;       /* a save under way, to update the draft after */
};

/* A draft whose edit copy is T (not copied), for the one-shot changes. */
struct core_target_draft *draft_on_target(TALLOC_CTX *mem, struct core *c,
					  struct core_target *t);
void draft_sort_luns(struct core_target *t);
/* The draft is going away: a pending save must not touch it (target_ops.c). */
void draft_detach_save(struct core_target_draft *d);

/* CUR with what EDIT changed relative to BASE applied (merge.c). */
struct core_target *draft_merge(TALLOC_CTX *mem, const struct core_target *cur,
				const struct core_target *base, const struct core_target *edit);

#endif
