/* tgt backend operations. Each operation is one tevent_req that waits for its
 * turn in the backend's queue (one tgtd processes one request at a time, and
 * CHAP accounts and portals are shared by all targets, so operations are
 * serialised globally, which is stricter than per target), reads the live
 * state, plans (tgt_plan.c) and runs the plan one request at a time. */
#include "backend/tgt_backend.h"
#include "backend/tgt_backend_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backend/tgt_conn_ports.h"
#include "backend/tgt_cache.h"
#include "backend/tgt_ipc.h"
#include "backend/tgt_monitor.h"
#include "backend/tgt_parse.h"
#include "backend/tgt_plan.h"
#include "istmd/log.h"
#include "istmd/treq.h"

#define BUSY_RETRIES 50
#define BUSY_RETRY_MS 100

enum op_kind { OP_APPLY, OP_REMOVE, OP_LIST, OP_SESSIONS, OP_PORTALS, OP_NEXUS };

struct op_state;
typedef void (*op_cb)(struct tevent_req *req, char *text);

struct op_state {
	struct tgt_backend *tb;
	struct tevent_context *ev;
	enum op_kind kind;
	struct tevent_req *queue_entry;
	struct tevent_req *subreq;
	struct tevent_timer *retry_timer;
	op_cb cb;           /* what to do with the reply of the request under way */
	bool gone_ok;       /* ... and whether "no such session or target" is one */
	struct tgt_request last; /* for error messages */
	bool show_all;           /* LAST shows every target ... */
	struct timeval sent;     /* ... sent then */

	struct iscsi_target *want; /* apply */
	char *iqn;                 /* remove, sessions (NULL: all) */

	struct tgt_live live;
	bool from_cache; /* LIVE is a view of the cache, not a fresh read */
	bool finished_ok; /* apply/remove: the plan ran to its end */
	bool reread;      /* planned again from a fresh read after a failure */
	const struct tgt_live_target *target; /* the one WANT or IQN names */
	size_t cursor;                        /* list/sessions: the target under way */
	size_t window_first, window_count;    /* list: parameters read anyway */

	struct tgt_plan plan;
	size_t step;
	unsigned retries;
	void (*plan_done)(struct tevent_req *req);
	void (*after_read)(struct tevent_req *req);

	struct iscsi_target *targets; /* list */
	size_t n_targets;
	struct tgt_conn *conns; /* sessions: of the target under way */
	size_t n_conns, conn_cursor;
	TALLOC_CTX *hold; /* sessions: what their strings point into */
	struct iscsi_session_info *sessions;
	size_t n_sessions;
};

static void op_cleanup(struct tevent_req *req, enum tevent_req_state req_state)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	/* A plan that stopped half way (error, timeout, caller gone) left
	 * tgtd in a state the cache does not know; SetPortalConfig changes
	 * the portals behind its back. Read tgtd again next time. */
	if (((state->kind == OP_APPLY || state->kind == OP_REMOVE) && !state->finished_ok) ||
	    state->kind == OP_PORTALS)
		tgt_cache_invalidate(state->tb->cache);
	TALLOC_FREE(state->subreq);
	TALLOC_FREE(state->retry_timer);
	TALLOC_FREE(state->queue_entry); /* lets the next operation run */
}

static void op_request_done(struct tevent_req *subreq);

/* tgtd prints every target for a "target show" of all of them, in time
 * that grows faster than their number: at 10,000 targets on a busy machine
 * it takes longer than the request limit, and each timeout made the next
 * operation read it again (issue 16). Its limit follows what it took: 4x
 * the last one, doubled after a timeout, never below request_ms nor above
 * the operation's limit (a hung tgtd is still seen in request_ms at first). */
static unsigned show_all_ms(const struct tgt_backend *tb)
{
	unsigned ms = tb->show_all_ms > tb->request_ms ? tb->show_all_ms : tb->request_ms;
	return ms < tb->operation_ms ? ms : tb->operation_ms;
}

