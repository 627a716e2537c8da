/* Operations: every mutation is an object owned by the core, not by the
 * caller's request. They take turns (one at a time, in order of arrival), do
 * their blocking steps on the worker pools, and complete the caller's request
 * if it is still there. A caller that frees its request early only loses the
 * answer: the operation still runs to its end, so memory and database never
 * disagree. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "core/core_events.h"
#include "core/core_internal.h"
#include "core/file_jobs.h"
#include "core/store.h"
#include "istmd/log.h"
#include "istmd/workpool.h"

struct op_req_state {
	struct op *op;
	int rc;
	char *why;
	void *result;
};

static int op_req_state_destructor(struct op_req_state *rs)
{
	if (rs->op != NULL)
		rs->op->req = NULL;
	return 0;
}

static void turn_dispatch(struct tevent_context *ev, struct tevent_immediate *im, void *priv);

static void turn_schedule(struct core *c)
{
	if (c->closing || c->turn_holder != NULL || c->n_turn_queue == 0)
		return;
	if (c->turn_im == NULL && (c->turn_im = tevent_create_immediate(c)) == NULL) {
		log_err("out of memory scheduling an operation");
		return;
	}
	tevent_schedule_immediate(c->turn_im, c->ev, turn_dispatch, c);
}

static void turn_dispatch(struct tevent_context *ev, struct tevent_immediate *im, void *priv)
{
	struct core *c = priv;
	if (c->turn_holder != NULL || c->n_turn_queue == 0)
		return;
	struct op *op = c->turn_queue[0];
	memmove(&c->turn_queue[0], &c->turn_queue[1], (c->n_turn_queue - 1) * sizeof(*c->turn_queue));
	c->n_turn_queue--;
	op->queued = false;
	op->holds_turn = true;
	c->turn_holder = op;
	op->start(op);
}

static int op_destructor(struct op *op)
{
	if (op->req != NULL) {
		struct op_req_state *rs = tevent_req_data(op->req, struct op_req_state);
		rs->op = NULL;
	}
	struct core *c = op->c;
	if (c->closing)
		return 0;
	c->n_ops--;
	if (op->queued) {
		for (size_t i = 0; i < c->n_turn_queue; i++) {
			if (c->turn_queue[i] == op) {
				memmove(&c->turn_queue[i], &c->turn_queue[i + 1],
					(c->n_turn_queue - i - 1) * sizeof(*c->turn_queue));
				c->n_turn_queue--;
				break;
			}
		}
	}
	if (op->holds_turn) {
		c->turn_holder = NULL;
		turn_schedule(c);
	}
	core_quiesce_check(c);
	return 0;
}

struct tevent_req *op_send(TALLOC_CTX *mem, struct core *c, const char *what, size_t state_size,
			   op_step_fn start, struct op **out)
{
	struct op_req_state *rs;
	struct tevent_req *req = tevent_req_create(mem, &rs, struct op_req_state);
	if (req == NULL)
		return NULL;
	if (c->quiescing) {
		tevent_req_error(req, ESHUTDOWN);
		return tevent_req_post(req, c->ev);
	}
	struct op *op = talloc_zero(c, struct op);
	struct op **q = NULL;
	if (op != NULL) {
		op->state = talloc_zero_size(op, state_size ? state_size : 1);
		q = talloc_realloc(c, c->turn_queue, struct op *, c->n_turn_queue + 1);
	}
	if (op == NULL || op->state == NULL || q == NULL) {
		talloc_free(op);
		tevent_req_oom(req);
		return tevent_req_post(req, c->ev);
	}
	op->c = c;
	op->what = what;
	op->req = req;
	op->start = start;
	op->queued = true;
	c->n_ops++;
	rs->op = op;
	talloc_set_destructor(rs, op_req_state_destructor);
	talloc_set_destructor(op, op_destructor);
	c->turn_queue = q;
	c->turn_queue[c->n_turn_queue++] = op;
	turn_schedule(c);
	if (out != NULL)
		*out = op;
	return req;
}

void op_release_turn(struct op *op)
{
	struct core *c = op->c;
	if (!op->holds_turn)
		return;
	op->holds_turn = false;
	c->turn_holder = NULL;
	turn_schedule(c);
}

static void op_complete(struct op *op)
{
	struct tevent_req *req = op->req;
	if (req != NULL) {
		struct op_req_state *rs = tevent_req_data(req, struct op_req_state);
		rs->op = NULL;
		op->req = NULL;
		rs->rc = op->rc;
		rs->why = talloc_steal(rs, op->why);
		rs->result = talloc_steal(rs, op->result);
		if (op->rc < 0)
			tevent_req_error(req, -op->rc);
		else
			tevent_req_done(req);
	}
	talloc_free(op);
}

void op_finish(struct op *op, int rc, const char *why_fmt, ...)
{
	op->rc = rc;
	if (why_fmt != NULL) {
		va_list ap;
		va_start(ap, why_fmt);
		talloc_free(op->why);
		op->why = talloc_vasprintf(op, why_fmt, ap);
		va_end(ap);
	}
	if (rc >= 0) {
		TALLOC_FREE(op->why);
	} else if (op->why != NULL) {
		log_info("%s: %s", op->what, op->why);
	}
	op_release_turn(op);
	/* Committed changes tell observers, also when the backend refused. */
	core_events_check(op->c);
	if (rc >= 0 && op->wait_reconcile && op->c->rec != NULL)
		reconciler_wait_op(op->c, op, op_complete);
	else
		op_complete(op);
}

