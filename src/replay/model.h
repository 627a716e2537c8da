/* The model istmd-replay works on: the connections and, in the order they
 * were made, the calls of a recorded session with their plaintext request
 * and response stubs. Made from a capture (conv.c) or from istmd's session
 * log (sessionlog.c). docs/replay.md. */
#ifndef ISTMD_REPLAY_MODEL_H
#define ISTMD_REPLAY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>
#include <ndr.h>

struct rp_conn {
	unsigned index;        /* 1-based, as the capture numbers them */
	char server[48];
	uint16_t server_port;
	uint16_t client_port;
	bool to_resolver;      /* bound the endpoint mapper, activator or resolver port */
	struct ndr_syntax_id first_iface; /* of the first bind */
	uint8_t auth_type;     /* 0, 9 or 10 */
	uint8_t auth_level;    /* DCERPC_AUTH_LEVEL_* (1 none) */
	char user[64];         /* from the NTLM AUTHENTICATE, for the report */
};

struct rp_call {
	unsigned number;       /* 1-based, order of the requests */
	unsigned conn;         /* index into rp_model.conns */
	uint32_t call_id;
	struct ndr_syntax_id iface;
	uint16_t opnum;
	bool has_object;
	struct GUID object;    /* the IPID for ORPC calls */
	DATA_BLOB request;     /* the whole request stub, plaintext */
	bool answered;
	bool fault;
	uint32_t fault_status;
	DATA_BLOB response;    /* the whole response stub, plaintext */
	unsigned req_frags, resp_frags; /* PDUs each side took (capture only) */
};

struct rp_model {
	struct rp_conn *conns;
	size_t num_conns;
	struct rp_call *calls;
	size_t num_calls;
};

struct rp_keys {
	const char *password;       /* or */
	const uint8_t *nt_hash;     /* 16 bytes; NULL: none */
	const char *server;         /* only connections to this address (NULL: all) */
};

/* The calls of CAP (capture.h) decoded: PDUs framed and reassembled per call,
 * NTLM session keys derived from the captured exchange and KEYS, stubs
 * checked and unsealed. 0 or -EINVAL with *WHY. */
struct capture;
int rp_model_from_capture(TALLOC_CTX *mem_ctx, const struct capture *cap,
			  const struct rp_keys *keys, struct rp_model **out, const char **why);

/* Adds a call (copying the blobs); NULL on allocation failure. */
struct rp_call *rp_model_add_call(struct rp_model *m);
struct rp_conn *rp_model_add_conn(struct rp_model *m);

/* Interfaces the generated code knows, by syntax id (ifaces.c). */
struct idl_interface;
const struct idl_interface *rp_iface_find(const struct ndr_syntax_id *id);
/* "IHostMgr3.GetHost" or "{uuid} v1.0 opnum 5" (talloc'd on MEM_CTX). */
const char *rp_call_name(TALLOC_CTX *mem_ctx, const struct rp_call *call);
/* Whether an interface is served on the endpoint mapper port (epm, the
 * activators, the OXID resolver). */
bool rp_iface_on_resolver_port(const struct ndr_syntax_id *id);

#endif
