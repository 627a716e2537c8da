/* istmd as the DCOM client of one console's IStatusNotify object
 * (MS-ISTM 3.42; MS-DCOM 3.2): the OXID resolved through the resolver the
 * OBJREF names, the IPID called on the exporter's binding, the OID pinged
 * every ping period, the references released when the console unregisters.
 * Every step is asynchronous and bounded by [notify] timeout; any error
 * stops the sink (3.42.4.x). docs/notifications.md. */
#include "istm/notify_sink.h"
#include "istm/resolver_binding.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dcom/client.h"
#include "dcom/objref.h"
#include "idl/ndr_ms_istm.h"
#include "istm/notify.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

#define TOWER_NCACN_IP_TCP 7

static const struct istm_notify_config *config_of(const struct nsink *s)
{
	return s->list->config;
}

static struct tevent_context *ev_of(const struct nsink *s)
{
	return s->list->ev;
}

static const char *err_text(TALLOC_CTX *mem, int rc, uint32_t fault)
{
	if (rc == -EREMOTEIO)
		return talloc_asprintf(mem, "fault 0x%08x", fault);
	return strerror(-rc);
}

static int sink_destructor(struct nsink *s)
{
	/* Requests first (they use the client), then what they used. */
	TALLOC_FREE(s->step);
	TALLOC_FREE(s->ping);
	TALLOC_FREE(s->ping_timer);
	TALLOC_FREE(s->iface);
	TALLOC_FREE(s->client);
	return 0;
}

/* ---- the resolver addresses of the OBJREF ------------------------------------ */

/* Each usable binding (resolver_binding.h), at most 16. */
static int add_resolver(uint16_t tower, const char *address, void *priv)
{
	struct nsink *s = priv;
	if (tower != TOWER_NCACN_IP_TCP)
		return 0;
	char host[ISTM_RESOLVER_HOST_LEN];
	uint16_t port;
	if (!istm_resolver_binding(address, s->caller, config_of(s)->only_caller_address, host,
				   &port))
		return 0;
	if (s->n_resolvers >= 16)
		return 0;
	char **r = talloc_realloc(s, s->resolvers, char *, s->n_resolvers + 1);
	uint16_t *p = talloc_realloc(s, s->ports, uint16_t, s->n_resolvers + 1);
	if (r != NULL)
		s->resolvers = r;
	if (p != NULL)
		s->ports = p;
	if (r == NULL || p == NULL || (r[s->n_resolvers] = talloc_strdup(s, host)) == NULL)
		return -ENOMEM;
	p[s->n_resolvers++] = port;
	return 0;
}

static int collect_resolvers(struct nsink *s)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct OBJREF o;
	int rc = tmp ? dcom_objref_pull(tmp, s->mip, &o) : -ENOMEM;
	if (rc == 0) {
		const struct DUALSTRINGARRAY *a = &o.u_objref.u_standard.saResAddr;
		rc = dcom_string_bindings(a->aStringArray, a->wNumEntries, a->wSecurityOffset,
					  add_resolver, s);
	}
	talloc_free(tmp);
	return rc;
}

/* ---- connecting: resolver, OXID, exporter ---------------------------------------- */

static void connect_next(struct nsink *s);
static void connected(struct tevent_req *subreq);
static void resolved(struct tevent_req *subreq);
static void ping_now(struct nsink *s);

int nsink_start(struct nsink *s)
{
	talloc_set_destructor(s, sink_destructor);
	if (collect_resolvers(s) != 0 || s->n_resolvers == 0)
		return -EINVAL;
	s->state = NSINK_CONNECTING;
	connect_next(s);
	return 0;
}

static void connect_next(struct nsink *s)
{
	const struct istm_notify_config *c = config_of(s);
	if (s->next_resolver >= s->n_resolvers) {
		istm_notify_sink_failed(s, "no resolver of its OBJREF answered");
		return;
	}
	size_t i = s->next_resolver++;
	struct dcom_client_options o = {
		.host = s->resolvers[i],
		.port = s->ports[i],
		.timeout_ms = c->timeout_ms,
		.auth = { .auth_type = c->auth_type, .auth_level = c->auth_level,
			  .user = c->user, .domain = c->domain, .password = c->password },
	};
	s->step = dcom_client_connect_send(s, ev_of(s), &o);
	if (s->step == NULL) {
		istm_notify_sink_failed(s, "out of memory");
		return;
	}
	tevent_req_set_callback(s->step, connected, s);
}

