/* Target drafts (IHost): a private copy edited by setters that check each
 * value at once; core_target_save_send() commits it (target_ops.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/draft.h"
#include "core/rules.h"
#include "istmd/why.h"

static int draft_destructor(struct core_target_draft *d)
{
	draft_detach_save(d);
	return 0;
}

static struct core_target_draft *draft_alloc(TALLOC_CTX *mem, struct core *c)
{
	struct core_target_draft *d = talloc_zero(mem, struct core_target_draft);
	if (d != NULL) {
		d->c = c;
		talloc_set_destructor(d, draft_destructor);
	}
	return d;
}

/* A new target with MS-ISTM's defaults (notes <22>-<30>). */
static struct core_target *target_defaults(TALLOC_CTX *mem, const char *name)
{
	struct core_target *t = talloc_zero(mem, struct core_target);
	if (t == NULL)
		return NULL;
	core_guid_new(t->guid);
	t->name = talloc_strdup(t, name);
	t->iqn = NULL;
	t->description = talloc_strdup(t, "");
	t->enabled = true;
	t->chap_user = talloc_strdup(t, "");
	t->chap_secret = talloc_strdup(t, "");
	t->reverse_chap_user = talloc_strdup(t, "");
	t->reverse_chap_secret = talloc_strdup(t, "");
	t->max_recv_data_segment_length = CORE_DEFAULT_MAX_RECV_DATA_SEGMENT_LENGTH;
	t->first_burst_length = CORE_DEFAULT_FIRST_BURST_LENGTH;
	t->max_burst_length = CORE_DEFAULT_MAX_BURST_LENGTH;
	t->num_recv_buffers = CORE_DEFAULT_NUM_RECV_BUFFERS;
	t->enforce_idle_timeout = CORE_DEFAULT_ENFORCE_IDLE_TIMEOUT;
	t->resource_name = talloc_strdup(t, "");
	t->resource_group = talloc_strdup(t, "");
	t->ids = talloc_zero_array(t, struct core_initiator_id, 0);
	t->luns = talloc_zero_array(t, struct core_lun_mapping, 0);
	t->portals = talloc_zero_array(t, struct core_portal, 0);
	if (!t->name || !t->description || !t->chap_user || !t->chap_secret ||
	    !t->reverse_chap_user || !t->reverse_chap_secret || !t->resource_name ||
	    !t->resource_group || !t->ids || !t->luns || !t->portals) {
		talloc_free(t);
		return NULL;
	}
	return t;
}

/* A new target's name must also give a valid IQN while none is set. */
static int check_name(struct core *c, const struct core_target *t, const char *name,
		      TALLOC_CTX *mem, char **why)
{
	int rc = rules_target_name(name, mem, why);
	if (rc < 0)
		return rc;
	const struct mtarget *o = model_target_by_name(c->model, name);
	if (o != NULL && strcmp(o->t->guid, t->guid) != 0) {
		if (why != NULL)
			*why = talloc_asprintf(mem, "a target called '%s' exists", name);
		return -EEXIST;
	}
	if (t->iqn == NULL) {
		char *iqn = rules_default_iqn(mem, c, name);
		if (iqn == NULL)
			return -ENOMEM;
		rc = rules_iqn(iqn, mem, why);
		if (rc < 0 && why != NULL)
			*why = talloc_asprintf(mem, "the name is too long: the target's IQN would be "
					       "'%s', over %d characters",
					       iqn, ISCSI_NAME_MAX);
		talloc_free(iqn);
	}
	return rc;
}

struct core_target_draft *core_target_draft_new(TALLOC_CTX *mem, struct core *c, const char *name,
						int *rc, char **why)
{
	struct core_target_draft *d = draft_alloc(mem, c);
	if (d == NULL || (d->edit = target_defaults(d, name ? name : "")) == NULL) {
		talloc_free(d);
		*rc = -ENOMEM;
		return NULL;
	}
	*rc = check_name(c, d->edit, name, mem, why);
	if (*rc < 0) {
		talloc_free(d);
		return NULL;
	}
	return d;
}

