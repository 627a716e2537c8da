#include "istm_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/exporter.h"
#include "dcom/internal.h"
#include "istm/istm.h"
#include "istmd/hresult.h"
#include "istmd/workpool.h"

static struct iscsi_portal configured_portal = { "127.0.0.2", 3260 };
unsigned ix_max_luns;

static struct dcom_object *manager(struct ix *x, const char *clsid)
{
	struct GUID g;
	assert_true(NT_STATUS_IS_OK(GUID_from_string(clsid, &g)));
	struct dcom_object *obj = dcom_exporter_find_clsid(x->ex, &g);
	assert_non_null(obj);
	return obj;
}

/* The exporter and the ISTM managers over x->tc's core. */
static void start_istm(struct ix *x)
{
	struct dcom_config config;
	dcom_config_defaults(&config);
	char *err = NULL;
	x->ex = dcom_exporter_new(x, x->tc->ev, NULL, &config, DCERPC_AUTH_LEVEL_INTEGRITY, &err);
	assert_non_null(x->ex);
	struct istm_deps deps = {
		.ev = x->tc->ev,
		.core = x->tc->core,
		.storage = x->tc->sp,
		.pool = x->pool,
		.backend = x->tc->fb ? &x->tc->fb->base : NULL,
	};
	x->istm = istm_start(x, x->ex, &deps, &err);
	assert_non_null(x->istm);
	x->general = manager(x, "baa4a577-202d-49c7-a6bb-10ee914ee199");
	x->devices = manager(x, "f1d3a46c-2e1b-4d84-97da-b3742ad67871");
	x->disks = manager(x, "0144084b-e09e-4f45-a56b-dcdc9f379f5e");
	x->hosts = manager(x, "e14efe0b-fd3b-41ea-8e3b-88930445b944");
}

/* Objects first (their drafts), then the exporter. */
static void stop_istm(struct ix *x)
{
	TALLOC_FREE(x->mem);
	TALLOC_FREE(x->istm);
	TALLOC_FREE(x->ex);
}

struct ix *ix_new(bool with_backend)
{
	struct ix *x = talloc_zero(NULL, struct ix);
	assert_non_null(x);
	x->tc = tc_new(with_backend);
	talloc_steal(x, x->tc);
	if (with_backend) {
		x->tc->fb->base.portals = &configured_portal;
		x->tc->fb->base.n_portals = 1;
		if (ix_max_luns != 0)
			x->tc->fb->base.caps.max_luns_per_target = ix_max_luns;
	}
	assert_int_equal(tc_open(x->tc), 0);
	x->pool = workpool_create(x, x->tc->ev, 2);
	assert_non_null(x->pool);
	x->mem = talloc_new(x);
	start_istm(x);
	return x;
}

void ix_free(struct ix *x)
{
	if (x == NULL)
		return;
	stop_istm(x);
	TALLOC_FREE(x->pool); /* before the event loop goes */
	tc_free(x->tc);
	talloc_free(x);
}

int ix_setup(void **state)
{
	ix_max_luns = 0;
	*state = ix_new(true);
	return 0;
}

int ix_setup_no_backend(void **state)
{
	ix_max_luns = 0;
	*state = ix_new(false);
	return 0;
}

int ix_teardown(void **state)
{
	ix_free(*state);
	return 0;
}

void ix_restart(struct ix *x)
{
	stop_istm(x);
	tc_close(x->tc);
	assert_int_equal(tc_open(x->tc), 0);
	x->mem = talloc_new(x);
	start_istm(x);
}

char *ix_path(struct ix *x, const char *name)
{
	return tc_path(x->tc, name);
}

/* ---- calls ---- */

void *ix_r(struct ix *x, const struct idl_interface *iface, uint32_t opnum)
{
	assert_true(opnum < iface->table->num_calls);
	void *r = talloc_zero_size(x->mem, iface->table->calls[opnum].struct_size);
	assert_non_null(r);
	return r;
}

void ix_call_start(struct ix *x, TALLOC_CTX *mem, struct dcom_object *obj,
		   const struct idl_interface *iface, uint32_t opnum, void *r,
		   struct dcom_test_pending *p)
{
	dcom_test_prepare(iface, opnum, r);
	dcom_test_start(mem, obj, iface, opnum, r, "alice", true, DCERPC_AUTH_LEVEL_PRIVACY, p);
}

static void expire(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		   void *priv)
{
	*(bool *)priv = true;
}

void ix_wait(struct ix *x, struct dcom_test_pending *p)
{
	bool expired = false;
	struct tevent_timer *te = tevent_add_timer(x->tc->ev, x->mem,
						   tevent_timeval_current_ofs(20, 0), expire, &expired);
	while (!p->done && !expired)
		assert_int_equal(tevent_loop_once(x->tc->ev), 0);
	talloc_free(te);
	assert_true(p->done);
}

uint32_t ix_call_as(struct ix *x, struct dcom_object *obj, const struct idl_interface *iface,
		    uint32_t opnum, void *r, const char *user, bool admin, uint8_t level)
{
	struct dcom_test_pending p;
	dcom_test_prepare(iface, opnum, r);
	dcom_test_start(x->mem, obj, iface, opnum, r, user, admin, level, &p);
	ix_wait(x, &p);
	return p.hr;
}

uint32_t ix_call(struct ix *x, struct dcom_object *obj, const struct idl_interface *iface,
		 uint32_t opnum, void *r)
{
	return ix_call_as(x, obj, iface, opnum, r, "alice", true, DCERPC_AUTH_LEVEL_PRIVACY);
}

struct dcom_object *ix_object(struct ix *x, const struct MInterfacePointer *mip,
			      const struct idl_interface *iface, struct GUID *ipid)
{
	return dcom_test_object(x->mem, x->ex, mip, iface, ipid);
}

void ix_release(struct ix *x, const struct GUID *ipid)
{
	struct dcom_ipid *entry = dcom_ipid_find(x->ex, ipid);
	assert_non_null(entry);
	dcom_ipid_release(entry, dcom_peer_get(x->ex, NULL, "alice"), 5, 0); /* ix_call's caller */
}

/* ---- enumerations ---- */

struct dcom_object *ix_enum(struct ix *x, struct dcom_object *obj,
			    const struct idl_interface *iface, uint32_t opnum,
			    const struct idl_interface *enum_iface)
{
	struct IHost_EnumIDs *r = ix_r(x, iface, opnum); /* every Enum method's shape */
	assert_int_equal(ix_call(x, obj, iface, opnum, r), S_OK);
	return ix_object(x, *r->out.ppEnumIDMethod, enum_iface, NULL);
}

uint32_t ix_next(struct ix *x, struct dcom_object *e, const struct idl_interface *enum_iface,
		 void *element, size_t size)
{
	struct IEnumIDMethod_Next *r = ix_r(x, enum_iface, 3); /* Next is opnum 3 of all */
	r->in.ulNumElements = 1;
	r->in.pElements = talloc_zero_size(r, size);
	uint32_t hr = ix_call(x, e, enum_iface, 3, r);
	assert_int_equal(*r->out.pNumElementsReturned, hr == S_OK ? 1 : 0);
	memcpy(element, r->out.pElements, size);
	return hr;
}

uint32_t ix_left(struct ix *x, struct dcom_object *e, const struct idl_interface *enum_iface)
{
	struct IEnumIDMethod_Next *r = ix_r(x, enum_iface, 3);
	r->in.ulNumElements = 0;
	r->in.pElements = talloc_zero_size(r, 4096); /* larger than any element */
	ix_call(x, e, enum_iface, 3, r);
	return *r->out.pNumElementsReturned;
}
