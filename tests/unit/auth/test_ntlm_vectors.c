/* MS-NLMP section 4.2 test vectors: the crypto helpers (4.2.2 NTLMv1, 4.2.3
 * NTLMv1 with extended session security, 4.2.4 NTLMv2), session security
 * (GSS_WrapEx examples), and our server accepting the 4.2.4.3
 * AUTHENTICATE_MESSAGE and unsealing the 4.2.4.4 message. */
#include "auth_test.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/ntlm.h"
#include "auth/ntlm_crypto.h"
#include "auth/ntlm_msg.h"
#include "auth/ntlm_session.h"
#include "auth/users_file.h"

/* 4.2.1 common values */
#define USER_U16 "5500730065007200"              /* "User" */
#define DOMAIN_U16 "44006f006d00610069006e00"    /* "Domain" */
#define SERVER_CHALLENGE "0123456789abcdef"
#define CLIENT_CHALLENGE "aaaaaaaaaaaaaaaa"
#define RANDOM_SESSION_KEY "55555555555555555555555555555555"
#define PLAINTEXT "50006c00610069006e007400650078007400" /* "Plaintext" UTF-16LE */

static TALLOC_CTX *vectors; /* holds what hx() decodes, freed at exit */

static const uint8_t *hx(const char *hex, size_t *len)
{
	return test_hex(vectors, hex, len);
}

/* GSS_WrapEx of "Plaintext" with sequence number 0: the client's sealed data
 * and signature, and the server's unsealing of them. */
static void check_wrap(uint32_t flags, const uint8_t key[16], const char *sealed, const char *sig_hex)
{
	struct ntlm_session *client = ntlm_session_new(NULL, flags, key, true);
	struct ntlm_session *server = ntlm_session_new(NULL, flags, key, false);
	assert_non_null(client);
	assert_non_null(server);
	size_t len;
	uint8_t *msg = test_hex(client, PLAINTEXT, &len);
	uint8_t sig[16];
	assert_int_equal(ntlm_session_seal(client, msg, len, msg, len, sig), 0);
	assert_hex_equal(msg, len, sealed);
	assert_hex_equal(sig, 16, sig_hex);
	assert_int_equal(ntlm_session_unseal(server, msg, len, msg, len, sig, 16), 0);
	assert_hex_equal(msg, len, PLAINTEXT);
	talloc_free(client);
	talloc_free(server);
}

static void test_nt_hash(void **unused)
{
	uint8_t h[16];
	assert_int_equal(ntlm_nt_hash("Password", h), 0);
	assert_hex_equal(h, 16, "a4f49c406510bdcab6824ee7c30fd852"); /* 4.2.2.1.2 NTOWFv1 */
	/* SessionBaseKey for NTLMv1 = MD4(NTOWFv1) (4.2.2.1.3) */
	uint8_t base[16];
	ntlm_md4(h, 16, base);
	assert_hex_equal(base, 16, "d87262b0cde4b1cb7499becccdf10784");
	/* invalid UTF-8 is refused, not hashed */
	assert_int_equal(ntlm_nt_hash("\xff", h), -EILSEQ);
}

static void test_ntlmv1_response(void **unused)
{
	uint8_t h[16], out[24];
	assert_int_equal(ntlm_nt_hash("Password", h), 0);
	ntlm_desl(h, hx(SERVER_CHALLENGE, NULL), out); /* 4.2.2.2.1 */
	assert_hex_equal(out, 24, "67c43011f30298a2ad35ece64f16331c44bdbed927841f94");
	/* 4.2.2.2.3: RC4K(KeyExchangeKey = SessionBaseKey, RandomSessionKey) */
	uint8_t base[16], key[16];
	ntlm_md4(h, 16, base);
	memcpy(key, hx(RANDOM_SESSION_KEY, NULL), 16);
	assert_int_equal(ntlm_rc4k(base, key, 16), 0);
	assert_hex_equal(key, 16, "518822b1b3f350c8958682ecbb3e3cb7");
}

