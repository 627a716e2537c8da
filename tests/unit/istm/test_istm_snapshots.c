/* ISnapshotMgr, ISnapshot, IEnumSnapshot and the snapshot answers of
 * IWTGeneral and IWTDisk, through in-process DCOM calls, with the storage
 * root on a loop-mounted XFS (reflink=1) image. Root only (77 otherwise). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "backend_testutil.h"
#include "core/snapshots.h"
#include "idl/ndr_istmd_ext.h"
#include "dcom/objref.h"
#include "istm/notify.h"
#include "istm/istm.h"
#include "istm_fixture.h"
#include "istmd/hresult.h"

#define MIB (1024ull * 1024ull)

static char mounted[4096];

/* An ISTM fixture whose storage root is a fresh XFS image. */
static struct ix *xfs_ix(void)
{
	if (mounted[0] != '\0') { /* a failed test before left its image */
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "umount -l '%s'", mounted);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot unmount %s\n", mounted);
		mounted[0] = '\0';
	}
	struct ix *x = ix_new(true);
	struct tc *t = x->tc;
	int st = 0;
	tu_run(t, &st,
	       "truncate -s 320M %s/x.img && mkfs.xfs -q -f -m reflink=1 %s/x.img >/dev/null 2>&1"
	       " && mount -o loop %s/x.img %s",
	       t->dir, t->dir, t->dir, t->root);
	if (st != 0) {
		ix_free(x);
		return NULL;
	}
	snprintf(mounted, sizeof(mounted), "%s", t->root);
	const char *roots[] = { t->root, NULL };
	char *err = NULL;
	struct storage_paths *sp = NULL;
	assert_int_equal(storage_paths_new(t, roots, NULL, &sp, &err), 0);
	t->sp = sp; /* the old one stays (the closing core used it) */
	t->opts.storage = sp;
	ix_restart(x);
	return x;
}

static void xfs_free(struct ix *x)
{
	ix_free(x);
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "umount -l '%s'", mounted);
	assert_int_equal(system(cmd), 0);
	mounted[0] = '\0';
}

static struct dcom_object *snap_mgr(struct ix *x)
{
	struct GUID g;
	assert_true(NT_STATUS_IS_OK(GUID_from_string("4e7645fa-1a95-416c-b38f-ad574a3c3e57", &g)));
	struct dcom_object *o = dcom_exporter_find_clsid(x->ex, &g);
	assert_non_null(o);
	return o;
}

#define MGR (&idl_iface_ISnapshotMgr)
#define SNAP (&idl_iface_ISnapshot)

/* ID in: zero for "make one", else the id to use; out: the id. */
static uint32_t prepare_id(struct ix *x, uint32_t wtd, struct GUID *id)
{
	struct ISnapshotMgr_PrepareCreateSnapshot *r =
		ix_r(x, MGR, NDR_ISNAPSHOTMGR_PREPARECREATESNAPSHOT);
	r->in.nWTD = wtd;
	r->in.pSnapshotId = talloc_memdup(r, id, sizeof(*id));
	uint32_t hr = ix_call(x, snap_mgr(x), MGR, NDR_ISNAPSHOTMGR_PREPARECREATESNAPSHOT, r);
	if (hr == S_OK)
		*id = *r->out.pSnapshotId;
	return hr;
}

static uint32_t prepare(struct ix *x, uint32_t wtd, struct GUID *id)
{
	memset(id, 0, sizeof(*id));
	return prepare_id(x, wtd, id);
}

static uint32_t by_id(struct ix *x, uint32_t opnum, const struct GUID *id)
{
	struct ISnapshotMgr_DoCreateSnapshot *r = ix_r(x, MGR, opnum); /* same shape */
	r->in.SnapshotId = *id;
	return ix_call(x, snap_mgr(x), MGR, opnum, r);
}

static uint32_t get_snapshot(struct ix *x, const struct GUID *id, struct dcom_object **obj)
{
	struct ISnapshotMgr_GetSnapshot *r = ix_r(x, MGR, NDR_ISNAPSHOTMGR_GETSNAPSHOT);
	r->in.SnapshotId = *id;
	uint32_t hr = ix_call(x, snap_mgr(x), MGR, NDR_ISNAPSHOTMGR_GETSNAPSHOT, r);
	if (hr == S_OK)
		*obj = ix_object(x, *r->out.ppSnapshot, SNAP, NULL);
	return hr;
}

static uint32_t u32_prop(struct ix *x, struct dcom_object *s, uint32_t opnum)
{
	struct ISnapshot_get_OrigWTD *r = ix_r(x, SNAP, opnum);
	assert_int_equal(ix_call(x, s, SNAP, opnum, r), S_OK);
	return *r->out.pWTD;
}

static void fill(const char *path, char c, size_t len)
{
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	char *b = malloc(len);
	memset(b, c, len);
	assert_int_equal(pwrite(fd, b, len, 0), (ssize_t)len);
	free(b);
	fsync(fd);
	close(fd);
}

static char first_byte(const char *path)
{
	int fd = open(path, O_RDONLY);
	char c = 0;
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, 0), 1);
	close(fd);
	return c;
}

