/* vhd_writer: the write loop of the VHD kill tests (e2e_vhd_kill.py).
 *
 *   vhd_writer PORTAL TARGET INITIATOR LUN write SECONDS BLOCKS
 *   vhd_writer PORTAL TARGET INITIATOR LUN verify COUNT BLOCKS
 *
 * write: for SECONDS, writes slot k = 0, 1, ... (4 KiB holding k and a
 * magic word), slot k at block k % BLOCKS (2 MiB blocks: the first BLOCKS
 * writes each allocate one), offset (k / BLOCKS) * 4 KiB; after every 8
 * writes a SYNCHRONIZE CACHE, then prints "synced K" (all slots < K were
 * acknowledged before a completed flush). A failed command is retried, with
 * a new login if needed, as an initiator does: "retry" lines count them.
 * verify: reads slots 0 .. COUNT-1 and exits 1 at the first that does not
 * hold its number. */
#include <errno.h>
#include <stdbool.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iscsi_initiator.h"

#define SLOT 4096u
#define BLOCK (2u << 20)
#define MAGIC 0x56484421u

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t lba_of(uint64_t k, unsigned blocks)
{
	uint64_t off = (uint64_t)(k % blocks) * BLOCK + (k / blocks) * SLOT;
	return (uint32_t)(off / 512);
}

static struct iscsi_context *login(char **argv, struct ini_opts *o, double deadline)
{
	char err[256];
	while (now() < deadline) {
		struct iscsi_context *c = ini_login(argv[1], argv[2], o, err, sizeof(err));
		if (c != NULL)
			return c;
		usleep(100000);
	}
	fprintf(stderr, "login: %s\n", err);
	return NULL;
}

static int sync_cache(struct iscsi_context *c, int lun)
{
	struct scsi_task *t = iscsi_synchronizecache10_sync(c, lun, 0, 0, 0, 0);
	int rc = t != NULL && t->status == SCSI_STATUS_GOOD ? 0 : -1;
	if (t)
		scsi_free_scsi_task(t);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 8)
		return 2;
	struct ini_opts o = { .initiator = argv[3] };
	int lun = atoi(argv[4]);
	const char *mode = argv[5];
	double seconds = atof(argv[6]);
	unsigned blocks = (unsigned)atoi(argv[7]);
	static uint32_t buf[SLOT / 4];
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(mode, "verify") == 0) {
		struct iscsi_context *c = login(argv, &o, now() + 30);
		if (c == NULL)
			return 1;
		uint64_t count = (uint64_t)seconds;
		for (uint64_t k = 0; k < count; k++) {
			if (ini_read(c, lun, lba_of(k, blocks), buf, SLOT) != 0) {
				fprintf(stderr, "read of slot %llu failed\n", (unsigned long long)k);
				return 1;
			}
			for (unsigned i = 0; i < SLOT / 4; i += 2)
				if (buf[i] != MAGIC || buf[i + 1] != (uint32_t)k) {
					fprintf(stderr, "slot %llu holds %08x %08x\n", (unsigned long long)k,
						buf[i], buf[i + 1]);
					return 1;
				}
		}
		ini_logout(c);
		printf("verified %llu\n", (unsigned long long)count);
		return 0;
	}

	double end = now() + seconds;
	struct iscsi_context *c = login(argv, &o, end + 30);
	if (c == NULL)
		return 1;
	uint64_t k = 0;
	while (now() < end) {
		for (unsigned i = 0; i < SLOT / 4; i += 2) {
			buf[i] = MAGIC;
			buf[i + 1] = (uint32_t)k;
		}
		bool ok = ini_write(c, lun, lba_of(k, blocks), buf, SLOT) == 0;
		if (ok && (k + 1) % 8 == 0)
			ok = sync_cache(c, lun) == 0;
		if (!ok) {
			/* retry the slot (and the flush) after a new login, within 60 s */
			printf("retry %llu\n", (unsigned long long)k);
			ini_logout(c);
			usleep(200000);
			c = login(argv, &o, now() + 60);
			if (c == NULL)
				return 1;
			k -= k % 8; /* the unflushed group again */
			continue;
		}
		k++;
		if (k % 8 == 0)
			printf("synced %llu\n", (unsigned long long)k);
	}
	ini_logout(c);
	printf("done %llu\n", (unsigned long long)k);
	return 0;
}
