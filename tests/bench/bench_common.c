#include "bench_common.h"

#include <dirent.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_lat_add(struct bench_lat *l, uint64_t ns)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		uint64_t *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t bench_lat_pct(struct bench_lat *l, double p)
{
	if (l->n == 0)
		return 0;
	qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
	size_t i = (size_t)(p / 100.0 * (double)(l->n - 1) + 0.5);
	return l->v[i < l->n ? i : l->n - 1];
}

void bench_lat_free(struct bench_lat *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

double bench_proc_cpu(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* fields after the command name, which may hold spaces: from the last ')' */
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	unsigned long utime = 0, stime = 0;
	/* state(3) ... utime is field 14, stime 15 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
		   &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

long bench_proc_rss_kib(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long kib = -1;
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

int bench_proc_io(pid_t pid, long long *rchar, long long *wchar)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	*rchar = *wchar = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "rchar: %lld", rchar);
		sscanf(line, "wchar: %lld", wchar);
	}
	fclose(f);
	return *rchar >= 0 && *wchar >= 0 ? 0 : -1;
}

void bench_pin(int cpu)
{
	if (cpu < 0)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

void bench_self_tcp_bytes(long long *sent, long long *received)
{
	*sent = *received = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);
		struct tcp_info ti;
		socklen_t len = sizeof(ti);
		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
			continue;
		*sent += (long long)ti.tcpi_bytes_acked;
		*received += (long long)ti.tcpi_bytes_received;
	}
	if (d != NULL)
		closedir(d);
}
