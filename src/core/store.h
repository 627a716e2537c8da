/* The SQLite store of the desired state (docs/core.md, "Persistence").
 *
 * Blocking calls for the core's store thread (one thread: writes happen in
 * the order they are submitted). A struct store is used by one thread at a
 * time; a struct store_tx is built on the loop, then handed to that thread.
 *
 * Errors are negative errno values with a reason in *why:
 *   -EBADMSG  not a database, or corrupt (integrity or foreign key check)
 *   -EPROTO   written by a newer istmd (schema version above ours)
 *   -EBUSY    another process holds the state directory
 *   -EEXIST   a uniqueness constraint (a bug: the core checks first)
 *   -ENOENT   a foreign key constraint (ditto)
 *   -ENOSPC, -EIO, -EACCES, -EROFS, -ENOMEM from the file system and SQLite */
#ifndef ISTMD_CORE_STORE_H
#define ISTMD_CORE_STORE_H

#include <stdint.h>
#include <talloc.h>

#include "core/core_internal.h"

#define STORE_DB_NAME "istmd.db"
#define STORE_LOCK_NAME "istmd.lock"

struct store;

/* The latest schema version (store_schema.c). */
int store_schema_latest(void);

/* Opens DIR (created 0700), takes its lock, opens or creates the database
 * (0600; WAL, synchronous=FULL, foreign keys), checks its integrity,
 * migrates it to the latest schema and makes sure it has a service GUID.
 * The store closes with talloc_free. */
int store_open(TALLOC_CTX *mem, const char *dir, struct store **out, char **why);
/* For tests: opens like store_open() but migrates only up to VERSION. */
int store_open_at_version(TALLOC_CTX *mem, const char *dir, int version, struct store **out,
			  char **why);
/* The schema version of the open database. */
int store_version(struct store *s);
/* Runs SQL (several statements) outside any transaction; for tests. */
int store_exec(struct store *s, const char *sql, char **why);

/* Reads everything into a new model on MEM (derived fields not filled in). */
int store_load(struct store *s, TALLOC_CTX *mem, struct model **out, char **why);

/* A write transaction: operations recorded on the loop (deep copies), run in
 * order by store_tx_run() between BEGIN IMMEDIATE and COMMIT, all or none. */
struct store_tx *store_tx_new(TALLOC_CTX *mem);
/* Inserts or replaces the target with its IDs, portals and LUN mappings
 * (not its last_login, which only store_tx_last_login() writes). */
int store_tx_put_target(struct store_tx *tx, const struct core_target *t, int64_t seq);
int store_tx_delete_target(struct store_tx *tx, const char *guid);
int store_tx_put_disk(struct store_tx *tx, const struct core_disk *d);
int store_tx_delete_disk(struct store_tx *tx, uint32_t wtd);
int store_tx_put_intent(struct store_tx *tx, const struct intent *i);
int store_tx_delete_intent(struct store_tx *tx, int64_t id);
int store_tx_set_meta(struct store_tx *tx, const char *key, const char *value);
/* Records a listener setting (SetPortalConfig), replacing one for the
 * same address and port. */
int store_tx_put_portal_setting(struct store_tx *tx, const char *address, uint16_t port,
				bool listen);
/* Adds (PRESENT) or removes an iSNS server (MS-ISTM 3.40); SEQ orders them. */
int store_tx_put_isns_server(struct store_tx *tx, const char *name, int64_t seq, bool present);
int store_tx_last_login(struct store_tx *tx, const char *guid, int64_t filetime);
size_t store_tx_count(const struct store_tx *tx);
/* Runs FN(store, ARG) inside the transaction on the store thread, for
 * tables other files own (snapshots_store.c). ARG is talloc-stolen. */
typedef int (*store_tx_fn)(struct store *s, void *arg, TALLOC_CTX *mem, char **why);
int store_tx_call(struct store_tx *tx, store_tx_fn fn, void *arg);

int store_tx_run(struct store *s, struct store_tx *tx, char **why);

/* Meta keys. */
#define STORE_META_SERVICE_GUID "service_guid"
#define STORE_META_SERVICE_NAME "service_name"
#define STORE_META_NEXT_WTD "next_wtd"

#endif