int op_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	struct op_req_state *rs = tevent_req_data(req, struct op_req_state);
	enum tevent_req_state state;
	uint64_t err;
	if (why != NULL)
		*why = NULL;
	if (tevent_req_is_error(req, &state, &err)) {
		int rc = state == TEVENT_REQ_USER_ERROR ? -(int)err
			 : state == TEVENT_REQ_NO_MEMORY ? -ENOMEM
							 : -EIO;
		if (why != NULL && rs->why != NULL)
			*why = talloc_steal(mem, rs->why);
		return rc;
	}
	return 0;
}

void *op_req_result(struct tevent_req *req)
{
	struct op_req_state *rs = tevent_req_data(req, struct op_req_state);
	return rs->result;
}

void op_set_result(struct op *op, const void *data, size_t size)
{
	talloc_free(op->result);
	op->result = talloc_memdup(op, data, size);
}

void core_crash_point(const struct core *c, const char *point)
{
	if (c->crash_point != NULL)
		c->crash_point(point, c->crash_priv);
}

/* ---- blocking steps ---- */

struct op_step {
	struct op *op;
	op_step_fn done;
	bool finish_on_error; /* op_commit() */
};

static void op_io_done(struct tevent_req *subreq)
{
	struct op_step *step = tevent_req_callback_data(subreq, struct op_step);
	struct op *op = step->op;
	void *arg = NULL;
	int rc = workpool_run_recv(subreq, op, &arg);
	talloc_free(subreq);
	op_step_fn done = step->done;
	talloc_free(step);
	op->io_arg = arg;
	op->rc = rc;
	done(op);
}

void op_io(struct op *op, void (*fn)(void *arg), void *arg, op_step_fn done)
{
	struct op_step *step = talloc_zero(op, struct op_step);
	struct tevent_req *subreq =
		step ? workpool_run_send(op, op->c->ev, op->c->io_pool, fn, arg) : NULL;
	if (subreq == NULL) {
		talloc_free(step);
		talloc_free(arg);
		op->io_arg = NULL;
		op->rc = -ENOMEM;
		done(op);
		return;
	}
	step->op = op;
	step->done = done;
	tevent_req_set_callback(subreq, op_io_done, step);
}

void *op_io_arg(struct op *op)
{
	return op->io_arg;
}

int op_file_job(struct op *op, struct file_job **j)
{
	*j = op_io_arg(op);
	return op->rc < 0 ? op->rc : *j ? (*j)->rc : -ENOMEM;
}

