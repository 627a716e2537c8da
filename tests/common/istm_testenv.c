#include "istm_testenv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "backend/storage_paths.h"
#include "core/core.h"
#include "istmd/workpool.h"

struct istm_testenv *istm_testenv_open(TALLOC_CTX *mem, struct tevent_context *ev,
				       const char *dir, const char *name,
				       struct iscsi_backend *backend)
{
	struct istm_testenv *env = talloc_zero(mem, struct istm_testenv);
	assert_non_null(env);
	env->state_dir = talloc_asprintf(env, "%s/state", dir);
	env->storage_root = talloc_asprintf(env, "%s/storage", dir);
	assert_int_equal(mkdir(env->storage_root, 0700), 0);

	const char *roots[] = { env->storage_root, NULL };
	const char *letters[] = { talloc_asprintf(env, "D=%s", env->storage_root), NULL };
	struct storage_paths *storage = NULL;
	char *err = NULL;
	assert_int_equal(storage_paths_new(env, roots, letters, &storage, &err), 0);

	env->deps.ev = ev;
	env->deps.storage = storage;
	env->deps.backend = backend;
	env->deps.pool = workpool_create(env, ev, 2);
	assert_non_null(env->deps.pool);

	struct core_options opts = {
		.state_dir = env->state_dir,
		.storage = storage,
		.backend = backend,
		.hostname = name,
		.io_pool = env->deps.pool,
	};
	struct tevent_req *req = core_open_send(env, ev, &opts);
	assert_non_null(req);
	assert_true(tevent_req_poll(req, ev));
	char *why = NULL;
	assert_int_equal(core_open_recv(req, env, &env->deps.core, &why), 0);
	talloc_free(req);
	return env;
}

void istm_testenv_close(struct istm_testenv *env)
{
	if (env == NULL)
		return;
	if (env->deps.core != NULL) {
		struct tevent_req *req = core_close_send(env, env->deps.core);
		assert_non_null(req);
		assert_true(tevent_req_poll(req, env->deps.ev));
		assert_int_equal(core_close_recv(req), 0);
		talloc_free(req);
	}
	talloc_free(env);
}
