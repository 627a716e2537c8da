/* The iSNS exchanges of the agent (RFC 4171 over libisns), blocking: called
 * on the agent's thread only (isns_agent.c). Each opens its own TCP
 * connection to the server, bounded by the options' timeout. */
#ifndef ISTMD_BACKEND_ISNS_AGENT_PROTO_H
#define ISTMD_BACKEND_ISNS_AGENT_PROTO_H

#include <talloc.h>

#include "backend/isns_agent.h"

/* A discovery domain istmd keeps at a server: the target's and its ID. */
struct isns_proto_dd {
	char *iqn;
	uint32_t id;
};

/* What a registration left at a server, for the next exchange. */
struct isns_proto_reg {
	char *source;    /* an iSCSI name registered there (our Source attribute) */
	unsigned period; /* registration period the server granted, 0 unknown */
	struct isns_proto_dd *dds; /* discovery domains istmd registered there */
	size_t n_dds;
};

/* libisns's global settings (timeouts, no security); once, on the thread. */
void isns_proto_init(const struct isns_agent_options *o);
/* Registers the entity, every portal and every target of V with SERVER,
 * replacing what the entity had (DevAttrReg with the Replace flag), then the
 * discovery domains of targets with initiator IQNs (CHANGED: V differs from
 * what was registered last; else they are refreshed). REG is updated (on
 * MEM). 0 or -errno (-ETIMEDOUT, -ECONNREFUSED, -EPROTO: the server said no). */
int isns_proto_register(const struct isns_agent_options *o, const char *server,
			const struct isns_view *v, bool changed, TALLOC_CTX *mem,
			struct isns_proto_reg *reg);
/* Removes the entity (DevDereg); with DROP_DDS also istmd's discovery
 * domains (RemoveSnsServer; at shutdown they stay, found again by name). */
int isns_proto_deregister(const struct isns_agent_options *o, const char *server,
			  struct isns_proto_reg *reg, bool drop_dds);
/* Appends to *LIST (a talloc array) the initiators SERVER shows to V's
 * targets, each IQN once. */
int isns_proto_query_initiators(const struct isns_agent_options *o, const char *server,
				const struct isns_view *v, struct isns_cached_initiator **list,
				size_t *n);

#endif
