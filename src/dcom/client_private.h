/* What the DCOM client's files share (client.c: connections, activation,
 * calls, IRemUnknown; client_oxid.c: the OXID entry, pinging, OXID
 * resolution). Not for use outside src/dcom/client*.c. */
#ifndef ISTMD_DCOM_CLIENT_PRIVATE_H
#define ISTMD_DCOM_CLIENT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "dcom/client.h"
#include "idl/ms_dcom.h"

struct dcom_client {
	struct tevent_context *ev;
	struct dcom_client_options opts;
	struct rpc_client *resolver; /* the endpoint-mapper port */
	struct COMVERSION version;   /* negotiated (MS-DCOM 1.7) */
	/* the OXID entry */
	bool have_oxid;
	uint64_t oxid;
	struct GUID ipid_remunknown;
	uint32_t authn_hint;
	char *binding; /* "ADDRESS[PORT]" chosen */
	char *exporter_host;
	uint16_t exporter_port;
	struct rpc_client *exporter;
	struct tevent_queue *connect_queue; /* one exporter connection attempt at a time */
	/* interfaces held, and the ping set */
	struct dcom_iface *ifaces;
	uint64_t setid;
	uint16_t seq;
	uint64_t *pinged_oids; /* what the set holds on the server */
	size_t num_pinged;
};

/* Records the exporter's OXID entry; its binding is the one naming the
 * address we dialled (the server's view of "where it is"), else the first
 * ncacn_ip_tcp one. 0, -EPROTO (no usable binding, another OXID) or -ENOMEM. */
int dcom_client_set_oxid(struct dcom_client *client, uint64_t oxid,
			 const struct DUALSTRINGARRAY *bindings, const struct GUID *ipid_remunknown,
			 uint32_t authn_hint, const struct COMVERSION *version);

#endif
