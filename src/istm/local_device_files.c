/* VHD files (3.30.4.6-8, 3.33.4.1): CreateWtFile, GrowWtFile, DeleteWtFile
 * and CreateDiffWtFile check what the spec and Windows' notes ask, then run
 * through the core, which serialises them with the disk operations (a file a
 * disk uses is never replaced or removed) and makes each crash-atomic. */
#include "istm/local_device.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "backend/storage_paths.h"
#include "core/core.h"
#include "idl/ndr_ms_istm.h"
#include "istm/errmap.h"
#include "istm/path_probe.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

#define MIB (1024ull * 1024)
/* <62>: Windows' smallest VHD; <72>: its largest differencing file. */
#define MIN_FILE_SIZE (8 * MIB)
#define MAX_DIFF_FILE_SIZE (2048ull * 1024 * MIB)

static const struct istm_errmap file_errors[] = {
	{ -EINVAL, E_INVALIDARG }, /* malformed path */
	{ -ENAMETOOLONG, E_INVALIDARG },
	{ -EISDIR, E_INVALIDARG }, /* 3.30.4.6: the path names a directory */
	{ -EACCES, E_ACCESSDENIED },
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) },
	{ -ENOTDIR, HR_WIN32(ERROR_PATH_NOT_FOUND) },
	{ -EBUSY, HR_WIN32(ERROR_SHARING_VIOLATION) }, /* a virtual disk uses the file */
	{ -ERANGE, HR_WIN32(ERROR_BAD_LENGTH) },
	{ -EFBIG, HR_WIN32(ERROR_BAD_LENGTH) }, /* beyond the file system's limit */
	{ -EBADMSG, HR_WIN32(ERROR_INVALID_DATA) },
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ 0, 0 },
};

/* 3.30.4.7: a differencing VHD (or not a VHD) cannot grow: E_INVALIDARG. */
static const struct istm_errmap grow_errors[] = {
	{ -EMEDIUMTYPE, E_INVALIDARG },
	{ -EBADMSG, E_INVALIDARG },
	{ -EOPNOTSUPP, E_INVALIDARG },
	{ -EBUSY, HR_WIN32(ERROR_BUSY) }, /* another operation on the disk */
	{ 0, 0 },
};

struct file_call {
	struct dcom_call *call;
	struct istm_context *ctx;
	const char *what; /* for the log */
	char *path, *parent;
	uint64_t size;
	bool sparse;
	const struct istm_errmap *errors; /* before file_errors */
	int (*recv)(struct tevent_req *req, struct file_call *f, char **why);
};

static struct file_call *file_call_new(struct dcom_call *call, void *object, const char *what,
				       const char *path)
{
	struct file_call *f = talloc_zero(call, struct file_call);
	if (f == NULL || (f->path = talloc_strdup(f, path)) == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return NULL;
	}
	f->call = call;
	f->ctx = local_device_ctx(object);
	f->what = what;
	return f;
}

static void file_done(struct tevent_req *req)
{
	struct file_call *f = tevent_req_callback_data(req, struct file_call);
	char *why = NULL;
	int rc = f->recv(req, f, &why);
	const char *user = dcom_call_user(f->call);
	if (rc == 0) {
		log_info("%s %s by %s", f->what, f->path, user);
		dcom_call_done(f->call, S_OK);
		return;
	}
	log_notice("%s %s by %s refused: %s", f->what, f->path, user, why ? why : strerror(-rc));
	for (const struct istm_errmap *m = f->errors; m != NULL && m->err != 0; m++) {
		if (m->err == rc) {
			dcom_call_done(f->call, m->hr);
			return;
		}
	}
	dcom_call_done(f->call, istm_hr(rc, file_errors));
}

/* Whether PATH is the parent of a registered differencing disk: replacing,
 * growing or deleting it would break that disk (the core guards the files
 * disks use, not their parents). */
static bool parent_of_a_disk(struct file_call *f, const char *path)
{
	struct storage_path *p = NULL, *pp = NULL;
	struct core_disk **disks = NULL;
	size_t n = 0;
	if (storage_path_parse(f, f->ctx->storage, path, &p) < 0 ||
	    core_disk_list(f, f->ctx->core, &disks, &n) < 0)
		return false; /* the core answers for malformed paths */
	for (size_t i = 0; i < n; i++) {
		if (disks[i]->vhd_type != CORE_VHD_DIFFERENCING ||
		    storage_path_parse(f, f->ctx->storage, disks[i]->parent_path, &pp) < 0)
			continue;
		if (strcmp(pp->posix, p->posix) == 0) {
			log_notice("%s %s by %s refused: it is the parent of virtual disk %u", f->what,
				   path, dcom_call_user(f->call), disks[i]->wtd);
			return true;
		}
	}
	return false;
}

