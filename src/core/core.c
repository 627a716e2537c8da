/* The core object: opening (store, recovery, model, reconciler), the
 * synchronous lookups from memory, the service identity. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "core/core_internal.h"
#include "core/recover.h"
#include "core/snapshots_internal.h"
#include "core/rules.h"
#include "core/store.h"
#include "istmd/config.h"
#include "istmd/log.h"
#include "istmd/workpool.h"

#define CORE_IO_THREADS 4

static const struct core_loop_ops default_loop_ops = {
	.ensure = loopdev_ensure,
	.find = loopdev_find,
	.list = loopdev_list,
	.info = loopdev_info,
	.detach = loopdev_detach,
};

int core_options_from_config(TALLOC_CTX *mem, struct cfg *cfg, struct core_options *opts,
			     char **err)
{
	uint64_t interval = 0;
	memset(opts, 0, sizeof(*opts));
	opts->state_dir = cfg_get(cfg, "state", "dir", "/var/lib/istmd");
	opts->target_iqn_prefix = cfg_get(cfg, "state", "target_iqn_prefix",
					  CORE_DEFAULT_IQN_PREFIX);
	if (cfg_get_uint(cfg, "state", "reconcile_interval", CORE_DEFAULT_RECONCILE_INTERVAL, 1,
			 86400, &interval, err) != 0)
		return -EINVAL;
	opts->reconcile_interval_s = (unsigned)interval;
	if (cfg_get_uint(cfg, "state", "login_poll_interval_ms", CORE_DEFAULT_LOGIN_POLL_MS, 0,
			 60000, &interval, err) != 0)
		return -EINVAL;
	opts->login_poll_interval_ms = (unsigned)interval;
	/* RFC 3720 12.2: 1 to 65535. */
	if (cfg_get_uint(cfg, "iscsi", "max_connections", CORE_DEFAULT_MAX_CONNECTIONS, 1, 65535,
			 &interval, err) != 0)
		return -EINVAL;
	opts->max_connections = (unsigned)interval;
	if (opts->state_dir[0] != '/') {
		*err = talloc_asprintf(mem, "%s: [state] dir must be an absolute path",
				       cfg_path(cfg));
		return -EINVAL;
	}
	/* The prefix must leave a valid iSCSI name once ":host-name-target" is added. */
	char *probe = talloc_asprintf(mem, "%s:h-n-target", opts->target_iqn_prefix);
	bool ok = probe != NULL && iscsi_name_valid(probe) && strchr(opts->target_iqn_prefix, ':') == NULL;
	talloc_free(probe);
	if (!ok) {
		*err = talloc_asprintf(mem, "%s: [state] target_iqn_prefix '%s' is not an IQN "
				       "prefix like iqn.2025-01.com.example",
				       cfg_path(cfg), opts->target_iqn_prefix);
		return -EINVAL;
	}
	return 0;
}

/* Where the parts of a core freed while busy go (see core_close_send()):
 * a worker's completion scheduled on the loop must never be freed before it
 * runs (tevent aborts), so a busy core's pools and store are kept, not freed. */
static TALLOC_CTX *graveyard;

static bool core_busy(const struct core *c)
{
	return c->n_ops > 0 || c->n_background > 0 || reconciler_busy(c);
}

static int core_destructor(struct core *c)
{
	bool busy = core_busy(c);
	c->closing = true;
	TALLOC_FREE(c->rec);
	if (busy) {
		log_err("the core was freed while busy; its worker threads are left to finish "
			"(use core_close_send)");
		if (graveyard == NULL)
			graveyard = talloc_named_const(NULL, 0, "core graveyard");
		talloc_steal(graveyard, c->store_pool);
		if (c->io_pool != NULL && talloc_parent(c->io_pool) == c)
			talloc_steal(graveyard, c->io_pool);
		talloc_steal(graveyard, c->store);
		return 0;
	}
	/* Idle: the threads stop (the store thread after its last job), then
	 * the database closes. */
	TALLOC_FREE(c->store_pool);
	if (c->io_pool != NULL && talloc_parent(c->io_pool) == c)
		TALLOC_FREE(c->io_pool);
	TALLOC_FREE(c->store);
	return 0;
}

