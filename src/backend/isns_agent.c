/* The iSNS agent's thread and its hand-offs with the event loop
 * (isns_agent.h). The loop never waits for the network: it swaps a new view
 * in under the mutex and signals; the thread does every exchange (via
 * isns_agent_proto.c) and publishes the initiators it found under the same
 * mutex. Each view and each initiator list is its own talloc tree, owned by
 * one side at a time.
 *
 * Per server the thread keeps: whether it is registered, what it registered
 * (a fingerprint of the view), when to refresh (before the registration
 * period ends, RFC 4171 6.2.6), and a back-off after failures. A changed
 * view re-registers at once; an unchanged one every refresh interval, which
 * also restores the registrations after the server lost them (restart). */
#include "backend/isns_agent.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/isns_agent_proto.h"
#include "istmd/config.h"
#include "istmd/log.h"

#define MAX_REFRESH_S 300
#define RETRY_MIN_S 1
#define RETRY_MAX_S 30

struct server_state {
	char *name;
	bool registered;       /* the last exchange registered FP */
	char *fp;              /* fingerprint of what is registered */
	struct isns_proto_reg reg; /* what to deregister */
	time_t next_refresh;
	time_t next_query;
	unsigned failures;
	bool wanted;           /* still in the view */
};

struct isns_agent {
	struct isns_agent_options o;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under MU */
	struct isns_view *pending; /* its own talloc tree, NULL: none new */
	bool stop;
	struct isns_cached_initiator *cache; /* its own talloc tree (a talloc array) */
	size_t n_cache;
	uint64_t registrations;
	/* thread only */
	struct isns_view *view;
	char *view_fp;
	struct server_state **servers;
	size_t n_servers;
};

int isns_agent_options_from_config(TALLOC_CTX *mem, struct cfg *cfg, struct isns_agent_options *o,
				   char **err)
{
	uint64_t v;
	memset(o, 0, sizeof(*o));
	char host[256] = "localhost";
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	const char *entity = cfg_get(cfg, "isns", "entity", NULL);
	o->entity = entity != NULL ? talloc_strdup(mem, entity) : talloc_asprintf(mem, "istmd:%s", host);
	if (o->entity == NULL)
		return -ENOMEM;
	if (cfg_get_uint(cfg, "isns", "refresh", 0, 0, 86400, &v, err) != 0)
		return -EINVAL;
	o->refresh_s = (unsigned)v;
	if (cfg_get_uint(cfg, "isns", "query_interval", 0, 0, 86400, &v, err) != 0)
		return -EINVAL;
	o->query_s = (unsigned)v;
	if (cfg_get_uint(cfg, "isns", "timeout_ms", 3000, 100, 60000, &v, err) != 0)
		return -EINVAL;
	o->timeout_ms = (unsigned)v;
	if (cfg_get_uint(cfg, "isns", "period", 900, 2, 86400, &v, err) != 0)
		return -EINVAL;
	o->period_s = (unsigned)v;
	return 0;
}

/* ---- copies ---- */

static struct isns_view *view_copy(TALLOC_CTX *mem, const struct isns_view *v)
{
	struct isns_view *c = talloc_zero(mem, struct isns_view);
	if (c == NULL)
		return NULL;
	c->servers = talloc_zero_array(c, const char *, v->n_servers + 1);
	c->targets = talloc_zero_array(c, struct isns_view_target, v->n_targets + 1);
	if (c->servers == NULL || c->targets == NULL)
		goto fail;
	for (size_t i = 0; i < v->n_servers; i++)
		if ((c->servers[i] = talloc_strdup(c, v->servers[i])) == NULL)
			goto fail;
	c->n_servers = v->n_servers;
	for (size_t i = 0; i < v->n_targets; i++) {
		const struct isns_view_target *s = &v->targets[i];
		struct isns_view_target *d = &c->targets[i];
		d->iqn = talloc_strdup(c, s->iqn);
		d->alias = talloc_strdup(c, s->alias != NULL ? s->alias : "");
		d->any_initiator = s->any_initiator;
		d->initiators = talloc_zero_array(c, const char *, s->n_initiators + 1);
		d->portals = talloc_zero_array(c, struct iscsi_portal, s->n_portals + 1);
		if (d->iqn == NULL || d->alias == NULL || d->initiators == NULL || d->portals == NULL)
			goto fail;
		for (size_t j = 0; j < s->n_initiators; j++)
			if ((d->initiators[j] = talloc_strdup(c, s->initiators[j])) == NULL)
				goto fail;
		d->n_initiators = s->n_initiators;
		for (size_t j = 0; j < s->n_portals; j++) {
			d->portals[j].port = s->portals[j].port;
			if ((d->portals[j].address = talloc_strdup(c, s->portals[j].address)) == NULL)
				goto fail;
		}
		d->n_portals = s->n_portals;
	}
	c->n_targets = v->n_targets;
	return c;
fail:
	talloc_free(c);
	return NULL;
}

