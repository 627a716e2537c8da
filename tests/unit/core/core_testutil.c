#include "core_testutil.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_testutil.h"
#include "istmd/log.h"

struct tc *tc_new(bool with_backend)
{
	struct tc *t = talloc_zero(NULL, struct tc);
	assert_non_null(t);
	t->mem = t;
	t->ev = tevent_context_init(t);
	t->dir = tu_mkdtemp(t, "/tmp");
	assert_non_null(t->dir);
	t->state = talloc_asprintf(t, "%s/state", t->dir);
	t->root = talloc_asprintf(t, "%s/storage", t->dir);
	assert_int_equal(mkdir(t->root, 0755), 0);
	const char *roots[] = { t->root, NULL };
	char *err = NULL;
	assert_int_equal(storage_paths_new(t, roots, NULL, &t->sp, &err), 0);
	fake_loop_init(talloc_asprintf(t, "%s/loops", t->dir));
	if (with_backend)
		t->fb = fake_backend_new(t, t->ev, true);
	t->opts.state_dir = t->state;
	t->opts.storage = t->sp;
	t->opts.backend = t->fb ? &t->fb->base : NULL;
	t->opts.hostname = "testhost";
	t->opts.loop_ops = &fake_loop_ops;
	t->opts.reconcile_interval_s = 3600;
	return t;
}

void tc_free(struct tc *t)
{
	tc_close(t);
	talloc_free(t);
}

static void timeout_handler(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
			    void *priv)
{
	*(bool *)priv = true;
}

void tc_wait(struct tc *t, struct tevent_req *req)
{
	assert_non_null(req);
	bool expired = false;
	struct tevent_timer *te = tevent_add_timer(t->ev, req, tevent_timeval_current_ofs(20, 0),
						   timeout_handler, &expired);
	while (tevent_req_is_in_progress(req) && !expired)
		assert_int_equal(tevent_loop_once(t->ev), 0);
	assert_false(expired);
	talloc_free(te);
}

void tc_run_for(struct tc *t, unsigned ms)
{
	bool expired = false;
	struct tevent_timer *te = tevent_add_timer(
		t->ev, t, tevent_timeval_current_ofs(ms / 1000, (ms % 1000) * 1000), timeout_handler,
		&expired);
	while (!expired)
		assert_int_equal(tevent_loop_once(t->ev), 0);
	(void)te;
}

void tc_reconcile(struct tc *t)
{
	struct tevent_req *req = core_reconcile_wait_send(t, t->core);
	tc_wait(t, req);
	assert_int_equal(core_reconcile_wait_recv(req), 0);
	talloc_free(req);
}

int tc_open(struct tc *t)
{
	struct tevent_req *req = core_open_send(t, t->ev, &t->opts);
	tc_wait(t, req);
	TALLOC_FREE(t->why);
	int rc = core_open_recv(req, t, &t->core, &t->why);
	talloc_free(req);
	if (rc == 0)
		tc_reconcile(t);
	return rc;
}

void tc_close(struct tc *t)
{
	if (t->core == NULL)
		return;
	struct tevent_req *req = core_close_send(t, t->core);
	tc_wait(t, req);
	assert_int_equal(core_close_recv(req), 0);
	talloc_free(req);
	TALLOC_FREE(t->core);
}

char *tc_path(struct tc *t, const char *name)
{
	return talloc_asprintf(t, "%s/%s", t->root, name);
}

static int finish(struct tc *t, struct tevent_req *req, int (*recv)(struct tevent_req *,
								       TALLOC_CTX *, char **))
{
	tc_wait(t, req);
	TALLOC_FREE(t->why);
	int rc = recv(req, t, &t->why);
	talloc_free(req);
	return rc;
}

int tc_create_disk(struct tc *t, const char *name, uint64_t size, uint32_t *wtd)
{
	struct core_disk_spec spec = { .path = tc_path(t, name), .description = name,
				       .type = CORE_WTD_FILE, .new_size = size,
				       .new_type = CORE_VHD_FIXED, .sparse = true };
	struct tevent_req *req = core_disk_create_send(t, t->core, &spec);
	tc_wait(t, req);
	TALLOC_FREE(t->why);
	uint32_t w = 0;
	int rc = core_disk_create_recv(req, t, &w, &t->why);
	talloc_free(req);
	if (wtd != NULL)
		*wtd = w;
	return rc;
}

int tc_register_disk(struct tc *t, const char *name, uint32_t *wtd)
{
	struct core_disk_spec spec = { .path = tc_path(t, name), .type = CORE_WTD_FILE };
	struct tevent_req *req = core_disk_create_send(t, t->core, &spec);
	tc_wait(t, req);
	TALLOC_FREE(t->why);
	int rc = core_disk_create_recv(req, t, wtd, &t->why);
	talloc_free(req);
	return rc;
}

int tc_save(struct tc *t, struct core_target_draft *d)
{
	return finish(t, core_target_save_send(t, t->core, d), core_target_save_recv);
}

int tc_create_target(struct tc *t, const char *name, char guid[CORE_GUID_LEN + 1])
{
	int rc;
	char *why = NULL;
	struct core_target_draft *d = core_target_draft_new(t, t->core, name, &rc, &why);
	if (d == NULL)
		return rc;
	if (guid != NULL)
		snprintf(guid, CORE_GUID_LEN + 1, "%s", core_draft_target(d)->guid);
	rc = tc_save(t, d);
	talloc_free(d);
	return rc;
}

int tc_map(struct tc *t, const char *target, uint32_t wtd, uint32_t lun)
{
	return finish(t, core_target_map_send(t, t->core, target, wtd, lun),
		      core_target_change_recv);
}

int tc_delete_disk(struct tc *t, uint32_t wtd, bool delete_file)
{
	return finish(t, core_disk_delete_send(t, t->core, wtd, delete_file),
		      core_disk_delete_recv);
}

int tc_grow(struct tc *t, uint32_t wtd, uint64_t new_size)
{
	return finish(t, core_disk_grow_send(t, t->core, wtd, new_size), core_disk_grow_recv);
}

int tc_delete_target(struct tc *t, const char *name)
{
	return finish(t, core_target_delete_send(t, t->core, name), core_target_delete_recv);
}

unsigned tc_count_files(struct tc *t, const char *prefix)
{
	DIR *d = opendir(t->root);
	unsigned n = 0;
	struct dirent *de;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

bool tc_exists(struct tc *t, const char *name)
{
	struct stat st;
	char *p = tc_path(t, name);
	bool e = stat(p, &st) == 0;
	talloc_free(p);
	return e;
}
