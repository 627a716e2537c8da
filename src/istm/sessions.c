/* Session management: ISessionManager and ISessionManager2 (MS-ISTM 3.34,
 * 3.35). No session is known yet (the target backend does not report them
 * to this layer so far): the enumerations are empty. */
#include "istm/istm.h"

#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istmd/hresult.h"

static void enum_sessions(struct dcom_call *call, const struct istm_enum_kind *kind,
			  struct MInterfacePointer **out)
{
	struct istm_enum_items *items = istm_enum_items_new(call, kind);
	dcom_call_done(call, items ? istm_enum_return(call, items, out) : E_OUTOFMEMORY);
}

/* 3.34.4.1 */
static void enum_sessions1(struct dcom_call *call, void *object, void *rv)
{
	struct ISessionManager_EnumSessions *r = rv;
	enum_sessions(call, &istm_enum_IEnumSession, r->out.ppEnumSession);
}

/* 3.35.4.1 */
static void enum_sessions2(struct dcom_call *call, void *object, void *rv)
{
	struct ISessionManager2_EnumSessions2 *r = rv;
	enum_sessions(call, &istm_enum_IEnumSession2, r->out.ppEnumSession);
}

static const dcom_method_fn session_manager_methods[] = {
	[NDR_ISESSIONMANAGER_ENUMSESSIONS] = enum_sessions1,
	[NDR_ISESSIONMANAGER2_ENUMSESSIONS2] = enum_sessions2,
};

static const struct dcom_chain session_manager_chains[] = {
	DCOM_CHAIN(ISessionManager2, session_manager_methods),
};

const struct dcom_class istm_session_manager_class = {
	.name = "SessionManager",
	.chains = session_manager_chains,
	.num_chains = 1,
	.singleton = true,
};
