/* The DCOM client (client.h). Tables of MS-DCOM 3.2.1, reduced to one
 * server: its OXID entry, the interfaces held (IPID entries with their OIDs)
 * and the ping set. */
#include "dcom/client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/actprops.h"
#include "dcom/client_private.h"
#include "dcom/internal.h"
#include "dcom/objref.h"
#include "idl/ndr_ms_dcom.h"
#include "istmd/hresult.h"
#include "istmd/log.h"
#include "istmd/treq.h"

#define DEFAULT_TIMEOUT_MS 30000
#define CLSCTX_REMOTE_SERVER 0x10
#define RPC_C_IMP_LEVEL_IDENTIFY 2 /* what Windows clients send (<70>) */


static unsigned timeout_of(const struct dcom_client *client)
{
	return client->opts.timeout_ms ? client->opts.timeout_ms : DEFAULT_TIMEOUT_MS;
}

static void fill_orpcthis(struct dcom_client *client, struct ORPCTHIS *t)
{
	*t = (struct ORPCTHIS){ .version = client->version, .flags = 0 };
	t->cid = GUID_random(); /* a new causality per call (MS-DCOM 1.3.5) */
}

/* ---- interfaces held ------------------------------------------------------------ */

static int iface_destructor(struct dcom_iface *iface)
{
	struct dcom_client *client = iface->client;
	if (client != NULL)
		DLIST_UNLINK(client->ifaces, iface);
	return 0;
}

static struct dcom_iface *new_iface(TALLOC_CTX *mem, struct dcom_client *client,
				    const struct GUID *iid, const struct STDOBJREF *std)
{
	struct dcom_iface *iface = talloc_zero(mem, struct dcom_iface);
	if (iface == NULL)
		return NULL;
	iface->client = client;
	iface->iid = *iid;
	iface->ipid = std->ipid;
	iface->oxid = std->oxid;
	iface->oid = std->oid;
	iface->public_refs = std->cPublicRefs;
	iface->pinged = !(std->flags & SORF_NOPING);
	DLIST_PUSH(client->ifaces, iface);
	talloc_set_destructor(iface, iface_destructor);
	return iface;
}

static int client_destructor(struct dcom_client *client)
{
	/* Interfaces outliving the client forget it. */
	for (struct dcom_iface *i = client->ifaces; i != NULL; i = i->next)
		i->client = NULL;
	client->ifaces = NULL;
	return 0;
}

int dcom_client_unmarshal(TALLOC_CTX *mem_ctx, struct dcom_client *client,
			  const struct MInterfacePointer *mip, struct dcom_iface **iface)
{
	struct OBJREF o;
	TALLOC_CTX *tmp = talloc_new(NULL);
	int rc = dcom_objref_pull(tmp, mip, &o);
	if (rc == 0 && o.flags != OBJREF_FLAG_STANDARD)
		rc = -EINVAL;
	if (rc == 0 && (!client->have_oxid || o.u_objref.u_standard.std.oxid != client->oxid))
		rc = -ENOENT;
	if (rc == 0) {
		*iface = new_iface(mem_ctx, client, &o.iid, &o.u_objref.u_standard.std);
		if (*iface == NULL)
			rc = -ENOMEM;
	}
	talloc_free(tmp);
	return rc;
}

/* ---- connect ---------------------------------------------------------------------- */

struct connect_state {
	struct dcom_client *client;
	struct IObjectExporter_ServerAlive2 alive;
	struct COMVERSION version;
	struct DUALSTRINGARRAY *bindings;
	uint32_t reserved;
};

static void connect_connected(struct tevent_req *subreq);
static void connect_alive(struct tevent_req *subreq);

struct tevent_req *dcom_client_connect_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    const struct dcom_client_options *options)
{
	struct connect_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct connect_state);
	if (req == NULL)
		return NULL;
	struct dcom_client *client = talloc_zero(s, struct dcom_client);
	if (tevent_req_nomem(client, req))
		return tevent_req_post(req, ev);
	s->client = client;
	client->ev = ev;
	client->opts = *options;
	client->opts.host = talloc_strdup(client, options->host);
	client->opts.auth.user = talloc_strdup(client, options->auth.user ? options->auth.user : "");
	client->opts.auth.domain =
		talloc_strdup(client, options->auth.domain ? options->auth.domain : "");
	client->opts.auth.password =
		talloc_strdup(client, options->auth.password ? options->auth.password : "");
	if (client->opts.port == 0)
		client->opts.port = 135;
	client->version = (struct COMVERSION){ DCOM_COM_VERSION_MAJOR, DCOM_COM_VERSION_MINOR };
	client->connect_queue = tevent_queue_create(client, "dcom_client_connect");
	talloc_set_destructor(client, client_destructor);
	if (tevent_req_nomem(client->opts.host, req) || tevent_req_nomem(client->connect_queue, req))
		return tevent_req_post(req, ev);
	struct tevent_req *subreq =
		rpc_client_connect_send(s, ev, client->opts.host, client->opts.port,
					&client->opts.auth, &ndr_table_IObjectExporter,
					timeout_of(client));
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, connect_connected, req);
	return req;
}

