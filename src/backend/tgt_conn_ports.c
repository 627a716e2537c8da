/* Ports of tgtd's connections, off the event loop (tgt_conn_ports.h). */
#include "backend/tgt_conn_ports.h"

#include <errno.h>
#include <string.h>

#include "backend/session_auth.h"
#include "backend/tgt_sockets.h"
#include "istmd/treq.h"
#include "istmd/workpool.h"

struct tgt_ports {
	struct tgt_ports_raw raw;
	struct session_auth *auth; /* as first seen (session_auth.h) */
	struct workpool *pool; /* one thread: procfs reads */
	struct tgt_port_map *map;
	const char *proc;
	pid_t pid;
};

struct tgt_ports *tgt_ports_new(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				const struct tgt_ports_raw *raw, const char *proc)
{
	struct tgt_ports *p = talloc_zero(mem_ctx, struct tgt_ports);
	if (p == NULL)
		return NULL;
	p->raw = *raw;
	p->pool = workpool_create(p, ev, 1);
	p->map = tgt_port_map_new(p);
	p->auth = session_auth_new(p);
	p->proc = talloc_strdup(p, proc);
	if (p->pool == NULL || p->map == NULL || p->auth == NULL || p->proc == NULL) {
		talloc_free(p);
		return NULL;
	}
	return p;
}

void tgt_ports_set_pid(struct tgt_ports *p, pid_t pid)
{
	if (pid != p->pid) {
		tgt_port_map_reset(p->map);
		session_auth_reset(p->auth);
	}
	p->pid = pid;
}

/* ---- reading the sockets on the workpool ---- */

struct read_job {
	char *proc;
	pid_t pid;
	int rc;
	struct tgt_socket *sockets;
	size_t n;
};

static void read_job_run(void *priv)
{
	struct read_job *j = priv;
	/* talloc below the job's state only (workpool.h) */
	j->rc = tgt_sockets_read(j, j->proc, j->pid, &j->sockets, &j->n);
}

static struct tevent_req *read_send(TALLOC_CTX *mem, struct tevent_context *ev,
				    struct tgt_ports *p)
{
	struct read_job *j = talloc_zero(NULL, struct read_job);
	if (j == NULL || (j->proc = talloc_strdup(j, p->proc)) == NULL) {
		talloc_free(j);
		return NULL;
	}
	j->pid = p->pid;
	return workpool_run_send(mem, ev, p->pool, read_job_run, j);
}

/* 0 with the sockets on MEM, or a negative errno. */
static int read_recv(struct tevent_req *req, TALLOC_CTX *mem, struct tgt_socket **sockets,
		     size_t *n)
{
	void *priv = NULL;
	int rc = workpool_run_recv(req, mem, &priv);
	if (rc < 0)
		return rc;
	struct read_job *j = priv;
	if (j->rc < 0)
		return j->rc;
	*sockets = j->sockets;
	*n = j->n;
	return 0;
}

/* ---- sessions(): the raw listing, then the sockets ---- */

struct ports_state {
	struct tevent_context *ev;
	struct iscsi_backend *be;
	struct tgt_ports *p;
	struct iscsi_session_info *sessions; /* what is returned */
	size_t n;
	struct tgt_socket *sockets;
	size_t n_sockets;
	struct iscsi_session_info *all; /* nexus: every connection, to learn from */
	size_t n_all;
	bool iqn; /* sessions: of one target only */
};

static void sessions_listed(struct tevent_req *subreq);
static void sessions_sockets(struct tevent_req *subreq);

struct tevent_req *tgt_ports_sessions_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					   struct iscsi_backend *be, const char *iqn)
{
	struct ports_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct ports_state);
	if (req == NULL)
		return NULL;
	*s = (struct ports_state){ .ev = ev, .be = be, .p = tgt_backend_ports(be),
				   .iqn = iqn != NULL };
	struct tevent_req *subreq = s->p->raw.sessions_send(s, ev, be, iqn);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, sessions_listed, req);
	return req;
}

