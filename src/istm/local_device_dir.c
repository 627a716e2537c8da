/* EnumDirectory (3.30.4.13) and the IDirectoryEnum objects it returns (3.3):
 * FindFirst lists one directory under a storage root on a worker thread,
 * FindNext walks the listing, FindClose drops it. Paths go through
 * storage_path_open(), so nothing outside the roots is ever listed; a
 * symlink counts only when it resolves inside its root. */
#include "istm/local_device.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/storage_paths.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "istmd/utf16.h"
#include "istmd/workpool.h"

/* At most this many entries per listing (bounds memory per client). */
#define DIR_MAX_ENTRIES 100000
#define DIR_DATA_CHARS 512 /* DIRECTORY_DATA's WCHAR arrays */

struct dir_entry {
	char *name;
	char *full; /* the Windows path, else the POSIX one: both are accepted back */
	bool dir;
};

struct dir_enum {
	struct istm_context *ctx;
	struct dir_entry *entries; /* the open listing, or NULL */
	size_t n, pos;
	unsigned gen; /* counts FindFirst calls: an older one's listing is not kept */
};

/* ---- listing, on a worker ------------------------------------------------------------- */

struct list_job {
	const struct storage_paths *sp;
	char *dir;     /* the directory, as the client wrote it */
	char *pattern; /* Windows wildcards, "*" for all */
	int rc;
	struct dir_entry *entries;
	size_t n, alloc;
};

/* Windows wildcards: '*' any run, '?' one character, case-insensitive;
 * "*.*" matches names without a dot too. */
static bool wild_match(const char *pat, const char *s)
{
	if (strcmp(pat, "*.*") == 0)
		return true;
	for (; *pat != '\0'; pat++, s++) {
		if (*pat == '*') {
			for (const char *t = s;; t++) {
				if (wild_match(pat + 1, t))
					return true;
				if (*t == '\0')
					return false;
			}
		}
		if (*s == '\0' || (*pat != '?' && tolower((unsigned char)*pat) !=
							   tolower((unsigned char)*s)))
			return false;
	}
	return *s == '\0';
}

static bool fits(TALLOC_CTX *tmp, const char *s)
{
	size_t units = 0;
	uint16_t *w = utf8_to_utf16(tmp, s, &units);
	talloc_free(w);
	return w != NULL && units < DIR_DATA_CHARS;
}

/* Adds NAME (in directory P) if it is a directory or a regular file that
 * resolves inside its root. */
static bool add_entry_in(struct list_job *j, TALLOC_CTX *tmp, const struct storage_path *p,
			 const char *name, unsigned char d_type)
{
	char *posix = talloc_asprintf(tmp, "%s/%s", p->posix, name);
	struct storage_path *c = NULL;
	if (posix == NULL || storage_path_parse(tmp, j->sp, posix, &c) < 0)
		return false;
	bool dir = d_type == DT_DIR;
	if (d_type != DT_DIR && d_type != DT_REG) {
		int fd = storage_path_open(c, O_PATH);
		struct stat st;
		if (fd < 0)
			return false; /* a symlink leading out, or gone meanwhile */
		int rc = fstat(fd, &st);
		close(fd);
		if (rc != 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
			return false;
		dir = S_ISDIR(st.st_mode);
	}
	const char *full = c->windows ? c->windows : c->posix;
	if (!fits(tmp, name) || !fits(tmp, full))
		return false;
	if (j->n == j->alloc) {
		size_t alloc = j->alloc ? j->alloc * 2 : 64;
		struct dir_entry *more = talloc_realloc(j, j->entries, struct dir_entry, alloc);
		if (more == NULL)
			return false;
		j->entries = more;
		j->alloc = alloc;
	}
	struct dir_entry *e = &j->entries[j->n];
	e->name = talloc_strdup(j->entries, name);
	e->full = talloc_strdup(j->entries, full);
	e->dir = dir;
	return e->name != NULL && e->full != NULL;
}

/* Adds NAME (in directory P) if it is a directory or a regular file that
 * resolves inside its root. */
static void add_entry(struct list_job *j, const struct storage_path *p, const char *name,
		      unsigned char d_type)
{
	TALLOC_CTX *tmp = talloc_new(j);
	if (tmp != NULL && add_entry_in(j, tmp, p, name, d_type))
		j->n++;
	talloc_free(tmp);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct dir_entry *)a)->name, ((const struct dir_entry *)b)->name);
}

