#include "ctl/import_apply.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl/errors.h"
#include "ctl/model.h"
#include "ctl/parse.h"
#include "ctl/remote.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "istmd/utf16.h"

/* A disk path of the state: the WTD it has (or gets), or why it cannot. */
struct want_disk {
	const char *path;
	const char *description;
	bool registered; /* a disk has it already */
	bool usable;     /* registered, or registrable */
	uint32_t wtd;    /* when registered (or just registered) */
};

struct run {
	struct ctl_conn *c;
	struct imp_state *s;
	bool apply, json;
	json_t *actions; /* the plan's lines */
	struct ctl_target *have;
	size_t n_have;
	struct ctl_disk *disks;
	size_t n_disks;
	struct want_disk *want;
	size_t n_want;
	unsigned created, changed, kept;
};

/* One line of the plan: "+ target 'x'", printed at once (dry run) or once
 * done (the caller prints it after the call). */
static void line(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = talloc_vasprintf(r->c, fmt, ap);
	va_end(ap);
	if (text == NULL)
		return;
	if (r->json)
		json_array_append_new(r->actions, json_string(text));
	else
		printf("%s\n", text);
}

static const char *q(struct run *r, const char *text)
{
	return ctl_quote(r->c, text);
}

/* ---- disks ---- */

static struct want_disk *want_of(struct run *r, const char *path)
{
	for (size_t i = 0; i < r->n_want; i++) {
		if (strcmp(r->want[i].path, path) == 0)
			return &r->want[i];
	}
	return NULL;
}

static int want_add(struct run *r, const char *path, const char *description)
{
	if (want_of(r, path) != NULL)
		return 0;
	struct want_disk *v = talloc_realloc(r->c, r->want, struct want_disk, r->n_want + 1);
	if (v == NULL)
		return CTL_EXIT_FAILURE;
	r->want = v;
	v[r->n_want++] = (struct want_disk){ .path = path, .description = description };
	return 0;
}

/* The server's verdict on PATH (read-only calls): NULL when it can be
 * registered as a disk, else why not. */
static int disk_verdict(struct run *r, struct dcom_iface *ldm, const char *path,
			const char **why)
{
	uint32_t hr;
	*why = NULL;
	if (strncmp(path, "/dev/", 5) == 0) {
		*why = "a raw block device, not a VHD file: istmd serves only VHD files "
		       "(copy it into a VHD under a storage root)";
		return 0;
	}
	struct ILocalDeviceMgr_IsPathValid v = { .in.FilePath = path };
	int ret = ctl_call(r->c, ldm, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_ISPATHVALID, &v,
			   "IsPathValid", q(r, path), &hr);
	if (ret == 0 && HR_FAILED(hr)) {
		*why = talloc_asprintf(r->c, "not a path under istmd's storage roots (%s)",
				       ctl_hresult_meaning("IsPathValid", hr));
		return 0;
	}
	struct ILocalDeviceMgr_DoesFileExist e = { .in.FilePath = path };
	if (ret == 0)
		ret = ctl_call(r->c, ldm, &idl_iface_ILocalDeviceMgr,
			       NDR_ILOCALDEVICEMGR_DOESFILEEXIST, &e, "DoesFileExist", q(r, path),
			       &hr);
	if (ret == 0 && hr != S_OK) {
		*why = "the file does not exist";
		return 0;
	}
	struct ILocalDeviceMgr_IsValidWtDevice d = { .in.DevicePath = path };
	if (ret == 0)
		ret = ctl_call(r->c, ldm, &idl_iface_ILocalDeviceMgr,
			       NDR_ILOCALDEVICEMGR_ISVALIDWTDEVICE, &d, "IsValidWtDevice",
			       q(r, path), &hr);
	if (ret == 0 && hr == HR_WIN32(ERROR_INVALID_DATA))
		*why = "a raw file, not a VHD: istmd serves only VHD files (convert it, e.g. "
		       "qemu-img convert -O vpc -o subformat=fixed)";
	else if (ret == 0 && HR_FAILED(hr))
		*why = talloc_asprintf(r->c, "not a usable VHD (%s)",
				       ctl_hresult_meaning("IsValidWtDevice", hr));
	return ret;
}

