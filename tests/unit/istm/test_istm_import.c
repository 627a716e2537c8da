/* IWTDiskMgr ImportWTDisk (MS-ISTM 3.46.4.9, disk_import.c) through
 * in-process calls: one of istmd's own IWTDisk pointers, the refusals, a
 * client's object that never answers (the callback times out), and a
 * client's object served by a "console" on the same loop (its own RPC
 * server and exporter on 127.0.22.2, NTLM at integrity) whose DevicePath
 * names a dynamic VHD: istmd calls it back and registers the VHD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "auth/auth.h"
#include "auth/users_file.h"
#include "backend/vhd.h"
#include "core/core.h"
#include "dcom/exporter.h"
#include "dcom/internal.h"
#include "dcom/objref.h"
#include "istmd/config.h"
#include "rpc/server.h"
#include "idl/ndr_ms_istm.h"
#include "istm/istm.h"
#include "istm/notify.h"
#include "istmd/hresult.h"
#include "istm_fixture.h"

#define MIB (1024ll * 1024)
#define HR_TIMEOUT HR_WIN32(1460u)            /* ERROR_TIMEOUT */
#define HR_UNAVAILABLE HR_WIN32(1722u)        /* RPC_S_SERVER_UNAVAILABLE */

static uint32_t import(struct ix *f, struct MInterfacePointer *mip)
{
	struct IWTDiskMgr_ImportWTDisk *r =
		ix_r(f, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_IMPORTWTDISK);
	r->in.pWTDisk = mip;
	return ix_call(f, f->disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_IMPORTWTDISK, r);
}

/* GetWTDisk's interface pointer of disk WTD. */
static struct MInterfacePointer *disk_mip(struct ix *f, uint32_t wtd)
{
	struct IWTDiskMgr_GetWTDisk *r = ix_r(f, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK);
	r->in.nWTD = wtd;
	assert_int_equal(ix_call(f, f->disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK, r),
			 S_OK);
	return *r->out.ppWTDisk;
}

static size_t num_disks(struct ix *f)
{
	struct core_disk **disks;
	size_t n;
	assert_int_equal(core_disk_list(f->mem, f->tc->core, &disks, &n), 0);
	return n;
}

/* An IWTDisk OBJREF of a foreign exporter (OXID 7) with one resolver binding. */
static struct MInterfacePointer *foreign(TALLOC_CTX *mem, const char *binding,
					 const struct GUID *iid)
{
	size_t n = strlen(binding);
	uint16_t *arr = talloc_zero_array(mem, uint16_t, n + 5);
	arr[0] = 7; /* ncacn_ip_tcp */
	for (size_t i = 0; i < n; i++)
		arr[1 + i] = (uint16_t)binding[i];
	struct OBJREF o = { .signature = OBJREF_SIGNATURE, .flags = OBJREF_FLAG_STANDARD };
	o.iid = *iid;
	o.u_objref.u_standard.std = (struct STDOBJREF){ .cPublicRefs = 5, .oxid = 7, .oid = 9 };
	o.u_objref.u_standard.std.ipid.time_low = 9;
	o.u_objref.u_standard.saResAddr = (struct DUALSTRINGARRAY){
		.wNumEntries = (uint16_t)(n + 5), .wSecurityOffset = (uint16_t)(n + 3),
		.aStringArray = arr
	};
	struct MInterfacePointer *mip = NULL;
	assert_int_equal(dcom_objref_push(mem, &o, &mip), 0);
	return mip;
}

/* istmd's own objects: a registered disk is there already; once deleted its
 * object names nothing; another object of istmd, or none, is refused. */
