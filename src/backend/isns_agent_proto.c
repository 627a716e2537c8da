/* The agent's iSNS exchanges on libisns (RFC 4171): DevAttrReg (5.6.5.1),
 * DevDereg (5.6.5.4), DevAttrQry (5.6.5.2), DDReg/DDDereg (5.6.5.9-10).
 * Runs on the agent's thread only: libisns keeps global state. */
#include "backend/isns_agent_proto.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libisns/attrs.h>
#include <libisns/isns.h>
#include <libisns/util.h>

#include "istmd/log.h"

#define MAX_QUERY_SOURCES 64 /* targets asked for the initiators they see */
#define PG_TAG 1             /* tgt and LIO serve every portal in TPG 1 */

void isns_proto_init(const struct isns_agent_options *o)
{
	unsigned s = (o->timeout_ms + 999) / 1000;
	isns_config.ic_security = 0;
	isns_config.ic_network.call_timeout = s;
	isns_config.ic_network.connect_timeout = s;
	isns_config.ic_network.reconnect_timeout = s;
	isns_config.ic_network.idle_timeout = 0;
}

/* "HOST", "HOST:PORT", "[V6]:PORT", "V6" into HOST and PORT (text). */
static int split_server(const char *server, char *host, size_t host_len, char *port,
			size_t port_len)
{
	const char *p = NULL, *start = server;
	size_t hl;
	if (server[0] == '[') {
		const char *close = strchr(server, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -EINVAL;
		start = server + 1;
		hl = (size_t)(close - start);
		if (close[1] == ':')
			p = close + 2;
	} else {
		const char *c = strchr(server, ':');
		if (c != NULL && strchr(c + 1, ':') != NULL)
			c = NULL; /* a bare IPv6 literal */
		hl = c != NULL ? (size_t)(c - server) : strlen(server);
		if (c != NULL)
			p = c + 1;
	}
	if (hl == 0 || hl >= host_len)
		return -EINVAL;
	memcpy(host, start, hl);
	host[hl] = '\0';
	snprintf(port, port_len, "%s", p != NULL ? p : "3205");
	return 0;
}

static isns_client_t *connect_to(const char *server, const char *source)
{
	char host[300], port[16];
	if (split_server(server, host, sizeof(host), port, sizeof(port)) < 0)
		return NULL;
	isns_socket_t *sock = isns_create_client_socket(host, port, AF_UNSPEC, SOCK_STREAM);
	if (sock == NULL)
		return NULL;
	isns_socket_set_security_ctx(sock, NULL);
	isns_client_t *clnt = isns_calloc(1, sizeof(*clnt));
	if (clnt == NULL) {
		isns_socket_free(sock);
		return NULL;
	}
	clnt->ic_socket = sock;
	clnt->ic_source = isns_source_create_iscsi(source);
	return clnt;
}

static int status_errno(uint32_t status)
{
	switch (status) {
	case ISNS_SUCCESS:
		return 0;
	case ISNS_INTERNAL_ERROR: /* libisns: no answer in time, or no connection */
		return -ETIMEDOUT;
	case ISNS_SOURCE_UNKNOWN:
	case ISNS_SOURCE_UNAUTHORIZED:
		return -EACCES;
	case ISNS_NO_SUCH_ENTRY:
		return -ENOENT;
	default:
		return -EPROTO;
	}
}

/* An address literal and port as a libisns portal. */
static int portal_info(const struct iscsi_portal *p, isns_portal_info_t *out)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char port[8];
	snprintf(port, sizeof(port), "%u", p->port);
	if (getaddrinfo(p->address, port, &hints, &ai) != 0 || ai == NULL)
		return -EINVAL;
	isns_portal_init(out, ai->ai_addr, IPPROTO_TCP);
	freeaddrinfo(ai);
	return 0;
}

/* The portal objects of V (each address and port once), parented to ENTITY. */
struct portal_set {
	struct iscsi_portal key;
	isns_object_t *obj;
};

static isns_object_t *portal_object(struct portal_set *set, size_t *n, size_t max,
				    const struct iscsi_portal *p, isns_object_t *entity)
{
	for (size_t i = 0; i < *n; i++)
		if (set[i].key.port == p->port && strcmp(set[i].key.address, p->address) == 0)
			return set[i].obj;
	isns_portal_info_t pi;
	if (*n >= max || portal_info(p, &pi) < 0)
		return NULL;
	isns_object_t *obj = isns_create_portal(&pi, entity);
	if (obj == NULL)
		return NULL;
	set[*n].key = *p;
	set[*n].obj = obj;
	(*n)++;
	return obj;
}

