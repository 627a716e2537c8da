/* The server object: [rpc] configuration, registered interfaces, association
 * groups, and the lists of listeners and connections. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "istmd/config.h"
#include "istmd/log.h"
#include "rpc/internal.h"
#include "rpc/session_log.h"

#define RPC_MAX_CONTEXTS 256
#define RPC_MAX_SEC_CONTEXTS 64
#define RPC_MAX_PENDING 64
#define RPC_MAX_OUTPUT (4u << 20)

static int read_config(struct rpc_server *s, struct cfg *cfg, TALLOC_CTX *mem_ctx, char **err)
{
	static const char *const levels[] = { "none", "connect", "integrity", "privacy", NULL };
	static const uint8_t level_values[] = { DCERPC_AUTH_LEVEL_NONE, DCERPC_AUTH_LEVEL_CONNECT,
						DCERPC_AUTH_LEVEL_INTEGRITY,
						DCERPC_AUTH_LEVEL_PRIVACY };
	struct rpc_limits *l = &s->limits;
	uint64_t v;
	unsigned idx;
	char **list;
	char *e = NULL;

#define GET_UINT(key, def, min, max, dst)                                             \
	do {                                                                          \
		if (cfg_get_uint(cfg, "rpc", key, def, min, max, &v, &e) != 0)        \
			goto fail;                                                    \
		dst = v;                                                              \
	} while (0)

	if (cfg_get_list(cfg, "rpc", "listen", "127.0.0.2", s, &list, &e) != 0)
		goto fail;
	if (list[0] == NULL) {
		e = talloc_asprintf(mem_ctx, "%s: [rpc] listen: no address", cfg_path(cfg));
		goto fail;
	}
	/* Canonical numeric form ("[::1]" becomes "::1"): string bindings and
	 * the address a client dialled are compared with these. */
	for (size_t i = 0; list[i] != NULL; i++) {
		char *canonical = rpc_address_canonical(list, list[i]);
		if (canonical == NULL) {
			e = talloc_asprintf(mem_ctx, "%s: [rpc] listen: '%s' is not a numeric IPv4 "
					    "or IPv6 address", cfg_path(cfg), list[i]);
			goto fail;
		}
		list[i] = canonical;
	}
	s->addresses = (const char **)list;
	/* 0 picks a free port (tests); the object port is usually ephemeral. */
	GET_UINT("endpoint_mapper_port", 135, 0, 65535, s->mapper_port);
	GET_UINT("object_port", 0, 0, 65535, s->object_port);
	if (s->object_port == s->mapper_port && s->object_port != 0) {
		e = talloc_asprintf(mem_ctx, "%s: [rpc] object_port must differ from "
				    "endpoint_mapper_port", cfg_path(cfg));
		goto fail;
	}
	if (cfg_get_enum(cfg, "rpc", "min_auth_level", "integrity", levels, &idx, &e) != 0)
		goto fail;
	l->min_auth_level = level_values[idx];
	GET_UINT("max_connections", 256, 1, 65536, l->max_connections);
	GET_UINT("max_connections_per_peer", 64, 1, 65536, l->max_connections_per_peer);
	GET_UINT("handshake_timeout", 5, 1, 300, l->handshake_timeout);
	GET_UINT("idle_timeout", 900, 0, 86400 * 7, l->idle_timeout);
	GET_UINT("max_pdu_size", 5840, RPC_MIN_FRAG, 65535, l->max_pdu_size);
	GET_UINT("max_request_size", 4u << 20, 4096, 256u << 20, l->max_request_size);
	const char *slog = cfg_get(cfg, "rpc", "session_log", NULL);
	if (slog != NULL && slog[0] != 0 &&
	    rpc_session_log_open(s, slog, &s->session_log, &e) != 0)
		goto fail;
	l->max_contexts = RPC_MAX_CONTEXTS;
	l->max_sec_contexts = RPC_MAX_SEC_CONTEXTS;
	l->max_pending = RPC_MAX_PENDING;
	l->max_output = RPC_MAX_OUTPUT;
	return 0;
#undef GET_UINT
fail:
	*err = talloc_steal(mem_ctx, e);
	return -EINVAL;
}