static void list_run(void *arg)
{
	struct list_job *j = arg;
	struct storage_path *p = NULL;
	j->rc = storage_path_parse(j, j->sp, j->dir, &p);
	if (j->rc < 0)
		return;
	int fd = storage_path_open(p, O_RDONLY | O_DIRECTORY);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (d == NULL) {
		j->rc = fd < 0 ? fd : -errno;
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	while (j->n < DIR_MAX_ENTRIES && (de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		/* ".", "..", and istmd's own unfinished files are not the client's */
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    strncmp(name, ".istmd-", 7) == 0 || !wild_match(j->pattern, name))
			continue;
		add_entry(j, p, name, de->d_type);
	}
	closedir(d);
	if (j->n > 0)
		qsort(j->entries, j->n, sizeof(j->entries[0]), by_name);
}

/* ---- IDirectoryEnum -------------------------------------------------------------------- */

static uint32_t fill(struct DIRECTORY_DATA *out, const struct dir_entry *e)
{
	memset(out, 0, sizeof(*out));
	if (WSTR_SET(out->szFileName, e->name) < 0 || WSTR_SET(out->szFullPath, e->full) < 0)
		return E_UNEXPECTED;
	out->eType = e->dir ? Directory : File;
	return S_OK;
}

struct find_first {
	struct dcom_call *call;
	struct dir_enum *de;
	struct DIRECTORY_DATA *out;
	unsigned gen;
};

static void listed(struct tevent_req *req)
{
	struct find_first *f = tevent_req_callback_data(req, struct find_first);
	void *state = NULL;
	int rc = workpool_run_recv(req, f, &state);
	struct list_job *j = state;
	if (rc == 0)
		rc = j->rc;
	if (rc < 0) {
		uint32_t hr = rc == -EINVAL || rc == -ENAMETOOLONG ? E_INVALIDARG
			      : rc == -EACCES			   ? E_ACCESSDENIED
			      : rc == -ENOENT || rc == -ENOTDIR	   ? HR_WIN32(ERROR_PATH_NOT_FOUND)
								   : hresult_from_errno(rc);
		dcom_call_done(f->call, hr);
		return;
	}
	if (j->n == 0) { /* as FindFirstFile: nothing matches */
		dcom_call_done(f->call, HR_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	uint32_t hr = fill(f->out, &j->entries[0]);
	if (f->de->gen == f->gen) {
		talloc_free(f->de->entries);
		f->de->entries = talloc_steal(f->de, j->entries);
		f->de->n = j->n;
		f->de->pos = 1;
	}
	dcom_call_done(f->call, hr);
}

/* Splits "D:\dir\*.vhd" into the directory and the pattern; a path without
 * wildcards is the directory itself, all its entries wanted. */
static int split_search(struct list_job *j, const char *search)
{
	const char *slash = NULL;
	for (const char *s = search; *s != '\0'; s++)
		if (*s == '\\' || *s == '/')
			slash = s;
	const char *last = slash ? slash + 1 : search;
	if (strpbrk(last, "*?") == NULL) {
		j->dir = talloc_strdup(j, search);
		j->pattern = talloc_strdup(j, "*");
	} else {
		if (slash == NULL)
			return -EINVAL; /* a bare pattern names no directory */
		j->dir = talloc_strndup(j, search, (size_t)(last - search));
		j->pattern = talloc_strdup(j, last);
	}
	return j->dir && j->pattern ? 0 : -ENOMEM;
}

/* 3.3.4.2. A FindFirst while a listing is open replaces it (<16>). */
static void find_first(struct dcom_call *call, void *object, void *rv)
{
	struct IDirectoryEnum_FindFirst *r = rv;
	struct dir_enum *de = object;
	struct find_first *f = talloc_zero(call, struct find_first);
	struct list_job *j = talloc_zero(NULL, struct list_job);
	int rc = f && j ? split_search(j, r->in.bstrSearchPath ? r->in.bstrSearchPath : "")
			: -ENOMEM;
	if (rc < 0) {
		talloc_free(j);
		dcom_call_done(call, rc == -EINVAL ? E_INVALIDARG : E_OUTOFMEMORY);
		return;
	}
	j->sp = de->ctx->storage;
	*f = (struct find_first){ .call = call, .de = de, .out = r->out.pDirectoryData,
				  .gen = ++de->gen };
	TALLOC_FREE(de->entries);
	de->n = de->pos = 0;
	struct tevent_req *req = workpool_run_send(f, de->ctx->ev, de->ctx->pool, list_run, j);
	if (req == NULL) {
		talloc_free(j);
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, listed, f);
}

/* 3.3.4.3 */
static void find_next(struct dcom_call *call, void *object, void *rv)
{
	struct IDirectoryEnum_FindNext *r = rv;
	struct dir_enum *de = object;
	if (de->entries == NULL) { /* no FindFirst: as FindNextFile with a bad handle */
		dcom_call_done(call, HR_WIN32(ERROR_INVALID_HANDLE));
		return;
	}
	if (de->pos >= de->n) {
		memset(r->out.pDirectoryData, 0, sizeof(*r->out.pDirectoryData));
		dcom_call_done(call, HR_WIN32(ERROR_NO_MORE_FILES));
		return;
	}
	dcom_call_done(call, fill(r->out.pDirectoryData, &de->entries[de->pos++]));
}

/* 3.3.4.4 */
static void find_close(struct dcom_call *call, void *object, void *rv)
{
	struct dir_enum *de = object;
	TALLOC_FREE(de->entries);
	de->n = de->pos = 0;
	de->gen++;
	dcom_call_done(call, S_OK);
}

/* GetDriveString is E_NOTIMPL, as in Windows (<15>): its format is not
 * specified; EnumVolumes2 lists the drives. */
static const dcom_method_fn dir_enum_methods[] = {
	[NDR_IDIRECTORYENUM_FINDFIRST] = find_first,
	[NDR_IDIRECTORYENUM_FINDNEXT] = find_next,
	[NDR_IDIRECTORYENUM_FINDCLOSE] = find_close,
};

static const struct dcom_chain dir_enum_chains[] = {
	DCOM_CHAIN(IDirectoryEnum, dir_enum_methods),
};

static const struct dcom_class dir_enum_class = {
	.name = "DirectoryEnum",
	.chains = dir_enum_chains,
	.num_chains = 1,
};

/* 3.30.4.13 */
void local_device_enum_directory(struct dcom_call *call, void *object, void *rv)
{
	struct ILocalDeviceMgr_EnumDirectory *r = rv;
	struct dir_enum *de = talloc_zero(NULL, struct dir_enum);
	if (de == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	de->ctx = local_device_ctx(object);
	struct dcom_object *obj = dcom_object_new(call, de->ctx->ex, &dir_enum_class, de);
	dcom_call_done(call, obj ? dcom_marshal(call, obj, &idl_iface_IDirectoryEnum,
						r->out.ppDirectoryEnum)
				 : E_OUTOFMEMORY);
}
