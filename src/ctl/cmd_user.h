/* istmctl user: manage the accounts in the users file (docs/auth.md). */
#ifndef ISTMD_CTL_CMD_USER_H
#define ISTMD_CTL_CMD_USER_H

int cmd_user(int argc, char **argv);

#endif
