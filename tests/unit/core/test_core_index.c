/* The model's indexes (by GUID, name, IQN, and WTD -> mapping targets)
 * stay in step with every insert, rename, IQN change, LUN change, delete
 * and reload: each lookup must agree with what a scan would find. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core_testutil.h"

#define MiB (1024 * 1024ull)
#define N_TARGETS 300

static void save_renamed(struct tc *t, const char *guid, const char *name, const char *iqn)
{
	struct core_target_draft *d = core_target_draft_open(t, t->core, guid);
	assert_non_null(d);
	assert_int_equal(core_draft_set_name(d, name, NULL), 0);
	if (iqn != NULL)
		assert_int_equal(core_draft_set_iqn(d, iqn, NULL), 0);
	assert_int_equal(tc_save(t, d), 0);
}

static void check_all(struct tc *t, char guids[][CORE_GUID_LEN + 1], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (guids[i][0] == '\0')
			continue;
		struct core_target *tg = core_target_by_guid(t, t->core, guids[i]);
		assert_non_null(tg);
		struct core_target *byname = core_target_by_name(t, t->core, tg->name);
		assert_non_null(byname);
		assert_string_equal(byname->guid, guids[i]);
		struct core_target *byiqn = core_target_by_iqn(t, t->core, tg->iqn);
		assert_non_null(byiqn);
		assert_string_equal(byiqn->guid, guids[i]);
	}
}

static void test_lookups_follow_changes(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	static char guids[N_TARGETS][CORE_GUID_LEN + 1];
	char name[64];
	for (size_t i = 0; i < N_TARGETS; i++) {
		snprintf(name, sizeof(name), "t%zu", i);
		assert_int_equal(tc_create_target(t, name, guids[i]), 0);
	}
	check_all(t, guids, N_TARGETS);

	/* rename: the old name and IQN find nothing, the new ones find it */
	struct core_target *old = core_target_by_guid(t, t->core, guids[7]);
	save_renamed(t, guids[7], "Renamed-Seven", "iqn.2025-01.org.example:seven");
	assert_null(core_target_by_name(t, t->core, "t7"));
	assert_null(core_target_by_iqn(t, t->core, old->iqn));
	assert_string_equal(core_target_by_name(t, t->core, "renamed-seven")->guid, guids[7]);
	assert_string_equal(core_target_by_iqn(t, t->core, "IQN.2025-01.ORG.EXAMPLE:SEVEN")->guid,
			    guids[7]);
	/* the freed name is free again */
	assert_int_equal(tc_create_target(t, "t7", NULL), 0);
	assert_string_not_equal(core_target_by_name(t, t->core, "t7")->guid, guids[7]);

	/* delete: every lookup forgets it, the others still work */
	assert_int_equal(tc_delete_target(t, "t100"), 0);
	char gone[CORE_GUID_LEN + 1];
	memcpy(gone, guids[100], sizeof(gone));
	guids[100][0] = '\0';
	assert_null(core_target_by_guid(t, t->core, gone));
	assert_null(core_target_by_name(t, t->core, "t100"));
	check_all(t, guids, N_TARGETS);

	/* a reload rebuilds the indexes from the database */
	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	check_all(t, guids, N_TARGETS);
	assert_null(core_target_by_guid(t, t->core, gone));
	assert_string_equal(core_target_by_name(t, t->core, "renamed-seven")->guid, guids[7]);
	tc_free(t);
}

/* WTD -> targets: a disk is served while an applied target maps it, and
 * stops being served when the mapping goes (unmap, target deleted). */
static void test_mappings_follow_changes(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	uint32_t a, b;
	assert_int_equal(tc_create_disk(t, "a.vhd", 8 * MiB, &a), 0);
	assert_int_equal(tc_create_disk(t, "b.vhd", 8 * MiB, &b), 0);
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof(name), "m%d", i);
		assert_int_equal(tc_create_target(t, name, NULL), 0);
	}
	assert_int_equal(tc_map(t, "m3", a, CORE_LUN_AUTO), 0);
	assert_int_equal(tc_map(t, "m9", a, CORE_LUN_AUTO), 0);
	assert_int_equal(tc_map(t, "m9", b, CORE_LUN_AUTO), 0);
	tc_reconcile(t);
	assert_int_equal(core_disk_by_wtd(t, t->core, a)->status, CORE_DEVICE_IN_USE);
	assert_int_equal(core_disk_by_wtd(t, t->core, b)->status, CORE_DEVICE_IN_USE);

	assert_int_equal(tc_delete_target(t, "m9"), 0);
	tc_reconcile(t);
	assert_int_equal(core_disk_by_wtd(t, t->core, a)->status, CORE_DEVICE_IN_USE); /* m3 */
	assert_int_equal(core_disk_by_wtd(t, t->core, b)->status, CORE_DEVICE_IDLE);

	/* after a reload too */
	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	tc_reconcile(t);
	assert_int_equal(core_disk_by_wtd(t, t->core, a)->status, CORE_DEVICE_IN_USE);
	assert_int_equal(core_disk_by_wtd(t, t->core, b)->status, CORE_DEVICE_IDLE);
	assert_int_equal(tc_delete_target(t, "m3"), 0);
	tc_reconcile(t);
	assert_int_equal(core_disk_by_wtd(t, t->core, a)->status, CORE_DEVICE_IDLE);
	tc_free(t);
}

/* Disks by path: found after creation, after an update (which replaces the
 * model's copy of the disk), and not after deletion. */
static void test_disks_by_path(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	uint32_t wtd[30];
	char name[32];
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "p%d.vhd", i);
		assert_int_equal(tc_create_disk(t, name, 8 * MiB, &wtd[i]), 0);
	}
	struct core_disk_update u = { .fields = CORE_DISK_SET_DESCRIPTION, .description = "x" };
	struct tevent_req *req = core_disk_update_send(t, t->core, wtd[4], &u);
	tc_wait(t, req);
	assert_int_equal(core_disk_update_recv(req, t, NULL), 0);
	assert_int_equal(tc_delete_disk(t, wtd[9], true), 0);
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "p%d.vhd", i);
		struct core_disk *d = core_disk_by_path(t, t->core, tc_path(t, name), 0);
		if (i == 9) {
			assert_null(d);
			continue;
		}
		assert_non_null(d);
		assert_int_equal(d->wtd, wtd[i]);
	}
	assert_string_equal(core_disk_by_path(t, t->core, tc_path(t, "p4.vhd"), 0)->description, "x");
	tc_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups_follow_changes),
		cmocka_unit_test(test_mappings_follow_changes),
		cmocka_unit_test(test_disks_by_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
