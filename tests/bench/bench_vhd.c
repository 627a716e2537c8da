/* bench_vhd: iSCSI throughput of every VHD serving path against a raw file,
 * in one run (docs/vhd-serving.md has the figures). Not a ctest: run as root
 *
 *   bench_vhd VHDFS_BINARY [SECONDS_PER_TEST] [SIZE_MIB]
 *
 * A private tgtd (control port 1240, portal 127.0.12.40:3260) serves:
 *   raw      a preallocated raw file, tgtd's rdwr store with O_DIRECT (baseline)
 *   fixed    a fixed VHD through a loop device (direct I/O): istmd's fast path
 *   fixed-fs the same fixed VHD through istmd-vhdfs (to compare the paths)
 *   dynamic  a dynamic VHD through istmd-vhdfs: first written while its
 *            blocks are allocated ("alloc"), then measured fully allocated
 *   diff     a differencing VHD over a fixed parent: reads hitting the
 *            parent, writes (allocating), then reads hitting the child
 * Each test runs SECONDS (default 3) with libiscsi at queue depth 8:
 * sequential 64 KiB reads and writes, random 4 KiB reads and writes; write
 * tests end with a SYNCHRONIZE CACHE, counted in their time. Prints MiB/s,
 * IOPS and the ratio to raw. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/loopdev.h"
#include "backend/storage_paths.h"
#include "backend/vhd.h"
#include "backend/vhdfs_ctl.h"

#define CONTROL_PORT "1240"
#define PORTAL "127.0.12.40:3260"
#define IQN "iqn.2026-12.org.istmd.bench:vhd"
#define QD 8

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

/* ---- the load ---- */

struct run {
	struct iscsi_context *c;
	int lun;
	uint64_t span;     /* bytes of the LUN used */
	uint32_t io;       /* bytes per command */
	bool write, random, once; /* once: stop at the end of the span */
	uint64_t next;     /* sequential offset */
	uint64_t rng;
	int inflight;
	uint64_t ios;
	int errors;
	double end;
	bool stop;
	unsigned char *buf;
};

static uint64_t rnd(struct run *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
}

static void issue(struct run *r);

static void done(struct iscsi_context *c, int status, void *data, void *priv)
{
	struct run *r = priv;
	struct scsi_task *t = data;
	(void)c;
	r->inflight--;
	if (status == SCSI_STATUS_GOOD)
		r->ios++;
	else
		r->errors++;
	if (t != NULL)
		scsi_free_scsi_task(t);
	issue(r);
}

static void issue(struct run *r)
{
	while (!r->stop && r->inflight < QD) {
		if (now() >= r->end) {
			r->stop = true;
			return;
		}
		uint64_t off;
		if (r->random) {
			off = rnd(r) % (r->span / r->io) * r->io;
		} else {
			if (r->next + r->io > r->span) {
				if (r->once) {
					r->stop = true;
					return;
				}
				r->next = 0;
			}
			off = r->next;
			r->next += r->io;
		}
		struct scsi_task *t =
			r->write ? iscsi_write10_task(r->c, r->lun, (uint32_t)(off / 512), r->buf, r->io, 512,
						      0, 0, 0, 0, 0, done, r)
				 : iscsi_read10_task(r->c, r->lun, (uint32_t)(off / 512), r->io, 512, 0, 0, 0,
						     0, 0, done, r);
		if (t == NULL) {
			r->errors++;
			r->stop = true;
			return;
		}
		r->inflight++;
	}
}

struct result {
	double mib_s, iops;
};

static struct result measure(struct iscsi_context *c, int lun, uint64_t span, uint32_t io, bool write,
			     bool random, bool once, double seconds)
{
	static unsigned char buf[1 << 16];
	memset(buf, 0x5c, sizeof(buf));
	struct run r = { .c = c, .lun = lun, .span = span, .io = io, .write = write, .random = random,
			 .once = once, .rng = 0x9e3779b97f4a7c15ull, .buf = buf };
	double start = now();
	r.end = start + seconds;
	issue(&r);
	while (r.inflight > 0) {
		struct pollfd p = { .fd = iscsi_get_fd(c), .events = (short)iscsi_which_events(c) };
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		if (iscsi_service(c, p.revents) < 0) {
			fprintf(stderr, "iscsi_service: %s\n", iscsi_get_error(c));
			break;
		}
	}
	if (write) {
		struct scsi_task *t = iscsi_synchronizecache10_sync(c, lun, 0, 0, 0, 0);
		if (t == NULL || t->status != SCSI_STATUS_GOOD)
			r.errors++;
		if (t)
			scsi_free_scsi_task(t);
	}
	double el = now() - start;
	if (r.errors)
		printf("# %d failed commands (LUN %d, %s %u)\n", r.errors, lun, write ? "write" : "read",
		       io);
	return (struct result){ (double)r.ios * io / el / (1 << 20), (double)r.ios / el };
}

