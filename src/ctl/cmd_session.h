/* istmctl session list|show: the iSCSI sessions logged in now
 * (ISessionManager2, IHost2 EnumSessions) (docs/istmctl.md). */
#ifndef ISTMD_CTL_CMD_SESSION_H
#define ISTMD_CTL_CMD_SESSION_H

struct ctl_options;

int cmd_session(const struct ctl_options *options, int argc, char **argv);

#endif
