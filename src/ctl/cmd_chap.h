/* istmctl chap TARGET: one-way and mutual CHAP of a target, secrets read from
 * a file or standard input, never from the command line (docs/istmctl.md). */
#ifndef ISTMD_CTL_CMD_CHAP_H
#define ISTMD_CTL_CMD_CHAP_H

struct ctl_options;

int cmd_chap(const struct ctl_options *options, int argc, char **argv);

#endif
