/* istmctl allow|deny TARGET INITIATOR...: which initiators may log in to a
 * target (docs/istmctl.md). */
#ifndef ISTMD_CTL_CMD_ACCESS_H
#define ISTMD_CTL_CMD_ACCESS_H

struct ctl_options;

int cmd_allow(const struct ctl_options *options, int argc, char **argv);
int cmd_deny(const struct ctl_options *options, int argc, char **argv);

#endif
