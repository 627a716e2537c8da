/* Local device management through in-process DCOM calls: ILocalDeviceMgr
 * 1-3 (MS-ISTM 3.30, 3.32, 3.33) and IDirectoryEnum (3.3): the path
 * questions of sequence 4.1, the VHD file methods with Windows' size rules
 * (<61>-<63>), the storage roots as drives and volumes, directory listings
 * confined to the roots, portals, and the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/vhd.h"
#include "backend_testutil.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "istmd/utf16.h"
#include "istm_fixture.h"

#define MIB (1024ll * 1024)
#define LD3 (&idl_iface_ILocalDeviceMgr3)

static uint32_t path_call(struct ix *f, uint32_t opnum, const char *path)
{
	struct ILocalDeviceMgr_DoesFileExist *r = ix_r(f, LD3, opnum);
	r->in.FilePath = path;
	return ix_call(f, f->devices, LD3, opnum, r);
}

static uint32_t create_file(struct ix *f, const char *path, int64_t size, bool sparse)
{
	struct ILocalDeviceMgr_CreateWtFile *r = ix_r(f, LD3, NDR_ILOCALDEVICEMGR_CREATEWTFILE);
	r->in.FilePath = path;
	r->in.hyFileSize = size;
	r->in.bSparse = sparse;
	return ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_CREATEWTFILE, r);
}

static uint32_t grow_file(struct ix *f, const char *path, int64_t add)
{
	struct ILocalDeviceMgr_GrowWtFile *r = ix_r(f, LD3, NDR_ILOCALDEVICEMGR_GROWWTFILE);
	r->in.FilePath = path;
	r->in.hyAdditionalSize = add;
	return ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_GROWWTFILE, r);
}

static struct stat stat_of(struct ix *f, const char *name)
{
	struct stat st;
	assert_int_equal(stat(ix_path(f, name), &st), 0);
	return st;
}

static uint32_t register_disk(struct ix *f, const char *path, uint32_t *wtd)
{
	struct IWTDiskMgr_CreateWTDisk *r =
		ix_r(f, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_CREATEWTDISK);
	r->in.eDeviceType = WTDTypeFileBased;
	r->in.DevicePath = path;
	r->in.Description = "";
	uint32_t hr = ix_call(f, f->disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_CREATEWTDISK, r);
	*wtd = *r->out.pWTD;
	return hr;
}

/* ---- the path questions of sequence 4.1 ----------------------------------------------- */

/* A valid fixed VHD whose footer's disk type is now 5 (a type we do not handle). */
static void write_unsupported_vhd(struct ix *f, const char *name)
{
	char *p = ix_path(f, name);
	int dirfd = open(f->tc->root, O_RDONLY | O_DIRECTORY);
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_create_fixed(dirfd, name, MIB, NULL, reason), 0);
	close(dirfd);
	int fd = open(p, O_RDWR);
	uint8_t footer[512];
	assert_int_equal(pread(fd, footer, 512, MIB), 512);
	footer[60] = footer[61] = footer[62] = 0;
	footer[63] = 5;
	uint32_t sum = 0;
	for (int i = 0; i < 512; i++)
		if (i < 64 || i >= 68)
			sum += footer[i];
	sum = ~sum;
	footer[64] = (uint8_t)(sum >> 24), footer[65] = (uint8_t)(sum >> 16);
	footer[66] = (uint8_t)(sum >> 8), footer[67] = (uint8_t)sum;
	assert_int_equal(pwrite(fd, footer, 512, MIB), 512);
	close(fd);
}

