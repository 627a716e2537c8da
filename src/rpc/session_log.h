/* The session log ([rpc] session_log = PATH, off by default): every call's
 * plaintext request and response stubs, one line each, for istmd-replay
 * (docs/replay.md "Session logs"), so that a console session can be
 * recorded on a production server without a packet capture tool. Values
 * the generated code prints as <secret> (CHAP secrets, SetCHAPInfoByBlob's
 * blob: fields named secret, password or blob) are overwritten with 'X'
 * in the logged stubs, which keeps them decodable and replayable. */
#ifndef ISTMD_RPC_SESSION_LOG_H
#define ISTMD_RPC_SESSION_LOG_H

#include <stdint.h>

#include <talloc.h>

struct rpc_call;
struct rpc_session_log;

/* Opens (appends to, creating 0600) PATH. 0, or -errno with *ERR. */
int rpc_session_log_open(TALLOC_CTX *mem_ctx, const char *path, struct rpc_session_log **out,
			 char **err);
/* After the request's [in] side was pulled into call->r from call->stub. */
void rpc_session_log_request(struct rpc_session_log *log, struct rpc_call *call);
/* The pushed [out] stub of a call whose request was logged. */
void rpc_session_log_response(struct rpc_session_log *log, struct rpc_call *call,
			      const uint8_t *stub, size_t len);
void rpc_session_log_fault(struct rpc_session_log *log, struct rpc_call *call, uint32_t status);

/* Redaction (exposed for tests): overwrites in STUB the values that
 * the FLAGS (NDR_IN / NDR_OUT) side of R prints as <secret>. Returns how
 * many values were overwritten. */
struct ndr_interface_call;
size_t rpc_session_log_redact(const struct ndr_interface_call *ic, int flags, const void *r,
			      uint8_t *stub, size_t len);

#endif
