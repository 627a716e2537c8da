/* Write transactions: built on the loop from deep copies, run on the store
 * thread between BEGIN IMMEDIATE and COMMIT, all or nothing. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/store_internal.h"

enum tx_kind {
	TX_PUT_TARGET,
	TX_DELETE_TARGET,
	TX_PUT_DISK,
	TX_DELETE_DISK,
	TX_PUT_INTENT,
	TX_DELETE_INTENT,
	TX_META,
	TX_LAST_LOGIN,
	TX_PORTAL_SETTING,
	TX_CALL,
	TX_ISNS_SERVER,
};

struct tx_op {
	enum tx_kind kind;
	struct core_target *target;
	struct core_disk *disk;
	struct intent *intent;
	char *key;   /* guid, meta key */
	char *value; /* meta value */
	int64_t num; /* seq, wtd, intent id, last login */
	store_tx_fn fn; /* TX_CALL */
	void *arg;
};

struct store_tx {
	struct tx_op *ops;
	size_t n;
};

struct store_tx *store_tx_new(TALLOC_CTX *mem)
{
	struct store_tx *tx = talloc_zero(mem, struct store_tx);
	if (tx != NULL && (tx->ops = talloc_zero_array(tx, struct tx_op, 0)) == NULL)
		TALLOC_FREE(tx);
	return tx;
}

size_t store_tx_count(const struct store_tx *tx)
{
	return tx->n;
}

static struct tx_op *add(struct store_tx *tx, enum tx_kind kind)
{
	struct tx_op *ops = talloc_realloc(tx, tx->ops, struct tx_op, tx->n + 1);
	if (ops == NULL)
		return NULL;
	tx->ops = ops;
	memset(&ops[tx->n], 0, sizeof(ops[tx->n]));
	ops[tx->n].kind = kind;
	return &ops[tx->n++];
}

int store_tx_put_target(struct store_tx *tx, const struct core_target *t, int64_t seq)
{
	struct tx_op *op = add(tx, TX_PUT_TARGET);
	if (op == NULL || (op->target = core_target_dup(tx, t)) == NULL)
		return -ENOMEM;
	op->num = seq;
	return 0;
}

int store_tx_delete_target(struct store_tx *tx, const char *guid)
{
	struct tx_op *op = add(tx, TX_DELETE_TARGET);
	if (op == NULL || (op->key = talloc_strdup(tx, guid)) == NULL)
		return -ENOMEM;
	return 0;
}

int store_tx_put_disk(struct store_tx *tx, const struct core_disk *d)
{
	struct tx_op *op = add(tx, TX_PUT_DISK);
	if (op == NULL || (op->disk = core_disk_dup(tx, d)) == NULL)
		return -ENOMEM;
	return 0;
}

int store_tx_delete_disk(struct store_tx *tx, uint32_t wtd)
{
	struct tx_op *op = add(tx, TX_DELETE_DISK);
	if (op == NULL)
		return -ENOMEM;
	op->num = wtd;
	return 0;
}

int store_tx_put_intent(struct store_tx *tx, const struct intent *i)
{
	struct tx_op *op = add(tx, TX_PUT_INTENT);
	if (op == NULL || (op->intent = intent_dup(tx, i)) == NULL)
		return -ENOMEM;
	return 0;
}

int store_tx_delete_intent(struct store_tx *tx, int64_t id)
{
	struct tx_op *op = add(tx, TX_DELETE_INTENT);
	if (op == NULL)
		return -ENOMEM;
	op->num = id;
	return 0;
}

int store_tx_set_meta(struct store_tx *tx, const char *key, const char *value)
{
	struct tx_op *op = add(tx, TX_META);
	if (op == NULL || (op->key = talloc_strdup(tx, key)) == NULL ||
	    (op->value = talloc_strdup(tx, value)) == NULL)
		return -ENOMEM;
	return 0;
}

int store_tx_last_login(struct store_tx *tx, const char *guid, int64_t filetime)
{
	struct tx_op *op = add(tx, TX_LAST_LOGIN);
	if (op == NULL || (op->key = talloc_strdup(tx, guid)) == NULL)
		return -ENOMEM;
	op->num = filetime;
	return 0;
}

int store_tx_put_portal_setting(struct store_tx *tx, const char *address, uint16_t port,
				bool listen)
{
	struct tx_op *op = add(tx, TX_PORTAL_SETTING);
	if (op == NULL || (op->key = talloc_strdup(tx, address)) == NULL)
		return -ENOMEM;
	op->num = port;
	op->value = listen ? talloc_strdup(tx, "1") : NULL;
	return 0;
}

