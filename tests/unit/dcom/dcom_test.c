#include "dcom_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

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

struct done {
	bool done;
	uint32_t hr;
};

static void call_done(void *r, uint32_t hr, void *priv)
{
	struct done *d = priv;
	d->done = true;
	d->hr = hr;
}

uint32_t dcom_test_call_as(struct dcom_test *t, struct dcom_object *obj,
			   const struct idl_interface *iface, uint32_t opnum, void *r,
			   const char *user, bool admin, uint8_t level)
{
	struct done d = { 0 };
	/* ORPCTHIS as a 5.7 client sends it */
	struct ORPCTHIS *orpcthis = r;
	orpcthis->version.MajorVersion = 5;
	orpcthis->version.MinorVersion = 7;
	assert_int_equal(dcom_call_local(t->mem, obj, iface, opnum, r, user, admin, level, call_done,
					 &d),
			 0);
	for (int i = 0; i < 300 && !d.done; i++)
		tevent_loop_once(t->ev);
	assert_true(d.done);
	return d.hr;
}

uint32_t dcom_test_call(struct dcom_test *t, struct dcom_object *obj,
			const struct idl_interface *iface, uint32_t opnum, void *r)
{
	return dcom_test_call_as(t, obj, iface, opnum, r, "alice", true,
				 DCERPC_AUTH_LEVEL_PRIVACY);
}