static void connected(struct tevent_req *subreq)
{
	struct nsink *s = tevent_req_callback_data(subreq, struct nsink);
	s->step = NULL;
	int rc = dcom_client_connect_recv(subreq, s, &s->client);
	talloc_free(subreq);
	if (rc != 0) {
		log_info("status notifications: sink %llu: resolver %s[%u]: %s",
			 (unsigned long long)s->id, s->resolvers[s->next_resolver - 1],
			 s->ports[s->next_resolver - 1], strerror(-rc));
		connect_next(s);
		return;
	}
	s->step = dcom_client_resolve_oxid_send(s, ev_of(s), s->client, s->oxid);
	if (s->step == NULL) {
		istm_notify_sink_failed(s, "out of memory");
		return;
	}
	tevent_req_set_callback(s->step, resolved, s);
}

static void resolved(struct tevent_req *subreq)
{
	struct nsink *s = tevent_req_callback_data(subreq, struct nsink);
	uint32_t status = 0, fault = 0;
	s->step = NULL;
	int rc = dcom_client_resolve_oxid_recv(subreq, &status, &fault);
	talloc_free(subreq);
	if (rc != 0 || status != 0) {
		istm_notify_sink_failed(s, "ResolveOxid2: %s",
					rc ? err_text(s, rc, fault)
					   : talloc_asprintf(s, "status 0x%08x", status));
		return;
	}
	rc = dcom_client_unmarshal(s, s->client, s->mip, &s->iface);
	if (rc != 0) {
		istm_notify_sink_failed(s, "its OBJREF: %s", strerror(-rc));
		return;
	}
	s->state = NSINK_READY;
	log_info("status notifications: %s's sink %llu (cookie %u) reached at %s",
		 s->user, (unsigned long long)s->id, s->cookie,
		 dcom_client_exporter_binding(s->client));
	/* The first ComplexPing puts the OID in a set (MS-DCOM 3.2.6.1); an
	 * OBJREF with SORF_NOPING asks for none. */
	if (s->iface->pinged)
		ping_now(s);
	nsink_kick(s);
}

/* ---- pinging --------------------------------------------------------------------- */

static void ping_done(struct tevent_req *subreq);
static void retire_done(struct nsink *s);

static void ping_due(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		     void *priv)
{
	struct nsink *s = priv;
	s->ping_timer = NULL;
	ping_now(s);
}

static void ping_arm(struct nsink *s)
{
	if (s->state != NSINK_READY || s->ping_timer != NULL)
		return;
	s->ping_timer = tevent_add_timer(ev_of(s), s,
					 tevent_timeval_current_ofs(config_of(s)->ping_period_s, 0),
					 ping_due, s);
	if (s->ping_timer == NULL)
		istm_notify_sink_failed(s, "out of memory");
}

static void ping_now(struct nsink *s)
{
	if (s->ping != NULL)
		return; /* its end arms the next one */
	s->ping = dcom_client_ping_send(s, ev_of(s), s->client);
	if (s->ping == NULL) {
		if (s->state == NSINK_RETIRING)
			retire_done(s);
		else
			istm_notify_sink_failed(s, "out of memory");
		return;
	}
	tevent_req_set_callback(s->ping, ping_done, s);
}

static void ping_done(struct tevent_req *subreq)
{
	struct nsink *s = tevent_req_callback_data(subreq, struct nsink);
	uint32_t status = 0, fault = 0;
	s->ping = NULL;
	int rc = dcom_client_ping_recv(subreq, &status, &fault);
	talloc_free(subreq);
	if (s->state == NSINK_RETIRING) {
		if (rc != 0 || (s->released && s->final_ping)) {
			retire_done(s);
		} else if (s->released) {
			s->final_ping = true; /* this one still named the OID */
			ping_now(s);
		}
		return;
	}
	if (rc != 0 || status != 0) {
		istm_notify_sink_failed(s, "ping: %s",
					rc ? err_text(s, rc, fault)
					   : talloc_asprintf(s, "status 0x%08x", status));
		return;
	}
	ping_arm(s);
}

/* ---- calls ----------------------------------------------------------------------- */

static void call_done(struct tevent_req *subreq);
static void retire_release(struct nsink *s);

void nsink_queue(struct nsink *s, const struct core_event *e)
{
	if (s->statuses == NULL || s->state == NSINK_RETIRING)
		return;
	if (e->kind == CORE_EVENT_LUN_LIST) {
		s->coalesced += s->list_pending;
		s->list_pending = true;
		return;
	}
	struct LUN_STATUS st = { .dwLun = e->wtd,
				 .eStatus = (enum DeviceStatus)e->status,
				 .dwProgressPercent = e->progress_percent,
				 .dwCompletionError = e->completion_error };
	for (size_t i = 0; i < s->n_statuses; i++) {
		if (s->statuses[i].dwLun == e->wtd) {
			s->statuses[i] = st; /* only the latest status matters */
			s->coalesced++;
			return;
		}
	}
	if (s->n_statuses < config_of(s)->queue) {
		s->statuses[s->n_statuses++] = st;
		return;
	}
	/* Full: the console is told to look again instead. */
	s->coalesced++;
	s->list_pending = true;
}

