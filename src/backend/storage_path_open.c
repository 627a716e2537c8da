/* Opening parsed paths so that the kernel, not a string check, keeps them
 * beneath their root: openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) from
 * the root's directory descriptor. A symlink (or a rename racing with us)
 * that would lead outside fails with EXDEV, reported as -EACCES. */
#include "backend/storage_paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* Kernels before 5.6 (or seccomp filters) lack openat2: walk the path one
 * component at a time with O_NOFOLLOW instead, which refuses every symlink. */
static int open_beneath_walk(int dirfd, const char *rel, int flags, mode_t mode)
{
	char buf[PATH_MAX];
	if (strlen(rel) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, rel);
	int cur = dirfd;
	char *save = NULL;
	char *c = strtok_r(buf, "/", &save);
	if (c == NULL) {
		int fd = openat(dirfd, ".", flags, mode);
		return fd < 0 ? -errno : fd;
	}
	for (;;) {
		char *next = strtok_r(NULL, "/", &save);
		int fd;
		if (next == NULL)
			fd = openat(cur, c, flags | O_NOFOLLOW, mode);
		else
			fd = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int err = errno;
		if (cur != dirfd)
			close(cur);
		if (fd < 0)
			return err == ELOOP ? -EACCES : -err;
		if (next == NULL)
			return fd;
		cur = fd;
		c = next;
	}
}

static int open_beneath_how(int dirfd, const char *rel, int flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
		.resolve = resolve,
	};
	const char *path = rel[0] != '\0' ? rel : ".";
	for (int tries = 0; tries < 16; tries++) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno == EAGAIN) /* a concurrent rename: retry */
			continue;
		if (errno == ENOSYS)
			return open_beneath_walk(dirfd, rel, flags | O_CLOEXEC, mode);
		if (errno == ELOOP && (resolve & RESOLVE_NO_SYMLINKS) != 0)
			return -EACCES; /* a symlink on the path */
		return errno == EXDEV ? -EACCES : -errno;
	}
	return -EAGAIN;
}

static int open_beneath(int dirfd, const char *rel, int flags, mode_t mode)
{
	return open_beneath_how(dirfd, rel, flags, mode, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
}

int storage_path_open_exact(const struct storage_path *p, int flags)
{
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		return -EINVAL;
	/* The walk (kernels without openat2) refuses every symlink already. */
	return open_beneath_how(p->root->dirfd, p->rel, flags | O_NOFOLLOW, 0,
				RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

int storage_path_open(const struct storage_path *p, int flags)
{
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) /* O_TMPFILE includes O_DIRECTORY */
		return -EINVAL;
	return open_beneath(p->root->dirfd, p->rel, flags, 0);
}

int storage_path_open_parent(const struct storage_path *p, const char **name)
{
	const char *slash = strrchr(p->rel, '/');
	if (p->rel[0] == '\0')
		return -EINVAL;
	*name = slash != NULL ? slash + 1 : p->rel;
	char dir[PATH_MAX];
	size_t n = slash != NULL ? (size_t)(slash - p->rel) : 0;
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, p->rel, n);
	dir[n] = '\0';
	return open_beneath(p->root->dirfd, dir, O_RDONLY | O_DIRECTORY, 0);
}

int storage_path_create(const struct storage_path *p, int flags, mode_t mode)
{
	const char *name;
	int dirfd = storage_path_open_parent(p, &name);
	if (dirfd < 0)
		return dirfd;
	int fd = openat(dirfd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	int r = fd < 0 ? -errno : fd;
	close(dirfd);
	return r;
}

int storage_path_unlink(const struct storage_path *p)
{
	const char *name;
	int dirfd = storage_path_open_parent(p, &name);
	if (dirfd < 0)
		return dirfd;
	int r = unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
	if (r == 0 && fsync(dirfd) < 0) /* the removal survives a crash */
		r = -errno;
	close(dirfd);
	return r;
}
