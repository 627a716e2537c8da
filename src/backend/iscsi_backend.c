/* The backend-neutral part of the iSCSI target interface: dispatch through
 * the ops table, UP/DOWN events, validation and comparison of descriptions,
 * and [iscsi] configuration. */
#include "backend/iscsi_backend.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "backend/lio_backend.h"
#include "backend/tgt_backend.h"
#include "istmd/config.h"
#include "istmd/log.h"
#include "istmd/treq.h"

void iscsi_backend_init(struct iscsi_backend *be, const struct iscsi_backend_ops *ops,
			struct tevent_context *ev)
{
	be->ops = ops;
	be->ev = ev;
	be->event_fn = NULL;
	be->event_priv = NULL;
	be->up = false;
	be->generation = 0;
	be->replay = NULL;
}

void iscsi_backend_notify(struct iscsi_backend *be, enum iscsi_backend_event event,
			  uint64_t generation)
{
	be->up = event == ISCSI_BACKEND_UP;
	be->generation = generation;
	if (be->event_fn != NULL)
		be->event_fn(event, generation, be->event_priv);
}

static void replay_up(struct tevent_context *ev, struct tevent_immediate *im, void *priv)
{
	struct iscsi_backend *be = priv;
	if (be->up && be->event_fn != NULL)
		be->event_fn(ISCSI_BACKEND_UP, be->generation, be->event_priv);
}

void iscsi_backend_set_event_fn(struct iscsi_backend *be, iscsi_backend_event_fn fn,
				void *priv)
{
	be->event_fn = fn;
	be->event_priv = priv;
	if (fn == NULL || !be->up)
		return;
	if (be->replay == NULL)
		be->replay = tevent_create_immediate(be);
	if (be->replay != NULL)
		tevent_schedule_immediate(be->replay, be->ev, replay_up, be);
}

bool iscsi_backend_is_up(const struct iscsi_backend *be, uint64_t *generation)
{
	if (generation != NULL)
		*generation = be->generation;
	return be->up;
}

const struct iscsi_backend_caps *iscsi_backend_caps(const struct iscsi_backend *be)
{
	return &be->caps;
}

const char *iscsi_backend_name(const struct iscsi_backend *be)
{
	return be->ops->name;
}

int iscsi_backend_hold_io(struct iscsi_backend *be, bool hold)
{
	return be->ops->hold_io != NULL ? be->ops->hold_io(be, hold) : -ENOTSUP;
}

const struct iscsi_portal *iscsi_backend_portals(const struct iscsi_backend *be, size_t *n)
{
	*n = be->n_portals;
	return be->portals;
}

/* The generic calls wrap the backend's request so that recv can reach the
 * backend's own recv function (a tevent_req does not know its backend). */
enum be_call { BE_APPLY, BE_REMOVE, BE_LIST, BE_SESSIONS, BE_NEXUS };

struct be_call_state {
	struct iscsi_backend *be;
	enum be_call call;
	struct iscsi_target *targets;
	size_t n_targets;
	struct iscsi_session_info *sessions;
	size_t n_sessions;
};

static void be_call_done(struct tevent_req *subreq);

static struct tevent_req *be_call_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				       struct iscsi_backend *be, enum be_call call,
				       const struct iscsi_target *want, const char *iqn)
{
	struct be_call_state *state;
	struct tevent_req *req = tevent_req_create(mem_ctx, &state, struct be_call_state);
	if (req == NULL)
		return NULL;
	state->be = be;
	state->call = call;

	struct tevent_req *subreq = NULL;
	switch (call) {
	case BE_APPLY:
		subreq = be->ops->apply_send(state, ev, be, want);
		break;
	case BE_REMOVE:
		subreq = be->ops->remove_send(state, ev, be, iqn);
		break;
	case BE_LIST:
		subreq = be->ops->list_send(state, ev, be);
		break;
	case BE_SESSIONS:
		subreq = be->ops->sessions_send(state, ev, be, iqn);
		break;
	case BE_NEXUS:
		if (be->ops->nexus_send == NULL) {
			tevent_req_error(req, ENOTSUP);
			return tevent_req_post(req, ev);
		}
		subreq = be->ops->nexus_send(state, ev, be);
		break;
	}
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, be_call_done, req);
	return req;
}

static void be_call_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct be_call_state *state = tevent_req_data(req, struct be_call_state);
	const struct iscsi_backend_ops *ops = state->be->ops;
	int rc = -EINVAL;

	switch (state->call) {
	case BE_APPLY:
		rc = ops->apply_recv(subreq);
		break;
	case BE_REMOVE:
		rc = ops->remove_recv(subreq);
		break;
	case BE_LIST:
		rc = ops->list_recv(subreq, state, &state->targets, &state->n_targets);
		break;
	case BE_SESSIONS:
		rc = ops->sessions_recv(subreq, state, &state->sessions, &state->n_sessions);
		break;
	case BE_NEXUS:
		rc = ops->nexus_recv(subreq, state, &state->sessions, &state->n_sessions);
		break;
	}
	TALLOC_FREE(subreq);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	tevent_req_done(req);
}

static int be_call_recv(struct tevent_req *req)
{
	return treq_errno(req);
}

struct tevent_req *iscsi_backend_apply_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    struct iscsi_backend *be,
					    const struct iscsi_target *want)
{
	return be_call_send(mem_ctx, ev, be, BE_APPLY, want, NULL);
}

int iscsi_backend_apply_recv(struct tevent_req *req)
{
	return be_call_recv(req);
}

struct tevent_req *iscsi_backend_remove_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					     struct iscsi_backend *be, const char *iqn)
{
	return be_call_send(mem_ctx, ev, be, BE_REMOVE, NULL, iqn);
}