static int plan_disks(struct run *r)
{
	struct dcom_iface *ldm = NULL, *dm = NULL;
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < r->s->n_disks; i++)
		ret = want_add(r, r->s->disks[i].path, r->s->disks[i].description);
	for (size_t i = 0; ret == 0 && i < r->s->n_targets; i++) {
		const struct imp_target *t = &r->s->targets[i];
		for (size_t j = 0; ret == 0 && j < t->n_luns; j++)
			ret = want_add(r, t->luns[j].path,
				       talloc_asprintf(r->c, "imported from %s", r->s->source));
	}
	for (size_t i = 0; ret == 0 && i < r->n_want; i++) {
		struct want_disk *w = &r->want[i];
		ret = ctl_disk_find_in(r->c, r->disks, r->n_disks, w->path, &w->wtd, &w->registered);
		if (ret != 0)
			break;
		w->usable = w->registered;
		if (w->registered) {
			line(r, "= disk %" PRIu32 " %s: registered already", w->wtd, q(r, w->path));
			continue;
		}
		const char *why;
		if (ldm == NULL && (ret = ctl_manager(r->c, CTL_LOCAL_DEVICE, &ldm)) != 0)
			break;
		if ((ret = disk_verdict(r, ldm, w->path, &why)) != 0)
			break;
		if (why != NULL) {
			imp_problem(r->s, "%s: %s", q(r, w->path), why);
			continue;
		}
		w->usable = true;
		if (!r->apply) {
			line(r, "+ disk %s: register the existing VHD", q(r, w->path));
			continue;
		}
		if (dm == NULL && (ret = ctl_manager(r->c, CTL_DISK_MGR, &dm)) != 0)
			break;
		struct IWTDiskMgr_CreateWTDisk cr = {
			.in.eDeviceType = WTDTypeFileBased,
			.in.DevicePath = w->path,
			.in.Description = w->description ? w->description : "",
		};
		ret = ctl_call(r->c, dm, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_CREATEWTDISK, &cr,
			       "CreateWTDisk", q(r, w->path), NULL);
		if (ret == 0) {
			w->wtd = *cr.out.pWTD;
			w->registered = true;
			line(r, "+ disk %" PRIu32 " %s: registered", w->wtd, q(r, w->path));
		}
	}
	return ret;
}

/* ---- targets ---- */

static const struct ctl_target *have_target(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->n_have; i++) {
		if (strcasecmp(r->have[i].name, name) == 0)
			return &r->have[i];
	}
	return NULL;
}

static bool has_initiator(const struct ctl_initiator *v, size_t n, uint32_t m, const char *value)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].method == m && strcasecmp(v[i].value, value) == 0)
			return true;
	}
	return false;
}

static bool want_initiator(const struct imp_target *t, uint32_t m, const char *value)
{
	for (size_t i = 0; i < t->n_initiators; i++) {
		if (t->initiators[i].method == m && strcasecmp(t->initiators[i].value, value) == 0)
			return true;
	}
	return false;
}

/* The steps of one target, run against HOST (NULL in a dry run of a new
 * target). Each step is a call when applying; the plan's line either way. */
struct tstep {
	struct run *r;
	const struct imp_target *t;
	struct dcom_iface *host;
	const char *s; /* the target, quoted */
	bool is_new;
	unsigned steps;
};

/* A call on the target (when applying) and its line of the plan (TEXT NULL:
 * a step without a line of its own). */
static int call_text(struct tstep *x, uint32_t opnum, void *args, const char *method,
		     const char *text)
{
	int ret = 0;
	if (x->r->apply)
		ret = ctl_call(x->r->c, x->host, &idl_iface_IHost, opnum, args, method, x->s, NULL);
	if (ret == 0) {
		if (text != NULL)
			line(x->r, "    %s", text);
		x->steps++;
	}
	return ret;
}

static int call(struct tstep *x, uint32_t opnum, void *args, const char *method, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));
static int call(struct tstep *x, uint32_t opnum, void *args, const char *method, const char *fmt,
		...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = talloc_vasprintf(x->r->c, fmt, ap);
	va_end(ap);
	return call_text(x, opnum, args, method, text ? text : "?");
}

