/* Target management: IHostMgr, IHostMgr2, IHostMgr3 (MS-ISTM 3.25, 3.27,
 * 3.29). Each method that returns a target makes a new IHost object with a
 * draft of its own (istm/host.h); NewHost's target exists only once that
 * object is saved (MS-ISTM 4.2). This server is not in a cluster: IHostMgr2
 * and IHostMgr3 behave as MS-ISTM says for that case (docs/istm-targets.md). */
#include "istm/istm.h"

#include <errno.h>
#include <string.h>

#include "core/core.h"
#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istm/errmap.h"
#include "istm/host.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

static struct istm_context *ctx_of(void *object)
{
	return ((struct istm_manager *)object)->ctx;
}

/* Marshals a new IHost object over DRAFT (taken over) into *OUT. */
static uint32_t return_host(struct dcom_call *call, struct istm_context *ctx,
			    struct core_target_draft *draft, struct MInterfacePointer **out)
{
	*out = NULL;
	if (draft == NULL)
		return E_OUTOFMEMORY;
	struct dcom_object *obj = istm_host_new(call, ctx, draft);
	if (obj == NULL)
		return E_OUTOFMEMORY;
	return dcom_marshal(call, obj, &idl_iface_IHost, out);
}

/* IEnumHost::Next's element: an IHost object over a draft of the target
 * whose GUID is KEY, or -ENOENT when it was deleted since the snapshot. */
static int make_host(struct dcom_call *call, void *priv, const void *key,
		     struct dcom_object **obj)
{
	struct istm_context *ctx = priv;
	struct core_target_draft *d = core_target_draft_open(NULL, ctx->core, key);
	if (d == NULL)
		return -ENOENT;
	*obj = istm_host_new(call, ctx, d);
	return *obj != NULL ? 0 : -ENOMEM;
}

/* 3.25.4.1, 3.29.4.1: every target; the IHost objects are made as Next
 * hands them out, not one per target per call. */
static void enum_hosts(struct dcom_call *call, struct istm_context *ctx,
		       struct MInterfacePointer **out)
{
	*out = NULL;
	char **guids = NULL;
	size_t n = 0;
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumHost);
	if (items == NULL || core_target_guids(call, ctx->core, &guids, &n) < 0) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	istm_enum_set_maker(items, make_host, ctx);
	for (size_t i = 0; i < n; i++) {
		const char *guid = guids[i];
		if (istm_enum_add_key(items, guid, strlen(guid) + 1) < 0) {
			dcom_call_done(call, E_OUTOFMEMORY);
			return;
		}
	}
	dcom_call_done(call, istm_enum_return(call, items, out));
}

static void enum_hosts1(struct dcom_call *call, void *object, void *rv)
{
	enum_hosts(call, ctx_of(object), ((struct IHostMgr_EnumHosts *)rv)->out.ppEnumHost);
}

/* Outside a cluster every target is online: the same as EnumHosts. */
static void enum_all_cluster_hosts(struct dcom_call *call, void *object, void *rv)
{
	enum_hosts(call, ctx_of(object), ((struct IHostMgr3_EnumAllClusterHosts *)rv)->out.EnumHost);
}

static const struct istm_errmap new_host_errors[] = {
	{ -EINVAL, HR_WIN32(ERROR_INVALID_DATA) }, /* syntax, length */
	{ -EEXIST, HR_WIN32(ERROR_FILE_EXISTS) },
	{ 0, 0 },
};

/* 3.25.4.2: a draft that becomes a target when saved. The name is checked
 * now (and again by Save: two drafts may want one name). */
static void new_host(struct dcom_call *call, struct istm_context *ctx, const char *name,
		     struct MInterfacePointer **out)
{
	*out = NULL;
	if (name == NULL) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	int rc = 0;
	char *why = NULL;
	struct core_target_draft *d = core_target_draft_new(call, ctx->core, name, &rc, &why);
	if (d == NULL) {
		log_debug("NewHost '%s' refused: %s", name, why ? why : strerror(-rc));
		talloc_free(why);
		dcom_call_done(call, istm_hr(rc, new_host_errors));
		return;
	}
	log_debug("%s: new target '%s' (saved by IHost::Save)", dcom_call_user(call), name);
	dcom_call_done(call, return_host(call, ctx, d, out));
}

static void new_host1(struct dcom_call *call, void *object, void *rv)
{
	struct IHostMgr_NewHost *r = rv;
	new_host(call, ctx_of(object), r->in.HostName, r->out.ppNewHost);
}

/* 3.27.4.1: without a cluster there are no resource groups: none named is
 * NewHost, any name is not a valid group. */
