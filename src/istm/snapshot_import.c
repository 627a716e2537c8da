/* ISnapshotMgr ImportSnapshot (MS-ISTM 3.38.4.7). Windows answers E_NOTIMPL
 * (<81>); istmd adds to its collection the snapshot an ISnapshot object
 * names, when istmd has its file: an unregistered snapshot file
 * ROOT/.istmd-snapshots/<disk-guid>/<id>.vhd (core/snapshots_import.c;
 * docs/snapshots.md, "Import"). The object is
 * - one of istmd's own ISnapshot objects (the OBJREF's OXID is ours): its
 *   id; registered still: ERROR_ALREADY_EXISTS (as ImportWTDisk);
 * - a client's object: istmd calls it back as a DCOM client ([notify]
 *   credentials, timeout, only_caller_address, as ImportWTDisk) for Id
 *   (required), OrigWTD and TimeStamp (used when it answers), releases it,
 *   then registers the file with that id.
 * ISnapshot has no propget for VssSnapshotSetId: an imported snapshot is a
 * set of its own. Every step is asynchronous. */
#include "istm/snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "core/snapshots.h"
#include "dcom/client.h"
#include "dcom/exporter.h"
#include "dcom/objref.h"
#include "idl/ndr_ms_istm.h"
#include "istm/client_object.h"
#include "istm/errmap.h"
#include "istm/notify.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

#define VSS_E_VOLUME_NOT_SUPPORTED 0x8004230Cu
#define VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED 0x80042317u

static const struct istm_errmap import_errors[] = {
	{ -EINVAL, E_INVALIDARG },                       /* not a snapshot id */
	{ -EEXIST, HR_WIN32(ERROR_ALREADY_EXISTS) },     /* in the collection already */
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) },     /* no such file */
	{ -ENODEV, HR_WIN32(ERROR_FILE_NOT_FOUND) },     /* its disk is not registered */
	{ -EXDEV, E_INVALIDARG },                        /* OrigWTD contradicts the file */
	{ -EMEDIUMTYPE, HR_WIN32(ERROR_INVALID_FUNCTION) }, /* as PrepareCreateSnapshot */
	{ -EOPNOTSUPP, VSS_E_VOLUME_NOT_SUPPORTED },
	{ -EMLINK, VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED },
	{ -EBUSY, HR_WIN32(ERROR_BUSY) },
	{ 0, 0 },
};

struct simport {
	struct dcom_call *call;
	struct istm_context *ctx;
	const struct istm_notify_config *config;
	struct istm_client_object *co;
	uint32_t result; /* of the callbacks, to answer after the release */
	char id[CORE_GUID_LEN + 1];
	struct core_snapshot_import hint;
	struct ISnapshot_get_Id *get_id;
	struct ISnapshot_get_OrigWTD *get_wtd;
	struct ISnapshot_get_TimeStamp *get_ts;
};

static void finish(struct simport *im, uint32_t hr, const char *why)
{
	if (HR_FAILED(hr))
		log_notice("ImportSnapshot by %s refused (0x%08x): %s", dcom_call_user(im->call), hr,
			   why ? why : "?");
	dcom_call_done(im->call, hr);
}

/* ---- registering the file --------------------------------------------------------- */

static void imported(struct tevent_req *req)
{
	struct simport *im = tevent_req_callback_data(req, struct simport);
	char *why = NULL;
	int rc = core_snapshot_import_recv(req, im, &why);
	if (rc == 0) {
		log_info("snapshot %s imported by %s", im->id, dcom_call_user(im->call));
		dcom_call_done(im->call, S_OK);
		return;
	}
	finish(im, istm_hr(rc, import_errors), why ? why : strerror(-rc));
}