static void show_all_took(struct op_state *state, int rc)
{
	struct tgt_backend *tb = state->tb;
	struct timeval now = tevent_timeval_current();
	struct timeval took = tevent_timeval_until(&state->sent, &now);
	uint64_t ms = (uint64_t)took.tv_sec * 1000u + (uint64_t)took.tv_usec / 1000u;
	uint64_t next = rc == -ETIMEDOUT ? 2 * (uint64_t)show_all_ms(tb) : 4 * ms;
	tb->show_all_ms = next < tb->operation_ms ? (unsigned)next : tb->operation_ms;
}

/* Sends R; CB gets the reply text. Errors end the operation, but with
 * GONE_OK an answer that the session or target is gone (ENOENT, EINVAL):
 * then CB gets no text. */
static void request(struct tevent_req *req, const struct tgt_request *r, op_cb cb, bool gone_ok)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	state->last = *r;
	state->cb = cb;
	state->gone_ok = gone_ok;
	unsigned ms = state->tb->request_ms;
	state->show_all = r->mode == TGT_MODE_TARGET && r->op == TGT_OP_SHOW &&
			  r->tid == TGT_GLOBAL_TID;
	if (state->show_all) {
		ms = show_all_ms(state->tb);
		state->sent = tevent_timeval_current();
	}
	state->subreq = tgt_ipc_send(state, state->ev, state->tb->socket_path, r, ms);
	if (tevent_req_nomem(state->subreq, req))
		return;
	tevent_req_set_callback(state->subreq, op_request_done, req);
}

static void log_failure(struct op_state *state, const struct tgt_request *r, int rc)
{
	char name[48], lun[32] = "";
	if (r->mode == TGT_MODE_DEVICE)
		snprintf(lun, sizeof(lun), " lun %" PRIu64, r->lun);
	log_err("tgtd (socket %s): %s tid %" PRId32 "%s [%s] failed: %s", state->tb->socket_path,
		tgt_request_name(r, name, sizeof(name)), r->tid, lun,
		r->body_secret ? "(secret)" : (r->body ? r->body : ""), strerror(-rc));
}

static void op_request_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct op_state *state = tevent_req_data(req, struct op_state);
	char *text = NULL;
	int rc = tgt_ipc_recv(subreq, state, &text, NULL);
	state->subreq = NULL;
	TALLOC_FREE(subreq);
	if (state->show_all)
		show_all_took(state, rc);
	if (state->gone_ok && (rc == -ENOENT || rc == -EINVAL)) {
		text = NULL;
	} else if (rc < 0) {
		log_failure(state, &state->last, rc);
		tevent_req_error(req, -rc);
		return;
	}
	state->cb(req, text);
}

static void op_send(struct tevent_req *req, const struct tgt_request *r, op_cb cb)
{
	request(req, r, cb, false);
}

static struct tgt_request show_req(enum tgt_mode mode, int32_t tid)
{
	struct tgt_request r = tgt_request_init(mode, TGT_OP_SHOW);
	r.tid = tid;
	return r;
}

/* Running a plan. */

static void plan_step(struct tevent_req *req);

static void plan_step_done(struct tevent_req *subreq);
static bool replan_fresh(struct tevent_req *req);

static void plan_retry(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		       void *priv)
{
	struct tevent_req *req = priv;
	struct op_state *state = tevent_req_data(req, struct op_state);
	state->retry_timer = NULL;
	plan_step(req);
}

static void plan_run(struct tevent_req *req, void (*done)(struct tevent_req *req))
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	state->step = 0;
	state->retries = 0;
	state->plan_done = done;
	plan_step(req);
}

static void plan_step(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	if (state->step == state->plan.n_steps) {
		state->plan_done(req);
		return;
	}
	const struct tgt_step *s = &state->plan.steps[state->step];
	if (log_enabled(LOG_LVL_DEBUG)) {
		char name[48];
		log_debug("tgtd: %s tid %" PRId32 " %s", tgt_request_name(&s->req, name, sizeof(name)),
			  s->req.tid, s->req.body_secret ? "(secret)" : s->req.body ? s->req.body : "");
	}
	state->subreq = tgt_ipc_send(state, state->ev, state->tb->socket_path, &s->req,
				     state->tb->request_ms);
	if (tevent_req_nomem(state->subreq, req))
		return;
	tevent_req_set_callback(state->subreq, plan_step_done, req);
}

