/* Creating and growing VHD images. docs/vhd.md explains the crash-safety of
 * each operation; the comments below say which step guarantees what. */
#include "backend/vhd.h"
#include "backend/vhd_format.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "istmd/log.h"
#include "istmd/utf16.h"

/* ---- a new file that gets its name only when complete ---------------------- */

struct pending {
	int fd;
	bool named;                /* false: O_TMPFILE, no name yet */
	char tmpname[40];          /* the hidden name while it has one */
};

static int random_tmpname(char *buf, size_t len)
{
	uint64_t rnd;
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return errno ? -errno : -EIO;
	snprintf(buf, len, ".istmd-tmp-%016" PRIx64, rnd);
	return 0;
}

/* Opens an unnamed file in DIRFD (O_TMPFILE): a crash before it is linked
 * leaves nothing behind. Where the file system lacks O_TMPFILE, a hidden
 * ".istmd-tmp-*" name is used instead and unlinked on every error path. */
static int pending_open(int dirfd, mode_t mode, struct pending *p)
{
	p->named = false;
	p->fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
	if (p->fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -errno;
	for (int tries = 0; tries < 8; tries++) {
		int r = random_tmpname(p->tmpname, sizeof(p->tmpname));
		if (r < 0)
			return r;
		p->fd = openat(dirfd, p->tmpname, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, mode);
		if (p->fd >= 0) {
			p->named = true;
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

static void pending_abort(int dirfd, struct pending *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (p->named)
		unlinkat(dirfd, p->tmpname, 0);
	p->named = false;
}

/* Gives the unnamed file a hidden name (O_TMPFILE case). */
static int pending_link_tmp(int dirfd, struct pending *p, const char *name)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p->fd);
	if (linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	/* No /proc: AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH, which root has. */
	if (linkat(p->fd, "", dirfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	return -errno;
}

/* Makes the complete file durable and gives it NAME atomically, then makes
 * the directory entry durable. Without OVERWRITE an existing NAME (even a
 * dangling symlink) fails with -EEXIST; with it, NAME is replaced as a whole
 * (rename never follows a symlink at NAME, and fails on a directory). */
static int pending_publish(int dirfd, const char *name, bool overwrite, struct pending *p)
{
	int r;

	if (fsync(p->fd) < 0)
		return -errno;
	if (!p->named && !overwrite) {
		r = pending_link_tmp(dirfd, p, name);
		if (r < 0)
			return r;
	} else {
		if (!p->named) {
			r = random_tmpname(p->tmpname, sizeof(p->tmpname));
			if (r < 0)
				return r;
			r = pending_link_tmp(dirfd, p, p->tmpname);
			if (r < 0)
				return r;
			p->named = true;
		}
		if (renameat2(dirfd, p->tmpname, dirfd, name, overwrite ? 0 : RENAME_NOREPLACE) < 0) {
			if (overwrite || errno != EINVAL)
				return -errno;
			/* No RENAME_NOREPLACE on this file system: link(2) never replaces. */
			if (linkat(dirfd, p->tmpname, dirfd, name, 0) < 0)
				return -errno;
			unlinkat(dirfd, p->tmpname, 0);
		}
		p->named = false;
	}
	if (fsync(dirfd) < 0)
		return -errno;
	return 0;
}

static int check_name(const char *name, char *reason)
{
	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return vhd_fail(reason, -EINVAL, "invalid file name");
	if (strlen(name) > NAME_MAX)
		return vhd_fail(reason, -ENAMETOOLONG, "file name too long");
	return 0;
}

static int check_size(uint64_t size, char *reason)
{
	if (size == 0 || size % VHD_SECTOR_SIZE != 0)
		return vhd_fail(reason, -EINVAL, "size %" PRIu64 " is not a positive multiple of 512", size);
	if (size > VHD_MAX_VIRTUAL_SIZE)
		return vhd_fail(reason, -EINVAL, "size %" PRIu64 " exceeds the 2040 GiB VHD limit", size);
	return 0;
}

/* Runs FILL on a pending file and publishes it; removes it on any failure. */
static int create_file(int dirfd, const char *name, struct vhd_create_options *opt, char *reason,
		       int (*fill)(int fd, void *priv, char *reason), void *priv)
{
	struct pending p = { .fd = -1 };
	mode_t mode = opt != NULL && opt->mode != 0 ? opt->mode : 0600;
	int r;

	if (reason != NULL)
		reason[0] = '\0';
	r = check_name(name, reason);
	if (r < 0)
		return r;
	r = pending_open(dirfd, mode, &p);
	if (r < 0)
		return vhd_fail(reason, r, "cannot create a file in the directory: %s", strerror(-r));
	r = fill(p.fd, priv, reason);
	if (r == 0) {
		r = pending_publish(dirfd, name, opt != NULL && opt->overwrite, &p);
		if (r < 0)
			vhd_fail(reason, r, "cannot name the new file: %s", strerror(-r));
	}
	if (r < 0) {
		pending_abort(dirfd, &p);
		return r;
	}
	close(p.fd);
	return 0;
}

/* ---- fixed ----------------------------------------------------------------- */

struct fixed_job {
	uint64_t size;
	struct vhd_create_options *opt;
	bool preallocated;
};

static bool fallocate_unsupported(int err)
{
	return err == EOPNOTSUPP || err == ENOSYS;
}

static int fill_fixed(int fd, void *priv, char *reason)
{
	struct fixed_job *job = priv;
	struct vhd_footer f;
	uint8_t raw[VHD_FOOTER_SIZE];
	int r;

	job->preallocated = false;
	if (job->opt == NULL || !job->opt->sparse) {
		/* Reserve data and footer in one go: no zero-filling, and a full
		 * volume fails here rather than later under an initiator's write. */
		if (fallocate(fd, 0, 0, (off_t)(job->size + VHD_FOOTER_SIZE)) == 0) {
			job->preallocated = true;
		} else if (fallocate_unsupported(errno)) {
			log_notice("vhd: the file system cannot preallocate; creating a sparse fixed VHD");
		} else {
			r = -errno;
			return vhd_fail(reason, r, "cannot reserve %" PRIu64 " bytes: %s", job->size,
					strerror(-r));
		}
	}
	r = vhd_footer_new(&f, VHD_TYPE_FIXED, job->size, VHD_NO_OFFSET);
	if (r < 0)
		return vhd_fail(reason, r, "no random unique id");
	vhd_footer_encode(&f, raw);
	r = vhd_pwrite(fd, raw, sizeof(raw), job->size);
	if (r < 0)
		return vhd_fail(reason, r, "cannot write the footer: %s", strerror(-r));
	return 0;
}

int vhd_create_fixed(int dirfd, const char *name, uint64_t size, struct vhd_create_options *opt,
		     char *reason)
{
	struct fixed_job job = { .size = size, .opt = opt };
	int r = check_size(size, reason);
	if (r < 0)
		return r;
	r = create_file(dirfd, name, opt, reason, fill_fixed, &job);
	if (opt != NULL)
		opt->preallocated = r == 0 && job.preallocated;
	return r;
}

/* ---- dynamic and differencing ---------------------------------------------- */

struct dynamic_job {
	uint64_t size;
	const struct vhd_info *parent;  /* differencing only */
	const struct vhd_parent *ref;
	uint16_t *abs_utf16, *rel_utf16; /* host order */
	size_t abs_units, rel_units;
	uint16_t *name_utf16;
	size_t name_units;
};

static void put_utf16(uint8_t *dst, const uint16_t *src, size_t units, bool big_endian)
{
	for (size_t i = 0; i < units; i++) {
		dst[2 * i + (big_endian ? 0 : 1)] = (uint8_t)(src[i] >> 8);
		dst[2 * i + (big_endian ? 1 : 0)] = (uint8_t)src[i];
	}
}

static uint64_t round_sector(uint64_t n)
{
	return (n + VHD_SECTOR_SIZE - 1) / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;
}

/* Layout: footer copy | dynamic header | BAT | parent locator data | footer. */
static int fill_dynamic(int fd, void *priv, char *reason)
{
	struct dynamic_job *job = priv;
	enum vhd_type type = job->parent != NULL ? VHD_TYPE_DIFFERENCING : VHD_TYPE_DYNAMIC;
	uint32_t entries = (uint32_t)((job->size + VHD_DEFAULT_BLOCK_SIZE - 1) / VHD_DEFAULT_BLOCK_SIZE);
	uint64_t table = VHD_FOOTER_SIZE + VHD_DYNAMIC_HEADER_SIZE;
	uint64_t bat = vhd_bat_size(entries);
	uint64_t abs_space = round_sector(job->abs_units * 2);
	uint64_t rel_space = round_sector(job->rel_units * 2);
	uint64_t abs_off = table + bat, rel_off = abs_off + abs_space;
	uint64_t footer_off = rel_off + rel_space;
	struct vhd_footer f;
	struct vhd_header h;
	int r;

	uint8_t *buf = talloc_zero_size(NULL, footer_off + VHD_FOOTER_SIZE);
	if (buf == NULL)
		return vhd_fail(reason, -ENOMEM, "out of memory");
	r = vhd_footer_new(&f, type, job->size, VHD_FOOTER_SIZE);
	if (r < 0) {
		talloc_free(buf);
		return vhd_fail(reason, r, "no random unique id");
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.cookie, VHD_DYNAMIC_COOKIE, 8);
	h.data_offset = VHD_NO_OFFSET;
	h.table_offset = table;
	h.version = VHD_VERSION_1_0;
	h.max_table_entries = entries;
	h.block_size = VHD_DEFAULT_BLOCK_SIZE;
	if (job->parent != NULL) {
		memcpy(h.parent_unique_id, job->parent->unique_id, 16);
		h.parent_timestamp = job->parent->timestamp;
		put_utf16(h.parent_name, job->name_utf16, job->name_units, true);
		h.locators[0] = (struct vhd_locator){ VHD_PLATFORM_W2KU, (uint32_t)(abs_space / VHD_SECTOR_SIZE),
						      (uint32_t)(job->abs_units * 2), abs_off };
		put_utf16(buf + abs_off, job->abs_utf16, job->abs_units, false);
		if (job->rel_units > 0) {
			h.locators[1] = (struct vhd_locator){ VHD_PLATFORM_W2RU,
							      (uint32_t)(rel_space / VHD_SECTOR_SIZE),
							      (uint32_t)(job->rel_units * 2), rel_off };
			put_utf16(buf + rel_off, job->rel_utf16, job->rel_units, false);
		}
	}
	vhd_footer_encode(&f, buf);
	vhd_header_encode(&h, buf + VHD_FOOTER_SIZE);
	memset(buf + table, 0xff, (size_t)entries * 4);
	memcpy(buf + footer_off, buf, VHD_FOOTER_SIZE);
	r = vhd_pwrite(fd, buf, footer_off + VHD_FOOTER_SIZE, 0);
	talloc_free(buf);
	if (r < 0)
		return vhd_fail(reason, r, "cannot write the image: %s", strerror(-r));
	return 0;
}

int vhd_create_dynamic(int dirfd, const char *name, uint64_t size, struct vhd_create_options *opt,
		       char *reason)
{
	struct dynamic_job job = { .size = size };
	int r = check_size(size, reason);
	if (r < 0)
		return r;
	if (opt != NULL)
		opt->preallocated = false;
	return create_file(dirfd, name, opt, reason, fill_dynamic, &job);
}

static const char *last_component(const char *path)
{
	const char *s = strrchr(path, '\\');
	return s != NULL ? s + 1 : path;
}

int vhd_create_differencing(int dirfd, const char *name, const struct vhd_parent *parent,
			    struct vhd_create_options *opt, char *reason)
{
	struct dynamic_job job = { .ref = parent };
	struct vhd_info *info = NULL;
	char why[VHD_REASON_LEN];
	int r;

	if (reason != NULL)
		reason[0] = '\0';
	if (parent == NULL || parent->absolute_path == NULL || parent->absolute_path[0] == '\0')
		return vhd_fail(reason, -EINVAL, "no parent path");
	TALLOC_CTX *tmp = talloc_new(NULL);
	if (tmp == NULL)
		return vhd_fail(reason, -ENOMEM, "out of memory");
	r = vhd_inspect(tmp, parent->fd, &info, why);
	if (r < 0) {
		vhd_fail(reason, r, "parent: %s", why);
		goto out;
	}
	job.parent = info;
	job.size = info->virtual_size;
	job.abs_utf16 = utf8_to_utf16(tmp, parent->absolute_path, &job.abs_units);
	job.name_utf16 = utf8_to_utf16(tmp, last_component(parent->absolute_path), &job.name_units);
	if (parent->relative_path != NULL)
		job.rel_utf16 = utf8_to_utf16(tmp, parent->relative_path, &job.rel_units);
	if (job.abs_utf16 == NULL || job.name_utf16 == NULL ||
	    (parent->relative_path != NULL && job.rel_utf16 == NULL)) {
		r = vhd_fail(reason, errno == ENOMEM ? -ENOMEM : -EINVAL, "parent path is not valid UTF-8");
		goto out;
	}
	if (job.name_units >= VHD_PARENT_NAME_UNITS || job.abs_units > 32767 || job.rel_units > 32767) {
		r = vhd_fail(reason, -ENAMETOOLONG, "parent path too long");
		goto out;
	}
	if (opt != NULL)
		opt->preallocated = false;
	r = create_file(dirfd, name, opt, reason, fill_dynamic, &job);
out:
	talloc_free(tmp);
	return r;
}

/* ---- relative parent paths ------------------------------------------------- */

/* Splits an absolute drive path "X:\a\b" into its drive letter and components. */
static int split_windows(TALLOC_CTX *mem, const char *path, char *drive, char ***comps, size_t *n)
{
	if (path != NULL && strncmp(path, "\\\\?\\", 4) == 0) /* long-path prefix */
		path += 4;
	if (path == NULL || !((path[0] | 0x20) >= 'a' && (path[0] | 0x20) <= 'z') || path[1] != ':' ||
	    (path[2] != '\\' && path[2] != '/'))
		return -EINVAL;
	*drive = (char)(path[0] & ~0x20);
	*comps = talloc_array(mem, char *, strlen(path) + 1);
	if (*comps == NULL)
		return -ENOMEM;
	*n = 0;
	const char *p = path + 3;
	while (*p != '\0') {
		size_t len = strcspn(p, "\\/");
		if (len > 0) {
			(*comps)[(*n)++] = talloc_strndup(*comps, p, len);
			if ((*comps)[*n - 1] == NULL)
				return -ENOMEM;
		}
		p += len;
		if (*p != '\0')
			p++;
	}
	return *n > 0 ? 0 : -EINVAL;
}

char *vhd_relative_parent_path(TALLOC_CTX *mem_ctx, const char *child, const char *parent)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char cd, pd;
	char **cc, **pc;
	size_t cn, pn;
	char *out = NULL;
	int r;

	if (tmp == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	r = split_windows(tmp, child, &cd, &cc, &cn);
	if (r == 0)
		r = split_windows(tmp, parent, &pd, &pc, &pn);
	if (r < 0) {
		errno = -r;
		goto out;
	}
	if (cd != pd) {
		errno = EXDEV;
		goto out;
	}
	/* Common directory prefix (the child's last component is its file name). */
	size_t common = 0;
	while (common < cn - 1 && common < pn - 1 && strcasecmp(cc[common], pc[common]) == 0)
		common++;
	out = talloc_strdup(tmp, common == cn - 1 ? ".\\" : "");
	for (size_t i = common; out != NULL && i < cn - 1; i++)
		out = talloc_strdup_append(out, "..\\");
	for (size_t i = common; out != NULL && i < pn; i++)
		out = talloc_asprintf_append(out, "%s%s", pc[i], i + 1 < pn ? "\\" : "");
	if (out == NULL)
		errno = ENOMEM;
	else
		out = talloc_steal(mem_ctx, out);
out:
	talloc_free(tmp);
	return out;
}

/* ---- growing a fixed image ------------------------------------------------- */

/* Step 3 of a grow: zeros over the old footer, durably. */
static int clear_old_footer(int fd, uint64_t offset, char *reason)
{
	static const uint8_t zero[VHD_FOOTER_SIZE];
	int r = vhd_pwrite(fd, zero, sizeof(zero), offset);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (r < 0)
		return vhd_fail(reason, r, "cannot clear the old footer: %s", strerror(-r));
	return 0;
}

int vhd_grow_fixed(int fd, uint64_t new_size, bool sparse, char *reason)
{
	struct vhd_info *info = NULL;
	struct vhd_footer f;
	uint8_t raw[VHD_FOOTER_SIZE];
	int r;

	if (reason != NULL)
		reason[0] = '\0';
	TALLOC_CTX *tmp = talloc_new(NULL);
	if (tmp == NULL)
		return vhd_fail(reason, -ENOMEM, "out of memory");
	r = vhd_inspect(tmp, fd, &info, reason);
	uint64_t old = r == 0 ? info->virtual_size : 0;
	bool fixed = r == 0 && info->type == VHD_TYPE_FIXED;
	const char *type = r == 0 ? vhd_type_name(info->type) : "";
	talloc_free(tmp);
	if (r < 0)
		return r;
	if (!fixed)
		return vhd_fail(reason, -EOPNOTSUPP, "only fixed images can grow, this one is %s", type);
	r = check_size(new_size, reason);
	if (r < 0)
		return r;
	if (new_size <= old)
		return vhd_fail(reason, -EINVAL, "new size %" PRIu64 " is not larger than %" PRIu64, new_size,
				old);
	r = vhd_read_footer(fd, old, &f, raw, reason);
	if (r < 0)
		return r;

	/* 1. Reserve the new space beyond the end of file: the size, and so the
	 *    valid old image, stay as they are. */
	if (!sparse && fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)(old + VHD_FOOTER_SIZE),
				 (off_t)(new_size - old)) < 0) {
		r = -errno;
		if (!fallocate_unsupported(-r))
			return vhd_fail(reason, r, "cannot reserve %" PRIu64 " more bytes: %s", new_size - old,
					strerror(-r));
		log_notice("vhd: the file system cannot preallocate; the grown part is sparse");
	}
	/* 2. The new footer at the new end: the single write that extends the
	 *    file. Once it is durable the new image is valid. */
	/* The original size too: the specification calls it informational, and
	 * libvhdi reports it as the media size. */
	f.current_size = new_size;
	f.original_size = new_size;
	vhd_geometry(new_size, &f.cylinders, &f.heads, &f.sectors);
	vhd_footer_encode(&f, raw);
	r = vhd_pwrite(fd, raw, sizeof(raw), new_size);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		return vhd_fail(reason, r, "cannot write the new footer: %s", strerror(-r));
	/* 3. The old footer is now data the initiator can see: make it zeros. */
	return clear_old_footer(fd, old, reason);
}

int64_t vhd_recover_fixed_grow(int fd, uint64_t old_size, char *reason)
{
	struct vhd_footer end, prev;
	uint8_t raw[VHD_FOOTER_SIZE];
	char why[VHD_REASON_LEN];
	struct stat st;
	int r;

	if (reason != NULL)
		reason[0] = '\0';
	if (fstat(fd, &st) < 0)
		return vhd_fail(reason, -errno, "cannot stat the file");
	uint64_t size = (uint64_t)st.st_size;
	if (old_size == 0 || old_size % VHD_SECTOR_SIZE != 0 || size < old_size + VHD_FOOTER_SIZE ||
	    size % VHD_SECTOR_SIZE != 0)
		return vhd_fail(reason, -EBADMSG, "file size %" PRIu64 " does not fit a grow from %" PRIu64,
				size, old_size);
	bool prev_ok = vhd_read_footer(fd, old_size, &prev, raw, why) == 0 &&
		       prev.disk_type == VHD_TYPE_FIXED && prev.current_size == old_size;
	r = vhd_read_footer(fd, size - VHD_FOOTER_SIZE, &end, raw, why);
	if (r == 0 && end.disk_type == VHD_TYPE_FIXED && end.current_size + VHD_FOOTER_SIZE == size) {
		if (end.current_size == old_size || !prev_ok)
			return (int64_t)end.current_size;
		/* Crashed between steps 2 and 3: finish step 3. */
		r = clear_old_footer(fd, old_size, reason);
		return r < 0 ? r : (int64_t)end.current_size;
	}
	if (!prev_ok)
		return vhd_fail(reason, -EBADMSG, "no valid footer at the end nor at %" PRIu64 ": %s",
				old_size, why);
	/* The extending write of step 2 did not survive: roll back. */
	if (ftruncate(fd, (off_t)(old_size + VHD_FOOTER_SIZE)) < 0 || fsync(fd) < 0)
		return vhd_fail(reason, -errno, "cannot cut the file back to its old size");
	return (int64_t)old_size;
}