static void connect_connected(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct connect_state *s = tevent_req_data(req, struct connect_state);
	struct dcom_client *client = s->client;
	int rc = rpc_client_connect_recv(subreq, client, &client->resolver);
	TALLOC_FREE(subreq);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	rpc_client_set_timeout(client->resolver, timeout_of(client));
	/* ServerAlive2 (MS-DCOM 3.2.4.1.1.1): the server's COMVERSION. */
	s->alive.out.pComVersion = &s->version;
	s->alive.out.ppdsaOrBindings = &s->bindings;
	s->alive.out.pReserved = &s->reserved;
	subreq = rpc_client_call_send(s, client->ev, client->resolver, &ndr_table_IObjectExporter,
				      NDR_IOBJECTEXPORTER_SERVERALIVE2, NULL, s, &s->alive);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, connect_alive, req);
}

static void connect_alive(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct connect_state *s = tevent_req_data(req, struct connect_state);
	uint32_t fault;
	int rc = rpc_client_call_recv(subreq, &fault);
	TALLOC_FREE(subreq);
	if (rc == 0 && s->alive.out.result == 0 && s->version.MajorVersion == DCOM_COM_VERSION_MAJOR &&
	    s->version.MinorVersion < s->client->version.MinorVersion)
		s->client->version.MinorVersion = s->version.MinorVersion;
	/* A server without ServerAlive2 is 5.1 (MS-DCOM 3.2.4.1.1.1). */
	if (rc == -EREMOTEIO && fault == DCERPC_NCA_S_OP_RNG_ERROR) {
		s->client->version.MinorVersion = 1;
		rc = 0;
	}
	/* NTLMSSP ends with auth3, which has no answer: refused credentials
	 * show on this first request (MS-RPCE 3.3.1.5.2.1). */
	if (rc == -EREMOTEIO && fault == DCERPC_FAULT_ACCESS_DENIED)
		rc = -EACCES;
	treq_finish(req, rc);
}

int dcom_client_connect_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			     struct dcom_client **client)
{
	struct connect_state *s = tevent_req_data(req, struct connect_state);
	int rc = treq_errno(req);
	if (rc == 0)
		*client = talloc_steal(mem_ctx, s->client);
	return rc;
}

/* ---- activation --------------------------------------------------------------------- */

struct activate_state {
	struct dcom_client *client;
	uint32_t num;
	const struct GUID *iids;
	struct IRemoteSCMActivator_RemoteCreateInstance r;
	struct ORPCTHIS orpcthis;
	struct MInterfacePointer *reply;
	uint32_t hresult;
	uint32_t *results;
	struct dcom_iface **ifaces;
	uint32_t fault;
};

static void activate_done(struct tevent_req *subreq);