/* ---- the targets ---- */

static int tgtadm(const char *args)
{
	return sh("tgtadm -C " CONTROL_PORT " --lld iscsi %s >/dev/null", args);
}

static int add_lun(int lun, const char *path)
{
	char a[512];
	snprintf(a, sizeof(a), "--op new --mode logicalunit --tid 1 --lun %d -b %s --bsoflags direct",
		 lun, path);
	return tgtadm(a);
}

static const char *NAMES[] = { "seq read 64K", "seq write 64K", "rand read 4K", "rand write 4K" };

static void row(const char *disk, const char *test, struct result r, const struct result *base)
{
	printf("%-22s %-14s %9.1f MiB/s %9.0f IOPS", disk, test, r.mib_s, r.iops);
	if (base != NULL && base->iops > 0)
		printf("   %.2f x raw", r.iops / base->iops);
	printf("\n");
}

static void four(struct iscsi_context *c, int lun, uint64_t span, const char *disk, double s,
		 const struct result *base, struct result *out)
{
	bool w[4] = { false, true, false, true }, rd[4] = { false, false, true, true };
	uint32_t io[4] = { 65536, 65536, 4096, 4096 };
	for (int i = 0; i < 4; i++) {
		struct result r = measure(c, lun, span, io[i], w[i], rd[i], false, s);
		row(disk, NAMES[i], r, base ? &base[i] : NULL);
		if (out)
			out[i] = r;
	}
}

