/* istmctl disk create|list|show|set|delete: virtual disks through
 * ILocalDeviceMgr and IWTDiskMgr, in the order a Windows console sends them:
 * MS-ISTM 4.1 (IsPathValid, DoesFileExist, then CreateWtFile for a new file
 * or IsValidWtDevice for an existing one, then CreateWTDisk), 4.6 (EnumWTDisks
 * and Next one at a time), 4.8 (GetWTDisk, DevicePath, DeleteWTDisk, and
 * with --delete-file DoesFileExist and DeleteWtFile; ctl/pending.h keeps
 * what an interrupted run left to do). "set" changes Description (IWTDisk,
 * committed by Save, 3.43.4.34) and Enable (IWTDisk2, 3.44.4.2). */
#include "ctl/cmd_disk.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/model.h"
#include "ctl/parse.h"
#include "ctl/pending.h"
#include "ctl/remote.h"
#include "dcom/client.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"

enum { OPT_SIZE = 1, OPT_SPARSE, OPT_DESCRIPTION, OPT_DELETE_FILE, OPT_ENABLE, OPT_DISABLE };

static struct {
	bool has_size;
	uint64_t size;
	bool sparse;
	const char *description;
	bool delete_file;
	int enable; /* -1: leave it */
} opt = { .enable = -1 };

