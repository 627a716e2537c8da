/* Feature management through in-process DCOM calls: IWTGeneral and
 * IWTGeneral2 (MS-ISTM 3.52, 3.54): the name persisted through the core,
 * the preconditions (the target service up), notification registrations,
 * and the answers about features istmd does not have. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/objref.h"
#include "idl/ndr_ms_istm.h"
#include "istm/general_notify.h"
#include "istmd/hresult.h"
#include "istm_fixture.h"

#define G2 (&idl_iface_IWTGeneral2)

static uint32_t simple(struct ix *f, uint32_t opnum)
{
	return ix_call(f, f->general, G2, opnum, ix_r(f, G2, opnum));
}

static uint32_t put_name(struct ix *f, const char *name)
{
	struct IWTGeneral_put_Name *r = ix_r(f, G2, NDR_IWTGENERAL_PUT_NAME);
	r->in.Name = name;
	return ix_call(f, f->general, G2, NDR_IWTGENERAL_PUT_NAME, r);
}

static const char *get_name(struct ix *f)
{
	struct IWTGeneral_get_Name *r = ix_r(f, G2, NDR_IWTGENERAL_GET_NAME);
	assert_int_equal(ix_call(f, f->general, G2, NDR_IWTGENERAL_GET_NAME, r), S_OK);
	return *r->out.pName;
}

static void test_identity(void **state)
{
	struct ix *f = *state;
	struct IWTGeneral_get_Guid *g = ix_r(f, G2, NDR_IWTGENERAL_GET_GUID);
	assert_int_equal(ix_call(f, f->general, G2, NDR_IWTGENERAL_GET_GUID, g), S_OK);
	assert_string_equal(GUID_string(f, g->out.pGuid), core_service_guid(f->tc->core));
	assert_string_equal(get_name(f), "testhost"); /* the host name by default (<124>) */

	/* 3.52.4.3: saved by the core */
	assert_int_equal(put_name(f, "Storage server 7"), S_OK);
	assert_string_equal(get_name(f), "Storage server 7");
	assert_string_equal(core_service_name(f->tc->core), "Storage server 7");
	assert_int_equal(put_name(f, NULL), E_INVALIDARG);
	assert_int_equal(put_name(f, ""), E_INVALIDARG);
	char *long_name = talloc_zero_size(f, CORE_TEXT_MAX + 2);
	memset(long_name, 'n', CORE_TEXT_MAX + 1);
	assert_int_equal(put_name(f, long_name), E_INVALIDARG);
	assert_string_equal(get_name(f), "Storage server 7");

	/* only admins (3.1.4.2.1, <11>): the runtime refuses the others */
	struct IWTGeneral_put_Name *r = ix_r(f, G2, NDR_IWTGENERAL_PUT_NAME);
	r->in.Name = "by bob";
	assert_int_equal(ix_call_as(f, f->general, G2, NDR_IWTGENERAL_PUT_NAME, r, "bob", false,
				    DCERPC_AUTH_LEVEL_PRIVACY),
			 E_ACCESSDENIED);
	assert_string_equal(get_name(f), "Storage server 7");
}

