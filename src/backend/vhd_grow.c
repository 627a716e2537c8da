/* Growing a dynamic VHD (GrowWtFile / a disk's growth) and finishing one a
 * crash interrupted. docs/vhd-serving.md, "Growing a dynamic disk".
 *
 * The virtual size lives in the footer (twice: at the end and its copy at
 * offset 0); the BAT must cover it. Order, each step leaving a valid image:
 *   1. when the BAT is too small for the new size:
 *      a. its sector padding suffices: the padding entries are made
 *         0xFFFFFFFF, fdatasync, then the header's max table entries grow
 *         (one sector rewritten), fdatasync;
 *      b. else a new BAT goes after the last block: the unchanged footer is
 *         first written after the new BAT's place (the write that extends
 *         the file), then the new BAT (old entries, then unused ones),
 *         fdatasync; then the header points at it (its first sector, which
 *         holds the table offset, the entry count and the checksum, is the
 *         only one that changes), fdatasync. The old BAT's sectors become
 *         unreferenced space.
 *      The image is still the old size, with a larger table.
 *   2. the footer with the new size at the end, fdatasync, then its copy at
 *      offset 0, fdatasync. A crash between leaves the two differing in the
 *      size only: vhd_recover_grow() copies the end footer to offset 0. */
#include "backend/vhd.h"
#include "backend/vhd_format.h"
#include "backend/vhd_io.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int sync_fd(int fd)
{
	return fdatasync(fd) < 0 ? -errno : 0;
}

static int write_header(int fd, uint64_t off, struct vhd_header *h)
{
	uint8_t raw[VHD_DYNAMIC_HEADER_SIZE];
	vhd_header_encode(h, raw);
	int r = vhd_pwrite(fd, raw, sizeof(raw), off);
	return r == 0 ? sync_fd(fd) : r;
}

/* Makes the BAT of the image (header H at HOFF, file of FILE_SIZE bytes,
 * footer RAW) hold NEED entries. */
static int widen_bat(int fd, uint64_t hoff, struct vhd_header *h, uint64_t file_size,
		     const uint8_t raw[VHD_FOOTER_SIZE], uint32_t need, char *reason)
{
	uint32_t entries = h->max_table_entries;
	uint64_t old_bytes = vhd_bat_size(entries);
	uint64_t new_bytes = vhd_bat_size(need);
	int r;

	if (new_bytes <= old_bytes) { /* a: the padding of the last sector */
		uint8_t ff[VHD_SECTOR_SIZE];
		memset(ff, 0xff, sizeof(ff));
		size_t len = (size_t)(need - entries) * 4;
		if ((r = vhd_pwrite(fd, ff, len, h->table_offset + (uint64_t)entries * 4)) < 0 ||
		    (r = sync_fd(fd)) < 0)
			return vhd_fail(reason, r, "cannot write the new BAT entries");
		h->max_table_entries = need;
		if ((r = write_header(fd, hoff, h)) < 0)
			return vhd_fail(reason, r, "cannot write the dynamic header");
		return 0;
	}

	/* b: a new table after the last block, where the footer is now */
	uint64_t at = file_size - VHD_FOOTER_SIZE;
	uint8_t *bat = malloc(new_bytes);
	if (bat == NULL)
		return vhd_fail(reason, -ENOMEM, "out of memory for the BAT");
	memset(bat, 0xff, new_bytes);
	r = vhd_pread(fd, bat, (size_t)entries * 4, h->table_offset);
	if (r == 0)
		r = vhd_pwrite(fd, raw, VHD_FOOTER_SIZE, at + new_bytes);
	if (r == 0)
		r = vhd_pwrite(fd, bat, new_bytes, at);
	free(bat);
	if (r == 0)
		r = sync_fd(fd);
	if (r < 0)
		return vhd_fail(reason, r, "cannot write the new BAT");
	h->table_offset = at;
	h->max_table_entries = need;
	if ((r = write_header(fd, hoff, h)) < 0)
		return vhd_fail(reason, r, "cannot write the dynamic header");
	return 0;
}

