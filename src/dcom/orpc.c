/* ORPC invocations (MS-DCOM 3.1.1.5.4): a request on the object port whose
 * object UUID is an IPID reaches the handler of that interface of that
 * object. The engine has pulled the [in] side with the interface of the
 * presentation context and prepared the [out] side (ORPCTHAT included);
 * here come the checks, the handler, and the completion. */
#include "dcom/internal.h"

#include <gen_ndr/dcerpc.h>

#include <errno.h>
#include <string.h>

#include "dcom/objref.h"
#include "istmd/hresult.h"
#include "istmd/log.h"
#include "rpc/server.h"

struct dcom_marshalled {
	struct dcom_marshalled *next;
	struct dcom_ipid *ipid; /* may go meanwhile: looked up again by GUID */
	struct GUID ipid_guid;
	uint32_t refs;
	struct MInterfacePointer **out;
};

struct dcom_call {
	struct dcom_exporter *ex;
	struct rpc_call *rpc; /* NULL for an in-process call */
	struct dcom_object *obj;
	const struct idl_interface *iface; /* of the presentation context */
	uint32_t opnum;
	void *r;
	struct dcom_marshalled *marshalled;
	bool done;
	/* in-process calls */
	void (*local_done)(void *r, uint32_t hresult, void *priv);
	void *local_priv;
	const char *user;
	bool admin;
	uint8_t auth_level;
	const char *dialled;
};

/* MS-DCOM 1.7: major 5, and no minor version above ours. */
static bool version_ok(const struct COMVERSION *v)
{
	return v->MajorVersion == DCOM_COM_VERSION_MAJOR && v->MinorVersion <= DCOM_COM_VERSION_MINOR;
}

static void complete(struct dcom_call *call, uint32_t hresult)
{
	uint32_t *result = idl_result_ptr(call->iface, call->opnum, call->r);
	if (result != NULL)
		*result = hresult;
	if (call->rpc != NULL) {
		rpc_call_complete(call->rpc, 0); /* frees CALL (a child of the RPC call) */
		return;
	}
	void (*done)(void *, uint32_t, void *) = call->local_done;
	void *r = call->r, *priv = call->local_priv;
	talloc_free(call);
	done(r, hresult, priv);
}

/* A failed call hands out no references (MS-DCOM 3.1.1.5.4: the client
 * ignores [out] parameters then). */
static void take_back_marshalled(struct dcom_call *call)
{
	for (struct dcom_marshalled *m = call->marshalled; m != NULL; m = m->next) {
		struct dcom_ipid *ipid = dcom_ipid_find(call->ex, &m->ipid_guid);
		if (ipid != NULL)
			dcom_ipid_release(ipid, dcom_call_peer(call), m->refs, 0);
		*m->out = NULL;
	}
	call->marshalled = NULL;
}

void dcom_call_done(struct dcom_call *call, uint32_t hresult)
{
	if (call->done) {
		log_err("DCOM: %s opnum %u completed twice", call->iface->name, call->opnum);
		return;
	}
	call->done = true;
	if (HR_FAILED(hresult))
		take_back_marshalled(call);
	if (call->obj != NULL && !call->obj->released)
		dcom_object_touch(call->obj);
	complete(call, hresult);
}

uint32_t dcom_marshal(struct dcom_call *call, struct dcom_object *obj,
		      const struct idl_interface *iface, struct MInterfacePointer **out)
{
	struct STDOBJREF std;
	*out = NULL;
	if (!dcom_object_implements(obj, iface))
		return E_NOINTERFACE;
	struct dcom_marshalled *m = talloc_zero(call, struct dcom_marshalled);
	if (m == NULL)
		return E_OUTOFMEMORY;
	/* The references go to the caller: its quota of objects applies. */
	struct dcom_peer *client = dcom_call_peer(call);
	struct dcom_ipid *ipid =
		client ? dcom_export(obj, iface, DCOM_MARSHAL_REFS, client, &std) : NULL;
	if (ipid == NULL) {
		talloc_free(m);
		return E_OUTOFMEMORY;
	}
	const char *dialled = call->rpc ? rpc_call_local_address(call->rpc) : call->dialled;
	if (dcom_objref_standard(call->r, call->ex, &iface->table->syntax_id.uuid, &std, dialled,
				 out) != 0) {
		dcom_ipid_release(ipid, client, DCOM_MARSHAL_REFS, 0);
		talloc_free(m);
		return E_OUTOFMEMORY;
	}
	m->ipid_guid = ipid->ipid;
	m->refs = DCOM_MARSHAL_REFS;
	m->out = out;
	m->next = call->marshalled;
	call->marshalled = m;
	return S_OK;
}

struct dcom_object *dcom_call_object(const struct dcom_call *call)
{
	return call->obj;
}

const struct idl_interface *dcom_call_interface(const struct dcom_call *call)
{
	return call->iface;
}

uint32_t dcom_call_opnum(const struct dcom_call *call)
{
	return call->opnum;
}

struct dcom_exporter *dcom_call_exporter(const struct dcom_call *call)
{
	return call->ex;
}

struct tevent_context *dcom_call_ev(const struct dcom_call *call)
{
	return call->ex->ev;
}

const char *dcom_call_user(const struct dcom_call *call)
{
	return call->rpc ? rpc_call_user(call->rpc) : call->user;
}

bool dcom_call_is_admin(const struct dcom_call *call)
{
	return call->rpc ? rpc_call_is_admin(call->rpc) : call->admin;
}

uint8_t dcom_call_auth_level(const struct dcom_call *call)
{
	return call->rpc ? rpc_call_auth_level(call->rpc) : call->auth_level;
}

const char *dcom_call_remote_address(const struct dcom_call *call)
{
	return call->rpc ? rpc_call_remote_address(call->rpc) : "local";
}

