/* istmd-vhdfs processes (vhdfs_ctl.h). */
#include "backend/vhdfs_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUSE_SUPER_MAGIC 0x65735546
#define IMAGE_FD 3
#define READY_FD 4
#define MAX_ARGS 80

static void names(const struct vhdfs_conf *vc, dev_t dev, ino_t ino, char *mnt, char *pidf,
		  char *logf)
{
	unsigned long long d = (unsigned long long)dev, i = (unsigned long long)ino;
	snprintf(mnt, PATH_MAX, "%s/%llx-%llx", vc->run_dir, d, i);
	snprintf(pidf, PATH_MAX, "%s/%llx-%llx.pid", vc->run_dir, d, i);
	if (logf != NULL)
		snprintf(logf, PATH_MAX, "%s/%llx-%llx.log", vc->run_dir, d, i);
}

int vhdfs_default_binary(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash == NULL)
		return -ENOENT;
	*slash = '\0';
	if ((size_t)snprintf(buf, len, "%s/istmd-vhdfs", exe) >= len)
		return -ENAMETOOLONG;
	return 0;
}

bool vhdfs_pid_alive(pid_t pid)
{
	if (pid <= 0 || kill(pid, 0) < 0)
		return false;
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return false;
	bool ok = fgets(comm, sizeof(comm), f) != NULL && strncmp(comm, "istmd-vhdfs", 11) == 0;
	fclose(f);
	/* A zombie (killed, not yet reaped by its parent) is dead for us. */
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (ok && (f = fopen(path, "re")) != NULL) {
		char line[256] = "";
		if (fgets(line, sizeof(line), f) != NULL) {
			char *p = strrchr(line, ')');
			if (p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
				ok = false;
		}
		fclose(f);
	}
	return ok;
}

/* Whether PID is the istmd-vhdfs of mount point MNT (its command line has
 * "--mount MNT"): a pid file can outlive its process, and the pid be reused
 * by the server of another disk, which must never be touched. */
static bool serves(pid_t pid, const char *mnt)
{
	if (!vhdfs_pid_alive(pid))
		return false;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return false;
	static const size_t max = 3 * PATH_MAX;
	char *buf = malloc(max);
	size_t n = buf != NULL ? fread(buf, 1, max - 1, f) : 0;
	fclose(f);
	bool found = false, after_mount = false;
	if (buf != NULL)
		buf[n] = '\0';
	for (size_t i = 0; buf != NULL && i < n && !found; i += strlen(buf + i) + 1) {
		found = after_mount && strcmp(buf + i, mnt) == 0;
		after_mount = strcmp(buf + i, "--mount") == 0;
	}
	free(buf);
	return found;
}

static pid_t read_pid(const char *pidf)
{
	FILE *f = fopen(pidf, "re");
	if (f == NULL)
		return -ENOENT;
	long pid = -1;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = -1;
	fclose(f);
	return pid > 0 ? (pid_t)pid : -ENOENT;
}

/* The raw file of PID's mount MNT, seen through PID's own root: a process
 * started by an earlier istmd may live in another mount namespace (a
 * service with PrivateMounts=), where our path would show an empty
 * directory, and a second server on the same image must never start. */
static void disk_via(pid_t pid, const char *mnt, char *out, size_t len)
{
	if (pid > 0)
		snprintf(out, len, "/proc/%ld/root%s/disk", (long)pid, mnt);
	else
		snprintf(out, len, "%s/disk", mnt);
}

/* Whether MNT is a live FUSE mount with its raw file (seen from PID's mount
 * namespace when PID > 0). */
static int mount_state_of(pid_t pid, const char *mnt)
{
	char disk[PATH_MAX + 64];
	disk_via(pid, mnt, disk, sizeof(disk));
	struct statfs sf;
	if (statfs(disk, &sf) < 0)
		return -errno; /* ENOTCONN: a dead FUSE mount */
	if ((unsigned long)sf.f_type != FUSE_SUPER_MAGIC)
		return -ENOENT;
	struct stat st;
	return stat(disk, &st) < 0 ? -errno : 0;
}

pid_t vhdfs_find(const struct vhdfs_conf *vc, dev_t dev, ino_t ino)
{
	char mnt[PATH_MAX], pidf[PATH_MAX];
	names(vc, dev, ino, mnt, pidf, NULL);
	pid_t pid = read_pid(pidf);
	if (pid < 0)
		return pid;
	if (!serves(pid, mnt))
		return -ENOENT;
	int r = mount_state_of(pid, mnt);
	return r == 0 ? pid : (r == -ENOENT ? -ENOENT : -ENOTCONN);
}

/* A dead or stale mount at MNT goes (lazily: a loop device may still hold it). */
static void clear_mount(const char *mnt)
{
	for (int i = 0; i < 4; i++) {
		struct statfs sf;
		if (statfs(mnt, &sf) == 0 ? (unsigned long)sf.f_type != FUSE_SUPER_MAGIC
					  : errno != ENOTCONN)
			return; /* a plain directory, or nothing */
		if (umount2(mnt, MNT_DETACH) < 0)
			return;
	}
}

static void say(char *reason, size_t len, const char *fmt, const char *a, const char *b)
{
	if (reason != NULL)
		snprintf(reason, len, fmt, a, b);
}

/* The last line of the log, for the reason. */
static void log_tail(const char *logf, char *out, size_t len)
{
	out[0] = '\0';
	FILE *f = fopen(logf, "re");
	if (f == NULL)
		return;
	char line[256];
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "istmd-vhdfs:", 12) == 0)
			snprintf(out, len, "%s", line);
	fclose(f);
	size_t n = strlen(out);
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
}

