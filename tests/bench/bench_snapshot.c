/* bench_snapshot: how long istmd's snapshot engine takes against the
 * baseline `cp --reflink=always` of the same file, for a 1 GiB and a
 * 100 GiB sparse-but-written fixed VHD on XFS (reflink=1, a loop-mounted
 * image), and the copy-on-write cost: direct-I/O write throughput to the
 * disk's file with 0, 1 and 10 snapshots (every write lands on a block the
 * snapshots share, the worst case).
 *
 *   bench_snapshot [WORKDIR]      (root: mounts an image; default /var/tmp)
 *
 * Not part of ctest (docs/snapshots.md has figures). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <talloc.h>
#include <tevent.h>

#include "backend/storage_paths.h"
#include "core/core.h"
#include "core/snapshots.h"

#define GiB (1024ull * 1024 * 1024)
#define MiB (1024ull * 1024)

static struct tevent_context *ev;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void wait_req(struct tevent_req *req)
{
	while (tevent_req_is_in_progress(req))
		tevent_loop_once(ev);
}

static int run(const char *cmd)
{
	int rc = system(cmd);
	return rc == 0 ? 0 : -1;
}

/* Writes 1 MiB every STRIDE bytes (sparse but written: many extents). */
static void scatter(const char *path, uint64_t size, uint64_t stride)
{
	int fd = open(path, O_WRONLY);
	char *buf = malloc(MiB);
	memset(buf, 0x5a, MiB);
	for (uint64_t off = 0; off + MiB <= size; off += stride)
		if (pwrite(fd, buf, MiB, (off_t)off) != (ssize_t)MiB)
			break;
	fsync(fd);
	close(fd);
	free(buf);
}

static double write_mib_s(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_DIRECT);
	void *buf;
	if (fd < 0 || posix_memalign(&buf, 4096, 64 * 1024) != 0)
		return 0;
	memset(buf, 0xa5, 64 * 1024);
	uint64_t bytes = 256 * MiB, done = 0;
	srand(1);
	double t0 = now_ms();
	while (done < bytes) {
		uint64_t off = ((uint64_t)rand() % (size / (64 * 1024))) * 64 * 1024;
		if (pwrite(fd, buf, 64 * 1024, (off_t)off) != 64 * 1024)
			break;
		done += 64 * 1024;
	}
	fsync(fd);
	double ms = now_ms() - t0;
	close(fd);
	free(buf);
	return (double)done / MiB / (ms / 1000);
}

static int snapshot(struct core *c, uint32_t wtd, double *ms, uint64_t *hold_us)
{
	double t0 = now_ms();
	struct tevent_req *req = core_snapshot_create_send(NULL, c, &wtd, 1, NULL, NULL);
	wait_req(req);
	char *why = NULL;
	int rc = core_snapshot_create_recv(req, req, NULL, hold_us, &why);
	*ms = now_ms() - t0;
	if (rc < 0)
		fprintf(stderr, "snapshot: %s\n", why ? why : strerror(-rc));
	talloc_free(req);
	return rc;
}

