/* What IHost reads from the live target (MS-ISTM 3.21.4.10 Status,
 * 3.21.4.12 LastLogIn, 3.23.4.6 EnumSessions), and the MS-ISTM section 4
 * sequences for targets (4.2, 4.3, 4.4, 4.5, 4.7) against the fake
 * backend, checking the live target after each Save. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include "fake_loop.h"

#include "istmd/hresult.h"
#include "istmd/utf16.h"
#include "istm_fixture.h"

#define INITIATOR "iqn.1991-05.com.contoso:test-server"

static uint32_t status(struct ix *x, struct dcom_object *h)
{
	return ix_u32(x, h, NDR_IHOST_GET_STATUS);
}

static int64_t last_login(struct ix *x, struct dcom_object *h)
{
	struct IHost_get_LastLogIn *r = ix_r(x, HOST, NDR_IHOST_GET_LASTLOGIN);
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_GET_LASTLOGIN, r), S_OK);
	return *r->out.pTimeStamp;
}

static int64_t filetime_now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return 116444736000000000LL + (int64_t)tv.tv_sec * 10000000 + tv.tv_usec * 10;
}

static void test_status_and_last_login(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = NULL;
	assert_int_equal(ix_new_host(x, "live", &h), S_OK);
	/* never saved: idle, no login */
	assert_int_equal(status(x, h), HostStatusIdle);
	assert_int_equal(last_login(x, h), 0);
	assert_int_equal(ix_save(x, h), S_OK);
	assert_int_equal(status(x, h), HostStatusIdle);
	/* a discovery session names no target */
	fake_backend_add_session(x->tc->fb, IQN_OF("live"), INITIATOR, 7);
	x->tc->fb->sessions[0].discovery = true;
	assert_int_equal(status(x, h), HostStatusIdle);
	/* another target's session */
	fake_backend_add_session(x->tc->fb, IQN_OF("other"), INITIATOR, 8);
	assert_int_equal(status(x, h), HostStatusIdle);
	assert_int_equal(last_login(x, h), 0);
	int64_t before = filetime_now();
	fake_backend_add_session(x->tc->fb, IQN_OF("live"), INITIATOR, 9);
	assert_int_equal(status(x, h), HostStatusConnected);
	int64_t seen = last_login(x, h);
	assert_true(seen >= before - 10000000 && seen <= filetime_now() + 10000000);
	/* an object with unsaved changes reads the live side all the same */
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_NAME, "renamed-in-draft"), S_OK);
	assert_int_equal(status(x, h), HostStatusConnected);
	/* the backend down: nobody can be logged in */
	fake_backend_down(x->tc->fb);
	assert_int_equal(status(x, h), HostStatusIdle);
	assert_int_equal(last_login(x, h), seen);
}

static void test_enum_sessions(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "sessions");
	ix_create(x, "other");
	struct dcom_object *e =
		ix_enum(x, h, HOST, NDR_IHOST2_ENUMSESSIONS, &idl_iface_IEnumSession2);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumSession2), 0);

	fake_backend_add_session(x->tc->fb, IQN_OF("sessions"), INITIATOR, 11);
	x->tc->fb->sessions[0].auth = ISCSI_AUTH_CHAP;
	x->tc->fb->sessions[0].isid = 0x400001370000ULL;
	fake_backend_add_session(x->tc->fb, IQN_OF("other"), "iqn.2000-01.com.example:b", 12);
	fake_backend_add_session(x->tc->fb, IQN_OF("sessions"), "iqn.2000-01.com.example:c", 13);
	e = ix_enum(x, h, HOST, NDR_IHOST2_ENUMSESSIONS, &idl_iface_IEnumSession2);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumSession2), 2);
	struct SESSION2 s;
	assert_int_equal(ix_next(x, e, &idl_iface_IEnumSession2, &s, sizeof(s)), S_OK);
	assert_string_equal(WSTR_GET(x->mem, s.InitiatorIQN), INITIATOR);
	assert_string_equal(WSTR_GET(x->mem, s.HostTargetIQN), IQN_OF("sessions"));
	assert_string_equal(WSTR_GET(x->mem, s.HostName), "sessions");
	assert_int_equal(s.TSIH, 11);
	assert_int_equal(s.ISID, 0x400001370000ULL);
	assert_int_equal(s.eType, Normal);
	assert_int_equal(s.eAuthMethod, Chap);
	assert_int_equal(ix_next(x, e, &idl_iface_IEnumSession2, &s, sizeof(s)), S_OK);
	assert_int_equal(s.TSIH, 13);
	assert_int_equal(s.eAuthMethod, None);
	assert_int_equal(ix_next(x, e, &idl_iface_IEnumSession2, &s, sizeof(s)), S_FALSE);

	/* a target never saved has none; the backend down, neither */
	struct dcom_object *d = NULL;
	assert_int_equal(ix_new_host(x, "draft", &d), S_OK);
	e = ix_enum(x, d, HOST, NDR_IHOST2_ENUMSESSIONS, &idl_iface_IEnumSession2);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumSession2), 0);
	fake_backend_down(x->tc->fb);
	e = ix_enum(x, h, HOST, NDR_IHOST2_ENUMSESSIONS, &idl_iface_IEnumSession2);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumSession2), 0);
}

