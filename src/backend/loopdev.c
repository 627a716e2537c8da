#include "backend/loopdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/iscsi_backend.h"
#include "istmd/log.h"

#define LOOP_ATTACH_TRIES 32 /* another process may grab the free device first */

static int read_sysfs(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

static int fill_info(int fd, int number, struct loopdev *out)
{
	struct loop_info64 info;
	memset(out, 0, sizeof(*out));
	if (ioctl(fd, LOOP_GET_STATUS64, &info) != 0)
		return errno == ENXIO ? -ENXIO : -errno;
	uint64_t size = 0;
	if (ioctl(fd, BLKGETSIZE64, &size) != 0)
		return -errno;
	snprintf(out->path, sizeof(out->path), "/dev/loop%d", number);
	out->number = number;
	out->size = size;
	out->offset = info.lo_offset;
	out->sizelimit = info.lo_sizelimit;
	out->read_only = (info.lo_flags & LO_FLAGS_READ_ONLY) != 0;
	out->direct_io = (info.lo_flags & LO_FLAGS_DIRECT_IO) != 0;
	out->backing_dev = (dev_t)info.lo_device;
	out->backing_ino = (ino_t)info.lo_inode;
	char sys[64];
	snprintf(sys, sizeof(sys), "/sys/block/loop%d/loop/backing_file", number);
	if (read_sysfs(sys, out->backing_file, sizeof(out->backing_file)) != 0)
		snprintf(out->backing_file, sizeof(out->backing_file), "%s",
			 (const char *)info.lo_file_name);
	return 0;
}

/* "/dev/loopN" -> N, or -1. */
static int loop_number(const char *dev)
{
	if (strncmp(dev, "/dev/loop", 9) != 0 || dev[9] < '0' || dev[9] > '9')
		return -1;
	char *end;
	long n = strtol(dev + 9, &end, 10);
	return *end == '\0' && n >= 0 && n < 1048576 ? (int)n : -1;
}

/* Opens DEV ("/dev/loopN") read-only: its fd (and *NUMBER), or a negative errno. */
static int open_loop(const char *dev, int *number)
{
	*number = loop_number(dev);
	if (*number < 0)
		return -EINVAL;
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENXIO : -errno;
	return fd;
}

int loopdev_info(const char *dev, struct loopdev *out)
{
	int number;
	int fd = open_loop(dev, &number);
	if (fd < 0)
		return fd;
	int rc = fill_info(fd, number, out);
	close(fd);
	return rc;
}

/* The loop device's own request queue: no I/O scheduler. Every request is
 * passed on at once to the backing file, whose own device schedules it; a
 * scheduler here (udev rules may set one) only adds a lock and a queue per
 * request on the path tgtd's I/O takes (docs/vhd-serving.md, "Fast I/O").
 * Best effort: the device works either way. */
static void tune_queue(int number)
{
	char path[64], cur[128];
	snprintf(path, sizeof(path), "/sys/block/loop%d/queue/scheduler", number);
	if (read_sysfs(path, cur, sizeof(cur)) != 0 || strstr(cur, "[none]") != NULL)
		return;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "none", 4) != 4)
		log_warn("loop: cannot set the I/O scheduler of loop%d to none: %s", number,
			 strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* The old way, for kernels before 5.8 (no LOOP_CONFIGURE). */
static int configure_legacy(int loop_fd, int file_fd, const struct loop_config *cfg)
{
	if (ioctl(loop_fd, LOOP_SET_FD, file_fd) != 0)
		return -errno;
	struct loop_info64 info = cfg->info;
	info.lo_flags &= ~(uint32_t)LO_FLAGS_DIRECT_IO;
	if (ioctl(loop_fd, LOOP_SET_STATUS64, &info) != 0 ||
	    ioctl(loop_fd, LOOP_SET_BLOCK_SIZE, (unsigned long)cfg->block_size) != 0) {
		int e = errno;
		ioctl(loop_fd, LOOP_CLR_FD, 0);
		return -e;
	}
	if ((cfg->info.lo_flags & LO_FLAGS_DIRECT_IO) != 0)
		(void)ioctl(loop_fd, LOOP_SET_DIRECT_IO, 1UL); /* checked afterwards */
	return 0;
}

/* Configures a free loop device; returns its fd and number. */
static int attach_free(int file_fd, struct loop_config *cfg, int *number_out)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	int rc = -EBUSY;
	for (int tries = 0; tries < LOOP_ATTACH_TRIES && rc == -EBUSY; tries++) {
		int number = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (number < 0) {
			rc = -errno;
			break;
		}
		char dev[32];
		snprintf(dev, sizeof(dev), "/dev/loop%d", number);
		int fd = open(dev, ((cfg->info.lo_flags & LO_FLAGS_READ_ONLY) ? O_RDONLY : O_RDWR) |
					   O_CLOEXEC);
		if (fd < 0) {
			rc = errno == ENOENT || errno == ENXIO ? -EBUSY : -errno;
			continue;
		}
		if (ioctl(fd, LOOP_CONFIGURE, cfg) == 0) {
			rc = 0;
		} else if (errno == EINVAL && (cfg->info.lo_flags & LO_FLAGS_DIRECT_IO) != 0) {
			/* Some kernels refuse direct I/O up front (e.g. on tmpfs). */
			log_warn("loop: %s refuses direct I/O for the backing file; using the page "
				 "cache (writes reach the file when flushed)", dev);
			cfg->info.lo_flags &= ~(uint32_t)LO_FLAGS_DIRECT_IO;
			rc = ioctl(fd, LOOP_CONFIGURE, cfg) == 0 ? 0 : -errno;
			if (rc == -EINVAL || rc == -ENOTTY)
				rc = configure_legacy(fd, file_fd, cfg);
		} else if (errno == EINVAL || errno == ENOTTY) {
			rc = configure_legacy(fd, file_fd, cfg);
		} else {
			rc = -errno;
		}
		if (rc == 0) {
			*number_out = number;
			close(ctl);
			return fd;
		}
		close(fd);
	}
	close(ctl);
	return rc;
}

