#include "tgtd_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TGTD "/usr/sbin/tgtd"

bool tgtd_available(const char **why)
{
	if (geteuid() != 0) {
		*why = "tgtd and loop devices need root";
		return false;
	}
	if (access(TGTD, X_OK) != 0) {
		*why = TGTD " is not installed (Debian package tgt)";
		return false;
	}
	return true;
}

static bool port_free(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

bool tgtd_pick(struct tgtd *t, const char *log_dir)
{
	memset(t, 0, sizeof(*t));
	unsigned seed = (unsigned)getpid();
	for (unsigned i = 0; i < 200; i++) {
		unsigned n = 20000 + (seed + i * 7919) % 10000;
		uint16_t port = (uint16_t)(40000 + (seed + i * 104729) % 20000);
		char path[100], lock[140];
		snprintf(path, sizeof(path), "/var/run/tgtd/socket.%u", n);
		snprintf(lock, sizeof(lock), "%s.lock", path);
		if (access(path, F_OK) == 0 || access(lock, F_OK) == 0 || !port_free(port))
			continue;
		t->control_port = n;
		t->iscsi_port = port;
		snprintf(t->socket_path, sizeof(t->socket_path), "%s", path);
		snprintf(t->portal, sizeof(t->portal), "127.0.0.1:%u", port);
		snprintf(t->log_path, sizeof(t->log_path), "%s/tgtd.%u.log", log_dir, n);
		return true;
	}
	return false;
}

static bool socket_answers(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

int tgtd_start(struct tgtd *t)
{
	char control[16], portal[96];
	snprintf(control, sizeof(control), "%u", t->control_port);
	snprintf(portal, sizeof(portal), "portal=%s", t->portal);
	char *argv[] = { TGTD, "-f", "-C", control, "--iscsi", portal, NULL };

	int log_fd = open(t->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0)
		return -errno;
	pid_t parent = getpid();
	t->pid = fork();
	if (t->pid < 0) {
		close(log_fd);
		return -errno;
	}
	if (t->pid == 0) {
		/* tgtd must not outlive a test that crashes */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		int null_fd = open("/dev/null", O_RDONLY);
		dup2(null_fd, STDIN_FILENO);
		dup2(log_fd, STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
		execv(TGTD, argv);
		_exit(127);
	}
	close(log_fd);

	for (int i = 0; i < 500; i++) {
		if (socket_answers(t->socket_path))
			return 0;
		int status;
		if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
			t->pid = 0;
			return -ECHILD;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	tgtd_kill(t);
	return -ETIMEDOUT;
}

void tgtd_kill(struct tgtd *t)
{
	if (t->pid <= 0)
		return;
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	t->pid = 0;
	/* tgtd leaves its socket behind when killed; the next one replaces it. */
}
