/* The portals the iSCSI target listens on ([iscsi] portal: every target's
 * unless it names its own): EnumPortals (3.30.4.14), GetPortal (3.30.4.15),
 * SetPortalConfig (3.30.4.16), EnumLocalPortals (3.32.4.9). Without a
 * backend (nothing served) there are none. */
#include "istm/local_device.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "backend/iscsi_backend.h"
#include "backend/storage_volume.h"
#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istmd/hresult.h"
#include "istmd/utf16.h"

static const struct iscsi_portal *portals(const struct istm_context *ctx, size_t *n)
{
	*n = 0;
	return ctx->backend != NULL ? iscsi_backend_portals(ctx->backend, n) : NULL;
}

/* The same address, whatever its spelling ("::1" and "0:0::1"). */
static bool same_address(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	if (inet_pton(AF_INET, a, x) == 1)
		return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
	if (inet_pton(AF_INET6, a, x) == 1)
		return inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
	return false;
}

/* A portal's GUID: stable, derived from its address and port. */
static int fill_portal(struct PORTAL *out, const struct iscsi_portal *p)
{
	char guid[STORAGE_GUID_LEN + 1], port[8];
	snprintf(port, sizeof(port), "%u", p->port);
	storage_volume_guid(p->address, port, guid);
	memset(out, 0, sizeof(*out));
	if (!NT_STATUS_IS_OK(GUID_from_string(guid, &out->Guid)))
		return -EINVAL;
	out->dwPort = p->port;
	out->bListen = 1;
	out->bSecure = 0; /* <6> */
	out->bValid = 1;
	return WSTR_SET(out->szIpAddress, p->address);
}

static void enum_portals(struct dcom_call *call, void *object, struct MInterfacePointer **out)
{
	size_t n;
	const struct iscsi_portal *list = portals(local_device_ctx(object), &n);
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumPortal);
	for (size_t i = 0; items != NULL && i < n; i++) {
		struct PORTAL *p = istm_enum_add_element(items);
		if (p == NULL || fill_portal(p, &list[i]) < 0)
			TALLOC_FREE(items);
	}
	dcom_call_done(call, items ? istm_enum_return(call, items, out) : E_OUTOFMEMORY);
}

void local_device_enum_portals(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_EnumPortals *r = rv;
	enum_portals(call, object, r->out.ppEnumPortal);
}

/* 3.32.4.9: without a cluster, what EnumPortals returns. */
void local_device_enum_local_portals(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr2_EnumLocalPortals *r = rv;
	enum_portals(call, object, r->out.ppEnumPortal);
}

static const struct iscsi_portal *find_portal(void *object, const char *address)
{
	size_t n;
	const struct iscsi_portal *list = portals(local_device_ctx(object), &n);
	for (size_t i = 0; address != NULL && i < n; i++)
		if (same_address(list[i].address, address))
			return &list[i];
	return NULL;
}

void local_device_get_portal(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_GetPortal *r = rv;
	const struct iscsi_portal *p = find_portal(object, r->in.IpAddress);
	if (p == NULL) {
		dcom_call_done(call, HR_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	dcom_call_done(call, fill_portal(r->out.pPortal, p) == 0 ? S_OK : E_UNEXPECTED);
}

/* Portals come from the configuration and tgtd listens on them from its
 * start: asking for what is configured is S_OK, a change is E_NOTIMPL
 * (docs/compat.md). */
void local_device_set_portal_config(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_SetPortalConfig *r = rv;
	if (r->in.nPort == 0 || r->in.nPort > 65535) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	const struct iscsi_portal *p = find_portal(object, r->in.IpAddress);
	if (p == NULL) {
		dcom_call_done(call, HR_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	dcom_call_done(call, p->port == r->in.nPort && r->in.bUse ? S_OK : E_NOTIMPL);
}
