/* SetPortalConfig (MS-ISTM 3.30.4.16): listen, or stop listening, on an
 * address and port at run time. The backend is changed first (a listener
 * tgtd cannot open is refused, not recorded), then the setting is committed;
 * the store keeps it so that a restart of istmd or of the backend daemon
 * re-applies it (core open, reconcile.c on_backend). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "core/core_internal.h"
#include "core/store.h"
#include "istmd/log.h"

struct portal_set_state {
	char *address;
	uint16_t port;
	bool listen;
	struct iscsi_portal_setting *next; /* the settings once this one is in */
	size_t n_next;
};

const struct iscsi_portal_setting *core_portal_settings(const struct core *c, size_t *n)
{
	*n = c->model->n_portal_settings;
	return c->model->portal_settings;
}

static void portal_set_committed(struct op *op)
{
	struct portal_set_state *s = op->state;
	struct model *m = op->c->model;
	if (op->rc == 0) {
		talloc_free(m->portal_settings);
		m->portal_settings = talloc_steal(m, s->next);
		m->n_portal_settings = s->n_next;
		core_watch_fire(op->c);
		/* Backends with portals per target (LIO's np per TPG) keep the
		 * listeners on each target: every target is applied again, so
		 * that each gets them whatever the backend knew of it. */
		for (size_t i = 0; op->c->caps.per_target_portals && i < m->n_targets; i++)
			reconciler_target_changed(op->c, m->targets[i]->t->guid);
	} else if (op->c->backend != NULL) {
		/* back to what the store says */
		iscsi_backend_set_portal_settings(op->c->backend, m->portal_settings,
						  m->n_portal_settings);
	}
	op_finish(op, op->rc, NULL);
}

static void portal_set_commit(struct op *op)
{
	struct portal_set_state *s = op->state;
	struct store_tx *tx = store_tx_new(op);
	if (tx == NULL || store_tx_put_portal_setting(tx, s->address, s->port, s->listen) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	op_store(op, tx, portal_set_committed);
}

static void portal_set_applied(struct tevent_req *subreq)
{
	struct op *op = tevent_req_callback_data(subreq, struct op);
	struct portal_set_state *s = op->state;
	struct model *m = op->c->model;
	struct iscsi_portal *live;
	size_t n_live;
	int rc = iscsi_backend_portals_recv(subreq, op, &live, &n_live);
	TALLOC_FREE(subreq);
	if (rc < 0) {
		iscsi_backend_set_portal_settings(op->c->backend, m->portal_settings,
						  m->n_portal_settings);
		op_finish(op, rc, "the iSCSI target cannot %s %s port %u: %s",
			  s->listen ? "listen on" : "stop listening on", s->address, s->port,
			  strerror(-rc));
		return;
	}
	portal_set_commit(op);
}

static void portal_set_start(struct op *op)
{
	struct portal_set_state *s = op->state;
	struct model *m = op->c->model;
	if (s->address == NULL || s->port == 0) {
		op_finish(op, -EINVAL, "not an IPv4 or IPv6 address and TCP port");
		return;
	}
	s->next = talloc_zero_array(s, struct iscsi_portal_setting, m->n_portal_settings + 1);
	if (s->next == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	bool replaced = false;
	for (size_t i = 0; i < m->n_portal_settings; i++) {
		s->next[i] = m->portal_settings[i];
		s->next[i].address = talloc_strdup(s->next, m->portal_settings[i].address);
		if (s->next[i].address == NULL) {
			op_finish(op, -ENOMEM, NULL);
			return;
		}
		if (s->next[i].port == s->port && strcmp(s->next[i].address, s->address) == 0) {
			s->next[i].listen = s->listen;
			replaced = true;
		}
	}
	s->n_next = m->n_portal_settings;
	if (!replaced)
		s->next[s->n_next++] = (struct iscsi_portal_setting){
			.address = talloc_strdup(s->next, s->address), .port = s->port,
			.listen = s->listen
		};
	struct iscsi_backend *be = op->c->backend;
	if (be == NULL) {
		portal_set_commit(op);
		return;
	}
	if (iscsi_backend_set_portal_settings(be, s->next, s->n_next) < 0) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	if (!iscsi_backend_is_up(be, NULL)) {
		/* applied when the backend is back (on_backend) */
		portal_set_commit(op);
		return;
	}
	struct tevent_req *subreq = iscsi_backend_portals_send(op, op->c->ev, be);
	if (subreq == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	tevent_req_set_callback(subreq, portal_set_applied, op);
}

/* The address in its canonical spelling (inet_ntop), or NULL. */
static char *canonical_address(TALLOC_CTX *mem, const char *text)
{
	unsigned char bin[16];
	char out[INET6_ADDRSTRLEN];
	int af = AF_INET;
	if (text == NULL)
		return NULL;
	if (inet_pton(AF_INET, text, bin) != 1) {
		af = AF_INET6;
		if (inet_pton(AF_INET6, text, bin) != 1)
			return NULL;
	}
	if (inet_ntop(af, bin, out, sizeof(out)) == NULL)
		return NULL;
	return talloc_strdup(mem, out);
}

struct tevent_req *core_portal_set_send(TALLOC_CTX *mem, struct core *c, const char *address,
					uint16_t port, bool listen)
{
	struct op *op;
	struct tevent_req *req = op_send(mem, c, "change a listener",
					 sizeof(struct portal_set_state), portal_set_start, &op);
	if (req == NULL || !tevent_req_is_in_progress(req))
		return req;
	struct portal_set_state *s = op->state;
	s->address = canonical_address(s, address);
	s->port = port;
	s->listen = listen;
	if (s->address == NULL || port == 0) {
		/* start() sees it: one path for every refusal */
		s->port = 0;
	}
	return req;
}

int core_portal_set_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}

int core_portal_settings_push(struct core *c)
{
	if (c->backend == NULL)
		return 0;
	return iscsi_backend_set_portal_settings(c->backend, c->model->portal_settings,
						 c->model->n_portal_settings);
}
