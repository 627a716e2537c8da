/* NTLMSSP authentication (MS-NLMP 3.1, 3.2), connection-oriented, as server
 * and as client. SPNEGO (spnego.c) and the generic auth_ctx (auth_ctx.c) wrap
 * it; the return conventions are those of auth_update() in auth.h. */
#ifndef ISTMD_AUTH_NTLM_H
#define ISTMD_AUTH_NTLM_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <util/data_blob.h>

#include "auth/auth.h"
#include "auth/ntlm_session.h"

struct ntlm_ctx;

struct ntlm_ctx *ntlm_server_new(TALLOC_CTX *mem_ctx, struct auth_accounts *accounts,
				 const struct auth_server_options *options);
struct ntlm_ctx *ntlm_client_new(TALLOC_CTX *mem_ctx, const char *user, const char *domain,
				 const char *password);

int ntlm_update(struct ntlm_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in, DATA_BLOB *out);

bool ntlm_is_complete(const struct ntlm_ctx *ctx);
const char *ntlm_user(const struct ntlm_ctx *ctx);
const char *ntlm_domain(const struct ntlm_ctx *ctx);
bool ntlm_is_admin(const struct ntlm_ctx *ctx);
/* True when the AUTHENTICATE_MESSAGE carried a MIC (MsvAvFlags 0x2): SPNEGO
 * then requires a mechListMIC exchange (MS-SPNG <8>). */
bool ntlm_has_mic(const struct ntlm_ctx *ctx);
/* The session security state once complete, else NULL. */
struct ntlm_session *ntlm_session(struct ntlm_ctx *ctx);

/* Tests only: use CHALLENGE instead of a random server challenge (server), or
 * a fixed client challenge and exported session key (client). */
void ntlm_test_fix_randomness(struct ntlm_ctx *ctx, const uint8_t challenge[8],
			      const uint8_t session_key[16]);

#endif