void core_quiesce_check(struct core *c)
{
	if (!c->quiescing || core_busy(c) || c->n_closers == 0)
		return;
	struct tevent_req **closers = c->closers;
	size_t n = c->n_closers;
	c->closers = NULL;
	c->n_closers = 0;
	for (size_t i = 0; i < n; i++)
		tevent_req_done(closers[i]);
	talloc_free(closers);
}

struct close_state {
	struct core *c;
};

static int close_state_destructor(struct close_state *s)
{
	struct core *c = s->c;
	struct tevent_req *req = talloc_parent(s);
	for (size_t i = 0; c != NULL && i < c->n_closers; i++) {
		if (c->closers[i] == req) {
			c->closers[i] = c->closers[--c->n_closers];
			break;
		}
	}
	return 0;
}

struct tevent_req *core_close_send(TALLOC_CTX *mem, struct core *c)
{
	struct close_state *s;
	struct tevent_req *req = tevent_req_create(mem, &s, struct close_state);
	if (req == NULL)
		return NULL;
	c->quiescing = true;
	reconciler_quiesce(c);
	if (!core_busy(c)) {
		tevent_req_done(req);
		return tevent_req_post(req, c->ev);
	}
	struct tevent_req **list = talloc_realloc(c, c->closers, struct tevent_req *, c->n_closers + 1);
	if (tevent_req_nomem(list, req))
		return tevent_req_post(req, c->ev);
	c->closers = list;
	list[c->n_closers++] = req;
	s->c = c;
	talloc_set_destructor(s, close_state_destructor);
	return req;
}

int core_close_recv(struct tevent_req *req)
{
	struct close_state *s = tevent_req_data(req, struct close_state);
	s->c = NULL;
	enum tevent_req_state rs;
	uint64_t err;
	if (tevent_req_is_error(req, &rs, &err))
		return rs == TEVENT_REQ_USER_ERROR ? -(int)err : -ENOMEM;
	return 0;
}

struct open_job {
	char *dir;
	const struct storage_paths *sp;
	struct store *store;
	struct model *model;
	int rc;
	char *why;
};

static void open_job_run(void *p)
{
	struct open_job *j = p;
	j->rc = store_open(j, j->dir, &j->store, &j->why);
	if (j->rc == 0)
		j->rc = store_load(j->store, j, &j->model, &j->why);
	if (j->rc == 0)
		recover_intents(j->store, j->sp, j->model);
	if (j->rc == 0)
		j->rc = snapshots_open(j->store, j->sp, j->model, &j->why);
}

struct open_state {
	struct core *c;
	char *why;
};

static void open_done(struct tevent_req *subreq);

