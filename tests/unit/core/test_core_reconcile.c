/* The reconciler against a fake backend: what reaches the backend, restarts
 * of the daemon (new generations), drift, retries with back-off, loop
 * devices following mappings, growth and deletion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "istmd/log.h"

#include "core_testutil.h"

#define MiB (1024 * 1024ull)

static struct tc *setup_target_with_lun(uint32_t *wtd_out)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "a.vhd", 8 * MiB, &wtd), 0);
	assert_int_equal(tc_create_target(t, "t1", NULL), 0);
	assert_int_equal(tc_map(t, "t1", wtd, CORE_LUN_AUTO), 0);
	if (wtd_out)
		*wtd_out = wtd;
	return t;
}

static void test_target_reaches_backend(void **unused)
{
	uint32_t wtd;
	struct tc *t = setup_target_with_lun(&wtd);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	assert_non_null(tg);
	assert_string_equal(tg->iqn, "iqn.2025-01.org.istmd:testhost-t1-target");
	struct iscsi_target *live = fake_backend_target(t->fb, tg->iqn);
	assert_non_null(live);
	assert_true(live->enabled);
	assert_int_equal(live->n_luns, 1);
	assert_int_equal(live->luns[0].lun, 1); /* tgt's LUN 0 is its controller */
	assert_int_equal(live->luns[0].size, 8 * MiB);
	assert_true(live->luns[0].direct_io);
	assert_non_null(strstr(live->luns[0].path, "fake-loop"));
	assert_int_equal(live->n_acl, 0); /* nobody may log in yet */
	assert_int_equal(live->params.max_recv_data_segment_length, 65536);
	assert_int_equal(live->params.first_burst_length, 65536);
	assert_int_equal(live->params.max_burst_length, 262144);
	assert_int_equal(live->params.nop_interval, CORE_IDLE_NOP_INTERVAL);
	assert_int_equal(fake_loop_count(), 1);
	char *file = tc_path(t, "a.vhd");
	assert_int_equal(fake_loop_count_over(file, 8 * MiB), 1);

	struct core_disk *d = core_disk_by_wtd(t, t->core, wtd);
	assert_int_equal(d->status, CORE_DEVICE_IN_USE);
	struct core_target_state st;
	assert_int_equal(core_target_state(t, t->core, tg->guid, &st), 0);
	assert_true(st.applied);
	assert_int_equal(st.error, 0);
	tc_free(t);
}

static void test_ids_and_chap_reach_backend(void **unused)
{
	struct tc *t = setup_target_with_lun(NULL);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	struct core_target_draft *d = core_target_draft_open(t, t->core, tg->guid);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, "iqn.1991-05.com.microsoft:host", NULL), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IP, "192.0.2.7", NULL), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IPV6, "2001:DB8:0:0:0:0:0:1", NULL), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_DNS, "LOCALHOST", NULL), 0);
	core_draft_set_chap_enabled(d, false, true);
	assert_int_equal(core_draft_set_chap_user(d, false, "alice"), 0);
	assert_int_equal(core_draft_set_chap_secret(d, false, "alicesecret12"), 0);
	core_draft_set_chap_enabled(d, true, true);
	assert_int_equal(core_draft_set_chap_user(d, true, "target"), 0);
	assert_int_equal(core_draft_set_chap_secret(d, true, "targetsecret1"), 0);
	assert_int_equal(tc_save(t, d), 0);

	struct iscsi_target *live = fake_backend_target(t->fb, tg->iqn);
	assert_non_null(live);
	bool iqn = false, v4 = false, v6 = false, dns = false;
	for (size_t i = 0; i < live->n_acl; i++) {
		const struct iscsi_acl_entry *a = &live->acl[i];
		iqn |= a->kind == ISCSI_ACL_IQN && strcmp(a->value, "iqn.1991-05.com.microsoft:host") == 0;
		v4 |= a->kind == ISCSI_ACL_ADDRESS && strcmp(a->value, "192.0.2.7") == 0;
		v6 |= a->kind == ISCSI_ACL_ADDRESS && strcmp(a->value, "2001:db8::1") == 0;
		dns |= a->kind == ISCSI_ACL_ADDRESS &&
		       (strcmp(a->value, "127.0.0.1") == 0 || strcmp(a->value, "::1") == 0);
	}
	assert_true(iqn && v4 && v6 && dns);
	assert_int_equal(live->n_chap_in, 1);
	assert_string_equal(live->chap_in[0].user, "alice");
	assert_string_equal(live->chap_in[0].secret, "alicesecret12");
	assert_non_null(live->chap_out);
	assert_string_equal(live->chap_out->user, "target");

	/* IQN "*" is everybody */
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, "*", NULL), 0);
	assert_int_equal(tc_save(t, d), 0);
	live = fake_backend_target(t->fb, tg->iqn);
	bool any = false;
	for (size_t i = 0; i < live->n_acl; i++)
		any |= live->acl[i].kind == ISCSI_ACL_ANY;
	assert_true(any);
	tc_free(t);
}

