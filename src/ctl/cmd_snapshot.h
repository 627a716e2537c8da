/* istmctl snapshot create|list|show|delete|rollback|export|schedule
 * (docs/istmctl.md, docs/snapshots.md). */
#ifndef ISTMD_CTL_CMD_SNAPSHOT_H
#define ISTMD_CTL_CMD_SNAPSHOT_H

struct ctl_options;

int cmd_snapshot(const struct ctl_options *options, int argc, char **argv);

#endif
