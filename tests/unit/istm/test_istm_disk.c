/* LUN management through in-process DCOM calls: IWTDiskMgr 1-4, IWTDisk
 * 1-3 and IEnumWTDisk (MS-ISTM 3.19, 3.43-3.51), with the sequences that
 * create (4.1, both variants), enumerate (4.6) and delete (4.8) a virtual
 * disk, every property and method, and their errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/iscsi_backend.h"
#include "backend/vhd.h"
#include "backend_testutil.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "istm_fixture.h"

#define MIB (1024ll * 1024)

/* ---- calls ------------------------------------------------------------------------------ */

static uint32_t create_wt_file(struct ix *f, const char *path, int64_t size, bool sparse)
{
	struct ILocalDeviceMgr_CreateWtFile *r =
		ix_r(f, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_CREATEWTFILE);
	r->in.FilePath = path;
	r->in.hyFileSize = size;
	r->in.bSparse = sparse;
	return ix_call(f, f->devices, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_CREATEWTFILE, r);
}

static uint32_t path_call(struct ix *f, uint32_t opnum, const char *path)
{
	/* IsValidWtDevice, DeleteWtFile, IsPathValid, IsPathNtfs, DoesFileExist: one BSTR */
	struct ILocalDeviceMgr_DoesFileExist *r = ix_r(f, &idl_iface_ILocalDeviceMgr, opnum);
	r->in.FilePath = path;
	return ix_call(f, f->devices, &idl_iface_ILocalDeviceMgr, opnum, r);
}

static uint32_t create_wt_disk_typed(struct ix *f, enum WTDType type, const char *path,
				     const char *description, uint32_t *wtd)
{
	struct IWTDiskMgr_CreateWTDisk *r =
		ix_r(f, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_CREATEWTDISK);
	r->in.eDeviceType = type;
	r->in.DevicePath = path;
	r->in.Description = description;
	uint32_t hr = ix_call(f, f->disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_CREATEWTDISK, r);
	if (wtd != NULL)
		*wtd = *r->out.pWTD;
	return hr;
}

static uint32_t create_wt_disk(struct ix *f, const char *path, uint32_t *wtd)
{
	return create_wt_disk_typed(f, WTDTypeFileBased, path, "a disk", wtd);
}

/* A fixed VHD of SIZE bytes at NAME (Windows path "D:\NAME"), registered. */
static uint32_t new_disk(struct ix *f, const char *name, int64_t size)
{
	char *path = talloc_asprintf(f, "D:\\%s", name);
	uint32_t wtd = 0;
	assert_int_equal(create_wt_file(f, path, size, false), S_OK);
	assert_int_equal(create_wt_disk(f, path, &wtd), S_OK);
	return wtd;
}

static struct dcom_object *get_wt_disk(struct ix *f, uint32_t wtd, uint32_t *hr)
{
	struct IWTDiskMgr_GetWTDisk *r = ix_r(f, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK);
	r->in.nWTD = wtd;
	*hr = ix_call(f, f->disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK, r);
	return *hr == S_OK ? ix_object(f, *r->out.ppWTDisk, &idl_iface_IWTDisk, NULL) : NULL;
}

static struct dcom_object *disk_object(struct ix *f, uint32_t wtd)
{
	uint32_t hr;
	struct dcom_object *d = get_wt_disk(f, wtd, &hr);
	assert_int_equal(hr, S_OK);
	return d;
}

/* A call on an IWTDisk object (the IWTDisk3 chain serves every opnum). */
static uint32_t disk_call(struct ix *f, struct dcom_object *d, uint32_t opnum, void *r)
{
	return ix_call(f, d, &idl_iface_IWTDisk3, opnum, r);
}

static void *disk_r(struct ix *f, uint32_t opnum)
{
	return ix_r(f, &idl_iface_IWTDisk3, opnum);
}

static uint32_t get_string(struct ix *f, struct dcom_object *d, uint32_t opnum, const char **out)
{
	/* every BSTR propget has the same shape */
	struct IWTDisk_get_Description *r = disk_r(f, opnum);
	uint32_t hr = disk_call(f, d, opnum, r);
	*out = *r->out.pDescription;
	return hr;
}

static uint32_t put_string(struct ix *f, struct dcom_object *d, uint32_t opnum, const char *s)
{
	struct IWTDisk_put_Description *r = disk_r(f, opnum);
	r->in.Description = s;
	return disk_call(f, d, opnum, r);
}

static uint32_t get_u32(struct ix *f, struct dcom_object *d, uint32_t opnum, uint32_t *out)
{
	/* WTD, Flags, Type, Status, LMType, LMStatus, VhdType, ResourceState: 32 bits */
	struct IWTDisk_get_WTD *r = disk_r(f, opnum);
	uint32_t hr = disk_call(f, d, opnum, r);
	*out = *r->out.pWTD;
	return hr;
}

static uint32_t get_i64(struct ix *f, struct dcom_object *d, uint32_t opnum, int64_t *out)
{
	struct IWTDisk_get_Size *r = disk_r(f, opnum);
	uint32_t hr = disk_call(f, d, opnum, r);
	*out = *r->out.pSize;
	return hr;
}

static uint32_t get_bool(struct ix *f, struct dcom_object *d, uint32_t opnum, bool *out)
{
	struct IWTDisk_get_Assigned *r = disk_r(f, opnum);
	uint32_t hr = disk_call(f, d, opnum, r);
	*out = *r->out.pAssigned != 0;
	return hr;
}

static uint32_t put_bool(struct ix *f, struct dcom_object *d, uint32_t opnum, bool value)
{
	struct IWTDisk_put_Assigned *r = disk_r(f, opnum);
	r->in.bAssigned = value;
	return disk_call(f, d, opnum, r);
}

static uint32_t no_args(struct ix *f, struct dcom_object *d, uint32_t opnum)
{
	return disk_call(f, d, opnum, disk_r(f, opnum));
}

static uint32_t delete_wt_disk(struct ix *f, uint32_t wtd)
{
	struct IWTDiskMgr_DeleteWTDisk *r =
		ix_r(f, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_DELETEWTDISK);
	r->in.nWTD = wtd;
	return ix_call(f, f->disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_DELETEWTDISK, r);
}

static off_t file_size(struct ix *f, const char *name)
{
	struct stat st;
	assert_int_equal(stat(ix_path(f, name), &st), 0);
	return st.st_size;
}

/* ---- sequence 4.1 ------------------------------------------------------------------------ */

