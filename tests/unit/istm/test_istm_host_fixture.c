#include "test_istm_host_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/exporter.h"
#include "dcom/internal.h"
#include "dcom/objref.h"
#include "idl/ndr_ms_dcom.h"
#include "istm/istm.h"
#include "istmd/hresult.h"
#include "istmd/utf16.h"

#define CLSID_HOSTMGR "e14efe0b-fd3b-41ea-8e3b-88930445b944"

static struct iscsi_portal configured_portal = { "127.0.0.2", 3260 };
unsigned hx_max_luns;

/* The exporter and the ISTM managers over x->tc's core. */
static void start_istm(struct hx *x)
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
		.backend = x->tc->fb ? &x->tc->fb->base : NULL,
	};
	x->istm = istm_start(x, x->ex, &deps, &err);
	assert_non_null(x->istm);
	struct GUID clsid;
	assert_true(NT_STATUS_IS_OK(GUID_from_string(CLSID_HOSTMGR, &clsid)));
	x->mgr = dcom_exporter_find_clsid(x->ex, &clsid);
	assert_non_null(x->mgr);
}

struct hx *hx_new(bool with_backend)
{
	struct hx *x = talloc_zero(NULL, struct hx);
	assert_non_null(x);
	x->tc = tc_new(with_backend);
	talloc_steal(x, x->tc);
	if (with_backend) {
		x->tc->fb->base.portals = &configured_portal;
		x->tc->fb->base.n_portals = 1;
		if (hx_max_luns != 0)
			x->tc->fb->base.caps.max_luns_per_target = hx_max_luns;
	}
	assert_int_equal(tc_open(x->tc), 0);
	x->mem = talloc_new(x);

	start_istm(x);
	return x;
}

int hx_setup(void **state)
{
	hx_max_luns = 0;
	*state = hx_new(true);
	return 0;
}

int hx_teardown(void **state)
{
	hx_free(*state);
	return 0;
}

void hx_restart(struct hx *x)
{
	TALLOC_FREE(x->mem);
	TALLOC_FREE(x->istm);
	TALLOC_FREE(x->ex);
	tc_close(x->tc);
	assert_int_equal(tc_open(x->tc), 0);
	x->mem = talloc_new(x);
	start_istm(x);
}

void hx_free(struct hx *x)
{
	/* objects first (their drafts), then the core */
	TALLOC_FREE(x->mem);
	TALLOC_FREE(x->istm);
	TALLOC_FREE(x->ex);
	tc_free(x->tc);
	talloc_free(x);
}

void *hx_r(struct hx *x, const struct idl_interface *iface, uint32_t opnum)
{
	assert_true(opnum < iface->table->num_calls);
	void *r = talloc_zero_size(x->mem, iface->table->calls[opnum].struct_size);
	assert_non_null(r);
	return r;
}

static void call_done(void *r, uint32_t hr, void *priv)
{
	struct hx_pending *p = priv;
	p->done = true;
	p->hr = hr;
}

static void expire(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		   void *priv)
{
	*(bool *)priv = true;
}

void hx_call_start(struct hx *x, TALLOC_CTX *mem, struct dcom_object *obj,
		   const struct idl_interface *iface, uint32_t opnum, void *r,
		   struct hx_pending *p)
{
	assert_true(iface->init_out[opnum](r, r));
	struct ORPCTHIS *orpcthis = r; /* as a 5.7 client sends it */
	orpcthis->version.MajorVersion = 5;
	orpcthis->version.MinorVersion = 7;
	*p = (struct hx_pending){ 0 };
	assert_int_equal(dcom_call_local(mem, obj, iface, opnum, r, "alice", true,
					 DCERPC_AUTH_LEVEL_PRIVACY, call_done, p),
			 0);
}

void hx_wait(struct hx *x, struct hx_pending *p)
{
	bool expired = false;
	struct tevent_timer *te = tevent_add_timer(x->tc->ev, x->mem,
						   tevent_timeval_current_ofs(20, 0), expire, &expired);
	while (!p->done && !expired)
		assert_int_equal(tevent_loop_once(x->tc->ev), 0);
	talloc_free(te);
	assert_true(p->done);
}

