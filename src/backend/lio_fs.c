/* Small configfs helpers for the LIO backend, and the list of WWNs istmd
 * created (its ownership record: LIO has no owner tag on a WWN). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/lio_internal.h"

int lio_write(const char *dir, const char *name, const char *value)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* configfs takes one write as the whole value; no newline: LIO keeps
	 * it in string attributes (a CHAP user "name\n" would never match) */
	size_t len = strlen(value);
	ssize_t w = write(fd, value, len);
	int rc = w == (ssize_t)len ? 0 : (w < 0 ? -errno : -EIO);
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

char *lio_read(TALLOC_CTX *mem, const char *dir, const char *name)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	/* configfs attributes are at most a page */
	char buf[8192];
	ssize_t r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r < 0)
		return NULL;
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == '\0'))
		r--;
	buf[r] = '\0';
	return talloc_strdup(mem, buf);
}

int lio_mkdir(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

int lio_rmdir(const char *path)
{
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	return -errno;
}

bool lio_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **lio_list_dir(TALLOC_CTX *mem, const char *dir, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (d == NULL)
		return NULL;
	char **names = talloc_zero_array(mem, char *, 1);
	struct dirent *e;
	while (names != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char **more = talloc_realloc(mem, names, char *, *n + 2);
		if (more == NULL) {
			TALLOC_FREE(names);
			break;
		}
		names = more;
		names[(*n)++] = talloc_strdup(names, e->d_name);
		names[*n] = NULL;
	}
	closedir(d);
	if (names == NULL) {
		*n = 0;
		return NULL;
	}
	qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

char **lio_owned_read(TALLOC_CTX *mem, const struct lio_ctx *ctx, size_t *n)
{
	*n = 0;
	char **out = talloc_zero_array(mem, char *, 1);
	FILE *f = fopen(ctx->owned, "re");
	if (f == NULL || out == NULL) {
		if (f != NULL)
			fclose(f);
		return out;
	}
	char line[512];
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		char **more = talloc_realloc(mem, out, char *, *n + 2);
		if (more == NULL)
			break;
		out = more;
		out[(*n)++] = talloc_strdup(out, line);
		out[*n] = NULL;
	}
	fclose(f);
	return out;
}

bool lio_owned(const struct lio_ctx *ctx, const char *iqn)
{
	size_t n;
	TALLOC_CTX *tmp = talloc_new(NULL);
	char **list = lio_owned_read(tmp, ctx, &n);
	bool found = false;
	for (size_t i = 0; list != NULL && i < n && !found; i++)
		found = strcasecmp(list[i], iqn) == 0;
	talloc_free(tmp);
	return found;
}

int lio_owned_set(const struct lio_ctx *ctx, const char *iqn, bool owned)
{
	if (lio_owned(ctx, iqn) == owned)
		return 0;
	TALLOC_CTX *tmp = talloc_new(NULL);
	size_t n;
	char **list = lio_owned_read(tmp, ctx, &n);
	char *tmp_path = talloc_asprintf(tmp, "%s.new", ctx->owned);
	int rc = 0;
	if (tmp_path == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		rc = -errno;
		close(fd);
		goto out;
	}
	for (size_t i = 0; list != NULL && i < n; i++)
		if (strcasecmp(list[i], iqn) != 0)
			fprintf(f, "%s\n", list[i]);
	if (owned)
		fprintf(f, "%s\n", iqn);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp_path, ctx->owned) != 0)
		rc = -errno;
out:
	talloc_free(tmp);
	return rc;
}

char *lio_backstore_name(TALLOC_CTX *mem, const char *iqn, uint32_t lun)
{
	/* FNV-1a over the lower-cased IQN: stable across restarts */
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *p = iqn; *p; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		h ^= (unsigned char)c;
		h *= 0x100000001b3ull;
	}
	return talloc_asprintf(mem, "istmd_%016" PRIx64 "_%" PRIu32, h, lun);
}

char *lio_np_name(TALLOC_CTX *mem, const struct iscsi_portal *p)
{
	if (strchr(p->address, ':') != NULL)
		return talloc_asprintf(mem, "[%s]:%u", p->address, (unsigned)p->port);
	return talloc_asprintf(mem, "%s:%u", p->address, (unsigned)p->port);
}

int lio_np_parse(TALLOC_CTX *mem, const char *name, struct iscsi_portal *out)
{
	return iscsi_portal_parse(mem, name, 3260, out);
}
