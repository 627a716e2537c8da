/* The LIO backend's tevent side: each operation is one job on a worker
 * pool of one thread (configfs writes may block on the kernel, and one at a
 * time keeps a target's steps in order), and a timer that watches whether
 * configfs and iscsi_target_mod are there (UP/DOWN).
 *
 * Initiator ports: LIO's ACL info names a connection's address, not its
 * port. Its connections are kernel sockets on the portals' local ends, in
 * /proc/net/tcp (read by the sessions job, on the worker); which socket is
 * which connection is learnt on the loop as with tgt (tgt_sockets.h): only
 * when certain, so two connections that appear at once from one address
 * keep port 0 until one of them is told apart. */
#include "backend/lio_backend.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "backend/lio_internal.h"
#include "backend/session_auth.h"
#include "backend/tgt_sockets.h"
#include "istmd/log.h"
#include "istmd/treq.h"
#include "istmd/workpool.h"

struct lio_backend {
	struct iscsi_backend base;
	struct lio_ctx ctx;
	struct workpool *pool;
	struct tevent_timer *watch;
	unsigned watch_ms;
	uint64_t generations;
	char **reported; /* foreign WWNs already named in the log */
	bool probing, probe_failed;
	/* NOP-In settings applied per target: LIO keeps them on node ACLs,
	 * so a target with dynamic ACLs only ("*") cannot show them */
	struct lio_nop *nops;
	size_t n_nops;
	struct tgt_port_map *ports; /* which socket is which connection */
	struct session_auth *auth;  /* sessions' authentication as first seen */
	/* each applied target's own portals (SetPortalConfig re-applies np) */
	struct lio_own_portals *own;
	size_t n_own;
};

struct lio_nop {
	char *iqn;
	uint32_t interval, count;
};

static void remember_nop(struct lio_backend *lb, const struct iscsi_target *want)
{
	struct lio_nop *e = NULL;
	for (size_t i = 0; i < lb->n_nops && e == NULL; i++)
		if (strcasecmp(lb->nops[i].iqn, want->iqn) == 0)
			e = &lb->nops[i];
	if (e == NULL) {
		struct lio_nop *more = talloc_realloc(lb, lb->nops, struct lio_nop, lb->n_nops + 1);
		if (more == NULL)
			return;
		lb->nops = more;
		e = &more[lb->n_nops];
		e->iqn = talloc_strdup(more, want->iqn);
		if (e->iqn == NULL)
			return;
		lb->n_nops++;
	}
	e->interval = want->params.nop_interval;
	e->count = want->params.nop_count;
}

/* For a target without node ACLs: what istmd applied. */
static void fill_nop(const struct lio_backend *lb, struct iscsi_target *t)
{
	for (size_t i = 0; i < t->n_acl; i++)
		if (t->acl[i].kind == ISCSI_ACL_IQN)
			return;
	for (size_t i = 0; i < lb->n_nops; i++)
		if (strcasecmp(lb->nops[i].iqn, t->iqn) == 0) {
			t->params.nop_interval = lb->nops[i].interval;
			t->params.nop_count = lb->nops[i].count;
		}
}

/* Remembers the portals WANT names itself (none: the default listeners),
 * for SetPortalConfig and for list(). */
static void remember_own(struct lio_backend *lb, const struct iscsi_target *want)
{
	struct lio_own_portals *e = NULL;
	for (size_t i = 0; i < lb->n_own && e == NULL; i++)
		if (strcasecmp(lb->own[i].iqn, want->iqn) == 0)
			e = &lb->own[i];
	if (e == NULL) {
		struct lio_own_portals *more =
			talloc_realloc(lb, lb->own, struct lio_own_portals, lb->n_own + 1);
		if (more == NULL)
			return;
		lb->own = more;
		e = &more[lb->n_own];
		*e = (struct lio_own_portals){ .iqn = talloc_strdup(more, want->iqn) };
		if (e->iqn == NULL)
			return;
		lb->n_own++;
	}
	TALLOC_FREE(e->portals);
	e->n_portals = 0;
	e->portals = talloc_zero_array(lb->own, struct iscsi_portal, want->n_portals + 1);
	for (size_t i = 0; e->portals != NULL && i < want->n_portals; i++) {
		e->portals[i].port = want->portals[i].port;
		e->portals[i].address = talloc_strdup(e->portals, want->portals[i].address);
		if (e->portals[i].address != NULL)
			e->n_portals++;
	}
}

