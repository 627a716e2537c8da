/* State shared by ntlm.c, ntlm_server.c and ntlm_client.c. */
#ifndef ISTMD_AUTH_NTLM_PRIVATE_H
#define ISTMD_AUTH_NTLM_PRIVATE_H

#include "auth/ntlm.h"

enum ntlm_state {
	NTLM_START,     /* server: expects NEGOTIATE; client: sends it */
	NTLM_EXCHANGE,  /* server: expects AUTHENTICATE; client: expects CHALLENGE */
	NTLM_DONE,
	NTLM_FAILED,
};

struct ntlm_ctx {
	bool server;
	enum ntlm_state state;
	uint32_t flags; /* offered, then negotiated */

	/* Copies of NEGOTIATE and CHALLENGE, for the MIC (MS-NLMP 3.1.5.1.2). */
	DATA_BLOB negotiate_msg;
	DATA_BLOB challenge_msg;
	uint8_t server_challenge[8];
	uint8_t timestamp[8]; /* server: the MsvAvTimestamp we sent */
	bool sent_timestamp;

	bool fixed_random; /* tests: known challenges and session key */
	uint8_t fixed_challenge[8];
	uint8_t fixed_session_key[16];

	/* server */
	struct auth_accounts *accounts;
	bool allow_ntlmv1;
	DATA_BLOB nb_computer, nb_domain, dns_computer, dns_domain; /* UTF-16LE */

	/* client */
	uint8_t nt_hash[16];
	DATA_BLOB user16, domain16; /* UTF-16LE */

	/* result */
	char *user;
	char *domain;
	bool is_admin;
	bool has_mic;
	struct ntlm_session *session;
};

struct ntlm_ctx *ntlm_ctx_new(TALLOC_CTX *mem_ctx, bool server);
int ntlm_server_update(struct ntlm_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in,
		       DATA_BLOB *out);
int ntlm_client_update(struct ntlm_ctx *ctx, TALLOC_CTX *mem_ctx, const DATA_BLOB *in,
		       DATA_BLOB *out);

/* Keeps a copy of a message for the MIC; false on allocation failure. */
bool ntlm_keep(struct ntlm_ctx *ctx, DATA_BLOB *slot, const uint8_t *msg, size_t len);
/* HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE with a
 * zero MIC field). AUTH must be at least NTLM_AUTH_MIC_END bytes. */
int ntlm_compute_mic(const struct ntlm_ctx *ctx, const uint8_t esk[16], const uint8_t *auth,
		     size_t auth_len, uint8_t mic[16]);
/* 8 random bytes (or the fixed test challenge). */
int ntlm_random(const struct ntlm_ctx *ctx, uint8_t *out, size_t len, const uint8_t *fixed);
/* Why IN did not parse as the EXPECTED message type: -EPROTO for another
 * NTLM message (out of sequence), -EINVAL for anything malformed. */
int ntlm_parse_error(const DATA_BLOB *in, int expected);
/* Now as a FILETIME (100 ns since 1601, MS-DTYP 2.3.3). */
uint64_t ntlm_filetime_now(void);
/* The VERSION structure we send (MS-NLMP 2.2.2.10); debugging only. */
extern const uint8_t ntlm_our_version[8];

/* For log lines: printable ASCII only, at most 64 characters. */
const char *auth_log_name(TALLOC_CTX *mem_ctx, const char *s);

#endif
