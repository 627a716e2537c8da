/* The server side of the security layer (src/auth): a sequence of tokens
 * (fuzz_util.h) fed to a fresh server context, as the legs of a bind,
 * alter_context or auth3 would. Built twice: fuzz_ntlm (NTLMSSP, auth type
 * 10; each token also goes through the NTLM message parsers directly) and
 * fuzz_spnego (SPNEGO, auth type 9). Then, if the context completed or not,
 * the packet functions get a signature to check, as requests would. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/ntlm_msg.h"
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
	log_set_level(LOG_LVL_ERR);
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
	options.nb_computer_name = "SERVER";
	options.nb_domain_name = "DOMAIN";
	options.dns_computer_name = "server.domain.test";
	options.dns_domain_name = "domain.test";
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
	TALLOC_CTX *mem = talloc_new(NULL);
	struct auth_ctx *ctx = auth_server_new(mem, accounts, &options, FUZZ_AUTH_TYPE);
	struct fuzz_in in = { data, size };
	const uint8_t *tok;
	size_t len;
	int rc = 1;
	while (ctx != NULL && fuzz_next_token(&in, &tok, &len)) {
		if (FUZZ_AUTH_TYPE == AUTH_TYPE_NTLMSSP)
			parse_ntlm(tok, len);
		if (rc != 1)
			continue; /* the rest: only the parsers */
		DATA_BLOB tin = data_blob_const(tok, len), tout;
		rc = auth_update(ctx, mem, &tin, &tout);
	}
	if (ctx != NULL) {
		/* whatever remains: a stub and a signature for the packet functions */
		uint8_t stub[64] = { 0 };
		size_t n = in.left < sizeof(stub) ? in.left : sizeof(stub);
		memcpy(stub, in.p, n);
		DATA_BLOB sig = data_blob_const(in.p, in.left);
		(void)auth_check(ctx, stub, sizeof(stub), NULL, 0, &sig);
		(void)auth_unseal(ctx, stub, sizeof(stub), NULL, 0, &sig);
		if (auth_is_complete(ctx))
			(void)auth_user(ctx);
	}
	talloc_free(mem);
	return 0;
}
