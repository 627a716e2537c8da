/* bench_snapshot: how long istmd's snapshot engine takes against the
 * baseline `cp --reflink=always` of the same file, for a 1 GiB and a
 * 100 GiB sparse-but-written fixed VHD on XFS (reflink=1, a loop-mounted
 * image), interleaved, medians of 5; then how long the content is held
 * against the number of extents of the disk's file: the clone istmd held
 * before (a first FICLONE into an empty file) against what it holds now (a
 * FICLONE onto a clone made before the hold, after writes in between), and
 * istmd's own figure for a snapshot of a disk of that many extents.
 * The copy-on-write cost through iSCSI is bench_snapshot_iscsi.sh.
 *
 *   bench_snapshot [WORKDIR]      (root: mounts an image; default /var/tmp)
 *
 * Not part of ctest (docs/snapshots.md has figures). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <talloc.h>
#include <tevent.h>

#include "backend/snap_provider.h"
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

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Extents of FD's file (FIEMAP, counting only). */
static long extents(int fd)
{
	struct fiemap fm = { .fm_length = FIEMAP_MAX_OFFSET };
	return ioctl(fd, FS_IOC_FIEMAP, &fm) == 0 ? (long)fm.fm_mapped_extents : -1;
}

static long extents_of(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = fd >= 0 ? extents(fd) : -1;
	if (fd >= 0)
		close(fd);
	return n;
}

/* Makes PATH's data area N separate extents: 64 KiB written every 128 KiB,
 * backwards so that XFS cannot merge neighbours. */