static void test_local_objects(void **state)
{
	struct ix *f = *state;
	uint32_t wtd = ix_disk(f, "a.vhd", 8 * MIB);
	struct MInterfacePointer *mip = disk_mip(f, wtd);
	assert_int_equal(import(f, mip), HR_WIN32(ERROR_ALREADY_EXISTS));
	assert_int_equal(num_disks(f), 1);

	/* the same OXID, an IPID of nothing */
	struct OBJREF o;
	assert_int_equal(dcom_objref_pull(f->mem, mip, &o), 0);
	o.u_objref.u_standard.std.ipid.time_low ^= 0x5a5a5a5a;
	struct MInterfacePointer *bad = NULL;
	assert_int_equal(dcom_objref_push(f->mem, &o, &bad), 0);
	assert_int_equal(import(f, bad), E_INVALIDARG);

	/* the IPID of an object of istmd that is not a disk: an enumerator's */
	struct IWTDiskMgr_EnumWTDisks *e = ix_r(f, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_ENUMWTDISKS);
	assert_int_equal(ix_call(f, f->disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_ENUMWTDISKS, e),
			 S_OK);
	struct OBJREF eo;
	assert_int_equal(dcom_objref_pull(f->mem, *e->out.ppEnumWTDisk, &eo), 0);
	o.u_objref.u_standard.std.ipid = eo.u_objref.u_standard.std.ipid;
	assert_int_equal(dcom_objref_push(f->mem, &o, &bad), 0);
	assert_int_equal(import(f, bad), E_INVALIDARG);

	/* deleted since: the object's disk is gone */
	struct IWTDiskMgr_DeleteWTDisk *d =
		ix_r(f, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_DELETEWTDISK);
	d->in.nWTD = wtd;
	assert_int_equal(ix_call(f, f->disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_DELETEWTDISK, d),
			 S_OK);
	assert_int_equal(import(f, mip), HR_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(num_disks(f), 0);
}

static void test_refusals(void **state)
{
	struct ix *f = *state;
	assert_int_equal(import(f, NULL), E_POINTER);
	/* not an OBJREF */
	struct MInterfacePointer junk = { .ulCntData = 4,
					  .abData = (uint8_t *)talloc_strdup(f->mem, "junk") };
	assert_int_equal(import(f, &junk), E_INVALIDARG);
	/* an OBJREF of another interface */
	assert_int_equal(import(f, foreign(f->mem, "127.0.22.1[9]",
					   &idl_iface_IHost.table->syntax_id.uuid)),
			 E_INVALIDARG);
	/* a client's object without [notify] settings: istmd cannot call it */
	const struct GUID *iid = &idl_iface_IWTDisk.table->syntax_id.uuid;
	assert_int_equal(import(f, foreign(f->mem, "127.0.22.1[9]", iid)), E_INVALIDARG);
	/* with them, a binding by name is never looked up (it would block) */
	struct istm_notify_config c = { .user = "", .domain = "", .password = "",
					.timeout_ms = 500, .ping_period_s = 120,
					.max_sinks_per_account = 4, .queue = 4 };
	f->istm->notify_config = &c;
	assert_int_equal(import(f, foreign(f->mem, "console.example", iid)), E_INVALIDARG);
	f->istm->notify_config = NULL;
	assert_int_equal(num_disks(f), 0);
}

/* A resolver that accepts connections and never answers: the callback ends
 * at [notify] timeout with ERROR_TIMEOUT, the loop running meanwhile; a
 * closed port: RPC_S_SERVER_UNAVAILABLE. */
static void test_unreachable(void **state)
{
	struct ix *f = *state;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.22.1", &a.sin_addr);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 4), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	char *binding = talloc_asprintf(f->mem, "127.0.22.1[%u]", ntohs(a.sin_port));

	struct istm_notify_config c = { .user = "", .domain = "", .password = "",
					.timeout_ms = 500, .ping_period_s = 120,
					.max_sinks_per_account = 4, .queue = 4 };
	f->istm->notify_config = &c;
	const struct GUID *iid = &idl_iface_IWTDisk.table->syntax_id.uuid;
	assert_int_equal(import(f, foreign(f->mem, binding, iid)), HR_TIMEOUT);
	close(s);
	/* the port is closed now */
	assert_int_equal(import(f, foreign(f->mem, binding, iid)), HR_UNAVAILABLE);
	f->istm->notify_config = NULL;
	assert_int_equal(num_disks(f), 0);
}

/* ---- a console exporting an IWTDisk object ---------------------------------------------- */

struct console {
	struct rpc_server *rpc;
	struct dcom_exporter *ex;
	const char *path;  /* what get_DevicePath answers */
	uint32_t hr;       /* and with which HRESULT */
	unsigned calls;
};

/* An object's state (freed with it): its console. */
struct cobj {
	struct console *c;
};

static void console_device_path(struct dcom_call *call, void *object, void *rv)
{
	struct console *c = ((struct cobj *)object)->c;
	struct IWTDisk_get_DevicePath *r = rv;
	c->calls++;
	*r->out.pDevicePath = talloc_strdup(r, c->path);
	dcom_call_done(call, c->hr);
}

static const dcom_method_fn console_methods[] = {
	[NDR_IWTDISK_GET_DEVICEPATH] = console_device_path,
};
static const struct dcom_chain console_chains[] = { DCOM_CHAIN(IWTDisk, console_methods) };

static const struct dcom_class console_class = {
	.name = "TestWTDisk",
	.chains = console_chains,
	.num_chains = 1,
};

static struct console *console_new(struct ix *f)
{
	struct console *c = talloc_zero(f->mem, struct console);
	char *users = talloc_asprintf(c, "%s/console_users", f->tc->dir);
	assert_int_equal(users_add(users, "cb", true, "Secret-cb-1"), 0);
	struct auth_accounts *accounts = auth_accounts_open(c, users);
	assert_non_null(accounts);
	char *err = NULL;
	struct cfg *cfg = cfg_parse(c, "console",
				    "[rpc]\nlisten = 127.0.22.2\nendpoint_mapper_port = 0\n"
				    "object_port = 0\nmin_auth_level = integrity\n",
				    &err);
	assert_non_null(cfg);
	c->rpc = rpc_server_new(c, f->tc->ev, cfg, accounts, NULL, &err);
	if (c->rpc == NULL)
		print_message("console: %s\n", err ? err : "?");
	assert_non_null(c->rpc);
	struct dcom_config config;
	dcom_config_defaults(&config);
	c->ex = dcom_exporter_new(c, f->tc->ev, c->rpc, &config, rpc_server_min_auth_level(c->rpc),
				  &err);
	assert_non_null(c->ex);
	c->hr = S_OK;
	return c;
}

/* A new IWTDisk object of the console, 5 references given to whoever holds
 * the OBJREF (istmd releases them). */
static struct MInterfacePointer *console_object(struct ix *f, struct console *c)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct cobj *impl = talloc_zero(NULL, struct cobj);
	assert_non_null(impl);
	impl->c = c;
	struct dcom_object *obj = dcom_object_new(tmp, c->ex, &console_class, impl);
	struct dcom_peer *peer = dcom_peer_get(c->ex, NULL, "console");
	assert_non_null(obj);
	assert_non_null(peer);
	struct STDOBJREF std;
	assert_non_null(dcom_export(obj, &idl_iface_IWTDisk, 5, peer, &std));
	struct MInterfacePointer *mip = NULL;
	assert_int_equal(dcom_objref_standard(f->mem, c->ex, &idl_iface_IWTDisk.table->syntax_id.uuid,
					      &std, "127.0.22.2", &mip),
			 0);
	talloc_free(tmp); /* the object lives while exported */
	return mip;
}

