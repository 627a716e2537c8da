/* IHostMgr, IHostMgr2, IHostMgr3 (MS-ISTM 3.25, 3.27, 3.29) through
 * in-process ORPC calls: NewHost's draft exists only once saved (4.2), the
 * HRESULTs of each method, IEnumHost's semantics (3.1.4.2.2), one IHost
 * object per call, and the cluster-only methods outside a cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dcom/exporter.h"
#include "istmd/hresult.h"
#include "istm_fixture.h"

#define MGR (&idl_iface_IHostMgr3)

static unsigned count_hosts(struct ix *x, uint32_t opnum)
{
	struct dcom_object *e = ix_enum(x, x->hosts, MGR, opnum, &idl_iface_IEnumHost);
	return ix_left(x, e, &idl_iface_IEnumHost);
}

static void test_new_host_is_a_draft(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = NULL, *g = NULL;
	assert_int_equal(ix_new_host(x, "DatabaseTarget", &h), S_OK);
	/* 4.2: a placeholder until Save */
	assert_int_equal(ix_get_host(x, "DatabaseTarget", &g), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(count_hosts(x, NDR_IHOSTMGR_ENUMHOSTS), 0);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_DESCRIPTION, "ISTM Test target"), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
	assert_int_equal(ix_get_host(x, "DatabaseTarget", &g), S_OK);
	assert_ptr_not_equal(g, h); /* an object per call, each with its own draft */
	assert_string_equal(ix_str(x, g, NDR_IHOST_GET_DESCRIPTION), "ISTM Test target");
	assert_int_equal(count_hosts(x, NDR_IHOSTMGR_ENUMHOSTS), 1);
	/* names compare without case */
	assert_int_equal(ix_get_host(x, "databasetarget", &g), S_OK);
	assert_string_equal(ix_str(x, g, NDR_IHOST_GET_NAME), "DatabaseTarget");
}

static void test_new_host_errors(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = NULL;
	assert_int_equal(ix_new_host(x, NULL, &h), E_INVALIDARG);
	assert_int_equal(ix_new_host(x, "", &h), HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	assert_int_equal(ix_new_host(x, "has space", &h), HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	assert_int_equal(ix_new_host(x, "-dash-first", &h), HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	assert_int_equal(ix_new_host(x, "caf\xc3\xa9", &h), HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	char name[300];
	memset(name, 'a', sizeof(name));
	name[224] = '\0'; /* longer than an iSCSI name may be */
	assert_int_equal(ix_new_host(x, name, &h), HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	/* short enough itself, but the IQN it would get is too long (<53>) */
	name[200] = '\0';
	assert_int_equal(ix_new_host(x, name, &h), HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	name[100] = '\0';
	assert_int_equal(ix_new_host(x, name, &h), S_OK);

	ix_create(x, "taken");
	assert_int_equal(ix_new_host(x, "taken", &h), HRESULT_FROM_WIN32(ERROR_FILE_EXISTS));
	assert_int_equal(ix_new_host(x, "TAKEN", &h), HRESULT_FROM_WIN32(ERROR_FILE_EXISTS));
}

/* Two drafts may ask for one name; the second Save finds it taken. */
static void test_two_drafts_one_name(void **state)
{
	struct ix *x = *state;
	struct dcom_object *a = NULL, *b = NULL;
	assert_int_equal(ix_new_host(x, "twin", &a), S_OK);
	assert_int_equal(ix_new_host(x, "twin", &b), S_OK);
	assert_int_equal(ix_save(x, a), S_OK);
	assert_int_equal(ix_save(x, b), HRESULT_FROM_WIN32(ERROR_FILE_EXISTS));
	/* the loser renames and saves */
	assert_int_equal(ix_put_str(x, b, NDR_IHOST_PUT_NAME, "twin2"), S_OK);
	assert_int_equal(ix_save(x, b), S_OK);
	assert_int_equal(count_hosts(x, NDR_IHOSTMGR_ENUMHOSTS), 2);
}

static void test_get_host(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = NULL;
	assert_int_equal(ix_get_host(x, NULL, &h), E_INVALIDARG);
	assert_int_equal(ix_get_host(x, "", &h), E_INVALIDARG);
	assert_int_equal(ix_get_host(x, "nobody", &h), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));

	struct dcom_object *t = ix_create(x, "ByIqn");
	const char *iqn = ix_str(x, t, NDR_IHOST_GET_TARGETIQN);
	assert_string_equal(iqn, "iqn.2025-01.org.istmd:testhost-byiqn-target");
	struct IHostMgr_GetHostByTargetIQN *r =
		ix_r(x, MGR, NDR_IHOSTMGR_GETHOSTBYTARGETIQN);
	r->in.TargetIQN = "IQN.2025-01.ORG.ISTMD:TESTHOST-BYIQN-TARGET"; /* RFC 3722 folds case */
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR_GETHOSTBYTARGETIQN, r), S_OK);
	h = ix_object(x, *r->out.ppHost, &idl_iface_IHost, NULL);
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_NAME), "ByIqn");
	r->in.TargetIQN = "iqn.2025-01.org.istmd:nothing";
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR_GETHOSTBYTARGETIQN, r),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_null(*r->out.ppHost);
	r->in.TargetIQN = NULL;
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR_GETHOSTBYTARGETIQN, r), E_INVALIDARG);
	r->in.TargetIQN = "";
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR_GETHOSTBYTARGETIQN, r), E_INVALIDARG);
}

