/* The connection-oriented DCE/RPC server (C706 chapter 12, MS-RPCE 2.2.2 and 3.3):
 * listeners, connections, presentation and security contexts, association
 * groups, fragments, faults. Interfaces register a dispatch function; the
 * engine hands it the unmarshalled [in] side of each call and marshals the
 * [out] side when the implementation completes the call (docs/rpc.md).
 *
 * Everything runs on one tevent loop. A call stays valid from dispatch until
 * rpc_call_complete(), even if its connection goes away meanwhile (then the
 * response is dropped and rpc_call_cancelled() turns true). */
#ifndef ISTMD_RPC_SERVER_H
#define ISTMD_RPC_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>

#include "ndr/idl_interface.h"

struct cfg;
struct auth_accounts;
struct auth_server_options;
struct GUID;

struct rpc_server;
struct rpc_call;
struct rpc_assoc;

/* The two kinds of listening ports. */
enum rpc_endpoint {
	RPC_EP_MAPPER = 1u << 0, /* endpoint_mapper_port: EPM, activation, OXID resolver */
	RPC_EP_OBJECT = 1u << 1, /* object_port: DCOM object interfaces */
};

/* Bit N stands for opnum N in rpc_interface.auth_exempt_opnums. */
#define RPC_OPNUM_BIT(n) (UINT64_C(1) << (n))
#define RPC_ALL_OPNUMS UINT64_MAX

/* Called once per request, after the engine pulled NDR_IN into R (zeroed,
 * talloc'd on CALL) and prepared R's [out] side. The implementation must call
 * rpc_call_complete() exactly once, now or later. */
typedef void (*rpc_dispatch_fn)(struct rpc_call *call, uint32_t opnum, void *r,
				void *private_data);

struct rpc_interface {
	const struct idl_interface *idl; /* syntax id, calls[] by opnum, init_out */
	unsigned endpoints;              /* RPC_EP_* served on */
	/* Opnums callable below [rpc] min_auth_level (endpoint mapper,
	 * ServerAlive/ServerAlive2); everything else needs min_auth_level. */
	uint64_t auth_exempt_opnums;
	rpc_dispatch_fn dispatch;
	void *private_data;
};

/* Reads [rpc] (listen, endpoint_mapper_port, object_port, min_auth_level,
 * max_connections, idle_timeout, max_pdu_size, max_request_size) and listens
 * on every address on both ports. ACCOUNTS and AUTH_OPTIONS (from [auth]; both
 * must outlive the server) may be NULL: no account then authenticates, and
 * NTLM announces names derived from the host name. On failure returns NULL
 * with *err set (talloc'd on MEM_CTX). */
struct rpc_server *rpc_server_new(TALLOC_CTX *mem_ctx, struct tevent_context *ev, struct cfg *cfg,
				  struct auth_accounts *accounts,
				  const struct auth_server_options *auth_options, char **err);

/* Registers IFACE (copied). Returns 0, -EEXIST (same syntax already on one of
 * its endpoints) or -EINVAL. */
int rpc_server_register(struct rpc_server *server, const struct rpc_interface *iface);

/* Calls FN for each registered interface (the endpoint mapper answers from it). */
void rpc_server_foreach_interface(struct rpc_server *server,
				  void (*fn)(const struct rpc_interface *iface, void *priv),
				  void *priv);

/* The port actually listened on (object_port = 0 picks an ephemeral one,
 * the same on every address). */
uint16_t rpc_server_port(const struct rpc_server *server, enum rpc_endpoint endpoint);
/* [rpc] min_auth_level (DCERPC_AUTH_LEVEL_*). */
uint8_t rpc_server_min_auth_level(const struct rpc_server *server);
/* The configured listen addresses, numeric, NULL-terminated. A wildcard
 * (0.0.0.0, ::) stands for "the address the client dialled"
 * (rpc_call_local_address()). */
const char *const *rpc_server_addresses(const struct rpc_server *server);
bool rpc_address_is_wildcard(const char *address);

/* Stops listening, closes every connection (calls in progress complete into
 * the void) and frees nothing else: talloc_free(server) does that. */
void rpc_server_shutdown(struct rpc_server *server);

/* ---- calls ------------------------------------------------------------------ */

/* FAULT == 0: push R's NDR_OUT and send the response; otherwise send a fault PDU
 * with that DCE/RPC status (e.g. DCERPC_FAULT_ACCESS_DENIED, nca_s_* codes).
 * Frees CALL (and R). */
void rpc_call_complete(struct rpc_call *call, uint32_t fault);
/* As rpc_call_complete(call, fault) with PFC_DID_NOT_EXECUTE set: the method
 * was refused before it did anything (C706 12.6.3.1). */
void rpc_call_reject(struct rpc_call *call, uint32_t fault);

/* The object UUID of the request (PFC_OBJECT_UUID; for DCOM the IPID), or NULL. */
const struct GUID *rpc_call_object(const struct rpc_call *call);
/* The interface of the call's presentation context. */
const struct rpc_interface *rpc_call_interface(const struct rpc_call *call);
uint32_t rpc_call_opnum(const struct rpc_call *call);
enum rpc_endpoint rpc_call_endpoint(const struct rpc_call *call);

/* DCERPC_AUTH_LEVEL_NONE (1) .. DCERPC_AUTH_LEVEL_PRIVACY (6); NONE when the
 * call is not authenticated. Auth type 0 (none), 9 (SPNEGO) or 10 (NTLMSSP). */
uint8_t rpc_call_auth_level(const struct rpc_call *call);
uint8_t rpc_call_auth_type(const struct rpc_call *call);
/* The authenticated account, or NULL; the admin flag from the users file. */
const char *rpc_call_user(const struct rpc_call *call);
const char *rpc_call_domain(const struct rpc_call *call);
bool rpc_call_is_admin(const struct rpc_call *call);

/* Numeric addresses and ports of the TCP connection. */
const char *rpc_call_local_address(const struct rpc_call *call);
uint16_t rpc_call_local_port(const struct rpc_call *call);
const char *rpc_call_remote_address(const struct rpc_call *call);
uint16_t rpc_call_remote_port(const struct rpc_call *call);

/* True once the client sent co_cancel or orphaned for the call, or its
 * connection closed: the response will not be read. */
bool rpc_call_cancelled(const struct rpc_call *call);

/* FN runs once, from the event loop, if the call's connection closes before
 * the call completes; it may complete the call (the response goes nowhere).
 * Lets an implementation drop work nobody waits for (the DCOM runtime frees
 * the call with its pending work). */
void rpc_call_on_abandon(struct rpc_call *call, void (*fn)(struct rpc_call *call, void *priv),
			 void *priv);

/* ---- association groups (MS-RPCE 3.3.1.1.1) ----------------------------------- */

struct rpc_assoc *rpc_call_assoc(const struct rpc_call *call);
uint32_t rpc_assoc_id(const struct rpc_assoc *assoc);
/* A talloc context freed when the association's last connection closes: hang
 * per-client state (context-handle rundown, DCOM references) on it. */
TALLOC_CTX *rpc_assoc_mem(struct rpc_assoc *assoc);

#endif
