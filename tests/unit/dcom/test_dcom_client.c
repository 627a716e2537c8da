/* The DCOM runtime end to end in one process: an RPC server on 127.0.0.1
 * (ephemeral ports) with the exporter and the ISTM managers, and the DCOM
 * client (src/dcom/client.c on src/rpc/client.c) on the same event loop.
 * Activation of the seven classes, per-interface results, refusals,
 * IWTGeneral Name and Guid, QueryInterface, release, pinging, OXID
 * resolution, the faults of ORPC dispatch (unknown IPID, wrong interface,
 * COM version, ORPCTHIS flags), and a call dropped when its client goes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "auth/auth.h"
#include "auth/users_file.h"
#include "dcom/client.h"
#include "dcom/exporter.h"
#include "idl/ndr_ms_dcom.h"
#include "idl/ndr_ms_istm.h"
#include "istm/istm.h"
#include "core/core.h"
#include "core_testutil.h"
#include "istmd/config.h"
#include "istmd/hresult.h"
#include "istmd/workpool.h"
#include "rpc/client.h"
#include "rpc/server.h"

struct fixture {
	TALLOC_CTX *mem;
	struct tevent_context *ev; /* tc's */
	struct tc *tc;             /* the core over a scratch directory */
	struct auth_accounts *accounts;
	struct rpc_server *rpc;
	struct dcom_exporter *ex;
	struct workpool *pool;
	struct istm_context *istm;
	uint16_t port;
};

/* MS-ISTM 1.9 and the most-derived interface of each class */
static const struct {
	const char *clsid, *iface;
} classes[] = {
	{ "baa4a577-202d-49c7-a6bb-10ee914ee199", NDR_IWTGENERAL2_UUID },
	{ "ad069971-edc5-4357-a132-430dad479d2b", NDR_ISESSIONMANAGER2_UUID },
	{ "f1d3a46c-2e1b-4d84-97da-b3742ad67871", NDR_ILOCALDEVICEMGR3_UUID },
	{ "0144084b-e09e-4f45-a56b-dcdc9f379f5e", NDR_IWTDISKMGR4_UUID },
	{ "4e7645fa-1a95-416c-b38f-ad574a3c3e57", NDR_ISNAPSHOTMGR_UUID },
	{ "24f9c1a9-b22e-4e24-bec9-4af0a4d96736", NDR_ISNSMGR_UUID },
	{ "e14efe0b-fd3b-41ea-8e3b-88930445b944", NDR_IHOSTMGR3_UUID },
};
#define CLSID_WTGENERAL "baa4a577-202d-49c7-a6bb-10ee914ee199"
#define CLSID_SESSIONS "ad069971-edc5-4357-a132-430dad479d2b"
#define CLSID_SLOW "11111111-2222-3333-4444-555555555555"

/* ---- a class with a call that never completes by itself -------------------------- */

static bool slow_called, slow_state_freed;

static int slow_destructor(bool *unused)
{
	slow_state_freed = true;
	return 0;
}

static void slow_call(struct dcom_call *call, void *object, void *rv)
{
	/* pending work hangs below the call, as the contract asks */
	slow_called = true;
	bool *pending = talloc_zero(call, bool);
	talloc_set_destructor(pending, slow_destructor);
}

static const dcom_method_fn slow_methods[] = {
	[NDR_ISNSMGR_ENUMSNSSERVERS] = slow_call,
};
static const struct dcom_chain slow_chains[] = { DCOM_CHAIN(ISnsMgr, slow_methods) };
static const struct dcom_class slow_class = {
	.name = "Slow",
	.chains = slow_chains,
	.num_chains = 1,
	.singleton = true,
};

static struct GUID guid(const char *s)
{
	struct GUID g;
	assert_true(NT_STATUS_IS_OK(GUID_from_string(s, &g)));
	return g;
}

static const char *extra_rpc_config = ""; /* more [rpc] lines for one test */

