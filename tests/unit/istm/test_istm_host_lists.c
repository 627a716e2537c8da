/* IHost's lists (MS-ISTM 3.21.4.40-3.21.4.52): initiator IDs and
 * IEnumIDMethod, LUN mappings and IEnumWTDiskLunMapping (at least 256 LUNs),
 * portals and IEnumPortal, ListenAllNetworkAdapters; what Save makes of them
 * in the live target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "istmd/hresult.h"
#include "istmd/utf16.h"
#include "istm_fixture.h"


/* ---- initiator IDs ---- */

static void test_ids(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "ids");
	/* 4.4 */
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDIQN, "iqn.1991-05.com.contoso:test-server"),
			 S_OK);
	/* present already (names fold case): S_OK, one entry */
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDIQN, "iqn.1991-05.COM.CONTOSO:TEST-SERVER"),
			 S_OK);
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDIPAddress, "192.0.2.7"), S_OK);
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDIPAddress, "198.51.100.0/24"), S_OK);
	/* note <1>'s form, stored canonical */
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDIPv6Address,
			       "21DA:D3:0:2F3B:2AA:FF:FE28:9C5A"),
			 S_OK);
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDDNSName, "LocalHost."), S_OK);
	/* syntax */
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDIQN, "not an iqn"),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDIPAddress, "300.1.1.1"),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDIPv6Address, "192.0.2.1"),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDDNSName, "bad_name.example"),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDIQN, ""),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	/* what the target cannot enforce is refused, not ignored */
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDMACAddress, "00-15-5D-01-02-03"),
			 HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDNetBiosName, "WORKSTATION"),
			 HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
	/* reserved method values (3.1.4.2.4) */
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDInvalid, "x"), E_INVALIDARG);
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, 6, "x"), E_INVALIDARG);
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, 0xffff, "x"), E_INVALIDARG);
	/* text that is not UTF-16: an unpaired surrogate */
	struct IHost_AddID *r = ix_r(x, HOST, NDR_IHOST_ADDID);
	r->in.pIDMethod = talloc_zero(r, struct ID);
	r->in.pIDMethod->eMethod = IDIQN;
	r->in.pIDMethod->szValue[0] = 0xd800;
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_ADDID, r), E_INVALIDARG);

	const struct {
		int method;
		const char *value;
	} want[] = {
		{ IDIQN, "iqn.1991-05.com.contoso:test-server" },
		{ IDIPAddress, "192.0.2.7" },
		{ IDIPAddress, "198.51.100.0/24" },
		{ IDIPv6Address, "21da:d3:0:2f3b:2aa:ff:fe28:9c5a" },
		{ IDDNSName, "localhost" },
	};
	struct dcom_object *e = ix_enum(x, h, HOST, NDR_IHOST_ENUMIDS, &idl_iface_IEnumIDMethod);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumIDMethod), 5);
	for (int i = 0; i < 5; i++) {
		struct ID id;
		assert_int_equal(ix_next(x, e, &idl_iface_IEnumIDMethod, &id, sizeof(id)), S_OK);
		assert_int_equal(id.eMethod, want[i].method);
		assert_string_equal(WSTR_GET(x->mem, id.szValue), want[i].value);
	}
	struct ID id;
	assert_int_equal(ix_next(x, e, &idl_iface_IEnumIDMethod, &id, sizeof(id)), S_FALSE);

	assert_int_equal(ix_save(x, h), S_OK);
	struct iscsi_target *live = fake_backend_target(x->tc->fb, IQN_OF("ids"));
	assert_non_null(live);
	assert_true(live->n_acl >= 4); /* localhost resolves from /etc/hosts */
	assert_int_equal(live->acl[0].kind, ISCSI_ACL_IQN);
	assert_string_equal(live->acl[0].value, "iqn.1991-05.com.contoso:test-server");

	/* RemoveID: absent or malformed is S_OK (3.21.4.42); reserved is not */
	assert_int_equal(ix_id(x, h, NDR_IHOST_REMOVEID, IDIQN, "iqn.2000-01.com.example:absent"),
			 S_OK);
	assert_int_equal(ix_id(x, h, NDR_IHOST_REMOVEID, IDIPAddress, "garbage"), S_OK);
	assert_int_equal(ix_id(x, h, NDR_IHOST_REMOVEID, 7, "x"), E_INVALIDARG);
	assert_int_equal(ix_id(x, h, NDR_IHOST_REMOVEID, IDIPv6Address,
			       "21da:00d3:0000:2f3b:02aa:00ff:fe28:9c5a"),
			 S_OK);
	e = ix_enum(x, h, HOST, NDR_IHOST_ENUMIDS, &idl_iface_IEnumIDMethod);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumIDMethod), 4);
	assert_int_equal(ix_call_void(x, h, NDR_IHOST_REMOVEALLIDS), S_OK);
	e = ix_enum(x, h, HOST, NDR_IHOST_ENUMIDS, &idl_iface_IEnumIDMethod);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumIDMethod), 0);
	assert_int_equal(ix_save(x, h), S_OK);
	/* nobody may log in now */
	live = fake_backend_target(x->tc->fb, IQN_OF("ids"));
	assert_int_equal(live->n_acl, 0);
	/* IQN "*": everybody */
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDIQN, "*"), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
	live = fake_backend_target(x->tc->fb, IQN_OF("ids"));
	assert_int_equal(live->n_acl, 1);
	assert_int_equal(live->acl[0].kind, ISCSI_ACL_ANY);
}

