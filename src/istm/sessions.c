/* Session management: ISessionManager and ISessionManager2 (MS-ISTM 3.34,
 * 3.35). Every answer comes from the backend at the time of the call
 * (core_sessions_send: the sessions of every target, ours or not); asking
 * also dates new logins (LastLogIn). TSIHs are unique across tgtd's targets,
 * so a TSIH names one session. */
#include "istm/sessions.h"

#include <errno.h>
#include <string.h>

#include "istm/enumerator.h"
#include "istm/errmap.h"
#include "istm/istm.h"
#include "istmd/hresult.h"
#include "istmd/log.h"
#include "istmd/utf16.h"

int istm_session2_fill(struct SESSION2 *e, const struct core_session *cs)
{
	const struct iscsi_session_info *i = &cs->info;
	if (WSTR_SET(e->InitiatorIQN, i->initiator_iqn ? i->initiator_iqn : "") != 0 ||
	    WSTR_SET(e->HostTargetIQN, i->target_iqn ? i->target_iqn : "") != 0 ||
	    WSTR_SET(e->HostName, cs->target_name ? cs->target_name : "") != 0)
		return -EINVAL;
	e->TSIH = i->tsih;
	e->ISID = i->isid;
	e->eType = i->discovery ? Discovery : Normal;
	e->eAuthMethod = i->auth == ISCSI_AUTH_CHAP ? Chap : None;
	return 0;
}

int istm_connection_fill(struct CONNECTION *e, const struct iscsi_connection_info *ci)
{
	if (WSTR_SET(e->InitiatorIpAddress, ci->initiator_address ? ci->initiator_address : "") !=
		    0 ||
	    WSTR_SET(e->TargetIpAddress, ci->target_address ? ci->target_address : "") != 0)
		return -EINVAL;
	e->CID = ci->cid;
	e->InitiatorPort = ci->initiator_port;
	e->TargetPort = ci->target_port;
	e->HeaderDigestEnabled = ci->header_digest;
	e->DataDigestEnabled = ci->data_digest;
	return 0;
}

static const struct istm_errmap session_errors[] = {
	{ -ETIMEDOUT, HR_WIN32(ERROR_NOT_READY) },
	{ -EIO, HR_WIN32(ERROR_NOT_READY) },
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) },
	{ -EINVAL, E_INVALIDARG },
	{ 0, 0 },
};

struct query;
typedef int (*query_fn)(struct query *q, const struct core_session *sessions, size_t n);

struct query {
	struct dcom_call *call;
	void *r;
	uint16_t tsih; /* 0: every session */
	query_fn answer;
};

static void query_done(struct tevent_req *req)
{
	struct query *q = tevent_req_callback_data(req, struct query);
	struct core_session *sessions = NULL;
	size_t n = 0;
	int rc = core_sessions_recv(req, q, &sessions, &n);
	talloc_free(req);
	if (rc == -ENOTCONN) /* no backend running: no session can exist */
		rc = 0, n = 0;
	if (rc == 0)
		rc = q->answer(q, sessions, n);
	dcom_call_done(q->call, istm_hr(rc, session_errors));
}

/* Asks the backend for every session, then ANSWER (which returns 0 or a
 * negative errno mapped by session_errors). TSIH 0 is refused by the methods
 * that take one (3.35.4.2-4: "MUST NOT be zero"). */
static void query(struct dcom_call *call, void *object, void *r, bool by_tsih, uint16_t tsih,
		  query_fn answer)
{
	struct istm_manager *m = object;
	if (by_tsih && tsih == 0) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	struct query *q = talloc_zero(call, struct query);
	if (q == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	*q = (struct query){ .call = call, .r = r, .tsih = tsih, .answer = answer };
	struct tevent_req *req = core_sessions_send(q, m->ctx->core, NULL);
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, query_done, q);
}

static const struct core_session *find(const struct query *q, const struct core_session *s,
				       size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].info.tsih == q->tsih)
			return &s[i];
	return NULL;
}

/* 3.34.4.1 */
static int answer_sessions1(struct query *q, const struct core_session *s, size_t n)
{
	struct ISessionManager_EnumSessions *r = q->r;
	struct istm_enum_items *items = istm_enum_items_new(q->call, &istm_enum_IEnumSession);
	for (size_t i = 0; items != NULL && i < n; i++) {
		struct SESSION *e = istm_enum_add_element(items);
		if (e == NULL)
			return -ENOMEM;
		const struct iscsi_session_info *si = &s[i].info;
		if (WSTR_SET(e->InitiatorIQN, si->initiator_iqn ? si->initiator_iqn : "") != 0 ||
		    WSTR_SET(e->HostTargetIQN, si->target_iqn ? si->target_iqn : "") != 0)
			return -EMSGSIZE;
	}
	if (items == NULL)
		return -ENOMEM;
	return istm_enum_return(q->call, items, r->out.ppEnumSession) == S_OK ? 0 : -ENOMEM;
}

