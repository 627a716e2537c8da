/* The object exporter's tables (MS-DCOM 3.1.1.1): objects, their OIDs and
 * IPIDs, reference counts, server-side holds, the class registry and garbage
 * collection (3.1.1.6.2, 3.1.2.6). */
#include "dcom/internal.h"

#include <gen_ndr/dcerpc.h>

#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "dcom/object_exporter.h"
#include "istmd/config.h"
#include "istmd/log.h"
#include "rpc/server.h"

#define DCOM_DEFAULT_PING_PERIOD 120 /* MS-DCOM 3.1.2.2 */
#define DCOM_DEFAULT_PING_PERIODS 3
/* A sweep that frees at least this many objects gives the memory back to
 * the system: after a client let go of thousands of objects, the daemon's
 * RSS should not stay at the peak (issue 9). */
#define DCOM_TRIM_AFTER_OBJECTS 500

void dcom_config_defaults(struct dcom_config *c)
{
	c->ping_period = DCOM_DEFAULT_PING_PERIOD;
	c->ping_timeout_periods = DCOM_DEFAULT_PING_PERIODS;
	c->max_objects = 100000;
	c->max_objects_per_client = 10000;
	c->max_ping_sets = 4096;
	c->max_ping_sets_per_account = 64;
}

int dcom_config_load(struct cfg *cfg, TALLOC_CTX *mem_ctx, struct dcom_config *c, char **err)
{
	uint64_t v;
	dcom_config_defaults(c);
	if (cfg_get_uint(cfg, "dcom", "ping_period", DCOM_DEFAULT_PING_PERIOD, 1, 120, &v, err) != 0)
		return -EINVAL;
	c->ping_period = (unsigned)v;
	if (cfg_get_uint(cfg, "dcom", "ping_timeout_periods", DCOM_DEFAULT_PING_PERIODS, 1, 100, &v,
			 err) != 0)
		return -EINVAL;
	c->ping_timeout_periods = (unsigned)v;
	if (cfg_get_uint(cfg, "dcom", "max_objects", c->max_objects, 16, 10000000, &v, err) != 0)
		return -EINVAL;
	c->max_objects = (unsigned)v;
	if (cfg_get_uint(cfg, "dcom", "max_objects_per_client", c->max_objects_per_client, 16,
			 10000000, &v, err) != 0)
		return -EINVAL;
	c->max_objects_per_client = (unsigned)v;
	if (cfg_get_uint(cfg, "dcom", "max_ping_sets", c->max_ping_sets, 1, 1000000, &v, err) != 0)
		return -EINVAL;
	c->max_ping_sets = (unsigned)v;
	if (cfg_get_uint(cfg, "dcom", "max_ping_sets_per_account", c->max_ping_sets_per_account, 1,
			 1000000, &v, err) != 0)
		return -EINVAL;
	c->max_ping_sets_per_account = (unsigned)v;
	(void)mem_ctx;
	return 0;
}

/* ---- identifiers and time -------------------------------------------------------- */

