#include "ctl/remote.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ctl/errors.h"
#include "ctl/parse.h"
#include "dcom/client.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "istmd/utf16.h"

/* Enumerations end well before this; a server that never says S_FALSE
 * must not keep us looping. */
#define MAX_ITEMS 100000

const char *ctl_quote(struct ctl_conn *c, const char *text)
{
	const char *q = talloc_asprintf(c, "'%s'", text ? text : "");
	return q ? q : "";
}

/* A typed [propget]: get_<PROP> of IFACE into *V. */
#define GETTER(fn, IFACE, PROP, OPNUM, field, ctype)                                          \
	static int fn(struct ctl_conn *c, struct dcom_iface *ip, const char *subject, ctype *v) \
	{                                                                                     \
		struct IFACE##_get_##PROP r = { 0 };                                          \
		int ret = ctl_call(c, ip, &idl_iface_##IFACE, OPNUM, &r, #PROP, subject, NULL); \
		if (ret == 0)                                                                 \
			*v = *r.out.field;                                                    \
		return ret;                                                                   \
	}

GETTER(host_name, IHost, Name, NDR_IHOST_GET_NAME, pName, const char *)
GETTER(host_iqn, IHost, TargetIQN, NDR_IHOST_GET_TARGETIQN, pTargetIQN, const char *)
GETTER(host_guid, IHost, Guid, NDR_IHOST_GET_GUID, pGuid, struct GUID)
GETTER(host_description, IHost, Description, NDR_IHOST_GET_DESCRIPTION, pDescription,
       const char *)
GETTER(host_enable, IHost, Enable, NDR_IHOST_GET_ENABLE, pEnable, uint8_t)
GETTER(host_status, IHost, Status, NDR_IHOST_GET_STATUS, pStatus, enum HostStatus)
GETTER(host_last_login, IHost, LastLogIn, NDR_IHOST_GET_LASTLOGIN, pTimeStamp, int64_t)
GETTER(host_chap, IHost, EnableCHAP, NDR_IHOST_GET_ENABLECHAP, pEnable, uint8_t)
GETTER(host_chap_user, IHost, CHAPUserName, NDR_IHOST_GET_CHAPUSERNAME, pUserName, const char *)
GETTER(host_rchap, IHost, EnableReverseCHAP, NDR_IHOST_GET_ENABLEREVERSECHAP, pEnable, uint8_t)
GETTER(host_rchap_user, IHost, ReverseCHAPUserName, NDR_IHOST_GET_REVERSECHAPUSERNAME, pUserName,
       const char *)
GETTER(host_mrdsl, IHost, TargetMaxRecvDataSegmentLength,
       NDR_IHOST_GET_TARGETMAXRECVDATASEGMENTLENGTH, pLength, uint32_t)
GETTER(host_fbl, IHost, TargetFirstBurstLength, NDR_IHOST_GET_TARGETFIRSTBURSTLENGTH, pLength,
       uint32_t)
GETTER(host_mbl, IHost, TargetMaxBurstLength, NDR_IHOST_GET_TARGETMAXBURSTLENGTH, pLength,
       uint32_t)
GETTER(host_nrb, IHost, NumRecvBuffers, NDR_IHOST_GET_NUMRECVBUFFERS, pNumBuffers, uint32_t)
GETTER(host_idle, IHost, EnforceIdleTimeoutDetection, NDR_IHOST_GET_ENFORCEIDLETIMEOUTDETECTION,
       pEnable, uint8_t)

GETTER(disk_wtd, IWTDisk, WTD, NDR_IWTDISK_GET_WTD, pWTD, uint32_t)
GETTER(disk_guid, IWTDisk, Guid, NDR_IWTDISK_GET_GUID, pGuid, struct GUID)
GETTER(disk_serial, IWTDisk, SerialNumber, NDR_IWTDISK_GET_SERIALNUMBER, pSerialNumber,
       const char *)
GETTER(disk_path, IWTDisk, DevicePath, NDR_IWTDISK_GET_DEVICEPATH, pDevicePath, const char *)
GETTER(disk_description, IWTDisk, Description, NDR_IWTDISK_GET_DESCRIPTION, pDescription,
       const char *)
GETTER(disk_size, IWTDisk, Size, NDR_IWTDISK_GET_SIZE, pSize, int64_t)
GETTER(disk_status, IWTDisk, Status, NDR_IWTDISK_GET_STATUS, pStatus, enum DeviceStatus)
GETTER(disk_assigned, IWTDisk, Assigned, NDR_IWTDISK_GET_ASSIGNED, pAssigned, uint8_t)
GETTER(disk_enable, IWTDisk2, Enable, NDR_IWTDISK2_GET_ENABLE, pEnable, uint8_t)
GETTER(disk_vhd_type, IWTDisk3, VhdType, NDR_IWTDISK3_GET_VHDTYPE, Type, enum VhdType)
GETTER(disk_parent, IWTDisk3, ParentPath, NDR_IWTDISK3_GET_PARENTPATH, ParentPath, const char *)

static const char *guid_text(struct ctl_conn *c, const struct GUID *g)
{
	return GUID_string(c, g);
}

int ctl_target_open(struct ctl_conn *c, const char *name, struct dcom_iface **host)
{
	struct dcom_iface *mgr;
	int ret = ctl_manager(c, CTL_HOST_MGR, &mgr);
	if (ret != 0)
		return ret;
	struct IHostMgr_GetHost r = { .in.HostName = name };
	uint32_t hr;
	ret = ctl_call(c, mgr, &idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOST, &r, "GetHost",
		       ctl_quote(c, name), &hr);
	if (ret != 0)
		return ret;
	if (hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) && ctl_is_iscsi_name(name)) {
		struct IHostMgr_GetHostByTargetIQN q = { .in.TargetIQN = name };
		ret = ctl_call(c, mgr, &idl_iface_IHostMgr, NDR_IHOSTMGR_GETHOSTBYTARGETIQN, &q,
			       "GetHostByTargetIQN", ctl_quote(c, name), NULL);
		return ret != 0 ? ret :
				  ctl_unmarshal(c, *q.out.ppHost, "GetHostByTargetIQN", host);
	}
	if (HR_FAILED(hr))
		return ctl_fail(c, "GetHost", ctl_quote(c, name), hr);
	return ctl_unmarshal(c, *r.out.ppHost, "GetHost", host);
}