static int setup(void **state)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);
	f->mem = talloc_new(f);
	f->tc = talloc_steal(f, tc_new(false));
	f->tc->opts.hostname = "unit-test";
	assert_int_equal(tc_open(f->tc), 0);
	f->ev = f->tc->ev;
	char *users = talloc_asprintf(f, "%s/users", f->tc->dir);
	assert_int_equal(users_add(users, "alice", true, "Secret-alice-1"), 0);
	assert_int_equal(users_add(users, "bob", false, "Secret-bob-2"), 0);
	f->accounts = auth_accounts_open(f, users);
	char *err = NULL;
	char *text = talloc_asprintf(f, "[rpc]\nlisten = 127.0.0.1\nendpoint_mapper_port = 0\n"
				     "object_port = 0\nmin_auth_level = integrity\n%s"
				     "[general]\nname = unit-test\n",
				     extra_rpc_config);
	struct cfg *cfg = cfg_parse(f, "test", text, &err);
	assert_non_null(cfg);
	f->rpc = rpc_server_new(f, f->ev, cfg, f->accounts, NULL, &err);
	assert_non_null(f->rpc);
	f->port = rpc_server_port(f->rpc, RPC_EP_MAPPER);
	struct dcom_config config;
	dcom_config_defaults(&config);
	f->ex = dcom_exporter_new(f, f->ev, f->rpc, &config, rpc_server_min_auth_level(f->rpc), &err);
	assert_non_null(f->ex);
	f->pool = workpool_create(f, f->ev, 2);
	struct istm_deps deps = { .ev = f->ev, .core = f->tc->core, .storage = f->tc->sp,
				  .pool = f->pool };
	f->istm = istm_start(f, f->ex, &deps, &err);
	assert_non_null(f->istm);
	struct dcom_object *slow = dcom_object_new(NULL, f->ex, &slow_class, NULL);
	struct GUID c = guid(CLSID_SLOW);
	assert_int_equal(dcom_exporter_register_clsid(f->ex, &c, slow), 0);
	assert_int_equal(dcom_exporter_register_clsid(f->ex, &c, slow), -EEXIST);
	slow_called = slow_state_freed = false;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	rpc_server_shutdown(f->rpc);
	TALLOC_FREE(f->istm);
	TALLOC_FREE(f->ex);
	TALLOC_FREE(f->pool);
	tc_close(f->tc);
	talloc_free(f); /* the scratch directory and the event loop last */
	return 0;
}

static struct dcom_client *connect_as(struct fixture *f, const char *user, const char *password,
				      uint8_t type, uint8_t level, int expect)
{
	struct dcom_client_options o = {
		.host = "127.0.0.1",
		.port = f->port,
		.auth = { .auth_type = type, .auth_level = level, .user = user,
			  .password = password },
		.timeout_ms = 5000,
	};
	struct dcom_client *client = NULL;
	assert_int_equal(dcom_client_connect(f->mem, f->ev, &o, &client), expect);
	return client;
}

static struct dcom_client *connect_alice(struct fixture *f)
{
	return connect_as(f, "alice", "Secret-alice-1", AUTH_TYPE_NTLMSSP,
			  DCERPC_AUTH_LEVEL_PRIVACY, 0);
}

static struct dcom_iface *activate_one(struct fixture *f, struct dcom_client *client,
				       const char *clsid, const struct idl_interface *iface)
{
	struct GUID c = guid(clsid);
	uint32_t hr, result, fault;
	struct dcom_iface *out;
	assert_int_equal(dcom_client_activate(f->mem, client, &c, 1, &iface->table->syntax_id.uuid,
					      &hr, &result, &out, &fault),
			 0);
	assert_int_equal(hr, S_OK);
	assert_int_equal(result, S_OK);
	assert_non_null(out);
	return out;
}

/* ---- activation ------------------------------------------------------------------ */