static void test_is_valid_wt_device(void **state)
{
	struct ix *f = *state;
	const uint32_t op = NDR_ILOCALDEVICEMGR_ISVALIDWTDEVICE;
	assert_int_equal(create_file(f, "D:\\ok.vhd", 8 * MIB, false), S_OK);
	assert_int_equal(path_call(f, op, "D:\\ok.vhd"), S_OK);
	assert_int_equal(path_call(f, op, ix_path(f, "ok.vhd")), S_OK);
	assert_int_equal(path_call(f, op, NULL), E_INVALIDARG);
	assert_int_equal(path_call(f, op, "ok.vhd"), E_INVALIDARG);
	assert_int_equal(path_call(f, op, "D:\\a|b.vhd"), E_INVALIDARG);
	assert_int_equal(path_call(f, op, "C:\\ok.vhd"), E_ACCESSDENIED);
	assert_int_equal(path_call(f, op, "\\\\server\\share\\ok.vhd"), E_ACCESSDENIED);
	/* 3.31.4.1: the root of a drive; a missing file, a missing directory */
	assert_int_equal(path_call(f, op, "D:\\"), HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND));
	assert_int_equal(path_call(f, op, "D:\\none.vhd"), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(path_call(f, op, "D:\\nodir\\none.vhd"),
			 HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND));
	assert_int_equal(path_call(f, op, "D:\\ok.vhd\\x.vhd"),
			 HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND));
	assert_int_equal(mkdir(ix_path(f, "dir"), 0755), 0);
	assert_int_equal(path_call(f, op, "D:\\dir"), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(mkfifo(ix_path(f, "fifo"), 0600), 0);
	assert_int_equal(path_call(f, op, "D:\\fifo"), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	/* not a VHD, a corrupt one, one of a kind we do not handle */
	tu_write_file(ix_path(f, "junk.vhd"), "junk", 4);
	assert_int_equal(path_call(f, op, "D:\\junk.vhd"), HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	write_unsupported_vhd(f, "type5.vhd");
	assert_int_equal(path_call(f, op, "D:\\type5.vhd"),
			 HRESULT_FROM_WIN32(ERROR_UNSUPPORTED_TYPE));
	/* symlinks: inside is followed, outside is refused */
	assert_int_equal(symlink("ok.vhd", ix_path(f, "in.vhd")), 0);
	assert_int_equal(path_call(f, op, "D:\\in.vhd"), S_OK);
	assert_int_equal(symlink("/etc/hostname", ix_path(f, "out.vhd")), 0);
	assert_int_equal(path_call(f, op, "D:\\out.vhd"), E_ACCESSDENIED);
}

static void test_is_path_valid(void **state)
{
	struct ix *f = *state;
	const uint32_t op = NDR_ILOCALDEVICEMGR_ISPATHVALID;
	assert_int_equal(path_call(f, op, "D:\\new.vhd"), S_OK);
	assert_int_equal(path_call(f, op, ix_path(f, "new.vhd")), S_OK);
	assert_int_equal(create_file(f, "D:\\old.vhd", 8 * MIB, false), S_OK);
	assert_int_equal(path_call(f, op, "D:\\old.vhd"), S_OK); /* unused: may be registered */
	/* malformed, a directory, the root: E_FAIL */
	assert_int_equal(path_call(f, op, NULL), E_FAIL);
	assert_int_equal(path_call(f, op, "new.vhd"), E_FAIL);
	assert_int_equal(path_call(f, op, "D:\\"), E_FAIL);
	assert_int_equal(mkdir(ix_path(f, "dir"), 0755), 0);
	assert_int_equal(path_call(f, op, "D:\\dir"), E_FAIL);
	assert_int_equal(mkfifo(ix_path(f, "fifo"), 0600), 0);
	assert_int_equal(path_call(f, op, "D:\\fifo"), E_FAIL);
	/* another drive: not a volume of ours */
	assert_int_equal(path_call(f, op, "C:\\new.vhd"), HRESULT_FROM_WIN32(ERROR_INVALID_DRIVE));
	assert_int_equal(path_call(f, op, "/etc/new.vhd"), HRESULT_FROM_WIN32(ERROR_INVALID_DRIVE));
	/* the directory must exist */
	assert_int_equal(path_call(f, op, "D:\\nodir\\new.vhd"),
			 HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND));
	assert_int_equal(path_call(f, op, "D:\\dir\\new.vhd"), S_OK);
	/* in use by a virtual disk */
	uint32_t wtd;
	assert_int_equal(register_disk(f, "D:\\old.vhd", &wtd), S_OK);
	assert_int_equal(path_call(f, op, "D:\\old.vhd"), HRESULT_FROM_WIN32(ERROR_DEVICE_IN_USE));
	/* a volume mounted inside the root (a nested volume) */
	char *mnt = ix_path(f, "mnt");
	assert_int_equal(mkdir(mnt, 0755), 0);
	if (mount("none", mnt, "tmpfs", 0, NULL) == 0) {
		assert_int_equal(path_call(f, op, "D:\\mnt\\new.vhd"),
				 HRESULT_FROM_WIN32(ERROR_INVALID_DRIVE));
		assert_int_equal(umount(mnt), 0);
	} else {
		print_message("mount: %s: nested volume case not run\n", strerror(errno));
	}
	assert_int_equal(path_call(f, op, "D:\\mnt\\new.vhd"), S_OK);
}

static void test_is_path_ntfs(void **state)
{
	struct ix *f = *state;
	const uint32_t op = NDR_ILOCALDEVICEMGR_ISPATHNTFS;
	/* the scratch root is on ext4, tmpfs or the like: it holds VHDs */
	assert_int_equal(path_call(f, op, "D:\\"), S_OK);
	assert_int_equal(path_call(f, op, "D:\\any\\thing.vhd"), S_OK);
	assert_int_equal(path_call(f, op, "C:\\"), S_FALSE);
	assert_int_equal(path_call(f, op, "relative"), E_INVALIDARG);
	assert_int_equal(path_call(f, op, NULL), E_INVALIDARG);
}

static void test_does_file_exist(void **state)
{
	struct ix *f = *state;
	const uint32_t op = NDR_ILOCALDEVICEMGR_DOESFILEEXIST;
	tu_write_file(ix_path(f, "file"), "x", 1);
	assert_int_equal(mkdir(ix_path(f, "dir"), 0755), 0);
	assert_int_equal(path_call(f, op, "D:\\file"), S_OK);
	assert_int_equal(path_call(f, op, ix_path(f, "file")), S_OK);
	/* exactly E_FAIL otherwise, E_INVALIDARG for a malformed path */
	assert_int_equal(path_call(f, op, "D:\\none"), E_FAIL);
	assert_int_equal(path_call(f, op, "D:\\dir"), E_FAIL);
	assert_int_equal(path_call(f, op, "D:\\"), E_FAIL);
	assert_int_equal(path_call(f, op, "D:\\file\\sub"), E_FAIL);
	assert_int_equal(path_call(f, op, "C:\\Windows\\win.ini"), E_FAIL);
	assert_int_equal(path_call(f, op, "/etc/passwd"), E_FAIL);
	assert_int_equal(path_call(f, op, "D:\\..\\file"), E_FAIL);
	assert_int_equal(symlink("/etc/passwd", ix_path(f, "out")), 0);
	assert_int_equal(path_call(f, op, "D:\\out"), E_FAIL);
	assert_int_equal(path_call(f, op, "file"), E_INVALIDARG);
	assert_int_equal(path_call(f, op, "D:\\fi*le"), E_INVALIDARG);
	assert_int_equal(path_call(f, op, NULL), E_INVALIDARG);
}

/* ---- VHD files ------------------------------------------------------------------------- */

static void test_create_wt_file(void **state)
{
	struct ix *f = *state;
	/* <61>: below 1 MB; <62>: whole MB, at least 8, at most the limit */
	assert_int_equal(create_file(f, "D:\\a.vhd", MIB - 1, false), E_INVALIDARG);
	assert_int_equal(create_file(f, "D:\\a.vhd", -8 * MIB, false), E_INVALIDARG);
	assert_int_equal(create_file(f, "D:\\a.vhd", MIB, false), HRESULT_FROM_WIN32(ERROR_BAD_LENGTH));
	assert_int_equal(create_file(f, "D:\\a.vhd", 8 * MIB - 1, false),
			 HRESULT_FROM_WIN32(ERROR_BAD_LENGTH));
	assert_int_equal(create_file(f, "D:\\a.vhd", 2041ll * 1024 * MIB, false),
			 HRESULT_FROM_WIN32(ERROR_BAD_LENGTH));
	assert_false(tc_exists(f->tc, "a.vhd"));
	assert_int_equal(create_file(f, "D:\\a.vhd", 8 * MIB + 12345, false), S_OK);
	struct stat st = stat_of(f, "a.vhd");
	assert_int_equal(st.st_size, 8 * MIB + 512);
	assert_true(st.st_blocks * 512 >= 8 * MIB); /* reserved (fallocate) */
	/* bSparse: a sparse fixed VHD */
	assert_int_equal(create_file(f, "D:\\s.vhd", 64 * MIB, true), S_OK);
	st = stat_of(f, "s.vhd");
	assert_int_equal(st.st_size, 64 * MIB + 512);
	assert_true(st.st_blocks * 512 < MIB);
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_ISVALIDWTDEVICE, "D:\\s.vhd"), S_OK);
	/* an existing file no disk uses is overwritten (3.30.4.6 note) */
	assert_int_equal(create_file(f, "D:\\a.vhd", 16 * MIB, false), S_OK);
	assert_int_equal(stat_of(f, "a.vhd").st_size, 16 * MIB + 512);
	/* ...but not one a disk uses */
	uint32_t wtd;
	assert_int_equal(register_disk(f, "D:\\a.vhd", &wtd), S_OK);
	assert_int_equal(create_file(f, "D:\\a.vhd", 8 * MIB, false),
			 HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION));
	assert_int_equal(stat_of(f, "a.vhd").st_size, 16 * MIB + 512);
	/* paths */
	assert_int_equal(mkdir(ix_path(f, "dir"), 0755), 0);
	assert_int_equal(create_file(f, "D:\\dir", 8 * MIB, false), E_INVALIDARG);
	assert_int_equal(create_file(f, "D:\\", 8 * MIB, false), E_INVALIDARG);
	assert_int_equal(create_file(f, NULL, 8 * MIB, false), E_INVALIDARG);
	assert_int_equal(create_file(f, "a.vhd", 8 * MIB, false), E_INVALIDARG);
	assert_int_equal(create_file(f, "C:\\a.vhd", 8 * MIB, false), E_ACCESSDENIED);
	assert_int_equal(create_file(f, "D:\\nodir\\a.vhd", 8 * MIB, false),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(symlink("/tmp", ix_path(f, "tmp")), 0);
	assert_int_equal(create_file(f, "D:\\tmp\\escape.vhd", 8 * MIB, false), E_ACCESSDENIED);
	assert_int_equal(access("/tmp/escape.vhd", F_OK), -1);
}

