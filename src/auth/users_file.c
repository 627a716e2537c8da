#include "auth/users_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/ntlm_crypto.h"

bool users_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > USERS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && c != '_' && (i == 0 || (c != '.' && c != '-')))
			return false;
	}
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int users_parse_line(const char *line, struct users_entry *out)
{
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t len = strlen(p);
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	if (len == 0 || p[0] == '#')
		return 0;

	const char *c1 = memchr(p, ':', len);
	const char *c2 = c1 != NULL ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - p)) : NULL;
	if (c2 == NULL)
		return -EINVAL;
	size_t name_len = (size_t)(c1 - p);
	size_t role_len = (size_t)(c2 - c1 - 1);
	const char *hex = c2 + 1;
	size_t hex_len = len - (size_t)(hex - p);
	if (name_len == 0 || name_len > USERS_NAME_MAX || hex_len != 32)
		return -EINVAL;
	memcpy(out->name, p, name_len);
	out->name[name_len] = '\0';
	if (!users_name_valid(out->name))
		return -EINVAL;
	if (role_len == 5 && memcmp(c1 + 1, "admin", 5) == 0)
		out->is_admin = true;
	else if (role_len == 4 && memcmp(c1 + 1, "user", 4) == 0)
		out->is_admin = false;
	else
		return -EINVAL;
	for (size_t i = 0; i < 16; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			explicit_bzero(out->nt_hash, sizeof(out->nt_hash));
			return -EINVAL;
		}
		out->nt_hash[i] = (uint8_t)(hi << 4 | lo);
	}
	return 1;
}