static void test_ntlmv1_ess(void **unused)
{
	uint8_t h[16], out[24], base[16], kxk[16];
	uint8_t lm[24] = { 0 };
	memcpy(lm, hx(CLIENT_CHALLENGE, NULL), 8); /* 4.2.3.2.1: ClientChallenge || Z(16) */
	assert_int_equal(ntlm_nt_hash("Password", h), 0);
	assert_int_equal(ntlm_v1_ess_response(h, hx(SERVER_CHALLENGE, NULL), lm, out), 0);
	assert_hex_equal(out, 24, "7537f803ae367128ca458204bde7caf81e97ed2683267232"); /* 4.2.3.2.2 */
	ntlm_md4(h, 16, base);
	assert_int_equal(ntlm_v1_ess_kxkey(base, hx(SERVER_CHALLENGE, NULL), lm, kxk), 0);
	assert_hex_equal(kxk, 16, "eb93429a8bd952f8b89c55b87f475edc"); /* 4.2.3.1.3 */

	/* 4.2.3.4: 56-bit keys, no key exchange: ExportedSessionKey = KeyExchangeKey */
	uint8_t seal[16], sign[16];
	assert_int_equal(ntlm_sealkey(kxk, 56, true, seal), 0);
	assert_hex_equal(seal, 16, "04dd7f014d8504d265a25cc86a3a7c06");
	assert_int_equal(ntlm_signkey(kxk, true, sign), 0);
	assert_hex_equal(sign, 16, "60e799be5c72fc92922ae8ebe961fb8d");

	/* the 4.2.3 challenge flags */
	check_wrap(0x820a8233, kxk, "a02372f6530273f3aa1eb90190ce5200c99d",
		   "01000000ff2aeb52f681793a00000000");
}

static void test_ntlmv2(void **unused)
{
	uint8_t h[16], key[16], proof[16], base[16], lm[24];
	size_t ulen, dlen, tlen;
	const uint8_t *user = hx(USER_U16, &ulen), *domain = hx(DOMAIN_U16, &dlen);
	assert_int_equal(ntlm_nt_hash("Password", h), 0);
	assert_int_equal(ntlm_ntowfv2(h, user, ulen, domain, dlen, key), 0);
	assert_hex_equal(key, 16, "0c868a403bfd7a93a3001ef22ef02e3f"); /* 4.2.4.1.1 */

	/* 4.2.4.1.3 temp: 01 01 Z(6) Time ClientChallenge Z(4) AvPairs Z(4) */
	const uint8_t *temp = hx("0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000"
				 "02000c00" DOMAIN_U16 "01000c00530065007200760065007200 00000000"
				 "00000000",
				 &tlen);
	assert_int_equal(ntlm_v2_proof(key, hx(SERVER_CHALLENGE, NULL), temp, tlen, proof), 0);
	assert_hex_equal(proof, 16, "68cd0ab851e51c96aabc927bebef6a1c"); /* 4.2.4.2.2 */
	const struct ntlm_part part = { proof, 16 };
	assert_int_equal(ntlm_hmac_md5(key, 16, &part, 1, base), 0);
	assert_hex_equal(base, 16, "8de40ccadbc14a82f15cb0ad0de95ca3"); /* 4.2.4.1.2 */
	assert_int_equal(ntlm_lmv2_response(key, hx(SERVER_CHALLENGE, NULL),
					    hx(CLIENT_CHALLENGE, NULL), lm), 0);
	assert_hex_equal(lm, 24, "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"); /* 4.2.4.2.1 */

	/* 4.2.4.2.3: EncryptedRandomSessionKey = RC4K(KeyExchangeKey, RandomSessionKey) */
	uint8_t esk[16];
	memcpy(esk, hx(RANDOM_SESSION_KEY, NULL), 16);
	assert_int_equal(ntlm_rc4k(base, esk, 16), 0);
	assert_hex_equal(esk, 16, "c5dad2544fc9799094ce1ce90bc9d03e");

	/* The user name is upper-cased: "user" gives the same key. */
	uint8_t key2[16];
	const uint8_t *lower = hx("7500730065007200", &ulen);
	assert_int_equal(ntlm_ntowfv2(h, lower, ulen, domain, dlen, key2), 0);
	assert_memory_equal(key, key2, 16);
}

static void test_ntlmv2_wrap(void **unused)
{
	const uint8_t *esk = hx(RANDOM_SESSION_KEY, NULL);
	uint8_t seal[16], sign[16];
	assert_int_equal(ntlm_sealkey(esk, 128, true, seal), 0);
	assert_hex_equal(seal, 16, "59f600973cc4960a25480a7c196e4c58"); /* 4.2.4.4 */
	assert_int_equal(ntlm_signkey(esk, true, sign), 0);
	assert_hex_equal(sign, 16, "4788dc861b4782f35d43fd98fe1a2d39");

	/* the 4.2.4 challenge flags */
	check_wrap(0xe28a8233, esk, "54e50165bf1936dc996020c1811b0f06fb5f",
		   "010000007fb38ec5c55d497600000000");
}

