/* What is at a path a client sent, found on a worker thread (nothing that
 * touches the file system runs on the loop): the parse under the storage
 * roots, the object there, the directory holding it, the volume's figures,
 * and the VHD it holds. Every open goes through storage_path_open*(), so the
 * answer never comes from outside the roots. */
#ifndef ISTMD_ISTM_PATH_PROBE_H
#define ISTMD_ISTM_PATH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include <talloc.h>
#include <tevent.h>

#include "backend/storage_paths.h"
#include "backend/vhd.h"

struct istm_context;

/* What to look at besides the parse (ISTM_PROBE_STAT and the rest need it
 * to succeed). */
#define ISTM_PROBE_STAT 1u   /* the object at the path */
#define ISTM_PROBE_PARENT 2u /* the directory holding it */
#define ISTM_PROBE_VOLUME 4u /* storage_volume_info() of its root */
#define ISTM_PROBE_VHD 8u    /* vhd_inspect() when it is a regular file */

struct istm_path_probe {
	int parse_rc;              /* storage_path_parse_n(): 0, -EINVAL, -EACCES, ... */
	struct storage_path *path; /* when parse_rc is 0 */
	bool is_root;              /* the path names a storage root itself */
	int stat_rc;               /* 0, or -errno opening the object (-ENOENT: none) */
	struct stat st;
	int parent_rc; /* 0, or -errno opening its directory (-EINVAL for a root) */
	struct stat parent_st;
	int volume_rc;
	struct storage_volume_info volume;
	int vhd_rc; /* -EISDIR/-EINVAL when not a regular file; vhd_inspect()'s errors */
	struct vhd_info *vhd;
	char vhd_reason[VHD_REASON_LEN];
};

/* Probes INPUT (LEN bytes; 0: strlen) for WHAT. Fields not asked for (or not
 * reachable because an earlier step failed) keep -ENODATA. */
struct tevent_req *istm_path_probe_send(TALLOC_CTX *mem, const struct istm_context *ctx,
					const char *input, size_t len, unsigned what);
/* 0 with *OUT (talloc'd on MEM), or a negative errno (-ENOMEM: nothing ran). */
int istm_path_probe_recv(struct tevent_req *req, TALLOC_CTX *mem, struct istm_path_probe **out);

#endif
