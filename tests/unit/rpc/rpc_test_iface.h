/* A test-only interface with hand-written NDR (until generated stubs exist),
 * and a blocking test client that pumps the server's tevent loop. */
#ifndef ISTMD_TEST_RPC_IFACE_H
#define ISTMD_TEST_RPC_IFACE_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>
#include <ndr.h>
#include <gen_ndr/ndr_dcerpc.h>

#include "rpc/server.h"

/* opnum 0 echo, 1 echo completed later, 2 fault with the given status;
 * the table has 3 calls (opnum 3 is out of range). */
struct rpctest_echo {
	struct {
		uint32_t len;
		uint8_t *data; /* [size_is(len)] */
	} in;
	struct {
		uint32_t len;
		uint8_t *data;
		uint32_t result;
	} out;
};

extern const struct ndr_interface_table ndr_table_rpctest;
extern const struct idl_interface idl_iface_rpctest;
extern const struct idl_interface idl_iface_rpctest_other;
extern const struct ndr_interface_table ndr_table_rpctest_other; /* never registered */

/* Registers rpctest on both endpoints; OPNUM 0 exempt from min_auth_level.
 * Returns the dispatch counter. */
unsigned *rpctest_register(struct rpc_server *server);
/* Registers rpctest_other (same calls) on ENDPOINTS. */
void rpctest_register_other(struct rpc_server *server, unsigned endpoints);
/* The last dispatched call's details, for checks. */
struct rpctest_seen {
	bool has_object;
	struct GUID object;
	uint8_t auth_level;
	char user[64];
	uint32_t assoc_id;
	enum rpc_endpoint endpoint;
	char local_address[64];
};
extern struct rpctest_seen rpctest_last;
extern struct tevent_context *rpctest_ev;
/* Accounts test_server() passes to the server (NULL by default). */
extern struct auth_accounts *rpctest_accounts;

/* ---- client ------------------------------------------------------------------ */

struct tclient {
	int fd;
	struct tevent_context *ev;
};

/* Server on 127.0.0.1 with ephemeral ports and EXTRA config lines for [rpc]. */
struct rpc_server *test_server(TALLOC_CTX *mem, struct tevent_context *ev, const char *extra);
struct tclient *tc_connect(TALLOC_CTX *mem, struct tevent_context *ev, uint16_t port);
struct tclient *tc_connect_to(TALLOC_CTX *mem, struct tevent_context *ev, const char *address,
			      uint16_t port);
void tc_send(struct tclient *tc, const void *data, size_t len);
void tc_send_blob(struct tclient *tc, DATA_BLOB blob);
/* Next PDU from the server within 3 s; false if the connection closed or
 * nothing came. */
bool tc_recv(struct tclient *tc, TALLOC_CTX *mem, DATA_BLOB *pdu);
/* Runs the loop until the server closed the connection (true) or 3 s passed. */
bool tc_wait_closed(struct tclient *tc);
/* Runs the loop for MS milliseconds. */
void pump(struct tevent_context *ev, unsigned ms);

/* Pulls the next PDU from the server (and its bytes in *RAW when not NULL);
 * NULL if none came. */
struct ncacn_packet *tc_recv_pkt(struct tclient *tc, TALLOC_CTX *mem, DATA_BLOB *raw);

/* A server with rpctest registered, its loop and a memory context for a test. */
struct rpc_fixture {
	TALLOC_CTX *mem;
	struct tevent_context *ev;
	struct rpc_server *server;
	unsigned *count; /* rpctest dispatches */
	uint16_t port;   /* endpoint-mapper port */
};
struct rpc_fixture *rpc_fixture_new(const char *extra_config);
/* Shuts the server down and frees everything. */
void rpc_fixture_free(struct rpc_fixture *f);
/* The next PDU must be a bind_nak for REASON. */
void rpc_expect_bind_nak(struct rpc_fixture *f, struct tclient *tc, uint16_t reason);
/* The next PDU must be a fault of CALL_ID with STATUS, DID_NOT_EXECUTE set or
 * not, and the fault PDU's fixed length; returns it. */
struct ncacn_packet *rpc_expect_fault(struct rpc_fixture *f, struct tclient *tc,
				      uint32_t call_id, uint32_t status, bool did_not_execute);

/* PDU builders (little-endian). */
DATA_BLOB build_bind(TALLOC_CTX *mem, uint8_t ptype, uint32_t call_id, uint32_t assoc,
		     uint8_t pfc_flags, unsigned n, const struct dcerpc_ctx_list *ctx,
		     const struct dcerpc_auth *auth);
struct dcerpc_ctx_list ctx_elem(TALLOC_CTX *mem, uint16_t id, const struct ndr_syntax_id *abstract,
				const struct ndr_syntax_id *transfer);
DATA_BLOB build_request(TALLOC_CTX *mem, uint32_t call_id, uint16_t ctx_id, uint16_t opnum,
			uint8_t pfc_flags, uint32_t alloc_hint, const struct GUID *object,
			DATA_BLOB stub);
DATA_BLOB echo_stub(TALLOC_CTX *mem, const void *data, uint32_t len);
/* Binds rpctest as context 0 (NDR) on a fresh connection; returns the client. */
struct tclient *tc_bind_rpctest(TALLOC_CTX *mem, struct tevent_context *ev, uint16_t port);
/* Pulls PDU into PKT (asserts success). */
void parse_pdu(TALLOC_CTX *mem, DATA_BLOB pdu, struct ncacn_packet *pkt);

#endif