static void plan_step_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct op_state *state = tevent_req_data(req, struct op_state);
	struct tgt_backend *tb = state->tb;
	const struct tgt_step *s = &state->plan.steps[state->step];
	int rc = tgt_ipc_recv(subreq, state, NULL, NULL);
	state->subreq = NULL;
	TALLOC_FREE(subreq);

	if (rc == -EBUSY && (s->flags & TGT_STEP_RETRY_BUSY) && state->retries < BUSY_RETRIES) {
		state->retries++;
		state->retry_timer = tevent_add_timer(state->ev, state,
						      tevent_timeval_current_ofs(0, BUSY_RETRY_MS * 1000),
						      plan_retry, req);
		if (tevent_req_nomem(state->retry_timer, req))
			return;
		return;
	}
	if ((rc == -ENOENT && (s->flags & TGT_STEP_OK_ENOENT)) ||
	    (rc == -EEXIST && (s->flags & TGT_STEP_OK_EEXIST)))
		rc = 0;
	if (rc < 0 && replan_fresh(req))
		return;
	if (rc < 0) {
		log_failure(state, &s->req, rc);
		tevent_req_error(req, -rc);
		return;
	}
	if (s->account_user != NULL &&
	    tgt_secrets_set(tb->secrets_mem, &tb->secrets, s->account_user, s->account_secret) < 0) {
		tevent_req_oom(req);
		return;
	}
	state->step++;
	state->retries = 0;
	plan_step(req);
}

/* Reading the live state: targets, accounts, portals. */

static void got_portals(struct tevent_req *req, char *text)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = tgt_parse_portals(state, text, &state->live.portals, &state->live.n_portals);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	/* every full read refreshes the cache (the reconciler's full passes
	 * list the live state: drift made behind our back is seen there) */
	if (tgt_cache_fill(state->tb->cache, &state->live) < 0)
		log_warn("tgt: out of memory caching tgtd's state; reading it for each operation");
	state->after_read(req);
}

static void got_accounts(struct tevent_req *req, char *text)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = tgt_parse_accounts(state, text, &state->live.accounts, &state->live.n_accounts);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	struct tgt_request r = show_req(TGT_MODE_PORTAL, TGT_GLOBAL_TID);
	op_send(req, &r, got_portals);
}

static void got_targets(struct tevent_req *req, char *text)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = tgt_parse_targets(state, text, &state->live.targets, &state->live.n_targets);
	if (rc < 0) {
		log_err("tgtd (socket %s): cannot read its target list", state->tb->socket_path);
		tevent_req_error(req, -rc);
		return;
	}
	struct tgt_request r = show_req(TGT_MODE_ACCOUNT, TGT_GLOBAL_TID);
	op_send(req, &r, got_accounts);
}

static void read_live(struct tevent_req *req, void (*next)(struct tevent_req *req))
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	state->after_read = next;
	struct tgt_request r = show_req(TGT_MODE_TARGET, TGT_GLOBAL_TID);
	op_send(req, &r, got_targets);
}

/* apply */

static void apply_evict_done(struct tevent_req *req)
{
	tevent_req_done(req);
}

/* The plan ran: the cache follows it, and the operation counts as done for
 * the cache even if closing connections fails afterwards. */
static void apply_cache(struct op_state *state)
{
	state->finished_ok = true;
	if (tgt_cache_applied(state->tb->cache, state->want, &state->plan) < 0)
		log_warn("tgt: out of memory caching tgtd's state");
}

static void apply_got_conns(struct tevent_req *req, char *text)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = tgt_parse_conns(state, text, &state->conns, &state->n_conns);
	if (rc == 0)
		rc = tgt_plan_evict(state, state->want, state->plan.tid, state->conns,
				    state->n_conns, &state->plan);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	if (state->plan.n_steps > 0)
		log_info("tgt: closing %zu connection(s) of %s that are no longer allowed",
			 state->plan.n_steps, state->want->iqn);
	plan_run(req, apply_evict_done);
}

static void apply_plan_done(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	apply_cache(state);
	if (!state->plan.check_sessions) {
		tevent_req_done(req);
		return;
	}
	struct tgt_request r = show_req(TGT_MODE_CONNECTION, state->plan.tid);
	op_send(req, &r, apply_got_conns);
}

