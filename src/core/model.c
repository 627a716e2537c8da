/* The in-memory model: copies, lookups, and the arrays that hold it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "core/core_internal.h"
#include "istmd/hindex.h"
#include "istmd/log.h"

bool core_str_ieq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

void core_guid_new(char out[CORE_GUID_LEN + 1])
{
	uint8_t b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (errno != EINTR)
			break;
	}
	if (got < sizeof(b)) {
		/* getrandom cannot fail once the pool is initialised; never
		 * hand out a predictable identifier silently */
		log_err("getrandom failed: %s", strerror(errno));
		abort();
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* RFC 4122 version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, CORE_GUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

const char *core_id_method_name(enum core_id_method m)
{
	switch (m) {
	case CORE_ID_NETBIOS:
		return "NetBIOS";
	case CORE_ID_DNS:
		return "DNSName";
	case CORE_ID_IP:
		return "IPAddress";
	case CORE_ID_MAC:
		return "MACAddress";
	case CORE_ID_IQN:
		return "IQN";
	case CORE_ID_IPV6:
		return "IPv6Address";
	}
	return "Invalid";
}

const char *core_vhd_type_name(enum core_vhd_type t)
{
	switch (t) {
	case CORE_VHD_FIXED:
		return "fixed";
	case CORE_VHD_DIFFERENCING:
		return "differencing";
	case CORE_VHD_DYNAMIC:
		return "dynamic";
	case CORE_VHD_INVALID:
		break;
	}
	return "invalid";
}

static const char *dup_str(TALLOC_CTX *mem, const char *s, bool *ok)
{
	if (s == NULL)
		return NULL;
	char *d = talloc_strdup(mem, s);
	if (d == NULL)
		*ok = false;
	return d;
}

struct core_target *core_target_dup(TALLOC_CTX *mem, const struct core_target *t)
{
	struct core_target *c = talloc_zero(mem, struct core_target);
	if (c == NULL)
		return NULL;
	bool ok = true;
	*c = *t;
	c->name = dup_str(c, t->name, &ok);
	c->iqn = dup_str(c, t->iqn, &ok);
	c->description = dup_str(c, t->description, &ok);
	c->chap_user = dup_str(c, t->chap_user, &ok);
	c->chap_secret = dup_str(c, t->chap_secret, &ok);
	c->reverse_chap_user = dup_str(c, t->reverse_chap_user, &ok);
	c->reverse_chap_secret = dup_str(c, t->reverse_chap_secret, &ok);
	c->resource_name = dup_str(c, t->resource_name, &ok);
	c->resource_group = dup_str(c, t->resource_group, &ok);
	c->ids = talloc_zero_array(c, struct core_initiator_id, t->n_ids);
	c->luns = talloc_zero_array(c, struct core_lun_mapping, t->n_luns);
	c->portals = talloc_zero_array(c, struct core_portal, t->n_portals);
	ok = ok && c->ids != NULL && c->luns != NULL && c->portals != NULL;
	for (size_t i = 0; ok && i < t->n_ids; i++) {
		c->ids[i].method = t->ids[i].method;
		c->ids[i].value = dup_str(c, t->ids[i].value, &ok);
	}
	if (ok && t->n_luns > 0)
		memcpy(c->luns, t->luns, t->n_luns * sizeof(*t->luns));
	for (size_t i = 0; ok && i < t->n_portals; i++) {
		c->portals[i].address = dup_str(c, t->portals[i].address, &ok);
		c->portals[i].port = t->portals[i].port;
	}
	if (!ok) {
		talloc_free(c);
		return NULL;
	}
	return c;
}

struct core_disk *core_disk_dup(TALLOC_CTX *mem, const struct core_disk *d)
{
	struct core_disk *c = talloc_zero(mem, struct core_disk);
	if (c == NULL)
		return NULL;
	bool ok = true;
	*c = *d;
	c->serial = dup_str(c, d->serial, &ok);
	c->device_id = dup_str(c, d->device_id, &ok);
	c->path = dup_str(c, d->path, &ok);
	c->windows_path = dup_str(c, d->windows_path, &ok);
	c->description = dup_str(c, d->description, &ok);
	c->parent_path = dup_str(c, d->parent_path, &ok);
	c->resource_name = dup_str(c, d->resource_name, &ok);
	c->resource_group = dup_str(c, d->resource_group, &ok);
	if (!ok) {
		talloc_free(c);
		return NULL;
	}
	return c;
}

struct intent *intent_dup(TALLOC_CTX *mem, const struct intent *i)
{
	struct intent *c = talloc_zero(mem, struct intent);
	if (c == NULL)
		return NULL;
	*c = *i;
	c->path = talloc_strdup(c, i->path ? i->path : "");
	c->tmp_name = talloc_strdup(c, i->tmp_name ? i->tmp_name : "");
	if (c->path == NULL || c->tmp_name == NULL) {
		talloc_free(c);
		return NULL;
	}
	return c;
}

