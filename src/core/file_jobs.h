/* Blocking file work for the io pool: each job holds copies of what it needs
 * (the canonical POSIX path is parsed again on the worker thread, so every
 * access goes through storage_paths' confinement) and its result. */
#ifndef ISTMD_CORE_FILE_JOBS_H
#define ISTMD_CORE_FILE_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/vhd.h"
#include "core/core_internal.h"

enum file_job_kind {
	FJ_INSPECT,     /* PATH: the VHD's description (IsValidWtDevice's checks) */
	FJ_CREATE,      /* a new VHD at PATH (or under TMP_NAME beside it) */
	FJ_RENAME_TMP,  /* TMP_NAME -> PATH, never replacing; durable */
	FJ_UNLINK_TMP,  /* remove TMP_NAME beside PATH; durable */
	FJ_GROW,        /* the fixed VHD at PATH grows to NEW_SIZE (or by ADDITIONAL) */
	FJ_UNLINK,      /* remove PATH (a file, never a directory) */
};

struct file_job {
	enum file_job_kind kind;
	const struct storage_paths *sp;
	char *path;
	char *tmp_name;        /* CREATE (optional), RENAME_TMP, UNLINK_TMP */
	enum core_vhd_type type; /* CREATE */
	uint64_t size;         /* CREATE */
	bool sparse, overwrite;
	bool must_not_exist;   /* CREATE under TMP_NAME: PATH must be free */
	char *parent;          /* CREATE differencing: the parent (canonical POSIX) */
	uint64_t old_size;     /* GROW: expected current size; 0: read it */
	uint64_t new_size;     /* GROW: target, or 0 with ADDITIONAL */
	uint64_t additional;
	/* GROW of a served dynamic disk: its istmd-vhdfs is stopped first
	 * (NULL: none can run). */
	const struct vhdfs_conf *vc;
	/* INSPECT with EXACT: opened without symlinks (storage_path_open_exact),
	 * as a disk's file must be. GROW: the identity on record (0/0: none). */
	bool exact;
	uint64_t file_dev, file_ino; /* INSPECT, CREATE: out; GROW: in */

	int rc;
	char reason[VHD_REASON_LEN];
	/* INSPECT, GROW */
	enum core_vhd_type vhd_type;
	uint64_t virtual_size;
	char *parent_path;     /* INSPECT, differencing: W2ku locator */
};

struct file_job *file_job_new(TALLOC_CTX *mem, enum file_job_kind kind,
			      const struct storage_paths *sp, const char *path);
void file_job_run(void *job);

enum core_vhd_type core_vhd_type_from_footer(enum vhd_type t);

#endif
