#include "backend/tgt_plan.h"

#include "istmd/hindex.h"
#include "istmd/why.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const struct iscsi_negotiation tgt_default_params = {
	.max_recv_data_segment_length = 8192,
	.first_burst_length = 65536,
	.max_burst_length = 262144,
	.max_outstanding_r2t = 1,
	.max_connections = 1,
	.queue_depth = 128,
	.nop_interval = 0,
	.nop_count = 0,
	.initial_r2t = ISCSI_YES,
	.immediate_data = ISCSI_YES,
	.header_digest = ISCSI_NO,
	.data_digest = ISCSI_NO,
};

const struct tgt_live_target *tgt_live_find(const struct tgt_live *live, const char *iqn)
{
	if (live->by_iqn != NULL) {
		void *v = hindex_get(live->by_iqn, iqn);
		return v != NULL ? &live->targets[(uintptr_t)v - 1] : NULL;
	}
	for (size_t i = 0; i < live->n_targets; i++) {
		const struct tgt_live_target *t = &live->targets[i];
		if (strcmp(t->iqn, iqn) == 0 && (t->driver == NULL || strcmp(t->driver, "iscsi") == 0))
			return t;
	}
	return NULL;
}

const char *tgt_secrets_get(const struct tgt_secrets *s, const char *user)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].user, user) == 0)
			return s->v[i].secret;
	return NULL;
}

static int secret_destructor(char *secret)
{
	memset(secret, 0, strlen(secret));
	return 0;
}

int tgt_secrets_set(TALLOC_CTX *mem, struct tgt_secrets *s, const char *user,
		    const char *secret)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].user, user) != 0)
			continue;
		talloc_free((void *)(uintptr_t)s->v[i].secret);
		talloc_free((void *)(uintptr_t)s->v[i].user);
		s->v[i] = s->v[--s->n];
		break;
	}
	if (secret == NULL)
		return 0;
	struct tgt_secret *v = talloc_realloc(mem, s->v, struct tgt_secret, s->n + 1);
	if (v == NULL)
		return -ENOMEM;
	s->v = v;
	char *u = talloc_strdup(v, user), *p = talloc_strdup(v, secret);
	if (u == NULL || p == NULL) {
		talloc_free(u);
		talloc_free(p);
		return -ENOMEM;
	}
	talloc_set_destructor(p, secret_destructor);
	v[s->n].user = u;
	v[s->n].secret = p;
	s->n++;
	return 0;
}

/* Building a plan. */
struct builder {
	TALLOC_CTX *mem; /* the plan's steps */
	struct tgt_plan *plan;
	int rc;
};

static struct tgt_step *add(struct builder *b, enum tgt_mode mode, enum tgt_op op, int32_t tid,
			    unsigned flags, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static struct tgt_step *add(struct builder *b, enum tgt_mode mode, enum tgt_op op, int32_t tid,
			    unsigned flags, const char *fmt, ...)
{
	if (b->rc != 0)
		return NULL;
	struct tgt_step *steps = talloc_realloc(b->mem, b->plan->steps, struct tgt_step,
						b->plan->n_steps + 1);
	if (steps == NULL) {
		b->rc = -ENOMEM;
		return NULL;
	}
	b->plan->steps = steps;
	struct tgt_step *s = &steps[b->plan->n_steps];
	memset(s, 0, sizeof(*s));
	s->req = tgt_request_init(mode, op);
	s->req.tid = tid;
	s->flags = flags;
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		s->req.body = talloc_vasprintf(steps, fmt, ap);
		va_end(ap);
		if (s->req.body == NULL) {
			b->rc = -ENOMEM;
			return NULL;
		}
	}
	b->plan->n_steps++;
	return s;
}