static int spawn(const struct vhdfs_conf *vc, int image_fd, const char *posix, const char *mnt,
		 const char *pidf, const char *logf, pid_t *out, char *reason, size_t len)
{
	char *argv[MAX_ARGS];
	char nums[4][32];
	char roots[26][PATH_MAX + 4];
	int n = 0;
	argv[n++] = (char *)vc->binary;
	argv[n++] = "--fd";
	argv[n++] = "3";
	argv[n++] = "--ready-fd";
	argv[n++] = "4";
	argv[n++] = "--path";
	argv[n++] = (char *)posix;
	argv[n++] = "--mount";
	argv[n++] = (char *)mnt;
	argv[n++] = "--pidfile";
	argv[n++] = (char *)pidf;
	for (size_t i = 0; vc->sp != NULL && i < vc->sp->count && i < 26; i++) {
		snprintf(roots[i], sizeof(roots[i]), "%c=%s", vc->sp->roots[i].letter,
			 vc->sp->roots[i].path);
		argv[n++] = "--root";
		argv[n++] = roots[i];
	}
	if (vc->max_depth != 0) {
		snprintf(nums[0], sizeof(nums[0]), "%u", vc->max_depth);
		argv[n++] = "--max-depth";
		argv[n++] = nums[0];
	}
	if (vc->bitmap_cache != 0) {
		snprintf(nums[1], sizeof(nums[1]), "%u", vc->bitmap_cache);
		argv[n++] = "--bitmap-cache";
		argv[n++] = nums[1];
	}
	argv[n] = NULL;

	int rdy[2];
	if (pipe2(rdy, O_CLOEXEC) < 0)
		return -errno;
	int logfd = open(logf, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* Sources above the targets, so that no dup2 clobbers another source. */
	int src_img = fcntl(image_fd, F_DUPFD_CLOEXEC, 10);
	int src_rdy = fcntl(rdy[1], F_DUPFD_CLOEXEC, 10);
	int src_log = logfd >= 0 ? fcntl(logfd, F_DUPFD_CLOEXEC, 10) : -1;
	int src_nul = nul >= 0 ? fcntl(nul, F_DUPFD_CLOEXEC, 10) : -1;
	pid_t child = -1;
	if (src_img >= 0 && src_rdy >= 0 && src_log >= 0 && src_nul >= 0)
		child = fork();
	if (child == 0) {
		/* Only async-signal-safe calls from here (a threaded parent). */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int s = 1; s < 32; s++)
			if (s != SIGKILL && s != SIGSTOP)
				signal(s, SIG_DFL);
		setsid();
		if (fork() != 0)
			_exit(0); /* the grandchild is reparented: never istmd's zombie */
		dup2(src_nul, 0);
		dup2(src_nul, 1);
		dup2(src_log, 2);
		dup2(src_img, IMAGE_FD);
		dup2(src_rdy, READY_FD);
		close_range(READY_FD + 1, ~0u, 0);
		execv(vc->binary, argv);
		_exit(127);
	}
	int err = child < 0 ? errno : 0;
	close(rdy[1]);
	if (src_img >= 0)
		close(src_img);
	if (src_rdy >= 0)
		close(src_rdy);
	if (src_log >= 0)
		close(src_log);
	if (src_nul >= 0)
		close(src_nul);
	if (logfd >= 0)
		close(logfd);
	if (nul >= 0)
		close(nul);
	if (child < 0) {
		close(rdy[0]);
		say(reason, len, "cannot start %s: %s", vc->binary, strerror(err ? err : EMFILE));
		return err ? -err : -EMFILE;
	}
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	struct pollfd pfd = { .fd = rdy[0], .events = POLLIN };
	int timeout = vc->start_timeout_ms != 0 ? (int)vc->start_timeout_ms : 10000;
	int r = poll(&pfd, 1, timeout);
	char c = 0;
	bool ok = r == 1 && read(rdy[0], &c, 1) == 1 && c == '1';
	close(rdy[0]);
	if (!ok) {
		char tail[400];
		log_tail(logf, tail, sizeof(tail));
		say(reason, len, "istmd-vhdfs did not start (%s; log %s)",
		    tail[0] ? tail : (r == 0 ? "timed out" : "exited"), logf);
		pid_t pid = read_pid(pidf);
		if (pid > 0 && serves(pid, mnt))
			kill(pid, SIGKILL);
		return r == 0 ? -ETIMEDOUT : -EIO;
	}
	*out = read_pid(pidf);
	return *out > 0 ? 0 : -EIO;
}

