#include "backend/tgt_ipc.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend/iscsi_backend.h"
#include "istmd/treq.h"

struct tgt_ipc_state {
	struct tevent_context *ev;
	int fd;
	struct tevent_fd *fde;
	uint8_t *out; /* the request */
	size_t out_len, out_done;
	struct tgt_wire_rsp rsp;
	size_t rsp_done;
	char *text; /* the reply text */
	size_t text_len, text_done;
	uint32_t tgt_err;
};

static void tgt_ipc_handler(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags,
			    void *priv);

static int tgt_ipc_state_destructor(struct tgt_ipc_state *state)
{
	TALLOC_FREE(state->fde);
	if (state->fd >= 0)
		close(state->fd);
	state->fd = -1;
	return 0;
}

static int connect_unix(const char *path, int *fd_out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		/* A full backlog (EAGAIN) is as good as absent for a caller that
		 * retries later; no listener at all is ENOENT/ECONNREFUSED. */
		return e == ENOENT || e == ECONNREFUSED || e == EAGAIN ? -ENOTCONN : -e;
	}
	*fd_out = fd;
	return 0;
}

struct tevent_req *tgt_ipc_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				const char *socket_path, const struct tgt_request *r,
				unsigned timeout_ms)
{
	struct tgt_ipc_state *state;
	struct tevent_req *req = tevent_req_create(mem_ctx, &state, struct tgt_ipc_state);
	if (req == NULL)
		return NULL;
	state->ev = ev;
	state->fd = -1;
	talloc_set_destructor(state, tgt_ipc_state_destructor);

	int rc = tgt_request_encode(state, r, &state->out, &state->out_len);
	if (rc == 0)
		rc = connect_unix(socket_path, &state->fd);
	if (rc < 0) {
		tevent_req_error(req, -rc);
		return tevent_req_post(req, ev);
	}
	state->fde = tevent_add_fd(ev, state, state->fd, TEVENT_FD_WRITE, tgt_ipc_handler, req);
	if (tevent_req_nomem(state->fde, req))
		return tevent_req_post(req, ev);
	if (!tevent_req_set_endtime(req, ev, tevent_timeval_current_ofs(timeout_ms / 1000,
									(timeout_ms % 1000) * 1000))) {
		tevent_req_oom(req);
		return tevent_req_post(req, ev);
	}
	return req;
}

/* Returns 1 when the step is complete, 0 to wait for more, <0 on error. */
static int io_step(int fd, bool writing, void *buf, size_t len, size_t *done)
{
	while (*done < len) {
		ssize_t n = writing ? send(fd, (char *)buf + *done, len - *done, MSG_NOSIGNAL)
				    : recv(fd, (char *)buf + *done, len - *done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return errno == EPIPE || errno == ECONNRESET ? -ENOTCONN : -errno;
		}
		if (n == 0) /* tgtd went away (or refused the request) before answering */
			return writing ? -EIO : -ENOTCONN;
		*done += (size_t)n;
	}
	return 1;
}

static void tgt_ipc_handler(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags,
			    void *priv)
{
	struct tevent_req *req = priv;
	struct tgt_ipc_state *state = tevent_req_data(req, struct tgt_ipc_state);
	int rc;

	if (state->out_done < state->out_len) {
		rc = io_step(state->fd, true, state->out, state->out_len, &state->out_done);
		if (rc <= 0)
			goto check;
		TEVENT_FD_NOT_WRITEABLE(fde);
		TEVENT_FD_READABLE(fde);
		return;
	}
	if (state->rsp_done < sizeof(state->rsp)) {
		rc = io_step(state->fd, false, &state->rsp, sizeof(state->rsp), &state->rsp_done);
		if (rc <= 0)
			goto check;
		if (state->rsp.err != 0) {
			state->tgt_err = state->rsp.err;
			tevent_req_error(req, -tgt_err_to_errno(state->rsp.err));
			return;
		}
		if (state->rsp.len < sizeof(state->rsp) ||
		    state->rsp.len - sizeof(state->rsp) > TGT_MAX_REPLY) {
			tevent_req_error(req, EPROTO);
			return;
		}
		state->text_len = state->rsp.len - sizeof(state->rsp);
		state->text = talloc_array(state, char, state->text_len + 1);
		if (tevent_req_nomem(state->text, req))
			return;
	}
	rc = io_step(state->fd, false, state->text, state->text_len, &state->text_done);
	if (rc <= 0)
		goto check;
	state->text[state->text_len] = '\0'; /* tgtd sends one, but never trust it */
	tevent_req_done(req);
	return;
check:
	if (rc < 0)
		tevent_req_error(req, -rc);
}

int tgt_ipc_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx, char **text, uint32_t *tgt_err)
{
	struct tgt_ipc_state *state = tevent_req_data(req, struct tgt_ipc_state);
	if (tgt_err != NULL)
		*tgt_err = state->tgt_err;
	int rc = treq_errno(req);
	if (rc < 0)
		return rc;
	if (text != NULL) {
		if (state->text == NULL)
			state->text = talloc_strdup(state, "");
		if (state->text == NULL)
			return -ENOMEM;
		*text = talloc_steal(mem_ctx, state->text);
	}
	return 0;
}
