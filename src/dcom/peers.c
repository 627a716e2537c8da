/* Peers: the clients of the exporter, and the public references each holds
 * (issue 9).
 *
 * MS-DCOM (1.3.6, 3.1.1.5.6) keeps one public reference count per IPID; a
 * server may also remember which client was given which references. We do:
 * a client is one account on one association group (MS-RPCE 3.3.1.1.1), or
 * one account of in-process calls. Every public reference handed to a client
 * (an OBJREF marshalled in its call, RemQueryInterface, RemAddRef) is
 * credited to it as well as counted on the IPID, and RemRelease takes back
 * at most what the caller holds, so one console cannot release another's
 * objects. A client holds references on at most [dcom] max_objects_per_client
 * objects; singletons (the managers) are shared, never counted nor released.
 *
 * When the association goes, its clients' references stay counted on their
 * IPIDs (MS-DCOM: references outlive connections) but belong to nobody: the
 * objects then live while they are pinged, and garbage collection takes them
 * (3.1.1.6.2). */
#include "dcom/internal.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "istmd/log.h"
#include "rpc/server.h"

/* Lives on the association's memory: its going forgets the client. */
struct dcom_peer_anchor {
	struct dcom_peer *client;
};

static void ref_unlink_ipid(struct dcom_peer_ref *r)
{
	struct dcom_ipid *ipid = r->ipid;
	if (r->ipid_prev != NULL)
		r->ipid_prev->ipid_next = r->ipid_next;
	else
		ipid->peer_refs = r->ipid_next;
	if (r->ipid_next != NULL)
		r->ipid_next->ipid_prev = r->ipid_prev;
	r->ipid_prev = r->ipid_next = NULL;
}

static void ref_unlink_client(struct dcom_peer_ref *r)
{
	struct dcom_peer *c = r->client;
	if (r->client_prev != NULL)
		r->client_prev->client_next = r->client_next;
	else
		c->refs = r->client_next;
	if (r->client_next != NULL)
		r->client_next->client_prev = r->client_prev;
	r->client_prev = r->client_next = NULL;
}

static struct dcom_peer_ref *find_ref(const struct dcom_ipid *ipid, const struct dcom_peer *c)
{
	for (struct dcom_peer_ref *r = ipid->peer_refs; r != NULL; r = r->ipid_next) {
		if (r->client == c)
			return r;
	}
	return NULL;
}

/* True when C holds references on an IPID of OBJ other than EXCEPT. */
static bool holds_object(const struct dcom_peer *c, const struct dcom_object *obj,
			 const struct dcom_ipid *except)
{
	for (const struct dcom_ipid *i = obj->ipids; i != NULL; i = i->next) {
		if (i != except && find_ref(i, c) != NULL)
			return true;
	}
	return false;
}

/* Forgets reference entry R: the IPID keeps its count, the client its
 * object quota back when it holds nothing else of the object. */
static void ref_drop(struct dcom_peer_ref *r)
{
	struct dcom_peer *c = r->client;
	struct dcom_ipid *ipid = r->ipid;
	ipid->owned_refs -= r->count;
	ref_unlink_ipid(r);
	ref_unlink_client(r);
	if (!holds_object(c, ipid->obj, NULL))
		c->num_objects--;
	talloc_free(r);
}

int dcom_peer_credit(struct dcom_peer *c, struct dcom_ipid *ipid, uint32_t refs)
{
	if (c == NULL || refs == 0 || ipid->obj->cls->singleton)
		return 0;
	struct dcom_peer_ref *r = find_ref(ipid, c);
	if (r == NULL) {
		bool new_object = !holds_object(c, ipid->obj, ipid);
		if (new_object && c->num_objects >= c->ex->config.max_objects_per_client)
			return -EDQUOT;
		r = talloc_zero(ipid, struct dcom_peer_ref);
		if (r == NULL)
			return -ENOMEM;
		r->ipid = ipid;
		r->client = c;
		r->ipid_next = ipid->peer_refs;
		if (r->ipid_next != NULL)
			r->ipid_next->ipid_prev = r;
		ipid->peer_refs = r;
		r->client_next = c->refs;
		if (r->client_next != NULL)
			r->client_next->client_prev = r;
		c->refs = r;
		if (new_object)
			c->num_objects++;
	}
	uint32_t room = UINT32_MAX - r->count;
	uint32_t add = refs > room ? room : refs;
	r->count += add;
	ipid->owned_refs += add;
	return 0;
}

bool dcom_peer_may_hold(const struct dcom_peer *c, const struct dcom_object *obj)
{
	return c == NULL || obj->cls->singleton || holds_object(c, obj, NULL) ||
	       c->num_objects < c->ex->config.max_objects_per_client;
}

uint32_t dcom_peer_debit(struct dcom_peer *c, struct dcom_ipid *ipid, uint32_t refs)
{
	if (c == NULL) {
		/* the server's own (nobody's) references */
		uint32_t unowned = ipid->public_refs - ipid->owned_refs;
		return refs > unowned ? unowned : refs;
	}
	struct dcom_peer_ref *r = find_ref(ipid, c);
	if (r == NULL)
		return 0;
	uint32_t n = refs > r->count ? r->count : refs;
	r->count -= n;
	ipid->owned_refs -= n;
	if (r->count == 0)
		ref_drop(r);
	return n;
}

void dcom_peer_refs_ipid_gone(struct dcom_ipid *ipid)
{
	while (ipid->peer_refs != NULL)
		ref_drop(ipid->peer_refs);
}

size_t dcom_peer_num_objects(const struct dcom_peer *c)
{
	return c->num_objects;
}

static int anchor_destructor(struct dcom_peer_anchor *a)
{
	struct dcom_peer *c = a->client;
	if (c != NULL) {
		c->anchor = NULL;
		talloc_free(c);
	}
	return 0;
}

static int client_destructor(struct dcom_peer *c)
{
	/* Its references stay on their IPIDs, owned by nobody. */
	while (c->refs != NULL)
		ref_drop(c->refs);
	DLIST_UNLINK(c->ex->peers, c);
	if (c->anchor != NULL) {
		c->anchor->client = NULL;
		talloc_free(c->anchor);
	}
	return 0;
}

struct dcom_peer *dcom_peer_get(struct dcom_exporter *ex, struct rpc_assoc *assoc,
				    const char *user)
{
	if (user == NULL)
		user = "";
	for (struct dcom_peer *c = ex->peers; c != NULL; c = c->next) {
		if (c->assoc == assoc && strcasecmp(c->user, user) == 0)
			return c;
	}
	struct dcom_peer *c = talloc_zero(ex, struct dcom_peer);
	if (c == NULL || (c->user = talloc_strdup(c, user)) == NULL) {
		talloc_free(c);
		return NULL;
	}
	c->ex = ex;
	c->assoc = assoc;
	if (assoc != NULL) {
		c->anchor = talloc_zero(rpc_assoc_mem(assoc), struct dcom_peer_anchor);
		if (c->anchor == NULL) {
			talloc_free(c);
			return NULL;
		}
		c->anchor->client = c;
		talloc_set_destructor(c->anchor, anchor_destructor);
	}
	DLIST_PUSH(ex->peers, c);
	talloc_set_destructor(c, client_destructor);
	return c;
}

struct dcom_peer *dcom_peer_of_rpc(struct dcom_exporter *ex, struct rpc_call *call)
{
	return dcom_peer_get(ex, rpc_call_assoc(call), rpc_call_user(call));
}
