/* Listener settings (MS-ISTM 3.30.4.16 SetPortalConfig) on top of the
 * configured [iscsi] portals, and the generic call that makes the backend's
 * live listeners match them. */
#include "backend/iscsi_backend.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "istmd/treq.h"

bool iscsi_same_address(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	if (a == NULL || b == NULL)
		return false;
	if (inet_pton(AF_INET, a, x) == 1)
		return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
	if (inet_pton(AF_INET6, a, x) == 1)
		return inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
	return strcmp(a, b) == 0;
}

int iscsi_backend_set_portal_settings(struct iscsi_backend *be,
				      const struct iscsi_portal_setting *settings, size_t n)
{
	struct iscsi_portal_setting *copy = talloc_zero_array(be, struct iscsi_portal_setting, n);
	if (copy == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		copy[i] = settings[i];
		copy[i].address = talloc_strdup(copy, settings[i].address);
		if (copy[i].address == NULL) {
			talloc_free(copy);
			return -ENOMEM;
		}
	}
	talloc_free(be->settings);
	be->settings = copy;
	be->n_settings = n;
	return 0;
}

bool iscsi_backend_portal_disabled(const struct iscsi_backend *be, const char *address,
				   uint16_t port)
{
	for (size_t i = 0; i < be->n_settings; i++)
		if (!be->settings[i].listen && be->settings[i].port == port &&
		    iscsi_same_address(be->settings[i].address, address))
			return true;
	return false;
}

static bool listed(const struct iscsi_portal *list, size_t n, const char *address, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].port == port && iscsi_same_address(list[i].address, address))
			return true;
	return false;
}

int iscsi_backend_listeners(const struct iscsi_backend *be, TALLOC_CTX *mem,
			    struct iscsi_portal **out, size_t *n)
{
	struct iscsi_portal *list =
		talloc_zero_array(mem, struct iscsi_portal, be->n_portals + be->n_settings);
	if (list == NULL)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < be->n_portals; i++)
		if (!iscsi_backend_portal_disabled(be, be->portals[i].address, be->portals[i].port))
			list[k++] = be->portals[i];
	for (size_t i = 0; i < be->n_settings; i++) {
		const struct iscsi_portal_setting *s = &be->settings[i];
		if (s->listen && !listed(list, k, s->address, s->port))
			list[k++] = (struct iscsi_portal){ .address = s->address, .port = s->port };
	}
	/* The strings stay the backend's: copy them, the caller may outlive a
	 * later iscsi_backend_set_portal_settings(). */
	for (size_t i = 0; i < k; i++)
		if ((list[i].address = talloc_strdup(list, list[i].address)) == NULL) {
			talloc_free(list);
			return -ENOMEM;
		}
	*out = list;
	*n = k;
	return 0;
}

struct portals_state {
	struct iscsi_backend *be;
	struct iscsi_portal *live;
	size_t n_live;
};

static void portals_done(struct tevent_req *subreq);

struct tevent_req *iscsi_backend_portals_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					      struct iscsi_backend *be)
{
	struct portals_state *state;
	struct tevent_req *req = tevent_req_create(mem_ctx, &state, struct portals_state);
	if (req == NULL)
		return NULL;
	state->be = be;
	if (be->ops->portals_send == NULL) {
		tevent_req_error(req, ENOSYS);
		return tevent_req_post(req, ev);
	}
	struct tevent_req *subreq = be->ops->portals_send(state, ev, be);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, portals_done, req);
	return req;
}

static void portals_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct portals_state *state = tevent_req_data(req, struct portals_state);
	int rc = state->be->ops->portals_recv(subreq, state, &state->live, &state->n_live);
	TALLOC_FREE(subreq);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return;
	}
	tevent_req_done(req);
}

int iscsi_backend_portals_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			       struct iscsi_portal **live, size_t *n_live)
{
	struct portals_state *state = tevent_req_data(req, struct portals_state);
	int rc = treq_errno(req);
	if (rc < 0)
		return rc;
	*live = talloc_steal(mem_ctx, state->live);
	*n_live = state->n_live;
	return 0;
}
