/* istmctl info: activates IWTGeneral (MS-ISTM 1.9) on the daemon and prints
 * its Name and Guid (MS-ISTM 3.52.4.1-2). */
#include "ctl/cmd_info.h"

#include <stdio.h>

#include "ctl/cmd_common.h"
#include "ctl/conn.h"
#include "ctl/errors.h"
#include "ctl/model.h"
#include "ctl/options.h"
#include "idl/ndr_ms_istm.h"

static int info(struct ctl_conn *c, const struct ctl_options *options, char **args, int n)
{
	(void)args;
	(void)n;
	struct dcom_iface *general;
	int ret = 0;
	struct IWTGeneral_get_Name name = { 0 };
	struct IWTGeneral_get_Guid guid = { 0 };
	ret = ctl_manager(c, CTL_WT_GENERAL, &general);
	if (ret == 0)
		ret = ctl_call(c, general, &idl_iface_IWTGeneral, NDR_IWTGENERAL_GET_NAME, &name,
			       "IWTGeneral Name", NULL, NULL);
	if (ret == 0)
		ret = ctl_call(c, general, &idl_iface_IWTGeneral, NDR_IWTGENERAL_GET_GUID, &guid,
			       "IWTGeneral Guid", NULL, NULL);
	if (ret == 0) {
		const char *text = *name.out.pName ? *name.out.pName : "";
		char *gs = GUID_string(c, guid.out.pGuid);
		if (options->json)
			ret = ctl_emit(c, json_pack("{s:s, s:s?}", "name", text, "guid", gs));
		else
			printf("Name: %s\nGuid: %s\n", text, gs ? gs : "?");
	}
	return ret;
}

static const struct ctl_action info_action = { "info", "", 0, 0, NULL, NULL, info };

int cmd_info(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_run(&info_action, options, argc, argv, NULL);
}
