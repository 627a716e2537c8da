#include "auth/ntlm_session.h"

#include <errno.h>
#include <string.h>

#include <nettle/arcfour.h>
#include <nettle/hmac.h>

#include "auth/ntlm_crypto.h"
#include "auth/ntlm_msg.h"

/* Per direction, the keyed states are made once per session, not once per
 * PDU: HMAC-MD5 keyed with the signing key (its inner and outer pads
 * hashed) and the RC4 stream. Nettle's primitives (GnuTLS's own backend),
 * called directly: a sealed call was spending more in GnuTLS's per-call
 * handle set-up (an allocation and a key schedule per HMAC) than in MD5.
 * The algorithms and keys are MS-NLMP's, unchanged. */
struct ntlm_direction {
	uint8_t sign_key[16];
	uint8_t seal_key[16];
	struct hmac_md5_ctx hmac; /* keyed with sign_key; reset by each digest */
	struct arcfour_ctx rc4;
	uint32_t seq;
};

struct ntlm_session {
	uint32_t flags;
	struct ntlm_direction send, recv;
	bool broken;
};

static void direction_wipe(struct ntlm_direction *d)
{
	explicit_bzero(d, sizeof(*d)); /* keys, HMAC pads and RC4 state */
}

static int session_destructor(struct ntlm_session *s)
{
	direction_wipe(&s->send);
	direction_wipe(&s->recv);
	return 0;
}

static int direction_rc4_init(struct ntlm_direction *d)
{
	arcfour_set_key(&d->rc4, 16, d->seal_key);
	return 0;
}

static unsigned key_bits(uint32_t flags)
{
	return (flags & NTLMSSP_NEGOTIATE_128) ? 128 : (flags & NTLMSSP_NEGOTIATE_56) ? 56 : 40;
}

struct ntlm_session *ntlm_session_new(TALLOC_CTX *mem_ctx, uint32_t flags,
				      const uint8_t exported_session_key[16], bool is_client)
{
	if (!(flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY))
		return NULL; /* only ESS session security is implemented (docs/auth.md) */
	struct ntlm_session *s = talloc_zero(mem_ctx, struct ntlm_session);
	if (s == NULL)
		return NULL;
	talloc_set_destructor(s, session_destructor);
	s->flags = flags;
	unsigned bits = key_bits(flags);
	/* The client sends with the client-to-server keys. */
	if (ntlm_signkey(exported_session_key, is_client, s->send.sign_key) < 0 ||
	    ntlm_signkey(exported_session_key, !is_client, s->recv.sign_key) < 0 ||
	    ntlm_sealkey(exported_session_key, bits, is_client, s->send.seal_key) < 0 ||
	    ntlm_sealkey(exported_session_key, bits, !is_client, s->recv.seal_key) < 0 ||
	    direction_rc4_init(&s->send) < 0 || direction_rc4_init(&s->recv) < 0) {
		talloc_free(s);
		return NULL;
	}
	hmac_md5_set_key(&s->send.hmac, 16, s->send.sign_key);
	hmac_md5_set_key(&s->recv.hmac, 16, s->recv.sign_key);
	return s;
}

bool ntlm_session_can_sign(const struct ntlm_session *s)
{
	return (s->flags & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL)) != 0;
}

bool ntlm_session_can_seal(const struct ntlm_session *s)
{
	return (s->flags & NTLMSSP_NEGOTIATE_SEAL) != 0;
}

int ntlm_session_reset_rc4(struct ntlm_session *s)
{
	if (s->broken)
		return -EPROTO;
	int ret = direction_rc4_init(&s->send);
	if (ret == 0)
		ret = direction_rc4_init(&s->recv);
	if (ret < 0)
		s->broken = true;
	return ret;
}

/* MAC() with extended session security (MS-NLMP 3.4.4.2): HMAC_MD5 over
 * SeqNum || Message, truncated to 8 bytes, RC4'd through the direction's
 * handle when a key was exchanged. When sealing (MS-NLMP 3.4.3) the HMAC covers
 * the plaintext, and SEAL_DATA is encrypted through the same handle after the
 * HMAC and before the checksum. Advances the sequence number. */