static bool contains(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* Whether another target than SELF binds USER (in or out). */
static bool bound_elsewhere(const struct tgt_live *live, const struct tgt_live_target *self,
			    const char *user)
{
	for (size_t i = 0; i < live->n_targets; i++) {
		const struct tgt_live_target *t = &live->targets[i];
		if (t == self)
			continue;
		if (contains(t->in_users, t->n_in_users, user) ||
		    (t->out_user != NULL && strcmp(t->out_user, user) == 0))
			return true;
	}
	return false;
}


static void add_account(struct builder *b, const char *user, const char *secret)
{
	struct tgt_step *s = add(b, TGT_MODE_ACCOUNT, TGT_OP_NEW, TGT_GLOBAL_TID, 0,
				 "user=%s,password=%s", user, secret);
	if (s != NULL) {
		s->req.body_secret = true;
		s->account_user = user;
		s->account_secret = secret;
	}
}

static void delete_account(struct builder *b, const char *user)
{
	struct tgt_step *s = add(b, TGT_MODE_ACCOUNT, TGT_OP_DELETE, TGT_GLOBAL_TID,
				 TGT_STEP_OK_ENOENT, "user=%s", user);
	if (s != NULL)
		s->account_user = user;
}

static void bind_account(struct builder *b, int32_t tid, const char *user, bool outgoing,
			 bool bind)
{
	struct tgt_step *s = add(b, TGT_MODE_ACCOUNT, bind ? TGT_OP_BIND : TGT_OP_UNBIND, tid,
				 bind ? TGT_STEP_OK_EEXIST : TGT_STEP_OK_ENOENT, "user=%s", user);
	if (s != NULL)
		s->req.ac_dir = outgoing ? TGT_ACCOUNT_OUTGOING : TGT_ACCOUNT_INCOMING;
}

/* The secret WANT gives USER (incoming or outgoing), NULL if it does not use it. */
static const char *wanted_secret(const struct iscsi_target *want, const char *user)
{
	for (size_t i = 0; i < want->n_chap_in; i++)
		if (strcmp(want->chap_in[i].user, user) == 0)
			return want->chap_in[i].secret;
	if (want->chap_out != NULL && strcmp(want->chap_out->user, user) == 0)
		return want->chap_out->secret;
	return NULL;
}

/* CHAP accounts and their bindings to target TID. T is the live target (NULL
 * when it is being created). */
static int plan_accounts(struct builder *b, const struct tgt_live *live,
			 const struct tgt_live_target *t, int32_t tid,
			 const struct tgt_secrets *secrets, const struct iscsi_target *want,
			 char **why)
{
	/* What T binds now; replaced accounts lose their bindings. */
	const char **in_now = talloc_array(b->mem, const char *, t ? t->n_in_users : 0);
	size_t n_in_now = t ? t->n_in_users : 0;
	const char *out_now = t ? t->out_user : NULL;
	if (in_now == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n_in_now; i++)
		in_now[i] = t->in_users[i];

	if (want->chap_out != NULL) {
		for (size_t i = 0; i < want->n_chap_in; i++)
			if (strcmp(want->chap_in[i].user, want->chap_out->user) == 0 &&
			    strcmp(want->chap_in[i].secret, want->chap_out->secret) != 0)
				return why_set(b->mem, why, -EINVAL, "CHAP user '%s' is both incoming "
					    "and outgoing with two secrets; tgt keeps one per user",
					    want->chap_out->user);
	}

	/* 1. every account WANT uses exists with WANT's secret */
	size_t n_users = want->n_chap_in + (want->chap_out ? 1 : 0);
	for (size_t i = 0; i < n_users; i++) {
		const struct iscsi_chap_account *a =
			i < want->n_chap_in ? &want->chap_in[i] : want->chap_out;
		if (i == want->n_chap_in && wanted_secret(want, a->user) != a->secret)
			continue; /* outgoing user already handled as incoming */
		const char *known = tgt_secrets_get(secrets, a->user);
		if (!contains(live->accounts, live->n_accounts, a->user)) {
			add_account(b, a->user, a->secret);
			continue;
		}
		if (known != NULL && strcmp(known, a->secret) == 0)
			continue;
		if (known != NULL && bound_elsewhere(live, t, a->user))
			return why_set(b->mem, why, -EEXIST, "CHAP user '%s' is used by another "
				    "target with another secret; tgt keeps one secret per user",
				    a->user);
		/* Unknown secret (set before we started) or ours to change:
		 * re-create it, which unbinds it everywhere, then bind it back. */
		delete_account(b, a->user);
		add_account(b, a->user, a->secret);
		for (size_t k = 0; k < live->n_targets; k++) {
			const struct tgt_live_target *o = &live->targets[k];
			if (o == t)
				continue;
			if (contains(o->in_users, o->n_in_users, a->user))
				bind_account(b, o->tid, a->user, false, true);
			if (o->out_user != NULL && strcmp(o->out_user, a->user) == 0)
				bind_account(b, o->tid, a->user, true, true);
		}
		for (size_t k = 0; k < n_in_now; k++)
			if (strcmp(in_now[k], a->user) == 0)
				in_now[k] = in_now[--n_in_now];
		if (out_now != NULL && strcmp(out_now, a->user) == 0)
			out_now = NULL;
	}

	/* 2. bindings: unbind first, so that nothing stays allowed meanwhile */
	const char **dropped = talloc_array(b->mem, const char *, n_in_now + 1);
	size_t n_dropped = 0;
	if (dropped == NULL)
		return -ENOMEM;
	for (size_t k = 0; k < n_in_now; k++) {
		bool wanted = false;
		for (size_t i = 0; i < want->n_chap_in && !wanted; i++)
			wanted = strcmp(want->chap_in[i].user, in_now[k]) == 0;
		if (!wanted) {
			bind_account(b, tid, in_now[k], false, false);
			dropped[n_dropped++] = in_now[k];
		}
	}
	bool out_ok = (out_now == NULL && want->chap_out == NULL) ||
		      (out_now != NULL && want->chap_out != NULL &&
		       strcmp(out_now, want->chap_out->user) == 0);
	if (!out_ok && out_now != NULL) {
		bind_account(b, tid, out_now, true, false);
		if (wanted_secret(want, out_now) == NULL)
			dropped[n_dropped++] = out_now;
	}
	for (size_t i = 0; i < want->n_chap_in; i++)
		if (!contains(in_now, n_in_now, want->chap_in[i].user))
			bind_account(b, tid, want->chap_in[i].user, false, true);
	if (!out_ok && want->chap_out != NULL)
		bind_account(b, tid, want->chap_out->user, true, true);

	/* 3. accounts nobody uses any more */
	for (size_t k = 0; k < n_dropped; k++)
		if (wanted_secret(want, dropped[k]) == NULL && !bound_elsewhere(live, t, dropped[k]))
			delete_account(b, dropped[k]);
	return b->rc;
}

static const struct iscsi_lun *find_lun(const struct iscsi_lun *luns, size_t n, uint32_t lun)
{
	for (size_t i = 0; i < n; i++)
		if (luns[i].lun == lun)
			return &luns[i];
	return NULL;
}

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* "scsi_id=..,scsi_sn=..,readonly=N" and friends for logicalunit update.
 * PATH last: setting it brings the LUN online with the attributes in place. */
static char *lun_attrs(TALLOC_CTX *mem, const struct iscsi_lun *l, bool with_path)
{
	char *s = talloc_asprintf(mem, "readonly=%d", l->read_only ? 1 : 0);
	if (s != NULL && l->serial != NULL)
		s = talloc_asprintf_append(s, ",scsi_sn=%s", l->serial);
	if (s != NULL && l->device_id != NULL)
		s = talloc_asprintf_append(s, ",scsi_id=%s", l->device_id);
	if (s != NULL && l->vendor != NULL)
		s = talloc_asprintf_append(s, ",vendor_id=%s", l->vendor);
	if (s != NULL && l->product != NULL)
		s = talloc_asprintf_append(s, ",product_id=%s", l->product);
	if (s != NULL && l->revision != NULL)
		s = talloc_asprintf_append(s, ",product_rev=%s", l->revision);
	if (s != NULL && with_path)
		s = talloc_asprintf_append(s, ",removable=0,path=%s", l->path);
	return s;
}

static void plan_luns(struct builder *b, const struct tgt_live_target *t, int32_t tid,
		      const struct iscsi_target *want)
{
	const struct iscsi_lun *live = t ? t->luns : NULL;
	size_t n_live = t ? t->n_luns : 0;

	for (size_t i = 0; i < n_live; i++) {
		const struct iscsi_lun *l = &live[i];
		const struct iscsi_lun *w = find_lun(want->luns, want->n_luns, l->lun);
		if (w != NULL && str_eq(w->path, l->path) && w->direct_io == l->direct_io) {
			bool same = w->read_only == l->read_only &&
				    (w->serial == NULL || str_eq(w->serial, l->serial)) &&
				    (w->device_id == NULL || str_eq(w->device_id, l->device_id));
			if (!same) {
				struct tgt_step *s = add(b, TGT_MODE_DEVICE, TGT_OP_UPDATE, tid, 0,
							 "%s", "");
				if (s != NULL) {
					s->req.lun = l->lun;
					s->req.body = lun_attrs(b->plan->steps, w, false);
					if (s->req.body == NULL)
						b->rc = -ENOMEM;
				}
			}
			continue;
		}
		struct tgt_step *s = add(b, TGT_MODE_DEVICE, TGT_OP_DELETE, tid,
					 TGT_STEP_RETRY_BUSY | TGT_STEP_OK_ENOENT, NULL);
		if (s != NULL)
			s->req.lun = l->lun;
	}
	for (size_t i = 0; i < want->n_luns; i++) {
		const struct iscsi_lun *w = &want->luns[i];
		const struct iscsi_lun *l = find_lun(live, n_live, w->lun);
		if (l != NULL && str_eq(w->path, l->path) && w->direct_io == l->direct_io)
			continue;
		/* Created without a backing store (offline, no medium), then given
		 * its identity and path in one update: initiators never see the
		 * LUN with default serials or writable when it must not be. */
		struct tgt_step *s = add(b, TGT_MODE_DEVICE, TGT_OP_NEW, tid, 0, "%s",
					 w->direct_io ? "bsoflags=direct" : "");
		if (s != NULL)
			s->req.lun = w->lun;
		s = add(b, TGT_MODE_DEVICE, TGT_OP_UPDATE, tid, 0, "%s", "");
		if (s != NULL) {
			s->req.lun = w->lun;
			s->req.body = lun_attrs(b->plan->steps, w, true);
			if (s->req.body == NULL)
				b->rc = -ENOMEM;
		}
	}
}

/* tgt's form of an ACL entry. */
static const char *acl_text(const struct iscsi_acl_entry *e)
{
	return e->kind == ISCSI_ACL_ANY ? "ALL" : e->value;
}

static bool acl_wanted(const struct iscsi_target *want, const char *text, bool address)
{
	for (size_t i = 0; i < want->n_acl; i++) {
		bool is_addr = want->acl[i].kind != ISCSI_ACL_IQN;
		if (is_addr == address && strcmp(acl_text(&want->acl[i]), text) == 0)
			return true;
	}
	return false;
}

static bool plan_acl(struct builder *b, const struct tgt_live_target *t, int32_t tid,
		     const struct iscsi_target *want)
{
	bool removed = false;
	for (size_t i = 0; t != NULL && i < t->n_acl; i++) {
		bool address = tgt_acl_is_address(t->acl[i]);
		if (acl_wanted(want, t->acl[i], address))
			continue;
		add(b, TGT_MODE_TARGET, TGT_OP_UNBIND, tid, TGT_STEP_OK_ENOENT, "%s=%s",
		    address ? "initiator-address" : "initiator-name", t->acl[i]);
		removed = true;
	}
	for (size_t i = 0; i < want->n_acl; i++) {
		const char *text = acl_text(&want->acl[i]);
		bool address = want->acl[i].kind != ISCSI_ACL_IQN;
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = (want->acl[j].kind != ISCSI_ACL_IQN) == address &&
			      strcmp(acl_text(&want->acl[j]), text) == 0;
		if (dup || (t != NULL && contains(t->acl, t->n_acl, text)))
			continue;
		add(b, TGT_MODE_TARGET, TGT_OP_BIND, tid, TGT_STEP_OK_EEXIST, "%s=%s",
		    address ? "initiator-address" : "initiator-name", text);
	}
	return removed;
}

static const char *yes_no(enum iscsi_tristate v)
{
	return v == ISCSI_YES ? "Yes" : "No";
}

void tgt_params_effective(const struct iscsi_negotiation *want, struct iscsi_negotiation *out)
{
	*out = *want;
	/* as plan_params: 0 and ISCSI_DEFAULT are tgt's defaults */
	for (size_t i = 0; i < tgt_n_number_params; i++) {
		size_t off = tgt_number_params[i].offset;
		uint32_t *w = (uint32_t *)((char *)out + off);
		if (*w == 0)
			*w = *(const uint32_t *)((const char *)&tgt_default_params + off);
	}
	enum iscsi_tristate *flags[] = { &out->initial_r2t, &out->immediate_data,
					 &out->header_digest, &out->data_digest };
	const enum iscsi_tristate defs[] = {
		tgt_default_params.initial_r2t, tgt_default_params.immediate_data,
		tgt_default_params.header_digest, tgt_default_params.data_digest
	};
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (*flags[i] == ISCSI_DEFAULT)
			*flags[i] = defs[i];
}

static void plan_params(struct builder *b, int32_t tid, const struct iscsi_negotiation *now,
			const struct iscsi_negotiation *want)
{
	/* 0 means tgt's default; for nop_interval/nop_count that is 0 itself */
	for (size_t i = 0; i < tgt_n_number_params; i++) {
		size_t off = tgt_number_params[i].offset;
		uint32_t w = *(const uint32_t *)((const char *)want + off);
		uint32_t d = *(const uint32_t *)((const char *)&tgt_default_params + off);
		uint32_t n = *(const uint32_t *)((const char *)now + off);
		if (w == 0)
			w = d;
		if (w != n)
			add(b, TGT_MODE_TARGET, TGT_OP_UPDATE, tid, 0, "%s=%" PRIu32,
			    tgt_number_params[i].key, w);
	}
	const struct {
		const char *key;
		enum iscsi_tristate want, now, def;
		bool digest;
	} flags[] = {
		{ "InitialR2T", want->initial_r2t, now->initial_r2t, tgt_default_params.initial_r2t,
		  false },
		{ "ImmediateData", want->immediate_data, now->immediate_data,
		  tgt_default_params.immediate_data, false },
		{ "HeaderDigest", want->header_digest, now->header_digest,
		  tgt_default_params.header_digest, true },
		{ "DataDigest", want->data_digest, now->data_digest,
		  tgt_default_params.data_digest, true },
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		enum iscsi_tristate w = flags[i].want == ISCSI_DEFAULT ? flags[i].def : flags[i].want;
		if (w == flags[i].now)
			continue;
		if (flags[i].digest)
			add(b, TGT_MODE_TARGET, TGT_OP_UPDATE, tid, 0, "%s=%s", flags[i].key,
			    w == ISCSI_YES ? "CRC32C,None" : "None");
		else
			add(b, TGT_MODE_TARGET, TGT_OP_UPDATE, tid, 0, "%s=%s", flags[i].key,
			    yes_no(w));
	}
}

static void plan_portals(struct builder *b, const struct tgt_live *live,
			 const struct iscsi_portal *portals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < live->n_portals && !found; j++)
			found = iscsi_same_address(live->portals[j].address, portals[i].address) &&
				live->portals[j].port == portals[i].port;
		if (found)
			continue;
		bool v6 = strchr(portals[i].address, ':') != NULL;
		add(b, TGT_MODE_PORTAL, TGT_OP_NEW, TGT_GLOBAL_TID, TGT_STEP_OK_EEXIST,
		    "portal=%s%s%s:%u", v6 ? "[" : "", portals[i].address, v6 ? "]" : "",
		    portals[i].port);
	}
}

