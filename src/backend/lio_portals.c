/* SetPortalConfig's listener switches on LIO (MS-ISTM 3.30.4.16): LIO
 * listens per TPG (np directories), so a listener switched off is removed
 * from every TPG istmd owns and one switched on is added to every TPG that
 * uses the default listeners. The kernel closes a listening socket when the
 * last TPG drops its np: the address then refuses connections, as with tgt. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "backend/lio_internal.h"

static bool in_list(const struct iscsi_portal *ps, size_t n, const struct iscsi_portal *p)
{
	for (size_t i = 0; i < n; i++)
		if (ps[i].port == p->port && iscsi_same_address(ps[i].address, p->address))
			return true;
	return false;
}

static const struct lio_own_portals *own_of(const struct lio_portal_plan *plan, const char *iqn)
{
	for (size_t i = 0; i < plan->n_own; i++)
		if (strcasecmp(plan->own[i].iqn, iqn) == 0)
			return &plan->own[i];
	return NULL;
}

int lio_portals_filter(TALLOC_CTX *mem, const struct iscsi_portal *ps, size_t n,
		       const struct iscsi_portal *off, size_t n_off, struct iscsi_portal **out,
		       size_t *n_out)
{
	*out = talloc_zero_array(mem, struct iscsi_portal, n + 1);
	if (*out == NULL)
		return -ENOMEM;
	*n_out = 0;
	for (size_t i = 0; i < n; i++)
		if (!in_list(off, n_off, &ps[i]))
			(*out)[(*n_out)++] = ps[i];
	return 0;
}

static int add_live(TALLOC_CTX *mem, struct iscsi_portal **live, size_t *n,
		    const struct iscsi_portal *p)
{
	if (in_list(*live, *n, p))
		return 0;
	struct iscsi_portal *more = talloc_realloc(mem, *live, struct iscsi_portal, *n + 1);
	if (more == NULL)
		return -ENOMEM;
	*live = more;
	more[*n].port = p->port;
	more[*n].address = talloc_strdup(more, p->address);
	if (more[*n].address == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* One TPG's np: WANT exactly (KNOWN), or only the switched-off ones
 * removed (a target istmd has not applied since it started: its own
 * portals are not known yet; the next apply sets them). */
static int set_np(TALLOC_CTX *mem, const char *np, bool known, const struct iscsi_portal *want,
		  size_t n_want, const struct lio_portal_plan *plan, char **why)
{
	size_t n;
	int rc = 0;
	char **names = lio_list_dir(mem, np, &n);
	for (size_t i = 0; i < n; i++) {
		struct iscsi_portal p;
		if (lio_np_parse(mem, names[i], &p) != 0)
			continue;
		if (known ? in_list(want, n_want, &p) : !in_list(plan->off, plan->n_off, &p))
			continue;
		char *dir = talloc_asprintf(mem, "%s/%s", np, names[i]);
		int r = dir ? lio_rmdir(dir) : -ENOMEM;
		if (r != 0 && rc == 0) {
			rc = r;
			*why = talloc_asprintf(mem, "cannot remove portal %s: %s", dir, strerror(-r));
		}
	}
	for (size_t i = 0; known && i < n_want; i++) {
		char *dir = talloc_asprintf(mem, "%s/%s", np, lio_np_name(mem, &want[i]));
		if (dir == NULL)
			return -ENOMEM;
		if (lio_exists(dir))
			continue;
		int r = lio_mkdir(dir);
		if (r != 0 && rc == 0) {
			rc = r;
			*why = talloc_asprintf(mem, "cannot listen on %s: %s", dir, strerror(-r));
		}
	}
	return rc;
}

int lio_portals(TALLOC_CTX *mem, const struct lio_ctx *ctx, const struct lio_portal_plan *plan,
		struct iscsi_portal **live, size_t *n_live, char **why)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	if (tmp == NULL)
		return -ENOMEM;
	*live = talloc_zero_array(mem, struct iscsi_portal, 0);
	*n_live = 0;
	int rc = 0;
	/* every target without portals of its own listens there */
	for (size_t i = 0; i < plan->n_listeners && rc == 0; i++)
		rc = add_live(mem, live, n_live, &plan->listeners[i]);
	size_t n;
	char **owned = lio_owned_read(tmp, ctx, &n);
	for (size_t i = 0; rc == 0 && owned != NULL && i < n; i++) {
		char *np = talloc_asprintf(tmp, "%s/iscsi/%s/tpgt_1/np", ctx->root, owned[i]);
		if (np == NULL) {
			rc = -ENOMEM;
			break;
		}
		if (!lio_exists(np))
			continue;
		const struct lio_own_portals *own = own_of(plan, owned[i]);
		struct iscsi_portal *want = NULL;
		size_t n_want = 0;
		if (own != NULL && own->n_portals > 0)
			rc = lio_portals_filter(tmp, own->portals, own->n_portals, plan->off,
						plan->n_off, &want, &n_want);
		else if (own != NULL) {
			want = plan->listeners;
			n_want = plan->n_listeners;
		}
		char *w = NULL;
		int r = rc == 0 ? set_np(tmp, np, own != NULL, want, n_want, plan, &w) : rc;
		if (r != 0) {
			rc = r;
			*why = talloc_asprintf(mem, "target %s: %s", owned[i], w ? w : strerror(-r));
			break;
		}
		size_t k;
		char **names = lio_list_dir(tmp, np, &k);
		for (size_t j = 0; rc == 0 && j < k; j++) {
			struct iscsi_portal p;
			if (lio_np_parse(tmp, names[j], &p) == 0)
				rc = add_live(mem, live, n_live, &p);
		}
	}
	talloc_free(tmp);
	return rc;
}