int users_read(TALLOC_CTX *mem_ctx, const char *path, bool private_only, char **text)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	int ret = 0;
	char *buf = NULL;
	if (fstat(fd, &st) < 0)
		ret = -errno;
	else if (!S_ISREG(st.st_mode))
		ret = -EINVAL;
	else if (private_only && (st.st_mode & 077))
		ret = -EPERM;
	else if (st.st_size > USERS_FILE_MAX)
		ret = -EFBIG;
	if (ret == 0) {
		buf = talloc_array(mem_ctx, char, USERS_FILE_MAX + 2);
		if (buf == NULL)
			ret = -ENOMEM;
	}
	size_t len = 0;
	while (ret == 0) {
		ssize_t n = read(fd, buf + len, USERS_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		else if (n == 0)
			break;
		else if ((len += (size_t)n) > USERS_FILE_MAX)
			ret = -EFBIG; /* it grew while we read */
	}
	close(fd);
	if (ret == 0 && memchr(buf, '\0', len) != NULL)
		ret = -EINVAL;
	if (ret < 0) {
		if (buf != NULL)
			explicit_bzero(buf, talloc_array_length(buf));
		talloc_free(buf);
		return ret;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

/* Wipes secrets from a text buffer before it is freed. */
static int wipe_text(char *text)
{
	explicit_bzero(text, talloc_get_size(text));
	return 0;
}

/* ---- editing ------------------------------------------------------------- */

struct edit {
	char *path;
	char *dir;
	int dir_fd;   /* locked for the whole edit */
	char *text;   /* current contents */
	struct stat st; /* of the current file, when it exists */
	bool exists;
};

static int edit_destructor(struct edit *e)
{
	if (e->dir_fd >= 0)
		close(e->dir_fd); /* releases the lock */
	return 0;
}

static int edit_open(struct edit *e, const char *path);

static int edit_begin(TALLOC_CTX *mem_ctx, const char *path, struct edit **out)
{
	struct edit *e = talloc_zero(mem_ctx, struct edit);
	if (e == NULL)
		return -ENOMEM;
	e->dir_fd = -1;
	talloc_set_destructor(e, edit_destructor);
	int ret = edit_open(e, path);
	if (ret < 0) {
		talloc_free(e);
		return ret;
	}
	*out = e;
	return 0;
}

/* Locks the directory of PATH and reads the current contents. */
static int edit_open(struct edit *e, const char *path)
{
	e->path = talloc_strdup(e, path);
	char *copy = talloc_strdup(e, path);
	if (e->path == NULL || copy == NULL)
		return -ENOMEM;
	e->dir = talloc_strdup(e, dirname(copy));
	if (e->dir == NULL)
		return -ENOMEM;
	e->dir_fd = open(e->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (e->dir_fd < 0)
		return -errno;
	/* Serialises concurrent editors; the lock follows the directory, not the
	 * file, which is replaced. */
	while (flock(e->dir_fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	int ret = users_read(e, path, false, &e->text);
	if (ret == -ENOENT) {
		e->text = talloc_strdup(e, "");
		if (e->text == NULL)
			return -ENOMEM;
	} else if (ret < 0) {
		return ret;
	} else {
		e->exists = stat(path, &e->st) == 0;
	}
	talloc_set_destructor(e->text, wipe_text);
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replaces the file with TEXT: temporary file in the same directory, mode
 * 0600 (and the old owner when we may), fsync, rename, fsync the directory. */
static int edit_commit(struct edit *e, const char *text)
{
	char *tmp = talloc_asprintf(e, "%s/.%s.XXXXXX", e->dir, basename(e->path));
	if (tmp == NULL)
		return -ENOMEM;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int ret = 0;
	if (fchmod(fd, 0600) < 0)
		ret = -errno;
	if (ret == 0 && e->exists && (e->st.st_uid != geteuid() || e->st.st_gid != getegid()))
		(void)fchown(fd, e->st.st_uid, e->st.st_gid); /* best effort: needs root */
	if (ret == 0)
		ret = write_all(fd, text, strlen(text));
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, e->path) < 0)
		ret = -errno;
	if (ret < 0) {
		unlink(tmp);
		return ret;
	}
	return fsync(e->dir_fd) < 0 ? -errno : 0;
}

/* Calls FN for each line of TEXT (modifiable: lines are split in place). */
static void for_each_line(char *text, void (*fn)(char *line, void *priv), void *priv)
{
	char *p = text;
	while (*p) {
		char *nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		fn(p, priv);
		if (nl == NULL)
			break;
		*nl = '\n';
		p = nl + 1;
	}
}

struct scan {
	const char *name;
	bool found;
	char *kept; /* lines other than NAME's (del); sized for the whole text, */
	size_t kept_len; /* so it never moves and leaves hashes behind */
};

static void scan_line(char *line, void *priv)
{
	struct scan *s = priv;
	struct users_entry u;
	bool match = users_parse_line(line, &u) == 1 && strcasecmp(u.name, s->name) == 0;
	explicit_bzero(&u, sizeof(u));
	if (match)
		s->found = true;
	if (s->kept != NULL && !match) {
		size_t n = strlen(line);
		memcpy(s->kept + s->kept_len, line, n);
		s->kept[s->kept_len + n] = '\n';
		s->kept_len += n + 1;
		s->kept[s->kept_len] = '\0';
	}
}

static const char header[] =
	"# istmd users file (docs/auth.md): NAME:ROLE:NTHASH, ROLE is admin or user,\n"
	"# NTHASH the MD4 of the UTF-16LE password. Edit with istmctl user.\n";

int users_add(const char *path, const char *name, bool is_admin, const char *password)
{
	if (!users_name_valid(name))
		return -EINVAL;
	size_t chars = 0;
	for (const char *p = password; *p; p++)
		chars += ((unsigned char)*p & 0xC0) != 0x80; /* count UTF-8 lead bytes */
	if (chars == 0 || chars > USERS_PASSWORD_MAX)
		return -ERANGE;
	uint8_t hash[16];
	int ret = ntlm_nt_hash(password, hash);
	if (ret < 0)
		return ret;

	struct edit *e = NULL;
	ret = edit_begin(NULL, path, &e);
	struct scan s = { .name = name };
	if (ret == 0) {
		for_each_line(e->text, scan_line, &s);
		if (s.found)
			ret = -EEXIST;
	}
	if (ret == 0) {
		size_t len = strlen(e->text);
		const char *sep = (len > 0 && e->text[len - 1] != '\n') ? "\n" : "";
		char hex[33];
		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", hash[i]);
		char *text = talloc_asprintf(e, "%s%s%s%s:%s:%s\n", len == 0 ? header : "", e->text,
					     sep, name, is_admin ? "admin" : "user", hex);
		explicit_bzero(hex, sizeof(hex));
		if (text == NULL) {
			ret = -ENOMEM;
		} else {
			talloc_set_destructor(text, wipe_text);
			ret = edit_commit(e, text);
		}
	}
	explicit_bzero(hash, sizeof(hash));
	talloc_free(e);
	return ret;
}

int users_del(const char *path, const char *name)
{
	if (!users_name_valid(name))
		return -EINVAL;
	struct edit *e = NULL;
	int ret = edit_begin(NULL, path, &e);
	if (ret == 0) {
		/* each kept line gains at most its newline */
		struct scan s = { .name = name,
				  .kept = talloc_zero_array(e, char, strlen(e->text) + 2) };
		if (s.kept == NULL)
			ret = -ENOMEM;
		else
			talloc_set_destructor(s.kept, wipe_text);
		if (ret == 0)
			for_each_line(e->text, scan_line, &s);
		if (ret == 0 && !s.found)
			ret = -ENOENT;
		else if (ret == 0)
			ret = edit_commit(e, s.kept);
	}
	talloc_free(e);
	return ret;
}

struct collect {
	TALLOC_CTX *mem_ctx;
	struct users_entry *entries;
	size_t n;
	bool failed;
};

static void collect_line(char *line, void *priv)
{
	struct collect *c = priv;
	struct users_entry u;
	if (c->failed || users_parse_line(line, &u) != 1)
		return;
	explicit_bzero(u.nt_hash, sizeof(u.nt_hash)); /* listing never needs them */
	struct users_entry *n = talloc_realloc(c->mem_ctx, c->entries, struct users_entry, c->n + 1);
	if (n == NULL) {
		c->failed = true;
		return;
	}
	c->entries = n;
	c->entries[c->n++] = u;
}

int users_list(TALLOC_CTX *mem_ctx, const char *path, struct users_entry **entries, size_t *n)
{
	char *text = NULL;
	*entries = NULL;
	*n = 0;
	int ret = users_read(NULL, path, false, &text);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	talloc_set_destructor(text, wipe_text);
	struct collect c = { .mem_ctx = mem_ctx };
	for_each_line(text, collect_line, &c);
	talloc_free(text);
	if (c.failed) {
		talloc_free(c.entries);
		return -ENOMEM;
	}
	*entries = c.entries;
	*n = c.n;
	return 0;
}