int tgt_plan_portals(TALLOC_CTX *mem_ctx, const struct tgt_live *live,
		     const struct iscsi_portal *listen, size_t n_listen,
		     const struct iscsi_portal *unlisten, size_t n_unlisten, struct tgt_plan *plan)
{
	struct builder b = { .mem = mem_ctx, .plan = plan };
	memset(plan, 0, sizeof(*plan));
	plan_portals(&b, live, listen, n_listen);
	for (size_t i = 0; i < n_unlisten; i++) {
		bool found = false;
		for (size_t j = 0; j < live->n_portals && !found; j++)
			found = live->portals[j].port == unlisten[i].port &&
				iscsi_same_address(live->portals[j].address, unlisten[i].address);
		if (!found)
			continue;
		bool v6 = strchr(unlisten[i].address, ':') != NULL;
		add(&b, TGT_MODE_PORTAL, TGT_OP_DELETE, TGT_GLOBAL_TID, TGT_STEP_OK_ENOENT,
		    "portal=%s%s%s:%u", v6 ? "[" : "", unlisten[i].address, v6 ? "]" : "",
		    unlisten[i].port);
	}
	if (b.rc < 0) {
		TALLOC_FREE(plan->steps);
		plan->n_steps = 0;
	}
	return b.rc;
}