static void test_create_sequence(void **state)
{
	struct ix *f = *state;
	const char *path = "D:\\iSCSI_target_disks\\VirtualDisk1.vhd";
	assert_int_equal(mkdir(ix_path(f, "iSCSI_target_disks"), 0755), 0);

	/* IsPathValid, DoesFileExist (E_FAIL: no file), CreateWtFile, CreateWTDisk */
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_ISPATHVALID, path), S_OK);
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_DOESFILEEXIST, path), E_FAIL);
	assert_int_equal(create_wt_file(f, path, 0x4000000, false), S_OK);
	uint32_t wtd = 0;
	assert_int_equal(create_wt_disk_typed(f, WTDTypeFileBased, path,
					      "Virtual Disk Number 1 - 64 MB", &wtd),
			 S_OK);
	assert_int_equal(wtd, 1);
	/* the file is the 64 MiB of data and the footer; the disk is 64 MiB */
	assert_int_equal(file_size(f, "iSCSI_target_disks/VirtualDisk1.vhd"), 64 * MIB + 512);
	struct core_disk *d = core_disk_by_wtd(f, f->tc->core, wtd);
	assert_non_null(d);
	assert_int_equal(d->size, 64 * MIB);
	assert_int_equal(d->vhd_type, CORE_VHD_FIXED);
	assert_string_equal(d->description, "Virtual Disk Number 1 - 64 MB");
	assert_string_equal(d->windows_path, path);
	int status = -1;
	char *out = tu_run(f, &status, "qemu-img info -f vpc --output=json %s",
			   ix_path(f, "iSCSI_target_disks/VirtualDisk1.vhd"));
	assert_int_equal(status, 0);
	assert_int_equal(tu_json_number(out, "virtual-size"), 64 * MIB);
	/* now the path is in use */
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_ISPATHVALID, path),
			 HRESULT_FROM_WIN32(ERROR_DEVICE_IN_USE));

	/* the alternative: the file exists, IsValidWtDevice accepts it */
	const char *path2 = "D:\\iSCSI_target_disks\\VirtualDisk2.vhd";
	assert_int_equal(create_wt_file(f, path2, 0x4000000, true), S_OK);
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_ISPATHVALID, path2), S_OK);
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_DOESFILEEXIST, path2), S_OK);
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_ISVALIDWTDEVICE, path2), S_OK);
	assert_int_equal(create_wt_disk(f, path2, &wtd), S_OK);
	assert_int_equal(wtd, 2);
	/* a POSIX spelling of a used file is the same file */
	assert_int_equal(create_wt_disk(f, ix_path(f, "iSCSI_target_disks/VirtualDisk2.vhd"), NULL),
			 HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS));
}