/* ---- LUN mappings ---- */

static void enum_luns(struct ix *x, struct dcom_object *h, size_t n, const uint32_t *luns,
		      const uint32_t *wtds)
{
	struct dcom_object *e =
		ix_enum(x, h, HOST, NDR_IHOST_ENUMWTDISKLUNMAPPINGS, &idl_iface_IEnumWTDiskLunMapping);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumWTDiskLunMapping), n);
	for (size_t i = 0; i < n; i++) {
		struct LUN_MAPPING m;
		assert_int_equal(ix_next(x, e, &idl_iface_IEnumWTDiskLunMapping, &m, sizeof(m)), S_OK);
		assert_int_equal(m.dwLun, luns[i]);
		assert_int_equal(m.dwWTD, wtds[i]);
	}
}

static void test_luns(void **state)
{
	struct ix *x = *state;
	uint32_t d1 = ix_disk(x, "one.vhd", 1 << 20), d2 = ix_disk(x, "two.vhd", 1 << 20),
		 d3 = ix_disk(x, "three.vhd", 1 << 20);
	struct dcom_object *h = ix_create(x, "luns");
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, 999),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	/* the first free LUN of the backend's range (tgt's starts at 1) */
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, d1), S_OK);
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, d2), S_OK);
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, d1), S_OK); /* assigned already */
	enum_luns(x, h, 2, (uint32_t[]){ 1, 2 }, (uint32_t[]){ d1, d2 });

	struct IHost_SetWTDiskLunMapping *r = ix_r(x, HOST, NDR_IHOST_SETWTDISKLUNMAPPING);
	r->in.nWTD = d1;
	r->in.nNewLun = 0; /* tgt's controller */
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_SETWTDISKLUNMAPPING, r), E_INVALIDARG);
	r->in.nNewLun = 16384;
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_SETWTDISKLUNMAPPING, r), E_INVALIDARG);
	r->in.nNewLun = 2;
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_SETWTDISKLUNMAPPING, r),
			 HRESULT_FROM_WIN32(ERROR_FILE_EXISTS));
	r->in.nWTD = d3; /* LUN 2 taken is said before "not assigned" (3.21.4.48's order) */
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_SETWTDISKLUNMAPPING, r),
			 HRESULT_FROM_WIN32(ERROR_FILE_EXISTS));
	r->in.nNewLun = 7;
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_SETWTDISKLUNMAPPING, r),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	r->in.nWTD = d1;
	r->in.nNewLun = 7;
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_SETWTDISKLUNMAPPING, r), S_OK);
	r->in.nNewLun = 7; /* its own LUN again */
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_SETWTDISKLUNMAPPING, r), S_OK);
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, d3), S_OK); /* takes LUN 1 again */
	enum_luns(x, h, 3, (uint32_t[]){ 1, 2, 7 }, (uint32_t[]){ d3, d2, d1 });
	assert_int_equal(ix_save(x, h), S_OK);
	struct iscsi_target *live = fake_backend_target(x->tc->fb, IQN_OF("luns"));
	assert_int_equal(live->n_luns, 3);

	/* 4.7 */
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_REMOVEWTDISK, d2), S_OK);
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_REMOVEWTDISK, d2),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(ix_save(x, h), S_OK);
	enum_luns(x, h, 2, (uint32_t[]){ 1, 7 }, (uint32_t[]){ d3, d1 });
	assert_int_equal(fake_backend_target(x->tc->fb, IQN_OF("luns"))->n_luns, 2);
	assert_int_equal(ix_call_void(x, h, NDR_IHOST_REMOVEALLWTDISKS), S_OK);
	assert_int_equal(ix_call_void(x, h, NDR_IHOST_REMOVEALLWTDISKS), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
	enum_luns(x, h, 0, NULL, NULL);
	assert_int_equal(fake_backend_target(x->tc->fb, IQN_OF("luns"))->n_luns, 0);
}

/* Without istmd-vhdfs (the unit tests' core has none) only fixed VHDs can be
 * LUNs: ERROR_NOT_SUPPORTED, not the misleading ERROR_DELETE_PENDING. */
