/* ISnsMgr (MS-ISTM 3.40): the iSNS servers istmd registers with (kept by
 * the core, persisted) and the initiators those servers report (the iSNS
 * agent's cache, backend/isns_agent.h). docs/isns.md. */
#include "istm/istm.h"

#include <errno.h>
#include <string.h>

#include "backend/isns_agent.h"
#include "core/core.h"
#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istm/errmap.h"
#include "istmd/hresult.h"
#include "istmd/log.h"
#include "istmd/utf16.h"

static struct istm_context *ctx_of(void *object)
{
	return ((struct istm_manager *)object)->ctx;
}

/* 3.40.4.1 */
static void enum_sns_servers(struct dcom_call *call, void *object, void *rv)
{
	struct ISnsMgr_EnumSnsServers *r = rv;
	struct istm_context *ctx = ctx_of(object);
	*r->out.ppEnumSnsServer = NULL;
	char **names;
	size_t n;
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumSnsServer);
	if (items == NULL || core_isns_servers(call, ctx->core, &names, &n) < 0) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct SNS_SERVER *e = istm_enum_add_element(items);
		if (e == NULL || WSTR_SET(e->szName, names[i]) < 0) {
			dcom_call_done(call, E_OUTOFMEMORY);
			return;
		}
		e->bDHCPDiscovered = 0; /* istmd does not ask DHCP (RFC 4174) */
	}
	dcom_call_done(call, istm_enum_return(call, items, r->out.ppEnumSnsServer));
}

static const struct istm_errmap change_errors[] = {
	{ -EINVAL, E_INVALIDARG },
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) }, /* 3.40.4.3 */
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ 0, 0 },
};

struct change_state {
	struct dcom_call *call;
	char *name;
	bool add;
};

static void change_done(struct tevent_req *req)
{
	struct change_state *s = tevent_req_callback_data(req, struct change_state);
	char *why = NULL;
	int rc = core_isns_server_change_recv(req, s, &why);
	if (rc == 0)
		log_info("%s %s iSNS server '%s'", dcom_call_user(s->call),
			 s->add ? "added" : "removed", s->name);
	else
		log_debug("%sSnsServer '%s': %s", s->add ? "Add" : "Remove", s->name,
			  why ? why : strerror(-rc));
	dcom_call_done(s->call, istm_hr(rc, change_errors));
}

static void change(struct dcom_call *call, struct istm_context *ctx, const char *name, bool add)
{
	if (name == NULL || name[0] == '\0') {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	struct change_state *s = talloc_zero(call, struct change_state);
	struct tevent_req *req = NULL;
	if (s != NULL && (s->name = talloc_strdup(s, name)) != NULL) {
		s->call = call;
		s->add = add;
		req = add ? core_isns_server_add_send(s, ctx->core, name)
			  : core_isns_server_remove_send(s, ctx->core, name);
	}
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, change_done, s);
}

/* 3.40.4.2: the agent registers every enabled target with it. */
static void add_sns_server(struct dcom_call *call, void *object, void *rv)
{
	change(call, ctx_of(object), ((struct ISnsMgr_AddSnsServer *)rv)->in.SnsServerName, true);
}

/* 3.40.4.3: the agent deregisters from it. */
static void remove_sns_server(struct dcom_call *call, void *object, void *rv)
{
	change(call, ctx_of(object), ((struct ISnsMgr_RemoveSnsServer *)rv)->in.SnsServerName,
	       false);
}

/* 3.40.4.4: the initiators the iSNS servers report (visible to our targets),
 * from the agent's last query; empty without servers or agent. */
static void enum_cached_initiators(struct dcom_call *call, void *object, void *rv)
{
	struct ISnsMgr_EnumCachedInitiators *r = rv;
	struct istm_context *ctx = ctx_of(object);
	*r->out.ppEnumCachedInitiator = NULL;
	struct isns_cached_initiator *list = NULL;
	size_t n = 0;
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumCachedInitiator);
	if (items == NULL ||
	    (ctx->isns != NULL && isns_agent_initiators(ctx->isns, call, &list, &n) < 0)) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct CACHED_INITIATOR *e = istm_enum_add_element(items);
		if (e == NULL || WSTR_SET(e->szInitiatorIqn, list[i].iqn) < 0) {
			dcom_call_done(call, E_OUTOFMEMORY);
			return;
		}
		e->hyLastLoggedOnTime = list[i].seen;
	}
	dcom_call_done(call, istm_enum_return(call, items, r->out.ppEnumCachedInitiator));
}

static const dcom_method_fn sns_mgr_methods[] = {
	[NDR_ISNSMGR_ENUMSNSSERVERS] = enum_sns_servers,
	[NDR_ISNSMGR_ADDSNSSERVER] = add_sns_server,
	[NDR_ISNSMGR_REMOVESNSSERVER] = remove_sns_server,
	[NDR_ISNSMGR_ENUMCACHEDINITIATORS] = enum_cached_initiators,
};

static const struct dcom_chain sns_mgr_chains[] = {
	DCOM_CHAIN(ISnsMgr, sns_mgr_methods),
};

const struct dcom_class istm_sns_manager_class = {
	.name = "SnsMgr",
	.chains = sns_mgr_chains,
	.num_chains = 1,
	.singleton = true,
};