/* The request's properties, as Windows clients send them (MS-DCOM <74>). */
static int build_activation(struct activate_state *s, const struct GUID *clsid,
			    struct MInterfacePointer **out)
{
	struct dcom_client *client = s->client;
	uint16_t protseq = DCOM_TOWER_NCACN_IP_TCP;
	struct InstantiationInfoData inst = {
		.classId = *clsid,
		.classCtx = CLSCTX_REMOTE_SERVER,
		.cIID = s->num,
		.pIID = discard_const_p(struct GUID, s->iids),
		.clientCOMVersion = client->version,
	};
	struct ActivationContextInfoData ctx = { 0 };
	struct LocationInfoData location = { 0 };
	struct customREMOTE_REQUEST_SCM_INFO scm_info = {
		.ClientImpLevel = RPC_C_IMP_LEVEL_IDENTIFY,
		.cRequestedProtseqs = 1,
		.pRequestedProtseqs = &protseq,
	};
	struct ScmRequestInfoData scm = { .remoteRequest = &scm_info };
	struct SpecialPropertiesData special = {
		.dwSessionId = 0xFFFFFFFF,
		.dwDefaultAuthnLvl = client->opts.auth.auth_level,
		.dwOrigClsctx = CLSCTX_REMOTE_SERVER,
		.dwFlags = SPD_FLAG_USE_DEFAULT_AUTHN_LVL,
	};
	/* thisSize: the structure's own serialized size (2.2.22.2.1). */
	DATA_BLOB sized;
	int rc = dcom_ts1_encode(s, (ndr_push_flags_fn_t)ndr_push_InstantiationInfoData, &inst,
				 &sized);
	if (rc != 0)
		return rc;
	inst.thisSize = (uint32_t)sized.length;
	data_blob_free(&sized);
	const struct dcom_actprop_value props[] = {
		{ &dcom_CLSID_InstantiationInfo,
		  (ndr_push_flags_fn_t)ndr_push_InstantiationInfoData, &inst },
		{ &dcom_CLSID_ActivationContextInfo,
		  (ndr_push_flags_fn_t)ndr_push_ActivationContextInfoData, &ctx },
		{ &dcom_CLSID_ServerLocationInfo, (ndr_push_flags_fn_t)ndr_push_LocationInfoData,
		  &location },
		{ &dcom_CLSID_ScmRequestInfo, (ndr_push_flags_fn_t)ndr_push_ScmRequestInfoData,
		  &scm },
		{ &dcom_CLSID_SpecialSystemProperties,
		  (ndr_push_flags_fn_t)ndr_push_SpecialPropertiesData, &special },
	};
	return dcom_actprops_wrap(s, &dcom_CLSID_ActivationPropertiesIn,
				  &dcom_IID_IActivationPropertiesIn, 2 /* MSHCTX_DIFFERENTMACHINE */,
				  props, sizeof(props) / sizeof(props[0]), out);
}

struct tevent_req *dcom_client_activate_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					     struct dcom_client *client, const struct GUID *clsid,
					     uint32_t num, const struct GUID *iids)
{
	struct activate_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct activate_state);
	if (req == NULL)
		return NULL;
	s->client = client;
	s->num = num;
	s->iids = iids;
	s->results = talloc_zero_array(s, uint32_t, num ? num : 1);
	s->ifaces = talloc_zero_array(s, struct dcom_iface *, num ? num : 1);
	if (tevent_req_nomem(s->results, req) || tevent_req_nomem(s->ifaces, req))
		return tevent_req_post(req, ev);
	if (num == 0 || num > MAX_REQUESTED_INTERFACES) {
		tevent_req_error(req, EINVAL);
		return tevent_req_post(req, ev);
	}
	struct MInterfacePointer *props;
	int rc = build_activation(s, clsid, &props);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return tevent_req_post(req, ev);
	}
	fill_orpcthis(client, &s->orpcthis);
	s->r.in.orpcthis = &s->orpcthis;
	s->r.in.pActProperties = props;
	s->r.out.ppActProperties = &s->reply;
	struct tevent_req *subreq =
		rpc_client_call_send(s, ev, client->resolver, &ndr_table_IRemoteSCMActivator,
				     NDR_IREMOTESCMACTIVATOR_REMOTECREATEINSTANCE, NULL, s, &s->r);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, activate_done, req);
	return req;
}

static int parse_activation(struct activate_state *s)
{
	struct dcom_client *client = s->client;
	struct dcom_actprops p;
	const char *why = NULL;
	if (dcom_actprops_unwrap(s, s->reply, &dcom_CLSID_ActivationPropertiesOut,
				 &dcom_IID_IActivationPropertiesOut, &p, &why) != 0) {
		log_warn("DCOM client: activation reply: %s", why);
		return -EPROTO;
	}
	struct ScmReplyInfoData scm = { 0 };
	struct PropsOutInfo props = { 0 };
	if (dcom_actprops_get(&p, &dcom_CLSID_ScmReplyInfo, s,
			      (ndr_pull_flags_fn_t)ndr_pull_ScmReplyInfoData, &scm) != 0 ||
	    scm.remoteReply == NULL ||
	    dcom_actprops_get(&p, &dcom_CLSID_PropsOutInfo, s,
			      (ndr_pull_flags_fn_t)ndr_pull_PropsOutInfo, &props) != 0 ||
	    props.cIfs != s->num || props.phresults == NULL || props.ppIntfData == NULL) {
		log_warn("DCOM client: activation reply without ScmReplyInfoData or PropsOutInfo");
		return -EPROTO;
	}
	const struct customREMOTE_REPLY_SCM_INFO *reply = scm.remoteReply;
	int rc = dcom_client_set_oxid(client, reply->Oxid, reply->pdsaOxidBindings, &reply->ipidRemUnknown,
			  reply->authnHint, &reply->serverVersion);
	if (rc != 0)
		return rc;
	for (uint32_t i = 0; i < s->num; i++) {
		s->results[i] = props.phresults[i];
		if (s->results[i] != S_OK)
			continue;
		rc = dcom_client_unmarshal(s, client, props.ppIntfData[i], &s->ifaces[i]);
		if (rc != 0)
			return rc == -ENOMEM ? rc : -EPROTO;
	}
	return 0;
}