static int32_t free_tid(const struct tgt_live *live)
{
	if (live->by_tid != NULL) {
		int32_t tid = live->free_tid_hint > 0 ? live->free_tid_hint : 1;
		while (hindex_get_u64(live->by_tid, (uint64_t)(uint32_t)tid) != NULL)
			tid++;
		return tid;
	}
	for (int32_t tid = 1;; tid++) {
		bool used = false;
		for (size_t i = 0; i < live->n_targets && !used; i++)
			used = live->targets[i].tid == tid;
		if (!used)
			return tid;
	}
}

int tgt_plan_apply(TALLOC_CTX *mem_ctx, const struct tgt_live *live,
		   const struct tgt_secrets *secrets, const struct iscsi_target *want,
		   const struct iscsi_portal *default_portals, size_t n_default_portals,
		   struct tgt_plan *plan, char **why)
{
	struct builder b = { .mem = mem_ctx, .plan = plan };
	memset(plan, 0, sizeof(*plan));
	if (why != NULL)
		*why = NULL;

	const struct tgt_live_target *t = tgt_live_find(live, want->iqn);
	int32_t tid = t ? t->tid : free_tid(live);
	plan->tid = tid;

	/* Portals first: a target is useless without one. */
	if (want->n_portals > 0)
		plan_portals(&b, live, want->portals, want->n_portals);
	else
		plan_portals(&b, live, default_portals, n_default_portals);