static void test_create_errors(void **state)
{
	struct ix *f = *state;
	assert_int_equal(create_wt_file(f, "D:\\a.vhd", 8 * MIB, false), S_OK);

	/* 3.46.4.2: NULL pointers, the device type (3.1.4.2.4, <108>) */
	assert_int_equal(create_wt_disk_typed(f, WTDTypeFileBased, NULL, "x", NULL), E_POINTER);
	assert_int_equal(create_wt_disk_typed(f, WTDTypeFileBased, "D:\\a.vhd", NULL, NULL),
			 E_POINTER);
	assert_int_equal(create_wt_disk_typed(f, WTDTypeVolumeBased, "D:\\a.vhd", "x", NULL),
			 E_INVALIDARG);
	assert_int_equal(create_wt_disk_typed(f, WTDTypeRamBased, "D:\\a.vhd", "x", NULL),
			 HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
	char *long_text = talloc_zero_size(f, CORE_TEXT_MAX + 2);
	memset(long_text, 'x', CORE_TEXT_MAX + 1);
	assert_int_equal(create_wt_disk_typed(f, WTDTypeFileBased, "D:\\a.vhd", long_text, NULL),
			 E_INVALIDARG);
	/* paths: malformed (E_FAIL), outside the roots, missing, a directory */
	assert_int_equal(create_wt_disk(f, "a.vhd", NULL), E_FAIL);
	assert_int_equal(create_wt_disk(f, "D:\\a<b.vhd", NULL), E_FAIL);
	assert_int_equal(create_wt_disk(f, "C:\\a.vhd", NULL), E_ACCESSDENIED);
	assert_int_equal(create_wt_disk(f, "D:\\..\\a.vhd", NULL), E_ACCESSDENIED);
	assert_int_equal(create_wt_disk(f, "/etc/passwd", NULL), E_ACCESSDENIED);
	assert_int_equal(create_wt_disk(f, "D:\\none.vhd", NULL),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(mkdir(ix_path(f, "dir"), 0755), 0);
	assert_int_equal(create_wt_disk(f, "D:\\dir", NULL), E_FAIL);
	/* not a VHD: ERROR_INVALID_DATA */
	tu_write_file(ix_path(f, "junk.vhd"), "not a vhd", 9);
	assert_int_equal(create_wt_disk(f, "D:\\junk.vhd", NULL),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	/* a symlink out of the root */
	assert_int_equal(symlink("/etc/hostname", ix_path(f, "out.vhd")), 0);
	assert_int_equal(create_wt_disk(f, "D:\\out.vhd", NULL), E_ACCESSDENIED);
	/* the same file twice */
	assert_int_equal(create_wt_disk(f, "D:\\a.vhd", NULL), S_OK);
	assert_int_equal(create_wt_disk(f, "d:/a.vhd", NULL), HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS));
	/* nothing was registered by the refusals */
	struct core_disk **disks;
	size_t n;
	assert_int_equal(core_disk_list(f, f->tc->core, &disks, &n), 0);
	assert_int_equal(n, 1);
}

/* ---- IWTDisk --------------------------------------------------------------------------- */

static void test_properties(void **state)
{
	struct ix *f = *state;
	uint32_t wtd = new_disk(f, "p.vhd", 64 * MIB);
	struct dcom_object *d = disk_object(f, wtd);
	struct core_disk *cd = core_disk_by_wtd(f, f->tc->core, wtd);
	const char *s;
	uint32_t u;
	int64_t i;
	bool b;

	struct IWTDisk_get_Guid *g = disk_r(f, NDR_IWTDISK_GET_GUID);
	assert_int_equal(disk_call(f, d, NDR_IWTDISK_GET_GUID, g), S_OK);
	assert_string_equal(GUID_string(f, g->out.pGuid), cd->guid);
	assert_int_equal(get_string(f, d, NDR_IWTDISK_GET_SERIALNUMBER, &s), S_OK);
	assert_string_equal(s, cd->serial);
	assert_int_equal(strlen(s), 32);
	assert_int_equal(get_u32(f, d, NDR_IWTDISK_GET_WTD, &u), S_OK);
	assert_int_equal(u, wtd);
	assert_int_equal(get_u32(f, d, NDR_IWTDISK_GET_TYPE, &u), S_OK);
	assert_int_equal(u, WTDTypeFileBased);
	assert_int_equal(get_u32(f, d, NDR_IWTDISK_GET_FLAGS, &u), S_OK);
	assert_int_equal(u, cd->flags);
	assert_int_equal(get_u32(f, d, NDR_IWTDISK_GET_STATUS, &u), S_OK);
	assert_int_equal(u, Idle); /* no backend serves it */
	assert_int_equal(get_bool(f, d, NDR_IWTDISK_GET_ASSIGNED, &b), S_OK);
	assert_false(b);
	assert_int_equal(get_string(f, d, NDR_IWTDISK_GET_DESCRIPTION, &s), S_OK);
	assert_string_equal(s, "a disk");
	/* DevicePath: the Windows form, accepted back as input */
	assert_int_equal(get_string(f, d, NDR_IWTDISK_GET_DEVICEPATH, &s), S_OK);
	assert_string_equal(s, "D:\\p.vhd");
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_DOESFILEEXIST, s), S_OK);
	/* Size: the virtual size; the file is 512 bytes longer */
	assert_int_equal(get_i64(f, d, NDR_IWTDISK_GET_SIZE, &i), S_OK);
	assert_int_equal(i, 64 * MIB);
	assert_int_equal(file_size(f, "p.vhd"), 64 * MIB + 512);
	assert_int_equal(get_bool(f, d, NDR_IWTDISK2_GET_ENABLE, &b), S_OK);
	assert_true(b);
	assert_int_equal(get_string(f, d, NDR_IWTDISK2_GET_RESOURCENAME, &s), S_OK);
	assert_string_equal(s, cd->resource_name);
	assert_int_equal(get_string(f, d, NDR_IWTDISK2_GET_RESOURCEGROUPNAME, &s), S_OK);
	assert_string_equal(s, "");
	assert_int_equal(get_u32(f, d, NDR_IWTDISK3_GET_VHDTYPE, &u), S_OK);
	assert_int_equal(u, FixedVhd);
	struct IWTDisk3_get_ParentPath *pp = disk_r(f, NDR_IWTDISK3_GET_PARENTPATH);
	assert_int_equal(disk_call(f, d, NDR_IWTDISK3_GET_PARENTPATH, pp), S_OK);
	assert_null(*pp->out.ParentPath);
	assert_int_equal(get_i64(f, d, NDR_IWTDISK3_GET_ALLOCATEDSIZE, &i), S_OK);
	assert_int_equal(i, 64 * MIB);
	assert_int_equal(get_bool(f, d, NDR_IWTDISK3_GET_CACHEPARENT, &b), S_OK);
	assert_false(b);
	assert_int_equal(put_bool(f, d, NDR_IWTDISK3_PUT_CACHEPARENT, true), E_INVALIDARG);
	assert_int_equal(get_u32(f, d, NDR_IWTDISK3_GET_RESOURCESTATE, &u), S_OK);
	assert_int_equal(u, 2); /* ClusterResourceOnline */
	struct IWTDisk3_GetLunStatus *ls = disk_r(f, NDR_IWTDISK3_GETLUNSTATUS);
	assert_int_equal(disk_call(f, d, NDR_IWTDISK3_GETLUNSTATUS, ls), S_OK);
	assert_int_equal(ls->out.Status->dwLun, wtd);
	assert_int_equal(ls->out.Status->eStatus, Idle);
	assert_int_equal(no_args(f, d, NDR_IWTDISK2_ISALIVE), S_OK);
	struct IWTDisk_GetDeviceVolumeGuid *vg = disk_r(f, NDR_IWTDISK_GETDEVICEVOLUMEGUID);
	assert_int_equal(disk_call(f, d, NDR_IWTDISK_GETDEVICEVOLUMEGUID, vg), S_OK);
	char *want = talloc_asprintf(f, "{%s}", GUID_string(f, vg->out.pGuid));
	assert_string_equal(want, f->tc->sp->roots[0].volume_guid);

	/* derived and read-only: E_NOTIMPL, as Windows (<89>-<94>, <103>, <107>) */
	assert_int_equal(no_args(f, d, NDR_IWTDISK_PUT_WTD), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_PUT_TYPE), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_PUT_FLAGS), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_PUT_STATUS), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_PUT_ASSIGNED), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK2_PUT_RESOURCEGROUPNAME), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK3_PUT_RESOURCESTATE), E_NOTIMPL);
	/* SaveToStream: callers are remote (3.44.4.8) */
	assert_int_equal(no_args(f, d, NDR_IWTDISK2_SAVETOSTREAM), E_ACCESSDENIED);

	/* mapped to a target: Assigned */
	char guid[CORE_GUID_LEN + 1];
	assert_int_equal(tc_create_target(f->tc, "t1", guid), 0);
	assert_int_equal(tc_map(f->tc, "t1", wtd, CORE_LUN_AUTO), 0);
	assert_int_equal(get_bool(f, d, NDR_IWTDISK_GET_ASSIGNED, &b), S_OK);
	assert_true(b);

	/* unknown index */
	uint32_t hr;
	assert_null(get_wt_disk(f, 99, &hr));
	assert_int_equal(hr, HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
}

/* Description, ResourceName (and CacheParent) wait in the object for Save. */
static void test_staging_and_save(void **state)
{
	struct ix *f = *state;
	uint32_t wtd = new_disk(f, "s.vhd", 8 * MIB);
	struct dcom_object *d = disk_object(f, wtd), *other = disk_object(f, wtd);
	const char *s;

	assert_int_equal(no_args(f, d, NDR_IWTDISK_SAVE), S_OK); /* nothing staged */
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_DESCRIPTION, "new words"), S_OK);
	assert_int_equal(put_string(f, d, NDR_IWTDISK2_PUT_RESOURCENAME, "res-1"), S_OK);
	assert_int_equal(get_string(f, d, NDR_IWTDISK_GET_DESCRIPTION, &s), S_OK);
	assert_string_equal(s, "new words");
	assert_int_equal(get_string(f, other, NDR_IWTDISK_GET_DESCRIPTION, &s), S_OK);
	assert_string_equal(s, "a disk");
	assert_string_equal(core_disk_by_wtd(f, f->tc->core, wtd)->description, "a disk");
	assert_int_equal(no_args(f, d, NDR_IWTDISK_SAVE), S_OK);
	struct core_disk *cd = core_disk_by_wtd(f, f->tc->core, wtd);
	assert_string_equal(cd->description, "new words");
	assert_string_equal(cd->resource_name, "res-1");
	assert_int_equal(get_string(f, other, NDR_IWTDISK_GET_DESCRIPTION, &s), S_OK);
	assert_string_equal(s, "new words");
	/* a NULL BSTR is the empty string */
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_DESCRIPTION, NULL), S_OK);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_SAVE), S_OK);
	assert_string_equal(core_disk_by_wtd(f, f->tc->core, wtd)->description, "");

	/* bad values are refused at once */
	char *long_text = talloc_zero_size(f, CORE_TEXT_MAX + 2);
	memset(long_text, 'y', CORE_TEXT_MAX + 1);
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_DESCRIPTION, long_text), E_INVALIDARG);
	assert_int_equal(put_string(f, d, NDR_IWTDISK2_PUT_RESOURCENAME, ""), E_INVALIDARG);
	assert_int_equal(put_string(f, d, NDR_IWTDISK2_PUT_RESOURCENAME, NULL), E_INVALIDARG);

	/* DevicePath: any spelling of the disk's own file is accepted; another
	 * file is not (a disk stays on its file) */
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_DEVICEPATH, "D:\\s.vhd"), S_OK);
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_DEVICEPATH, ix_path(f, "s.vhd")), S_OK);
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_DEVICEPATH, "D:\\t.vhd"), E_NOTIMPL);
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_DEVICEPATH, "t.vhd"), E_INVALIDARG);
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_DEVICEPATH, "C:\\t.vhd"), E_ACCESSDENIED);

	/* a deleted disk: its objects answer ERROR_FILE_NOT_FOUND */
	assert_int_equal(delete_wt_disk(f, wtd), S_OK);
	assert_int_equal(get_string(f, d, NDR_IWTDISK_GET_DESCRIPTION, &s),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(no_args(f, d, NDR_IWTDISK_SAVE), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_DESCRIPTION, "x"),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
}

