/* tgt's configuration as istmctl import reads it: targets.conf (tgt-admin's
 * format, with its include lines) and a running tgtd instance (tgtadm's
 * "show" text). Both give an imp_state and the report of what cannot be
 * carried over (docs/istmctl.md "import"). */
#ifndef ISTMD_CTL_IMPORT_TGT_H
#define ISTMD_CTL_IMPORT_TGT_H

#include <talloc.h>

#include "ctl/import_model.h"

/* The config file PATH (and what it includes). NULL with *err on failure. */
struct imp_state *imp_tgt_conf(TALLOC_CTX *mem, const char *path, char **err);
/* The same from TEXT (PATH names it in messages; includes are relative to
 * its directory). */
struct imp_state *imp_tgt_conf_text(TALLOC_CTX *mem, const char *path, const char *text,
				    char **err);

/* The targets of the tgtd on control port PORT, read with tgtadm. tgtd does
 * not reveal CHAP secrets: those are reported. */
struct imp_state *imp_tgt_live(TALLOC_CTX *mem, unsigned port, char **err);
/* The same from tgtadm's "--mode target --op show" text. */
struct imp_state *imp_tgt_live_text(TALLOC_CTX *mem, const char *text, unsigned port,
				    char **err);

#endif
