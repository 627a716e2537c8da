/* The tgt backend's cache of tgtd's state: after a plan ran, planning the
 * same target again from the cache gives nothing to do; tids are found in
 * O(1) and freed ones are reused; accounts follow the plans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/tgt_cache.h"
#include "backend/tgt_plan.h"

#define N 1000

struct fixture {
	struct iscsi_lun lun;
	struct iscsi_acl_entry acl[2];
	struct iscsi_chap_account in;
	struct iscsi_target want;
	char iqn[64], path[32], user[32];
};

static void make(struct fixture *f, int i, bool chap)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->iqn, sizeof(f->iqn), "iqn.2024-01.org.istmd:t%d", i);
	snprintf(f->path, sizeof(f->path), "/dev/loop%d", i);
	snprintf(f->user, sizeof(f->user), "user%d", i);
	f->lun = (struct iscsi_lun){ .lun = 1, .path = f->path, .serial = "S", .direct_io = true };
	f->acl[0] = (struct iscsi_acl_entry){ ISCSI_ACL_IQN, "iqn.2024-01.init:a" };
	f->acl[1] = (struct iscsi_acl_entry){ ISCSI_ACL_ADDRESS, "10.0.0.0/8" };
	f->in = (struct iscsi_chap_account){ f->user, "secret-secret" };
	f->want = (struct iscsi_target){ .iqn = f->iqn, .enabled = true, .luns = &f->lun,
					 .n_luns = 1, .acl = f->acl, .n_acl = 2 };
	if (chap) {
		f->want.chap_in = &f->in;
		f->want.n_chap_in = 1;
	}
}

static void plan(TALLOC_CTX *mem, struct tgt_cache *c, const struct tgt_secrets *secrets,
		 const struct iscsi_target *want, struct tgt_plan *p)
{
	static struct iscsi_portal portal = { "127.0.0.1", 3260 };
	struct tgt_live view;
	tgt_cache_view(c, &view);
	view.params = tgt_default_params; /* what "show --tid" says of an untouched target */
	char *why = NULL;
	assert_int_equal(tgt_plan_apply(mem, &view, secrets, want, &portal, 1, p, &why), 0);
}

static void test_apply_then_nothing_to_do(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_cache *c = tgt_cache_new(mem);
	struct tgt_secrets secrets = { 0 };
	struct iscsi_portal portal = { "127.0.0.1", 3260 };
	struct tgt_live empty = { .portals = &portal, .n_portals = 1 };
	assert_false(tgt_cache_valid(c));
	assert_int_equal(tgt_cache_fill(c, &empty), 0);
	assert_true(tgt_cache_valid(c));

	struct fixture f;
	struct tgt_plan p;
	for (int i = 0; i < N; i++) {
		make(&f, i, i % 10 == 0);
		plan(mem, c, &secrets, &f.want, &p);
		assert_int_equal(p.tid, i + 1);
		assert_true(p.n_steps > 0);
		for (size_t k = 0; k < p.n_steps; k++)
			if (p.steps[k].account_user != NULL && p.steps[k].account_secret != NULL)
				tgt_secrets_set(mem, &secrets, p.steps[k].account_user,
						p.steps[k].account_secret);
		assert_int_equal(tgt_cache_applied(c, &f.want, &p), 0);
	}
	for (int i = 0; i < N; i++) {
		make(&f, i, i % 10 == 0);
		plan(mem, c, &secrets, &f.want, &p);
		assert_int_equal(p.tid, i + 1);
		assert_int_equal(p.n_steps, 0);
	}

	/* a change: only that change is planned, and the cache follows it */
	make(&f, 5, false);
	f.want.n_acl = 1;
	plan(mem, c, &secrets, &f.want, &p);
	assert_int_equal(p.n_steps, 1);
	assert_int_equal(tgt_cache_applied(c, &f.want, &p), 0);
	plan(mem, c, &secrets, &f.want, &p);
	assert_int_equal(p.n_steps, 0);

	/* removal frees the tid (the lowest free one is used next) and the
	 * account nobody else binds */
	struct tgt_live view;
	tgt_cache_view(c, &view);
	assert_int_equal(tgt_plan_remove(mem, &view, "iqn.2024-01.org.istmd:t500", &p), 0);
	assert_int_equal(p.n_steps, 2); /* the target, and user500 */
	assert_int_equal(tgt_cache_removed(c, "iqn.2024-01.org.istmd:t500", &p), 0);
	tgt_cache_view(c, &view);
	assert_null(tgt_live_find(&view, "iqn.2024-01.org.istmd:t500"));
	assert_int_equal(view.n_targets, N - 1);
	for (size_t i = 0; i < view.n_accounts; i++)
		assert_string_not_equal(view.accounts[i], "user500");
	/* every other target is still found where the index says */
	for (int i = 0; i < N; i++) {
		make(&f, i, false);
		const struct tgt_live_target *t = tgt_live_find(&view, f.iqn);
		if (i == 500) {
			assert_null(t);
			continue;
		}
		assert_non_null(t);
		assert_string_equal(t->iqn, f.iqn);
		assert_int_equal(t->tid, i + 1);
	}
	make(&f, N + 1, false);
	plan(mem, c, &secrets, &f.want, &p);
	assert_int_equal(p.tid, 501);
	assert_int_equal(tgt_cache_applied(c, &f.want, &p), 0);
	make(&f, N + 2, false);
	plan(mem, c, &secrets, &f.want, &p);
	assert_int_equal(p.tid, N + 1);

	/* invalid until the next fill */
	tgt_cache_invalidate(c);
	assert_false(tgt_cache_valid(c));
	assert_int_equal(tgt_cache_applied(c, &f.want, &p), 0); /* ignored */
	assert_false(tgt_cache_valid(c));
	talloc_free(mem);
}

