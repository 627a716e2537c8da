/* The LIO backend's configfs side (runs on its worker thread, one job at a
 * time): plain synchronous reads and writes of /sys/kernel/config/target.
 * See docs/lio-backend.md for the layout istmd writes. */
#ifndef ISTMD_BACKEND_LIO_INTERNAL_H
#define ISTMD_BACKEND_LIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <talloc.h>

#include "backend/iscsi_backend.h"

/* Where a job works: the configfs root, the HBA directory istmd's
 * backstores live in, and the file listing the WWNs istmd created. */
struct lio_ctx {
	const char *root;   /* /sys/kernel/config/target */
	const char *hba;    /* "fileio_4242" */
	const char *owned;  /* STATE_DIR/lio-owned */
};

/* ---- lio_fs.c: small helpers; all return 0 or a negative errno ---- */
/* Writes VALUE to the attribute DIR/NAME in one write, without a newline. */
int lio_write(const char *dir, const char *name, const char *value);
/* The attribute's text without its trailing newline, on MEM; NULL if it
 * cannot be read. */
char *lio_read(TALLOC_CTX *mem, const char *dir, const char *name);
/* mkdir, where EEXIST is success. */
int lio_mkdir(const char *path);
/* rmdir, where ENOENT is success. */
int lio_rmdir(const char *path);
/* The names in DIR (no "." or ".."), sorted; *n = count; NULL array with
 * *n = 0 when DIR cannot be read. */
char **lio_list_dir(TALLOC_CTX *mem, const char *dir, size_t *n);
bool lio_exists(const char *path);
/* The IQNs in the owned list (one per line). */
char **lio_owned_read(TALLOC_CTX *mem, const struct lio_ctx *ctx, size_t *n);
bool lio_owned(const struct lio_ctx *ctx, const char *iqn);
/* Adds or removes IQN, replacing the file atomically (and fsyncing it):
 * an IQN is listed before its WWN is created and after it is gone. */
int lio_owned_set(const struct lio_ctx *ctx, const char *iqn, bool owned);
/* The backstore name of a target's LUN: "istmd_<16 hex of the IQN's
 * FNV-1a hash>_<lun>". */
char *lio_backstore_name(TALLOC_CTX *mem, const char *iqn, uint32_t lun);
/* "ADDR:PORT" or "[V6]:PORT" as LIO names np directories. */
char *lio_np_name(TALLOC_CTX *mem, const struct iscsi_portal *p);
int lio_np_parse(TALLOC_CTX *mem, const char *name, struct iscsi_portal *out);

/* ---- lio_apply.c ---- */
/* Makes the live WWN match WANT (PORTALS: the listeners it gets when WANT
 * names none). 0 or a negative errno; *why (on MEM) says what failed. */
int lio_apply(TALLOC_CTX *mem, const struct lio_ctx *ctx, const struct iscsi_target *want,
	      const struct iscsi_portal *portals, size_t n_portals, char **why);
/* Removes an owned WWN and its backstores; an absent one is 0, a foreign
 * one -EPERM (never touched). */
int lio_remove(TALLOC_CTX *mem, const struct lio_ctx *ctx, const char *iqn, char **why);

/* ---- lio_read.c ---- */
/* The owned WWNs as they are; the names of foreign ones in *foreign. */
int lio_list(TALLOC_CTX *mem, const struct lio_ctx *ctx, struct iscsi_target **targets,
	     size_t *n_targets, char ***foreign, size_t *n_foreign);
/* Sessions of IQN (NULL: of every owned WWN), from each ACL's info file
 * and the TPG's dynamic_sessions. */
int lio_sessions(TALLOC_CTX *mem, const struct lio_ctx *ctx, const char *iqn,
		 struct iscsi_session_info **sessions, size_t *n_sessions);
/* Every portal (np) of every iSCSI WWN, foreign ones too: where LIO's
 * connections end (lio_backend.c finds their sockets by these). */
int lio_all_portals(TALLOC_CTX *mem, const struct lio_ctx *ctx, struct iscsi_portal **out,
		    size_t *n);
/* Parses an ACL's info file (exposed for the unit test). Appends to *out. */
int lio_parse_acl_info(TALLOC_CTX *mem, const char *target_iqn, const char *text,
		       struct iscsi_session_info **out, size_t *n);

/* ---- lio_portals.c: SetPortalConfig (MS-ISTM 3.30.4.16) ---- */
/* The portals a target named itself, as last applied (none: it uses the
 * default listeners). */
struct lio_own_portals {
	char *iqn;
	struct iscsi_portal *portals;
	size_t n_portals;
};
struct lio_portal_plan {
	struct iscsi_portal *listeners; /* iscsi_backend_listeners() */
	size_t n_listeners;
	struct iscsi_portal *off; /* the listeners switched off */
	size_t n_off;
	struct lio_own_portals *own; /* the targets applied since istmd started */
	size_t n_own;
};
/* PS without the ones in OFF, into *OUT (on MEM; the addresses are PS's). */
int lio_portals_filter(TALLOC_CTX *mem, const struct iscsi_portal *ps, size_t n,
		       const struct iscsi_portal *off, size_t n_off, struct iscsi_portal **out,
		       size_t *n_out);
/* Makes every owned TPG's np match PLAN; *live: the default listeners and
 * every np of the owned TPGs. 0 or a negative errno (*why on MEM). */
int lio_portals(TALLOC_CTX *mem, const struct lio_ctx *ctx, const struct lio_portal_plan *plan,
		struct iscsi_portal **live, size_t *n_live, char **why);

#endif
