/* Protocol towers (C706 appendix L; MS-RPCE 2.2.1.2.2 twr_t): the octet
 * strings the endpoint mapper reads and answers. Only what ept_map and
 * ept_lookup need: interface and transfer syntax floors, and for
 * ncacn_ip_tcp the TCP port and IPv4 address floors. */
#ifndef ISTMD_RPC_TOWER_H
#define ISTMD_RPC_TOWER_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <ndr.h>

#define EPM_PROTOCOL_NCACN 0x0b /* connection-oriented RPC */
#define EPM_PROTOCOL_TCP 0x07
#define EPM_PROTOCOL_IP 0x09
#define EPM_PROTOCOL_UUID 0x0d

struct rpc_tower {
	struct ndr_syntax_id iface;
	struct ndr_syntax_id transfer;
	uint8_t rpc_protocol;  /* floor 3, e.g. EPM_PROTOCOL_NCACN */
	bool tcp;              /* floors 4 and 5 are TCP and IP */
	uint16_t port;         /* host order */
	uint8_t ipv4[4];
};

/* Parses a tower. Returns 0, or -EINVAL when it is malformed or has fewer
 * than three floors (interface, transfer syntax, RPC protocol). */
int rpc_tower_parse(const uint8_t *data, size_t length, struct rpc_tower *tower);

/* Builds the ncacn_ip_tcp tower for IFACE over NDR at IPV4:PORT. */
int rpc_tower_build_tcp(TALLOC_CTX *mem_ctx, const struct ndr_syntax_id *iface, uint16_t port,
			const uint8_t ipv4[4], DATA_BLOB *out);

#endif
