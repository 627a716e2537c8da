/* istmctl user: manage the accounts in the users file (docs/auth.md). */
#ifndef ISTMD_CTL_CMD_USER_H
#define ISTMD_CTL_CMD_USER_H

#include "ctl/options.h"

int cmd_user(const struct ctl_options *options, int argc, char **argv);

#endif