int store_tx_put_isns_server(struct store_tx *tx, const char *name, int64_t seq, bool present)
{
	struct tx_op *op = add(tx, TX_ISNS_SERVER);
	if (op == NULL || (op->key = talloc_strdup(tx, name)) == NULL)
		return -ENOMEM;
	op->num = seq;
	op->value = present ? talloc_strdup(tx, "1") : NULL;
	return 0;
}

/* One statement with bound values: "s" text, "i" int64, "b" bool. */
static int run(struct store *s, TALLOC_CTX *mem, char **why, const char *sql, const char *types,
	       ...)
{
	sqlite3_stmt *st;
	int rc = store_prepare(s, sql, &st, mem, why);
	if (rc < 0)
		return rc;
	va_list ap;
	va_start(ap, types);
	for (int i = 0; types[i] != '\0'; i++) {
		int b;
		if (types[i] == 's')
			b = sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1,
					      SQLITE_STATIC);
		else if (types[i] == 'b')
			b = sqlite3_bind_int(st, i + 1, va_arg(ap, int) ? 1 : 0);
		else
			b = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		if (b != SQLITE_OK) {
			va_end(ap);
			sqlite3_finalize(st);
			return store_fail(s, b, mem, why, "database");
		}
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, mem, why, "database");
	return 0;
}

static int put_target(struct store *s, const struct core_target *t, int64_t seq, TALLOC_CTX *mem,
		      char **why)
{
	int rc = run(s, mem, why,
		     "INSERT INTO targets (seq, guid, name, iqn, description, enabled, chap_enabled,"
		     " chap_user, chap_secret, reverse_chap_enabled, reverse_chap_user,"
		     " reverse_chap_secret, max_recv_data_segment_length, first_burst_length,"
		     " max_burst_length, num_recv_buffers, enforce_idle_timeout, resource_name,"
		     " resource_group) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		     " ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
		     " ON CONFLICT (guid) DO UPDATE SET name = excluded.name, iqn = excluded.iqn,"
		     " description = excluded.description, enabled = excluded.enabled,"
		     " chap_enabled = excluded.chap_enabled, chap_user = excluded.chap_user,"
		     " chap_secret = excluded.chap_secret,"
		     " reverse_chap_enabled = excluded.reverse_chap_enabled,"
		     " reverse_chap_user = excluded.reverse_chap_user,"
		     " reverse_chap_secret = excluded.reverse_chap_secret,"
		     " max_recv_data_segment_length = excluded.max_recv_data_segment_length,"
		     " first_burst_length = excluded.first_burst_length,"
		     " max_burst_length = excluded.max_burst_length,"
		     " num_recv_buffers = excluded.num_recv_buffers,"
		     " enforce_idle_timeout = excluded.enforce_idle_timeout,"
		     " resource_name = excluded.resource_name,"
		     " resource_group = excluded.resource_group",
		     "issssbbssbssiiiibss", seq, t->guid, t->name, t->iqn, t->description,
		     t->enabled, t->chap_enabled, t->chap_user, t->chap_secret,
		     t->reverse_chap_enabled, t->reverse_chap_user, t->reverse_chap_secret,
		     (int64_t)t->max_recv_data_segment_length, (int64_t)t->first_burst_length,
		     (int64_t)t->max_burst_length, (int64_t)t->num_recv_buffers,
		     t->enforce_idle_timeout, t->resource_name, t->resource_group);
	if (rc < 0)
		return rc;
	if ((rc = run(s, mem, why, "DELETE FROM target_ids WHERE target = ?", "s", t->guid)) < 0 ||
	    (rc = run(s, mem, why, "DELETE FROM target_portals WHERE target = ?", "s", t->guid)) <
		    0 ||
	    (rc = run(s, mem, why, "DELETE FROM lun_mappings WHERE target = ?", "s", t->guid)) < 0)
		return rc;
	for (size_t i = 0; i < t->n_ids; i++)
		if ((rc = run(s, mem, why,
			      "INSERT INTO target_ids (target, method, value) VALUES (?, ?, ?)",
			      "sis", t->guid, (int64_t)t->ids[i].method, t->ids[i].value)) < 0)
			return rc;
	for (size_t i = 0; i < t->n_portals; i++)
		if ((rc = run(s, mem, why,
			      "INSERT INTO target_portals (target, address, port) VALUES (?, ?, ?)",
			      "ssi", t->guid, t->portals[i].address,
			      (int64_t)t->portals[i].port)) < 0)
			return rc;
	for (size_t i = 0; i < t->n_luns; i++)
		if ((rc = run(s, mem, why,
			      "INSERT INTO lun_mappings (target, wtd, lun) VALUES (?, ?, ?)", "sii",
			      t->guid, (int64_t)t->luns[i].wtd, (int64_t)t->luns[i].lun)) < 0)
			return rc;
	return 0;
}