static void test_grow_wt_file(void **state)
{
	struct ix *f = *state;
	assert_int_equal(create_file(f, "D:\\g.vhd", 8 * MIB, false), S_OK);
	/* <63>: at least 1 MB, cut to whole MB */
	assert_int_equal(grow_file(f, "D:\\g.vhd", MIB - 1), E_INVALIDARG);
	assert_int_equal(grow_file(f, "D:\\g.vhd", 0), E_INVALIDARG);
	assert_int_equal(grow_file(f, "D:\\g.vhd", MIB + 100), S_OK);
	assert_int_equal(stat_of(f, "g.vhd").st_size, 9 * MIB + 512);
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_ISVALIDWTDEVICE, "D:\\g.vhd"), S_OK);
	/* a negative hyper is a huge unsigned one (3.30.4.7): beyond the limit */
	assert_int_equal(grow_file(f, "D:\\g.vhd", -MIB), HRESULT_FROM_WIN32(ERROR_BAD_LENGTH));
	assert_int_equal(grow_file(f, "D:\\g.vhd", 2040ll * 1024 * MIB),
			 HRESULT_FROM_WIN32(ERROR_BAD_LENGTH));
	/* through the disk when one uses the file: its size follows */
	uint32_t wtd;
	assert_int_equal(register_disk(f, "D:\\g.vhd", &wtd), S_OK);
	assert_int_equal(grow_file(f, "D:\\g.vhd", 7 * MIB), S_OK);
	assert_int_equal(core_disk_by_wtd(f, f->tc->core, wtd)->size, 16 * MIB);
	assert_int_equal(stat_of(f, "g.vhd").st_size, 16 * MIB + 512);
	/* a dynamic VHD grows too (issue 12); what cannot: a differencing VHD
	 * (3.30.4.7), not a VHD, nothing */
	int dirfd = open(f->tc->root, O_RDONLY | O_DIRECTORY);
	char reason[VHD_REASON_LEN];
	assert_int_equal(vhd_create_dynamic(dirfd, "dyn.vhd", 8 * MIB, NULL, reason), 0);
	assert_int_equal(grow_file(f, "D:\\dyn.vhd", MIB), S_OK);
	assert_int_equal(path_call(f, NDR_ILOCALDEVICEMGR_ISVALIDWTDEVICE, "D:\\dyn.vhd"), S_OK);
	int pfd = openat(dirfd, "g.vhd", O_RDONLY);
	struct vhd_parent ref = { pfd, "D:\\g.vhd", NULL };
	assert_int_equal(vhd_create_differencing(dirfd, "diff.vhd", &ref, NULL, reason), 0);
	close(pfd);
	close(dirfd);
	assert_int_equal(grow_file(f, "D:\\diff.vhd", MIB), E_INVALIDARG);
	tu_write_file(ix_path(f, "junk.vhd"), "junk", 4);
	assert_int_equal(grow_file(f, "D:\\junk.vhd", MIB), E_INVALIDARG);
	assert_int_equal(grow_file(f, "D:\\none.vhd", MIB), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(grow_file(f, NULL, MIB), E_INVALIDARG);
	assert_int_equal(grow_file(f, "g.vhd", MIB), E_INVALIDARG);
	assert_int_equal(grow_file(f, "C:\\g.vhd", MIB), E_ACCESSDENIED);
}