/* The listeners switched off (SetPortalConfig bUse = false). */
static int switched_off(const struct iscsi_backend *be, TALLOC_CTX *mem,
			struct iscsi_portal **out, size_t *n)
{
	*out = talloc_zero_array(mem, struct iscsi_portal, be->n_settings + 1);
	if (*out == NULL)
		return -ENOMEM;
	*n = 0;
	for (size_t i = 0; i < be->n_settings; i++)
		if (!be->settings[i].listen) {
			(*out)[*n].port = be->settings[i].port;
			(*out)[*n].address = talloc_strdup(*out, be->settings[i].address);
			if ((*out)[(*n)++].address == NULL)
				return -ENOMEM;
		}
	return 0;
}

/* A target's own portals that are switched off are not in np; list()
 * shows them anyway, so that drift detection does not re-apply the
 * target at every pass for a listener the administrator switched off. */
static void fill_own_off(const struct lio_backend *lb, TALLOC_CTX *mem, struct iscsi_target *t)
{
	for (size_t i = 0; i < lb->n_own; i++) {
		const struct lio_own_portals *e = &lb->own[i];
		if (strcasecmp(e->iqn, t->iqn) != 0)
			continue;
		for (size_t k = 0; k < e->n_portals; k++) {
			bool there = false;
			for (size_t j = 0; j < t->n_portals && !there; j++)
				there = t->portals[j].port == e->portals[k].port &&
					iscsi_same_address(t->portals[j].address,
							   e->portals[k].address);
			if (there || !iscsi_backend_portal_disabled(&lb->base, e->portals[k].address,
								    e->portals[k].port))
				continue;
			struct iscsi_portal *more = talloc_realloc(mem, t->portals, struct iscsi_portal,
								   t->n_portals + 1);
			if (more == NULL)
				return;
			t->portals = more;
			more[t->n_portals].port = e->portals[k].port;
			more[t->n_portals].address = talloc_strdup(more, e->portals[k].address);
			if (more[t->n_portals].address != NULL)
				t->n_portals++;
		}
	}
}

enum lio_op { LIO_APPLY, LIO_REMOVE, LIO_LIST, LIO_SESSIONS, LIO_PORTALS };

/* Everything a job needs, in its own talloc tree (workpool rules). */
struct lio_job {
	enum lio_op op;
	struct lio_ctx ctx;
	struct iscsi_target *want;
	struct iscsi_portal *portals;
	size_t n_portals;
	char *iqn;
	int rc;
	char *why;
	struct iscsi_target *targets;
	size_t n_targets;
	char **foreign;
	size_t n_foreign;
	struct iscsi_session_info *sessions;
	size_t n_sessions;
	struct tgt_socket *sockets; /* LIO's connections (LIO_SESSIONS) */
	size_t n_sockets;
	bool have_sockets;
	struct lio_portal_plan plan;
	struct iscsi_portal *live;
	size_t n_live;
};

/* The established sockets on LIO's portals; unreadable: none (ports 0). */
static void read_sockets(struct lio_job *j)
{
	struct iscsi_portal *portals;
	size_t n;
	if (lio_all_portals(j, &j->ctx, &portals, &n) != 0 ||
	    tgt_sockets_read_local(j, "/proc", portals, n, &j->sockets, &j->n_sockets) != 0) {
		j->sockets = NULL;
		j->n_sockets = 0;
		return;
	}
	j->have_sockets = true;
}

