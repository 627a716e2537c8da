/* Activation on the endpoint-mapper port (MS-DCOM 3.1.2.5.2):
 * IRemoteSCMActivator::RemoteGetClassObject (opnum 3) and RemoteCreateInstance
 * (opnum 4) with activation properties BLOBs, and IActivation::RemoteActivation
 * (opnum 0) for older clients. Every CLSID is bound to an object of the
 * exporter (dcom_exporter_register_clsid): activating it marshals that
 * object's requested interfaces; a class object is the same object (no
 * IClassFactory here: the MS-ISTM classes are singletons). */
#include "dcom/internal.h"

#include <gen_ndr/dcerpc.h>

#include <errno.h>
#include <string.h>

#include "dcom/actprops.h"
#include "dcom/objref.h"
#include "dcom/object_exporter.h"
#include "idl/ndr_ms_dcom.h"
#include "istmd/hresult.h"
#include "istmd/log.h"
#include "rpc/server.h"

#define MSHCTX_DIFFERENTMACHINE 2 /* CustomHeader.destCtx Windows sends (<22>) */

struct activation {
	const struct GUID *clsid;
	uint32_t num_iids;
	const struct GUID *iids;
	const uint16_t *protseqs;
	uint16_t num_protseqs;
	/* results, num_iids each */
	uint32_t *results;
	struct MInterfacePointer **ifaces;
};

static const char *guid_str(TALLOC_CTX *mem, const struct GUID *g)
{
	char *s = GUID_string(mem, g);
	return s ? s : "?";
}

/* MS-ISTM 3.1.4.2.1 <11>: activation needs an authenticated admin at or
 * above min_auth_level (MS-DCOM 3.1.2.5.2.3 leaves the permissions to us). */
static uint32_t check_caller(struct dcom_exporter *ex, struct rpc_call *call)
{
	const char *user = rpc_call_user(call);
	uint8_t level = rpc_call_auth_level(call);
	if (user != NULL && level >= DCERPC_AUTH_LEVEL_CONNECT && level >= ex->min_auth_level &&
	    rpc_call_is_admin(call))
		return S_OK;
	log_notice("DCOM: activation by %s from %s refused: not an authenticated admin",
		   user ? user : "(anonymous)", rpc_call_remote_address(call));
	return E_ACCESSDENIED;
}

/* MS-DCOM 3.1.2.5.2.3 for an admin caller: fills the per-interface results
 * and returns the overall HRESULT. */
static uint32_t activate(struct dcom_exporter *ex, struct rpc_call *call,
			 const struct ORPCTHIS *orpcthis, struct activation *a, TALLOC_CTX *mem)
{
	const char *user = rpc_call_user(call);

	for (uint32_t i = 0; i < a->num_iids; i++) {
		a->results[i] = E_NOINTERFACE;
		a->ifaces[i] = NULL;
	}
	if (orpcthis->version.MajorVersion != DCOM_COM_VERSION_MAJOR ||
	    orpcthis->version.MinorVersion > DCOM_COM_VERSION_MINOR)
		return RPC_E_VERSION_MISMATCH;
	if (!dcom_protseqs_have_tcp(a->protseqs, a->num_protseqs))
		return HRESULT_FROM_WIN32(RPC_S_PROTSEQ_NOT_SUPPORTED);
	struct dcom_object *obj = dcom_exporter_find_clsid(ex, a->clsid);
	if (obj == NULL) {
		log_info("DCOM: activation of unknown class %s", guid_str(mem, a->clsid));
		return REGDB_E_CLASSNOTREG;
	}

	unsigned found = 0;
	const char *dialled = rpc_call_local_address(call);
	for (uint32_t i = 0; i < a->num_iids; i++) {
		const struct idl_interface *iface = dcom_object_find_iid(obj, &a->iids[i]);
		if (iface == NULL)
			continue;
		struct STDOBJREF std;
		/* The references belong to nobody: the classes activated are
		 * singletons (the managers), never released by a client. */
		struct dcom_ipid *ipid = dcom_export(obj, iface, DCOM_MARSHAL_REFS, NULL, &std);
		if (ipid == NULL || dcom_objref_standard(mem, ex, &a->iids[i], &std, dialled,
							 &a->ifaces[i]) != 0) {
			if (ipid != NULL)
				dcom_ipid_release(ipid, NULL, DCOM_MARSHAL_REFS, 0);
			a->results[i] = E_OUTOFMEMORY;
			continue;
		}
		a->results[i] = S_OK;
		found++;
	}
	log_info("DCOM: %s activated %s (%s) for %s: %u of %u interfaces", user,
		 dcom_object_class(obj)->name, guid_str(mem, a->clsid), rpc_call_remote_address(call),
		 found, a->num_iids);
	/* None of the interfaces: the activation fails (CoCreateInstanceEx);
	 * the per-interface results say which were found otherwise. */
	return found != 0 ? S_OK : E_NOINTERFACE;
}

