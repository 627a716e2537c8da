/* Status notification registrations (MS-ISTM 3.42.1, 3.52.4.9-10) and the
 * fan-out of core change events to them (3.42.4): each registration is a
 * sink (notify_sink.c) with its own DCOM client, so that a slow, dead or
 * hostile console never delays another one, the change that triggered the
 * event, or any client of istmd. docs/notifications.md. */
#include "istm/general_notify.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "dcom/objref.h"
#include "idl/ndr_ms_istm.h"
#include "istm/notify.h"
#include "istm/notify_sink.h"
#include "istmd/log.h"

/* The object MIP names: a standard OBJREF of IStatusNotify. */
static int pull(TALLOC_CTX *mem, const struct MInterfacePointer *mip, struct OBJREF *o)
{
	struct GUID iid;
	if (mip == NULL || dcom_objref_pull(mem, mip, o) < 0 || o->flags != OBJREF_FLAG_STANDARD ||
	    !NT_STATUS_IS_OK(GUID_from_string(NDR_ISTATUSNOTIFY_UUID, &iid)) ||
	    !GUID_equal(&o->iid, &iid))
		return -EINVAL;
	return 0;
}

static bool same_object(const struct nsink *s, const struct STDOBJREF *std)
{
	return s->oxid == std->oxid && s->oid == std->oid && GUID_equal(&s->ipid, &std->ipid);
}

static void on_flush(struct tevent_context *ev, struct tevent_immediate *im, void *priv)
{
	struct istm_notifications *list = priv;
	struct nsink *next;
	for (struct nsink *s = list->sinks; s != NULL; s = next) {
		next = s->next; /* a kick may fail the sink */
		nsink_kick(s);
	}
}

/* A core change: queued on every sink; sent from the loop's next turn, so
 * the change completes first and a burst in one turn is one call. */
static void on_core_event(const struct core_event *e, void *priv)
{
	struct istm_notifications *list = priv;
	if (list->n == 0)
		return;
	for (struct nsink *s = list->sinks; s != NULL; s = s->next)
		nsink_queue(s, e);
	tevent_schedule_immediate(list->flush, list->ev, on_flush, list);
}

static struct istm_notifications *list_of(struct istm_context *ctx)
{
	if (ctx->notifications != NULL)
		return ctx->notifications;
	struct istm_notifications *list = talloc_zero(ctx, struct istm_notifications);
	if (list == NULL || (list->flush = tevent_create_immediate(list)) == NULL) {
		talloc_free(list);
		return NULL;
	}
	list->ev = ctx->ev;
	list->config = ctx->notify_config;
	if (list->config != NULL && ctx->core != NULL) {
		list->observer = core_observe(list, ctx->core, on_core_event, list);
		if (list->observer == NULL) {
			talloc_free(list);
			return NULL;
		}
	}
	ctx->notifications = list;
	return list;
}

static void unlink_sink(struct nsink *s)
{
	struct istm_notifications *list = s->list;
	DLIST_UNLINK(list->sinks, s);
	list->n--;
}

/* S leaves the registrations; its references are given back. */
static void drop(struct nsink *s)
{
	struct istm_notifications *list = s->list;
	unlink_sink(s);
	DLIST_PUSH(list->retiring, s);
	nsink_retire(s);
}

void istm_notify_sink_failed(struct nsink *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *why = talloc_vasprintf(s, fmt, ap);
	va_end(ap);
	/* 3.42.4.x: any error stops notifications to that sink. */
	log_notice("status notifications to %s's sink %llu (cookie %u) stopped: %s", s->user,
		   (unsigned long long)s->id, s->cookie, why ? why : "?");
	unlink_sink(s);
	talloc_free(s);
}

static struct nsink *oldest(struct istm_notifications *list, const char *user)
{
	struct nsink *found = NULL;
	for (struct nsink *s = list->sinks; s != NULL; s = s->next)
		if (user == NULL || strcasecmp(s->user, user) == 0)
			found = s; /* newest first: the last one seen is the oldest */
	return found;
}

