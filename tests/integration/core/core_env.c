#include "core_env.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "loop_scan.h"

static void timeout_handler(struct tevent_context *ev, struct tevent_timer *te,
			    struct timeval now, void *priv)
{
	*(bool *)priv = true;
}

void ce_run_for(struct core_env *e, unsigned ms)
{
	bool expired = false;
	tevent_add_timer(e->ev, e->mem, tevent_timeval_current_ofs(ms / 1000, (ms % 1000) * 1000),
			 timeout_handler, &expired);
	while (!expired)
		assert_int_equal(tevent_loop_once(e->ev), 0);
}

void ce_wait(struct core_env *e, struct tevent_req *req)
{
	bool expired = false;
	struct tevent_timer *te = tevent_add_timer(e->ev, req, tevent_timeval_current_ofs(60, 0),
						   timeout_handler, &expired);
	while (tevent_req_is_in_progress(req) && !expired)
		assert_int_equal(tevent_loop_once(e->ev), 0);
	assert_false(expired);
	talloc_free(te);
}

void ce_reconcile(struct core_env *e)
{
	struct tevent_req *req = core_reconcile_wait_send(e->mem, e->core);
	ce_wait(e, req);
	assert_int_equal(core_reconcile_wait_recv(req), 0);
	talloc_free(req);
}

const char *ce_target(struct core_env *e, const char *name, const char *initiator, uint32_t wtd)
{
	int rc;
	char *why = NULL;
	struct core_target_draft *d = core_target_draft_new(e->mem, e->core, name, &rc, &why);
	assert_non_null(d);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, initiator, &why), 0);
	uint32_t lun;
	assert_int_equal(core_draft_add_disk(d, wtd, &lun, &why), 0);
	assert_int_equal(lun, 1);
	struct tevent_req *req = core_target_save_send(e->mem, e->core, d);
	ce_wait(e, req);
	if (core_target_save_recv(req, e->mem, &why) != 0)
		fail_msg("save: %s", why);
	return talloc_strdup(e->mem, core_draft_target(d)->iqn);
}

void ce_options(struct core_env *e, struct iscsi_backend *be, struct core_options *o)
{
	char *err = NULL;
	if (core_options_from_config(e->mem, e->cfg, o, &err) != 0)
		fail_msg("core options: %s", err);
	o->storage = e->sp;
	o->backend = be;
}

void ce_open(struct core_env *e)
{
	struct core_options o;
	ce_options(e, e->be, &o);
	struct tevent_req *req = core_open_send(e->mem, e->ev, &o);
	ce_wait(e, req);
	char *why = NULL;
	if (core_open_recv(req, e->mem, &e->core, &why) != 0)
		fail_msg("cannot open the core: %s", why ? why : "?");
	talloc_free(req);
	/* tgtd answers: wait for the UP event's pass */
	for (int i = 0; i < 100 && !iscsi_backend_is_up(e->be, NULL); i++)
		ce_run_for(e, 50);
	assert_true(iscsi_backend_is_up(e->be, NULL));
	ce_reconcile(e);
}

void ce_close(struct core_env *e)
{
	struct tevent_req *req = core_close_send(e->mem, e->core);
	ce_wait(e, req);
	assert_int_equal(core_close_recv(req), 0);
	talloc_free(req);
	TALLOC_FREE(e->core);
}

void ce_start(struct core_env *e, const char *work_dir, const char *name,
	      const char *state_conf)
{
	const char *why = NULL;
	if (!tgtd_available(&why)) {
		fprintf(stderr, "skipped: %s\n", why);
		exit(77);
	}
	e->mem = talloc_new(NULL);
	e->ev = tevent_context_init(e->mem);
	e->dir = talloc_asprintf(e->mem, "%s/%s-XXXXXX", work_dir, name);
	assert_non_null(mkdtemp(e->dir));
	e->root = talloc_asprintf(e->mem, "%s/storage", e->dir);
	e->state = talloc_asprintf(e->mem, "%s/state", e->dir);
	assert_int_equal(mkdir(e->root, 0755), 0);
	assert_true(tgtd_pick(&e->tgtd, e->dir));
	assert_int_equal(tgtd_start(&e->tgtd), 0);
	char *text = talloc_asprintf(e->mem,
				     "[state]\ndir = %s\n%s"
				     "[storage]\nroots = %s\n"
				     "[iscsi]\nbackend = tgt\ntgt_control_port = %u\nportal = %s\n",
				     e->state, state_conf, e->root, e->tgtd.control_port,
				     e->tgtd.portal);
	char *err = NULL;
	e->cfg = cfg_parse(e->mem, "test", text, &err);
	assert_non_null(e->cfg);
	assert_int_equal(storage_paths_from_config(e->mem, e->cfg, &e->sp, &err), 0);
	if (iscsi_backend_open(e->mem, e->ev, e->cfg, &e->be, &err) != 0)
		fail_msg("backend: %s", err);
	ce_open(e);
}

void ce_stop(struct core_env *e)
{
	if (e->core != NULL)
		ce_close(e);
	TALLOC_FREE(e->be);
	tgtd_kill(&e->tgtd);
	loops_backed_by(e->dir, true, true);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", e->dir);
	talloc_free(e->mem);
}