static void activate_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct activate_state *s = tevent_req_data(req, struct activate_state);
	int rc = rpc_client_call_recv(subreq, &s->fault);
	TALLOC_FREE(subreq);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	s->hresult = s->r.out.result;
	if (!HR_FAILED(s->hresult)) {
		rc = parse_activation(s);
		if (rc != 0) {
			tevent_req_error(req, -rc);
			return;
		}
	}
	tevent_req_done(req);
}

int dcom_client_activate_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx, uint32_t *hresult,
			      uint32_t *results, struct dcom_iface **ifaces, uint32_t *fault)
{
	struct activate_state *s = tevent_req_data(req, struct activate_state);
	int rc = treq_errno(req);
	if (fault != NULL)
		*fault = rc == -EREMOTEIO ? s->fault : 0;
	if (rc != 0)
		return rc;
	*hresult = s->hresult;
	for (uint32_t i = 0; i < s->num; i++) {
		results[i] = HR_FAILED(s->hresult) ? s->hresult : s->results[i];
		ifaces[i] = s->ifaces[i] ? talloc_steal(mem_ctx, s->ifaces[i]) : NULL;
	}
	return 0;
}

/* ---- ORPC calls ---------------------------------------------------------------------- */

struct orpc_state {
	struct tevent_context *ev;
	struct dcom_client *client;
	const struct ndr_interface_table *table;
	uint32_t opnum;
	struct GUID ipid;
	void *r;
	TALLOC_CTX *out_mem;
	struct tevent_req *queued; /* our place in the connect queue */
	uint32_t fault;
};

static void orpc_queued(struct tevent_req *subreq);
static void orpc_connected(struct tevent_req *subreq);
static void orpc_done(struct tevent_req *subreq);

/* OPNUM of TABLE on IPID through the exporter connection, opened on first
 * use at the higher of our level and the exporter's hint (3.2.4.2). */
static struct tevent_req *orpc_send(TALLOC_CTX *mem, struct tevent_context *ev,
				    struct dcom_client *client,
				    const struct ndr_interface_table *table, uint32_t opnum,
				    const struct GUID *ipid, TALLOC_CTX *r_mem, void *r)
{
	struct orpc_state *s;
	struct tevent_req *req = tevent_req_create(mem, &s, struct orpc_state);
	if (req == NULL)
		return NULL;
	s->ev = ev;
	s->client = client;
	s->table = table;
	s->opnum = opnum;
	s->ipid = *ipid;
	s->r = r;
	s->out_mem = r_mem;
	if (!client->have_oxid) {
		tevent_req_error(req, ENOENT);
		return tevent_req_post(req, ev);
	}
	fill_orpcthis(client, r); /* ORPCTHIS: the first [in] of every [object] method */
	s->queued = tevent_queue_wait_send(s, ev, client->connect_queue);
	if (tevent_req_nomem(s->queued, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(s->queued, orpc_queued, req);
	return req;
}

static void orpc_call(struct tevent_req *req)
{
	struct orpc_state *s = tevent_req_data(req, struct orpc_state);
	TALLOC_FREE(s->queued); /* let the next one look at the connection */
	struct tevent_req *subreq = rpc_client_call_send(s, s->ev, s->client->exporter, s->table,
							 s->opnum, &s->ipid, s->out_mem, s->r);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, orpc_done, req);
}

static void orpc_queued(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct orpc_state *s = tevent_req_data(req, struct orpc_state);
	struct dcom_client *client = s->client;
	/* A connection the server closed (idle timeout) or that broke is
	 * opened again. */
	if (client->exporter != NULL && rpc_client_broken(client->exporter))
		TALLOC_FREE(client->exporter);
	if (client->exporter != NULL) {
		orpc_call(req);
		return;
	}
	struct rpc_client_auth auth = client->opts.auth;
	if (auth.auth_type != 0 && auth.auth_level < client->authn_hint)
		auth.auth_level = (uint8_t)client->authn_hint;
	struct tevent_req *conn = rpc_client_connect_send(s, s->ev, client->exporter_host,
							  client->exporter_port, &auth, s->table,
							  timeout_of(client));
	if (tevent_req_nomem(conn, req))
		return;
	tevent_req_set_callback(conn, orpc_connected, req);
}

static void orpc_connected(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct orpc_state *s = tevent_req_data(req, struct orpc_state);
	int rc = rpc_client_connect_recv(subreq, s->client, &s->client->exporter);
	TALLOC_FREE(subreq);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	rpc_client_set_timeout(s->client->exporter, timeout_of(s->client));
	orpc_call(req);
}

static void orpc_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct orpc_state *s = tevent_req_data(req, struct orpc_state);
	int rc = rpc_client_call_recv(subreq, &s->fault);
	TALLOC_FREE(subreq);
	treq_finish(req, rc);
}

