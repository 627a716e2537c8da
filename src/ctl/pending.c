#include "ctl/pending.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_JOURNAL (1 << 20)

/* The journal's directory, created (0700) when CREATE. */
static char *journal_path(TALLOC_CTX *mem, bool create)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *dir;
	if (xdg != NULL && xdg[0] == '/')
		dir = talloc_asprintf(mem, "%s/istmctl", xdg);
	else if (home != NULL && home[0] == '/')
		dir = talloc_asprintf(mem, "%s/.local/state/istmctl", home);
	else
		return NULL;
	if (dir == NULL)
		return NULL;
	if (create) {
		/* mkdir -p, each level 0700 */
		for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
			*p = '\0';
			(void)mkdir(dir, 0700);
			*p = '/';
		}
		(void)mkdir(dir, 0700);
	}
	return talloc_asprintf(mem, "%s/pending-deletes", dir);
}

/* The journal opened and locked, its text read into *TEXT. */
static int open_locked(TALLOC_CTX *mem, bool create, char **text)
{
	char *path = journal_path(mem, create);
	if (path == NULL)
		return -ENOENT;
	int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	if (st.st_size > MAX_JOURNAL) {
		close(fd);
		return -EFBIG;
	}
	*text = talloc_zero_size(mem, (size_t)st.st_size + 1);
	if (*text == NULL || pread(fd, *text, (size_t)st.st_size, 0) != st.st_size) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static int rewrite(int fd, const char *text)
{
	size_t n = strlen(text);
	int rc = ftruncate(fd, 0) == 0 && pwrite(fd, text, n, 0) == (ssize_t)n ? 0 : -errno;
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Whether LINE (without its newline) is SERVER's WTD (or, with PATH, names
 * PATH). */
static bool matches(const char *line, size_t len, const char *server, uint32_t wtd,
		    const char *path)
{
	char *key = talloc_asprintf(NULL, "%s\t%" PRIu32 "\t", server, wtd);
	bool same = key != NULL && len >= strlen(key) && strncmp(line, key, strlen(key)) == 0;
	if (!same && path != NULL && key != NULL) {
		size_t sl = strlen(server), pl = strlen(path);
		const char *tab = memchr(line, '\t', len);
		const char *tab2 = tab ? memchr(tab + 1, '\t', len - (size_t)(tab + 1 - line)) :
					 NULL;
		same = tab != NULL && (size_t)(tab - line) == sl && strncmp(line, server, sl) == 0 &&
		       tab2 != NULL && (size_t)(line + len - tab2 - 1) == pl &&
		       strncmp(tab2 + 1, path, pl) == 0;
	}
	talloc_free(key);
	return same;
}

int ctl_pending_add(const char *server, uint32_t wtd, const char *path)
{
	if (strpbrk(server, "\t\n") != NULL || strpbrk(path, "\t\n") != NULL)
		return -EINVAL;
	TALLOC_CTX *mem = talloc_new(NULL);
	char *text;
	int fd = open_locked(mem, true, &text);
	int rc = fd;
	if (fd >= 0) {
		char *more = talloc_asprintf(mem, "%s%s\t%" PRIu32 "\t%s\n", text, server, wtd, path);
		rc = more ? rewrite(fd, more) : (close(fd), -ENOMEM);
	}
	talloc_free(mem);
	return rc;
}

int ctl_pending_done(const char *server, uint32_t wtd, const char *path)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *text;
	int fd = open_locked(mem, false, &text);
	if (fd < 0) {
		talloc_free(mem);
		return fd == -ENOENT ? 0 : fd;
	}
	char *kept = talloc_strdup(mem, "");
	for (char *line = text; kept != NULL && *line != '\0';) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (!matches(line, len, server, wtd, path))
			kept = talloc_asprintf_append(kept, "%.*s\n", (int)len, line);
		line += len + (end != NULL);
	}
	int rc = kept ? rewrite(fd, kept) : (close(fd), -ENOMEM);
	talloc_free(mem);
	return rc;
}

char *ctl_pending_find(TALLOC_CTX *mem, const char *server, uint32_t wtd)
{
	char *text, *found = NULL;
	int fd = open_locked(mem, false, &text);
	if (fd < 0)
		return NULL;
	close(fd);
	for (char *line = text; found == NULL && *line != '\0';) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (matches(line, len, server, wtd, NULL)) {
			const char *path = strrchr(talloc_strndup(mem, line, len), '\t');
			found = path ? talloc_strdup(mem, path + 1) : NULL;
		}
		line += len + (end != NULL);
	}
	talloc_free(text);
	return found;
}
