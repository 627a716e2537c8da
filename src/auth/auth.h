/* Security contexts for DCE/RPC: NTLMSSP (auth type 10) and SPNEGO carrying
 * NTLMSSP (auth type 9), server and client side, plus the accounts file.
 *
 * The packet API mirrors Samba's gensec: DATA is the stub (sealed/unsealed in
 * place), WHOLE_PDU is what the signature covers (for NTLMSSP, the PDU from its
 * header through the 8-byte sec_trailer, i.e. everything but the signature). */
#ifndef ISTMD_AUTH_H
#define ISTMD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>
#include <util/data_blob.h>

#define AUTH_TYPE_SPNEGO 9 /* MS-RPCE 2.2.1.1.7 RPC_C_AUTHN_GSS_NEGOTIATE */
#define AUTH_TYPE_NTLMSSP 10 /* RPC_C_AUTHN_WINNT */

/* ---- accounts: the users file ------------------------------------------- */

struct auth_accounts;

/* Opens PATH (it may not exist yet: no accounts). Re-reads it when its inode,
 * size, mode, mtime or ctime changes (checked on lookup, at most once a
 * second) and on auth_accounts_reload() (the daemon calls that on SIGHUP). A
 * file group or others can access is refused whole (docs/auth.md). Not
 * thread-safe: use it from the event loop. */
struct auth_accounts *auth_accounts_open(TALLOC_CTX *mem_ctx, const char *path);
int auth_accounts_reload(struct auth_accounts *accounts);
/* 0 and the NT hash and admin flag, or -ENOENT. Names compare case-insensitively. */
int auth_accounts_lookup(struct auth_accounts *accounts, const char *user, uint8_t nt_hash[16],
			 bool *is_admin);

/* ---- security contexts ---------------------------------------------------- */

struct auth_server_options {
	bool allow_ntlmv1;           /* NTLMv1 (ESS) responses; off by default; LM never */
	const char *nb_computer_name; /* MsvAvNbComputerName, e.g. "ISTMD" */
	const char *nb_domain_name;   /* MsvAvNbDomainName (workgroup) */
	const char *dns_computer_name;
	const char *dns_domain_name;
};

/* Fills the NULL names of OPTS with defaults derived from the host name
 * (docs/auth.md); the strings are talloc'd on MEM_CTX. */
void auth_options_fill_defaults(TALLOC_CTX *mem_ctx, struct auth_server_options *opts);

/* The [auth] section of the configuration (conf/istmd.conf). */
struct auth_config {
	const char *users_file;
	struct auth_server_options options;
};
struct cfg;
/* 0 and *OUT (talloc'd on MEM_CTX), or -EINVAL with *ERR set. */
int auth_config_load(struct cfg *cfg, TALLOC_CTX *mem_ctx, struct auth_config **out, char **err);

struct auth_ctx;

struct auth_ctx *auth_server_new(TALLOC_CTX *mem_ctx, struct auth_accounts *accounts,
				 const struct auth_server_options *options, uint8_t auth_type);
struct auth_ctx *auth_client_new(TALLOC_CTX *mem_ctx, uint8_t auth_type, const char *user,
				 const char *domain, const char *password);

/* Feeds the peer's token IN (empty to start, on the client) and returns the token
 * to send in *OUT (talloc'd on MEM_CTX; may be empty).
 * Returns 1: send OUT, more legs follow; 0: authenticated (OUT may still need
 * sending); -EACCES: wrong credentials, unknown account, anonymous, bad MIC or
 * mechListMIC; -EINVAL: malformed
 * token; -EPROTO: token out of sequence; -ENOTSUP: refused by policy (e.g. NTLMv1). */
int auth_update(struct auth_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in, DATA_BLOB *out);

bool auth_is_complete(const struct auth_ctx *ctx);
uint8_t auth_type(const struct auth_ctx *ctx);
/* Valid once complete. */
const char *auth_user(const struct auth_ctx *ctx);
const char *auth_domain(const struct auth_ctx *ctx);
bool auth_is_admin(const struct auth_ctx *ctx);
size_t auth_sig_size(const struct auth_ctx *ctx);
/* Whether the negotiated NTLM flags allow signing (integrity) and sealing
 * (privacy); the RPC layer checks them against the requested auth level. */
bool auth_can_sign(const struct auth_ctx *ctx);
bool auth_can_seal(const struct auth_ctx *ctx);

/* The packet functions below return 0, or: -EPROTO (context not complete, or
 * broken by an earlier failure), -ENOTSUP (signing/sealing not negotiated),
 * -EBADMSG (auth_check/auth_unseal: wrong signature; the context is then
 * broken, as the RC4 streams have diverged), -ENOMEM, -EIO. WHOLE_PDU may be
 * NULL, in which case the signature covers DATA. */

int auth_sign(struct auth_ctx *ctx, TALLOC_CTX *mem_ctx, const uint8_t *data, size_t length,
	      const uint8_t *whole_pdu, size_t pdu_length, DATA_BLOB *sig);
int auth_check(struct auth_ctx *ctx, const uint8_t *data, size_t length,
	       const uint8_t *whole_pdu, size_t pdu_length, const DATA_BLOB *sig);
int auth_seal(struct auth_ctx *ctx, TALLOC_CTX *mem_ctx, uint8_t *data, size_t length,
	      const uint8_t *whole_pdu, size_t pdu_length, DATA_BLOB *sig);
int auth_unseal(struct auth_ctx *ctx, uint8_t *data, size_t length,
		const uint8_t *whole_pdu, size_t pdu_length, const DATA_BLOB *sig);
/* auth_sign() and auth_seal() writing the signature to SIG, auth_sig_size()
 * bytes the caller provides (e.g. its place in the PDU): no allocation. */
int auth_sign_to(struct auth_ctx *ctx, const uint8_t *data, size_t length,
		 const uint8_t *whole_pdu, size_t pdu_length, uint8_t *sig);
int auth_seal_to(struct auth_ctx *ctx, uint8_t *data, size_t length, const uint8_t *whole_pdu,
		 size_t pdu_length, uint8_t *sig);

#endif
