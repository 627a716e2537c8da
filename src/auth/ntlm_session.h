/* NTLM session security: signing and sealing with extended session security
 * (MS-NLMP 3.4.2-3.4.5), connection-oriented.
 *
 * Each direction has its own signing key, sealing key, RC4 handle and sequence
 * number. The sequence number starts at 0 and goes up by one per message in
 * that direction; RC4 handles run across messages (never rekeyed), and with
 * NTLMSSP_NEGOTIATE_KEY_EXCH the 8-byte checksum is also passed through the
 * direction's RC4 handle, after the data when sealing. A check that fails
 * leaves the session broken (every later call fails): the peer's RC4 stream
 * and ours have diverged, and a forged message must not be retried. */
#ifndef ISTMD_AUTH_NTLM_SESSION_H
#define ISTMD_AUTH_NTLM_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

#define NTLM_SIG_SIZE 16

struct ntlm_session;

/* FLAGS are the negotiated flags (NTLMSSP_NEGOTIATE_*); extended session
 * security must be among them. IS_CLIENT picks which keys send and receive. */
struct ntlm_session *ntlm_session_new(TALLOC_CTX *mem_ctx, uint32_t flags,
				      const uint8_t exported_session_key[16], bool is_client);

bool ntlm_session_can_sign(const struct ntlm_session *s);
bool ntlm_session_can_seal(const struct ntlm_session *s);

/* Re-initialises both RC4 handles from the sealing keys, keeping sequence
 * numbers: SPNEGO's mechListMIC and the first application message use the same
 * RC4 key state (MS-SPNG 3.2.5.1, 3.3.5.1). */
int ntlm_session_reset_rc4(struct ntlm_session *s);

/* Signature over PDU (GSS_GetMICEx). 0, -ENOTSUP (signing not negotiated),
 * -EPROTO (session broken), -EIO. */
int ntlm_session_sign(struct ntlm_session *s, const uint8_t *pdu, size_t pdu_len,
		      uint8_t sig[NTLM_SIG_SIZE]);
/* 0, or -EBADMSG (wrong signature or size; the session is then broken). */
int ntlm_session_check(struct ntlm_session *s, const uint8_t *pdu, size_t pdu_len,
		       const uint8_t *sig, size_t sig_len);
/* Encrypts DATA in place and signs PDU as it was before encryption; DATA
 * usually lies within PDU (DCE/RPC: the stub inside the whole PDU). */
int ntlm_session_seal(struct ntlm_session *s, uint8_t *data, size_t data_len, const uint8_t *pdu,
		      size_t pdu_len, uint8_t sig[NTLM_SIG_SIZE]);
/* Decrypts DATA in place, then checks the signature over PDU (now plaintext). */
int ntlm_session_unseal(struct ntlm_session *s, uint8_t *data, size_t data_len,
			const uint8_t *pdu, size_t pdu_len, const uint8_t *sig, size_t sig_len);

#endif
