/* The management singletons of MS-ISTM 3.1.3, bound to the CLSIDs of
 * MS-ISTM 1.9 at start-up. The classes whose methods are not written yet
 * answer E_NOTIMPL to all of them (MS-ISTM 1.7: how a server says so). */
#include "istm/istm.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "dcom/exporter.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/log.h"

#define NO_METHODS(iface_name) \
	{ .iface = &idl_iface_##iface_name, .methods = NULL, .num_methods = 0 }

#define MANAGER_CLASS(var, class_name, iface_name)                                  \
	static const struct dcom_chain var##_chains[] = { NO_METHODS(iface_name) }; \
	const struct dcom_class var = {                                             \
		.name = class_name,                                                 \
		.chains = var##_chains,                                             \
		.num_chains = 1,                                                    \
		.singleton = true,                                                  \
	}

/* The other managers live in a file of their own (general.c, sessions.c,
 * host_mgr.c, disk_mgr.c, local_device.c, snapshot_mgr.c, sns_mgr.c). */

/* MS-ISTM 1.9 */
static const struct {
	const char *clsid;
	const struct dcom_class *cls;
} managers[] = {
	{ "baa4a577-202d-49c7-a6bb-10ee914ee199", &istm_general_class },
	{ "ad069971-edc5-4357-a132-430dad479d2b", &istm_session_manager_class },
	{ "f1d3a46c-2e1b-4d84-97da-b3742ad67871", &istm_local_device_class },
	{ "0144084b-e09e-4f45-a56b-dcdc9f379f5e", &istm_disk_manager_class },
	{ "4e7645fa-1a95-416c-b38f-ad574a3c3e57", &istm_snapshot_manager_class },
	{ "24f9c1a9-b22e-4e24-bec9-4af0a4d96736", &istm_sns_manager_class },
	{ "e14efe0b-fd3b-41ea-8e3b-88930445b944", &istm_host_manager_class },
};

struct istm_context *istm_start(TALLOC_CTX *mem_ctx, struct dcom_exporter *ex,
				const struct istm_deps *deps, char **err)
{
	struct istm_context *ctx = talloc_zero(mem_ctx, struct istm_context);
	if (ctx == NULL)
		goto nomem;
	*ctx = (struct istm_context){
		.ex = ex,
		.ev = deps->ev,
		.core = deps->core,
		.storage = deps->storage,
		.pool = deps->pool,
		.backend = deps->backend,
		.isns = deps->isns,
		.allow_unsealed_secrets = deps->allow_unsealed_secrets,
		.notify_config = deps->notify,
	};

	for (size_t i = 0; i < sizeof(managers) / sizeof(managers[0]); i++) {
		struct GUID clsid;
		struct istm_manager *m = talloc_zero(NULL, struct istm_manager);
		if (m == NULL)
			goto nomem;
		m->ctx = ctx;
		struct dcom_object *obj = dcom_object_new(NULL, ex, managers[i].cls, m);
		if (obj == NULL || !NT_STATUS_IS_OK(GUID_from_string(managers[i].clsid, &clsid)) ||
		    dcom_exporter_register_clsid(ex, &clsid, obj) != 0)
			goto nomem;
	}
	log_info("ISTM: service \"%s\" %s, 7 management classes registered",
		 core_service_name(ctx->core), core_service_guid(ctx->core));
	return ctx;
nomem:
	*err = talloc_strdup(mem_ctx, "out of memory starting the ISTM managers");
	talloc_free(ctx);
	return NULL;
}