int ctl_target_save(struct ctl_conn *c, struct dcom_iface *host, const char *subject)
{
	struct IHost_Save r = { 0 };
	return ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_SAVE, &r, "Save", subject, NULL);
}

/* One IEnum*::Next of one element (MS-ISTM 3.1.4.2.2.1) with R, the call's
 * structure, whose out.pNumElementsReturned is at *RETURNED once called.
 * 0 with *GOT true for an element, false at the end (S_FALSE); else an exit
 * code (reported). */
static int next_one(struct ctl_conn *c, struct dcom_iface *en, const struct idl_interface *iface,
		    uint32_t opnum, void *r, uint32_t *const *returned, const char *subject,
		    bool *got)
{
	char *method = talloc_asprintf(c, "%s::Next", iface->name);
	uint32_t hr;
	*got = false;
	int ret = ctl_call(c, en, iface, opnum, r, method, subject, &hr);
	if (ret != 0)
		return ret;
	if (HR_FAILED(hr))
		return ctl_fail(c, method, subject, hr);
	*got = hr == S_OK && *returned != NULL && **returned == 1;
	return 0;
}

/* The initiator IDs (IHost::EnumIDs, IEnumIDMethod::Next one at a time). */
static int read_ids(struct ctl_conn *c, struct dcom_iface *host, const char *subject,
		    struct ctl_target *t)
{
	struct IHost_EnumIDs e = { 0 };
	struct dcom_iface *en;
	int ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_ENUMIDS, &e, "EnumIDs", subject,
			   NULL);
	if (ret == 0)
		ret = ctl_unmarshal(c, *e.out.ppEnumIDMethod, "EnumIDs", &en);
	for (size_t i = 0; ret == 0 && i < MAX_ITEMS; i++) {
		struct ID in = { 0 };
		struct IEnumIDMethod_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
		bool got;
		ret = next_one(c, en, &idl_iface_IEnumIDMethod, NDR_IENUMIDMETHOD_NEXT, &r,
			       &r.out.pNumElementsReturned, subject, &got);
		if (ret != 0 || !got)
			break;
		t->initiators = talloc_realloc(c, t->initiators, struct ctl_initiator, i + 1);
		if (t->initiators == NULL)
			return CTL_EXIT_FAILURE;
		t->initiators[i].method = (uint32_t)r.out.pElements[0].eMethod;
		t->initiators[i].value = WSTR_GET(c, r.out.pElements[0].szValue);
		t->n_initiators = i + 1;
	}
	return ret;
}

