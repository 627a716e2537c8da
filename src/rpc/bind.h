/* Presentation context negotiation for bind and alter_context (C706 12.6.4.3,
 * MS-RPCE 3.3.1.5.3 and 3.3.1.5.6): one result per proposed context, NDR 2.0
 * as the only transfer syntax, bind-time feature negotiation. Pure: no I/O. */
#ifndef ISTMD_RPC_BIND_H
#define ISTMD_RPC_BIND_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <ndr.h>
#include <gen_ndr/dcerpc.h>

struct rpc_interface;
struct rpc_sec;

/* A negotiated presentation context of a connection. */
struct rpc_pctx {
	struct rpc_pctx *next;
	uint16_t id;
	const struct rpc_interface *iface;
	struct ndr_syntax_id transfer;
	/* The security context it was last negotiated or called with, or NULL:
	 * one that no context names any more may be freed (src/rpc/sec.c). */
	struct rpc_sec *sec;
	uint64_t last_used; /* when last negotiated or called (the connection's clock) */
};

/* Bind-time features this server supports (MS-RPCE 2.2.2.15). */
#define RPC_SUPPORTED_FEATURES                                                     \
	(DCERPC_BIND_TIME_SECURITY_CONTEXT_MULTIPLEXING |                           \
	 DCERPC_BIND_TIME_KEEP_CONNECTION_ON_ORPHAN)

struct rpc_negotiation {
	/* The interface served on this connection's endpoint, or NULL. */
	const struct rpc_interface *(*find_iface)(void *priv, const struct ndr_syntax_id *abstract);
	void *priv;
	bool is_bind;          /* feature negotiation happens on bind only */
	unsigned max_contexts; /* per connection, existing ones included */
};

/* Negotiates B's contexts against *LIST (the connection's, COUNT of them).
 * Fills ACKS (B->num_contexts entries, zeroed by the caller) and, on success,
 * appends the new contexts to *LIST (allocated on LIST_MEM).
 * *FEATURES gets the acknowledged feature bits when B carried a feature
 * negotiation element (*HAS_FEATURES).
 * Returns 0; -EPROTO for a protocol error (a context without transfer
 * syntaxes, two feature elements, a context id re-used for another
 * interface, or re-proposed by an alter_context with NDR64 among its
 * transfer syntaxes); -ENOSPC when the context limit would be exceeded; -ENOMEM. */
int rpc_negotiate_contexts(const struct rpc_negotiation *neg, const struct dcerpc_bind *b,
			   TALLOC_CTX *list_mem, struct rpc_pctx **list, unsigned *count,
			   struct dcerpc_ack_ctx *acks, uint16_t *features, bool *has_features);

struct rpc_pctx *rpc_pctx_find(struct rpc_pctx *list, uint16_t id);

#endif
