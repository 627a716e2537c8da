/* istmctl info: activates IWTGeneral (MS-ISTM 1.9) on the daemon and prints
 * its Name and Guid (MS-ISTM 3.52.4.1-2). */
#include "ctl/cmd_info.h"

#include <stdio.h>
#include <string.h>

#include <talloc.h>
#include <tevent.h>

#include "ctl/options.h"
#include "ctl/session.h"
#include "dcom/client.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"

#define WHO "istmctl info"
#define CLSID_WTGENERAL "baa4a577-202d-49c7-a6bb-10ee914ee199"

int cmd_info(const struct ctl_options *options, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "Usage: istmctl --server HOST[:PORT] --user NAME "
				"[--password-file FILE] info\n");
		return 2;
	}
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tevent_context *ev = tevent_context_init(mem);
	struct dcom_client *client;
	struct dcom_iface *general;
	int ret = ev ? ctl_session_open(mem, ev, options, WHO, &client) : 1;
	if (ret == 0)
		ret = ctl_session_activate(mem, client, CLSID_WTGENERAL, &idl_iface_IWTGeneral, WHO,
					   &general);
	if (ret != 0) {
		talloc_free(mem);
		return ret;
	}

	struct IWTGeneral_get_Name name = { 0 };
	struct IWTGeneral_get_Guid guid = { 0 };
	struct GUID g;
	const char *text = NULL;
	struct ORPCTHAT that1, that2;
	uint32_t fault = 0;
	name.out.ORPCthat = &that1;
	name.out.pName = &text;
	guid.out.ORPCthat = &that2;
	guid.out.pGuid = &g;
	int rc = dcom_client_call(general, mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_NAME, &name,
				  &fault);
	if (rc != 0 || HR_FAILED(name.out.result)) {
		ctl_report(WHO, "IWTGeneral Name", rc, fault, name.out.result);
		ret = 1;
	}
	if (ret == 0) {
		rc = dcom_client_call(general, mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_GUID, &guid,
				      &fault);
		if (rc != 0 || HR_FAILED(guid.out.result)) {
			ctl_report(WHO, "IWTGeneral Guid", rc, fault, guid.out.result);
			ret = 1;
		}
	}
	if (ret == 0) {
		char *gs = GUID_string(mem, &g);
		printf("Name: %s\nGuid: %s\n", text ? text : "", gs ? gs : "?");
	}
	uint32_t hr;
	dcom_client_release(general, &hr, &fault); /* best effort: GC reclaims otherwise */
	talloc_free(mem);
	return ret;
}
