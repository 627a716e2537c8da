/* SPNEGO (RFC 4178, MS-SPNG) carrying NTLMSSP, as acceptor and initiator.
 * The NTLM context does the authentication and afterwards all signing and
 * sealing; SPNEGO only wraps its tokens and protects the mechanism list with
 * the mechListMIC. Return conventions are those of auth_update(). */
#ifndef ISTMD_AUTH_SPNEGO_H
#define ISTMD_AUTH_SPNEGO_H

#include <stdbool.h>

#include <talloc.h>
#include <util/data_blob.h>

struct ntlm_ctx;
struct spnego_ctx;

/* Takes NTLM (a fresh server or client context) as a child. */
struct spnego_ctx *spnego_server_new(TALLOC_CTX *mem_ctx, struct ntlm_ctx *ntlm);
struct spnego_ctx *spnego_client_new(TALLOC_CTX *mem_ctx, struct ntlm_ctx *ntlm);

int spnego_update(struct spnego_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in,
		  DATA_BLOB *out);
bool spnego_is_complete(const struct spnego_ctx *ctx);

#endif
