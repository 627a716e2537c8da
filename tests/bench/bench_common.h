/* What the benchmark programs share: clocks, latency percentiles, and what
 * /proc says of the server under test (CPU seconds, RSS, bytes moved). */
#ifndef ISTMD_BENCH_COMMON_H
#define ISTMD_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

uint64_t bench_now_ns(void);

/* Latencies in nanoseconds, grown as needed. */
struct bench_lat {
	uint64_t *v;
	size_t n, cap;
};
void bench_lat_add(struct bench_lat *l, uint64_t ns);
/* P in [0,100]; sorts in place. 0 when empty. */
uint64_t bench_lat_pct(struct bench_lat *l, double p);
void bench_lat_free(struct bench_lat *l);

/* A process's user+system CPU in seconds (utime+stime of /proc/PID/stat,
 * all threads); -1 when unreadable. */
double bench_proc_cpu(pid_t pid);
/* VmRSS in KiB; -1 when unreadable. */
long bench_proc_rss_kib(pid_t pid);
/* rchar/wchar of /proc/PID/io (bytes read and written through syscalls);
 * -1 when unreadable (another user's process). */
int bench_proc_io(pid_t pid, long long *rchar, long long *wchar);
/* Bytes this process sent (acknowledged) and received over all its TCP
 * sockets (TCP_INFO of each socket in /proc/self/fd). */
void bench_self_tcp_bytes(long long *sent, long long *received);
/* Pins the calling process to CPU (or does nothing for -1). */
void bench_pin(int cpu);

#endif
