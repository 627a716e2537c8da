/* Finding a differencing image's parent from its locators, confined to the
 * storage roots (docs/vhd-serving.md, "Parent locators").
 *
 * Tried in order: the relative locator (W2ru; Windows "\" or POSIX "/"
 * separators, "." and ".." resolved lexically against the child's directory,
 * never above its root), the absolute locator (W2ku; any spelling
 * storage_path_parse() accepts: "D:\dir\a.vhd", "\\?\Volume{...}\a.vhd",
 * "/srv/iscsi/a.vhd"), then the header's parent name in the child's
 * directory. The first candidate that opens is used; vhd_io then checks its
 * unique id against the child's header. Every open goes through
 * storage_path_open(): no candidate can leave the roots. */
#ifndef ISTMD_BACKEND_VHD_PARENT_H
#define ISTMD_BACKEND_VHD_PARENT_H

#include <talloc.h>

#include "backend/storage_paths.h"
#include "backend/vhd_io.h"

struct vhd_parent_resolver {
	const struct storage_paths *sp;
	/* Canonical POSIX paths of the images opened so far, by depth: [0] is
	 * the top image (set by the caller), [N] its Nth parent. */
	char *paths[64];
	unsigned count;
};

/* Sets up R for the top image at TOP (any accepted spelling). */
int vhd_parent_resolver_init(TALLOC_CTX *mem, struct vhd_parent_resolver *r,
			     const struct storage_paths *sp, const char *top);

/* A vhd_io_open_parent_fn; ARG is a struct vhd_parent_resolver (talloc'd:
 * the paths are allocated on it). */
int vhd_parent_open(void *arg, const struct vhd_info *child, unsigned depth, char *reason);

/* Lexical join of a relative locator REL onto the directory of CHILD_REL
 * (a path below a root, '/'-separated): a path below the same root, or NULL
 * when REL climbs above it or is absolute. Exposed for tests. */
char *vhd_parent_join(TALLOC_CTX *mem, const char *child_rel, const char *rel);

#endif