static void apply_plan(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	struct tgt_backend *tb = state->tb;
	char *why = NULL;
	struct iscsi_portal *listeners;
	size_t n_listeners;
	int rc = iscsi_backend_listeners(&tb->base, state, &listeners, &n_listeners);
	if (rc == 0)
		rc = tgt_plan_apply(state, &state->live, &tb->secrets, state->want, listeners,
				    n_listeners, &state->plan, &why);
	if (rc < 0) {
		log_err("tgt: cannot apply target %s: %s", state->want->iqn,
			why ? why : strerror(-rc));
		tevent_req_error(req, -rc);
		return;
	}
	/* The cache does not follow sessions (they come and go without us):
	 * whenever something changes, look at the target's connections. */
	if (state->from_cache && state->target != NULL && state->plan.n_steps > 0)
		state->plan.check_sessions = true;
	log_debug("tgt: %zu request(s) to apply %s", state->plan.n_steps, state->want->iqn);
	plan_run(req, apply_plan_done);
}

static void apply_got_params(struct tevent_req *req, char *text)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = tgt_parse_params(text, &state->live.params);
	if (rc < 0) {
		log_err("tgt: cannot read the parameters of target %s", state->want->iqn);
		tevent_req_error(req, -rc);
		return;
	}
	tgt_cache_set_params(state->tb->cache, state->target->tid, state->target->iqn,
			     &state->live.params);
	apply_plan(req);
}

static void apply_read(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	state->target = tgt_live_find(&state->live, state->want->iqn);
	if (state->target == NULL) {
		apply_plan(req);
		return;
	}
	struct tgt_request r = show_req(TGT_MODE_TARGET, state->target->tid);
	op_send(req, &r, apply_got_params);
}

/* remove */

static void remove_done(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	state->finished_ok = true;
	if (tgt_cache_removed(state->tb->cache, state->iqn, &state->plan) < 0)
		log_warn("tgt: out of memory caching tgtd's state");
	tevent_req_done(req);
}

static void remove_read(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = tgt_plan_remove(state, &state->live, state->iqn, &state->plan);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	plan_run(req, remove_done);
}

/* A plan made from the cache failed: someone else changed tgtd (another
 * tgtadm, another backend on the same tgtd). Read tgtd and plan again, once;
 * the plans are made from whatever is live, so a half-run plan is fine. */
static bool replan_fresh(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	if (!state->from_cache || state->reread)
		return false;
	log_info("tgt: tgtd is not what istmd last saw; reading its state again");
	tgt_cache_invalidate(state->tb->cache);
	state->from_cache = false;
	state->reread = true;
	memset(&state->live, 0, sizeof(state->live));
	state->target = NULL;
	read_live(req, state->kind == OP_APPLY ? apply_read : remove_read);
	return true;
}

/* list */

static bool is_iscsi(const struct tgt_live_target *t)
{
	return t->driver == NULL || strcmp(t->driver, "iscsi") == 0;
}

static void list_next(struct tevent_req *req);

/* The live target at the cursor with PARAMS joins the list. */
static int list_add(struct op_state *state, const struct iscsi_negotiation *params)
{
	const struct tgt_live_target *lt = &state->live.targets[state->cursor];
	int rc = tgt_live_to_target(state->targets, &state->live, lt, params,
				    &state->targets[state->n_targets]);
	if (rc == 0) {
		state->n_targets++;
		state->cursor++;
	}
	return rc;
}

static void list_got_params(struct tevent_req *req, char *text)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	const struct tgt_live_target *lt = &state->live.targets[state->cursor];
	struct iscsi_negotiation params;
	int rc = tgt_parse_params(text, &params);
	if (rc == 0) {
		tgt_cache_set_params(state->tb->cache, lt->tid, lt->iqn, &params);
		rc = list_add(state, &params);
	}
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	list_next(req);
}

/* Moves the cursor to the next live target WANTED takes and asks tgtd for
 * its MODE details, for CB; the operation is done when none is left. */