static int server_destructor(struct rpc_server *s)
{
	/* Connections first: they leave their association groups. */
	while (s->conns != NULL)
		talloc_free(s->conns);
	while (s->assocs != NULL) {
		struct rpc_assoc *a = s->assocs;
		s->assocs = a->next;
		talloc_free(a);
	}
	return 0;
}

struct rpc_server *rpc_server_new(TALLOC_CTX *mem_ctx, struct tevent_context *ev, struct cfg *cfg,
				  struct auth_accounts *accounts,
				  const struct auth_server_options *auth_options, char **err)
{
	struct rpc_server *s = talloc_zero(mem_ctx, struct rpc_server);
	if (s == NULL) {
		*err = talloc_strdup(mem_ctx, "out of memory");
		return NULL;
	}
	/* Per-call marshalling state (NDR pull and push, the verification
	 * trailer) comes from one pool and goes back to it before the call's
	 * handler returns: no malloc() for it on the usual call. */
	s->scratch = talloc_pool(s, RPC_SCRATCH_POOL);
	if (s->scratch == NULL) {
		talloc_free(s);
		*err = talloc_strdup(mem_ctx, "out of memory");
		return NULL;
	}
	s->ev = ev;
	s->accounts = accounts;
	s->auth_options = auth_options;
	talloc_set_destructor(s, server_destructor);
	if (read_config(s, cfg, mem_ctx, err) != 0)
		goto fail;
	if (rpc_listen(s, err) != 0) {
		*err = talloc_steal(mem_ctx, *err);
		goto fail;
	}
	return s;
fail:
	talloc_free(s);
	return NULL;
}

uint8_t rpc_server_min_auth_level(const struct rpc_server *server)
{
	return server->limits.min_auth_level;
}

int rpc_server_register(struct rpc_server *server, const struct rpc_interface *iface)
{
	if (iface->idl == NULL || iface->idl->table == NULL || iface->dispatch == NULL ||
	    (iface->endpoints & (RPC_EP_MAPPER | RPC_EP_OBJECT)) == 0)
		return -EINVAL;
	const struct ndr_syntax_id *id = &iface->idl->table->syntax_id;
	for (struct rpc_iface_reg *r = server->ifaces; r != NULL; r = r->next) {
		if (ndr_syntax_id_equal(&r->iface.idl->table->syntax_id, id))
			return -EEXIST;
	}
	struct rpc_iface_reg *reg = talloc_zero(server, struct rpc_iface_reg);
	if (reg == NULL)
		return -ENOMEM;
	reg->iface = *iface;
	struct rpc_iface_reg **tail = &server->ifaces;
	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = reg;
	log_debug("serving %s on the %s port", iface->idl->table->name,
		  iface->endpoints == (RPC_EP_MAPPER | RPC_EP_OBJECT) ? "mapper and object" :
		  iface->endpoints == RPC_EP_MAPPER		     ? "mapper" :
									 "object");
	return 0;
}

void rpc_server_foreach_interface(struct rpc_server *server,
				  void (*fn)(const struct rpc_interface *iface, void *priv),
				  void *priv)
{
	for (struct rpc_iface_reg *r = server->ifaces; r != NULL; r = r->next)
		fn(&r->iface, priv);
}

const struct rpc_interface *rpc_server_find_iface(struct rpc_server *server,
						  enum rpc_endpoint endpoint,
						  const struct ndr_syntax_id *abstract)
{
	for (struct rpc_iface_reg *r = server->ifaces; r != NULL; r = r->next) {
		if ((r->iface.endpoints & endpoint) &&
		    ndr_syntax_id_equal(&r->iface.idl->table->syntax_id, abstract))
			return &r->iface;
	}
	return NULL;
}

uint16_t rpc_server_port(const struct rpc_server *server, enum rpc_endpoint endpoint)
{
	return endpoint == RPC_EP_MAPPER ? server->mapper_port : server->object_port;
}

const char *const *rpc_server_addresses(const struct rpc_server *server)
{
	return server->addresses;
}