static void test_activate_all(void **state)
{
	struct fixture *f = *state;
	struct dcom_client *client = connect_alice(f);
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		struct GUID c = guid(classes[i].clsid);
		struct GUID iids[3] = { guid(classes[i].iface), ndr_table_IUnknown.syntax_id.uuid,
					guid("12345678-1234-1234-1234-123456789abc") };
		uint32_t hr, results[3], fault;
		struct dcom_iface *ifaces[3];
		assert_int_equal(dcom_client_activate(f->mem, client, &c, 3, iids, &hr, results,
						      ifaces, &fault),
				 0);
		assert_int_equal(hr, S_OK);
		assert_int_equal(results[0], S_OK);
		assert_int_equal(results[1], S_OK);
		assert_int_equal(results[2], E_NOINTERFACE);
		assert_non_null(ifaces[0]);
		assert_non_null(ifaces[1]);
		assert_null(ifaces[2]);
		assert_int_equal(ifaces[0]->public_refs, 5);
		assert_int_equal(ifaces[0]->oid, ifaces[1]->oid);
		assert_int_equal(ifaces[0]->oxid, dcom_exporter_oxid(f->ex));
	}
	/* the exporter's binding: the address dialled, with the object port */
	char want[64];
	snprintf(want, sizeof(want), "127.0.0.1[%u]", rpc_server_port(f->rpc, RPC_EP_OBJECT));
	assert_string_equal(dcom_client_exporter_binding(client), want);
	assert_int_equal(dcom_client_authn_hint(client), DCERPC_AUTH_LEVEL_INTEGRITY);

	/* an unknown class; only unknown interfaces */
	struct GUID bogus = guid("12345678-1234-1234-1234-123456789abc");
	struct GUID general = guid(CLSID_WTGENERAL);
	uint32_t hr, result, fault;
	struct dcom_iface *out;
	assert_int_equal(dcom_client_activate(f->mem, client, &bogus, 1,
					      &ndr_table_IUnknown.syntax_id.uuid, &hr, &result,
					      &out, &fault),
			 0);
	assert_int_equal(hr, REGDB_E_CLASSNOTREG);
	assert_int_equal(dcom_client_activate(f->mem, client, &general, 1, &bogus, &hr, &result,
					      &out, &fault),
			 0);
	assert_int_equal(hr, E_NOINTERFACE);
	assert_null(out);
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	struct GUID general = guid(CLSID_WTGENERAL);
	uint32_t hr, result, fault;
	struct dcom_iface *out;

	/* a user who is not an admin */
	struct dcom_client *bob = connect_as(f, "bob", "Secret-bob-2", AUTH_TYPE_NTLMSSP,
					     DCERPC_AUTH_LEVEL_PRIVACY, 0);
	assert_int_equal(dcom_client_activate(f->mem, bob, &general, 1,
					      &ndr_table_IWTGeneral.syntax_id.uuid, &hr, &result,
					      &out, &fault),
			 0);
	assert_int_equal(hr, E_ACCESSDENIED);
	/* a wrong password */
	connect_as(f, "alice", "wrong", AUTH_TYPE_NTLMSSP, DCERPC_AUTH_LEVEL_PRIVACY, -EACCES);
	/* unauthenticated: ServerAlive2 answers, activation is refused with fault 5 */
	struct dcom_client *anon = connect_as(f, NULL, NULL, 0, 0, 0);
	assert_int_equal(dcom_client_activate(f->mem, anon, &general, 1,
					      &ndr_table_IWTGeneral.syntax_id.uuid, &hr, &result,
					      &out, &fault),
			 -EREMOTEIO);
	assert_int_equal(fault, DCERPC_FAULT_ACCESS_DENIED);
	/* SPNEGO at integrity works */
	struct dcom_client *spnego = connect_as(f, "alice", "Secret-alice-1", AUTH_TYPE_SPNEGO,
						DCERPC_AUTH_LEVEL_INTEGRITY, 0);
	activate_one(f, spnego, CLSID_WTGENERAL, &idl_iface_IWTGeneral);
}

/* ---- calls -------------------------------------------------------------------------- */