static int orpc_recv(struct tevent_req *req, uint32_t *fault)
{
	struct orpc_state *s = tevent_req_data(req, struct orpc_state);
	int rc = treq_errno(req);
	if (fault != NULL)
		*fault = rc == -EREMOTEIO ? s->fault : 0;
	return rc;
}

struct tevent_req *dcom_client_call_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					 struct dcom_iface *iface,
					 const struct ndr_interface_table *table, uint32_t opnum,
					 TALLOC_CTX *r_mem, void *r)
{
	if (iface->client == NULL)
		return NULL;
	return orpc_send(mem_ctx, ev, iface->client, table, opnum, &iface->ipid, r_mem, r);
}

int dcom_client_call_recv(struct tevent_req *req, uint32_t *fault)
{
	return orpc_recv(req, fault);
}

/* ---- IRemUnknown ------------------------------------------------------------------- */

struct query_state {
	struct dcom_client *client;
	struct IRemUnknown_RemQueryInterface r;
	struct REMQIRESULT *results;
	struct GUID iid;
	struct dcom_iface *out;
	uint32_t fault;
};

static void query_done(struct tevent_req *subreq);

struct tevent_req *dcom_client_query_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					  struct dcom_iface *iface, const struct GUID *iid,
					  uint32_t refs)
{
	struct query_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct query_state);
	if (req == NULL)
		return NULL;
	if (iface->client == NULL) {
		tevent_req_error(req, EINVAL);
		return tevent_req_post(req, ev);
	}
	s->client = iface->client;
	s->iid = *iid;
	s->r.in.ripid = &iface->ipid;
	s->r.in.cRefs = refs;
	s->r.in.cIids = 1;
	s->r.in.iids = &s->iid;
	s->r.out.ppQIResults = &s->results;
	struct tevent_req *subreq = orpc_send(s, ev, s->client, &ndr_table_IRemUnknown,
					      NDR_IREMUNKNOWN_REMQUERYINTERFACE,
					      &s->client->ipid_remunknown, s, &s->r);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, query_done, req);
	return req;
}

static void query_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct query_state *s = tevent_req_data(req, struct query_state);
	int rc = orpc_recv(subreq, &s->fault);
	TALLOC_FREE(subreq);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	if (s->results != NULL && s->results[0].hResult == S_OK &&
	    s->results[0].std.oxid == s->client->oxid) {
		s->out = new_iface(s, s->client, &s->iid, &s->results[0].std);
		if (tevent_req_nomem(s->out, req))
			return;
	}
	tevent_req_done(req);
}

int dcom_client_query_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx, uint32_t *hresult,
			   struct dcom_iface **out, uint32_t *fault)
{
	struct query_state *s = tevent_req_data(req, struct query_state);
	int rc = treq_errno(req);
	if (fault != NULL)
		*fault = rc == -EREMOTEIO ? s->fault : 0;
	if (rc != 0)
		return rc;
	*hresult = s->r.out.result;
	if (!HR_FAILED(*hresult) && s->results != NULL)
		*hresult = s->results[0].hResult;
	*out = s->out ? talloc_steal(mem_ctx, s->out) : NULL;
	return 0;
}

struct release_state {
	struct dcom_iface *iface;
	struct IRemUnknown_RemRelease r;
	struct REMINTERFACEREF ref;
	uint32_t fault;
};

static void release_done(struct tevent_req *subreq);

