/* istmctl's config file (docs/istmctl.md "Config file"): the global options
 * an admin would otherwise repeat on every command, as "key = value" lines:
 * server, user, password_file, domain, auth, level, timeout. Never the
 * password itself. */
#ifndef ISTMD_CTL_CONF_FILE_H
#define ISTMD_CTL_CONF_FILE_H

#include <stdbool.h>

#include <talloc.h>

#include "ctl/options.h"

/* $XDG_CONFIG_HOME/istmctl.conf, else $HOME/.config/istmctl.conf; NULL when
 * neither variable is set (absolute). On MEM. */
char *ctl_conf_default_path(TALLOC_CTX *mem);

/* Applies PATH's settings to O (the strings on MEM). A missing file is fine
 * unless REQUIRED (given with --config). 0, or CTL_EXIT_USAGE after a
 * message naming the file and line. */
int ctl_conf_load(TALLOC_CTX *mem, const char *path, bool required, struct ctl_options *o);

#endif