/* The current secret of a CHAP direction (the server gives it to admins). */
static const char *secret_of(struct tstep *x, bool reverse)
{
	if (x->host == NULL)
		return NULL;
	if (reverse) {
		struct IHost_get_ReverseCHAPSecret g = { 0 };
		return ctl_call(x->r->c, x->host, &idl_iface_IHost,
				NDR_IHOST_GET_REVERSECHAPSECRET, &g, "ReverseCHAPSecret", x->s,
				NULL) == 0 ? *g.out.pSecret : NULL;
	}
	struct IHost_get_CHAPSecret g = { 0 };
	return ctl_call(x->r->c, x->host, &idl_iface_IHost, NDR_IHOST_GET_CHAPSECRET, &g,
			"CHAPSecret", x->s, NULL) == 0 ? *g.out.pSecret : NULL;
}

/* One CHAP direction: WANT (user NULL: off) against what the target has. */
static int sync_chap(struct tstep *x, bool reverse, const struct imp_chap *want, bool on,
		     const char *user)
{
	const char *kind = reverse ? "mutual CHAP" : "CHAP";
	int ret = 0;
	if (want->user == NULL) {
		if (!on)
			return 0;
		struct IHost_put_EnableCHAP e = { .in.bEnable = 0 };
		struct IHost_put_EnableReverseCHAP er = { .in.bEnable = 0 };
		return reverse ? call(x, NDR_IHOST_PUT_ENABLEREVERSECHAP, &er, "EnableReverseCHAP",
				      "- %s", kind)
			       : call(x, NDR_IHOST_PUT_ENABLECHAP, &e, "EnableCHAP", "- %s", kind);
	}
	bool same_user = on && user != NULL && strcmp(user, want->user) == 0;
	if (want->secret == NULL) {
		if (!same_user)
			imp_problem(x->r->s, "%s of target %s (user %s): the secret is not in %s; "
					     "set it with istmctl chap %s --user %s%s, then enable "
					     "the target (%s disabled meanwhile)",
				    kind, x->s, q(x->r, want->user), x->r->s->source, x->t->name,
				    want->user, reverse ? " --mutual" : "",
				    x->is_new ? "it is created" : "it is");
		return 0;
	}
	if (same_user) {
		const char *have = secret_of(x, reverse);
		if (have != NULL && strcmp(have, want->secret) == 0)
			return 0;
	}
	if (reverse) {
		struct IHost_put_ReverseCHAPUserName u = { .in.UserName = want->user };
		struct IHost_put_ReverseCHAPSecret p = { .in.Secret = want->secret };
		struct IHost_put_EnableReverseCHAP e = { .in.bEnable = 1 };
		ret = call(x, NDR_IHOST_PUT_REVERSECHAPUSERNAME, &u, "ReverseCHAPUserName",
			   "+ mutual CHAP user %s", q(x->r, want->user));
		if (ret == 0)
			ret = call(x, NDR_IHOST_PUT_REVERSECHAPSECRET, &p, "ReverseCHAPSecret",
				   "+ mutual CHAP secret (not shown)");
		if (ret == 0)
			ret = call(x, NDR_IHOST_PUT_ENABLEREVERSECHAP, &e, "EnableReverseCHAP",
				   "+ mutual CHAP on");
	} else {
		struct IHost_put_CHAPUserName u = { .in.UserName = want->user };
		struct IHost_put_CHAPSecret p = { .in.Secret = want->secret };
		struct IHost_put_EnableCHAP e = { .in.bEnable = 1 };
		ret = call(x, NDR_IHOST_PUT_CHAPUSERNAME, &u, "CHAPUserName", "+ CHAP user %s",
			   q(x->r, want->user));
		if (ret == 0)
			ret = call(x, NDR_IHOST_PUT_CHAPSECRET, &p, "CHAPSecret",
				   "+ CHAP secret (not shown)");
		if (ret == 0)
			ret = call(x, NDR_IHOST_PUT_ENABLECHAP, &e, "EnableCHAP", "+ CHAP on");
	}
	return ret;
}