static void test_enable(void **state)
{
	struct ix *f = *state;
	uint32_t wtd = new_disk(f, "e.vhd", 8 * MIB);
	struct dcom_object *d = disk_object(f, wtd);
	bool b;
	assert_int_equal(put_bool(f, d, NDR_IWTDISK2_PUT_ENABLE, false), S_OK);
	assert_false(core_disk_by_wtd(f, f->tc->core, wtd)->enabled); /* at once, no Save */
	assert_int_equal(get_bool(f, d, NDR_IWTDISK2_GET_ENABLE, &b), S_OK);
	assert_false(b);
	uint32_t u;
	assert_int_equal(get_u32(f, d, NDR_IWTDISK3_GET_RESOURCESTATE, &u), S_OK);
	assert_int_equal(u, 3); /* ClusterResourceOffline */
	/* a disabled LUN: GetLunStatus and mounting fail, snapshot storage puts
	 * are accepted without effect (3.43.4.19 note) */
	struct IWTDisk3_GetLunStatus *ls = disk_r(f, NDR_IWTDISK3_GETLUNSTATUS);
	assert_int_equal(disk_call(f, d, NDR_IWTDISK3_GETLUNSTATUS, ls), E_FAIL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_DVMOUNTDIRECT), E_FAIL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_DVDISMOUNT), E_FAIL);
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_SNAPSHOTSTORAGEPATH, "D:\\"), S_OK);
	/* a staged description is not committed by Enable */
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_DESCRIPTION, "later"), S_OK);
	assert_int_equal(put_bool(f, d, NDR_IWTDISK2_PUT_ENABLE, true), S_OK);
	struct core_disk *cd = core_disk_by_wtd(f, f->tc->core, wtd);
	assert_true(cd->enabled);
	assert_string_equal(cd->description, "a disk");
	assert_int_equal(no_args(f, d, NDR_IWTDISK_SAVE), S_OK);
	assert_string_equal(core_disk_by_wtd(f, f->tc->core, wtd)->description, "later");
}

/* GetVdsLunInfo: what the LUN shows in INQUIRY and VPD pages 0x80, 0x83. */
static void test_vds_lun_info(void **state)
{
	struct ix *f = *state;
	uint32_t wtd = new_disk(f, "v.vhd", 8 * MIB);
	struct dcom_object *d = disk_object(f, wtd);
	struct core_disk *cd = core_disk_by_wtd(f, f->tc->core, wtd);
	struct IWTDisk_GetVdsLunInfo *r = disk_r(f, NDR_IWTDISK_GETVDSLUNINFO);
	r->in.pVdsLunInfo = talloc_zero(r, struct VDS_LUN_INFORMATION);
	r->in.pVdsLunInfo->m_version = 77; /* what a client sends is replaced */
	assert_int_equal(disk_call(f, d, NDR_IWTDISK_GETVDSLUNINFO, r), S_OK);
	const struct VDS_LUN_INFORMATION *info = r->out.pVdsLunInfo;
	assert_int_equal(info->m_version, VER_VDS_LUN_INFORMATION);
	assert_int_equal(info->m_DeviceType, 0);
	assert_int_equal(info->m_BusType, VDSBusTypeScsi);
	/* INQUIRY's fixed-width fields, padded with spaces */
	assert_string_equal(info->m_szVendorId, "ISTMD   ");
	assert_string_equal(info->m_szProductId, "Virtual Disk    ");
	assert_string_equal(info->m_szProductRevision, "0001");
	assert_string_equal(info->m_szSerialNumber, cd->serial);
	assert_int_equal(info->m_deviceIdDescriptor.m_cIdentifiers, 2);
	const struct VDS_STORAGE_IDENTIFIER *id = info->m_deviceIdDescriptor.m_rgIdentifiers;
	assert_int_equal(id[0].m_CodeSet, VDSStorageIdCodeSetBinary);
	assert_int_equal(id[0].m_Type, VDSStorageIdTypeFCPHName);
	assert_int_equal(id[0].m_cbIdentifier, 16);
	uint8_t naa[16];
	iscsi_lun_naa_designator(cd->device_id, naa);
	assert_memory_equal(id[0].m_rgbIdentifier, naa, 16);
	assert_int_equal(id[0].m_rgbIdentifier[0] >> 4, 6);
	assert_int_equal(id[1].m_CodeSet, VDSStorageIdCodeSetBinary);
	assert_int_equal(id[1].m_Type, VDSStorageIdTypeVendorSpecific);
	assert_int_equal(id[1].m_cbIdentifier, 180);
	assert_string_equal((const char *)id[1].m_rgbIdentifier, "sapporo21");
	char host[150] = "";
	gethostname(host, sizeof(host) - 1);
	assert_string_equal((const char *)id[1].m_rgbIdentifier + 10, host);
	const uint8_t *lun = id[1].m_rgbIdentifier + 160;
	assert_int_equal(lun[0] | lun[1] << 8 | lun[2] << 16 | (uint32_t)lun[3] << 24, wtd);
	static const uint8_t zero[16];
	assert_memory_equal(id[1].m_rgbIdentifier + 164, zero, 16); /* SnapshotId */
	assert_int_equal(info->m_cInterconnects, 0);
	/* the whole structure survives NDR both ways */
	struct ndr_push *push = ndr_push_init_ctx(f);
	assert_true(NDR_ERR_CODE_IS_SUCCESS(ndr_push_IWTDisk_GetVdsLunInfo(push, NDR_OUT, r)));
}