/* Takes back what a failed reply would have handed out. */
static void release_ifaces(struct dcom_exporter *ex, struct activation *a, TALLOC_CTX *mem)
{
	for (uint32_t i = 0; i < a->num_iids; i++) {
		if (a->ifaces[i] == NULL)
			continue;
		struct OBJREF o;
		if (dcom_objref_pull(mem, a->ifaces[i], &o) == 0) {
			struct dcom_ipid *ipid = dcom_ipid_find(ex, &o.u_objref.u_standard.std.ipid);
			if (ipid != NULL)
				dcom_ipid_release(ipid, NULL, DCOM_MARSHAL_REFS, 0);
		}
		a->ifaces[i] = NULL;
	}
}

/* The request's activation properties; a HRESULT. */
static uint32_t parse_request(TALLOC_CTX *mem, const struct MInterfacePointer *props,
			      struct activation *a, const char *peer)
{
	struct dcom_actprops p;
	const char *why = NULL;
	if (dcom_actprops_unwrap(mem, props, &dcom_CLSID_ActivationPropertiesIn,
				 &dcom_IID_IActivationPropertiesIn, &p, &why) != 0) {
		log_info("DCOM: activation properties from %s refused: %s", peer, why);
		return E_INVALIDARG;
	}
	struct InstantiationInfoData *inst = talloc_zero(mem, struct InstantiationInfoData);
	struct ScmRequestInfoData *scm = talloc_zero(mem, struct ScmRequestInfoData);
	if (inst == NULL || scm == NULL)
		return E_OUTOFMEMORY;
	/* Required (3.1.2.5.2.3.2): InstantiationInfoData and ScmRequestInfoData.
	 * thisSize is ignored (impacket sends 0). */
	if (dcom_actprops_get(&p, &dcom_CLSID_InstantiationInfo, inst,
			      (ndr_pull_flags_fn_t)ndr_pull_InstantiationInfoData, inst) != 0 ||
	    inst->pIID == NULL) {
		log_info("DCOM: activation from %s: no valid InstantiationInfoData", peer);
		return E_INVALIDARG;
	}
	if (dcom_actprops_get(&p, &dcom_CLSID_ScmRequestInfo, scm,
			      (ndr_pull_flags_fn_t)ndr_pull_ScmRequestInfoData, scm) != 0 ||
	    scm->remoteRequest == NULL) {
		log_info("DCOM: activation from %s: no valid ScmRequestInfoData", peer);
		return E_INVALIDARG;
	}
	/* Optional, or to be ignored (2.2.22.2.2-7): checked to be well formed
	 * when present, without acting on them. LocationInfoData is "required"
	 * but MUST be ignored: its absence is tolerated too. */
	static const struct {
		const struct GUID *clsid;
		ndr_pull_flags_fn_t pull;
		size_t size;
		const char *name;
	} optional[] = {
		{ &dcom_CLSID_ServerLocationInfo, (ndr_pull_flags_fn_t)ndr_pull_LocationInfoData,
		  sizeof(struct LocationInfoData), "LocationInfoData" },
		{ &dcom_CLSID_ActivationContextInfo,
		  (ndr_pull_flags_fn_t)ndr_pull_ActivationContextInfoData,
		  sizeof(struct ActivationContextInfoData), "ActivationContextInfoData" },
		{ &dcom_CLSID_SecurityInfo, (ndr_pull_flags_fn_t)ndr_pull_SecurityInfoData,
		  sizeof(struct SecurityInfoData), "SecurityInfoData" },
		{ &dcom_CLSID_InstanceInfo, (ndr_pull_flags_fn_t)ndr_pull_InstanceInfoData,
		  sizeof(struct InstanceInfoData), "InstanceInfoData" },
		{ &dcom_CLSID_SpecialSystemProperties,
		  (ndr_pull_flags_fn_t)ndr_pull_SpecialPropertiesData,
		  sizeof(struct SpecialPropertiesData), "SpecialPropertiesData" },
	};
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		void *v = talloc_zero_size(mem, optional[i].size);
		if (v == NULL)
			return E_OUTOFMEMORY;
		int rc = dcom_actprops_get(&p, optional[i].clsid, v, optional[i].pull, v);
		if (rc == -EINVAL && optional[i].clsid == &dcom_CLSID_SpecialSystemProperties) {
			/* the alternate definition a server MUST accept (2.2.22.2.2) */
			struct SpecialPropertiesData_Alternate *alt =
				talloc_zero(v, struct SpecialPropertiesData_Alternate);
			rc = alt ? dcom_actprops_get(&p, optional[i].clsid, alt,
						     (ndr_pull_flags_fn_t)
							     ndr_pull_SpecialPropertiesData_Alternate,
						     alt) :
				   -ENOMEM;
		}
		if (rc == -EINVAL)
			log_debug("DCOM: activation from %s: malformed %s ignored", peer,
				  optional[i].name);
		talloc_free(v);
	}
	a->clsid = &inst->classId;
	a->num_iids = inst->cIID;
	a->iids = inst->pIID;
	a->protseqs = scm->remoteRequest->pRequestedProtseqs;
	a->num_protseqs = scm->remoteRequest->pRequestedProtseqs ?
				  scm->remoteRequest->cRequestedProtseqs :
				  0;
	return S_OK;
}