static uint64_t monotonic_ms(void *priv)
{
	struct timespec ts;
	(void)priv;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t dcom_now_ms(struct dcom_exporter *ex)
{
	return ex->clock(ex->clock_priv);
}

uint64_t dcom_new_id64(const struct idmap *map)
{
	for (;;) {
		uint64_t id = 0;
		if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
			id = monotonic_ms(NULL) * UINT64_C(0x9e3779b97f4a7c15); /* never in practice */
		struct idmap_key k = idmap_key_u64(id);
		if (id != 0 && (map == NULL || idmap_get(map, &k) == NULL))
			return id;
	}
}

void dcom_new_guid(struct GUID *guid)
{
	/* Unguessable: an IPID is all a client needs to call or release an
	 * interface (MS-DCOM 3.1.1.5.6). */
	*guid = GUID_random();
}

/* ---- objects ---------------------------------------------------------------------- */

static void ipid_unlink(struct dcom_ipid *ipid)
{
	struct dcom_object *obj = ipid->obj;
	struct idmap_key k = idmap_key_guid(&ipid->ipid);
	dcom_peer_refs_ipid_gone(ipid);
	idmap_remove(obj->ex->ipids, &k);
	DLIST_UNLINK(obj->ipids, ipid);
	talloc_free(ipid);
}

static void unexport(struct dcom_object *obj)
{
	while (obj->ipids != NULL)
		ipid_unlink(obj->ipids);
	if (obj->oid != 0) {
		struct idmap_key k = idmap_key_u64(obj->oid);
		idmap_remove(obj->ex->oids, &k);
		obj->oid = 0;
	}
}

static int object_destructor(struct dcom_object *obj)
{
	struct dcom_exporter *ex = obj->ex;
	/* Holds others keep on this object: detached, their tokens stay valid. */
	while (obj->holds != NULL) {
		struct dcom_hold *h = obj->holds;
		DLIST_UNLINK(obj->holds, h);
		h->obj = NULL;
	}
	unexport(obj);
	DLIST_UNLINK(ex->objects, obj);
	ex->num_objects--;
	if (!obj->released) {
		obj->released = true;
		if (obj->cls->release != NULL)
			obj->cls->release(obj->impl);
	}
	return 0; /* the state (a child) is freed next */
}

/* Frees OBJ when nothing keeps it: no IPID, no hold, not a singleton. */
static void object_maybe_free(struct dcom_object *obj)
{
	if (obj->ex->shutting_down || obj->cls->singleton || obj->released)
		return;
	if (obj->ipids != NULL || obj->holds != NULL)
		return;
	log_debug("DCOM: %s object released", obj->cls->name);
	talloc_free(obj);
}

static int hold_destructor(struct dcom_hold *h)
{
	struct dcom_object *obj = h->obj;
	if (obj == NULL)
		return 0;
	DLIST_UNLINK(obj->holds, h);
	h->obj = NULL;
	object_maybe_free(obj);
	return 0;
}

struct dcom_hold *dcom_object_hold(TALLOC_CTX *holder, struct dcom_object *obj)
{
	struct dcom_hold *h = talloc_zero(holder, struct dcom_hold);
	if (h == NULL)
		return NULL;
	h->obj = obj;
	DLIST_PUSH(obj->holds, h);
	talloc_set_destructor(h, hold_destructor);
	return h;
}

struct dcom_object *dcom_hold_object(const struct dcom_hold *hold)
{
	return hold != NULL ? hold->obj : NULL;
}

struct dcom_object *dcom_object_new(TALLOC_CTX *holder, struct dcom_exporter *ex,
				    const struct dcom_class *cls, void *impl)
{
	if (ex->shutting_down || ex->num_objects >= ex->config.max_objects) {
		log_warn("DCOM: cannot create a %s object: %zu objects exist (max_objects)",
			 cls->name, ex->num_objects);
		talloc_free(impl);
		return NULL;
	}
	if (dcom_serve_class(ex, cls) != 0) {
		talloc_free(impl);
		return NULL;
	}
	struct dcom_object *obj = talloc_zero(ex, struct dcom_object);
	if (obj == NULL) {
		talloc_free(impl);
		return NULL;
	}
	talloc_set_name_const(obj, cls->name);
	obj->ex = ex;
	obj->cls = cls;
	obj->impl = impl != NULL ? talloc_steal(obj, impl) : NULL;
	obj->last_activity_ms = dcom_now_ms(ex);
	DLIST_PUSH(ex->objects, obj);
	ex->num_objects++;
	talloc_set_destructor(obj, object_destructor);
	if (!cls->singleton && (holder == NULL || dcom_object_hold(holder, obj) == NULL)) {
		talloc_free(obj);
		return NULL;
	}
	return obj;
}

void *dcom_object_impl(const struct dcom_object *obj)
{
	return obj->impl;
}

const struct dcom_class *dcom_object_class(const struct dcom_object *obj)
{
	return obj->cls;
}

struct dcom_exporter *dcom_object_exporter(const struct dcom_object *obj)
{
	return obj->ex;
}

static const struct dcom_chain *find_chain(const struct dcom_class *cls,
					   const struct idl_interface *iface)
{
	for (size_t i = 0; i < cls->num_chains; i++) {
		if (idl_interface_is_a(cls->chains[i].iface, iface))
			return &cls->chains[i];
	}
	return NULL;
}

bool dcom_object_implements(const struct dcom_object *obj, const struct idl_interface *iface)
{
	return iface == &idl_iface_IUnknown || find_chain(obj->cls, iface) != NULL;
}

const struct idl_interface *dcom_object_find_iid(const struct dcom_object *obj,
						 const struct GUID *iid)
{
	if (GUID_equal(iid, &ndr_table_IUnknown.syntax_id.uuid))
		return &idl_iface_IUnknown;
	for (size_t i = 0; i < obj->cls->num_chains; i++) {
		for (const struct idl_interface *f = obj->cls->chains[i].iface; f != NULL; f = f->base) {
			if (GUID_equal(iid, &f->table->syntax_id.uuid))
				return f;
		}
	}
	return NULL;
}

void dcom_object_touch(struct dcom_object *obj)
{
	obj->last_activity_ms = dcom_now_ms(obj->ex);
}

/* ---- export: OIDs, IPIDs, references ---------------------------------------------- */

struct dcom_ipid *dcom_ipid_find(struct dcom_exporter *ex, const struct GUID *ipid)
{
	struct idmap_key k = idmap_key_guid(ipid);
	return idmap_get(ex->ipids, &k);
}

struct dcom_object *dcom_exporter_find_ipid(struct dcom_exporter *ex, const struct GUID *ipid)
{
	struct dcom_ipid *i = dcom_ipid_find(ex, ipid);
	return i != NULL ? i->obj : NULL;
}

static uint32_t add_sat(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

struct dcom_ipid *dcom_export(struct dcom_object *obj, const struct idl_interface *iface,
			      uint32_t refs, struct dcom_peer *client, struct STDOBJREF *std)
{
	struct dcom_exporter *ex = obj->ex;
	if (!dcom_object_implements(obj, iface) || obj->released)
		return NULL;
	if (refs != 0 && !dcom_peer_may_hold(client, obj)) {
		log_notice("DCOM: %s of %s holds %zu objects (max_objects_per_client): "
			   "%s object refused",
			   client->user, client->assoc ? "a remote client" : "in-process calls",
			   dcom_peer_num_objects(client), obj->cls->name);
		return NULL;
	}

	if (obj->oid == 0) {
		uint64_t oid = dcom_new_id64(ex->oids);
		struct idmap_key k = idmap_key_u64(oid);
		if (idmap_put(ex->oids, &k, obj) != 0)
			return NULL;
		obj->oid = oid;
	}
	struct dcom_ipid *ipid;
	for (ipid = obj->ipids; ipid != NULL; ipid = ipid->next) {
		if (ipid->iface == iface)
			break;
	}
	if (ipid == NULL) {
		ipid = talloc_zero(obj, struct dcom_ipid);
		if (ipid == NULL)
			goto fail;
		ipid->obj = obj;
		ipid->iface = iface;
		ipid->chain = iface == &idl_iface_IUnknown ? NULL : find_chain(obj->cls, iface);
		struct idmap_key k;
		do {
			dcom_new_guid(&ipid->ipid);
			k = idmap_key_guid(&ipid->ipid);
		} while (idmap_get(ex->ipids, &k) != NULL);
		if (idmap_put(ex->ipids, &k, ipid) != 0) {
			talloc_free(ipid);
			goto fail;
		}
		DLIST_PUSH(obj->ipids, ipid);
	}
	if (dcom_peer_credit(client, ipid, refs) != 0) {
		if (ipid->public_refs == 0 && ipid->private_refs == NULL)
			ipid_unlink(ipid);
		goto fail;
	}
	ipid->public_refs = add_sat(ipid->public_refs, refs);
	dcom_object_touch(obj);
	if (std != NULL) {
		*std = (struct STDOBJREF){
			.flags = 0, /* pinged (MS-DCOM 2.2.18.2, 3.1.1.5.1 <39>) */
			.cPublicRefs = refs,
			.oxid = ex->oxid,
			.oid = obj->oid,
			.ipid = ipid->ipid,
		};
	}
	return ipid;
fail:
	if (obj->ipids == NULL)
		unexport(obj);
	return NULL;
}

static struct dcom_private_ref *private_ref(struct dcom_ipid *ipid, const char *user, bool create)
{
	for (struct dcom_private_ref *p = ipid->private_refs; p != NULL; p = p->next) {
		if (strcasecmp(p->user, user) == 0)
			return p;
	}
	if (!create)
		return NULL;
	struct dcom_private_ref *p = talloc_zero(ipid, struct dcom_private_ref);
	if (p == NULL || (p->user = talloc_strdup(p, user)) == NULL) {
		talloc_free(p);
		return NULL;
	}
	p->next = ipid->private_refs;
	ipid->private_refs = p;
	return p;
}

int dcom_ipid_addref(struct dcom_ipid *ipid, struct dcom_peer *client, uint32_t public_refs,
		     uint32_t private_refs)
{
	const char *user = client != NULL ? client->user : NULL;
	int rc = dcom_peer_credit(client, ipid, public_refs);
	if (rc != 0)
		return rc;
	if (private_refs != 0) {
		struct dcom_private_ref *p = private_ref(ipid, user ? user : "", true);
		if (p == NULL)
			return -ENOMEM;
		p->count = add_sat(p->count, private_refs);
	}
	ipid->public_refs = add_sat(ipid->public_refs, public_refs);
	dcom_object_touch(ipid->obj);
	return 0;
}

void dcom_ipid_release(struct dcom_ipid *ipid, struct dcom_peer *client, uint32_t public_refs,
		       uint32_t private_refs)
{
	struct dcom_object *obj = ipid->obj;
	const char *user = client != NULL ? client->user : NULL;

	/* The managers are shared by every client: no client releases them. */
	if (obj->cls->singleton || ipid->permanent)
		return;
	/* At most what this client holds (MS-DCOM 3.1.1.5.6.1.3 clamps at the
	 * IPID's count; we clamp at the caller's share of it). */
	ipid->public_refs -= dcom_peer_debit(client, ipid, public_refs);
	if (private_refs != 0) {
		/* Only the identity that took private references releases them
		 * (MS-DCOM 1.3.6, <49>). */
		struct dcom_private_ref *p = private_ref(ipid, user ? user : "", false);
		if (p != NULL)
			p->count = private_refs > p->count ? 0 : p->count - private_refs;
	}
	if (ipid->permanent || ipid->public_refs != 0)
		return;
	for (struct dcom_private_ref *p = ipid->private_refs; p != NULL; p = p->next) {
		if (p->count != 0)
			return;
	}
	log_debug("DCOM: IPID of %s on a %s object released", ipid->iface->name, obj->cls->name);
	ipid_unlink(ipid);
	if (obj->ipids == NULL) {
		unexport(obj);
		object_maybe_free(obj);
	}
}

void dcom_object_reclaim(struct dcom_object *obj)
{
	log_info("DCOM: %s object (OID %016llx) not pinged: released", obj->cls->name,
		 (unsigned long long)obj->oid);
	unexport(obj);
	object_maybe_free(obj);
}

/* ---- interfaces served ------------------------------------------------------------ */

static int serve_iface(struct dcom_exporter *ex, const struct idl_interface *iface)
{
	for (struct dcom_registered_iface *r = ex->registered; r != NULL; r = r->next) {
		if (r->iface == iface)
			return 0;
	}
	struct dcom_registered_iface *r = talloc_zero(ex, struct dcom_registered_iface);
	if (r == NULL)
		return -ENOMEM;
	if (ex->rpc != NULL) {
		const struct rpc_interface ri = {
			.idl = iface,
			.endpoints = RPC_EP_OBJECT,
			.dispatch = dcom_orpc_dispatch,
			.private_data = ex,
		};
		int rc = rpc_server_register(ex->rpc, &ri);
		if (rc != 0 && rc != -EEXIST) {
			log_err("DCOM: cannot serve %s: %s", iface->name, strerror(-rc));
			talloc_free(r);
			return rc;
		}
	}
	r->iface = iface;
	r->next = ex->registered;
	ex->registered = r;
	return 0;
}

int dcom_serve_class(struct dcom_exporter *ex, const struct dcom_class *cls)
{
	for (size_t i = 0; i < cls->num_chains; i++) {
		for (const struct idl_interface *f = cls->chains[i].iface; f != NULL; f = f->base) {
			if (!f->object)
				return -EINVAL;
			int rc = serve_iface(ex, f);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* ---- class registry ---------------------------------------------------------------- */

int dcom_exporter_register_clsid(struct dcom_exporter *ex, const struct GUID *clsid,
				 struct dcom_object *obj)
{
	if (dcom_exporter_find_clsid(ex, clsid) != NULL)
		return -EEXIST;
	struct dcom_clsid_entry *e = talloc_zero(ex, struct dcom_clsid_entry);
	if (e == NULL)
		return -ENOMEM;
	e->clsid = *clsid;
	e->hold = dcom_object_hold(e, obj);
	if (e->hold == NULL) {
		talloc_free(e);
		return -ENOMEM;
	}
	e->next = ex->clsids;
	ex->clsids = e;
	return 0;
}

struct dcom_object *dcom_exporter_find_clsid(struct dcom_exporter *ex, const struct GUID *clsid)
{
	for (struct dcom_clsid_entry *e = ex->clsids; e != NULL; e = e->next) {
		if (GUID_equal(&e->clsid, clsid))
			return dcom_hold_object(e->hold);
	}
	return NULL;
}

/* ---- garbage collection -------------------------------------------------------------- */

static uint64_t timeout_ms(const struct dcom_exporter *ex)
{
	return (uint64_t)ex->config.ping_period * ex->config.ping_timeout_periods * 1000;
}

void dcom_exporter_collect(struct dcom_exporter *ex)
{
	uint64_t now = dcom_now_ms(ex);
	uint64_t limit = timeout_ms(ex);
	size_t before = ex->num_objects;

	dcom_pingsets_expire(ex, now);

	/* Two passes: releasing one object may free others (its state held
	 * them), so the candidates are looked up again by OID. */
	size_t n = 0;
	for (struct dcom_object *o = ex->objects; o != NULL; o = o->next)
		n++;
	uint64_t *stale = talloc_array(ex, uint64_t, n ? n : 1);
	if (stale == NULL)
		return;
	size_t k = 0;
	for (struct dcom_object *o = ex->objects; o != NULL; o = o->next) {
		if (o->oid != 0 && !o->cls->singleton && now - o->last_activity_ms >= limit)
			stale[k++] = o->oid;
	}
	for (size_t i = 0; i < k; i++) {
		struct idmap_key key = idmap_key_u64(stale[i]);
		struct dcom_object *o = idmap_get(ex->oids, &key);
		if (o != NULL)
			dcom_object_reclaim(o);
	}
	talloc_free(stale);
	if (before >= ex->num_objects + DCOM_TRIM_AFTER_OBJECTS) {
		log_info("DCOM: %zu objects released by the sweep: memory returned to the system",
			 before - ex->num_objects);
		malloc_trim(0);
		ex->num_trims++;
	}
}

static void gc_timer(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		     void *priv)
{
	struct dcom_exporter *ex = priv;
	ex->gc_timer = NULL;
	dcom_exporter_collect(ex);
	ex->gc_timer = tevent_add_timer(ev, ex, tevent_timeval_current_ofs(ex->config.ping_period, 0),
					gc_timer, ex);
}

/* ---- the exporter ------------------------------------------------------------------- */

static int exporter_destructor(struct dcom_exporter *ex)
{
	ex->shutting_down = true;
	TALLOC_FREE(ex->gc_timer);
	while (ex->clsids != NULL) {
		struct dcom_clsid_entry *e = ex->clsids;
		ex->clsids = e->next;
		talloc_free(e);
	}
	while (ex->objects != NULL)
		talloc_free(ex->objects);
	return 0;
}

struct dcom_exporter *dcom_exporter_new(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					struct rpc_server *rpc, const struct dcom_config *config,
					uint8_t min_auth_level, char **err)
{
	struct dcom_exporter *ex = talloc_zero(mem_ctx, struct dcom_exporter);
	if (ex == NULL)
		goto nomem;
	ex->ev = ev;
	ex->rpc = rpc;
	ex->config = *config;
	ex->min_auth_level = min_auth_level;
	ex->clock = monotonic_ms;
	ex->ipids = idmap_new(ex);
	ex->oids = idmap_new(ex);
	ex->sets = idmap_new(ex);
	if (ex->ipids == NULL || ex->oids == NULL || ex->sets == NULL)
		goto nomem;
	ex->oxid = dcom_new_id64(NULL);
	talloc_set_destructor(ex, exporter_destructor);

	/* The Remote Unknown (MS-DCOM 3.1.1.3): one IPID serves IRemUnknown
	 * and IRemUnknown2, never released. */
	ex->remunknown = dcom_object_new(NULL, ex, &dcom_remunknown_class, NULL);
	if (ex->remunknown == NULL)
		goto nomem;
	struct dcom_ipid *ipid = dcom_export(ex->remunknown, &idl_iface_IRemUnknown2, 0, NULL, NULL);
	if (ipid == NULL)
		goto nomem;
	ipid->permanent = true;
	ex->ipid_remunknown = ipid->ipid;

	if (rpc != NULL && (dcom_object_exporter_register(rpc, ex) != 0 ||
			    dcom_activation_register(rpc, ex) != 0)) {
		*err = talloc_strdup(mem_ctx, "cannot register the DCOM activator and OXID resolver");
		talloc_free(ex);
		return NULL;
	}
	ex->gc_timer = tevent_add_timer(ev, ex, tevent_timeval_current_ofs(config->ping_period, 0),
					gc_timer, ex);
	if (ex->gc_timer == NULL)
		goto nomem;
	log_info("DCOM: object exporter %016llx, objects unpinged for %u s are released",
		 (unsigned long long)ex->oxid, config->ping_period * config->ping_timeout_periods);
	return ex;
nomem:
	*err = talloc_strdup(mem_ctx, "out of memory creating the DCOM exporter");
	talloc_free(ex);
	return NULL;
}

uint64_t dcom_exporter_oxid(const struct dcom_exporter *ex)
{
	return ex->oxid;
}

const struct GUID *dcom_exporter_remunknown_ipid(const struct dcom_exporter *ex)
{
	return &ex->ipid_remunknown;
}

uint32_t dcom_exporter_authn_hint(const struct dcom_exporter *ex)
{
	/* Every activation and ISTM call needs an authenticated caller, so even
	 * with min_auth_level none the least useful level is connect. */
	return ex->min_auth_level > DCERPC_AUTH_LEVEL_CONNECT ? ex->min_auth_level :
								  DCERPC_AUTH_LEVEL_CONNECT;
}

struct tevent_context *dcom_exporter_ev(const struct dcom_exporter *ex)
{
	return ex->ev;
}

int dcom_exporter_bindings(struct dcom_exporter *ex, TALLOC_CTX *mem_ctx, const char *dialled,
			   enum dcom_bindings_of which, struct DUALSTRINGARRAY **out)
{
	static const char *const no_addresses[] = { "127.0.0.1", NULL };
	const char *const *addresses = ex->rpc ? rpc_server_addresses(ex->rpc) : no_addresses;
	uint16_t port = 0;
	if (ex->rpc != NULL && which == DCOM_BINDINGS_EXPORTER)
		port = rpc_server_port(ex->rpc, RPC_EP_OBJECT);
	else if (ex->rpc != NULL)
		port = dcom_resolver_binding_port(rpc_server_port(ex->rpc, RPC_EP_MAPPER));
	if (dialled == NULL || dialled[0] == '\0' || rpc_address_is_wildcard(dialled))
		dialled = addresses[0];
	struct DUALSTRINGARRAY *dsa = talloc_zero(mem_ctx, struct DUALSTRINGARRAY);
	if (dsa == NULL)
		return -ENOMEM;
	int rc = dcom_dualstringarray(dsa, addresses, dialled, port, &dsa->aStringArray,
				      &dsa->wNumEntries, &dsa->wSecurityOffset);
	if (rc != 0) {
		talloc_free(dsa);
		return rc;
	}
	*out = dsa;
	return 0;
}

size_t dcom_exporter_num_objects(const struct dcom_exporter *ex)
{
	return ex->num_objects;
}

size_t dcom_exporter_num_ipids(const struct dcom_exporter *ex)
{
	return idmap_count(ex->ipids);
}

size_t dcom_exporter_num_trims(const struct dcom_exporter *ex)
{
	return ex->num_trims;
}

size_t dcom_exporter_num_pingsets(const struct dcom_exporter *ex)
{
	return idmap_count(ex->sets);
}

void dcom_exporter_set_clock(struct dcom_exporter *ex, uint64_t (*clock)(void *priv), void *priv)
{
	ex->clock = clock ? clock : monotonic_ms;
	ex->clock_priv = priv;
	uint64_t now = dcom_now_ms(ex);
	for (struct dcom_object *o = ex->objects; o != NULL; o = o->next)
		o->last_activity_ms = now;
	dcom_pingsets_touch_all(ex, now);
}