static void lio_job_run(void *arg)
{
	struct lio_job *j = arg;
	switch (j->op) {
	case LIO_APPLY:
		j->rc = lio_apply(j, &j->ctx, j->want, j->portals, j->n_portals, &j->why);
		break;
	case LIO_REMOVE:
		j->rc = lio_remove(j, &j->ctx, j->iqn, &j->why);
		break;
	case LIO_LIST:
		j->rc = lio_list(j, &j->ctx, &j->targets, &j->n_targets, &j->foreign,
				 &j->n_foreign);
		break;
	case LIO_SESSIONS:
		j->rc = lio_sessions(j, &j->ctx, j->iqn, &j->sessions, &j->n_sessions);
		if (j->rc == 0 && j->n_sessions > 0)
			read_sockets(j);
		break;
	case LIO_PORTALS:
		j->rc = lio_portals(j, &j->ctx, &j->plan, &j->live, &j->n_live, &j->why);
		break;
	}
}

struct lio_req_state {
	struct lio_backend *lb;
	struct lio_job *job;
};

static void lio_req_done(struct tevent_req *subreq);

static struct tevent_req *lio_req_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				       struct lio_backend *lb, struct lio_job *j)
{
	struct lio_req_state *state;
	struct tevent_req *req = tevent_req_create(mem_ctx, &state, struct lio_req_state);
	if (req == NULL) {
		talloc_free(j);
		return NULL;
	}
	state->lb = lb;
	if (j == NULL || (j->ctx.root = talloc_strdup(j, lb->ctx.root)) == NULL ||
	    (j->ctx.hba = talloc_strdup(j, lb->ctx.hba)) == NULL ||
	    (j->ctx.owned = talloc_strdup(j, lb->ctx.owned)) == NULL) {
		talloc_free(j);
		tevent_req_error(req, ENOMEM);
		return tevent_req_post(req, ev);
	}
	if (!lb->base.up) {
		talloc_free(j);
		tevent_req_error(req, ENOTCONN);
		return tevent_req_post(req, ev);
	}
	struct tevent_req *subreq = workpool_run_send(state, ev, lb->pool, lio_job_run, j);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, lio_req_done, req);
	return req;
}

static bool reported(struct lio_backend *lb, const char *iqn)
{
	size_t n = talloc_array_length(lb->reported);
	for (size_t i = 0; i < n; i++)
		if (strcmp(lb->reported[i], iqn) == 0)
			return true;
	char **more = talloc_realloc(lb, lb->reported, char *, n + 1);
	if (more != NULL) {
		lb->reported = more;
		more[n] = talloc_strdup(more, iqn);
	}
	return false;
}

static void lio_req_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct lio_req_state *state = tevent_req_data(req, struct lio_req_state);
	void *job = NULL;
	int rc = workpool_run_recv(subreq, state, &job);
	TALLOC_FREE(subreq);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	state->job = job;
	struct lio_job *j = state->job;
	for (size_t i = 0; j->op == LIO_LIST && j->rc == 0 && i < j->n_targets; i++) {
		fill_nop(state->lb, &j->targets[i]);
		fill_own_off(state->lb, j, &j->targets[i]);
	}
	if (j->op == LIO_APPLY && j->rc == 0)
		remember_nop(state->lb, j->want);
	/* LIO's info files do not say how a session authenticated: the TPG's
	 * setting when it was first seen (as with tgt) */
	if (j->op == LIO_SESSIONS && j->rc == 0 && state->lb->auth != NULL)
		session_auth_first(state->lb->auth, j->sessions, j->n_sessions, j->iqn == NULL);
	if (j->op == LIO_SESSIONS && j->rc == 0 && j->have_sockets && state->lb->ports != NULL)
		/* the strings on the sessions array: callers keep only that */
		tgt_sockets_match(state->lb->ports, j->sessions, j->sockets, j->n_sockets,
				  j->sessions, j->n_sessions);
	for (size_t i = 0; j->op == LIO_LIST && j->rc == 0 && i < j->n_foreign; i++)
		if (!reported(state->lb, j->foreign[i]))
			log_notice("lio: target %s was not created by istmd: reported, never "
				   "changed", j->foreign[i]);
	if (j->rc != 0) {
		if (j->why != NULL)
			log_warn("lio: %s", j->why);
		tevent_req_error(req, -j->rc);
		return;
	}
	tevent_req_done(req);
}

