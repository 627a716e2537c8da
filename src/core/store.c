/* Opening the store: the state directory and its lock, the database file and
 * its permissions (it holds CHAP secrets), SQLite settings, integrity checks,
 * migrations, and the service GUID. */
#include "core/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "istmd/log.h"

int store_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_CANTOPEN:
		return -EACCES;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CONSTRAINT:
		return rc == SQLITE_CONSTRAINT_FOREIGNKEY ? -ENOENT : -EEXIST;
	case SQLITE_TOOBIG:
		return -E2BIG;
	default:
		return -EIO;
	}
}

int store_fail(struct store *s, int rc, TALLOC_CTX *mem, char **why, const char *what)
{
	if (why != NULL)
		*why = talloc_asprintf(mem, "%s: %s", what,
				       s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	return store_errno(rc);
}

int store_run_sql(struct store *s, const char *sql, TALLOC_CTX *mem, char **why)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, mem, why, "database");
	return 0;
}

int store_prepare(struct store *s, const char *sql, sqlite3_stmt **stmt, TALLOC_CTX *mem,
		  char **why)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, stmt, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, mem, why, "database");
	return 0;
}

char *store_col_text(TALLOC_CTX *mem, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return talloc_strdup(mem, t != NULL ? (const char *)t : "");
}

int store_exec(struct store *s, const char *sql, char **why)
{
	return store_run_sql(s, sql, s, why);
}

static int store_destructor(struct store *s)
{
	if (s->db != NULL)
		sqlite3_close_v2(s->db);
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the flock */
	return 0;
}

/* The directory: 0700, since the database holds CHAP secrets. */
static int prepare_dir(const char *dir, TALLOC_CTX *mem, char **why)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		int e = errno;
		*why = talloc_asprintf(mem, "cannot create the state directory %s: %s", dir,
				       strerror(e));
		return -e;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*why = talloc_asprintf(mem, "the state directory %s is not a directory", dir);
		return -ENOTDIR;
	}
	if ((st.st_mode & 077) != 0) {
		if (chmod(dir, st.st_mode & 0700) != 0) {
			int e = errno;
			*why = talloc_asprintf(mem, "cannot restrict %s to its owner: %s", dir,
					       strerror(e));
			return -e;
		}
		log_notice("state directory %s was open to others; restricted to mode 0700",
			   dir);
	}
	return 0;
}

/* Creates FILE 0600 if absent, and takes others' access away if present. */
static int prepare_private_file(const char *file, bool create, TALLOC_CTX *mem, char **why)
{
	int fd = open(file, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
	if (fd < 0) {
		if (!create && errno == ENOENT)
			return 0;
		int e = errno;
		*why = talloc_asprintf(mem, "cannot open %s: %s", file, strerror(e));
		return -e;
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = talloc_asprintf(mem, "%s is not a regular file", file);
		rc = -EINVAL;
	} else if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) != 0) {
		rc = -errno;
		*why = talloc_asprintf(mem, "cannot restrict %s to its owner: %s", file,
				       strerror(-rc));
	}
	close(fd);
	return rc;
}

static int take_lock(struct store *s, char **why)
{
	char *lock = talloc_asprintf(s, "%s/%s", s->dir, STORE_LOCK_NAME);
	if (lock == NULL)
		return -ENOMEM;
	s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock_fd < 0) {
		int e = errno;
		*why = talloc_asprintf(s, "cannot open %s: %s", lock, strerror(e));
		return -e;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		*why = e == EWOULDBLOCK
			       ? talloc_asprintf(s, "another istmd uses the state directory %s",
						 s->dir)
			       : talloc_asprintf(s, "cannot lock %s: %s", lock, strerror(e));
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	return 0;
}

/* One text value from a statement returning a single row. */
static int query_text(struct store *s, const char *sql, TALLOC_CTX *mem, char **out, char **why)
{
	sqlite3_stmt *st;
	int rc = store_prepare(s, sql, &st, mem, why);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = store_col_text(mem, st, 0);
		rc = *out != NULL ? 0 : -ENOMEM;
	} else if (rc == SQLITE_DONE) {
		*out = NULL;
		rc = 0;
	} else {
		rc = store_fail(s, rc, mem, why, "database");
	}
	sqlite3_finalize(st);
	return rc;
}

static int check_integrity(struct store *s, char **why)
{
	char *result = NULL;
	int rc = query_text(s, "PRAGMA integrity_check", s, &result, why);
	if (rc < 0)
		return rc;
	if (result == NULL || strcmp(result, "ok") != 0) {
		*why = talloc_asprintf(s, "%s is corrupt: %s", s->path,
				       result ? result : "no answer to the integrity check");
		return -EBADMSG;
	}
	char *fk = NULL;
	rc = query_text(s, "PRAGMA foreign_key_check", s, &fk, why);
	if (rc < 0)
		return rc;
	if (fk != NULL) {
		*why = talloc_asprintf(s, "%s is corrupt: a row of table %s refers to nothing",
				       s->path, fk);
		return -EBADMSG;
	}
	return 0;
}

int store_version(struct store *s)
{
	char *why = NULL, *v = NULL;
	if (query_text(s, "SELECT version FROM schema_version", s, &v, &why) < 0 || v == NULL)
		return 0;
	return atoi(v);
}

