/* istmctl disk create|list|show|delete: virtual disks through
 * ILocalDeviceMgr and IWTDiskMgr, in the order a Windows console sends them:
 * MS-ISTM 4.1 (IsPathValid, DoesFileExist, then CreateWtFile for a new file
 * or IsValidWtDevice for an existing one, then CreateWTDisk), 4.6 (EnumWTDisks
 * and Next one at a time), 4.8 (GetWTDisk, DevicePath, DeleteWTDisk, and
 * with --delete-file DoesFileExist and DeleteWtFile). */
#include "ctl/cmd_disk.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/model.h"
#include "ctl/parse.h"
#include "ctl/remote.h"
#include "dcom/client.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"

enum { OPT_SIZE = 1, OPT_SPARSE, OPT_DESCRIPTION, OPT_DELETE_FILE };

static struct {
	bool has_size;
	uint64_t size;
	bool sparse;
	const char *description;
	bool delete_file;
} opt;

static bool set_option(int o, const char *arg)
{
	switch (o) {
	case OPT_SIZE:
		if (ctl_parse_size(arg, &opt.size) != 0) {
			fprintf(stderr, "istmctl disk: --size %s: expected BYTES or a number with "
					"K, M, G or T (binary units)\n", arg);
			return false;
		}
		opt.has_size = true;
		return true;
	case OPT_SPARSE: opt.sparse = true; return true;
	case OPT_DESCRIPTION: opt.description = arg; return true;
	case OPT_DELETE_FILE: opt.delete_file = true; return true;
	default: return false;
	}
}

/* ILocalDeviceMgr::DoesFileExist: S_OK yes, E_FAIL no (MS-ISTM 3.30.4.11). */
static int file_exists(struct ctl_conn *c, struct dcom_iface *ldm, const char *path,
		       const char *s, bool *exists)
{
	struct ILocalDeviceMgr_DoesFileExist r = { .in.FilePath = path };
	uint32_t hr;
	int ret = ctl_call(c, ldm, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_DOESFILEEXIST, &r,
			   "DoesFileExist", s, &hr);
	if (ret != 0)
		return ret;
	if (hr != S_OK && hr != E_FAIL)
		return ctl_fail(c, "DoesFileExist", s, hr);
	*exists = hr == S_OK;
	return 0;
}

static int delete_file(struct ctl_conn *c, struct dcom_iface *ldm, const char *path,
		       const char *s)
{
	struct ILocalDeviceMgr_DeleteWtFile r = { .in.FilePath = path };
	return ctl_call(c, ldm, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_DELETEWTFILE, &r,
			"DeleteWtFile", s, NULL);
}

