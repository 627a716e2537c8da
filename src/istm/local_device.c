/* Local device management: ILocalDeviceMgr, ILocalDeviceMgr2, ILocalDeviceMgr3 (MS-ISTM 3.30, 3.32, 3.33). */
#include "istm/istm.h"

#include "idl/ndr_ms_istm.h"

static const dcom_method_fn local_device_methods[] = {
	NULL,
};

static const struct dcom_chain local_device_chains[] = {
	DCOM_CHAIN(ILocalDeviceMgr3, local_device_methods),
};

const struct dcom_class istm_local_device_class = {
	.name = "LocalDeviceMgr",
	.chains = local_device_chains,
	.num_chains = 1,
	.singleton = true,
};
