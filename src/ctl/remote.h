/* Reading targets and virtual disks from istmd through their MS-ISTM objects
 * (IHostMgr/IHost, IWTDiskMgr/IWTDisk and their enumerators), and finding
 * them by name, IQN, index or path. Every call goes through ctl/conn.h, so
 * failures are reported and returned as exit codes. */
#ifndef ISTMD_CTL_REMOTE_H
#define ISTMD_CTL_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/conn.h"
#include "ctl/model.h"

/* The target named NAME (IHostMgr::GetHost), or, when there is none and NAME
 * looks like an iSCSI name, the target with that IQN (GetHostByTargetIQN). */
int ctl_target_open(struct ctl_conn *c, const char *name, struct dcom_iface **host);
/* Every property of the target (MS-ISTM 3.1.1.7) but its secrets. */
int ctl_target_read(struct ctl_conn *c, struct dcom_iface *host, struct ctl_target *t);
/* IHostMgr::EnumHosts, each target read. */
int ctl_target_list(struct ctl_conn *c, struct ctl_target **targets, size_t *n);
/* IHost::Save (MS-ISTM 3.21.4.52): what every change of a target ends with. */
int ctl_target_save(struct ctl_conn *c, struct dcom_iface *host, const char *subject);

/* IWTDiskMgr::GetWTDisk. */
int ctl_disk_open(struct ctl_conn *c, uint32_t wtd, struct dcom_iface **disk);
/* The properties of MS-ISTM 3.1.1.4 (IWTDisk, and IWTDisk2/3 when the object
 * has them). */
int ctl_disk_read(struct ctl_conn *c, struct dcom_iface *disk, struct ctl_disk *d);
/* IWTDiskMgr::EnumWTDisks, each disk read. */
int ctl_disk_list(struct ctl_conn *c, struct ctl_disk **disks, size_t *n);
/* A disk given as WTD index or path (ctl_path_same against each disk's
 * DevicePath). CTL_EXIT_NOT_FOUND (reported) when no disk has that path. */
int ctl_disk_resolve(struct ctl_conn *c, const char *text, uint32_t *wtd);
/* The same, quietly: *FOUND false (and 0 returned) when no disk has the
 * path. An index is always "found" (GetWTDisk tells). */
int ctl_disk_find(struct ctl_conn *c, const char *text, uint32_t *wtd, bool *found);

/* Like ctl_disk_resolve, among DISKS (from ctl_disk_list) and without a
 * message: *FOUND says whether a disk has PATH. 0 or an exit code. */
int ctl_disk_find_in(struct ctl_conn *c, const struct ctl_disk *disks, size_t n, const char *path,
		     uint32_t *wtd, bool *found);

/* 'TEXT' quoted for messages, on the connection. */
const char *ctl_quote(struct ctl_conn *c, const char *text);

#endif