struct dcom_peer *dcom_call_peer(struct dcom_call *call)
{
	if (call->rpc != NULL)
		return dcom_peer_of_rpc(call->ex, call->rpc);
	return dcom_peer_get(call->ex, NULL, call->user);
}

bool dcom_call_cancelled(const struct dcom_call *call)
{
	return call->rpc ? rpc_call_cancelled(call->rpc) : false;
}

/* Access (MS-DCOM 3.1.1.5.4; MS-ISTM 3.1.4.2.1 <11>): an authenticated
 * caller at or above min_auth_level who is an admin of the users file. */
static bool access_ok(const struct dcom_call *call)
{
	const char *user = dcom_call_user(call);
	return user != NULL && user[0] != '\0' && dcom_call_is_admin(call) &&
	       dcom_call_auth_level(call) >= call->ex->min_auth_level &&
	       dcom_call_auth_level(call) >= DCERPC_AUTH_LEVEL_CONNECT;
}

/* Runs the handler of CALL (its object, interface and opnum set). */
static void invoke(struct dcom_call *call, const struct dcom_chain *chain)
{
	if (!access_ok(call)) {
		log_notice("DCOM: %s.%s by %s from %s refused: not an authenticated admin",
			   call->iface->name, call->iface->table->calls[call->opnum].name,
			   dcom_call_user(call) ? dcom_call_user(call) : "(anonymous)",
			   dcom_call_remote_address(call));
		dcom_call_done(call, E_ACCESSDENIED);
		return;
	}
	dcom_method_fn fn = NULL;
	if (chain != NULL && call->opnum < chain->num_methods)
		fn = chain->methods[call->opnum];
	/* The call keeps its object alive until it completes. */
	if (dcom_object_hold(call, call->obj) == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	dcom_object_touch(call->obj);
	if (fn == NULL) {
		dcom_call_done(call, E_NOTIMPL);
		return;
	}
	fn(call, call->obj->impl, call->r);
}

static void call_abandoned(struct rpc_call *rpc, void *priv)
{
	struct dcom_call *call = priv;
	log_debug("DCOM: client of %s opnum %u went away: call dropped", call->iface->name,
		  call->opnum);
	call->done = true;
	rpc_call_complete(rpc, 0); /* to nobody; frees CALL and its pending work */
}

void dcom_orpc_dispatch(struct rpc_call *rpc, uint32_t opnum, void *r, void *private_data)
{
	struct dcom_exporter *ex = private_data;
	const struct idl_interface *iface = rpc_call_interface(rpc)->idl;
	const struct ORPCTHIS *orpcthis = r; /* the first [in] of every [object] method */

	if (!version_ok(&orpcthis->version)) {
		log_info("DCOM: %s opnum %u with COM version %u.%u refused", iface->name, opnum,
			 orpcthis->version.MajorVersion, orpcthis->version.MinorVersion);
		rpc_call_reject(rpc, RPC_E_VERSION_MISMATCH);
		return;
	}
	if (orpcthis->flags != 0) {
		rpc_call_reject(rpc, RPC_E_INVALID_HEADER);
		return;
	}
	const struct GUID *object = rpc_call_object(rpc);
	struct dcom_ipid *ipid = object ? dcom_ipid_find(ex, object) : NULL;
	if (ipid == NULL) {
		log_debug("DCOM: %s opnum %u on an unknown IPID", iface->name, opnum);
		rpc_call_reject(rpc, RPC_E_DISCONNECTED);
		return;
	}
	/* The presentation context must be the IPID's interface or one it
	 * derives from: an IHostMgr3 IPID serves IHostMgr calls, not the
	 * reverse. */
	if (!idl_interface_is_a(ipid->iface, iface)) {
		log_info("DCOM: IPID of %s called through %s", ipid->iface->name, iface->name);
		rpc_call_reject(rpc, RPC_E_INVALID_IPID);
		return;
	}
	struct dcom_call *call = talloc_zero(rpc, struct dcom_call);
	if (call == NULL) {
		rpc_call_reject(rpc, DCERPC_FAULT_OUT_OF_RESOURCES);
		return;
	}
	call->ex = ex;
	call->rpc = rpc;
	call->obj = ipid->obj;
	call->iface = iface;
	call->opnum = opnum;
	call->r = r;
	rpc_call_on_abandon(rpc, call_abandoned, call);
	invoke(call, ipid->chain);
}

static const struct dcom_chain *chain_for(const struct dcom_object *obj,
					  const struct idl_interface *iface)
{
	for (size_t i = 0; i < obj->cls->num_chains; i++) {
		if (idl_interface_is_a(obj->cls->chains[i].iface, iface))
			return &obj->cls->chains[i];
	}
	return NULL;
}

int dcom_call_local(TALLOC_CTX *mem_ctx, struct dcom_object *obj, const struct idl_interface *iface,
		    uint32_t opnum, void *r, const char *user, bool admin, uint8_t auth_level,
		    void (*done)(void *r, uint32_t hresult, void *priv), void *priv)
{
	const struct dcom_chain *chain = chain_for(obj, iface);
	if (chain == NULL || opnum >= iface->table->num_calls || done == NULL)
		return -ENOENT;
	struct dcom_call *call = talloc_zero(mem_ctx, struct dcom_call);
	if (call == NULL)
		return -ENOMEM;
	call->ex = obj->ex;
	call->obj = obj;
	call->iface = iface;
	call->opnum = opnum;
	call->r = r;
	call->local_done = done;
	call->local_priv = priv;
	call->user = user ? talloc_strdup(call, user) : NULL;
	call->admin = admin;
	call->auth_level = auth_level;
	call->dialled = NULL; /* the first listen address */
	invoke(call, chain);
	return 0;
}
