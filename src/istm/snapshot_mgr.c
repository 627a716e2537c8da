/* ISnapshotMgr (MS-ISTM 3.38): the snapshot collection and the three-phase
 * create. PrepareCreateSnapshot reserves an id for a disk; the snapshots a
 * client (user and address) prepared since its last DoCreateSnapshot form
 * one set, which the first
 * DoCreateSnapshot of any of them takes at one instant (core/snapshots.h);
 * DoEndSnapshot waits for it and answers its outcome. Prepared snapshots
 * live in memory only: a restart forgets those not yet taken. */
#include "istm/istm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "core/snapshots.h"
#include "idl/ndr_ms_istm.h"
#include "istm/errmap.h"
#include "istm/snapshot.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

#ifndef ERROR_IO_PENDING
#define ERROR_IO_PENDING 997u
#endif
/* MS-ISTM 2.2.1: "Shadow copying the specified volume is not supported":
 * a disk whose file system cannot reflink (ext4). ERROR_INVALID_FUNCTION
 * stays for a disk of the wrong VhdType (3.38.4.3, <80>). */
#define VSS_E_VOLUME_NOT_SUPPORTED 0x8004230Cu
/* MS-ISTM 2.2.1: "The specified volume has already reached its maximum
 * number of shadow copies": here the disk (CORE_SNAPSHOTS_PER_DISK_MAX). */
#define VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED 0x80042317u

/* Prepared and in-flight snapshots kept at most (older prepared ones go). */
#define PENDING_MAX 256

enum pend_state { PEND_PREPARED, PEND_TAKING, PEND_DONE };

struct pend {
	char id[CORE_GUID_LEN + 1];
	char *owner; /* "user@address" of the caller that prepared it */
	uint32_t wtd;
	enum pend_state state;
	int rc;
	char *why;
};

struct istm_snap_pending {
	struct istm_context *ctx;
	struct pend *items; /* talloc array */
	size_t n;
};

static struct istm_snap_pending *pending(struct istm_context *ctx)
{
	if (ctx->snap_pending == NULL) {
		ctx->snap_pending = talloc_zero(ctx, struct istm_snap_pending);
		if (ctx->snap_pending != NULL) {
			ctx->snap_pending->ctx = ctx;
			ctx->snap_pending->items = talloc_zero_array(ctx->snap_pending, struct pend, 0);
		}
	}
	return ctx->snap_pending;
}

static struct pend *pend_find(struct istm_snap_pending *p, const char *id)
{
	for (size_t i = 0; p != NULL && i < p->n; i++)
		if (strcmp(p->items[i].id, id) == 0)
			return &p->items[i];
	return NULL;
}

static void pend_remove(struct istm_snap_pending *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->items[i].id, id) != 0)
			continue;
		talloc_free(p->items[i].why);
		talloc_free(p->items[i].owner);
		memmove(&p->items[i], &p->items[i + 1], (p->n - i - 1) * sizeof(p->items[0]));
		p->n--;
		return;
	}
}

static struct istm_context *ctx_of(void *object)
{
	return ((struct istm_manager *)object)->ctx;
}

static void guid_text(const struct GUID *g, char out[CORE_GUID_LEN + 1])
{
	struct GUID_txt_buf buf;
	snprintf(out, CORE_GUID_LEN + 1, "%s", GUID_buf_string(g, &buf));
}

/* 3.38.4.1 */
static void enum_snapshots(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshotMgr_EnumSnapshots *r = rv;
	struct istm_context *ctx = ctx_of(object);
	struct core_snapshot **snaps = NULL;
	size_t n = 0;
	if (core_snapshot_list(r, ctx->core, CORE_NO_WTD, &snaps, &n) < 0) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	dcom_call_done(call, istm_snapshot_enum_return(call, ctx, snaps, n, r->out.ppEnumSnapshot));
}

