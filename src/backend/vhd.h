/* VHD images (Microsoft "Virtual Hard Disk Image Format Specification", 2006):
 * create fixed, dynamic and differencing images, grow fixed ones, validate and
 * inspect any image. docs/vhd.md describes the on-disk choices and crash safety.
 *
 * Every function is plain blocking C for a worker thread (include/istmd/workpool.h):
 * no global state, no tevent. Files are addressed by descriptors that the caller
 * obtained through src/backend/storage_paths.h (a directory fd plus a single
 * component name for creation), so no path string is resolved here.
 *
 * Errors are negative errno values; where REASON is not NULL it receives a short
 * human explanation (at most VHD_REASON_LEN bytes including the NUL):
 *   -EBADMSG     not a VHD, or a corrupt one (the reason says which field)
 *   -EOPNOTSUPP  a well-formed VHD of a kind we do not handle (version, type,
 *                saved state), or an operation that makes no sense for the type
 *   -EINVAL      bad arguments (size not a multiple of 512, too large, ...)
 *   -EEXIST, -ENOSPC, -EIO, ...  from the file system */
#ifndef ISTMD_BACKEND_VHD_H
#define ISTMD_BACKEND_VHD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <talloc.h>
#include <time.h>

#define VHD_SECTOR_SIZE 512u
#define VHD_FOOTER_SIZE 512u
#define VHD_DYNAMIC_HEADER_SIZE 1024u
#define VHD_DEFAULT_BLOCK_SIZE (2u * 1024 * 1024)
/* Largest virtual size we create or accept: 2040 GiB, Windows' VHD limit (the
 * format's 32-bit BAT sector offsets cap dynamic files just below 2 TiB). */
#define VHD_MAX_VIRTUAL_SIZE (2040ull * 1024 * 1024 * 1024)
#define VHD_REASON_LEN 160

/* Values of the footer's disk type field (and of VhdType + 1, MS-ISTM 2.2.3.9:
 * FixedVhd = 1, DifferencingVhd = 2, DynamicVhd = 3 -- note the different order). */
enum vhd_type {
	VHD_TYPE_FIXED = 2,
	VHD_TYPE_DYNAMIC = 3,
	VHD_TYPE_DIFFERENCING = 4,
};

const char *vhd_type_name(enum vhd_type type);

struct vhd_create_options {
	/* Replace an existing file of that name (MS-ISTM CreateWtFile: "SHOULD
	 * overwrite"). Without it an existing name fails with -EEXIST. */
	bool overwrite;
	/* Fixed images: do not reserve the space (ftruncate, a sparse file). */
	bool sparse;
	/* Permissions of the new file; 0 means 0600. */
	mode_t mode;
	/* Out: fixed images only: the space was reserved with fallocate(). False
	 * when SPARSE was asked or the file system lacks fallocate (then the file
	 * is sparse and a notice is logged). */
	bool preallocated;
};

/* DIRFD is a directory opened O_RDONLY (not O_PATH: it is fsync'd), as
 * storage_path_open_parent() returns; NAME a single component. */

/* Creates DIRFD/NAME as a fixed VHD of SIZE bytes (a multiple of 512, at most
 * VHD_MAX_VIRTUAL_SIZE): SIZE data bytes followed by the 512-byte footer.
 * The file is built unnamed (O_TMPFILE, or a hidden temporary name where the
 * file system lacks it, unlinked on error), made durable, then given its name
 * atomically: on any failure or crash NAME is either absent (or the old file)
 * or the complete image. OPT may be NULL. */
int vhd_create_fixed(int dirfd, const char *name, uint64_t size, struct vhd_create_options *opt,
		     char *reason);

/* Same for a dynamic image (2 MiB blocks, every BAT entry unallocated). */
int vhd_create_dynamic(int dirfd, const char *name, uint64_t size, struct vhd_create_options *opt,
		       char *reason);

struct vhd_parent {
	int fd;                 /* the parent image, open for reading */
	/* Absolute Windows path of the parent (W2ku locator; its last component
	 * is also the header's parent name), e.g. "D:\\disks\\base.vhd". */
	const char *absolute_path;
	/* Parent relative to the child's directory (W2ru locator), e.g.
	 * ".\\base.vhd"; NULL to write no relative locator. See
	 * vhd_relative_parent_path(). */
	const char *relative_path;
};

/* Creates DIRFD/NAME as a differencing image of PARENT: same virtual size,
 * the parent's unique id and footer time stamp, parent name and locators.
 * The parent must be a valid VHD (any type). */