int iscsi_backend_remove_recv(struct tevent_req *req)
{
	return be_call_recv(req);
}

struct tevent_req *iscsi_backend_list_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					   struct iscsi_backend *be)
{
	return be_call_send(mem_ctx, ev, be, BE_LIST, NULL, NULL);
}

int iscsi_backend_list_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			    struct iscsi_target **targets, size_t *n_targets)
{
	struct be_call_state *state = tevent_req_data(req, struct be_call_state);
	int rc = be_call_recv(req);
	if (rc < 0)
		return rc;
	*targets = talloc_steal(mem_ctx, state->targets);
	*n_targets = state->n_targets;
	return 0;
}

struct tevent_req *iscsi_backend_sessions_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					       struct iscsi_backend *be, const char *iqn)
{
	return be_call_send(mem_ctx, ev, be, BE_SESSIONS, NULL, iqn);
}

int iscsi_backend_sessions_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
				struct iscsi_session_info **sessions, size_t *n_sessions)
{
	struct be_call_state *state = tevent_req_data(req, struct be_call_state);
	int rc = be_call_recv(req);
	if (rc < 0)
		return rc;
	*sessions = talloc_steal(mem_ctx, state->sessions);
	*n_sessions = state->n_sessions;
	return 0;
}

/* [iscsi] section: see conf/istmd.conf. */
int iscsi_backend_open(TALLOC_CTX *mem_ctx, struct tevent_context *ev, struct cfg *cfg,
		       struct iscsi_backend **out, char **err)
{
	static const char *const kinds[] = { "tgt", "lio", NULL };
	unsigned kind = 0;
	uint64_t control_port = 0, request_ms = 0, operation_ms = 0;
	char **portal_texts = NULL;
	TALLOC_CTX *tmp = talloc_new(NULL);
	int rc = -EINVAL;

	if (tmp == NULL)
		return -ENOMEM;
	if (cfg_get_enum(cfg, "iscsi", "backend", "tgt", kinds, &kind, err) != 0 ||
	    /* tgtd keeps its control port in a short; 1 is istmd-tgtd.service
	     * (0 is Debian's tgt.service, whose /etc/tgt targets are not ours) */
	    cfg_get_uint(cfg, "iscsi", "tgt_control_port", 1, 0, 32767, &control_port, err) != 0 ||
	    cfg_get_list(cfg, "iscsi", "portal", "127.0.0.2:3260", tmp, &portal_texts, err) != 0 ||
	    cfg_get_uint(cfg, "iscsi", "request_timeout_ms", 5000, 100, 600000, &request_ms,
			 err) != 0 ||
	    cfg_get_uint(cfg, "iscsi", "operation_timeout_ms", 60000, 100, 3600000, &operation_ms,
			 err) != 0)
		goto out;
	const char *socket_dir = cfg_get(cfg, "iscsi", "tgt_socket_dir", "/var/run/tgtd");

	size_t n_portals = 0;
	while (portal_texts[n_portals] != NULL)
		n_portals++;
	struct iscsi_portal *portals = talloc_zero_array(tmp, struct iscsi_portal, n_portals);
	if (portals == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_portals; i++) {
		if (iscsi_portal_parse(portals, portal_texts[i], 3260, &portals[i]) != 0) {
			*err = talloc_asprintf(mem_ctx, "%s: [iscsi] portal: '%s' is not ADDRESS:PORT",
					       cfg_path(cfg), portal_texts[i]);
			goto out;
		}
	}

	if (kind == 1) {
		/* LIO (docs/lio-backend.md): configfs, and the ownership list
		 * beside the database */
		struct lio_backend_options lopts = {
			.configfs = cfg_get(cfg, "iscsi", "lio_configfs",
					    "/sys/kernel/config/target"),
			.hba = cfg_get(cfg, "iscsi", "lio_hba", "fileio_4242"),
			.state_dir = cfg_get(cfg, "state", "dir", "/var/lib/istmd"),
			.portals = portals,
			.n_portals = n_portals,
		};
		rc = lio_backend_new(mem_ctx, ev, &lopts, out);
		if (rc < 0)
			*err = talloc_asprintf(mem_ctx, "cannot set up the LIO backend: %s",
					       strerror(-rc));
		goto out;
	}

	struct tgt_backend_options opts = {
		.control_port = (unsigned)control_port,
		.socket_dir = socket_dir,
		.portals = portals,
		.n_portals = n_portals,
		.request_timeout_ms = (unsigned)request_ms,
		.operation_timeout_ms = (unsigned)operation_ms,
	};
	rc = tgt_backend_new(mem_ctx, ev, &opts, out);
	if (rc < 0)
		*err = talloc_asprintf(mem_ctx, "cannot set up the tgt backend: %s", strerror(-rc));
out:
	talloc_free(tmp);
	return rc;
}

char *iscsi_target_name_from_iqn(TALLOC_CTX *mem, const char *iqn)
{
	const char *colon = strrchr(iqn, ':');
	const char *tail = colon != NULL ? colon + 1 : "";
	bool ok = isalnum((unsigned char)tail[0]);
	for (const char *p = tail; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '-' || *p == '.';
	return talloc_strdup(mem, ok ? tail : iqn);
}

struct tevent_req *iscsi_backend_nexus_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    struct iscsi_backend *be)
{
	return be_call_send(mem_ctx, ev, be, BE_NEXUS, NULL, NULL);
}

int iscsi_backend_nexus_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			     struct iscsi_session_info **sessions, size_t *n_sessions)
{
	return iscsi_backend_sessions_recv(req, mem_ctx, sessions, n_sessions);
}