/* The reply's activation properties (3.1.2.5.2.3.2): PropsOutInfo, then
 * ScmReplyInfoData (the order Windows uses, which impacket relies on). */
static int build_reply(TALLOC_CTX *mem, struct dcom_exporter *ex, struct rpc_call *call,
		       struct activation *a, struct MInterfacePointer **out)
{
	struct DUALSTRINGARRAY *bindings;
	int rc = dcom_exporter_bindings(ex, mem, rpc_call_local_address(call),
					DCOM_BINDINGS_EXPORTER, &bindings);
	if (rc != 0)
		return rc;
	struct PropsOutInfo props_out = {
		.cIfs = a->num_iids,
		.piid = discard_const_p(struct GUID, a->iids),
		.phresults = a->results,
		.ppIntfData = a->ifaces,
	};
	struct customREMOTE_REPLY_SCM_INFO reply = {
		.Oxid = dcom_exporter_oxid(ex),
		.pdsaOxidBindings = bindings,
		.ipidRemUnknown = *dcom_exporter_remunknown_ipid(ex),
		.authnHint = dcom_exporter_authn_hint(ex),
		.serverVersion = { DCOM_COM_VERSION_MAJOR, DCOM_COM_VERSION_MINOR },
	};
	struct ScmReplyInfoData scm_reply = { .remoteReply = &reply };
	const struct dcom_actprop_value props[] = {
		{ &dcom_CLSID_PropsOutInfo, (ndr_push_flags_fn_t)ndr_push_PropsOutInfo, &props_out },
		{ &dcom_CLSID_ScmReplyInfo, (ndr_push_flags_fn_t)ndr_push_ScmReplyInfoData,
		  &scm_reply },
	};
	return dcom_actprops_wrap(mem, &dcom_CLSID_ActivationPropertiesOut,
				  &dcom_IID_IActivationPropertiesOut, MSHCTX_DIFFERENTMACHINE, props,
				  2, out);
}

/* RemoteGetClassObject and RemoteCreateInstance alike. */
static uint32_t remote_scm(struct rpc_call *call, struct dcom_exporter *ex,
			   const struct ORPCTHIS *orpcthis,
			   const struct MInterfacePointer *act_properties,
			   struct MInterfacePointer **reply, TALLOC_CTX *mem)
{
	struct activation a = { 0 };
	*reply = NULL;
	uint32_t hr = check_caller(ex, call);
	if (hr != S_OK)
		return hr;
	if (act_properties == NULL)
		return E_INVALIDARG;
	hr = parse_request(mem, act_properties, &a, rpc_call_remote_address(call));
	if (hr != S_OK)
		return hr;
	a.results = talloc_zero_array(mem, uint32_t, a.num_iids);
	a.ifaces = talloc_zero_array(mem, struct MInterfacePointer *, a.num_iids);
	if (a.results == NULL || a.ifaces == NULL)
		return E_OUTOFMEMORY;
	hr = activate(ex, call, orpcthis, &a, mem);
	if (HR_FAILED(hr))
		return hr;
	if (build_reply(mem, ex, call, &a, reply) != 0) {
		release_ifaces(ex, &a, mem);
		return E_OUTOFMEMORY;
	}
	return hr;
}

