#include "fake_backend.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static struct fake_backend *fb_of(struct iscsi_backend *be)
{
	return (struct fake_backend *)be;
}

static ssize_t find(struct fake_backend *fb, const char *iqn)
{
	for (size_t i = 0; i < fb->n_live; i++)
		if (strcasecmp(fb->live[i]->iqn, iqn) == 0)
			return (ssize_t)i;
	return -1;
}

struct iscsi_target *fake_backend_target(struct fake_backend *fb, const char *iqn)
{
	ssize_t i = find(fb, iqn);
	return i < 0 ? NULL : fb->live[i];
}

static unsigned count_sessions(struct fake_backend *fb, const char *iqn)
{
	unsigned n = 0;
	for (size_t i = 0; i < fb->n_sessions; i++)
		if (strcasecmp(fb->sessions[i].target_iqn, iqn) == 0)
			n++;
	return n;
}

struct op_state {
	struct iscsi_target *targets;
	size_t n_targets;
	struct iscsi_session_info *sessions;
	size_t n_sessions;
};

static struct tevent_req *finish(struct tevent_req *req, struct tevent_context *ev, int rc)
{
	if (rc < 0)
		tevent_req_error(req, -rc);
	else
		tevent_req_done(req);
	return tevent_req_post(req, ev);
}

static int plain_recv(struct tevent_req *req)
{
	enum tevent_req_state s;
	uint64_t err;
	if (tevent_req_is_error(req, &s, &err))
		return s == TEVENT_REQ_USER_ERROR ? -(int)err : -EIO;
	return 0;
}

static struct tevent_req *fb_apply_send(TALLOC_CTX *mem, struct tevent_context *ev,
					struct iscsi_backend *be, const struct iscsi_target *want)
{
	struct fake_backend *fb = fb_of(be);
	struct op_state *st;
	struct tevent_req *req = tevent_req_create(mem, &st, struct op_state);
	if (req == NULL)
		return NULL;
	fb->applies++;
	if (!be->up)
		return finish(req, ev, -ENOTCONN);
	if (iscsi_target_validate(want, &be->caps, st, NULL) < 0)
		return finish(req, ev, -EINVAL);
	if (fb->fail_applies > 0) {
		fb->fail_applies--;
		return finish(req, ev, fb->fail_rc ? fb->fail_rc : -EIO);
	}
	struct iscsi_target *copy = iscsi_target_copy(fb, want);
	/* an IQN-only backend (LIO) keeps no address entries: its live
	 * state never shows them */
	for (size_t k = 0; be->caps.iqn_acls_only && k < copy->n_acl;)
		if (copy->acl[k].kind == ISCSI_ACL_ADDRESS)
			copy->acl[k] = copy->acl[--copy->n_acl];
		else
			k++;
	ssize_t i = find(fb, want->iqn);
	if (i >= 0) {
		talloc_free(fb->live[i]);
		fb->live[i] = copy;
	} else {
		fb->live = talloc_realloc(fb, fb->live, struct iscsi_target *, fb->n_live + 1);
		fb->live[fb->n_live++] = copy;
	}
	return finish(req, ev, 0);
}

static struct tevent_req *fb_remove_send(TALLOC_CTX *mem, struct tevent_context *ev,
					 struct iscsi_backend *be, const char *iqn)
{
	struct fake_backend *fb = fb_of(be);
	struct op_state *st;
	struct tevent_req *req = tevent_req_create(mem, &st, struct op_state);
	if (req == NULL)
		return NULL;
	fb->removes++;
	if (!be->up)
		return finish(req, ev, -ENOTCONN);
	ssize_t i = find(fb, iqn);
	if (i >= 0) {
		talloc_free(fb->live[i]);
		memmove(&fb->live[i], &fb->live[i + 1], (fb->n_live - (size_t)i - 1) * sizeof(*fb->live));
		fb->n_live--;
	}
	return finish(req, ev, 0);
}

static struct tevent_req *fb_list_send(TALLOC_CTX *mem, struct tevent_context *ev,
				       struct iscsi_backend *be)
{
	struct fake_backend *fb = fb_of(be);
	struct op_state *st;
	struct tevent_req *req = tevent_req_create(mem, &st, struct op_state);
	if (req == NULL)
		return NULL;
	fb->lists++;
	if (!be->up)
		return finish(req, ev, -ENOTCONN);
	st->targets = talloc_zero_array(st, struct iscsi_target, fb->n_live + 1);
	for (size_t i = 0; i < fb->n_live; i++) {
		struct iscsi_target *c = iscsi_target_copy(st, fb->live[i]);
		/* targets never reveal secrets */
		for (size_t k = 0; k < c->n_chap_in; k++)
			c->chap_in[k].secret = NULL;
		if (c->chap_out != NULL)
			c->chap_out->secret = NULL;
		c->n_sessions = count_sessions(fb, c->iqn);
		st->targets[i] = *c;
	}
	st->n_targets = fb->n_live;
	return finish(req, ev, 0);
}

