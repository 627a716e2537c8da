/* The portals: EnumPortals (3.30.4.14), GetPortal (3.30.4.15),
 * SetPortalConfig (3.30.4.16), EnumLocalPortals (3.32.4.9). A portal is an
 * address of this host (getifaddrs: every IPv4 and IPv6 address) with the
 * port the backend listens on there, plus every address the backend listens
 * on that no interface carries (127.0.0.0/8 beyond 127.0.0.1) and every
 * disabled setting. bListen comes from the backend's live listeners
 * (tgtadm --mode portal --op show), fetched at each call. */
#include "istm/local_device.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/iscsi_backend.h"
#include "backend/storage_volume.h"
#include "core/core.h"
#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istm/errmap.h"
#include "istmd/hresult.h"
#include "istmd/log.h"
#include "istmd/utf16.h"

#define ISCSI_DEFAULT_PORT 3260

struct view_portal {
	char *address;
	uint16_t port;
	bool listen;
};

struct portal_view {
	struct view_portal *items;
	size_t n;
};

static bool view_has(const struct portal_view *v, const char *address, uint16_t port)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->items[i].port == port && iscsi_same_address(v->items[i].address, address))
			return true;
	return false;
}

static int view_add(struct portal_view *v, const char *address, uint16_t port, bool listen)
{
	if (view_has(v, address, port))
		return 0;
	struct view_portal *a = talloc_realloc(v, v->items, struct view_portal, v->n + 1);
	if (a == NULL)
		return -ENOMEM;
	v->items = a;
	a[v->n] = (struct view_portal){ talloc_strdup(a, address), port, listen };
	return a[v->n++].address != NULL ? 0 : -ENOMEM;
}

static bool wildcard(const char *address)
{
	return strcmp(address, "0.0.0.0") == 0 || strcmp(address, "::") == 0;
}

/* Builds the view from the host's addresses and LIVE listeners. */
static struct portal_view *view_build(TALLOC_CTX *mem, const struct iscsi_backend *be,
				      const struct iscsi_portal *live, size_t n_live)
{
	struct portal_view *v = talloc_zero(mem, struct portal_view);
	struct ifaddrs *ifs = NULL;
	if (v == NULL || getifaddrs(&ifs) != 0) {
		talloc_free(v);
		return NULL;
	}
	int rc = 0;
	for (struct ifaddrs *i = ifs; rc == 0 && i != NULL; i = i->ifa_next) {
		char text[INET6_ADDRSTRLEN];
		if (i->ifa_addr == NULL)
			continue;
		int af = i->ifa_addr->sa_family;
		const void *bin = af == AF_INET ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
			: af == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr
					 : NULL;
		if (bin == NULL || inet_ntop(af, bin, text, sizeof(text)) == NULL)
			continue;
		bool any = false;
		for (size_t j = 0; rc == 0 && j < n_live; j++) {
			bool same_family = (strchr(live[j].address, ':') != NULL) == (af == AF_INET6);
			if (iscsi_same_address(live[j].address, text) ||
			    (wildcard(live[j].address) && same_family)) {
				rc = view_add(v, text, live[j].port, true);
				any = true;
			}
		}
		if (rc == 0 && !any)
			rc = view_add(v, text, ISCSI_DEFAULT_PORT, false);
	}
	freeifaddrs(ifs);
	for (size_t j = 0; rc == 0 && j < n_live; j++)
		if (!wildcard(live[j].address))
			rc = view_add(v, live[j].address, live[j].port, true);
	for (size_t j = 0; rc == 0 && be != NULL && j < be->n_settings; j++)
		rc = view_add(v, be->settings[j].address, be->settings[j].port, false);
	if (rc < 0)
		TALLOC_FREE(v);
	return v;
}