static void test_delete_host(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "doomed"), *g = NULL;
	assert_int_equal(ix_delete_host(x, NULL), E_INVALIDARG);
	assert_int_equal(ix_delete_host(x, ""), E_INVALIDARG);
	assert_int_equal(ix_delete_host(x, "nobody"), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_non_null(fake_backend_target(x->tc->fb, "iqn.2025-01.org.istmd:testhost-doomed-target"));
	assert_int_equal(ix_delete_host(x, "DOOMED"), S_OK);
	assert_null(fake_backend_target(x->tc->fb, "iqn.2025-01.org.istmd:testhost-doomed-target"));
	assert_int_equal(ix_delete_host(x, "doomed"), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(ix_get_host(x, "doomed", &g), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	/* an object on the deleted target keeps its values; Save says it is gone */
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_NAME), "doomed");
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_DESCRIPTION, "too late"), S_OK);
	assert_int_equal(ix_save(x, h), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(count_hosts(x, NDR_IHOSTMGR_ENUMHOSTS), 0);
}

/* IEnumHost over a snapshot of IHost objects, in creation order. */
static void test_enum_hosts(void **state)
{
	struct ix *x = *state;
	const char *names[] = { "first", "second", "third" };
	for (int i = 0; i < 3; i++)
		ix_create(x, names[i]);
	for (uint32_t opnum = NDR_IHOSTMGR_ENUMHOSTS;; opnum = NDR_IHOSTMGR3_ENUMALLCLUSTERHOSTS) {
		struct dcom_object *e = ix_enum(x, x->hosts, MGR, opnum, &idl_iface_IEnumHost);
		struct MInterfacePointer *mip = NULL;
		assert_int_equal(ix_left(x, e, &idl_iface_IEnumHost), 3);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(ix_next(x, e, &idl_iface_IEnumHost, &mip, sizeof(mip)), S_OK);
			struct dcom_object *h = ix_object(x, mip, &idl_iface_IHost, NULL);
			assert_string_equal(ix_str(x, h, NDR_IHOST_GET_NAME), names[i]);
		}
		assert_int_equal(ix_next(x, e, &idl_iface_IEnumHost, &mip, sizeof(mip)), S_FALSE);
		assert_null(mip);
		assert_int_equal(ix_left(x, e, &idl_iface_IEnumHost), 0);
		/* a target created afterwards is not in the snapshot */
		if (opnum == NDR_IHOSTMGR3_ENUMALLCLUSTERHOSTS)
			break;
	}
	struct dcom_object *e = ix_enum(x, x->hosts, MGR, NDR_IHOSTMGR_ENUMHOSTS, &idl_iface_IEnumHost);
	ix_create(x, "fourth");
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumHost), 3);
	/* Skip, Reset, Clone */
	struct IEnumHost_Skip *s = ix_r(x, &idl_iface_IEnumHost, NDR_IENUMHOST_SKIP);
	s->in.ulNumElements = 2;
	assert_int_equal(ix_call(x, e, &idl_iface_IEnumHost, NDR_IENUMHOST_SKIP, s), S_OK);
	struct IEnumHost_Clone *c = ix_r(x, &idl_iface_IEnumHost, NDR_IENUMHOST_CLONE);
	assert_int_equal(ix_call(x, e, &idl_iface_IEnumHost, NDR_IENUMHOST_CLONE, c), S_OK);
	struct dcom_object *clone = ix_object(x, *c->out.ppNewEnum, &idl_iface_IEnumHost, NULL);
	struct MInterfacePointer *mip = NULL;
	assert_int_equal(ix_next(x, clone, &idl_iface_IEnumHost, &mip, sizeof(mip)), S_OK);
	assert_string_equal(ix_str(x, ix_object(x, mip, &idl_iface_IHost, NULL), NDR_IHOST_GET_NAME),
			    "third");
	s->in.ulNumElements = 5;
	assert_int_equal(ix_call(x, e, &idl_iface_IEnumHost, NDR_IENUMHOST_SKIP, s), S_FALSE);
	assert_int_equal(ix_call(x, e, &idl_iface_IEnumHost, NDR_IENUMHOST_RESET,
				 ix_r(x, &idl_iface_IEnumHost, NDR_IENUMHOST_RESET)),
			 S_OK);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumHost), 3);
}

