/* IWTDisk answers that need more than the core's record: the SCSI view of
 * the LUN (GetVdsLunInfo), the volume (GetDeviceVolumeGuid), and the file
 * itself (IsAlive, AllocatedSize: looked at on a worker thread). */
#include "istm/disk_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "backend/iscsi_backend.h"
#include "backend/storage_paths.h"
#include "core/snapshots.h"
#include "idl/ndr_ms_istm.h"
#include "istm/path_probe.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

/* MS-ISTM 2.2.4.21 as its bytes (Windows' in-memory layout, little-endian). */
#define WINTARGET_ID_SIGNATURE "sapporo21"
#define WINTARGET_ID_SERVER_LEN 150
#define WINTARGET_ID_SIZE (10 + WINTARGET_ID_SERVER_LEN + 4 + 16)

static uint8_t *wintarget_identifier(TALLOC_CTX *mem, uint32_t wtd)
{
	uint8_t *b = talloc_zero_array(mem, uint8_t, WINTARGET_ID_SIZE);
	if (b == NULL)
		return NULL;
	memcpy(b, WINTARGET_ID_SIGNATURE, sizeof(WINTARGET_ID_SIGNATURE));
	/* The host name as the system knows it; resolving an FQDN would block. */
	char host[WINTARGET_ID_SERVER_LEN];
	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	memcpy(b + 10, host, strlen(host));
	uint8_t *lun = b + 10 + WINTARGET_ID_SERVER_LEN;
	lun[0] = (uint8_t)wtd;
	lun[1] = (uint8_t)(wtd >> 8);
	lun[2] = (uint8_t)(wtd >> 16);
	lun[3] = (uint8_t)(wtd >> 24);
	/* SnapshotId: zero (3.43.4.38) */
	return b;
}

/* 3.43.4.38: the INQUIRY data and identifiers the LUN shows initiators
 * (vendor, product, revision, unit serial; the NAA designator of VPD page
 * 0x83 as the FC-PH name), then istmd's own identifier. */
void istm_disk_get_vds_lun_info(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_GetVdsLunInfo *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d != NULL)
		dcom_call_done(call, istm_disk_vds_lun_info(r, d, r->out.pVdsLunInfo));
}

uint32_t istm_disk_vds_lun_info(TALLOC_CTX *r, const struct core_disk *d,
				struct VDS_LUN_INFORMATION *info)
{
	struct VDS_STORAGE_IDENTIFIER *ids = talloc_zero_array(r, struct VDS_STORAGE_IDENTIFIER, 2);
	uint8_t *naa = talloc_zero_array(r, uint8_t, 16);
	uint8_t *wt = wintarget_identifier(r, d->wtd);
	if (ids == NULL || naa == NULL || wt == NULL)
		return E_OUTOFMEMORY;
	iscsi_lun_naa_designator(d->device_id, naa);
	ids[0] = (struct VDS_STORAGE_IDENTIFIER){
		.m_CodeSet = VDSStorageIdCodeSetBinary,
		.m_Type = VDSStorageIdTypeFCPHName,
		.m_cbIdentifier = 16,
		.m_rgbIdentifier = naa,
	};
	ids[1] = (struct VDS_STORAGE_IDENTIFIER){
		.m_CodeSet = VDSStorageIdCodeSetBinary,
		.m_Type = VDSStorageIdTypeVendorSpecific,
		.m_cbIdentifier = WINTARGET_ID_SIZE,
		.m_rgbIdentifier = wt,
	};
	*info = (struct VDS_LUN_INFORMATION){
		.m_version = VER_VDS_LUN_INFORMATION,
		.m_DeviceType = 0x00, /* SPC: direct-access block device */
		.m_DeviceTypeModifier = 0,
		.m_bCommandQueuing = 1, /* the target sets CmdQue in INQUIRY */
		.m_BusType = VDSBusTypeScsi,
		/* as INQUIRY carries them: fixed width, padded with spaces (SPC) */
		.m_szVendorId = talloc_asprintf(r, "%-8s", CORE_LUN_VENDOR),
		.m_szProductId = talloc_asprintf(r, "%-16s", CORE_LUN_PRODUCT),
		.m_szProductRevision = talloc_asprintf(r, "%-4s", CORE_LUN_REVISION),
		.m_szSerialNumber = d->serial,
		.m_deviceIdDescriptor = { .m_version = 1, .m_cIdentifiers = 2, .m_rgIdentifiers = ids },
		.m_cInterconnects = 0,
		.m_rgInterconnects = NULL,
	};
	bool ok = info->m_szVendorId && info->m_szProductId && info->m_szProductRevision;
	return ok ? S_OK : E_OUTOFMEMORY;
}

