/* Feeds the iSNS agent (backend/isns_agent.h) what to register: every
 * enabled target with its portals, its name as alias and its initiator IQN
 * IDs, and the servers of ISnsMgr. Built from the model on the loop at each
 * change core_watch_targets() reports (coalesced); the agent's thread does
 * the rest. docs/isns.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

#include "backend/isns_agent.h"
#include "core/core_internal.h"
#include "istmd/log.h"

/* Building the view costs time in the number of targets: with no server
 * there is nothing to register (the view names no target), and a build
 * waits at least FEED_SLOW_FACTOR times as long as the last one took, so
 * that creating thousands of targets one by one does not rebuild the whole
 * view for each (issue 16). */
#define FEED_SLOW_FACTOR 10

struct isns_feed {
	struct core *c;
	struct isns_agent *agent;
	struct tevent_timer *timer; /* a build put off until NOT_BEFORE */
	struct timeval not_before;
};

static bool wildcard(const char *a)
{
	return strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0;
}

static int add_portal(TALLOC_CTX *mem, struct iscsi_portal **list, size_t *n, const char *address,
		      uint16_t port)
{
	for (size_t i = 0; i < *n; i++)
		if ((*list)[i].port == port && iscsi_same_address((*list)[i].address, address))
			return 0;
	struct iscsi_portal *l = talloc_realloc(mem, *list, struct iscsi_portal, *n + 1);
	if (l == NULL)
		return -ENOMEM;
	*list = l;
	l[*n] = (struct iscsi_portal){ talloc_strdup(l, address), port };
	return l[(*n)++].address != NULL ? 0 : -ENOMEM;
}

/* A wildcard listener is registered as the host's addresses of its family
 * (not loopback, not IPv6 link-local: no initiator elsewhere reaches them). */
static int add_wildcard(TALLOC_CTX *mem, struct iscsi_portal **list, size_t *n, bool v6,
			uint16_t port)
{
	struct ifaddrs *ifs = NULL;
	if (getifaddrs(&ifs) != 0)
		return 0;
	int rc = 0;
	for (struct ifaddrs *i = ifs; rc == 0 && i != NULL; i = i->ifa_next) {
		char text[INET6_ADDRSTRLEN];
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != (v6 ? AF_INET6 : AF_INET))
			continue;
		if (v6) {
			const struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
			    inet_ntop(AF_INET6, a, text, sizeof(text)) == NULL)
				continue;
		} else {
			const struct in_addr *a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			if ((ntohl(a->s_addr) >> 24) == 127 ||
			    inet_ntop(AF_INET, a, text, sizeof(text)) == NULL)
				continue;
		}
		rc = add_portal(mem, list, n, text, port);
	}
	freeifaddrs(ifs);
	return rc;
}

static int resolve_portals(TALLOC_CTX *mem, const struct iscsi_portal *in, size_t n_in,
			   struct iscsi_portal **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n_in; i++)
		rc = wildcard(in[i].address)
			     ? add_wildcard(mem, out, n_out, strchr(in[i].address, ':') != NULL,
					    in[i].port)
			     : add_portal(mem, out, n_out, in[i].address, in[i].port);
	return rc;
}

static int build_view(TALLOC_CTX *mem, struct core *c, struct isns_view *v)
{
	struct model *m = c->model;
	memset(v, 0, sizeof(*v));
	v->servers = (const char **)m->isns_servers;
	v->n_servers = m->n_isns_servers;
	v->targets = talloc_zero_array(mem, struct isns_view_target,
				       m->n_isns_servers > 0 ? m->n_targets + 1 : 1);
	if (v->targets == NULL)
		return -ENOMEM;
	if (m->n_isns_servers == 0)
		return 0; /* nobody to register with; adding a server builds it */
	/* the portals of targets that name none: where the backend listens */
	struct iscsi_portal *listeners = NULL;
	size_t n_listeners = 0;
	if (c->backend != NULL &&
	    iscsi_backend_listeners(c->backend, mem, &listeners, &n_listeners) < 0)
		return -ENOMEM;
	struct iscsi_portal *dflt;
	size_t n_dflt;
	if (resolve_portals(mem, listeners, n_listeners, &dflt, &n_dflt) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_targets; i++) {
		const struct core_target *t = m->targets[i]->t;
		if (!t->enabled || t->iqn == NULL)
			continue;
		struct isns_view_target *vt = &v->targets[v->n_targets];
		vt->iqn = t->iqn;
		vt->alias = t->name;
		vt->initiators = talloc_zero_array(mem, const char *, t->n_ids + 1);
		if (vt->initiators == NULL)
			return -ENOMEM;
		for (size_t j = 0; j < t->n_ids; j++) {
			if (t->ids[j].method != CORE_ID_IQN)
				continue;
			if (strcmp(t->ids[j].value, "*") == 0)
				vt->any_initiator = true;
			else
				vt->initiators[vt->n_initiators++] = t->ids[j].value;
		}
		if (t->n_portals == 0) {
			vt->portals = dflt;
			vt->n_portals = n_dflt;
		} else {
			struct iscsi_portal *own = talloc_zero_array(mem, struct iscsi_portal,
								     t->n_portals);
			if (own == NULL)
				return -ENOMEM;
			for (size_t j = 0; j < t->n_portals; j++)
				own[j] = (struct iscsi_portal){ t->portals[j].address,
								t->portals[j].port };
			if (resolve_portals(mem, own, t->n_portals, &vt->portals, &vt->n_portals) <
			    0)
				return -ENOMEM;
		}
		v->n_targets++;
	}
	return 0;
}

static void feed_build(struct isns_feed *f)
{
	struct timeval start = tevent_timeval_current();
	TALLOC_CTX *tmp = talloc_new(f);
	struct isns_view v;
	if (tmp == NULL || build_view(tmp, f->c, &v) < 0 || isns_agent_set_view(f->agent, &v) < 0)
		log_warn("iSNS: out of memory: registrations not updated");
	talloc_free(tmp);
	struct timeval now = tevent_timeval_current();
	struct timeval took = tevent_timeval_until(&start, &now);
	uint64_t us = ((uint64_t)took.tv_sec * 1000000u + (uint64_t)took.tv_usec) *
		      FEED_SLOW_FACTOR;
	f->not_before = tevent_timeval_add(&now, (uint32_t)(us / 1000000u), (uint32_t)(us % 1000000u));
}

static void feed_timer(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		       void *priv)
{
	struct isns_feed *f = priv;
	f->timer = NULL;
	feed_build(f);
}

static void feed_changed(void *priv)
{
	struct isns_feed *f = priv;
	if (f->timer != NULL)
		return; /* a build is due: it sees this change too */
	struct timeval now = tevent_timeval_current();
	if (tevent_timeval_compare(&now, &f->not_before) < 0) {
		f->timer = tevent_add_timer(f->c->ev, f, f->not_before, feed_timer, f);
		if (f->timer != NULL)
			return;
	}
	feed_build(f);
}

int core_isns_feed(struct core *c, struct isns_agent *agent)
{
	struct isns_feed *f = talloc_zero(c, struct isns_feed);
	if (f == NULL)
		return -ENOMEM;
	f->c = c;
	f->agent = agent;
	int rc = core_watch_targets(c, feed_changed, f);
	if (rc == 0)
		feed_changed(f); /* what there is now */
	return rc;
}
