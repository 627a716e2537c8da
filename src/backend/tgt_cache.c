/* The tgt backend's picture of tgtd (tgt_cache.h). Targets live in one
 * array (removal swaps the last one in), each with its own talloc context
 * for its strings; IQN and tid map to a position + 1. */
#include "backend/tgt_cache.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "istmd/hindex.h"

struct tgt_cache {
	bool valid;
	TALLOC_CTX *mem; /* the contents; replaced at each fill */
	struct tgt_live_target *targets;
	TALLOC_CTX **holds; /* per target: its strings */
	size_t n_targets;
	const char **accounts;
	size_t n_accounts;
	struct iscsi_portal *portals;
	size_t n_portals;
	struct hindex *by_iqn, *by_tid; /* -> position + 1 */
	int32_t free_hint;
	/* per target (parallel to TARGETS): its negotiation parameters */
	struct cached_params *params;
	bool params_trusted; /* false since an invalidation: a fill forgets them */
	size_t refresh_next; /* the next refresh window's first list position */
};

struct cached_params {
	struct iscsi_negotiation p;
	bool known;
};

#define POS(p) ((void *)(uintptr_t)((p) + 1))
#define UNPOS(v) ((size_t)(uintptr_t)(v) - 1)

struct tgt_cache *tgt_cache_new(TALLOC_CTX *mem)
{
	return talloc_zero(mem, struct tgt_cache);
}

bool tgt_cache_valid(const struct tgt_cache *c)
{
	return c->valid;
}

void tgt_cache_invalidate(struct tgt_cache *c)
{
	c->valid = false;
	c->params_trusted = false;
}

static bool is_iscsi(const struct tgt_live_target *t)
{
	return t->driver == NULL || strcmp(t->driver, "iscsi") == 0;
}

static const char *dup(TALLOC_CTX *mem, const char *s, bool *ok)
{
	if (s == NULL)
		return NULL;
	char *d = talloc_strdup(mem, s);
	if (d == NULL)
		*ok = false;
	return d;
}