static void test_delete_wt_file(void **state)
{
	struct ix *f = *state;
	const uint32_t op = NDR_ILOCALDEVICEMGR_DELETEWTFILE;
	assert_int_equal(create_file(f, "D:\\d.vhd", 8 * MIB, false), S_OK);
	assert_int_equal(path_call(f, op, "D:\\d.vhd"), S_OK);
	assert_false(tc_exists(f->tc, "d.vhd"));
	assert_int_equal(path_call(f, op, "D:\\d.vhd"), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(mkdir(ix_path(f, "dir"), 0755), 0);
	assert_int_equal(path_call(f, op, "D:\\dir"), E_INVALIDARG);
	assert_true(tc_exists(f->tc, "dir"));
	assert_int_equal(path_call(f, op, NULL), E_INVALIDARG);
	assert_int_equal(path_call(f, op, "d.vhd"), E_INVALIDARG);
	assert_int_equal(path_call(f, op, "/etc/hostname"), E_ACCESSDENIED);
	/* a symlink goes, not what it names */
	assert_int_equal(symlink("/etc/hostname", ix_path(f, "link")), 0);
	assert_int_equal(path_call(f, op, "D:\\link"), S_OK);
	assert_int_equal(access("/etc/hostname", F_OK), 0);
}

/* ---- drives and volumes ---------------------------------------------------------------- */

static uint32_t drive_info(struct ix *f, const char *drive, struct DRIVE_INFO *out)
{
	struct ILocalDeviceMgr_GetDriveInfo *r = ix_r(f, LD3, NDR_ILOCALDEVICEMGR_GETDRIVEINFO);
	r->in.Drive = drive;
	r->in.pDriveInfo = talloc_zero(r, struct DRIVE_INFO);
	uint32_t hr = ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_GETDRIVEINFO, r);
	*out = *r->out.pDriveInfo;
	return hr;
}

static void test_drive_info(void **state)
{
	struct ix *f = *state;
	const struct storage_root *root = &f->tc->sp->roots[0];
	const char *spellings[] = { "D:\\", "D:", "D", "d:\\", "D:\\any\\file.vhd", root->volume_name,
				    f->tc->root };
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		struct DRIVE_INFO di;
		assert_int_equal(drive_info(f, spellings[i], &di), S_OK);
		assert_string_equal(WSTR_GET(f, di.szDrive), "D:\\");
		assert_true(di.hySize > 0);
		assert_true(di.hyFreeSpace > 0 && di.hyFreeSpace <= di.hySize);
		assert_true(di.bSupportSparseFiles);
	}
	struct DRIVE_INFO di;
	assert_int_equal(drive_info(f, "C:\\", &di), HRESULT_FROM_WIN32(ERROR_INVALID_DRIVE));
	assert_int_equal(drive_info(f, "E", &di), HRESULT_FROM_WIN32(ERROR_INVALID_DRIVE));
	assert_int_equal(drive_info(f, "", &di), E_INVALIDARG);
	assert_int_equal(drive_info(f, NULL, &di), E_INVALIDARG);
	assert_int_equal(drive_info(f, "?", &di), E_INVALIDARG);
}

