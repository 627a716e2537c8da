/* Crash atomicity. A child process runs an operation and is killed with
 * SIGKILL at one of the core's crash points (between two steps); the test
 * then starts a core over the same state and storage and checks that the
 * change happened wholly or not at all: no half row, no orphan file, no
 * leftover temporary, no leaked loop device, no intent left. Some states a
 * crash cannot easily produce are built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/vhd.h"
#include "backend_testutil.h"
#include "core/store.h"
#include "core_testutil.h"

#define MiB (1024 * 1024ull)

/* ---- the child: plain code, no cmocka (a failed assertion there would run
 * the following tests in the child) ---- */

static void crash_hook(const char *point, void *priv)
{
	if (strcmp(point, (const char *)priv) == 0)
		kill(getpid(), SIGKILL);
}

static void child_wait(struct tc *t, struct tevent_req *req)
{
	for (int i = 0; i < 200000 && tevent_req_is_in_progress(req); i++)
		if (tevent_loop_once(t->ev) != 0)
			_exit(5);
	if (tevent_req_is_in_progress(req))
		_exit(6);
}

enum action { CREATE, GROW, DELETE, SAVE };

struct scenario {
	const char *point;
	enum action action;
	bool whole; /* the change must be there after the restart (else: absent) */
};

static void child(struct tc *t, const struct scenario *sc, uint32_t wtd)
{
	t->opts.crash_point = crash_hook;
	t->opts.crash_priv = (void *)sc->point;
	struct tevent_req *req = core_open_send(t, t->ev, &t->opts);
	child_wait(t, req);
	if (core_open_recv(req, t, &t->core, NULL) != 0)
		_exit(2);
	struct core_disk_spec spec = { .path = tc_path(t, "new.vhd"), .type = CORE_WTD_FILE,
				       .new_size = 16 * MiB, .new_type = CORE_VHD_FIXED };
	int rc;
	struct core_target_draft *d;
	switch (sc->action) {
	case CREATE:
		req = core_disk_create_send(t, t->core, &spec);
		break;
	case GROW:
		req = core_disk_grow_send(t, t->core, wtd, 24 * MiB);
		break;
	case DELETE:
		req = core_disk_delete_send(t, t->core, wtd, true);
		break;
	case SAVE:
		d = core_target_draft_new(t, t->core, "saved", &rc, NULL);
		if (d == NULL)
			_exit(7);
		req = core_target_save_send(t, t->core, d);
		break;
	}
	child_wait(t, req);
	_exit(3); /* the crash point was never reached */
}

/* The state before each scenario: disk "old.vhd" (8 MiB) mapped to target
 * "t", served (one loop device). */
static struct tc *prepare(uint32_t *wtd)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	assert_int_equal(tc_create_disk(t, "old.vhd", 8 * MiB, wtd), 0);
	assert_int_equal(tc_create_target(t, "t", NULL), 0);
	assert_int_equal(tc_map(t, "t", *wtd, CORE_LUN_AUTO), 0);
	assert_int_equal(fake_loop_count(), 1);
	tc_close(t);
	return t;
}

static unsigned stored_intents(struct tc *t)
{
	struct store *s;
	struct model *m;
	char *why = NULL;
	assert_int_equal(store_open(t, t->state, &s, &why), 0);
	assert_int_equal(store_load(s, t, &m, &why), 0);
	unsigned n = (unsigned)m->n_intents;
	talloc_free(m);
	talloc_free(s);
	return n;
}

static uint64_t vhd_size(struct tc *t, const char *name)
{
	int fd = open(tc_path(t, name), O_RDONLY);
	assert_true(fd >= 0);
	struct vhd_info *info = NULL;
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_inspect(t, fd, &info, reason), 0);
	close(fd);
	return info->virtual_size;
}