static void test_general(void **state)
{
	struct fixture *f = *state;
	struct dcom_client *client = connect_alice(f);
	struct dcom_iface *g = activate_one(f, client, CLSID_WTGENERAL, &idl_iface_IWTGeneral);
	struct IWTGeneral_get_Name name = { 0 };
	struct IWTGeneral_get_Guid id = { 0 };
	uint32_t fault;
	assert_int_equal(dcom_client_call(g, f->mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_NAME,
					  &name, &fault),
			 0);
	assert_int_equal(name.out.result, S_OK);
	assert_string_equal(*name.out.pName, "unit-test");
	assert_int_equal(dcom_client_call(g, f->mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_GUID,
					  &id, &fault),
			 0);
	/* the core's persistent service GUID (its persistence: test_core_model) */
	struct GUID persisted = guid(core_service_guid(f->tc->core));
	assert_true(GUID_equal(id.out.pGuid, &persisted));
	/* CheckAccess: an admin, and no backend to be down */
	struct IWTGeneral_CheckAccess check = { 0 };
	assert_int_equal(dcom_client_call(g, f->mem, &ndr_table_IWTGeneral,
					  NDR_IWTGENERAL_CHECKACCESS, &check, &fault),
			 0);
	assert_int_equal(check.out.result, S_OK);

	/* QueryInterface to IWTGeneral2; its IPID also serves IWTGeneral calls */
	struct tevent_req *req = dcom_client_query_send(f->mem, f->ev, g,
							&ndr_table_IWTGeneral2.syntax_id.uuid, 5);
	assert_true(tevent_req_poll(req, f->ev));
	uint32_t hr;
	struct dcom_iface *g2;
	assert_int_equal(dcom_client_query_recv(req, f->mem, &hr, &g2, &fault), 0);
	assert_int_equal(hr, S_OK);
	assert_non_null(g2);
	struct IWTGeneral_get_Name name2 = { 0 };
	assert_int_equal(dcom_client_call(g2, f->mem, &ndr_table_IWTGeneral,
					  NDR_IWTGENERAL_GET_NAME, &name2, &fault),
			 0);
	assert_string_equal(*name2.out.pName, "unit-test");
	struct IWTGeneral2_IsClustered clustered = { 0 };
	assert_int_equal(dcom_client_call(g2, f->mem, &ndr_table_IWTGeneral2,
					  NDR_IWTGENERAL2_ISCLUSTERED, &clustered, &fault),
			 0);
	assert_int_equal(clustered.out.result, S_FALSE); /* no cluster */
	/* ...but an IWTGeneral IPID does not serve IWTGeneral2 */
	assert_int_equal(dcom_client_call(g, f->mem, &ndr_table_IWTGeneral2,
					  NDR_IWTGENERAL2_ISCLUSTERED, &clustered, &fault),
			 -EREMOTEIO);
	assert_int_equal(fault, RPC_E_INVALID_IPID);
	/* an unknown interface */
	req = dcom_client_query_send(f->mem, f->ev, g, &ndr_table_IHost.syntax_id.uuid, 1);
	assert_true(tevent_req_poll(req, f->ev));
	assert_int_equal(dcom_client_query_recv(req, f->mem, &hr, &g2, &fault), 0);
	assert_int_equal(hr, E_NOINTERFACE);
	assert_null(g2);
}

static void test_release_and_ping(void **state)
{
	struct fixture *f = *state;
	struct dcom_client *client = connect_alice(f);
	struct dcom_iface *sm = activate_one(f, client, CLSID_SESSIONS, &idl_iface_ISessionManager2);
	struct ISessionManager2_EnumSessions2 es = { 0 };
	uint32_t fault, hr, status;
	size_t objects = dcom_exporter_num_objects(f->ex);
	assert_int_equal(dcom_client_call(sm, f->mem, &ndr_table_ISessionManager2,
					  NDR_ISESSIONMANAGER2_ENUMSESSIONS2, &es, &fault),
			 0);
	assert_int_equal(es.out.result, S_OK);
	assert_int_equal(dcom_exporter_num_objects(f->ex), objects + 1);
	struct dcom_iface *e;
	assert_int_equal(dcom_client_unmarshal(f->mem, client, *es.out.ppEnumSession, &e), 0);

	/* an empty enumeration */
	struct IEnumSession2_Next next = { .in.ulNumElements = 1 };
	struct SESSION2 s = { 0 };
	next.in.pElements = &s;
	assert_int_equal(dcom_client_call(e, f->mem, &ndr_table_IEnumSession2,
					  NDR_IENUMSESSION2_NEXT, &next, &fault),
			 0);
	assert_int_equal(next.out.result, S_FALSE);
	assert_int_equal(*next.out.pNumElementsReturned, 0);

	/* pinging: a set is made, then simply pinged */
	struct tevent_req *req = dcom_client_ping_send(f->mem, f->ev, client);
	assert_true(tevent_req_poll(req, f->ev));
	assert_int_equal(dcom_client_ping_recv(req, &status, &fault), 0);
	assert_int_equal(status, 0);
	assert_int_equal(dcom_exporter_num_pingsets(f->ex), 1);
	req = dcom_client_ping_send(f->mem, f->ev, client);
	assert_true(tevent_req_poll(req, f->ev));
	assert_int_equal(dcom_client_ping_recv(req, &status, &fault), 0);
	assert_int_equal(status, 0);

	/* release: the enumerator goes; its IPID is gone */
	assert_int_equal(dcom_client_release(e, &hr, &fault), 0);
	assert_int_equal(hr, S_OK);
	assert_int_equal(dcom_exporter_num_objects(f->ex), objects);
	struct IEnumSession2_Reset reset = { 0 };
	assert_int_equal(dcom_client_call(e, f->mem, &ndr_table_IEnumSession2,
					  NDR_IENUMSESSION2_RESET, &reset, &fault),
			 -EREMOTEIO);
	assert_int_equal(fault, RPC_E_DISCONNECTED);
	/* the next ping takes its OID out of the set */
	req = dcom_client_ping_send(f->mem, f->ev, client);
	assert_true(tevent_req_poll(req, f->ev));
	assert_int_equal(dcom_client_ping_recv(req, &status, &fault), 0);
	assert_int_equal(status, 0);

	/* OXID resolution */
	req = dcom_client_resolve_oxid_send(f->mem, f->ev, client, dcom_exporter_oxid(f->ex));
	assert_true(tevent_req_poll(req, f->ev));
	assert_int_equal(dcom_client_resolve_oxid_recv(req, &status, &fault), 0);
	assert_int_equal(status, 0);
	assert_true(GUID_equal(dcom_client_remunknown_ipid(client),
			       dcom_exporter_remunknown_ipid(f->ex)));
	req = dcom_client_resolve_oxid_send(f->mem, f->ev, client, 42);
	assert_true(tevent_req_poll(req, f->ev));
	assert_int_equal(dcom_client_resolve_oxid_recv(req, &status, &fault), 0);
	assert_int_equal(status, OR_INVALID_OXID);
}

