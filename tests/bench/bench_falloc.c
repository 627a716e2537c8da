/* B4's baseline, in process: what CreateWtFile of a fixed VHD cannot avoid
 * doing, timed without a fork and exec per step (the `fallocate` tool and
 * `date` around it cost milliseconds on a loaded machine).
 *
 *   bench_falloc PATH BYTES
 *
 * Creates PATH (it must not exist), reserves BYTES (fallocate, mode 0),
 * then fsyncs it and its directory, as a crash-safe creation must.
 * Prints: falloc_s= falloc_fsync_s= (both from the open). PATH is left
 * in place: the caller removes it. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_falloc PATH BYTES\n");
		return 2;
	}
	char *copy = strdup(argv[1]);
	if (copy == NULL)
		return 1;
	int dirfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	off_t size = (off_t)strtoll(argv[2], NULL, 10);
	if (dirfd < 0 || size <= 0) {
		fprintf(stderr, "bench_falloc: bad directory or size\n");
		return 1;
	}
	uint64_t t0 = bench_now_ns();
	int fd = open(argv[1], O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 || fallocate(fd, 0, 0, size) != 0) {
		fprintf(stderr, "bench_falloc: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	uint64_t t1 = bench_now_ns();
	if (fsync(fd) != 0 || fsync(dirfd) != 0) {
		fprintf(stderr, "bench_falloc: fsync: %s\n", strerror(errno));
		return 1;
	}
	uint64_t t2 = bench_now_ns();
	printf("falloc_s=%.4f falloc_fsync_s=%.4f\n", (double)(t1 - t0) / 1e9,
	       (double)(t2 - t0) / 1e9);
	close(fd);
	close(dirfd);
	free(copy);
	return 0;
}
