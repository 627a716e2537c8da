/* istmctl config export|import: the whole desired state of istmd as one JSON
 * document, for backup and restore (docs/istmctl.md). */
#ifndef ISTMD_CTL_CMD_CONFIG_H
#define ISTMD_CTL_CMD_CONFIG_H

struct ctl_options;

int cmd_config(const struct ctl_options *options, int argc, char **argv);

#endif