/* A plan that changes the portals: the cache cannot follow it and asks for
 * a fresh read. */
static void test_portal_change_invalidates(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_cache *c = tgt_cache_new(mem);
	struct tgt_secrets secrets = { 0 };
	struct tgt_live empty = { 0 };
	assert_int_equal(tgt_cache_fill(c, &empty), 0);
	struct fixture f;
	struct tgt_plan p;
	make(&f, 1, false);
	plan(mem, c, &secrets, &f.want, &p);
	assert_int_equal(p.steps[0].req.mode, TGT_MODE_PORTAL);
	assert_int_equal(tgt_cache_applied(c, &f.want, &p), 0);
	assert_false(tgt_cache_valid(c));
	talloc_free(mem);
}

/* Negotiation parameters (issue 16): known after a plan ran (tgt's
 * defaults where the target leaves them), kept by a fill for the same tid
 * and IQN, forgotten for another IQN at that tid and after an
 * invalidation. */
static void test_params_follow_plans_and_fills(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_cache *c = tgt_cache_new(mem);
	struct tgt_secrets secrets = { 0 };
	struct iscsi_portal portal = { "127.0.0.1", 3260 };
	struct tgt_live empty = { .portals = &portal, .n_portals = 1 };
	assert_int_equal(tgt_cache_fill(c, &empty), 0);
	struct fixture f;
	struct tgt_plan p;
	struct iscsi_negotiation got;
	make(&f, 1, false);
	f.want.params.max_burst_length = 1048576;
	f.want.params.header_digest = ISCSI_YES;
	assert_false(tgt_cache_params(c, 1, f.iqn, &got));
	plan(mem, c, &secrets, &f.want, &p);
	assert_int_equal(tgt_cache_applied(c, &f.want, &p), 0);
	assert_true(tgt_cache_params(c, p.tid, f.iqn, &got));
	assert_int_equal(got.max_burst_length, 1048576);
	assert_int_equal(got.header_digest, ISCSI_YES);
	assert_int_equal(got.max_recv_data_segment_length,
			 tgt_default_params.max_recv_data_segment_length);
	assert_int_equal(got.initial_r2t, tgt_default_params.initial_r2t);
	assert_false(tgt_cache_params(c, p.tid, "iqn.2024-01.other:x", &got));

	/* a fill from tgtd's list (which has no parameters) keeps them ... */
	struct tgt_live_target lt[2] = {
		{ .tid = 1, .iqn = f.iqn, .driver = "iscsi", .ready = true },
		{ .tid = 2, .iqn = "iqn.2024-01.org.istmd:t2", .driver = "iscsi" },
	};
	struct tgt_live live = { .targets = lt, .n_targets = 2, .portals = &portal,
				 .n_portals = 1 };
	assert_int_equal(tgt_cache_fill(c, &live), 0);
	assert_true(tgt_cache_params(c, 1, f.iqn, &got));
	assert_int_equal(got.max_burst_length, 1048576);
	assert_false(tgt_cache_params(c, 2, lt[1].iqn, &got));
	struct iscsi_negotiation read = tgt_default_params;
	read.max_connections = 4;
	tgt_cache_set_params(c, 2, lt[1].iqn, &read);
	assert_true(tgt_cache_params(c, 2, lt[1].iqn, &got));
	assert_int_equal(got.max_connections, 4);
	tgt_cache_set_params(c, 3, "iqn.2024-01.none:x", &read); /* unknown: ignored */
	assert_false(tgt_cache_params(c, 3, "iqn.2024-01.none:x", &got));

	/* ... but not for another target at the same tid */
	lt[1].iqn = "iqn.2024-01.org.istmd:t2-again";
	assert_int_equal(tgt_cache_fill(c, &live), 0);
	assert_true(tgt_cache_params(c, 1, f.iqn, &got));
	assert_false(tgt_cache_params(c, 2, lt[1].iqn, &got));

	/* removal moves the last target into the hole: its parameters follow */
	tgt_cache_set_params(c, 2, lt[1].iqn, &read);
	struct tgt_live view;
	tgt_cache_view(c, &view);
	assert_int_equal(tgt_plan_remove(mem, &view, f.iqn, &p), 0);
	assert_int_equal(tgt_cache_removed(c, f.iqn, &p), 0);
	assert_false(tgt_cache_params(c, 1, f.iqn, &got));
	assert_true(tgt_cache_params(c, 2, lt[1].iqn, &got));
	assert_int_equal(got.max_connections, 4);

	/* an invalidation (a failure, a tgtd restart) forgets them all */
	tgt_cache_invalidate(c);
	assert_false(tgt_cache_params(c, 2, lt[1].iqn, &got));
	assert_int_equal(tgt_cache_fill(c, &live), 0);
	assert_false(tgt_cache_params(c, 2, lt[1].iqn, &got));
	talloc_free(mem);
}

