/* The generic enumerator (MS-ISTM 3.1.4.2.2 and Windows notes <12>-<14>)
 * through in-process calls: Next one at a time, S_FALSE at the end, the
 * count query, E_FAIL for more than one, Skip within and past the end,
 * Reset, Clone's independent iterator over the same snapshot, object
 * elements marshalled and kept alive, and the snapshot freed with the last
 * enumerator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/internal.h"
#include "dcom/objref.h"
#include "dcom_test.h"
#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istmd/hresult.h"
#include "istmd/utf16.h"

/* A manager whose EnumSessions2 returns N_SESSIONS sessions and whose
 * EnumHosts returns N_HOSTS host objects: the producer side of the API. */
static unsigned n_sessions, n_hosts, hosts_released;
static bool lazy_hosts; /* EnumHosts gives keys, made into objects by Next */
static unsigned hosts_made;

static void host_release(void *object)
{
	hosts_released++;
}

static const struct dcom_chain host_chains[] = { { .iface = &idl_iface_IHost3 } };
static const struct dcom_class host_class = {
	.name = "Host",
	.chains = host_chains,
	.num_chains = 1,
	.release = host_release,
};

static void enum_sessions2(struct dcom_call *call, void *object, void *rv)
{
	struct ISessionManager2_EnumSessions2 *r = rv;
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumSession2);
	for (unsigned i = 0; i < n_sessions; i++) {
		struct SESSION2 *s = istm_enum_add_element(items);
		assert_non_null(s);
		s->TSIH = (uint16_t)(100 + i);
		char iqn[64];
		snprintf(iqn, sizeof(iqn), "iqn.2024-01.test:initiator-%u", i);
		assert_int_equal(WSTR_SET(s->InitiatorIQN, iqn), 0);
	}
	assert_int_equal(istm_enum_count(items), n_sessions);
	dcom_call_done(call, istm_enum_return(call, items, r->out.ppEnumSession));
}

/* Host number KEY, odd numbers "deleted" since the snapshot. */
static int make_host(struct dcom_call *call, void *priv, const void *key,
		     struct dcom_object **obj)
{
	unsigned n;
	memcpy(&n, key, sizeof(n));
	assert_ptr_equal(priv, &hosts_made);
	if (n % 2 == 1)
		return -ENOENT;
	*obj = dcom_object_new(call, dcom_call_exporter(call), &host_class, NULL);
	hosts_made++;
	return *obj ? 0 : -ENOMEM;
}

static void enum_hosts(struct dcom_call *call, void *object, void *rv)
{
	struct IHostMgr_EnumHosts *r = rv;
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumHost);
	if (lazy_hosts) {
		istm_enum_set_maker(items, make_host, &hosts_made);
		for (unsigned i = 0; i < n_hosts; i++)
			assert_int_equal(istm_enum_add_key(items, &i, sizeof(i)), 0);
		dcom_call_done(call, istm_enum_return(call, items, r->out.ppEnumHost));
		return;
	}
	for (unsigned i = 0; i < n_hosts; i++) {
		struct dcom_object *h = dcom_object_new(call, dcom_call_exporter(call), &host_class,
							NULL);
		assert_int_equal(istm_enum_add_object(items, h), 0);
	}
	assert_null(istm_enum_add_element(items)); /* not a structure kind */
	dcom_call_done(call, istm_enum_return(call, items, r->out.ppEnumHost));
}

static const dcom_method_fn manager_methods[] = {
	[NDR_IHOSTMGR_ENUMHOSTS] = enum_hosts,
};
static const dcom_method_fn sessions_methods[] = {
	[NDR_ISESSIONMANAGER2_ENUMSESSIONS2] = enum_sessions2,
};
static const struct dcom_chain manager_chains[] = {
	DCOM_CHAIN(IHostMgr3, manager_methods),
	DCOM_CHAIN(ISessionManager2, sessions_methods),
};
static const struct dcom_class manager_class = {
	.name = "Manager",
	.chains = manager_chains,
	.num_chains = 2,
	.singleton = true,
};

struct fixture {
	struct dcom_test *t;
	struct dcom_object *manager;
};

static int setup(void **state)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);
	f->t = dcom_test_new();
	f->manager = dcom_object_new(NULL, f->t->ex, &manager_class, NULL);
	assert_non_null(f->manager);
	n_sessions = 3;
	n_hosts = 2;
	hosts_released = 0;
	lazy_hosts = false;
	hosts_made = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	dcom_test_free(f->t);
	talloc_free(f);
	return 0;
}

