/* Change events (core_events.h, MS-ISTM 3.42.4): every event 3.42.4.1 lists
 * gives a LUN-list event, device status changes and reported restore
 * progress give LUN-status events, and nothing else does.
 * `test_core_events rollback` (ctest test_core_events_rollback): a snapshot
 * rollback on a loop-mounted XFS root reports Reverting, its progress and
 * its completion (3.42.4.2); needs root and mkfs.xfs, else 77. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "backend_testutil.h"
#include "core/core_events.h"
#include "core/snapshots.h"
#include "istmd/hresult.h"

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

/* --- snapshot restore (rollback) progress and completion --- */

static char mounted[4096]; /* unmounted at exit if a failed test left it */

/* The storage root on a fresh loop-mounted XFS image (reflink=1), as
 * test_core_snapshots does. */
static struct tc *xfs_tc(void)
{
	struct tc *t = tc_new(true);
	int st = 0;
	char *img = talloc_asprintf(t, "%s/fs.img", t->dir);
	tu_run(t, &st, "truncate -s 320M %s && mkfs.xfs -q -f -m reflink=1 %s >/dev/null 2>&1 && "
		       "mount -o loop %s %s", img, img, img, t->root);
	assert_int_equal(st, 0);
	snprintf(mounted, sizeof(mounted), "%s", t->root);
	talloc_free(t->sp);
	const char *roots[] = { t->root, NULL };
	char *err = NULL;
	assert_int_equal(storage_paths_new(t, roots, NULL, &t->sp, &err), 0);
	t->opts.storage = t->sp;
	assert_int_equal(tc_open(t), 0);
	return t;
}

static void xfs_free(struct tc *t)
{
	int st = 0;
	tc_close(t);
	talloc_free(t->sp);
	t->sp = NULL;
	tu_run(t, &st, "umount %s", t->root);
	assert_int_equal(st, 0);
	mounted[0] = '\0';
	tc_free(t);
}

struct restore_log {
	uint32_t wtd;
	struct core_event ev[32];
	size_t n;
};

static void on_restore(const struct core_event *e, void *priv)
{
	struct restore_log *l = priv;
	if (e->kind == CORE_EVENT_LUN_STATUS && e->wtd == l->wtd && l->n < 32)
		l->ev[l->n++] = *e;
}

static int rollback(struct tc *t, const char *id)
{
	struct tevent_req *req = core_snapshot_rollback_send(t, t->core, id);
	tc_wait(t, req);
	int rc = core_snapshot_rollback_recv(req, t, &t->why);
	talloc_free(req);
	return rc;
}

/* Checks LOG: Reverting from 0 %, never going back, then one completion
 * (not Reverting, 100 %, CODE); returns the completion's index. */
static size_t check_restore(const struct restore_log *l, uint32_t code)
{
	assert_true(l->n >= 2);
	assert_int_equal(l->ev[0].status, CORE_DEVICE_REVERTING);
	assert_int_equal(l->ev[0].progress_percent, 0);
	assert_int_equal(l->ev[0].completion_error, 0);
	size_t i = 1;
	for (; i < l->n && l->ev[i].status == CORE_DEVICE_REVERTING; i++) {
		assert_true(l->ev[i].progress_percent >= l->ev[i - 1].progress_percent);
		assert_true(l->ev[i].progress_percent < 100);
		assert_int_equal(l->ev[i].completion_error, 0);
	}
	assert_true(i < l->n); /* the completion came */
	assert_int_equal(l->ev[i].progress_percent, 100);
	assert_int_equal(l->ev[i].completion_error, code);
	for (size_t k = i + 1; k < l->n; k++) /* after it: derived status only */
		assert_int_not_equal(l->ev[k].status, CORE_DEVICE_REVERTING);
	return i;
}

static void test_rollback_events(void **unused)
{
	struct tc *t = xfs_tc();
	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "r.vhd", 8 * MiB, &wtd), 0);
	assert_int_equal(tc_create_target(t, "t1", NULL), 0);
	assert_int_equal(tc_map(t, "t1", wtd, CORE_LUN_AUTO), 0);
	tc_reconcile(t);
	char **ids = NULL;
	uint64_t hold = 0;
	struct tevent_req *req = core_snapshot_create_send(t, t->core, &wtd, 1, NULL, NULL);
	tc_wait(t, req);
	assert_int_equal(core_snapshot_create_recv(req, t, &ids, &hold, &t->why), 0);
	talloc_free(req);

	struct restore_log l = { .wtd = wtd };
	struct core_observer *o = core_observe(t, t->core, on_restore, &l);
	assert_non_null(o);
	tc_reconcile(t);
	l.n = 0;

	/* success: Reverting 0 %, progress, the disk's status at 100 %, S_OK;
	 * the disk disabled and enabled meanwhile does not interrupt it */
	assert_int_equal(rollback(t, ids[0]), 0);
	size_t done = check_restore(&l, 0);
	assert_true(done >= 2); /* at least one progress step between */
	tc_reconcile(t);
	tc_reconcile(t);
	assert_int_equal(l.ev[l.n - 1].status, CORE_DEVICE_IN_USE); /* served again */

	/* failure after the start (an initiator is logged in): the HRESULT */
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	fake_backend_add_session(t->fb, tg->iqn, "iqn.1991-05.com.microsoft:host", 7);
	l.n = 0;
	assert_int_equal(rollback(t, ids[0]), -EBUSY);
	done = check_restore(&l, hresult_from_errno(-EBUSY));
	assert_int_equal(l.ev[done].status, CORE_DEVICE_IN_USE);

	/* refused before it starts (unknown snapshot): nothing */
	l.n = 0;
	assert_int_equal(rollback(t, "00000000-0000-4000-8000-000000000001"), -ENOENT);
	assert_int_equal(l.n, 0);
	t->fb->n_sessions = 0;
	talloc_free(o);
	xfs_free(t);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "rollback") == 0) {
		if (geteuid() != 0 || system("command -v mkfs.xfs >/dev/null 2>&1") != 0) {
			printf("skipped: a rollback needs root (mount) and mkfs.xfs\n");
			return 77;
		}
		const struct CMUnitTest rb[] = {
			cmocka_unit_test(test_rollback_events),
		};
		int rc = cmocka_run_group_tests_name("rollback", rb, NULL, NULL);
		if (mounted[0] != '\0') {
			char cmd[4200];
			snprintf(cmd, sizeof(cmd), "umount -l '%s'", mounted);
			if (system(cmd) != 0)
				fprintf(stderr, "cannot unmount %s\n", mounted);
		}
		return rc;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lun_list_events),
		cmocka_unit_test(test_observer_outlives_core),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