struct store_job {
	struct store *store;
	struct store_tx *tx;
	int rc;
	char *why;
};

static void store_job_run(void *p)
{
	struct store_job *j = p;
	j->rc = store_tx_run(j->store, j->tx, &j->why);
	if (j->why != NULL)
		j->why = talloc_steal(j, j->why);
}

static struct store_job *store_job_new(struct core *c, TALLOC_CTX *mem, struct store_tx *tx)
{
	struct store_job *j = talloc_zero(mem, struct store_job);
	if (j == NULL)
		return NULL;
	j->store = c->store;
	j->tx = talloc_steal(j, tx);
	return j;
}

static void op_store_done(struct tevent_req *subreq)
{
	struct op_step *step = tevent_req_callback_data(subreq, struct op_step);
	struct op *op = step->op;
	struct store_job *j = NULL;
	int rc = workpool_run_recv(subreq, op, (void **)&j);
	talloc_free(subreq);
	op_step_fn done = step->done;
	bool finish_on_error = step->finish_on_error;
	talloc_free(step);
	if (rc == 0) {
		rc = j->rc;
		if (rc < 0) {
			talloc_free(op->why);
			op->why = talloc_asprintf(op, "cannot save the change: %s",
						  j->why ? j->why : strerror(-rc));
			log_err("%s: %s", op->what, op->why);
		}
	}
	talloc_free(j);
	op->rc = rc;
	if (rc < 0 && finish_on_error)
		op_finish(op, rc, NULL);
	else
		done(op);
}

static void store_step(struct op *op, struct store_tx *tx, op_step_fn done, bool finish_on_error)
{
	struct op_step *step = talloc_zero(op, struct op_step);
	struct store_job *j = step ? store_job_new(op->c, NULL, tx) : NULL;
	struct tevent_req *subreq =
		j ? workpool_run_send(op, op->c->ev, op->c->store_pool, store_job_run, j) : NULL;
	if (subreq == NULL) {
		talloc_free(j);
		talloc_free(step);
		op->rc = -ENOMEM;
		if (finish_on_error)
			op_finish(op, -ENOMEM, NULL);
		else
			done(op);
		return;
	}
	step->op = op;
	step->done = done;
	step->finish_on_error = finish_on_error;
	tevent_req_set_callback(subreq, op_store_done, step);
}

void op_store(struct op *op, struct store_tx *tx, op_step_fn done)
{
	store_step(op, tx, done, false);
}

void op_commit(struct op *op, struct store_tx *tx, op_step_fn done)
{
	store_step(op, tx, done, true);
}

static void background_done(struct tevent_req *subreq)
{
	char *what = tevent_req_callback_data_void(subreq);
	struct store_job *j = NULL;
	int rc = workpool_run_recv(subreq, what, (void **)&j);
	if (rc == 0)
		rc = j->rc;
	if (rc < 0)
		log_warn("%s: cannot save: %s", what, j && j->why ? j->why : strerror(-rc));
	struct core *c = talloc_parent(what);
	talloc_free(what); /* frees subreq and j too */
	c->n_background--;
	core_quiesce_check(c);
}

void core_store_background(struct core *c, struct store_tx *tx, const char *what)
{
	char *owner = talloc_strdup(c, what);
	struct store_job *j = owner ? store_job_new(c, NULL, tx) : NULL;
	struct tevent_req *subreq =
		j ? workpool_run_send(owner, c->ev, c->store_pool, store_job_run, j) : NULL;
	if (subreq == NULL) {
		talloc_free(j);
		talloc_free(owner);
		log_warn("%s: out of memory", what);
		return;
	}
	c->n_background++;
	tevent_req_set_callback(subreq, background_done, owner);
}

struct tevent_req *core_io_send(TALLOC_CTX *mem, struct core *c, void (*fn)(void *arg), void *arg)
{
	return workpool_run_send(mem, c->ev, c->io_pool, fn, arg);
}

int core_io_recv(struct tevent_req *req, TALLOC_CTX *mem, void **arg)
{
	return workpool_run_recv(req, mem, arg);
}
