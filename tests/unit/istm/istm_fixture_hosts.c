/* The fixture's target management calls: IHostMgr on the managers' singleton,
 * IHost by opnum for the properties of one shape. */
#include "istm_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "istmd/hresult.h"
#include "istmd/utf16.h"

/* ---- IHostMgr ---- */

static uint32_t host_out(struct ix *x, uint32_t hr, struct MInterfacePointer *mip,
			 struct dcom_object **host)
{
	if (hr == S_OK) {
		*host = ix_object(x, mip, &idl_iface_IHost, NULL);
	} else {
		assert_null(mip);
		*host = NULL;
	}
	return hr;
}

uint32_t ix_new_host(struct ix *x, const char *name, struct dcom_object **host)
{
	struct IHostMgr_NewHost *r = ix_r(x, &idl_iface_IHostMgr3, NDR_IHOSTMGR_NEWHOST);
	r->in.HostName = name;
	uint32_t hr = ix_call(x, x->hosts, &idl_iface_IHostMgr3, NDR_IHOSTMGR_NEWHOST, r);
	return host_out(x, hr, *r->out.ppNewHost, host);
}

uint32_t ix_get_host(struct ix *x, const char *name, struct dcom_object **host)
{
	struct IHostMgr_GetHost *r = ix_r(x, &idl_iface_IHostMgr3, NDR_IHOSTMGR_GETHOST);
	r->in.HostName = name;
	uint32_t hr = ix_call(x, x->hosts, &idl_iface_IHostMgr3, NDR_IHOSTMGR_GETHOST, r);
	return host_out(x, hr, *r->out.ppHost, host);
}

uint32_t ix_delete_host(struct ix *x, const char *name)
{
	struct IHostMgr_DeleteHost *r = ix_r(x, &idl_iface_IHostMgr3, NDR_IHOSTMGR_DELETEHOST);
	r->in.HostName = name;
	return ix_call(x, x->hosts, &idl_iface_IHostMgr3, NDR_IHOSTMGR_DELETEHOST, r);
}

struct dcom_object *ix_create(struct ix *x, const char *name)
{
	struct dcom_object *h = NULL;
	assert_int_equal(ix_new_host(x, name, &h), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
	return h;
}

/* ---- IHost ---- */

uint32_t ix_save(struct ix *x, struct dcom_object *host)
{
	return ix_call_void(x, host, NDR_IHOST_SAVE);
}

uint32_t ix_call_void(struct ix *x, struct dcom_object *host, uint32_t opnum)
{
	return ix_call(x, host, HOST, opnum, ix_r(x, HOST, opnum));
}

uint32_t ix_put_str(struct ix *x, struct dcom_object *host, uint32_t opnum, const char *value)
{
	struct IHost_put_Name *r = ix_r(x, HOST, opnum); /* every BSTR setter's shape */
	r->in.Name = value;
	return ix_call(x, host, HOST, opnum, r);
}

uint32_t ix_get_str(struct ix *x, struct dcom_object *host, uint32_t opnum, const char **value)
{
	struct IHost_get_Name *r = ix_r(x, HOST, opnum);
	uint32_t hr = ix_call(x, host, HOST, opnum, r);
	*value = *r->out.pName;
	return hr;
}

const char *ix_str(struct ix *x, struct dcom_object *host, uint32_t opnum)
{
	const char *v = NULL;
	assert_int_equal(ix_get_str(x, host, opnum, &v), S_OK);
	assert_non_null(v);
	return v;
}

uint32_t ix_put_bool(struct ix *x, struct dcom_object *host, uint32_t opnum, bool value)
{
	struct IHost_put_Enable *r = ix_r(x, HOST, opnum);
	r->in.bEnable = value;
	return ix_call(x, host, HOST, opnum, r);
}

bool ix_bool(struct ix *x, struct dcom_object *host, uint32_t opnum)
{
	struct IHost_get_Enable *r = ix_r(x, HOST, opnum);
	assert_int_equal(ix_call(x, host, HOST, opnum, r), S_OK);
	return *r->out.pEnable != 0;
}

uint32_t ix_put_u32(struct ix *x, struct dcom_object *host, uint32_t opnum, uint32_t value)
{
	struct IHost_put_NumRecvBuffers *r = ix_r(x, HOST, opnum);
	r->in.nNumBuffers = value;
	return ix_call(x, host, HOST, opnum, r);
}

uint32_t ix_u32(struct ix *x, struct dcom_object *host, uint32_t opnum)
{
	struct IHost_get_NumRecvBuffers *r = ix_r(x, HOST, opnum);
	assert_int_equal(ix_call(x, host, HOST, opnum, r), S_OK);
	return *r->out.pNumBuffers;
}

uint32_t ix_call_u32(struct ix *x, struct dcom_object *host, uint32_t opnum, uint32_t value)
{
	struct IHost_AddWTDisk *r = ix_r(x, HOST, opnum);
	r->in.nWTD = value;
	return ix_call(x, host, HOST, opnum, r);
}

uint32_t ix_id(struct ix *x, struct dcom_object *host, uint32_t opnum, int method,
	       const char *value)
{
	struct IHost_AddID *r = ix_r(x, HOST, opnum);
	r->in.pIDMethod = talloc_zero(r, struct ID);
	r->in.pIDMethod->eMethod = (enum IDMethod)method;
	assert_int_equal(WSTR_SET(r->in.pIDMethod->szValue, value), 0);
	return ix_call(x, host, HOST, opnum, r);
}

uint32_t ix_disk(struct ix *x, const char *file, uint64_t size)
{
	uint32_t wtd = 0;
	assert_int_equal(tc_create_disk(x->tc, file, size, &wtd), 0);
	return wtd;
}
