/* Blocking file work for the io pool (file_jobs.h). */
#include "core/file_jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/storage_paths.h"
#include "backend/vhdfs_ctl.h"

struct file_job *file_job_new(TALLOC_CTX *mem, enum file_job_kind kind,
			      const struct storage_paths *sp, const char *path)
{
	struct file_job *j = talloc_zero(mem, struct file_job);
	if (j == NULL)
		return NULL;
	j->kind = kind;
	j->sp = sp;
	if ((j->path = talloc_strdup(j, path)) == NULL)
		TALLOC_FREE(j);
	return j;
}

enum core_vhd_type core_vhd_type_from_footer(enum vhd_type t)
{
	switch (t) {
	case VHD_TYPE_FIXED:
		return CORE_VHD_FIXED;
	case VHD_TYPE_DYNAMIC:
		return CORE_VHD_DYNAMIC;
	case VHD_TYPE_DIFFERENCING:
		return CORE_VHD_DIFFERENCING;
	}
	return CORE_VHD_INVALID;
}

static int say(struct file_job *j, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int say(struct file_job *j, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->reason, sizeof(j->reason), fmt, ap);
	va_end(ap);
	return rc;
}

static int parse(struct file_job *j, const char *path, struct storage_path **p)
{
	int rc = storage_path_parse(j, j->sp, path, p);
	if (rc < 0)
		return say(j, rc, "%s is not a usable path: %s", path, strerror(-rc));
	return 0;
}

/* The directory holding PATH (confined), and PATH's last component. */
static int open_dir(struct file_job *j, struct storage_path **p, const char **final)
{
	int rc = parse(j, j->path, p);
	if (rc < 0)
		return rc;
	int dirfd = storage_path_open_parent(*p, final);
	if (dirfd < 0)
		return say(j, dirfd, "cannot open the directory of %s: %s", j->path,
			   strerror(-dirfd));
	return dirfd;
}

static int do_inspect(struct file_job *j)
{
	struct storage_path *p;
	int rc = parse(j, j->path, &p);
	if (rc < 0)
		return rc;
	int fd = j->exact ? storage_path_open_exact(p, O_RDONLY) : storage_path_open(p, O_RDONLY);
	if (fd < 0)
		return say(j, fd, "cannot open %s%s: %s", j->path,
			   j->exact && fd == -EACCES ? " without following a symlink" : "",
			   strerror(-fd));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		close(fd);
		return say(j, rc, "%s is not a regular file", j->path);
	}
	j->file_dev = (uint64_t)st.st_dev;
	j->file_ino = (uint64_t)st.st_ino;
	struct vhd_info *info = NULL;
	rc = vhd_inspect(j, fd, &info, j->reason);
	close(fd);
	if (rc < 0)
		return rc;
	j->vhd_type = core_vhd_type_from_footer(info->type);
	j->virtual_size = info->virtual_size;
	const char *parent = info->parent_absolute_path ? info->parent_absolute_path
							: info->parent_name;
	j->parent_path = talloc_strdup(j, parent ? parent : "");
	return j->parent_path ? 0 : -ENOMEM;
}

static int create_differencing(struct file_job *j, int dirfd, const char *name,
			       const struct storage_path *child, struct vhd_create_options *opt)
{
	struct storage_path *pp;
	int rc = parse(j, j->parent, &pp);
	if (rc < 0)
		return rc;
	if (pp->windows == NULL)
		return say(j, -EINVAL, "the parent's name cannot be written as a Windows path, "
			   "which the VHD's parent locator needs");
	int pfd = storage_path_open(pp, O_RDONLY);
	if (pfd < 0)
		return say(j, pfd, "cannot open the parent %s: %s", j->parent, strerror(-pfd));
	/* No relative locator when the two are on different drives (EXDEV). */
	char *rel = child->windows ? vhd_relative_parent_path(j, child->windows, pp->windows)
				   : NULL;
	struct vhd_parent parent = { .fd = pfd, .absolute_path = pp->windows, .relative_path = rel };
	rc = vhd_create_differencing(dirfd, name, &parent, opt, j->reason);
	close(pfd);
	return rc;
}

static int do_create(struct file_job *j)
{
	struct storage_path *p;
	const char *final;
	int rc, dirfd = open_dir(j, &p, &final);
	if (dirfd < 0)
		return dirfd;
	const char *name = j->tmp_name ? j->tmp_name : final;
	struct stat st;
	if (j->must_not_exist && fstatat(dirfd, final, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		close(dirfd);
		return say(j, -EEXIST, "%s exists", j->path);
	}
	struct vhd_create_options opt = { .overwrite = j->overwrite && j->tmp_name == NULL,
					  .sparse = j->sparse };
	switch (j->type) {
	case CORE_VHD_FIXED:
		rc = vhd_create_fixed(dirfd, name, j->size, &opt, j->reason);
		break;
	case CORE_VHD_DYNAMIC:
		rc = vhd_create_dynamic(dirfd, name, j->size, &opt, j->reason);
		break;
	case CORE_VHD_DIFFERENCING:
		rc = create_differencing(j, dirfd, name, p, &opt);
		break;
	default:
		rc = say(j, -EOPNOTSUPP, "unknown VHD type %d", (int)j->type);
	}
	/* The identity to record: the name was created beneath DIRFD just now
	 * (O_EXCL), and a rename into place keeps the inode. */
	if (rc == 0) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			rc = say(j, -errno, "cannot look at the new %s: %s", j->path, strerror(errno));
		j->file_dev = (uint64_t)st.st_dev;
		j->file_ino = (uint64_t)st.st_ino;
	}
	close(dirfd);
	if (rc == -EEXIST && j->reason[0] == '\0')
		say(j, rc, "%s exists", j->path);
	return rc;
}

