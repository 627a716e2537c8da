/* IHost's asynchronous methods: Save (3.21.4.54), which commits the
 * object's draft through the core, and what comes from the live target:
 * Status (3.21.4.10), LastLogIn (3.21.4.12) and EnumSessions (3.23.4.6). */
#include "istm/host.h"

#include <errno.h>
#include <string.h>

#include "core/core.h"
#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istm/errmap.h"
#include "istm/sessions.h"
#include "istmd/hresult.h"
#include "istmd/log.h"
#include "istmd/utf16.h"

/* ---- Save ---- */

static const struct istm_errmap save_errors[] = {
	{ -EEXIST, HR_WIN32(ERROR_FILE_EXISTS) },   /* name, IQN or LUN taken meanwhile */
	{ -ENOTUNIQ, HR_WIN32(ERROR_DUP_NAME) },    /* CHAP user or secret */
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) }, /* target or a mapped disk gone */
	{ -EINVAL, E_INVALIDARG },                            /* CHAP incomplete, bursts */
	{ -EMSGSIZE, HR_WIN32(ERROR_BAD_LENGTH) },
	{ -EMEDIUMTYPE, HR_WIN32(ERROR_NOT_SUPPORTED) }, /* a VHD this server cannot serve */
	{ -ERANGE, E_INVALIDARG },
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ 0, 0 },
};

struct save_state {
	struct dcom_call *call;
	struct istm_host *h;
	struct dcom_hold *hold; /* H lives while the save does */
	bool is_new;
};

static int save_state_destructor(struct save_state *s)
{
	s->h->saving = false;
	return 0;
}

static void save_done(struct tevent_req *req);

/* The draft as a whole, checked again against the targets of the moment and
 * merged with what others saved since it was opened (docs/core.md). It
 * completes once durable and tried on the backend: an initiator can log in
 * when Save returns. */
void host_save(struct dcom_call *call, void *object, void *rv)
{
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	struct save_state *s = talloc_zero(call, struct save_state);
	if (s == NULL || (s->hold = dcom_object_hold(s, dcom_call_object(call))) == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	s->call = call;
	s->h = h;
	s->is_new = core_draft_is_new(h->draft);
	struct tevent_req *req = core_target_save_send(s, h->ctx->core, h->draft);
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	h->saving = true;
	talloc_set_destructor(s, save_state_destructor);
	tevent_req_set_callback(req, save_done, s);
}

static void save_done(struct tevent_req *req)
{
	struct save_state *s = tevent_req_callback_data(req, struct save_state);
	struct istm_host *h = s->h;
	char *why = NULL;
	int rc = core_target_save_recv(req, s, &why);
	const struct core_target *t = core_draft_target(h->draft);
	uint32_t hr = istm_hr(rc, save_errors);
	struct core_target_state ts;
	if (rc == 0 && core_target_state(s, h->ctx->core, t->guid, &ts) == 0 &&
	    ts.error == -ESTALE) {
		/* Saved, but a mapped disk's file is not the one it was created on
		 * (a symlink or another file in its place): its LUN is not served,
		 * nothing else is attached in its place (issue 9, defect 2). */
		log_notice("%s saved target '%s', but refused to serve a LUN: %s",
			   dcom_call_user(s->call), t->name, ts.reason ? ts.reason : "?");
		hr = HR_WIN32(ERROR_FILE_INVALID);
	}
	if (rc == 0) {
		char *what = host_changed_names(s, h->changed);
		log_info("%s %s target '%s' (%s)%s%s", dcom_call_user(s->call),
			 s->is_new ? "created" : "saved", t->name, t->iqn ? t->iqn : "",
			 what && what[0] ? ": " : "", what && what[0] ? what : "");
		h->changed = 0;
	} else {
		log_info("%s: saving target '%s' failed: %s", dcom_call_user(s->call), t->name,
			 why ? why : strerror(-rc));
	}
	dcom_call_done(s->call, hr);
}

/* ---- from the live target ---- */

static const struct istm_errmap session_errors[] = {
	{ -ETIMEDOUT, HR_WIN32(ERROR_NOT_READY) },
	{ -EIO, HR_WIN32(ERROR_NOT_READY) },
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ 0, 0 },
};