static void test_three_phase_export_rollback(void **unused)
{
	struct ix *x = xfs_ix();
	if (x == NULL) {
		skip();
		return;
	}
	struct dcom_object *g = x->general;
	void *r0 = ix_r(x, &idl_iface_IWTGeneral, NDR_IWTGENERAL_ISSNAPSHOTSSUPPORTED);
	assert_int_equal(ix_call(x, g, &idl_iface_IWTGeneral, NDR_IWTGENERAL_ISSNAPSHOTSSUPPORTED,
				 r0),
			 S_OK);
	uint32_t wtd = ix_disk(x, "s.vhd", 8 * MIB);
	char *path = ix_path(x, "s.vhd");
	fill(path, 'A', 8 * MIB);

	struct GUID id, none = { 0 };
	assert_int_equal(prepare(x, 4242, &id), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(prepare(x, wtd, &id), S_OK);
	assert_false(GUID_all_zero(&id));
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT, &none),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT, &id), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOENDSNAPSHOT, &id), S_OK);
	fill(path, 'B', 1 * MIB);

	struct dcom_object *s = NULL;
	assert_int_equal(get_snapshot(x, &id, &s), S_OK);
	assert_int_equal(u32_prop(x, s, NDR_ISNAPSHOT_GET_ORIGWTD), wtd);
	assert_int_equal(u32_prop(x, s, NDR_ISNAPSHOT_GET_EXPORTEDWTD), CORE_NO_WTD);
	assert_int_equal(u32_prop(x, s, NDR_ISNAPSHOT_GET_STATUS), 0);
	struct ISnapshot_get_Persistent *pp = ix_r(x, SNAP, NDR_ISNAPSHOT_GET_PERSISTENT);
	assert_int_equal(ix_call(x, s, SNAP, NDR_ISNAPSHOT_GET_PERSISTENT, pp), S_OK);
	assert_true(*pp->out.pPersistent);
	struct ISnapshot_get_TimeStamp *ts = ix_r(x, SNAP, NDR_ISNAPSHOT_GET_TIMESTAMP);
	assert_int_equal(ix_call(x, s, SNAP, NDR_ISNAPSHOT_GET_TIMESTAMP, ts), S_OK);
	assert_true(*ts->out.pTimeStamp > 130000000000000000LL);
	struct ISnapshot_GetVdsLunInfo *li = ix_r(x, SNAP, NDR_ISNAPSHOT_GETVDSLUNINFO);
	li->in.pVdsLunInfo = talloc_zero(li, struct VDS_LUN_INFORMATION);
	assert_int_equal(ix_call(x, s, SNAP, NDR_ISNAPSHOT_GETVDSLUNINFO, li), E_FAIL);
	void *m = ix_r(x, SNAP, NDR_ISNAPSHOT_DVMOUNT);
	assert_int_equal(ix_call(x, s, SNAP, NDR_ISNAPSHOT_DVMOUNT, m),
			 HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
	void *pid = ix_r(x, SNAP, NDR_ISNAPSHOT_PUT_ID);
	assert_int_equal(ix_call(x, s, SNAP, NDR_ISNAPSHOT_PUT_ID, pid), E_NOTIMPL);

	/* export: a new disk reading A, the LUN information names the snapshot */
	struct ISnapshot_ExportAsWTDisk *ex = ix_r(x, SNAP, NDR_ISNAPSHOT_EXPORTASWTDISK);
	ex->in.pVdsLunInfo = talloc_zero(ex, struct VDS_LUN_INFORMATION);
	assert_int_equal(ix_call(x, s, SNAP, NDR_ISNAPSHOT_EXPORTASWTDISK, ex), S_OK);
	uint32_t exported = *ex->out.pWTD;
	assert_int_not_equal(exported, wtd);
	struct core_disk *ed = core_disk_by_wtd(x->mem, x->tc->core, exported);
	assert_non_null(ed);
	assert_int_equal(first_byte(ed->path), 'A');
	assert_int_equal(ex->out.pVdsLunInfo->m_deviceIdDescriptor.m_cIdentifiers, 2);
	const struct VDS_STORAGE_IDENTIFIER *vs =
		&ex->out.pVdsLunInfo->m_deviceIdDescriptor.m_rgIdentifiers[1];
	uint8_t want[16];
	memcpy(want, vs->m_rgbIdentifier + vs->m_cbIdentifier - 16, 16);
	assert_int_equal(want[0], (uint8_t)id.time_low);
	assert_int_equal(u32_prop(x, s, NDR_ISNAPSHOT_GET_EXPORTEDWTD), exported);
	assert_int_equal(u32_prop(x, s, NDR_ISNAPSHOT_GET_STATUS), CORE_SNAP_STATUS_EXPORTED);
	ex = ix_r(x, SNAP, NDR_ISNAPSHOT_EXPORTASWTDISK);
	ex->in.pVdsLunInfo = talloc_zero(ex, struct VDS_LUN_INFORMATION);
	assert_int_equal(ix_call(x, s, SNAP, NDR_ISNAPSHOT_EXPORTASWTDISK, ex), E_ABORT);
	li = ix_r(x, SNAP, NDR_ISNAPSHOT_GETVDSLUNINFO);
	li->in.pVdsLunInfo = talloc_zero(li, struct VDS_LUN_INFORMATION);
	assert_int_equal(ix_call(x, s, SNAP, NDR_ISNAPSHOT_GETVDSLUNINFO, li), S_OK);

	/* rollback: the disk reads A again */
	assert_int_equal(first_byte(path), 'B');
	void *rb = ix_r(x, SNAP, NDR_ISNAPSHOT_ROLLBACK);
	assert_int_equal(ix_call(x, s, SNAP, NDR_ISNAPSHOT_ROLLBACK, rb), S_OK);
	assert_int_equal(first_byte(path), 'A');
	void *ab = ix_r(x, SNAP, NDR_ISNAPSHOT_ABORTROLLBACK);
	assert_int_equal(ix_call(x, s, SNAP, NDR_ISNAPSHOT_ABORTROLLBACK, ab), S_OK);

	/* enumeration */
	struct dcom_object *e = ix_enum(x, snap_mgr(x), MGR, NDR_ISNAPSHOTMGR_ENUMSNAPSHOTS,
					&idl_iface_IEnumSnapshot);
	assert_int_equal(ix_left(x, e, &idl_iface_IEnumSnapshot), 1);

	/* delete: the snapshot and its exported disk go; unknown ids are S_OK */
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DELETESNAPSHOT, &id), S_OK);
	assert_null(core_disk_by_wtd(x->mem, x->tc->core, exported));
	assert_int_equal(get_snapshot(x, &id, &s), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DELETESNAPSHOT, &id), S_OK);
	struct ISnapshotMgr_ImportSnapshot *im = ix_r(x, MGR, NDR_ISNAPSHOTMGR_IMPORTSNAPSHOT);
	assert_int_equal(ix_call(x, snap_mgr(x), MGR, NDR_ISNAPSHOTMGR_IMPORTSNAPSHOT, im),
			 E_POINTER);
	xfs_free(x);
}