struct core_target_draft *core_target_draft_open(TALLOC_CTX *mem, struct core *c,
						 const char *guid)
{
	const struct mtarget *mt = model_target_by_guid(c->model, guid);
	if (mt == NULL) {
		errno = ENOENT;
		return NULL;
	}
	struct core_target_draft *d = draft_alloc(mem, c);
	if (d == NULL || (d->base = core_target_dup(d, mt->t)) == NULL ||
	    (d->edit = core_target_dup(d, mt->t)) == NULL) {
		talloc_free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

struct core_target_draft *draft_on_target(TALLOC_CTX *mem, struct core *c, struct core_target *t)
{
	struct core_target_draft *d = draft_alloc(mem, c);
	if (d != NULL)
		d->edit = t;
	return d;
}

const struct core_target *core_draft_target(const struct core_target_draft *d)
{
	return d->edit;
}

bool core_draft_is_new(const struct core_target_draft *d)
{
	return d->base == NULL;
}

/* Replaces *FIELD (a string owned by the edit copy) by a copy of VALUE. */
static int set_str(struct core_target *t, const char **field, const char *value)
{
	char *s = talloc_strdup(t, value);
	if (s == NULL)
		return -ENOMEM;
	CORE_FREE_CONST(*field);
	*field = s;
	return 0;
}

int core_draft_set_name(struct core_target_draft *d, const char *name, char **why)
{
	int rc = check_name(d->c, d->edit, name, d, why);
	if (rc < 0)
		return rc;
	return set_str(d->edit, &d->edit->name, name);
}

int core_draft_set_iqn(struct core_target_draft *d, const char *iqn, char **why)
{
	int rc = rules_iqn(iqn, d, why);
	if (rc < 0)
		return rc;
	const struct mtarget *o = model_target_by_iqn(d->c->model, iqn);
	if (o != NULL && strcmp(o->t->guid, d->edit->guid) != 0) {
		if (why != NULL)
			*why = talloc_asprintf(d, "target '%s' has the IQN %s", o->t->name, iqn);
		return -EEXIST;
	}
	return set_str(d->edit, &d->edit->iqn, iqn);
}

int core_draft_set_description(struct core_target_draft *d, const char *text)
{
	if (rules_text(text, CORE_TEXT_MAX, true) < 0)
		return -EINVAL;
	return set_str(d->edit, &d->edit->description, text);
}

void core_draft_set_enabled(struct core_target_draft *d, bool enabled)
{
	d->edit->enabled = enabled;
}

void core_draft_set_chap_enabled(struct core_target_draft *d, bool reverse, bool enabled)
{
	if (reverse)
		d->edit->reverse_chap_enabled = enabled;
	else
		d->edit->chap_enabled = enabled;
}

int core_draft_set_chap_user(struct core_target_draft *d, bool reverse, const char *user)
{
	if (user == NULL || rules_chap_user(user) < 0)
		return -EINVAL;
	return set_str(d->edit, reverse ? &d->edit->reverse_chap_user : &d->edit->chap_user, user);
}

int core_draft_set_chap_secret(struct core_target_draft *d, bool reverse, const char *secret)
{
	if (secret == NULL)
		return -EINVAL;
	if (secret[0] != '\0') {
		int rc = rules_chap_secret(secret);
		if (rc < 0)
			return rc;
	}
	return set_str(d->edit, reverse ? &d->edit->reverse_chap_secret : &d->edit->chap_secret,
		       secret);
}

int core_draft_check_chap_secret(const struct core_target_draft *d, bool reverse,
				 const char *secret)
{
	int rc = rules_chap_secret(secret);
	if (rc < 0)
		return rc;
	const char *other = reverse ? d->edit->chap_secret : d->edit->reverse_chap_secret;
	if (other != NULL && strcmp(other, secret) == 0)
		return -ENOTUNIQ;
	return 0;
}

int core_draft_set_param(struct core_target_draft *d, enum core_param p, uint32_t value)
{
	int rc = rules_param(p, value);
	if (rc < 0)
		return rc;
	switch (p) {
	case CORE_PARAM_MAX_RECV_DATA_SEGMENT_LENGTH:
		d->edit->max_recv_data_segment_length = value;
		break;
	case CORE_PARAM_FIRST_BURST_LENGTH:
		d->edit->first_burst_length = value;
		break;
	case CORE_PARAM_MAX_BURST_LENGTH:
		d->edit->max_burst_length = value;
		break;
	case CORE_PARAM_NUM_RECV_BUFFERS:
		d->edit->num_recv_buffers = value;
		break;
	}
	return 0;
}

void core_draft_set_enforce_idle_timeout(struct core_target_draft *d, bool enable)
{
	d->edit->enforce_idle_timeout = enable;
}

int core_draft_set_resource_name(struct core_target_draft *d, const char *name)
{
	if (rules_text(name, CORE_RESOURCE_NAME_MAX, false) < 0)
		return -EINVAL;
	return set_str(d->edit, &d->edit->resource_name, name);
}

/* ---- initiator IDs ---- */

static ssize_t find_id(const struct core_target *t, const struct core_initiator_id *id)
{
	for (size_t i = 0; i < t->n_ids; i++)
		if (rules_id_equal(&t->ids[i], id))
			return (ssize_t)i;
	return -1;
}

int core_draft_add_id(struct core_target_draft *d, enum core_id_method m, const char *value,
		      char **why)
{
	struct core_target *t = d->edit;
	char *canon = NULL;
	int rc = rules_id(m, value, t, &canon, why);
	if (rc < 0)
		return rc;
	if (d->c->caps.iqn_acls_only &&
	    (m == CORE_ID_IP || m == CORE_ID_IPV6 || m == CORE_ID_DNS)) {
		/* LIO's node ACLs name IQNs only: an address could not be
		 * enforced, and an ID that is not enforced must not be accepted
		 * (docs/compat.md, "Backends: tgt and LIO") */
		talloc_free(canon);
		return why_set(t, why, -EOPNOTSUPP,
			       "%s identifiers cannot be enforced by the %s backend (access "
			       "control by IQN only); use the initiator's IQN",
			       core_id_method_name(m),
			       d->c->backend ? iscsi_backend_name(d->c->backend) : "iSCSI");
	}
	struct core_initiator_id id = { m, canon };
	if (find_id(t, &id) >= 0) {
		talloc_free(canon);
		return 0;
	}
	if (t->n_ids >= RULES_MAX_IDS) {
		talloc_free(canon);
		return -ERANGE;
	}
	struct core_initiator_id *ids =
		talloc_realloc(t, t->ids, struct core_initiator_id, t->n_ids + 1);
	if (ids == NULL) {
		talloc_free(canon);
		return -ENOMEM;
	}
	t->ids = ids;
	t->ids[t->n_ids++] = id;
	return 0;
}

int core_draft_remove_id(struct core_target_draft *d, enum core_id_method m, const char *value)
{
	struct core_target *t = d->edit;
	char *canon = NULL;
	if (rules_id(m, value, t, &canon, NULL) < 0)
		return -ENOENT;
	struct core_initiator_id id = { m, canon };
	ssize_t at = find_id(t, &id);
	talloc_free(canon);
	if (at < 0)
		return -ENOENT;
	CORE_FREE_CONST(t->ids[at].value);
	memmove(&t->ids[at], &t->ids[at + 1], (t->n_ids - (size_t)at - 1) * sizeof(*t->ids));
	t->n_ids--;
	return 0;
}

void core_draft_remove_all_ids(struct core_target_draft *d)
{
	for (size_t i = 0; i < d->edit->n_ids; i++)
		CORE_FREE_CONST(d->edit->ids[i].value);
	d->edit->n_ids = 0;
}

/* ---- LUN mappings ---- */

static ssize_t find_wtd(const struct core_target *t, uint32_t wtd)
{
	for (size_t i = 0; i < t->n_luns; i++)
		if (t->luns[i].wtd == wtd)
			return (ssize_t)i;
	return -1;
}

static int cmp_lun(const void *a, const void *b)
{
	const struct core_lun_mapping *x = a, *y = b;
	return x->lun < y->lun ? -1 : x->lun > y->lun;
}

void draft_sort_luns(struct core_target *t)
{
	if (t->n_luns > 1)
		qsort(t->luns, t->n_luns, sizeof(*t->luns), cmp_lun);
}

int core_draft_add_disk(struct core_target_draft *d, uint32_t wtd, uint32_t *lun, char **why)
{
	struct core_target *t = d->edit;
	ssize_t at = find_wtd(t, wtd);
	if (at >= 0) {
		if (lun != NULL)
			*lun = t->luns[at].lun;
		return 0;
	}
	const struct mdisk *md = model_disk(d->c->model, wtd);
	if (md == NULL) {
		if (why != NULL)
			*why = talloc_asprintf(d, "disk %" PRIu32 " does not exist", wtd);
		return -ENOENT;
	}
	int rc = rules_disk_servable(d->c, md->d, d, why);
	if (rc < 0)
		return rc;
	uint32_t min_lun, max_lun, max_luns;
	core_lun_range(d->c, &min_lun, &max_lun, &max_luns);
	if (t->n_luns >= max_luns) {
		if (why != NULL)
			*why = talloc_asprintf(d, "the target has %zu LUNs, the most it may have",
					       t->n_luns);
		return -ERANGE;
	}
	/* The first free number, as MS-ISTM 3.21.4.45 says ("starts from zero"
	 * where the backend has a LUN 0 for us; tgt keeps LUN 0 for itself). */
	uint32_t next = min_lun;
	for (size_t i = 0; i < t->n_luns; i++) { /* sorted by LUN */
		if (t->luns[i].lun == next)
			next++;
		else if (t->luns[i].lun > next)
			break;
	}
	if (next > max_lun)
		return -ERANGE;
	struct core_lun_mapping *luns =
		talloc_realloc(t, t->luns, struct core_lun_mapping, t->n_luns + 1);
	if (luns == NULL)
		return -ENOMEM;
	t->luns = luns;
	t->luns[t->n_luns].lun = next;
	t->luns[t->n_luns].wtd = wtd;
	t->n_luns++;
	draft_sort_luns(t);
	if (lun != NULL)
		*lun = next;
	return 0;
}

int core_draft_remove_disk(struct core_target_draft *d, uint32_t wtd)
{
	struct core_target *t = d->edit;
	ssize_t at = find_wtd(t, wtd);
	if (at < 0)
		return -ENOENT;
	memmove(&t->luns[at], &t->luns[at + 1], (t->n_luns - (size_t)at - 1) * sizeof(*t->luns));
	t->n_luns--;
	return 0;
}

void core_draft_remove_all_disks(struct core_target_draft *d)
{
	d->edit->n_luns = 0;
}

int core_draft_set_lun(struct core_target_draft *d, uint32_t wtd, uint32_t lun)
{
	struct core_target *t = d->edit;
	uint32_t min_lun, max_lun;
	core_lun_range(d->c, &min_lun, &max_lun, NULL);
	if (lun < min_lun || lun > max_lun)
		return -ERANGE;
	ssize_t at = find_wtd(t, wtd);
	if (at < 0)
		return -ENOENT;
	for (size_t i = 0; i < t->n_luns; i++)
		if (t->luns[i].lun == lun && t->luns[i].wtd != wtd)
			return -EEXIST;
	t->luns[at].lun = lun;
	draft_sort_luns(t);
	return 0;
}

/* ---- portals ---- */

static ssize_t find_portal(const struct core_target *t, const struct core_portal *p)
{
	for (size_t i = 0; i < t->n_portals; i++)
		if (strcmp(t->portals[i].address, p->address) == 0 && t->portals[i].port == p->port)
			return (ssize_t)i;
	return -1;
}

/* Whether the backend listens on P for every target already (its configured
 * portals and SetPortalConfig's, a wildcard address included). */
static bool listens_globally(const struct core *c, const struct core_portal *p)
{
	struct iscsi_portal *l = NULL;
	size_t n = 0;
	bool found = false;
	if (iscsi_backend_listeners(c->backend, NULL, &l, &n) < 0)
		return false;
	for (size_t i = 0; i < n && !found; i++)
		found = l[i].port == p->port &&
			(iscsi_same_address(l[i].address, p->address) ||
			 iscsi_same_address(l[i].address, "0.0.0.0") ||
			 iscsi_same_address(l[i].address, "::"));
	talloc_free(l);
	return found;
}

int core_draft_add_portal(struct core_target_draft *d, const char *text)
{
	struct core_target *t = d->edit;
	struct core_portal p;
	int rc = rules_portal(text, t, &p);
	if (rc < 0)
		return rc;
	/* A backend without per-target portals (tgt) would have to open a
	 * listener for every target behind the admin's back: only a portal
	 * that serves every target already is accepted (docs/compat.md). */
	if (d->c->backend != NULL && !d->c->caps.per_target_portals &&
	    !listens_globally(d->c, &p)) {
		CORE_FREE_CONST(p.address);
		return -ENOTSUP;
	}
	if (find_portal(t, &p) >= 0) {
		CORE_FREE_CONST(p.address);
		return 0;
	}
	if (t->n_portals >= RULES_MAX_PORTALS) {
		CORE_FREE_CONST(p.address);
		return -ERANGE;
	}
	struct core_portal *portals =
		talloc_realloc(t, t->portals, struct core_portal, t->n_portals + 1);
	if (portals == NULL) {
		CORE_FREE_CONST(p.address);
		return -ENOMEM;
	}
	t->portals = portals;
	t->portals[t->n_portals++] = p;
	return 0;
}

int core_draft_remove_portal(struct core_target_draft *d, const char *text)
{
	struct core_target *t = d->edit;
	struct core_portal p;
	if (rules_portal(text, t, &p) < 0)
		return -EINVAL;
	ssize_t at = find_portal(t, &p);
	CORE_FREE_CONST(p.address);
	if (at < 0)
		return -ENOENT;
	CORE_FREE_CONST(t->portals[at].address);
	memmove(&t->portals[at], &t->portals[at + 1],
		(t->n_portals - (size_t)at - 1) * sizeof(*t->portals));
	t->n_portals--;
	return 0;
}

void core_draft_remove_all_portals(struct core_target_draft *d)
{
	for (size_t i = 0; i < d->edit->n_portals; i++)
		CORE_FREE_CONST(d->edit->portals[i].address);
	d->edit->n_portals = 0;
}
