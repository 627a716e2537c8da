/* istmctl portal list|enable|disable: where the iSCSI target listens
 * (ILocalDeviceMgr EnumPortals, SetPortalConfig) (docs/istmctl.md). */
#ifndef ISTMD_CTL_CMD_PORTAL_H
#define ISTMD_CTL_CMD_PORTAL_H

struct ctl_options;

int cmd_portal(const struct ctl_options *options, int argc, char **argv);

#endif
