/* Reaching a client's DCOM object to call it back (client_object.h). */
#include "istm/client_object.h"

#include <errno.h>
#include <string.h>

#include "dcom/client.h"
#include "dcom/objref.h"
#include "istm/notify.h"
#include "istm/resolver_binding.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

#define TOWER_NCACN_IP_TCP 7
#define MAX_RESOLVERS 16
#ifndef ERROR_TIMEOUT
#define ERROR_TIMEOUT 1460u
#endif
#ifndef RPC_S_SERVER_UNAVAILABLE
#define RPC_S_SERVER_UNAVAILABLE 1722u
#endif

uint32_t istm_client_hr(int rc)
{
	return rc == -ETIMEDOUT ? HR_WIN32(ERROR_TIMEOUT) : HR_WIN32(RPC_S_SERVER_UNAVAILABLE);
}

struct co_state {
	struct tevent_context *ev;
	const struct istm_notify_config *config;
	const char *what;
	const char *caller;
	struct MInterfacePointer mip;
	uint64_t oxid;
	char *resolvers[MAX_RESOLVERS];
	uint16_t ports[MAX_RESOLVERS];
	size_t n_resolvers, next_resolver;
	struct istm_client_object *co;
	uint32_t hr;
	char *why;
};

/* Ends the request with HR (the request's outcome, not a tevent error). */
static void co_end(struct tevent_req *req, uint32_t hr, char *why)
{
	struct co_state *s = tevent_req_data(req, struct co_state);
	s->hr = hr;
	s->why = why;
	tevent_req_done(req);
}

static int add_resolver(uint16_t tower, const char *address, void *priv)
{
	struct co_state *s = priv;
	char host[ISTM_RESOLVER_HOST_LEN];
	uint16_t port;
	if (tower != TOWER_NCACN_IP_TCP || s->n_resolvers >= MAX_RESOLVERS ||
	    !istm_resolver_binding(address, s->caller, s->config->only_caller_address, host, &port))
		return 0;
	if ((s->resolvers[s->n_resolvers] = talloc_strdup(s, host)) == NULL)
		return -ENOMEM;
	s->ports[s->n_resolvers++] = port;
	return 0;
}

static void connect_next(struct tevent_req *req, int last_rc);
static void connected(struct tevent_req *subreq);
static void resolved(struct tevent_req *subreq);

struct tevent_req *istm_client_object_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					   const struct istm_notify_config *config,
					   const char *caller, const struct MInterfacePointer *mip,
					   const struct OBJREF *o, const char *what)
{
	struct co_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct co_state);
	if (req == NULL)
		return NULL;
	s->ev = ev;
	s->config = config;
	s->what = what;
	s->co = talloc_zero(s, struct istm_client_object);
	s->caller = caller ? talloc_strdup(s, caller) : NULL;
	s->mip.ulCntData = mip->ulCntData;
	s->mip.abData = talloc_memdup(s, mip->abData, mip->ulCntData);
	if (s->co == NULL || (caller && s->caller == NULL) || s->mip.abData == NULL) {
		co_end(req, E_OUTOFMEMORY, talloc_strdup(s, "out of memory"));
		return tevent_req_post(req, ev);
	}
	const struct STDOBJREF *std = &o->u_objref.u_standard.std;
	s->oxid = std->oxid;
	const struct DUALSTRINGARRAY *a = &o->u_objref.u_standard.saResAddr;
	int rc = dcom_string_bindings(a->aStringArray, a->wNumEntries, a->wSecurityOffset,
				      add_resolver, s);
	if (rc != 0 || s->n_resolvers == 0) {
		co_end(req, E_INVALIDARG,
		       talloc_strdup(s, "no resolver address in the OBJREF istmd may call "
					"([notify] only_caller_address)"));
		return tevent_req_post(req, ev);
	}
	connect_next(req, -EHOSTUNREACH);
	return req;
}