/* The enumerator object an OBJREF names (through its IPID). */
static struct dcom_object *object_of(struct fixture *f, struct MInterfacePointer *mip,
				     const struct idl_interface *iface, struct GUID *ipid)
{
	return dcom_test_object(f->t->mem, f->t->ex, mip, iface, ipid);
}

static struct dcom_object *get_sessions(struct fixture *f, struct GUID *ipid)
{
	struct ISessionManager2_EnumSessions2 *r =
		dcom_test_new_r(f->t->mem, &idl_iface_ISessionManager2,
				NDR_ISESSIONMANAGER2_ENUMSESSIONS2);
	dcom_test_prepare(&idl_iface_ISessionManager2, NDR_ISESSIONMANAGER2_ENUMSESSIONS2, r);
	assert_int_equal(dcom_test_call(f->t, f->manager, &idl_iface_ISessionManager2,
					NDR_ISESSIONMANAGER2_ENUMSESSIONS2, r),
			 S_OK);
	return object_of(f, *r->out.ppEnumSession, &idl_iface_IEnumSession2, ipid);
}

/* Next(NUM) on a session enumerator: the HRESULT, the count, the element. */
static uint32_t next_session(struct fixture *f, struct dcom_object *e, uint32_t num,
			     uint32_t *returned, struct SESSION2 *element)
{
	struct IEnumSession2_Next *r =
		dcom_test_new_r(f->t->mem, &idl_iface_IEnumSession2, NDR_IENUMSESSION2_NEXT);
	r->in.ulNumElements = num;
	r->in.pElements = talloc_zero(r, struct SESSION2);
	r->in.pElements->TSIH = 0xbeef; /* what a client sends is overwritten */
	dcom_test_prepare(&idl_iface_IEnumSession2, NDR_IENUMSESSION2_NEXT, r);
	uint32_t hr = dcom_test_call(f->t, e, &idl_iface_IEnumSession2, NDR_IENUMSESSION2_NEXT, r);
	*returned = *r->out.pNumElementsReturned;
	*element = *r->out.pElements;
	return hr;
}

static uint32_t simple_call(struct fixture *f, struct dcom_object *e, uint32_t opnum,
			    uint32_t num)
{
	struct IEnumSession2_Skip *r = dcom_test_new_r(f->t->mem, &idl_iface_IEnumSession2, opnum);
	if (opnum == NDR_IENUMSESSION2_SKIP)
		r->in.ulNumElements = num;
	dcom_test_prepare(&idl_iface_IEnumSession2, opnum, r);
	return dcom_test_call(f->t, e, &idl_iface_IEnumSession2, opnum, r);
}

static struct dcom_object *clone_sessions(struct fixture *f, struct dcom_object *e)
{
	struct IEnumSession2_Clone *r =
		dcom_test_new_r(f->t->mem, &idl_iface_IEnumSession2, NDR_IENUMSESSION2_CLONE);
	dcom_test_prepare(&idl_iface_IEnumSession2, NDR_IENUMSESSION2_CLONE, r);
	assert_int_equal(dcom_test_call(f->t, e, &idl_iface_IEnumSession2, NDR_IENUMSESSION2_CLONE, r),
			 S_OK);
	return object_of(f, *r->out.ppNewEnum, &idl_iface_IEnumSession2, NULL);
}

static void test_next(void **state)
{
	struct fixture *f = *state;
	struct dcom_object *e = get_sessions(f, NULL);
	struct SESSION2 s;
	uint32_t n;

	/* ulNumElements 0: how many are left (3.1.4.2.2.1) */
	assert_int_equal(next_session(f, e, 0, &n, &s), S_OK);
	assert_int_equal(n, 3);
	assert_int_equal(s.TSIH, 0);
	/* more than one: E_FAIL (<13>), nothing consumed */
	assert_int_equal(next_session(f, e, 2, &n, &s), E_FAIL);
	assert_int_equal(n, 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(next_session(f, e, 1, &n, &s), S_OK);
		assert_int_equal(n, 1);
		assert_int_equal(s.TSIH, 100 + i);
		char want[64];
		snprintf(want, sizeof(want), "iqn.2024-01.test:initiator-%u", i);
		assert_string_equal(WSTR_GET(f->t->mem, s.InitiatorIQN), want);
	}
	/* the end: S_FALSE, nothing returned, the element cleared */
	assert_int_equal(next_session(f, e, 1, &n, &s), S_FALSE);
	assert_int_equal(n, 0);
	assert_int_equal(s.TSIH, 0);
	assert_int_equal(s.InitiatorIQN[0], 0);
	assert_int_equal(next_session(f, e, 0, &n, &s), S_FALSE);
	assert_int_equal(n, 0);
	/* Reset always succeeds (<14>) */
	assert_int_equal(simple_call(f, e, NDR_IENUMSESSION2_RESET, 0), S_OK);
	assert_int_equal(next_session(f, e, 1, &n, &s), S_OK);
	assert_int_equal(s.TSIH, 100);
}