struct mtarget *model_target_by_guid(const struct model *m, const char *guid)
{
	if (guid == NULL)
		return NULL;
	if (m->by_guid != NULL)
		return hindex_get(m->by_guid, guid);
	for (size_t i = 0; i < m->n_targets; i++)
		if (strcmp(m->targets[i]->t->guid, guid) == 0)
			return m->targets[i];
	return NULL;
}

struct mtarget *model_target_by_name(const struct model *m, const char *name)
{
	if (name == NULL)
		return NULL;
	if (m->by_name != NULL)
		return hindex_get(m->by_name, name);
	for (size_t i = 0; i < m->n_targets; i++)
		if (core_str_ieq(m->targets[i]->t->name, name))
			return m->targets[i];
	return NULL;
}

struct mtarget *model_target_by_iqn(const struct model *m, const char *iqn)
{
	if (iqn == NULL)
		return NULL;
	if (m->by_iqn != NULL)
		return hindex_get(m->by_iqn, iqn);
	for (size_t i = 0; i < m->n_targets; i++)
		if (core_str_ieq(m->targets[i]->t->iqn, iqn))
			return m->targets[i];
	return NULL;
}

struct mtarget *model_next_mapping(const struct model *m, uint32_t wtd, size_t *cursor)
{
	return m->by_wtd != NULL ? hindex_next_u64(m->by_wtd, wtd, cursor) : NULL;
}

/* ---- the indexes ---- */

static int index_new(struct model *m)
{
	if (m->by_guid != NULL)
		return 0;
	m->by_guid = hindex_new(m, HINDEX_STR);
	m->by_name = hindex_new(m, HINDEX_STR_CI);
	m->by_iqn = hindex_new(m, HINDEX_STR_CI);
	m->by_wtd = hindex_new(m, HINDEX_U64);
	if (m->by_guid && m->by_name && m->by_iqn && m->by_wtd)
		return 0;
	TALLOC_FREE(m->by_guid);
	TALLOC_FREE(m->by_name);
	TALLOC_FREE(m->by_iqn);
	TALLOC_FREE(m->by_wtd);
	return -ENOMEM;
}

static void unindex(struct model *m, struct mtarget *mt)
{
	const struct core_target *t = mt->t;
	if (t == NULL || m->by_guid == NULL)
		return;
	hindex_del(m->by_guid, t->guid, mt);
	hindex_del(m->by_name, t->name, mt);
	hindex_del(m->by_iqn, t->iqn, mt);
	for (size_t j = 0; j < t->n_luns; j++)
		hindex_del_u64(m->by_wtd, t->luns[j].wtd, mt);
}

/* Names and IQNs may be NULL (a draft's IQN): not indexed then. */
static int index_target(struct model *m, struct mtarget *mt)
{
	const struct core_target *t = mt->t;
	int rc = index_new(m);
	if (rc == 0)
		rc = hindex_put(m->by_guid, t->guid, mt);
	if (rc == 0 && t->name != NULL)
		rc = hindex_put(m->by_name, t->name, mt);
	if (rc == 0 && t->iqn != NULL)
		rc = hindex_put(m->by_iqn, t->iqn, mt);
	for (size_t j = 0; rc == 0 && j < t->n_luns; j++)
		rc = hindex_put_u64(m->by_wtd, t->luns[j].wtd, mt);
	if (rc < 0)
		unindex(m, mt);
	return rc;
}

int model_reindex(struct model *m)
{
	int rc = index_new(m);
	if (rc < 0)
		return rc;
	hindex_clear(m->by_guid);
	hindex_clear(m->by_name);
	hindex_clear(m->by_iqn);
	hindex_clear(m->by_wtd);
	for (size_t i = 0; rc == 0 && i < m->n_targets; i++)
		rc = index_target(m, m->targets[i]);
	return rc;
}

int model_target_set(struct model *m, struct mtarget *mt, struct core_target *t)
{
	unindex(m, mt);
	talloc_free(mt->t);
	mt->t = talloc_steal(mt, t);
	return index_target(m, mt);
}

bool model_disk_mapped(const struct model *m, uint32_t wtd)
{
	size_t cursor = 0;
	return model_next_mapping(m, wtd, &cursor) != NULL;
}