/* Two disks prepared together are taken as one set by one DoCreate; the
 * disks' snapshot storage is their own volume. */
static void test_set_and_storage(void **unused)
{
	struct ix *x = xfs_ix();
	if (x == NULL) {
		skip();
		return;
	}
	uint32_t a = ix_disk(x, "a.vhd", 4 * MIB), b = ix_disk(x, "b.vhd", 4 * MIB);
	struct GUID ia, ib;
	assert_int_equal(prepare(x, a, &ia), S_OK);
	assert_int_equal(prepare(x, b, &ib), S_OK);
	struct GUID again = ib;
	assert_int_equal(prepare_id(x, b, &again), E_INVALIDARG); /* the same id again */
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT, &ib), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT, &ia), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOENDSNAPSHOT, &ia), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOENDSNAPSHOT, &ib), S_OK);
	struct GUID_txt_buf ba, bb;
	struct core_snapshot *sa = core_snapshot_get(x->mem, x->tc->core, GUID_buf_string(&ia, &ba));
	struct core_snapshot *sb = core_snapshot_get(x->mem, x->tc->core, GUID_buf_string(&ib, &bb));
	assert_non_null(sa);
	assert_non_null(sb);
	assert_string_equal(sa->set_id, sb->set_id);

	struct dcom_object *d = NULL;
	struct IWTDiskMgr_GetWTDisk *gd = ix_r(x, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK);
	gd->in.nWTD = a;
	assert_int_equal(ix_call(x, x->disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK, gd),
			 S_OK);
	d = ix_object(x, *gd->out.ppWTDisk, &idl_iface_IWTDisk, NULL);
	struct IWTDisk_get_SnapshotStoragePath *sp =
		ix_r(x, &idl_iface_IWTDisk, NDR_IWTDISK_GET_SNAPSHOTSTORAGEPATH);
	assert_int_equal(ix_call(x, d, &idl_iface_IWTDisk, NDR_IWTDISK_GET_SNAPSHOTSTORAGEPATH, sp),
			 S_OK);
	assert_string_equal(*sp->out.pSnapshotStoragePath, "D:\\");
	struct IWTDisk_get_SnapshotStorageSize *ss =
		ix_r(x, &idl_iface_IWTDisk, NDR_IWTDISK_GET_SNAPSHOTSTORAGESIZE);
	assert_int_equal(ix_call(x, d, &idl_iface_IWTDisk, NDR_IWTDISK_GET_SNAPSHOTSTORAGESIZE, ss),
			 S_OK);
	assert_int_equal(*ss->out.pSize, -1);
	struct IWTDisk_get_SnapshotStorageUsedSize *us =
		ix_r(x, &idl_iface_IWTDisk, NDR_IWTDISK_GET_SNAPSHOTSTORAGEUSEDSIZE);
	assert_int_equal(ix_call(x, d, &idl_iface_IWTDisk, NDR_IWTDISK_GET_SNAPSHOTSTORAGEUSEDSIZE,
				 us),
			 S_OK);
	assert_true(*us->out.pSize >= 0);

	/* a weekly schedule on Friday: read back as set; WtCliPath is istmd's */
	const struct idl_interface *G = &idl_iface_IWTGeneral;
	struct IWTGeneral_DVSetSnapshotSchedule *ds = ix_r(x, G, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE);
	/* 2030-01-01 00:00 UTC, a Tuesday */
	ds->in.Schedule = (struct SNAPSHOT_SCHEDULE_SETTINGS){ .bEveryday = 0, .eDay = Friday,
							       .hyStartTime = 135379296000000000LL };
	assert_int_equal(ix_call(x, x->general, G, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE, ds), S_OK);
	struct IWTGeneral_DVGetSnapshotSchedule *gs = ix_r(x, G, NDR_IWTGENERAL_DVGETSNAPSHOTSCHEDULE);
	gs->in.pSchedule = talloc_zero(gs, struct SNAPSHOT_SCHEDULE_SETTINGS);
	assert_int_equal(ix_call(x, x->general, G, NDR_IWTGENERAL_DVGETSNAPSHOTSCHEDULE, gs), S_OK);
	assert_false(gs->out.pSchedule->bEveryday);
	assert_int_equal(gs->out.pSchedule->eDay, Friday);
	assert_int_equal(gs->out.pSchedule->hyStartTime, 135379296000000000LL + 3 * 864000000000LL);
	ix_restart(x);
	gs = ix_r(x, G, NDR_IWTGENERAL_DVGETSNAPSHOTSCHEDULE);
	gs->in.pSchedule = talloc_zero(gs, struct SNAPSHOT_SCHEDULE_SETTINGS);
	assert_int_equal(ix_call(x, x->general, G, NDR_IWTGENERAL_DVGETSNAPSHOTSCHEDULE, gs), S_OK);
	assert_int_equal(gs->out.pSchedule->eDay, Friday);
	struct IWTGeneral_get_WtCliPath *w = ix_r(x, G, NDR_IWTGENERAL_GET_WTCLIPATH);
	assert_int_equal(ix_call(x, x->general, G, NDR_IWTGENERAL_GET_WTCLIPATH, w), S_OK);
	assert_true(strlen(*w->out.pWtCliPath) > 0);
	ds = ix_r(x, G, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE);
	assert_int_equal(ix_call(x, x->general, G, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE, ds), S_OK);
	xfs_free(x);
}