static void test_features(void **state)
{
	struct ix *f = *state;
	assert_int_equal(simple(f, NDR_IWTGENERAL_CHECKACCESS), S_OK);
	assert_int_equal(simple(f, NDR_IWTGENERAL_ISSNAPSHOTSSUPPORTED), S_FALSE);
	assert_int_equal(simple(f, NDR_IWTGENERAL2_ISCLUSTERED), S_FALSE);
	/* as Windows: <125>, <127>, <128> */
	assert_int_equal(simple(f, NDR_IWTGENERAL_GET_LICENSE), E_NOTIMPL);
	assert_int_equal(simple(f, NDR_IWTGENERAL_ADDLICENSE), E_NOTIMPL);
	/* no schedule: all zero */
	struct IWTGeneral_DVGetSnapshotSchedule *gs =
		ix_r(f, G2, NDR_IWTGENERAL_DVGETSNAPSHOTSCHEDULE);
	gs->in.pSchedule = talloc_zero(gs, struct SNAPSHOT_SCHEDULE_SETTINGS);
	assert_int_equal(ix_call(f, f->general, G2, NDR_IWTGENERAL_DVGETSNAPSHOTSCHEDULE, gs), S_OK);
	assert_int_equal(gs->out.pSchedule->hyStartTime, 0);
	/* the scratch root is ext4: no snapshots, no snapshot program */
	struct IWTGeneral_get_WtCliPath *w = ix_r(f, G2, NDR_IWTGENERAL_GET_WTCLIPATH);
	assert_int_equal(ix_call(f, f->general, G2, NDR_IWTGENERAL_GET_WTCLIPATH, w), S_OK);
	assert_string_equal(*w->out.pWtCliPath, "");
	/* a schedule is checked, then refused: no root can make snapshots */
	struct IWTGeneral_DVSetSnapshotSchedule *s = ix_r(f, G2, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE);
	s->in.Schedule = (struct SNAPSHOT_SCHEDULE_SETTINGS){ .bEveryday = 1, .eDay = Friday,
							      .hyStartTime = 1000 };
	assert_int_equal(ix_call(f, f->general, G2, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE, s),
			 HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
	s->in.Schedule.eDay = (enum DayOfWeek)7;
	assert_int_equal(ix_call(f, f->general, G2, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE, s),
			 E_INVALIDARG);
	s->in.Schedule.eDay = Monday;
	s->in.Schedule.hyStartTime = -5;
	assert_int_equal(ix_call(f, f->general, G2, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE, s),
			 E_INVALIDARG);
}

/* An IStatusNotify pointer as a client would marshal it. */
static struct MInterfacePointer *status_notify(struct ix *f, uint64_t oid, const char *iid)
{
	static uint16_t bindings[] = { 7, '1', '2', '7', '.', '0', '.', '0', '.', '9', 0, 0, 0, 0 };
	struct OBJREF o = { .signature = OBJREF_SIGNATURE, .flags = OBJREF_FLAG_STANDARD };
	assert_true(NT_STATUS_IS_OK(GUID_from_string(iid, &o.iid)));
	o.u_objref.u_standard.std = (struct STDOBJREF){ .cPublicRefs = 5, .oxid = 0x1234, .oid = oid };
	o.u_objref.u_standard.std.ipid.time_low = (uint32_t)oid;
	o.u_objref.u_standard.saResAddr = (struct DUALSTRINGARRAY){
		.wNumEntries = sizeof(bindings) / 2, .wSecurityOffset = 12, .aStringArray = bindings
	};
	struct MInterfacePointer *mip = NULL;
	assert_int_equal(dcom_objref_push(f, &o, &mip), 0);
	return mip;
}

static uint32_t register_notify(struct ix *f, struct MInterfacePointer *mip, uint32_t cookie)
{
	struct IWTGeneral_RegisterNotification *r = ix_r(f, G2, NDR_IWTGENERAL_REGISTERNOTIFICATION);
	r->in.pStatusNotify = mip;
	r->in.lCookie = cookie;
	return ix_call(f, f->general, G2, NDR_IWTGENERAL_REGISTERNOTIFICATION, r);
}

static uint32_t unregister_notify(struct ix *f, struct MInterfacePointer *mip)
{
	struct IWTGeneral_UnregisterNotification *r =
		ix_r(f, G2, NDR_IWTGENERAL_UNREGISTERNOTIFICATION);
	r->in.pStatusNotify = mip;
	return ix_call(f, f->general, G2, NDR_IWTGENERAL_UNREGISTERNOTIFICATION, r);
}

static void test_notifications(void **state)
{
	struct ix *f = *state;
	struct MInterfacePointer *a = status_notify(f, 1, NDR_ISTATUSNOTIFY_UUID);
	struct MInterfacePointer *b = status_notify(f, 2, NDR_ISTATUSNOTIFY_UUID);
	assert_int_equal(register_notify(f, a, 10), S_OK);
	assert_int_equal(register_notify(f, a, 11), S_OK); /* the same object, another cookie */
	assert_int_equal(register_notify(f, a, 11), S_OK); /* the same pair again: one */
	assert_int_equal(register_notify(f, b, 10), S_OK);
	assert_int_equal(istm_notify_count(f->istm), 3);
	/* every registration of the object goes (3.52.4.10) */
	assert_int_equal(unregister_notify(f, a), S_OK);
	assert_int_equal(istm_notify_count(f->istm), 1);
	assert_int_equal(unregister_notify(f, a), S_OK);
	assert_int_equal(istm_notify_count(f->istm), 1);
	/* refusals: no pointer, not an OBJREF, not IStatusNotify */
	assert_int_equal(register_notify(f, NULL, 1), E_POINTER);
	assert_int_equal(unregister_notify(f, NULL), E_POINTER);
	struct MInterfacePointer junk = { .ulCntData = 4, .abData = (uint8_t *)"junk" };
	assert_int_equal(register_notify(f, &junk, 1), E_INVALIDARG);
	assert_int_equal(unregister_notify(f, &junk), E_INVALIDARG);
	assert_int_equal(register_notify(f, status_notify(f, 3, NDR_IWTGENERAL_UUID), 1),
			 E_INVALIDARG);
	assert_int_equal(istm_notify_count(f->istm), 1);
	/* bounded: the oldest go */
	for (uint64_t i = 0; i < ISTM_MAX_NOTIFICATIONS + 10; i++)
		assert_int_equal(register_notify(f, status_notify(f, 100 + i, NDR_ISTATUSNOTIFY_UUID),
						 (uint32_t)i),
				 S_OK);
	assert_int_equal(istm_notify_count(f->istm), ISTM_MAX_NOTIFICATIONS);
	assert_int_equal(unregister_notify(f, b), S_OK); /* b was among the oldest: gone already */
	assert_int_equal(istm_notify_count(f->istm), ISTM_MAX_NOTIFICATIONS);
}

/* 3.1.4.2.1, <9>: the target service must be up. */
static void test_preconditions(void **state)
{
	struct ix *f = *state;
	assert_int_equal(simple(f, NDR_IWTGENERAL_CHECKACCESS), S_OK);
	fake_backend_down(f->tc->fb);
	assert_int_equal(simple(f, NDR_IWTGENERAL_CHECKACCESS), HRESULT_FROM_WIN32(ERROR_NOT_READY));
	assert_int_equal(register_notify(f, status_notify(f, 1, NDR_ISTATUSNOTIFY_UUID), 1),
			 HRESULT_FROM_WIN32(ERROR_NOT_READY));
	fake_backend_up(f->tc->fb);
	assert_int_equal(simple(f, NDR_IWTGENERAL_CHECKACCESS), S_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_features, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_notifications, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_preconditions, ix_setup, ix_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