static void next_live_target(struct tevent_req *req,
			     bool (*wanted)(const struct op_state *, const struct tgt_live_target *),
			     enum tgt_mode mode, op_cb cb)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	while (state->cursor < state->live.n_targets &&
	       !wanted(state, &state->live.targets[state->cursor]))
		state->cursor++;
	if (state->cursor == state->live.n_targets) {
		tevent_req_done(req);
		return;
	}
	struct tgt_request r = show_req(mode, state->live.targets[state->cursor].tid);
	op_send(req, &r, cb);
}

static bool listed(const struct op_state *state, const struct tgt_live_target *t)
{
	return is_iscsi(t);
}

/* A target's parameters take a request of their own: known ones come from
 * the cache, except for the refresh window's (tgt_cache.h). */
static void list_next(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	while (state->cursor < state->live.n_targets) {
		const struct tgt_live_target *lt = &state->live.targets[state->cursor];
		struct iscsi_negotiation params;
		if (!listed(state, lt)) {
			state->cursor++;
			continue;
		}
		if (!tgt_cache_in_window(state->cursor, state->live.n_targets, state->window_first,
					 state->window_count) &&
		    tgt_cache_params(state->tb->cache, lt->tid, lt->iqn, &params)) {
			int rc = list_add(state, &params);
			if (rc < 0) {
				tevent_req_error(req, -rc);
				return;
			}
			continue;
		}
		struct tgt_request r = show_req(TGT_MODE_TARGET, lt->tid);
		op_send(req, &r, list_got_params);
		return;
	}
	tevent_req_done(req);
}

static void list_read(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	state->targets = talloc_zero_array(state, struct iscsi_target, state->live.n_targets);
	if (tevent_req_nomem(state->targets, req))
		return;
	state->cursor = 0;
	tgt_cache_refresh_window(state->tb->cache, state->live.n_targets, &state->window_first,
				 &state->window_count);
	list_next(req);
}

/* sessions */

static void sessions_next_target(struct tevent_req *req);
static void sessions_next_conn(struct tevent_req *req);

static struct iscsi_session_info *session_for(struct op_state *state,
					      const struct tgt_live_target *lt, uint16_t tsih)
{
	for (size_t i = 0; i < state->n_sessions; i++)
		if (state->sessions[i].tsih == tsih &&
		    strcmp(state->sessions[i].target_iqn, lt->iqn) == 0)
			return &state->sessions[i];
	struct iscsi_session_info *v = talloc_realloc(state, state->sessions,
						      struct iscsi_session_info,
						      state->n_sessions + 1);
	if (v == NULL)
		return NULL;
	state->sessions = v;
	struct iscsi_session_info *s = &v[state->n_sessions++];
	memset(s, 0, sizeof(*s));
	s->target_iqn = lt->iqn;
	s->tsih = tsih;
	s->auth = lt->n_in_users > 0 ? ISCSI_AUTH_CHAP : ISCSI_AUTH_NONE;
	for (size_t i = 0; i < lt->n_nexus; i++)
		if (lt->nexus[i].id == tsih)
			s->initiator_alias = lt->nexus[i].alias;
	return s;
}

static void sessions_got_params(struct tevent_req *req, char *text)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	const struct tgt_live_target *lt = &state->live.targets[state->cursor];
	const struct tgt_conn *c = &state->conns[state->conn_cursor];
	struct iscsi_negotiation params;
	/* The session may have ended meanwhile: then it has no parameters. */
	if (tgt_parse_params(text, &params) != 0)
		memset(&params, 0, sizeof(params));

	struct iscsi_session_info *s = session_for(state, lt, c->tsih);
	if (tevent_req_nomem(s, req))
		return;
	struct iscsi_connection_info *conns = talloc_realloc(state, s->conns,
							     struct iscsi_connection_info,
							     s->n_conns + 1);
	if (tevent_req_nomem(conns, req))
		return;
	s->conns = conns;
	struct iscsi_connection_info *ci = &conns[s->n_conns++];
	memset(ci, 0, sizeof(*ci));
	s->initiator_iqn = c->initiator;
	ci->cid = c->cid;
	ci->initiator_address = c->address;
	ci->header_digest = params.header_digest == ISCSI_YES;
	ci->data_digest = params.data_digest == ISCSI_YES;
	/* tgt does not say which portal a connection came in on; with one
	 * portal there is no doubt. */
	if (state->live.n_portals == 1) {
		ci->target_address = state->live.portals[0].address;
		ci->target_port = state->live.portals[0].port;
	}
	state->conn_cursor++;
	sessions_next_conn(req);
}