static int make_mac(struct ntlm_session *s, struct ntlm_direction *d, const uint8_t *pdu,
		    size_t pdu_len, uint8_t *seal_data, size_t seal_len, uint8_t sig[NTLM_SIG_SIZE])
{
	uint8_t seq[4], digest[16];
	ntlm_set_u32(seq, d->seq);
	hmac_md5_update(&d->hmac, 4, seq);
	hmac_md5_update(&d->hmac, pdu_len, pdu);
	hmac_md5_digest(&d->hmac, 16, digest); /* and back to the keyed state */
	ntlm_set_u32(sig, 1);
	memcpy(sig + 4, digest, 8);
	memcpy(sig + 12, seq, 4);
	explicit_bzero(digest, sizeof(digest));
	if (seal_data != NULL && seal_len > 0)
		arcfour_crypt(&d->rc4, seal_len, seal_data, seal_data);
	if (s->flags & NTLMSSP_NEGOTIATE_KEY_EXCH)
		arcfour_crypt(&d->rc4, 8, sig + 4, sig + 4);
	if (d->seq == UINT32_MAX)
		return -EOVERFLOW; /* never reuse a sequence number */
	d->seq++;
	return 0;
}

static int usable(struct ntlm_session *s, bool seal)
{
	if (s->broken)
		return -EPROTO;
	if (seal ? !ntlm_session_can_seal(s) : !ntlm_session_can_sign(s))
		return -ENOTSUP;
	return 0;
}

static int fail(struct ntlm_session *s, int ret)
{
	if (ret < 0)
		s->broken = true;
	return ret;
}

int ntlm_session_sign(struct ntlm_session *s, const uint8_t *pdu, size_t pdu_len,
		      uint8_t sig[NTLM_SIG_SIZE])
{
	int ret = usable(s, false);
	if (ret < 0)
		return ret;
	return fail(s, make_mac(s, &s->send, pdu, pdu_len, NULL, 0, sig));
}

static int verify(struct ntlm_session *s, const uint8_t *pdu, size_t pdu_len, const uint8_t *sig,
		  size_t sig_len)
{
	uint8_t expected[NTLM_SIG_SIZE];
	if (sig == NULL || sig_len != NTLM_SIG_SIZE)
		return fail(s, -EBADMSG);
	int ret = make_mac(s, &s->recv, pdu, pdu_len, NULL, 0, expected);
	if (ret < 0)
		return fail(s, ret);
	bool ok = ntlm_equal(expected, sig, NTLM_SIG_SIZE);
	explicit_bzero(expected, sizeof(expected));
	return ok ? 0 : fail(s, -EBADMSG);
}

int ntlm_session_check(struct ntlm_session *s, const uint8_t *pdu, size_t pdu_len,
		       const uint8_t *sig, size_t sig_len)
{
	int ret = usable(s, false);
	if (ret < 0)
		return ret;
	return verify(s, pdu, pdu_len, sig, sig_len);
}

int ntlm_session_seal(struct ntlm_session *s, uint8_t *data, size_t data_len, const uint8_t *pdu,
		      size_t pdu_len, uint8_t sig[NTLM_SIG_SIZE])
{
	int ret = usable(s, true);
	if (ret < 0)
		return ret;
	return fail(s, make_mac(s, &s->send, pdu, pdu_len, data, data_len, sig));
}

int ntlm_session_unseal(struct ntlm_session *s, uint8_t *data, size_t data_len,
			const uint8_t *pdu, size_t pdu_len, const uint8_t *sig, size_t sig_len)
{
	int ret = usable(s, true);
	if (ret < 0)
		return ret;
	if (sig == NULL || sig_len != NTLM_SIG_SIZE)
		return fail(s, -EBADMSG);
	if (data_len > 0)
		arcfour_crypt(&s->recv.rc4, data_len, data, data);
	return verify(s, pdu, pdu_len, sig, sig_len);
}