static int read_luns(struct ctl_conn *c, struct dcom_iface *host, const char *subject,
		     struct ctl_target *t)
{
	struct IHost_EnumWTDiskLunMappings e = { 0 };
	struct dcom_iface *en;
	int ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_ENUMWTDISKLUNMAPPINGS, &e,
			   "EnumWTDiskLunMappings", subject, NULL);
	if (ret == 0)
		ret = ctl_unmarshal(c, *e.out.ppEnumWTDiskLunMapping, "EnumWTDiskLunMappings", &en);
	for (size_t i = 0; ret == 0 && i < MAX_ITEMS; i++) {
		struct LUN_MAPPING in = { 0 };
		struct IEnumWTDiskLunMapping_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
		bool got;
		ret = next_one(c, en, &idl_iface_IEnumWTDiskLunMapping,
			       NDR_IENUMWTDISKLUNMAPPING_NEXT, &r, &r.out.pNumElementsReturned,
			       subject, &got);
		if (ret != 0 || !got)
			break;
		t->luns = talloc_realloc(c, t->luns, struct ctl_lun, i + 1);
		if (t->luns == NULL)
			return CTL_EXIT_FAILURE;
		t->luns[i] = (struct ctl_lun){ .lun = r.out.pElements[0].dwLun,
					       .wtd = r.out.pElements[0].dwWTD };
		t->n_luns = i + 1;
	}
	return ret;
}

/* The target's portals; a server that does not enumerate them (E_NOTIMPL)
 * leaves has_portals false. */
static int read_portals(struct ctl_conn *c, struct dcom_iface *host, const char *subject,
			struct ctl_target *t)
{
	struct IHost_EnumPortals e = { 0 };
	struct dcom_iface *en;
	uint32_t hr;
	int ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_ENUMPORTALS, &e, "EnumPortals",
			   subject, &hr);
	if (ret != 0 || hr == E_NOTIMPL)
		return ret;
	if (HR_FAILED(hr))
		return ctl_fail(c, "EnumPortals", subject, hr);
	ret = ctl_unmarshal(c, *e.out.ppEnumPortal, "EnumPortals", &en);
	t->has_portals = ret == 0;
	for (size_t i = 0; ret == 0 && i < MAX_ITEMS; i++) {
		struct PORTAL in = { 0 };
		struct IEnumPortal_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
		bool got;
		ret = next_one(c, en, &idl_iface_IEnumPortal, NDR_IENUMPORTAL_NEXT, &r,
			       &r.out.pNumElementsReturned, subject, &got);
		if (ret != 0 || !got)
			break;
		t->portals = talloc_realloc(c, t->portals, struct ctl_portal, i + 1);
		if (t->portals == NULL)
			return CTL_EXIT_FAILURE;
		t->portals[i] = (struct ctl_portal){
			.address = WSTR_GET(c, r.out.pElements[0].szIpAddress),
			.port = r.out.pElements[0].dwPort,
		};
		t->n_portals = i + 1;
	}
	return ret;
}

