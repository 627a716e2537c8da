#include "auth/ntlm_crypto.h"

#include <errno.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <nettle/des.h>
#include <nettle/md4.h>
#include <nettle/memops.h>
#include <talloc.h>

#include "auth/ntlm_msg.h"
#include "istmd/utf16.h"

void ntlm_md4(const void *data, size_t len, uint8_t out[16])
{
	struct md4_ctx ctx;
	md4_init(&ctx);
	md4_update(&ctx, len, data);
	md4_digest(&ctx, MD4_DIGEST_SIZE, out);
	explicit_bzero(&ctx, sizeof(ctx));
}

int ntlm_md5(const struct ntlm_part *parts, size_t n, uint8_t out[16])
{
	gnutls_hash_hd_t hd;
	if (gnutls_hash_init(&hd, GNUTLS_DIG_MD5) < 0)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		if (parts[i].len > 0 && gnutls_hash(hd, parts[i].data, parts[i].len) < 0) {
			gnutls_hash_deinit(hd, NULL);
			return -EIO;
		}
	}
	gnutls_hash_deinit(hd, out);
	return 0;
}

int ntlm_hmac_md5(const uint8_t *key, size_t key_len, const struct ntlm_part *parts, size_t n,
		  uint8_t out[16])
{
	gnutls_hmac_hd_t hd;
	if (gnutls_hmac_init(&hd, GNUTLS_MAC_MD5, key, key_len) < 0)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		if (parts[i].len > 0 && gnutls_hmac(hd, parts[i].data, parts[i].len) < 0) {
			gnutls_hmac_deinit(hd, NULL);
			return -EIO;
		}
	}
	gnutls_hmac_deinit(hd, out);
	return 0;
}

int ntlm_rc4_init(gnutls_cipher_hd_t *hd, const uint8_t key[16])
{
	gnutls_datum_t k = { .data = (unsigned char *)key, .size = 16 };
	return gnutls_cipher_init(hd, GNUTLS_CIPHER_ARCFOUR_128, &k, NULL) < 0 ? -EIO : 0;
}

int ntlm_rc4(gnutls_cipher_hd_t hd, uint8_t *data, size_t len)
{
	if (len == 0)
		return 0;
	return gnutls_cipher_encrypt(hd, data, len) < 0 ? -EIO : 0;
}

int ntlm_rc4k(const uint8_t key[16], uint8_t *data, size_t len)
{
	gnutls_cipher_hd_t hd;
	int ret = ntlm_rc4_init(&hd, key);
	if (ret < 0)
		return ret;
	ret = ntlm_rc4(hd, data, len);
	gnutls_cipher_deinit(hd);
	return ret;
}

uint8_t *ntlm_utf16le(void *mem_ctx, const char *s, size_t *len)
{
	size_t units;
	uint16_t *u = utf8_to_utf16(mem_ctx, s, &units);
	if (u == NULL)
		return NULL;
	/* In place: host-order units to little-endian bytes. */
	uint8_t *b = (uint8_t *)u;
	for (size_t i = 0; i < units; i++) {
		uint16_t v = u[i];
		b[2 * i] = (uint8_t)(v & 0xff);
		b[2 * i + 1] = (uint8_t)(v >> 8);
	}
	*len = units * 2;
	return b;
}

char *ntlm_utf8(void *mem_ctx, const uint8_t *s, size_t len)
{
	if (len % 2)
		return NULL;
	uint16_t *u = talloc_array(mem_ctx, uint16_t, len / 2 + 1);
	if (u == NULL)
		return NULL;
	for (size_t i = 0; i < len / 2; i++) {
		u[i] = ntlm_get_u16(s + 2 * i);
		if (u[i] == 0) {
			talloc_free(u);
			return NULL;
		}
	}
	char *out = utf16_to_utf8(mem_ctx, u, len / 2);
	talloc_free(u);
	return out;
}

int ntlm_nt_hash(const char *password, uint8_t out[16])
{
	size_t len;
	uint8_t *u = ntlm_utf16le(NULL, password, &len);
	if (u == NULL)
		return errno == EILSEQ ? -EILSEQ : -ENOMEM;
	ntlm_md4(u, len, out);
	explicit_bzero(u, len);
	talloc_free(u);
	return 0;
}

int ntlm_ntowfv2(const uint8_t nt_hash[16], const uint8_t *user, size_t user_len,
		 const uint8_t *domain, size_t domain_len, uint8_t out[16])
{
	uint8_t *upper = talloc_memdup(NULL, user, user_len > 0 ? user_len : 1);
	if (upper == NULL)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < user_len; i += 2) {
		if (upper[i + 1] == 0 && upper[i] >= 'a' && upper[i] <= 'z')
			upper[i] = (uint8_t)(upper[i] - 'a' + 'A');
	}
	const struct ntlm_part parts[] = { { upper, user_len }, { domain, domain_len } };
	int ret = ntlm_hmac_md5(nt_hash, 16, parts, 2, out);
	talloc_free(upper);
	return ret;
}

