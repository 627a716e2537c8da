/* Connection-oriented PDUs (C706 12.6, MS-RPCE 2.2.2) on top of Samba's
 * ncacn_packet marshallers: framing, header checks, the sec_trailer, and the
 * PDUs the server builds (bind_ack, bind_nak, fault, response fragments). */
#ifndef ISTMD_RPC_PDU_H
#define ISTMD_RPC_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>
#include <ndr.h>
#include <gen_ndr/ndr_dcerpc.h>

#define RPC_HDR_LEN 16      /* common header */
#define RPC_REQUEST_HDR_LEN 24
#define RPC_RESPONSE_HDR_LEN 24
#define RPC_AUTH_TRAILER_LEN 8
#define RPC_AUTH_PAD_ALIGN 16
#define RPC_MIN_FRAG 1432   /* C706 12.6.3.1: MustRecvFragSize */
#define RPC_FAULT_LEN 32

/* The 16-byte common header, read before the rest of a PDU. */
struct rpc_pdu_hdr {
	uint8_t rpc_vers;
	uint8_t rpc_vers_minor;
	uint8_t ptype;
	uint8_t pfc_flags;
	uint8_t drep[4];
	uint16_t frag_length;
	uint16_t auth_length;
	uint32_t call_id;
};

static inline bool rpc_drep_is_le(const uint8_t drep[4])
{
	return (drep[0] & DCERPC_DREP_LE) != 0;
}

/* Decodes the common header from BUF (RPC_HDR_LEN bytes), honouring drep. */
void rpc_pdu_peek(const uint8_t *buf, struct rpc_pdu_hdr *hdr);

/* Pulls a whole fragment. Returns 0 or -EPROTO (malformed, unknown type, or
 * frag_length disagreeing with the blob). PKT's blobs are copies on MEM_CTX. */
int rpc_pdu_pull(TALLOC_CTX *mem_ctx, const DATA_BLOB *blob, struct ncacn_packet *pkt);

/* A request fragment read in place (pdu_fast.c): the result of rpc_pdu_pull()
 * for a request, but PKT's stub_and_verifier points into BLOB. Returns 0 or
 * -EPROTO (too short, not a request, frag_length disagreeing). */
int rpc_pdu_pull_request(const DATA_BLOB *blob, struct ncacn_packet *pkt);

/* Lays out a response fragment in BUF (SIZE bytes), the bytes rpc_pdu_push()
 * makes of it: header, STUB, and with AUTH its auth_pad_length zero bytes,
 * the sec_trailer and AUTH->credentials. Returns the fragment's length, or 0
 * when it does not fit. */
size_t rpc_pdu_put_response(uint8_t *buf, size_t size, uint8_t pfc_flags, uint32_t call_id,
			    uint32_t alloc_hint, uint16_t context_id, uint8_t cancel_count,
			    const uint8_t *stub, size_t stub_len, const struct dcerpc_auth *auth);

/* What dcerpc_verify_ncacn_packet_header does: version 5.0, expected type,
 * auth_length within MAX_AUTH_INFO, a representation we read (drep[0] only
 * the little-endian bit, the rest zero). Returns 0 or -EPROTO. */
int rpc_pdu_check_header(const struct ncacn_packet *pkt, uint8_t ptype, size_t max_auth_info);

/* Splits PAYLOAD (stub_and_verifier or auth_info) into data and sec_trailer
 * (MS-RPCE 2.2.2.11): the trailer starts AUTH_LENGTH + 8 bytes before the
 * end. *DATA_LEN is the data before the auth padding. With AUTH_DATA_ONLY
 * (bind, alter_context, auth3) nothing but padding may precede the trailer.
 * AUTH->credentials points into PAYLOAD. Returns 0 or -EPROTO. */
int rpc_pdu_split_auth(const DATA_BLOB *payload, uint16_t auth_length, bool big_endian,
		       bool auth_data_only, struct dcerpc_auth *auth, size_t *data_len);

/* Pushes PKT (little-endian) followed by AUTH (when not NULL) and fixes up
 * frag_length and auth_length. Returns 0 or -ENOMEM/-EINVAL. */
int rpc_pdu_push(TALLOC_CTX *mem_ctx, struct ncacn_packet *pkt, const struct dcerpc_auth *auth,
		 DATA_BLOB *out);

/* Header fields every PDU we send shares. */
void rpc_pdu_init(struct ncacn_packet *pkt, uint8_t ptype, uint8_t pfc_flags, uint32_t call_id);

int rpc_pdu_fault(TALLOC_CTX *mem_ctx, uint32_t call_id, uint16_t context_id, uint8_t extra_flags,
		  uint32_t status, DATA_BLOB *out);
int rpc_pdu_bind_nak(TALLOC_CTX *mem_ctx, uint32_t call_id, uint16_t reason, DATA_BLOB *out);

/* Largest stub chunk per response fragment: MAX_XMIT less the response header
 * and, when signing, the trailer and signature; a multiple of 16 so that only
 * the last fragment needs auth padding (MS-RPCE 2.2.2.11). */
size_t rpc_pdu_max_stub_chunk(uint16_t max_xmit, size_t sig_size, bool with_auth);

/* Auth padding that 16-byte aligns the sec_trailer after LEN stub bytes. */
static inline size_t rpc_auth_pad(size_t len)
{
	return (RPC_AUTH_PAD_ALIGN - len % RPC_AUTH_PAD_ALIGN) % RPC_AUTH_PAD_ALIGN;
}

const char *rpc_ptype_name(uint8_t ptype);

#endif