static int sync_params(struct tstep *x, const struct ctl_target *h)
{
	const struct imp_params *p = &x->t->params;
	int ret = 0;
#define PARAM(field, have, NAME, method)                                                       \
	if (ret == 0 && p->field != 0 && p->field != (have)) {                                 \
		struct IHost_put_##method a = { .in.nLength = p->field };                      \
		ret = call(x, NDR_IHOST_PUT_##NAME, &a, #method, "~ %s %" PRIu32, #method,     \
			   p->field);                                                          \
	}
	PARAM(max_recv_data_segment_length, h ? h->max_recv_data_segment_length : 0,
	      TARGETMAXRECVDATASEGMENTLENGTH, TargetMaxRecvDataSegmentLength)
	PARAM(first_burst_length, h ? h->first_burst_length : 0, TARGETFIRSTBURSTLENGTH,
	      TargetFirstBurstLength)
	PARAM(max_burst_length, h ? h->max_burst_length : 0, TARGETMAXBURSTLENGTH,
	      TargetMaxBurstLength)
#undef PARAM
	if (ret == 0 && p->num_recv_buffers != 0 &&
	    (h == NULL || p->num_recv_buffers != h->num_recv_buffers)) {
		struct IHost_put_NumRecvBuffers a = { .in.nNumBuffers = p->num_recv_buffers };
		ret = call(x, NDR_IHOST_PUT_NUMRECVBUFFERS, &a, "NumRecvBuffers",
			   "~ NumRecvBuffers %" PRIu32, p->num_recv_buffers);
	}
	if (ret == 0 && p->has_idle &&
	    (h == NULL || p->enforce_idle_timeout != h->enforce_idle_timeout_detection)) {
		struct IHost_put_EnforceIdleTimeoutDetection a = {
			.in.bEnable = p->enforce_idle_timeout };
		ret = call(x, NDR_IHOST_PUT_ENFORCEIDLETIMEOUTDETECTION, &a,
			   "EnforceIdleTimeoutDetection", "~ EnforceIdleTimeoutDetection %s",
			   p->enforce_idle_timeout ? "on" : "off");
	}
	return ret;
}

/* Initiators: what the target has and should not is removed, the rest added. */
static int sync_initiators(struct tstep *x, const struct ctl_target *h)
{
	int ret = 0;
	for (size_t i = 0; ret == 0 && h != NULL && i < h->n_initiators; i++) {
		const struct ctl_initiator *id = &h->initiators[i];
		if (want_initiator(x->t, id->method, id->value))
			continue;
		struct ID v = { .eMethod = (enum IDMethod)id->method };
		WSTR_SET(v.szValue, id->value);
		struct IHost_RemoveID a = { .in.pIDMethod = &v };
		ret = call(x, NDR_IHOST_REMOVEID, &a, "RemoveID", "- initiator %s:%s",
			   ctl_id_method_name(id->method), id->value);
	}
	for (size_t i = 0; ret == 0 && i < x->t->n_initiators; i++) {
		const struct imp_initiator *id = &x->t->initiators[i];
		if (h != NULL && has_initiator(h->initiators, h->n_initiators, id->method, id->value))
			continue;
		struct ID v = { .eMethod = (enum IDMethod)id->method };
		if (WSTR_SET(v.szValue, id->value) != 0) {
			imp_problem(x->r->s, "initiator %s of target %s: too long", id->value, x->s);
			continue;
		}
		struct IHost_AddID a = { .in.pIDMethod = &v };
		ret = call(x, NDR_IHOST_ADDID, &a, "AddID", "+ initiator %s:%s",
			   ctl_id_method_name(id->method), id->value);
	}
	return ret;
}

/* LUN mappings: each wanted LUN whose disk is usable is mapped at its
 * number; mappings the target has and should not are taken away. */