/* ---- discovery domains (docs/isns.md) ----
 * A target with initiator IQNs gets a domain named ENTITY ":" target name
 * with the target and those initiators. A domain is kept (and found again
 * by name) across re-registrations and restarts: open-isns 0.101 leaves a
 * node that was in a deleted domain invisible to the default domain after
 * it registers again, so domains are only deleted with their target. */

static void dd_name(const struct isns_agent_options *o, const struct isns_view_target *t,
		    char *out, size_t len)
{
	snprintf(out, len, "%s:%s", o->entity, t->alias);
}

static void dd_delete(isns_client_t *clnt, uint32_t id)
{
	isns_attr_list_t none = ISNS_ATTR_LIST_INIT;
	isns_simple_t *msg = isns_create_dd_deregistration(clnt, id, &none);
	if (msg == NULL)
		return;
	uint32_t st = isns_client_call(clnt, &msg);
	log_debug("iSNS: DDDereg %u: %s", id, isns_strerror(st));
	isns_simple_free(msg);
}

/* The domain called NAME: its ID (0: none) and its member names (talloc'd
 * on MEM, a NULL-terminated array). */
static uint32_t dd_lookup(isns_client_t *clnt, const char *name, TALLOC_CTX *mem, char ***members)
{
	*members = talloc_zero_array(mem, char *, 1);
	isns_attr_list_t key = ISNS_ATTR_LIST_INIT;
	isns_attr_list_append_string(&key, ISNS_TAG_DD_SYMBOLIC_NAME, name);
	isns_simple_t *qry = isns_create_query(clnt, &key);
	isns_attr_list_destroy(&key);
	if (qry == NULL)
		return 0;
	isns_query_request_attr_tag(qry, ISNS_TAG_DD_ID);
	isns_query_request_attr_tag(qry, ISNS_TAG_DD_MEMBER_ISCSI_NAME);
	uint32_t id = 0;
	isns_object_list_t objs = ISNS_OBJECT_LIST_INIT;
	if (isns_client_call(clnt, &qry) == ISNS_SUCCESS &&
	    isns_query_response_get_objects(qry, &objs) == ISNS_SUCCESS) {
		for (unsigned i = 0; id == 0 && i < objs.iol_count; i++) {
			isns_object_t *obj = objs.iol_data[i];
			if (!isns_object_is_dd(obj) ||
			    !isns_object_get_uint32(obj, ISNS_TAG_DD_ID, &id))
				continue;
			isns_attr_list_t all = ISNS_ATTR_LIST_INIT;
			isns_object_extract_all(obj, &all);
			size_t n = 0;
			for (unsigned j = 0; *members != NULL && j < all.ial_count; j++) {
				isns_attr_t *at = all.ial_data[j];
				if (at->ia_tag_id != ISNS_TAG_DD_MEMBER_ISCSI_NAME ||
				    at->ia_value.iv_string == NULL)
					continue;
				char **m = talloc_realloc(mem, *members, char *, n + 2);
				if (m == NULL)
					break;
				*members = m;
				m[n] = talloc_strdup(m, at->ia_value.iv_string);
				m[++n] = NULL;
			}
			isns_attr_list_destroy(&all);
		}
	}
	isns_object_list_destroy(&objs);
	isns_simple_free(qry);
	return id;
}

/* DDReg: ID 0 creates the domain NAME, else adds to domain ID. The ID or 0. */
static uint32_t dd_register(isns_client_t *clnt, const char *name, uint32_t id,
			    const struct isns_view_target *t)
{
	isns_attr_list_t attrs = ISNS_ATTR_LIST_INIT;
	if (id != 0) /* open-isns refuses the name with an ID */
		isns_attr_list_append_uint32(&attrs, ISNS_TAG_DD_ID, id);
	else
		isns_attr_list_append_string(&attrs, ISNS_TAG_DD_SYMBOLIC_NAME, name);
	isns_attr_list_append_string(&attrs, ISNS_TAG_DD_MEMBER_ISCSI_NAME, t->iqn);
	for (size_t i = 0; i < t->n_initiators; i++)
		isns_attr_list_append_string(&attrs, ISNS_TAG_DD_MEMBER_ISCSI_NAME,
					     t->initiators[i]);
	isns_simple_t *msg = isns_create_dd_registration(clnt, &attrs);
	isns_attr_list_destroy(&attrs);
	if (msg == NULL)
		return 0;
	uint32_t st = isns_client_call(clnt, &msg), got = 0;
	if (st == ISNS_SUCCESS) {
		const isns_attr_list_t *l = isns_simple_get_attrs(msg);
		if (l == NULL || !isns_attr_list_get_uint32(l, ISNS_TAG_DD_ID, &got))
			got = id;
	} else {
		log_debug("iSNS: DDReg %s (%u): %s", name, id, isns_strerror(st));
	}
	isns_simple_free(msg);
	return got;
}

