/* Loop devices that expose the first SIZELIMIT bytes of a file: how a fixed
 * VHD (data followed by a 512-byte footer) is served by a target that has no
 * offset/size setting of its own (tgt). Direct I/O (LO_FLAGS_DIRECT_IO) makes
 * the loop device write straight to the file, without a second page cache.
 *
 * Loop devices outlive istmd: after a restart loopdev_find() gives back the
 * one already serving a file, so nothing is attached twice and nothing leaks.
 *
 * Files are named by what the kernel knows them by, never by a path: a
 * device is attached from a descriptor the caller opened (beneath its
 * storage root, docs/paths.md), and found by the device and inode number
 * LOOP_GET_STATUS64 reports. A name given here is only a label.
 *
 * These calls block (ioctls, opening devices): run them on workpool threads.
 * They use no talloc and no logging state beyond log_*, so they are
 * thread-safe. */
#ifndef ISTMD_BACKEND_LOOPDEV_H
#define ISTMD_BACKEND_LOOPDEV_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define LOOPDEV_READ_ONLY 1u /* a read-only device over a file opened read-only */
#define LOOPDEV_BUFFERED 2u  /* no direct I/O (the page cache sits in between) */

struct loopdev {
	char path[32]; /* "/dev/loopN" */
	int number;
	uint64_t size;      /* bytes the device exposes */
	uint64_t offset;    /* always 0 for devices we attach */
	uint64_t sizelimit; /* 0: the whole file */
	bool read_only;
	bool direct_io; /* in force (the kernel may have refused it) */
	dev_t backing_dev;
	ino_t backing_ino;
	char backing_file[PATH_MAX]; /* as the kernel remembers it; may be stale */
};

/* Attaches a new loop device over the regular file open as FILE_FD (read-
 * write, or read-only with LOOPDEV_READ_ONLY; not O_PATH) at offset 0,
 * limited to SIZELIMIT bytes (> 0, a multiple of 512, at most the file's
 * size), with 512-byte logical blocks, no I/O scheduler and, unless
 * LOOPDEV_BUFFERED, direct I/O; if the file system refuses direct I/O it
 * attaches buffered and logs a warning. NAME labels it in logs. 0, -EINVAL (bad size or not a regular
 * file), -ERANGE (file shorter than SIZELIMIT), -EBADF (descriptor opened
 * without the access needed), or another negative errno. */
int loopdev_attach(int file_fd, const char *name, uint64_t sizelimit, unsigned flags,
		   struct loopdev *out);

/* The loop device (offset 0) over the file DEV/INO, with SIZELIMIT (0: any).
 * 0 or -ENOENT. */
int loopdev_find(dev_t dev, ino_t ino, uint64_t sizelimit, struct loopdev *out);

/* Every attached loop device (one scan of /sys/block), malloc'd in *OUT
 * (free() it). 0 or a negative errno. For callers with many files to look
 * up: one scan instead of one per file. */
int loopdev_list(struct loopdev **out, size_t *n);

/* loopdev_find() for FILE_FD's file, else loopdev_attach(): idempotent, for
 * the reconciler. A device found with other read-only flags does not count.
 * A device found without direct I/O gets it (unless LOOPDEV_BUFFERED), and
 * any device no I/O scheduler, as loopdev_attach() gives a new one. */
int loopdev_ensure(int file_fd, const char *name, uint64_t sizelimit, unsigned flags,
		   struct loopdev *out);

/* The state of DEV ("/dev/loopN"). -ENXIO when nothing is attached. */
int loopdev_info(const char *dev, struct loopdev *out);

/* Detaches DEV. 0: detached; 1: still open elsewhere (a target), so the kernel
 * detaches it when the last user closes it (autoclear); -ENXIO: nothing was
 * attached; another negative errno on failure. */
int loopdev_detach(const char *dev);

#endif