static void sessions_next_conn(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	if (state->conn_cursor == state->n_conns) {
		state->cursor++;
		sessions_next_target(req);
		return;
	}
	const struct tgt_conn *c = &state->conns[state->conn_cursor];
	struct tgt_request r = tgt_request_init(TGT_MODE_SESSION, TGT_OP_SHOW);
	r.tid = state->live.targets[state->cursor].tid;
	r.sid = c->tsih;
	/* A session that ended between the two requests is not an error. */
	request(req, &r, sessions_got_params, true);
}

static void sessions_got_conns(struct tevent_req *req, char *text)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = tgt_parse_conns(state->hold, text, &state->conns, &state->n_conns);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	state->conn_cursor = 0;
	sessions_next_conn(req);
}

/* An iSCSI target with sessions, the one asked for if any. */
static bool has_sessions(const struct op_state *state, const struct tgt_live_target *t)
{
	return is_iscsi(t) && t->n_nexus > 0 &&
	       (state->iqn == NULL || strcmp(state->iqn, t->iqn) == 0);
}

static void sessions_next_target(struct tevent_req *req)
{
	next_live_target(req, has_sessions, TGT_MODE_CONNECTION, sessions_got_conns);
}

static void sessions_read(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	state->hold = talloc_new(state);
	if (tevent_req_nomem(state->hold, req))
		return;
	talloc_steal(state->hold, state->live.targets);
	/* A connection's target address may be the portal's string. */
	talloc_steal(state->hold, state->live.portals);
	state->cursor = 0;
	sessions_next_target(req);
}

/* portals (SetPortalConfig): add the missing listeners, delete the
 * disabled ones, then report what tgtd listens on. */

static void portals_got_live(struct tevent_req *req, char *text)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	TALLOC_FREE(state->live.portals);
	state->live.n_portals = 0;
	int rc = tgt_parse_portals(state, text, &state->live.portals, &state->live.n_portals);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	tevent_req_done(req);
}

static void portals_planned(struct tevent_req *req)
{
	struct tgt_request r = show_req(TGT_MODE_PORTAL, TGT_GLOBAL_TID);
	op_send(req, &r, portals_got_live);
}

static void portals_read(struct tevent_req *req)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	const struct iscsi_backend *be = &state->tb->base;
	struct iscsi_portal *listen;
	size_t n_listen, n_unlisten = 0;
	int rc = iscsi_backend_listeners(be, state, &listen, &n_listen);
	struct iscsi_portal *unlisten = talloc_zero_array(state, struct iscsi_portal,
							  be->n_settings);
	if (rc < 0 || unlisten == NULL) {
		tevent_req_oom(req);
		return;
	}
	for (size_t i = 0; i < be->n_settings; i++)
		if (!be->settings[i].listen)
			unlisten[n_unlisten++] = (struct iscsi_portal){
				.address = be->settings[i].address, .port = be->settings[i].port
			};
	rc = tgt_plan_portals(state, &state->live, listen, n_listen, unlisten, n_unlisten,
			      &state->plan);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	if (state->plan.n_steps > 0)
		log_info("tgt: %zu listener change(s)", state->plan.n_steps);
	plan_run(req, portals_planned);
}

/* nexus: one "show target" request, whose I_T nexus lines name each
 * session's TSIH and initiator. */

static void nexus_got_targets(struct tevent_req *req, char *text)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = tgt_parse_targets(state, text, &state->live.targets, &state->live.n_targets);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	size_t total = 0;
	for (size_t i = 0; i < state->live.n_targets; i++)
		if (is_iscsi(&state->live.targets[i]))
			total += state->live.targets[i].n_nexus;
	state->sessions = talloc_zero_array(state, struct iscsi_session_info, total + 1);
	if (tevent_req_nomem(state->sessions, req))
		return;
	for (size_t i = 0; i < state->live.n_targets; i++) {
		const struct tgt_live_target *t = &state->live.targets[i];
		for (size_t j = 0; is_iscsi(t) && j < t->n_nexus; j++) {
			if (t->nexus[j].id == 0 || t->nexus[j].id > UINT16_MAX)
				continue;
			struct iscsi_session_info *s = &state->sessions[state->n_sessions++];
			s->target_iqn = t->iqn;
			s->initiator_iqn = t->nexus[j].initiator;
			s->initiator_alias = t->nexus[j].alias;
			s->tsih = (uint16_t)t->nexus[j].id;
			s->auth = t->n_in_users > 0 ? ISCSI_AUTH_CHAP : ISCSI_AUTH_NONE;
		}
	}
	tevent_req_done(req);
}

