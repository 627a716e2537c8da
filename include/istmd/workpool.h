/* Worker threads for anything that may block (file creation, fsync, copying,
 * device set-up), completed back on the tevent loop as a tevent_req.
 *
 * Rules for a job function (it runs on another thread):
 *  - it touches only STATE, which workpool_run_send() takes over;
 *  - it may talloc only below STATE (talloc is not thread-safe across shared trees);
 *  - it must not use the tevent context, logging is fine (log_* is thread-safe
 *    enough: one write per line).
 * If the request is freed before the job ends (client went away), the job still
 * runs to its end and its STATE is then freed: nothing is left half-done.
 * Freeing the pool waits for running jobs, drops queued ones, and leaves their
 * requests uncompleted; it is safe at any time, also after the event context
 * is gone. */
#ifndef ISTMD_WORKPOOL_H
#define ISTMD_WORKPOOL_H

#include <talloc.h>
#include <tevent.h>

struct workpool;

struct workpool *workpool_create(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				 unsigned max_threads);

struct tevent_req *workpool_run_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				     struct workpool *pool, void (*job)(void *state),
				     void *state);
/* Returns 0 and gives STATE back (moved onto MEM_CTX), or a negative errno. */
int workpool_run_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx, void **state);

#endif