struct tevent_req *core_open_send(TALLOC_CTX *mem, struct tevent_context *ev,
				  const struct core_options *opts)
{
	struct open_state *state;
	struct tevent_req *req = tevent_req_create(mem, &state, struct open_state);
	if (req == NULL)
		return NULL;
	if (opts->state_dir == NULL || opts->storage == NULL) {
		state->why = talloc_strdup(state, "the core needs a state directory and storage");
		tevent_req_error(req, EINVAL);
		return tevent_req_post(req, ev);
	}
	struct core *c = talloc_zero(state, struct core);
	if (tevent_req_nomem(c, req))
		return tevent_req_post(req, ev);
	state->c = c;
	talloc_set_destructor(c, core_destructor);
	c->ev = ev;
	c->sp = opts->storage;
	c->backend = opts->backend;
	c->loop = opts->loop_ops ? opts->loop_ops : &default_loop_ops;
	c->vhdfs = opts->vhdfs;
	c->state_dir = talloc_strdup(c, opts->state_dir);
	c->iqn_prefix = talloc_strdup(c, opts->target_iqn_prefix ? opts->target_iqn_prefix
								 : CORE_DEFAULT_IQN_PREFIX);
	char host[256] = "localhost";
	if (opts->hostname == NULL && gethostname(host, sizeof(host) - 1) != 0)
		strcpy(host, "localhost");
	c->hostname = talloc_strdup(c, opts->hostname ? opts->hostname : host);
	c->reconcile_interval_s = opts->reconcile_interval_s ? opts->reconcile_interval_s
							     : CORE_DEFAULT_RECONCILE_INTERVAL;
	c->login_poll_interval_ms = opts->login_poll_interval_ms;
	c->max_connections = opts->max_connections;
	c->crash_point = opts->crash_point;
	c->crash_priv = opts->crash_priv;
	c->defer_reconcile = opts->defer_reconcile;
	if (c->backend != NULL) {
		c->caps = *iscsi_backend_caps(c->backend);
	} else {
		/* No backend: the widest SAM-3 flat-space range. */
		c->caps.min_lun = 0;
		c->caps.max_lun = 16383;
		c->caps.max_luns_per_target = CORE_MAX_LUNS_PER_TARGET;
	}
	c->store_pool = workpool_create(c, ev, 1);
	c->io_pool = opts->io_pool ? opts->io_pool : workpool_create(c, ev, CORE_IO_THREADS);
	c->turn_queue = talloc_zero_array(c, struct op *, 0);
	struct open_job *j = talloc_zero(NULL, struct open_job);
	if (c->state_dir == NULL || c->iqn_prefix == NULL || c->hostname == NULL ||
	    c->store_pool == NULL || c->io_pool == NULL || c->turn_queue == NULL || j == NULL ||
	    (j->dir = talloc_strdup(j, opts->state_dir)) == NULL) {
		talloc_free(j);
		tevent_req_oom(req);
		return tevent_req_post(req, ev);
	}
	j->sp = opts->storage;
	struct tevent_req *subreq = workpool_run_send(state, ev, c->store_pool, open_job_run, j);
	if (tevent_req_nomem(subreq, req)) {
		talloc_free(j);
		return tevent_req_post(req, ev);
	}
	c->n_background++; /* the open job: freeing the core now must not free its pool */
	tevent_req_set_callback(subreq, open_done, req);
	return req;
}

/* IDs stored while another backend enforced them (docs/compat.md,
 * "Backends: tgt and LIO"): said once at start, kept and removable. */
static void warn_unenforced_ids(const struct core *c)
{
	if (!c->caps.iqn_acls_only)
		return;
	for (size_t i = 0; i < c->model->n_targets; i++) {
		const struct core_target *t = c->model->targets[i]->t;
		for (size_t k = 0; k < t->n_ids; k++)
			if (t->ids[k].method == CORE_ID_IP || t->ids[k].method == CORE_ID_IPV6 ||
			    t->ids[k].method == CORE_ID_DNS)
				log_warn("target %s: the %s backend controls access by IQN only; "
					 "the initiator ID %s:%s grants nothing",
					 t->iqn, iscsi_backend_name(c->backend),
					 core_id_method_name(t->ids[k].method), t->ids[k].value);
	}
}

static void open_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct open_state *state = tevent_req_data(req, struct open_state);
	struct core *c = state->c;
	struct open_job *j = NULL;
	int rc = workpool_run_recv(subreq, state, (void **)&j);
	talloc_free(subreq);
	c->n_background--;
	if (rc == 0 && j->rc < 0) {
		rc = j->rc;
		state->why = talloc_steal(state, j->why);
	}
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	c->store = talloc_steal(c, j->store);
	c->model = talloc_steal(c, j->model);
	talloc_free(j);
	struct model *m = c->model;
	if (m->service_name[0] == '\0') {
		talloc_free(m->service_name);
		m->service_name = talloc_strdup(m, c->hostname);
	}
	for (size_t i = 0; i < m->n_disks; i++)
		model_disk_derive(c, m->disks[i]->d);
	warn_unenforced_ids(c);
	if (rc == 0)
		rc = core_portal_settings_push(c);
	if (rc == 0)
		rc = c->defer_reconcile ? 0 : reconciler_start(c);
	if (rc == 0)
		snapshots_start(c);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	log_notice("state %s: %zu target(s), %zu virtual disk(s), service %s", c->state_dir,
		   m->n_targets, m->n_disks, m->service_guid);
	tevent_req_done(req);
}