static void test_lun_not_fixed(void **state)
{
	struct ix *x = *state;
	struct core_disk_spec spec = { .path = tc_path(x->tc, "dynamic.vhd"), .type = CORE_WTD_FILE,
				       .new_size = 1 << 20, .new_type = CORE_VHD_DYNAMIC };
	struct tevent_req *req = core_disk_create_send(x->mem, x->tc->core, &spec);
	tc_wait(x->tc, req);
	uint32_t wtd = 0;
	assert_int_equal(core_disk_create_recv(req, x->mem, &wtd, NULL), 0);
	struct dcom_object *h = ix_create(x, "dyn");
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, wtd),
			 HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
}

/* A disk deleted while a draft maps it: Save says the disk is gone. */
static void test_lun_disk_gone(void **state)
{
	struct ix *x = *state;
	uint32_t d = ix_disk(x, "gone.vhd", 1 << 20);
	struct dcom_object *h = ix_create(x, "gone");
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, d), S_OK);
	assert_int_equal(tc_delete_disk(x->tc, d, true), 0);
	assert_int_equal(ix_save(x, h), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_REMOVEWTDISK, d), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
}

/* Issue 5: at least 256 LUNs per target (Windows: 128, notes <35>, <36>). */
static void test_256_luns(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "many");
	uint32_t *wtds = talloc_array(x->mem, uint32_t, 256);
	for (int i = 0; i < 256; i++) {
		char name[32];
		snprintf(name, sizeof(name), "d%03d.vhd", i);
		wtds[i] = ix_disk(x, name, 1 << 20);
		assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, wtds[i]), S_OK);
	}
	assert_int_equal(ix_save(x, h), S_OK);
	uint32_t *luns = talloc_array(x->mem, uint32_t, 256);
	for (int i = 0; i < 256; i++)
		luns[i] = (uint32_t)i + 1;
	struct dcom_object *g = NULL;
	assert_int_equal(ix_get_host(x, "many", &g), S_OK);
	enum_luns(x, g, 256, luns, wtds);
	assert_int_equal(fake_backend_target(x->tc->fb, IQN_OF("many"))->n_luns, 256);
}

/* The backend's limit reached: ERROR_HANDLE_EOF (3.21.4.45, 3.22.4.1). */
static void test_lun_limit(void **state)
{
	ix_max_luns = 2;
	struct ix *x = ix_new(true);
	uint32_t d[3] = { ix_disk(x, "a.vhd", 1 << 20), ix_disk(x, "b.vhd", 1 << 20),
			  ix_disk(x, "c.vhd", 1 << 20) };
	struct dcom_object *h = ix_create(x, "limited");
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, d[0]), S_OK);
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, d[1]), S_OK);
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, d[2]),
			 HRESULT_FROM_WIN32(ERROR_HANDLE_EOF));
	ix_free(x);
	ix_max_luns = 0;
}

/* ---- portals ---- */

static unsigned enum_portals(struct ix *x, struct dcom_object *h, struct PORTAL *out, unsigned max)
{
	struct dcom_object *e = ix_enum(x, h, HOST, NDR_IHOST_ENUMPORTALS, &idl_iface_IEnumPortal);
	unsigned n = 0;
	struct PORTAL p;
	while (ix_next(x, e, &idl_iface_IEnumPortal, &p, sizeof(p)) == S_OK) {
		assert_true(n < max);
		out[n++] = p;
	}
	return n;
}