int vhd_grow_dynamic(int fd, uint64_t new_size, char *reason)
{
	struct vhd_info *info = NULL;
	TALLOC_CTX *tmp = talloc_new(NULL);
	int r = vhd_inspect(tmp, fd, &info, reason);
	if (r < 0)
		goto out;
	if (info->type != VHD_TYPE_DYNAMIC) {
		r = vhd_fail(reason, -EOPNOTSUPP, "a %s VHD does not grow here", vhd_type_name(info->type));
		goto out;
	}
	if (new_size <= info->virtual_size || new_size % VHD_SECTOR_SIZE != 0 ||
	    new_size > VHD_MAX_VIRTUAL_SIZE) {
		r = vhd_fail(reason, -EINVAL, "new size %" PRIu64 " is not a multiple of 512 above %" PRIu64
			     " and at most 2040 GiB", new_size, info->virtual_size);
		goto out;
	}
	uint8_t raw[VHD_FOOTER_SIZE], hraw[VHD_DYNAMIC_HEADER_SIZE];
	struct vhd_footer f;
	struct vhd_header h;
	uint64_t end = info->file_size - VHD_FOOTER_SIZE;
	if ((r = vhd_read_footer(fd, end, &f, raw, reason)) < 0 ||
	    (r = vhd_pread(fd, hraw, sizeof(hraw), f.data_offset)) < 0)
		goto out;
	vhd_header_decode(hraw, &h);
	uint64_t need64 = (new_size + h.block_size - 1) / h.block_size;
	if (need64 > VHD_MAX_TABLE_ENTRIES) {
		r = vhd_fail(reason, -EOPNOTSUPP, "%" PRIu64 " BAT entries are more than accepted", need64);
		goto out;
	}
	if (need64 > h.max_table_entries) {
		r = widen_bat(fd, f.data_offset, &h, info->file_size, raw, (uint32_t)need64, reason);
		if (r < 0)
			goto out;
		struct stat st;
		if (fstat(fd, &st) < 0) {
			r = vhd_fail(reason, -errno, "cannot stat the image");
			goto out;
		}
		end = (uint64_t)st.st_size - VHD_FOOTER_SIZE;
	}
	f.current_size = new_size;
	f.original_size = new_size;
	vhd_geometry(new_size, &f.cylinders, &f.heads, &f.sectors);
	vhd_footer_encode(&f, raw);
	if ((r = vhd_pwrite(fd, raw, sizeof(raw), end)) < 0 || (r = sync_fd(fd)) < 0 ||
	    (r = vhd_pwrite(fd, raw, sizeof(raw), 0)) < 0 || (r = sync_fd(fd)) < 0)
		vhd_fail(reason, r, "cannot write the footer");
out:
	talloc_free(tmp);
	return r;
}

int64_t vhd_recover_grow(int fd, uint64_t old_size, char *reason)
{
	struct vhd_footer copy, f;
	uint8_t craw[VHD_FOOTER_SIZE], raw[VHD_FOOTER_SIZE];
	/* A dynamic image starts with its footer copy; a fixed one with data. */
	if (vhd_read_footer(fd, 0, &copy, craw, NULL) != 0 || copy.disk_type == VHD_TYPE_FIXED)
		return vhd_recover_fixed_grow(fd, old_size, reason);
	int r = vhd_io_repair(fd, reason); /* a lost end footer */
	if (r < 0)
		return r;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return vhd_fail(reason, -errno, "cannot stat the image");
	r = vhd_read_footer(fd, (uint64_t)st.st_size - VHD_FOOTER_SIZE, &f, raw, reason);
	if (r < 0)
		return r;
	if (memcmp(raw, craw, sizeof(raw)) != 0) {
		if (memcmp(f.unique_id, copy.unique_id, 16) != 0)
			return vhd_fail(reason, -EBADMSG, "the footer and its copy describe different disks");
		/* stopped between the two footer writes: the end one is the new size */
		if ((r = vhd_pwrite(fd, raw, sizeof(raw), 0)) < 0 || (r = sync_fd(fd)) < 0)
			return vhd_fail(reason, r, "cannot write the footer copy");
	}
	return (int64_t)f.current_size;
}
