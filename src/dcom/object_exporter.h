/* The OXID resolver's IObjectExporter (MS-DCOM 3.1.2.5.1) on the endpoint
 * mapper port: ResolveOxid, SimplePing, ComplexPing, ServerAlive,
 * ResolveOxid2, ServerAlive2. */
#ifndef ISTMD_DCOM_OBJECT_EXPORTER_H
#define ISTMD_DCOM_OBJECT_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

struct rpc_server;

#define DCOM_TOWER_NCACN_IP_TCP 0x07 /* C706 appendix I */
#define DCOM_COM_VERSION_MAJOR 5
#define DCOM_COM_VERSION_MINOR 7

/* The aStringArray of a DUALSTRINGARRAY (MS-DCOM 2.2.19): one ncacn_ip_tcp
 * "ADDRESS[PORT]" binding ("ADDRESS" for PORT 0) per listen address (the
 * address the client dialled, DIALLED, first; a wildcard listen address
 * stands for it), then security
 * bindings for NTLMSSP (10) and SPNEGO (9) without principal names.
 * Returns 0 and the talloc'd array, its length and the security offset, or
 * -EINVAL/-ENOMEM/-E2BIG. */
int dcom_dualstringarray(TALLOC_CTX *mem_ctx, const char *const *addresses, const char *dialled,
			 uint16_t port, uint16_t **array, uint16_t *num_entries,
			 uint16_t *security_offset);

struct dcom_exporter;

/* The port the resolver's bindings carry for an endpoint mapper on
 * MAPPER_PORT: none (0) on 135, as MS-DCOM 3.1.2.5.1.6 wants; a nonstandard
 * port is kept, or clients could not find the resolver. */
uint16_t dcom_resolver_binding_port(uint16_t mapper_port);

/* True when PROTSEQS (C706 tower ids) include ncacn_ip_tcp, or are empty. */
bool dcom_protseqs_have_tcp(const uint16_t *protseqs, uint16_t count);

/* Serves IObjectExporter for EX on the endpoint-mapper port (dcom_exporter_new
 * does it). Returns 0 or -errno. */
int dcom_object_exporter_register(struct rpc_server *server, struct dcom_exporter *ex);

#endif