struct mdisk *model_disk(const struct model *m, uint32_t wtd)
{
	size_t lo = 0, hi = m->n_disks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t w = m->disks[mid]->d->wtd;
		if (w == wtd)
			return m->disks[mid];
		if (w < wtd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct mdisk *model_disk_by_path(const struct model *m, const char *posix_path)
{
	if (m->disk_by_path != NULL)
		return hindex_get(m->disk_by_path, posix_path);
	for (size_t i = 0; i < m->n_disks; i++)
		if (strcmp(m->disks[i]->d->path, posix_path) == 0)
			return m->disks[i];
	return NULL;
}

struct intent *model_intent_for_path(const struct model *m, const char *posix_path)
{
	for (size_t i = 0; i < m->n_intents; i++)
		if (strcmp(m->intents[i]->path, posix_path) == 0)
			return m->intents[i];
	return NULL;
}

struct intent *model_intent_for_disk(const struct model *m, uint32_t wtd)
{
	for (size_t i = 0; i < m->n_intents; i++)
		if (m->intents[i]->wtd == wtd && m->intents[i]->kind != INTENT_DELETE_DISK)
			return m->intents[i];
	return NULL;
}

/* Pointer arrays: append, insert in order, remove. */
static int ptr_insert(TALLOC_CTX *parent, void ***array, size_t *n, size_t at, void *item)
{
	void **a = *array;
	/* grows geometrically: adding 10,000 targets copies O(n), not O(n^2) */
	if (a == NULL || talloc_array_length(a) < *n + 1) {
		size_t want = *n < 8 ? 16 : *n * 2;
		a = talloc_realloc(parent, *array, void *, want);
		if (a == NULL)
			return -ENOMEM;
	}
	memmove(&a[at + 1], &a[at], (*n - at) * sizeof(*a));
	a[at] = item;
	*array = a;
	(*n)++;
	return 0;
}

static void ptr_remove(void **array, size_t *n, void *item)
{
	for (size_t i = 0; i < *n; i++) {
		if (array[i] == item) {
			memmove(&array[i], &array[i + 1], (*n - i - 1) * sizeof(*array));
			(*n)--;
			return;
		}
	}
}

int model_add_target(struct model *m, struct mtarget *mt)
{
	talloc_steal(m, mt);
	int rc = index_target(m, mt);
	if (rc < 0)
		return rc;
	rc = ptr_insert(m, (void ***)&m->targets, &m->n_targets, m->n_targets, mt);
	if (rc < 0)
		unindex(m, mt);
	return rc;
}

/* MT->t may belong to someone else by now (the caller keeps it), but must
 * still be the target that was indexed. */
void model_remove_target(struct model *m, struct mtarget *mt)
{
	unindex(m, mt);
	ptr_remove((void **)m->targets, &m->n_targets, mt);
	talloc_free(mt);
}

/* Disks by path: registering a disk checks its file is not one already
 * (10,000 disks made that scan most of CreateWTDisk's cost). */
static int index_disk(struct model *m, struct mdisk *md)
{
	if (m->disk_by_path == NULL && (m->disk_by_path = hindex_new(m, HINDEX_STR)) == NULL)
		return -ENOMEM;
	return md->d->path != NULL ? hindex_put(m->disk_by_path, md->d->path, md) : 0;
}

static void unindex_disk(struct model *m, struct mdisk *md)
{
	if (m->disk_by_path != NULL && md->d != NULL && md->d->path != NULL)
		hindex_del(m->disk_by_path, md->d->path, md);
}

int model_add_disk(struct model *m, struct mdisk *md)
{
	size_t at = m->n_disks;
	while (at > 0 && m->disks[at - 1]->d->wtd > md->d->wtd)
		at--;
	talloc_steal(m, md);
	int rc = index_disk(m, md);
	if (rc < 0)
		return rc;
	rc = ptr_insert(m, (void ***)&m->disks, &m->n_disks, at, md);
	if (rc < 0)
		unindex_disk(m, md);
	return rc;
}

int model_disk_set(struct model *m, struct mdisk *md, struct core_disk *d)
{
	unindex_disk(m, md);
	talloc_free(md->d);
	md->d = talloc_steal(md, d);
	return index_disk(m, md);
}

void model_remove_disk(struct model *m, struct mdisk *md)
{
	unindex_disk(m, md);
	ptr_remove((void **)m->disks, &m->n_disks, md);
	talloc_free(md);
}

int model_add_intent(struct model *m, struct intent *i)
{
	talloc_steal(m, i);
	return ptr_insert(m, (void ***)&m->intents, &m->n_intents, m->n_intents, i);
}

int model_track_intent(struct model *m, const struct intent *i)
{
	struct intent *mine = intent_dup(m, i);
	if (mine == NULL || model_add_intent(m, mine) < 0) {
		talloc_free(mine);
		return -ENOMEM;
	}
	return 0;
}

void model_remove_intent(struct model *m, int64_t id)
{
	for (size_t i = 0; i < m->n_intents; i++) {
		if (m->intents[i]->id == id) {
			struct intent *it = m->intents[i];
			ptr_remove((void **)m->intents, &m->n_intents, it);
			talloc_free(it);
			return;
		}
	}
}

void model_disk_derive(const struct core *c, struct core_disk *d)
{
	struct storage_path *p = NULL;
	TALLOC_CTX *tmp = talloc_new(NULL);
	const char *win = NULL;
	if (tmp != NULL && storage_path_parse(tmp, c->sp, d->path, &p) == 0 && p->windows != NULL)
		win = p->windows;
	CORE_FREE_CONST(d->windows_path);
	d->windows_path = win != NULL ? talloc_strdup(d, win) : NULL;
	talloc_free(tmp);
}