static int check_create(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	(void)args;
	(void)n;
	if (opt.sparse && !opt.has_size) {
		fprintf(stderr, "%s: --sparse goes with --size (a new file)\n", who);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

static int create(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	const char *path = args[0];
	struct dcom_iface *ldm, *dm;
	const char *s = ctl_quote(c, path);
	bool exists = false, created = false;
	int ret = ctl_manager(c, CTL_LOCAL_DEVICE, &ldm);
	if (ret == 0)
		ret = ctl_manager(c, CTL_DISK_MGR, &dm);
	if (ret == 0) {
		struct ILocalDeviceMgr_IsPathValid r = { .in.FilePath = path };
		ret = ctl_call(c, ldm, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_ISPATHVALID,
			       &r, "IsPathValid", s, NULL);
	}
	if (ret == 0)
		ret = file_exists(c, ldm, path, s, &exists);
	if (ret == 0 && opt.has_size && exists) {
		fprintf(stderr, "%s: %s already exists (leave out --size to make it a virtual "
				"disk as it is)\n", c->who, s);
		ret = CTL_EXIT_EXISTS;
	} else if (ret == 0 && !opt.has_size && !exists) {
		fprintf(stderr, "%s: %s does not exist (give --size to create it)\n", c->who, s);
		ret = CTL_EXIT_NOT_FOUND;
	} else if (ret == 0 && opt.has_size) {
		struct ILocalDeviceMgr_CreateWtFile r = { .in.FilePath = path,
							   .in.hyFileSize = (int64_t)opt.size,
							   .in.bSparse = opt.sparse };
		ret = ctl_call(c, ldm, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_CREATEWTFILE,
			       &r, "CreateWtFile", s, NULL);
		created = ret == 0;
	} else if (ret == 0) {
		struct ILocalDeviceMgr_IsValidWtDevice r = { .in.DevicePath = path };
		ret = ctl_call(c, ldm, &idl_iface_ILocalDeviceMgr,
			       NDR_ILOCALDEVICEMGR_ISVALIDWTDEVICE, &r, "IsValidWtDevice", s, NULL);
	}
	uint32_t wtd = 0;
	if (ret == 0) {
		struct IWTDiskMgr_CreateWTDisk r = {
			.in.eDeviceType = WTDTypeFileBased,
			.in.DevicePath = path,
			.in.Description = opt.description ? opt.description : "",
		};
		ret = ctl_call(c, dm, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_CREATEWTDISK, &r,
			       "CreateWTDisk", s, NULL);
		if (ret == 0)
			wtd = *r.out.pWTD;
		else if (created && delete_file(c, ldm, path, s) == 0)
			fprintf(stderr, "%s: removed the file %s created for it\n", c->who, s);
	}
	if (ret == 0)
		ret = ctl_show_disk(c, wtd, o->json, "created virtual disk %" PRIu32 " at %s", wtd,
				    s);
	return ret;
}

static int list(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)args;
	(void)n;
	struct ctl_disk *disks;
	size_t count;
	int ret = 0;
	ret = ctl_disk_list(c, &disks, &count);
	if (ret == 0 && o->json)
		return ctl_emit(c, ctl_disks_json(disks, count));
	if (ret == 0)
		ctl_disks_print(stdout, disks, count);
	return ret;
}

static int show(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct dcom_iface *disk;
	struct ctl_disk d;
	uint32_t wtd;
	int ret = 0;
	ret = ctl_disk_resolve(c, args[0], &wtd);
	if (ret == 0)
		ret = ctl_disk_open(c, wtd, &disk);
	if (ret == 0)
		ret = ctl_disk_read(c, disk, &d);
	if (ret == 0 && o->json)
		return ctl_emit(c, ctl_disk_json(&d));
	if (ret == 0)
		ctl_disk_print(stdout, &d);
	return ret;
}

static int delete(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct dcom_iface *dm, *disk, *ldm;
	const char *path = NULL;
	uint32_t wtd = 0;
	bool exists = false;
	int ret = 0;
	ret = ctl_disk_resolve(c, args[0], &wtd);
	const char *s = talloc_asprintf(c, "%" PRIu32, wtd);
	if (ret == 0)
		ret = ctl_manager(c, CTL_DISK_MGR, &dm);
	if (ret == 0)
		ret = ctl_disk_open(c, wtd, &disk);
	if (ret == 0) {
		struct IWTDisk_get_DevicePath r = { 0 };
		ret = ctl_call(c, disk, &idl_iface_IWTDisk, NDR_IWTDISK_GET_DEVICEPATH, &r,
			       "DevicePath", s, NULL);
		if (ret == 0)
			path = *r.out.pDevicePath;
	}
	if (ret == 0) {
		struct IWTDiskMgr_DeleteWTDisk r = { .in.nWTD = wtd };
		ret = ctl_call(c, dm, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_DELETEWTDISK, &r,
			       "DeleteWTDisk", s, NULL);
	}
	if (ret == 0 && opt.delete_file && path != NULL) {
		const char *ps = ctl_quote(c, path);
		ret = ctl_manager(c, CTL_LOCAL_DEVICE, &ldm);
		if (ret == 0)
			ret = file_exists(c, ldm, path, ps, &exists);
		if (ret == 0 && exists)
			ret = delete_file(c, ldm, path, ps);
	}
	if (ret == 0 && o->json) {
		ret = ctl_emit(c, json_pack("{s:I, s:s?, s:b, s:b}", "wtd", (json_int_t)wtd, "path",
					    path, "deleted", 1, "file_deleted", exists));
	} else if (ret == 0) {
		printf("deleted virtual disk %s%s%s\n", s,
		       exists ? " and its file " : "", exists ? ctl_quote(c, path) : "");
	}
	return ret;
}

static const struct option create_options[] = {
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "sparse", no_argument, NULL, OPT_SPARSE },
	{ "description", required_argument, NULL, OPT_DESCRIPTION },
	{ NULL, 0, NULL, 0 },
};

static const struct option delete_options[] = {
	{ "delete-file", no_argument, NULL, OPT_DELETE_FILE },
	{ NULL, 0, NULL, 0 },
};

static const struct ctl_action actions[] = {
	{ "create", "PATH [--size SIZE [--sparse]] [--description TEXT]", 1, 1, create_options,
	  check_create, create },
	{ "list", "", 0, 0, NULL, NULL, list },
	{ "show", "WTD|PATH", 1, 1, NULL, NULL, show },
	{ "delete", "WTD|PATH [--delete-file]", 1, 1, delete_options, NULL, delete },
};

int cmd_disk(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_dispatch("disk", actions, sizeof(actions) / sizeof(actions[0]), options, argc,
			    argv, set_option);
}