/* A backend whose access control is by IQN only (LIO): IP, IPv6 and DNS
 * IDs are refused (-EOPNOTSUPP: ERROR_NOT_SUPPORTED) rather than accepted
 * and not enforced; IQNs and "*" work; a malformed address is still -EINVAL. */
static void test_iqn_only_backend_refuses_address_ids(void **unused)
{
	struct tc *t = tc_new(true);
	t->fb->base.caps.iqn_acls_only = true;
	assert_int_equal(tc_open(t), 0);
	assert_int_equal(tc_create_target(t, "t1", NULL), 0);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	struct core_target_draft *d = core_target_draft_open(t, t->core, tg->guid);
	char *why = NULL;
	assert_int_equal(core_draft_add_id(d, CORE_ID_IP, "192.0.2.7", &why), -EOPNOTSUPP);
	assert_non_null(why);
	assert_non_null(strstr(why, "IQN"));
	assert_int_equal(core_draft_add_id(d, CORE_ID_IPV6, "2001:db8::1", NULL), -EOPNOTSUPP);
	assert_int_equal(core_draft_add_id(d, CORE_ID_DNS, "localhost", NULL), -EOPNOTSUPP);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IP, "not-an-address", NULL), -EINVAL);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, "iqn.1991-05.com.microsoft:host", NULL),
			 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, "*", NULL), 0);
	assert_int_equal(tc_save(t, d), 0);
	struct iscsi_target *live = fake_backend_target(t->fb, tg->iqn);
	assert_non_null(live);
	for (size_t i = 0; i < live->n_acl; i++)
		assert_int_not_equal(live->acl[i].kind, ISCSI_ACL_ADDRESS);
	assert_int_equal(live->n_acl, 2);
	tc_free(t);
}

/* An IP ID stored while the backend could enforce it (tgt), then an
 * IQN-only backend (LIO): it grants nothing there and is no drift, so the
 * target is not applied again at every full pass. */
static void test_iqn_only_backend_stored_address_id(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	assert_int_equal(tc_create_target(t, "t1", NULL), 0);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	struct core_target_draft *d = core_target_draft_open(t, t->core, tg->guid);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IP, "192.0.2.7", NULL), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, "iqn.1991-05.com.microsoft:host", NULL),
			 0);
	assert_int_equal(tc_save(t, d), 0);
	char *iqn = talloc_strdup(t, tg->iqn);
	tc_close(t);
	t->fb->base.caps.iqn_acls_only = true;
	fake_backend_restart(t->fb);
	assert_int_equal(tc_open(t), 0);
	for (int i = 0; i < 2; i++) {
		struct tevent_req *req = core_reconcile_check_send(t, t->core);
		tc_wait(t, req);
		assert_int_equal(core_reconcile_wait_recv(req), 0);
		talloc_free(req);
	}
	struct iscsi_target *live = fake_backend_target(t->fb, iqn);
	assert_non_null(live);
	assert_int_equal(live->n_acl, 1);
	unsigned applies = t->fb->applies;
	uint64_t drifts0, drifts1;
	core_reconcile_stats(t->core, NULL, &drifts0);
	for (int i = 0; i < 2; i++) {
		struct tevent_req *req = core_reconcile_check_send(t, t->core);
		tc_wait(t, req);
		assert_int_equal(core_reconcile_wait_recv(req), 0);
		talloc_free(req);
	}
	core_reconcile_stats(t->core, NULL, &drifts1);
	assert_int_equal(t->fb->applies, applies);
	assert_int_equal(drifts1, drifts0);
	/* still listed, still removable */
	tg = core_target_by_name(t, t->core, "t1");
	assert_int_equal(tg->n_ids, 2);
	tc_free(t);
}