struct live_state {
	struct dcom_call *call;
	void *r;
	struct istm_context *ctx;
	char guid[CORE_GUID_LEN + 1];
};

typedef void (*live_fn)(struct live_state *s, int rc, const struct core_session *sessions,
			size_t n);

struct live_query {
	struct live_state state;
	live_fn done;
};

static void live_done(struct tevent_req *req)
{
	struct live_query *q = tevent_req_callback_data(req, struct live_query);
	struct core_session *sessions = NULL;
	size_t n = 0;
	int rc = core_sessions_recv(req, q, &sessions, &n);
	talloc_free(req);
	/* No target (never saved, deleted, renamed meanwhile) or no backend
	 * running: no session can exist. */
	if (rc == -ENOENT || rc == -ENOTCONN) {
		rc = 0;
		n = 0;
	}
	q->done(&q->state, rc, sessions, n);
}

/* Asks the core for the sessions of H's saved target (which also dates new
 * logins: LastLogIn) and calls DONE with them, from the loop. */
static void live_query(struct dcom_call *call, void *r, struct istm_host *h, live_fn done)
{
	struct live_query *q = talloc_zero(call, struct live_query);
	char *name = q ? host_saved_name(q, h) : NULL;
	if (q == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	q->state = (struct live_state){ .call = call, .r = r, .ctx = h->ctx };
	memcpy(q->state.guid, core_draft_target(h->draft)->guid, sizeof(q->state.guid));
	q->done = done;
	if (name == NULL) {
		done(&q->state, 0, NULL, 0);
		return;
	}
	struct tevent_req *req = core_sessions_send(q, h->ctx->core, name);
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, live_done, q);
}

/* A session of the target itself (discovery sessions name no target). */
static bool counts(const struct live_state *s, const struct core_session *cs)
{
	return !cs->info.discovery && cs->target_guid != NULL &&
	       strcmp(cs->target_guid, s->guid) == 0;
}

static void status_done(struct live_state *s, int rc, const struct core_session *sessions,
			size_t n)
{
	struct IHost_get_Status *r = s->r;
	enum HostStatus status = HostStatusIdle;
	for (size_t i = 0; i < n; i++)
		if (counts(s, &sessions[i]))
			status = HostStatusConnected;
	*r->out.pStatus = status;
	dcom_call_done(s->call, istm_hr(rc, session_errors));
}

/* 3.21.4.10: Connected while an initiator is logged in. */
void host_get_status(struct dcom_call *call, void *object, void *rv)
{
	live_query(call, rv, host_of(object), status_done);
}

static void last_login_done(struct live_state *s, int rc, const struct core_session *sessions,
			    size_t n)
{
	struct IHost_get_LastLogIn *r = s->r;
	struct core_target *t = core_target_by_guid(s->call, s->ctx->core, s->guid);
	*r->out.pTimeStamp = t ? t->last_login : 0;
	/* What the core saw last is still the answer when the backend is slow. */
	dcom_call_done(s->call, S_OK);
}

/* 3.21.4.12: a FILETIME, 0 before any login was seen. The sessions are
 * looked at first, so a login since the last reconcile pass counts. */
void host_get_last_login(struct dcom_call *call, void *object, void *rv)
{
	live_query(call, rv, host_of(object), last_login_done);
}

static void sessions_done(struct live_state *s, int rc, const struct core_session *sessions,
			  size_t n)
{
	struct IHost2_EnumSessions *r = s->r;
	if (rc < 0) {
		dcom_call_done(s->call, istm_hr(rc, session_errors));
		return;
	}
	struct istm_enum_items *items = istm_enum_items_new(s->call, &istm_enum_IEnumSession2);
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (!counts(s, &sessions[i]))
			continue;
		struct SESSION2 *e = istm_enum_add_element(items);
		if (e == NULL || istm_session2_fill(e, &sessions[i]) != 0) {
			log_warn("a session of target %s cannot be reported", s->guid);
			items = NULL;
		}
	}
	dcom_call_done(s->call, items ? istm_enum_return(s->call, items, r->out.ppEnumSession)
				      : E_OUTOFMEMORY);
}

/* 3.23.4.6: the target's sessions, from the backend. */
void host_enum_sessions(struct dcom_call *call, void *object, void *rv)
{
	live_query(call, rv, host_of(object), sessions_done);
}
