/* IWTDiskMgr ImportWTDisk (MS-ISTM 3.46.4.9). Windows answers E_NOTIMPL
 * (<113>); istmd registers the VHD an IWTDisk object names:
 * - one of istmd's own IWTDisk objects (the OBJREF's OXID is ours): its disk
 *   is registered already, ERROR_ALREADY_EXISTS (as CreateWTDisk on a
 *   registered path); the disk deleted since: ERROR_FILE_NOT_FOUND; another
 *   object of ours: E_INVALIDARG;
 * - a client's object: istmd calls it back as a DCOM client (as it calls a
 *   console's IStatusNotify: [notify] credentials, timeout and
 *   only_caller_address) for its DevicePath, releases it, then registers
 *   that path exactly as CreateWTDisk does (confined to the storage roots,
 *   opened by descriptor, any VHD type validated), with the same HRESULTs.
 * Every step is asynchronous; the call completes when they are done.
 * docs/istm-disks.md. */
#include "istm/disk.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "dcom/client.h"
#include "dcom/exporter.h"
#include "dcom/objref.h"
#include "idl/ndr_ms_istm.h"
#include "istm/disk_internal.h"
#include "istm/errmap.h"
#include "istm/resolver_binding.h"
#include "istm/notify.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

#define TOWER_NCACN_IP_TCP 7
#define MAX_RESOLVERS 16
#ifndef ERROR_TIMEOUT
#define ERROR_TIMEOUT 1460u
#endif
#ifndef RPC_S_SERVER_UNAVAILABLE
#define RPC_S_SERVER_UNAVAILABLE 1722u
#endif

struct import {
	struct dcom_call *call;
	struct istm_context *ctx;
	const struct istm_notify_config *config;
	struct MInterfacePointer *mip;
	uint64_t oxid;
	const char *caller; /* NULL: in-process */
	char *resolvers[MAX_RESOLVERS];
	uint16_t ports[MAX_RESOLVERS];
	size_t n_resolvers, next_resolver;
	struct dcom_client *client;
	struct dcom_iface *iface;
	struct IWTDisk_get_DevicePath *get;
	uint32_t result; /* of the callback, to answer after the release */
	char *path;
	uint32_t wtd;
	uint32_t *out_wtd;
};

/* A failed callback step: a timeout is ERROR_TIMEOUT, anything else the
 * object's server being unreachable. */
static uint32_t client_hr(int rc)
{
	return rc == -ETIMEDOUT ? HR_WIN32(ERROR_TIMEOUT) : HR_WIN32(RPC_S_SERVER_UNAVAILABLE);
}

static void finish(struct import *im, uint32_t hr, const char *why)
{
	if (HR_FAILED(hr))
		log_notice("ImportWTDisk by %s refused (0x%08x): %s", dcom_call_user(im->call), hr,
			   why ? why : "?");
	/* the client and its requests go with IM (on the call) */
	dcom_call_done(im->call, hr);
}

static bool is_wtdisk_iid(const struct GUID *iid)
{
	return GUID_equal(iid, &idl_iface_IWTDisk.table->syntax_id.uuid) ||
	       GUID_equal(iid, &idl_iface_IWTDisk2.table->syntax_id.uuid) ||
	       GUID_equal(iid, &idl_iface_IWTDisk3.table->syntax_id.uuid);
}

/* ---- registering the path (CreateWTDisk's step) -------------------------------------- */

static void created(struct tevent_req *req)
{
	struct import *im = tevent_req_callback_data(req, struct import);
	char *why = NULL;
	int rc = core_disk_create_recv(req, im, im->out_wtd, &why);
	if (rc == 0) {
		log_info("virtual disk %u imported from %s by %s", *im->out_wtd, im->path,
			 dcom_call_user(im->call));
		dcom_call_done(im->call, S_OK);
		return;
	}
	finish(im, istm_hr(rc, istm_disk_create_errors),
	       talloc_asprintf(im, "%s: %s", im->path, why ? why : strerror(-rc)));
}