int vhdfs_ensure(const struct vhdfs_conf *vc, int image_fd, const char *posix,
		 const struct stat *st, int *file_fd, pid_t *pid, bool *started, char *reason,
		 size_t len)
{
	char mnt[PATH_MAX], pidf[PATH_MAX], logf[PATH_MAX], disk[PATH_MAX + 64];
	names(vc, st->st_dev, st->st_ino, mnt, pidf, logf);
	snprintf(disk, sizeof(disk), "%s/disk", mnt);
	*started = false;

	pid_t live = vhdfs_find(vc, st->st_dev, st->st_ino);
	if (live < 0) {
		pid_t old = read_pid(pidf);
		if (old > 0 && serves(old, mnt)) { /* alive but its mount is gone: hung */
			kill(old, SIGKILL);
			for (int i = 0; i < 100 && vhdfs_pid_alive(old); i++)
				usleep(10000);
		}
		if (mkdir(vc->run_dir, 0700) < 0 && errno != EEXIST) {
			int e = errno;
			say(reason, len, "cannot create %s: %s", vc->run_dir, strerror(e));
			return -e;
		}
		clear_mount(mnt);
		if (mkdir(mnt, 0700) < 0 && errno != EEXIST) {
			int e = errno;
			say(reason, len, "cannot create %s: %s", mnt, strerror(e));
			return -e;
		}
		unlink(pidf);
		int r = spawn(vc, image_fd, posix, mnt, pidf, logf, &live, reason, len);
		if (r < 0)
			return r;
		*started = true;
	}
	disk_via(live, mnt, disk, sizeof(disk));
	int fd = open(disk, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		say(reason, len, "cannot open %s: %s", disk, strerror(e));
		return -e;
	}
	*file_fd = fd;
	*pid = live;
	return 0;
}

int vhdfs_stop(const struct vhdfs_conf *vc, dev_t dev, ino_t ino)
{
	char mnt[PATH_MAX], pidf[PATH_MAX];
	names(vc, dev, ino, mnt, pidf, NULL);
	pid_t pid = read_pid(pidf);
	if (pid > 0 && serves(pid, mnt)) {
		kill(pid, SIGTERM);
		for (int i = 0; i < 500 && vhdfs_pid_alive(pid); i++)
			usleep(10000);
		if (vhdfs_pid_alive(pid))
			kill(pid, SIGKILL);
	}
	clear_mount(mnt);
	rmdir(mnt);
	unlink(pidf);
	return 0;
}