int ctl_target_read(struct ctl_conn *c, struct dcom_iface *host, struct ctl_target *t)
{
	*t = (struct ctl_target){ 0 };
	struct GUID guid;
	uint8_t enabled = 0, chap = 0, rchap = 0, idle = 0;
	enum HostStatus status = HostStatusIdle;
	int ret = host_name(c, host, NULL, &t->name);
	const char *s = ret == 0 ? ctl_quote(c, t->name) : NULL;
	if (ret == 0)
		ret = host_iqn(c, host, s, &t->iqn);
	if (ret == 0 && (ret = host_guid(c, host, s, &guid)) == 0)
		t->guid = guid_text(c, &guid);
	if (ret == 0)
		ret = host_description(c, host, s, &t->description);
	if (ret == 0)
		ret = host_enable(c, host, s, &enabled);
	if (ret == 0)
		ret = host_status(c, host, s, &status);
	if (ret == 0)
		ret = host_last_login(c, host, s, &t->last_login);
	if (ret == 0)
		ret = host_chap(c, host, s, &chap);
	if (ret == 0)
		ret = host_chap_user(c, host, s, &t->chap_user);
	if (ret == 0)
		ret = host_rchap(c, host, s, &rchap);
	if (ret == 0)
		ret = host_rchap_user(c, host, s, &t->mutual_chap_user);
	if (ret == 0)
		ret = host_mrdsl(c, host, s, &t->max_recv_data_segment_length);
	if (ret == 0)
		ret = host_fbl(c, host, s, &t->first_burst_length);
	if (ret == 0)
		ret = host_mbl(c, host, s, &t->max_burst_length);
	if (ret == 0)
		ret = host_nrb(c, host, s, &t->num_recv_buffers);
	if (ret == 0)
		ret = host_idle(c, host, s, &idle);
	if (ret == 0)
		ret = read_ids(c, host, s, t);
	if (ret == 0)
		ret = read_luns(c, host, s, t);
	if (ret == 0)
		ret = read_portals(c, host, s, t);
	t->enabled = enabled != 0;
	t->connected = status == HostStatusConnected;
	t->chap = chap != 0;
	t->mutual_chap = rchap != 0;
	t->enforce_idle_timeout_detection = idle != 0;
	return ret;
}

int ctl_target_list(struct ctl_conn *c, struct ctl_target **targets, size_t *n)
{
	struct dcom_iface *mgr, *en;
	*targets = NULL;
	*n = 0;
	int ret = ctl_manager(c, CTL_HOST_MGR, &mgr);
	struct IHostMgr_EnumHosts e = { 0 };
	if (ret == 0)
		ret = ctl_call(c, mgr, &idl_iface_IHostMgr, NDR_IHOSTMGR_ENUMHOSTS, &e, "EnumHosts",
			       NULL, NULL);
	if (ret == 0)
		ret = ctl_unmarshal(c, *e.out.ppEnumHost, "EnumHosts", &en);
	for (size_t i = 0; ret == 0 && i < MAX_ITEMS; i++) {
		struct MInterfacePointer *in = NULL;
		struct IEnumHost_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
		struct dcom_iface *host;
		bool got;
		ret = next_one(c, en, &idl_iface_IEnumHost, NDR_IENUMHOST_NEXT, &r,
			       &r.out.pNumElementsReturned, NULL, &got);
		if (ret != 0 || !got)
			break;
		ret = ctl_unmarshal(c, r.out.pElements[0], "IEnumHost::Next", &host);
		struct ctl_target *grown = talloc_realloc(c, *targets, struct ctl_target, i + 1);
		if (ret != 0 || grown == NULL)
			return ret != 0 ? ret : CTL_EXIT_FAILURE;
		*targets = grown;
		ret = ctl_target_read(c, host, &grown[i]);
		*n = i + 1;
	}
	return ret;
}

int ctl_disk_open(struct ctl_conn *c, uint32_t wtd, struct dcom_iface **disk)
{
	struct dcom_iface *mgr;
	int ret = ctl_manager(c, CTL_DISK_MGR, &mgr);
	struct IWTDiskMgr_GetWTDisk r = { .in.nWTD = wtd };
	const char *subject = talloc_asprintf(c, "%u", (unsigned)wtd);
	if (ret == 0)
		ret = ctl_call(c, mgr, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_GETWTDISK, &r,
			       "GetWTDisk", subject, NULL);
	return ret != 0 ? ret : ctl_unmarshal(c, *r.out.ppWTDisk, "GetWTDisk", disk);
}