/* RENAME_TMP / UNLINK_TMP: the temporary file beside PATH. */
static int do_tmp(struct file_job *j)
{
	struct storage_path *p;
	const char *final;
	int rc, dirfd = open_dir(j, &p, &final);
	if (dirfd < 0)
		return dirfd;
	if (j->kind == FJ_RENAME_TMP)
		rc = renameat2(dirfd, j->tmp_name, dirfd, final, RENAME_NOREPLACE) == 0 ? 0 : -errno;
	else
		rc = unlinkat(dirfd, j->tmp_name, 0) == 0 || errno == ENOENT ? 0 : -errno;
	if (rc == 0 && fsync(dirfd) != 0)
		rc = -errno;
	close(dirfd);
	if (rc < 0)
		say(j, rc, "%s %s: %s", j->kind == FJ_RENAME_TMP ? "cannot name the new file" :
			   "cannot remove the unfinished file beside", j->path, strerror(-rc));
	return rc;
}

static int do_grow(struct file_job *j)
{
	struct storage_path *p;
	int rc = parse(j, j->path, &p);
	if (rc < 0)
		return rc;
	int fd = storage_path_open_exact(p, O_RDWR);
	if (fd < 0)
		return say(j, fd, "cannot open %s without following a symlink: %s", j->path,
			   strerror(-fd));
	struct stat st;
	if (j->file_ino != 0 && (fstat(fd, &st) != 0 || (uint64_t)st.st_dev != j->file_dev ||
				 (uint64_t)st.st_ino != j->file_ino)) {
		rc = say(j, -ESTALE, "%s is no longer the file the disk was created on", j->path);
		goto out;
	}
	struct vhd_info *info = NULL;
	rc = vhd_inspect(j, fd, &info, j->reason);
	if (rc < 0)
		goto out;
	if (info->type == VHD_TYPE_DIFFERENCING) { /* 3.30.4.7 */
		rc = say(j, -EMEDIUMTYPE, "%s is a differencing VHD; it has its parent's size",
			 j->path);
		goto out;
	}
	uint64_t cur = info->virtual_size;
	if (j->old_size != 0 && cur != j->old_size) {
		rc = say(j, -EIO, "%s has %" PRIu64 " bytes, not the %" PRIu64 " on record", j->path,
			 cur, j->old_size);
		goto out;
	}
	uint64_t want = j->additional ? cur + j->additional : j->new_size;
	if (j->additional > VHD_MAX_VIRTUAL_SIZE || want > VHD_MAX_VIRTUAL_SIZE) {
		rc = say(j, -ERANGE, "%" PRIu64 " bytes is above the %llu-byte VHD limit", want,
			 VHD_MAX_VIRTUAL_SIZE);
		goto out;
	}
	if (want <= cur || want % VHD_SECTOR_SIZE != 0) {
		rc = say(j, -EINVAL, "the new size must be a multiple of 512 above %" PRIu64, cur);
		goto out;
	}
	if (info->type == VHD_TYPE_DYNAMIC) {
		/* its server keeps the old size and BAT in memory: stop it (it
		 * flushes); the reconciler serves the grown image after phase 2 */
		if (j->vc != NULL && fstat(fd, &st) == 0)
			vhdfs_stop(j->vc, st.st_dev, st.st_ino);
		rc = vhd_grow_dynamic(fd, want, j->reason);
	} else {
		rc = vhd_grow_fixed(fd, want, j->sparse, j->reason);
	}
	if (rc < 0) {
		/* Whatever happened, the file is one image or the other: which? */
		char again[VHD_REASON_LEN];
		int64_t now = vhd_recover_grow(fd, cur, again);
		if (now == (int64_t)want)
			rc = 0;
		j->virtual_size = now > 0 ? (uint64_t)now : cur;
	} else {
		j->virtual_size = want;
	}
	j->new_size = want;
out:
	close(fd);
	return rc;
}

static int do_unlink(struct file_job *j)
{
	struct storage_path *p;
	int rc = parse(j, j->path, &p);
	if (rc < 0)
		return rc;
	rc = storage_path_unlink(p);
	if (rc < 0)
		say(j, rc, "cannot delete %s: %s", j->path, strerror(-rc));
	return rc;
}

void file_job_run(void *arg)
{
	struct file_job *j = arg;
	j->reason[0] = '\0';
	switch (j->kind) {
	case FJ_INSPECT:
		j->rc = do_inspect(j);
		break;
	case FJ_CREATE:
		j->rc = do_create(j);
		break;
	case FJ_RENAME_TMP:
	case FJ_UNLINK_TMP:
		j->rc = do_tmp(j);
		break;
	case FJ_GROW:
		j->rc = do_grow(j);
		break;
	case FJ_UNLINK:
		j->rc = do_unlink(j);
		break;
	}
	if (j->rc < 0 && j->reason[0] == '\0')
		say(j, j->rc, "%s: %s", j->path, strerror(-j->rc));
}