static struct lio_job *job_new(enum lio_op op)
{
	struct lio_job *j = talloc_zero(NULL, struct lio_job);
	if (j != NULL)
		j->op = op;
	return j;
}

static struct tevent_req *lio_apply_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					 struct iscsi_backend *be, const struct iscsi_target *want)
{
	struct lio_backend *lb = (struct lio_backend *)be;
	char *why = NULL;
	if (iscsi_target_validate(want, &be->caps, NULL, &why) != 0) {
		log_warn("lio: target %s: %s", want->iqn ? want->iqn : "?", why ? why : "invalid");
		talloc_free(why);
		struct tevent_req *req;
		struct lio_req_state *state;
		req = tevent_req_create(mem_ctx, &state, struct lio_req_state);
		if (req == NULL)
			return NULL;
		tevent_req_error(req, EINVAL);
		return tevent_req_post(req, ev);
	}
	struct lio_job *j = job_new(LIO_APPLY);
	if (j != NULL) {
		j->want = iscsi_target_copy(j, want);
		if (j->want == NULL ||
		    iscsi_backend_listeners(be, j, &j->portals, &j->n_portals) != 0)
			TALLOC_FREE(j);
	}
	if (j != NULL && want->n_portals > 0) {
		/* its own portals, without the listeners switched off */
		struct iscsi_portal *off;
		size_t n_off;
		if (switched_off(be, j, &off, &n_off) != 0 ||
		    lio_portals_filter(j, want->portals, want->n_portals, off, n_off,
				       &j->portals, &j->n_portals) != 0)
			TALLOC_FREE(j);
		else
			j->want->n_portals = 0; /* lio_apply() uses j->portals */
	}
	if (j != NULL)
		remember_own(lb, want);
	return lio_req_send(mem_ctx, ev, lb, j);
}

/* The finished job, handed to MEM_CTX with what it read; NULL on error
 * (*RC set). */
static struct lio_job *lio_job_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx, int *rc)
{
	struct lio_req_state *state = tevent_req_data(req, struct lio_req_state);
	*rc = treq_errno(req);
	return *rc != 0 ? NULL : talloc_steal(mem_ctx, state->job);
}

static int lio_plain_recv(struct tevent_req *req)
{
	return treq_errno(req);
}

static struct tevent_req *lio_remove_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					  struct iscsi_backend *be, const char *iqn)
{
	struct lio_backend *lb = (struct lio_backend *)be;
	for (size_t i = 0; iqn != NULL && i < lb->n_own; i++)
		if (strcasecmp(lb->own[i].iqn, iqn) == 0) {
			/* the list stays one array: the last entry takes its place */
			talloc_free(lb->own[i].iqn);
			talloc_free(lb->own[i].portals);
			lb->own[i] = lb->own[--lb->n_own];
			break;
		}
	struct lio_job *j = job_new(LIO_REMOVE);
	if (j != NULL && (j->iqn = talloc_strdup(j, iqn)) == NULL)
		TALLOC_FREE(j);
	return lio_req_send(mem_ctx, ev, (struct lio_backend *)be, j);
}

static struct tevent_req *lio_list_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					struct iscsi_backend *be)
{
	return lio_req_send(mem_ctx, ev, (struct lio_backend *)be, job_new(LIO_LIST));
}

static int lio_list_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			 struct iscsi_target **targets, size_t *n_targets)
{
	int rc;
	struct lio_job *j = lio_job_recv(req, mem_ctx, &rc);
	if (j == NULL)
		return rc;
	*targets = j->targets;
	*n_targets = j->n_targets;
	return 0;
}

static struct tevent_req *lio_sessions_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    struct iscsi_backend *be, const char *iqn)
{
	struct lio_job *j = job_new(LIO_SESSIONS);
	if (j != NULL && iqn != NULL && (j->iqn = talloc_strdup(j, iqn)) == NULL)
		TALLOC_FREE(j);
	return lio_req_send(mem_ctx, ev, (struct lio_backend *)be, j);
}

