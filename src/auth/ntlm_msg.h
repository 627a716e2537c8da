/* NTLM messages (MS-NLMP 2.2): NEGOTIATE, CHALLENGE, AUTHENTICATE and AV pairs.
 * Parsing is bounds-checked against the message; every field referenced by a
 * (length, offset) pair must lie wholly inside it. */
#ifndef ISTMD_AUTH_NTLM_MSG_H
#define ISTMD_AUTH_NTLM_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

/* NegotiateFlags (MS-NLMP 2.2.2.5) */
#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u
#define NTLMSSP_NEGOTIATE_OEM 0x00000002u
#define NTLMSSP_REQUEST_TARGET 0x00000004u
#define NTLMSSP_NEGOTIATE_SIGN 0x00000010u
#define NTLMSSP_NEGOTIATE_SEAL 0x00000020u
#define NTLMSSP_NEGOTIATE_DATAGRAM 0x00000040u
#define NTLMSSP_NEGOTIATE_LM_KEY 0x00000080u
#define NTLMSSP_NEGOTIATE_NTLM 0x00000200u
#define NTLMSSP_ANONYMOUS 0x00000800u
#define NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED 0x00001000u
#define NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED 0x00002000u
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN 0x00008000u
#define NTLMSSP_TARGET_TYPE_DOMAIN 0x00010000u
#define NTLMSSP_TARGET_TYPE_SERVER 0x00020000u
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLMSSP_NEGOTIATE_IDENTIFY 0x00100000u
#define NTLMSSP_REQUEST_NON_NT_SESSION_KEY 0x00400000u
#define NTLMSSP_NEGOTIATE_TARGET_INFO 0x00800000u
#define NTLMSSP_NEGOTIATE_VERSION 0x02000000u
#define NTLMSSP_NEGOTIATE_128 0x20000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH 0x40000000u
#define NTLMSSP_NEGOTIATE_56 0x80000000u

/* AV_PAIR ids (MS-NLMP 2.2.2.1) */
enum ntlm_av_id {
	MSV_AV_EOL = 0,
	MSV_AV_NB_COMPUTER_NAME = 1,
	MSV_AV_NB_DOMAIN_NAME = 2,
	MSV_AV_DNS_COMPUTER_NAME = 3,
	MSV_AV_DNS_DOMAIN_NAME = 4,
	MSV_AV_DNS_TREE_NAME = 5,
	MSV_AV_FLAGS = 6,
	MSV_AV_TIMESTAMP = 7,
	MSV_AV_SINGLE_HOST = 8,
	MSV_AV_TARGET_NAME = 9,
	MSV_AV_CHANNEL_BINDINGS = 10,
};
#define MSV_AV_FLAG_MIC_PRESENT 0x00000002u

#define NTLM_NEGOTIATE 1
#define NTLM_CHALLENGE 2
#define NTLM_AUTHENTICATE 3

#define NTLM_AUTH_HEADER_LEN 64 /* fixed fields through NegotiateFlags */
#define NTLM_AUTH_MIC_OFFSET 72 /* after the 8-byte Version */
#define NTLM_AUTH_MIC_END 88

/* A byte range inside a message being parsed (never owns memory). */
struct ntlm_bytes {
	const uint8_t *data;
	size_t len;
};

/* Returns the MessageType of MSG, or -EINVAL if it is not an NTLMSSP message. */
int ntlm_msg_type(const uint8_t *msg, size_t len);

struct ntlm_negotiate {
	uint32_t flags;
};
int ntlm_parse_negotiate(const uint8_t *msg, size_t len, struct ntlm_negotiate *out);

struct ntlm_challenge {
	uint32_t flags;
	uint8_t server_challenge[8];
	struct ntlm_bytes target_name;
	struct ntlm_bytes target_info;
};
int ntlm_parse_challenge(const uint8_t *msg, size_t len, struct ntlm_challenge *out);

struct ntlm_authenticate {
	uint32_t flags;
	struct ntlm_bytes lm_response;
	struct ntlm_bytes nt_response;
	struct ntlm_bytes domain;
	struct ntlm_bytes user;
	struct ntlm_bytes workstation;
	struct ntlm_bytes session_key;
};
int ntlm_parse_authenticate(const uint8_t *msg, size_t len, struct ntlm_authenticate *out);

/* AV pairs: finds ID in LIST (which must be well formed up to MsvAvEOL).
 * Returns 1 and *value if found, 0 if absent, -EINVAL if the list is malformed. */
int ntlm_av_find(const uint8_t *list, size_t len, uint16_t id, struct ntlm_bytes *value);
/* Checks LIST is a well-formed sequence ending in MsvAvEOL; returns its length
 * up to and including the EOL pair, or -EINVAL. */
int ntlm_av_validate(const uint8_t *list, size_t len);

/* Growing output buffer for building messages (talloc'd). */
struct ntlm_buf {
	uint8_t *data;
	size_t len;
	bool failed; /* allocation failed or too big: the message is unusable */
};
void ntlm_buf_init(struct ntlm_buf *b, TALLOC_CTX *mem_ctx);
void ntlm_buf_put(struct ntlm_buf *b, const void *data, size_t len);
void ntlm_buf_put_u16(struct ntlm_buf *b, uint16_t v);
void ntlm_buf_put_u32(struct ntlm_buf *b, uint32_t v);
void ntlm_buf_put_u64(struct ntlm_buf *b, uint64_t v);
void ntlm_buf_put_zero(struct ntlm_buf *b, size_t len);
void ntlm_av_put(struct ntlm_buf *b, uint16_t id, const void *value, size_t len);

/* Builds a message from its fixed header and payload fields: HEADER_LEN bytes
 * of header are in HDR (with zeroed (len, maxlen, offset) slots at FIELD_POS),
 * each field i is appended to the payload and its slot filled in. Returns the
 * message (talloc'd on MEM_CTX) or NULL. */
uint8_t *ntlm_build(TALLOC_CTX *mem_ctx, const uint8_t *hdr, size_t header_len,
		    const size_t *field_pos, const struct ntlm_bytes *fields, size_t n, size_t *len);

/* Little-endian helpers. */
static inline uint16_t ntlm_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t ntlm_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void ntlm_set_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void ntlm_set_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