static void test_skip(void **state)
{
	struct fixture *f = *state;
	struct dcom_object *e = get_sessions(f, NULL);
	struct SESSION2 s;
	uint32_t n;

	assert_int_equal(simple_call(f, e, NDR_IENUMSESSION2_SKIP, 0), E_INVALIDARG);
	assert_int_equal(simple_call(f, e, NDR_IENUMSESSION2_SKIP, 2), S_OK);
	assert_int_equal(next_session(f, e, 1, &n, &s), S_OK);
	assert_int_equal(s.TSIH, 102);
	assert_int_equal(simple_call(f, e, NDR_IENUMSESSION2_RESET, 0), S_OK);
	assert_int_equal(simple_call(f, e, NDR_IENUMSESSION2_SKIP, 3), S_OK); /* to the end exactly */
	assert_int_equal(next_session(f, e, 1, &n, &s), S_FALSE);
	assert_int_equal(simple_call(f, e, NDR_IENUMSESSION2_RESET, 0), S_OK);
	assert_int_equal(simple_call(f, e, NDR_IENUMSESSION2_SKIP, 1), S_OK);
	assert_int_equal(simple_call(f, e, NDR_IENUMSESSION2_SKIP, 5), S_FALSE); /* past it */
	assert_int_equal(next_session(f, e, 0, &n, &s), S_FALSE);
	assert_int_equal(n, 0);
}

static void test_clone(void **state)
{
	struct fixture *f = *state;
	struct GUID ipid;
	struct dcom_object *e = get_sessions(f, &ipid);
	struct SESSION2 s;
	uint32_t n;

	assert_int_equal(next_session(f, e, 1, &n, &s), S_OK);
	struct dcom_object *c = clone_sessions(f, e);
	assert_ptr_not_equal(c, e);
	/* the clone starts where the original was, then moves on its own */
	assert_int_equal(next_session(f, c, 1, &n, &s), S_OK);
	assert_int_equal(s.TSIH, 101);
	assert_int_equal(next_session(f, c, 1, &n, &s), S_OK);
	assert_int_equal(s.TSIH, 102);
	assert_int_equal(next_session(f, e, 1, &n, &s), S_OK);
	assert_int_equal(s.TSIH, 101);
	assert_int_equal(simple_call(f, c, NDR_IENUMSESSION2_RESET, 0), S_OK);
	assert_int_equal(next_session(f, e, 0, &n, &s), S_OK);
	assert_int_equal(n, 1);

	/* the original goes (its references released); the clone still reads
	 * the shared snapshot */
	size_t objects = dcom_exporter_num_objects(f->t->ex);
	dcom_test_release(f->t, &ipid);
	assert_int_equal(dcom_exporter_num_objects(f->t->ex), objects - 1);
	assert_int_equal(next_session(f, c, 1, &n, &s), S_OK);
	assert_int_equal(s.TSIH, 100);
	assert_string_equal(WSTR_GET(f->t->mem, s.InitiatorIQN), "iqn.2024-01.test:initiator-0");
}

static void test_empty(void **state)
{
	struct fixture *f = *state;
	n_sessions = 0;
	struct dcom_object *e = get_sessions(f, NULL);
	struct SESSION2 s;
	uint32_t n;
	assert_int_equal(next_session(f, e, 1, &n, &s), S_FALSE);
	assert_int_equal(next_session(f, e, 0, &n, &s), S_FALSE);
	assert_int_equal(simple_call(f, e, NDR_IENUMSESSION2_SKIP, 1), S_FALSE);
	assert_non_null(clone_sessions(f, e));
}

/* Object elements: marshalled as the kind's interface, kept alive by the
 * snapshot, released with the last enumerator. */