#define VSS_E_VOLUME_NOT_SUPPORTED 0x8004230Cu

static char plain_mount[4096];

/* A disk of the IWTDisk object of WTD. */
static struct dcom_object *disk_obj(struct ix *x, uint32_t wtd)
{
	struct IWTDiskMgr_GetWTDisk *gd = ix_r(x, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK);
	gd->in.nWTD = wtd;
	assert_int_equal(ix_call(x, x->disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK, gd),
			 S_OK);
	return ix_object(x, *gd->out.ppWTDisk, &idl_iface_IWTDisk, NULL);
}

static void storage_of(struct ix *x, uint32_t wtd, const char **path, int64_t *size)
{
	struct dcom_object *d = disk_obj(x, wtd);
	struct IWTDisk_get_SnapshotStoragePath *sp =
		ix_r(x, &idl_iface_IWTDisk, NDR_IWTDISK_GET_SNAPSHOTSTORAGEPATH);
	assert_int_equal(ix_call(x, d, &idl_iface_IWTDisk, NDR_IWTDISK_GET_SNAPSHOTSTORAGEPATH, sp),
			 S_OK);
	*path = *sp->out.pSnapshotStoragePath;
	struct IWTDisk_get_SnapshotStorageSize *ss =
		ix_r(x, &idl_iface_IWTDisk, NDR_IWTDISK_GET_SNAPSHOTSTORAGESIZE);
	assert_int_equal(ix_call(x, d, &idl_iface_IWTDisk, NDR_IWTDISK_GET_SNAPSHOTSTORAGESIZE, ss),
			 S_OK);
	*size = *ss->out.pSize;
}

/* Two storage roots, XFS (reflink=1) and ext4: IsSnapshotsSupported and
 * each disk's snapshot storage tell the truth per volume; the ext4 disk is
 * refused with VSS_E_VOLUME_NOT_SUPPORTED (MS-ISTM 2.2.1: shadow copying
 * the volume is not supported), nothing is left behind, and a set over
 * both disks is refused as a whole. */
