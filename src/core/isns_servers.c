/* ISnsMgr's list of iSNS servers (MS-ISTM 3.1.1.6 SnsServerList, 3.40):
 * kept in the store (table isns_servers), changed one mutation at a time
 * like everything else, and the watcher the iSNS agent uses to learn that
 * what it registers changed (docs/isns.md). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/core_internal.h"
#include "core/store.h"
#include "istmd/log.h"

#define ISNS_NAME_MAX 255 /* a DNS name; SNS_SERVER szName holds 512 */

struct core_watch {
	struct core *c;
	void (*fn)(void *priv);
	void *priv;
	struct tevent_immediate *im;
	bool pending;
};

static void watch_run(struct tevent_context *ev, struct tevent_immediate *im, void *priv)
{
	struct core_watch *w = priv;
	(void)ev;
	(void)im;
	w->pending = false;
	if (w->fn != NULL)
		w->fn(w->priv);
}

void core_watch_fire(struct core *c)
{
	struct core_watch *w = c->watch;
	if (w == NULL || w->fn == NULL || w->pending || c->closing)
		return;
	w->pending = true;
	tevent_schedule_immediate(w->im, c->ev, watch_run, w);
}

int core_watch_targets(struct core *c, void (*fn)(void *priv), void *priv)
{
	if (c->watch == NULL) {
		struct core_watch *w = talloc_zero(c, struct core_watch);
		if (w == NULL || (w->im = tevent_create_immediate(w)) == NULL) {
			talloc_free(w);
			return -ENOMEM;
		}
		w->c = c;
		c->watch = w;
	}
	c->watch->fn = fn;
	c->watch->priv = priv;
	if (fn == NULL && c->watch->pending) {
		tevent_schedule_immediate(c->watch->im, NULL, NULL, NULL); /* cancels */
		c->watch->pending = false;
	}
	return 0;
}

int core_isns_servers(TALLOC_CTX *mem, const struct core *c, char ***names, size_t *n)
{
	const struct model *m = c->model;
	char **out = talloc_zero_array(mem, char *, m->n_isns_servers + 1);
	if (out == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_isns_servers; i++) {
		if ((out[i] = talloc_strdup(out, m->isns_servers[i])) == NULL) {
			talloc_free(out);
			return -ENOMEM;
		}
	}
	*names = out;
	*n = m->n_isns_servers;
	return 0;
}

static bool port_valid(const char *p)
{
	if (*p == '\0' || strlen(p) > 5)
		return false;
	for (const char *q = p; *q != '\0'; q++)
		if (!isdigit((unsigned char)*q))
			return false;
	long v = strtol(p, NULL, 10);
	return v >= 1 && v <= 65535;
}

static bool host_valid(const char *h, size_t len)
{
	if (len == 0 || len > ISNS_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)h[i];
		if (!isalnum(ch) && ch != '.' && ch != '-' && ch != '_')
			return false;
	}
	return h[0] != '-' && h[0] != '.';
}

bool core_isns_server_name_valid(const char *name)
{
	if (name == NULL || strlen(name) > ISNS_NAME_MAX + 8)
		return false;
	unsigned char bin[16];
	if (name[0] == '[') { /* [V6]:PORT or [V6] */
		const char *close = strchr(name, ']');
		if (close == NULL || (size_t)(close - name - 1) >= INET6_ADDRSTRLEN)
			return false;
		char addr[INET6_ADDRSTRLEN];
		memcpy(addr, name + 1, (size_t)(close - name - 1));
		addr[close - name - 1] = '\0';
		if (inet_pton(AF_INET6, addr, bin) != 1)
			return false;
		return close[1] == '\0' || (close[1] == ':' && port_valid(close + 2));
	}
	if (inet_pton(AF_INET6, name, bin) == 1)
		return true;
	const char *colon = strchr(name, ':');
	if (colon == NULL)
		return host_valid(name, strlen(name));
	return host_valid(name, (size_t)(colon - name)) && port_valid(colon + 1);
}

struct isns_change_state {
	char *name;
	bool add;
	int64_t seq;
};

static ssize_t find_server(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_isns_servers; i++)
		if (core_str_ieq(m->isns_servers[i], name))
			return (ssize_t)i;
	return -1;
}

static void isns_change_committed(struct op *op)
{
	struct isns_change_state *s = op->state;
	struct model *m = op->c->model;
	ssize_t at = find_server(m, s->name);
	if (s->add && at < 0) {
		char **a = talloc_realloc(m, m->isns_servers, char *, m->n_isns_servers + 1);
		if (a == NULL) {
			op_finish(op, -ENOMEM, NULL);
			return;
		}
		m->isns_servers = a;
		a[m->n_isns_servers++] = talloc_steal(a, s->name);
		m->next_isns_seq = s->seq + 1;
	} else if (!s->add && at >= 0) {
		talloc_free(m->isns_servers[at]);
		memmove(&m->isns_servers[at], &m->isns_servers[at + 1],
			(m->n_isns_servers - (size_t)at - 1) * sizeof(char *));
		m->n_isns_servers--;
	}
	log_info("iSNS server %s %s", s->name, s->add ? "added" : "removed");
	core_watch_fire(op->c);
	op_finish(op, 0, NULL);
}

static void isns_change_start(struct op *op)
{
	struct isns_change_state *s = op->state;
	struct model *m = op->c->model;
	if (s->name == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	if (!core_isns_server_name_valid(s->name)) {
		op_finish(op, -EINVAL, "not a host name or address with an optional :port");
		return;
	}
	ssize_t at = find_server(m, s->name);
	if (s->add && at >= 0) { /* MS-ISTM 3.40.4.2: already there is S_OK */
		op_finish(op, 0, NULL);
		return;
	}
	if (!s->add && at < 0) {
		op_finish(op, -ENOENT, "no iSNS server %s", s->name);
		return;
	}
	if (!s->add) { /* the stored spelling */
		talloc_free(s->name);
		if ((s->name = talloc_strdup(s, m->isns_servers[at])) == NULL) {
			op_finish(op, -ENOMEM, NULL);
			return;
		}
	}
	s->seq = m->next_isns_seq;
	struct store_tx *tx = store_tx_new(op);
	if (tx == NULL || store_tx_put_isns_server(tx, s->name, s->seq, s->add) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_commit(op, tx, isns_change_committed);
}

static struct tevent_req *isns_change_send(TALLOC_CTX *mem, struct core *c, const char *name,
					   bool add)
{
	struct op *op;
	struct tevent_req *req =
		op_send(mem, c, add ? "add an iSNS server" : "remove an iSNS server",
			sizeof(struct isns_change_state), isns_change_start, &op);
	if (req == NULL || !tevent_req_is_in_progress(req))
		return req;
	struct isns_change_state *s = op->state;
	s->add = add;
	s->name = talloc_strdup(s, name != NULL ? name : ""); /* NULL: start() says ENOMEM */
	return req;
}

struct tevent_req *core_isns_server_add_send(TALLOC_CTX *mem, struct core *c, const char *name)
{
	return isns_change_send(mem, c, name, true);
}

struct tevent_req *core_isns_server_remove_send(TALLOC_CTX *mem, struct core *c,
						const char *name)
{
	return isns_change_send(mem, c, name, false);
}

int core_isns_server_change_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}
