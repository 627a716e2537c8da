/* Holding tgtd's I/O for a moment (a snapshot set taken at one instant,
 * docs/snapshots.md "Consistency"): SIGSTOP, then wait until every thread
 * of tgtd is stopped. A thread inside a read or write finishes that system
 * call first, so once all are stopped every write tgtd acknowledged is in
 * its backing file and no new one starts; SIGCONT resumes. Initiators see
 * a few milliseconds of latency (TCP buffers meanwhile). If istmd died in
 * between, the next UP of the backend sends SIGCONT (tgt_backend.c). */
#include "backend/tgt_hold.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Whether every task of PID is stopped ('T' or 't' in its stat). */
static int all_stopped(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return -errno;
	int stopped = 1;
	struct dirent *e;
	while (stopped && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char stat[320], buf[512];
		snprintf(stat, sizeof(stat), "/proc/%d/task/%s/stat", (int)pid, e->d_name);
		int fd = open(stat, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* the thread is gone */
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		const char *paren = strrchr(buf, ')'); /* the name may hold spaces */
		if (paren != NULL && paren[1] == ' ' && paren[2] != 'T' && paren[2] != 't')
			stopped = 0;
	}
	closedir(d);
	return stopped;
}

int tgt_hold_io(pid_t pid, bool hold, unsigned timeout_ms)
{
	if (pid <= 0)
		return -ENOTCONN;
	if (!hold)
		return kill(pid, SIGCONT) == 0 ? 0 : -errno;
	if (kill(pid, SIGSTOP) != 0)
		return -errno;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int rc = all_stopped(pid);
		if (rc != 0) {
			if (rc < 0)
				kill(pid, SIGCONT);
			return rc < 0 ? rc : 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms >= (long)timeout_ms) {
			kill(pid, SIGCONT);
			return -ETIMEDOUT;
		}
		struct timespec nap = { 0, 200000 }; /* 0.2 ms */
		nanosleep(&nap, NULL);
	}
}
