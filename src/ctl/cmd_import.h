/* istmctl import tgt|lio: carry targets over from tgt (targets.conf or a
 * running tgtd) or LIO (targetcli's saveconfig.json) (docs/istmctl.md). */
#ifndef ISTMD_CTL_CMD_IMPORT_H
#define ISTMD_CTL_CMD_IMPORT_H

struct ctl_options;

int cmd_import(const struct ctl_options *options, int argc, char **argv);

#endif