/* The 4.2.4.3 AUTHENTICATE_MESSAGE, as sent by the spec's client. */
static const char spec_authenticate[] =
	"4e 54 4c 4d 53 53 50 00 03 00 00 00 18 00 18 00"
	"6c 00 00 00 54 00 54 00 84 00 00 00 0c 00 0c 00"
	"48 00 00 00 08 00 08 00 54 00 00 00 10 00 10 00"
	"5c 00 00 00 10 00 10 00 d8 00 00 00 35 82 88 e2"
	"05 01 28 0a 00 00 00 0f 44 00 6f 00 6d 00 61 00"
	"69 00 6e 00 55 00 73 00 65 00 72 00 43 00 4f 00"
	"4d 00 50 00 55 00 54 00 45 00 52 00 86 c3 50 97"
	"ac 9c ec 10 25 54 76 4a 57 cc cc 19 aa aa aa aa"
	"aa aa aa aa 68 cd 0a b8 51 e5 1c 96 aa bc 92 7b"
	"eb ef 6a 1c 01 01 00 00 00 00 00 00 00 00 00 00"
	"00 00 00 00 aa aa aa aa aa aa aa aa 00 00 00 00"
	"02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00"
	"01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00"
	"00 00 00 00 00 00 00 00 c5 da d2 54 4f c9 79 90"
	"94 ce 1c e9 0b c9 d0 3e";

static void test_server_accepts_spec_authenticate(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char dir[] = "/tmp/istmd-auth-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = talloc_asprintf(mem, "%s/users", dir);
	assert_int_equal(users_add(path, "user", true, "Password"), 0);
	struct auth_accounts *accounts = auth_accounts_open(mem, path);
	assert_non_null(accounts);

	struct auth_server_options opts = { .nb_computer_name = "Server", .nb_domain_name = "Domain" };
	struct ntlm_ctx *server = ntlm_server_new(mem, accounts, &opts);
	assert_non_null(server);
	ntlm_test_fix_randomness(server, hx(SERVER_CHALLENGE, NULL), hx(RANDOM_SESSION_KEY, NULL));

	/* A NEGOTIATE offering what the spec's client used. */
	uint8_t neg[32] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1 };
	ntlm_set_u32(neg + 12, 0xe2888235 | NTLMSSP_NEGOTIATE_TARGET_INFO);
	DATA_BLOB in = { neg, sizeof(neg) }, out;
	assert_int_equal(ntlm_update(server, mem, &in, &out), 1);
	struct ntlm_challenge ch;
	assert_int_equal(ntlm_parse_challenge(out.data, out.length, &ch), 0);
	assert_memory_equal(ch.server_challenge, hx(SERVER_CHALLENGE, NULL), 8);

	size_t len;
	in.data = test_hex(mem, spec_authenticate, &len);
	in.length = len;
	assert_int_equal(len, 0xe8);
	assert_int_equal(ntlm_update(server, mem, &in, &out), 0);
	assert_int_equal(out.length, 0);
	assert_string_equal(ntlm_user(server), "User");
	assert_string_equal(ntlm_domain(server), "Domain");
	assert_true(ntlm_is_admin(server));

	/* 4.2.4.4: the client's sealed message unseals with our keys. */
	uint8_t *msg = test_hex(mem, "54e50165bf1936dc996020c1811b0f06fb5f", &len);
	const uint8_t *sig = hx("010000007fb38ec5c55d497600000000", NULL);
	assert_int_equal(ntlm_session_unseal(ntlm_session(server), msg, len, msg, len, sig, 16), 0);
	assert_hex_equal(msg, len, PLAINTEXT);

	unlink(path);
	rmdir(dir);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nt_hash),
		cmocka_unit_test(test_ntlmv1_response),
		cmocka_unit_test(test_ntlmv1_ess),
		cmocka_unit_test(test_ntlmv2),
		cmocka_unit_test(test_ntlmv2_wrap),
		cmocka_unit_test(test_server_accepts_spec_authenticate),
	};
	vectors = talloc_new(NULL);
	int ret = cmocka_run_group_tests(tests, NULL, NULL);
	talloc_free(vectors);
	return ret;
}