static void create(struct import *im)
{
	struct core_disk_spec spec = {
		.path = im->path,
		.description = "",
		.type = CORE_WTD_FILE,
	};
	struct tevent_req *req = core_disk_create_send(im, im->ctx->core, &spec);
	if (req == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	tevent_req_set_callback(req, created, im);
}

/* ---- calling a client's object back --------------------------------------------------- */

/* Numeric "ADDRESS" or "ADDRESS[PORT]" bindings only (no blocking name
 * lookup), and with only_caller_address only the caller's. */
static int add_resolver(uint16_t tower, const char *address, void *priv)
{
	struct import *im = priv;
	char host[ISTM_RESOLVER_HOST_LEN];
	uint16_t port;
	if (tower != TOWER_NCACN_IP_TCP || im->n_resolvers >= MAX_RESOLVERS ||
	    !istm_resolver_binding(address, im->caller, im->config->only_caller_address, host,
				   &port))
		return 0;
	if ((im->resolvers[im->n_resolvers] = talloc_strdup(im, host)) == NULL)
		return -ENOMEM;
	im->ports[im->n_resolvers++] = port;
	return 0;
}

static void connect_next(struct import *im, int last_rc);
static void connected(struct tevent_req *subreq);
static void resolved(struct tevent_req *subreq);
static void got_path(struct tevent_req *subreq);
static void released(struct tevent_req *subreq);

static void connect_next(struct import *im, int last_rc)
{
	if (im->next_resolver >= im->n_resolvers) {
		finish(im, client_hr(last_rc),
		       talloc_asprintf(im, "no resolver of the IWTDisk OBJREF answered (%s)",
				       strerror(-last_rc)));
		return;
	}
	size_t i = im->next_resolver++;
	const struct istm_notify_config *c = im->config;
	struct dcom_client_options o = {
		.host = im->resolvers[i],
		.port = im->ports[i],
		.timeout_ms = c->timeout_ms,
		.auth = { .auth_type = c->auth_type, .auth_level = c->auth_level,
			  .user = c->user, .domain = c->domain, .password = c->password },
	};
	TALLOC_FREE(im->client);
	struct tevent_req *req = dcom_client_connect_send(im, im->ctx->ev, &o);
	if (req == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	tevent_req_set_callback(req, connected, im);
}

static void connected(struct tevent_req *subreq)
{
	struct import *im = tevent_req_callback_data(subreq, struct import);
	int rc = dcom_client_connect_recv(subreq, im, &im->client);
	talloc_free(subreq);
	if (rc != 0) {
		log_info("ImportWTDisk: resolver %s[%u]: %s", im->resolvers[im->next_resolver - 1],
			 im->ports[im->next_resolver - 1], strerror(-rc));
		connect_next(im, rc);
		return;
	}
	struct tevent_req *req = dcom_client_resolve_oxid_send(im, im->ctx->ev, im->client, im->oxid);
	if (req == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	tevent_req_set_callback(req, resolved, im);
}

static void resolved(struct tevent_req *subreq)
{
	struct import *im = tevent_req_callback_data(subreq, struct import);
	uint32_t status = 0, fault = 0;
	int rc = dcom_client_resolve_oxid_recv(subreq, &status, &fault);
	talloc_free(subreq);
	if (rc != 0 || status != 0) {
		finish(im, rc ? client_hr(rc) : E_INVALIDARG,
		       talloc_asprintf(im, "ResolveOxid2: %s status 0x%08x fault 0x%08x",
				       rc ? strerror(-rc) : "", status, fault));
		return;
	}
	rc = dcom_client_unmarshal(im, im->client, im->mip, &im->iface);
	if (rc != 0) {
		finish(im, E_INVALIDARG, "its OBJREF names no object of that exporter");
		return;
	}
	im->get = talloc_zero(im, struct IWTDisk_get_DevicePath);
	if (im->get == NULL || (im->get->out.pDevicePath = talloc_zero(im->get, const char *)) ==
				       NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	struct tevent_req *req = dcom_client_call_send(im, im->ctx->ev, im->iface,
						       &ndr_table_IWTDisk,
						       NDR_IWTDISK_GET_DEVICEPATH, im->get, im->get);
	if (req == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	tevent_req_set_callback(req, got_path, im);
}

static void got_path(struct tevent_req *subreq)
{
	struct import *im = tevent_req_callback_data(subreq, struct import);
	uint32_t fault = 0;
	int rc = dcom_client_call_recv(subreq, &fault);
	talloc_free(subreq);
	if (rc != 0) {
		finish(im, client_hr(rc),
		       talloc_asprintf(im, "get_DevicePath: %s (fault 0x%08x)", strerror(-rc),
				       fault));
		return;
	}
	im->result = im->get->out.result;
	const char *path = *im->get->out.pDevicePath;
	if (!HR_FAILED(im->result)) {
		if (path == NULL || path[0] == '\0')
			im->result = E_INVALIDARG;
		else if ((im->path = talloc_strdup(im, path)) == NULL)
			im->result = E_OUTOFMEMORY;
	}
	/* The reference the OBJREF gave us goes back before anything else. */
	struct tevent_req *req = dcom_client_release_send(im, im->ctx->ev, im->iface);
	if (req == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	tevent_req_set_callback(req, released, im);
}

static void released(struct tevent_req *subreq)
{
	struct import *im = tevent_req_callback_data(subreq, struct import);
	uint32_t hresult = 0, fault = 0;
	int rc = dcom_client_release_recv(subreq, &hresult, &fault);
	talloc_free(subreq);
	if (rc != 0)
		log_info("ImportWTDisk: RemRelease: %s", strerror(-rc));
	TALLOC_FREE(im->iface);
	TALLOC_FREE(im->client);
	if (HR_FAILED(im->result)) {
		finish(im, im->result, "get_DevicePath failed on the client's object");
		return;
	}
	create(im);
}

/* ---- the method ----------------------------------------------------------------------- */

/* One of istmd's own objects (the OBJREF names our OXID). */
static uint32_t import_local(struct import *im, const struct GUID *ipid)
{
	struct dcom_object *obj = dcom_exporter_find_ipid(im->ctx->ex, ipid);
	if (obj == NULL || dcom_object_class(obj) != &istm_disk_class)
		return E_INVALIDARG;
	const struct istm_disk *disk = dcom_object_impl(obj);
	if (core_disk_by_wtd(im, im->ctx->core, disk->wtd) == NULL)
		return HR_WIN32(ERROR_FILE_NOT_FOUND); /* deleted since */
	return HR_WIN32(ERROR_ALREADY_EXISTS);
}

void istm_import_wt_disk(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDiskMgr_ImportWTDisk *r = rv;
	struct istm_context *ctx = ((struct istm_manager *)object)->ctx;
	if (r->in.pWTDisk == NULL) {
		dcom_call_done(call, E_POINTER);
		return;
	}
	struct import *im = talloc_zero(call, struct import);
	if (im == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	im->call = call;
	im->ctx = ctx;
	im->config = ctx->notify_config;
	/* ImportWTDisk has no [out]: the index of the new disk is only logged. */
	im->out_wtd = &im->wtd;
	struct OBJREF o;
	if (dcom_objref_pull(im, r->in.pWTDisk, &o) < 0 || o.flags != OBJREF_FLAG_STANDARD ||
	    !is_wtdisk_iid(&o.iid)) {
		finish(im, E_INVALIDARG, "not a standard OBJREF of IWTDisk");
		return;
	}
	const struct STDOBJREF *std = &o.u_objref.u_standard.std;
	if (std->oxid == dcom_exporter_oxid(ctx->ex)) {
		uint32_t hr = import_local(im, &std->ipid);
		finish(im, hr, "an object of istmd itself");
		return;
	}
	if (im->config == NULL) {
		finish(im, E_INVALIDARG, "no [notify] settings to call a client's object with");
		return;
	}
	im->oxid = std->oxid;
	const char *from = dcom_call_remote_address(call);
	im->caller = strcmp(from, "local") ? talloc_strdup(im, from) : NULL;
	im->mip = talloc_zero(im, struct MInterfacePointer);
	if (im->mip == NULL ||
	    (im->mip->abData = talloc_memdup(im->mip, r->in.pWTDisk->abData,
					     r->in.pWTDisk->ulCntData)) == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	im->mip->ulCntData = r->in.pWTDisk->ulCntData;
	const struct DUALSTRINGARRAY *a = &o.u_objref.u_standard.saResAddr;
	int rc = dcom_string_bindings(a->aStringArray, a->wNumEntries, a->wSecurityOffset,
				      add_resolver, im);
	if (rc != 0 || im->n_resolvers == 0) {
		finish(im, E_INVALIDARG,
		       "no resolver address in the OBJREF istmd may call ([notify] "
		       "only_caller_address)");
		return;
	}
	connect_next(im, -EHOSTUNREACH);
}