static int put_disk(struct store *s, const struct core_disk *d, TALLOC_CTX *mem, char **why)
{
	return run(s, mem, why,
		   "INSERT INTO disks (wtd, guid, serial, device_id, path, description, type, flags,"
		   " enabled, size, vhd_type, parent_path, cache_parent, resource_name,"
		   " resource_group, file_dev, file_ino) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		   " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
		   " ON CONFLICT (wtd) DO UPDATE SET serial = excluded.serial,"
		   " device_id = excluded.device_id, path = excluded.path,"
		   " description = excluded.description, type = excluded.type,"
		   " flags = excluded.flags, enabled = excluded.enabled, size = excluded.size,"
		   " vhd_type = excluded.vhd_type, parent_path = excluded.parent_path,"
		   " cache_parent = excluded.cache_parent, resource_name = excluded.resource_name,"
		   " resource_group = excluded.resource_group, file_dev = excluded.file_dev,"
		   " file_ino = excluded.file_ino",
		   "isssssiibiisbssii", (int64_t)d->wtd, d->guid, d->serial, d->device_id, d->path,
		   d->description, (int64_t)d->type, (int64_t)d->flags, d->enabled,
		   (int64_t)d->size, (int64_t)d->vhd_type, d->parent_path, d->cache_parent,
		   d->resource_name, d->resource_group, (int64_t)d->file_dev, (int64_t)d->file_ino);
}

static int put_intent(struct store *s, const struct intent *i, TALLOC_CTX *mem, char **why)
{
	return run(s, mem, why,
		   "INSERT OR REPLACE INTO intents (id, kind, phase, wtd, path, tmp_name, old_size,"
		   " new_size, delete_file, file_dev, file_ino) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
		   " ?, ?)",
		   "iiiissiibii", i->id, (int64_t)i->kind, (int64_t)i->phase, (int64_t)i->wtd,
		   i->path, i->tmp_name ? i->tmp_name : "", (int64_t)i->old_size,
		   (int64_t)i->new_size, i->delete_file, (int64_t)i->file_dev,
		   (int64_t)i->file_ino);
}

int store_tx_call(struct store_tx *tx, store_tx_fn fn, void *arg)
{
	struct tx_op *op = add(tx, TX_CALL);
	if (op == NULL)
		return -ENOMEM;
	op->fn = fn;
	op->arg = talloc_steal(tx, arg);
	return 0;
}

static int run_op(struct store *s, const struct tx_op *op, TALLOC_CTX *mem, char **why)
{
	switch (op->kind) {
	case TX_PUT_TARGET:
		return put_target(s, op->target, op->num, mem, why);
	case TX_DELETE_TARGET:
		return run(s, mem, why, "DELETE FROM targets WHERE guid = ?", "s", op->key);
	case TX_PUT_DISK:
		return put_disk(s, op->disk, mem, why);
	case TX_DELETE_DISK: {
		int rc = run(s, mem, why, "DELETE FROM lun_mappings WHERE wtd = ?", "i", op->num);
		return rc < 0 ? rc : run(s, mem, why, "DELETE FROM disks WHERE wtd = ?", "i", op->num);
	}
	case TX_PUT_INTENT:
		return put_intent(s, op->intent, mem, why);
	case TX_DELETE_INTENT:
		return run(s, mem, why, "DELETE FROM intents WHERE id = ?", "i", op->num);
	case TX_META:
		return run(s, mem, why,
			   "INSERT INTO meta (key, value) VALUES (?, ?)"
			   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			   "ss", op->key, op->value);
	case TX_LAST_LOGIN:
		return run(s, mem, why, "UPDATE targets SET last_login = ? WHERE guid = ?", "is",
			   op->num, op->key);
	case TX_CALL:
		return op->fn(s, op->arg, mem, why);
	case TX_PORTAL_SETTING:
		return run(s, mem, why,
			   "INSERT INTO portal_settings (address, port, listen) VALUES (?, ?, ?)"
			   " ON CONFLICT (address, port) DO UPDATE SET listen = excluded.listen",
			   "sib", op->key, op->num, op->value != NULL);
	case TX_ISNS_SERVER:
		if (op->value == NULL)
			return run(s, mem, why, "DELETE FROM isns_servers WHERE name = ?", "s",
				   op->key);
		return run(s, mem, why,
			   "INSERT INTO isns_servers (name, seq) VALUES (?, ?)"
			   " ON CONFLICT (name) DO NOTHING",
			   "si", op->key, op->num);
	}
	return -EINVAL;
}

int store_tx_run(struct store *s, struct store_tx *tx, char **why)
{
	char *dummy = NULL;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	int rc = store_run_sql(s, "BEGIN IMMEDIATE", tx, why);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < tx->n && rc == 0; i++)
		rc = run_op(s, &tx->ops[i], tx, why);
	if (rc == 0)
		rc = store_run_sql(s, "COMMIT", tx, why);
	if (rc < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