static void test_without_backend(void **state)
{
	struct ix *x = ix_new(false);
	struct dcom_object *h = ix_create(x, "alone");
	assert_int_equal(status(x, h), HostStatusIdle);
	assert_int_equal(last_login(x, h), 0);
	struct dcom_object *e =
		ix_enum(x, h, HOST, NDR_IHOST2_ENUMSESSIONS, &idl_iface_IEnumSession2);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumSession2), 0);
	ix_free(x);
}

/* ---- MS-ISTM section 4, the target sequences ---- */

static void test_sequences(void **state)
{
	struct ix *x = *state;
	uint32_t wtd = ix_disk(x, "seq.vhd", 1 << 20);

	/* 4.2 Creating a target */
	struct dcom_object *h = NULL;
	assert_int_equal(ix_new_host(x, "DatabaseTarget", &h), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_DESCRIPTION, "ISTM Test target"), S_OK);
	assert_null(fake_backend_target(x->tc->fb, IQN_OF("databasetarget")));
	assert_int_equal(ix_save(x, h), S_OK);
	struct iscsi_target *live = fake_backend_target(x->tc->fb, IQN_OF("databasetarget"));
	assert_non_null(live);
	assert_true(live->enabled);
	assert_int_equal(live->n_luns, 0);
	assert_int_equal(live->n_acl, 0); /* nobody until allowed */

	/* 4.3 Assigning a virtual disk to a target */
	struct dcom_object *g = NULL;
	assert_int_equal(ix_get_host(x, "DatabaseTarget", &g), S_OK);
	assert_int_equal(ix_call_u32(x, g, NDR_IHOST_ADDWTDISK, wtd), S_OK);
	assert_int_equal(ix_save(x, g), S_OK);
	live = fake_backend_target(x->tc->fb, IQN_OF("databasetarget"));
	assert_int_equal(live->n_luns, 1);
	assert_int_equal(live->luns[0].lun, 1);
	assert_int_equal(live->luns[0].size, 1 << 20); /* the virtual size */

	/* 4.4 Enabling an initiator to connect to a target */
	assert_int_equal(ix_get_host(x, "DatabaseTarget", &g), S_OK);
	assert_int_equal(ix_id(x, g, NDR_IHOST_ADDID, IDIQN, INITIATOR), S_OK);
	assert_int_equal(ix_save(x, g), S_OK);
	live = fake_backend_target(x->tc->fb, IQN_OF("databasetarget"));
	assert_int_equal(live->n_acl, 1);
	assert_string_equal(live->acl[0].value, INITIATOR);

	/* 4.5 Modifying target properties (the example's ISTMTarget renamed) */
	assert_int_equal(ix_get_host(x, "DatabaseTarget", &g), S_OK);
	assert_int_equal(ix_put_str(x, g, NDR_IHOST_PUT_NAME, "ISTMTarget"), S_OK);
	assert_int_equal(ix_put_str(x, g, NDR_IHOST_PUT_DESCRIPTION, "ISTM Test target updated"),
			 S_OK);
	assert_int_equal(ix_put_str(x, g, NDR_IHOST_PUT_TARGETIQN,
				    "iqn.1991-05.com.contoso:test-server-istmtarget-target"),
			 S_OK);
	assert_int_equal(ix_save(x, g), S_OK);
	assert_null(fake_backend_target(x->tc->fb, IQN_OF("databasetarget")));
	live = fake_backend_target(x->tc->fb,
				   "iqn.1991-05.com.contoso:test-server-istmtarget-target");
	assert_non_null(live);
	assert_int_equal(live->n_luns, 1);
	assert_int_equal(live->n_acl, 1);

	/* 4.7 Removing a virtual disk from a target */
	assert_int_equal(ix_get_host(x, "ISTMTarget", &g), S_OK);
	assert_int_equal(ix_call_u32(x, g, NDR_IHOST_REMOVEWTDISK, wtd), S_OK);
	assert_int_equal(ix_save(x, g), S_OK);
	live = fake_backend_target(x->tc->fb,
				   "iqn.1991-05.com.contoso:test-server-istmtarget-target");
	assert_int_equal(live->n_luns, 0);

	/* the first object, clean since its Save, follows all of it */
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_NAME), "ISTMTarget");
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_DESCRIPTION), "ISTM Test target updated");
}

