/* istmctl map|unmap TARGET DISK: LUN mappings through IHost, as MS-ISTM 4.3
 * and 4.7 do: GetHost, AddWTDisk (then SetWTDiskLunMapping for --lun) or
 * RemoveWTDisk, Save. */
#include "ctl/cmd_lun.h"

#include <inttypes.h>
#include <stdio.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/parse.h"
#include "ctl/remote.h"
#include "idl/ndr_ms_istm.h"

enum { OPT_LUN = 1 };

static struct {
	bool has_lun;
	uint32_t lun;
} opt;

static bool set_option(int o, const char *arg)
{
	if (o != OPT_LUN)
		return false;
	if (ctl_parse_u32(arg, 0, UINT32_MAX, &opt.lun) != 0) {
		ctl_error(0, "istmctl map: bad value '%s' for --lun: expected a LUN number", arg);
		return false;
	}
	opt.has_lun = true;
	return true;
}

/* The LUN of WTD on HOST after a change, for the message. */
static const char *lun_of(struct ctl_conn *c, struct dcom_iface *host, uint32_t wtd)
{
	struct ctl_target t;
	if (ctl_target_read(c, host, &t) != 0)
		return "?";
	for (size_t i = 0; i < t.n_luns; i++) {
		if (t.luns[i].wtd == wtd)
			return talloc_asprintf(c, "%" PRIu32, t.luns[i].lun);
	}
	return "?";
}

static int change(struct ctl_conn *c, const struct ctl_options *o, char **args, bool map)
{
	struct dcom_iface *host;
	uint32_t wtd;
	const char *s = ctl_quote(c, args[0]);
	int ret = ctl_disk_resolve(c, args[1], &wtd);
	if (ret == 0)
		ret = ctl_target_open(c, args[0], &host);
	if (ret == 0 && map) {
		struct IHost_AddWTDisk r = { .in.nWTD = wtd };
		ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_ADDWTDISK, &r, "AddWTDisk", s,
			       NULL);
		if (ret == 0 && opt.has_lun) {
			struct IHost_SetWTDiskLunMapping l = { .in.nWTD = wtd, .in.nNewLun = opt.lun };
			ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_SETWTDISKLUNMAPPING, &l,
				       "SetWTDiskLunMapping", s, NULL);
		}
	} else if (ret == 0) {
		struct IHost_RemoveWTDisk r = { .in.nWTD = wtd };
		ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_REMOVEWTDISK, &r, "RemoveWTDisk",
			       s, NULL);
	}
	if (ret == 0)
		ret = ctl_target_save(c, host, s);
	if (ret == 0 && map)
		ret = ctl_show_target(c, host, o->json, "mapped virtual disk %" PRIu32
				      " to target %s as LUN %s", wtd, s,
				      o->json ? "" : lun_of(c, host, wtd));
	else if (ret == 0)
		ret = ctl_show_target(c, host, o->json,
				      "unmapped virtual disk %" PRIu32 " from target %s", wtd, s);
	return ret;
}

static int map(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	return change(c, o, args, true);
}

static int unmap(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	return change(c, o, args, false);
}

static const struct option map_options[] = {
	{ "lun", required_argument, NULL, OPT_LUN },
	{ NULL, 0, NULL, 0 },
};

static const struct ctl_action map_action = { "map", "TARGET WTD|PATH [--lun N]", 2, 2,
					      map_options, NULL, map };
static const struct ctl_action unmap_action = { "unmap", "TARGET WTD|PATH", 2, 2, NULL, NULL,
						unmap };

int cmd_map(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_run(&map_action, options, argc, argv, set_option);
}

int cmd_unmap(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_run(&unmap_action, options, argc, argv, set_option);
}