int main(int argc, char **argv)
{
	const char *work = argc > 1 ? argv[1] : "/var/tmp";
	char dir[1024], cmd[16384];
	snprintf(dir, sizeof(dir), "%.900s/istmd-bench-snap-XXXXXX", work);
	if (geteuid() != 0 || mkdtemp(dir) == NULL) {
		fprintf(stderr, "bench_snapshot: needs root and a work directory\n");
		return 77;
	}
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/root %s/state && truncate -s 120G %s/img && "
		 "mkfs.xfs -q -f -m reflink=1 %s/img && mount -o loop %s/img %s/root",
		 dir, dir, dir, dir, dir, dir);
	if (run(cmd) != 0) {
		fprintf(stderr, "bench_snapshot: cannot make the XFS image\n");
		return 77;
	}
	TALLOC_CTX *mem = talloc_new(NULL);
	ev = tevent_context_init(mem);
	char root[4200], state[4200];
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	const char *roots[] = { root, NULL };
	struct storage_paths *sp = NULL;
	char *err = NULL;
	struct core_options o = { .state_dir = state, .hostname = "bench" };
	if (storage_paths_new(mem, roots, NULL, &sp, &err) != 0)
		return 1;
	o.storage = sp;
	struct tevent_req *req = core_open_send(mem, ev, &o);
	wait_req(req);
	struct core *c = NULL;
	if (core_open_recv(req, mem, &c, &err) != 0) {
		fprintf(stderr, "core: %s\n", err);
		return 1;
	}
	printf("%-34s %12s %12s %12s\n", "disk", "istmd ms", "hold us", "cp --reflink ms");
	const struct { const char *name; uint64_t size, stride; } disks[] = {
		{ "1 GiB, 1 MiB written every 4 MiB", 1 * GiB, 4 * MiB },
		{ "100 GiB, 1 MiB every 64 MiB", 100 * GiB, 64 * MiB },
	};
	uint32_t wtd1 = 0;
	for (size_t i = 0; i < 2; i++) {
		char path[4300];
		snprintf(path, sizeof(path), "%s/d%zu.vhd", root, i);
		struct core_disk_spec spec = { .path = path, .type = CORE_WTD_FILE,
					       .new_size = disks[i].size,
					       .new_type = CORE_VHD_FIXED, .sparse = true };
		req = core_disk_create_send(mem, c, &spec);
		wait_req(req);
		uint32_t wtd;
		if (core_disk_create_recv(req, mem, &wtd, &err) != 0) {
			fprintf(stderr, "disk: %s\n", err);
			return 1;
		}
		if (i == 0)
			wtd1 = wtd;
		scatter(path, disks[i].size, disks[i].stride);
		double best = 1e9, sum = 0;
		uint64_t hold = 0, hmax = 0;
		for (int k = 0; k < 5; k++) {
			double ms;
			if (snapshot(c, wtd, &ms, &hold) != 0)
				return 1;
			sum += ms;
			best = ms < best ? ms : best;
			hmax = hold > hmax ? hold : hmax;
		}
		double cp_sum = 0;
		for (int k = 0; k < 5; k++) {
			snprintf(cmd, sizeof(cmd), "cp --reflink=always %s %s/cp%zu-%d && sync -f %s",
				 path, root, i, k, root);
			double t0 = now_ms();
			if (run(cmd) != 0)
				return 1;
			cp_sum += now_ms() - t0;
		}
		printf("%-34s %12.1f %12llu %12.1f   (means of 5; istmd best %.1f)\n",
		       disks[i].name, sum / 5, (unsigned long long)hmax, cp_sum / 5, best);
	}
	/* copy-on-write cost on the 1 GiB disk: fresh disk, 0, 1, 10 snapshots */
	char p1[4300];
	snprintf(p1, sizeof(p1), "%s/cow.vhd", root);
	struct core_disk_spec spec = { .path = p1, .type = CORE_WTD_FILE, .new_size = GiB,
				       .new_type = CORE_VHD_FIXED, .sparse = false };
	req = core_disk_create_send(mem, c, &spec);
	wait_req(req);
	uint32_t cow;
	if (core_disk_create_recv(req, mem, &cow, &err) != 0)
		return 1;
	scatter(p1, GiB, MiB);
	printf("\nrandom 64 KiB O_DIRECT writes to a 1 GiB disk (256 MiB written):\n");
	int have = 0;
	for (int want = 0; want <= 10; want = want == 0 ? 1 : 10) {
		double ms;
		uint64_t h;
		while (have < want && snapshot(c, cow, &ms, &h) == 0)
			have++;
		/* a snapshot just before: every block is shared again */
		if (want > 0 && snapshot(c, cow, &ms, &h) == 0)
			have++;
		printf("  %2d snapshot(s): %8.1f MiB/s\n", want, write_mib_s(p1, GiB));
		if (want == 10)
			break;
	}
	(void)wtd1;
	req = core_close_send(mem, c);
	wait_req(req);
	talloc_free(mem);
	snprintf(cmd, sizeof(cmd), "umount %s/root; rm -rf %s", dir, dir);
	run(cmd);
	return 0;
}