static void sessions_listed(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct ports_state *s = tevent_req_data(req, struct ports_state);
	int rc = s->p->raw.sessions_recv(subreq, s, &s->sessions, &s->n);
	talloc_free(subreq);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	session_auth_first(s->p->auth, s->sessions, s->n, !s->iqn);
	if (s->p->pid <= 0 || s->n == 0) {
		tevent_req_done(req);
		return;
	}
	subreq = read_send(s, s->ev, s->p);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, sessions_sockets, req);
}

static void sessions_sockets(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct ports_state *s = tevent_req_data(req, struct ports_state);
	struct tgt_socket *sockets = NULL;
	size_t n = 0;
	/* Unreadable (tgtd gone meanwhile): the ports stay unknown. */
	if (read_recv(subreq, s, &sockets, &n) == 0)
		tgt_sockets_match(s->p->map, s->sessions, sockets, n, s->sessions, s->n);
	talloc_free(subreq);
	tevent_req_done(req);
}

static int ports_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
		      struct iscsi_session_info **sessions, size_t *n_sessions)
{
	struct ports_state *s = tevent_req_data(req, struct ports_state);
	int rc = treq_errno(req);
	if (rc < 0)
		return rc;
	*sessions = s->sessions ? talloc_steal(mem_ctx, s->sessions)
				: talloc_zero_array(mem_ctx, struct iscsi_session_info, 0);
	*n_sessions = s->n;
	return *sessions != NULL ? 0 : -ENOMEM;
}

int tgt_ports_sessions_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			    struct iscsi_session_info **sessions, size_t *n_sessions)
{
	return ports_recv(req, mem_ctx, sessions, n_sessions);
}

/* ---- nexus() (the login poll): TSIHs, and a look at the connections
 * when a socket is new ---- */

static void nexus_listed(struct tevent_req *subreq);
static void nexus_sockets(struct tevent_req *subreq);
static void nexus_conns(struct tevent_req *subreq);

struct tevent_req *tgt_ports_nexus_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					struct iscsi_backend *be)
{
	struct ports_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct ports_state);
	if (req == NULL)
		return NULL;
	*s = (struct ports_state){ .ev = ev, .be = be, .p = tgt_backend_ports(be) };
	struct tevent_req *subreq = s->p->raw.nexus_send(s, ev, be);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, nexus_listed, req);
	return req;
}

static void nexus_listed(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct ports_state *s = tevent_req_data(req, struct ports_state);
	int rc = s->p->raw.nexus_recv(subreq, s, &s->sessions, &s->n);
	talloc_free(subreq);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	session_auth_first(s->p->auth, s->sessions, s->n, true);
	/* No session, nothing to learn: an idle tgtd costs one request. */
	if (s->p->pid <= 0 || s->n == 0) {
		tevent_req_done(req);
		return;
	}
	subreq = read_send(s, s->ev, s->p);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, nexus_sockets, req);
}

static void nexus_sockets(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct ports_state *s = tevent_req_data(req, struct ports_state);
	int rc = read_recv(subreq, s, &s->sockets, &s->n_sockets);
	talloc_free(subreq);
	if (rc < 0 || !tgt_port_map_wants_look(s->p->map, s->sockets, s->n_sockets)) {
		tevent_req_done(req);
		return;
	}
	subreq = s->p->raw.sessions_send(s, s->ev, s->be, NULL);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, nexus_conns, req);
}

static void nexus_conns(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct ports_state *s = tevent_req_data(req, struct ports_state);
	/* A failed look only delays the learning: the poll's answer stands. */
	if (s->p->raw.sessions_recv(subreq, s, &s->all, &s->n_all) == 0)
		tgt_sockets_match(s->p->map, s->all, s->sockets, s->n_sockets, s->all, s->n_all);
	talloc_free(subreq);
	tevent_req_done(req);
}

int tgt_ports_nexus_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			 struct iscsi_session_info **sessions, size_t *n_sessions)
{
	return ports_recv(req, mem_ctx, sessions, n_sessions);
}