static void import_id(struct simport *im)
{
	if (istm_snapshot_pending(im->ctx, im->id)) {
		finish(im, E_INVALIDARG, "that id is prepared for a snapshot (PrepareCreateSnapshot)");
		return;
	}
	struct tevent_req *req = core_snapshot_import_send(im, im->ctx->core, im->id, &im->hint);
	if (req == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	tevent_req_set_callback(req, imported, im);
}

static void guid_text(const struct GUID *g, char out[CORE_GUID_LEN + 1])
{
	struct GUID_txt_buf buf;
	snprintf(out, CORE_GUID_LEN + 1, "%s", GUID_buf_string(g, &buf));
}

/* ---- calling a client's object back ----------------------------------------------- */

static void got_prop(struct tevent_req *subreq);
static void released(struct tevent_req *subreq);

/* The next property call: Id, then OrigWTD, then TimeStamp; then the
 * release. */
static void next_call(struct simport *im)
{
	void *r = NULL;
	uint32_t opnum = 0;
	if (im->get_id == NULL) {
		im->get_id = talloc_zero(im, struct ISnapshot_get_Id);
		if (im->get_id != NULL)
			im->get_id->out.pId = talloc_zero(im->get_id, struct GUID);
		r = im->get_id && im->get_id->out.pId ? im->get_id : NULL;
		opnum = NDR_ISNAPSHOT_GET_ID;
	} else if (im->get_wtd == NULL) {
		im->get_wtd = talloc_zero(im, struct ISnapshot_get_OrigWTD);
		if (im->get_wtd != NULL)
			im->get_wtd->out.pWTD = talloc_zero(im->get_wtd, uint32_t);
		r = im->get_wtd && im->get_wtd->out.pWTD ? im->get_wtd : NULL;
		opnum = NDR_ISNAPSHOT_GET_ORIGWTD;
	} else if (im->get_ts == NULL) {
		im->get_ts = talloc_zero(im, struct ISnapshot_get_TimeStamp);
		if (im->get_ts != NULL)
			im->get_ts->out.pTimeStamp = talloc_zero(im->get_ts, int64_t);
		r = im->get_ts && im->get_ts->out.pTimeStamp ? im->get_ts : NULL;
		opnum = NDR_ISNAPSHOT_GET_TIMESTAMP;
	} else {
		/* The reference the OBJREF gave us goes back before anything else. */
		struct tevent_req *req = istm_client_object_release_send(im, im->ctx->ev, im->co,
									  "ImportSnapshot");
		if (req == NULL) {
			finish(im, E_OUTOFMEMORY, "out of memory");
			return;
		}
		tevent_req_set_callback(req, released, im);
		return;
	}
	struct tevent_req *req = r ? dcom_client_call_send(im, im->ctx->ev, im->co->iface,
							   &ndr_table_ISnapshot, opnum, r, r)
				   : NULL;
	if (req == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	tevent_req_set_callback(req, got_prop, im);
}

static void reached(struct tevent_req *subreq)
{
	struct simport *im = tevent_req_callback_data(subreq, struct simport);
	char *why = NULL;
	uint32_t hr = istm_client_object_recv(subreq, im, &im->co, &why);
	talloc_free(subreq);
	if (HR_FAILED(hr)) {
		finish(im, hr, why);
		return;
	}
	next_call(im);
}

static void got_prop(struct tevent_req *subreq)
{
	struct simport *im = tevent_req_callback_data(subreq, struct simport);
	uint32_t fault = 0;
	int rc = dcom_client_call_recv(subreq, &fault);
	talloc_free(subreq);
	if (rc != 0) {
		finish(im, istm_client_hr(rc),
		       talloc_asprintf(im, "ISnapshot property: %s (fault 0x%08x)", strerror(-rc),
				       fault));
		return;
	}
	if (im->get_ts != NULL) { /* TimeStamp: used when answered */
		if (!HR_FAILED(im->get_ts->out.result) && *im->get_ts->out.pTimeStamp > 0)
			im->hint.timestamp = *im->get_ts->out.pTimeStamp;
	} else if (im->get_wtd != NULL) { /* OrigWTD: checked when answered */
		if (!HR_FAILED(im->get_wtd->out.result))
			im->hint.orig_wtd = *im->get_wtd->out.pWTD;
	} else { /* Id: required */
		im->result = im->get_id->out.result;
		if (!HR_FAILED(im->result)) {
			if (GUID_all_zero(im->get_id->out.pId))
				im->result = E_INVALIDARG;
			else
				guid_text(im->get_id->out.pId, im->id);
		}
		if (HR_FAILED(im->result)) { /* nothing more to ask: release */
			im->get_wtd = talloc_zero(im, struct ISnapshot_get_OrigWTD);
			im->get_ts = talloc_zero(im, struct ISnapshot_get_TimeStamp);
			if (im->get_wtd == NULL || im->get_ts == NULL) {
				finish(im, E_OUTOFMEMORY, "out of memory");
				return;
			}
		}
	}
	next_call(im);
}

static void released(struct tevent_req *subreq)
{
	struct simport *im = tevent_req_callback_data(subreq, struct simport);
	istm_client_object_release_recv(subreq);
	talloc_free(subreq);
	if (HR_FAILED(im->result)) {
		finish(im, im->result, "get_Id failed on the client's object, or its Id is zero");
		return;
	}
	import_id(im);
}

/* ---- the method --------------------------------------------------------------------- */

void istm_import_snapshot(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshotMgr_ImportSnapshot *r = rv;
	struct istm_context *ctx = ((struct istm_manager *)object)->ctx;
	if (r->in.pSnapshot == NULL) {
		dcom_call_done(call, E_POINTER);
		return;
	}
	struct simport *im = talloc_zero(call, struct simport);
	if (im == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	im->call = call;
	im->ctx = ctx;
	im->config = ctx->notify_config;
	im->hint.orig_wtd = CORE_NO_WTD;
	struct OBJREF o;
	if (dcom_objref_pull(im, r->in.pSnapshot, &o) < 0 || o.flags != OBJREF_FLAG_STANDARD ||
	    !GUID_equal(&o.iid, &idl_iface_ISnapshot.table->syntax_id.uuid)) {
		finish(im, E_INVALIDARG, "not a standard OBJREF of ISnapshot");
		return;
	}
	const struct STDOBJREF *std = &o.u_objref.u_standard.std;
	if (std->oxid == dcom_exporter_oxid(ctx->ex)) {
		struct dcom_object *obj = dcom_exporter_find_ipid(ctx->ex, &std->ipid);
		const char *id = obj != NULL ? istm_snapshot_object_id(obj) : NULL;
		if (id == NULL) {
			finish(im, E_INVALIDARG, "an object of istmd that is no snapshot");
			return;
		}
		snprintf(im->id, sizeof(im->id), "%s", id);
		import_id(im);
		return;
	}
	if (im->config == NULL) {
		finish(im, E_INVALIDARG, "no [notify] settings to call a client's object with");
		return;
	}
	const char *from = dcom_call_remote_address(call);
	struct tevent_req *req = istm_client_object_send(im, ctx->ev, im->config,
							 strcmp(from, "local") ? from : NULL,
							 r->in.pSnapshot, &o, "ImportSnapshot");
	if (req == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	tevent_req_set_callback(req, reached, im);
}