int core_reconcile_start(struct core *c)
{
	return c->rec != NULL ? 0 : reconciler_start(c);
}

void core_keep_foreign_targets(struct core *c, bool keep)
{
	c->keep_foreign = keep;
}

int core_open_recv(struct tevent_req *req, TALLOC_CTX *mem, struct core **core, char **why)
{
	struct open_state *state = tevent_req_data(req, struct open_state);
	enum tevent_req_state rs;
	uint64_t err;
	if (why != NULL)
		*why = NULL;
	if (tevent_req_is_error(req, &rs, &err)) {
		if (why != NULL && state->why != NULL)
			*why = talloc_steal(mem, state->why);
		return rs == TEVENT_REQ_USER_ERROR ? -(int)err : -ENOMEM;
	}
	*core = talloc_steal(mem, state->c);
	state->c = NULL;
	return 0;
}

/* ---- identity ---- */

const char *core_service_guid(const struct core *c)
{
	return c->model->service_guid;
}

const char *core_service_name(const struct core *c)
{
	return c->model->service_name;
}

struct set_name_state {
	char *name;
};

static void set_name_committed(struct op *op);

static void set_name_start(struct op *op)
{
	struct set_name_state *s = op->state;
	if (rules_text(s->name, CORE_TEXT_MAX, false) < 0) {
		op_finish(op, -EINVAL, "the name is empty, too long or not UTF-8");
		return;
	}
	struct store_tx *tx = store_tx_new(op);
	if (tx == NULL || store_tx_set_meta(tx, STORE_META_SERVICE_NAME, s->name) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_store(op, tx, set_name_committed);
}

static void set_name_committed(struct op *op)
{
	struct set_name_state *s = op->state;
	if (op->rc == 0) {
		struct model *m = op->c->model;
		talloc_free(m->service_name);
		m->service_name = talloc_steal(m, s->name);
	}
	op_finish(op, op->rc, NULL);
}

struct tevent_req *core_service_set_name_send(TALLOC_CTX *mem, struct core *c, const char *name)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, "set the service name",
					 sizeof(struct set_name_state), set_name_start, &op);
	if (req != NULL && tevent_req_is_in_progress(req)) {
		struct set_name_state *s = op->state;
		s->name = talloc_strdup(op, name ? name : "");
	}
	return req;
}

int core_service_set_name_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}

void core_lun_range(const struct core *c, uint32_t *min_lun, uint32_t *max_lun,
		    uint32_t *max_luns)
{
	if (min_lun != NULL)
		*min_lun = c->caps.min_lun;
	if (max_lun != NULL)
		*max_lun = c->caps.max_lun;
	if (max_luns != NULL)
		*max_luns = c->caps.max_luns_per_target < CORE_MAX_LUNS_PER_TARGET
				    ? c->caps.max_luns_per_target
				    : CORE_MAX_LUNS_PER_TARGET;
}

/* ---- lookups ---- */

struct core_target *core_target_by_guid(TALLOC_CTX *mem, const struct core *c, const char *guid)
{
	const struct mtarget *mt = model_target_by_guid(c->model, guid);
	if (mt == NULL) {
		errno = ENOENT;
		return NULL;
	}
	return core_target_dup(mem, mt->t);
}

struct core_target *core_target_by_name(TALLOC_CTX *mem, const struct core *c, const char *name)
{
	const struct mtarget *mt = model_target_by_name(c->model, name);
	if (mt == NULL) {
		errno = ENOENT;
		return NULL;
	}
	return core_target_dup(mem, mt->t);
}

struct core_target *core_target_by_iqn(TALLOC_CTX *mem, const struct core *c, const char *iqn)
{
	const struct mtarget *mt = model_target_by_iqn(c->model, iqn);
	if (mt == NULL) {
		errno = ENOENT;
		return NULL;
	}
	return core_target_dup(mem, mt->t);
}