static int lio_sessions_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			     struct iscsi_session_info **sessions, size_t *n_sessions)
{
	int rc;
	struct lio_job *j = lio_job_recv(req, mem_ctx, &rc);
	if (j == NULL)
		return rc;
	*sessions = j->sessions;
	*n_sessions = j->n_sessions;
	return 0;
}

static struct tevent_req *lio_nexus_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					 struct iscsi_backend *be)
{
	return lio_sessions_send(mem_ctx, ev, be, NULL);
}

static struct tevent_req *lio_portals_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					   struct iscsi_backend *be)
{
	struct lio_backend *lb = (struct lio_backend *)be;
	struct lio_job *j = job_new(LIO_PORTALS);
	struct lio_portal_plan *p = j ? &j->plan : NULL;
	if (p != NULL &&
	    (iscsi_backend_listeners(be, j, &p->listeners, &p->n_listeners) != 0 ||
	     switched_off(be, j, &p->off, &p->n_off) != 0 ||
	     (p->own = talloc_zero_array(j, struct lio_own_portals, lb->n_own + 1)) == NULL))
		TALLOC_FREE(j);
	for (size_t i = 0; j != NULL && i < lb->n_own; i++) {
		struct lio_own_portals *o = &j->plan.own[i];
		o->iqn = talloc_strdup(j, lb->own[i].iqn);
		o->portals = talloc_zero_array(j, struct iscsi_portal, lb->own[i].n_portals + 1);
		if (o->iqn == NULL || o->portals == NULL) {
			TALLOC_FREE(j);
			break;
		}
		for (size_t k = 0; k < lb->own[i].n_portals; k++) {
			o->portals[k].port = lb->own[i].portals[k].port;
			o->portals[k].address = talloc_strdup(o->portals,
							      lb->own[i].portals[k].address);
		}
		o->n_portals = lb->own[i].n_portals;
		j->plan.n_own++;
	}
	return lio_req_send(mem_ctx, ev, lb, j);
}

static int lio_portals_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			    struct iscsi_portal **live, size_t *n_live)
{
	int rc;
	struct lio_job *j = lio_job_recv(req, mem_ctx, &rc);
	if (j == NULL)
		return rc;
	*live = j->live;
	*n_live = j->n_live;
	return 0;
}

static const struct iscsi_backend_ops lio_ops = {
	.name = "lio",
	.apply_send = lio_apply_send,
	.apply_recv = lio_plain_recv,
	.remove_send = lio_remove_send,
	.remove_recv = lio_plain_recv,
	.list_send = lio_list_send,
	.list_recv = lio_list_recv,
	.sessions_send = lio_sessions_send,
	.sessions_recv = lio_sessions_recv,
	.nexus_send = lio_nexus_send,
	.nexus_recv = lio_sessions_recv,
	.portals_send = lio_portals_send,
	.portals_recv = lio_portals_recv,
};

/* configfs creates the fabric's directory on the first mkdir (loading
 * iscsi_target_mod if it can): on the worker, as that may wait. */
static void lio_probe_run(void *arg)
{
	struct lio_job *j = arg;
	char *dir = talloc_asprintf(j, "%s/iscsi", j->ctx.root);
	if (dir != NULL && lio_exists(j->ctx.root))
		j->rc = lio_mkdir(dir);
}

static void lio_probe_done(struct tevent_req *subreq)
{
	struct lio_backend *lb = tevent_req_callback_data(subreq, struct lio_backend);
	void *job = NULL;
	if (workpool_run_recv(subreq, subreq, &job) == 0 && ((struct lio_job *)job)->rc != 0 &&
	    !lb->probe_failed) {
		lb->probe_failed = true;
		log_warn("lio: cannot create %s/iscsi: %s", lb->ctx.root,
			 strerror(-((struct lio_job *)job)->rc));
	}
	talloc_free(subreq);
	lb->probing = false;
}

static void lio_probe(struct lio_backend *lb)
{
	if (lb->probing)
		return;
	struct lio_job *j = job_new(LIO_LIST);
	if (j == NULL || (j->ctx.root = talloc_strdup(j, lb->ctx.root)) == NULL) {
		talloc_free(j);
		return;
	}
	struct tevent_req *subreq = workpool_run_send(lb, lb->base.ev, lb->pool, lio_probe_run, j);
	if (subreq == NULL)
		return;
	lb->probing = true;
	tevent_req_set_callback(subreq, lio_probe_done, lb);
}

