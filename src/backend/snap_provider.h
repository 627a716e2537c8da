/* Snapshot providers: how a point-in-time copy of a virtual disk's file is
 * made on the file system that holds it (docs/snapshots.md).
 *
 * A provider works on descriptors only: the core opens the disk's file
 * beneath its storage root and the snapshot directory below that root
 * (snap_dir_open()), so no path string is ever followed here. Every call
 * blocks: run them on the io pool. Errors are negative errno values:
 *   -EOPNOTSUPP  the file system cannot do it (ext4 for reflink)
 *   -EXDEV       source and destination are on different file systems
 *   -ENOSPC, -EIO, ... from the file system */
#ifndef ISTMD_BACKEND_SNAP_PROVIDER_H
#define ISTMD_BACKEND_SNAP_PROVIDER_H

#include <stdbool.h>
#include <stdint.h>

/* Hidden directory below each storage root that holds the snapshots of
 * the disks of that root: SNAP_DIR_NAME/<disk-guid>/<snapshot-guid>.vhd. */
#define SNAP_DIR_NAME ".istmd-snapshots"

struct snap_provider {
	const char *name;
	/* 0 when the file system of directory DIRFD can take snapshots this
	 * way (tried for real on an unnamed temporary file), else why not. */
	int (*probe)(int dirfd);
	/* Makes DST (an empty regular file open for writing, or an earlier
	 * clone of SRC: see snap_refresh_is_cheap()) an instant, space-sharing
	 * copy of all of SRC. Atomic with respect to writes to SRC through the
	 * file system (they land wholly before or after). */
	int (*clone)(int src_fd, int dst_fd);
};

/* FICLONE: XFS with reflink=1, btrfs, OCFS2, bcachefs. */
extern const struct snap_provider snap_provider_reflink;

/* The provider that works on the file system of DIRFD, or NULL with *rc
 * set to why none does. */
const struct snap_provider *snap_provider_for(int dirfd, int *rc);

/* Opens (creating with mode 0700 when CREATE) ROOT_FD/SNAP_DIR_NAME/SUB,
 * SUB being one name made of [0-9a-f-] (a GUID), never following a symlink.
 * SUB NULL opens SNAP_DIR_NAME itself. A descriptor or a negative errno. */
int snap_dir_open(int root_fd, const char *sub, bool create);

/* Writes a space-sharing copy of SRC_FD as the new file NAME in DIR_FD
 * (created O_EXCL), durable (the file and the directory fsync'd) when
 * DURABLE, else see snap_sync(). If anything fails the new file is removed. */
int snap_clone_to(const struct snap_provider *p, int src_fd, int dir_fd, const char *name,
		  bool durable);
/* As snap_clone_to() without DURABLE, but returns the new file's
 * descriptor (read-write), e.g. to clone onto it again. */
int snap_clone_open(const struct snap_provider *p, int src_fd, int dir_fd, const char *name);

/* Whether cloning SRC_FD again onto an earlier clone of it is much cheaper
 * than a first clone (XFS: its remap skips the extents both files already
 * share, 4.5-9 us per extent here against 60-150 us for a first clone), so
 * that a snapshot is best cloned before I/O is held and refreshed inside
 * the hold (docs/snapshots.md, "How long I/O is held"). btrfs re-inserts
 * every extent: no gain, so false there. */
bool snap_refresh_is_cheap(int src_fd);

/* XFS: gives the disk's file SRC_FD a copy-on-write extent size hint of
 * SNAP_COWEXTSIZE (FS_IOC_FSSETXATTR, FS_XFLAG_COWEXTSIZE) unless it has
 * one. Writes to blocks a snapshot shares then get their new blocks in
 * chunks of that size, so that sequential writes after a snapshot leave a
 * few extents instead of one per write (8 writers of 64 KiB over 1 GiB:
 * 8,101 extents with XFS's default of 128 KiB, 2 with 4 MiB), which keeps
 * the next snapshot's hold short. 0, -EOPNOTSUPP off XFS, or a negative
 * errno. */
#define SNAP_COWEXTSIZE (4u << 20)
int snap_cow_hint(int src_fd);

/* Makes NAME in DIR_FD and the directory entry durable. */
int snap_sync(int dir_fd, const char *name);

/* Bytes of FD's extents shared with other files (FIEMAP), for
 * SnapshotStorageUsedSize and the tests; *total gets the mapped bytes. */
int snap_shared_bytes(int fd, uint64_t *shared, uint64_t *total);

#endif
