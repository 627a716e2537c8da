#include "backend_testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void tu_rmtree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int dir_destructor(char *path)
{
	tu_rmtree(path);
	return 0;
}

char *tu_mkdtemp(TALLOC_CTX *mem, const char *base)
{
	char *path = talloc_asprintf(mem, "%s/istmd-test-XXXXXX", base);
	if (path == NULL || mkdtemp(path) == NULL) {
		talloc_free(path);
		return NULL;
	}
	talloc_set_destructor(path, dir_destructor);
	return path;
}

static int fd_destructor(int *fd)
{
	close(*fd);
	return 0;
}

char *tu_scratch_dir(TALLOC_CTX *mem, int *dirfd)
{
	char *dir = tu_mkdtemp(mem, "/tmp");
	int *fd = dir != NULL ? talloc(dir, int) : NULL;
	if (fd == NULL)
		abort();
	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		abort();
	talloc_set_destructor(fd, fd_destructor);
	*dirfd = *fd;
	return dir;
}

uint8_t *tu_read_file(TALLOC_CTX *mem, const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size > (64 << 20)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	uint8_t *buf = talloc_size(mem, (size_t)st.st_size + 1);
	ssize_t n = buf != NULL ? pread(fd, buf, (size_t)st.st_size, 0) : -1;
	close(fd);
	if (n != st.st_size) {
		talloc_free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

void tu_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		abort();
	}
	if (write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

char *tu_run(TALLOC_CTX *mem, int *status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = talloc_vasprintf(mem, fmt, ap);
	va_end(ap);
	char *full = talloc_asprintf(mem, "timeout 60 %s", cmd);
	FILE *p = popen(full, "r");
	if (p == NULL)
		abort();
	char *out = talloc_strdup(mem, "");
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		out = talloc_strndup_append_buffer(out, buf, n);
	int st = pclose(p);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	talloc_free(full);
	talloc_free(cmd);
	return out;
}

long long tu_json_number(const char *json, const char *key)
{
	char *pat = NULL;
	if (asprintf(&pat, "\"%s\":", key) < 0)
		return -1;
	const char *p = strstr(json, pat);
	free(pat);
	if (p == NULL)
		return -1;
	p = strchr(p, ':') + 1;
	return strtoll(p, NULL, 10);
}