static void test_objects(void **state)
{
	struct fixture *f = *state;
	struct IHostMgr_EnumHosts *r =
		dcom_test_new_r(f->t->mem, &idl_iface_IHostMgr, NDR_IHOSTMGR_ENUMHOSTS);
	dcom_test_prepare(&idl_iface_IHostMgr, NDR_IHOSTMGR_ENUMHOSTS, r);
	assert_int_equal(dcom_test_call(f->t, f->manager, &idl_iface_IHostMgr,
					NDR_IHOSTMGR_ENUMHOSTS, r),
			 S_OK);
	struct GUID enum_ipid;
	struct dcom_object *e = object_of(f, *r->out.ppEnumHost, &idl_iface_IEnumHost, &enum_ipid);
	assert_int_equal(hosts_released, 0); /* held by the snapshot */

	struct GUID host_ipids[2];
	for (int i = 0; i < 3; i++) {
		struct IEnumHost_Next *nr =
			dcom_test_new_r(f->t->mem, &idl_iface_IEnumHost, NDR_IENUMHOST_NEXT);
		nr->in.ulNumElements = 1;
		nr->in.pElements = talloc_zero(nr, struct MInterfacePointer *);
		dcom_test_prepare(&idl_iface_IEnumHost, NDR_IENUMHOST_NEXT, nr);
		uint32_t hr = dcom_test_call(f->t, e, &idl_iface_IEnumHost, NDR_IENUMHOST_NEXT, nr);
		if (i < 2) {
			assert_int_equal(hr, S_OK);
			assert_int_equal(*nr->out.pNumElementsReturned, 1);
			/* an IHost pointer (MS-ISTM 3.8.4.1), even if the object does IHost3 */
			object_of(f, *nr->out.pElements, &idl_iface_IHost, &host_ipids[i]);
		} else {
			assert_int_equal(hr, S_FALSE);
			assert_null(*nr->out.pElements);
		}
	}
	/* the client releases the enumerator: the hosts stay, exported */
	dcom_test_release(f->t, &enum_ipid);
	assert_int_equal(hosts_released, 0);
	/* and then the hosts */
	for (int i = 0; i < 2; i++)
		dcom_test_release(f->t, &host_ipids[i]);
	assert_int_equal(hosts_released, 2);

	/* never handed out: they go with the enumerator */
	assert_int_equal(dcom_test_call(f->t, f->manager, &idl_iface_IHostMgr,
					NDR_IHOSTMGR_ENUMHOSTS, r),
			 S_OK);
	object_of(f, *r->out.ppEnumHost, &idl_iface_IEnumHost, &enum_ipid);
	dcom_test_release(f->t, &enum_ipid);
	assert_int_equal(hosts_released, 4);
}

/* All 17 kinds: Next, Skip, Reset, Clone at opnums 3-6 of their interface,
 * a class serving it, structure or object elements. */
static void test_kinds(void **state)
{
	size_t n = 0;
	for (const struct istm_enum_kind *const *k = istm_enum_kinds; *k != NULL; k++, n++) {
		const struct istm_enum_kind *kind = *k;
		const struct ndr_interface_table *t = kind->iface->table;
		assert_int_equal(t->num_calls, 7);
		assert_non_null(strstr(t->calls[3].name, "_Next"));
		assert_non_null(strstr(t->calls[4].name, "_Skip"));
		assert_non_null(strstr(t->calls[5].name, "_Reset"));
		assert_non_null(strstr(t->calls[6].name, "_Clone"));
		assert_ptr_equal(kind->cls->chains[0].iface, kind->iface);
		assert_false(kind->cls->singleton);
		assert_true((kind->element_size == 0) == (kind->element_iface != NULL));
	}
	assert_int_equal(n, 17);
	assert_int_equal(istm_enum_IEnumDisk2.element_size, sizeof(struct DISK2));
	assert_ptr_equal(istm_enum_IEnumWTDisk.element_iface, &idl_iface_IWTDisk);
	assert_ptr_equal(istm_enum_IEnumSnapshot.element_iface, &idl_iface_ISnapshot);
}

/* Elements given as keys cost nothing until Next makes their objects; a
 * key whose thing is gone is skipped (issue 9, defect 5). */