/* 3.43.4.39: the volume GUID of the storage root holding the VHD. */
void istm_disk_get_device_volume_guid(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_GetDeviceVolumeGuid *r = rv;
	struct istm_disk *o = object;
	struct core_disk *d = istm_disk_view(call, r, o);
	if (d == NULL)
		return;
	if (d->type != CORE_WTD_FILE) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	struct storage_path *p = NULL;
	if (storage_path_parse(r, o->ctx->storage, d->path, &p) < 0) {
		/* its storage root is no longer configured */
		dcom_call_done(call, HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND));
		return;
	}
	if (!NT_STATUS_IS_OK(GUID_from_string(p->root->volume_guid, r->out.pGuid))) {
		dcom_call_done(call, E_UNEXPECTED);
		return;
	}
	dcom_call_done(call, S_OK);
}

static struct core *o_core(void *object)
{
	return ((struct istm_disk *)object)->ctx->core;
}

/* 3.45.4.8: Reverting while a snapshot rollback runs (it is one rename:
 * no progress to report in between). */
void istm_disk_get_lun_status(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk3_GetLunStatus *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	if (!d->enabled) {
		dcom_call_done(call, E_FAIL);
		return;
	}
	*r->out.Status = (struct LUN_STATUS){
		.dwLun = d->wtd,
		.eStatus = core_snapshot_disk_reverting(o_core(object), d->wtd)
				   ? (enum DeviceStatus)CORE_DEVICE_REVERTING
				   : (enum DeviceStatus)d->status,
		.dwProgressPercent = 0,
		.dwCompletionError = 0,
	};
	dcom_call_done(call, S_OK);
}

/* ---- looking at the file ------------------------------------------------------------ */

struct file_look {
	struct dcom_call *call;
	void *r;
	void (*then)(struct file_look *l, const struct istm_path_probe *p);
};

static void file_looked(struct tevent_req *req)
{
	struct file_look *l = tevent_req_callback_data(req, struct file_look);
	struct istm_path_probe *p = NULL;
	int rc = istm_path_probe_recv(req, l, &p);
	if (rc < 0) {
		dcom_call_done(l->call, hresult_from_errno(rc));
		return;
	}
	l->then(l, p);
}

static void look_at_file(struct dcom_call *call, void *r, struct istm_disk *o,
			 const struct core_disk *d,
			 void (*then)(struct file_look *l, const struct istm_path_probe *p))
{
	struct file_look *l = talloc_zero(call, struct file_look);
	struct tevent_req *req = l ? istm_path_probe_send(l, o->ctx, d->path, 0, ISTM_PROBE_STAT)
				   : NULL;
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	l->call = call;
	l->r = r;
	l->then = then;
	tevent_req_set_callback(req, file_looked, l);
}

/* The HRESULT for a disk's file that is not there as a regular file. */
static uint32_t file_missing(const struct istm_path_probe *p)
{
	if (p->parse_rc < 0)
		return HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND); /* its root is gone */
	if (p->stat_rc == -ENOENT || (p->stat_rc == 0 && !S_ISREG(p->st.st_mode)))
		return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
	return hresult_from_errno(p->stat_rc);
}

static void alive_looked(struct file_look *l, const struct istm_path_probe *p)
{
	bool ok = p->parse_rc == 0 && p->stat_rc == 0 && S_ISREG(p->st.st_mode);
	dcom_call_done(l->call, ok ? S_OK : file_missing(p));
}

/* 3.44.4.7: Windows answers S_OK whatever (<104>); here S_OK when the VHD
 * file is there, else why not. */
void istm_disk_is_alive(struct dcom_call *call, void *object, void *rv)
{
	struct core_disk *d = istm_disk_view(call, rv, object);
	if (d != NULL)
		look_at_file(call, rv, object, d, alive_looked);
}

static void allocated_looked(struct file_look *l, const struct istm_path_probe *p)
{
	struct IWTDisk3_get_AllocatedSize *r = l->r;
	if (p->parse_rc < 0 || p->stat_rc < 0 || !S_ISREG(p->st.st_mode)) {
		dcom_call_done(l->call, file_missing(p));
		return;
	}
	*r->out.Size = (int64_t)p->st.st_blocks * 512;
	dcom_call_done(l->call, S_OK);
}

/* 3.45.4.3: a fixed VHD's is its size (3.1.1.4); dynamic and differencing
 * VHDs report what their file occupies on disk. */
void istm_disk_get_allocated_size(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk3_get_AllocatedSize *r = rv;
	struct core_disk *d = istm_disk_view(call, r, object);
	if (d == NULL)
		return;
	if (d->vhd_type == CORE_VHD_FIXED) {
		*r->out.Size = (int64_t)d->size;
		dcom_call_done(call, S_OK);
		return;
	}
	look_at_file(call, r, object, d, allocated_looked);
}