static int read_version(struct store *s, int *version, char **why)
{
	int rc = store_run_sql(s, "CREATE TABLE IF NOT EXISTS schema_version "
			       "(version INTEGER NOT NULL)", s, why);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st;
	rc = store_prepare(s, "SELECT version FROM schema_version", &st, s, why);
	if (rc < 0)
		return rc;
	int rows = 0, step;
	*version = 0;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rows++;
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE)
		return store_fail(s, step, s, why, "database");
	if (rows > 1 || *version < 0) {
		*why = talloc_asprintf(s, "%s is corrupt: bad schema version table", s->path);
		return -EBADMSG;
	}
	return 0;
}

static int migrate(struct store *s, int target, char **why)
{
	int version;
	int rc = read_version(s, &version, why);
	if (rc < 0)
		return rc;
	if (version > store_schema_latest()) {
		*why = talloc_asprintf(s, "%s has schema version %d, newer than this istmd's %d",
				       s->path, version, store_schema_latest());
		return -EPROTO;
	}
	bool fresh = version == 0;
	size_t n;
	const struct store_migration *m = store_migrations(&n);
	for (size_t i = 0; i < n; i++) {
		if (m[i].version <= version || m[i].version > target)
			continue;
		char *sql = talloc_asprintf(s, "BEGIN IMMEDIATE; %s DELETE FROM schema_version; "
					    "INSERT INTO schema_version VALUES (%d); COMMIT;",
					    m[i].sql, m[i].version);
		if (sql == NULL)
			return -ENOMEM;
		rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			int e = store_fail(s, rc, s, why, "migration");
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			*why = talloc_asprintf(s, "cannot migrate %s to version %d (%s): %s",
					       s->path, m[i].version, m[i].what, *why);
			return e;
		}
		if (!fresh)
			log_notice("%s migrated to schema version %d: %s", s->path, m[i].version,
				   m[i].what);
		version = m[i].version;
	}
	return 0;
}

static int ensure_service_guid(struct store *s, char **why)
{
	char *guid = NULL;
	int rc = query_text(s, "SELECT value FROM meta WHERE key = '" STORE_META_SERVICE_GUID "'",
			    s, &guid, why);
	if (rc < 0 || guid != NULL)
		return rc;
	char fresh[CORE_GUID_LEN + 1];
	core_guid_new(fresh);
	char *sql = talloc_asprintf(s, "INSERT INTO meta (key, value) VALUES ('%s', '%s')",
				    STORE_META_SERVICE_GUID, fresh);
	if (sql == NULL)
		return -ENOMEM;
	return store_run_sql(s, sql, s, why);
}

int store_open_at_version(TALLOC_CTX *mem, const char *dir, int version, struct store **out,
			  char **why)
{
	char *dummy = NULL;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	struct store *s = talloc_zero(mem, struct store);
	if (s == NULL)
		return -ENOMEM;
	s->lock_fd = -1;
	talloc_set_destructor(s, store_destructor);
	s->dir = talloc_strdup(s, dir);
	s->path = talloc_asprintf(s, "%s/%s", dir, STORE_DB_NAME);
	char *wal = talloc_asprintf(s, "%s-wal", s->path);
	char *shm = talloc_asprintf(s, "%s-shm", s->path);
	int rc = -ENOMEM;
	if (s->dir == NULL || s->path == NULL || wal == NULL || shm == NULL)
		goto fail;

	if ((rc = prepare_dir(dir, mem, why)) < 0 || (rc = take_lock(s, why)) < 0 ||
	    (rc = prepare_private_file(s->path, true, mem, why)) < 0 ||
	    (rc = prepare_private_file(wal, false, mem, why)) < 0 ||
	    (rc = prepare_private_file(shm, false, mem, why)) < 0)
		goto fail;

	int src = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				  NULL);
	if (src != SQLITE_OK) {
		rc = store_fail(s, src, mem, why, s->path);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	/* WAL: a commit is one append and fsync; synchronous=FULL makes each
	 * commit durable before COMMIT returns. secure_delete overwrites freed
	 * content (old CHAP secrets) instead of leaving it in free pages. */
	char *mode = NULL;
	if ((rc = query_text(s, "PRAGMA journal_mode = WAL", s, &mode, why)) < 0)
		goto corrupt_or_fail;
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		*why = talloc_asprintf(mem, "%s: cannot use write-ahead logging (mode %s)",
				       s->path, mode ? mode : "?");
		rc = -EIO;
		goto fail;
	}
	if ((rc = store_run_sql(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
				"PRAGMA secure_delete = ON; PRAGMA trusted_schema = OFF;",
				mem, why)) < 0 ||
	    (rc = check_integrity(s, why)) < 0 || (rc = migrate(s, version, why)) < 0)
		goto corrupt_or_fail;
	if (version >= 1 && (rc = ensure_service_guid(s, why)) < 0)
		goto fail;
	*out = s;
	return 0;

corrupt_or_fail:
	if (rc == -EBADMSG && why != NULL && *why != NULL && strstr(*why, s->path) == NULL)
		*why = talloc_asprintf(mem, "%s is not a valid istmd database (%s); it was left "
				       "untouched", s->path, *why);
fail:
	if (why != NULL && *why != NULL)
		*why = talloc_steal(mem, *why);
	talloc_free(s);
	return rc;
}

int store_open(TALLOC_CTX *mem, const char *dir, struct store **out, char **why)
{
	return store_open_at_version(mem, dir, store_schema_latest(), out, why);
}
