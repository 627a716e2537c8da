/* B6: iSCSI throughput of one LUN with libiscsi, QD commands in flight.
 *
 *   bench_iscsi --portal ADDR:PORT --target IQN --initiator IQN [--lun N]
 *               --pattern seq|rand --rw read|write [--bs BYTES] [--qd N]
 *               [--seconds S] [--span BYTES]
 * Prints: pattern= rw= bs= qd= mib_s= iops= */
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "bench_common.h"

struct run {
	struct iscsi_context *iscsi;
	int lun;
	bool seq, write;
	uint32_t bs, block;
	uint64_t blocks, span_blocks, next_lba;
	uint64_t end_ns, ops, bytes, errors;
	unsigned in_flight;
	unsigned char *buf;
	unsigned seed;
};

static void issue(struct run *r);

static void done(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	struct run *r = priv;
	struct scsi_task *task = data;
	(void)iscsi;
	r->in_flight--;
	if (status != SCSI_STATUS_GOOD) {
		if (r->errors++ < 3)
			fprintf(stderr, "bench_iscsi: command failed: %s\n", iscsi_get_error(iscsi));
	} else {
		r->ops++;
		r->bytes += r->bs;
	}
	scsi_free_scsi_task(task);
	if (bench_now_ns() < r->end_ns && r->errors < 100)
		issue(r);
}

static void issue(struct run *r)
{
	uint64_t per = r->bs / r->block, lba;
	if (r->seq) {
		if (r->next_lba + per > r->span_blocks)
			r->next_lba = 0;
		lba = r->next_lba;
		r->next_lba += per;
	} else {
		lba = ((uint64_t)rand_r(&r->seed) % (r->span_blocks / per)) * per;
	}
	struct scsi_task *t =
		r->write ? iscsi_write16_task(r->iscsi, r->lun, lba, r->buf, r->bs, (int)r->block, 0,
					      0, 0, 0, 0, done, r)
			 : iscsi_read16_task(r->iscsi, r->lun, lba, r->bs, (int)r->block, 0, 0, 0,
					     0, 0, done, r);
	if (t == NULL) {
		r->errors++;
		return;
	}
	r->in_flight++;
}

int main(int argc, char **argv)
{
	const char *portal = NULL, *target = NULL, *initiator = "iqn.2025-01.org.istmd:bench";
	const char *pattern = "seq", *rw = "read";
	struct run r = { .lun = 1, .bs = 65536, .seed = 1 };
	unsigned qd = 8;
	double seconds = 10;
	uint64_t span = 0;
	static const struct option lo[] = {
		{ "portal", 1, 0, 'p' },  { "target", 1, 0, 't' }, { "initiator", 1, 0, 'i' },
		{ "lun", 1, 0, 'l' },     { "pattern", 1, 0, 'P' }, { "rw", 1, 0, 'w' },
		{ "bs", 1, 0, 'b' },      { "qd", 1, 0, 'q' },     { "seconds", 1, 0, 's' },
		{ "span", 1, 0, 'S' },    { 0, 0, 0, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'p': portal = optarg; break;
		case 't': target = optarg; break;
		case 'i': initiator = optarg; break;
		case 'l': r.lun = atoi(optarg); break;
		case 'P': pattern = optarg; break;
		case 'w': rw = optarg; break;
		case 'b': r.bs = (uint32_t)atol(optarg); break;
		case 'q': qd = (unsigned)atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'S': span = strtoull(optarg, NULL, 10); break;
		default: fprintf(stderr, "usage: see tests/bench/bench_iscsi.c\n"); return 2;
		}
	}
	if (portal == NULL || target == NULL) {
		fprintf(stderr, "bench_iscsi: --portal and --target are required\n");
		return 2;
	}
	r.seq = strcmp(pattern, "seq") == 0;
	r.write = strcmp(rw, "write") == 0;
	r.iscsi = iscsi_create_context(initiator);
	iscsi_set_targetname(r.iscsi, target);
	iscsi_set_session_type(r.iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(r.iscsi, ISCSI_HEADER_DIGEST_NONE);
	if (iscsi_full_connect_sync(r.iscsi, portal, r.lun) != 0) {
		fprintf(stderr, "bench_iscsi: login to %s at %s: %s\n", target, portal,
			iscsi_get_error(r.iscsi));
		return 1;
	}
	struct scsi_task *cap = NULL;
	for (int i = 0; i < 3 && cap == NULL; i++) { /* a unit attention first */
		cap = iscsi_readcapacity16_sync(r.iscsi, r.lun);
		if (cap != NULL && cap->status != SCSI_STATUS_GOOD) {
			scsi_free_scsi_task(cap);
			cap = NULL;
		}
	}
	struct scsi_readcapacity16 *rc16 = cap ? scsi_datain_unmarshall(cap) : NULL;
	if (rc16 == NULL) {
		fprintf(stderr, "bench_iscsi: READ CAPACITY failed\n");
		return 1;
	}
	r.block = rc16->block_length;
	r.blocks = rc16->returned_lba + 1;
	scsi_free_scsi_task(cap);
	r.span_blocks = span ? span / r.block : r.blocks;
	if (r.span_blocks > r.blocks)
		r.span_blocks = r.blocks;
	r.buf = calloc(1, r.bs);
	memset(r.buf, 0x5a, r.bs);
	uint64_t t0 = bench_now_ns();
	r.end_ns = t0 + (uint64_t)(seconds * 1e9);
	for (unsigned i = 0; i < qd; i++)
		issue(&r);
	while (r.in_flight > 0) {
		struct pollfd pfd = { .fd = iscsi_get_fd(r.iscsi), .events = iscsi_which_events(r.iscsi) };
		if (poll(&pfd, 1, 1000) < 0 || iscsi_service(r.iscsi, pfd.revents) < 0) {
			fprintf(stderr, "bench_iscsi: %s\n", iscsi_get_error(r.iscsi));
			return 1;
		}
	}
	double secs = (double)(bench_now_ns() - t0) / 1e9;
	printf("pattern=%s rw=%s bs=%u qd=%u mib_s=%.1f iops=%.0f errors=%llu\n", pattern, rw, r.bs,
	       qd, (double)r.bytes / secs / 1048576.0, (double)r.ops / secs,
	       (unsigned long long)r.errors);
	iscsi_logout_sync(r.iscsi);
	iscsi_destroy_context(r.iscsi);
	return r.errors > 0 && r.ops == 0;
}
