#include "backend/tgt_monitor.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "istmd/log.h"

struct tgt_monitor {
	struct tevent_context *ev;
	char *path;
	unsigned interval_ms;
	tgt_monitor_fn fn;
	void *priv;
	int fd;
	struct tevent_fd *fde;
	struct tevent_timer *timer;
	pid_t pid;     /* the tgtd we last saw, 0 if none */
	bool reported; /* whether fn has been called at all */
	bool up;
};

static void monitor_try(struct tgt_monitor *m);

static void monitor_close(struct tgt_monitor *m)
{
	TALLOC_FREE(m->fde);
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

static int monitor_destructor(struct tgt_monitor *m)
{
	monitor_close(m);
	return 0;
}

static void report(struct tgt_monitor *m, bool up, pid_t pid)
{
	if (!up) {
		if (m->reported && !m->up)
			return;
		m->reported = true;
		m->up = false;
		m->fn(false, 0, m->priv);
		return;
	}
	if (m->reported && m->up && m->pid == pid && pid != 0)
		return; /* the same tgtd: only our connection had broken */
	if (m->reported && m->up) {
		/* A new tgtd replaced the old one between two looks. */
		m->up = false;
		m->fn(false, 0, m->priv);
	}
	m->reported = true;
	m->up = true;
	m->pid = pid;
	m->fn(true, pid, m->priv);
}

static void on_timer(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		     void *priv)
{
	struct tgt_monitor *m = priv;
	m->timer = NULL;
	monitor_try(m);
}

static void schedule_retry(struct tgt_monitor *m)
{
	TALLOC_FREE(m->timer);
	m->timer = tevent_add_timer(m->ev, m, tevent_timeval_current_ofs(
		m->interval_ms / 1000, (m->interval_ms % 1000) * 1000), on_timer, m);
	if (m->timer == NULL)
		log_err("cannot schedule the tgtd watch: out of memory");
}

static void on_readable(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags,
			void *priv)
{
	struct tgt_monitor *m = priv;
	char byte;
	ssize_t n = recv(m->fd, &byte, 1, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF, an error, or (never expected) data: the watch is over. */
	monitor_close(m);
	log_info("tgtd control connection closed (tgtd pid %d)", (int)m->pid);
	monitor_try(m); /* tgtd may still be there (a broken connection) */
}

static void monitor_try(struct tgt_monitor *m)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", m->path);

	monitor_close(m);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("tgtd watch: socket: %s", strerror(errno));
		schedule_retry(m);
		return;
	}
	/* AF_UNIX connects at once or fails at once (EAGAIN: backlog full). */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		report(m, false, 0);
		schedule_retry(m);
		return;
	}
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		cred.pid = 0;
	}
	m->fd = fd;
	m->fde = tevent_add_fd(m->ev, m, fd, TEVENT_FD_READ, on_readable, m);
	if (m->fde == NULL) {
		monitor_close(m);
		schedule_retry(m);
		return;
	}
	report(m, true, cred.pid);
}

struct tgt_monitor *tgt_monitor_start(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				      const char *socket_path, unsigned interval_ms,
				      tgt_monitor_fn fn, void *priv)
{
	struct tgt_monitor *m = talloc_zero(mem_ctx, struct tgt_monitor);
	if (m == NULL)
		return NULL;
	m->ev = ev;
	m->fd = -1;
	m->path = talloc_strdup(m, socket_path);
	m->interval_ms = interval_ms ? interval_ms : 200;
	m->fn = fn;
	m->priv = priv;
	if (m->path == NULL) {
		talloc_free(m);
		return NULL;
	}
	talloc_set_destructor(m, monitor_destructor);
	/* From the loop, so that the caller has its monitor pointer first. */
	m->timer = tevent_add_timer(ev, m, tevent_timeval_zero(), on_timer, m);
	if (m->timer == NULL) {
		talloc_free(m);
		return NULL;
	}
	return m;
}