/* The refresh window moves on at each list and covers every position. */
static void test_refresh_window(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_cache *c = tgt_cache_new(mem);
	const size_t n = 300;
	unsigned seen[300] = { 0 };
	size_t first, count, calls = (n + TGT_CACHE_REFRESH - 1) / TGT_CACHE_REFRESH;
	for (size_t k = 0; k < calls; k++) {
		tgt_cache_refresh_window(c, n, &first, &count);
		assert_int_equal(count, TGT_CACHE_REFRESH);
		size_t in = 0;
		for (size_t i = 0; i < n; i++)
			if (tgt_cache_in_window(i, n, first, count)) {
				seen[i]++;
				in++;
			}
		assert_int_equal(in, count);
	}
	for (size_t i = 0; i < n; i++)
		assert_true(seen[i] >= 1);
	/* fewer targets than the window: all of them, every time */
	tgt_cache_refresh_window(c, 5, &first, &count);
	assert_int_equal(count, 5);
	for (size_t i = 0; i < 5; i++)
		assert_true(tgt_cache_in_window(i, 5, first, count));
	tgt_cache_refresh_window(c, 0, &first, &count);
	assert_int_equal(count, 0);
	assert_false(tgt_cache_in_window(0, 0, first, count));
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_then_nothing_to_do),
		cmocka_unit_test(test_portal_change_invalidates),
		cmocka_unit_test(test_params_follow_plans_and_fills),
		cmocka_unit_test(test_refresh_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