int loopdev_attach(int file_fd, const char *name, uint64_t sizelimit, unsigned flags,
		   struct loopdev *out)
{
	bool ro = (flags & LOOPDEV_READ_ONLY) != 0;
	if (sizelimit == 0 || sizelimit % 512 != 0)
		return -EINVAL;
	int acc = fcntl(file_fd, F_GETFL);
	if (acc < 0)
		return -errno;
	if ((acc & O_PATH) != 0 || (!ro && (acc & O_ACCMODE) != O_RDWR))
		return -EBADF; /* the loop device writes through this descriptor */
	struct stat st;
	if (fstat(file_fd, &st) != 0 || !S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size < sizelimit)
		return -ERANGE;

	struct loop_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)file_fd;
	cfg.block_size = 512; /* the initiator sees 512-byte sectors, as in the VHD */
	cfg.info.lo_offset = 0;
	cfg.info.lo_sizelimit = sizelimit;
	cfg.info.lo_flags = (ro ? LO_FLAGS_READ_ONLY : 0) |
			    ((flags & LOOPDEV_BUFFERED) ? 0 : LO_FLAGS_DIRECT_IO);
	/* Only a label (the kernel never opens it): the identity is the fd's. */
	snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", name);

	int number = -1;
	int fd = attach_free(file_fd, &cfg, &number);
	if (fd < 0)
		return fd;

	int rc = fill_info(fd, number, out);
	if (rc == 0 && out->size != sizelimit) {
		log_err("loop: %s over %s has %" PRIu64 " bytes instead of %" PRIu64, out->path,
			name, out->size, sizelimit);
		rc = -EIO;
	}
	if (rc == 0 && (out->backing_dev != st.st_dev || out->backing_ino != st.st_ino)) {
		log_err("loop: %s is not over the file we gave it (%s)", out->path, name);
		rc = -EIO;
	}
	if (rc < 0) {
		ioctl(fd, LOOP_CLR_FD, 0);
		close(fd);
		return rc;
	}
	if (!(flags & LOOPDEV_BUFFERED) && !out->direct_io)
		log_warn("loop: %s over %s runs without direct I/O (the file system does not "
			 "support it with 512-byte blocks)", out->path, name);
	close(fd);
	tune_queue(number);
	return 0;
}

/* A device found already attached (by an earlier istmd, or attached while
 * the file system refused direct I/O) gets what a new one would: direct
 * I/O, switched on in place (LOOP_SET_DIRECT_IO works on a device in use),
 * and no scheduler. Best effort: it serves correctly either way. */