/* The file behind a disk: IsAlive, AllocatedSize of a dynamic VHD. */
static void test_file_checks(void **state)
{
	struct ix *f = *state;
	uint32_t wtd = new_disk(f, "gone.vhd", 8 * MIB);
	struct dcom_object *d = disk_object(f, wtd);
	assert_int_equal(unlink(ix_path(f, "gone.vhd")), 0);
	assert_int_equal(no_args(f, d, NDR_IWTDISK2_ISALIVE),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(mkdir(ix_path(f, "gone.vhd"), 0755), 0);
	assert_int_equal(no_args(f, d, NDR_IWTDISK2_ISALIVE),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));

	/* a dynamic VHD: registered (not servable), its allocated size is its file's */
	int dirfd = open(f->tc->root, O_RDONLY | O_DIRECTORY);
	assert_true(dirfd >= 0);
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_create_dynamic(dirfd, "dyn.vhd", 1024 * MIB, NULL, reason), 0);
	close(dirfd);
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_ISVALIDWTDEVICE, "D:\\dyn.vhd"), S_OK);
	assert_int_equal(create_wt_disk(f, "D:\\dyn.vhd", &wtd), S_OK);
	d = disk_object(f, wtd);
	uint32_t u;
	int64_t i;
	assert_int_equal(get_u32(f, d, NDR_IWTDISK3_GET_VHDTYPE, &u), S_OK);
	assert_int_equal(u, DynamicVhd);
	assert_int_equal(get_i64(f, d, NDR_IWTDISK_GET_SIZE, &i), S_OK);
	assert_int_equal(i, 1024 * MIB);
	struct stat st;
	assert_int_equal(stat(ix_path(f, "dyn.vhd"), &st), 0);
	assert_int_equal(get_i64(f, d, NDR_IWTDISK3_GET_ALLOCATEDSIZE, &i), S_OK);
	assert_int_equal(i, st.st_blocks * 512);
	assert_true(i < 1024 * MIB);
	assert_int_equal(no_args(f, d, NDR_IWTDISK2_ISALIVE), S_OK);
}

/* A differencing VHD (CreateDiffWtFile): its parent, CacheParent. */
static void test_differencing(void **state)
{
	struct ix *f = *state;
	assert_int_equal(create_wt_file(f, "D:\\base.vhd", 16 * MIB, false), S_OK);
	struct ILocalDeviceMgr3_CreateDiffWtFile *c =
		ix_r(f, &idl_iface_ILocalDeviceMgr3, NDR_ILOCALDEVICEMGR3_CREATEDIFFWTFILE);
	c->in.FilePath = "D:\\child.vhd";
	c->in.ParentPath = "D:\\base.vhd";
	assert_int_equal(ix_call(f, f->devices, &idl_iface_ILocalDeviceMgr3,
				 NDR_ILOCALDEVICEMGR3_CREATEDIFFWTFILE, c),
			 S_OK);
	uint32_t wtd;
	assert_int_equal(create_wt_disk(f, "D:\\child.vhd", &wtd), S_OK);
	struct dcom_object *d = disk_object(f, wtd);
	uint32_t u;
	int64_t i;
	bool b;
	const char *s;
	assert_int_equal(get_u32(f, d, NDR_IWTDISK3_GET_VHDTYPE, &u), S_OK);
	assert_int_equal(u, DifferencingVhd);
	struct IWTDisk3_get_ParentPath *pp = disk_r(f, NDR_IWTDISK3_GET_PARENTPATH);
	assert_int_equal(disk_call(f, d, NDR_IWTDISK3_GET_PARENTPATH, pp), S_OK);
	assert_string_equal(*pp->out.ParentPath, "D:\\base.vhd");
	assert_int_equal(get_i64(f, d, NDR_IWTDISK_GET_SIZE, &i), S_OK);
	assert_int_equal(i, 16 * MIB);
	assert_int_equal(get_i64(f, d, NDR_IWTDISK3_GET_ALLOCATEDSIZE, &i), S_OK);
	assert_true(i > 0 && i < 16 * MIB);
	/* CacheParent: staged, then committed by Enable (3.44.4.2) or Save */
	assert_int_equal(put_bool(f, d, NDR_IWTDISK3_PUT_CACHEPARENT, true), S_OK);
	assert_int_equal(get_bool(f, d, NDR_IWTDISK3_GET_CACHEPARENT, &b), S_OK);
	assert_true(b);
	assert_false(core_disk_by_wtd(f, f->tc->core, wtd)->cache_parent);
	assert_int_equal(put_bool(f, d, NDR_IWTDISK2_PUT_ENABLE, true), S_OK);
	assert_true(core_disk_by_wtd(f, f->tc->core, wtd)->cache_parent);
	assert_int_equal(put_bool(f, d, NDR_IWTDISK3_PUT_CACHEPARENT, false), S_OK);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_SAVE), S_OK);
	assert_false(core_disk_by_wtd(f, f->tc->core, wtd)->cache_parent);
	/* no local mounts of a differencing VHD; no snapshots either */
	assert_int_equal(no_args(f, d, NDR_IWTDISK_DVMOUNTDIRECT),
			 HRESULT_FROM_WIN32(ERROR_INVALID_FUNCTION));
	assert_int_equal(no_args(f, d, NDR_IWTDISK_DVDISMOUNT),
			 HRESULT_FROM_WIN32(ERROR_INVALID_FUNCTION));
	assert_int_equal(get_string(f, d, NDR_IWTDISK_GET_SNAPSHOTSTORAGEPATH, &s), S_OK);
	assert_string_equal(s, "");
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_SNAPSHOTSTORAGEPATH, "D:\\"),
			 E_INVALIDARG);

	/* the parent must be a fixed VHD that exists */
	c->in.FilePath = "D:\\grandchild.vhd";
	c->in.ParentPath = "D:\\child.vhd";
	assert_int_equal(ix_call(f, f->devices, &idl_iface_ILocalDeviceMgr3,
				 NDR_ILOCALDEVICEMGR3_CREATEDIFFWTFILE, c),
			 HRESULT_FROM_WIN32(ERROR_UNSUPPORTED_TYPE));
	c->in.ParentPath = "D:\\none.vhd";
	assert_int_equal(ix_call(f, f->devices, &idl_iface_ILocalDeviceMgr3,
				 NDR_ILOCALDEVICEMGR3_CREATEDIFFWTFILE, c),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	tu_write_file(ix_path(f, "junk.vhd"), "junk", 4);
	c->in.ParentPath = "D:\\junk.vhd";
	assert_int_equal(ix_call(f, f->devices, &idl_iface_ILocalDeviceMgr3,
				 NDR_ILOCALDEVICEMGR3_CREATEDIFFWTFILE, c),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	c->in.ParentPath = NULL;
	assert_int_equal(ix_call(f, f->devices, &idl_iface_ILocalDeviceMgr3,
				 NDR_ILOCALDEVICEMGR3_CREATEDIFFWTFILE, c),
			 E_INVALIDARG);
	c->in.ParentPath = "C:\\base.vhd";
	assert_int_equal(ix_call(f, f->devices, &idl_iface_ILocalDeviceMgr3,
				 NDR_ILOCALDEVICEMGR3_CREATEDIFFWTFILE, c),
			 E_ACCESSDENIED);
	c->in.ParentPath = "D:\\base.vhd";
	c->in.FilePath = "D:\\";
	assert_int_equal(ix_call(f, f->devices, &idl_iface_ILocalDeviceMgr3,
				 NDR_ILOCALDEVICEMGR3_CREATEDIFFWTFILE, c),
			 E_INVALIDARG);
	c->in.FilePath = "D:\\child.vhd"; /* a disk uses it */
	assert_int_equal(ix_call(f, f->devices, &idl_iface_ILocalDeviceMgr3,
				 NDR_ILOCALDEVICEMGR3_CREATEDIFFWTFILE, c),
			 HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION));
	assert_false(tc_exists(f->tc, "grandchild.vhd"));
	/* the parent of a registered differencing disk stays as it is */
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_DELETEWTFILE, "D:\\base.vhd"),
			 HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION));
	assert_int_equal(create_wt_file(f, ix_path(f, "base.vhd"), 8 * MIB, false),
			 HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION));
	struct ILocalDeviceMgr_GrowWtFile *g =
		ix_r(f, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_GROWWTFILE);
	g->in.FilePath = "d:/base.vhd";
	g->in.hyAdditionalSize = MIB;
	assert_int_equal(ix_call(f, f->devices, &idl_iface_ILocalDeviceMgr,
				 NDR_ILOCALDEVICEMGR_GROWWTFILE, g),
			 HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION));
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_ISVALIDWTDEVICE, "D:\\child.vhd"), S_OK);
	/* once the child disk is gone, the parent is an ordinary file */
	assert_int_equal(delete_wt_disk(f, wtd), S_OK);
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_DELETEWTFILE, "D:\\base.vhd"), S_OK);
}