/* Takes the members that are no longer allowed out of domain ID. */
static void dd_prune(isns_client_t *clnt, uint32_t id, char **members,
		     const struct isns_view_target *t)
{
	isns_attr_list_t stale = ISNS_ATTR_LIST_INIT;
	unsigned n = 0;
	for (size_t i = 0; members != NULL && members[i] != NULL; i++) {
		bool wanted = strcasecmp(members[i], t->iqn) == 0;
		for (size_t j = 0; !wanted && j < t->n_initiators; j++)
			wanted = strcasecmp(members[i], t->initiators[j]) == 0;
		if (!wanted) {
			isns_attr_list_append_string(&stale, ISNS_TAG_DD_MEMBER_ISCSI_NAME,
						     members[i]);
			n++;
		}
	}
	if (n > 0) {
		isns_simple_t *msg = isns_create_dd_deregistration(clnt, id, &stale);
		if (msg != NULL) {
			uint32_t st = isns_client_call(clnt, &msg);
			log_debug("iSNS: %u member(s) out of discovery domain %u: %s", n, id,
				  isns_strerror(st));
			isns_simple_free(msg);
		}
	}
	isns_attr_list_destroy(&stale);
}

static bool needs_dd(const struct isns_view_target *t)
{
	return !t->any_initiator && t->n_initiators > 0;
}

/* The domain of T, made to hold exactly T and its initiators. CHANGED:
 * members may have left (looked up and pruned); otherwise a refresh adds
 * them again under the known ID (the server may have restarted). */
static uint32_t dd_sync(isns_client_t *clnt, const struct isns_agent_options *o,
			const struct isns_view_target *t, uint32_t known, bool changed)
{
	char name[300];
	dd_name(o, t, name, sizeof(name));
	if (known != 0 && !changed) {
		uint32_t id = dd_register(clnt, name, known, t);
		if (id != 0)
			return id;
	}
	TALLOC_CTX *tmp = talloc_new(NULL);
	char **members = NULL;
	uint32_t id = dd_lookup(clnt, name, tmp, &members);
	if (id != 0) {
		if (dd_register(clnt, name, id, t) == 0)
			id = 0;
		else
			dd_prune(clnt, id, members, t);
	} else {
		id = dd_register(clnt, name, 0, t);
	}
	if (id == 0)
		log_warn("iSNS: cannot register the discovery domain of %s", t->iqn);
	else
		log_debug("iSNS: discovery domain %u (%s): %s and %zu initiator(s)", id, name,
			  t->iqn, t->n_initiators);
	talloc_free(tmp);
	return id;
}

static void register_dds(isns_client_t *clnt, const struct isns_agent_options *o,
			 const struct isns_view *v, bool changed, TALLOC_CTX *mem,
			 struct isns_proto_reg *reg)
{
	struct isns_proto_dd *dds = talloc_zero_array(mem, struct isns_proto_dd, v->n_targets + 1);
	size_t n = 0;
	if (dds == NULL)
		return;
	for (size_t i = 0; i < v->n_targets; i++) {
		const struct isns_view_target *t = &v->targets[i];
		if (!needs_dd(t))
			continue;
		uint32_t known = 0;
		for (size_t j = 0; j < reg->n_dds; j++)
			if (strcasecmp(reg->dds[j].iqn, t->iqn) == 0)
				known = reg->dds[j].id;
		uint32_t id = dd_sync(clnt, o, t, known, changed);
		if (id != 0) {
			dds[n].iqn = talloc_strdup(dds, t->iqn);
			dds[n++].id = id;
		}
	}
	/* the domains of targets that no longer need one go */
	for (size_t j = 0; j < reg->n_dds; j++) {
		bool kept = false;
		for (size_t i = 0; !kept && i < n; i++)
			kept = dds[i].id == reg->dds[j].id;
		if (!kept)
			dd_delete(clnt, reg->dds[j].id);
	}
	talloc_free(reg->dds);
	reg->dds = dds;
	reg->n_dds = n;
}

