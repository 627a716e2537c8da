/* Feature management: IWTGeneral and IWTGeneral2 (MS-ISTM 3.52, 3.54). */
#include "istm/istm.h"

#include "core/core.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

/* 3.52.4.1: the persistent service GUID (created by the core on first start). */
static void get_guid(struct dcom_call *call, void *object, void *rv)
{
	struct istm_manager *m = object;
	struct IWTGeneral_get_Guid *r = rv;
	if (!NT_STATUS_IS_OK(GUID_from_string(core_service_guid(m->ctx->core), r->out.pGuid))) {
		log_err("the service GUID in the state database is malformed");
		dcom_call_done(call, E_UNEXPECTED);
		return;
	}
	dcom_call_done(call, S_OK);
}

/* 3.52.4.2: the name, or its default (the host name, <124>). */
static void get_name(struct dcom_call *call, void *object, void *rv)
{
	struct istm_manager *m = object;
	struct IWTGeneral_get_Name *r = rv;
	*r->out.pName = talloc_strdup(r, core_service_name(m->ctx->core));
	dcom_call_done(call, *r->out.pName != NULL ? S_OK : E_OUTOFMEMORY);
}

static const dcom_method_fn general_methods[] = {
	[NDR_IWTGENERAL_GET_GUID] = get_guid,
	[NDR_IWTGENERAL_GET_NAME] = get_name,
};

static const struct dcom_chain general_chains[] = {
	DCOM_CHAIN(IWTGeneral2, general_methods),
};

const struct dcom_class istm_general_class = {
	.name = "WTGeneral",
	.chains = general_chains,
	.num_chains = 1,
	.singleton = true,
};
