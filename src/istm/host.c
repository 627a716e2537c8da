/* IHost, IHost2, IHost3 (MS-ISTM 3.21, 3.23, 3.24): the class, its object
 * state, and the properties. Lists are in host_lists.c, Save and what comes
 * from the backend in host_live.c. */
#include "istm/host.h"

#include <errno.h>
#include <ndr.h>
#include <gen_ndr/dcerpc.h>
#include <string.h>

#include "core/core.h"
#include "idl/ndr_ms_istm.h"
#include "istm/errmap.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

/* MS-CMRP 3.1.4.1.13: the state of a resource outside any cluster. */
#define CLUSTER_RESOURCE_STATE_UNKNOWN (-1)

static const char *const prop_names[HOST_PROP_COUNT] = {
	[HOST_ENABLE] = "Enable",
	[HOST_NAME] = "Name",
	[HOST_DESCRIPTION] = "Description",
	[HOST_IQN] = "TargetIQN",
	[HOST_CHAP] = "EnableCHAP",
	[HOST_CHAP_USER] = "CHAPUserName",
	[HOST_CHAP_SECRET] = "CHAPSecret",
	[HOST_REVERSE_CHAP] = "EnableReverseCHAP",
	[HOST_REVERSE_CHAP_USER] = "ReverseCHAPUserName",
	[HOST_REVERSE_CHAP_SECRET] = "ReverseCHAPSecret",
	[HOST_PARAMS] = "negotiation parameters",
	[HOST_IDLE_TIMEOUT] = "EnforceIdleTimeoutDetection",
	[HOST_IDS] = "initiator IDs",
	[HOST_LUNS] = "LUN mappings",
	[HOST_PORTALS] = "portals",
	[HOST_RESOURCE_NAME] = "ResourceName",
};

struct dcom_object *istm_host_new(TALLOC_CTX *holder, struct istm_context *ctx,
				  struct core_target_draft *draft)
{
	struct istm_host *h = talloc_zero(NULL, struct istm_host);
	if (h == NULL) {
		talloc_free(draft);
		return NULL;
	}
	h->ctx = ctx;
	h->draft = talloc_steal(h, draft);
	return dcom_object_new(holder, ctx->ex, &istm_host_class, h);
}

struct istm_host *host_of(void *object)
{
	struct istm_host *h = object;
	if (h->changed != 0 || h->saving || core_draft_is_new(h->draft))
		return h;
	/* Nothing to lose: follow the target as it is now. A target deleted
	 * meanwhile keeps its last values (Save then says it is gone). */
	struct core_target_draft *d =
		core_target_draft_open(h, h->ctx->core, core_draft_target(h->draft)->guid);
	if (d != NULL) {
		talloc_free(h->draft);
		h->draft = d;
	}
	return h;
}

bool host_may_edit(struct dcom_call *call, struct istm_host *h)
{
	if (!h->saving)
		return true;
	dcom_call_done(call, HR_WIN32(ERROR_BUSY));
	return false;
}

void host_changed(struct istm_host *h, enum host_prop what)
{
	h->changed |= 1u << what;
}

char *host_changed_names(TALLOC_CTX *mem, uint32_t changed)
{
	char *s = talloc_strdup(mem, "");
	for (unsigned i = 0; i < HOST_PROP_COUNT && s != NULL; i++)
		if (changed & (1u << i))
			s = talloc_asprintf_append(s, "%s%s", s[0] ? ", " : "", prop_names[i]);
	return s;
}

char *host_saved_name(TALLOC_CTX *mem, const struct istm_host *h)
{
	struct core_target *t = core_target_by_guid(mem, h->ctx->core,
						    core_draft_target(h->draft)->guid);
	if (t == NULL)
		return NULL;
	char *name = talloc_strdup(mem, t->name);
	talloc_free(t);
	return name;
}

static const struct core_target *target_of(void *object)
{
	return core_draft_target(host_of(object)->draft);
}

/* A BSTR property's value, copied onto the call structure. */
static void return_string(struct dcom_call *call, void *r, const char **out, const char *value)
{
	*out = talloc_strdup(r, value ? value : "");
	dcom_call_done(call, *out != NULL ? S_OK : E_OUTOFMEMORY);
}

/* ---- Guid, Enable, Name, Description, TargetIQN (3.21.4.1-3.21.4.9) ---- */