static void fragment(const char *path, long n)
{
	int fd = open(path, O_WRONLY);
	char buf[65536];
	memset(buf, 0x3c, sizeof(buf));
	for (long i = n - 1; fd >= 0 && i >= 0; i--)
		if (pwrite(fd, buf, sizeof(buf), (off_t)i * 131072) != (ssize_t)sizeof(buf))
			break;
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* A few 4 KiB writes (what initiators write between the clone made before
 * the hold and the hold), made durable as the engine does. */
static void touch(int fd, long n, int k)
{
	char buf[4096];
	memset(buf, 0x11 * (k + 1), sizeof(buf));
	for (int i = 0; i < 16; i++)
		if (pwrite(fd, buf, sizeof(buf), (off_t)((i * 7919 + k) % n) * 131072) < 0)
			break;
	fdatasync(fd);
}

/* 8 processes writing 64 KiB O_DIRECT blocks through PATH's first SIZE
 * bytes, interleaved (process t writes blocks t, t+8, t+16...): the order
 * in which an initiator's sequential writes at queue depth 8 arrive. */
static void writers8(const char *path, uint64_t size)
{
	pid_t pids[8];
	for (int t = 0; t < 8; t++) {
		pids[t] = fork();
		if (pids[t] != 0)
			continue;
		int fd = open(path, O_WRONLY | O_DIRECT);
		void *buf;
		if (fd < 0 || posix_memalign(&buf, 4096, 65536) != 0)
			_exit(1);
		memset(buf, 0x77, 65536);
		for (uint64_t b = (uint64_t)t; (b + 1) * 65536 <= size; b += 8)
			if (pwrite(fd, buf, 65536, (off_t)(b * 65536)) != 65536)
				_exit(1);
		_exit(0);
	}
	for (int t = 0; t < 8; t++)
		if (pids[t] > 0)
			waitpid(pids[t], NULL, 0);
}

static int cow_hint(const char *path, unsigned bytes)
{
	int fd = open(path, O_RDONLY);
	struct fsxattr fa;
	int rc = fd >= 0 && ioctl(fd, FS_IOC_FSGETXATTR, &fa) == 0 ? 0 : -1;
	if (rc == 0) {
		fa.fsx_xflags |= FS_XFLAG_COWEXTSIZE;
		fa.fsx_cowextsize = bytes;
		rc = ioctl(fd, FS_IOC_FSSETXATTR, &fa);
	}
	if (fd >= 0)
		close(fd);
	return rc;
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
	printf("snapshot time, istmd (clone, fsync, database commit) against cp --reflink=always\n"
	       "+ sync -f of the same file, interleaved, medians of 5:\n");
	printf("%-34s %8s %10s %10s %12s\n", "disk", "extents", "istmd ms", "hold us",
	       "cp --reflink ms");
	const struct { const char *name; uint64_t size, stride; } disks[] = {
		{ "1 GiB, 1 MiB written every 4 MiB", 1 * GiB, 4 * MiB },
		{ "100 GiB, 1 MiB every 64 MiB", 100 * GiB, 64 * MiB },
	};
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
		scatter(path, disks[i].size, disks[i].stride);
		double ist[5], cp[5], hold[5];
		for (int k = 0; k < 5; k++) {
			uint64_t h = 0;
			if (snapshot(c, wtd, &ist[k], &h) != 0)
				return 1;
			hold[k] = (double)h;
			snprintf(cmd, sizeof(cmd), "cp --reflink=always %s %s/cp%zu-%d && sync -f %s",
				 path, root, i, k, root);
			double t0 = now_ms();
			if (run(cmd) != 0)
				return 1;
			cp[k] = now_ms() - t0;
		}
		printf("%-34s %8ld %10.1f %10.0f %12.1f\n", disks[i].name, extents_of(path),
		       median(ist, 5), median(hold, 5), median(cp, 5));
	}

	/* The hold against the number of extents. */
	printf("\ncontent held against extents of the disk's file (medians of 5, interleaved):\n"
	       "  before = a first FICLONE into an empty file (what was held until now);\n"
	       "  after  = FICLONE onto a clone made before the hold, 16 blocks written\n"
	       "           in between (what is held now);\n"
	       "  istmd  = the hold istmd reports for a snapshot of that disk\n");
	printf("%10s %12s %12s %12s %14s\n", "extents", "before ms", "after ms", "istmd ms",
	       "after us/ext");
	const long counts[] = { 256, 1600, 4000, 16000 };
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		char path[4300];
		snprintf(path, sizeof(path), "%s/x%ld.vhd", root, counts[i]);
		struct core_disk_spec spec = { .path = path, .type = CORE_WTD_FILE,
					       .new_size = (uint64_t)counts[i] * 131072 + MiB,
					       .new_type = CORE_VHD_FIXED, .sparse = true };
		req = core_disk_create_send(mem, c, &spec);
		wait_req(req);
		uint32_t wtd;
		if (core_disk_create_recv(req, mem, &wtd, &err) != 0) {
			fprintf(stderr, "disk: %s\n", err);
			return 1;
		}
		fragment(path, counts[i]);
		int src = open(path, O_RDWR);
		long ext = extents(src);
		double before[5], after[5], ist[5];
		for (int k = 0; k < 5; k++) {
			char name[64];
			snprintf(name, sizeof(name), "b%ld-%d", counts[i], k);
			int dfd = open(root, O_RDONLY | O_DIRECTORY);
			double t0 = now_ms();
			int rc = snap_clone_to(&snap_provider_reflink, src, dfd, name, false);
			before[k] = now_ms() - t0;
			unlinkat(dfd, name, 0);
			snprintf(name, sizeof(name), "a%ld-%d", counts[i], k);
			int fd = snap_clone_open(&snap_provider_reflink, src, dfd, name);
			touch(src, counts[i], k);
			t0 = now_ms();
			if (rc == 0 && fd >= 0)
				rc = snap_provider_reflink.clone(src, fd);
			after[k] = now_ms() - t0;
			if (fd >= 0)
				close(fd);
			unlinkat(dfd, name, 0);
			close(dfd);
			uint64_t h = 0;
			double ms;
			touch(src, counts[i], k + 5);
			if (rc != 0 || fd < 0 || snapshot(c, wtd, &ms, &h) != 0) {
				fprintf(stderr, "clone failed\n");
				return 1;
			}
			ist[k] = (double)h / 1000;
		}
		close(src);
		double am = median(after, 5);
		printf("%10ld %12.1f %12.1f %12.1f %14.2f\n", ext, median(before, 5), am,
		       median(ist, 5), am * 1000 / (double)ext);
	}

	/* Copy-on-write fragmentation: XFS's default hint against istmd's. */
	printf("\nafter a snapshot, 8 writers of 64 KiB through a written 1 GiB disk\n"
	       "(QD-8 sequential order), medians of 3, interleaved:\n");
	printf("%-36s %12s %16s\n", "cowextsize", "extents", "next hold ms");
	const struct { const char *name; unsigned hint; } hints[] = {
		{ "XFS default (128 KiB, set by hand)", 128 * 1024 },
		{ "istmd's hint (4 MiB, set by istmd)", 0 },
	};
	double ext[2][3], nh[2][3];
	for (int k = 0; k < 3; k++)
		for (int h = 0; h < 2; h++) {
			char path[4300];
			snprintf(path, sizeof(path), "%s/h%d-%d.vhd", root, h, k);
			struct core_disk_spec spec = { .path = path, .type = CORE_WTD_FILE,
						       .new_size = GiB, .new_type = CORE_VHD_FIXED,
						       .sparse = true };
			req = core_disk_create_send(mem, c, &spec);
			wait_req(req);
			uint32_t wtd;
			double ms;
			uint64_t hold;
			if (core_disk_create_recv(req, mem, &wtd, &err) != 0)
				return 1;
			scatter(path, GiB, MiB); /* all written: few extents */
			if (hints[h].hint != 0 && cow_hint(path, hints[h].hint) != 0)
				fprintf(stderr, "cannot set the hint\n");
			if (snapshot(c, wtd, &ms, &hold) != 0)
				return 1;
			writers8(path, GiB);
			ext[h][k] = (double)extents_of(path);
			if (snapshot(c, wtd, &ms, &hold) != 0)
				return 1;
			nh[h][k] = (double)hold / 1000;
		}
	for (int h = 0; h < 2; h++)
		printf("%-36s %12.0f %16.2f\n", hints[h].name, median(ext[h], 3), median(nh[h], 3));
	req = core_close_send(mem, c);
	wait_req(req);
	talloc_free(mem);
	snprintf(cmd, sizeof(cmd), "umount %s/root; rm -rf %s", dir, dir);
	run(cmd);
	return 0;
}