/* Snapshots on a root that cannot make them (the scratch directory's ext4:
 * docs/snapshots.md), local mounts: what istmd answers without them. */
#define VSS_E_VOLUME_NOT_SUPPORTED 0x8004230Cu
static void test_features(void **state)
{
	struct ix *f = *state;
	uint32_t wtd = new_disk(f, "f.vhd", 8 * MIB);
	struct dcom_object *d = disk_object(f, wtd);
	const char *s;
	int64_t i;
	uint32_t u;
	assert_int_equal(get_string(f, d, NDR_IWTDISK_GET_SNAPSHOTSTORAGEPATH, &s), S_OK);
	assert_string_equal(s, "");
	assert_int_equal(get_i64(f, d, NDR_IWTDISK_GET_SNAPSHOTSTORAGESIZE, &i), S_OK);
	assert_int_equal(i, 0);
	assert_int_equal(get_i64(f, d, NDR_IWTDISK_GET_SNAPSHOTSTORAGEUSEDSIZE, &i), S_OK);
	assert_int_equal(i, 0);
	assert_int_equal(put_string(f, d, NDR_IWTDISK_PUT_SNAPSHOTSTORAGEPATH, "D:\\"),
			 VSS_E_VOLUME_NOT_SUPPORTED);
	struct IWTDisk_put_SnapshotStorageSize *ss = disk_r(f, NDR_IWTDISK_PUT_SNAPSHOTSTORAGESIZE);
	ss->in.nSize = 100 * MIB; /* below <95>'s 320 MB */
	assert_int_equal(disk_call(f, d, NDR_IWTDISK_PUT_SNAPSHOTSTORAGESIZE, ss), E_INVALIDARG);
	ss->in.nSize = -1;
	assert_int_equal(disk_call(f, d, NDR_IWTDISK_PUT_SNAPSHOTSTORAGESIZE, ss),
			 VSS_E_VOLUME_NOT_SUPPORTED);
	assert_int_equal(get_u32(f, d, NDR_IWTDISK_GET_LMTYPE, &u), S_OK);
	assert_int_equal(u, DoNotMount);
	assert_int_equal(get_u32(f, d, NDR_IWTDISK_GET_LMSTATUS, &u), S_OK);
	assert_int_equal(u, DoNotMount);
	assert_int_equal(get_i64(f, d, NDR_IWTDISK_GET_LMTIMESTAMP, &i), S_OK);
	assert_int_equal(i, 0);
	assert_int_equal(get_string(f, d, NDR_IWTDISK_GET_LMCURRMOUNTDEVICEID, &s), S_OK);
	assert_string_equal(s, "");
	struct IWTDisk_get_LMSnapshotId *sid = disk_r(f, NDR_IWTDISK_GET_LMSNAPSHOTID);
	assert_int_equal(disk_call(f, d, NDR_IWTDISK_GET_LMSNAPSHOTID, sid), S_OK);
	assert_true(GUID_all_zero(sid->out.pLMSnapshotId));
	assert_int_equal(no_args(f, d, NDR_IWTDISK_DVMOUNTDIRECT), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_DVDISMOUNT), S_OK);
	struct IWTDisk_EnumLMMountPoints *mp = disk_r(f, NDR_IWTDISK_ENUMLMMOUNTPOINTS);
	assert_int_equal(disk_call(f, d, NDR_IWTDISK_ENUMLMMOUNTPOINTS, mp), S_OK);
	struct dcom_object *e = ix_object(f, *mp->out.ppEnumLMMountPoint,
					  &idl_iface_IEnumLMMountPoint, NULL);
	struct IEnumLMMountPoint_Next *n =
		ix_r(f, &idl_iface_IEnumLMMountPoint, NDR_IENUMLMMOUNTPOINT_NEXT);
	n->in.ulNumElements = 1;
	n->in.pElements = talloc_zero(n, struct MOUNT_POINT);
	assert_int_equal(ix_call(f, e, &idl_iface_IEnumLMMountPoint, NDR_IENUMLMMOUNTPOINT_NEXT, n),
			 S_FALSE);
	/* Windows' E_NOTIMPL ones (<96>-<101>) */
	assert_int_equal(no_args(f, d, NDR_IWTDISK_PUT_LMTYPE), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_GET_LMWTMANAGEMOUNTPOINT), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_PUT_LMWTMANAGEMOUNTPOINT), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_GET_LMMOUNTPOINT), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_PUT_LMMOUNTPOINT), E_NOTIMPL);
	assert_int_equal(no_args(f, d, NDR_IWTDISK_PUT_LMCURRMOUNTDEVICEID), E_NOTIMPL);
}