static const char **dup_list(TALLOC_CTX *mem, const char *const *v, size_t n, bool *ok)
{
	const char **d = talloc_zero_array(mem, const char *, n + 1);
	if (d == NULL) {
		*ok = false;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = dup(d, v[i], ok);
	return d;
}

static void dup_luns(TALLOC_CTX *mem, const struct iscsi_lun *v, size_t n, struct iscsi_lun **out,
		     bool *ok)
{
	struct iscsi_lun *l = talloc_zero_array(mem, struct iscsi_lun, n + 1);
	*out = l;
	if (l == NULL) {
		*ok = false;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		l[i] = v[i];
		l[i].path = dup(l, v[i].path, ok);
		l[i].serial = dup(l, v[i].serial, ok);
		l[i].device_id = dup(l, v[i].device_id, ok);
		l[i].vendor = dup(l, v[i].vendor, ok);
		l[i].product = dup(l, v[i].product, ok);
		l[i].revision = dup(l, v[i].revision, ok);
	}
}

/* A deep copy of T on HOLD; the nexus array owns its strings. */
static bool dup_target(TALLOC_CTX *hold, const struct tgt_live_target *t,
		       struct tgt_live_target *out)
{
	bool ok = true;
	*out = *t;
	out->iqn = dup(hold, t->iqn, &ok);
	out->driver = dup(hold, t->driver, &ok);
	dup_luns(hold, t->luns, t->n_luns, &out->luns, &ok);
	out->acl = dup_list(hold, t->acl, t->n_acl, &ok);
	out->in_users = dup_list(hold, t->in_users, t->n_in_users, &ok);
	out->out_user = dup(hold, t->out_user, &ok);
	out->nexus = talloc_zero_array(hold, struct tgt_nexus, t->n_nexus + 1);
	if (out->nexus == NULL)
		return false;
	for (size_t i = 0; i < t->n_nexus; i++) {
		out->nexus[i] = t->nexus[i];
		out->nexus[i].initiator = dup(out->nexus, t->nexus[i].initiator, &ok);
		out->nexus[i].alias = dup(out->nexus, t->nexus[i].alias, &ok);
		out->nexus[i].address = dup(out->nexus, t->nexus[i].address, &ok);
	}
	return ok;
}

static int index_at(struct tgt_cache *c, size_t pos)
{
	const struct tgt_live_target *t = &c->targets[pos];
	int rc = 0;
	if (hindex_get_u64(c->by_tid, (uint64_t)(uint32_t)t->tid) == NULL)
		rc = hindex_put_u64(c->by_tid, (uint64_t)(uint32_t)t->tid, POS(pos));
	if (rc == 0 && t->iqn != NULL && is_iscsi(t) && hindex_get(c->by_iqn, t->iqn) == NULL)
		rc = hindex_put(c->by_iqn, t->iqn, POS(pos));
	return rc;
}

/* Appends an empty slot with its own context; its position, or -ENOMEM. */
static ssize_t append(struct tgt_cache *c)
{
	size_t n = c->n_targets;
	if (talloc_array_length(c->targets) < n + 1) {
		size_t want = n < 8 ? 16 : n * 2;
		struct tgt_live_target *t = talloc_realloc(c->mem, c->targets,
							   struct tgt_live_target, want);
		if (t == NULL)
			return -ENOMEM;
		c->targets = t;
		TALLOC_CTX **h = talloc_realloc(c->mem, c->holds, TALLOC_CTX *, want);
		if (h == NULL)
			return -ENOMEM;
		c->holds = h;
		struct cached_params *p = talloc_realloc(c->mem, c->params, struct cached_params,
							 want);
		if (p == NULL)
			return -ENOMEM;
		c->params = p;
	}
	c->holds[n] = talloc_new(c->mem);
	if (c->holds[n] == NULL)
		return -ENOMEM;
	memset(&c->targets[n], 0, sizeof(c->targets[n]));
	memset(&c->params[n], 0, sizeof(c->params[n]));
	c->n_targets++;
	return (ssize_t)n;
}

/* Removes the target at POS: the last one takes its place. */
static void remove_at(struct tgt_cache *c, size_t pos)
{
	struct tgt_live_target *t = &c->targets[pos];
	hindex_del_u64(c->by_tid, (uint64_t)(uint32_t)t->tid, POS(pos));
	if (t->iqn != NULL)
		hindex_del(c->by_iqn, t->iqn, POS(pos));
	if (t->tid > 0 && t->tid < c->free_hint)
		c->free_hint = t->tid;
	talloc_free(c->holds[pos]);
	size_t last = c->n_targets - 1;
	if (pos != last) {
		struct tgt_live_target *l = &c->targets[last];
		if (hindex_del_u64(c->by_tid, (uint64_t)(uint32_t)l->tid, POS(last)))
			hindex_put_u64(c->by_tid, (uint64_t)(uint32_t)l->tid, POS(pos));
		if (l->iqn != NULL && hindex_del(c->by_iqn, l->iqn, POS(last)))
			hindex_put(c->by_iqn, l->iqn, POS(pos)); /* cannot fail: one just left */
		c->targets[pos] = *l;
		c->holds[pos] = c->holds[last];
		c->params[pos] = c->params[last];
	}
	c->n_targets--;
}

/* The parameters the old contents knew of target T (same tid, same IQN). */
static const struct cached_params *old_params(const struct tgt_cache *old,
					      const struct tgt_live_target *t)
{
	if (old->by_tid == NULL || t->iqn == NULL)
		return NULL;
	void *v = hindex_get_u64(old->by_tid, (uint64_t)(uint32_t)t->tid);
	if (v == NULL)
		return NULL;
	size_t pos = UNPOS(v);
	const struct tgt_live_target *o = &old->targets[pos];
	if (!old->params[pos].known || o->iqn == NULL || strcmp(o->iqn, t->iqn) != 0)
		return NULL;
	return &old->params[pos];
}

int tgt_cache_fill(struct tgt_cache *c, const struct tgt_live *live)
{
	/* the old contents, for the parameters they knew */
	struct tgt_cache old = *c;
	bool carry = c->valid && c->params_trusted;
	c->valid = false;
	c->params_trusted = true;
	c->targets = NULL;
	c->holds = NULL;
	c->params = NULL;
	c->n_targets = 0;
	c->by_iqn = c->by_tid = NULL;
	c->mem = talloc_new(c);
	int rc = -ENOMEM;
	if (c->mem == NULL)
		goto out;
	c->by_iqn = hindex_new(c->mem, HINDEX_STR);
	c->by_tid = hindex_new(c->mem, HINDEX_U64);
	if (c->by_iqn == NULL || c->by_tid == NULL)
		goto out;
	for (size_t i = 0; i < live->n_targets; i++) {
		ssize_t pos = append(c);
		if (pos < 0 || !dup_target(c->holds[pos], &live->targets[i], &c->targets[pos]) ||
		    index_at(c, (size_t)pos) < 0)
			goto out;
		const struct cached_params *p = carry ? old_params(&old, &live->targets[i]) : NULL;
		if (p != NULL)
			c->params[pos] = *p;
	}
	bool ok = true;
	c->accounts = dup_list(c->mem, live->accounts, live->n_accounts, &ok);
	c->n_accounts = live->n_accounts;
	c->portals = talloc_zero_array(c->mem, struct iscsi_portal, live->n_portals + 1);
	if (!ok || c->portals == NULL)
		goto out;
	for (size_t i = 0; i < live->n_portals; i++) {
		c->portals[i] = live->portals[i];
		c->portals[i].address = dup(c->portals, live->portals[i].address, &ok);
	}
	c->n_portals = live->n_portals;
	c->free_hint = 1;
	c->valid = ok;
	rc = ok ? 0 : -ENOMEM;
out:
	talloc_free(old.mem);
	return rc;
}

/* The position of target TID if it is named IQN, else -1. */
static ssize_t find(const struct tgt_cache *c, int32_t tid, const char *iqn)
{
	if (!c->valid || iqn == NULL)
		return -1;
	void *v = hindex_get_u64(c->by_tid, (uint64_t)(uint32_t)tid);
	if (v == NULL)
		return -1;
	size_t pos = UNPOS(v);
	const char *have = c->targets[pos].iqn;
	return have != NULL && strcmp(have, iqn) == 0 ? (ssize_t)pos : -1;
}

bool tgt_cache_params(const struct tgt_cache *c, int32_t tid, const char *iqn,
		      struct iscsi_negotiation *out)
{
	ssize_t pos = find(c, tid, iqn);
	if (pos < 0 || !c->params[pos].known)
		return false;
	*out = c->params[pos].p;
	return true;
}

void tgt_cache_set_params(struct tgt_cache *c, int32_t tid, const char *iqn,
			  const struct iscsi_negotiation *params)
{
	ssize_t pos = find(c, tid, iqn);
	if (pos >= 0)
		c->params[pos] = (struct cached_params){ *params, true };
}

void tgt_cache_refresh_window(struct tgt_cache *c, size_t n, size_t *first, size_t *count)
{
	*count = n < TGT_CACHE_REFRESH ? n : TGT_CACHE_REFRESH;
	*first = n > 0 ? c->refresh_next % n : 0;
	c->refresh_next = n > 0 ? (*first + *count) % n : 0;
}

bool tgt_cache_in_window(size_t i, size_t n, size_t first, size_t count)
{
	if (n == 0 || i >= n)
		return false;
	return (i + n - first) % n < count;
}

void tgt_cache_view(const struct tgt_cache *c, struct tgt_live *out)
{
	memset(out, 0, sizeof(*out));
	out->targets = c->targets;
	out->n_targets = c->n_targets;
	out->accounts = c->accounts;
	out->n_accounts = c->n_accounts;
	out->portals = c->portals;
	out->n_portals = c->n_portals;
	out->by_iqn = c->by_iqn;
	out->by_tid = c->by_tid;
	out->free_tid_hint = c->free_hint;
}

static int account_set(struct tgt_cache *c, const char *user, bool exists)
{
	for (size_t i = 0; i < c->n_accounts; i++) {
		if (strcmp(c->accounts[i], user) != 0)
			continue;
		if (!exists)
			c->accounts[i] = c->accounts[--c->n_accounts];
		return 0;
	}
	if (!exists)
		return 0;
	const char **a = talloc_realloc(c->mem, c->accounts, const char *, c->n_accounts + 2);
	if (a == NULL)
		return -ENOMEM;
	c->accounts = a;
	a[c->n_accounts] = talloc_strdup(a, user);
	if (a[c->n_accounts] == NULL)
		return -ENOMEM;
	c->n_accounts++;
	return 0;
}

/* Accounts the plan created or deleted; false when it changed what the
 * cache cannot follow (the portals). */
static int follow_plan(struct tgt_cache *c, const struct tgt_plan *plan)
{
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct tgt_step *s = &plan->steps[i];
		if (s->req.mode == TGT_MODE_PORTAL)
			return -EAGAIN;
		if (s->req.mode == TGT_MODE_ACCOUNT && s->account_user != NULL &&
		    (s->req.op == TGT_OP_NEW || s->req.op == TGT_OP_DELETE)) {
			int rc = account_set(c, s->account_user, s->req.op == TGT_OP_NEW);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static const char *acl_text(const struct iscsi_acl_entry *e)
{
	return e->kind == ISCSI_ACL_ANY ? "ALL" : e->value;
}

/* WANT as tgtd shows it once the plan ran (tgt_parse.c's terms). */
static bool from_want(TALLOC_CTX *hold, const struct iscsi_target *want, int32_t tid,
		      struct tgt_live_target *out)
{
	bool ok = true;
	memset(out, 0, sizeof(*out));
	out->tid = tid;
	out->iqn = dup(hold, want->iqn, &ok);
	out->driver = dup(hold, "iscsi", &ok);
	out->ready = want->enabled;
	dup_luns(hold, want->luns, want->n_luns, &out->luns, &ok);
	out->n_luns = want->n_luns;
	for (size_t i = 0; ok && i < want->n_luns; i++)
		out->luns[i].size = 0; /* tgt prints megabytes: the parser leaves it 0 */
	out->acl = talloc_zero_array(hold, const char *, want->n_acl + 1);
	out->in_users = talloc_zero_array(hold, const char *, want->n_chap_in + 1);
	if (out->acl == NULL || out->in_users == NULL)
		return false;
	for (size_t i = 0; i < want->n_acl; i++) {
		const char *text = acl_text(&want->acl[i]);
		bool seen = false;
		for (size_t j = 0; j < out->n_acl && !seen; j++)
			seen = strcmp(out->acl[j], text) == 0;
		if (!seen)
			out->acl[out->n_acl++] = dup(out->acl, text, &ok);
	}
	for (size_t i = 0; i < want->n_chap_in; i++)
		out->in_users[out->n_in_users++] = dup(out->in_users, want->chap_in[i].user, &ok);
	out->out_user = want->chap_out != NULL ? dup(hold, want->chap_out->user, &ok) : NULL;
	return ok;
}

int tgt_cache_applied(struct tgt_cache *c, const struct iscsi_target *want,
		      const struct tgt_plan *plan)
{
	if (!c->valid)
		return 0;
	int rc = follow_plan(c, plan);
	void *v = hindex_get(c->by_iqn, want->iqn);
	ssize_t pos = -1;
	struct tgt_nexus *nexus = NULL;
	size_t n_nexus = 0;
	TALLOC_CTX *old = NULL;
	if (rc == 0 && v != NULL) {
		/* replaced in place: same position, same keys (tid and IQN) */
		pos = (ssize_t)UNPOS(v);
		old = c->holds[pos];
		nexus = c->targets[pos].nexus;
		n_nexus = c->targets[pos].n_nexus;
		c->holds[pos] = talloc_new(c->mem);
		if (c->holds[pos] == NULL) {
			c->holds[pos] = old;
			rc = -ENOMEM;
		}
	} else if (rc == 0) {
		pos = append(c);
		if (pos < 0)
			rc = (int)pos;
	}
	if (rc == 0) {
		struct tgt_live_target *t = &c->targets[pos];
		const char *old_iqn = t->iqn;
		if (!from_want(c->holds[pos], want, plan->tid, t))
			rc = -ENOMEM;
		/* the plan set every parameter to WANT's (or tgt's default) */
		c->params[pos].known = true;
		tgt_params_effective(&want->params, &c->params[pos].p);
		/* sessions are not the plan's business: keep what was seen */
		t->nexus = nexus ? talloc_steal(c->holds[pos], nexus) : NULL;
		t->n_nexus = n_nexus;
		if (rc == 0 && v != NULL) {
			/* the index holds the old string: re-key it to the new copy */
			hindex_del(c->by_iqn, old_iqn, v);
			rc = hindex_put(c->by_iqn, t->iqn, v);
		} else if (rc == 0) {
			rc = index_at(c, (size_t)pos);
		}
	}
	talloc_free(old);
	while (rc == 0 && hindex_get_u64(c->by_tid, (uint64_t)(uint32_t)c->free_hint) != NULL)
		c->free_hint++;
	if (rc < 0)
		c->valid = false;
	return rc == -EAGAIN ? 0 : rc;
}

int tgt_cache_removed(struct tgt_cache *c, const char *iqn, const struct tgt_plan *plan)
{
	if (!c->valid)
		return 0;
	int rc = follow_plan(c, plan);
	void *v = rc == 0 ? hindex_get(c->by_iqn, iqn) : NULL;
	if (v != NULL)
		remove_at(c, UNPOS(v));
	if (rc < 0)
		c->valid = false;
	return rc == -EAGAIN ? 0 : rc;
}