void nsink_kick(struct nsink *s)
{
	if (s->state != NSINK_READY || s->step != NULL)
		return;
	void *r;
	if (s->list_pending) {
		struct IStatusNotify_LunListChanged *l =
			talloc_zero(s, struct IStatusNotify_LunListChanged);
		if (l != NULL)
			l->in.lCookie = s->cookie;
		r = l;
		s->call_opnum = NDR_ISTATUSNOTIFY_LUNLISTCHANGED;
		s->list_pending = false;
	} else if (s->n_statuses > 0) {
		struct IStatusNotify_LunStatusUpdate *u =
			talloc_zero(s, struct IStatusNotify_LunStatusUpdate);
		if (u != NULL) {
			u->in.lCookie = s->cookie;
			u->in.pLunStatus = talloc_memdup(u, &s->statuses[0], sizeof(s->statuses[0]));
			if (u->in.pLunStatus == NULL)
				TALLOC_FREE(u);
		}
		r = u;
		s->call_opnum = NDR_ISTATUSNOTIFY_LUNSTATUSUPDATE;
		memmove(&s->statuses[0], &s->statuses[1],
			(s->n_statuses - 1) * sizeof(s->statuses[0]));
		s->n_statuses--;
	} else {
		return;
	}
	if (r != NULL)
		s->step = dcom_client_call_send(s, ev_of(s), s->iface, &ndr_table_IStatusNotify,
						s->call_opnum, r, r);
	if (r == NULL || s->step == NULL) {
		talloc_free(r);
		istm_notify_sink_failed(s, "out of memory");
		return;
	}
	s->call_r = r;
	tevent_req_set_callback(s->step, call_done, s);
}

static void call_done(struct tevent_req *subreq)
{
	struct nsink *s = tevent_req_callback_data(subreq, struct nsink);
	uint32_t fault = 0;
	s->step = NULL;
	int rc = dcom_client_call_recv(subreq, &fault);
	talloc_free(subreq);
	void *r = s->call_r;
	s->call_r = NULL;
	bool list = s->call_opnum == NDR_ISTATUSNOTIFY_LUNLISTCHANGED;
	const char *what = list ? "LunListChanged" : "LunStatusUpdate";
	uint32_t result = list ? ((struct IStatusNotify_LunListChanged *)r)->out.result
			       : ((struct IStatusNotify_LunStatusUpdate *)r)->out.result;
	talloc_free(r);
	if (s->state == NSINK_RETIRING) {
		retire_release(s);
		return;
	}
	if (rc != 0) {
		istm_notify_sink_failed(s, "%s: %s", what, err_text(s, rc, fault));
		return;
	}
	if (HR_FAILED(result)) {
		istm_notify_sink_failed(s, "%s returned 0x%08x", what, result);
		return;
	}
	s->sent++;
	log_debug("status notifications: %s(%u) to sink %llu", what, s->cookie,
		  (unsigned long long)s->id);
	nsink_kick(s);
}

/* ---- retirement: RemRelease, then a ping without the OID ----------------------- */

static void released(struct tevent_req *subreq);

static void retire_done(struct nsink *s)
{
	DLIST_UNLINK(s->list->retiring, s);
	talloc_free(s);
}

void nsink_retire(struct nsink *s)
{
	s->list_pending = false;
	s->n_statuses = 0;
	if (s->state != NSINK_READY) {
		retire_done(s); /* nothing acquired on the console yet */
		return;
	}
	s->state = NSINK_RETIRING;
	TALLOC_FREE(s->ping_timer);
	if (s->step == NULL)
		retire_release(s); /* else after the call under way */
}

static void retire_release(struct nsink *s)
{
	s->step = dcom_client_release_send(s, ev_of(s), s->iface);
	if (s->step == NULL) {
		retire_done(s);
		return;
	}
	tevent_req_set_callback(s->step, released, s);
}

static void released(struct tevent_req *subreq)
{
	struct nsink *s = tevent_req_callback_data(subreq, struct nsink);
	uint32_t hresult = 0, fault = 0;
	s->step = NULL;
	int rc = dcom_client_release_recv(subreq, &hresult, &fault);
	talloc_free(subreq);
	if (rc != 0) {
		log_info("status notifications: sink %llu: RemRelease: %s", (unsigned long long)s->id,
			 err_text(s, rc, fault));
		retire_done(s);
		return;
	}
	log_debug("status notifications: sink %llu released (0x%08x)", (unsigned long long)s->id,
		  hresult);
	s->released = true;
	bool was_pinged = s->iface->pinged;
	s->iface->pinged = false; /* out of the ping set whatever the answer */
	if (s->ping != NULL)
		return; /* its end sends the last ping */
	if (!was_pinged) {
		retire_done(s);
		return;
	}
	s->final_ping = true;
	ping_now(s);
}
