/* Storage roots and the paths clients send (docs/paths.md).
 *
 * Each root of "[storage] roots" is presented to Windows consoles as a drive
 * ("D:\") and as a volume ("\\?\Volume{GUID}\"); POSIX paths under a root are
 * accepted too. storage_path_parse() turns any accepted spelling into one
 * canonical POSIX path and one canonical Windows path (the DevicePath the
 * server reports, which it always accepts back). The parse is lexical and
 * never touches the disk; the storage_path_open*() helpers then resolve the
 * path from the root's directory descriptor with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS), so neither ".." nor a symlink can lead outside the
 * root, and callers work on the descriptors they return, never on the string.
 *
 * A struct storage_paths is read-only once loaded: parsing and opening may
 * run on any worker thread at once (each call allocates only on the context
 * it is given). Loading and storage_volume_info() block (use the workpool).
 *
 * Errors are negative errno values:
 *   -EINVAL        malformed (relative, device path, bad characters, reserved
 *                  name, alternate data stream, embedded NUL, ...)
 *   -EACCES        well-formed but outside every root (other drive letter,
 *                  UNC share, "..", a symlink leading out)
 *   -ENAMETOOLONG  a component over 255 bytes or a path over the limits
 *   -ENOENT, -ENOTDIR, ... from the file system when opening */
#ifndef ISTMD_BACKEND_STORAGE_PATHS_H
#define ISTMD_BACKEND_STORAGE_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <talloc.h>

#include "istmd/config.h"

/* Longest input accepted: the Windows "\\?\" limit of 32767 characters. */
#define STORAGE_PATH_MAX_INPUT 32767
/* Windows' MAX_PATH: longer paths need (and get) the "\\?\" prefix. */
#define STORAGE_WIN_MAX_PATH 260
#define STORAGE_GUID_LEN 38 /* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" */

struct storage_root {
	char letter;       /* 'A'..'Z' */
	char *path;        /* canonical absolute POSIX path (realpath at load) */
	char *configured;  /* as written in the configuration, lexically cleaned */
	int dirfd;         /* the root directory, open for the object's lifetime */
	dev_t dev;
	char fs_type[32];  /* from /proc/self/mountinfo, e.g. "ext4" */
	char *mount_point; /* of the file system holding the root (talloc child of path) */
	char fs_uuid[64];  /* "" when the file system has none (tmpfs, overlay) */
	char volume_guid[STORAGE_GUID_LEN + 1]; /* lower-case, with braces */
	char drive[4];     /* "D:\" */
	char *volume_name; /* "\\?\Volume{GUID}\" */
};

struct storage_paths {
	struct storage_root *roots; /* talloc array, configuration order */
	size_t count;
};

/* Reads "[storage] roots" and "drive_letters" (conf/istmd.conf), opens each
 * root and identifies its volume. On failure *ERR says why (talloc'd on MEM). */
int storage_paths_from_config(TALLOC_CTX *mem, struct cfg *cfg, struct storage_paths **out,
			      char **err);
/* The same from lists: ROOTS (NULL-terminated) and LETTERS (NULL-terminated
 * "D=/path" entries, or NULL for the default: D:, E:, ... in roots order). */
int storage_paths_new(TALLOC_CTX *mem, const char *const *roots, const char *const *letters,
		      struct storage_paths **out, char **err);

const struct storage_root *storage_root_by_letter(const struct storage_paths *sp, char letter);
/* GUID with or without braces, any case. */
const struct storage_root *storage_root_by_guid(const struct storage_paths *sp, const char *guid,
						 size_t len);

struct storage_path {
	const struct storage_root *root;
	char *rel;     /* below the root, '/'-separated, no leading '/'; "" is the root */
	char *posix;   /* canonical POSIX path */
	/* Canonical Windows path, "D:\dir\a.vhd", or "\\?\D:\..." when a name
	 * needs it (trailing dot or space, reserved name, length >= MAX_PATH).
	 * NULL when a name cannot be written in Windows at all ('\', ':', ...). */
	char *windows;
};

/* Parses INPUT (LEN bytes, which must hold no NUL: pass the full length of
 * a BSTR so that "a.vhd\0.txt" is refused rather than cut). */
int storage_path_parse_n(TALLOC_CTX *mem, const struct storage_paths *sp, const char *input,
			 size_t len, struct storage_path **out);
int storage_path_parse(TALLOC_CTX *mem, const struct storage_paths *sp, const char *input,
		       struct storage_path **out);

/* Opens P beneath its root with openat(2)-style FLAGS (O_CLOEXEC is added;
 * O_CREAT is refused: create with storage_path_create()). Symlinks inside the
 * root are followed as long as they stay beneath it; add O_NOFOLLOW to refuse
 * a symlink as the last component. Returns a descriptor or a negative errno. */
int storage_path_open(const struct storage_path *p, int flags);
/* The same, refusing every symlink on the way (RESOLVE_NO_SYMLINKS; -EACCES):
 * for a file istmd created and recorded, which nothing may have replaced by
 * a link since. Check the descriptor's st_dev/st_ino against the record. */
int storage_path_open_exact(const struct storage_path *p, int flags);
/* Opens the directory that holds P (O_RDONLY | O_DIRECTORY, usable for
 * fsync and as vhd_create_*()'s DIRFD) and sets *NAME to P's last component
 * (pointing into P->rel). -EINVAL for a root itself. */
int storage_path_open_parent(const struct storage_path *p, const char **name);
/* Creates P as a new regular file: the parent resolved beneath the root, the
 * last component opened with O_CREAT | O_EXCL | O_NOFOLLOW. */
int storage_path_create(const struct storage_path *p, int flags, mode_t mode);
/* Removes the file P (never a directory; a symlink itself, not its target)
 * and makes the removal durable (fsync of the directory). */
int storage_path_unlink(const struct storage_path *p);

struct storage_volume_info {
	char fs_type[32];
	uint64_t total_bytes;
	uint64_t free_bytes;       /* available to istmd (f_bavail) */
	uint64_t max_file_size;    /* the file system's limit */
	bool sparse_files;
};

/* Current volume figures of ROOT (fstatvfs on its descriptor). Blocking. */
int storage_volume_info(const struct storage_root *root, struct storage_volume_info *out);

#endif
