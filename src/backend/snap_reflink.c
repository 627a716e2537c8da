/* The reflink snapshot provider (FICLONE) and the descriptor helpers every
 * provider shares. A clone costs a metadata update: no data is copied, the
 * extents are shared until either file overwrites them (copy-on-write). */
#include "backend/snap_provider.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static int reflink_clone(int src_fd, int dst_fd)
{
	if (ioctl(dst_fd, FICLONE, src_fd) == 0)
		return 0;
	int e = errno;
	/* EINVAL and ENOTTY are what file systems without reflink answer. */
	return e == EINVAL || e == ENOTTY || e == ENOSYS ? -EOPNOTSUPP : -e;
}

static int reflink_probe(int dirfd)
{
	int a = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (a < 0)
		return errno == EISDIR || errno == EINVAL ? -EOPNOTSUPP : -errno;
	int b = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (b < 0) {
		int e = -errno;
		close(a);
		return e;
	}
	char block[4096];
	memset(block, 0x5a, sizeof(block));
	int rc = pwrite(a, block, sizeof(block), 0) == (ssize_t)sizeof(block) ? 0 : -EIO;
	if (rc == 0)
		rc = reflink_clone(a, b);
	close(a);
	close(b);
	return rc;
}

const struct snap_provider snap_provider_reflink = {
	.name = "reflink",
	.probe = reflink_probe,
	.clone = reflink_clone,
};

const struct snap_provider *snap_provider_for(int dirfd, int *rc)
{
	*rc = snap_provider_reflink.probe(dirfd);
	return *rc == 0 ? &snap_provider_reflink : NULL;
}

static bool guid_name(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || *c == '-'))
			return false;
	return true;
}

static int open_sub(int dirfd, const char *name, bool create)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd >= 0 ? fd : -errno;
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fsync(dirfd);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

int snap_dir_open(int root_fd, const char *sub, bool create)
{
	if (sub != NULL && !guid_name(sub))
		return -EINVAL;
	int top = open_sub(root_fd, SNAP_DIR_NAME, create);
	if (top < 0 || sub == NULL)
		return top;
	int fd = open_sub(top, sub, create);
	close(top);
	return fd;
}

int snap_sync(int dir_fd, const char *name)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	if (rc == 0 && fsync(dir_fd) < 0)
		rc = -errno;
	return rc;
}

int snap_clone_open(const struct snap_provider *p, int src_fd, int dir_fd, const char *name)
{
	int fd = openat(dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int rc = p->clone(src_fd, fd);
	if (rc < 0) {
		close(fd);
		unlinkat(dir_fd, name, 0);
		return rc;
	}
	return fd;
}

int snap_clone_to(const struct snap_provider *p, int src_fd, int dir_fd, const char *name,
		  bool durable)
{
	int fd = snap_clone_open(p, src_fd, dir_fd, name);
	if (fd < 0)
		return fd;
	int rc = 0;
	if (durable && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && durable && fsync(dir_fd) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dir_fd, name, 0);
	return rc;
}

bool snap_refresh_is_cheap(int src_fd)
{
	struct statfs fs;
	return fstatfs(src_fd, &fs) == 0 && fs.f_type == XFS_SUPER_MAGIC;
}

int snap_shared_bytes(int fd, uint64_t *shared, uint64_t *total)
{
	enum { N = 256 };
	size_t len = sizeof(struct fiemap) + N * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, len);
	if (fm == NULL)
		return -ENOMEM;
	*shared = *total = 0;
	uint64_t start = 0;
	for (;;) {
		memset(fm, 0, len);
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = N;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
			int e = -errno;
			free(fm);
			return e;
		}
		if (fm->fm_mapped_extents == 0)
			break;
		bool last = false;
		for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
			const struct fiemap_extent *x = &fm->fm_extents[i];
			*total += x->fe_length;
			if (x->fe_flags & FIEMAP_EXTENT_SHARED)
				*shared += x->fe_length;
			start = x->fe_logical + x->fe_length;
			if (x->fe_flags & FIEMAP_EXTENT_LAST)
				last = true;
		}
		if (last)
			break;
	}
	free(fm);
	return 0;
}

int snap_cow_hint(int src_fd)
{
	if (!snap_refresh_is_cheap(src_fd))
		return -EOPNOTSUPP;
	struct fsxattr fa;
	if (ioctl(src_fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return -errno;
	if ((fa.fsx_xflags & FS_XFLAG_COWEXTSIZE) && fa.fsx_cowextsize != 0)
		return 0; /* the administrator's or ours */
	fa.fsx_xflags |= FS_XFLAG_COWEXTSIZE;
	fa.fsx_cowextsize = SNAP_COWEXTSIZE;
	return ioctl(src_fd, FS_IOC_FSSETXATTR, &fa) < 0 ? -errno : 0;
}
