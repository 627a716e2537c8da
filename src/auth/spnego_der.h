/* SPNEGO tokens in DER (RFC 4178 4.2), through libtasn1 with strict DER
 * decoding: a token must be exactly one DER value, bounded by SPNEGO_MAX_TOKEN. */
#ifndef ISTMD_AUTH_SPNEGO_DER_H
#define ISTMD_AUTH_SPNEGO_DER_H

#include <stddef.h>
#include <stdint.h>

#include <talloc.h>
#include <util/data_blob.h>

#define SPNEGO_OID "1.3.6.1.5.5.2"
#define NTLMSSP_OID "1.3.6.1.4.1.311.2.2.10"
#define SPNEGO_MAX_TOKEN 0xffff /* a DCE/RPC auth_length is 16-bit */
#define SPNEGO_MAX_MECHS 32

enum spnego_neg_state {
	SPNEGO_NO_STATE = -1,
	SPNEGO_ACCEPT_COMPLETED = 0,
	SPNEGO_ACCEPT_INCOMPLETE = 1,
	SPNEGO_REJECT = 2,
	SPNEGO_REQUEST_MIC = 3,
};

struct spnego_token {
	bool is_init; /* NegTokenInit, else NegTokenResp */
	/* NegTokenInit */
	char **mech_types;     /* OIDs in dotted form */
	size_t n_mech_types;
	DATA_BLOB mech_types_der; /* the MechTypeList as sent, for the mechListMIC */
	/* NegTokenResp */
	enum spnego_neg_state neg_state;
	char *supported_mech;  /* NULL when absent */
	/* both: mechToken or responseToken, and mechListMIC (empty when absent) */
	DATA_BLOB mech_token;
	DATA_BLOB mech_list_mic;
};

/* Decodes a NegTokenInit (with or without the RFC 2743 framing) or a
 * NegTokenResp. Everything is talloc'd on MEM_CTX. 0 or -EINVAL. */
int spnego_decode(TALLOC_CTX *mem_ctx, const DATA_BLOB *in, struct spnego_token *out);

/* The initiator's first token, framed, offering the N_MECHS OIDs in MECHS
 * (MECH_TOKEN, if any, is for the first); *MECH_TYPES_DER gets the DER of the
 * MechTypeList for the mechListMIC. */
int spnego_encode_init(TALLOC_CTX *mem_ctx, const char *const *mechs, size_t n_mechs,
		       const DATA_BLOB *mech_token, DATA_BLOB *out, DATA_BLOB *mech_types_der);
/* A NegTokenResp; NEG_STATE may be SPNEGO_NO_STATE, SUPPORTED_MECH NULL,
 * TOKEN and MIC NULL or empty to leave them out. */
int spnego_encode_resp(TALLOC_CTX *mem_ctx, enum spnego_neg_state neg_state,
		       const char *supported_mech, const DATA_BLOB *token, const DATA_BLOB *mic,
		       DATA_BLOB *out);

#endif