static void test_lazy_objects(void **state)
{
	struct fixture *f = *state;
	lazy_hosts = true;
	n_hosts = 5000;
	size_t before = dcom_exporter_num_objects(f->t->ex);
	struct IHostMgr_EnumHosts *r =
		dcom_test_new_r(f->t->mem, &idl_iface_IHostMgr, NDR_IHOSTMGR_ENUMHOSTS);
	dcom_test_prepare(&idl_iface_IHostMgr, NDR_IHOSTMGR_ENUMHOSTS, r);
	assert_int_equal(dcom_test_call(f->t, f->manager, &idl_iface_IHostMgr,
					NDR_IHOSTMGR_ENUMHOSTS, r),
			 S_OK);
	struct dcom_object *e = object_of(f, *r->out.ppEnumHost, &idl_iface_IEnumHost, NULL);
	assert_int_equal(dcom_exporter_num_objects(f->t->ex), before + 1);
	assert_int_equal(hosts_made, 0);
	for (unsigned i = 0; i < 3; i++) {
		struct IEnumHost_Next *n =
			dcom_test_new_r(f->t->mem, &idl_iface_IEnumHost, NDR_IENUMHOST_NEXT);
		n->in.ulNumElements = 1;
		n->in.pElements = talloc_zero(n, struct MInterfacePointer *);
		dcom_test_prepare(&idl_iface_IEnumHost, NDR_IENUMHOST_NEXT, n);
		assert_int_equal(dcom_test_call(f->t, e, &idl_iface_IEnumHost, NDR_IENUMHOST_NEXT, n),
				 S_OK);
		assert_int_equal(*n->out.pNumElementsReturned, 1);
		object_of(f, *n->out.pElements, &idl_iface_IHost, NULL);
	}
	assert_int_equal(hosts_made, 3); /* hosts 0, 2 and 4; 1 and 3 skipped */
	assert_int_equal(dcom_exporter_num_objects(f->t->ex), before + 4);
}

/* Each client has its own quota of objects (100 in dcom_test): alice's
 * enumerations stop at hers, bob's still work (issue 9, defect 5). */
static void test_quota_per_client(void **state)
{
	struct fixture *f = *state;
	unsigned made = 0;
	for (;; made++) {
		struct ISessionManager2_EnumSessions2 *r =
			dcom_test_new_r(f->t->mem, &idl_iface_ISessionManager2,
					NDR_ISESSIONMANAGER2_ENUMSESSIONS2);
		dcom_test_prepare(&idl_iface_ISessionManager2, NDR_ISESSIONMANAGER2_ENUMSESSIONS2, r);
		uint32_t hr = dcom_test_call(f->t, f->manager, &idl_iface_ISessionManager2,
					     NDR_ISESSIONMANAGER2_ENUMSESSIONS2, r);
		if (hr != S_OK) {
			assert_int_equal(hr, E_OUTOFMEMORY);
			break;
		}
		assert_true(made < 1000);
	}
	assert_int_equal(made, 100);
	struct ISessionManager2_EnumSessions2 *r =
		dcom_test_new_r(f->t->mem, &idl_iface_ISessionManager2,
				NDR_ISESSIONMANAGER2_ENUMSESSIONS2);
	dcom_test_prepare(&idl_iface_ISessionManager2, NDR_ISESSIONMANAGER2_ENUMSESSIONS2, r);
	assert_int_equal(dcom_test_call_as(f->t, f->manager, &idl_iface_ISessionManager2,
					   NDR_ISESSIONMANAGER2_ENUMSESSIONS2, r, "bob", true,
					   DCERPC_AUTH_LEVEL_PRIVACY),
			 S_OK);
	struct dcom_object *e = object_of(f, *r->out.ppEnumSession, &idl_iface_IEnumSession2, NULL);
	struct IEnumSession2_Next *n =
		dcom_test_new_r(f->t->mem, &idl_iface_IEnumSession2, NDR_IENUMSESSION2_NEXT);
	n->in.ulNumElements = 1;
	n->in.pElements = talloc_zero(n, struct SESSION2);
	dcom_test_prepare(&idl_iface_IEnumSession2, NDR_IENUMSESSION2_NEXT, n);
	assert_int_equal(dcom_test_call_as(f->t, e, &idl_iface_IEnumSession2, NDR_IENUMSESSION2_NEXT,
					   n, "bob", true, DCERPC_AUTH_LEVEL_PRIVACY),
			 S_OK);
	assert_int_equal(n->out.pElements->TSIH, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lazy_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota_per_client, setup, teardown),
		cmocka_unit_test(test_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