static void test_backend_restart_reapplies(void **unused)
{
	struct tc *t = setup_target_with_lun(NULL);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	uint64_t drifts0;
	core_reconcile_stats(t->core, NULL, &drifts0);
	fake_backend_restart(t->fb);
	assert_null(fake_backend_target(t->fb, tg->iqn));
	/* the UP event starts a full pass at once: well within 2 s */
	tc_run_for(t, 300);
	assert_non_null(fake_backend_target(t->fb, tg->iqn));
	uint64_t drifts1;
	core_reconcile_stats(t->core, NULL, &drifts1);
	assert_int_equal(drifts1, drifts0); /* a new daemon is not drift */
	tc_free(t);
}

static void test_down_then_up(void **unused)
{
	struct tc *t = tc_new(true);
	fake_backend_down(t->fb);
	assert_int_equal(tc_open(t), 0);
	/* changes while the daemon is down are committed and wait */
	assert_int_equal(tc_create_target(t, "t1", NULL), 0);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	assert_null(fake_backend_target(t->fb, tg->iqn));
	struct core_target_state st;
	assert_int_equal(core_target_state(t, t->core, tg->guid, &st), 0);
	assert_false(st.applied);
	fake_backend_up(t->fb);
	tc_run_for(t, 300);
	assert_non_null(fake_backend_target(t->fb, tg->iqn));
	tc_free(t);
}

static void test_removal_while_unreachable(void **unused)
{
	struct tc *t = setup_target_with_lun(NULL);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	/* the connection to the daemon breaks, the daemon keeps its targets */
	fake_backend_down(t->fb);
	assert_int_equal(tc_delete_target(t, "t1"), 0);
	assert_non_null(fake_backend_target(t->fb, tg->iqn));
	fake_backend_reconnect(t->fb);
	tc_run_for(t, 300);
	assert_null(fake_backend_target(t->fb, tg->iqn));
	assert_int_equal(fake_loop_count(), 0);
	tc_free(t);
}

static void test_drift_is_repaired(void **unused)
{
	struct tc *t = setup_target_with_lun(NULL);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	struct iscsi_target *live = fake_backend_target(t->fb, tg->iqn);
	live->n_luns = 0;                                  /* someone removed the LUN */
	fake_backend_add_live(t->fb, "iqn.2000-01.com.example:stray"); /* and added a target */
	uint64_t d0, d1;
	core_reconcile_stats(t->core, NULL, &d0);
	/* the periodic full pass finds both (a short interval for the test) */
	tc_close(t);
	t->opts.reconcile_interval_s = 1;
	assert_int_equal(tc_open(t), 0);
	tc_run_for(t, 1500);
	live = fake_backend_target(t->fb, tg->iqn);
	assert_int_equal(live->n_luns, 1);
	assert_null(fake_backend_target(t->fb, "iqn.2000-01.com.example:stray"));
	core_reconcile_stats(t->core, NULL, &d1);
	(void)d0;
	assert_true(d1 >= 1); /* the stray target at least */

	/* drift within one core's life: the LUN removed again */
	live->n_luns = 0;
	uint64_t before;
	core_reconcile_stats(t->core, NULL, &before);
	tc_run_for(t, 1500);
	live = fake_backend_target(t->fb, tg->iqn);
	assert_int_equal(live->n_luns, 1);
	uint64_t after;
	core_reconcile_stats(t->core, NULL, &after);
	assert_true(after > before);
	tc_free(t);
}

/* Counts lines containing NEEDLE that the code under test logs (to stderr)
 * while FN runs. */
static unsigned count_log_lines(struct tc *t, const char *needle, void (*fn)(struct tc *))
{
	char *file = talloc_asprintf(t, "%s/log", t->dir);
	fflush(stderr);
	int saved = dup(2);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	log_set_journal(false);
	dup2(fd, 2);
	close(fd);
	fn(t);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	unsigned n = 0;
	FILE *f = fopen(file, "r");
	char line[2048];
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	if (f != NULL)
		fclose(f);
	return n;
}

static void fail_twice_then_succeed(struct tc *t)
{
	assert_int_equal(tc_create_target(t, "t1", NULL), 0);
	tc_run_for(t, 3600); /* back-off: 1 s, then 2 s */
}