/* Everything saved is still there when the core opens again. */
static void test_restart(void **state)
{
	struct ix *x = *state;
	uint32_t wtd = ix_disk(x, "kept.vhd", 1 << 20);
	struct dcom_object *h = ix_create(x, "kept");
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, wtd), S_OK);
	assert_int_equal(ix_id(x, h, NDR_IHOST_ADDID, IDIQN, INITIATOR), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_ADDPORTAL, "127.0.0.7:3262"), S_OK);
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_ENABLECHAP, true), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPUSERNAME, "kept-user"), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPSECRET, "kept-secret-1"), S_OK);
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_NUMRECVBUFFERS, 64), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);

	ix_restart(x);

	struct dcom_object *g = NULL;
	assert_int_equal(ix_get_host(x, "kept", &g), S_OK);
	assert_true(ix_bool(x, g, NDR_IHOST_GET_ENABLECHAP));
	assert_string_equal(ix_str(x, g, NDR_IHOST_GET_CHAPSECRET), "kept-secret-1");
	assert_int_equal(ix_u32(x, g, NDR_IHOST_GET_NUMRECVBUFFERS), 64);
	struct dcom_object *e = ix_enum(x, g, HOST, NDR_IHOST_ENUMWTDISKLUNMAPPINGS,
					&idl_iface_IEnumWTDiskLunMapping);
	struct LUN_MAPPING m;
	assert_int_equal(ix_next(x, e, &idl_iface_IEnumWTDiskLunMapping, &m, sizeof(m)), S_OK);
	assert_int_equal(m.dwWTD, wtd);
	e = ix_enum(x, g, HOST, NDR_IHOST_ENUMIDS, &idl_iface_IEnumIDMethod);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumIDMethod), 1);
	e = ix_enum(x, g, HOST, NDR_IHOST_ENUMPORTALS, &idl_iface_IEnumPortal);
	struct PORTAL p;
	assert_int_equal(ix_next(x, e, &idl_iface_IEnumPortal, &p, sizeof(p)), S_OK);
	assert_string_equal(WSTR_GET(x->mem, p.szIpAddress), "127.0.0.7");
	assert_int_equal(p.dwPort, 3262);
}

/* Issue 9 defect 2: a disk whose file became a symlink out of the root
 * after CreateWTDisk is mapped: Save says ERROR_FILE_INVALID, nothing is
 * attached over the file outside, and the same after a restart. */
static void test_map_swapped_file(void **state)
{
	struct ix *x = *state;
	uint32_t wtd = ix_disk(x, "swapped.vhd", 1 << 20);
	char *path = ix_path(x, "swapped.vhd");
	char outside[] = "/tmp/istmd-outside-XXXXXX";
	int fd = mkstemp(outside);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (1 << 20) + 512), 0);
	close(fd);
	assert_int_equal(rename(path, ix_path(x, "swapped.aside")), 0);
	assert_int_equal(symlink(outside, path), 0);

	struct dcom_object *h = ix_create(x, "swapped");
	assert_int_equal(ix_call_u32(x, h, NDR_IHOST_ADDWTDISK, wtd), S_OK);
	assert_int_equal(ix_save(x, h), HRESULT_FROM_WIN32(ERROR_FILE_INVALID));
	assert_int_equal(fake_loop_count_over(outside, 0), 0);
	assert_int_equal(fake_loop_count(), 0);

	ix_restart(x);
	struct dcom_object *g = NULL;
	assert_int_equal(ix_get_host(x, "swapped", &g), S_OK);
	assert_int_equal(ix_put_str(x, g, NDR_IHOST_PUT_DESCRIPTION, "after restart"), S_OK);
	assert_int_equal(ix_save(x, g), HRESULT_FROM_WIN32(ERROR_FILE_INVALID));
	assert_int_equal(fake_loop_count(), 0);
	unlink(outside);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_and_last_login, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_enum_sessions, ix_setup, ix_teardown),
		cmocka_unit_test(test_without_backend),
		cmocka_unit_test_setup_teardown(test_sequences, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_restart, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_map_swapped_file, ix_setup, ix_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