int ctl_disk_read(struct ctl_conn *c, struct dcom_iface *disk, struct ctl_disk *d)
{
	*d = (struct ctl_disk){ 0 };
	struct GUID guid;
	int64_t size = 0;
	uint8_t assigned = 0, enabled = 0;
	enum DeviceStatus status = Idle;
	int ret = disk_wtd(c, disk, NULL, &d->wtd);
	const char *s = ret == 0 ? talloc_asprintf(c, "%u", (unsigned)d->wtd) : NULL;
	if (ret == 0 && (ret = disk_guid(c, disk, s, &guid)) == 0)
		d->guid = guid_text(c, &guid);
	if (ret == 0)
		ret = disk_serial(c, disk, s, &d->serial_number);
	if (ret == 0)
		ret = disk_path(c, disk, s, &d->path);
	if (ret == 0)
		ret = disk_description(c, disk, s, &d->description);
	if (ret == 0)
		ret = disk_size(c, disk, s, &size);
	if (ret == 0)
		ret = disk_status(c, disk, s, &status);
	if (ret == 0)
		ret = disk_assigned(c, disk, s, &assigned);
	d->size = (uint64_t)size;
	d->status = (uint32_t)status;
	d->assigned = assigned != 0;
	if (ret != 0)
		return ret;

	/* IWTDisk3 (and so IWTDisk2) when the object has it. */
	struct dcom_iface *disk3;
	enum VhdType vhd_type = InvalidVhd;
	ret = ctl_query(c, disk, &idl_iface_IWTDisk3, &disk3);
	if (ret != 0 || disk3 == NULL)
		return ret;
	if ((ret = disk_enable(c, disk3, s, &enabled)) == 0)
		d->has_enabled = true;
	d->enabled = enabled != 0;
	if (ret == 0 && (ret = disk_vhd_type(c, disk3, s, &vhd_type)) == 0)
		d->vhd_type = (uint32_t)vhd_type;
	if (ret == 0 && vhd_type == DifferencingVhd)
		ret = disk_parent(c, disk3, s, &d->parent_path);
	return ret;
}

/* EnumWTDisks, each disk read whole, or (PATHS_ONLY) only its WTD index
 * and DevicePath. */
static int list_disks(struct ctl_conn *c, bool paths_only, struct ctl_disk **disks, size_t *n)
{
	struct dcom_iface *mgr, *en;
	*disks = NULL;
	*n = 0;
	int ret = ctl_manager(c, CTL_DISK_MGR, &mgr);
	struct IWTDiskMgr_EnumWTDisks e = { 0 };
	if (ret == 0)
		ret = ctl_call(c, mgr, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_ENUMWTDISKS, &e,
			       "EnumWTDisks", NULL, NULL);
	if (ret == 0)
		ret = ctl_unmarshal(c, *e.out.ppEnumWTDisk, "EnumWTDisks", &en);
	/* MS-ISTM 4.6: Next one at a time until S_FALSE. */
	for (size_t i = 0; ret == 0 && i < MAX_ITEMS; i++) {
		struct MInterfacePointer *in = NULL;
		struct IEnumWTDisk_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
		struct dcom_iface *disk;
		bool got;
		ret = next_one(c, en, &idl_iface_IEnumWTDisk, NDR_IENUMWTDISK_NEXT, &r,
			       &r.out.pNumElementsReturned, NULL, &got);
		if (ret != 0 || !got)
			break;
		ret = ctl_unmarshal(c, r.out.pElements[0], "IEnumWTDisk::Next", &disk);
		struct ctl_disk *grown = talloc_realloc(c, *disks, struct ctl_disk, i + 1);
		if (ret != 0 || grown == NULL)
			return ret != 0 ? ret : CTL_EXIT_FAILURE;
		*disks = grown;
		if (paths_only) {
			grown[i] = (struct ctl_disk){ 0 };
			ret = disk_wtd(c, disk, NULL, &grown[i].wtd);
			if (ret == 0)
				ret = disk_path(c, disk, NULL, &grown[i].path);
		} else {
			ret = ctl_disk_read(c, disk, &grown[i]);
		}
		*n = i + 1;
	}
	return ret;
}

