/* B6 without iSCSI: the loop device's own cost. QD threads do O_DIRECT
 * reads or writes on a file directly, and on a loop device istmd attaches
 * (loopdev_attach: direct I/O, 512-byte blocks, no scheduler) over a file
 * of the same size plus a 512-byte trailer, as tgtd's rdwr store does on
 * each. Interleaved (file, loop, file, loop...), medians of REPS runs.
 *
 *   bench_loopio DIR [SECONDS] [SIZE_MIB] [REPS] [QD]
 *
 * Prints per test: MiB/s of each and the ratio, and the CPU time per I/O
 * (this process, all threads, plus every kernel worker thread: the loop
 * device's work runs in kworkers; others' kworker time adds noise, so run
 * it on a machine as quiet as you can). Root (loop devices). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/loopdev.h"
#include "bench_common.h"

struct load {
	int fd;
	uint64_t size, bs;
	bool rnd, wr;
	atomic_uint_fast64_t next, ops;
	atomic_bool stop;
};

static void *worker(void *arg)
{
	struct load *l = arg;
	void *buf;
	if (posix_memalign(&buf, 4096, l->bs) != 0)
		return NULL;
	memset(buf, 0x5A, l->bs);
	uint64_t seed = (uint64_t)(uintptr_t)&buf | 1, blocks = l->size / l->bs;
	while (!atomic_load(&l->stop)) {
		uint64_t b;
		if (l->rnd) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			b = seed % blocks;
		} else {
			b = atomic_fetch_add(&l->next, 1) % blocks;
		}
		ssize_t r = l->wr ? pwrite(l->fd, buf, l->bs, (off_t)(b * l->bs))
				  : pread(l->fd, buf, l->bs, (off_t)(b * l->bs));
		if (r != (ssize_t)l->bs) {
			perror("bench_loopio: I/O");
			exit(1);
		}
		atomic_fetch_add(&l->ops, 1);
	}
	free(buf);
	return NULL;
}

/* utime + stime of every kernel worker thread, in clock ticks. */
static long long kworker_ticks(void)
{
	long long sum = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[300], buf[512];
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		char *close_paren = strrchr(buf, ')');
		if (strncmp(strchr(buf, '(') ? strchr(buf, '(') + 1 : "", "kworker", 7) != 0 ||
		    close_paren == NULL)
			continue;
		unsigned long long ut = 0, st = 0;
		/* fields 14 and 15 (utime, stime), counted after the comm */
		if (sscanf(close_paren + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			   &ut, &st) == 2)
			sum += (long long)(ut + st);
	}
	if (d != NULL)
		closedir(d);
	return sum;
}

static double self_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* One timed run: MiB/s, and CPU microseconds per I/O into *CPU_US. */
static double run(int fd, uint64_t size, uint64_t bs, bool rnd, bool wr, unsigned qd, double secs,
		  double *cpu_us)
{
	struct load l = { .fd = fd, .size = size, .bs = bs, .rnd = rnd, .wr = wr };
	pthread_t t[64];
	long long k0 = kworker_ticks();
	double c0 = self_cpu();
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < qd; i++)
		pthread_create(&t[i], NULL, worker, &l);
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&l.stop, true);
	for (unsigned i = 0; i < qd; i++)
		pthread_join(t[i], NULL);
	double dt = (double)(bench_now_ns() - t0) / 1e9;
	double cpu = self_cpu() - c0 + (double)(kworker_ticks() - k0) / (double)sysconf(_SC_CLK_TCK);
	uint64_t ops = atomic_load(&l.ops);
	*cpu_us = ops ? cpu * 1e6 / (double)ops : 0;
	return (double)ops * (double)bs / dt / 1048576.0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int make(const char *path, uint64_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_DIRECT | O_CLOEXEC, 0600);
	if (fd < 0 || fallocate(fd, 0, 0, (off_t)size) != 0)
		return -1;
	/* written through once: reads of never-written extents cost no I/O */
	void *buf;
	if (posix_memalign(&buf, 4096, 1 << 20) != 0)
		return -1;
	memset(buf, 0, 1 << 20);
	for (uint64_t off = 0; off + (1 << 20) <= size; off += 1 << 20)
		if (pwrite(fd, buf, 1 << 20, (off_t)off) != 1 << 20)
			return -1;
	free(buf);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_loopio DIR [SECONDS] [SIZE_MIB] [REPS] [QD]\n");
		return 2;
	}
	double secs = argc > 2 ? atof(argv[2]) : 2;
	uint64_t size = (argc > 3 ? strtoull(argv[3], NULL, 10) : 256) << 20;
	int reps = argc > 4 ? atoi(argv[4]) : 5;
	unsigned qd = argc > 5 ? (unsigned)atoi(argv[5]) : 8;
	if (reps < 1 || reps > 99 || qd < 1 || qd > 64 || size == 0)
		return 2;
	char raw[4096], img[4096];
	snprintf(raw, sizeof(raw), "%s/bench-loopio.raw", argv[1]);
	snprintf(img, sizeof(img), "%s/bench-loopio.vhd", argv[1]);
	int rfd = make(raw, size), ifd = make(img, size + 512);
	struct loopdev dev;
	int rc = ifd < 0 ? -errno : loopdev_attach(ifd, img, size, 0, &dev);
	if (rfd < 0 || rc < 0) {
		fprintf(stderr, "bench_loopio: cannot set up in %s: %s\n", argv[1], strerror(-rc));
		unlink(raw);
		unlink(img);
		return 1;
	}
	int lfd = open(dev.path, O_RDWR | O_DIRECT | O_CLOEXEC);
	printf("# %s (direct I/O %s) over %s, %llu MiB, QD %u, %d x %.1f s\n", dev.path,
	       dev.direct_io ? "on" : "off", img, (unsigned long long)(size >> 20), qd, reps, secs);
	printf("%-22s %10s %10s %6s %12s %12s\n", "test", "file MiB/s", "loop MiB/s", "ratio",
	       "file us/io", "loop us/io");
	static const struct {
		const char *name;
		bool rnd, wr;
		uint64_t bs;
	} tests[] = {
		{ "seq write 64K", false, true, 65536 }, { "seq read 64K", false, false, 65536 },
		{ "rand write 4K", true, true, 4096 },   { "rand read 4K", true, false, 4096 },
	};
	for (size_t t = 0; lfd >= 0 && t < sizeof(tests) / sizeof(tests[0]); t++) {
		double a[99], b[99], ca[99], cb[99];
		for (int i = 0; i < reps; i++) {
			a[i] = run(rfd, size, tests[t].bs, tests[t].rnd, tests[t].wr, qd, secs, &ca[i]);
			b[i] = run(lfd, size, tests[t].bs, tests[t].rnd, tests[t].wr, qd, secs, &cb[i]);
		}
		double ma = median(a, reps), mb = median(b, reps);
		printf("%-22s %10.1f %10.1f %6.2f %12.1f %12.1f\n", tests[t].name, ma, mb,
		       ma > 0 ? mb / ma : 0, median(ca, reps), median(cb, reps));
	}
	if (lfd >= 0)
		close(lfd);
	loopdev_detach(dev.path);
	close(rfd);
	close(ifd);
	unlink(raw);
	unlink(img);
	return lfd >= 0 ? 0 : 1;
}
