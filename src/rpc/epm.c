#include "rpc/epm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "rpc/internal.h"
#include "rpc/tower.h"

#define MAJOR(v) ((v) & 0xffff)
#define MINOR(v) ((v) >> 16)

bool rpc_epm_version_matches(uint32_t have, uint32_t want, uint32_t option)
{
	switch (option) {
	case RPC_C_VERS_ALL:
		return true;
	case RPC_C_VERS_COMPATIBLE:
		return MAJOR(have) == MAJOR(want) && MINOR(have) >= MINOR(want);
	case RPC_C_VERS_EXACT:
		return have == want;
	case RPC_C_VERS_MAJOR_ONLY:
		return MAJOR(have) == MAJOR(want);
	case RPC_C_VERS_UPTO:
		return MAJOR(have) < MAJOR(want) ||
		       (MAJOR(have) == MAJOR(want) && MINOR(have) <= MINOR(want));
	default:
		return false;
	}
}

static void tower_address(const char *local_address, uint8_t ip[4])
{
	struct in_addr a;
	if (local_address == NULL || inet_pton(AF_INET, local_address, &a) != 1)
		a.s_addr = htonl(INADDR_ANY);
	memcpy(ip, &a.s_addr, 4);
}

int rpc_epm_entry_tower(struct rpc_server *server, TALLOC_CTX *mem_ctx,
			const struct rpc_epm_entry *entry, const char *local_address,
			DATA_BLOB *tower)
{
	uint8_t ip[4];
	tower_address(local_address, ip);
	return rpc_tower_build_tcp(mem_ctx, &entry->iface->idl->table->syntax_id,
				   rpc_server_port(server, entry->endpoint), ip, tower);
}

/* Calls FN for each (interface, port) pair in registration order, the
 * endpoint-mapper port first; stops when FN returns false. */
static void foreach_entry(struct rpc_server *server,
			  bool (*fn)(const struct rpc_epm_entry *e, void *priv), void *priv)
{
	static const enum rpc_endpoint eps[] = { RPC_EP_MAPPER, RPC_EP_OBJECT };
	for (struct rpc_iface_reg *r = server->ifaces; r != NULL; r = r->next) {
		for (size_t i = 0; i < 2; i++) {
			if (!(r->iface.endpoints & eps[i]))
				continue;
			struct rpc_epm_entry e = { &r->iface, eps[i] };
			if (!fn(&e, priv))
				return;
		}
	}
}

struct map_state {
	struct rpc_server *server;
	TALLOC_CTX *mem;
	const struct rpc_tower *want;
	const char *local_address;
	uint32_t max, count;
	DATA_BLOB *towers;
	int error;
};

static bool map_one(const struct rpc_epm_entry *e, void *priv)
{
	struct map_state *st = priv;
	const struct ndr_syntax_id *have = &e->iface->idl->table->syntax_id;
	if (!GUID_equal(&have->uuid, &st->want->iface.uuid) ||
	    !rpc_epm_version_matches(have->if_version, st->want->iface.if_version,
				     RPC_C_VERS_COMPATIBLE))
		return true;
	if (st->count >= st->max)
		return false;
	st->error = rpc_epm_entry_tower(st->server, st->mem, e, st->local_address,
					&st->towers[st->count]);
	if (st->error != 0)
		return false;
	st->count++;
	return true;
}

uint32_t rpc_epm_map(struct rpc_server *server, TALLOC_CTX *mem_ctx, const uint8_t *map_tower,
		     size_t map_tower_len, const char *local_address, uint32_t max,
		     DATA_BLOB **towers, uint32_t *count)
{
	struct rpc_tower want;
	*towers = NULL;
	*count = 0;
	if (rpc_tower_parse(map_tower, map_tower_len, &want) != 0)
		return EPT_S_CANT_PERFORM_OP;
	/* Only NDR over connection-oriented RPC on TCP is served. */
	if (!ndr_syntax_id_equal(&want.transfer, &ndr_transfer_syntax_ndr) ||
	    want.rpc_protocol != EPM_PROTOCOL_NCACN || !want.tcp || max == 0)
		return EPT_S_NOT_REGISTERED;
	struct map_state st = {
		.server = server, .mem = mem_ctx, .want = &want, .local_address = local_address,
		.max = max < 2 ? max : 2,
	};
	st.towers = talloc_zero_array(mem_ctx, DATA_BLOB, st.max);
	if (st.towers == NULL)
		return EPT_S_CANT_PERFORM_OP;
	foreach_entry(server, map_one, &st);
	if (st.error != 0 || st.count == 0) {
		talloc_free(st.towers);
		return st.error != 0 ? EPT_S_CANT_PERFORM_OP : EPT_S_NOT_REGISTERED;
	}
	*towers = st.towers;
	*count = st.count;
	return 0;
}

struct lookup_state {
	uint32_t inquiry_type, vers_option;
	const struct GUID *object;
	const struct ndr_syntax_id *ifid;
	uint32_t index, start, max, count, next;
	struct rpc_epm_entry *entries;
};

static bool lookup_one(const struct rpc_epm_entry *e, void *priv)
{
	struct lookup_state *st = priv;
	const struct ndr_syntax_id *have = &e->iface->idl->table->syntax_id;
	bool by_if = st->inquiry_type == RPC_C_EP_MATCH_BY_IF ||
		     st->inquiry_type == RPC_C_EP_MATCH_BY_BOTH;
	bool by_obj = st->inquiry_type == RPC_C_EP_MATCH_BY_OBJ ||
		      st->inquiry_type == RPC_C_EP_MATCH_BY_BOTH;
	if (by_if && (st->ifid == NULL || !GUID_equal(&have->uuid, &st->ifid->uuid) ||
		      !rpc_epm_version_matches(have->if_version, st->ifid->if_version,
					       st->vers_option)))
		return true;
	/* Our entries are registered without an object UUID. */
	if (by_obj && st->object != NULL && !GUID_all_zero(st->object))
		return true;
	uint32_t index = st->index++;
	if (index < st->start)
		return true;
	if (st->count == st->max) {
		st->next = index;
		return false;
	}
	st->entries[st->count++] = *e;
	return true;
}

uint32_t rpc_epm_lookup(struct rpc_server *server, uint32_t inquiry_type,
			const struct GUID *object, const struct ndr_syntax_id *ifid,
			uint32_t vers_option, uint32_t start, uint32_t max,
			struct rpc_epm_entry *entries, uint32_t *count, uint32_t *next)
{
	struct lookup_state st = {
		.inquiry_type = inquiry_type, .vers_option = vers_option, .object = object,
		.ifid = ifid, .start = start, .max = max, .entries = entries,
	};
	*count = 0;
	*next = 0;
	if (inquiry_type > RPC_C_EP_MATCH_BY_BOTH || max == 0)
		return EPT_S_NOT_REGISTERED;
	foreach_entry(server, lookup_one, &st);
	*count = st.count;
	*next = st.next;
	return st.count == 0 ? EPT_S_NOT_REGISTERED : 0;
}