static void get_guid(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_Guid *r = rv;
	const struct core_target *t = target_of(object);
	if (!NT_STATUS_IS_OK(GUID_from_string(t->guid, r->out.pGuid))) {
		log_err("target '%s' has a malformed GUID", t->name);
		dcom_call_done(call, E_UNEXPECTED);
		return;
	}
	dcom_call_done(call, S_OK);
}

static void get_enable(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_Enable *r = rv;
	*r->out.pEnable = target_of(object)->enabled;
	dcom_call_done(call, S_OK);
}

static void put_enable(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_put_Enable *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	/* Sessions go when a disabled target is saved (the backend closes them). */
	core_draft_set_enabled(h->draft, r->in.bEnable != 0);
	host_changed(h, HOST_ENABLE);
	dcom_call_done(call, S_OK);
}

static void get_name(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_Name *r = rv;
	return_string(call, r, r->out.pName, target_of(object)->name);
}

static const struct istm_errmap name_errors[] = {
	{ -EINVAL, HR_WIN32(ERROR_INVALID_DATA) },
	{ -EEXIST, HR_WIN32(ERROR_FILE_EXISTS) },
	{ 0, 0 },
};

static void put_name(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_put_Name *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	if (r->in.Name == NULL) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	char *why = NULL;
	int rc = core_draft_set_name(h->draft, r->in.Name, &why);
	if (rc < 0)
		log_debug("IHost Name '%s' refused: %s", r->in.Name, why ? why : strerror(-rc));
	else
		host_changed(h, HOST_NAME);
	talloc_free(why);
	dcom_call_done(call, istm_hr(rc, name_errors));
}

static void get_description(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_Description *r = rv;
	return_string(call, r, r->out.pDescription, target_of(object)->description);
}

static void put_description(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_put_Description *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	/* A NULL BSTR is an empty string (MS-OAUT 2.2.23). Too long: E_INVALIDARG. */
	int rc = core_draft_set_description(h->draft, r->in.Description ? r->in.Description : "");
	if (rc == 0)
		host_changed(h, HOST_DESCRIPTION);
	dcom_call_done(call, istm_hr(rc, NULL));
}

static void get_iqn(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_TargetIQN *r = rv;
	struct istm_host *h = host_of(object);
	const struct core_target *t = core_draft_target(h->draft);
	if (t->iqn != NULL) {
		return_string(call, r, r->out.pTargetIQN, t->iqn);
		return;
	}
	/* A new target without an IQN of its own gets this one when saved. */
	char *iqn = core_target_default_iqn(r, h->ctx->core, t->name);
	*r->out.pTargetIQN = iqn;
	dcom_call_done(call, iqn != NULL ? S_OK : E_OUTOFMEMORY);
}

static void put_iqn(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_put_TargetIQN *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	if (r->in.TargetIQN == NULL) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	char *why = NULL;
	int rc = core_draft_set_iqn(h->draft, r->in.TargetIQN, &why);
	if (rc < 0)
		log_debug("IHost TargetIQN '%s' refused: %s", r->in.TargetIQN,
			  why ? why : strerror(-rc));
	else
		host_changed(h, HOST_IQN);
	talloc_free(why);
	dcom_call_done(call, istm_hr(rc, name_errors));
}

/* ---- CHAP (3.21.4.14-3.21.4.25, 3.21.4.55, 3.21.4.56) ---- */

static void get_chap(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_EnableCHAP *r = rv;
	*r->out.pEnable = target_of(object)->chap_enabled;
	dcom_call_done(call, S_OK);
}

static void get_reverse_chap(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_EnableReverseCHAP *r = rv;
	*r->out.pEnable = target_of(object)->reverse_chap_enabled;
	dcom_call_done(call, S_OK);
}

static void put_chap_enabled(struct dcom_call *call, void *object, bool reverse, uint8_t on)
{
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	/* Consistency (user and secret set, mutual only with one-way) is Save's. */
	core_draft_set_chap_enabled(h->draft, reverse, on != 0);
	host_changed(h, reverse ? HOST_REVERSE_CHAP : HOST_CHAP);
	dcom_call_done(call, S_OK);
}

static void put_chap(struct dcom_call *call, void *object, void *rv)
{
	put_chap_enabled(call, object, false, ((struct IHost_put_EnableCHAP *)rv)->in.bEnable);
}

static void put_reverse_chap(struct dcom_call *call, void *object, void *rv)
{
	put_chap_enabled(call, object, true,
			 ((struct IHost_put_EnableReverseCHAP *)rv)->in.bEnable);
}

