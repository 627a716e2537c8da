/* The daemon's view of the users file (auth.h, docs/auth.md): loaded at start,
 * re-read when the file changes (checked on lookup, at most once a second)
 * and on auth_accounts_reload(). */
#include "auth/auth.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "auth/users_file.h"
#include "istmd/log.h"

#define CHECK_INTERVAL_NS 1000000000LL

struct auth_accounts {
	char *path;
	struct users_entry *entries; /* talloc array, wiped when replaced or freed */
	size_t n;
	struct stat st;   /* the file as last loaded (st_ino 0: absent) */
	int64_t last_check_ns;
};

static int wipe_entries(struct users_entry *entries)
{
	explicit_bzero(entries, talloc_get_size(entries));
	return 0;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mode == b->st_mode && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void replace_entries(struct auth_accounts *a, struct users_entry *entries, size_t n)
{
	talloc_free(a->entries);
	a->entries = talloc_steal(a, entries);
	a->n = n;
}

/* Parses TEXT; malformed lines are logged by number (never their content,
 * which may hold a hash) and skipped; later duplicates of a name too. */
static int parse(struct auth_accounts *a, char *text, struct users_entry **out, size_t *n_out)
{
	struct users_entry *entries = talloc_array(NULL, struct users_entry, 0);
	if (entries == NULL)
		return -ENOMEM;
	talloc_set_destructor(entries, wipe_entries);
	size_t n = 0;
	unsigned line_no = 0;
	for (char *line = text, *next; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		line_no++;
		struct users_entry u;
		int ret = users_parse_line(line, &u);
		if (ret < 0) {
			log_warn("%s:%u: malformed line skipped", a->path, line_no);
			continue;
		}
		if (ret == 0)
			continue;
		bool dup = false;
		for (size_t i = 0; i < n && !dup; i++)
			dup = strcasecmp(entries[i].name, u.name) == 0;
		if (dup) {
			log_warn("%s:%u: duplicate user '%s' skipped", a->path, line_no, u.name);
			explicit_bzero(&u, sizeof(u));
			continue;
		}
		/* Grow by copying, so no stale copy of the hashes is left behind. */
		struct users_entry *grown = talloc_array(NULL, struct users_entry, n + 1);
		if (grown == NULL) {
			explicit_bzero(&u, sizeof(u));
			talloc_free(entries);
			return -ENOMEM;
		}
		talloc_set_destructor(grown, wipe_entries);
		if (n > 0)
			memcpy(grown, entries, n * sizeof(*entries));
		grown[n++] = u;
		explicit_bzero(&u, sizeof(u));
		talloc_free(entries);
		entries = grown;
	}
	*out = entries;
	*n_out = n;
	return 0;
}

int auth_accounts_reload(struct auth_accounts *a)
{
	a->last_check_ns = monotonic_ns();
	struct stat st = { 0 };
	char *text = NULL;
	int ret = users_read(a, a->path, true, &text);
	if (ret == -ENOENT) {
		if (a->n > 0 || a->st.st_ino != 0)
			log_notice("%s: no users file; no account can log on", a->path);
		replace_entries(a, NULL, 0);
		a->st = st;
		return 0;
	}
	if (ret == -ENOMEM || ret == -EMFILE || ret == -ENFILE || ret == -EIO) {
		log_err("%s: cannot read users file: %s; keeping the accounts loaded before", a->path,
			strerror(-ret));
		return ret; /* transient: try again on the next change or reload */
	}
	if (ret < 0) {
		log_err("%s: refused: %s; no account can log on", a->path,
			ret == -EPERM ? "group or others have access to it (chmod 600)"
			: ret == -EINVAL ? "not a regular text file"
			: strerror(-ret));
		replace_entries(a, NULL, 0);
		stat(a->path, &a->st);
		return ret;
	}
	stat(a->path, &st);
	struct users_entry *entries = NULL;
	size_t n = 0;
	ret = parse(a, text, &entries, &n);
	explicit_bzero(text, talloc_get_size(text));
	talloc_free(text);
	if (ret < 0)
		return ret;
	replace_entries(a, entries, n);
	a->st = st;
	log_info("%s: %zu account(s) loaded", a->path, n);
	return 0;
}

struct auth_accounts *auth_accounts_open(TALLOC_CTX *mem_ctx, const char *path)
{
	struct auth_accounts *a = talloc_zero(mem_ctx, struct auth_accounts);
	if (a == NULL)
		return NULL;
	a->path = talloc_strdup(a, path);
	if (a->path == NULL) {
		talloc_free(a);
		return NULL;
	}
	auth_accounts_reload(a); /* failures are logged; the daemon still starts */
	return a;
}

static void refresh_if_changed(struct auth_accounts *a)
{
	int64_t now = monotonic_ns();
	if (now - a->last_check_ns < CHECK_INTERVAL_NS)
		return;
	a->last_check_ns = now;
	struct stat st = { 0 };
	if (stat(a->path, &st) < 0)
		memset(&st, 0, sizeof(st));
	if (!same_file(&st, &a->st))
		auth_accounts_reload(a);
}

int auth_accounts_lookup(struct auth_accounts *a, const char *user, uint8_t nt_hash[16],
			 bool *is_admin)
{
	refresh_if_changed(a);
	for (size_t i = 0; i < a->n; i++) {
		if (strcasecmp(a->entries[i].name, user) == 0) {
			memcpy(nt_hash, a->entries[i].nt_hash, 16);
			*is_admin = a->entries[i].is_admin;
			return 0;
		}
	}
	return -ENOENT;
}
