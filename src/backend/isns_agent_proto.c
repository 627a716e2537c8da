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

static void drop_dds(isns_client_t *clnt, struct isns_proto_reg *reg)
{
	for (size_t i = 0; i < reg->n_dd_ids; i++) {
		isns_attr_list_t none = ISNS_ATTR_LIST_INIT;
		isns_simple_t *msg = isns_create_dd_deregistration(clnt, reg->dd_ids[i], &none);
		if (msg == NULL)
			continue;
		uint32_t st = isns_client_call(clnt, &msg);
		if (st != ISNS_SUCCESS && st != ISNS_NO_SUCH_ENTRY)
			log_debug("iSNS: DDDereg %u: %s", reg->dd_ids[i], isns_strerror(st));
		isns_simple_free(msg);
	}
	reg->n_dd_ids = 0;
}

/* A discovery domain with T and its initiators (docs/isns.md). */
static int register_dd(isns_client_t *clnt, const struct isns_agent_options *o,
		       const struct isns_view_target *t, TALLOC_CTX *mem, struct isns_proto_reg *reg)
{
	isns_attr_list_t attrs = ISNS_ATTR_LIST_INIT;
	char name[300];
	snprintf(name, sizeof(name), "%s:%s", o->entity, t->alias);
	isns_attr_list_append_string(&attrs, ISNS_TAG_DD_SYMBOLIC_NAME, name);
	isns_attr_list_append_string(&attrs, ISNS_TAG_DD_MEMBER_ISCSI_NAME, t->iqn);
	for (size_t i = 0; i < t->n_initiators; i++)
		isns_attr_list_append_string(&attrs, ISNS_TAG_DD_MEMBER_ISCSI_NAME,
					     t->initiators[i]);
	isns_simple_t *msg = isns_create_dd_registration(clnt, &attrs);
	isns_attr_list_destroy(&attrs);
	if (msg == NULL)
		return -ENOMEM;
	uint32_t st = isns_client_call(clnt, &msg);
	int rc = status_errno(st);
	if (rc == 0) {
		uint32_t id = 0;
		const isns_attr_list_t *got = isns_simple_get_attrs(msg);
		if (got == NULL || !isns_attr_list_get_uint32(got, ISNS_TAG_DD_ID, &id))
			id = 0;
		uint32_t *ids = talloc_realloc(mem, reg->dd_ids, uint32_t, reg->n_dd_ids + 1);
		if (id != 0 && ids != NULL) {
			reg->dd_ids = ids;
			ids[reg->n_dd_ids++] = id;
		}
	} else {
		log_warn("iSNS: cannot register the discovery domain of %s: %s", t->iqn,
			 isns_strerror(st));
	}
	isns_simple_free(msg);
	return rc;
}

int isns_proto_register(const struct isns_agent_options *o, const char *server,
			const struct isns_view *v, TALLOC_CTX *mem, struct isns_proto_reg *reg)
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
	/* discovery domains: the old ones go, the current ones come */
	drop_dds(clnt, reg);
	for (size_t i = 0; i < v->n_targets; i++)
		if (!v->targets[i].any_initiator && v->targets[i].n_initiators > 0)
			register_dd(clnt, o, &v->targets[i], mem, reg);
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
			  struct isns_proto_reg *reg)
{
	if (reg->source == NULL)
		return 0;
	isns_client_t *clnt = connect_to(server, reg->source);
	if (clnt == NULL)
		return -EINVAL;
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
