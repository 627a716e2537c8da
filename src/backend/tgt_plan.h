/* Planning: from tgtd's live state and a desired target, the list of tgtd
 * requests that makes the one into the other. Pure functions (no I/O), so the
 * reconciliation logic is unit-tested without a tgtd.
 *
 * tgt's peculiarities the plans deal with:
 *  - CHAP accounts are global (user -> password), bound to targets; tgtd never
 *    shows a password, so the backend remembers the secrets it set in this
 *    tgtd instance (struct tgt_secrets) and re-creates an account whose secret
 *    it does not know;
 *  - LUN 0 is the target's controller and cannot be removed;
 *  - address and initiator-name ACL rules share one list;
 *  - a new target accepts logins at once, so it is created offline and made
 *    ready last, after its LUNs, CHAP accounts and ACL are in place. */
#ifndef ISTMD_BACKEND_TGT_PLAN_H
#define ISTMD_BACKEND_TGT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <talloc.h>

#include "backend/iscsi_backend.h"
#include "backend/tgt_parse.h"
#include "backend/tgt_proto.h"

struct hindex;

enum tgt_step_flags {
	TGT_STEP_RETRY_BUSY = 1, /* tgtd says busy (commands in flight): retry a while */
	TGT_STEP_OK_ENOENT = 2,  /* already gone is fine */
	TGT_STEP_OK_EEXIST = 4,  /* already there is fine */
};

struct tgt_step {
	struct tgt_request req;
	unsigned flags;
	/* After success: remember (secret != NULL) or forget this account. */
	const char *account_user;
	const char *account_secret;
};

struct tgt_plan {
	struct tgt_step *steps;
	size_t n_steps;
	int32_t tid;         /* the target's tid (new or existing), 0 if none */
	bool check_sessions; /* afterwards, close the sessions WANT no longer allows */
};

/* The CHAP secrets this backend set in the current tgtd instance. */
struct tgt_secret {
	const char *user;
	const char *secret;
};

struct tgt_secrets {
	struct tgt_secret *v;
	size_t n;
};

/* Everything the plans look at. */
struct tgt_live {
	struct tgt_live_target *targets;
	size_t n_targets;
	const char **accounts;
	size_t n_accounts;
	struct iscsi_portal *portals;
	size_t n_portals;
	/* the wanted target's negotiation parameters, when it exists */
	struct iscsi_negotiation params;
	/* Optional (tgt_cache.c): iSCSI targets by IQN and all targets by tid,
	 * each -> position + 1 in TARGETS; no tid below FREE_TID_HINT is free.
	 * NULL: the plans scan TARGETS. */
	struct hindex *by_iqn, *by_tid;
	int32_t free_tid_hint;
};

/* tgt's per-target defaults (usr/iscsi/target.c iscsi_target_create). */
extern const struct iscsi_negotiation tgt_default_params;

/* The parameters a target has once a plan for WANT ran: WANT's, tgt's
 * default where WANT leaves one to the backend. */
void tgt_params_effective(const struct iscsi_negotiation *want, struct iscsi_negotiation *out);

const struct tgt_live_target *tgt_live_find(const struct tgt_live *live, const char *iqn);
const char *tgt_secrets_get(const struct tgt_secrets *s, const char *user);
/* Sets or (secret NULL) forgets; copies onto MEM (the cache's context). */
int tgt_secrets_set(TALLOC_CTX *mem, struct tgt_secrets *s, const char *user,
		    const char *secret);

/* The steps for apply(WANT) (already validated). DEFAULT_PORTALS stand in for
 * an empty WANT->portals. 0, -EEXIST with *why (a CHAP user name shared with
 * another target under another secret), -EINVAL with *why, or -ENOMEM. */
int tgt_plan_apply(TALLOC_CTX *mem_ctx, const struct tgt_live *live,
		   const struct tgt_secrets *secrets, const struct iscsi_target *want,
		   const struct iscsi_portal *default_portals, size_t n_default_portals,
		   struct tgt_plan *plan, char **why);
/* The steps that make tgtd listen on every one of LISTEN and on none of
 * UNLISTEN (SetPortalConfig); other live portals are left alone. */
int tgt_plan_portals(TALLOC_CTX *mem_ctx, const struct tgt_live *live,
		     const struct iscsi_portal *listen, size_t n_listen,
		     const struct iscsi_portal *unlisten, size_t n_unlisten, struct tgt_plan *plan);
/* The steps for remove(IQN): the target (forced: its sessions are closed) and
 * the accounts no other target uses any more. */
int tgt_plan_remove(TALLOC_CTX *mem_ctx, const struct tgt_live *live, const char *iqn,
		    struct tgt_plan *plan);
/* Closing the connections of target TID that WANT does not allow (all of them
 * when it is disabled). */
int tgt_plan_evict(TALLOC_CTX *mem_ctx, const struct iscsi_target *want, int32_t tid,
		   const struct tgt_conn *conns, size_t n_conns, struct tgt_plan *plan);

/* Whether an initiator (name, address) may log in under WANT's ACL. */
bool tgt_acl_allows(const struct iscsi_target *want, const char *initiator,
		    const char *address);

/* The live state of one target in the interface's terms (list()). */
int tgt_live_to_target(TALLOC_CTX *mem_ctx, const struct tgt_live *live,
		       const struct tgt_live_target *lt, const struct iscsi_negotiation *params,
		       struct iscsi_target *out);

#endif
