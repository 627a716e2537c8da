/* Reading the whole desired state into a model (at start-up). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/store_internal.h"

static int grow_array(TALLOC_CTX *parent, void **array, size_t elem, size_t n)
{
	void *a = talloc_realloc_size(parent, *array, elem * (n + 1));
	if (a == NULL)
		return -ENOMEM;
	*array = a;
	return 0;
}

static int load_targets(struct store *s, struct model *m, char **why)
{
	sqlite3_stmt *st;
	int rc = store_prepare(s,
			       "SELECT seq, guid, name, iqn, description, enabled, chap_enabled, "
			       "chap_user, chap_secret, reverse_chap_enabled, reverse_chap_user, "
			       "reverse_chap_secret, max_recv_data_segment_length, "
			       "first_burst_length, max_burst_length, num_recv_buffers, "
			       "enforce_idle_timeout, last_login, resource_name, resource_group "
			       "FROM targets ORDER BY seq",
			       &st, m, why);
	if (rc < 0)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct mtarget *mt = talloc_zero(m, struct mtarget);
		struct core_target *t = mt ? talloc_zero(mt, struct core_target) : NULL;
		if (t == NULL) {
			rc = -ENOMEM;
			break;
		}
		mt->t = t;
		mt->seq = sqlite3_column_int64(st, 0);
		const unsigned char *guid = sqlite3_column_text(st, 1);
		snprintf(t->guid, sizeof(t->guid), "%s", guid ? (const char *)guid : "");
		t->name = store_col_text(t, st, 2);
		t->iqn = store_col_text(t, st, 3);
		t->description = store_col_text(t, st, 4);
		t->enabled = sqlite3_column_int(st, 5) != 0;
		t->chap_enabled = sqlite3_column_int(st, 6) != 0;
		t->chap_user = store_col_text(t, st, 7);
		t->chap_secret = store_col_text(t, st, 8);
		t->reverse_chap_enabled = sqlite3_column_int(st, 9) != 0;
		t->reverse_chap_user = store_col_text(t, st, 10);
		t->reverse_chap_secret = store_col_text(t, st, 11);
		t->max_recv_data_segment_length = (uint32_t)sqlite3_column_int64(st, 12);
		t->first_burst_length = (uint32_t)sqlite3_column_int64(st, 13);
		t->max_burst_length = (uint32_t)sqlite3_column_int64(st, 14);
		t->num_recv_buffers = (uint32_t)sqlite3_column_int64(st, 15);
		t->enforce_idle_timeout = sqlite3_column_int(st, 16) != 0;
		t->last_login = sqlite3_column_int64(st, 17);
		t->resource_name = store_col_text(t, st, 18);
		t->resource_group = store_col_text(t, st, 19);
		t->ids = talloc_zero_array(t, struct core_initiator_id, 0);
		t->luns = talloc_zero_array(t, struct core_lun_mapping, 0);
		t->portals = talloc_zero_array(t, struct core_portal, 0);
		if (!t->name || !t->iqn || !t->description || !t->chap_user || !t->chap_secret ||
		    !t->reverse_chap_user || !t->reverse_chap_secret || !t->resource_name ||
		    !t->resource_group || !t->ids || !t->luns || !t->portals ||
		    model_add_target(m, mt) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (mt->seq >= m->next_seq)
			m->next_seq = mt->seq + 1;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(s, step, m, why, "reading targets");
	sqlite3_finalize(st);
	return rc;
}

/* The rows of TABLE (target, a, b) in insertion order, added to each target. */
enum child_kind { CHILD_IDS, CHILD_PORTALS, CHILD_LUNS };

