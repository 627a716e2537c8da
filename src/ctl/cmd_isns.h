/* istmctl isns list|add|remove|initiators: the iSNS servers istmd registers
 * with (ISnsMgr, MS-ISTM 3.40) and the initiators they report
 * (docs/istmctl.md, docs/isns.md). */
#ifndef ISTMD_CTL_CMD_ISNS_H
#define ISTMD_CTL_CMD_ISNS_H

struct ctl_options;

int cmd_isns(const struct ctl_options *options, int argc, char **argv);

#endif
