/* Three-way merge of a target draft: what the draft changed since it was
 * opened (EDIT against BASE) is applied to the target as it is now (CUR).
 * Two consoles that edit different properties both keep their change; the
 * last save wins for a property both changed. */
#include <string.h>

#include "core/draft.h"
#include "core/rules.h"

static bool str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* *DST (owned by R) becomes a copy of SRC when EDIT's value differs from BASE's. */
static bool take_str(struct core_target *r, const char **dst, const char *edit, const char *base)
{
	if (!str_differs(edit, base))
		return true;
	char *s = edit ? talloc_strdup(r, edit) : NULL;
	if (edit != NULL && s == NULL)
		return false;
	*dst = s;
	return true;
}

static bool has_id(const struct core_target *t, const struct core_initiator_id *id)
{
	for (size_t i = 0; i < t->n_ids; i++)
		if (rules_id_equal(&t->ids[i], id))
			return true;
	return false;
}

static bool merge_ids(struct core_target *r, const struct core_target *base,
		      const struct core_target *edit)
{
	size_t n = 0;
	struct core_initiator_id *ids =
		talloc_zero_array(r, struct core_initiator_id, r->n_ids + edit->n_ids + 1);
	if (ids == NULL)
		return false;
	for (size_t i = 0; i < r->n_ids; i++) /* current ones the draft did not remove */
		if (!(has_id(base, &r->ids[i]) && !has_id(edit, &r->ids[i])))
			ids[n++] = r->ids[i];
	for (size_t i = 0; i < edit->n_ids; i++) { /* the draft's additions */
		if (has_id(base, &edit->ids[i]))
			continue;
		bool dup = false;
		for (size_t j = 0; j < n && !dup; j++)
			dup = rules_id_equal(&ids[j], &edit->ids[i]);
		if (dup)
			continue;
		ids[n].method = edit->ids[i].method;
		if ((ids[n].value = talloc_strdup(r, edit->ids[i].value)) == NULL)
			return false;
		n++;
	}
	r->ids = ids;
	r->n_ids = n;
	return true;
}

static bool has_portal(const struct core_target *t, const struct core_portal *p)
{
	for (size_t i = 0; i < t->n_portals; i++)
		if (strcmp(t->portals[i].address, p->address) == 0 && t->portals[i].port == p->port)
			return true;
	return false;
}

static bool merge_portals(struct core_target *r, const struct core_target *base,
			  const struct core_target *edit)
{
	size_t n = 0;
	struct core_portal *ps =
		talloc_zero_array(r, struct core_portal, r->n_portals + edit->n_portals + 1);
	if (ps == NULL)
		return false;
	for (size_t i = 0; i < r->n_portals; i++)
		if (!(has_portal(base, &r->portals[i]) && !has_portal(edit, &r->portals[i])))
			ps[n++] = r->portals[i];
	for (size_t i = 0; i < edit->n_portals; i++) {
		if (has_portal(base, &edit->portals[i]))
			continue;
		struct core_target tmp = { .portals = ps, .n_portals = n };
		if (has_portal(&tmp, &edit->portals[i]))
			continue;
		ps[n].port = edit->portals[i].port;
		if ((ps[n].address = talloc_strdup(r, edit->portals[i].address)) == NULL)
			return false;
		n++;
	}
	r->portals = ps;
	r->n_portals = n;
	return true;
}

static const struct core_lun_mapping *lun_of(const struct core_target *t, uint32_t wtd)
{
	for (size_t i = 0; i < t->n_luns; i++)
		if (t->luns[i].wtd == wtd)
			return &t->luns[i];
	return NULL;
}

/* Per disk: unchanged by the draft -> as now; added or renumbered by the
 * draft -> the draft's; removed by the draft -> gone. */
static bool merge_luns(struct core_target *r, const struct core_target *cur,
		       const struct core_target *base, const struct core_target *edit)
{
	size_t n = 0;
	struct core_lun_mapping *ls =
		talloc_zero_array(r, struct core_lun_mapping, cur->n_luns + edit->n_luns + 1);
	if (ls == NULL)
		return false;
	for (size_t i = 0; i < cur->n_luns; i++) {
		const struct core_lun_mapping *b = lun_of(base, cur->luns[i].wtd);
		const struct core_lun_mapping *e = lun_of(edit, cur->luns[i].wtd);
		if (b != NULL && e == NULL)
			continue; /* removed by the draft */
		if (e != NULL && (b == NULL || b->lun != e->lun))
			ls[n++] = *e; /* renumbered by the draft */
		else
			ls[n++] = cur->luns[i];
	}
	for (size_t i = 0; i < edit->n_luns; i++) {
		const struct core_lun_mapping *e = &edit->luns[i];
		const struct core_lun_mapping *b = lun_of(base, e->wtd);
		if (lun_of(cur, e->wtd) != NULL)
			continue; /* handled above */
		if (b != NULL && b->lun == e->lun)
			continue; /* unchanged by the draft, removed by someone else */
		ls[n++] = *e;
	}
	r->luns = ls;
	r->n_luns = n;
	draft_sort_luns(r);
	return true;
}

struct core_target *draft_merge(TALLOC_CTX *mem, const struct core_target *cur,
				const struct core_target *base, const struct core_target *edit)
{
	struct core_target *r = core_target_dup(mem, cur);
	if (r == NULL)
		return NULL;
	bool ok = take_str(r, &r->name, edit->name, base->name) &&
		  take_str(r, &r->iqn, edit->iqn, base->iqn) &&
		  take_str(r, &r->description, edit->description, base->description) &&
		  take_str(r, &r->chap_user, edit->chap_user, base->chap_user) &&
		  take_str(r, &r->chap_secret, edit->chap_secret, base->chap_secret) &&
		  take_str(r, &r->reverse_chap_user, edit->reverse_chap_user,
			   base->reverse_chap_user) &&
		  take_str(r, &r->reverse_chap_secret, edit->reverse_chap_secret,
			   base->reverse_chap_secret) &&
		  take_str(r, &r->resource_name, edit->resource_name, base->resource_name) &&
		  take_str(r, &r->resource_group, edit->resource_group, base->resource_group);
#define TAKE(f) \
	if (edit->f != base->f) \
		r->f = edit->f;
	TAKE(enabled)
	TAKE(chap_enabled)
	TAKE(reverse_chap_enabled)
	TAKE(max_recv_data_segment_length)
	TAKE(first_burst_length)
	TAKE(max_burst_length)
	TAKE(num_recv_buffers)
	TAKE(enforce_idle_timeout)
#undef TAKE
	ok = ok && merge_ids(r, base, edit) && merge_portals(r, base, edit) &&
	     merge_luns(r, cur, base, edit);
	if (!ok) {
		talloc_free(r);
		return NULL;
	}
	return r;
}