static void test_apply_failure_retried(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	t->fb->fail_applies = 2;
	t->fb->fail_rc = -ETIMEDOUT;
	/* the save is durable even though the backend fails */
	assert_int_equal(tc_create_target(t, "t1", NULL), 0);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	struct core_target_state st;
	assert_int_equal(core_target_state(t, t->core, tg->guid, &st), 0);
	assert_false(st.applied);
	assert_int_equal(st.error, -ETIMEDOUT);
	assert_non_null(st.reason);
	assert_null(fake_backend_target(t->fb, tg->iqn));
	/* back-off: 1 s, then 2 s */
	tc_run_for(t, 3600);
	assert_non_null(fake_backend_target(t->fb, tg->iqn));
	assert_int_equal(core_target_state(t, t->core, tg->guid, &st), 0);
	assert_true(st.applied);
	assert_int_equal(st.error, 0);
	assert_int_equal(t->fb->applies, 3);
	tc_free(t);

	/* the same cause twice is logged once, and the recovery once */
	t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	t->fb->fail_applies = 2;
	t->fb->fail_rc = -ETIMEDOUT;
	assert_int_equal(count_log_lines(t, "the backend refused it", fail_twice_then_succeed), 1);
	assert_int_equal(t->fb->applies, 3);
	tc_free(t);
}

static void test_loop_failure_leaves_lun_out(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "a.vhd", 8 * MiB, &wtd), 0);
	assert_int_equal(tc_create_target(t, "t1", NULL), 0);
	fake_loop_fail_next(1, -ENOSPC);
	assert_int_equal(tc_map(t, "t1", wtd, CORE_LUN_AUTO), 0);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	struct iscsi_target *live = fake_backend_target(t->fb, tg->iqn);
	assert_int_equal(live->n_luns, 0);
	struct core_target_state st;
	assert_int_equal(core_target_state(t, t->core, tg->guid, &st), 0);
	assert_int_equal(st.n_luns_unserved, 1);
	assert_false(st.applied);
	tc_run_for(t, 1500); /* retried */
	live = fake_backend_target(t->fb, tg->iqn);
	assert_int_equal(live->n_luns, 1);
	tc_free(t);
}

static void test_loop_devices_follow_mappings(void **unused)
{
	uint32_t wtd;
	struct tc *t = setup_target_with_lun(&wtd);
	assert_int_equal(fake_loop_count(), 1);
	/* disabled disk: its LUN goes, and so does its loop device */
	struct core_disk_update u = { .fields = CORE_DISK_SET_ENABLED, .enabled = false };
	struct tevent_req *req = core_disk_update_send(t, t->core, wtd, &u);
	tc_wait(t, req);
	assert_int_equal(core_disk_update_recv(req, t, NULL), 0);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	assert_int_equal(fake_backend_target(t->fb, tg->iqn)->n_luns, 0);
	assert_int_equal(fake_loop_count(), 0);
	u.enabled = true;
	req = core_disk_update_send(t, t->core, wtd, &u);
	tc_wait(t, req);
	assert_int_equal(core_disk_update_recv(req, t, NULL), 0);
	assert_int_equal(fake_backend_target(t->fb, tg->iqn)->n_luns, 1);
	assert_int_equal(fake_loop_count(), 1);
	/* unmapped: no loop device */
	req = core_target_unmap_send(t, t->core, "t1", wtd);
	tc_wait(t, req);
	assert_int_equal(core_target_change_recv(req, t, NULL), 0);
	assert_int_equal(fake_loop_count(), 0);
	assert_int_equal(fake_backend_target(t->fb, tg->iqn)->n_luns, 0);
	tc_free(t);
}

static void test_grow_switches_loop(void **unused)
{
	uint32_t wtd;
	struct tc *t = setup_target_with_lun(&wtd);
	char *file = tc_path(t, "a.vhd");
	assert_int_equal(tc_grow(t, wtd, 16 * MiB), 0);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	struct iscsi_target *live = fake_backend_target(t->fb, tg->iqn);
	assert_int_equal(live->luns[0].size, 16 * MiB);
	assert_int_equal(fake_loop_count_over(file, 16 * MiB), 1);
	assert_int_equal(fake_loop_count_over(file, 8 * MiB), 0);
	assert_int_equal(fake_loop_count(), 1);
	struct core_disk *d = core_disk_by_wtd(t, t->core, wtd);
	assert_int_equal(d->size, 16 * MiB);
	tc_free(t);
}

