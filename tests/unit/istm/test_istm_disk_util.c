#include "test_istm_disk_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/exporter.h"
#include "dcom/internal.h"
#include "dcom/objref.h"
#include "istmd/workpool.h"

static const char *const clsids[] = {
	"baa4a577-202d-49c7-a6bb-10ee914ee199", /* WTGeneral */
	"f1d3a46c-2e1b-4d84-97da-b3742ad67871", /* LocalDeviceMgr */
	"0144084b-e09e-4f45-a56b-dcdc9f379f5e", /* WTDiskMgr */
};

static struct dcom_object *manager(struct it *f, const char *clsid)
{
	struct GUID g;
	assert_true(NT_STATUS_IS_OK(GUID_from_string(clsid, &g)));
	struct dcom_object *obj = dcom_exporter_find_clsid(f->t->ex, &g);
	assert_non_null(obj);
	return obj;
}

struct it *it_new(bool with_backend)
{
	struct it *f = talloc_zero(NULL, struct it);
	assert_non_null(f);
	f->tc = tc_new(with_backend);
	assert_int_equal(tc_open(f->tc), 0);

	f->t = talloc_zero(f, struct dcom_test);
	assert_non_null(f->t);
	f->t->mem = talloc_new(f->t);
	f->t->ev = f->tc->ev;
	struct dcom_config config;
	dcom_config_defaults(&config);
	config.max_objects = 100000;
	char *err = NULL;
	f->t->ex = dcom_exporter_new(f->t, f->t->ev, NULL, &config, DCERPC_AUTH_LEVEL_INTEGRITY,
				     &err);
	assert_non_null(f->t->ex);

	struct istm_deps deps = {
		.ev = f->tc->ev,
		.core = f->tc->core,
		.storage = f->tc->sp,
		.pool = workpool_create(f, f->tc->ev, 2),
		.backend = f->tc->fb ? &f->tc->fb->base : NULL,
	};
	assert_non_null(deps.pool);
	f->istm = istm_start(f, f->t->ex, &deps, &err);
	assert_non_null(f->istm);
	f->general = manager(f, clsids[0]);
	f->devices = manager(f, clsids[1]);
	f->disks = manager(f, clsids[2]);
	return f;
}

void it_free(struct it *f)
{
	if (f == NULL)
		return;
	TALLOC_FREE(f->istm);
	TALLOC_FREE(f->t); /* the exporter and its objects */
	struct tc *tc = f->tc;
	talloc_free(f); /* the worker pool, before the event loop goes */
	tc_free(tc);
}

int it_setup(void **state)
{
	*state = it_new(false);
	return 0;
}

int it_setup_backend(void **state)
{
	*state = it_new(true);
	return 0;
}

int it_teardown(void **state)
{
	it_free(*state);
	return 0;
}

void *it_r(struct it *f, const struct idl_interface *iface, uint32_t opnum)
{
	return dcom_test_new_r(f->t->mem, iface, opnum);
}

uint32_t it_call(struct it *f, struct dcom_object *obj, const struct idl_interface *iface,
		 uint32_t opnum, void *r)
{
	dcom_test_prepare(iface, opnum, r);
	return dcom_test_call(f->t, obj, iface, opnum, r);
}

struct dcom_object *it_object(struct it *f, const struct MInterfacePointer *mip,
			      const struct idl_interface *iface)
{
	struct OBJREF o;
	assert_non_null(mip);
	assert_int_equal(dcom_objref_pull(f->t->mem, mip, &o), 0);
	assert_true(GUID_equal(&o.iid, &iface->table->syntax_id.uuid));
	struct dcom_ipid *entry = dcom_ipid_find(f->t->ex, &o.u_objref.u_standard.std.ipid);
	assert_non_null(entry);
	return entry->obj;
}

char *it_path(struct it *f, const char *name)
{
	return tc_path(f->tc, name);
}
