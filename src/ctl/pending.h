/* What "disk delete --delete-file" still has to do, kept between runs: the
 * file of a disk is deleted after the disk (the server refuses to delete a
 * file a disk uses), so an istmctl interrupted between DeleteWTDisk and
 * DeleteWtFile would leave an orphan VHD that only its path could still
 * name. The journal, $XDG_STATE_HOME/istmctl/pending-deletes (else
 * ~/.local/state/...), has one "SERVER<TAB>WTD<TAB>PATH" line per disk
 * whose file is still to be deleted, so a rerun with the WTD index finishes
 * the job too. Best effort: without a journal the path still works. */
#ifndef ISTMD_CTL_PENDING_H
#define ISTMD_CTL_PENDING_H

#include <stdint.h>

#include <talloc.h>

/* Records that WTD's file PATH on SERVER is to be deleted. 0 or -errno. */
int ctl_pending_add(const char *server, uint32_t wtd, const char *path);
/* Forgets WTD's line (or every line with PATH when PATH is not NULL). */
int ctl_pending_done(const char *server, uint32_t wtd, const char *path);
/* The path recorded for WTD on SERVER (on MEM), or NULL. */
char *ctl_pending_find(TALLOC_CTX *mem, const char *server, uint32_t wtd);

#endif
