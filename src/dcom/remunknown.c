/* The Remote Unknown (MS-DCOM 3.1.1.5.6, 3.1.1.5.7): IRemUnknown's
 * RemQueryInterface, RemAddRef, RemRelease and IRemUnknown2's
 * RemQueryInterface2, served as an ordinary singleton object of the exporter
 * (one IPID, ipidRemUnknown, for both interfaces). */
#include "dcom/internal.h"

#include "idl/ndr_ms_dcom.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

/* Looks up RIPID's object and touches it (3.1.1.5.6.1.1), or NULL. */
static struct dcom_object *queried_object(struct dcom_call *call, const struct GUID *ripid)
{
	struct dcom_ipid *ipid = dcom_ipid_find(dcom_call_exporter(call), ripid);
	if (ipid == NULL || ipid->obj->released)
		return NULL;
	dcom_object_touch(ipid->obj);
	return ipid->obj;
}

/* The per-interface results are in the reply; the call's own result says
 * whether all (S_OK), some (S_FALSE, a success: references were handed out)
 * or none (E_NOINTERFACE) were found, as COM implementations answer. */
static uint32_t qi_result(unsigned found, unsigned asked)
{
	return found == asked ? S_OK : found != 0 ? S_FALSE : E_NOINTERFACE;
}

static void rem_query_interface(struct dcom_call *call, void *unused, void *rv)
{
	struct IRemUnknown_RemQueryInterface *r = rv;
	struct dcom_object *obj = queried_object(call, r->in.ripid);
	if (obj == NULL) {
		dcom_call_done(call, RPC_E_INVALID_OBJECT);
		return;
	}
	struct REMQIRESULT *results = talloc_zero_array(r, struct REMQIRESULT, r->in.cIids);
	if (results == NULL && r->in.cIids != 0) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	unsigned ok = 0;
	for (uint16_t i = 0; i < r->in.cIids; i++) {
		const struct idl_interface *iface = dcom_object_find_iid(obj, &r->in.iids[i]);
		if (iface == NULL) {
			results[i].hResult = E_NOINTERFACE;
			continue;
		}
		/* cRefs public references on the new or existing IPID, flags 0. */
		if (dcom_export(obj, iface, r->in.cRefs, dcom_call_peer(call), &results[i].std) ==
		    NULL) {
			results[i].hResult = E_OUTOFMEMORY;
			continue;
		}
		results[i].hResult = S_OK;
		ok++;
	}
	*r->out.ppQIResults = results;
	dcom_call_done(call, qi_result(ok, r->in.cIids));
}

static void rem_add_ref(struct dcom_call *call, void *unused, void *rv)
{
	struct IRemUnknown_RemAddRef *r = rv;
	struct dcom_exporter *ex = dcom_call_exporter(call);
	uint32_t hr = S_OK;
	for (uint16_t i = 0; i < r->in.cInterfaceRefs; i++) {
		const struct REMINTERFACEREF *ref = &r->in.InterfaceRefs[i];
		struct dcom_ipid *ipid = dcom_ipid_find(ex, &ref->ipid);
		uint32_t res = S_OK;
		if (ipid == NULL)
			res = CO_E_OBJNOTREG;
		else if (dcom_ipid_addref(ipid, dcom_call_peer(call), ref->cPublicRefs,
					  ref->cPrivateRefs) != 0)
			res = E_OUTOFMEMORY;
		r->out.pResults[i] = res;
		if (res != S_OK && hr == S_OK)
			hr = res;
	}
	dcom_call_done(call, hr);
}

static void rem_release(struct dcom_call *call, void *unused, void *rv)
{
	struct IRemUnknown_RemRelease *r = rv;
	struct dcom_exporter *ex = dcom_call_exporter(call);
	struct dcom_peer *client = dcom_call_peer(call);
	if (client == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	for (uint16_t i = 0; i < r->in.cInterfaceRefs; i++) {
		const struct REMINTERFACEREF *ref = &r->in.InterfaceRefs[i];
		struct dcom_ipid *ipid = dcom_ipid_find(ex, &ref->ipid);
		/* Unknown IPIDs are skipped (3.1.1.5.6.1.3). Each caller
		 * releases at most what it holds; more is ignored, as the spec
		 * clamps at zero; the managers' and the Remote Unknown's IPIDs
		 * stay (issue 9). Releasing may free objects, never the Remote
		 * Unknown this call runs on. */
		if (ipid != NULL)
			dcom_ipid_release(ipid, client, ref->cPublicRefs, ref->cPrivateRefs);
	}
	dcom_call_done(call, S_OK);
}

static void rem_query_interface2(struct dcom_call *call, void *unused, void *rv)
{
	struct IRemUnknown2_RemQueryInterface2 *r = rv;
	struct dcom_object *obj = queried_object(call, r->in.ripid);
	if (obj == NULL) {
		dcom_call_done(call, RPC_E_INVALID_OBJECT);
		return;
	}
	unsigned ok = 0;
	for (uint16_t i = 0; i < r->in.cIids; i++) {
		const struct idl_interface *iface = dcom_object_find_iid(obj, &r->in.iids[i]);
		r->out.phr[i] = iface ? dcom_marshal(call, obj, iface, &r->out.ppMIF[i]) :
					E_NOINTERFACE;
		if (r->out.phr[i] == S_OK)
			ok++;
	}
	dcom_call_done(call, qi_result(ok, r->in.cIids));
}

static const dcom_method_fn remunknown_methods[] = {
	[NDR_IREMUNKNOWN_REMQUERYINTERFACE] = rem_query_interface,
	[NDR_IREMUNKNOWN_REMADDREF] = rem_add_ref,
	[NDR_IREMUNKNOWN_REMRELEASE] = rem_release,
	[NDR_IREMUNKNOWN2_REMQUERYINTERFACE2] = rem_query_interface2,
};

static const struct dcom_chain remunknown_chains[] = {
	DCOM_CHAIN(IRemUnknown2, remunknown_methods),
};

const struct dcom_class dcom_remunknown_class = {
	.name = "RemoteUnknown",
	.chains = remunknown_chains,
	.num_chains = 1,
	.singleton = true,
};
