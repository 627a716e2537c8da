/* Virtual disks made through the MS-ISTM objects, served by a real tgtd and
 * read by libiscsi: a disk from CreateWtFile + CreateWTDisk, mapped to a
 * target through the core (IHost is not this test's), shows initiators
 * exactly its virtual size; the SCSI identity GetVdsLunInfo reports is the
 * LUN's (INQUIRY strings, VPD 0x80 serial, the VPD 0x83 NAA designator);
 * IWTDisk Status is InUse; GrowWtFile grows the LUN; DeleteWTDisk refuses
 * with ERROR_DRIVE_LOCKED while an initiator is logged in, then takes the
 * LUN away. Loopback only; tgtd is ours, stopped by PID; every loop device
 * over our files is detached at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "core_env.h"
#include "dcom/exporter.h"
#include "dcom/internal.h"
#include "dcom/objref.h"
#include "dcom_test.h"
#include "idl/ndr_ms_istm.h"
#include "iscsi_initiator.h"
#include "istm/istm.h"
#include "istmd/hresult.h"
#include "istmd/workpool.h"
#include "loop_scan.h"

#define MIB (1024 * 1024ull)
#define ALLOWED "iqn.2025-01.org.istmd.test:disks"

static struct core_env E;
static struct {
	struct dcom_test *t;
	struct istm_context *istm;
	struct dcom_object *devices, *disks;
	const char *iqn;
} I;

static uint32_t call(struct dcom_object *obj, const struct idl_interface *iface, uint32_t opnum,
		     void *r)
{
	dcom_test_prepare(iface, opnum, r);
	return dcom_test_call(I.t, obj, iface, opnum, r);
}

static struct dcom_object *object_of(const struct MInterfacePointer *mip)
{
	return dcom_test_object(E.mem, I.t->ex, mip, NULL, NULL);
}

static struct dcom_object *manager(const char *clsid)
{
	struct GUID g;
	assert_true(NT_STATUS_IS_OK(GUID_from_string(clsid, &g)));
	return dcom_exporter_find_clsid(I.t->ex, &g);
}

/* Loop devices whose backing file lies under our scratch directory. */
static unsigned loops_ours(void)
{
	return loops_backed_by(E.dir, true, false);
}

static int setup(void **state)
{
	ce_start(&E, TEST_WORK_DIR, "istm-disk-tgt", "");

	/* the ISTM objects on an exporter over the same loop, called in-process */
	I.t = talloc_zero(E.mem, struct dcom_test);
	I.t->mem = talloc_new(I.t);
	I.t->ev = E.ev;
	struct dcom_config config;
	dcom_config_defaults(&config);
	char *err = NULL;
	I.t->ex = dcom_exporter_new(I.t, E.ev, NULL, &config, DCERPC_AUTH_LEVEL_INTEGRITY, &err);
	assert_non_null(I.t->ex);
	struct istm_deps deps = { .ev = E.ev, .core = E.core, .storage = E.sp,
				  .pool = workpool_create(E.mem, E.ev, 2), .backend = E.be };
	I.istm = istm_start(E.mem, I.t->ex, &deps, &err);
	assert_non_null(I.istm);
	I.devices = manager("f1d3a46c-2e1b-4d84-97da-b3742ad67871");
	I.disks = manager("0144084b-e09e-4f45-a56b-dcdc9f379f5e");
	return 0;
}

static int teardown(void **state)
{
	TALLOC_FREE(I.istm);
	TALLOC_FREE(I.t);
	ce_stop(&E);
	return 0;
}

/* ---- the ISTM side ------------------------------------------------------------------ */

static uint32_t create_disk(const char *path, uint64_t size, uint32_t *wtd)
{
	const struct idl_interface *ld = &idl_iface_ILocalDeviceMgr;
	struct ILocalDeviceMgr_CreateWtFile *f =
		dcom_test_new_r(E.mem, ld, NDR_ILOCALDEVICEMGR_CREATEWTFILE);
	f->in.FilePath = path;
	f->in.hyFileSize = (int64_t)size;
	uint32_t hr = call(I.devices, ld, NDR_ILOCALDEVICEMGR_CREATEWTFILE, f);
	if (hr != S_OK)
		return hr;
	struct IWTDiskMgr_CreateWTDisk *c =
		dcom_test_new_r(E.mem, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_CREATEWTDISK);
	c->in.eDeviceType = WTDTypeFileBased;
	c->in.DevicePath = path;
	c->in.Description = "served by tgtd";
	hr = call(I.disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_CREATEWTDISK, c);
	*wtd = *c->out.pWTD;
	return hr;
}

static struct dcom_object *get_disk(uint32_t wtd)
{
	struct IWTDiskMgr_GetWTDisk *r =
		dcom_test_new_r(E.mem, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK);
	r->in.nWTD = wtd;
	assert_int_equal(call(I.disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK, r), S_OK);
	return object_of(*r->out.ppWTDisk);
}

static uint32_t delete_disk(uint32_t wtd)
{
	struct IWTDiskMgr_DeleteWTDisk *r =
		dcom_test_new_r(E.mem, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_DELETEWTDISK);
	r->in.nWTD = wtd;
	return call(I.disks, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_DELETEWTDISK, r);
}

/* ---- the initiator side ------------------------------------------------------------- */