static void get_chap_user(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_CHAPUserName *r = rv;
	return_string(call, r, r->out.pUserName, target_of(object)->chap_user);
}

static void get_reverse_chap_user(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_ReverseCHAPUserName *r = rv;
	return_string(call, r, r->out.pUserName, target_of(object)->reverse_chap_user);
}

static void put_user(struct dcom_call *call, void *object, bool reverse, const char *user)
{
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	/* NULL: empty (MS-OAUT). Not printable ASCII without space or comma, or
	 * longer than tgt's accounts allow: E_INVALIDARG. */
	int rc = core_draft_set_chap_user(h->draft, reverse, user ? user : "");
	if (rc == 0)
		host_changed(h, reverse ? HOST_REVERSE_CHAP_USER : HOST_CHAP_USER);
	dcom_call_done(call, istm_hr(rc, NULL));
}

static void put_chap_user(struct dcom_call *call, void *object, void *rv)
{
	put_user(call, object, false, ((struct IHost_put_CHAPUserName *)rv)->in.UserName);
}

static void put_reverse_chap_user(struct dcom_call *call, void *object, void *rv)
{
	put_user(call, object, true, ((struct IHost_put_ReverseCHAPUserName *)rv)->in.UserName);
}

/* A CHAP secret crosses the network sealed (PKT_PRIVACY, MS-RPCE 2.2.1.1.8)
 * or not at all: at PKT_INTEGRITY it is signed but readable by anyone on
 * the path. Every method with a secret in its [in] or [out] asks here, so
 * [istm] allow_unsealed_secrets (default false) is the only way around it
 * (issue 9, defect 7; docs/istm-targets.md). E_ACCESSDENIED otherwise. */
static bool secret_may_travel(struct dcom_call *call, void *object, const char *method)
{
	const struct istm_host *h = object;
	if (dcom_call_auth_level(call) >= DCERPC_AUTH_LEVEL_PRIVACY || h->ctx->allow_unsealed_secrets)
		return true;
	log_notice("%s by '%s' refused: a CHAP secret needs the privacy authentication level "
		   "(the call came at level %u; [istm] allow_unsealed_secrets allows less)",
		   method, dcom_call_user(call), (unsigned)dcom_call_auth_level(call));
	dcom_call_done(call, E_ACCESSDENIED);
	return false;
}

/* MS-ISTM 3.21.4.18 and 3.21.4.24 return the secret itself: the console
 * shows it to administrators (the only callers). It is never logged. */
static void get_chap_secret(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_CHAPSecret *r = rv;
	if (!secret_may_travel(call, object, "get_CHAPSecret"))
		return;
	return_string(call, r, r->out.pSecret, target_of(object)->chap_secret);
}

static void get_reverse_chap_secret(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_ReverseCHAPSecret *r = rv;
	if (!secret_may_travel(call, object, "get_ReverseCHAPSecret"))
		return;
	return_string(call, r, r->out.pSecret, target_of(object)->reverse_chap_secret);
}

/* The length policy: ERROR_BAD_LENGTH, as ValidateChapSecret says. */
static const struct istm_errmap secret_errors[] = {
	{ -EMSGSIZE, HR_WIN32(ERROR_BAD_LENGTH) },
	{ -ENOTUNIQ, HR_WIN32(ERROR_DUP_NAME) },
	{ 0, 0 },
};

static void put_secret(struct dcom_call *call, void *object, bool reverse, const char *secret)
{
	if (!secret_may_travel(call, object, reverse ? "put_ReverseCHAPSecret" : "put_CHAPSecret"))
		return;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	/* "" (or NULL) clears the secret; otherwise 12 to 255 printable characters. */
	int rc = core_draft_set_chap_secret(h->draft, reverse, secret ? secret : "");
	if (rc == 0)
		host_changed(h, reverse ? HOST_REVERSE_CHAP_SECRET : HOST_CHAP_SECRET);
	dcom_call_done(call, istm_hr(rc, secret_errors));
}

static void put_chap_secret(struct dcom_call *call, void *object, void *rv)
{
	put_secret(call, object, false, ((struct IHost_put_CHAPSecret *)rv)->in.Secret);
}

static void put_reverse_chap_secret(struct dcom_call *call, void *object, void *rv)
{
	put_secret(call, object, true, ((struct IHost_put_ReverseCHAPSecret *)rv)->in.Secret);
}

