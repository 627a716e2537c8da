#include "istm/general_notify.h"

#include <errno.h>
#include <string.h>

#include "dcom/objref.h"
#include "idl/ndr_ms_istm.h"

/* A registered IStatusNotify object: where it lives (its exporter's OXID,
 * its OID and IPID, and the resolver bindings to reach it) and the cookie. */
struct registration {
	uint64_t oxid, oid;
	struct GUID ipid;
	uint32_t cookie;
	char *user;
	struct MInterfacePointer *mip; /* as received, for the call back */
};

struct istm_notifications {
	struct registration *regs; /* oldest first */
	size_t n;
};

/* The object MIP names: a standard OBJREF of IStatusNotify. */
static int pull(TALLOC_CTX *mem, const struct MInterfacePointer *mip, struct STDOBJREF *std)
{
	struct OBJREF o;
	struct GUID iid;
	if (mip == NULL || dcom_objref_pull(mem, mip, &o) < 0 || o.flags != OBJREF_FLAG_STANDARD ||
	    !NT_STATUS_IS_OK(GUID_from_string(NDR_ISTATUSNOTIFY_UUID, &iid)) ||
	    !GUID_equal(&o.iid, &iid))
		return -EINVAL;
	*std = o.u_objref.u_standard.std;
	return 0;
}

/* PULL on a temporary context. */
static int pull_std(const struct MInterfacePointer *mip, struct STDOBJREF *std)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	int rc = tmp ? pull(tmp, mip, std) : -ENOMEM;
	talloc_free(tmp);
	return rc;
}

static bool same_object(const struct registration *r, const struct STDOBJREF *std)
{
	return r->oxid == std->oxid && r->oid == std->oid && GUID_equal(&r->ipid, &std->ipid);
}

static void drop(struct istm_notifications *list, size_t i)
{
	talloc_free(list->regs[i].user);
	talloc_free(list->regs[i].mip);
	memmove(&list->regs[i], &list->regs[i + 1], (list->n - i - 1) * sizeof(list->regs[0]));
	list->n--;
}

int istm_notify_register(struct istm_context *ctx, const struct MInterfacePointer *mip,
			 uint32_t cookie, const char *user)
{
	struct STDOBJREF std;
	int rc = pull_std(mip, &std);
	if (rc < 0)
		return rc;
	if (ctx->notifications == NULL) {
		struct istm_notifications *list = talloc_zero(ctx, struct istm_notifications);
		if (list == NULL ||
		    (list->regs = talloc_zero_array(list, struct registration,
						    ISTM_MAX_NOTIFICATIONS)) == NULL) {
			talloc_free(list);
			return -ENOMEM;
		}
		ctx->notifications = list;
	}
	struct istm_notifications *list = ctx->notifications;
	/* The same object and cookie again is one registration. */
	for (size_t i = 0; i < list->n; i++)
		if (same_object(&list->regs[i], &std) && list->regs[i].cookie == cookie)
			drop(list, i--);
	if (list->n == ISTM_MAX_NOTIFICATIONS)
		drop(list, 0);
	struct registration *r = &list->regs[list->n];
	*r = (struct registration){ .oxid = std.oxid, .oid = std.oid, .ipid = std.ipid,
				    .cookie = cookie };
	r->user = talloc_strdup(list->regs, user ? user : "");
	r->mip = talloc_zero(list->regs, struct MInterfacePointer);
	if (r->user == NULL || r->mip == NULL ||
	    (r->mip->abData = talloc_memdup(r->mip, mip->abData, mip->ulCntData)) == NULL) {
		talloc_free(r->user);
		talloc_free(r->mip);
		return -ENOMEM;
	}
	r->mip->ulCntData = mip->ulCntData;
	list->n++;
	return 0;
}

int istm_notify_unregister(struct istm_context *ctx, const struct MInterfacePointer *mip,
			   size_t *removed)
{
	struct STDOBJREF std;
	int rc = pull_std(mip, &std);
	*removed = 0;
	if (rc < 0)
		return rc;
	struct istm_notifications *list = ctx->notifications;
	for (size_t i = 0; list != NULL && i < list->n; i++) {
		if (same_object(&list->regs[i], &std)) {
			drop(list, i--);
			(*removed)++;
		}
	}
	return 0;
}

size_t istm_notify_count(const struct istm_context *ctx)
{
	return ctx->notifications ? ctx->notifications->n : 0;
}
