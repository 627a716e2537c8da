/* istmctl target create|list|show|delete (docs/istmctl.md). */
#ifndef ISTMD_CTL_CMD_TARGET_H
#define ISTMD_CTL_CMD_TARGET_H

struct ctl_options;

int cmd_target(const struct ctl_options *options, int argc, char **argv);

#endif