static void console_free(struct console *c)
{
	rpc_server_shutdown(c->rpc);
	TALLOC_FREE(c->ex);
	talloc_free(c);
}

static uint32_t create_wt_disk(struct ix *f, const char *path)
{
	struct IWTDiskMgr_CreateWTDisk *r =
		ix_r(f, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_CREATEWTDISK);
	r->in.eDeviceType = WTDTypeFileBased;
	r->in.DevicePath = path;
	r->in.Description = "";
	return ix_call(f, f->disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_CREATEWTDISK, r);
}

static void test_callback(void **state)
{
	struct ix *f = *state;
	int dirfd = open(f->tc->root, O_RDONLY | O_DIRECTORY);
	assert_true(dirfd >= 0);
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_create_dynamic(dirfd, "dyn.vhd", 64 * MIB, NULL, reason), 0);
	assert_int_equal(vhd_create_fixed(dirfd, "fixed.vhd", 8 * MIB, NULL, reason), 0);
	int pfd = openat(dirfd, "dyn.vhd", O_RDONLY);
	assert_true(pfd >= 0);
	struct vhd_parent ref = { pfd, "D:\\dyn.vhd", ".\\dyn.vhd" };
	assert_int_equal(vhd_create_differencing(dirfd, "diff.vhd", &ref, NULL, reason), 0);
	close(pfd);
	close(dirfd);
	FILE *junk = fopen(ix_path(f, "junk.vhd"), "w");
	assert_non_null(junk);
	fputs("not a VHD", junk);
	fclose(junk);

	struct console *c = console_new(f);
	char *pw = talloc_strdup(f->mem, "Secret-cb-1");
	struct istm_notify_config nc = { .auth_type = DCERPC_AUTH_TYPE_NTLMSSP,
					 .auth_level = DCERPC_AUTH_LEVEL_INTEGRITY,
					 .user = "cb", .domain = "", .password = pw,
					 .timeout_ms = 5000, .ping_period_s = 120,
					 .max_sinks_per_account = 4, .queue = 4 };
	f->istm->notify_config = &nc;

	/* a dynamic VHD in the root: registered, as CreateWTDisk would */
	c->path = "D:\\dyn.vhd";
	assert_int_equal(import(f, console_object(f, c)), S_OK);
	assert_int_equal(c->calls, 1);
	/* (istmd's RemRelease is not checked: the references are credited to
	 * the console's in-process peer, not to istmd's account) */
	struct core_disk **disks;
	size_t n;
	assert_int_equal(core_disk_list(f->mem, f->tc->core, &disks, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(disks[0]->vhd_type, CORE_VHD_DYNAMIC);
	assert_int_equal(disks[0]->size, 64 * MIB);
	/* the same file again */
	assert_int_equal(import(f, console_object(f, c)), HR_WIN32(ERROR_ALREADY_EXISTS));
	/* any type: fixed, and differencing (its parent recorded) */
	c->path = "D:\\fixed.vhd";
	assert_int_equal(import(f, console_object(f, c)), S_OK);
	c->path = "D:\\diff.vhd";
	assert_int_equal(import(f, console_object(f, c)), S_OK);
	assert_int_equal(core_disk_list(f->mem, f->tc->core, &disks, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(disks[1]->vhd_type, CORE_VHD_FIXED);
	assert_int_equal(disks[2]->vhd_type, CORE_VHD_DIFFERENCING);
	assert_int_equal(disks[2]->size, 64 * MIB);
	assert_non_null(strstr(disks[2]->parent_path, "dyn.vhd"));
	c->path = "D:\\dyn.vhd";

	/* the paths CreateWTDisk refuses, refused with its HRESULTs */
	const char *bad[] = { "D:\\missing.vhd", "D:\\junk.vhd", "C:\\Windows\\x.vhd", "/etc/passwd",
			      "D:\\..\\..\\x.vhd" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c->path = bad[i];
		uint32_t want = create_wt_disk(f, bad[i]);
		assert_true(HR_FAILED(want));
		assert_int_equal(import(f, console_object(f, c)), want);
	}
	/* an empty path; the object's own failure */
	c->path = "";
	assert_int_equal(import(f, console_object(f, c)), E_INVALIDARG);
	c->path = "D:\\dyn.vhd";
	c->hr = E_ACCESSDENIED;
	assert_int_equal(import(f, console_object(f, c)), E_ACCESSDENIED);
	assert_int_equal(num_disks(f), 3);

	/* only_caller_address: an in-process caller has no address, so the
	 * binding stays usable; the rule itself is notify_sink's (test_istm_notify) */
	f->istm->notify_config = NULL;
	console_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_local_objects, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_unreachable, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_callback, ix_setup_no_backend, ix_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
