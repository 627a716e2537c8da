/* NTLM cryptographic building blocks (MS-NLMP 3.3, 3.4.5, 6).
 *
 * GnuTLS provides MD5, HMAC-MD5 and RC4; nettle provides MD4 and DES (DES is
 * only used by the NTLMv1 response, refused unless allow_ntlmv1 is set).
 * Functions that can fail return 0 or -EIO (GnuTLS refused an algorithm,
 * e.g. in FIPS mode) / -ENOMEM / -EILSEQ. Callers zero what they derive. */
#ifndef ISTMD_AUTH_NTLM_CRYPTO_H
#define ISTMD_AUTH_NTLM_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/crypto.h>

#define NTLM_HASH_LEN 16
#define NTLM_CHALLENGE_LEN 8

/* One piece of a message to hash: HMAC/MD5 inputs are concatenations. */
struct ntlm_part {
	const void *data;
	size_t len;
};

void ntlm_md4(const void *data, size_t len, uint8_t out[16]);
int ntlm_md5(const struct ntlm_part *parts, size_t n, uint8_t out[16]);
int ntlm_hmac_md5(const uint8_t *key, size_t key_len, const struct ntlm_part *parts, size_t n,
		  uint8_t out[16]);

/* RC4K(key, data): a one-time RC4 over DATA in place (MS-NLMP 6). */
int ntlm_rc4k(const uint8_t key[16], uint8_t *data, size_t len);
/* A running RC4 handle (RC4Init / RC4(handle, data)). */
int ntlm_rc4_init(gnutls_cipher_hd_t *hd, const uint8_t key[16]);
int ntlm_rc4(gnutls_cipher_hd_t hd, uint8_t *data, size_t len);

/* NT hash = MD4(UTF-16LE(password)), the NTOWFv1 and what the users file stores.
 * PASSWORD is UTF-8; -EILSEQ if it is not valid UTF-8. */
int ntlm_nt_hash(const char *password, uint8_t out[16]);

/* UTF-8 to UTF-16LE bytes (talloc'd on MEM_CTX); NULL with errno on failure. */
uint8_t *ntlm_utf16le(void *mem_ctx, const char *s, size_t *len);
/* UTF-16LE bytes from the wire to UTF-8; NULL if LEN is odd, the text holds a
 * NUL or is not valid UTF-16. */
char *ntlm_utf8(void *mem_ctx, const uint8_t *s, size_t len);

/* NTOWFv2 = HMAC_MD5(nt_hash, UTF-16LE(Uppercase(User) || UserDom)); USER and
 * DOMAIN are UTF-16LE bytes as on the wire (the user is upper-cased here; only
 * ASCII letters change, which is all our account names may contain). */
int ntlm_ntowfv2(const uint8_t nt_hash[16], const uint8_t *user, size_t user_len,
		 const uint8_t *domain, size_t domain_len, uint8_t out[16]);
/* NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge || temp) (MS-NLMP 3.3.2). */
int ntlm_v2_proof(const uint8_t key[16], const uint8_t server_challenge[8], const uint8_t *temp,
		  size_t temp_len, uint8_t proof[16]);
/* LMv2 response: HMAC_MD5(key, SC || CC) || CC, 24 bytes. */
int ntlm_lmv2_response(const uint8_t key[16], const uint8_t server_challenge[8],
		       const uint8_t client_challenge[8], uint8_t out[24]);

/* NTLMv1 (MS-NLMP 3.3.1), only with allow_ntlmv1. */
void ntlm_desl(const uint8_t key[16], const uint8_t data[8], uint8_t out[24]);
/* With extended session security: DESL(nt_hash, MD5(SC || CC)[0..7]). */
int ntlm_v1_ess_response(const uint8_t nt_hash[16], const uint8_t server_challenge[8],
			 const uint8_t client_challenge[8], uint8_t out[24]);
/* KXKEY for NTLMv1 with ESS: HMAC_MD5(SessionBaseKey, SC || LmChallengeResponse[0..7]). */
int ntlm_v1_ess_kxkey(const uint8_t session_base_key[16], const uint8_t server_challenge[8],
		      const uint8_t lm_response[8], uint8_t out[16]);

/* SIGNKEY and SEALKEY with extended session security (MS-NLMP 3.4.5.2/3).
 * KEY_BITS is 128, 56 or 40 (NTLMSSP_NEGOTIATE_128 / _56 / neither). */
int ntlm_signkey(const uint8_t exported_session_key[16], bool client_to_server, uint8_t out[16]);
int ntlm_sealkey(const uint8_t exported_session_key[16], unsigned key_bits, bool client_to_server,
		 uint8_t out[16]);

/* Constant-time comparison. */
bool ntlm_equal(const void *a, const void *b, size_t len);

#endif