static void test_two_volumes(void **unused)
{
	struct ix *x = xfs_ix();
	if (x == NULL) {
		skip();
		return;
	}
	struct tc *t = x->tc;
	int st = 0;
	char *plain = talloc_asprintf(t, "%s/plain", t->dir);
	tu_run(t, &st,
	       "mkdir -p %s && truncate -s 64M %s/e.img && mkfs.ext4 -q -F %s/e.img >/dev/null 2>&1"
	       " && mount -o loop %s/e.img %s", plain, t->dir, t->dir, t->dir, plain);
	if (st != 0) {
		xfs_free(x);
		skip();
		return;
	}
	snprintf(plain_mount, sizeof(plain_mount), "%s", plain);
	const char *roots[] = { t->root, plain, NULL };
	char *err = NULL;
	struct storage_paths *sp = NULL;
	assert_int_equal(storage_paths_new(t, roots, NULL, &sp, &err), 0);
	t->sp = sp;
	t->opts.storage = sp;
	ix_restart(x);

	void *r0 = ix_r(x, &idl_iface_IWTGeneral, NDR_IWTGENERAL_ISSNAPSHOTSSUPPORTED);
	assert_int_equal(ix_call(x, x->general, &idl_iface_IWTGeneral,
				 NDR_IWTGENERAL_ISSNAPSHOTSSUPPORTED, r0),
			 S_OK);
	uint32_t a = ix_disk(x, "a.vhd", 4 * MIB);
	struct core_disk_spec spec = { .path = talloc_asprintf(t, "%s/e.vhd", plain),
				       .description = "e", .type = CORE_WTD_FILE,
				       .new_size = 4 * MIB, .new_type = CORE_VHD_FIXED,
				       .sparse = true };
	struct tevent_req *req = core_disk_create_send(t, t->core, &spec);
	tc_wait(t, req);
	uint32_t e = 0;
	assert_int_equal(core_disk_create_recv(req, t, &e, NULL), 0);
	talloc_free(req);

	const char *path = NULL;
	int64_t size = 0;
	storage_of(x, a, &path, &size);
	assert_string_equal(path, "D:\\");
	assert_int_equal(size, -1);
	storage_of(x, e, &path, &size);
	assert_string_equal(path, "");
	assert_int_equal(size, 0);

	struct GUID ia, ie;
	assert_int_equal(prepare(x, a, &ia), S_OK);
	assert_int_equal(prepare(x, e, &ie), VSS_E_VOLUME_NOT_SUPPORTED);
	/* the client gives the set up: the prepared snapshot is forgotten */
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DELETESNAPSHOT, &ia), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT, &ia),
			 HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	/* the core refuses the whole set before any clone */
	uint32_t both[2] = { a, e };
	req = core_snapshot_create_send(t, t->core, both, 2, NULL, NULL);
	tc_wait(t, req);
	assert_int_equal(core_snapshot_create_recv(req, t, NULL, NULL, NULL), -EOPNOTSUPP);
	talloc_free(req);
	struct core_snapshot **list = NULL;
	size_t n = 1;
	assert_int_equal(core_snapshot_list(t, t->core, CORE_NO_WTD, &list, &n), 0);
	assert_int_equal(n, 0);
	char *left = tu_run(t, &st, "find %s/.istmd-snapshots %s/.istmd-snapshots -type f "
			    "2>/dev/null | wc -l", t->root, plain);
	assert_int_equal(atoi(left), 0);
	/* the XFS disk alone still works */
	assert_int_equal(prepare(x, a, &ia), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT, &ia), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOENDSNAPSHOT, &ia), S_OK);
	assert_int_equal(core_snapshot_list(t, t->core, CORE_NO_WTD, &list, &n), 0);
	assert_int_equal(n, 1);
	ix_free(x);
	char *out = tu_run(NULL, &st, "umount -l '%s'; umount -l '%s'", plain_mount, mounted);
	talloc_free(out);
	plain_mount[0] = mounted[0] = '\0';
}

static uint32_t import_snapshot(struct ix *x, struct MInterfacePointer *mip)
{
	struct ISnapshotMgr_ImportSnapshot *r = ix_r(x, MGR, NDR_ISNAPSHOTMGR_IMPORTSNAPSHOT);
	r->in.pSnapshot = mip;
	return ix_call(x, snap_mgr(x), MGR, NDR_ISNAPSHOTMGR_IMPORTSNAPSHOT, r);
}

/* An ISnapshot OBJREF of a foreign exporter (OXID 7), one resolver binding. */
static struct MInterfacePointer *foreign_snapshot(TALLOC_CTX *mem, const char *binding,
						  const struct GUID *iid)
{
	size_t n = strlen(binding);
	uint16_t *arr = talloc_zero_array(mem, uint16_t, n + 5);
	arr[0] = 7; /* ncacn_ip_tcp */
	for (size_t i = 0; i < n; i++)
		arr[1 + i] = (uint16_t)binding[i];
	struct OBJREF o = { .signature = OBJREF_SIGNATURE, .flags = OBJREF_FLAG_STANDARD };
	o.iid = *iid;
	o.u_objref.u_standard.std = (struct STDOBJREF){ .cPublicRefs = 5, .oxid = 7, .oid = 9 };
	o.u_objref.u_standard.std.ipid.time_low = 9;
	o.u_objref.u_standard.saResAddr = (struct DUALSTRINGARRAY){
		.wNumEntries = (uint16_t)(n + 5), .wSecurityOffset = (uint16_t)(n + 3),
		.aStringArray = arr
	};
	struct MInterfacePointer *mip = NULL;
	assert_int_equal(dcom_objref_push(mem, &o, &mip), 0);
	return mip;
}

/* ImportSnapshot (MS-ISTM 3.38.4.7) in process: istmd's own ISnapshot
 * pointer of a registered snapshot is ERROR_ALREADY_EXISTS; once the
 * snapshot is deleted, ERROR_FILE_NOT_FOUND; once its file is back (a
 * restore from backup), S_OK and the snapshot is in the collection again,
 * with its id, disk and content, and survives a restart. Bad input: E_POINTER,
 * E_INVALIDARG (not an OBJREF, another interface, another object of istmd,
 * a client's object without [notify] settings), a client's object whose
 * resolver is closed: RPC_S_SERVER_UNAVAILABLE. */