/* Starting an operation: queue, then read. */

static void op_turn(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct op_state *state = tevent_req_data(req, struct op_state);
	/* Not freed here: freeing it would let the next operation in. */
	tevent_queue_wait_recv(subreq);
	/* Applying or removing one target must not cost time in the number
	 * of targets: plan from the cache when it is good. */
	if ((state->kind == OP_APPLY || state->kind == OP_REMOVE) &&
	    tgt_cache_valid(state->tb->cache)) {
		tgt_cache_view(state->tb->cache, &state->live);
		/* removing what the cache does not know: tgtd may still have it */
		state->from_cache = state->kind == OP_APPLY ||
				    tgt_live_find(&state->live, state->iqn) != NULL;
		if (!state->from_cache)
			memset(&state->live, 0, sizeof(state->live));
	}
	switch (state->kind) {
	case OP_APPLY:
		if (state->from_cache)
			apply_read(req);
		else
			read_live(req, apply_read);
		break;
	case OP_REMOVE:
		if (state->from_cache)
			remove_read(req);
		else
			read_live(req, remove_read);
		break;
	case OP_LIST:
		read_live(req, list_read);
		break;
	case OP_SESSIONS:
		read_live(req, sessions_read);
		break;
	case OP_PORTALS:
		read_live(req, portals_read);
		break;
	case OP_NEXUS: {
		struct tgt_request r = show_req(TGT_MODE_TARGET, TGT_GLOBAL_TID);
		op_send(req, &r, nexus_got_targets);
		break;
	}
	}
}

/* Creates the operation, checks and copies its arguments, and queues it. */
static struct tevent_req *op_start(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				   struct iscsi_backend *be, enum op_kind kind,
				   const struct iscsi_target *want, const char *iqn)
{
	struct tgt_backend *tb = tgt_of(be);
	struct op_state *state;
	struct tevent_req *req = tevent_req_create(mem_ctx, &state, struct op_state);
	if (req == NULL)
		return NULL;
	state->tb = tb;
	state->ev = ev;
	state->kind = kind;
	tevent_req_set_cleanup_fn(req, op_cleanup);
	if (!tevent_req_set_endtime(req, ev, tevent_timeval_current_ofs(
		    tb->operation_ms / 1000, (tb->operation_ms % 1000) * 1000))) {
		tevent_req_oom(req);
		return tevent_req_post(req, ev);
	}
	if (kind == OP_APPLY && want == NULL) {
		tevent_req_error(req, EINVAL);
		return tevent_req_post(req, ev);
	}
	if (kind == OP_APPLY) {
		char *why = NULL;
		int rc = iscsi_target_validate(want, &be->caps, state, &why);
		if (rc < 0) {
			log_err("tgt: refusing target %s: %s", want->iqn ? want->iqn : "(null)",
				why ? why : strerror(-rc));
			tevent_req_error(req, -rc);
			return tevent_req_post(req, ev);
		}
		state->want = iscsi_target_copy(state, want);
		if (tevent_req_nomem(state->want, req))
			return tevent_req_post(req, ev);
	}
	if (kind == OP_REMOVE && iqn == NULL) {
		tevent_req_error(req, EINVAL);
		return tevent_req_post(req, ev);
	}
	if (iqn != NULL) {
		state->iqn = talloc_strdup(state, iqn);
		if (tevent_req_nomem(state->iqn, req))
			return tevent_req_post(req, ev);
	}
	/* The entry keeps our place at the head until op_cleanup frees it. */
	state->queue_entry = tevent_queue_wait_send(state, ev, tb->queue);
	if (tevent_req_nomem(state->queue_entry, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(state->queue_entry, op_turn, req);
	return req;
}

static struct tevent_req *tgt_apply_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					 struct iscsi_backend *be,
					 const struct iscsi_target *want)
{
	return op_start(mem_ctx, ev, be, OP_APPLY, want, NULL);
}

static struct tevent_req *tgt_remove_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					  struct iscsi_backend *be, const char *iqn)
{
	return op_start(mem_ctx, ev, be, OP_REMOVE, NULL, iqn);
}

