#include "dcom_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/internal.h"
#include "dcom/objref.h"
#include "idl/ndr_ms_dcom.h"

static uint64_t fake_clock(void *priv)
{
	return ((struct dcom_test *)priv)->now_ms;
}

struct dcom_test *dcom_test_new(void)
{
	struct dcom_test *t = talloc_zero(NULL, struct dcom_test);
	assert_non_null(t);
	t->mem = talloc_new(t);
	t->ev = tevent_context_init(t);
	assert_non_null(t->ev);
	struct dcom_config config;
	dcom_config_defaults(&config);
	config.ping_period = 1;
	config.ping_timeout_periods = 3;
	config.max_objects = 1000;
	config.max_objects_per_client = 100;
	config.max_ping_sets_per_account = 4;
	char *err = NULL;
	t->ex = dcom_exporter_new(t, t->ev, NULL, &config, DCERPC_AUTH_LEVEL_INTEGRITY, &err);
	assert_non_null(t->ex);
	t->now_ms = 1000000;
	dcom_exporter_set_clock(t->ex, fake_clock, t);
	return t;
}

void dcom_test_free(struct dcom_test *t)
{
	talloc_free(t);
}

void dcom_test_advance(struct dcom_test *t, uint64_t ms)
{
	t->now_ms += ms;
}

void *dcom_test_new_r(TALLOC_CTX *mem, const struct idl_interface *iface, uint32_t opnum)
{
	assert_true(opnum < iface->table->num_calls);
	void *r = talloc_zero_size(mem, iface->table->calls[opnum].struct_size);
	assert_non_null(r);
	return r;
}

void dcom_test_prepare(const struct idl_interface *iface, uint32_t opnum, void *r)
{
	assert_true(iface->init_out[opnum](r, r));
}

static void call_done(void *r, uint32_t hr, void *priv)
{
	struct dcom_test_pending *p = priv;
	p->done = true;
	p->hr = hr;
}

void dcom_test_start(TALLOC_CTX *mem, struct dcom_object *obj, const struct idl_interface *iface,
		     uint32_t opnum, void *r, const char *user, bool admin, uint8_t level,
		     struct dcom_test_pending *p)
{
	struct ORPCTHIS *orpcthis = r; /* the first [in] of every [object] method */
	orpcthis->version.MajorVersion = 5;
	orpcthis->version.MinorVersion = 7;
	*p = (struct dcom_test_pending){ 0 };
	assert_int_equal(dcom_call_local(mem, obj, iface, opnum, r, user, admin, level, call_done,
					 p),
			 0);
}

uint32_t dcom_test_call_as(struct dcom_test *t, struct dcom_object *obj,
			   const struct idl_interface *iface, uint32_t opnum, void *r,
			   const char *user, bool admin, uint8_t level)
{
	struct dcom_test_pending p;
	dcom_test_start(t->mem, obj, iface, opnum, r, user, admin, level, &p);
	for (int i = 0; i < 300 && !p.done; i++)
		tevent_loop_once(t->ev);
	assert_true(p.done);
	return p.hr;
}

uint32_t dcom_test_call(struct dcom_test *t, struct dcom_object *obj,
			const struct idl_interface *iface, uint32_t opnum, void *r)
{
	return dcom_test_call_as(t, obj, iface, opnum, r, "alice", true,
				 DCERPC_AUTH_LEVEL_PRIVACY);
}

void dcom_test_release(struct dcom_test *t, const struct GUID *ipid)
{
	struct dcom_ipid *entry = dcom_ipid_find(t->ex, ipid);
	assert_non_null(entry);
	dcom_ipid_release(entry, dcom_peer_get(t->ex, NULL, "alice"), 5, 0);
}

struct dcom_object *dcom_test_object(TALLOC_CTX *mem, struct dcom_exporter *ex,
				     const struct MInterfacePointer *mip,
				     const struct idl_interface *iface, struct GUID *ipid)
{
	struct OBJREF o;
	assert_non_null(mip);
	assert_int_equal(dcom_objref_pull(mem, mip, &o), 0);
	if (iface != NULL)
		assert_true(GUID_equal(&o.iid, &iface->table->syntax_id.uuid));
	struct dcom_ipid *entry = dcom_ipid_find(ex, &o.u_objref.u_standard.std.ipid);
	assert_non_null(entry);
	if (ipid != NULL)
		*ipid = entry->ipid;
	return entry->obj;
}