	const struct iscsi_negotiation *now = &live->params;
	if (t == NULL) {
		add(&b, TGT_MODE_TARGET, TGT_OP_NEW, tid, 0, "targetname=%s", want->iqn);
		add(&b, TGT_MODE_TARGET, TGT_OP_UPDATE, tid, 0, "state=offline");
		now = &tgt_default_params;
	} else if (!want->enabled && t->ready) {
		add(&b, TGT_MODE_TARGET, TGT_OP_UPDATE, tid, 0, "state=offline");
	}
	plan_params(&b, tid, now, &want->params);
	int rc = plan_accounts(&b, live, t, tid, secrets, want, why);
	if (rc < 0) {
		TALLOC_FREE(plan->steps);
		plan->n_steps = 0;
		return rc;
	}
	plan_luns(&b, t, tid, want);
	plan_acl(&b, t, tid, want);
	if (want->enabled && (t == NULL || !t->ready))
		add(&b, TGT_MODE_TARGET, TGT_OP_UPDATE, tid, 0, "state=ready");
	plan->check_sessions = t != NULL && t->n_nexus > 0;
	if (b.rc != 0) {
		TALLOC_FREE(plan->steps);
		plan->n_steps = 0;
	}
	return b.rc;
}

int tgt_plan_remove(TALLOC_CTX *mem_ctx, const struct tgt_live *live, const char *iqn,
		    struct tgt_plan *plan)
{
	struct builder b = { .mem = mem_ctx, .plan = plan };
	memset(plan, 0, sizeof(*plan));
	const struct tgt_live_target *t = tgt_live_find(live, iqn);
	if (t == NULL)
		return 0;
	plan->tid = t->tid;
	struct tgt_step *s = add(&b, TGT_MODE_TARGET, TGT_OP_DELETE, t->tid,
				 TGT_STEP_RETRY_BUSY | TGT_STEP_OK_ENOENT, NULL);
	if (s != NULL)
		s->req.force = true;
	for (size_t i = 0; i < t->n_in_users; i++)
		if (!bound_elsewhere(live, t, t->in_users[i]))
			delete_account(&b, t->in_users[i]);
	if (t->out_user != NULL && !contains(t->in_users, t->n_in_users, t->out_user) &&
	    !bound_elsewhere(live, t, t->out_user))
		delete_account(&b, t->out_user);
	return b.rc;
}