static void test_portals(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = NULL;
	assert_int_equal(ix_new_host(x, "portals", &h), S_OK);
	struct PORTAL p[8];
	/* none of its own: the configured [iscsi] portal, not listening before Save */
	assert_int_equal(enum_portals(x, h, p, 8), 1);
	assert_string_equal(WSTR_GET(x->mem, p[0].szIpAddress), "127.0.0.2");
	assert_int_equal(p[0].dwPort, 3260);
	assert_false(p[0].bListen);
	assert_false(p[0].bSecure);
	assert_true(p[0].bValid); /* loopback */
	assert_int_equal(ix_save(x, h), S_OK);
	struct GUID first = p[0].Guid;
	assert_int_equal(enum_portals(x, h, p, 8), 1);
	assert_true(p[0].bListen);
	assert_true(GUID_equal(&first, &p[0].Guid)); /* stable */

	assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, "127.0.0.5"), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, "[::1]:3261"), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, "127.0.0.5:3260"), S_OK); /* again */
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, "192.0.2.200:860"), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, "portal.example.com"), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, "127.0.0.1:0"), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, NULL), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, ""), E_INVALIDARG);
	assert_int_equal(enum_portals(x, h, p, 8), 3);
	assert_string_equal(WSTR_GET(x->mem, p[0].szIpAddress), "127.0.0.5");
	assert_int_equal(p[0].dwPort, 3260);
	assert_string_equal(WSTR_GET(x->mem, p[1].szIpAddress), "::1");
	assert_int_equal(p[1].dwPort, 3261);
	assert_false(GUID_equal(&p[0].Guid, &p[1].Guid));
	assert_false(p[2].bValid); /* not an address of this host */
	assert_int_equal(ix_save(x, h), S_OK);
	struct iscsi_target *live = fake_backend_target(x->tc->fb, IQN_OF("portals"));
	assert_int_equal(live->n_portals, 3);

	/* absent: S_OK as Windows; malformed: E_INVALIDARG */
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_REMOVEPORTAL, "127.0.0.9"), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_REMOVEPORTAL, "nonsense"), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_REMOVEPORTAL, "192.0.2.200:860"), S_OK);
	assert_int_equal(enum_portals(x, h, p, 8), 2);
	assert_int_equal(ix_call_void(x, h, NDR_IHOST_REMOVEALLPORTALS), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
	assert_int_equal(enum_portals(x, h, p, 8), 1); /* the configured one again */
	assert_int_equal(fake_backend_target(x->tc->fb, IQN_OF("portals"))->n_portals, 0);

	/* the limit: ERROR_HANDLE_EOF */
	for (int i = 1; i <= 64; i++) {
		char text[32];
		snprintf(text, sizeof(text), "10.0.0.%d", i);
		assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, text), S_OK);
	}
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, "10.0.1.1"),
			 HRESULT_FROM_WIN32(ERROR_HANDLE_EOF));
}

/* A view of the portals: listening on a wildcard address. */
static void test_listen_all(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "everywhere");
	assert_false(ix_bool(x, h, NDR_IHOST_GET_LISTENALLNETWORKADAPTERS));
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_LISTENALLNETWORKADAPTERS, true), S_OK);
	assert_true(ix_bool(x, h, NDR_IHOST_GET_LISTENALLNETWORKADAPTERS));
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_LISTENALLNETWORKADAPTERS, true), S_OK);
	struct PORTAL p[4];
	assert_int_equal(enum_portals(x, h, p, 4), 1);
	assert_string_equal(WSTR_GET(x->mem, p[0].szIpAddress), "0.0.0.0");
	assert_int_equal(p[0].dwPort, 3260);
	assert_int_equal(ix_save(x, h), S_OK);
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_LISTENALLNETWORKADAPTERS, false), S_OK);
	assert_false(ix_bool(x, h, NDR_IHOST_GET_LISTENALLNETWORKADAPTERS));
	assert_int_equal(enum_portals(x, h, p, 4), 1);
	assert_string_equal(WSTR_GET(x->mem, p[0].szIpAddress), "127.0.0.2");

	/* the wildcard configured for every target cannot be taken from one */
	static struct iscsi_portal wildcard = { "0.0.0.0", 3260 };
	x->tc->fb->base.portals = &wildcard;
	assert_true(ix_bool(x, h, NDR_IHOST_GET_LISTENALLNETWORKADAPTERS));
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_LISTENALLNETWORKADAPTERS, false),
			 HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
	/* with portals of its own, it can */
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, "127.0.0.5"), S_OK);
	assert_false(ix_bool(x, h, NDR_IHOST_GET_LISTENALLNETWORKADAPTERS));
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_LISTENALLNETWORKADAPTERS, true), S_OK);
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_LISTENALLNETWORKADAPTERS, false), S_OK);
	assert_int_equal(enum_portals(x, h, p, 4), 1);
	assert_string_equal(WSTR_GET(x->mem, p[0].szIpAddress), "127.0.0.5");
}

/* Without a backend the lists are kept all the same (nothing is served). */
static void test_no_backend(void **state)
{
	struct ix *x = ix_new(false);
	struct dcom_object *h = ix_create(x, "unserved");
	struct PORTAL p[2];
	assert_int_equal(enum_portals(x, h, p, 2), 0);
	assert_false(ix_bool(x, h, NDR_IHOST_GET_LISTENALLNETWORKADAPTERS));
	/* LUN 0 exists where the backend has one for us */
	uint32_t d = ix_disk(x, "zero.vhd", 1 << 20);
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, d), S_OK);
	enum_luns(x, h, 1, (uint32_t[]){ 0 }, (uint32_t[]){ d });
	assert_int_equal(ix_save(x, h), S_OK);
	ix_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ids, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_luns, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_lun_not_fixed, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_lun_disk_gone, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_256_luns, ix_setup, ix_teardown),
		cmocka_unit_test(test_lun_limit),
		cmocka_unit_test_setup_teardown(test_portals, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_listen_all, ix_setup, ix_teardown),
		cmocka_unit_test(test_no_backend),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
