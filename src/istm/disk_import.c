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
#include "istm/client_object.h"
#include "istm/disk_internal.h"
#include "istm/errmap.h"
#include "istm/notify.h"
#include "istmd/hresult.h"
#include "istmd/log.h"


struct import {
	struct dcom_call *call;
	struct istm_context *ctx;
	const struct istm_notify_config *config;
	struct istm_client_object *co;
	struct IWTDisk_get_DevicePath *get;
	uint32_t result; /* of the callback, to answer after the release */
	char *path;
	uint32_t wtd;
	uint32_t *out_wtd;
};

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

static void got_path(struct tevent_req *subreq);
static void released(struct tevent_req *subreq);

static void reached(struct tevent_req *subreq)
{
	struct import *im = tevent_req_callback_data(subreq, struct import);
	char *why = NULL;
	uint32_t hr = istm_client_object_recv(subreq, im, &im->co, &why);
	talloc_free(subreq);
	if (HR_FAILED(hr)) {
		finish(im, hr, why);
		return;
	}
	im->get = talloc_zero(im, struct IWTDisk_get_DevicePath);
	if (im->get == NULL || (im->get->out.pDevicePath = talloc_zero(im->get, const char *)) ==
				       NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	struct tevent_req *req = dcom_client_call_send(im, im->ctx->ev, im->co->iface,
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
		finish(im, istm_client_hr(rc),
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
	struct tevent_req *req = istm_client_object_release_send(im, im->ctx->ev, im->co,
								  "ImportWTDisk");
	if (req == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	tevent_req_set_callback(req, released, im);
}

static void released(struct tevent_req *subreq)
{
	struct import *im = tevent_req_callback_data(subreq, struct import);
	istm_client_object_release_recv(subreq);
	talloc_free(subreq);
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
	const char *from = dcom_call_remote_address(call);
	struct tevent_req *req = istm_client_object_send(im, ctx->ev, im->config,
							 strcmp(from, "local") ? from : NULL,
							 r->in.pWTDisk, &o, "ImportWTDisk");
	if (req == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	tevent_req_set_callback(req, reached, im);
}
