/* A connection-oriented DCE/RPC client (C706 chapter 12, MS-RPCE 3.2) on one
 * TCP connection: bind with NTLMSSP or SPNEGO at connect, integrity or
 * privacy level (src/auth client contexts), more presentation contexts by
 * alter_context, requests with an object UUID (the IPID for DCOM), fragments
 * both ways, signed or sealed, faults. It shares the server's PDU code
 * (rpc/pdu.h) and drives the generated NDR of any ndr_interface_table.
 *
 * Asynchronous (tevent_req) for tests and programs on a loop; the
 * synchronous wrappers run the loop until the request is done, for tools
 * like istmctl. Operations on one client run one at a time, in order. */
#ifndef ISTMD_RPC_CLIENT_H
#define ISTMD_RPC_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>

struct GUID;
struct ndr_interface_table;
struct rpc_client;

struct rpc_client_auth {
	uint8_t auth_type;  /* 0 (none), AUTH_TYPE_NTLMSSP (10) or AUTH_TYPE_SPNEGO (9) */
	uint8_t auth_level; /* DCERPC_AUTH_LEVEL_CONNECT, _INTEGRITY or _PRIVACY */
	const char *user;
	const char *domain;
	const char *password;
};

/* Connects to HOST (numeric or resolved with getaddrinfo, which may block)
 * on PORT and binds TABLE, authenticating with AUTH (NULL: none). Everything
 * is bounded by TIMEOUT_MS (0: none). */
struct tevent_req *rpc_client_connect_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					   const char *host, uint16_t port,
					   const struct rpc_client_auth *auth,
					   const struct ndr_interface_table *table,
					   unsigned timeout_ms);
/* 0 and the client (talloc'd on MEM_CTX), or a negative errno: -ECONNREFUSED,
 * -ETIMEDOUT, -EACCES (the server refused the credentials), -EPROTO (a bind
 * refused or malformed answer), -EHOSTUNREACH (no such host). */
int rpc_client_connect_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			    struct rpc_client **client);

/* Calls OPNUM of TABLE (binding it with alter_context the first time) with
 * R's [in] side; on success R's [out] side is filled, allocated on R_MEM (R
 * itself may be anywhere). OBJECT (may be NULL) goes in the object UUID
 * field. Freeing the request before it completes leaves the client
 * unusable (a PDU may be half sent or read). */
struct tevent_req *rpc_client_call_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					struct rpc_client *client,
					const struct ndr_interface_table *table, uint32_t opnum,
					const struct GUID *object, TALLOC_CTX *r_mem, void *r);
/* 0; -EREMOTEIO with *FAULT set when the server answered with a fault;
 * -ETIMEDOUT, -ECONNRESET, -EPROTO, -EACCES (signature), -ENOMEM. After a
 * transport or protocol error the client is unusable. */
int rpc_client_call_recv(struct tevent_req *req, uint32_t *fault);

/* Synchronous forms (run EV until done); rpc_client_call allocates R's
 * [out] side on MEM_CTX. */
int rpc_client_connect(TALLOC_CTX *mem_ctx, struct tevent_context *ev, const char *host,
		       uint16_t port, const struct rpc_client_auth *auth,
		       const struct ndr_interface_table *table, unsigned timeout_ms,
		       struct rpc_client **client);
int rpc_client_call(struct rpc_client *client, TALLOC_CTX *mem_ctx,
		    const struct ndr_interface_table *table, uint32_t opnum,
		    const struct GUID *object, void *r, uint32_t *fault);

/* Each operation (connect, call) fails with -ETIMEDOUT after this long
 * (milliseconds, 0: never); the connect timeout is the first value. */
void rpc_client_set_timeout(struct rpc_client *client, unsigned timeout_ms);

/* True once a transport or protocol error made the connection unusable. */
bool rpc_client_broken(const struct rpc_client *client);

/* The numeric address and port of the connection's two ends. */
const char *rpc_client_local_address(const struct rpc_client *client);
const char *rpc_client_remote_address(const struct rpc_client *client);
uint16_t rpc_client_remote_port(const struct rpc_client *client);
uint32_t rpc_client_assoc_group(const struct rpc_client *client);

#endif
