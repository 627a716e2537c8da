/* One tgtd management request on the event loop: connect to the control
 * socket (non-blocking), send the request, read the whole reply, close. */
#ifndef ISTMD_BACKEND_TGT_IPC_H
#define ISTMD_BACKEND_TGT_IPC_H

#include <stdint.h>
#include <talloc.h>
#include <tevent.h>

#include "backend/tgt_proto.h"

/* tgtd replies to "show" with text; we refuse more than this (a target with
 * 16383 LUNs prints about 8 MiB). */
#define TGT_MAX_REPLY (64u * 1024 * 1024)

/* SOCKET_PATH is tgtd's control socket; TIMEOUT_MS bounds the whole exchange. */
struct tevent_req *tgt_ipc_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				const char *socket_path, const struct tgt_request *r,
				unsigned timeout_ms);
/* 0 with the reply text in *text (talloc'd on mem_ctx, "" when none), or a
 * negative errno: -ENOTCONN (no tgtd listening, or it closed the connection
 * before answering), -ETIMEDOUT, -EPROTO (a reply that makes no sense), or tgt_err_to_errno() of tgtd's error code, which is
 * then in *tgt_err (else 0). TEXT and TGT_ERR may be NULL. */
int tgt_ipc_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx, char **text, uint32_t *tgt_err);

#endif