/* configfs with the iSCSI fabric loaded: a stat of configfs, in memory. */
static void lio_watch(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		      void *priv)
{
	struct lio_backend *lb = priv;
	char path[4096];
	snprintf(path, sizeof(path), "%s/iscsi", lb->ctx.root);
	struct stat st;
	bool there = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	if (!there)
		lio_probe(lb);
	if (there && !lb->base.up) {
		log_notice("lio: %s is there: the backend is up", path);
		iscsi_backend_notify(&lb->base, ISCSI_BACKEND_UP, ++lb->generations);
	} else if (!there && lb->base.up) {
		log_warn("lio: %s is gone (configfs unmounted or iscsi_target_mod unloaded)",
			 path);
		iscsi_backend_notify(&lb->base, ISCSI_BACKEND_DOWN, lb->generations);
	} else if (!there && lb->generations == 0 && te == NULL) {
		log_warn("lio: %s does not exist: load iscsi_target_mod and mount configfs "
			 "(see docs/lio-backend.md); waiting for it", path);
	}
	lb->watch = tevent_add_timer(ev, lb, tevent_timeval_current_ofs(lb->watch_ms / 1000,
								       (lb->watch_ms % 1000) * 1000),
				     lio_watch, lb);
}

int lio_backend_new(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		    const struct lio_backend_options *opts, struct iscsi_backend **out)
{
	struct lio_backend *lb = talloc_zero(mem_ctx, struct lio_backend);
	if (lb == NULL)
		return -ENOMEM;
	iscsi_backend_init(&lb->base, &lio_ops, ev);
	lb->base.caps = (struct iscsi_backend_caps){
		/* LUN 0 could be a disk with LIO, but a console sees the same
		 * numbers whichever backend serves it (tgt's LUN 0 is its
		 * controller); LIO answers REPORT LUNS through its virtual LUN 0 */
		.min_lun = 1,
		.max_lun = LIO_MAX_LUN,
		.max_luns_per_target = LIO_MAX_LUN,
		.per_target_portals = true,
		.global_chap_users = false,
		.session_isid = true,
		.exact_lun_size = true,
		.file_luns = true,
		.iqn_acls_only = true,
	};
	lb->ctx.root = talloc_strdup(lb, opts->configfs ? opts->configfs
						      : "/sys/kernel/config/target");
	lb->ctx.hba = talloc_strdup(lb, opts->hba ? opts->hba : "fileio_4242");
	lb->ctx.owned = talloc_asprintf(lb, "%s/lio-owned", opts->state_dir ? opts->state_dir
									      : ".");
	struct iscsi_portal *portals = talloc_zero_array(lb, struct iscsi_portal,
							 opts->n_portals + 1);
	for (size_t i = 0; portals != NULL && i < opts->n_portals; i++) {
		portals[i].port = opts->portals[i].port;
		portals[i].address = talloc_strdup(portals, opts->portals[i].address);
		if (portals[i].address == NULL)
			TALLOC_FREE(portals);
	}
	lb->base.portals = portals;
	lb->base.n_portals = opts->n_portals;
	lb->pool = workpool_create(lb, ev, 1);
	lb->ports = tgt_port_map_new(lb);
	lb->auth = session_auth_new(lb);
	lb->watch_ms = opts->watch_interval_ms ? opts->watch_interval_ms : 2000;
	if (lb->ctx.root == NULL || lb->ctx.hba == NULL || lb->ctx.owned == NULL ||
	    lb->base.portals == NULL || lb->pool == NULL || lb->ports == NULL || lb->auth == NULL) {
		talloc_free(lb);
		return -ENOMEM;
	}
	lio_watch(ev, NULL, tevent_timeval_current(), lb);
	if (lb->watch == NULL) {
		talloc_free(lb);
		return -ENOMEM;
	}
	*out = &lb->base;
	return 0;
}
