/* The writer of e2e_snapshot_sets: one libiscsi session, sequence numbers
 * written alternately to two LUNs, each WRITE acknowledged before the next:
 * k to LUN A, k to LUN B, k+1 to LUN A... Each write is 4 KiB at LBA 0,
 * every 32-bit word of it k. So at any instant the pair (a, b) read from
 * the two disks' files is (k, k) or (k, k-1): a snapshot set taken at one
 * instant shows a == b or a == b + 1, anything else is a torn set.
 *
 *   snap_set_writer PORTAL TARGET INITIATOR LUN_A LUN_B
 * Prints "ready" once 0 is on both LUNs, then writes until its standard
 * input is closed and prints "pairs K" (the last k written to both).
 * Exit 0, or 1 when a WRITE failed. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iscsi_initiator.h"

static int put(struct iscsi_context *iscsi, int lun, uint32_t k)
{
	static uint32_t block[1024];
	for (size_t i = 0; i < sizeof(block) / sizeof(block[0]); i++)
		block[i] = k; /* little-endian hosts: read back as "<I" */
	if (ini_write(iscsi, lun, 0, block, sizeof(block)) != 0) {
		fprintf(stderr, "snap_set_writer: WRITE %u to LUN %d failed\n", k, lun);
		return -1;
	}
	return 0;
}

/* Whether standard input was closed (or has data: also a stop). */
static int stopped(void)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	return poll(&p, 1, 0) > 0;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: snap_set_writer PORTAL TARGET INITIATOR LUN_A LUN_B\n");
		return 2;
	}
	int la = atoi(argv[4]), lb = atoi(argv[5]);
	char err[256];
	struct ini_opts o = { .initiator = argv[3] };
	struct iscsi_context *iscsi = ini_login(argv[1], argv[2], &o, err, sizeof(err));
	if (iscsi == NULL) {
		fprintf(stderr, "snap_set_writer: login: %s\n", err);
		return 1;
	}
	uint64_t bytes;
	/* the first command after login may meet a unit attention */
	ini_capacity(iscsi, la, &bytes);
	ini_capacity(iscsi, lb, &bytes);
	uint32_t k = 0;
	int rc = put(iscsi, la, 0) || put(iscsi, lb, 0);
	if (rc == 0) {
		printf("ready\n");
		fflush(stdout);
	}
	while (rc == 0 && !stopped()) {
		rc = put(iscsi, la, k + 1) || put(iscsi, lb, k + 1);
		if (rc == 0)
			k++;
	}
	printf("pairs %u\n", k);
	ini_logout(iscsi);
	return rc == 0 ? 0 : 1;
}