static bool set_option(int o, const char *arg)
{
	switch (o) {
	case OPT_SIZE:
		if (ctl_parse_size(arg, &opt.size) != 0) {
			ctl_error(0, "istmctl disk: bad value '%s' for --size: expected BYTES or "
				     "a number with K, M, G or T, alone or with B or iB (binary "
				     "units: 64M, 64MB and 64MiB are 64 MiB)", arg);
			return false;
		}
		opt.has_size = true;
		return true;
	case OPT_SPARSE: opt.sparse = true; return true;
	case OPT_DESCRIPTION: opt.description = arg; return true;
	case OPT_DELETE_FILE: opt.delete_file = true; return true;
	case OPT_ENABLE:
	case OPT_DISABLE:
		if (opt.enable == (o == OPT_DISABLE)) {
			ctl_error(0, "istmctl disk: --enable or --disable, not both");
			return false;
		}
		opt.enable = o == OPT_ENABLE;
		return true;
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
		ctl_error(0, "%s: --sparse goes with --size (a new file)", who);
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
		ctl_error(0, "%s: %s already exists (leave out --size to make it a virtual "
				"disk as it is)", c->who, s);
		ret = CTL_EXIT_EXISTS;
	} else if (ret == 0 && !opt.has_size && !exists) {
		ctl_error(0, "%s: %s does not exist (give --size to create it)", c->who, s);
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

static int check_set(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	(void)args;
	(void)n;
	if (opt.description == NULL && opt.enable < 0) {
		ctl_error(0, "%s: nothing to change (--description TEXT, --enable, --disable)", who);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

static int set(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct dcom_iface *disk, *disk2 = NULL;
	uint32_t wtd;
	int ret = ctl_disk_resolve(c, args[0], &wtd);
	const char *s = talloc_asprintf(c, "%" PRIu32, wtd);
	if (ret == 0)
		ret = ctl_disk_open(c, wtd, &disk);
	if (ret == 0 && opt.enable >= 0) {
		ret = ctl_query(c, disk, &idl_iface_IWTDisk2, &disk2);
		if (ret == 0 && disk2 == NULL) {
			ctl_error(E_NOINTERFACE, "%s: this server's disks cannot be enabled or "
				  "disabled (no IWTDisk2)", c->who);
			ret = CTL_EXIT_UNSUPPORTED;
		}
	}
	if (ret == 0 && opt.description != NULL) {
		struct IWTDisk_put_Description r = { .in.Description = opt.description };
		struct IWTDisk_Save save = { 0 };
		ret = ctl_call(c, disk, &idl_iface_IWTDisk, NDR_IWTDISK_PUT_DESCRIPTION, &r,
			       "Description", s, NULL);
		if (ret == 0)
			ret = ctl_call(c, disk, &idl_iface_IWTDisk, NDR_IWTDISK_SAVE, &save, "Save", s,
				       NULL);
	}
	if (ret == 0 && opt.enable >= 0) {
		struct IWTDisk2_put_Enable r = { .in.bEnable = opt.enable == 1 };
		ret = ctl_call(c, disk2, &idl_iface_IWTDisk2, NDR_IWTDISK2_PUT_ENABLE, &r, "Enable",
			       s, NULL);
	}
	if (ret == 0)
		ret = ctl_show_disk(c, wtd, o->json, "changed virtual disk %s", s);
	return ret;
}

/* The file of a disk deleted before (by an interrupted run, or by another
 * client without its file): DoesFileExist, DeleteWtFile. The server keeps
 * both to the storage roots. *DELETED false when there was no file. */
static int finish_file(struct ctl_conn *c, const char *path, bool *deleted)
{
	struct dcom_iface *ldm;
	const char *ps = ctl_quote(c, path);
	bool exists = false;
	int ret = ctl_manager(c, CTL_LOCAL_DEVICE, &ldm);
	if (ret == 0)
		ret = file_exists(c, ldm, path, ps, &exists);
	if (ret == 0 && exists)
		ret = delete_file(c, ldm, path, ps);
	*deleted = ret == 0 && exists;
	return ret;
}

static int report(struct ctl_conn *c, bool json, const uint32_t *wtd, const char *path,
		  bool file_deleted)
{
	if (json)
		return ctl_emit(c, json_pack("{s:o, s:s?, s:b, s:b}", "wtd",
					     wtd ? json_integer(*wtd) : json_null(), "path", path,
					     "deleted", wtd != NULL, "file_deleted", file_deleted));
	if (wtd != NULL)
		printf("deleted virtual disk %" PRIu32 "%s%s\n", *wtd,
		       file_deleted ? " and its file " : "",
		       file_deleted ? ctl_quote(c, path) : "");
	else
		printf("deleted the file %s (no virtual disk used it any more)\n",
		       ctl_quote(c, path));
	return 0;
}

/* disk delete of a disk that is not there (any more): with --delete-file,
 * the file an earlier run left, named by its path or found in the journal
 * by the WTD index. */
static int delete_leftover(struct ctl_conn *c, const struct ctl_options *o, const char *text,
			   bool is_index, uint32_t wtd)
{
	const char *server = o->server ? o->server : "";
	const char *path = is_index ? ctl_pending_find(c, server, wtd) : text;
	if (path == NULL) {
		ctl_error(HR_WIN32(ERROR_FILE_NOT_FOUND), "%s: GetWTDisk %" PRIu32
			  ": no such virtual disk [HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)]",
			  c->who, wtd);
		return CTL_EXIT_NOT_FOUND;
	}
	/* DeleteWtFile straight away: DoesFileExist says "no" for a path
	 * outside the storage roots, DeleteWtFile says why (E_ACCESSDENIED). */
	struct dcom_iface *ldm;
	const char *ps = ctl_quote(c, path);
	uint32_t hr = S_OK;
	int ret = ctl_manager(c, CTL_LOCAL_DEVICE, &ldm);
	if (ret == 0) {
		struct ILocalDeviceMgr_DeleteWtFile r = { .in.FilePath = path };
		ret = ctl_call(c, ldm, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_DELETEWTFILE,
			       &r, "DeleteWtFile", ps, &hr);
	}
	if (ret == 0 && (hr == S_OK || hr == HR_WIN32(ERROR_FILE_NOT_FOUND)))
		(void)ctl_pending_done(server, wtd, is_index ? NULL : path);
	if (ret == 0 && hr == HR_WIN32(ERROR_FILE_NOT_FOUND)) {
		ctl_error(hr, "%s: neither a virtual disk nor a file has the path %s", c->who, ps);
		return CTL_EXIT_NOT_FOUND;
	}
	if (ret == 0 && HR_FAILED(hr))
		ret = ctl_fail(c, "DeleteWtFile", ps, hr);
	return ret != 0 ? ret : report(c, o->json, NULL, path, true);
}

static int delete(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct dcom_iface *dm, *disk;
	const char *path = NULL, *server = o->server ? o->server : "";
	uint32_t wtd = 0, hr;
	bool found, file_deleted = false;
	bool is_index = ctl_disk_is_index(args[0], &wtd);
	int ret = ctl_disk_find(c, args[0], &wtd, &found);
	if (ret == 0 && !found && !opt.delete_file)
		return ctl_disk_resolve(c, args[0], &wtd); /* reports it */
	if (ret == 0 && !found)
		return delete_leftover(c, o, args[0], false, 0);
	const char *s = talloc_asprintf(c, "%" PRIu32, wtd);
	if (ret == 0)
		ret = ctl_manager(c, CTL_DISK_MGR, &dm);
	if (ret == 0) {
		struct IWTDiskMgr_GetWTDisk r = { .in.nWTD = wtd };
		ret = ctl_call(c, dm, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK, &r,
			       "GetWTDisk", s, &hr);
		if (ret == 0 && hr == HR_WIN32(ERROR_FILE_NOT_FOUND) && is_index && opt.delete_file)
			return delete_leftover(c, o, args[0], true, wtd);
		if (ret == 0 && HR_FAILED(hr))
			ret = ctl_fail(c, "GetWTDisk", s, hr);
		if (ret == 0)
			ret = ctl_unmarshal(c, *r.out.ppWTDisk, "GetWTDisk", &disk);
	}
	if (ret == 0) {
		struct IWTDisk_get_DevicePath r = { 0 };
		ret = ctl_call(c, disk, &idl_iface_IWTDisk, NDR_IWTDISK_GET_DEVICEPATH, &r,
			       "DevicePath", s, NULL);
		if (ret == 0)
			path = *r.out.pDevicePath;
	}
	/* Written down before the disk goes: from then on only the path (or
	 * this journal) names the file. */
	bool journaled = ret == 0 && opt.delete_file && path != NULL &&
			 ctl_pending_add(server, wtd, path) == 0;
	bool unregistered = false;
	if (ret == 0) {
		struct IWTDiskMgr_DeleteWTDisk r = { .in.nWTD = wtd };
		ret = ctl_call(c, dm, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_DELETEWTDISK, &r,
			       "DeleteWTDisk", s, NULL);
		unregistered = ret == 0;
	}
	if (ret == 0 && opt.delete_file && path != NULL)
		ret = finish_file(c, path, &file_deleted);
	if (journaled && (ret == 0 || !unregistered))
		(void)ctl_pending_done(server, wtd, NULL);
	if (ret != 0 && unregistered && opt.delete_file)
		fprintf(stderr, "%s: the disk is gone but not its file: run the same command again, "
				"or 'disk delete %s --delete-file'\n", c->who, ctl_quote(c, path));
	return ret != 0 ? ret : report(c, o->json, &wtd, path, file_deleted);
}

static const struct option create_options[] = {
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "sparse", no_argument, NULL, OPT_SPARSE },
	{ "description", required_argument, NULL, OPT_DESCRIPTION },
	{ NULL, 0, NULL, 0 },
};

static const struct option set_options[] = {
	{ "description", required_argument, NULL, OPT_DESCRIPTION },
	{ "enable", no_argument, NULL, OPT_ENABLE },
	{ "disable", no_argument, NULL, OPT_DISABLE },
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
	{ "set", "WTD|PATH [--description TEXT] [--enable|--disable]", 1, 1, set_options,
	  check_set, set },
	{ "delete", "WTD|PATH [--delete-file]", 1, 1, delete_options, NULL, delete },
};

int cmd_disk(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_dispatch("disk", actions, sizeof(actions) / sizeof(actions[0]), options, argc,
			    argv, set_option);
}