void rpc_server_conn_uncount(struct rpc_server *server, struct rpc_conn *conn)
{
	if (!conn->counted)
		return;
	conn->counted = false;
	if (conn->refusing)
		server->nrefusing--;
	else
		server->nconns--;
}

void rpc_server_conn_gone(struct rpc_server *server, struct rpc_conn *conn)
{
	rpc_server_conn_uncount(server, conn);
	if (!conn->listed)
		return;
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		server->conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	conn->listed = false;
}

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* Closes the oldest evictable connection (of PEER when not NULL). */
static bool evict_one(struct rpc_server *server, const struct sockaddr_storage *peer,
		      const char *why)
{
	struct rpc_conn *victim = NULL;
	for (struct rpc_conn *c = server->conns; c != NULL; c = c->next) {
		if (!c->counted || !rpc_conn_evictable(c) ||
		    (peer != NULL && !same_host(&c->peer, peer)))
			continue;
		if (victim == NULL || c->serial < victim->serial)
			victim = c;
	}
	if (victim == NULL)
		return false;
	log_info("closing an unauthenticated idle connection from %s:%u: %s", victim->remote_addr,
		 victim->remote_port, why);
	rpc_conn_terminate(victim, why);
	return true;
}

bool rpc_server_admit(struct rpc_server *server, const struct sockaddr_storage *peer)
{
	const struct rpc_limits *l = &server->limits;
	unsigned from_peer = 0;
	for (struct rpc_conn *c = server->conns; c != NULL; c = c->next) {
		if (c->counted && !c->refusing && same_host(&c->peer, peer))
			from_peer++;
	}
	if (from_peer >= l->max_connections_per_peer &&
	    !evict_one(server, peer, "max_connections_per_peer reached"))
		return false;
	if (server->nconns >= l->max_connections &&
	    !evict_one(server, NULL, "max_connections reached"))
		return false;
	return true;
}

/* ---- association groups ------------------------------------------------------ */

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			      &((const struct sockaddr_in *)b)->sin_addr, sizeof(struct in_addr)) == 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr,
			      sizeof(struct in6_addr)) == 0;
	return false;
}

static struct rpc_assoc *assoc_find(struct rpc_server *server, uint32_t id)
{
	for (struct rpc_assoc *a = server->assocs; a != NULL; a = a->next) {
		if (a->id == id)
			return a;
	}
	return NULL;
}

struct rpc_assoc *rpc_assoc_join(struct rpc_server *server, uint32_t id,
				 const struct sockaddr_storage *peer)
{
	struct rpc_assoc *a;
	if (id != 0) {
		/* MS-RPCE 3.3.1.5.7: only the client machine that created the
		 * group may join it. */
		a = assoc_find(server, id);
		if (a == NULL || !same_host(&a->peer, peer))
			return NULL;
		a->connections++;
		return a;
	}
	a = talloc_zero(server, struct rpc_assoc);
	if (a == NULL)
		return NULL;
	a->mem = talloc_new(a);
	if (a->mem == NULL) {
		talloc_free(a);
		return NULL;
	}
	do {
		/* Unpredictable, so that a group cannot be guessed and joined. */
		if (getrandom(&a->id, sizeof(a->id), 0) != sizeof(a->id))
			a->id = (uint32_t)(uintptr_t)a ^ (uint32_t)tevent_timeval_current().tv_usec;
		a->id &= 0x7fffffff;
	} while (a->id == 0 || assoc_find(server, a->id) != NULL);
	a->server = server;
	a->peer = *peer;
	a->connections = 1;
	a->next = server->assocs;
	if (server->assocs != NULL)
		server->assocs->prev = a;
	server->assocs = a;
	return a;
}

void rpc_assoc_leave(struct rpc_assoc *a)
{
	if (--a->connections > 0)
		return;
	struct rpc_server *server = a->server;
	if (a->prev != NULL)
		a->prev->next = a->next;
	else
		server->assocs = a->next;
	if (a->next != NULL)
		a->next->prev = a->prev;
	talloc_free(a);
}

uint32_t rpc_assoc_id(const struct rpc_assoc *assoc)
{
	return assoc->id;
}

TALLOC_CTX *rpc_assoc_mem(struct rpc_assoc *assoc)
{
	return assoc->mem;
}