static void test_import(void **unused)
{
	struct ix *x = xfs_ix();
	if (x == NULL) {
		skip();
		return;
	}
	struct tc *t = x->tc;
	uint32_t wtd = ix_disk(x, "i.vhd", 4 * MIB);
	char *path = ix_path(x, "i.vhd");
	fill(path, 'A', 4 * MIB);
	struct GUID id;
	assert_int_equal(prepare(x, wtd, &id), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT, &id), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOENDSNAPSHOT, &id), S_OK);
	fill(path, 'B', 4 * MIB);
	struct ISnapshotMgr_GetSnapshot *g = ix_r(x, MGR, NDR_ISNAPSHOTMGR_GETSNAPSHOT);
	g->in.SnapshotId = id;
	assert_int_equal(ix_call(x, snap_mgr(x), MGR, NDR_ISNAPSHOTMGR_GETSNAPSHOT, g), S_OK);
	struct MInterfacePointer *mip = *g->out.ppSnapshot;
	struct GUID_txt_buf buf;
	const char *text = GUID_buf_string(&id, &buf);
	struct core_snapshot *s = core_snapshot_get(t, t->core, text);
	assert_non_null(s);
	char *file = talloc_strdup(t, s->file);
	int st = 0;
	tu_run(t, &st, "cp --reflink=always %s %s/saved.bak", file, t->root);
	assert_int_equal(st, 0);

	assert_int_equal(import_snapshot(x, mip), HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS));
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DELETESNAPSHOT, &id), S_OK);
	assert_int_not_equal(access(file, F_OK), 0);
	assert_int_equal(import_snapshot(x, mip), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	/* the file restored from the backup: imported under its id */
	tu_run(t, &st, "mkdir -p $(dirname %s) && cp --reflink=always %s/saved.bak %s", file,
	       t->root, file);
	assert_int_equal(st, 0);
	/* its id is an existing (unregistered) snapshot's: a new one with it is
	 * refused (3.38.4.3: the GUID MUST NOT match an existing snapshot) */
	struct GUID again = id;
	assert_int_equal(prepare_id(x, wtd, &again), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT, &id), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOENDSNAPSHOT, &id), E_INVALIDARG);
	assert_int_equal(first_byte(file), 'A');
	assert_int_equal(import_snapshot(x, mip), S_OK);
	s = core_snapshot_get(t, t->core, text);
	assert_non_null(s);
	assert_int_equal(s->orig_wtd, wtd);
	assert_int_equal(first_byte(s->file), 'A');
	struct dcom_object *so = NULL;
	assert_int_equal(get_snapshot(x, &id, &so), S_OK);
	assert_int_equal(u32_prop(x, so, NDR_ISNAPSHOT_GET_ORIGWTD), wtd);
	ix_restart(x);
	assert_non_null(core_snapshot_get(x->tc, x->tc->core, text));
	void *rb = ix_r(x, SNAP, NDR_ISNAPSHOT_ROLLBACK);
	assert_int_equal(get_snapshot(x, &id, &so), S_OK);
	assert_int_equal(ix_call(x, so, SNAP, NDR_ISNAPSHOT_ROLLBACK, rb), S_OK);
	assert_int_equal(first_byte(path), 'A');

	/* bad input */
	assert_int_equal(import_snapshot(x, NULL), E_POINTER);
	struct MInterfacePointer junk = { .ulCntData = 4,
					  .abData = (uint8_t *)talloc_strdup(x->mem, "junk") };
	assert_int_equal(import_snapshot(x, &junk), E_INVALIDARG);
	const struct GUID *iid = &idl_iface_ISnapshot.table->syntax_id.uuid;
	assert_int_equal(import_snapshot(x, foreign_snapshot(x->mem, "127.0.32.1[9]",
					 &idl_iface_IHost.table->syntax_id.uuid)),
			 E_INVALIDARG);
	/* the IPID of istmd's enumerator: an object of istmd, no snapshot */
	struct ISnapshotMgr_EnumSnapshots *e = ix_r(x, MGR, NDR_ISNAPSHOTMGR_ENUMSNAPSHOTS);
	assert_int_equal(ix_call(x, snap_mgr(x), MGR, NDR_ISNAPSHOTMGR_ENUMSNAPSHOTS, e), S_OK);
	struct OBJREF eo;
	assert_int_equal(dcom_objref_pull(x->mem, *e->out.ppEnumSnapshot, &eo), 0);
	eo.iid = *iid;
	struct MInterfacePointer *bad = NULL;
	assert_int_equal(dcom_objref_push(x->mem, &eo, &bad), 0);
	assert_int_equal(import_snapshot(x, bad), E_INVALIDARG);
	/* a client's object: without [notify] settings istmd cannot call it */
	assert_int_equal(import_snapshot(x, foreign_snapshot(x->mem, "127.0.32.1[9]", iid)),
			 E_INVALIDARG);
	/* with them: a closed resolver port */
	int sock = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(sock >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.32.1", &a.sin_addr);
	assert_int_equal(bind(sock, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(sock, (struct sockaddr *)&a, &len), 0);
	close(sock);
	char *binding = talloc_asprintf(x->mem, "127.0.32.1[%u]", ntohs(a.sin_port));
	struct istm_notify_config c = { .user = "", .domain = "", .password = "",
					.timeout_ms = 500, .ping_period_s = 120,
					.max_sinks_per_account = 4, .queue = 4 };
	x->istm->notify_config = &c;
	assert_int_equal(import_snapshot(x, foreign_snapshot(x->mem, binding, iid)),
			 HRESULT_FROM_WIN32(1722u));
	x->istm->notify_config = NULL;
	struct core_snapshot **list = NULL;
	size_t n = 0;
	assert_int_equal(core_snapshot_list(x->mem, x->tc->core, CORE_NO_WTD, &list, &n), 0);
	assert_int_equal(n, 1);
	xfs_free(x);
}

#define VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED 0x80042317u

/* A disk with CORE_SNAPSHOTS_PER_DISK_MAX snapshots (rows added to the
 * database behind the core's back, then a restart): one more is
 * VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED (MS-ISTM 2.2.1), and nothing is
 * left of it. */
static void test_limit(void **unused)
{
	struct ix *x = xfs_ix();
	if (x == NULL) {
		skip();
		return;
	}
	uint32_t wtd = ix_disk(x, "l.vhd", 4 * MIB);
	struct GUID id;
	assert_int_equal(prepare(x, wtd, &id), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT, &id), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOENDSNAPSHOT, &id), S_OK);
	int st = 0;
	tu_run(x->tc, &st,
	       "sqlite3 %s/state/istmd.db \"INSERT INTO snapshots (id, set_id, orig_wtd,"
	       " disk_guid, root, timestamp, size) WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL"
	       " SELECT i + 1 FROM c WHERE i < %d) SELECT printf('00000000-0000-4000-8000-%%012d',"
	       " i), set_id, orig_wtd, disk_guid, root, timestamp, size FROM c, (SELECT * FROM"
	       " snapshots LIMIT 1)\"", x->tc->dir, CORE_SNAPSHOTS_PER_DISK_MAX - 1);
	if (st != 0) {
		xfs_free(x);
		skip();
		return;
	}
	ix_restart(x);
	struct core_snapshot **list = NULL;
	size_t n = 0;
	assert_int_equal(core_snapshot_list(x->mem, x->tc->core, wtd, &list, &n), 0);
	assert_int_equal(n, CORE_SNAPSHOTS_PER_DISK_MAX);
	assert_int_equal(prepare(x, wtd, &id), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT, &id), S_OK);
	assert_int_equal(by_id(x, NDR_ISNAPSHOTMGR_DOENDSNAPSHOT, &id),
			 VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED);
	char *left = tu_run(x->tc, &st, "find %s/.istmd-snapshots -type f | wc -l", x->tc->root);
	assert_int_equal(atoi(left), 1);
	xfs_free(x);
}

