#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "istmd/workpool.h"

struct job {
	int input;
	int output;
	pthread_t thread;
	bool slow;
};

static void square(void *p)
{
	struct job *j = p;
	if (j->slow)
		usleep(100 * 1000);
	j->output = j->input * j->input;
	j->thread = pthread_self();
}

static int done_count;

static void on_done(struct tevent_req *req)
{
	struct job *j = NULL;
	TALLOC_CTX *mem = tevent_req_callback_data_void(req);
	assert_int_equal(workpool_run_recv(req, mem, (void **)&j), 0);
	assert_int_equal(j->output, j->input * j->input);
	assert_false(pthread_equal(j->thread, pthread_self()));
	talloc_free(req);
	done_count++;
}

static void test_jobs_complete_on_loop(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tevent_context *ev = tevent_context_init(mem);
	struct workpool *pool = workpool_create(mem, ev, 2);
	assert_non_null(pool);

	done_count = 0;
	for (int i = 0; i < 20; i++) {
		struct job *j = talloc_zero(mem, struct job);
		j->input = i;
		struct tevent_req *req = workpool_run_send(mem, ev, pool, square, j);
		assert_non_null(req);
		tevent_req_set_callback(req, on_done, mem);
	}
	while (done_count < 20)
		assert_int_equal(tevent_loop_once(ev), 0);
	talloc_free(mem);
}

static void test_cancelled_job_is_freed(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tevent_context *ev = tevent_context_init(mem);
	struct workpool *pool = workpool_create(mem, ev, 1);

	struct job *j = talloc_zero(mem, struct job);
	j->input = 3;
	j->slow = true;
	struct tevent_req *req = workpool_run_send(mem, ev, pool, square, j);
	talloc_free(req); /* caller goes away while the job runs */

	/* a second job proves the pool still works and lets the first finish */
	struct job *k = talloc_zero(mem, struct job);
	k->input = 4;
	done_count = 0;
	req = workpool_run_send(mem, ev, pool, square, k);
	tevent_req_set_callback(req, on_done, mem);
	while (done_count < 1)
		assert_int_equal(tevent_loop_once(ev), 0);
	talloc_free(mem); /* joins the threads; ASan reports any leak */
}

static void test_free_pool_with_completion_pending(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tevent_context *ev = tevent_context_init(mem);
	struct workpool *pool = workpool_create(mem, ev, 2);

	/* One job finishes (its completion is queued, never delivered), one is
	 * still running, one is still queued when the pool goes. */
	for (int i = 0; i < 3; i++) {
		struct job *j = talloc_zero(mem, struct job);
		j->input = i;
		j->slow = i > 0;
		struct tevent_req *req = workpool_run_send(mem, ev, pool, square, j);
		tevent_req_set_callback(req, on_done, mem);
	}
	usleep(50 * 1000);
	done_count = 0;
	talloc_free(pool);
	assert_int_equal(done_count, 0);
	talloc_free(mem); /* requests and event context after the pool: no abort, no leak */
}

static void test_free_event_context_first(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tevent_context *ev = tevent_context_init(NULL);
	struct workpool *pool = workpool_create(mem, ev, 1);
	struct job *j = talloc_zero(mem, struct job);
	j->input = 5;
	struct tevent_req *req = workpool_run_send(mem, ev, pool, square, j);
	assert_non_null(req);
	usleep(20 * 1000);
	talloc_free(ev);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_complete_on_loop),
		cmocka_unit_test(test_cancelled_job_is_freed),
		cmocka_unit_test(test_free_pool_with_completion_pending),
		cmocka_unit_test(test_free_event_context_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