size_t core_target_count(const struct core *c)
{
	return c->model->n_targets;
}

size_t core_disk_count(const struct core *c)
{
	return c->model->n_disks;
}

int core_target_guids(TALLOC_CTX *mem, const struct core *c, char ***guids, size_t *n)
{
	const struct model *m = c->model;
	char **list = talloc_zero_array(mem, char *, m->n_targets + 1);
	if (list == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_targets; i++) {
		list[i] = talloc_strdup(list, m->targets[i]->t->guid);
		if (list[i] == NULL) {
			talloc_free(list);
			return -ENOMEM;
		}
	}
	*guids = list;
	*n = m->n_targets;
	return 0;
}

int core_target_list(TALLOC_CTX *mem, const struct core *c, struct core_target ***targets,
		     size_t *n)
{
	const struct model *m = c->model;
	struct core_target **list = talloc_zero_array(mem, struct core_target *, m->n_targets + 1);
	if (list == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_targets; i++) {
		list[i] = core_target_dup(list, m->targets[i]->t);
		if (list[i] == NULL) {
			talloc_free(list);
			return -ENOMEM;
		}
	}
	*targets = list;
	*n = m->n_targets;
	return 0;
}

char *core_target_default_iqn(TALLOC_CTX *mem, const struct core *c, const char *name)
{
	return rules_default_iqn(mem, c, name);
}

int core_target_state(TALLOC_CTX *mem, const struct core *c, const char *guid,
		      struct core_target_state *out)
{
	const struct mtarget *mt = model_target_by_guid(c->model, guid);
	if (mt == NULL)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->applied = mt->live.applied;
	out->error = mt->live.error;
	out->reason = mt->live.reason ? talloc_strdup(mem, mt->live.reason) : NULL;
	out->n_sessions = mt->live.n_sessions;
	out->n_luns_unserved = mt->live.n_unserved;
	return 0;
}

struct core_disk *core_disk_by_wtd(TALLOC_CTX *mem, const struct core *c, uint32_t wtd)
{
	const struct mdisk *md = model_disk(c->model, wtd);
	if (md == NULL) {
		errno = ENOENT;
		return NULL;
	}
	return core_disk_dup(mem, md->d);
}

struct core_disk *core_disk_by_path(TALLOC_CTX *mem, const struct core *c, const char *path,
				    size_t path_len)
{
	struct storage_path *p = NULL;
	int rc = storage_path_parse_n(mem, c->sp, path, path_len ? path_len : strlen(path), &p);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	const struct mdisk *md = model_disk_by_path(c->model, p->posix);
	talloc_free(p);
	if (md == NULL) {
		errno = ENOENT;
		return NULL;
	}
	return core_disk_dup(mem, md->d);
}

int core_disk_list(TALLOC_CTX *mem, const struct core *c, struct core_disk ***disks, size_t *n)
{
	const struct model *m = c->model;
	struct core_disk **list = talloc_zero_array(mem, struct core_disk *, m->n_disks + 1);
	if (list == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_disks; i++) {
		list[i] = core_disk_dup(list, m->disks[i]->d);
		if (list[i] == NULL) {
			talloc_free(list);
			return -ENOMEM;
		}
	}
	*disks = list;
	*n = m->n_disks;
	return 0;
}

int core_disk_targets(TALLOC_CTX *mem, const struct core *c, uint32_t wtd, char ***guids,
		      size_t *n)
{
	const struct model *m = c->model;
	if (model_disk(m, wtd) == NULL)
		return -ENOENT;
	char **list = talloc_zero_array(mem, char *, m->n_targets + 1);
	size_t k = 0;
	if (list == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_targets; i++) {
		const struct core_target *t = m->targets[i]->t;
		for (size_t j = 0; j < t->n_luns; j++) {
			if (t->luns[j].wtd != wtd)
				continue;
			if ((list[k++] = talloc_strdup(list, t->guid)) == NULL) {
				talloc_free(list);
				return -ENOMEM;
			}
			break;
		}
	}
	*guids = list;
	*n = k;
	return 0;
}