/* A portal's GUID: stable, derived from its address and port. */
static int fill_portal(struct PORTAL *out, const struct view_portal *p)
{
	char guid[STORAGE_GUID_LEN + 1], port[8];
	snprintf(port, sizeof(port), "%u", p->port);
	storage_volume_guid(p->address, port, guid);
	memset(out, 0, sizeof(*out));
	if (!NT_STATUS_IS_OK(GUID_from_string(guid, &out->Guid)))
		return -EINVAL;
	out->dwPort = p->port;
	out->bListen = p->listen;
	out->bSecure = 0; /* <6> */
	out->bValid = 1;
	return WSTR_SET(out->szIpAddress, p->address);
}

/* Every method first fetches the live listeners (when the backend is up;
 * otherwise what it will listen on), then answers from the view. */
struct portal_call {
	struct dcom_call *call;
	struct istm_context *ctx;
	void *rv;
	void (*answer)(struct portal_call *pc, struct portal_view *v);
};

static void portal_call_answer(struct portal_call *pc, const struct iscsi_portal *live,
			       size_t n_live)
{
	struct portal_view *v = view_build(pc, pc->ctx->backend, live, n_live);
	if (v == NULL) {
		dcom_call_done(pc->call, E_OUTOFMEMORY);
		return;
	}
	pc->answer(pc, v);
}

static void portal_call_got_live(struct tevent_req *subreq)
{
	struct portal_call *pc = tevent_req_callback_data(subreq, struct portal_call);
	struct iscsi_portal *live = NULL;
	size_t n_live = 0;
	int rc = iscsi_backend_portals_recv(subreq, pc, &live, &n_live);
	TALLOC_FREE(subreq);
	if (rc < 0 && iscsi_backend_listeners(pc->ctx->backend, pc, &live, &n_live) < 0) {
		dcom_call_done(pc->call, E_OUTOFMEMORY);
		return;
	}
	portal_call_answer(pc, live, n_live);
}

