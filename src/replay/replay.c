#include <errno.h>
#include "replay/replay.h"
int rp_replay(TALLOC_CTX *mem_ctx, const struct rp_model *model, const struct rp_rules *rules,
	      const struct rp_options *o)
{
	(void)mem_ctx; (void)model; (void)rules; (void)o;
	return -ENOSYS;
}