static void scm_dispatch(struct rpc_call *call, uint32_t opnum, void *r, void *private_data)
{
	struct dcom_exporter *ex = private_data;
	switch (opnum) {
	case NDR_IREMOTESCMACTIVATOR_REMOTEGETCLASSOBJECT: {
		struct IRemoteSCMActivator_RemoteGetClassObject *a = r;
		a->out.result = remote_scm(call, ex, a->in.orpcthis, a->in.pActProperties,
					   a->out.ppActProperties, a);
		break;
	}
	case NDR_IREMOTESCMACTIVATOR_REMOTECREATEINSTANCE: {
		struct IRemoteSCMActivator_RemoteCreateInstance *a = r;
		/* pUnkOuter MUST be NULL and MUST be ignored. */
		a->out.result = remote_scm(call, ex, a->in.orpcthis, a->in.pActProperties,
					   a->out.ppActProperties, a);
		break;
	}
	default:
		rpc_call_reject(call, DCERPC_NCA_S_OP_RNG_ERROR);
		return;
	}
	rpc_call_complete(call, 0);
}

/* IActivation::RemoteActivation (3.1.2.5.2.3.1): the same activation with
 * plain parameters; its own result is an RPC status, phr the HRESULT. */
static void activation_dispatch(struct rpc_call *call, uint32_t opnum, void *rv, void *private_data)
{
	struct dcom_exporter *ex = private_data;
	struct IActivation_RemoteActivation *r = rv;
	if (opnum != NDR_IACTIVATION_REMOTEACTIVATION) {
		rpc_call_reject(call, DCERPC_NCA_S_OP_RNG_ERROR);
		return;
	}
	struct activation a = {
		.clsid = r->in.Clsid,
		.num_iids = r->in.pIIDs ? r->in.Interfaces : 0,
		.iids = r->in.pIIDs,
		.protseqs = r->in.aRequestedProtseqs,
		.num_protseqs = r->in.cRequestedProtseqs,
		.results = r->out.pResults,
		.ifaces = r->out.ppInterfaceData,
	};
	uint32_t hr = check_caller(ex, call);
	if (hr == S_OK)
		hr = a.num_iids == 0 ? E_INVALIDARG : activate(ex, call, r->in.ORPCthis, &a, r);
	if (!HR_FAILED(hr) && dcom_exporter_bindings(ex, r, rpc_call_local_address(call),
						     DCOM_BINDINGS_EXPORTER,
						     r->out.ppdsaOxidBindings) != 0) {
		release_ifaces(ex, &a, r);
		hr = E_OUTOFMEMORY;
	}
	if (HR_FAILED(hr)) {
		/* pResults all 0 when phr fails (3.1.2.5.2.3.1) */
		for (uint32_t i = 0; i < r->in.Interfaces; i++)
			r->out.pResults[i] = 0;
	} else {
		*r->out.pOxid = dcom_exporter_oxid(ex);
		*r->out.pipidRemUnknown = *dcom_exporter_remunknown_ipid(ex);
		*r->out.pAuthnHint = dcom_exporter_authn_hint(ex);
	}
	r->out.pServerVersion->MajorVersion = DCOM_COM_VERSION_MAJOR;
	r->out.pServerVersion->MinorVersion = DCOM_COM_VERSION_MINOR;
	*r->out.phr = hr;
	r->out.result = 0;
	rpc_call_complete(call, 0);
}

int dcom_activation_register(struct rpc_server *rpc, struct dcom_exporter *ex)
{
	const struct rpc_interface scm = {
		.idl = &idl_iface_IRemoteSCMActivator,
		.endpoints = RPC_EP_MAPPER,
		.dispatch = scm_dispatch,
		.private_data = ex,
	};
	const struct rpc_interface act = {
		.idl = &idl_iface_IActivation,
		.endpoints = RPC_EP_MAPPER,
		.dispatch = activation_dispatch,
		.private_data = ex,
	};
	int rc = rpc_server_register(rpc, &scm);
	return rc != 0 ? rc : rpc_server_register(rpc, &act);
}