static struct iscsi_context *login(void)
{
	char err[256];
	struct ini_opts o = { .initiator = ALLOWED };
	struct iscsi_context *iscsi = ini_login(E.tgtd.portal, I.iqn, &o, err, sizeof(err));
	if (iscsi == NULL)
		fail_msg("login: %s", err);
	return iscsi;
}

/* INQUIRY's data, unmarshalled; it lives as long as *TASK (scsi_free_scsi_task). */
static void *inquiry(struct iscsi_context *iscsi, int evpd, int page, struct scsi_task **task)
{
	*task = iscsi_inquiry_sync(iscsi, 1, evpd, page, 255);
	assert_non_null(*task);
	assert_int_equal((*task)->status, SCSI_STATUS_GOOD);
	void *data = scsi_datain_unmarshall(*task);
	assert_non_null(data);
	return data;
}

static void test_served(void **state)
{
	uint32_t wtd = 0;
	assert_int_equal(create_disk("D:\\served.vhd", 64 * MIB, &wtd), S_OK);
	I.iqn = ce_target(&E, "disks", ALLOWED, wtd); /* through the core */
	ce_reconcile(&E);
	struct dcom_object *disk = get_disk(wtd);
	const struct idl_interface *w3 = &idl_iface_IWTDisk3;

	/* the LUN's size is the virtual size */
	struct iscsi_context *iscsi = login();
	uint64_t bytes = 0;
	assert_int_equal(ini_capacity(iscsi, 1, &bytes), 0);
	assert_int_equal(bytes, 64 * MIB);
	struct IWTDisk_get_Size *size = dcom_test_new_r(E.mem, w3, NDR_IWTDISK_GET_SIZE);
	assert_int_equal(call(disk, w3, NDR_IWTDISK_GET_SIZE, size), S_OK);
	assert_int_equal(*size->out.pSize, (int64_t)bytes);
	struct IWTDisk_get_Status *st = dcom_test_new_r(E.mem, w3, NDR_IWTDISK_GET_STATUS);
	assert_int_equal(call(disk, w3, NDR_IWTDISK_GET_STATUS, st), S_OK);
	assert_int_equal(*st->out.pStatus, InUse);

	/* GetVdsLunInfo tells what the initiator sees */
	struct IWTDisk_GetVdsLunInfo *vi = dcom_test_new_r(E.mem, w3, NDR_IWTDISK_GETVDSLUNINFO);
	vi->in.pVdsLunInfo = talloc_zero(vi, struct VDS_LUN_INFORMATION);
	assert_int_equal(call(disk, w3, NDR_IWTDISK_GETVDSLUNINFO, vi), S_OK);
	const struct VDS_LUN_INFORMATION *info = vi->out.pVdsLunInfo;
	struct scsi_task *tasks[3];
	struct scsi_inquiry_standard *std = inquiry(iscsi, 0, 0, &tasks[0]);
	assert_string_equal(std->vendor_identification, info->m_szVendorId);
	assert_string_equal(std->product_identification, info->m_szProductId);
	assert_string_equal(std->product_revision_level, info->m_szProductRevision);
	assert_int_equal(std->device_type, info->m_DeviceType);
	assert_int_equal(std->cmdque, info->m_bCommandQueuing);
	struct scsi_inquiry_unit_serial_number *usn = inquiry(iscsi, 1, 0x80, &tasks[1]);
	/* tgt right-justifies the serial in its 36-byte field */
	assert_string_equal(usn->usn + strspn(usn->usn, " "), info->m_szSerialNumber);
	struct scsi_inquiry_device_identification *ids = inquiry(iscsi, 1, 0x83, &tasks[2]);
	bool found = false;
	for (struct scsi_inquiry_device_designator *d = ids->designators; d; d = d->next) {
		if (d->designator_type == SCSI_DESIGNATOR_TYPE_NAA && d->designator_length == 16) {
			assert_memory_equal(d->designator,
					    info->m_deviceIdDescriptor.m_rgIdentifiers[0].m_rgbIdentifier,
					    16);
			found = true;
		}
	}
	assert_true(found);
	for (int i = 0; i < 3; i++)
		scsi_free_scsi_task(tasks[i]);

	/* DeleteWTDisk while logged in: ERROR_DRIVE_LOCKED (3.46.4.4) */
	assert_int_equal(delete_disk(wtd), HRESULT_FROM_WIN32(ERROR_DRIVE_LOCKED));
	ini_logout(iscsi);

	/* GrowWtFile: the LUN follows */
	struct ILocalDeviceMgr_GrowWtFile *g =
		dcom_test_new_r(E.mem, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_GROWWTFILE);
	g->in.FilePath = "D:\\served.vhd";
	g->in.hyAdditionalSize = 16 * MIB;
	assert_int_equal(call(I.devices, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_GROWWTFILE, g),
			 S_OK);
	ce_reconcile(&E);
	iscsi = login();
	assert_int_equal(ini_capacity(iscsi, 1, &bytes), 0);
	assert_int_equal(bytes, 80 * MIB);
	ini_logout(iscsi);

	/* nobody logged in: it goes, with its LUN and its loop device */
	assert_int_equal(loops_ours(), 1);
	assert_int_equal(delete_disk(wtd), S_OK);
	ce_reconcile(&E);
	iscsi = login();
	unsigned count = 0;
	int has = 0;
	assert_int_equal(ini_report_luns(iscsi, &count, 1, &has), 0);
	assert_false(has);
	ini_logout(iscsi);
	assert_int_equal(loops_ours(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_served, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