struct tevent_req *dcom_client_release_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    struct dcom_iface *iface)
{
	struct release_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct release_state);
	if (req == NULL)
		return NULL;
	if (iface->client == NULL) {
		tevent_req_error(req, EINVAL);
		return tevent_req_post(req, ev);
	}
	s->iface = iface;
	s->ref = (struct REMINTERFACEREF){ .ipid = iface->ipid, .cPublicRefs = iface->public_refs };
	s->r.in.cInterfaceRefs = 1;
	s->r.in.InterfaceRefs = &s->ref;
	struct tevent_req *subreq = orpc_send(s, ev, iface->client, &ndr_table_IRemUnknown,
					      NDR_IREMUNKNOWN_REMRELEASE,
					      &iface->client->ipid_remunknown, s, &s->r);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, release_done, req);
	return req;
}

static void release_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct release_state *s = tevent_req_data(req, struct release_state);
	int rc = orpc_recv(subreq, &s->fault);
	TALLOC_FREE(subreq);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	if (!HR_FAILED(s->r.out.result)) {
		/* Gone from the tables (3.2.4.4.2): no more pings for it. */
		s->iface->public_refs = 0;
		s->iface->pinged = false;
	}
	tevent_req_done(req);
}

int dcom_client_release_recv(struct tevent_req *req, uint32_t *hresult, uint32_t *fault)
{
	struct release_state *s = tevent_req_data(req, struct release_state);
	int rc = treq_errno(req);
	if (fault != NULL)
		*fault = rc == -EREMOTEIO ? s->fault : 0;
	if (rc == 0)
		*hresult = s->r.out.result;
	return rc;
}

/* ---- synchronous forms, accessors ---------------------------------------------------- */

static bool wait_for(struct tevent_req *req, struct tevent_context *ev)
{
	return req != NULL && tevent_req_poll(req, ev);
}

int dcom_client_connect(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
			const struct dcom_client_options *options, struct dcom_client **client)
{
	struct tevent_req *req = dcom_client_connect_send(mem_ctx, ev, options);
	int rc = wait_for(req, ev) ? dcom_client_connect_recv(req, mem_ctx, client) : -ENOMEM;
	talloc_free(req);
	return rc;
}

int dcom_client_activate(TALLOC_CTX *mem_ctx, struct dcom_client *client,
			 const struct GUID *clsid, uint32_t num, const struct GUID *iids,
			 uint32_t *hresult, uint32_t *results, struct dcom_iface **ifaces,
			 uint32_t *fault)
{
	struct tevent_req *req = dcom_client_activate_send(mem_ctx, client->ev, client, clsid, num,
							   iids);
	int rc = wait_for(req, client->ev) ?
			 dcom_client_activate_recv(req, mem_ctx, hresult, results, ifaces, fault) :
			 -ENOMEM;
	talloc_free(req);
	return rc;
}

int dcom_client_call(struct dcom_iface *iface, TALLOC_CTX *mem_ctx,
		     const struct ndr_interface_table *table, uint32_t opnum, void *r,
		     uint32_t *fault)
{
	if (iface->client == NULL)
		return -EINVAL;
	struct tevent_context *ev = iface->client->ev;
	struct tevent_req *req = dcom_client_call_send(mem_ctx, ev, iface, table, opnum, mem_ctx, r);
	int rc = wait_for(req, ev) ? dcom_client_call_recv(req, fault) : -ENOMEM;
	talloc_free(req);
	return rc;
}

int dcom_client_release(struct dcom_iface *iface, uint32_t *hresult, uint32_t *fault)
{
	if (iface->client == NULL)
		return -EINVAL;
	struct tevent_context *ev = iface->client->ev;
	struct tevent_req *req = dcom_client_release_send(iface, ev, iface);
	int rc = wait_for(req, ev) ? dcom_client_release_recv(req, hresult, fault) : -ENOMEM;
	talloc_free(req);
	return rc;
}

uint64_t dcom_client_oxid(const struct dcom_client *client)
{
	return client->oxid;
}

uint32_t dcom_client_authn_hint(const struct dcom_client *client)
{
	return client->authn_hint;
}

const struct GUID *dcom_client_remunknown_ipid(const struct dcom_client *client)
{
	return &client->ipid_remunknown;
}

const char *dcom_client_exporter_binding(const struct dcom_client *client)
{
	return client->binding;
}

struct tevent_context *dcom_client_ev(const struct dcom_client *client)
{
	return client->ev;
}
