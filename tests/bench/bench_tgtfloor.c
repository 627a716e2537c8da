/* B3's floor for "re-apply every target to a fresh tgtd": the same tgtd
 * requests istmd sends for a new target (made by istmd's own planner,
 * tgt_plan.c, for a target as the core describes a default one), sent one
 * at a time on tgtd's control socket with nothing else in between. What is
 * left is tgtd's own per-request cost, which grows with its target count.
 *
 *   bench_tgtfloor CONTROL_PORT N      prints floor_s= requests=
 *   bench_tgtfloor CONTROL_PORT N --existing
 *       the floor of ONE create on a tgtd that has targets already (issue 16:
 *       tgtd's per-request cost grows with its target count): reads tgtd's
 *       state, creates N more targets, prints floor_ms_per_target=, and
 *       deletes them again (not timed). Run it while istmd is stopped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>
#include <tevent.h>

#include "backend/tgt_cache.h"
#include "backend/tgt_ipc.h"
#include "backend/tgt_plan.h"
#include "bench_common.h"

static char *show(TALLOC_CTX *mem, struct tevent_context *ev, const char *sock, enum tgt_mode mode)
{
	struct tgt_request r = tgt_request_init(mode, TGT_OP_SHOW);
	r.tid = TGT_GLOBAL_TID;
	struct tevent_req *req = tgt_ipc_send(mem, ev, sock, &r, 120000);
	char *text = NULL;
	if (req == NULL || !tevent_req_poll(req, ev) || tgt_ipc_recv(req, mem, &text, NULL) != 0)
		return NULL;
	return text;
}

/* The live state of the tgtd at SOCK into CACHE. */
static int read_existing(TALLOC_CTX *mem, struct tevent_context *ev, const char *sock,
			 struct tgt_cache *cache)
{
	struct tgt_live live = { 0 };
	uint64_t t0 = bench_now_ns();
	char *t = show(mem, ev, sock, TGT_MODE_TARGET), *a = show(mem, ev, sock, TGT_MODE_ACCOUNT),
	     *p = show(mem, ev, sock, TGT_MODE_PORTAL);
	if (t == NULL || a == NULL || p == NULL ||
	    tgt_parse_targets(mem, t, &live.targets, &live.n_targets) < 0 ||
	    tgt_parse_accounts(mem, a, &live.accounts, &live.n_accounts) < 0 ||
	    tgt_parse_portals(mem, p, &live.portals, &live.n_portals) < 0)
		return -1;
	fprintf(stderr, "bench_tgtfloor: tgtd has %zu targets (read in %.2f s)\n", live.n_targets,
		(double)(bench_now_ns() - t0) / 1e9);
	return tgt_cache_fill(cache, &live);
}

static int run(struct tevent_context *ev, const char *sock, const struct tgt_plan *plan,
	       TALLOC_CTX *tmp)
{
	for (size_t k = 0; k < plan->n_steps; k++) {
		struct tevent_req *req = tgt_ipc_send(tmp, ev, sock, &plan->steps[k].req, 60000);
		if (req == NULL || !tevent_req_poll(req, ev))
			return -1;
		int rc = tgt_ipc_recv(req, tmp, NULL, NULL);
		if (rc != 0 && !(plan->steps[k].flags & (TGT_STEP_OK_EEXIST | TGT_STEP_OK_ENOENT)))
			return rc;
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool existing = argc == 4 && strcmp(argv[3], "--existing") == 0;
	if (argc != 3 && !existing) {
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
	const char *addr = getenv("BENCH_FLOOR_ADDR");
	if (addr != NULL && addr[0] != '\0')
		portal.address = addr;
	struct tgt_live empty = { .portals = &portal, .n_portals = 1 };
	if (existing ? read_existing(mem, ev, sock, cache) != 0 : tgt_cache_fill(cache, &empty) != 0) {
		fprintf(stderr, "bench_tgtfloor: cannot read tgtd's state\n");
		return 1;
	}
	unsigned long requests = 0;
	uint64_t t0 = bench_now_ns();
	char **made = talloc_zero_array(mem, char *, n + 1);
	for (unsigned i = 0; i < n; i++) {
		TALLOC_CTX *tmp = talloc_new(mem);
		struct iscsi_target want = {
			.iqn = talloc_asprintf(made, "iqn.2025-01.org.istmd:floor-b%u-target", i),
			.enabled = true,
		};
		made[i] = (char *)want.iqn;
		want.params.max_recv_data_segment_length = 65536;
		want.params.first_burst_length = 65536;
		want.params.max_burst_length = 262144;
		want.params.nop_interval = 10;
		want.params.nop_count = 3;
		struct tgt_live view;
		struct tgt_plan plan;
		tgt_cache_view(cache, &view);
		/* on an existing tgtd, new targets use the portal it has */
		const struct iscsi_portal *dflt = existing && view.n_portals > 0 ? &view.portals[0]
										 : &portal;
		if (tgt_plan_apply(tmp, &view, &secrets, &want, dflt, 1, &plan, NULL) != 0)
			return 1;
		int rc = run(ev, sock, &plan, tmp);
		if (rc != 0) {
			fprintf(stderr, "bench_tgtfloor: target %u: %d\n", i, rc);
			return 1;
		}
		requests += plan.n_steps;
		tgt_cache_applied(cache, &want, &plan);
		if (!tgt_cache_valid(cache)) /* the portal step: it now listens */
			tgt_cache_fill(cache, &empty);
		talloc_free(tmp);
	}
	double s = (double)(bench_now_ns() - t0) / 1e9;
	if (!existing) {
		printf("floor_s=%.3f requests=%lu\n", s, requests);
		talloc_free(mem);
		return 0;
	}
	printf("floor_ms_per_target=%.2f requests_per_target=%.1f\n", s * 1000 / n,
	       (double)requests / n);
	for (unsigned i = 0; i < n; i++) {
		TALLOC_CTX *tmp = talloc_new(mem);
		struct tgt_live view;
		struct tgt_plan plan;
		tgt_cache_view(cache, &view);
		if (tgt_plan_remove(tmp, &view, made[i], &plan) != 0 || run(ev, sock, &plan, tmp) != 0)
			fprintf(stderr, "bench_tgtfloor: cannot delete %s\n", made[i]);
		tgt_cache_removed(cache, made[i], &plan);
		talloc_free(tmp);
	}
	talloc_free(mem);
	return 0;
}
