/* istmctl disk create|list|show|delete (docs/istmctl.md). */
#ifndef ISTMD_CTL_CMD_DISK_H
#define ISTMD_CTL_CMD_DISK_H

struct ctl_options;

int cmd_disk(const struct ctl_options *options, int argc, char **argv);

#endif