static void drop_dds(isns_client_t *clnt, struct isns_proto_reg *reg)
{
	for (size_t j = 0; j < reg->n_dds; j++)
		dd_delete(clnt, reg->dds[j].id);
	TALLOC_FREE(reg->dds);
	reg->n_dds = 0;
}

int isns_proto_register(const struct isns_agent_options *o, const char *server,
			const struct isns_view *v, bool changed, TALLOC_CTX *mem,
			struct isns_proto_reg *reg)
{
	if (v->n_targets == 0)
		return 0;
	const char *source = v->targets[0].iqn;
	isns_client_t *clnt = connect_to(server, source);
	if (clnt == NULL)
		return -EINVAL;
	size_t max = 0;
	for (size_t i = 0; i < v->n_targets; i++)
		max += v->targets[i].n_portals;
	struct portal_set *set = talloc_zero_array(NULL, struct portal_set, max + 1);
	isns_object_t **nodes = talloc_zero_array(NULL, isns_object_t *, v->n_targets + 1);
	isns_object_list_t pgs = ISNS_OBJECT_LIST_INIT;
	size_t n_set = 0;
	int rc = -ENOMEM;
	isns_object_t *entity = isns_create_entity(ISNS_ENTITY_PROTOCOL_ISCSI, o->entity);
	isns_simple_t *msg = NULL;
	if (set == NULL || nodes == NULL || entity == NULL)
		goto out;
	isns_object_set_uint32(entity, ISNS_TAG_REGISTRATION_PERIOD, o->period_s);
	/* the key: the entity; Replace: what it had and V lacks goes */
	msg = isns_create_registration(clnt, entity);
	if (msg == NULL)
		goto out;
	isns_registration_set_replace(msg, 1);
	isns_registration_add_object(msg, entity);
	for (size_t i = 0; i < v->n_targets; i++)
		for (size_t j = 0; j < v->targets[i].n_portals; j++)
			portal_object(set, &n_set, max, &v->targets[i].portals[j], entity);
	for (size_t i = 0; i < n_set; i++)
		isns_registration_add_object(msg, set[i].obj);
	for (size_t i = 0; i < v->n_targets; i++) {
		const struct isns_view_target *t = &v->targets[i];
		nodes[i] = isns_create_storage_node(t->iqn, ISNS_ISCSI_TARGET_MASK, entity);
		if (nodes[i] == NULL)
			goto out;
		if (t->alias[0] != '\0')
			isns_object_set_string(nodes[i], ISNS_TAG_ISCSI_ALIAS, t->alias);
		isns_registration_add_object(msg, nodes[i]);
		for (size_t j = 0; j < t->n_portals; j++) {
			isns_object_t *p = portal_object(set, &n_set, max, &t->portals[j], entity);
			if (p == NULL)
				continue;
			isns_object_t *pg = isns_create_portal_group(p, nodes[i], PG_TAG);
			if (pg == NULL)
				continue;
			isns_registration_add_object(msg, pg);
			isns_object_list_append(&pgs, pg);
			isns_object_release(pg);
		}
	}
	uint32_t st = isns_client_call(clnt, &msg);
	rc = status_errno(st);
	if (rc < 0) {
		log_debug("iSNS: DevAttrReg with %s: %s", server, isns_strerror(st));
		goto out;
	}
	isns_object_list_t got = ISNS_OBJECT_LIST_INIT;
	if (isns_registration_response_get_objects(msg, &got) == ISNS_SUCCESS) {
		for (unsigned i = 0; i < got.iol_count; i++) {
			uint32_t period;
			if (isns_object_is_entity(got.iol_data[i]) &&
			    isns_object_get_uint32(got.iol_data[i], ISNS_TAG_REGISTRATION_PERIOD,
						   &period))
				reg->period = period;
		}
	}
	isns_object_list_destroy(&got);
	talloc_free(reg->source);
	reg->source = talloc_strdup(mem, source);
	register_dds(clnt, o, v, changed, mem, reg);
out:
	isns_object_list_destroy(&pgs);
	if (msg != NULL)
		isns_simple_free(msg);
	for (size_t i = 0; nodes != NULL && i < v->n_targets; i++)
		if (nodes[i] != NULL)
			isns_object_release(nodes[i]);
	for (size_t i = 0; i < n_set; i++)
		isns_object_release(set[i].obj);
	if (entity != NULL)
		isns_object_release(entity);
	talloc_free(set);
	talloc_free(nodes);
	isns_client_destroy(clnt);
	return rc;
}