static void run_scenario(const struct scenario *sc)
{
	uint32_t wtd;
	struct tc *t = prepare(&wtd);
	char *old_file = tc_path(t, "old.vhd");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(t, sc, wtd);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status))
		fail_msg("%s: the child exited with %d instead of being killed", sc->point,
			 WEXITSTATUS(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	/* restart over what the crash left */
	assert_int_equal(tc_open(t), 0);
	tc_reconcile(t);
	assert_int_equal(tc_count_files(t, ".istmd"), 0); /* no temporary left */
	struct core_target *tg = core_target_by_name(t, t->core, "t");
	switch (sc->action) {
	case CREATE: {
		struct core_disk *d = core_disk_by_path(t, t->core, "D:\\new.vhd", 0);
		if (sc->whole) {
			assert_non_null(d);
			assert_int_equal(d->size, 16 * MiB);
			assert_int_equal(vhd_size(t, "new.vhd"), 16 * MiB);
		} else {
			assert_null(d);
			assert_false(tc_exists(t, "new.vhd")); /* no orphan file */
		}
		/* either way, creating it (again) behaves */
		uint32_t w;
		assert_int_equal(tc_create_disk(t, "new.vhd", 16 * MiB, &w),
				 sc->whole ? -EEXIST : 0);
		break;
	}
	case GROW: {
		struct core_disk *d = core_disk_by_wtd(t, t->core, wtd);
		uint64_t want = sc->whole ? 24 * MiB : 8 * MiB;
		assert_int_equal(d->size, want);
		assert_int_equal(vhd_size(t, "old.vhd"), want);
		/* served at the recorded size, and only that */
		assert_int_equal(fake_loop_count_over(old_file, want), 1);
		assert_int_equal(fake_loop_count(), 1);
		assert_int_equal(fake_backend_target(t->fb, tg->iqn)->luns[0].size, want);
		break;
	}
	case DELETE:
		assert_null(core_disk_by_wtd(t, t->core, wtd));
		assert_int_equal(tg->n_luns, 0);
		assert_false(tc_exists(t, "old.vhd"));
		assert_int_equal(fake_loop_count(), 0); /* no leaked loop device */
		assert_int_equal(fake_backend_target(t->fb, tg->iqn)->n_luns, 0);
		break;
	case SAVE: {
		struct core_target *s = core_target_by_name(t, t->core, "saved");
		if (sc->whole) {
			assert_non_null(s);
			assert_non_null(fake_backend_target(t->fb, s->iqn)); /* applied */
		} else {
			assert_null(s);
		}
		break;
	}
	}
	tc_close(t);
	assert_int_equal(stored_intents(t), 0);
	tc_free(t);
}

#define SCENARIO(fn, p, a, w) \
	static void fn(void **unused) \
	{ \
		static const struct scenario sc = { p, a, w }; \
		run_scenario(&sc); \
	}

SCENARIO(test_create_after_intent, "create.intent", CREATE, false)
SCENARIO(test_create_after_file, "create.file", CREATE, false)
SCENARIO(test_create_after_commit, "create.commit", CREATE, true)
SCENARIO(test_create_after_rename, "create.rename", CREATE, true)
SCENARIO(test_grow_after_intent, "grow.intent", GROW, false)
SCENARIO(test_grow_after_file, "grow.file", GROW, true)
SCENARIO(test_grow_after_commit, "grow.commit", GROW, true)
SCENARIO(test_grow_after_cleanup, "grow.cleanup", GROW, true)
SCENARIO(test_delete_after_commit, "delete.commit", DELETE, true)
SCENARIO(test_delete_after_cleanup, "delete.cleanup", DELETE, true)
SCENARIO(test_save_after_commit, "save.commit", SAVE, true)

/* ---- states built by hand ---- */

static void put_intent(struct tc *t, const struct intent *i, const struct core_disk *d)
{
	struct store *s;
	char *why = NULL;
	assert_int_equal(store_open(t, t->state, &s, &why), 0);
	struct store_tx *tx = store_tx_new(t);
	if (d != NULL)
		assert_int_equal(store_tx_put_disk(tx, d), 0);
	assert_int_equal(store_tx_put_intent(tx, i), 0);
	assert_int_equal(store_tx_run(s, tx, &why), 0);
	talloc_free(s);
}

/* Phase 2 of a creation whose name someone took meanwhile: the disk row goes,
 * the foreign file stays, our temporary goes. */
static void test_created_name_taken(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	tc_close(t);
	int dirfd = open(t->root, O_RDONLY | O_DIRECTORY);
	assert_int_equal(vhd_create_fixed(dirfd, ".istmd-new-1-0.vhd", 8 * MiB, NULL, NULL), 0);
	close(dirfd);
	tu_write_file(tc_path(t, "x.vhd"), "foreign", 7);
	struct core_disk d = { .wtd = 9, .guid = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
			       .serial = "s", .device_id = "d", .path = tc_path(t, "x.vhd"),
			       .description = "", .type = CORE_WTD_FILE, .size = 8 * MiB,
			       .vhd_type = CORE_VHD_FIXED, .parent_path = "", .resource_name = "",
			       .resource_group = "" };
	struct intent i = { .id = 1, .kind = INTENT_CREATE_FILE, .phase = 2, .wtd = 9,
			    .path = tc_path(t, "x.vhd"), .tmp_name = ".istmd-new-1-0.vhd" };
	put_intent(t, &i, &d);
	assert_int_equal(tc_open(t), 0);
	assert_null(core_disk_by_wtd(t, t->core, 9));
	size_t len;
	uint8_t *data = tu_read_file(t, tc_path(t, "x.vhd"), &len);
	assert_int_equal(len, 7);
	assert_memory_equal(data, "foreign", 7);
	assert_int_equal(tc_count_files(t, ".istmd"), 0);
	tc_close(t);
	assert_int_equal(stored_intents(t), 0);
	tc_free(t);
}

/* Phase 1 with the temporary file complete: removed. */
static void test_created_never_committed(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	tc_close(t);
	int dirfd = open(t->root, O_RDONLY | O_DIRECTORY);
	assert_int_equal(vhd_create_fixed(dirfd, ".istmd-new-4-1.vhd", 8 * MiB, NULL, NULL), 0);
	close(dirfd);
	struct intent i = { .id = 4, .kind = INTENT_CREATE_FILE, .phase = 1, .wtd = 3,
			    .path = tc_path(t, "y.vhd"), .tmp_name = ".istmd-new-4-1.vhd" };
	put_intent(t, &i, NULL);
	assert_int_equal(tc_open(t), 0);
	assert_int_equal(tc_count_files(t, ".istmd"), 0);
	assert_false(tc_exists(t, "y.vhd"));
	size_t n;
	struct core_disk **disks;
	assert_int_equal(core_disk_list(t, t->core, &disks, &n), 0);
	assert_int_equal(n, 0);
	tc_free(t);
}

/* A grow whose file never changed: rolled back to the recorded size. */
static void test_grow_never_started(void **unused)
{
	uint32_t wtd;
	struct tc *t = prepare(&wtd);
	struct intent i = { .id = 5, .kind = INTENT_GROW, .phase = 1, .wtd = wtd,
			    .path = tc_path(t, "old.vhd"), .tmp_name = "", .old_size = 8 * MiB,
			    .new_size = 32 * MiB };
	put_intent(t, &i, NULL);
	assert_int_equal(tc_open(t), 0);
	assert_int_equal(core_disk_by_wtd(t, t->core, wtd)->size, 8 * MiB);
	assert_int_equal(vhd_size(t, "old.vhd"), 8 * MiB);
	tc_close(t);
	assert_int_equal(stored_intents(t), 0);
	tc_free(t);
}

/* An intent whose storage root is gone stays for a later start, and the
 * core still starts. */
static void test_unreachable_intent_kept(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	tc_close(t);
	struct intent i = { .id = 2, .kind = INTENT_CREATE_FILE, .phase = 1, .wtd = 3,
			    .path = "/nonexistent-root/z.vhd", .tmp_name = ".istmd-new-2-0.vhd" };
	put_intent(t, &i, NULL);
	assert_int_equal(tc_open(t), 0);
	tc_close(t);
	assert_int_equal(stored_intents(t), 1);
	tc_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_after_intent),
		cmocka_unit_test(test_create_after_file),
		cmocka_unit_test(test_create_after_commit),
		cmocka_unit_test(test_create_after_rename),
		cmocka_unit_test(test_grow_after_intent),
		cmocka_unit_test(test_grow_after_file),
		cmocka_unit_test(test_grow_after_commit),
		cmocka_unit_test(test_grow_after_cleanup),
		cmocka_unit_test(test_delete_after_commit),
		cmocka_unit_test(test_delete_after_cleanup),
		cmocka_unit_test(test_save_after_commit),
		cmocka_unit_test(test_created_name_taken),
		cmocka_unit_test(test_created_never_committed),
		cmocka_unit_test(test_grow_never_started),
		cmocka_unit_test(test_unreachable_intent_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