/* ADDR within the ACL rule RULE ("a.b.c.d", "a.b.c.d/n", "v6", "v6/n", "[v6]/n"). */
static bool address_in(const char *rule, const char *addr)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char r[16], a[16];
	int af;

	if (strcmp(rule, "ALL") == 0)
		return true;
	if (addr == NULL || strlen(rule) >= sizeof(buf))
		return false;
	const char *src = rule[0] == '[' ? rule + 1 : rule;
	strcpy(buf, src);
	char *close = strchr(buf, ']');
	if (close != NULL)
		memmove(close, close + 1, strlen(close + 1) + 1);
	char *slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, r) != 1)
		return false;
	if (inet_pton(af, addr, a) != 1)
		return false;
	unsigned bits = af == AF_INET ? 32 : 128;
	unsigned prefix = slash ? (unsigned)atoi(slash) : bits;
	if (prefix > bits)
		return false;
	for (unsigned i = 0; i < prefix; i++) {
		unsigned byte = i / 8, mask = 0x80u >> (i % 8);
		if ((r[byte] & mask) != (a[byte] & mask))
			return false;
	}
	return true;
}

bool tgt_acl_allows(const struct iscsi_target *want, const char *initiator,
		    const char *address)
{
	for (size_t i = 0; i < want->n_acl; i++) {
		const struct iscsi_acl_entry *e = &want->acl[i];
		switch (e->kind) {
		case ISCSI_ACL_ANY:
			return true;
		case ISCSI_ACL_IQN:
			if (initiator != NULL && strcmp(e->value, initiator) == 0)
				return true;
			break;
		case ISCSI_ACL_ADDRESS:
			if (address_in(e->value, address))
				return true;
			break;
		}
	}
	return false;
}

