/* A raw block view of a VHD image of any type (fixed, dynamic, differencing
 * with a chain of parents): read and write at byte offsets of the virtual
 * disk. docs/vhd-serving.md describes the design; the crash-safe write order
 * is at the top of vhd_io.c.
 *
 * Plain blocking C for the serving process (istmd-vhdfs) or a worker thread.
 * One struct vhd_io may be used from several threads at once: metadata (the
 * BAT, cached sector bitmaps) is guarded by a mutex, data I/O of allocated
 * sectors runs outside it. Parents are opened read-only and never written.
 *
 * Memory per open image is bounded: the BAT (4 bytes per block, at most
 * 16 MiB for the largest accepted table), one index word and one bit per
 * block, and at most BITMAP_CACHE cached sector bitmaps.
 *
 * Errors are negative errno values with a reason as in vhd.h. */
#ifndef ISTMD_BACKEND_VHD_IO_H
#define ISTMD_BACKEND_VHD_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

#include "backend/vhd.h"

#define VHD_IO_DEFAULT_MAX_DEPTH 16
#define VHD_IO_DEFAULT_BITMAP_CACHE 1024

struct vhd_io;

/* Opens the parent of a differencing image: CHILD_INFO describes the child
 * (its locators and parent name), DEPTH is the parent's depth (1 for the
 * first parent). Returns a descriptor open O_RDONLY, or a negative errno
 * with REASON filled. The descriptor is owned by vhd_io from then on. */
typedef int (*vhd_io_open_parent_fn)(void *arg, const struct vhd_info *child_info, unsigned depth,
				     char *reason);

struct vhd_io_options {
	bool writable;              /* the top image only; parents are always read-only */
	unsigned max_depth;         /* parents allowed; 0 means VHD_IO_DEFAULT_MAX_DEPTH */
	unsigned bitmap_cache;      /* cached bitmaps per image; 0 means the default */
	vhd_io_open_parent_fn open_parent; /* required for differencing images */
	void *open_parent_arg;
};

/* Validates FD (vhd_inspect), opens its parent chain and loads the BAT. FD
 * is owned by the result (closed when it is freed), also on failure. When
 * writable, an image whose last sector is not a valid footer (a crash while
 * a block was being added, on a file system that persisted the size but not
 * the data) is repaired first: see vhd_io_repair(). */
int vhd_io_open(TALLOC_CTX *mem, int fd, const struct vhd_io_options *opt, struct vhd_io **out,
		char *reason);

uint64_t vhd_io_size(const struct vhd_io *io);
enum vhd_type vhd_io_type(const struct vhd_io *io);
/* Images in the chain including this one (1 for a fixed or dynamic image). */
unsigned vhd_io_depth(const struct vhd_io *io);

/* Reads or writes LEN bytes at OFF of the virtual disk (any alignment; the
 * range must lie inside the disk: -EINVAL otherwise). 0 or a negative errno. */
int vhd_io_pread(struct vhd_io *io, void *buf, size_t len, uint64_t off);
int vhd_io_pwrite(struct vhd_io *io, const void *buf, size_t len, uint64_t off);

/* Makes every completed write durable: fdatasync, then the deferred sector
 * bitmaps and BAT entries, then fdatasync again. */
int vhd_io_flush(struct vhd_io *io);

/* Statistics for tests and the bench. */
struct vhd_io_stats {
	uint64_t blocks_allocated;  /* by this vhd_io */
	uint64_t bitmap_cache_misses;
	uint64_t flushes;
	unsigned bitmaps_cached;
};
void vhd_io_stats(const struct vhd_io *io, struct vhd_io_stats *st);

/* Makes a dynamic or differencing image whose end lost its footer valid
 * again: the footer copy at offset 0 is written after the last structure the
 * metadata references and the file is cut there. 0 when nothing was wrong,
 * 1 when repaired, negative errno otherwise. */
int vhd_io_repair(int fd, char *reason);

/* Test hook: when not NULL, called before each step of a block allocation
 * (STEP: 1 footer moved, 2 data and bitmap written, 3 sync, 4 BAT entry
 * written at flush); a non-zero return aborts there, as a crash would. */
extern int (*vhd_io_crash_hook)(int step);

#endif
