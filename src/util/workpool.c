#include "istmd/workpool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "istmd/log.h"
#include "istmd/treq.h"

/* Completion path: a worker puts a finished job on pool->done and pokes an
 * eventfd that the loop watches. We deliberately do not use
 * tevent_threaded_schedule_immediate: an immediate handed to tevent from a
 * thread cannot be taken back, so a pool (or event context) freed with a
 * completion in flight would abort. With our own list, destruction is simply:
 * stop, join, free. */

struct wp_job {
	struct wp_job *next;
	void (*fn)(void *state);
	void *state;            /* owned by the job until handed back */
	struct tevent_req *req; /* NULL once the caller gave up */
};

struct workpool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct wp_job *head, *tail; /* queued, not yet picked up */
	struct wp_job *done;        /* finished, not yet delivered (any order) */
	pthread_t *threads;
	unsigned nthreads, max_threads, idle;
	bool stopping;
	int efd;
	struct tevent_fd *fde;
};

struct wp_run_state {
	struct wp_job *job;
	void *result;
};

static void *wp_thread(void *arg)
{
	struct workpool *pool = arg;
	const uint64_t one = 1;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (pool->head == NULL && !pool->stopping) {
			pool->idle++;
			pthread_cond_wait(&pool->cond, &pool->lock);
			pool->idle--;
		}
		if (pool->stopping)
			break;
		struct wp_job *job = pool->head;
		pool->head = job->next;
		if (pool->head == NULL)
			pool->tail = NULL;
		pthread_mutex_unlock(&pool->lock);

		job->fn(job->state);

		pthread_mutex_lock(&pool->lock);
		job->next = pool->done;
		pool->done = job;
		/* An eventfd write only fails if the counter would overflow. */
		if (write(pool->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_err("workpool: cannot signal a completion: %m");
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

static void wp_detach_requests(struct wp_job *list)
{
	for (struct wp_job *job = list; job != NULL; job = job->next) {
		if (job->req != NULL) {
			struct wp_run_state *state = tevent_req_data(job->req, struct wp_run_state);
			state->job = NULL;
			job->req = NULL;
		}
	}
}

static int workpool_destructor(struct workpool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);

	/* Requests still waiting never complete: their pool is gone. The jobs
	 * (and their states) are talloc children of the pool and go with it. */
	wp_detach_requests(pool->head);
	wp_detach_requests(pool->done);
	TALLOC_FREE(pool->fde);
	close(pool->efd);
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->lock);
	return 0;
}

static void wp_deliver(struct wp_job *job)
{
	struct tevent_req *req = job->req;

	if (req == NULL) {
		talloc_free(job);
		return;
	}
	struct wp_run_state *state = tevent_req_data(req, struct wp_run_state);
	state->job = NULL;
	state->result = talloc_steal(state, job->state);
	talloc_free(job);
	tevent_req_done(req);
}

static void wp_on_done(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags,
		       void *priv)
{
	struct workpool *pool = priv;
	uint64_t count;

	if (read(pool->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_err("workpool: cannot read the completion counter: %m");

	pthread_mutex_lock(&pool->lock);
	struct wp_job *done = pool->done;
	pool->done = NULL;
	pthread_mutex_unlock(&pool->lock);

	/* A callback may free the pool: move the batch off it first. */
	TALLOC_CTX *batch = talloc_new(NULL);
	for (struct wp_job *job = done; job != NULL; job = job->next)
		talloc_steal(batch, job);
	while (done != NULL) {
		struct wp_job *job = done;
		done = job->next;
		wp_deliver(job);
	}
	talloc_free(batch);
}

struct workpool *workpool_create(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				 unsigned max_threads)
{
	struct workpool *pool = talloc_zero(mem_ctx, struct workpool);
	if (pool == NULL)
		return NULL;
	pool->max_threads = max_threads ? max_threads : 1;
	pool->threads = talloc_zero_array(pool, pthread_t, pool->max_threads);
	pool->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pool->threads == NULL || pool->efd < 0) {
		if (pool->efd >= 0)
			close(pool->efd);
		talloc_free(pool);
		return NULL;
	}
	pool->fde = tevent_add_fd(ev, pool, pool->efd, TEVENT_FD_READ, wp_on_done, pool);
	if (pool->fde == NULL) {
		close(pool->efd);
		talloc_free(pool);
		return NULL;
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->cond, NULL);
	talloc_set_destructor(pool, workpool_destructor);
	return pool;
}

static int wp_run_state_destructor(struct wp_run_state *state)
{
	/* The caller gave up: the job finishes alone and frees itself. */
	if (state->job != NULL)
		state->job->req = NULL;
	return 0;
}

struct tevent_req *workpool_run_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				     struct workpool *pool, void (*fn)(void *state), void *job_state)
{
	struct wp_run_state *state;
	struct tevent_req *req = tevent_req_create(mem_ctx, &state, struct wp_run_state);
	if (req == NULL)
		return NULL;

	/* The job hangs off the pool, not the request, so it outlives a cancel. */
	struct wp_job *job = talloc_zero(pool, struct wp_job);
	if (job == NULL) {
		tevent_req_error(req, ENOMEM);
		return tevent_req_post(req, ev);
	}
	job->fn = fn;
	job->state = talloc_steal(job, job_state);
	job->req = req;
	state->job = job;
	talloc_set_destructor(state, wp_run_state_destructor);

	pthread_mutex_lock(&pool->lock);
	if (pool->tail)
		pool->tail->next = job;
	else
		pool->head = job;
	pool->tail = job;
	int rc = 0;
	if (pool->idle == 0 && pool->nthreads < pool->max_threads) {
		rc = pthread_create(&pool->threads[pool->nthreads], NULL, wp_thread, pool);
		if (rc == 0)
			pool->nthreads++;
	}
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	if (rc != 0 && pool->nthreads == 0)
		log_err("workpool: cannot start a worker thread (%d); the job waits", rc);
	return req;
}

int workpool_run_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx, void **job_state)
{
	struct wp_run_state *state = tevent_req_data(req, struct wp_run_state);
	int rc = treq_errno(req);

	if (rc != 0)
		return rc;
	if (job_state != NULL)
		*job_state = talloc_steal(mem_ctx, state->result);
	return 0;
}
