/* LUN management: IWTDiskMgr, IWTDiskMgr2, IWTDiskMgr3, IWTDiskMgr4 (MS-ISTM 3.46, 3.48, 3.50, 3.51). */
#include "istm/istm.h"

#include "idl/ndr_ms_istm.h"

static const dcom_method_fn disk_mgr_methods[] = {
	NULL,
};

static const struct dcom_chain disk_mgr_chains[] = {
	DCOM_CHAIN(IWTDiskMgr4, disk_mgr_methods),
};

const struct dcom_class istm_disk_manager_class = {
	.name = "WTDiskMgr",
	.chains = disk_mgr_chains,
	.num_chains = 1,
	.singleton = true,
};