static int sync_luns(struct tstep *x, const struct ctl_target *h)
{
	int ret = 0;
	for (size_t i = 0; ret == 0 && h != NULL && i < h->n_luns; i++) {
		bool wanted = false;
		for (size_t j = 0; j < x->t->n_luns && !wanted; j++) {
			const struct want_disk *w = want_of(x->r, x->t->luns[j].path);
			wanted = w != NULL && w->registered && w->wtd == h->luns[i].wtd;
		}
		if (wanted)
			continue;
		struct IHost_RemoveWTDisk a = { .in.nWTD = h->luns[i].wtd };
		ret = call(x, NDR_IHOST_REMOVEWTDISK, &a, "RemoveWTDisk",
			   "- LUN %" PRIu32 " (virtual disk %" PRIu32 ")", h->luns[i].lun,
			   h->luns[i].wtd);
	}
	for (size_t j = 0; ret == 0 && j < x->t->n_luns; j++) {
		const struct imp_lun *l = &x->t->luns[j];
		const struct want_disk *w = want_of(x->r, l->path);
		if (w == NULL || !w->usable) {
			imp_problem(x->r->s, "LUN %" PRIu32 " of target %s: its backing store %s "
					     "cannot be carried over (above)", l->lun, x->s,
				    q(x->r, l->path));
			continue;
		}
		const struct ctl_lun *have = NULL;
		for (size_t i = 0; h != NULL && w->registered && i < h->n_luns && !have; i++)
			have = h->luns[i].wtd == w->wtd ? &h->luns[i] : NULL;
		if (have != NULL && have->lun == l->lun)
			continue;
		if (have == NULL) {
			struct IHost_AddWTDisk a = { .in.nWTD = w->wtd };
			ret = call(x, NDR_IHOST_ADDWTDISK, &a, "AddWTDisk", "+ LUN %" PRIu32 ": %s",
				   l->lun, q(x->r, l->path));
		}
		struct IHost_SetWTDiskLunMapping m = { .in.nWTD = w->wtd, .in.nNewLun = l->lun };
		if (ret == 0 && have == NULL)
			ret = call_text(x, NDR_IHOST_SETWTDISKLUNMAPPING, &m, "SetWTDiskLunMapping",
					NULL);
		else if (ret == 0)
			ret = call(x, NDR_IHOST_SETWTDISKLUNMAPPING, &m, "SetWTDiskLunMapping",
				   "~ LUN %" PRIu32 " becomes LUN %" PRIu32 ": %s", have->lun, l->lun,
				   q(x->r, l->path));
	}
	return ret;
}

/* A target's CHAP cannot be set (no secret) on a target that does not have
 * it: such a target is created disabled rather than open to anyone. */
static bool chap_missing(const struct imp_target *t, const struct ctl_target *h)
{
	bool one = t->chap.user != NULL && t->chap.secret == NULL &&
		   !(h && h->chap && h->chap_user && strcmp(h->chap_user, t->chap.user) == 0);
	bool two = t->mutual.user != NULL && t->mutual.secret == NULL &&
		   !(h && h->mutual_chap && h->mutual_chap_user &&
		     strcmp(h->mutual_chap_user, t->mutual.user) == 0);
	return one || two;
}