static void retune(struct loopdev *d, unsigned flags)
{
	if (!(flags & LOOPDEV_BUFFERED) && !d->direct_io) {
		int number;
		int fd = open_loop(d->path, &number);
		if (fd >= 0) {
			struct loopdev now;
			if (ioctl(fd, LOOP_SET_DIRECT_IO, 1UL) == 0 && fill_info(fd, number, &now) == 0) {
				log_notice("loop: %s now uses direct I/O", d->path);
				*d = now;
			}
			close(fd);
		}
	}
	tune_queue(d->number);
}

int loopdev_find(dev_t dev, ino_t ino, uint64_t sizelimit, struct loopdev *out)
{
	DIR *dir = opendir("/sys/block");
	if (dir == NULL)
		return -errno;
	int rc = -ENOENT;
	struct dirent *de;
	while (rc == -ENOENT && (de = readdir(dir)) != NULL) {
		char devpath[300], sys[300];
		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		snprintf(sys, sizeof(sys), "/sys/block/%s/loop", de->d_name);
		if (access(sys, F_OK) != 0)
			continue; /* not attached */
		snprintf(devpath, sizeof(devpath), "/dev/%s", de->d_name);
		struct loopdev info;
		if (loopdev_info(devpath, &info) != 0)
			continue;
		/* LOOP_GET_STATUS64's lo_device/lo_inode: the file the device
		 * holds, whatever its name is now (sysfs' backing_file is a name). */
		if (info.backing_dev == dev && info.backing_ino == ino && info.offset == 0 &&
		    (sizelimit == 0 || info.sizelimit == sizelimit)) {
			*out = info;
			rc = 0;
		}
	}
	closedir(dir);
	return rc;
}

int loopdev_list(struct loopdev **out, size_t *n)
{
	DIR *dir = opendir("/sys/block");
	if (dir == NULL)
		return -errno;
	struct loopdev *v = NULL;
	size_t count = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(dir)) != NULL) {
		char devpath[300], sys[300];
		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		snprintf(sys, sizeof(sys), "/sys/block/%s/loop", de->d_name);
		if (access(sys, F_OK) != 0)
			continue; /* not attached */
		snprintf(devpath, sizeof(devpath), "/dev/%s", de->d_name);
		struct loopdev info;
		if (loopdev_info(devpath, &info) != 0)
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			struct loopdev *g = realloc(v, cap * sizeof(*v));
			if (g == NULL) {
				rc = -ENOMEM;
				break;
			}
			v = g;
		}
		v[count++] = info;
	}
	closedir(dir);
	if (rc < 0) {
		free(v);
		return rc;
	}
	*out = v;
	*n = count;
	return 0;
}

int loopdev_ensure(int file_fd, const char *name, uint64_t sizelimit, unsigned flags,
		   struct loopdev *out)
{
	struct stat st;
	if (fstat(file_fd, &st) != 0)
		return -errno;
	struct loopdev found;
	int rc = loopdev_find(st.st_dev, st.st_ino, sizelimit, &found);
	if (rc == 0 && found.read_only == ((flags & LOOPDEV_READ_ONLY) != 0)) {
		retune(&found, flags);
		*out = found;
		return 0;
	}
	if (rc < 0 && rc != -ENOENT)
		return rc;
	return loopdev_attach(file_fd, name, sizelimit, flags, out);
}

int loopdev_detach(const char *dev)
{
	int number;
	int fd = open_loop(dev, &number);
	if (fd < 0)
		return fd;
	int rc = 0;
	if (ioctl(fd, LOOP_CLR_FD, 0) != 0) {
		rc = -errno;
		if (rc == -EBUSY) {
			/* Older kernels refuse while open: ask for autoclear instead. */
			struct loop_info64 info;
			if (ioctl(fd, LOOP_GET_STATUS64, &info) == 0) {
				info.lo_flags |= LO_FLAGS_AUTOCLEAR;
				rc = ioctl(fd, LOOP_SET_STATUS64, &info) == 0 ? 1 : -errno;
			}
		}
	} else {
		/* Since Linux 5.x a busy device is only marked for autoclear. */
		char sys[64];
		snprintf(sys, sizeof(sys), "/sys/block/loop%d/loop", number);
		close(fd);
		fd = -1;
		rc = access(sys, F_OK) == 0 ? 1 : 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}