int tgt_plan_evict(TALLOC_CTX *mem_ctx, const struct iscsi_target *want, int32_t tid,
		   const struct tgt_conn *conns, size_t n_conns, struct tgt_plan *plan)
{
	struct builder b = { .mem = mem_ctx, .plan = plan };
	memset(plan, 0, sizeof(*plan));
	plan->tid = tid;
	for (size_t i = 0; i < n_conns; i++) {
		if (want->enabled && tgt_acl_allows(want, conns[i].initiator, conns[i].address))
			continue;
		struct tgt_step *s = add(&b, TGT_MODE_CONNECTION, TGT_OP_DELETE, tid,
					 TGT_STEP_OK_ENOENT, NULL);
		if (s != NULL) {
			s->req.sid = conns[i].tsih;
			s->req.cid = conns[i].cid;
		}
	}
	return b.rc;
}

int tgt_live_to_target(TALLOC_CTX *mem_ctx, const struct tgt_live *live,
		       const struct tgt_live_target *lt, const struct iscsi_negotiation *params,
		       struct iscsi_target *out)
{
	memset(out, 0, sizeof(*out));
	out->iqn = talloc_strdup(mem_ctx, lt->iqn);
	out->enabled = lt->ready;
	out->params = *params;
	out->n_sessions = (unsigned)lt->n_nexus;
	out->luns = talloc_zero_array(mem_ctx, struct iscsi_lun, lt->n_luns);
	out->acl = talloc_zero_array(mem_ctx, struct iscsi_acl_entry, lt->n_acl);
	out->chap_in = talloc_zero_array(mem_ctx, struct iscsi_chap_account, lt->n_in_users);
	out->portals = talloc_zero_array(mem_ctx, struct iscsi_portal, live->n_portals);
	if (out->iqn == NULL || out->luns == NULL || out->acl == NULL || out->chap_in == NULL ||
	    out->portals == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < lt->n_luns; i++) {
		struct iscsi_lun *l = &out->luns[i];
		*l = lt->luns[i];
		l->path = l->path ? talloc_strdup(out->luns, l->path) : NULL;
		l->serial = l->serial ? talloc_strdup(out->luns, l->serial) : NULL;
		l->device_id = l->device_id ? talloc_strdup(out->luns, l->device_id) : NULL;
	}
	out->n_luns = lt->n_luns;
	for (size_t i = 0; i < lt->n_acl; i++) {
		struct iscsi_acl_entry *e = &out->acl[i];
		if (strcmp(lt->acl[i], "ALL") == 0) {
			e->kind = ISCSI_ACL_ANY;
			continue;
		}
		e->kind = tgt_acl_is_address(lt->acl[i]) ? ISCSI_ACL_ADDRESS : ISCSI_ACL_IQN;
		e->value = talloc_strdup(out->acl, lt->acl[i]);
	}
	out->n_acl = lt->n_acl;
	for (size_t i = 0; i < lt->n_in_users; i++)
		out->chap_in[i].user = talloc_strdup(out->chap_in, lt->in_users[i]);
	out->n_chap_in = lt->n_in_users;
	if (lt->out_user != NULL) {
		out->chap_out = talloc_zero(mem_ctx, struct iscsi_chap_account);
		if (out->chap_out == NULL)
			return -ENOMEM;
		out->chap_out->user = talloc_strdup(out->chap_out, lt->out_user);
	}
	/* tgt's portals serve every target */
	for (size_t i = 0; i < live->n_portals; i++) {
		out->portals[i].address = talloc_strdup(out->portals, live->portals[i].address);
		out->portals[i].port = live->portals[i].port;
	}
	out->n_portals = live->n_portals;
	return 0;
}