int istm_notify_register(struct istm_context *ctx, const struct MInterfacePointer *mip,
			 uint32_t cookie, const char *user, const char *caller)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct OBJREF o;
	int rc = tmp ? pull(tmp, mip, &o) : -ENOMEM;
	struct istm_notifications *list = rc == 0 ? list_of(ctx) : NULL;
	if (rc == 0 && list == NULL)
		rc = -ENOMEM;
	if (rc != 0) {
		talloc_free(tmp);
		return rc;
	}
	user = user ? user : "";
	const struct STDOBJREF *std = &o.u_objref.u_standard.std;
	/* The same object and cookie again is one registration. */
	struct nsink *next;
	for (struct nsink *s = list->sinks; s != NULL; s = next) {
		next = s->next;
		if (same_object(s, std) && s->cookie == cookie)
			drop(s);
	}
	/* Bounded: per account, then in all (a console that vanished never
	 * unregisters); the oldest go. */
	unsigned per_account = list->config ? list->config->max_sinks_per_account
					    : ISTM_MAX_NOTIFICATIONS;
	size_t mine = 0;
	for (struct nsink *s = list->sinks; s != NULL; s = s->next)
		mine += strcasecmp(s->user, user) == 0;
	if (mine >= per_account) {
		struct nsink *old = oldest(list, user);
		log_notice("status notifications: %s has %zu registrations (max_sinks_per_account): "
			   "the oldest (cookie %u) is dropped", user, mine, old->cookie);
		drop(old);
	}
	if (list->n >= ISTM_MAX_NOTIFICATIONS) {
		struct nsink *old = oldest(list, NULL);
		log_notice("status notifications: %zu registrations: %s's oldest (cookie %u) is "
			   "dropped", list->n, old->user, old->cookie);
		drop(old);
	}

	struct nsink *s = talloc_zero(list, struct nsink);
	if (s == NULL)
		goto nomem;
	*s = (struct nsink){ .list = list, .oxid = std->oxid, .oid = std->oid,
			     .ipid = std->ipid, .cookie = cookie, .id = ++list->next_id };
	s->user = talloc_strdup(s, user);
	s->caller = caller ? talloc_strdup(s, caller) : NULL;
	if (caller != NULL && s->caller == NULL)
		goto nomem;
	s->mip = talloc_zero(s, struct MInterfacePointer);
	if (s->user == NULL || s->mip == NULL ||
	    (s->mip->abData = talloc_memdup(s->mip, mip->abData, mip->ulCntData)) == NULL)
		goto nomem;
	s->mip->ulCntData = mip->ulCntData;
	if (list->config != NULL) {
		s->statuses = talloc_zero_array(s, struct LUN_STATUS, list->config->queue);
		if (s->statuses == NULL)
			goto nomem;
	}
	DLIST_PUSH(list->sinks, s);
	list->n++;
	talloc_free(tmp);
	/* -EINVAL before anything started; other failures drop S themselves. */
	if (list->config != NULL && nsink_start(s) != 0) {
		unlink_sink(s);
		talloc_free(s);
		return -EINVAL;
	}
	return 0;
nomem:
	talloc_free(s);
	talloc_free(tmp);
	return -ENOMEM;
}

int istm_notify_unregister(struct istm_context *ctx, const struct MInterfacePointer *mip,
			   size_t *removed)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct OBJREF o;
	int rc = tmp ? pull(tmp, mip, &o) : -ENOMEM;
	*removed = 0;
	struct istm_notifications *list = ctx->notifications;
	struct nsink *next;
	for (struct nsink *s = list && rc == 0 ? list->sinks : NULL; s != NULL; s = next) {
		next = s->next;
		if (same_object(s, &o.u_objref.u_standard.std)) {
			drop(s);
			(*removed)++;
		}
	}
	talloc_free(tmp);
	return rc;
}

size_t istm_notify_count(const struct istm_context *ctx)
{
	return ctx->notifications ? ctx->notifications->n : 0;
}
