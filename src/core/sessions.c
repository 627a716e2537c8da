/* Sessions come straight from the backend (MS-ISTM 3.1.1.2: the server
 * shares them with the target implementation). LastLogIn is what the core
 * observes: a session it has not seen before is a login, dated when seen. */
#include <errno.h>
#include <string.h>
#include <sys/time.h>

#include "core/core_internal.h"
#include "core/store.h"
#include "istmd/log.h"

/* 100 ns intervals between 1601-01-01 and 1970-01-01. */
#define FILETIME_UNIX_EPOCH 116444736000000000LL

static int64_t filetime_now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return FILETIME_UNIX_EPOCH + (int64_t)tv.tv_sec * 10000000 + (int64_t)tv.tv_usec * 10;
}

void sessions_observe(struct core *c, struct mtarget *mt, const uint16_t *tsihs, size_t n)
{
	struct target_live *live = &mt->live;
	bool new_login = false;
	/* After a start, sessions that were already there are not new logins,
	 * unless no login was ever recorded. */
	bool first = !live->tsihs_known;
	live->tsihs_known = true;
	for (size_t i = 0; i < n && !new_login; i++) {
		bool seen = false;
		for (size_t j = 0; j < live->n_tsihs && !seen; j++)
			seen = live->tsihs[j] == tsihs[i];
		new_login = !seen;
	}
	uint16_t *copy = talloc_zero_array(mt, uint16_t, n + 1);
	if (copy != NULL) {
		if (n > 0)
			memcpy(copy, tsihs, n * sizeof(*tsihs));
		talloc_free(live->tsihs);
		live->tsihs = copy;
		live->n_tsihs = n;
	}
	live->n_sessions = (unsigned)n;
	if (!new_login || (first && mt->t->last_login != 0))
		return;
	mt->t->last_login = filetime_now();
	struct store_tx *tx = store_tx_new(NULL);
	if (tx != NULL && store_tx_last_login(tx, mt->t->guid, mt->t->last_login) == 0)
		core_store_background(c, tx, "last login");
	else
		talloc_free(tx);
}

static const char *dup0(TALLOC_CTX *mem, const char *s)
{
	return s != NULL ? talloc_strdup(mem, s) : NULL;
}

/* A deep copy: the backend's strings may live elsewhere. */
static bool copy_session(TALLOC_CTX *mem, struct iscsi_session_info *dst,
			 const struct iscsi_session_info *src)
{
	*dst = *src;
	dst->target_iqn = dup0(mem, src->target_iqn);
	dst->initiator_iqn = dup0(mem, src->initiator_iqn);
	dst->initiator_alias = dup0(mem, src->initiator_alias);
	dst->conns = talloc_zero_array(mem, struct iscsi_connection_info, src->n_conns + 1);
	if (dst->conns == NULL)
		return false;
	for (size_t i = 0; i < src->n_conns; i++) {
		dst->conns[i] = src->conns[i];
		dst->conns[i].initiator_address = dup0(mem, src->conns[i].initiator_address);
		dst->conns[i].target_address = dup0(mem, src->conns[i].target_address);
	}
	return true;
}

void sessions_observe_all(struct core *c, const struct iscsi_session_info *info, size_t n,
			  const char *only_iqn)
{
	for (size_t k = 0; k < c->model->n_targets; k++) {
		struct mtarget *mt = c->model->targets[k];
		if (only_iqn != NULL && !core_str_ieq(only_iqn, mt->t->iqn))
			continue;
		uint16_t *tsihs = talloc_zero_array(NULL, uint16_t, n + 1);
		size_t m = 0;
		for (size_t i = 0; tsihs != NULL && i < n; i++)
			if (!info[i].discovery && core_str_ieq(info[i].target_iqn, mt->t->iqn))
				tsihs[m++] = info[i].tsih;
		if (tsihs != NULL)
			sessions_observe(c, mt, tsihs, m);
		talloc_free(tsihs);
	}
}

struct sessions_state {
	struct core *c;
	char *iqn;
	struct core_session *sessions;
	size_t n;
};

static void sessions_done(struct tevent_req *subreq);

struct tevent_req *core_sessions_send(TALLOC_CTX *mem, struct core *c, const char *name)
{
	struct sessions_state *s;
	struct tevent_req *req = tevent_req_create(mem, &s, struct sessions_state);
	if (req == NULL)
		return NULL;
	s->c = c;
	if (name != NULL) {
		const struct mtarget *mt = model_target_by_name(c->model, name);
		if (mt == NULL) {
			tevent_req_error(req, ENOENT);
			return tevent_req_post(req, c->ev);
		}
		s->iqn = talloc_strdup(s, mt->t->iqn);
		if (tevent_req_nomem(s->iqn, req))
			return tevent_req_post(req, c->ev);
	}
	if (c->backend == NULL || !iscsi_backend_is_up(c->backend, NULL)) {
		tevent_req_error(req, ENOTCONN);
		return tevent_req_post(req, c->ev);
	}
	struct tevent_req *subreq = iscsi_backend_sessions_send(s, c->ev, c->backend, s->iqn);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, c->ev);
	tevent_req_set_callback(subreq, sessions_done, req);
	return req;
}

static void sessions_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct sessions_state *s = tevent_req_data(req, struct sessions_state);
	struct core *c = s->c;
	struct iscsi_session_info *info = NULL;
	size_t n = 0;
	int rc = iscsi_backend_sessions_recv(subreq, s, &info, &n);
	talloc_free(subreq);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	s->sessions = talloc_zero_array(s, struct core_session, n + 1);
	if (tevent_req_nomem(s->sessions, req))
		return;
	for (size_t i = 0; i < n; i++) {
		struct core_session *cs = &s->sessions[s->n++];
		if (!copy_session(s->sessions, &cs->info, &info[i])) {
			tevent_req_oom(req);
			return;
		}
		const struct mtarget *mt = model_target_by_iqn(c->model, info[i].target_iqn);
		if (mt != NULL) {
			cs->target_guid = talloc_strdup(s->sessions, mt->t->guid);
			cs->target_name = talloc_strdup(s->sessions, mt->t->name);
		}
	}
	sessions_observe_all(c, info, n, s->iqn);
	tevent_req_done(req);
}

int core_sessions_recv(struct tevent_req *req, TALLOC_CTX *mem, struct core_session **sessions,
		       size_t *n)
{
	struct sessions_state *s = tevent_req_data(req, struct sessions_state);
	enum tevent_req_state rs;
	uint64_t err;
	if (tevent_req_is_error(req, &rs, &err))
		return rs == TEVENT_REQ_USER_ERROR ? -(int)err : -ENOMEM;
	*sessions = talloc_steal(mem, s->sessions);
	*n = s->n;
	return 0;
}
