/* Starting, finding and stopping istmd-vhdfs processes (src/vhdfs/main.c),
 * one per served dynamic or differencing disk (docs/vhd-serving.md).
 *
 * A process is known by the identity (st_dev, st_ino) of the image it
 * serves: RUN_DIR/<dev>-<ino>/ is its mount point (the raw file is
 * RUN_DIR/<dev>-<ino>/disk), RUN_DIR/<dev>-<ino>.pid its pid file and
 * RUN_DIR/<dev>-<ino>.log its standard error. It runs in a session of its
 * own, not as istmd's child, so it outlives istmd restarts and crashes;
 * a restarted istmd finds it again through the pid file.
 *
 * Every call blocks (fork, waiting for the mount, stat of a FUSE file):
 * workpool threads only. Thread-safe. */
#ifndef ISTMD_BACKEND_VHDFS_CTL_H
#define ISTMD_BACKEND_VHDFS_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "backend/storage_paths.h"

struct vhdfs_conf {
	const char *binary;           /* istmd-vhdfs */
	const char *run_dir;          /* created 0700 when missing */
	unsigned max_depth;           /* 0: default */
	unsigned bitmap_cache;        /* 0: default */
	unsigned start_timeout_ms;    /* 0: 10 s */
	unsigned check_interval_ms;   /* how often istmd checks the processes; 0: 1 s */
	const struct storage_paths *sp; /* the roots, passed on as --root L=PATH */
};

/* The path of istmd-vhdfs next to the running executable ("/proc/self/exe"),
 * in BUF. 0 or a negative errno. */
int vhdfs_default_binary(char *buf, size_t len);

/* Makes sure a live istmd-vhdfs serves the image IMAGE_FD (open read-write
 * beneath its root, POSIX its path there, ST its fstat): reuses the running
 * one, else cleans up after a dead one (lazy unmount) and starts a new one.
 * On success *FILE_FD is the raw file, open read-write, *PID the process and
 * *STARTED whether it was started now. REASON (LEN bytes) says what failed. */
int vhdfs_ensure(const struct vhdfs_conf *vc, int image_fd, const char *posix,
		 const struct stat *st, int *file_fd, pid_t *pid, bool *started, char *reason,
		 size_t len);

/* The pid of the live istmd-vhdfs serving DEV/INO, or a negative errno
 * (-ENOENT: none; -ENOTCONN: its mount is dead). */
pid_t vhdfs_find(const struct vhdfs_conf *vc, dev_t dev, ino_t ino);

/* Whether PID is still an istmd-vhdfs process (kill(0) and /proc/PID/comm):
 * cheap, does not touch the mount. */
bool vhdfs_pid_alive(pid_t pid);

/* Stops the istmd-vhdfs of DEV/INO, if any: SIGTERM (it flushes and
 * unmounts), SIGKILL after 5 s, then removes the mount point and pid file.
 * 0 or a negative errno. */
int vhdfs_stop(const struct vhdfs_conf *vc, dev_t dev, ino_t ino);

#endif