static void test_delete_disk_cleans_up(void **unused)
{
	uint32_t wtd;
	struct tc *t = setup_target_with_lun(&wtd);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	/* sessions on a target that maps the disk: refused */
	fake_backend_add_session(t->fb, tg->iqn, "iqn.1991-05.com.microsoft:host", 7);
	assert_int_equal(tc_delete_disk(t, wtd, true), -EBUSY);
	t->fb->n_sessions = 0;
	assert_int_equal(tc_delete_disk(t, wtd, true), 0);
	assert_null(core_disk_by_wtd(t, t->core, wtd));
	assert_int_equal(fake_backend_target(t->fb, tg->iqn)->n_luns, 0);
	assert_int_equal(fake_loop_count(), 0);
	assert_false(tc_exists(t, "a.vhd"));
	struct core_target *after = core_target_by_name(t, t->core, "t1");
	assert_int_equal(after->n_luns, 0);
	/* a disk that does not exist is deleted already (MS-ISTM 3.46.4.4) */
	assert_int_equal(tc_delete_disk(t, wtd, false), 0);
	tc_free(t);
}

static void test_delete_target_removes_live(void **unused)
{
	struct tc *t = setup_target_with_lun(NULL);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	assert_int_equal(tc_delete_target(t, "t1"), 0);
	assert_null(fake_backend_target(t->fb, tg->iqn));
	assert_int_equal(fake_loop_count(), 0);
	assert_int_equal(tc_delete_target(t, "t1"), -ENOENT);
	tc_free(t);
}

static void test_rename_iqn_replaces_live(void **unused)
{
	struct tc *t = setup_target_with_lun(NULL);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	struct core_target_draft *d = core_target_draft_open(t, t->core, tg->guid);
	assert_int_equal(core_draft_set_iqn(d, "iqn.2000-01.com.example:new", NULL), 0);
	assert_int_equal(tc_save(t, d), 0);
	assert_null(fake_backend_target(t->fb, tg->iqn));
	assert_non_null(fake_backend_target(t->fb, "iqn.2000-01.com.example:new"));
	tc_free(t);
}

static void test_last_login_observed(void **unused)
{
	struct tc *t = setup_target_with_lun(NULL);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	assert_int_equal(tg->last_login, 0);
	fake_backend_add_session(t->fb, tg->iqn, "iqn.1991-05.com.microsoft:host", 3);
	struct tevent_req *req = core_sessions_send(t, t->core, "t1");
	tc_wait(t, req);
	struct core_session *s = NULL;
	size_t n = 0;
	assert_int_equal(core_sessions_recv(req, t, &s, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].target_name, "t1");
	assert_string_equal(s[0].info.initiator_iqn, "iqn.1991-05.com.microsoft:host");
	tg = core_target_by_name(t, t->core, "t1");
	assert_true(tg->last_login > 116444736000000000LL);
	int64_t first = tg->last_login;
	/* persisted */
	tc_run_for(t, 100);
	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	tg = core_target_by_name(t, t->core, "t1");
	assert_true(tg->last_login >= first);
	req = core_sessions_send(t, t->core, "nope");
	tc_wait(t, req);
	assert_int_equal(core_sessions_recv(req, t, &s, &n), -ENOENT);
	tc_free(t);
}

static void test_restart_core_keeps_everything_served(void **unused)
{
	uint32_t wtd;
	struct tc *t = setup_target_with_lun(&wtd);
	struct core_target *tg = core_target_by_name(t, t->core, "t1");
	unsigned applies = t->fb->applies;
	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	/* the live target already matched: no re-apply, the loop device reused */
	assert_int_equal(t->fb->applies, applies);
	assert_int_equal(fake_loop_count(), 1);
	struct core_target_state st;
	assert_int_equal(core_target_state(t, t->core, tg->guid, &st), 0);
	assert_true(st.applied);
	tc_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_reaches_backend),
		cmocka_unit_test(test_ids_and_chap_reach_backend),
		cmocka_unit_test(test_backend_restart_reapplies),
		cmocka_unit_test(test_down_then_up),
		cmocka_unit_test(test_removal_while_unreachable),
		cmocka_unit_test(test_drift_is_repaired),
		cmocka_unit_test(test_apply_failure_retried),
		cmocka_unit_test(test_loop_failure_leaves_lun_out),
		cmocka_unit_test(test_loop_devices_follow_mappings),
		cmocka_unit_test(test_grow_switches_loop),
		cmocka_unit_test(test_delete_disk_cleans_up),
		cmocka_unit_test(test_delete_target_removes_live),
		cmocka_unit_test(test_rename_iqn_replaces_live),
		cmocka_unit_test(test_last_login_observed),
		cmocka_unit_test(test_restart_core_keeps_everything_served),
		cmocka_unit_test(test_iqn_only_backend_refuses_address_ids),
		cmocka_unit_test(test_iqn_only_backend_stored_address_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
