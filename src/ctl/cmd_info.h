/* istmctl --server HOST[:PORT] --user NAME info: the name and GUID of a
 * running istmd (IWTGeneral [propget] Name and Guid, over DCOM). */
#ifndef ISTMD_CTL_CMD_INFO_H
#define ISTMD_CTL_CMD_INFO_H

struct ctl_options;

int cmd_info(const struct ctl_options *options, int argc, char **argv);

#endif