/* Notes <42>, <43>: a length policy and no duplication with the target's
 * other secret. The length is RFC 3720's 12 characters (96 bits) to the
 * 255 tgt accepts; Windows stops at 16, which only Microsoft's initiator
 * needs. */
static void validate_secret(struct dcom_call *call, void *object, bool reverse, const char *s)
{
	if (!secret_may_travel(call, object,
			       reverse ? "ValidateReverseChapSecret" : "ValidateChapSecret"))
		return;
	struct istm_host *h = host_of(object);
	dcom_call_done(call, istm_hr(core_draft_check_chap_secret(h->draft, reverse, s ? s : ""),
				     secret_errors));
}

static void validate_chap_secret(struct dcom_call *call, void *object, void *rv)
{
	validate_secret(call, object, false, ((struct IHost_ValidateChapSecret *)rv)->in.Secret);
}

static void validate_reverse_chap_secret(struct dcom_call *call, void *object, void *rv)
{
	validate_secret(call, object, true,
			((struct IHost_ValidateReverseChapSecret *)rv)->in.Secret);
}

/* ---- negotiation parameters (3.21.4.26-3.21.4.35, notes <22>-<30>) ---- */

static uint32_t param_value(const struct core_target *t, enum core_param p)
{
	switch (p) {
	case CORE_PARAM_MAX_RECV_DATA_SEGMENT_LENGTH:
		return t->max_recv_data_segment_length;
	case CORE_PARAM_FIRST_BURST_LENGTH:
		return t->first_burst_length;
	case CORE_PARAM_MAX_BURST_LENGTH:
		return t->max_burst_length;
	case CORE_PARAM_NUM_RECV_BUFFERS:
		return t->num_recv_buffers;
	}
	return 0;
}

static void get_param(struct dcom_call *call, void *object, uint32_t *out, enum core_param p)
{
	*out = param_value(target_of(object), p);
	dcom_call_done(call, S_OK);
}

static void put_param(struct dcom_call *call, void *object, enum core_param p, uint32_t value)
{
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	/* Outside notes <23>, <25>, <27>, <29>: E_INVALIDARG. FirstBurstLength
	 * above MaxBurstLength is refused by Save, since either may come first. */
	int rc = core_draft_set_param(h->draft, p, value);
	if (rc == 0)
		host_changed(h, HOST_PARAMS);
	dcom_call_done(call, rc == 0 ? S_OK : rc == -ERANGE ? E_INVALIDARG : istm_hr(rc, NULL));
}

static void get_max_recv(struct dcom_call *call, void *object, void *rv)
{
	get_param(call, object, ((struct IHost_get_TargetMaxRecvDataSegmentLength *)rv)->out.pLength,
		  CORE_PARAM_MAX_RECV_DATA_SEGMENT_LENGTH);
}

static void put_max_recv(struct dcom_call *call, void *object, void *rv)
{
	put_param(call, object, CORE_PARAM_MAX_RECV_DATA_SEGMENT_LENGTH,
		  ((struct IHost_put_TargetMaxRecvDataSegmentLength *)rv)->in.nLength);
}

static void get_first_burst(struct dcom_call *call, void *object, void *rv)
{
	get_param(call, object, ((struct IHost_get_TargetFirstBurstLength *)rv)->out.pLength,
		  CORE_PARAM_FIRST_BURST_LENGTH);
}

static void put_first_burst(struct dcom_call *call, void *object, void *rv)
{
	put_param(call, object, CORE_PARAM_FIRST_BURST_LENGTH,
		  ((struct IHost_put_TargetFirstBurstLength *)rv)->in.nLength);
}

static void get_max_burst(struct dcom_call *call, void *object, void *rv)
{
	get_param(call, object, ((struct IHost_get_TargetMaxBurstLength *)rv)->out.pLength,
		  CORE_PARAM_MAX_BURST_LENGTH);
}

static void put_max_burst(struct dcom_call *call, void *object, void *rv)
{
	put_param(call, object, CORE_PARAM_MAX_BURST_LENGTH,
		  ((struct IHost_put_TargetMaxBurstLength *)rv)->in.nLength);
}

static void get_recv_buffers(struct dcom_call *call, void *object, void *rv)
{
	get_param(call, object, ((struct IHost_get_NumRecvBuffers *)rv)->out.pNumBuffers,
		  CORE_PARAM_NUM_RECV_BUFFERS);
}

static void put_recv_buffers(struct dcom_call *call, void *object, void *rv)
{
	put_param(call, object, CORE_PARAM_NUM_RECV_BUFFERS,
		  ((struct IHost_put_NumRecvBuffers *)rv)->in.nNumBuffers);
}

