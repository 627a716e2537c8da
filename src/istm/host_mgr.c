/* Target management: IHostMgr, IHostMgr2, IHostMgr3 (MS-ISTM 3.25, 3.27, 3.28). */
#include "istm/istm.h"

#include "idl/ndr_ms_istm.h"

static const dcom_method_fn host_mgr_methods[] = {
	NULL,
};

static const struct dcom_chain host_mgr_chains[] = {
	DCOM_CHAIN(IHostMgr3, host_mgr_methods),
};

const struct dcom_class istm_host_manager_class = {
	.name = "HostMgr",
	.chains = host_mgr_chains,
	.num_chains = 1,
	.singleton = true,
};
