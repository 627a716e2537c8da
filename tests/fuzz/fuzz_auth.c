/* The server side of the security layer (src/auth): a sequence of tokens
 * (fuzz_util.h) fed to a fresh server context, as the legs of a bind,
 * alter_context or auth3 would. Built twice: fuzz_ntlm (NTLMSSP; each token
 * also goes through the NTLM message parsers directly) and fuzz_spnego
 * (SPNEGO around NTLMSSP). The server challenge and session key are MS-NLMP
 * 4.2's, and the account its "User"/"Password", so that the spec's
 * AUTHENTICATE messages (the seeds) verify and mutations of them reach the
 * session key, MIC and mechListMIC checks. Then what remains of the input is
 * a signature for the session's check and unseal, as requests would bring. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/ntlm.h"
#include "auth/ntlm_msg.h"
#include "auth/spnego.h"
#include "auth/users_file.h"
#include "fuzz_util.h"
#include "istmd/log.h"

#ifndef FUZZ_AUTH_TYPE
#error FUZZ_AUTH_TYPE must be AUTH_TYPE_NTLMSSP or AUTH_TYPE_SPNEGO
#endif

static char path[4096];
static struct auth_accounts *accounts;
static struct auth_server_options options;

static void remove_file(void)
{
	unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* FUZZ_DEBUG=1: the layer's log, to see how far a seed gets */
	log_set_level(getenv("FUZZ_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(path, sizeof(path), "%s/fuzz-auth-users.%ld", tmp, (long)getpid());
	unlink(path);
	/* the MS-NLMP 4.2 vectors' account, so that their messages name a known user */
	if (users_add(path, "User", true, "Password") != 0)
		abort();
	atexit(remove_file);
	accounts = auth_accounts_open(NULL, path);
	if (accounts == NULL)
		abort();
	/* MS-NLMP 4.2.4's names (its NTLMv2 response carries them) */
	options.nb_computer_name = "Server";
	options.nb_domain_name = "Domain";
	/* an admin may allow NTLMv1 (4.2.2, 4.2.3): its code is reachable too */
	options.allow_ntlmv1 = true;
	return 0;
}

static void parse_ntlm(const uint8_t *tok, size_t len)
{
	struct ntlm_negotiate neg;
	struct ntlm_challenge chal;
	struct ntlm_authenticate auth;
	struct ntlm_bytes v;
	(void)ntlm_msg_type(tok, len);
	(void)ntlm_parse_negotiate(tok, len, &neg);
	if (ntlm_parse_challenge(tok, len, &chal) == 0 &&
	    ntlm_av_validate(chal.target_info.data, chal.target_info.len) >= 0)
		(void)ntlm_av_find(chal.target_info.data, chal.target_info.len, 7, &v);
	(void)ntlm_parse_authenticate(tok, len, &auth);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* MS-NLMP 4.2.1 */
	static const uint8_t challenge[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	static const uint8_t session_key[16] = { 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
						 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 };
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ntlm_ctx *ntlm = ntlm_server_new(mem, accounts, &options);
	if (ntlm == NULL)
		abort();
	ntlm_test_fix_randomness(ntlm, challenge, session_key);
	struct spnego_ctx *spnego = NULL;
	if (FUZZ_AUTH_TYPE == AUTH_TYPE_SPNEGO && (spnego = spnego_server_new(mem, ntlm)) == NULL)
		abort();
	struct fuzz_in in = { data, size };
	const uint8_t *tok;
	size_t len;
	int rc = 1;
	while (fuzz_next_token(&in, &tok, &len)) {
		if (FUZZ_AUTH_TYPE == AUTH_TYPE_NTLMSSP)
			parse_ntlm(tok, len);
		if (rc != 1)
			continue; /* the rest: only the parsers */
		DATA_BLOB tin = data_blob_const(tok, len), tout;
		rc = spnego ? spnego_update(spnego, mem, &tin, &tout) : ntlm_update(ntlm, mem, &tin, &tout);
	}
	struct ntlm_session *s = ntlm_is_complete(ntlm) ? ntlm_session(ntlm) : NULL;
	if (s != NULL) {
		/* whatever remains: a stub and a signature for the packet functions */
		(void)ntlm_user(ntlm);
		uint8_t stub[64] = { 0 };
		size_t n = in.left < sizeof(stub) ? in.left : sizeof(stub);
		memcpy(stub, in.p, n);
		(void)ntlm_session_check(s, stub, sizeof(stub), in.p, in.left);
		(void)ntlm_session_unseal(s, stub, 16, stub, sizeof(stub), in.p, in.left);
	}
	talloc_free(mem);
	return 0;
}