static pid_t start_tgtd(const char *dir)
{
	pid_t pid = fork();
	if (pid == 0) {
		char log[512];
		snprintf(log, sizeof(log), "%s/tgtd.log", dir);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		execl("/usr/sbin/tgtd", "tgtd", "-f", "-C", CONTROL_PORT, "--iscsi", "portal=" PORTAL,
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		if (sh("tgtadm -C " CONTROL_PORT " --mode system --op show >/dev/null 2>&1") == 0)
			return pid;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	return -1;
}

static int serve_vhdfs(struct vhdfs_conf *vc, int dirfd, const char *dir, const char *name,
		       uint64_t size, struct loopdev *ld, struct stat *st)
{
	char posix[512], reason[512];
	snprintf(posix, sizeof(posix), "%s/%s", dir, name);
	int img = openat(dirfd, name, O_RDWR | O_CLOEXEC);
	fstat(img, st);
	int raw = -1;
	pid_t pid;
	bool started;
	int r = vhdfs_ensure(vc, img, posix, st, &raw, &pid, &started, reason, sizeof(reason));
	close(img);
	if (r < 0) {
		fprintf(stderr, "vhdfs %s: %s\n", name, reason);
		return r;
	}
	r = loopdev_attach(raw, name, size, 0, ld);
	close(raw);
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2 || geteuid() != 0) {
		fprintf(stderr, "usage (as root): bench_vhd VHDFS_BINARY [SECONDS] [SIZE_MIB]\n");
		return 2;
	}
	double s = argc > 2 ? atof(argv[2]) : 3;
	uint64_t size = (argc > 3 ? strtoull(argv[3], NULL, 0) : 256) << 20;
	char dir[] = "/var/tmp/bench-vhd-XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 1;
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	const char *roots[] = { dir, NULL };
	struct storage_paths *sp;
	char *err = NULL, reason[VHD_REASON_LEN];
	if (storage_paths_new(NULL, roots, NULL, &sp, &err) != 0)
		return 1;
	char run[600];
	snprintf(run, sizeof(run), "%s/run", dir);
	struct vhdfs_conf vc = { .binary = argv[1], .run_dir = run, .sp = sp };

	/* the files */
	sh("fallocate -l %" PRIu64 " %s/raw.img", size, dir);
	struct vhd_create_options pre = { 0 };
	vhd_create_fixed(dirfd, "fixed.vhd", size, &pre, reason);
	vhd_create_fixed(dirfd, "fixedfs.vhd", size, &pre, reason);
	vhd_create_dynamic(dirfd, "dyn.vhd", size, NULL, reason);
	vhd_create_fixed(dirfd, "parent.vhd", size, &pre, reason);
	/* real data in the parent and the raw file (not unwritten extents) */
	sh("dd if=/dev/urandom of=%s/raw.img bs=1M count=%" PRIu64 " conv=notrunc,fsync status=none",
	   dir, size >> 20);
	sh("dd if=%s/raw.img of=%s/parent.vhd bs=1M conv=notrunc,fsync status=none", dir, dir);
	sh("dd if=%s/raw.img of=%s/fixed.vhd bs=1M conv=notrunc,fsync status=none", dir, dir);
	sh("dd if=%s/raw.img of=%s/fixedfs.vhd bs=1M conv=notrunc,fsync status=none", dir, dir);
	int pfd = openat(dirfd, "parent.vhd", O_RDONLY);
	struct vhd_parent parent = { pfd, "D:\\parent.vhd", ".\\parent.vhd" };
	if (vhd_create_differencing(dirfd, "diff.vhd", &parent, NULL, reason) != 0) {
		fprintf(stderr, "diff: %s\n", reason);
		return 1;
	}
	close(pfd);

	pid_t tgtd = start_tgtd(dir);
	if (tgtd < 0) {
		fprintf(stderr, "tgtd did not start\n");
		return 1;
	}
	tgtadm("--op new --mode target --tid 1 -T " IQN);
	tgtadm("--op bind --mode target --tid 1 -I ALL");

	struct loopdev lfixed, lfixedfs, ldyn, ldiff;
	struct stat st_fixedfs, st_dyn, st_diff;
	int fixedfd = openat(dirfd, "fixed.vhd", O_RDWR);
	loopdev_attach(fixedfd, "fixed.vhd", size, 0, &lfixed);
	close(fixedfd);
	serve_vhdfs(&vc, dirfd, dir, "fixedfs.vhd", size, &lfixedfs, &st_fixedfs);
	serve_vhdfs(&vc, dirfd, dir, "dyn.vhd", size, &ldyn, &st_dyn);
	serve_vhdfs(&vc, dirfd, dir, "diff.vhd", size, &ldiff, &st_diff);
	char rawpath[600];
	snprintf(rawpath, sizeof(rawpath), "%s/raw.img", dir);
	add_lun(1, rawpath);
	add_lun(2, lfixed.path);
	add_lun(3, lfixedfs.path);
	add_lun(4, ldyn.path);
	add_lun(5, ldiff.path);

	struct iscsi_context *c = iscsi_create_context("iqn.2026-12.org.istmd.bench:initiator");
	iscsi_set_targetname(c, IQN);
	iscsi_set_session_type(c, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(c, ISCSI_HEADER_DIGEST_NONE);
	if (iscsi_full_connect_sync(c, PORTAL, 1) != 0) {
		fprintf(stderr, "login: %s\n", iscsi_get_error(c));
		return 1;
	}
	printf("# %" PRIu64 " MiB disks, %.1f s per test, queue depth %d\n", size >> 20, s, QD);
	struct result raw[4];
	four(c, 1, size, "raw file (tgtd rdwr)", s, NULL, raw);
	four(c, 2, size, "fixed (loop)", s, raw, NULL);
	four(c, 3, size, "fixed (vhdfs)", s, raw, NULL);
	/* dynamic: allocating, then allocated */
	struct result r = measure(c, 4, size, 65536, true, false, true, 60);
	row("dynamic (allocating)", NAMES[1], r, &raw[1]);
	four(c, 4, size, "dynamic (allocated)", s, raw, NULL);
	/* differencing: reads from the parent, allocating writes, then reads of the child */
	r = measure(c, 5, size, 65536, false, false, false, s);
	row("diff (parent reads)", NAMES[0], r, &raw[0]);
	r = measure(c, 5, size, 4096, false, true, false, s);
	row("diff (parent reads)", NAMES[2], r, &raw[2]);
	r = measure(c, 5, size, 4096, true, true, false, s);
	row("diff (allocating)", NAMES[3], r, &raw[3]);
	r = measure(c, 5, size, 65536, true, false, true, 60);
	row("diff (allocating)", NAMES[1], r, &raw[1]);
	four(c, 5, size, "diff (child, allocated)", s, raw, NULL);

	iscsi_logout_sync(c);
	iscsi_destroy_context(c);
	kill(tgtd, SIGKILL);
	waitpid(tgtd, NULL, 0);
	loopdev_detach(lfixed.path);
	loopdev_detach(lfixedfs.path);
	loopdev_detach(ldyn.path);
	loopdev_detach(ldiff.path);
	vhdfs_stop(&vc, st_fixedfs.st_dev, st_fixedfs.st_ino);
	vhdfs_stop(&vc, st_dyn.st_dev, st_dyn.st_ino);
	vhdfs_stop(&vc, st_diff.st_dev, st_diff.st_ino);
	char reason2[VHD_REASON_LEN];
	int fd = openat(dirfd, "diff.vhd", O_RDONLY);
	printf("# diff.vhd after the run: %s\n", vhd_inspect(NULL, fd, NULL, reason2) == 0 ? "valid" : reason2);
	close(fd);
	fd = openat(dirfd, "dyn.vhd", O_RDONLY);
	printf("# dyn.vhd after the run: %s\n", vhd_inspect(NULL, fd, NULL, reason2) == 0 ? "valid" : reason2);
	close(fd);
	sh("rm -rf %s", dir);
	return 0;
}
