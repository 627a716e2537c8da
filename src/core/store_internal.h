/* Shared by the store's files (store.c, store_schema.c, store_load.c,
 * store_tx.c); nothing else includes it. */
#ifndef ISTMD_CORE_STORE_INTERNAL_H
#define ISTMD_CORE_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>

#include "core/store.h"

struct store {
	sqlite3 *db;
	int lock_fd;
	char *dir;
	char *path;
};

struct store_migration {
	int version;
	const char *what;
	const char *sql;
};

const struct store_migration *store_migrations(size_t *n);

/* SQLite result code (extended) -> negative errno. */
int store_errno(int sqlite_rc);
/* Sets *why to "WHAT: <sqlite message>" and returns store_errno(RC). */
int store_fail(struct store *s, int rc, TALLOC_CTX *mem, char **why, const char *what);
/* Runs SQL (any number of statements). */
int store_run_sql(struct store *s, const char *sql, TALLOC_CTX *mem, char **why);
/* Prepares one statement; 0 or a negative errno with *why. */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **stmt, TALLOC_CTX *mem,
		  char **why);
/* Column text as a talloc string ("" for NULL). */
char *store_col_text(TALLOC_CTX *mem, sqlite3_stmt *st, int col);

#endif
