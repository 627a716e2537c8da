/* B3's floor for "re-apply every target to a fresh tgtd": the same tgtd
 * requests istmd sends for a new target (made by istmd's own planner,
 * tgt_plan.c, for a target as the core describes a default one), sent one
 * at a time on tgtd's control socket with nothing else in between. What is
 * left is tgtd's own per-request cost, which grows with its target count.
 *
 *   bench_tgtfloor CONTROL_PORT N      prints floor_s= requests= */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>
#include <tevent.h>

#include "backend/tgt_cache.h"
#include "backend/tgt_ipc.h"
#include "backend/tgt_plan.h"
#include "bench_common.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_tgtfloor CONTROL_PORT N\n");
		return 2;
	}
	unsigned n = (unsigned)atoi(argv[2]);
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tevent_context *ev = tevent_context_init(mem);
	char *sock = talloc_asprintf(mem, "/var/run/tgtd/socket.%s", argv[1]);
	struct tgt_cache *cache = tgt_cache_new(mem);
	struct tgt_secrets secrets = { 0 };
	static struct iscsi_portal portal = { "127.0.17.2", 3260 };
	struct tgt_live empty = { .portals = &portal, .n_portals = 1 };
	tgt_cache_fill(cache, &empty);
	unsigned long requests = 0;
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < n; i++) {
		TALLOC_CTX *tmp = talloc_new(mem);
		struct iscsi_target want = {
			.iqn = talloc_asprintf(tmp, "iqn.2025-01.org.istmd:floor-b%u-target", i),
			.enabled = true,
		};
		want.params.max_recv_data_segment_length = 65536;
		want.params.first_burst_length = 65536;
		want.params.max_burst_length = 262144;
		want.params.nop_interval = 10;
		want.params.nop_count = 3;
		struct tgt_live view;
		struct tgt_plan plan;
		tgt_cache_view(cache, &view);
		if (tgt_plan_apply(tmp, &view, &secrets, &want, &portal, 1, &plan, NULL) != 0)
			return 1;
		for (size_t k = 0; k < plan.n_steps; k++) {
			struct tevent_req *req = tgt_ipc_send(tmp, ev, sock, &plan.steps[k].req, 10000);
			if (req == NULL || !tevent_req_poll(req, ev))
				return 1;
			int rc = tgt_ipc_recv(req, tmp, NULL, NULL);
			if (rc != 0 && !(plan.steps[k].flags & TGT_STEP_OK_EEXIST)) {
				fprintf(stderr, "bench_tgtfloor: request %zu of target %u: %d\n", k, i, rc);
				return 1;
			}
			requests++;
		}
		tgt_cache_applied(cache, &want, &plan);
		if (!tgt_cache_valid(cache)) /* the portal step: it now listens */
			tgt_cache_fill(cache, &empty);
		talloc_free(tmp);
	}
	printf("floor_s=%.3f requests=%lu\n", (double)(bench_now_ns() - t0) / 1e9, requests);
	talloc_free(mem);
	return 0;
}
