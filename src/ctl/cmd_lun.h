/* istmctl map|unmap: assign a virtual disk to a target as a LUN, or take it
 * away (docs/istmctl.md). */
#ifndef ISTMD_CTL_CMD_LUN_H
#define ISTMD_CTL_CMD_LUN_H

struct ctl_options;

int cmd_map(const struct ctl_options *options, int argc, char **argv);
int cmd_unmap(const struct ctl_options *options, int argc, char **argv);

#endif