static struct dcom_object *enum_of(struct ix *f, uint32_t opnum, const struct idl_interface *e)
{
	struct ILocalDeviceMgr_EnumVolumes *r = ix_r(f, LD3, opnum);
	assert_int_equal(ix_call(f, f->devices, LD3, opnum, r), S_OK);
	return ix_object(f, *r->out.ppEnumVolume, e, NULL);
}

static void check_volume(struct ix *f, const uint16_t *guid, const uint16_t *mp,
			 const uint16_t *label, const uint16_t *fs, int64_t size)
{
	const struct storage_root *root = &f->tc->sp->roots[0];
	assert_string_equal(wstr_get(f, guid, 64), root->volume_name);
	assert_string_equal(wstr_get(f, mp, 512), "D:\\");
	assert_string_equal(wstr_get(f, label, 64), "storage");
	assert_string_equal(wstr_get(f, fs, 64), root->fs_type);
	assert_true(size > 0);
}

static void test_volumes(void **state)
{
	struct ix *f = *state;
	struct dcom_object *e = enum_of(f, NDR_ILOCALDEVICEMGR_ENUMVOLUMES, &idl_iface_IEnumVolume);
	struct IEnumVolume_Next *n = ix_r(f, &idl_iface_IEnumVolume, NDR_IENUMVOLUME_NEXT);
	n->in.ulNumElements = 1;
	n->in.pElements = talloc_zero(n, struct VOLUME);
	assert_int_equal(ix_call(f, e, &idl_iface_IEnumVolume, NDR_IENUMVOLUME_NEXT, n), S_OK);
	struct VOLUME *v = n->out.pElements;
	check_volume(f, v->szGuid, v->szMountPoint, v->szLabel, v->szFileSystem, v->hySize);
	assert_true(v->bValidWTVolume);
	assert_int_equal(ix_call(f, e, &idl_iface_IEnumVolume, NDR_IENUMVOLUME_NEXT, n), S_FALSE);

	e = enum_of(f, NDR_ILOCALDEVICEMGR2_ENUMVOLUMES2, &idl_iface_IEnumVolume2);
	struct IEnumVolume2_Next *n2 = ix_r(f, &idl_iface_IEnumVolume2, NDR_IENUMVOLUME2_NEXT);
	n2->in.ulNumElements = 1;
	n2->in.pElements = talloc_zero(n2, struct VOLUME2);
	assert_int_equal(ix_call(f, e, &idl_iface_IEnumVolume2, NDR_IENUMVOLUME2_NEXT, n2), S_OK);
	struct VOLUME2 v2 = *n2->out.pElements;
	check_volume(f, v2.szGuid, v2.szMountPoint, v2.szLabel, v2.szFileSystem, v2.hySize);
	assert_true(v2.hyFreeSpace > 0 && v2.hyFreeSpace <= v2.hyTotalVolSize);
	assert_true(v2.bSupportSparseFiles);
	assert_true(v2.MaxFileSize > 0);
	assert_int_equal(v2.szResourceGroup[0], 0);

	/* GetVolumeInfo takes back what the enumeration gave: its name, its mount point */
	struct ILocalDeviceMgr2_GetVolumeInfo *g = ix_r(f, LD3, NDR_ILOCALDEVICEMGR2_GETVOLUMEINFO);
	g->in.pVolumeInfo = talloc_zero(g, struct VOLUME2);
	const char *back[] = { wstr_get(f, v2.szGuid, 64), wstr_get(f, v2.szMountPoint, 512),
			       "D:\\dir\\file.vhd" };
	for (size_t i = 0; i < 3; i++) {
		g->in.VolumePath = back[i];
		assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_GETVOLUMEINFO, g),
				 S_OK);
		assert_memory_equal(g->out.pVolumeInfo->szGuid, v2.szGuid, sizeof(v2.szGuid));
		assert_int_equal(g->out.pVolumeInfo->hyTotalVolSize, v2.hyTotalVolSize);
	}
	g->in.VolumePath = "C:\\";
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_GETVOLUMEINFO, g),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	g->in.VolumePath = "not a path";
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_GETVOLUMEINFO, g),
			 E_INVALIDARG);
}

/* ---- directories ----------------------------------------------------------------------- */

static uint32_t find(struct ix *f, struct dcom_object *de, const char *search,
		     struct DIRECTORY_DATA *out)
{
	uint32_t op = search ? NDR_IDIRECTORYENUM_FINDFIRST : NDR_IDIRECTORYENUM_FINDNEXT;
	struct IDirectoryEnum_FindFirst *r = ix_r(f, &idl_iface_IDirectoryEnum, op);
	struct DIRECTORY_DATA *in = talloc_zero(r, struct DIRECTORY_DATA);
	if (search) {
		r->in.bstrSearchPath = search;
		r->in.pDirectoryData = in;
	} else {
		((struct IDirectoryEnum_FindNext *)r)->in.pDirectoryData = in;
	}
	uint32_t hr = ix_call(f, de, &idl_iface_IDirectoryEnum, op, r);
	*out = search ? *r->out.pDirectoryData
		      : *((struct IDirectoryEnum_FindNext *)r)->out.pDirectoryData;
	return hr;
}

