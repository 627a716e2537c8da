/* What a client changes on an IWTDisk: Description, ResourceName and
 * CacheParent are staged in the object and committed by Save (3.43.4.34);
 * Enable takes effect at once (3.44.4.2: the LUN appears or goes). */
#include "istm/disk_internal.h"

#include <errno.h>
#include <string.h>

#include "backend/storage_paths.h"
#include "idl/ndr_ms_istm.h"
#include "istm/errmap.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

static const struct istm_errmap update_errors[] = {
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) },
	{ -EINVAL, E_INVALIDARG },
	{ -EMEDIUMTYPE, E_INVALIDARG },
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ 0, 0 },
};

/* 3.43.4.14. A NULL BSTR is the empty string (MS-OAUT 2.2.23). */
void istm_disk_put_description(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_put_Description *r = rv;
	struct istm_disk *o = object;
	const char *text = r->in.Description ? r->in.Description : "";
	if (strlen(text) > CORE_TEXT_MAX) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	if (istm_disk_view(call, r, o) == NULL)
		return;
	char *copy = talloc_strdup(o, text);
	if (copy == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	talloc_free(o->description);
	o->description = copy;
	o->staged |= CORE_DISK_SET_DESCRIPTION;
	o->stage_gen++;
	dcom_call_done(call, S_OK);
}

/* 3.43.4.16. A disk stays on its file: any spelling of that file is
 * accepted (S_OK, nothing changes); another file is E_NOTIMPL
 * (docs/compat.md: DeleteWTDisk and CreateWTDisk move a disk). */
void istm_disk_put_device_path(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk_put_DevicePath *r = rv;
	struct istm_disk *o = object;
	const char *in = r->in.DevicePath ? r->in.DevicePath : "";
	struct core_disk *d = istm_disk_view(call, r, o);
	if (d == NULL)
		return;
	struct storage_path *p = NULL;
	int rc = storage_path_parse(r, o->ctx->storage, in, &p);
	if (rc < 0) {
		dcom_call_done(call, rc == -EACCES ? E_ACCESSDENIED : E_INVALIDARG);
		return;
	}
	dcom_call_done(call, strcmp(p->posix, d->path) == 0 ? S_OK : E_NOTIMPL);
}

/* 3.44.4.4: a name the core keeps (not empty, at most MAX_RESOURCE_GROUP_NAME). */
void istm_disk_put_resource_name(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk2_put_ResourceName *r = rv;
	struct istm_disk *o = object;
	const char *name = r->in.ResourceName;
	if (name == NULL || name[0] == '\0' || strlen(name) > CORE_RESOURCE_NAME_MAX) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	if (istm_disk_view(call, r, o) == NULL)
		return;
	char *copy = talloc_strdup(o, name);
	if (copy == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	talloc_free(o->resource_name);
	o->resource_name = copy;
	o->staged |= CORE_DISK_SET_RESOURCE_NAME;
	o->stage_gen++;
	dcom_call_done(call, S_OK);
}

/* 3.45.4.5: differencing VHDs only. */
void istm_disk_put_cache_parent(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk3_put_CacheParent *r = rv;
	struct istm_disk *o = object;
	struct core_disk *d = istm_disk_view(call, r, o);
	if (d == NULL)
		return;
	if (d->vhd_type != CORE_VHD_DIFFERENCING) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	o->cache_parent = r->in.CacheParent != 0;
	o->staged |= CORE_DISK_SET_CACHE_PARENT;
	o->stage_gen++;
	dcom_call_done(call, S_OK);
}

/* ---- committing ------------------------------------------------------------------- */

struct commit {
	struct dcom_call *call;
	struct istm_disk *o;
	unsigned committed; /* the staged fields sent */
	unsigned gen;       /* the object's stage_gen when they were sent */
	const char *what;
};

static void commit_done(struct tevent_req *req)
{
	struct commit *c = tevent_req_callback_data(req, struct commit);
	char *why = NULL;
	int rc = core_disk_update_recv(req, c, &why);
	if (rc == 0) {
		/* What was sent is the core's now, unless a put changed it since
		 * (then everything stays staged for the next Save). */
		if (c->o->stage_gen == c->gen)
			c->o->staged &= ~c->committed;
		log_info("disk %u: %s by %s", c->o->wtd, c->what, dcom_call_user(c->call));
	} else {
		log_notice("disk %u: %s refused: %s", c->o->wtd, c->what, why ? why : strerror(-rc));
	}
	dcom_call_done(c->call, istm_hr(rc, update_errors));
}

/* Sends the staged fields plus EXTRA (with its values in *UPD). */
static void commit(struct dcom_call *call, struct istm_disk *o, struct core_disk_update *upd,
		   const char *what)
{
	struct commit *c = talloc_zero(call, struct commit);
	if (c == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	c->call = call;
	c->o = o;
	c->committed = o->staged;
	c->gen = o->stage_gen;
	c->what = what;
	upd->fields |= o->staged;
	upd->description = o->description;
	upd->resource_name = o->resource_name;
	upd->cache_parent = o->cache_parent;
	struct tevent_req *req = core_disk_update_send(c, o->ctx->core, o->wtd, upd);
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, commit_done, c);
}

/* 3.43.4.34 */
void istm_disk_save(struct dcom_call *call, void *object, void *rv)
{
	struct istm_disk *o = object;
	if (istm_disk_view(call, rv, o) == NULL)
		return;
	if (o->staged == 0) {
		dcom_call_done(call, S_OK);
		return;
	}
	struct core_disk_update upd = { 0 };
	commit(call, o, &upd, "settings saved");
}

/* 3.44.4.2: persisted at once, with a staged CacheParent (which applies the
 * next time the VHD is opened). Nothing here rolls back, so the
 * ERROR_SHARING_VIOLATION case does not arise. */
void istm_disk_put_enable(struct dcom_call *call, void *object, void *rv)
{
	struct IWTDisk2_put_Enable *r = rv;
	struct istm_disk *o = object;
	if (istm_disk_view(call, r, o) == NULL)
		return;
	struct core_disk_update upd = {
		.fields = CORE_DISK_SET_ENABLED,
		.enabled = r->in.bEnable != 0,
	};
	/* Only CacheParent goes along: the other staged fields wait for Save. */
	unsigned others = o->staged & ~CORE_DISK_SET_CACHE_PARENT;
	o->staged &= ~others;
	commit(call, o, &upd, upd.enabled ? "enabled" : "disabled");
	o->staged |= others;
}