/* The objects of an enumeration and of GetHost go when released. */
static void test_objects_released(void **state)
{
	struct ix *x = *state;
	ix_create(x, "one");
	size_t before = dcom_exporter_num_objects(x->ex);
	struct IHostMgr_GetHost *r = ix_r(x, MGR, NDR_IHOSTMGR_GETHOST);
	r->in.HostName = "one";
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR_GETHOST, r), S_OK);
	struct GUID ipid;
	ix_object(x, *r->out.ppHost, &idl_iface_IHost, &ipid);
	assert_int_equal(dcom_exporter_num_objects(x->ex), before + 1);
	ix_release(x, &ipid);
	assert_int_equal(dcom_exporter_num_objects(x->ex), before);

	struct IHostMgr_EnumHosts *er = ix_r(x, MGR, NDR_IHOSTMGR_ENUMHOSTS);
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR_ENUMHOSTS, er), S_OK);
	ix_object(x, *er->out.ppEnumHost, &idl_iface_IEnumHost, &ipid);
	assert_int_equal(dcom_exporter_num_objects(x->ex), before + 1); /* the enumerator only */
	ix_release(x, &ipid);
	assert_int_equal(dcom_exporter_num_objects(x->ex), before);
}

/* EnumHosts makes no object per target up front: the IHost objects are made
 * as Next hands them out (issue 9, defect 5). */
static void test_enum_hosts_lazy(void **state)
{
	struct ix *x = *state;
	char name[16];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "t%02d", i);
		ix_create(x, name);
	}
	size_t before = dcom_exporter_num_objects(x->ex);
	struct dcom_object *e = ix_enum(x, x->hosts, MGR, NDR_IHOSTMGR_ENUMHOSTS, &idl_iface_IEnumHost);
	assert_int_equal(dcom_exporter_num_objects(x->ex), before + 1); /* the enumerator */
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumHost), 20);
	struct MInterfacePointer *mip = NULL;
	assert_int_equal(ix_next(x, e, &idl_iface_IEnumHost, &mip, sizeof(mip)), S_OK);
	struct dcom_object *h = ix_object(x, mip, &idl_iface_IHost, NULL);
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_NAME), "t00");
	assert_int_equal(dcom_exporter_num_objects(x->ex), before + 2);
}

static void test_host_mgr2(void **state)
{
	struct ix *x = *state;
	struct IHostMgr2_NewHost2 *r = ix_r(x, MGR, NDR_IHOSTMGR2_NEWHOST2);
	/* outside a cluster: no resource group, or none named, is NewHost */
	r->in.HostName = "viaNewHost2";
	r->in.ResourceGroup = NULL;
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR2_NEWHOST2, r), S_OK);
	struct dcom_object *h = ix_object(x, *r->out.ppNewHost, &idl_iface_IHost, NULL);
	assert_int_equal(ix_save(x, h), S_OK);
	r->in.HostName = "viaNewHost2b";
	r->in.ResourceGroup = "";
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR2_NEWHOST2, r), S_OK);
	r->in.ResourceGroup = "Cluster Group";
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR2_NEWHOST2, r), E_INVALIDARG);
	assert_null(*r->out.ppNewHost);
	r->in.ResourceGroup = NULL;
	r->in.HostName = "viaNewHost2";
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR2_NEWHOST2, r),
			 HRESULT_FROM_WIN32(ERROR_FILE_EXISTS));
	r->in.HostName = "bad name";
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR2_NEWHOST2, r),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));

	/* what only a cluster does (docs/compat.md) */
	struct IHostMgr2_NewHostNonPersistent *np = ix_r(x, MGR, NDR_IHOSTMGR2_NEWHOSTNONPERSISTENT);
	np->in.HostName = "volatile";
	np->in.ResourceName = "res";
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR2_NEWHOSTNONPERSISTENT, np), E_NOTIMPL);
	struct IHostMgr2_OpenHost *o = ix_r(x, MGR, NDR_IHOSTMGR2_OPENHOST);
	o->in.ResourceName = "res";
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR2_OPENHOST, o), E_ACCESSDENIED);
	assert_null(*o->out.ppHost);
	struct IHostMgr2_CloseHost *cl = ix_r(x, MGR, NDR_IHOSTMGR2_CLOSEHOST);
	cl->in.HostName = "viaNewHost2";
	assert_int_equal(ix_call(x, x->hosts, MGR, NDR_IHOSTMGR2_CLOSEHOST, cl), E_NOTIMPL);
	assert_int_equal(count_hosts(x, NDR_IHOSTMGR3_ENUMALLCLUSTERHOSTS), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_host_is_a_draft, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_new_host_errors, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_two_drafts_one_name, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_get_host, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_delete_host, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_enum_hosts, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_enum_hosts_lazy, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_objects_released, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_host_mgr2, ix_setup, ix_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