static void portal_call_start(struct dcom_call *call, void *object, void *rv,
			      void (*answer)(struct portal_call *pc, struct portal_view *v))
{
	struct portal_call *pc = talloc_zero(call, struct portal_call);
	if (pc == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	*pc = (struct portal_call){ call, local_device_ctx(object), rv, answer };
	struct iscsi_backend *be = pc->ctx->backend;
	if (be == NULL) {
		portal_call_answer(pc, NULL, 0);
		return;
	}
	if (!iscsi_backend_is_up(be, NULL)) {
		struct iscsi_portal *want = NULL;
		size_t n = 0;
		if (iscsi_backend_listeners(be, pc, &want, &n) < 0) {
			dcom_call_done(call, E_OUTOFMEMORY);
			return;
		}
		portal_call_answer(pc, want, n);
		return;
	}
	struct tevent_req *subreq = iscsi_backend_portals_send(pc, pc->ctx->ev, be);
	if (subreq == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(subreq, portal_call_got_live, pc);
}

static void enum_answer(struct portal_call *pc, struct portal_view *v, struct MInterfacePointer **out)
{
	struct istm_enum_items *items = istm_enum_items_new(pc->call, &istm_enum_IEnumPortal);
	for (size_t i = 0; items != NULL && i < v->n; i++) {
		struct PORTAL *p = istm_enum_add_element(items);
		if (p == NULL || fill_portal(p, &v->items[i]) < 0)
			TALLOC_FREE(items);
	}
	dcom_call_done(pc->call, items ? istm_enum_return(pc->call, items, out) : E_OUTOFMEMORY);
}

static void enum_portals_answer(struct portal_call *pc, struct portal_view *v)
{
	struct ILocalDeviceMgr_EnumPortals *r = pc->rv;
	enum_answer(pc, v, r->out.ppEnumPortal);
}

void local_device_enum_portals(struct dcom_call *call, void *object, void *rv)
{
	portal_call_start(call, object, rv, enum_portals_answer);
}

static void enum_local_portals_answer(struct portal_call *pc, struct portal_view *v)
{
	struct ILocalDeviceMgr2_EnumLocalPortals *r = pc->rv;
	enum_answer(pc, v, r->out.ppEnumPortal);
}

/* 3.32.4.9: without a cluster, what EnumPortals returns. */
void local_device_enum_local_portals(struct dcom_call *call, void *object, void *rv)
{
	portal_call_start(call, object, rv, enum_local_portals_answer);
}

/* The portal for ADDRESS: a listening one first. */
static const struct view_portal *view_find(const struct portal_view *v, const char *address)
{
	const struct view_portal *found = NULL;
	for (size_t i = 0; address != NULL && i < v->n; i++)
		if (iscsi_same_address(v->items[i].address, address) &&
		    (found == NULL || (!found->listen && v->items[i].listen)))
			found = &v->items[i];
	return found;
}

static void get_portal_answer(struct portal_call *pc, struct portal_view *v)
{
	struct ILocalDeviceMgr_GetPortal *r = pc->rv;
	const struct view_portal *p = view_find(v, r->in.IpAddress);
	if (p == NULL) {
		dcom_call_done(pc->call, HR_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	dcom_call_done(pc->call, fill_portal(r->out.pPortal, p) == 0 ? S_OK : E_UNEXPECTED);
}

void local_device_get_portal(struct dcom_call *call, void *object, void *rv)
{
	portal_call_start(call, object, rv, get_portal_answer);
}

/* Whether ADDRESS is one of this host's: a socket can bind to it. */
static bool local_address(const char *address)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, address, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		len = sizeof(*in6);
	} else {
		return false;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = bind(fd, (struct sockaddr *)&ss, len) == 0;
	close(fd);
	return ok;
}

static const struct istm_errmap set_portal_errors[] = {
	{ -EINVAL, E_INVALIDARG },
	{ -EADDRNOTAVAIL, HR_WIN32(ERROR_FILE_NOT_FOUND) },
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ -ENOSYS, E_NOTIMPL },
	{ 0, 0 },
};

struct set_portal {
	struct dcom_call *call;
	char *address;
	uint16_t port;
	bool listen;
};

static void portal_set(struct tevent_req *req)
{
	struct set_portal *s = tevent_req_callback_data(req, struct set_portal);
	char *why = NULL;
	int rc = core_portal_set_recv(req, s, &why);
	if (rc == 0)
		log_notice("portal %s port %u: %s by %s", s->address, s->port,
			   s->listen ? "listening" : "not listening", dcom_call_user(s->call));
	else
		log_notice("portal %s port %u refused: %s", s->address, s->port,
			   why ? why : strerror(-rc));
	dcom_call_done(s->call, istm_hr(rc, set_portal_errors));
}

/* The pair (address, port) is the unit: enabling a second port on an
 * address adds a listener rather than moving the first one (which may be
 * [iscsi] portal); disabling stops exactly that listener (docs/compat.md). */
void local_device_set_portal_config(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_SetPortalConfig *r = rv;
	struct istm_context *ctx = local_device_ctx(object);
	if (r->in.nPort == 0 || r->in.nPort > 65535) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	unsigned char bin[16];
	if (r->in.IpAddress == NULL || (inet_pton(AF_INET, r->in.IpAddress, bin) != 1 &&
					inet_pton(AF_INET6, r->in.IpAddress, bin) != 1)) {
		dcom_call_done(call, HR_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	/* A portal of this host, or one a setting already names (an address
	 * gone since is still one to disable). */
	bool known = local_address(r->in.IpAddress);
	for (size_t i = 0; !known && ctx->backend != NULL && i < ctx->backend->n_settings; i++)
		known = iscsi_same_address(ctx->backend->settings[i].address, r->in.IpAddress);
	if (!known) {
		dcom_call_done(call, HR_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	struct set_portal *s = talloc_zero(call, struct set_portal);
	struct tevent_req *req = NULL;
	if (s != NULL && (s->address = talloc_strdup(s, r->in.IpAddress)) != NULL) {
		s->call = call;
		s->port = (uint16_t)r->in.nPort;
		s->listen = r->in.bUse != 0;
		req = core_portal_set_send(s, ctx->core, s->address, s->port, s->listen);
	}
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, portal_set, s);
}