/* 3.38.4.2 */
static void get_snapshot(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshotMgr_GetSnapshot *r = rv;
	struct istm_context *ctx = ctx_of(object);
	char id[CORE_GUID_LEN + 1];
	guid_text(&r->in.SnapshotId, id);
	struct core_snapshot *s = core_snapshot_get(r, ctx->core, id);
	if (s == NULL) {
		dcom_call_done(call, HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	struct dcom_object *obj = istm_snapshot_new(call, ctx, id);
	dcom_call_done(call, obj == NULL ? E_OUTOFMEMORY
					 : dcom_marshal(call, obj, &idl_iface_ISnapshot,
							r->out.ppSnapshot));
}

/* 3.38.4.3 */
static void prepare_create(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshotMgr_PrepareCreateSnapshot *r = rv;
	struct istm_context *ctx = ctx_of(object);
	struct istm_snap_pending *p = pending(ctx);
	if (p == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	struct core_disk *d = core_disk_by_wtd(r, ctx->core, r->in.nWTD);
	if (d == NULL || !d->enabled) {
		dcom_call_done(call, HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	char *why = NULL;
	int rc = core_snapshot_supported(r, ctx->core, d->wtd, &why);
	if (rc < 0) {
		log_info("PrepareCreateSnapshot of disk %u: %s", d->wtd, why ? why : "refused");
		dcom_call_done(call, rc == -EOPNOTSUPP ? VSS_E_VOLUME_NOT_SUPPORTED
						       : HRESULT_FROM_WIN32(ERROR_INVALID_FUNCTION));
		return;
	}
	char id[CORE_GUID_LEN + 1];
	if (GUID_all_zero(r->in.pSnapshotId)) {
		struct GUID g = GUID_random();
		*r->out.pSnapshotId = g;
	}
	guid_text(r->out.pSnapshotId, id);
	struct core_snapshot *old = core_snapshot_get(r, ctx->core, id);
	if (old != NULL || pend_find(p, id) != NULL) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	if (p->n >= PENDING_MAX) { /* the oldest prepared one is forgotten */
		for (size_t i = 0; i < p->n; i++)
			if (p->items[i].state != PEND_TAKING) {
				pend_remove(p, p->items[i].id);
				break;
			}
		if (p->n >= PENDING_MAX) {
			dcom_call_done(call, HRESULT_FROM_WIN32(ERROR_BUSY));
			return;
		}
	}
	struct pend *a = talloc_realloc(p, p->items, struct pend, p->n + 1);
	if (a == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	p->items = a;
	memset(&a[p->n], 0, sizeof(a[p->n]));
	snprintf(a[p->n].id, sizeof(a[p->n].id), "%s", id);
	a[p->n].wtd = d->wtd;
	a[p->n].owner = talloc_asprintf(p, "%s@%s", dcom_call_user(call) ? dcom_call_user(call) : "",
					dcom_call_remote_address(call) ? dcom_call_remote_address(call)
								       : "");
	a[p->n].state = PEND_PREPARED;
	p->n++;
	dcom_call_done(call, S_OK);
}

struct taking {
	struct istm_snap_pending *p;
	char **ids;
	size_t n;
};

static void taken(struct tevent_req *subreq)
{
	struct taking *t = tevent_req_callback_data(subreq, struct taking);
	char *why = NULL;
	uint64_t hold = 0;
	int rc = core_snapshot_create_recv(subreq, t, NULL, &hold, &why);
	talloc_free(subreq);
	for (size_t i = 0; i < t->n; i++) {
		struct pend *e = pend_find(t->p, t->ids[i]);
		if (e == NULL)
			continue;
		e->state = PEND_DONE;
		e->rc = rc;
		e->why = why ? talloc_strdup(t->p, why) : NULL;
	}
	if (rc < 0)
		log_info("DoCreateSnapshot: %s", why ? why : strerror(-rc));
	talloc_free(t);
}

/* 3.38.4.4: takes the whole prepared set, without waiting. */
static void do_create(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshotMgr_DoCreateSnapshot *r = rv;
	struct istm_context *ctx = ctx_of(object);
	struct istm_snap_pending *p = pending(ctx);
	char id[CORE_GUID_LEN + 1];
	guid_text(&r->in.SnapshotId, id);
	struct pend *e = pend_find(p, id);
	if (e == NULL) {
		struct core_snapshot *s = core_snapshot_get(r, ctx->core, id);
		dcom_call_done(call, s != NULL ? S_OK : HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	if (e->state != PEND_PREPARED) {
		dcom_call_done(call, S_OK);
		return;
	}
	struct taking *t = talloc_zero(p, struct taking);
	uint32_t *wtds = t ? talloc_zero_array(t, uint32_t, p->n) : NULL;
	if (wtds != NULL)
		t->ids = talloc_zero_array(t, char *, p->n);
	if (t == NULL || t->ids == NULL) {
		talloc_free(t);
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	t->p = p;
	/* the set: what the same client prepared since its last DoCreate */
	const char *owner = talloc_strdup(t, e->owner ? e->owner : "");
	for (size_t i = 0; i < p->n; i++) {
		if (p->items[i].state != PEND_PREPARED ||
		    strcmp(p->items[i].owner ? p->items[i].owner : "", owner) != 0)
			continue;
		wtds[t->n] = p->items[i].wtd;
		t->ids[t->n] = talloc_strdup(t->ids, p->items[i].id);
		p->items[i].state = PEND_TAKING;
		t->n++;
	}
	struct tevent_req *subreq = core_snapshot_create_send(t, ctx->core, wtds, t->n,
							      (const char *const *)t->ids, NULL);
	if (subreq == NULL) {
		for (size_t i = 0; i < t->n; i++)
			pend_find(p, t->ids[i])->state = PEND_PREPARED;
		talloc_free(t);
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(subreq, taken, t);
	dcom_call_done(call, S_OK);
}

static const struct istm_errmap create_errors[] = {
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) },
	{ -EMEDIUMTYPE, HR_WIN32(ERROR_INVALID_FUNCTION) },
	{ -EOPNOTSUPP, VSS_E_VOLUME_NOT_SUPPORTED },
	{ -EMLINK, VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED },
	{ -EINVAL, E_INVALIDARG },
	/* an unregistered snapshot file has the id (3.38.4.3: the GUID MUST
	 * NOT match an existing snapshot's) */
	{ -EEXIST, E_INVALIDARG },
	{ 0, 0 },
};

/* DoEndSnapshot's wait: looks at the set every few milliseconds (a reflink
 * set takes milliseconds); the timer belongs to the call. */
struct end_wait {
	struct dcom_call *call;
	struct istm_snap_pending *p;
	char id[CORE_GUID_LEN + 1];
};

static void end_check(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		      void *priv)
{
	struct end_wait *w = priv;
	struct pend *e = pend_find(w->p, w->id);
	if (e != NULL && e->state == PEND_TAKING) {
		if (tevent_add_timer(ev, w, tevent_timeval_current_ofs(0, 5000), end_check, w) == NULL)
			dcom_call_done(w->call, E_OUTOFMEMORY);
		return;
	}
	int rc = e != NULL ? e->rc : 0;
	if (e != NULL)
		pend_remove(w->p, w->id);
	dcom_call_done(w->call, istm_hr(rc, create_errors));
}

/* 3.38.4.5 */
static void do_end(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshotMgr_DoEndSnapshot *r = rv;
	struct istm_context *ctx = ctx_of(object);
	struct istm_snap_pending *p = pending(ctx);
	char id[CORE_GUID_LEN + 1];
	guid_text(&r->in.SnapshotId, id);
	struct pend *e = pend_find(p, id);
	if (e == NULL || e->state == PEND_PREPARED) {
		struct core_snapshot *s = core_snapshot_get(r, ctx->core, id);
		dcom_call_done(call, s != NULL ? S_OK : HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	struct end_wait *w = talloc_zero(r, struct end_wait);
	if (w == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	w->call = call;
	w->p = p;
	memcpy(w->id, id, sizeof(w->id));
	end_check(ctx->ev, NULL, tevent_timeval_current(), w);
}

static const struct istm_errmap delete_errors[] = {
	{ -EBUSY, HR_WIN32(ERROR_SHARING_VIOLATION) },
	{ 0, 0 },
};

static void deleted(struct tevent_req *subreq)
{
	struct dcom_call *call = tevent_req_callback_data(subreq, struct dcom_call);
	char *why = NULL;
	int rc = core_snapshot_delete_recv(subreq, subreq, &why);
	if (rc < 0)
		log_info("DeleteSnapshot by %s: %s", dcom_call_user(call), why ? why : strerror(-rc));
	talloc_free(subreq);
	dcom_call_done(call, istm_hr(rc, delete_errors));
}

/* 3.38.4.6: an unknown id is S_OK; a prepared one is forgotten. */
static void delete_snapshot(struct dcom_call *call, void *object, void *rv)
{
	struct ISnapshotMgr_DeleteSnapshot *r = rv;
	struct istm_context *ctx = ctx_of(object);
	struct istm_snap_pending *p = pending(ctx);
	char id[CORE_GUID_LEN + 1];
	guid_text(&r->in.SnapshotId, id);
	struct pend *e = pend_find(p, id);
	if (e != NULL && e->state == PEND_TAKING) {
		dcom_call_done(call, HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION));
		return;
	}
	if (e != NULL)
		pend_remove(p, id);
	struct tevent_req *subreq = core_snapshot_delete_send(r, ctx->core, id);
	if (subreq == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(subreq, deleted, call);
}

bool istm_snapshot_pending(struct istm_context *ctx, const char *id)
{
	return pend_find(ctx->snap_pending, id) != NULL;
}

static const dcom_method_fn snapshot_mgr_methods[] = {
	[NDR_ISNAPSHOTMGR_ENUMSNAPSHOTS] = enum_snapshots,
	[NDR_ISNAPSHOTMGR_GETSNAPSHOT] = get_snapshot,
	[NDR_ISNAPSHOTMGR_PREPARECREATESNAPSHOT] = prepare_create,
	[NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT] = do_create,
	[NDR_ISNAPSHOTMGR_DOENDSNAPSHOT] = do_end,
	[NDR_ISNAPSHOTMGR_DELETESNAPSHOT] = delete_snapshot,
	[NDR_ISNAPSHOTMGR_IMPORTSNAPSHOT] = istm_import_snapshot, /* 3.38.4.7 */
};

static const struct dcom_chain snapshot_mgr_chains[] = {
	DCOM_CHAIN(ISnapshotMgr, snapshot_mgr_methods),
};

const struct dcom_class istm_snapshot_manager_class = {
	.name = "SnapshotMgr",
	.chains = snapshot_mgr_chains,
	.num_chains = 1,
	.singleton = true,
};