static int fb_list_recv(struct tevent_req *req, TALLOC_CTX *mem, struct iscsi_target **targets,
			size_t *n)
{
	struct op_state *st = tevent_req_data(req, struct op_state);
	int rc = plain_recv(req);
	if (rc == 0) {
		struct iscsi_target *out = talloc_zero_array(mem, struct iscsi_target,
							     st->n_targets + 1);
		for (size_t i = 0; i < st->n_targets; i++)
			out[i] = *iscsi_target_copy(out, &st->targets[i]);
		*targets = out;
		*n = st->n_targets;
	}
	return rc;
}

static struct tevent_req *fb_sessions_send(TALLOC_CTX *mem, struct tevent_context *ev,
					   struct iscsi_backend *be, const char *iqn)
{
	struct fake_backend *fb = fb_of(be);
	struct op_state *st;
	struct tevent_req *req = tevent_req_create(mem, &st, struct op_state);
	if (req == NULL)
		return NULL;
	if (!be->up)
		return finish(req, ev, -ENOTCONN);
	st->sessions = talloc_zero_array(st, struct iscsi_session_info, fb->n_sessions + 1);
	for (size_t i = 0; i < fb->n_sessions; i++)
		if (iqn == NULL || strcasecmp(fb->sessions[i].target_iqn, iqn) == 0)
			st->sessions[st->n_sessions++] = fb->sessions[i];
	return finish(req, ev, 0);
}

static int fb_sessions_recv(struct tevent_req *req, TALLOC_CTX *mem,
			    struct iscsi_session_info **sessions, size_t *n)
{
	struct op_state *st = tevent_req_data(req, struct op_state);
	int rc = plain_recv(req);
	if (rc == 0) {
		*sessions = talloc_steal(mem, st->sessions);
		*n = st->n_sessions;
	}
	return rc;
}

static const struct iscsi_backend_ops fake_ops = {
	.name = "fake",
	.apply_send = fb_apply_send,
	.apply_recv = plain_recv,
	.remove_send = fb_remove_send,
	.remove_recv = plain_recv,
	.list_send = fb_list_send,
	.list_recv = fb_list_recv,
	.sessions_send = fb_sessions_send,
	.sessions_recv = fb_sessions_recv,
};

struct fake_backend *fake_backend_new(TALLOC_CTX *mem, struct tevent_context *ev, bool up)
{
	struct fake_backend *fb = talloc_zero(mem, struct fake_backend);
	iscsi_backend_init(&fb->base, &fake_ops, ev);
	/* like tgt: LUN 0 is the controller, one CHAP secret per user name;
	 * unlike tgt, portals per target (tgt's refusal: e2e/istm tests) */
	fb->base.caps = (struct iscsi_backend_caps){ .min_lun = 1, .max_lun = 16383,
						     .max_luns_per_target = 16383,
						     .global_chap_users = true,
						     .per_target_portals = true };
	fb->live = talloc_zero_array(fb, struct iscsi_target *, 0);
	fb->sessions = talloc_zero_array(fb, struct iscsi_session_info, 0);
	if (up)
		iscsi_backend_notify(&fb->base, ISCSI_BACKEND_UP, 1);
	return fb;
}

void fake_backend_down(struct fake_backend *fb)
{
	iscsi_backend_notify(&fb->base, ISCSI_BACKEND_DOWN, fb->base.generation);
}

void fake_backend_up(struct fake_backend *fb)
{
	iscsi_backend_notify(&fb->base, ISCSI_BACKEND_UP, fb->base.generation + 1);
}

void fake_backend_reconnect(struct fake_backend *fb)
{
	iscsi_backend_notify(&fb->base, ISCSI_BACKEND_UP, fb->base.generation);
}

void fake_backend_restart(struct fake_backend *fb)
{
	for (size_t i = 0; i < fb->n_live; i++)
		talloc_free(fb->live[i]);
	fb->n_live = 0;
	fb->n_sessions = 0;
	fake_backend_down(fb);
	fake_backend_up(fb);
}

void fake_backend_add_live(struct fake_backend *fb, const char *iqn)
{
	struct iscsi_target *t = talloc_zero(fb, struct iscsi_target);
	t->iqn = talloc_strdup(t, iqn);
	t->enabled = true;
	fb->live = talloc_realloc(fb, fb->live, struct iscsi_target *, fb->n_live + 1);
	fb->live[fb->n_live++] = t;
}

void fake_backend_add_session(struct fake_backend *fb, const char *target_iqn,
			      const char *initiator_iqn, uint16_t tsih)
{
	fb->sessions = talloc_realloc(fb, fb->sessions, struct iscsi_session_info,
				      fb->n_sessions + 1);
	struct iscsi_session_info *s = &fb->sessions[fb->n_sessions++];
	memset(s, 0, sizeof(*s));
	s->target_iqn = talloc_strdup(fb->sessions, target_iqn);
	s->initiator_iqn = talloc_strdup(fb->sessions, initiator_iqn);
	s->tsih = tsih;
}
