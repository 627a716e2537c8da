/* The OXID resolver's IObjectExporter (MS-DCOM 3.1.2.5.1) on the endpoint
 * mapper port. For now ServerAlive and ServerAlive2; ResolveOxid, the pings
 * and ResolveOxid2 belong to the DCOM runtime. */
#ifndef ISTMD_DCOM_OBJECT_EXPORTER_H
#define ISTMD_DCOM_OBJECT_EXPORTER_H

#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

struct rpc_server;

#define DCOM_TOWER_NCACN_IP_TCP 0x07 /* C706 appendix I */
#define DCOM_COM_VERSION_MAJOR 5
#define DCOM_COM_VERSION_MINOR 7

/* The aStringArray of a DUALSTRINGARRAY (MS-DCOM 2.2.19): one ncacn_ip_tcp
 * "ADDRESS[PORT]" binding per listen address (the address the client dialled,
 * DIALLED, first; a wildcard listen address stands for it), then security
 * bindings for NTLMSSP (10) and SPNEGO (9) without principal names.
 * Returns 0 and the talloc'd array, its length and the security offset, or
 * -EINVAL/-ENOMEM/-E2BIG. */
int dcom_dualstringarray(TALLOC_CTX *mem_ctx, const char *const *addresses, const char *dialled,
			 uint16_t port, uint16_t **array, uint16_t *num_entries,
			 uint16_t *security_offset);

/* Serves IObjectExporter on the endpoint-mapper port. Returns 0 or -errno. */
int dcom_object_exporter_register(struct rpc_server *server);

#endif
