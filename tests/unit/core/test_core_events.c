/* Change events (core_events.h, MS-ISTM 3.42.4): every event 3.42.4.1 lists
 * gives a LUN-list event, device status changes and reported restore
 * progress give LUN-status events, and nothing else does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/core_events.h"

#include "core_testutil.h"

#define MiB (1024 * 1024ull)

struct seen {
	unsigned lists, statuses;
	struct core_event last_status;
};

static void on_event(const struct core_event *e, void *priv)
{
	struct seen *s = priv;
	if (e->kind == CORE_EVENT_LUN_LIST) {
		s->lists++;
	} else {
		s->statuses++;
		s->last_status = *e;
	}
}

static int change_recv(struct tc *t, struct tevent_req *req)
{
	tc_wait(t, req);
	int rc = core_target_change_recv(req, t, &t->why);
	talloc_free(req);
	return rc;
}

/* Runs the reconciler, then reads and clears the counters. */
static struct seen take(struct tc *t, struct seen *s)
{
	tc_reconcile(t);
	struct seen copy = *s;
	*s = (struct seen){ 0 };
	return copy;
}

static void test_lun_list_events(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	struct seen s = { 0 };
	struct core_observer *o = core_observe(t, t->core, on_event, &s);
	assert_non_null(o);
	assert_int_equal(take(t, &s).lists, 0); /* nothing changed yet */

	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "a.vhd", 8 * MiB, &wtd), 0); /* LUN created */
	assert_true(take(t, &s).lists >= 1);
	assert_int_equal(tc_create_target(t, "t1", NULL), 0); /* no LUN: not listed */
	assert_int_equal(take(t, &s).lists, 0);
	assert_int_equal(tc_map(t, "t1", wtd, CORE_LUN_AUTO), 0); /* assignment added */
	struct seen x = take(t, &s);
	assert_true(x.lists >= 1);
	assert_true(x.statuses >= 1); /* Idle -> InUse */
	assert_int_equal(x.last_status.wtd, wtd);
	assert_int_equal(x.last_status.status, CORE_DEVICE_IN_USE);

	/* the target stops, then starts using the LUN */
	assert_int_equal(change_recv(t, core_target_set_enabled_send(t, t->core, "t1", false)), 0);
	assert_true(take(t, &s).lists >= 1);
	assert_int_equal(change_recv(t, core_target_set_enabled_send(t, t->core, "t1", true)), 0);
	assert_true(take(t, &s).lists >= 1);

	/* disk disabled, enabled */
	struct core_disk_update upd = { .fields = CORE_DISK_SET_ENABLED, .enabled = false };
	struct tevent_req *req = core_disk_update_send(t, t->core, wtd, &upd);
	tc_wait(t, req);
	assert_int_equal(core_disk_update_recv(req, t, &t->why), 0);
	talloc_free(req);
	assert_true(take(t, &s).lists >= 1);
	upd.enabled = true;
	req = core_disk_update_send(t, t->core, wtd, &upd);
	tc_wait(t, req);
	assert_int_equal(core_disk_update_recv(req, t, &t->why), 0);
	talloc_free(req);
	assert_true(take(t, &s).lists >= 1);

	/* a description is not in the LUN list */
	upd = (struct core_disk_update){ .fields = CORE_DISK_SET_DESCRIPTION, .description = "x" };
	req = core_disk_update_send(t, t->core, wtd, &upd);
	tc_wait(t, req);
	assert_int_equal(core_disk_update_recv(req, t, &t->why), 0);
	talloc_free(req);
	assert_int_equal(take(t, &s).lists, 0);

	/* assignment removed, LUN deleted */
	assert_int_equal(change_recv(t, core_target_unmap_send(t, t->core, "t1", wtd)), 0);
	assert_true(take(t, &s).lists >= 1);
	assert_int_equal(tc_delete_disk(t, wtd, true), 0);
	assert_true(take(t, &s).lists >= 1);

	/* restore progress reported by another part */
	core_events_lun_status(t->core, 7, CORE_DEVICE_REVERTING, 40, 0);
	assert_int_equal(s.statuses, 1);
	assert_int_equal(s.last_status.progress_percent, 40);
	assert_int_equal(s.last_status.status, CORE_DEVICE_REVERTING);

	/* a freed observer hears nothing */
	talloc_free(o);
	s = (struct seen){ 0 };
	assert_int_equal(tc_create_disk(t, "b.vhd", 8 * MiB, &wtd), 0);
	assert_int_equal(take(t, &s).lists, 0);
	tc_free(t);
}

/* An observer that outlives the core is harmless. */
static void test_observer_outlives_core(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	struct seen s = { 0 };
	TALLOC_CTX *keep = talloc_new(NULL);
	assert_non_null(core_observe(keep, t->core, on_event, &s));
	tc_free(t);
	talloc_free(keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lun_list_events),
		cmocka_unit_test(test_observer_outlives_core),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