static void test_directory(void **state)
{
	struct ix *f = *state;
	struct ILocalDeviceMgr_EnumDirectory *r = ix_r(f, LD3, NDR_ILOCALDEVICEMGR_ENUMDIRECTORY);
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_ENUMDIRECTORY, r), S_OK);
	struct dcom_object *de = ix_object(f, *r->out.ppDirectoryEnum, &idl_iface_IDirectoryEnum, NULL);
	tu_write_file(ix_path(f, "b.vhd"), "x", 1);
	tu_write_file(ix_path(f, "a.txt"), "x", 1);
	tu_write_file(ix_path(f, ".istmd-tmp-123"), "x", 1);
	assert_int_equal(mkdir(ix_path(f, "sub"), 0755), 0);
	assert_int_equal(mkdir(ix_path(f, "empty"), 0755), 0);
	assert_int_equal(symlink("b.vhd", ix_path(f, "in.vhd")), 0);
	assert_int_equal(symlink("/etc", ix_path(f, "out")), 0);
	assert_int_equal(mkfifo(ix_path(f, "fifo"), 0600), 0);

	struct DIRECTORY_DATA d;
	/* FindNext before FindFirst */
	assert_int_equal(find(f, de, NULL, &d), HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE));
	/* the whole root, sorted; no ".", "..", unfinished files, FIFOs or escapes */
	static const struct {
		const char *name;
		enum Type type;
	} want[] = { { "a.txt", File }, { "b.vhd", File }, { "empty", Directory },
		     { "in.vhd", File }, { "sub", Directory } };
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(find(f, de, i == 0 ? "D:\\" : NULL, &d), S_OK);
		assert_string_equal(WSTR_GET(f, d.szFileName), want[i].name);
		assert_string_equal(WSTR_GET(f, d.szFullPath),
				    talloc_asprintf(f, "D:\\%s", want[i].name));
		assert_int_equal(d.eType, want[i].type);
	}
	assert_int_equal(find(f, de, NULL, &d), HRESULT_FROM_WIN32(ERROR_NO_MORE_FILES));
	/* wildcards, Windows style */
	assert_int_equal(find(f, de, "D:\\*.VHD", &d), S_OK);
	assert_string_equal(WSTR_GET(f, d.szFileName), "b.vhd");
	assert_int_equal(find(f, de, NULL, &d), S_OK);
	assert_string_equal(WSTR_GET(f, d.szFileName), "in.vhd");
	assert_int_equal(find(f, de, NULL, &d), HRESULT_FROM_WIN32(ERROR_NO_MORE_FILES));
	assert_int_equal(find(f, de, "D:\\?.txt", &d), S_OK);
	assert_string_equal(WSTR_GET(f, d.szFileName), "a.txt");
	assert_int_equal(find(f, de, "D:\\*.*", &d), S_OK);
	assert_string_equal(WSTR_GET(f, d.szFileName), "a.txt");
	assert_int_equal(find(f, de, f->tc->root, &d), S_OK); /* POSIX spelling */
	assert_string_equal(WSTR_GET(f, d.szFullPath), "D:\\a.txt");
	/* nothing there, no such directory, elsewhere, malformed */
	assert_int_equal(find(f, de, "D:\\empty", &d), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(find(f, de, "D:\\*.iso", &d), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(find(f, de, "D:\\none", &d), HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND));
	assert_int_equal(find(f, de, "D:\\b.vhd", &d), HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND));
	assert_int_equal(find(f, de, "D:\\out", &d), E_ACCESSDENIED);
	assert_int_equal(find(f, de, "C:\\", &d), E_ACCESSDENIED);
	assert_int_equal(find(f, de, "/etc", &d), E_ACCESSDENIED);
	assert_int_equal(find(f, de, "*.vhd", &d), E_INVALIDARG);
	assert_int_equal(find(f, de, "sub", &d), E_INVALIDARG);
	/* FindClose ends it */
	assert_int_equal(find(f, de, "D:\\sub\\..\\", &d), E_ACCESSDENIED);
	assert_int_equal(find(f, de, "D:\\", &d), S_OK);
	assert_int_equal(ix_call(f, de, &idl_iface_IDirectoryEnum, NDR_IDIRECTORYENUM_FINDCLOSE,
				 ix_r(f, &idl_iface_IDirectoryEnum, NDR_IDIRECTORYENUM_FINDCLOSE)),
			 S_OK);
	assert_int_equal(find(f, de, NULL, &d), HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE));
	assert_int_equal(ix_call(f, de, &idl_iface_IDirectoryEnum, NDR_IDIRECTORYENUM_GETDRIVESTRING,
				 ix_r(f, &idl_iface_IDirectoryEnum,
				      NDR_IDIRECTORYENUM_GETDRIVESTRING)),
			 E_NOTIMPL);
}

/* ---- portals --------------------------------------------------------------------------- */