static void new_host2(struct dcom_call *call, void *object, void *rv)
{
	struct IHostMgr2_NewHost2 *r = rv;
	if (r->in.ResourceGroup != NULL && r->in.ResourceGroup[0] != '\0') {
		*r->out.ppNewHost = NULL;
		log_debug("NewHost2: resource group '%s' refused: not a cluster node",
			  r->in.ResourceGroup);
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	new_host(call, ctx_of(object), r->in.HostName, r->out.ppNewHost);
}

/* 3.25.4.3, 3.25.4.4: an IHost on T (NULL: not found). */
static void get_host(struct dcom_call *call, struct istm_context *ctx, const char *key,
		     struct core_target *t, struct MInterfacePointer **out)
{
	*out = NULL;
	if (key == NULL || key[0] == '\0') {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	if (t == NULL) {
		dcom_call_done(call, HR_WIN32(ERROR_FILE_NOT_FOUND));
		return;
	}
	dcom_call_done(call,
		       return_host(call, ctx, core_target_draft_open(NULL, ctx->core, t->guid), out));
}

static void get_host_by_name(struct dcom_call *call, void *object, void *rv)
{
	struct IHostMgr_GetHost *r = rv;
	struct istm_context *ctx = ctx_of(object);
	const char *name = r->in.HostName;
	get_host(call, ctx, name, name ? core_target_by_name(call, ctx->core, name) : NULL,
		 r->out.ppHost);
}

static void get_host_by_iqn(struct dcom_call *call, void *object, void *rv)
{
	struct IHostMgr_GetHostByTargetIQN *r = rv;
	struct istm_context *ctx = ctx_of(object);
	const char *iqn = r->in.TargetIQN;
	get_host(call, ctx, iqn, iqn ? core_target_by_iqn(call, ctx->core, iqn) : NULL,
		 r->out.ppHost);
}

static const struct istm_errmap delete_errors[] = {
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) },
	{ -ESHUTDOWN, HR_WIN32(ERROR_NOT_READY) },
	{ 0, 0 },
};

struct delete_state {
	struct dcom_call *call;
	char *name;
};

static void delete_done(struct tevent_req *req)
{
	struct delete_state *s = tevent_req_callback_data(req, struct delete_state);
	char *why = NULL;
	int rc = core_target_delete_recv(req, s, &why);
	if (rc == 0)
		log_info("%s deleted target '%s'", dcom_call_user(s->call), s->name);
	else
		log_debug("DeleteHost '%s': %s", s->name, why ? why : strerror(-rc));
	dcom_call_done(s->call, istm_hr(rc, delete_errors));
}

/* 3.25.4.5: the target goes with its sessions and mappings (the disks stay). */
static void delete_host(struct dcom_call *call, void *object, void *rv)
{
	struct IHostMgr_DeleteHost *r = rv;
	if (r->in.HostName == NULL || r->in.HostName[0] == '\0') {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	struct delete_state *s = talloc_zero(call, struct delete_state);
	struct tevent_req *req = NULL;
	if (s != NULL) {
		s->call = call;
		s->name = talloc_strdup(s, r->in.HostName);
		req = core_target_delete_send(s, ctx_of(object)->core, r->in.HostName);
	}
	if (req == NULL) {
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	tevent_req_set_callback(req, delete_done, s);
}

/* 3.27.4.3: the stream is the caller's object; for a remote caller (every
 * DCOM caller) E_ACCESSDENIED. */
static void open_host(struct dcom_call *call, void *object, void *rv)
{
	struct IHostMgr2_OpenHost *r = rv;
	*r->out.ppHost = NULL;
	dcom_call_done(call, E_ACCESSDENIED);
}

/* NewHostNonPersistent and CloseHost exist for a cluster that keeps the
 * targets' settings itself: docs/compat.md says why they stay E_NOTIMPL. */
static const dcom_method_fn host_mgr_methods[] = {
	[NDR_IHOSTMGR_ENUMHOSTS] = enum_hosts1,
	[NDR_IHOSTMGR_NEWHOST] = new_host1,
	[NDR_IHOSTMGR_GETHOST] = get_host_by_name,
	[NDR_IHOSTMGR_GETHOSTBYTARGETIQN] = get_host_by_iqn,
	[NDR_IHOSTMGR_DELETEHOST] = delete_host,
	[NDR_IHOSTMGR2_NEWHOST2] = new_host2,
	[NDR_IHOSTMGR2_NEWHOSTNONPERSISTENT] = NULL,
	[NDR_IHOSTMGR2_OPENHOST] = open_host,
	[NDR_IHOSTMGR2_CLOSEHOST] = NULL,
	[NDR_IHOSTMGR3_ENUMALLCLUSTERHOSTS] = enum_all_cluster_hosts,
};

static const struct dcom_chain host_mgr_chains[] = {
	DCOM_CHAIN(IHostMgr3, host_mgr_methods),
};

const struct dcom_class istm_host_manager_class = {
	.name = "HostMgr",
	.chains = host_mgr_chains,
	.num_chains = 1,
	.singleton = true,
};
