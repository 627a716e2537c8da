#include "istmd/treq.h"

#include <errno.h>

int treq_errno(struct tevent_req *req)
{
	enum tevent_req_state state;
	uint64_t err;
	if (!tevent_req_is_error(req, &state, &err))
		return 0;
	switch (state) {
	case TEVENT_REQ_USER_ERROR:
		return err > 0 && err < 4096 ? -(int)err : -EIO;
	case TEVENT_REQ_TIMED_OUT:
		return -ETIMEDOUT;
	case TEVENT_REQ_NO_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

void treq_finish(struct tevent_req *req, int rc)
{
	if (rc != 0)
		tevent_req_error(req, -rc);
	else
		tevent_req_done(req);
}