int ctl_disk_list(struct ctl_conn *c, struct ctl_disk **disks, size_t *n)
{
	return list_disks(c, false, disks, n);
}

/* The drive ("D:\") of PATH (ILocalDeviceMgr::GetDriveInfo takes any path on
 * a drive), or NULL when it is on none. */
static int drive_of(struct ctl_conn *c, struct dcom_iface *ldm, const char *path,
		    const char **drive)
{
	struct DRIVE_INFO in = { 0 };
	struct ILocalDeviceMgr_GetDriveInfo r = { .in.Drive = path, .in.pDriveInfo = &in };
	uint32_t hr;
	int ret = ctl_call(c, ldm, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_GETDRIVEINFO, &r,
			   "GetDriveInfo", ctl_quote(c, path), &hr);
	*drive = ret == 0 && hr == S_OK ? WSTR_GET(c, r.out.pDriveInfo->szDrive) : NULL;
	return ret;
}

/* The Windows spelling ("D:\dir\a.vhd") of a POSIX path under a storage
 * root, as DevicePath reports it, or NULL. The server maps paths to drives
 * but does not say where a drive's root is: it is the highest directory
 * above PATH still on PATH's drive (roots may nest: a deeper root is
 * another drive). */
static int windows_form(struct ctl_conn *c, const char *path, const char **out)
{
	struct dcom_iface *ldm;
	const char *drive, *up;
	*out = NULL;
	int ret = ctl_manager(c, CTL_LOCAL_DEVICE, &ldm);
	if (ret == 0)
		ret = drive_of(c, ldm, path, &drive);
	if (ret != 0 || drive == NULL)
		return ret;
	char *dir = talloc_strdup(c, path);
	size_t root_len = strlen(path);
	for (char *slash; dir != NULL && (slash = strrchr(dir, '/')) != NULL && slash != dir;) {
		*slash = '\0';
		ret = drive_of(c, ldm, dir, &up);
		if (ret != 0)
			return ret;
		if (up == NULL || strcasecmp(up, drive) != 0)
			break;
		root_len = strlen(dir);
	}
	if (root_len >= strlen(path))
		return 0; /* PATH is a root itself */
	char *w = talloc_asprintf(c, "%.2s\\%s", drive, path + root_len + 1);
	for (char *p = w; p != NULL && *p != '\0'; p++) {
		if (*p == '/')
			*p = '\\';
	}
	*out = w;
	return 0;
}

int ctl_disk_find(struct ctl_conn *c, const char *text, uint32_t *wtd, bool *found)
{
	*found = true;
	if (ctl_disk_is_index(text, wtd))
		return 0;
	struct ctl_disk *disks;
	size_t n;
	int ret = list_disks(c, true, &disks, &n);
	if (ret == 0)
		ret = ctl_disk_find_in(c, disks, n, text, wtd, found);
	else
		*found = false;
	return ret;
}

int ctl_disk_resolve(struct ctl_conn *c, const char *text, uint32_t *wtd)
{
	bool found;
	int ret = ctl_disk_find(c, text, wtd, &found);
	if (ret != 0 || found)
		return ret;
	ctl_error(0,
		  "%s: no virtual disk has the path '%s' (give its WTD index or the path "
		  "'istmctl disk list' shows)",
		  c->who, text);
	return CTL_EXIT_NOT_FOUND;
}

int ctl_disk_find_in(struct ctl_conn *c, const struct ctl_disk *disks, size_t n, const char *path,
		     uint32_t *wtd, bool *found)
{
	const char *windows = NULL;
	*found = false;
	for (size_t i = 0; i < n && !*found; i++) {
		if ((*found = ctl_path_same(path, disks[i].path)))
			*wtd = disks[i].wtd;
	}
	int ret = 0;
	if (!*found && path[0] == '/')
		ret = windows_form(c, path, &windows);
	for (size_t i = 0; ret == 0 && windows != NULL && i < n && !*found; i++) {
		if ((*found = ctl_path_same(windows, disks[i].path)))
			*wtd = disks[i].wtd;
	}
	return ret;
}