static void get_idle_timeout(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_EnforceIdleTimeoutDetection *r = rv;
	*r->out.pEnable = target_of(object)->enforce_idle_timeout;
	dcom_call_done(call, S_OK);
}

static void put_idle_timeout(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_put_EnforceIdleTimeoutDetection *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	core_draft_set_enforce_idle_timeout(h->draft, r->in.bEnable != 0);
	host_changed(h, HOST_IDLE_TIMEOUT);
	dcom_call_done(call, S_OK);
}

/* ---- what Windows does not do either (notes <20>, <21>, <33>, <34>, <41>,
 * <44>, <45>, <47>, <51>; docs/compat.md says why each stays so) ---- */

static void not_implemented(struct dcom_call *call, void *object, void *rv)
{
	dcom_call_done(call, E_NOTIMPL);
}

/* 3.21.4.57: targets are served where they are reached; no redirection. */
static void check_target_redirect(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_CheckTargetRedirect *r = rv;
	*r->out.pRedirectAddr = NULL;
	dcom_call_done(call, S_FALSE);
}

/* ---- IHost2, IHost3 (3.23, 3.24) ---- */

static void get_resource_name(struct dcom_call *call, void *object, void *rv)
{
	struct IHost2_get_ResourceName *r = rv;
	return_string(call, r, r->out.pResourceName, target_of(object)->resource_name);
}

static void put_resource_name(struct dcom_call *call, void *object, void *rv)
{
	struct IHost2_put_ResourceName *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	/* 3.23.4.2: NULL, empty or invalid: E_INVALIDARG. */
	int rc = r->in.ResourceName ? core_draft_set_resource_name(h->draft, r->in.ResourceName)
				    : -EINVAL;
	if (rc == 0)
		host_changed(h, HOST_RESOURCE_NAME);
	dcom_call_done(call, istm_hr(rc, NULL));
}

/* 3.23.4.3: outside a cluster, an empty string. */
static void get_resource_group(struct dcom_call *call, void *object, void *rv)
{
	struct IHost2_get_ResourceGroupName *r = rv;
	return_string(call, r, r->out.pResourceGroup, "");
}

/* 3.23.4.5: the stream is the caller's object; for a remote caller (every
 * DCOM caller of this server) E_ACCESSDENIED. */
static void save_to_stream(struct dcom_call *call, void *object, void *rv)
{
	dcom_call_done(call, E_ACCESSDENIED);
}

/* 3.24.4.1: not in a cluster, ClusterResourceStateUnknown. */
static void get_resource_state(struct dcom_call *call, void *object, void *rv)
{
	struct IHost3_get_ResourceState *r = rv;
	*r->out.ResourceState = CLUSTER_RESOURCE_STATE_UNKNOWN;
	dcom_call_done(call, S_OK);
}

