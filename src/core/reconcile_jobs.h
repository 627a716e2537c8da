/* The reconciler's blocking work (reconcile_jobs.c): jobs for the io pool,
 * each holding copies of what it needs. */
#ifndef ISTMD_CORE_RECONCILE_JOBS_H
#define ISTMD_CORE_RECONCILE_JOBS_H

#include "core/core_internal.h"
#include "backend/vhdfs_ctl.h"

struct loop_item {
	uint32_t wtd;
	char *path;
	uint64_t size;   /* attach: the size limit; detach: the one to detach, 0 any */
	bool attach;     /* else detach */
	bool have_dev;   /* detach: DEV is the device we attached */
	/* attach: out; detach: in (when HAVE_DEV). Allocated only for those:
	 * a loopdev is 4 KiB, and a full pass has an item per disk. */
	struct loopdev *dev;
	/* The file's identity on record (core_disk); attach with none on record
	 * (0/0): out, what was found beneath the root, for the record. */
	uint64_t file_dev, file_ino;
	bool learned;
	bool vhdfs;      /* served through istmd-vhdfs (dynamic, differencing) */
	pid_t vhdfs_pid; /* attach: out */
	int rc;          /* -ESTALE: the path leads elsewhere now (docs/paths.md) */
	char reason[512];
};

struct loop_job {
	const struct core_loop_ops *ops;
	const struct vhdfs_conf *vc;
	const struct storage_paths *sp;
	struct loop_item *items;
	size_t n;
};
void loop_job_run(void *job);

/* The loop and file side of a DELETE_DISK or (phase 2) GROW intent. */
struct intent_job {
	const struct core_loop_ops *ops;
	const struct vhdfs_conf *vc; /* stop the file's istmd-vhdfs too */
	const struct storage_paths *sp;
	enum intent_kind kind;
	char *path;
	uint64_t old_size;
	bool delete_file;
	uint64_t file_dev, file_ino; /* on record, 0/0: unknown */
	bool have_loop;
	struct loopdev loop;
	int64_t id;
	int rc;
	char reason[512];
};
void intent_job_run(void *job);

struct dns_name {
	char *name;
	int rc;      /* getaddrinfo's */
	char **addrs;
	size_t n_addrs;
};

struct dns_job {
	struct dns_name *names;
	size_t n;
};
void dns_job_run(void *job);

#endif