/* ORPC dispatch faults, through a raw RPC client that fills ORPCTHIS itself. */
static void test_orpc_faults(void **state)
{
	struct fixture *f = *state;
	struct dcom_client *client = connect_alice(f);
	struct dcom_iface *g = activate_one(f, client, CLSID_WTGENERAL, &idl_iface_IWTGeneral);
	struct rpc_client_auth auth = { .auth_type = AUTH_TYPE_NTLMSSP,
					.auth_level = DCERPC_AUTH_LEVEL_INTEGRITY,
					.user = "alice",
					.password = "Secret-alice-1" };
	struct rpc_client *rc;
	assert_int_equal(rpc_client_connect(f->mem, f->ev, "127.0.0.1",
					    rpc_server_port(f->rpc, RPC_EP_OBJECT), &auth,
					    &ndr_table_IWTGeneral, 5000, &rc),
			 0);
	struct IWTGeneral_get_Name r = { 0 };
	uint32_t fault;
	r.in.ORPCthis.version = (struct COMVERSION){ 5, 7 };
	assert_int_equal(rpc_client_call(rc, f->mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_NAME,
					 &g->ipid, &r, &fault),
			 0);
	assert_int_equal(r.out.result, S_OK);
	/* an older client is fine, a newer or another major is not (MS-DCOM 1.7) */
	r.in.ORPCthis.version = (struct COMVERSION){ 5, 1 };
	assert_int_equal(rpc_client_call(rc, f->mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_NAME,
					 &g->ipid, &r, &fault),
			 0);
	r.in.ORPCthis.version = (struct COMVERSION){ 5, 8 };
	assert_int_equal(rpc_client_call(rc, f->mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_NAME,
					 &g->ipid, &r, &fault),
			 -EREMOTEIO);
	assert_int_equal(fault, RPC_E_VERSION_MISMATCH);
	r.in.ORPCthis.version = (struct COMVERSION){ 6, 0 };
	assert_int_equal(rpc_client_call(rc, f->mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_NAME,
					 &g->ipid, &r, &fault),
			 -EREMOTEIO);
	assert_int_equal(fault, RPC_E_VERSION_MISMATCH);
	/* ORPCTHIS flags must be 0 in an ORPC invocation (3.1.1.5.4) */
	r.in.ORPCthis.version = (struct COMVERSION){ 5, 7 };
	r.in.ORPCthis.flags = 1;
	assert_int_equal(rpc_client_call(rc, f->mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_NAME,
					 &g->ipid, &r, &fault),
			 -EREMOTEIO);
	assert_int_equal(fault, RPC_E_INVALID_HEADER);
	/* extensions are tolerated */
	r.in.ORPCthis.flags = 0;
	uint8_t data[8] = { 1, 2, 3 };
	struct ORPC_EXTENT extent = { .id = GUID_random(), .size = 3, .data = data };
	struct ORPC_EXTENT *extents[2] = { &extent, NULL };
	struct ORPC_EXTENT_ARRAY array = { .size = 1, .extent = extents };
	r.in.ORPCthis.extensions = &array;
	assert_int_equal(rpc_client_call(rc, f->mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_NAME,
					 &g->ipid, &r, &fault),
			 0);
	assert_int_equal(r.out.result, S_OK);
	r.in.ORPCthis.extensions = NULL;
	/* no object UUID, an unknown IPID */
	assert_int_equal(rpc_client_call(rc, f->mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_NAME,
					 NULL, &r, &fault),
			 -EREMOTEIO);
	assert_int_equal(fault, RPC_E_DISCONNECTED);
	struct GUID bogus = GUID_random();
	assert_int_equal(rpc_client_call(rc, f->mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_NAME,
					 &bogus, &r, &fault),
			 -EREMOTEIO);
	assert_int_equal(fault, RPC_E_DISCONNECTED);
	/* a user who is not an admin, with a valid IPID: E_ACCESSDENIED */
	struct rpc_client_auth bob_auth = auth;
	bob_auth.user = "bob";
	bob_auth.password = "Secret-bob-2";
	struct rpc_client *bob;
	assert_int_equal(rpc_client_connect(f->mem, f->ev, "127.0.0.1",
					    rpc_server_port(f->rpc, RPC_EP_OBJECT), &bob_auth,
					    &ndr_table_IWTGeneral, 5000, &bob),
			 0);
	r.out.pName = NULL;
	assert_int_equal(rpc_client_call(bob, f->mem, &ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_NAME,
					 &g->ipid, &r, &fault),
			 0);
	assert_int_equal(r.out.result, E_ACCESSDENIED);
	assert_null(*r.out.pName);
	/* IUnknown's opnums are never dispatched */
	assert_int_equal(rpc_client_call(rc, f->mem, &ndr_table_IWTGeneral, 0, &g->ipid, &r, &fault),
			 -EINVAL); /* no marshaller: the client refuses to send it */
}