static int sync_target(struct run *r, const struct imp_target *t)
{
	const struct ctl_target *h = have_target(r, t->name);
	struct tstep x = { .r = r, .t = t, .s = q(r, t->name), .is_new = h == NULL };
	int ret = 0;
	if (h != NULL && strcasecmp(h->iqn, t->iqn) != 0) {
		imp_problem(r->s, "target %s: istmd has a target of that name with IQN %s, not %s; "
				  "left alone", x.s, h->iqn, t->iqn);
		return 0;
	}
	for (size_t i = 0; h == NULL && i < r->n_have; i++) {
		if (strcasecmp(r->have[i].iqn, t->iqn) == 0) {
			imp_problem(r->s, "target %s: its IQN %s is target %s's in istmd; left alone",
				    x.s, t->iqn, q(r, r->have[i].name));
			return 0;
		}
	}
	bool enable = t->enabled && !chap_missing(t, h);
	if (h == NULL) {
		line(r, "+ target %s (%s)%s", x.s, t->iqn, enable ? "" : ", disabled");
		if (r->apply) {
			struct dcom_iface *mgr;
			struct IHostMgr_NewHost n = { .in.HostName = t->name };
			struct IHost_put_TargetIQN iqn = { .in.TargetIQN = t->iqn };
			ret = ctl_manager(r->c, CTL_HOST_MGR, &mgr);
			if (ret == 0)
				ret = ctl_call(r->c, mgr, &idl_iface_IHostMgr, NDR_IHOSTMGR_NEWHOST, &n,
					       "NewHost", x.s, NULL);
			if (ret == 0)
				ret = ctl_unmarshal(r->c, *n.out.ppNewHost, "NewHost", &x.host);
			if (ret == 0)
				ret = ctl_call(r->c, x.host, &idl_iface_IHost,
					       NDR_IHOST_PUT_TARGETIQN, &iqn, "TargetIQN", x.s, NULL);
			if (ret == 0)
				ret = ctl_target_save(r->c, x.host, x.s);
		}
	} else if (r->apply) {
		ret = ctl_target_open(r->c, t->name, &x.host);
	} else {
		x.host = NULL;
	}
	/* A dry run reads an existing target's secrets to compare them. */
	if (h != NULL && !r->apply && (t->chap.secret != NULL || t->mutual.secret != NULL))
		ret = ctl_target_open(r->c, t->name, &x.host);
	if (h != NULL)
		line(r, "  target %s (%s):", x.s, t->iqn);
	if (ret == 0 && t->description != NULL &&
	    (h == NULL ? t->description[0] != '\0' : strcmp(h->description, t->description) != 0)) {
		struct IHost_put_Description d = { .in.Description = t->description };
		ret = call(&x, NDR_IHOST_PUT_DESCRIPTION, &d, "Description", "~ description %s",
			   q(r, t->description));
	}
	if (ret == 0 && (h == NULL ? !enable : h->enabled != enable)) {
		struct IHost_put_Enable e = { .in.bEnable = enable };
		ret = call(&x, NDR_IHOST_PUT_ENABLE, &e, "Enable", "~ %s",
			   enable ? "enabled" : "disabled");
	}
	if (ret == 0)
		ret = sync_params(&x, h);
	if (ret == 0)
		ret = sync_initiators(&x, h);
	if (ret == 0)
		ret = sync_luns(&x, h);
	/* Mutual CHAP goes off before one-way CHAP, and on after it. */
	if (ret == 0 && t->mutual.user == NULL)
		ret = sync_chap(&x, true, &t->mutual, h && h->mutual_chap, h ? h->mutual_chap_user : NULL);
	if (ret == 0)
		ret = sync_chap(&x, false, &t->chap, h && h->chap, h ? h->chap_user : NULL);
	if (ret == 0 && t->mutual.user != NULL)
		ret = sync_chap(&x, true, &t->mutual, h && h->mutual_chap, h ? h->mutual_chap_user : NULL);
	if (ret == 0 && r->apply && x.steps > 0)
		ret = ctl_target_save(r->c, x.host, x.s);
	if (ret != 0)
		return ret;
	if (h == NULL)
		r->created++;
	else if (x.steps > 0)
		r->changed++;
	else {
		r->kept++;
		line(r, "    = unchanged");
	}
	return 0;
}

int imp_apply(struct ctl_conn *c, struct imp_state *s, bool apply, bool json)
{
	struct run r = { .c = c, .s = s, .apply = apply, .json = json, .actions = json_array() };
	int ret = ctl_target_list(c, &r.have, &r.n_have);
	if (ret == 0)
		ret = ctl_disk_list(c, &r.disks, &r.n_disks);
	if (ret == 0 && !json)
		printf("%s %s:\n", apply ? "Importing" : "Plan for (dry run; --apply does it)",
		       s->source);
	if (ret == 0)
		ret = plan_disks(&r);
	for (size_t i = 0; ret == 0 && i < s->n_targets; i++)
		ret = sync_target(&r, &s->targets[i]);
	if (ret != 0) {
		json_decref(r.actions);
		return ret;
	}
	if (json) {
		json_t *problems = json_array(), *notes = json_array();
		for (size_t i = 0; i < s->n_problems; i++)
			json_array_append_new(problems, json_string(s->problems[i]));
		for (size_t i = 0; i < s->n_notes; i++)
			json_array_append_new(notes, json_string(s->notes[i]));
		ctl_json_emit(stdout, json_pack("{s:s, s:b, s:o, s:{s:i, s:i, s:i}, s:o, s:o}",
						"source", s->source, "applied", apply, "actions",
						r.actions, "targets", "created", r.created,
						"changed", r.changed, "unchanged", r.kept,
						"not_carried_over", problems, "notes", notes));
	} else {
		json_decref(r.actions);
		for (size_t i = 0; i < s->n_notes; i++)
			printf("note: %s\n", s->notes[i]);
		for (size_t i = 0; i < s->n_problems; i++)
			printf("cannot carry over: %s\n", s->problems[i]);
		printf("%u target(s) %s, %u %s, %u unchanged; %zu thing(s) not carried over\n",
		       r.created, apply ? "created" : "to create", r.changed,
		       apply ? "changed" : "to change", r.kept, s->n_problems);
	}
	return s->n_problems > 0 ? CTL_EXIT_FAILURE : 0;
}