static int load_children(struct store *s, struct model *m, enum child_kind kind, char **why)
{
	static const char *const sql[] = {
		[CHILD_IDS] = "SELECT target, method, value FROM target_ids ORDER BY rowid",
		[CHILD_PORTALS] = "SELECT target, address, port FROM target_portals ORDER BY rowid",
		[CHILD_LUNS] = "SELECT target, lun, wtd FROM lun_mappings ORDER BY target, lun",
	};
	sqlite3_stmt *st;
	int rc = store_prepare(s, sql[kind], &st, m, why);
	if (rc < 0)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *guid = sqlite3_column_text(st, 0);
		struct mtarget *mt = model_target_by_guid(m, guid ? (const char *)guid : "");
		if (mt == NULL)
			continue; /* cannot happen with foreign keys on */
		struct core_target *t = mt->t;
		if (kind == CHILD_IDS) {
			if (grow_array(t, (void **)&t->ids, sizeof(*t->ids), t->n_ids) < 0) {
				rc = -ENOMEM;
				break;
			}
			struct core_initiator_id *id = &t->ids[t->n_ids];
			id->method = (enum core_id_method)sqlite3_column_int(st, 1);
			id->value = store_col_text(t, st, 2);
			if (id->value == NULL) {
				rc = -ENOMEM;
				break;
			}
			t->n_ids++;
		} else if (kind == CHILD_PORTALS) {
			if (grow_array(t, (void **)&t->portals, sizeof(*t->portals), t->n_portals) <
			    0) {
				rc = -ENOMEM;
				break;
			}
			struct core_portal *p = &t->portals[t->n_portals];
			p->address = store_col_text(t, st, 1);
			p->port = (uint16_t)sqlite3_column_int(st, 2);
			if (p->address == NULL) {
				rc = -ENOMEM;
				break;
			}
			t->n_portals++;
		} else {
			if (grow_array(t, (void **)&t->luns, sizeof(*t->luns), t->n_luns) < 0) {
				rc = -ENOMEM;
				break;
			}
			t->luns[t->n_luns].lun = (uint32_t)sqlite3_column_int64(st, 1);
			t->luns[t->n_luns].wtd = (uint32_t)sqlite3_column_int64(st, 2);
			t->n_luns++;
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(s, step, m, why, "reading targets");
	sqlite3_finalize(st);
	return rc;
}

static int load_disks(struct store *s, struct model *m, char **why)
{
	sqlite3_stmt *st;
	int rc = store_prepare(s,
			       "SELECT wtd, guid, serial, device_id, path, description, type, flags, "
			       "enabled, size, vhd_type, parent_path, cache_parent, resource_name, "
			       "resource_group, file_dev, file_ino FROM disks ORDER BY wtd",
			       &st, m, why);
	if (rc < 0)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct mdisk *md = talloc_zero(m, struct mdisk);
		struct core_disk *d = md ? talloc_zero(md, struct core_disk) : NULL;
		if (d == NULL) {
			rc = -ENOMEM;
			break;
		}
		md->d = d;
		d->wtd = (uint32_t)sqlite3_column_int64(st, 0);
		const unsigned char *guid = sqlite3_column_text(st, 1);
		snprintf(d->guid, sizeof(d->guid), "%s", guid ? (const char *)guid : "");
		d->serial = store_col_text(d, st, 2);
		d->device_id = store_col_text(d, st, 3);
		d->path = store_col_text(d, st, 4);
		d->description = store_col_text(d, st, 5);
		d->type = (enum core_wtd_type)sqlite3_column_int(st, 6);
		d->flags = (uint32_t)sqlite3_column_int64(st, 7);
		d->enabled = sqlite3_column_int(st, 8) != 0;
		d->size = (uint64_t)sqlite3_column_int64(st, 9);
		d->vhd_type = (enum core_vhd_type)sqlite3_column_int(st, 10);
		d->parent_path = store_col_text(d, st, 11);
		d->cache_parent = sqlite3_column_int(st, 12) != 0;
		d->resource_name = store_col_text(d, st, 13);
		d->resource_group = store_col_text(d, st, 14);
		d->file_dev = (uint64_t)sqlite3_column_int64(st, 15);
		d->file_ino = (uint64_t)sqlite3_column_int64(st, 16);
		if (!d->serial || !d->device_id || !d->path || !d->description || !d->parent_path ||
		    !d->resource_name || !d->resource_group || model_add_disk(m, md) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (d->wtd >= m->next_wtd)
			m->next_wtd = d->wtd + 1;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(s, step, m, why, "reading disks");
	sqlite3_finalize(st);
	return rc;
}

static int load_intents(struct store *s, struct model *m, char **why)
{
	sqlite3_stmt *st;
	int rc = store_prepare(s,
			       "SELECT id, kind, phase, wtd, path, tmp_name, old_size, new_size, "
			       "delete_file, file_dev, file_ino FROM intents ORDER BY id",
			       &st, m, why);
	if (rc < 0)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct intent *i = talloc_zero(m, struct intent);
		if (i == NULL) {
			rc = -ENOMEM;
			break;
		}
		i->id = sqlite3_column_int64(st, 0);
		i->kind = (enum intent_kind)sqlite3_column_int(st, 1);
		i->phase = sqlite3_column_int(st, 2);
		i->wtd = (uint32_t)sqlite3_column_int64(st, 3);
		i->path = store_col_text(i, st, 4);
		i->tmp_name = store_col_text(i, st, 5);
		i->old_size = (uint64_t)sqlite3_column_int64(st, 6);
		i->new_size = (uint64_t)sqlite3_column_int64(st, 7);
		i->delete_file = sqlite3_column_int(st, 8) != 0;
		i->file_dev = (uint64_t)sqlite3_column_int64(st, 9);
		i->file_ino = (uint64_t)sqlite3_column_int64(st, 10);
		if (i->path == NULL || i->tmp_name == NULL || model_add_intent(m, i) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (i->id >= m->next_intent)
			m->next_intent = i->id + 1;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(s, step, m, why, "reading intents");
	sqlite3_finalize(st);
	return rc;
}

static int load_meta(struct store *s, struct model *m, char **why)
{
	sqlite3_stmt *st;
	int rc = store_prepare(s, "SELECT key, value FROM meta", &st, m, why);
	if (rc < 0)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *value = (const char *)sqlite3_column_text(st, 1);
		if (key == NULL || value == NULL)
			continue;
		if (strcmp(key, STORE_META_SERVICE_GUID) == 0) {
			snprintf(m->service_guid, sizeof(m->service_guid), "%s", value);
		} else if (strcmp(key, STORE_META_SERVICE_NAME) == 0) {
			m->service_name = talloc_strdup(m, value);
			if (m->service_name == NULL) {
				rc = -ENOMEM;
				break;
			}
		} else if (strcmp(key, STORE_META_NEXT_WTD) == 0) {
			unsigned long long n = strtoull(value, NULL, 10);
			if (n > m->next_wtd && n <= UINT32_MAX)
				m->next_wtd = (uint32_t)n;
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(s, step, m, why, "reading settings");
	sqlite3_finalize(st);
	return rc;
}

static int load_portal_settings(struct store *s, struct model *m, char **why)
{
	sqlite3_stmt *st;
	int rc = store_prepare(s, "SELECT address, port, listen FROM portal_settings"
				  " ORDER BY address, port", &st, m, why);
	if (rc < 0)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *address = (const char *)sqlite3_column_text(st, 0);
		int64_t port = sqlite3_column_int64(st, 1);
		if (address == NULL || port < 1 || port > 65535)
			continue;
		struct iscsi_portal_setting *a = talloc_realloc(
			m, m->portal_settings, struct iscsi_portal_setting, m->n_portal_settings + 1);
		if (a == NULL) {
			rc = -ENOMEM;
			break;
		}
		m->portal_settings = a;
		a[m->n_portal_settings] = (struct iscsi_portal_setting){
			.address = talloc_strdup(a, address),
			.port = (uint16_t)port,
			.listen = sqlite3_column_int64(st, 2) != 0,
		};
		if (a[m->n_portal_settings++].address == NULL) {
			rc = -ENOMEM;
			break;
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(s, step, m, why, "reading listener settings");
	sqlite3_finalize(st);
	return rc;
}

static int load_isns_servers(struct store *s, struct model *m, char **why)
{
	sqlite3_stmt *st;
	int rc = store_prepare(s, "SELECT name, seq FROM isns_servers ORDER BY seq", &st, m, why);
	if (rc < 0)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int64_t seq = sqlite3_column_int64(st, 1);
		if (name == NULL)
			continue;
		char **a = talloc_realloc(m, m->isns_servers, char *, m->n_isns_servers + 1);
		if (a == NULL) {
			rc = -ENOMEM;
			break;
		}
		m->isns_servers = a;
		if ((a[m->n_isns_servers++] = talloc_strdup(a, name)) == NULL) {
			rc = -ENOMEM;
			break;
		}
		if (seq >= m->next_isns_seq)
			m->next_isns_seq = seq + 1;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(s, step, m, why, "reading iSNS servers");
	sqlite3_finalize(st);
	return rc;
}

int store_load(struct store *s, TALLOC_CTX *mem, struct model **out, char **why)
{
	struct model *m = talloc_zero(mem, struct model);
	if (m == NULL)
		return -ENOMEM;
	m->next_seq = 1;
	m->next_intent = 1;
	m->next_isns_seq = 1;
	m->next_wtd = 1; /* 0 stays free: clients may read it as "no disk" */
	m->targets = talloc_zero_array(m, struct mtarget *, 0);
	m->disks = talloc_zero_array(m, struct mdisk *, 0);
	m->intents = talloc_zero_array(m, struct intent *, 0);
	m->service_name = talloc_strdup(m, "");
	int rc = -ENOMEM;
	if (m->targets == NULL || m->disks == NULL || m->intents == NULL ||
	    m->service_name == NULL)
		goto fail;
	/* One read transaction: a consistent picture. */
	if ((rc = store_run_sql(s, "BEGIN", mem, why)) < 0)
		goto fail;
	if ((rc = load_targets(s, m, why)) < 0 || (rc = load_children(s, m, CHILD_IDS, why)) < 0 ||
	    (rc = load_children(s, m, CHILD_PORTALS, why)) < 0 ||
	    (rc = load_children(s, m, CHILD_LUNS, why)) < 0 || (rc = load_disks(s, m, why)) < 0 ||
	    (rc = load_intents(s, m, why)) < 0 || (rc = load_meta(s, m, why)) < 0 ||
	    (rc = load_portal_settings(s, m, why)) < 0 || (rc = load_isns_servers(s, m, why)) < 0 ||
	    /* the children were filled in after the targets were indexed */
	    (rc = model_reindex(m)) < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	if ((rc = store_run_sql(s, "COMMIT", mem, why)) < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	if (why != NULL && *why != NULL)
		*why = talloc_steal(mem, *why);
	talloc_free(m);
	return rc;
}