int vhd_create_differencing(int dirfd, const char *name, const struct vhd_parent *parent,
			    struct vhd_create_options *opt, char *reason);

/* Windows relative path from the directory of CHILD to PARENT (both absolute
 * Windows paths "X:\\...", a "\\\\?\\" prefix allowed), as W2ru locators hold it:
 * ".\\base.vhd", "..\\other\\base.vhd". NULL with errno EXDEV when they are on
 * different drives, EINVAL when either is not an absolute drive path.
 * Components compare case-insensitively (ASCII), as Windows does. */
char *vhd_relative_parent_path(TALLOC_CTX *mem_ctx, const char *child, const char *parent);

/* Grows the fixed image FD to NEW_SIZE bytes of data (a multiple of 512,
 * larger than the current size); the footer's current and original sizes and
 * geometry change, its unique id and time stamp stay. Crash-safe order (docs/vhd.md):
 *   1. reserve the new space beyond the end of file (fallocate KEEP_SIZE),
 *      so the file keeps its old size and old valid footer;
 *   2. write the new footer at NEW_SIZE (this extends the file), fsync;
 *   3. zero the old footer, now inside the data area, fsync.
 * SPARSE skips step 1. -EOPNOTSUPP for dynamic and differencing images. */
int vhd_grow_fixed(int fd, uint64_t new_size, bool sparse, char *reason);

/* After a crash during vhd_grow_fixed() from OLD_SIZE: finishes or undoes it.
 * Returns the virtual size the file now has (OLD_SIZE when the grow had not
 * happened and was rolled back, the new size when it had and the stale old
 * footer was cleared), or a negative errno when neither footer is valid. */
int64_t vhd_recover_fixed_grow(int fd, uint64_t old_size, char *reason);

/* Grows the dynamic image FD to NEW_SIZE bytes (a multiple of 512, larger
 * than the current size, at most VHD_MAX_VIRTUAL_SIZE): the BAT is widened
 * (in place, or rewritten after the last block) and the footer and its copy
 * get the new size, in an order that leaves a valid image at every step
 * (src/backend/vhd_grow.c). Nothing may serve the image meanwhile.
 * -EOPNOTSUPP for other types. */
int vhd_grow_dynamic(int fd, uint64_t new_size, char *reason);

/* After a crash during vhd_grow_fixed() (from OLD_SIZE) or
 * vhd_grow_dynamic(): finishes or undoes it and returns the virtual size the
 * file now has, or a negative errno. */
int64_t vhd_recover_grow(int fd, uint64_t old_size, char *reason);

struct vhd_info {
	enum vhd_type type;
	uint64_t virtual_size;     /* footer's current size: what an initiator sees */
	uint64_t original_size;
	uint64_t file_size;        /* st_size */
	uint64_t allocated_size;   /* bytes the file occupies on disk (st_blocks) */
	uint8_t unique_id[16];
	uint32_t timestamp;        /* seconds since 2000-01-01 00:00:00 UTC */
	char creator_app[5];
	uint32_t creator_version;
	uint32_t creator_os;
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors_per_track;
	/* Dynamic and differencing images. */
	uint32_t block_size;
	uint32_t max_table_entries;
	uint32_t allocated_blocks;
	uint64_t table_offset;
	/* Differencing images (NULL strings when absent). */
	uint8_t parent_unique_id[16];
	uint32_t parent_timestamp;
	char *parent_name;          /* header's parent Unicode name, UTF-8 */
	char *parent_absolute_path; /* W2ku locator (Windows path), UTF-8 */
	char *parent_relative_path; /* W2ru locator, UTF-8 */
};

/* Validates the image FD completely (footer, footer copy, dynamic header, BAT,
 * parent locators; see docs/vhd.md for the list) and, when INFO is not NULL,
 * describes it (*INFO talloc'd on MEM_CTX). This is IsValidWtDevice. */
int vhd_inspect(TALLOC_CTX *mem_ctx, int fd, struct vhd_info **info, char *reason);

/* CHS geometry of the VHD specification's algorithm for SIZE bytes. */
void vhd_geometry(uint64_t size, uint16_t *cylinders, uint8_t *heads, uint8_t *sectors);

/* Seconds since 2000-01-01 00:00:00 UTC for the Unix time T (0 before 2000). */
uint32_t vhd_timestamp(time_t t);

#endif