/* What a server gets from VIEW, as text: equal text, nothing to re-send. */
/* A growing text with its length: appending costs the appended text only
 * (talloc_asprintf_append measures the whole string each time: a view of
 * 10,000 targets took seconds). */
struct fp_buf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void fp_add(TALLOC_CTX *mem, struct fp_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fp_add(TALLOC_CTX *mem, struct fp_buf *b, const char *fmt, ...)
{
	for (int tries = 0; !b->failed && tries < 2; tries++) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *s = talloc_realloc(mem, b->s, char, cap);
		if (s == NULL) {
			b->failed = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

static char *view_fingerprint(TALLOC_CTX *mem, const struct isns_view *v)
{
	struct fp_buf b = { .s = talloc_array(mem, char, 256), .cap = 256 };
	if (b.s == NULL)
		return NULL;
	b.s[0] = '\0';
	for (size_t i = 0; !b.failed && i < v->n_targets; i++) {
		const struct isns_view_target *t = &v->targets[i];
		fp_add(mem, &b, "T%s|%s|%d", t->iqn, t->alias, t->any_initiator);
		for (size_t j = 0; j < t->n_initiators; j++)
			fp_add(mem, &b, "|I%s", t->initiators[j]);
		for (size_t j = 0; j < t->n_portals; j++)
			fp_add(mem, &b, "|P%s:%u", t->portals[j].address, t->portals[j].port);
		fp_add(mem, &b, "\n");
	}
	if (b.failed) {
		talloc_free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- the thread ---- */

static struct server_state *server_find(struct isns_agent *a, const char *name)
{
	for (size_t i = 0; i < a->n_servers; i++)
		if (strcasecmp(a->servers[i]->name, name) == 0)
			return a->servers[i];
	return NULL;
}

static unsigned refresh_interval(const struct isns_agent *a, const struct server_state *s)
{
	if (a->o.refresh_s != 0)
		return a->o.refresh_s;
	unsigned period = s->reg.period != 0 ? s->reg.period : a->o.period_s;
	unsigned r = period / 2;
	if (r > MAX_REFRESH_S)
		r = MAX_REFRESH_S;
	return r < 1 ? 1 : r;
}

/* Seconds on the monotonic clock: wall-clock steps must not stall or hurry
 * the refreshes. */
static time_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static time_t backoff(unsigned failures)
{
	unsigned s = RETRY_MIN_S << (failures > 5 ? 5 : failures - 1);
	return s > RETRY_MAX_S ? RETRY_MAX_S : s;
}

static void server_deregister(struct isns_agent *a, struct server_state *s, bool drop_dds)
{
	if (!s->registered)
		return;
	int rc = isns_proto_deregister(&a->o, s->name, &s->reg, drop_dds);
	if (rc == 0)
		log_info("iSNS: deregistered %s from %s", a->o.entity, s->name);
	else
		log_warn("iSNS: cannot deregister %s from %s: %s", a->o.entity, s->name,
			 strerror(-rc));
	s->registered = false;
	TALLOC_FREE(s->fp);
}

/* Registers (or refreshes) with S; NOW is the time. */
static void server_register(struct isns_agent *a, struct server_state *s, time_t now)
{
	bool changed = s->fp == NULL || strcmp(s->fp, a->view_fp) != 0;
	if (!changed && now < s->next_refresh)
		return;
	int rc;
	if (a->view->n_targets == 0) {
		/* nothing to register: an entity without nodes is not kept */
		server_deregister(a, s, true);
		rc = 0;
	} else {
		rc = isns_proto_register(&a->o, s->name, a->view, changed, s, &s->reg);
	}
	if (rc < 0) {
		s->failures++;
		s->next_refresh = now + backoff(s->failures);
		if (s->failures == 1 || s->failures % 10 == 0)
			log_warn("iSNS: cannot register with %s: %s (retrying)", s->name,
				 strerror(-rc));
		return;
	}
	if (s->failures > 0 || !s->registered)
		log_info("iSNS: %s registered with %s (%zu targets)", a->o.entity, s->name,
			 a->view->n_targets);
	else
		log_debug("iSNS: %s %s with %s (%zu targets)", a->o.entity,
			  changed ? "updated" : "refreshed", s->name, a->view->n_targets);
	s->failures = 0;
	s->registered = a->view->n_targets > 0;
	talloc_free(s->fp);
	s->fp = talloc_strdup(s, a->view_fp);
	s->next_refresh = now + refresh_interval(a, s);
	if (changed)
		s->next_query = now; /* who sees the new targets */
	pthread_mutex_lock(&a->mu);
	a->registrations++;
	pthread_mutex_unlock(&a->mu);
}

/* Takes a new view, if any; drops servers no longer in it. */
static void take_view(struct isns_agent *a, struct isns_view *v)
{
	talloc_free(a->view);
	a->view = v;
	talloc_free(a->view_fp);
	a->view_fp = view_fingerprint(a, v);
	if (a->view_fp == NULL)
		a->view_fp = talloc_strdup(a, "?");
	for (size_t i = 0; i < a->n_servers; i++)
		a->servers[i]->wanted = false;
	for (size_t i = 0; i < v->n_servers; i++) {
		struct server_state *s = server_find(a, v->servers[i]);
		if (s == NULL) {
			struct server_state **l = talloc_realloc(a, a->servers, struct server_state *,
								 a->n_servers + 1);
			if (l == NULL)
				continue;
			a->servers = l;
			s = talloc_zero(a, struct server_state);
			if (s == NULL || (s->name = talloc_strdup(s, v->servers[i])) == NULL) {
				talloc_free(s);
				continue;
			}
			l[a->n_servers++] = s;
		}
		s->wanted = true;
	}
	for (size_t i = 0; i < a->n_servers;) {
		struct server_state *s = a->servers[i];
		if (s->wanted) {
			i++;
			continue;
		}
		server_deregister(a, s, true); /* RemoveSnsServer */
		talloc_free(s);
		memmove(&a->servers[i], &a->servers[i + 1],
			(a->n_servers - i - 1) * sizeof(a->servers[0]));
		a->n_servers--;
	}
}

static void query_initiators(struct isns_agent *a, time_t now)
{
	bool due = false, any = false;
	for (size_t i = 0; i < a->n_servers; i++) {
		any = any || a->servers[i]->registered;
		if (a->servers[i]->registered && now >= a->servers[i]->next_query)
			due = true;
	}
	if (!any) { /* no server (left): nothing is known */
		pthread_mutex_lock(&a->mu);
		struct isns_cached_initiator *old = a->cache;
		a->cache = NULL;
		a->n_cache = 0;
		pthread_mutex_unlock(&a->mu);
		talloc_free(old);
		return;
	}
	if (!due)
		return;
	/* A fresh list from every server registered with. */
	struct isns_cached_initiator *list = talloc_zero_array(NULL, struct isns_cached_initiator, 0);
	size_t n = 0;
	for (size_t i = 0; list != NULL && i < a->n_servers; i++) {
		struct server_state *s = a->servers[i];
		if (!s->registered)
			continue;
		int rc = isns_proto_query_initiators(&a->o, s->name, a->view, &list, &n);
		if (rc < 0)
			log_debug("iSNS: cannot query %s for initiators: %s", s->name,
				  strerror(-rc));
		unsigned q = a->o.query_s != 0 ? a->o.query_s : refresh_interval(a, s);
		s->next_query = now + q;
	}
	if (list == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	struct isns_cached_initiator *old = a->cache;
	a->cache = list;
	a->n_cache = n;
	pthread_mutex_unlock(&a->mu);
	talloc_free(old);
}

static time_t next_wake(struct isns_agent *a, time_t now)
{
	time_t at = now + 60;
	for (size_t i = 0; i < a->n_servers; i++) {
		struct server_state *s = a->servers[i];
		if (s->next_refresh < at)
			at = s->next_refresh;
		if (s->registered && s->next_query < at)
			at = s->next_query;
	}
	return at;
}

static void *agent_main(void *arg)
{
	struct isns_agent *a = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	isns_proto_init(&a->o);

	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (!a->stop && a->pending == NULL) {
			time_t now = mono_now();
			time_t wake = a->view != NULL ? next_wake(a, now) : now + 3600;
			struct timespec ts = { wake, 0 };
			if (now >= wake)
				break;
			if (pthread_cond_timedwait(&a->cv, &a->mu, &ts) == ETIMEDOUT)
				break;
		}
		if (a->stop)
			break;
		struct isns_view *v = a->pending;
		a->pending = NULL;
		pthread_mutex_unlock(&a->mu);

		if (v != NULL)
			take_view(a, talloc_steal(a, v));
		if (a->view != NULL) {
			time_t now = mono_now();
			for (size_t i = 0; i < a->n_servers; i++)
				server_register(a, a->servers[i], now);
			query_initiators(a, mono_now());
		}
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	/* shutdown: deregister everywhere (istmd's targets go away with it),
	 * but not from a server that did not answer last time: SIGTERM must not
	 * wait for it (its registration expires with the period) */
	for (size_t i = 0; i < a->n_servers; i++)
		if (a->servers[i]->failures == 0)
			server_deregister(a, a->servers[i], false);
	return NULL;
}

void isns_agent_stop(struct isns_agent *a)
{
	if (a == NULL || !a->started)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	a->started = false;
}

static int agent_destructor(struct isns_agent *a)
{
	isns_agent_stop(a);
	talloc_free(a->pending);
	talloc_free(a->cache);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	return 0;
}

struct isns_agent *isns_agent_start(TALLOC_CTX *mem, const struct isns_agent_options *o)
{
	/* Only the agent's thread allocates beneath A (after the start); the
	 * loop only frees it (the destructor first stops the thread). */
	struct isns_agent *a = talloc_zero(mem, struct isns_agent);
	if (a == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	a->o = *o;
	a->o.entity = talloc_strdup(a, o->entity != NULL ? o->entity : "istmd");
	if (a->o.entity == NULL) {
		talloc_free(a);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* timedwait takes mono_now() */
	pthread_cond_init(&a->cv, &ca);
	pthread_condattr_destroy(&ca);
	talloc_set_destructor(a, agent_destructor);
	int rc = pthread_create(&a->thread, NULL, agent_main, a);
	if (rc != 0) {
		talloc_free(a);
		errno = rc;
		return NULL;
	}
	a->started = true;
	return a;
}

int isns_agent_set_view(struct isns_agent *a, const struct isns_view *v)
{
	struct isns_view *c = view_copy(NULL, v);
	if (c == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&a->mu);
	struct isns_view *old = a->pending;
	a->pending = c;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	talloc_free(old);
	return 0;
}

int isns_agent_initiators(struct isns_agent *a, TALLOC_CTX *mem,
			  struct isns_cached_initiator **out, size_t *n)
{
	int rc = 0;
	pthread_mutex_lock(&a->mu);
	struct isns_cached_initiator *l = talloc_zero_array(mem, struct isns_cached_initiator,
							    a->n_cache + 1);
	if (l == NULL)
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < a->n_cache; i++) {
		l[i].seen = a->cache[i].seen;
		if ((l[i].iqn = talloc_strdup(l, a->cache[i].iqn)) == NULL)
			rc = -ENOMEM;
	}
	size_t count = a->n_cache;
	pthread_mutex_unlock(&a->mu);
	if (rc < 0) {
		talloc_free(l);
		return rc;
	}
	*out = l;
	*n = count;
	return 0;
}

uint64_t isns_agent_registrations(struct isns_agent *a)
{
	pthread_mutex_lock(&a->mu);
	uint64_t r = a->registrations;
	pthread_mutex_unlock(&a->mu);
	return r;
}
