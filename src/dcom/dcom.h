/* The DCOM object model: what an object implementation (src/istm) sees.
 * Contract in docs/architecture.md, "Contract: DCOM objects"; details in
 * docs/dcom.md.
 *
 * A class lists the interface chains it implements; each chain is its
 * most-derived generated interface (idl_iface_*) and one handler table
 * indexed by opnum that serves the whole chain (opnums continue through
 * inheritance). QueryInterface succeeds for IUnknown and every interface of
 * every chain. A handler receives the generated `struct <Interface>_<Method>`
 * with `in` pulled and `out` prepared, fills `out`, and completes the call
 * with dcom_call_done() exactly once, now or later. A missing handler answers
 * E_NOTIMPL. The runtime checks the caller (authenticated admin at or above
 * [rpc] min_auth_level) before any handler runs.
 *
 * Objects live while a client holds public references on one of their
 * interfaces (OBJREFs handed out, RemAddRef/RemRelease, pinging) or while the
 * server holds them (dcom_object_hold, the call in progress on them). Then
 * the class's release hook runs and the object's state is freed. Singleton
 * objects live until the exporter goes. */
#ifndef ISTMD_DCOM_H
#define ISTMD_DCOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>

#include "ndr/idl_interface.h"

struct GUID;
struct MInterfacePointer;

struct dcom_exporter; /* the object exporter: one OXID, its objects (dcom/exporter.h) */
struct dcom_object;   /* an object of a class */
struct dcom_call;     /* one ORPC call being served */
struct dcom_hold;     /* a server-side reference on an object */

/* R is the generated struct of the method; OBJECT the object's state (the
 * IMPL given to dcom_object_new). */
typedef void (*dcom_method_fn)(struct dcom_call *call, void *object, void *r);

struct dcom_chain {
	const struct idl_interface *iface; /* most-derived interface of the chain */
	const dcom_method_fn *methods;     /* by opnum; NULL entries answer E_NOTIMPL */
	size_t num_methods;                /* entries in METHODS (at most iface's calls) */
};

struct dcom_class {
	const char *name;
	const struct dcom_chain *chains;
	size_t num_chains;
	/* Lives until the exporter goes, whatever its references (the MS-ISTM
	 * managers, MS-ISTM 3.1.3). */
	bool singleton;
	/* Called once when the object goes, before its state is freed; may be
	 * NULL. Must not create objects or marshal. */
	void (*release)(void *object);
};

/* ---- objects ------------------------------------------------------------------ */

/* Creates an object of CLS in EX. IMPL (a talloc pointer or NULL) is its state,
 * handed to its handlers and release hook; it becomes a talloc child of the
 * object and is freed with it. Unless CLS is a singleton, HOLDER keeps the
 * object alive until HOLDER is freed (pass the call: the object then lives
 * at least until the call completes, and longer once marshalled). Returns
 * NULL on allocation failure or when [dcom] max_objects is reached (IMPL is
 * then freed). */
struct dcom_object *dcom_object_new(TALLOC_CTX *holder, struct dcom_exporter *ex,
				    const struct dcom_class *cls, void *impl);
void *dcom_object_impl(const struct dcom_object *obj);
const struct dcom_class *dcom_object_class(const struct dcom_object *obj);
struct dcom_exporter *dcom_object_exporter(const struct dcom_object *obj);

/* A server-side reference on OBJ, dropped when the returned token (a talloc
 * child of HOLDER) or HOLDER is freed. For objects other objects keep
 * (a snapshot of an enumeration, a target's disks). NULL on ENOMEM. */
struct dcom_hold *dcom_object_hold(TALLOC_CTX *holder, struct dcom_object *obj);
/* The held object, or NULL once it is gone (the exporter is shutting down). */
struct dcom_object *dcom_hold_object(const struct dcom_hold *hold);

/* True when OBJ implements IFACE (IUnknown, or an interface of one of its
 * chains or one they derive from). */
bool dcom_object_implements(const struct dcom_object *obj, const struct idl_interface *iface);

/* ---- calls -------------------------------------------------------------------- */

/* Completes CALL with HRESULT (set in r->out.result), exactly once. On a
 * failure code the interface pointers marshalled during the call are taken
 * back (their references released, *out set to NULL). CALL and everything
 * allocated on it (r included) are freed. */
void dcom_call_done(struct dcom_call *call, uint32_t hresult);

/* Marshals OBJ's interface IFACE into *OUT (allocated on the call) as an
 * OBJREF_STANDARD whose public references (5, MS-DCOM 3.1.1.5.1) the client
 * now owns. Returns S_OK, E_NOINTERFACE (OBJ does not implement IFACE) or
 * E_OUTOFMEMORY; *OUT is NULL on failure. */
uint32_t dcom_marshal(struct dcom_call *call, struct dcom_object *obj,
		      const struct idl_interface *iface, struct MInterfacePointer **out);

/* The object and interface the call was made on. */
struct dcom_object *dcom_call_object(const struct dcom_call *call);
const struct idl_interface *dcom_call_interface(const struct dcom_call *call);
uint32_t dcom_call_opnum(const struct dcom_call *call);
struct dcom_exporter *dcom_call_exporter(const struct dcom_call *call);
struct tevent_context *dcom_call_ev(const struct dcom_call *call);

/* Who calls: the authenticated account (never NULL in a handler), whether it
 * is an admin in the users file (always true in a handler today: others are
 * refused before), the authentication level (DCERPC_AUTH_LEVEL_*). */
const char *dcom_call_user(const struct dcom_call *call);
bool dcom_call_is_admin(const struct dcom_call *call);
uint8_t dcom_call_auth_level(const struct dcom_call *call);
const char *dcom_call_remote_address(const struct dcom_call *call);

/* True once the client cancelled the call (co_cancel/orphaned). When the
 * client's connection goes, the runtime completes the call itself and frees
 * it with everything below it in talloc: asynchronous work must hang below
 * the call (tevent_req on it, workpool state parented to it) and never keep
 * a pointer to it elsewhere. */
bool dcom_call_cancelled(const struct dcom_call *call);

/* Sugar for handler tables:
 *   static const dcom_method_fn host_mgr_methods[] = {
 *           [NDR_IHOSTMGR_ENUMHOSTS] = enum_hosts, ...
 *   };
 *   static const struct dcom_chain host_mgr_chains[] = {
 *           DCOM_CHAIN(IHostMgr3, host_mgr_methods),
 *   }; */
#define DCOM_CHAIN(iface_name, methods_array)                                                   \
	{ .iface = &idl_iface_##iface_name, .methods = (methods_array),                        \
	  .num_methods = sizeof(methods_array) / sizeof((methods_array)[0]) }

#endif