static const dcom_method_fn host_methods[] = {
	[NDR_IHOST_GET_GUID] = get_guid,
	[NDR_IHOST_GET_ENABLE] = get_enable,
	[NDR_IHOST_PUT_ENABLE] = put_enable,
	[NDR_IHOST_GET_NAME] = get_name,
	[NDR_IHOST_PUT_NAME] = put_name,
	[NDR_IHOST_GET_DESCRIPTION] = get_description,
	[NDR_IHOST_PUT_DESCRIPTION] = put_description,
	[NDR_IHOST_GET_TARGETIQN] = get_iqn,
	[NDR_IHOST_PUT_TARGETIQN] = put_iqn,
	[NDR_IHOST_GET_STATUS] = host_get_status,
	[NDR_IHOST_PUT_STATUS] = not_implemented,
	[NDR_IHOST_GET_LASTLOGIN] = host_get_last_login,
	[NDR_IHOST_PUT_LASTLOGIN] = not_implemented,
	[NDR_IHOST_GET_ENABLECHAP] = get_chap,
	[NDR_IHOST_PUT_ENABLECHAP] = put_chap,
	[NDR_IHOST_GET_CHAPUSERNAME] = get_chap_user,
	[NDR_IHOST_PUT_CHAPUSERNAME] = put_chap_user,
	[NDR_IHOST_GET_CHAPSECRET] = get_chap_secret,
	[NDR_IHOST_PUT_CHAPSECRET] = put_chap_secret,
	[NDR_IHOST_GET_ENABLEREVERSECHAP] = get_reverse_chap,
	[NDR_IHOST_PUT_ENABLEREVERSECHAP] = put_reverse_chap,
	[NDR_IHOST_GET_REVERSECHAPUSERNAME] = get_reverse_chap_user,
	[NDR_IHOST_PUT_REVERSECHAPUSERNAME] = put_reverse_chap_user,
	[NDR_IHOST_GET_REVERSECHAPSECRET] = get_reverse_chap_secret,
	[NDR_IHOST_PUT_REVERSECHAPSECRET] = put_reverse_chap_secret,
	[NDR_IHOST_GET_TARGETMAXRECVDATASEGMENTLENGTH] = get_max_recv,
	[NDR_IHOST_PUT_TARGETMAXRECVDATASEGMENTLENGTH] = put_max_recv,
	[NDR_IHOST_GET_TARGETFIRSTBURSTLENGTH] = get_first_burst,
	[NDR_IHOST_PUT_TARGETFIRSTBURSTLENGTH] = put_first_burst,
	[NDR_IHOST_GET_TARGETMAXBURSTLENGTH] = get_max_burst,
	[NDR_IHOST_PUT_TARGETMAXBURSTLENGTH] = put_max_burst,
	[NDR_IHOST_GET_NUMRECVBUFFERS] = get_recv_buffers,
	[NDR_IHOST_PUT_NUMRECVBUFFERS] = put_recv_buffers,
	[NDR_IHOST_GET_ENFORCEIDLETIMEOUTDETECTION] = get_idle_timeout,
	[NDR_IHOST_PUT_ENFORCEIDLETIMEOUTDETECTION] = put_idle_timeout,
	[NDR_IHOST_GET_LISTENALLNETWORKADAPTERS] = host_get_listen_all,
	[NDR_IHOST_PUT_LISTENALLNETWORKADAPTERS] = host_put_listen_all,
	[NDR_IHOST_GET_PROCESSOR] = not_implemented,
	[NDR_IHOST_PUT_PROCESSOR] = not_implemented,
	[NDR_IHOST_ENUMIDS] = host_enum_ids,
	[NDR_IHOST_ADDID] = host_add_id,
	[NDR_IHOST_REMOVEID] = host_remove_id,
	[NDR_IHOST_REMOVEALLIDS] = host_remove_all_ids,
	[NDR_IHOST_ENUMWTDISKLUNMAPPINGS] = host_enum_luns,
	[NDR_IHOST_ADDWTDISK] = host_add_disk,
	[NDR_IHOST_REMOVEWTDISK] = host_remove_disk,
	[NDR_IHOST_REMOVEALLWTDISKS] = host_remove_all_disks,
	[NDR_IHOST_SETWTDISKLUNMAPPING] = host_set_lun,
	[NDR_IHOST_ENUMPORTALS] = host_enum_portals,
	[NDR_IHOST_ADDPORTAL] = host_add_portal,
	[NDR_IHOST_REMOVEPORTAL] = host_remove_portal,
	[NDR_IHOST_REMOVEALLPORTALS] = host_remove_all_portals,
	[NDR_IHOST_SETCHAPINFOBYBLOB] = not_implemented,
	[NDR_IHOST_SAVE] = host_save,
	[NDR_IHOST_VALIDATECHAPSECRET] = validate_chap_secret,
	[NDR_IHOST_VALIDATEREVERSECHAPSECRET] = validate_reverse_chap_secret,
	[NDR_IHOST_CHECKTARGETREDIRECT] = check_target_redirect,
	[NDR_IHOST2_GET_RESOURCENAME] = get_resource_name,
	[NDR_IHOST2_PUT_RESOURCENAME] = put_resource_name,
	[NDR_IHOST2_GET_RESOURCEGROUPNAME] = get_resource_group,
	[NDR_IHOST2_PUT_RESOURCEGROUPNAME] = not_implemented,
	[NDR_IHOST2_SAVETOSTREAM] = save_to_stream,
	[NDR_IHOST2_ENUMSESSIONS] = host_enum_sessions,
	[NDR_IHOST3_GET_RESOURCESTATE] = get_resource_state,
	[NDR_IHOST3_PUT_RESOURCESTATE] = not_implemented,
};

static const struct dcom_chain host_chains[] = {
	DCOM_CHAIN(IHost3, host_methods),
};

const struct dcom_class istm_host_class = {
	.name = "Host",
	.chains = host_chains,
	.num_chains = 1,
};