static void enum_sessions1(struct dcom_call *call, void *object, void *rv)
{
	query(call, object, rv, false, 0, answer_sessions1);
}

/* 3.35.4.1 */
static int answer_sessions2(struct query *q, const struct core_session *s, size_t n)
{
	struct ISessionManager2_EnumSessions2 *r = q->r;
	struct istm_enum_items *items = istm_enum_items_new(q->call, &istm_enum_IEnumSession2);
	for (size_t i = 0; items != NULL && i < n; i++) {
		struct SESSION2 *e = istm_enum_add_element(items);
		if (e == NULL)
			return -ENOMEM;
		if (istm_session2_fill(e, &s[i]) != 0)
			return -EMSGSIZE;
	}
	if (items == NULL)
		return -ENOMEM;
	return istm_enum_return(q->call, items, r->out.ppEnumSession) == S_OK ? 0 : -ENOMEM;
}

static void enum_sessions2(struct dcom_call *call, void *object, void *rv)
{
	query(call, object, rv, false, 0, answer_sessions2);
}

/* 3.35.4.2 */
static int answer_connections(struct query *q, const struct core_session *s, size_t n)
{
	struct ISessionManager2_EnumConnections *r = q->r;
	const struct core_session *cs = find(q, s, n);
	if (cs == NULL)
		return -ENOENT;
	struct istm_enum_items *items = istm_enum_items_new(q->call, &istm_enum_IEnumConnection);
	for (size_t i = 0; items != NULL && i < cs->info.n_conns; i++) {
		struct CONNECTION *e = istm_enum_add_element(items);
		if (e == NULL)
			return -ENOMEM;
		if (istm_connection_fill(e, &cs->info.conns[i]) != 0)
			return -EMSGSIZE;
	}
	if (items == NULL)
		return -ENOMEM;
	return istm_enum_return(q->call, items, r->out.ppEnumConnection) == S_OK ? 0 : -ENOMEM;
}

static void enum_connections(struct dcom_call *call, void *object, void *rv)
{
	struct ISessionManager2_EnumConnections *r = rv;
	query(call, object, rv, true, r->in.TSIH, answer_connections);
}

/* 3.35.4.3 */
static int answer_session(struct query *q, const struct core_session *s, size_t n)
{
	struct ISessionManager2_GetSession *r = q->r;
	const struct core_session *cs = find(q, s, n);
	if (cs == NULL)
		return -ENOENT;
	return istm_session2_fill(r->out.pSessionInfo, cs) == 0 ? 0 : -EMSGSIZE;
}

static void get_session(struct dcom_call *call, void *object, void *rv)
{
	struct ISessionManager2_GetSession *r = rv;
	query(call, object, rv, true, r->in.TSIH, answer_session);
}

/* 3.35.4.4: an unknown TSIH or CID is ERROR_FILE_NOT_FOUND. */
static int answer_connection(struct query *q, const struct core_session *s, size_t n)
{
	struct ISessionManager2_GetConnection *r = q->r;
	const struct core_session *cs = find(q, s, n);
	if (cs == NULL)
		return -ENOENT;
	for (size_t i = 0; i < cs->info.n_conns; i++)
		if (cs->info.conns[i].cid == r->in.CID)
			return istm_connection_fill(r->out.pConnectionInfo, &cs->info.conns[i]) == 0
				       ? 0
				       : -EMSGSIZE;
	return -ENOENT;
}

static void get_connection(struct dcom_call *call, void *object, void *rv)
{
	struct ISessionManager2_GetConnection *r = rv;
	query(call, object, rv, true, r->in.TSIH, answer_connection);
}

static const dcom_method_fn session_manager_methods[] = {
	[NDR_ISESSIONMANAGER_ENUMSESSIONS] = enum_sessions1,
	[NDR_ISESSIONMANAGER2_ENUMSESSIONS2] = enum_sessions2,
	[NDR_ISESSIONMANAGER2_ENUMCONNECTIONS] = enum_connections,
	[NDR_ISESSIONMANAGER2_GETSESSION] = get_session,
	[NDR_ISESSIONMANAGER2_GETCONNECTION] = get_connection,
};

static const struct dcom_chain session_manager_chains[] = {
	DCOM_CHAIN(ISessionManager2, session_manager_methods),
};

const struct dcom_class istm_session_manager_class = {
	.name = "SessionManager",
	.chains = session_manager_chains,
	.num_chains = 1,
	.singleton = true,
};