uint32_t hx_call(struct hx *x, struct dcom_object *obj, const struct idl_interface *iface,
		 uint32_t opnum, void *r)
{
	struct hx_pending p;
	hx_call_start(x, x->mem, obj, iface, opnum, r, &p);
	hx_wait(x, &p);
	return p.hr;
}

struct dcom_object *hx_object(struct hx *x, struct MInterfacePointer *mip,
			      const struct idl_interface *iface, struct GUID *ipid)
{
	struct OBJREF o;
	assert_non_null(mip);
	assert_int_equal(dcom_objref_pull(x->mem, mip, &o), 0);
	assert_true(GUID_equal(&o.iid, &iface->table->syntax_id.uuid));
	struct dcom_ipid *entry = dcom_ipid_find(x->ex, &o.u_objref.u_standard.std.ipid);
	assert_non_null(entry);
	if (ipid != NULL)
		*ipid = entry->ipid;
	return entry->obj;
}

void hx_release(struct hx *x, const struct GUID *ipid)
{
	struct dcom_ipid *entry = dcom_ipid_find(x->ex, ipid);
	assert_non_null(entry);
	dcom_ipid_release(entry, 5, 0, NULL);
}

/* ---- IHostMgr ---- */

static uint32_t host_out(struct hx *x, uint32_t hr, struct MInterfacePointer *mip,
			 struct dcom_object **host)
{
	if (hr == S_OK) {
		*host = hx_object(x, mip, &idl_iface_IHost, NULL);
	} else {
		assert_null(mip);
		*host = NULL;
	}
	return hr;
}

uint32_t hx_new_host(struct hx *x, const char *name, struct dcom_object **host)
{
	struct IHostMgr_NewHost *r = hx_r(x, &idl_iface_IHostMgr3, NDR_IHOSTMGR_NEWHOST);
	r->in.HostName = name;
	uint32_t hr = hx_call(x, x->mgr, &idl_iface_IHostMgr3, NDR_IHOSTMGR_NEWHOST, r);
	return host_out(x, hr, *r->out.ppNewHost, host);
}

uint32_t hx_get_host(struct hx *x, const char *name, struct dcom_object **host)
{
	struct IHostMgr_GetHost *r = hx_r(x, &idl_iface_IHostMgr3, NDR_IHOSTMGR_GETHOST);
	r->in.HostName = name;
	uint32_t hr = hx_call(x, x->mgr, &idl_iface_IHostMgr3, NDR_IHOSTMGR_GETHOST, r);
	return host_out(x, hr, *r->out.ppHost, host);
}

uint32_t hx_delete_host(struct hx *x, const char *name)
{
	struct IHostMgr_DeleteHost *r = hx_r(x, &idl_iface_IHostMgr3, NDR_IHOSTMGR_DELETEHOST);
	r->in.HostName = name;
	return hx_call(x, x->mgr, &idl_iface_IHostMgr3, NDR_IHOSTMGR_DELETEHOST, r);
}

struct dcom_object *hx_create(struct hx *x, const char *name)
{
	struct dcom_object *h = NULL;
	assert_int_equal(hx_new_host(x, name, &h), S_OK);
	assert_int_equal(hx_save(x, h), S_OK);
	return h;
}

/* ---- IHost ---- */

uint32_t hx_save(struct hx *x, struct dcom_object *host)
{
	return hx_call_void(x, host, NDR_IHOST_SAVE);
}

uint32_t hx_call_void(struct hx *x, struct dcom_object *host, uint32_t opnum)
{
	return hx_call(x, host, HOST, opnum, hx_r(x, HOST, opnum));
}

uint32_t hx_put_str(struct hx *x, struct dcom_object *host, uint32_t opnum, const char *value)
{
	struct IHost_put_Name *r = hx_r(x, HOST, opnum); /* every BSTR setter's shape */
	r->in.Name = value;
	return hx_call(x, host, HOST, opnum, r);
}

uint32_t hx_get_str(struct hx *x, struct dcom_object *host, uint32_t opnum, const char **value)
{
	struct IHost_get_Name *r = hx_r(x, HOST, opnum);
	uint32_t hr = hx_call(x, host, HOST, opnum, r);
	*value = *r->out.pName;
	return hr;
}