/* istmd's own IIstmdSnapshotSchedules on the IWTGeneral object: several
 * named schedules beside the MS-ISTM default one, their errors, restart. */
static uint32_t sched_list(struct ix *x, uint32_t *n, struct ISTMD_SNAPSHOT_SCHEDULE **out)
{
	const struct idl_interface *S = &idl_iface_IIstmdSnapshotSchedules;
	struct IIstmdSnapshotSchedules_ListSchedules *l =
		ix_r(x, S, NDR_IISTMDSNAPSHOTSCHEDULES_LISTSCHEDULES);
	uint32_t hr = ix_call(x, x->general, S, NDR_IISTMDSNAPSHOTSCHEDULES_LISTSCHEDULES, l);
	*n = *l->out.pCount;
	*out = *l->out.ppSchedules;
	return hr;
}

static uint32_t sched_set(struct ix *x, const struct ISTMD_SNAPSHOT_SCHEDULE *in)
{
	const struct idl_interface *S = &idl_iface_IIstmdSnapshotSchedules;
	struct IIstmdSnapshotSchedules_SetSchedule *r =
		ix_r(x, S, NDR_IISTMDSNAPSHOTSCHEDULES_SETSCHEDULE);
	r->in.pSchedule = talloc_memdup(r, in, sizeof(*in));
	return ix_call(x, x->general, S, NDR_IISTMDSNAPSHOTSCHEDULES_SETSCHEDULE, r);
}

static uint32_t sched_by_name(struct ix *x, uint32_t opnum, const char *name,
			      struct ISTMD_SNAPSHOT_SCHEDULE **out)
{
	const struct idl_interface *S = &idl_iface_IIstmdSnapshotSchedules;
	if (opnum == NDR_IISTMDSNAPSHOTSCHEDULES_GETSCHEDULE) {
		struct IIstmdSnapshotSchedules_GetSchedule *g = ix_r(x, S, opnum);
		g->in.Name = name;
		uint32_t hr = ix_call(x, x->general, S, opnum, g);
		*out = g->out.pSchedule;
		return hr;
	}
	struct IIstmdSnapshotSchedules_ClearSchedule *c = ix_r(x, S, opnum);
	c->in.Name = name;
	return ix_call(x, x->general, S, opnum, c);
}

