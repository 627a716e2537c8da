/* The exporter's tables (MS-DCOM 3.1.1.1): objects, holds, OIDs and IPIDs,
 * public and private references, QueryInterface through the Remote Unknown,
 * ORPC dispatch rules of in-process calls (E_NOTIMPL, E_ACCESSDENIED, the
 * references of a failed call taken back, asynchronous completion), ping
 * sets and garbage collection on a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/internal.h"
#include "dcom/object_exporter.h"
#include "dcom/objref.h"
#include "dcom_test.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"

/* ---- test classes ------------------------------------------------------------------ */

static unsigned released_gadgets;
static uint32_t get_host_result; /* what GetHost answers after marshalling */

struct gadget {
	int id;
};

static void gadget_release(void *object)
{
	released_gadgets++;
}

static const struct dcom_chain gadget_chains[] = {
	{ .iface = &idl_iface_IHost3 },
};
static const struct dcom_class gadget_class = {
	.name = "Gadget",
	.chains = gadget_chains,
	.num_chains = 1,
	.release = gadget_release,
};

/* IHostMgr::GetHost: a new gadget marshalled as IHost, then GET_HOST_RESULT. */
static void get_host(struct dcom_call *call, void *object, void *rv)
{
	struct IHostMgr_GetHost *r = rv;
	struct gadget *g = talloc_zero(NULL, struct gadget);
	struct dcom_object *obj = dcom_object_new(call, dcom_call_exporter(call), &gadget_class, g);
	if (obj == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	uint32_t hr = dcom_marshal(call, obj, &idl_iface_IHost, r->out.ppHost);
	if (hr != S_OK) { /* the caller's quota of objects */
		assert_null(*r->out.ppHost);
		dcom_call_done(call, hr);
		return;
	}
	assert_non_null(*r->out.ppHost);
	dcom_call_done(call, get_host_result);
}

static void later(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		  void *priv)
{
	dcom_call_done(priv, S_FALSE);
}

/* IHostMgr::DeleteHost: completes 10 ms later (asynchronous completion). */
static void delete_host(struct dcom_call *call, void *object, void *rv)
{
	assert_non_null(tevent_add_timer(dcom_call_ev(call), call,
					 tevent_timeval_current_ofs(0, 10000), later, call));
}

static const dcom_method_fn widget_methods[] = {
	[NDR_IHOSTMGR_GETHOST] = get_host,
	[NDR_IHOSTMGR_DELETEHOST] = delete_host,
};
static const struct dcom_chain widget_chains[] = {
	DCOM_CHAIN(IHostMgr3, widget_methods),
	{ .iface = &idl_iface_ISnsMgr },
};
static const struct dcom_class widget_class = {
	.name = "Widget",
	.chains = widget_chains,
	.num_chains = 2,
	.singleton = true,
};

static struct dcom_object *new_widget(struct dcom_test *t)
{
	struct dcom_object *w = dcom_object_new(NULL, t->ex, &widget_class, NULL);
	assert_non_null(w);
	return w;
}

static uint32_t call_get_host(struct dcom_test *t, struct dcom_object *w, struct STDOBJREF *std)
{
	struct IHostMgr_GetHost *r = dcom_test_new_r(t->mem, &idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST);
	r->in.HostName = "t";
	dcom_test_prepare(&idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST, r);
	uint32_t hr = dcom_test_call(t, w, &idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST, r);
	assert_int_equal(r->out.result, hr);
	if (std != NULL && *r->out.ppHost != NULL) {
		struct OBJREF o;
		assert_int_equal(dcom_objref_pull(t->mem, *r->out.ppHost, &o), 0);
		assert_int_equal(o.flags, OBJREF_FLAG_STANDARD);
		assert_true(GUID_equal(&o.iid, &ndr_table_IHost.syntax_id.uuid));
		*std = o.u_objref.u_standard.std;
	}
	return hr;
}

static int setup(void **state)
{
	released_gadgets = 0;
	get_host_result = S_OK;
	*state = dcom_test_new();
	return 0;
}

static int teardown(void **state)
{
	dcom_test_free(*state);
	return 0;
}

/* ---- objects, holds, export ------------------------------------------------------- */

static void test_object_lifetime(void **state)
{
	struct dcom_test *t = *state;
	size_t base = dcom_exporter_num_objects(t->ex); /* the Remote Unknown */
	TALLOC_CTX *holder = talloc_new(t->mem);
	struct dcom_object *g = dcom_object_new(holder, t->ex, &gadget_class,
						talloc_zero(NULL, struct gadget));
	assert_non_null(g);
	assert_int_equal(dcom_exporter_num_objects(t->ex), base + 1);
	struct dcom_hold *h = dcom_object_hold(t->mem, g);
	talloc_free(holder); /* one hold left */
	assert_int_equal(released_gadgets, 0);
	assert_ptr_equal(dcom_hold_object(h), g);
	talloc_free(h);
	assert_int_equal(released_gadgets, 1);
	assert_int_equal(dcom_exporter_num_objects(t->ex), base);

	/* singletons stay without holder */
	struct dcom_object *w = new_widget(t);
	assert_true(dcom_object_implements(w, &idl_iface_IHostMgr));
	assert_true(dcom_object_implements(w, &idl_iface_IHostMgr3));
	assert_true(dcom_object_implements(w, &idl_iface_ISnsMgr));
	assert_true(dcom_object_implements(w, &idl_iface_IUnknown));
	assert_false(dcom_object_implements(w, &idl_iface_IHost));
	assert_int_equal(dcom_exporter_num_objects(t->ex), base + 1);
}

static void test_export_and_refs(void **state)
{
	struct dcom_test *t = *state;
	TALLOC_CTX *holder = talloc_new(t->mem);
	struct dcom_object *g = dcom_object_new(holder, t->ex, &gadget_class,
						talloc_zero(NULL, struct gadget));
	struct STDOBJREF a, b, c;
	struct dcom_peer *alice = dcom_peer_get(t->ex, NULL, "alice");
	struct dcom_peer *bob = dcom_peer_get(t->ex, NULL, "bob");
	struct dcom_peer *alice2 = dcom_peer_get(t->ex, NULL, "ALICE");
	assert_ptr_equal(alice, alice2); /* account names are case-insensitive */
	struct dcom_ipid *ia = dcom_export(g, &idl_iface_IHost, 5, NULL, &a);
	struct dcom_ipid *ib = dcom_export(g, &idl_iface_IHost, 5, alice, &b);
	struct dcom_ipid *ic = dcom_export(g, &idl_iface_IHost2, 1, NULL, &c);
	assert_non_null(ia);
	assert_ptr_equal(ia, ib); /* one IPID per interface */
	assert_ptr_not_equal(ia, ic);
	assert_int_equal(ia->public_refs, 10);
	assert_int_equal(a.oid, c.oid); /* one OID per object */
	assert_int_equal(a.oxid, dcom_exporter_oxid(t->ex));
	assert_int_equal(a.cPublicRefs, 5);
	assert_int_equal(a.flags, 0);
	assert_false(GUID_equal(&a.ipid, &c.ipid));
	assert_null(dcom_export(g, &idl_iface_IHostMgr, 5, NULL, NULL)); /* not implemented */
	assert_ptr_equal(dcom_ipid_find(t->ex, &a.ipid), ia);

	talloc_free(holder); /* exported: still alive */
	assert_int_equal(released_gadgets, 0);
	/* public references belong to their client: bob has none, alice 5,
	 * the server (NULL) the other 5 */
	assert_int_equal(dcom_peer_num_objects(alice), 1);
	dcom_ipid_release(ia, bob, 10, 0);
	assert_int_equal(ia->public_refs, 10);
	dcom_ipid_release(ia, NULL, 10, 0);
	assert_int_equal(ia->public_refs, 5);
	/* private references belong to their identity */
	assert_int_equal(dcom_ipid_addref(ia, alice, 0, 2), 0);
	dcom_ipid_release(ia, bob, 10, 2);
	dcom_ipid_release(ia, alice, 10, 0); /* clamped at what alice holds */
	assert_int_equal(ia->public_refs, 0);
	assert_int_equal(dcom_peer_num_objects(alice), 0);
	assert_non_null(dcom_ipid_find(t->ex, &a.ipid)); /* alice's 2 private remain */
	dcom_ipid_release(ia, alice2, 0, 5); /* clamped at 0 */
	assert_null(dcom_ipid_find(t->ex, &a.ipid));
	assert_int_equal(released_gadgets, 0); /* IHost2 still exported */
	dcom_ipid_release(ic, NULL, 100, 0);
	assert_int_equal(released_gadgets, 1);
	assert_null(dcom_ipid_find(t->ex, &c.ipid));
}

/* ---- in-process calls ------------------------------------------------------------- */

static void test_call_rules(void **state)
{
	struct dcom_test *t = *state;
	struct dcom_object *w = new_widget(t);
	struct STDOBJREF std;

	assert_int_equal(call_get_host(t, w, &std), S_OK);
	struct dcom_ipid *ipid = dcom_ipid_find(t->ex, &std.ipid);
	assert_non_null(ipid);
	assert_int_equal(ipid->public_refs, 5);
	assert_int_equal(released_gadgets, 0);

	/* a failed call takes the references back: the gadget goes */
	get_host_result = E_FAIL;
	struct IHostMgr_GetHost *r = dcom_test_new_r(t->mem, &idl_iface_IHostMgr3,
						     NDR_IHOSTMGR_GETHOST);
	dcom_test_prepare(&idl_iface_IHostMgr3, NDR_IHOSTMGR_GETHOST, r);
	assert_int_equal(dcom_test_call(t, w, &idl_iface_IHostMgr3, NDR_IHOSTMGR_GETHOST, r), E_FAIL);
	assert_null(*r->out.ppHost);
	assert_int_equal(released_gadgets, 1);

	/* no handler: E_NOTIMPL, in out.result */
	struct IHostMgr2_NewHost2 *n = dcom_test_new_r(t->mem, &idl_iface_IHostMgr3, 8);
	dcom_test_prepare(&idl_iface_IHostMgr3, 8, n);
	assert_int_equal(dcom_test_call(t, w, &idl_iface_IHostMgr3, 8, n), E_NOTIMPL);
	assert_int_equal(n->out.result, E_NOTIMPL);

	/* callers: not an admin, below min_auth_level, anonymous */
	struct IHostMgr_GetHost *d = dcom_test_new_r(t->mem, &idl_iface_IHostMgr,
						     NDR_IHOSTMGR_GETHOST);
	dcom_test_prepare(&idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST, d);
	get_host_result = S_OK;
	assert_int_equal(dcom_test_call_as(t, w, &idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST, d, "bob",
					   false, DCERPC_AUTH_LEVEL_PRIVACY),
			 E_ACCESSDENIED);
	assert_int_equal(dcom_test_call_as(t, w, &idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST, d,
					   "alice", true, DCERPC_AUTH_LEVEL_CONNECT),
			 E_ACCESSDENIED);
	assert_int_equal(dcom_test_call_as(t, w, &idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST, d, NULL,
					   true, DCERPC_AUTH_LEVEL_PRIVACY),
			 E_ACCESSDENIED);
	assert_null(*d->out.ppHost);
	assert_int_equal(released_gadgets, 1); /* no handler ran */

	/* asynchronous completion */
	struct IHostMgr_DeleteHost *del = dcom_test_new_r(t->mem, &idl_iface_IHostMgr,
							  NDR_IHOSTMGR_DELETEHOST);
	dcom_test_prepare(&idl_iface_IHostMgr, NDR_IHOSTMGR_DELETEHOST, del);
	assert_int_equal(dcom_test_call(t, w, &idl_iface_IHostMgr, NDR_IHOSTMGR_DELETEHOST, del),
			 S_FALSE);
	assert_int_equal(del->out.result, S_FALSE);

	/* no chain for the interface */
	assert_int_equal(dcom_call_local(t->mem, w, &idl_iface_IHost, 3, del, "alice", true, 6,
					 NULL, NULL),
			 -ENOENT);
}

/* ---- the Remote Unknown ---------------------------------------------------------- */

static struct dcom_object *remunknown(struct dcom_test *t)
{
	struct dcom_ipid *ipid = dcom_ipid_find(t->ex, dcom_exporter_remunknown_ipid(t->ex));
	assert_non_null(ipid);
	assert_true(ipid->permanent);
	return ipid->obj;
}

static void test_rem_unknown(void **state)
{
	struct dcom_test *t = *state;
	struct dcom_object *w = new_widget(t), *ru = remunknown(t);
	struct STDOBJREF host;
	assert_int_equal(call_get_host(t, w, &host), S_OK);

	/* RemQueryInterface: IHost3 and IUnknown found, IHostMgr not */
	struct GUID iids[3] = { ndr_table_IHost3.syntax_id.uuid, ndr_table_IUnknown.syntax_id.uuid,
				ndr_table_IHostMgr.syntax_id.uuid };
	struct IRemUnknown_RemQueryInterface *qi =
		dcom_test_new_r(t->mem, &idl_iface_IRemUnknown, NDR_IREMUNKNOWN_REMQUERYINTERFACE);
	qi->in.ripid = &host.ipid;
	qi->in.cRefs = 2;
	qi->in.cIids = 3;
	qi->in.iids = iids;
	dcom_test_prepare(&idl_iface_IRemUnknown, NDR_IREMUNKNOWN_REMQUERYINTERFACE, qi);
	assert_int_equal(dcom_test_call(t, ru, &idl_iface_IRemUnknown2,
					NDR_IREMUNKNOWN_REMQUERYINTERFACE, qi),
			 S_FALSE);
	struct REMQIRESULT *res = *qi->out.ppQIResults;
	assert_int_equal(res[0].hResult, S_OK);
	assert_int_equal(res[0].std.cPublicRefs, 2);
	assert_int_equal(res[0].std.oid, host.oid);
	assert_int_equal(res[1].hResult, S_OK);
	assert_int_equal(res[2].hResult, E_NOINTERFACE);
	struct dcom_ipid *ipid3 = dcom_ipid_find(t->ex, &res[0].std.ipid);
	assert_non_null(ipid3);
	assert_ptr_equal(ipid3->iface, &idl_iface_IHost3);

	/* unknown ripid */
	struct GUID bogus = GUID_random();
	qi->in.ripid = &bogus;
	assert_int_equal(dcom_test_call(t, ru, &idl_iface_IRemUnknown,
					NDR_IREMUNKNOWN_REMQUERYINTERFACE, qi),
			 RPC_E_INVALID_OBJECT);

	/* RemAddRef: a known and an unknown IPID */
	struct REMINTERFACEREF refs[2] = { { .ipid = host.ipid, .cPublicRefs = 3 },
					   { .ipid = bogus, .cPublicRefs = 1 } };
	struct IRemUnknown_RemAddRef *add =
		dcom_test_new_r(t->mem, &idl_iface_IRemUnknown, NDR_IREMUNKNOWN_REMADDREF);
	add->in.cInterfaceRefs = 2;
	add->in.InterfaceRefs = refs;
	dcom_test_prepare(&idl_iface_IRemUnknown, NDR_IREMUNKNOWN_REMADDREF, add);
	assert_int_equal(dcom_test_call(t, ru, &idl_iface_IRemUnknown, NDR_IREMUNKNOWN_REMADDREF, add),
			 CO_E_OBJNOTREG);
	assert_int_equal(add->out.pResults[0], S_OK);
	assert_int_equal(add->out.pResults[1], CO_E_OBJNOTREG);
	assert_int_equal(dcom_ipid_find(t->ex, &host.ipid)->public_refs, 8);

	/* RemQueryInterface2: an OBJREF per interface */
	struct IRemUnknown2_RemQueryInterface2 *qi2 =
		dcom_test_new_r(t->mem, &idl_iface_IRemUnknown2, NDR_IREMUNKNOWN2_REMQUERYINTERFACE2);
	qi2->in.ripid = &host.ipid;
	qi2->in.cIids = 2;
	qi2->in.iids = iids + 1;
	dcom_test_prepare(&idl_iface_IRemUnknown2, NDR_IREMUNKNOWN2_REMQUERYINTERFACE2, qi2);
	assert_int_equal(dcom_test_call(t, ru, &idl_iface_IRemUnknown2,
					NDR_IREMUNKNOWN2_REMQUERYINTERFACE2, qi2),
			 S_FALSE);
	assert_int_equal(qi2->out.phr[0], S_OK);
	assert_non_null(qi2->out.ppMIF[0]);
	assert_int_equal(qi2->out.phr[1], E_NOINTERFACE);
	assert_null(qi2->out.ppMIF[1]);

	/* RemRelease of everything: the gadget goes */
	struct OBJREF unk;
	assert_int_equal(dcom_objref_pull(t->mem, qi2->out.ppMIF[0], &unk), 0);
	struct REMINTERFACEREF rel[4] = {
		{ .ipid = host.ipid, .cPublicRefs = 8 },
		{ .ipid = res[0].std.ipid, .cPublicRefs = 2 },
		{ .ipid = res[1].std.ipid, .cPublicRefs = 2 + 5 },
		{ .ipid = bogus, .cPublicRefs = 1 }, /* ignored */
	};
	assert_true(GUID_equal(&unk.u_objref.u_standard.std.ipid, &res[1].std.ipid));
	struct IRemUnknown_RemRelease *rr =
		dcom_test_new_r(t->mem, &idl_iface_IRemUnknown, NDR_IREMUNKNOWN_REMRELEASE);
	rr->in.cInterfaceRefs = 3;
	rr->in.InterfaceRefs = rel;
	dcom_test_prepare(&idl_iface_IRemUnknown, NDR_IREMUNKNOWN_REMRELEASE, rr);
	assert_int_equal(released_gadgets, 0);
	assert_int_equal(dcom_test_call(t, ru, &idl_iface_IRemUnknown, NDR_IREMUNKNOWN_REMRELEASE, rr),
			 S_OK);
	assert_int_equal(released_gadgets, 1);

	/* the Remote Unknown's own IPID is never released */
	rel[0].ipid = *dcom_exporter_remunknown_ipid(t->ex);
	rel[0].cPublicRefs = 1000;
	rr->in.cInterfaceRefs = 1;
	assert_int_equal(dcom_test_call(t, ru, &idl_iface_IRemUnknown, NDR_IREMUNKNOWN_REMRELEASE, rr),
			 S_OK);
	assert_non_null(dcom_ipid_find(t->ex, dcom_exporter_remunknown_ipid(t->ex)));
}

/* ---- pinging and garbage collection ---------------------------------------------- */

static void test_ping_sets(void **state)
{
	struct dcom_test *t = *state;
	struct dcom_object *w = new_widget(t);
	struct STDOBJREF a, b;
	assert_int_equal(call_get_host(t, w, &a), S_OK);
	assert_int_equal(call_get_host(t, w, &b), S_OK);

	uint64_t setid = 0, unknown = 12345;
	/* a new set: unknown OIDs are skipped */
	uint64_t add[2] = { a.oid, unknown };
	assert_int_equal(dcom_complex_ping(t->ex, "alice", true, &setid, 1, add, 2, NULL, 0), 0);
	assert_int_not_equal(setid, 0);
	assert_int_equal(dcom_exporter_num_pingsets(t->ex), 1);
	/* an existing set: unknown OIDs are refused, nothing changes */
	uint64_t add2[2] = { b.oid, unknown };
	uint64_t s2 = setid;
	assert_int_equal(dcom_complex_ping(t->ex, "alice", true, &s2, 2, add2, 2, NULL, 0), OR_INVALID_OID);
	assert_int_equal(s2, setid);
	assert_int_equal(dcom_complex_ping(t->ex, "alice", true, &s2, 2, add2, 1, NULL, 0), 0);
	/* a late duplicate (older sequence number) does nothing, successfully */
	assert_int_equal(dcom_complex_ping(t->ex, "alice", true, &s2, 1, NULL, 0, add2, 1), 0);
	/* sequence numbers wrap */
	assert_int_equal(dcom_complex_ping(t->ex, "alice", true, &s2, 0x8001, NULL, 0, NULL, 0), 0);
	assert_int_equal(dcom_complex_ping(t->ex, "alice", true, &s2, 0x0001, NULL, 0, NULL, 0), 0);
	uint64_t zero = 0, nope = 42;
	assert_int_equal(dcom_simple_ping(t->ex, "alice", setid), 0);
	assert_int_equal(dcom_simple_ping(t->ex, "alice", nope), OR_INVALID_SET);
	assert_int_equal(dcom_complex_ping(t->ex, "alice", true, &nope, 1, NULL, 0, NULL, 0), OR_INVALID_SET);

	/* both gadgets are in the set: pinged every period, they outlive the
	 * timeout; once the pings stop, the set and the gadgets go */
	for (int i = 0; i < 6; i++) {
		dcom_test_advance(t, 1000);
		assert_int_equal(dcom_simple_ping(t->ex, "alice", setid), 0);
		dcom_exporter_collect(t->ex);
	}
	assert_int_equal(released_gadgets, 0);
	/* B leaves the set: it is not pinged any more */
	assert_int_equal(dcom_complex_ping(t->ex, "alice", true, &s2, 0x0002, NULL, 0, &b.oid, 1), 0);
	for (int i = 0; i < 3; i++) {
		dcom_test_advance(t, 1000);
		assert_int_equal(dcom_simple_ping(t->ex, "alice", setid), 0);
		dcom_exporter_collect(t->ex);
	}
	assert_int_equal(released_gadgets, 1);
	assert_null(dcom_ipid_find(t->ex, &b.ipid));
	assert_non_null(dcom_ipid_find(t->ex, &a.ipid));
	dcom_test_advance(t, 3000);
	dcom_exporter_collect(t->ex);
	assert_int_equal(released_gadgets, 2);
	assert_int_equal(dcom_exporter_num_pingsets(t->ex), 0);
	assert_int_equal(dcom_simple_ping(t->ex, "alice", setid), OR_INVALID_SET);
	(void)zero;
}

static void test_gc(void **state)
{
	struct dcom_test *t = *state;
	struct dcom_object *w = new_widget(t);
	struct STDOBJREF a, mgr;
	assert_int_equal(call_get_host(t, w, &a), S_OK);
	assert_non_null(dcom_export(w, &idl_iface_IHostMgr, 5, NULL, &mgr));

	/* calls count as activity (MS-DCOM 3.1.1.6.2) */
	dcom_test_advance(t, 2500);
	struct IHost_get_Status *r = dcom_test_new_r(t->mem, &idl_iface_IHost, 12);
	dcom_test_prepare(&idl_iface_IHost, 12, r);
	struct dcom_object *g = dcom_ipid_find(t->ex, &a.ipid)->obj;
	assert_int_equal(dcom_test_call(t, g, &idl_iface_IHost, 12, r), E_NOTIMPL);
	dcom_test_advance(t, 2500);
	dcom_exporter_collect(t->ex);
	assert_int_equal(released_gadgets, 0);

	/* a held object loses its IPIDs, not its life */
	struct dcom_hold *h = dcom_object_hold(t->mem, g);
	dcom_test_advance(t, 3000);
	dcom_exporter_collect(t->ex);
	assert_null(dcom_ipid_find(t->ex, &a.ipid));
	assert_int_equal(released_gadgets, 0);
	talloc_free(h);
	assert_int_equal(released_gadgets, 1);
	/* singletons stay, exported */
	assert_non_null(dcom_ipid_find(t->ex, &mgr.ipid));
	assert_non_null(dcom_ipid_find(t->ex, dcom_exporter_remunknown_ipid(t->ex)));
}

static void test_limits(void **state)
{
	struct dcom_test *t = *state;
	TALLOC_CTX *holder = talloc_new(t->mem);
	size_t n = dcom_exporter_num_objects(t->ex);
	for (; n < 1000; n++)
		assert_non_null(dcom_object_new(holder, t->ex, &gadget_class, NULL));
	assert_null(dcom_object_new(holder, t->ex, &gadget_class, talloc_zero(NULL, struct gadget)));
	talloc_free(holder);
	assert_int_equal(released_gadgets, 1000 - 1); /* the Remote Unknown took one place */
}

/* ---- per-client references and quotas (issue 9) --------------------------------- */

static uint32_t release_as(struct dcom_test *t, const char *user, const struct GUID *ipid,
			   uint32_t refs)
{
	struct REMINTERFACEREF rel = { .ipid = *ipid, .cPublicRefs = refs };
	struct IRemUnknown_RemRelease *rr =
		dcom_test_new_r(t->mem, &idl_iface_IRemUnknown, NDR_IREMUNKNOWN_REMRELEASE);
	rr->in.cInterfaceRefs = 1;
	rr->in.InterfaceRefs = &rel;
	dcom_test_prepare(&idl_iface_IRemUnknown, NDR_IREMUNKNOWN_REMRELEASE, rr);
	return dcom_test_call_as(t, remunknown(t), &idl_iface_IRemUnknown,
				 NDR_IREMUNKNOWN_REMRELEASE, rr, user, true,
				 DCERPC_AUTH_LEVEL_PRIVACY);
}

/* One client releases at most what it holds, never a singleton's IPID:
 * bob's RemRelease(1000) of alice's object and of the manager leaves alice
 * working (defect 6). */
static void test_release_per_client(void **state)
{
	struct dcom_test *t = *state;
	struct dcom_object *w = new_widget(t);
	struct STDOBJREF host, mgr;
	assert_int_equal(call_get_host(t, w, &host), S_OK); /* alice's 5 */
	assert_non_null(dcom_export(w, &idl_iface_IHostMgr, 5, NULL, &mgr));

	assert_int_equal(release_as(t, "bob", &host.ipid, 1000), S_OK);
	assert_int_equal(release_as(t, "bob", &mgr.ipid, 1000), S_OK);
	assert_non_null(dcom_ipid_find(t->ex, &host.ipid));
	assert_non_null(dcom_ipid_find(t->ex, &mgr.ipid));
	assert_int_equal(released_gadgets, 0);
	assert_int_equal(call_get_host(t, w, NULL), S_OK); /* alice still works */

	/* alice releases hers (more than she holds: clamped), the manager stays */
	assert_int_equal(release_as(t, "alice", &host.ipid, 1000), S_OK);
	assert_null(dcom_ipid_find(t->ex, &host.ipid));
	assert_int_equal(release_as(t, "alice", &mgr.ipid, 1000), S_OK);
	assert_non_null(dcom_ipid_find(t->ex, &mgr.ipid));
}

/* One client filling the object table leaves room for the others
 * (defect 5): alice stops at her quota, bob still gets objects. */
static void test_client_quota(void **state)
{
	struct dcom_test *t = *state;
	struct dcom_object *w = new_widget(t);
	unsigned made = 0;
	get_host_result = S_OK;
	for (; made < 2000; made++) {
		struct IHostMgr_GetHost *r =
			dcom_test_new_r(t->mem, &idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST);
		r->in.HostName = "t";
		dcom_test_prepare(&idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST, r);
		if (dcom_test_call_as(t, w, &idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST, r, "alice",
				      true, DCERPC_AUTH_LEVEL_PRIVACY) != S_OK)
			break;
	}
	assert_true(made < 1000);
	struct IHostMgr_GetHost *r = dcom_test_new_r(t->mem, &idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST);
	r->in.HostName = "t";
	dcom_test_prepare(&idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST, r);
	assert_int_equal(dcom_test_call_as(t, w, &idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST, r,
					   "bob", true, DCERPC_AUTH_LEVEL_PRIVACY),
			 S_OK);
}

/* Ping sets belong to the account that made them (defect 3): a non-admin
 * makes none, however often it asks; an admin at its quota makes no more;
 * another admin's ComplexPing still succeeds and keeps its idle objects
 * alive; nobody else changes or pings its set. */
static void test_ping_sets_per_account(void **state)
{
	struct dcom_test *t = *state;
	struct dcom_object *w = new_widget(t);
	struct STDOBJREF a;
	assert_int_equal(call_get_host(t, w, &a), S_OK);

	for (int i = 0; i < 5000; i++) {
		uint64_t s = 0;
		assert_int_equal(dcom_complex_ping(t->ex, "mallory", false, &s, 1, NULL, 0, NULL, 0),
				 ERROR_ACCESS_DENIED);
		assert_int_equal(s, 0);
	}
	assert_int_equal(dcom_exporter_num_pingsets(t->ex), 0);
	for (int i = 0; i < 4; i++) { /* max_ping_sets_per_account in dcom_test */
		uint64_t s = 0;
		assert_int_equal(dcom_complex_ping(t->ex, "carol", true, &s, 1, NULL, 0, NULL, 0), 0);
	}
	uint64_t s = 0;
	assert_int_equal(dcom_complex_ping(t->ex, "carol", true, &s, 1, NULL, 0, NULL, 0),
			 ERROR_OUTOFMEMORY);

	uint64_t setid = 0;
	assert_int_equal(dcom_complex_ping(t->ex, "alice", true, &setid, 1, &a.oid, 1, NULL, 0), 0);
	assert_int_equal(dcom_simple_ping(t->ex, "carol", setid), OR_INVALID_SET);
	uint64_t theirs = setid;
	assert_int_equal(dcom_complex_ping(t->ex, "carol", true, &theirs, 2, NULL, 0, &a.oid, 1),
			 OR_INVALID_SET);
	for (int i = 0; i < 6; i++) {
		dcom_test_advance(t, 1000);
		assert_int_equal(dcom_simple_ping(t->ex, "ALICE", setid), 0);
		dcom_exporter_collect(t->ex);
	}
	assert_non_null(dcom_ipid_find(t->ex, &a.ipid));
	assert_int_equal(released_gadgets, 0);
}

/* The resolver's bindings (ServerAlive2, OBJREFs) carry no port when the
 * endpoint mapper is on 135, the port otherwise (defect 10). */
static int collect_binding(uint16_t tower, const char *address, void *priv)
{
	char **list = priv;
	assert_int_equal(tower, DCOM_TOWER_NCACN_IP_TCP);
	*list = talloc_asprintf_append(*list, "%s;", address);
	return 0;
}

static void test_resolver_bindings(void **state)
{
	struct dcom_test *t = *state;
	static const char *const addresses[] = { "10.0.0.1", "0.0.0.0", NULL };
	static const struct {
		uint16_t mapper_port;
		const char *bindings;
	} cases[] = {
		{ 135, "127.0.0.1;10.0.0.1;" },
		{ 1135, "127.0.0.1[1135];10.0.0.1[1135];" },
	};
	for (size_t i = 0; i < 2; i++) {
		uint16_t *array, n, sec;
		assert_int_equal(dcom_dualstringarray(t->mem, addresses, "127.0.0.1",
						      dcom_resolver_binding_port(cases[i].mapper_port),
						      &array, &n, &sec),
				 0);
		char *list = talloc_strdup(t->mem, "");
		assert_int_equal(dcom_string_bindings(array, n, sec, collect_binding, &list), 0);
		assert_string_equal(list, cases[i].bindings);
	}
}

/* A sweep that frees many objects gives the memory back (defect 5). */
static void test_gc_trims(void **state)
{
	struct dcom_test *t = *state;
	TALLOC_CTX *holder = talloc_new(t->mem);
	for (int i = 0; i < 600; i++) {
		struct dcom_object *g = dcom_object_new(holder, t->ex, &gadget_class, NULL);
		assert_non_null(g);
		assert_non_null(dcom_export(g, &idl_iface_IHost, 5, NULL, NULL));
	}
	talloc_free(holder);
	dcom_exporter_collect(t->ex);
	assert_int_equal(dcom_exporter_num_trims(t->ex), 0);
	dcom_test_advance(t, 3000);
	dcom_exporter_collect(t->ex);
	assert_int_equal(released_gadgets, 600);
	assert_int_equal(dcom_exporter_num_trims(t->ex), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_object_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_and_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rem_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_per_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_sets_per_account, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_bindings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_trims, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