const char *hx_str(struct hx *x, struct dcom_object *host, uint32_t opnum)
{
	const char *v = NULL;
	assert_int_equal(hx_get_str(x, host, opnum, &v), S_OK);
	assert_non_null(v);
	return v;
}

uint32_t hx_put_bool(struct hx *x, struct dcom_object *host, uint32_t opnum, bool value)
{
	struct IHost_put_Enable *r = hx_r(x, HOST, opnum);
	r->in.bEnable = value;
	return hx_call(x, host, HOST, opnum, r);
}

bool hx_bool(struct hx *x, struct dcom_object *host, uint32_t opnum)
{
	struct IHost_get_Enable *r = hx_r(x, HOST, opnum);
	assert_int_equal(hx_call(x, host, HOST, opnum, r), S_OK);
	return *r->out.pEnable != 0;
}

uint32_t hx_put_u32(struct hx *x, struct dcom_object *host, uint32_t opnum, uint32_t value)
{
	struct IHost_put_NumRecvBuffers *r = hx_r(x, HOST, opnum);
	r->in.nNumBuffers = value;
	return hx_call(x, host, HOST, opnum, r);
}

uint32_t hx_u32(struct hx *x, struct dcom_object *host, uint32_t opnum)
{
	struct IHost_get_NumRecvBuffers *r = hx_r(x, HOST, opnum);
	assert_int_equal(hx_call(x, host, HOST, opnum, r), S_OK);
	return *r->out.pNumBuffers;
}

uint32_t hx_call_u32(struct hx *x, struct dcom_object *host, uint32_t opnum, uint32_t value)
{
	struct IHost_AddWTDisk *r = hx_r(x, HOST, opnum);
	r->in.nWTD = value;
	return hx_call(x, host, HOST, opnum, r);
}

uint32_t hx_id(struct hx *x, struct dcom_object *host, uint32_t opnum, int method,
	       const char *value)
{
	struct IHost_AddID *r = hx_r(x, HOST, opnum);
	r->in.pIDMethod = talloc_zero(r, struct ID);
	r->in.pIDMethod->eMethod = (enum IDMethod)method;
	assert_int_equal(WSTR_SET(r->in.pIDMethod->szValue, value), 0);
	return hx_call(x, host, HOST, opnum, r);
}

/* ---- enumerations ---- */

struct dcom_object *hx_enum(struct hx *x, struct dcom_object *obj,
			    const struct idl_interface *iface, uint32_t opnum,
			    const struct idl_interface *enum_iface)
{
	struct IHost_EnumIDs *r = hx_r(x, iface, opnum); /* every Enum method's shape */
	assert_int_equal(hx_call(x, obj, iface, opnum, r), S_OK);
	return hx_object(x, *r->out.ppEnumIDMethod, enum_iface, NULL);
}

uint32_t hx_next(struct hx *x, struct dcom_object *e, const struct idl_interface *enum_iface,
		 void *element, size_t size)
{
	struct IEnumIDMethod_Next *r = hx_r(x, enum_iface, 3); /* Next is opnum 3 of all */
	r->in.ulNumElements = 1;
	r->in.pElements = talloc_zero_size(r, size);
	uint32_t hr = hx_call(x, e, enum_iface, 3, r);
	assert_int_equal(*r->out.pNumElementsReturned, hr == S_OK ? 1 : 0);
	memcpy(element, r->out.pElements, size);
	return hr;
}

uint32_t hx_left(struct hx *x, struct dcom_object *e, const struct idl_interface *enum_iface)
{
	struct IEnumIDMethod_Next *r = hx_r(x, enum_iface, 3);
	r->in.ulNumElements = 0;
	r->in.pElements = talloc_zero_size(r, 4096); /* larger than any element */
	hx_call(x, e, enum_iface, 3, r);
	return *r->out.pNumElementsReturned;
}

uint32_t hx_disk(struct hx *x, const char *file, uint64_t size)
{
	uint32_t wtd = 0;
	assert_int_equal(tc_create_disk(x->tc, file, size, &wtd), 0);
	return wtd;
}