/* A client that goes away takes its pending call with it. */
static void test_abandoned_call(void **state)
{
	struct fixture *f = *state;
	struct dcom_client *client = connect_alice(f);
	struct dcom_iface *slow = activate_one(f, client, CLSID_SLOW, &idl_iface_ISnsMgr);
	struct ISnsMgr_EnumSnsServers r = { 0 };
	struct tevent_req *req = dcom_client_call_send(f->mem, f->ev, slow, &ndr_table_ISnsMgr,
						       NDR_ISNSMGR_ENUMSNSSERVERS, f->mem, &r);
	assert_non_null(req);
	for (int i = 0; i < 50 && !slow_called; i++)
		tevent_loop_once(f->ev); /* until the server holds the call */
	assert_true(slow_called);
	assert_false(slow_state_freed);
	talloc_free(req);
	talloc_free(client); /* closes both connections */
	for (int i = 0; i < 100 && !slow_state_freed; i++)
		tevent_loop_once(f->ev);
	assert_true(slow_state_freed);
}

static int setup_idle_timeout(void **state)
{
	extra_rpc_config = "idle_timeout = 1\n";
	int rc = setup(state);
	extra_rpc_config = "";
	return rc;
}

static void wake(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		 void *priv)
{
	*(bool *)priv = true;
}

/* The server closes idle connections: the client notices and opens the
 * exporter connection again for the next call. */
static void test_reconnect(void **state)
{
	struct fixture *f = *state;
	struct dcom_client *client = connect_alice(f);
	struct dcom_iface *g = activate_one(f, client, CLSID_WTGENERAL, &idl_iface_IWTGeneral);
	uint32_t fault;
	for (int i = 0; i < 2; i++) {
		struct IWTGeneral_get_Name name = { 0 };
		assert_int_equal(dcom_client_call(g, f->mem, &ndr_table_IWTGeneral,
						  NDR_IWTGENERAL_GET_NAME, &name, &fault),
				 0);
		assert_string_equal(*name.out.pName, "unit-test");
		/* 1.5 s idle: both connections are closed by the server */
		bool waited = false;
		assert_non_null(tevent_add_timer(f->ev, f->mem, tevent_timeval_current_ofs(1, 500000),
						 wake, &waited));
		while (!waited)
			tevent_loop_once(f->ev);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_activate_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_general, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_and_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orpc_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abandoned_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, setup_idle_timeout, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
