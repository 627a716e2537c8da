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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_complete_on_loop),
		cmocka_unit_test(test_cancelled_job_is_freed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