static void test_named_schedules(void **unused)
{
	struct ix *x = xfs_ix();
	if (x == NULL) {
		skip();
		return;
	}
	uint32_t a = ix_disk(x, "a.vhd", 4 * MIB);
	const int64_t y2030 = 135379296000000000LL; /* 2030-01-01 00:00 UTC */
	uint32_t disks[] = { a }, nodisk[] = { 999 };
	struct ISTMD_SNAPSHOT_SCHEDULE h = { .Name = "hourly", .Start = y2030,
					     .IntervalSeconds = 3600, .Keep = 5,
					     .NumDisks = 1, .Disks = disks };
	assert_int_equal(sched_set(x, &h), S_OK);
	struct ISTMD_SNAPSHOT_SCHEDULE bad = h;
	bad.Name = "a b";
	assert_int_equal(sched_set(x, &bad), E_INVALIDARG);
	bad = h;
	bad.Name = NULL;
	assert_int_equal(sched_set(x, &bad), E_INVALIDARG);
	bad = h;
	bad.Keep = 0;
	assert_int_equal(sched_set(x, &bad), E_INVALIDARG);
	bad = h;
	bad.IntervalSeconds = 59; /* at least a minute through DCOM */
	assert_int_equal(sched_set(x, &bad), E_INVALIDARG);
	bad = h;
	bad.Start = 0; /* clearing is ClearSchedule's */
	assert_int_equal(sched_set(x, &bad), E_INVALIDARG);
	bad = h;
	bad.Days = 1;
	bad.IntervalSeconds = 2 * 86400;
	assert_int_equal(sched_set(x, &bad), E_INVALIDARG);
	bad = h;
	bad.Disks = nodisk;
	assert_int_equal(sched_set(x, &bad), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));

	struct ISTMD_SNAPSHOT_SCHEDULE *got = NULL;
	assert_int_equal(sched_by_name(x, NDR_IISTMDSNAPSHOTSCHEDULES_GETSCHEDULE, "hourly", &got),
			 S_OK);
	assert_string_equal(got->Name, "hourly");
	assert_int_equal(got->Start, y2030);
	assert_int_equal(got->IntervalSeconds, 3600);
	assert_int_equal(got->Keep, 5);
	assert_int_equal(got->NumDisks, 1);
	assert_int_equal(got->Disks[0], a);
	assert_int_equal(got->LastRun, 0);
	assert_int_equal(got->NextRun, y2030);
	assert_int_equal(sched_by_name(x, NDR_IISTMDSNAPSHOTSCHEDULES_GETSCHEDULE, "nope", &got),
			 HRESULT_FROM_WIN32(ERROR_NOT_FOUND));

	/* the MS-ISTM schedule is the one named default: all disks, keep 64 */
	const struct idl_interface *G = &idl_iface_IWTGeneral;
	struct IWTGeneral_DVSetSnapshotSchedule *ds = ix_r(x, G, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE);
	ds->in.Schedule = (struct SNAPSHOT_SCHEDULE_SETTINGS){ .bEveryday = 1,
							       .hyStartTime = y2030 };
	assert_int_equal(ix_call(x, x->general, G, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE, ds), S_OK);
	uint32_t n = 0;
	struct ISTMD_SNAPSHOT_SCHEDULE *all = NULL;
	assert_int_equal(sched_list(x, &n, &all), S_OK);
	assert_int_equal(n, 2);
	assert_string_equal(all[0].Name, "default");
	assert_int_equal(all[0].IntervalSeconds, 86400);
	assert_int_equal(all[0].Keep, CORE_SCHEDULE_KEEP_DEFAULT);
	assert_int_equal(all[0].NumDisks, 0);
	assert_string_equal(all[1].Name, "hourly");
	/* keep-N set by name survives a DVSetSnapshotSchedule of the default */
	struct ISTMD_SNAPSHOT_SCHEDULE d = { .Name = "default", .Start = y2030,
					     .IntervalSeconds = 86400, .Keep = 3,
					     .Days = (1u << 1) | (1u << 5) };
	assert_int_equal(sched_set(x, &d), S_OK);
	struct IWTGeneral_DVGetSnapshotSchedule *gs = ix_r(x, G, NDR_IWTGENERAL_DVGETSNAPSHOTSCHEDULE);
	gs->in.pSchedule = talloc_zero(gs, struct SNAPSHOT_SCHEDULE_SETTINGS);
	assert_int_equal(ix_call(x, x->general, G, NDR_IWTGENERAL_DVGETSNAPSHOTSCHEDULE, gs), S_OK);
	assert_false(gs->out.pSchedule->bEveryday); /* only Monday and Friday */
	ds = ix_r(x, G, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE);
	ds->in.Schedule = (struct SNAPSHOT_SCHEDULE_SETTINGS){ .bEveryday = 1,
							       .hyStartTime = y2030 };
	assert_int_equal(ix_call(x, x->general, G, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE, ds), S_OK);
	assert_int_equal(sched_by_name(x, NDR_IISTMDSNAPSHOTSCHEDULES_GETSCHEDULE, "default", &got),
			 S_OK);
	assert_int_equal(got->Keep, 3);
	assert_int_equal(got->Days, 0);

	ix_restart(x);
	assert_int_equal(sched_list(x, &n, &all), S_OK);
	assert_int_equal(n, 2);
	assert_int_equal(sched_by_name(x, NDR_IISTMDSNAPSHOTSCHEDULES_CLEARSCHEDULE, "hourly", &got),
			 S_OK);
	assert_int_equal(sched_by_name(x, NDR_IISTMDSNAPSHOTSCHEDULES_CLEARSCHEDULE, "hourly", &got),
			 HRESULT_FROM_WIN32(ERROR_NOT_FOUND));
	ds = ix_r(x, G, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE); /* hyStartTime 0: clears */
	assert_int_equal(ix_call(x, x->general, G, NDR_IWTGENERAL_DVSETSNAPSHOTSCHEDULE, ds), S_OK);
	assert_int_equal(sched_list(x, &n, &all), S_OK);
	assert_int_equal(n, 0);
	xfs_free(x);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("skipped: mounting a file system image needs root\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_phase_export_rollback),
		cmocka_unit_test(test_set_and_storage),
		cmocka_unit_test(test_two_volumes),
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_named_schedules),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (plain_mount[0] != '\0') {
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "umount -l '%s'", plain_mount);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot unmount %s\n", plain_mount);
	}
	if (mounted[0] != '\0') {
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "umount -l '%s'", mounted);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot unmount %s\n", mounted);
	}
	return rc;
}