int ntlm_v2_proof(const uint8_t key[16], const uint8_t server_challenge[8], const uint8_t *temp,
		  size_t temp_len, uint8_t proof[16])
{
	const struct ntlm_part parts[] = { { server_challenge, 8 }, { temp, temp_len } };
	return ntlm_hmac_md5(key, 16, parts, 2, proof);
}

int ntlm_lmv2_response(const uint8_t key[16], const uint8_t server_challenge[8],
		       const uint8_t client_challenge[8], uint8_t out[24])
{
	const struct ntlm_part parts[] = { { server_challenge, 8 }, { client_challenge, 8 } };
	int ret = ntlm_hmac_md5(key, 16, parts, 2, out);
	if (ret == 0)
		memcpy(out + 16, client_challenge, 8);
	return ret;
}

/* DES(K, D) with a 7-byte key (MS-NLMP 6): spread 56 bits over 8 bytes, parity in bit 0. */
static void des_7(const uint8_t k[7], const uint8_t data[8], uint8_t out[8])
{
	uint8_t key[8];
	key[0] = k[0];
	key[1] = (uint8_t)(k[0] << 7 | k[1] >> 1);
	key[2] = (uint8_t)(k[1] << 6 | k[2] >> 2);
	key[3] = (uint8_t)(k[2] << 5 | k[3] >> 3);
	key[4] = (uint8_t)(k[3] << 4 | k[4] >> 4);
	key[5] = (uint8_t)(k[4] << 3 | k[5] >> 5);
	key[6] = (uint8_t)(k[5] << 2 | k[6] >> 6);
	key[7] = (uint8_t)(k[6] << 1);
	des_fix_parity(8, key, key);
	struct des_ctx ctx;
	des_set_key(&ctx, key); /* weak keys are possible and harmless here */
	des_encrypt(&ctx, 8, out, data);
	explicit_bzero(&ctx, sizeof(ctx));
	explicit_bzero(key, sizeof(key));
}

void ntlm_desl(const uint8_t key[16], const uint8_t data[8], uint8_t out[24])
{
	uint8_t last[7] = { key[14], key[15], 0, 0, 0, 0, 0 };
	des_7(key, data, out);
	des_7(key + 7, data, out + 8);
	des_7(last, data, out + 16);
	explicit_bzero(last, sizeof(last));
}

int ntlm_v1_ess_response(const uint8_t nt_hash[16], const uint8_t server_challenge[8],
			 const uint8_t client_challenge[8], uint8_t out[24])
{
	uint8_t digest[16];
	const struct ntlm_part parts[] = { { server_challenge, 8 }, { client_challenge, 8 } };
	int ret = ntlm_md5(parts, 2, digest);
	if (ret == 0)
		ntlm_desl(nt_hash, digest, out);
	return ret;
}

int ntlm_v1_ess_kxkey(const uint8_t session_base_key[16], const uint8_t server_challenge[8],
		      const uint8_t lm_response[8], uint8_t out[16])
{
	const struct ntlm_part parts[] = { { server_challenge, 8 }, { lm_response, 8 } };
	return ntlm_hmac_md5(session_base_key, 16, parts, 2, out);
}

/* The magic constants include their terminating NUL (MS-NLMP 3.4.5.2). */
static const char cli_sign[] = "session key to client-to-server signing key magic constant";
static const char srv_sign[] = "session key to server-to-client signing key magic constant";
static const char cli_seal[] = "session key to client-to-server sealing key magic constant";
static const char srv_seal[] = "session key to server-to-client sealing key magic constant";

int ntlm_signkey(const uint8_t exported_session_key[16], bool client_to_server, uint8_t out[16])
{
	const char *magic = client_to_server ? cli_sign : srv_sign;
	const struct ntlm_part parts[] = { { exported_session_key, 16 }, { magic, sizeof(cli_sign) } };
	return ntlm_md5(parts, 2, out);
}

int ntlm_sealkey(const uint8_t exported_session_key[16], unsigned key_bits, bool client_to_server,
		 uint8_t out[16])
{
	size_t key_len = key_bits >= 128 ? 16 : key_bits >= 56 ? 7 : 5;
	const char *magic = client_to_server ? cli_seal : srv_seal;
	const struct ntlm_part parts[] = { { exported_session_key, key_len },
					   { magic, sizeof(cli_seal) } };
	return ntlm_md5(parts, 2, out);
}

bool ntlm_equal(const void *a, const void *b, size_t len)
{
	return memeql_sec(a, b, len) != 0;
}
