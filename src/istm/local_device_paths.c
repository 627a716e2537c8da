/* What a console asks about a path before it creates a virtual disk
 * (sequence 4.1): IsPathValid, DoesFileExist, IsValidWtDevice, and
 * IsPathNtfs. The file system is looked at on a worker thread
 * (istm/path_probe.h), confined to the storage roots. */
#include "istm/local_device.h"

#include <errno.h>
#include <string.h>

#include "core/core.h"
#include "idl/ndr_ms_istm.h"
#include "istm/path_probe.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

struct path_query {
	struct dcom_call *call;
	struct istm_context *ctx;
	const char *input;
	uint32_t (*answer)(struct path_query *q, const struct istm_path_probe *p);
};

static void probed(struct tevent_req *req)
{
	struct path_query *q = tevent_req_callback_data(req, struct path_query);
	struct istm_path_probe *p = NULL;
	int rc = istm_path_probe_recv(req, q, &p);
	dcom_call_done(q->call, rc < 0 ? hresult_from_errno(rc) : q->answer(q, p));
}

/* Probes INPUT (a BSTR: NULL is the empty string, which is malformed) for
 * WHAT and completes the call with ANSWER's HRESULT. */
static void path_query(struct dcom_call *call, void *object, const char *input, unsigned what,
		       uint32_t (*answer)(struct path_query *q, const struct istm_path_probe *p))
{
	struct path_query *q = talloc_zero(call, struct path_query);
	if (q == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	q->call = call;
	q->ctx = local_device_ctx(object);
	q->input = input ? input : "";
	q->answer = answer;
	struct tevent_req *req = istm_path_probe_send(q, q->ctx, q->input, 0, what);
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, probed, q);
}

/* ---- IsValidWtDevice (3.30.4.4) -------------------------------------------------------- */

static uint32_t valid_wt_device(struct path_query *q, const struct istm_path_probe *p)
{
	if (p->parse_rc < 0)
		return local_device_parse_hr(p->parse_rc, E_INVALIDARG, E_ACCESSDENIED);
	if (p->is_root) /* 3.31.4.1: the root directory of a drive */
		return HR_WIN32(ERROR_PATH_NOT_FOUND);
	if (p->stat_rc == -ENOENT)
		return p->parent_rc == 0 ? HR_WIN32(ERROR_FILE_NOT_FOUND)
					 : HR_WIN32(ERROR_PATH_NOT_FOUND);
	if (p->stat_rc == -ENOTDIR)
		return HR_WIN32(ERROR_PATH_NOT_FOUND);
	if (p->stat_rc < 0)
		return hresult_from_errno(p->stat_rc);
	switch (p->vhd_rc) {
	case 0:
		return S_OK;
	case -EISDIR:
	case -EINVAL: /* a directory, a device, a FIFO: no VHD file there */
		return HR_WIN32(ERROR_FILE_NOT_FOUND);
	case -EBADMSG:
		log_info("IsValidWtDevice %s: %s", q->input, p->vhd_reason);
		return HR_WIN32(ERROR_INVALID_DATA);
	case -EOPNOTSUPP:
		log_info("IsValidWtDevice %s: %s", q->input, p->vhd_reason);
		return HR_WIN32(ERROR_UNSUPPORTED_TYPE);
	default:
		return hresult_from_errno(p->vhd_rc);
	}
}

/* Fixed, dynamic and differencing VHDs are all valid: the core registers
 * each; only fixed ones can be mapped (docs/compat.md). */
void local_device_is_valid_wt_device(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_IsValidWtDevice *r = rv;
	path_query(call, object, r->in.DevicePath, ISTM_PROBE_VHD | ISTM_PROBE_PARENT,
		   valid_wt_device);
}

/* ---- IsPathValid (3.30.4.9) ------------------------------------------------------------ */

static uint32_t path_valid(struct path_query *q, const struct istm_path_probe *p)
{
	/* A well-formed path naming no directory or device... */
	if (p->parse_rc < 0)
		return local_device_parse_hr(p->parse_rc, E_FAIL, HR_WIN32(ERROR_INVALID_DRIVE));
	if (p->is_root || (p->stat_rc == 0 && !S_ISREG(p->st.st_mode)))
		return E_FAIL;
	if (p->stat_rc == -EACCES) /* a symlink leading out of the root */
		return HR_WIN32(ERROR_INVALID_DRIVE);
	/* ...that no virtual disk uses... */
	struct core_disk *d = core_disk_by_path(q, q->ctx->core, q->input, 0);
	if (d != NULL)
		return HR_WIN32(ERROR_DEVICE_IN_USE);
	/* ...in a directory that exists on the root's own volume, not on one
	 * mounted inside it (a nested volume, or a locally mounted disk). */
	if (p->parent_rc == -ENOENT || p->parent_rc == -ENOTDIR)
		return HR_WIN32(ERROR_PATH_NOT_FOUND);
	if (p->parent_rc == -EACCES)
		return HR_WIN32(ERROR_INVALID_DRIVE);
	if (p->parent_rc < 0)
		return hresult_from_errno(p->parent_rc);
	if (p->parent_st.st_dev != p->path->root->dev)
		return HR_WIN32(ERROR_INVALID_DRIVE);
	return S_OK;
}

void local_device_is_path_valid(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_IsPathValid *r = rv;
	path_query(call, object, r->in.FilePath, ISTM_PROBE_STAT | ISTM_PROBE_PARENT, path_valid);
}

/* ---- IsPathNtfs (3.30.4.10) ------------------------------------------------------------ */

/* NTFS is the file system that holds Windows' VHDs. Here the question is
 * whether the volume can hold ours: sparse files, and files as large as the
 * largest VHD. ext4, XFS, Btrfs can; FAT cannot. */
static uint32_t path_ntfs(struct path_query *q, const struct istm_path_probe *p)
{
	if (p->parse_rc < 0)
		return local_device_parse_hr(p->parse_rc, E_INVALIDARG, S_FALSE);
	if (p->volume_rc < 0)
		return S_FALSE;
	bool fit = p->volume.sparse_files &&
		   p->volume.max_file_size >= VHD_MAX_VIRTUAL_SIZE + VHD_FOOTER_SIZE;
	return fit ? S_OK : S_FALSE;
}

void local_device_is_path_ntfs(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_IsPathNtfs *r = rv;
	path_query(call, object, r->in.Path, ISTM_PROBE_VOLUME, path_ntfs);
}

/* ---- DoesFileExist (3.30.4.11) --------------------------------------------------------- */

/* S_OK for a regular file; E_INVALIDARG for a malformed path; exactly
 * E_FAIL for everything else (sequence 4.1 tells "no" by E_FAIL). */
static uint32_t file_exists(struct path_query *q, const struct istm_path_probe *p)
{
	if (p->parse_rc < 0)
		return local_device_parse_hr(p->parse_rc, E_INVALIDARG, E_FAIL);
	return p->stat_rc == 0 && S_ISREG(p->st.st_mode) ? S_OK : E_FAIL;
}

void local_device_does_file_exist(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_DoesFileExist *r = rv;
	path_query(call, object, r->in.FilePath, ISTM_PROBE_STAT, file_exists);
}