int isns_proto_deregister(const struct isns_agent_options *o, const char *server,
			  struct isns_proto_reg *reg, bool dds)
{
	if (reg->source == NULL)
		return 0;
	isns_client_t *clnt = connect_to(server, reg->source);
	if (clnt == NULL)
		return -EINVAL;
	if (dds)
		drop_dds(clnt, reg);
	isns_attr_list_t key = ISNS_ATTR_LIST_INIT;
	isns_attr_list_append_string(&key, ISNS_TAG_ENTITY_IDENTIFIER, o->entity);
	isns_simple_t *msg = isns_create_deregistration(clnt, &key);
	isns_attr_list_destroy(&key);
	int rc = -ENOMEM;
	if (msg != NULL) {
		uint32_t st = isns_client_call(clnt, &msg);
		rc = status_errno(st);
		if (rc == -ENOENT)
			rc = 0; /* gone already (expired, server restarted) */
		isns_simple_free(msg);
	}
	isns_client_destroy(clnt);
	return rc;
}

static int add_initiator(struct isns_cached_initiator **list, size_t *n, const char *iqn,
			 int64_t seen)
{
	for (size_t i = 0; i < *n; i++)
		if (strcasecmp((*list)[i].iqn, iqn) == 0)
			return 0;
	struct isns_cached_initiator *l =
		talloc_realloc(NULL, *list, struct isns_cached_initiator, *n + 1);
	if (l == NULL)
		return -ENOMEM;
	*list = l;
	l[*n].seen = seen;
	if ((l[*n].iqn = talloc_strdup(l, iqn)) == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* Now as FILETIME (100 ns since 1601). */
static int64_t filetime_now(void)
{
	return ((int64_t)time(NULL) + 11644473600LL) * 10000000LL;
}

int isns_proto_query_initiators(const struct isns_agent_options *o, const char *server,
				const struct isns_view *v, struct isns_cached_initiator **list,
				size_t *n)
{
	(void)o;
	int rc = 0;
	int64_t now = filetime_now();
	/* Each target asks: it sees the initiators of its discovery domains. */
	for (size_t t = 0; rc == 0 && t < v->n_targets && t < MAX_QUERY_SOURCES; t++) {
		isns_client_t *clnt = connect_to(server, v->targets[t].iqn);
		if (clnt == NULL)
			return -EINVAL;
		isns_attr_list_t key = ISNS_ATTR_LIST_INIT;
		isns_attr_list_append_uint32(&key, ISNS_TAG_ISCSI_NODE_TYPE,
					     ISNS_ISCSI_INITIATOR_MASK);
		isns_simple_t *qry = isns_create_query(clnt, &key);
		isns_attr_list_destroy(&key);
		if (qry == NULL) {
			isns_client_destroy(clnt);
			return -ENOMEM;
		}
		isns_query_request_attr_tag(qry, ISNS_TAG_ISCSI_NAME);
		isns_query_request_attr_tag(qry, ISNS_TAG_ISCSI_NODE_TYPE);
		uint32_t st = isns_client_call(clnt, &qry);
		rc = status_errno(st);
		isns_object_list_t objs = ISNS_OBJECT_LIST_INIT;
		if (rc == 0 && isns_query_response_get_objects(qry, &objs) == ISNS_SUCCESS) {
			for (unsigned i = 0; rc == 0 && i < objs.iol_count; i++) {
				const char *name = NULL;
				uint32_t type = 0;
				isns_object_t *obj = objs.iol_data[i];
				if (!isns_object_is_iscsi_node(obj) ||
				    !isns_object_get_string(obj, ISNS_TAG_ISCSI_NAME, &name) ||
				    !isns_object_get_uint32(obj, ISNS_TAG_ISCSI_NODE_TYPE, &type) ||
				    !(type & ISNS_ISCSI_INITIATOR_MASK))
					continue;
				rc = add_initiator(list, n, name, now);
			}
		}
		isns_object_list_destroy(&objs);
		isns_simple_free(qry);
		isns_client_destroy(clnt);
	}
	return rc;
}
