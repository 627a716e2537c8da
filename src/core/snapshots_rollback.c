/* Rolling a disk back to a snapshot (MS-ISTM 3.36.4.14). docs/snapshots.md. */
#include <errno.h>

#include "core/snapshots_internal.h"

struct rb_state {
	int dummy;
};

struct tevent_req *core_snapshot_rollback_send(TALLOC_CTX *mem, struct core *c, const char *id)
{
	struct rb_state *s;
	struct tevent_req *req = tevent_req_create(mem, &s, struct rb_state);
	if (req == NULL)
		return NULL;
	(void)id;
	tevent_req_error(req, ENOSYS);
	return tevent_req_post(req, c->ev);
}

int core_snapshot_rollback_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	enum tevent_req_state rs;
	uint64_t err;
	(void)mem;
	if (why != NULL)
		*why = NULL;
	if (tevent_req_is_error(req, &rs, &err))
		return rs == TEVENT_REQ_USER_ERROR ? -(int)err : -ENOMEM;
	return 0;
}