static uint32_t portal_config(struct ix *f, const char *address, uint32_t port, bool use)
{
	struct ILocalDeviceMgr_SetPortalConfig *r =
		ix_r(f, LD3, NDR_ILOCALDEVICEMGR_SETPORTALCONFIG);
	r->in.IpAddress = address;
	r->in.nPort = port;
	r->in.bUse = use;
	return ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_SETPORTALCONFIG, r);
}

/* Every portal an enumerator returns. */
static struct PORTAL *all_portals(struct ix *f, struct MInterfacePointer **out, size_t *count)
{
	struct dcom_object *e = ix_object(f, *out, &idl_iface_IEnumPortal, NULL);
	struct IEnumPortal_Next *n = ix_r(f, &idl_iface_IEnumPortal, NDR_IENUMPORTAL_NEXT);
	struct PORTAL *list = talloc_zero_array(f, struct PORTAL, 0);
	*count = 0;
	n->in.ulNumElements = 1;
	n->in.pElements = talloc_zero(n, struct PORTAL);
	while (ix_call(f, e, &idl_iface_IEnumPortal, NDR_IENUMPORTAL_NEXT, n) == S_OK) {
		list = talloc_realloc(f, list, struct PORTAL, *count + 1);
		assert_non_null(list);
		list[(*count)++] = n->out.pElements[0];
		assert_true(*count < 1000);
	}
	return list;
}

static const struct PORTAL *portal_in(struct ix *f, const struct PORTAL *list, size_t count,
				      const char *address, uint32_t port)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(WSTR_GET(f, list[i].szIpAddress), address) == 0 && list[i].dwPort == port)
			return &list[i];
	return NULL;
}

/* The host's addresses (getifaddrs: 127.0.0.1 at least) and where the
 * backend listens; this fake backend cannot report its live listeners, so
 * what it is configured with stands for them. */