/* ---- sequence 4.6: enumerating ----------------------------------------------------------- */

static struct dcom_object *enum_call(struct ix *f, uint32_t opnum)
{
	struct IWTDiskMgr_EnumWTDisks *r = ix_r(f, &idl_iface_IWTDiskMgr4, opnum);
	assert_int_equal(ix_call(f, f->disks, &idl_iface_IWTDiskMgr4, opnum, r), S_OK);
	return ix_object(f, *r->out.ppEnumWTDisk, &idl_iface_IEnumWTDisk, NULL);
}

static uint32_t next_disk(struct ix *f, struct dcom_object *e, uint32_t num,
			  struct dcom_object **disk, uint32_t *returned)
{
	struct IEnumWTDisk_Next *r = ix_r(f, &idl_iface_IEnumWTDisk, NDR_IENUMWTDISK_NEXT);
	r->in.ulNumElements = num;
	r->in.pElements = talloc_zero(r, struct MInterfacePointer *);
	uint32_t hr = ix_call(f, e, &idl_iface_IEnumWTDisk, NDR_IENUMWTDISK_NEXT, r);
	*returned = *r->out.pNumElementsReturned;
	*disk = *r->out.pElements ? ix_object(f, *r->out.pElements, &idl_iface_IWTDisk, NULL) : NULL;
	return hr;
}

static void test_enum_sequence(void **state)
{
	struct ix *f = *state;
	uint32_t wtds[3] = { new_disk(f, "e1.vhd", 8 * MIB), new_disk(f, "e2.vhd", 8 * MIB),
			     new_disk(f, "e3.vhd", 8 * MIB) };
	struct dcom_object *e = enum_call(f, NDR_IWTDISKMGR_ENUMWTDISKS), *d;
	uint32_t n;
	assert_int_equal(next_disk(f, e, 0, &d, &n), S_OK); /* how many are left */
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(next_disk(f, e, 1, &d, &n), S_OK);
		assert_int_equal(n, 1);
		uint32_t wtd;
		const char *path;
		assert_int_equal(get_u32(f, d, NDR_IWTDISK_GET_WTD, &wtd), S_OK);
		assert_int_equal(wtd, wtds[i]);
		assert_int_equal(get_string(f, d, NDR_IWTDISK_GET_DEVICEPATH, &path), S_OK);
		assert_string_equal(path, talloc_asprintf(f, "D:\\e%d.vhd", i + 1));
	}
	/* the end: S_FALSE, a NULL element, none returned */
	assert_int_equal(next_disk(f, e, 1, &d, &n), S_FALSE);
	assert_null(d);
	assert_int_equal(n, 0);
	/* the snapshot does not change; a new enumeration sees a new disk */
	new_disk(f, "e4.vhd", 8 * MIB);
	assert_int_equal(next_disk(f, e, 0, &d, &n), S_FALSE);
	e = enum_call(f, NDR_IWTDISKMGR4_ENUMALLCLUSTERWTDISKS); /* no cluster: all of them */
	assert_int_equal(next_disk(f, e, 0, &d, &n), S_OK);
	assert_int_equal(n, 4);
}

static void test_same_volume(void **state)
{
	struct ix *f = *state;
	uint32_t a = new_disk(f, "v1.vhd", 8 * MIB);
	new_disk(f, "v2.vhd", 8 * MIB);
	struct IWTDiskMgr_EnumWTDisksOnSameVolume *r =
		ix_r(f, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_ENUMWTDISKSONSAMEVOLUME);
	r->in.nWTD = a;
	assert_int_equal(ix_call(f, f->disks, &idl_iface_IWTDiskMgr,
				 NDR_IWTDISKMGR_ENUMWTDISKSONSAMEVOLUME, r),
			 S_OK);
	struct dcom_object *e = ix_object(f, *r->out.ppEnumWTDisk, &idl_iface_IEnumWTDisk, NULL), *d;
	uint32_t n;
	assert_int_equal(next_disk(f, e, 0, &d, &n), S_OK);
	assert_int_equal(n, 2);
	r->in.nWTD = 77;
	assert_int_equal(ix_call(f, f->disks, &idl_iface_IWTDiskMgr,
				 NDR_IWTDISKMGR_ENUMWTDISKSONSAMEVOLUME, r),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));

	struct IWTDiskMgr_EnumWTDisksOnSameVolumeByPath *p =
		ix_r(f, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_ENUMWTDISKSONSAMEVOLUMEBYPATH);
	p->in.Path = "D:\\somewhere\\new.vhd"; /* need not exist */
	assert_int_equal(ix_call(f, f->disks, &idl_iface_IWTDiskMgr,
				 NDR_IWTDISKMGR_ENUMWTDISKSONSAMEVOLUMEBYPATH, p),
			 S_OK);
	e = ix_object(f, *p->out.ppEnumWTDisk, &idl_iface_IEnumWTDisk, NULL);
	assert_int_equal(next_disk(f, e, 0, &d, &n), S_OK);
	assert_int_equal(n, 2);
	p->in.Path = "E:\\";
	assert_int_equal(ix_call(f, f->disks, &idl_iface_IWTDiskMgr,
				 NDR_IWTDISKMGR_ENUMWTDISKSONSAMEVOLUMEBYPATH, p),
			 E_ACCESSDENIED);
	p->in.Path = "nowhere";
	assert_int_equal(ix_call(f, f->disks, &idl_iface_IWTDiskMgr,
				 NDR_IWTDISKMGR_ENUMWTDISKSONSAMEVOLUMEBYPATH, p),
			 E_INVALIDARG);
}

/* ---- sequence 4.8: deleting ------------------------------------------------------------- */

static void test_delete_sequence(void **state)
{
	struct ix *f = *state;
	uint32_t wtd = new_disk(f, "VirtualDisk1.vhd", 8 * MIB);
	struct dcom_object *d = disk_object(f, wtd);
	const char *path;
	assert_int_equal(get_string(f, d, NDR_IWTDISK_GET_DEVICEPATH, &path), S_OK);
	path = talloc_strdup(f, path);
	/* a file a disk uses cannot be deleted */
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_DELETEWTFILE, path),
			 HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION));
	assert_int_equal(delete_wt_disk(f, wtd), S_OK);
	assert_null(core_disk_by_wtd(f, f->tc->core, wtd));
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_DOESFILEEXIST, path), S_OK);
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_DELETEWTFILE, path), S_OK);
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_DOESFILEEXIST, path), E_FAIL);
	assert_false(tc_exists(f->tc, "VirtualDisk1.vhd"));
	/* an index nobody has: S_OK (3.46.4.4) */
	assert_int_equal(delete_wt_disk(f, wtd), S_OK);
	assert_int_equal(delete_wt_disk(f, 12345), S_OK);
	/* the index is never given again */
	assert_int_equal(new_disk(f, "next.vhd", 8 * MIB), wtd + 1);
}

