/* The storage roots as Windows consoles see them: each root is one drive
 * ("D:\") and one volume ("\\?\Volume{GUID}\", docs/paths.md). GetDriveInfo
 * (3.30.4.12), EnumVolumes (3.30.4.2), EnumVolumes2 (3.32.4.2) and
 * GetVolumeInfo (3.32.4.3); the figures come from fstatvfs on a worker. */
#include "istm/local_device.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/storage_paths.h"
#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istmd/hresult.h"
#include "istmd/utf16.h"
#include "istmd/workpool.h"

/* What a worker found about every root. */
struct roots_job {
	const struct storage_paths *sp;
	struct storage_volume_info *info; /* per root */
	int *rc;
	int system_rc;
	dev_t system_dev; /* of "/": its volume is the system volume */
};

static void roots_run(void *arg)
{
	struct roots_job *j = arg;
	for (size_t i = 0; i < j->sp->count; i++)
		j->rc[i] = storage_volume_info(&j->sp->roots[i], &j->info[i]);
	struct stat st;
	j->system_rc = stat("/", &st) == 0 ? 0 : -errno;
	j->system_dev = st.st_dev;
}

static int64_t clamp(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* UTF-8 S cut at a character boundary to at most MAX bytes (at most MAX
 * UTF-16 units then) on MEM. */
static const char *cut(TALLOC_CTX *mem, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return s;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return talloc_strndup(mem, s, n);
}

#define WSET(arr, s) wstr_set((arr), sizeof(arr) / sizeof((arr)[0]), (s))

static int fill_volume2(TALLOC_CTX *mem, struct VOLUME2 *v, const struct storage_root *root,
			const struct storage_volume_info *info, bool system)
{
	memset(v, 0, sizeof(*v));
	const char *base = strrchr(root->path, '/');
	base = base != NULL && base[1] != '\0' ? base + 1 : root->path;
	const char *label = cut(mem, base, sizeof(v->szLabel) / 2 - 1);
	const char *fs = cut(mem, root->fs_type, sizeof(v->szFileSystem) / 2 - 1);
	if (label == NULL || fs == NULL)
		return -ENOMEM;
	int rc = WSET(v->szGuid, root->volume_name);
	if (rc == 0)
		rc = WSET(v->szMountPoint, root->drive);
	if (rc == 0)
		rc = WSET(v->szLabel, label);
	if (rc == 0)
		rc = WSET(v->szFileSystem, fs);
	v->bSystemVolume = system;
	v->hySize = v->hyTotalVolSize = clamp(info->total_bytes);
	v->hyFreeSpace = clamp(info->free_bytes);
	v->bValidWTVolume = 1;
	v->bSupportSparseFiles = info->sparse_files;
	v->MaxFileSize = clamp(info->max_file_size);
	return rc;
}

/* VOLUME is VOLUME2's first part. */
static int fill_volume(TALLOC_CTX *mem, struct VOLUME *v, const struct storage_root *root,
		       const struct storage_volume_info *info, bool system)
{
	struct VOLUME2 v2;
	int rc = fill_volume2(mem, &v2, root, info, system);
	memset(v, 0, sizeof(*v));
	memcpy(v->szGuid, v2.szGuid, sizeof(v->szGuid));
	memcpy(v->szMountPoint, v2.szMountPoint, sizeof(v->szMountPoint));
	memcpy(v->szLabel, v2.szLabel, sizeof(v->szLabel));
	memcpy(v->szFileSystem, v2.szFileSystem, sizeof(v->szFileSystem));
	v->bSystemVolume = v2.bSystemVolume;
	v->hySize = v2.hySize;
	v->hyTotalVolSize = v2.hyTotalVolSize;
	v->bValidWTVolume = v2.bValidWTVolume;
	return rc;
}

/* Runs the roots job and calls FOUND with it (E_OUTOFMEMORY if it cannot). */
struct roots_query {
	struct dcom_call *call;
	const struct storage_paths *sp;
	void (*found)(struct roots_query *q, const struct roots_job *j);
	/* for the callers */
	const struct istm_enum_kind *kind;
	struct MInterfacePointer **out;
	void *r;
	const struct storage_root *root;
};

static void roots_found(struct tevent_req *req)
{
	struct roots_query *q = tevent_req_callback_data(req, struct roots_query);
	void *state = NULL;
	int rc = workpool_run_recv(req, q, &state);
	if (rc < 0)
		dcom_call_done(q->call, hresult_from_errno(rc));
	else
		q->found(q, state);
}

static struct roots_query *roots_query(struct dcom_call *call, void *object,
				       void (*found)(struct roots_query *q,
						     const struct roots_job *j))
{
	struct istm_context *ctx = local_device_ctx(object);
	const struct storage_paths *sp = ctx->storage;
	struct roots_query *q = talloc_zero(call, struct roots_query);
	struct roots_job *j = talloc_zero(NULL, struct roots_job);
	struct tevent_req *req = NULL;
	if (q != NULL && j != NULL &&
	    (j->info = talloc_zero_array(j, struct storage_volume_info, sp->count + 1)) != NULL &&
	    (j->rc = talloc_zero_array(j, int, sp->count + 1)) != NULL) {
		j->sp = sp;
		req = workpool_run_send(q, ctx->ev, ctx->pool, roots_run, j);
	}
	if (req == NULL) {
		talloc_free(j);
		dcom_call_done(call, E_OUTOFMEMORY);
		return NULL;
	}
	*q = (struct roots_query){ .call = call, .sp = sp, .found = found };
	tevent_req_set_callback(req, roots_found, q);
	return q;
}

static size_t root_index(const struct storage_paths *sp, const struct storage_root *root)
{
	return (size_t)(root - sp->roots);
}

static bool is_system(const struct roots_job *j, const struct storage_root *root)
{
	return j->system_rc == 0 && root->dev == j->system_dev;
}

/* ---- EnumVolumes, EnumVolumes2 --------------------------------------------------------- */

static void volumes_found(struct roots_query *q, const struct roots_job *j)
{
	struct istm_enum_items *items = istm_enum_items_new(q->call, q->kind);
	for (size_t i = 0; items != NULL && i < q->sp->count; i++) {
		if (j->rc[i] < 0) /* a root that cannot be read now is not listed */
			continue;
		const struct storage_root *root = &q->sp->roots[i];
		void *v = istm_enum_add_element(items);
		int rc = v == NULL ? -ENOMEM
		       : q->kind == &istm_enum_IEnumVolume2
			       ? fill_volume2(v, v, root, &j->info[i], is_system(j, root))
			       : fill_volume(v, v, root, &j->info[i], is_system(j, root));
		if (rc < 0)
			TALLOC_FREE(items);
	}
	dcom_call_done(q->call, items ? istm_enum_return(q->call, items, q->out) : E_OUTOFMEMORY);
}

static void enum_volumes(struct dcom_call *call, void *object, const struct istm_enum_kind *kind,
			 struct MInterfacePointer **out)
{
	struct roots_query *q = roots_query(call, object, volumes_found);
	if (q != NULL) {
		q->kind = kind;
		q->out = out;
	}
}

void local_device_enum_volumes(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_EnumVolumes *r = rv;
	enum_volumes(call, object, &istm_enum_IEnumVolume, r->out.ppEnumVolume);
}

void local_device_enum_volumes2(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr2_EnumVolumes2 *r = rv;
	enum_volumes(call, object, &istm_enum_IEnumVolume2, r->out.ppEnumVolume);
}

/* ---- GetDriveInfo, GetVolumeInfo: one root, by a path on it ------------------------------ */

/* The root holding INPUT (parsed on the loop: the parse is lexical), or
 * NULL with the call completed: MALFORMED / OUTSIDE as HRESULTs. */
static const struct storage_root *root_of(struct dcom_call *call, void *object, const char *input,
					  uint32_t outside)
{
	struct storage_path *p = NULL;
	int rc = storage_path_parse(call, local_device_ctx(object)->storage, input, &p);
	if (rc < 0) {
		dcom_call_done(call, local_device_parse_hr(rc, E_INVALIDARG, outside));
		return NULL;
	}
	return p->root;
}

static void drive_found(struct roots_query *q, const struct roots_job *j)
{
	struct ILocalDeviceMgr_GetDriveInfo *r = q->r;
	size_t i = root_index(q->sp, q->root);
	if (j->rc[i] < 0) {
		dcom_call_done(q->call, HR_WIN32(ERROR_NOT_READY));
		return;
	}
	struct DRIVE_INFO *di = r->out.pDriveInfo;
	memset(di, 0, sizeof(*di));
	int rc = WSTR_SET(di->szDrive, q->root->drive);
	di->hySize = clamp(j->info[i].total_bytes);
	di->hyFreeSpace = clamp(j->info[i].free_bytes);
	di->bSupportSparseFiles = j->info[i].sparse_files;
	dcom_call_done(q->call, rc == 0 ? S_OK : E_UNEXPECTED);
}

/* 3.30.4.12: Drive is "D:\", "D:", "D", or any path on the drive. */
void local_device_get_drive_info(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_GetDriveInfo *r = rv;
	const char *drive = r->in.Drive ? r->in.Drive : "";
	if (strlen(drive) == 1 && (drive = talloc_asprintf(call, "%s:", drive)) == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	const struct storage_root *root = root_of(call, object, drive, HR_WIN32(ERROR_INVALID_DRIVE));
	struct roots_query *q = root ? roots_query(call, object, drive_found) : NULL;
	if (q != NULL) {
		q->r = r;
		q->root = root;
	}
}

static void volume_found(struct roots_query *q, const struct roots_job *j)
{
	struct ILocalDeviceMgr2_GetVolumeInfo *r = q->r;
	size_t i = root_index(q->sp, q->root);
	if (j->rc[i] < 0) {
		dcom_call_done(q->call, HR_WIN32(ERROR_NOT_READY));
		return;
	}
	int rc = fill_volume2(q, r->out.pVolumeInfo, q->root, &j->info[i], is_system(j, q->root));
	dcom_call_done(q->call, rc == 0 ? S_OK : E_UNEXPECTED);
}

/* 3.32.4.3: VolumePath is any path on the volume (its szMountPoint, the
 * volume name in szGuid, a file on it); another is ERROR_FILE_NOT_FOUND. */
void local_device_get_volume_info(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr2_GetVolumeInfo *r = rv;
	const char *path = r->in.VolumePath ? r->in.VolumePath : "";
	const struct storage_root *root = root_of(call, object, path, HR_WIN32(ERROR_FILE_NOT_FOUND));
	struct roots_query *q = root ? roots_query(call, object, volume_found) : NULL;
	if (q != NULL) {
		q->r = r;
		q->root = root;
	}
}