static void file_send(struct file_call *f, struct tevent_req *req)
{
	if (req == NULL) {
		dcom_call_done(f->call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, file_done, f);
}

static int create_recv(struct tevent_req *req, struct file_call *f, char **why)
{
	return core_file_create_recv(req, f, why);
}

/* ---- CreateWtFile (3.30.4.6) ---------------------------------------------------------- */

/* A fixed VHD, always (3.30.4.6); bSparse leaves its space unreserved (a
 * sparse file), so it can still be mapped. An existing file that no disk
 * uses is overwritten, as the spec says. */
void local_device_create_wt_file(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_CreateWtFile *r = rv;
	if (r->in.FilePath == NULL || r->in.hyFileSize < (int64_t)MIB) { /* <61> */
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	uint64_t size = (uint64_t)r->in.hyFileSize / MIB * MIB; /* <62>: whole MB */
	if (size < MIN_FILE_SIZE || size > VHD_MAX_VIRTUAL_SIZE) {
		dcom_call_done(call, HR_WIN32(ERROR_BAD_LENGTH));
		return;
	}
	struct file_call *f = file_call_new(call, object, "CreateWtFile", r->in.FilePath);
	if (f == NULL)
		return;
	if (parent_of_a_disk(f, f->path)) {
		dcom_call_done(call, HR_WIN32(ERROR_SHARING_VIOLATION));
		return;
	}
	f->recv = create_recv;
	struct core_file_spec spec = {
		.path = r->in.FilePath,
		.type = CORE_VHD_FIXED,
		.size = size,
		.sparse = r->in.bSparse != 0,
		.overwrite = true,
	};
	file_send(f, core_file_create_send(f, f->ctx->core, &spec));
}

/* ---- GrowWtFile (3.30.4.7) ------------------------------------------------------------ */

static int grow_recv(struct tevent_req *req, struct file_call *f, char **why)
{
	uint64_t new_size = 0;
	int rc = core_file_grow_recv(req, f, &new_size, why);
	if (rc == 0)
		f->what = talloc_asprintf(f, "GrowWtFile (to %" PRIu64 " bytes)", new_size);
	return rc;
}

/* Through the disk when a virtual disk uses the file: its LUN grows too. */
void local_device_grow_wt_file(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_GrowWtFile *r = rv;
	uint64_t add = (uint64_t)r->in.hyAdditionalSize; /* unsigned, says 3.30.4.7 */
	if (r->in.FilePath == NULL || add < MIB) { /* <63> */
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	add = add / MIB * MIB;
	struct file_call *f = file_call_new(call, object, "GrowWtFile", r->in.FilePath);
	if (f == NULL)
		return;
	if (parent_of_a_disk(f, f->path)) {
		dcom_call_done(call, HR_WIN32(ERROR_SHARING_VIOLATION));
		return;
	}
	f->recv = grow_recv;
	f->errors = grow_errors;
	file_send(f, core_file_grow_send(f, f->ctx->core, r->in.FilePath, 0, add));
}

/* ---- DeleteWtFile (3.30.4.8) ---------------------------------------------------------- */

static int delete_recv(struct tevent_req *req, struct file_call *f, char **why)
{
	return core_file_delete_recv(req, f, why);
}

/* Sequence 4.8's last step; a file a virtual disk uses stays. */
void local_device_delete_wt_file(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_DeleteWtFile *r = rv;
	if (r->in.FilePath == NULL) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	struct file_call *f = file_call_new(call, object, "DeleteWtFile", r->in.FilePath);
	if (f == NULL)
		return;
	if (parent_of_a_disk(f, f->path)) {
		dcom_call_done(call, HR_WIN32(ERROR_SHARING_VIOLATION));
		return;
	}
	f->recv = delete_recv;
	file_send(f, core_file_delete_send(f, f->ctx->core, r->in.FilePath, 0));
}

/* ---- CreateDiffWtFile (3.33.4.1) ------------------------------------------------------ */

/* The largest the differencing file of a SIZE-byte parent can grow to:
 * every 2 MiB block written, with its sector bitmap, plus the footer copy,
 * header, BAT, parent locators and footer. */
static uint64_t diff_file_max(uint64_t size)
{
	uint64_t blocks = (size + VHD_DEFAULT_BLOCK_SIZE - 1) / VHD_DEFAULT_BLOCK_SIZE;
	uint64_t bat = (blocks * 4 + VHD_SECTOR_SIZE - 1) / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;
	uint64_t locators = 2 * 65536; /* two paths of up to 32767 UTF-16 units */
	return blocks * (VHD_DEFAULT_BLOCK_SIZE + VHD_SECTOR_SIZE) + bat + locators +
	       VHD_FOOTER_SIZE + VHD_DYNAMIC_HEADER_SIZE + VHD_FOOTER_SIZE;
}

static void diff_child_probed(struct tevent_req *req)
{
	struct file_call *f = tevent_req_callback_data(req, struct file_call);
	struct istm_path_probe *p = NULL;
	int rc = istm_path_probe_recv(req, f, &p);
	if (rc < 0) {
		dcom_call_done(f->call, hresult_from_errno(rc));
		return;
	}
	if (p->parse_rc < 0) {
		dcom_call_done(f->call, local_device_parse_hr(p->parse_rc, E_INVALIDARG,
							      E_ACCESSDENIED));
		return;
	}
	if (p->is_root || (p->stat_rc == 0 && S_ISDIR(p->st.st_mode))) {
		dcom_call_done(f->call, E_INVALIDARG);
		return;
	}
	uint64_t limit = MAX_DIFF_FILE_SIZE; /* <72> */
	if (p->volume_rc == 0 && p->volume.max_file_size < limit)
		limit = p->volume.max_file_size;
	if (diff_file_max(f->size) > limit) {
		log_notice("CreateDiffWtFile %s: a differencing VHD of %s could grow beyond %" PRIu64
			   " bytes, the limit of its volume",
			   f->path, f->parent, limit);
		dcom_call_done(f->call, HR_WIN32(ERROR_FILE_TOO_LARGE));
		return;
	}
	struct core_file_spec spec = {
		.path = f->path,
		.type = CORE_VHD_DIFFERENCING,
		.parent = f->parent,
		.overwrite = true,
	};
	file_send(f, core_file_create_send(f, f->ctx->core, &spec));
}

static void diff_parent_probed(struct tevent_req *req)
{
	struct file_call *f = tevent_req_callback_data(req, struct file_call);
	struct istm_path_probe *p = NULL;
	int rc = istm_path_probe_recv(req, f, &p);
	uint32_t hr = S_OK;
	if (rc < 0)
		hr = hresult_from_errno(rc);
	else if (p->parse_rc < 0)
		hr = local_device_parse_hr(p->parse_rc, E_INVALIDARG, E_ACCESSDENIED);
	else if (p->stat_rc < 0)
		hr = istm_hr(p->stat_rc, file_errors);
	else if (p->vhd_rc == -EISDIR || p->vhd_rc == -EINVAL)
		hr = E_INVALIDARG;
	else if (p->vhd_rc == -EBADMSG)
		hr = HR_WIN32(ERROR_INVALID_DATA);
	else if (p->vhd_rc == -EOPNOTSUPP || (p->vhd_rc == 0 && p->vhd->type != VHD_TYPE_FIXED))
		hr = HR_WIN32(ERROR_UNSUPPORTED_TYPE); /* 3.33.4.1: the parent is a fixed VHD */
	else if (p->vhd_rc < 0)
		hr = hresult_from_errno(p->vhd_rc);
	if (hr != S_OK) {
		log_notice("CreateDiffWtFile %s: the parent %s is not usable (%s)", f->path,
			   f->parent, p && p->vhd_reason[0] ? p->vhd_reason : "not a fixed VHD");
		dcom_call_done(f->call, hr);
		return;
	}
	f->size = p->vhd->virtual_size;
	req = istm_path_probe_send(f, f->ctx, f->path, 0, ISTM_PROBE_STAT | ISTM_PROBE_VOLUME);
	if (req == NULL) {
		dcom_call_done(f->call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, diff_child_probed, f);
}

void local_device_create_diff_wt_file(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr3_CreateDiffWtFile *r = rv;
	if (r->in.FilePath == NULL || r->in.ParentPath == NULL) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	struct file_call *f = file_call_new(call, object, "CreateDiffWtFile", r->in.FilePath);
	if (f == NULL)
		return;
	f->recv = create_recv;
	if ((f->parent = talloc_strdup(f, r->in.ParentPath)) == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	struct tevent_req *req = istm_path_probe_send(f, f->ctx, f->parent, 0, ISTM_PROBE_VHD);
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, diff_parent_probed, f);
}
