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
#include "istm/errmap.h"
#include "istm/notify.h"
#include "istm/resolver_binding.h"
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
	struct MInterfacePointer *mip;
	uint64_t oxid;
	const char *caller; /* NULL: in-process */
	char *resolvers[MAX_RESOLVERS];
	uint16_t ports[MAX_RESOLVERS];
	size_t n_resolvers, next_resolver;
	struct dcom_client *client;
	struct dcom_iface *iface;
	uint32_t result; /* of the callbacks, to answer after the release */
	char id[CORE_GUID_LEN + 1];
	struct core_snapshot_import hint;
	struct ISnapshot_get_Id *get_id;
	struct ISnapshot_get_OrigWTD *get_wtd;
	struct ISnapshot_get_TimeStamp *get_ts;
};

static uint32_t client_hr(int rc)
{
	return rc == -ETIMEDOUT ? HR_WIN32(ERROR_TIMEOUT) : HR_WIN32(RPC_S_SERVER_UNAVAILABLE);
}

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

static int add_resolver(uint16_t tower, const char *address, void *priv)
{
	struct simport *im = priv;
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

static void connect_next(struct simport *im, int last_rc);
static void connected(struct tevent_req *subreq);
static void resolved(struct tevent_req *subreq);
static void got_prop(struct tevent_req *subreq);
static void released(struct tevent_req *subreq);

static void connect_next(struct simport *im, int last_rc)
{
	if (im->next_resolver >= im->n_resolvers) {
		finish(im, client_hr(last_rc),
		       talloc_asprintf(im, "no resolver of the ISnapshot OBJREF answered (%s)",
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
	struct simport *im = tevent_req_callback_data(subreq, struct simport);
	int rc = dcom_client_connect_recv(subreq, im, &im->client);
	talloc_free(subreq);
	if (rc != 0) {
		log_info("ImportSnapshot: resolver %s[%u]: %s", im->resolvers[im->next_resolver - 1],
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
		struct tevent_req *req = dcom_client_release_send(im, im->ctx->ev, im->iface);
		if (req == NULL) {
			finish(im, E_OUTOFMEMORY, "out of memory");
			return;
		}
		tevent_req_set_callback(req, released, im);
		return;
	}
	struct tevent_req *req = r ? dcom_client_call_send(im, im->ctx->ev, im->iface,
							   &ndr_table_ISnapshot, opnum, r, r)
				   : NULL;
	if (req == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	tevent_req_set_callback(req, got_prop, im);
}

static void resolved(struct tevent_req *subreq)
{
	struct simport *im = tevent_req_callback_data(subreq, struct simport);
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
	next_call(im);
}

static void got_prop(struct tevent_req *subreq)
{
	struct simport *im = tevent_req_callback_data(subreq, struct simport);
	uint32_t fault = 0;
	int rc = dcom_client_call_recv(subreq, &fault);
	talloc_free(subreq);
	if (rc != 0) {
		finish(im, client_hr(rc),
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
	uint32_t hresult = 0, fault = 0;
	int rc = dcom_client_release_recv(subreq, &hresult, &fault);
	talloc_free(subreq);
	if (rc != 0)
		log_info("ImportSnapshot: RemRelease: %s", strerror(-rc));
	TALLOC_FREE(im->iface);
	TALLOC_FREE(im->client);
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
	im->oxid = std->oxid;
	const char *from = dcom_call_remote_address(call);
	im->caller = strcmp(from, "local") ? talloc_strdup(im, from) : NULL;
	im->mip = talloc_zero(im, struct MInterfacePointer);
	if (im->mip == NULL ||
	    (im->mip->abData = talloc_memdup(im->mip, r->in.pSnapshot->abData,
					     r->in.pSnapshot->ulCntData)) == NULL) {
		finish(im, E_OUTOFMEMORY, "out of memory");
		return;
	}
	im->mip->ulCntData = r->in.pSnapshot->ulCntData;
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