static void connect_next(struct tevent_req *req, int last_rc)
{
	struct co_state *s = tevent_req_data(req, struct co_state);
	if (s->next_resolver >= s->n_resolvers) {
		co_end(req, istm_client_hr(last_rc),
		       talloc_asprintf(s, "no resolver of the OBJREF answered (%s)",
				       strerror(-last_rc)));
		return;
	}
	size_t i = s->next_resolver++;
	const struct istm_notify_config *c = s->config;
	struct dcom_client_options o = {
		.host = s->resolvers[i],
		.port = s->ports[i],
		.timeout_ms = c->timeout_ms,
		.auth = { .auth_type = c->auth_type, .auth_level = c->auth_level,
			  .user = c->user, .domain = c->domain, .password = c->password },
	};
	TALLOC_FREE(s->co->client);
	struct tevent_req *subreq = dcom_client_connect_send(s, s->ev, &o);
	if (subreq == NULL) {
		co_end(req, E_OUTOFMEMORY, talloc_strdup(s, "out of memory"));
		return;
	}
	tevent_req_set_callback(subreq, connected, req);
}

static void connected(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct co_state *s = tevent_req_data(req, struct co_state);
	int rc = dcom_client_connect_recv(subreq, s->co, &s->co->client);
	talloc_free(subreq);
	if (rc != 0) {
		log_info("%s: resolver %s[%u]: %s", s->what, s->resolvers[s->next_resolver - 1],
			 s->ports[s->next_resolver - 1], strerror(-rc));
		connect_next(req, rc);
		return;
	}
	subreq = dcom_client_resolve_oxid_send(s, s->ev, s->co->client, s->oxid);
	if (subreq == NULL) {
		co_end(req, E_OUTOFMEMORY, talloc_strdup(s, "out of memory"));
		return;
	}
	tevent_req_set_callback(subreq, resolved, req);
}

static void resolved(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct co_state *s = tevent_req_data(req, struct co_state);
	uint32_t status = 0, fault = 0;
	int rc = dcom_client_resolve_oxid_recv(subreq, &status, &fault);
	talloc_free(subreq);
	if (rc != 0 || status != 0) {
		co_end(req, rc ? istm_client_hr(rc) : E_INVALIDARG,
		       talloc_asprintf(s, "ResolveOxid2: %s status 0x%08x fault 0x%08x",
				       rc ? strerror(-rc) : "", status, fault));
		return;
	}
	if (dcom_client_unmarshal(s->co, s->co->client, &s->mip, &s->co->iface) != 0) {
		co_end(req, E_INVALIDARG,
		       talloc_strdup(s, "its OBJREF names no object of that exporter"));
		return;
	}
	co_end(req, S_OK, NULL);
}

uint32_t istm_client_object_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
				 struct istm_client_object **co, char **why)
{
	struct co_state *s = tevent_req_data(req, struct co_state);
	*co = NULL;
	*why = s->why ? talloc_steal(mem_ctx, s->why) : NULL;
	if (s->hr == S_OK)
		*co = talloc_steal(mem_ctx, s->co);
	return s->hr;
}

/* ---- the release ------------------------------------------------------------------- */

struct release_state {
	struct istm_client_object *co;
	const char *what;
};

static void release_done(struct tevent_req *subreq);

struct tevent_req *istm_client_object_release_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
						   struct istm_client_object *co,
						   const char *what)
{
	struct release_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct release_state);
	if (req == NULL)
		return NULL;
	s->co = co;
	s->what = what;
	struct tevent_req *subreq = dcom_client_release_send(s, ev, co->iface);
	if (subreq == NULL) {
		talloc_free(req);
		return NULL;
	}
	tevent_req_set_callback(subreq, release_done, req);
	return req;
}

static void release_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct release_state *s = tevent_req_data(req, struct release_state);
	uint32_t hresult = 0, fault = 0;
	int rc = dcom_client_release_recv(subreq, &hresult, &fault);
	talloc_free(subreq);
	if (rc != 0)
		log_info("%s: RemRelease: %s", s->what, strerror(-rc));
	TALLOC_FREE(s->co->iface);
	TALLOC_FREE(s->co->client);
	tevent_req_done(req);
}

void istm_client_object_release_recv(struct tevent_req *req)
{
	(void)req;
}