static void test_portals(void **state)
{
	struct ix *f = *state;
	static const struct iscsi_portal configured[] = { { "127.0.0.2", 3260 }, { "::1", 3261 } };
	f->tc->fb->base.portals = configured;
	f->tc->fb->base.n_portals = 2;

	uint32_t ops[] = { NDR_ILOCALDEVICEMGR_ENUMPORTALS, NDR_ILOCALDEVICEMGR2_ENUMLOCALPORTALS };
	struct GUID first = { 0 };
	for (int k = 0; k < 2; k++) {
		struct MInterfacePointer **out;
		if (k == 0) {
			struct ILocalDeviceMgr_EnumPortals *r = ix_r(f, LD3, ops[k]);
			assert_int_equal(ix_call(f, f->devices, LD3, ops[k], r), S_OK);
			out = r->out.ppEnumPortal;
		} else {
			struct ILocalDeviceMgr2_EnumLocalPortals *r = ix_r(f, LD3, ops[k]);
			r->in.ResourceGroup = "";
			assert_int_equal(ix_call(f, f->devices, LD3, ops[k], r), S_OK);
			out = r->out.ppEnumPortal;
		}
		size_t count;
		struct PORTAL *list = all_portals(f, out, &count);
		for (int i = 0; i < 2; i++) {
			const struct PORTAL *p = portal_in(f, list, count, configured[i].address,
							   configured[i].port);
			assert_non_null(p);
			assert_true(p->bListen && p->bValid && !p->bSecure);
			assert_false(GUID_all_zero(&p->Guid));
			if (i == 0 && k == 0)
				first = p->Guid;
			if (i == 0 && k == 1) /* the same GUID each time */
				assert_true(GUID_equal(&p->Guid, &first));
		}
		const struct PORTAL *lo = portal_in(f, list, count, "127.0.0.1", 3260);
		assert_non_null(lo); /* an interface's address, nobody listens there */
		assert_false(lo->bListen);
	}
	struct ILocalDeviceMgr_GetPortal *g = ix_r(f, LD3, NDR_ILOCALDEVICEMGR_GETPORTAL);
	g->in.IpAddress = "0:0::1"; /* any spelling of the address */
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_GETPORTAL, g), S_OK);
	assert_int_equal(g->out.pPortal->dwPort, 3261);
	assert_true(g->out.pPortal->bListen);
	g->in.IpAddress = "10.1.1.1";
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_GETPORTAL, g),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	g->in.IpAddress = NULL;
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_GETPORTAL, g),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));

	/* this backend has no run-time listeners (tgt's: e2e_portals) */
	assert_int_equal(portal_config(f, "127.0.0.2", 3262, true), E_NOTIMPL);
	assert_int_equal(portal_config(f, "127.0.0.2", 0, true), E_INVALIDARG);
	assert_int_equal(portal_config(f, "127.0.0.2", 65536, true), E_INVALIDARG);
	assert_int_equal(portal_config(f, "10.1.1.1", 3260, true),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(portal_config(f, "not an address", 3260, true),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	f->tc->fb->base.portals = NULL;
	f->tc->fb->base.n_portals = 0;
}

/* ---- the rest -------------------------------------------------------------------------- */

static void test_machine(void **state)
{
	struct ix *f = *state;
	/* no backend: the host's addresses, none listening */
	struct ILocalDeviceMgr_EnumPortals *ep = ix_r(f, LD3, NDR_ILOCALDEVICEMGR_ENUMPORTALS);
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_ENUMPORTALS, ep), S_OK);
	size_t n_portals;
	struct PORTAL *portals = all_portals(f, ep->out.ppEnumPortal, &n_portals);
	assert_non_null(portal_in(f, portals, n_portals, "127.0.0.1", 3260));
	for (size_t i = 0; i < n_portals; i++)
		assert_false(portals[i].bListen);
	struct dcom_object *e;

	/* physical disks: none, as Windows (<58>, <71>) */
	struct ILocalDeviceMgr_EnumDisks *ed = ix_r(f, LD3, NDR_ILOCALDEVICEMGR_ENUMDISKS);
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_ENUMDISKS, ed), S_OK);
	e = ix_object(f, *ed->out.ppEnumDisk, &idl_iface_IEnumDisk, NULL);
	struct IEnumDisk_Next *dn = ix_r(f, &idl_iface_IEnumDisk, NDR_IENUMDISK_NEXT);
	dn->in.ulNumElements = 1;
	dn->in.pElements = talloc_zero(dn, struct DISK);
	assert_int_equal(ix_call(f, e, &idl_iface_IEnumDisk, NDR_IENUMDISK_NEXT, dn), S_FALSE);
	struct ILocalDeviceMgr2_EnumDisks2 *ed2 = ix_r(f, LD3, NDR_ILOCALDEVICEMGR2_ENUMDISKS2);
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_ENUMDISKS2, ed2), S_OK);
	ix_object(f, *ed2->out.ppEnumDisk, &idl_iface_IEnumDisk2, NULL);

	struct ILocalDeviceMgr_IsDiskPartAvailable *dp =
		ix_r(f, LD3, NDR_ILOCALDEVICEMGR_ISDISKPARTAVAILABLE);
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_ISDISKPARTAVAILABLE, dp),
			 S_OK);
	assert_false(*dp->out.bAvail);
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_CREATEVOLUME,
				 ix_r(f, LD3, NDR_ILOCALDEVICEMGR_CREATEVOLUME)),
			 E_NOTIMPL);
	struct ILocalDeviceMgr_DeviceManagerRescan *rs =
		ix_r(f, LD3, NDR_ILOCALDEVICEMGR_DEVICEMANAGERRESCAN);
	rs->in.bSynchronous = 1;
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_DEVICEMANAGERRESCAN, rs),
			 S_OK);
	struct ILocalDeviceMgr_GetProcessors *gp = ix_r(f, LD3, NDR_ILOCALDEVICEMGR_GETPROCESSORS);
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR_GETPROCESSORS, gp), S_OK);
	cpu_set_t set;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_true(*gp->out.pProcessors != 0);
	for (unsigned cpu = 0; cpu < 32; cpu++)
		assert_int_equal((*gp->out.pProcessors >> cpu) & 1, CPU_ISSET(cpu, &set) ? 1 : 0);

	/* resource groups: no cluster */
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_ENUMRESOURCEGROUP,
				 ix_r(f, LD3, NDR_ILOCALDEVICEMGR2_ENUMRESOURCEGROUP)),
			 E_NOTIMPL);
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_ENUMLOCALRESOURCEGROUP,
				 ix_r(f, LD3, NDR_ILOCALDEVICEMGR2_ENUMLOCALRESOURCEGROUP)),
			 E_NOTIMPL);
	struct ILocalDeviceMgr2_GetResourceGroupGuid *gg =
		ix_r(f, LD3, NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPGUID);
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPGUID, gg),
			 E_INVALIDARG);
	gg->in.ResourceGroup = "group";
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPGUID, gg),
			 HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE));
	struct ILocalDeviceMgr2_GetResourceGroupFromPath *gf =
		ix_r(f, LD3, NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPFROMPATH);
	gf->in.FilePath = "D:\\x.vhd";
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPFROMPATH,
				 gf),
			 S_OK);
	assert_string_equal(*gf->out.pResourceGroup, "");
	gf->in.FilePath = "x.vhd";
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPFROMPATH,
				 gf),
			 E_INVALIDARG);
	struct ILocalDeviceMgr2_RenameResourceGroup *rg =
		ix_r(f, LD3, NDR_ILOCALDEVICEMGR2_RENAMERESOURCEGROUP);
	rg->in.ResourceGroup = "a";
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_RENAMERESOURCEGROUP, rg),
			 E_INVALIDARG);
	rg->in.NewResourceGroup = "b";
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_RENAMERESOURCEGROUP, rg),
			 HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE));
	struct ILocalDeviceMgr2_GetResourceGroupOwner *go =
		ix_r(f, LD3, NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPOWNER);
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPOWNER, go),
			 E_POINTER);
	go->in.ResourceGroup = "a";
	assert_int_equal(ix_call(f, f->devices, LD3, NDR_ILOCALDEVICEMGR2_GETRESOURCEGROUPOWNER, go),
			 HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_is_valid_wt_device, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_is_path_valid, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_is_path_ntfs, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_does_file_exist, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_create_wt_file, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_grow_wt_file, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_delete_wt_file, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_drive_info, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_volumes, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_directory, ix_setup_no_backend, ix_teardown),
		cmocka_unit_test_setup_teardown(test_portals, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_machine, ix_setup_no_backend, ix_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