static struct tevent_req *tgt_list_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					struct iscsi_backend *be)
{
	return op_start(mem_ctx, ev, be, OP_LIST, NULL, NULL);
}

static struct tevent_req *tgt_sessions_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    struct iscsi_backend *be, const char *iqn)
{
	return op_start(mem_ctx, ev, be, OP_SESSIONS, NULL, iqn);
}

static struct tevent_req *tgt_nexus_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					 struct iscsi_backend *be)
{
	return op_start(mem_ctx, ev, be, OP_NEXUS, NULL, NULL);
}

static int op_recv(struct tevent_req *req)
{
	int rc = treq_errno(req);
	if (rc == -ETIMEDOUT)
		log_err("tgt: operation timed out");
	return rc;
}

static struct tevent_req *tgt_portals_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					   struct iscsi_backend *be)
{
	return op_start(mem_ctx, ev, be, OP_PORTALS, NULL, NULL);
}

static int tgt_portals_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			    struct iscsi_portal **live, size_t *n_live)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = op_recv(req);
	if (rc < 0)
		return rc;
	*live = state->live.portals ? talloc_steal(mem_ctx, state->live.portals)
				    : talloc_zero_array(mem_ctx, struct iscsi_portal, 0);
	*n_live = state->live.n_portals;
	return *live != NULL ? 0 : -ENOMEM;
}

static int tgt_list_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			 struct iscsi_target **targets, size_t *n_targets)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = op_recv(req);
	if (rc < 0)
		return rc;
	*targets = talloc_steal(mem_ctx, state->targets);
	*n_targets = state->n_targets;
	return 0;
}

static int tgt_sessions_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			     struct iscsi_session_info **sessions, size_t *n_sessions)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = op_recv(req);
	if (rc < 0)
		return rc;
	/* Strings point into the live state: take it along. */
	struct iscsi_session_info *out = talloc_steal(mem_ctx, state->sessions);
	if (out == NULL)
		out = talloc_zero_array(mem_ctx, struct iscsi_session_info, 0);
	if (out == NULL)
		return -ENOMEM;
	talloc_steal(out, state->hold);
	for (size_t i = 0; i < state->n_sessions; i++)
		talloc_steal(out, out[i].conns);
	*sessions = out;
	*n_sessions = state->n_sessions;
	return 0;
}

static int tgt_nexus_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			  struct iscsi_session_info **sessions, size_t *n_sessions)
{
	struct op_state *state = tevent_req_data(req, struct op_state);
	int rc = op_recv(req);
	if (rc < 0)
		return rc;
	/* Strings point into the parsed targets: take them along. */
	struct iscsi_session_info *out = talloc_steal(mem_ctx, state->sessions);
	talloc_steal(out, state->live.targets);
	*sessions = out;
	*n_sessions = state->n_sessions;
	return 0;
}

const struct iscsi_backend_ops tgt_ops = {
	.name = "tgt",
	.apply_send = tgt_apply_send,
	.apply_recv = op_recv,
	.remove_send = tgt_remove_send,
	.remove_recv = op_recv,
	.list_send = tgt_list_send,
	.list_recv = tgt_list_recv,
	/* with the connections' ports, read off the event loop */
	.sessions_send = tgt_ports_sessions_send,
	.sessions_recv = tgt_ports_sessions_recv,
	.portals_send = tgt_portals_send,
	.portals_recv = tgt_portals_recv,
	.nexus_send = tgt_ports_nexus_send,
	.nexus_recv = tgt_ports_nexus_recv,
	.hold_io = tgt_backend_hold,
};

const struct tgt_ports_raw tgt_raw = {
	.sessions_send = tgt_sessions_send,
	.sessions_recv = tgt_sessions_recv,
	.nexus_send = tgt_nexus_send,
	.nexus_recv = tgt_nexus_recv,
};
