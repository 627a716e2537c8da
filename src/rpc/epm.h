/* The endpoint mapper (MS-RPCE 2.2.1.2, C706 appendix O) over the interfaces
 * the server registered: which towers answer ept_map, which entries ept_lookup
 * lists. These functions know nothing of the generated NDR structures; the
 * ept interface itself is served by rpc_epm_register(). */
#ifndef ISTMD_RPC_EPM_H
#define ISTMD_RPC_EPM_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <ndr.h>

#include "idl/ms_rpce.h" /* EPT_S_*, RPC_C_EP_*, RPC_C_VERS_* */
#include "rpc/server.h"

/* One endpoint-mapper entry: an interface on one of its ports. */
struct rpc_epm_entry {
	const struct rpc_interface *iface;
	enum rpc_endpoint endpoint;
};

/* Does interface version HAVE satisfy WANT under OPTION (RPC_C_VERS_*)?
 * Versions are ndr_syntax_id.if_version: major in the low 16 bits. */
bool rpc_epm_version_matches(uint32_t have, uint32_t want, uint32_t option);

/* ept_map: the ncacn_ip_tcp towers for the interface MAP_TOWER names (same
 * UUID, major version, minor at least the one asked for, NDR, ncacn_ip_tcp),
 * one per port it is served on, addressed to LOCAL_ADDRESS (the address the
 * client dialled; 0.0.0.0 in the tower when it is not IPv4). At most MAX.
 * Returns 0 with *TOWERS and *COUNT (talloc'd on MEM_CTX), EPT_S_NOT_REGISTERED,
 * or EPT_S_CANT_PERFORM_OP for a malformed tower. */
uint32_t rpc_epm_map(struct rpc_server *server, TALLOC_CTX *mem_ctx, const uint8_t *map_tower,
		     size_t map_tower_len, const char *local_address, uint32_t max,
		     DATA_BLOB **towers, uint32_t *count);

/* ept_lookup's selection, from entry START on: fills at most MAX entries
 * (ENTRIES has room for MAX) and says where the next call starts (*NEXT; 0
 * when none is left). OBJECT and IFID may be NULL. Returns 0 or
 * EPT_S_NOT_REGISTERED (nothing from START on). */
uint32_t rpc_epm_lookup(struct rpc_server *server, uint32_t inquiry_type,
			const struct GUID *object, const struct ndr_syntax_id *ifid,
			uint32_t vers_option, uint32_t start, uint32_t max,
			struct rpc_epm_entry *entries, uint32_t *count, uint32_t *next);

/* The tower for ENTRY, as ept_lookup returns it. */
int rpc_epm_entry_tower(struct rpc_server *server, TALLOC_CTX *mem_ctx,
			const struct rpc_epm_entry *entry, const char *local_address,
			DATA_BLOB *tower);

/* Serves the ept interface on the endpoint-mapper port. Returns 0 or -errno. */
int rpc_epm_register(struct rpc_server *server);

#endif