/* An initiator logged in to a target that maps the disk: ERROR_DRIVE_LOCKED. */
static void test_delete_in_use(void **state)
{
	struct ix *f = *state;
	uint32_t wtd = new_disk(f, "busy.vhd", 8 * MIB);
	char guid[CORE_GUID_LEN + 1];
	assert_int_equal(tc_create_target(f->tc, "busy", guid), 0);
	assert_int_equal(tc_map(f->tc, "busy", wtd, CORE_LUN_AUTO), 0);
	struct core_target *t = core_target_by_name(f, f->tc->core, "busy");
	fake_backend_add_session(f->tc->fb, t->iqn, "iqn.1994-05.com.example:client", 7);
	assert_int_equal(delete_wt_disk(f, wtd), HRESULT_FROM_WIN32(ERROR_DRIVE_LOCKED));
	assert_non_null(core_disk_by_wtd(f, f->tc->core, wtd));
	/* the backend serves it: InUse */
	struct dcom_object *d = disk_object(f, wtd);
	uint32_t u;
	assert_int_equal(get_u32(f, d, NDR_IWTDISK_GET_STATUS, &u), S_OK);
	assert_int_equal(u, InUse);
	/* once the initiator is gone, it goes */
	f->tc->fb->n_sessions = 0;
	assert_int_equal(delete_wt_disk(f, wtd), S_OK);
	assert_int_equal(core_target_by_name(f, f->tc->core, "busy")->n_luns, 0);
}

/* ---- what needs a cluster, a stream or snapshots ----------------------------------------- */

static void test_other_methods(void **state)
{
	struct ix *f = *state;
	uint32_t wtd = new_disk(f, "o.vhd", 8 * MIB);
	const struct idl_interface *i4 = &idl_iface_IWTDiskMgr4;

	struct IWTDiskMgr2_CreateWTDiskNonPersistent *np =
		ix_r(f, i4, NDR_IWTDISKMGR2_CREATEWTDISKNONPERSISTENT);
	np->in.nWTD = UINT32_MAX;
	np->in.eDeviceType = WTDTypeFileBased;
	np->in.DevicePath = "D:\\np.vhd";
	np->in.Description = "np";
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR2_CREATEWTDISKNONPERSISTENT, np),
			 E_NOTIMPL);
	np->in.nWTD = wtd; /* an index in use */
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR2_CREATEWTDISKNONPERSISTENT, np),
			 HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS));
	np->in.nWTD = UINT32_MAX;
	np->in.DevicePath = "D:\\o.vhd"; /* a path in use */
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR2_CREATEWTDISKNONPERSISTENT, np),
			 HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS));
	np->in.DevicePath = "rel.vhd";
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR2_CREATEWTDISKNONPERSISTENT, np),
			 E_INVALIDARG);
	np->in.DevicePath = NULL;
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR2_CREATEWTDISKNONPERSISTENT, np),
			 E_POINTER);
	np->in.DevicePath = "D:\\np.vhd";
	np->in.eDeviceType = WTDTypeVolumeBased;
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR2_CREATEWTDISKNONPERSISTENT, np),
			 E_INVALIDARG);

	struct IWTDiskMgr2_CreateShadowWTDiskNonPersistent *snp =
		ix_r(f, i4, NDR_IWTDISKMGR2_CREATESHADOWWTDISKNONPERSISTENT);
	snp->in.nWTD = UINT32_MAX;
	snp->in.eDeviceType = WTDTypeFileBased;
	snp->in.DevicePath = "D:\\snp.vhd";
	snp->in.Description = "snp";
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR2_CREATESHADOWWTDISKNONPERSISTENT,
				 snp),
			 E_NOTIMPL);
	struct IWTDiskMgr_CreateShadowWTDisk *sh = ix_r(f, i4, NDR_IWTDISKMGR_CREATESHADOWWTDISK);
	sh->in.eDeviceType = WTDTypeFileBased;
	sh->in.DevicePath = "D:\\sh.vhd";
	sh->in.Description = "sh";
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR_CREATESHADOWWTDISK, sh), E_NOTIMPL);
	sh->in.Description = NULL;
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR_CREATESHADOWWTDISK, sh), E_POINTER);

	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR2_OPENWTDISK,
				 ix_r(f, i4, NDR_IWTDISKMGR2_OPENWTDISK)),
			 E_ACCESSDENIED);
	struct IWTDiskMgr2_CloseWTDisk *cl = ix_r(f, i4, NDR_IWTDISKMGR2_CLOSEWTDISK);
	cl->in.nWTD = 999;
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR2_CLOSEWTDISK, cl), S_OK);
	cl->in.nWTD = wtd;
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR2_CLOSEWTDISK, cl), E_NOTIMPL);
	assert_non_null(core_disk_by_wtd(f, f->tc->core, wtd));
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR3_CLUSTERNOTIFYWTDISKDELETION,
				 ix_r(f, i4, NDR_IWTDISKMGR3_CLUSTERNOTIFYWTDISKDELETION)),
			 E_NOTIMPL);
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR4_CLUSTERNOTIFYWTDISKDELETION2,
				 ix_r(f, i4, NDR_IWTDISKMGR4_CLUSTERNOTIFYWTDISKDELETION2)),
			 HRESULT_FROM_WIN32(ERROR_INVALID_OPERATION));
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR_DVMOUNTSELECTEDWTDISKSSNAPSHOTNOW,
				 ix_r(f, i4, NDR_IWTDISKMGR_DVMOUNTSELECTEDWTDISKSSNAPSHOTNOW)),
			 S_OK);
	assert_int_equal(ix_call(f, f->disks, i4, NDR_IWTDISKMGR_IMPORTWTDISK,
				 ix_r(f, i4, NDR_IWTDISKMGR_IMPORTWTDISK)),
			 E_NOTIMPL);
	/* none of them registered anything */
	struct core_disk **disks;
	size_t n;
	assert_int_equal(core_disk_list(f, f->tc->core, &disks, &n), 0);
	assert_int_equal(n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_sequence, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_create_errors, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_properties, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_staging_and_save, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_enable, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_vds_lun_info, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_file_checks, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_differencing, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_features, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_enum_sequence, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_same_volume, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_delete_sequence, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_delete_in_use, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_other_methods, ix_setup_no_backend, ix_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
