/* Samba's client library as the tests' second independent client (it
 * verifies the server's signatures and seals): NTLMv2, no Kerberos, one
 * account with an empty domain, workstation TESTCLIENT. */
#ifndef ISTMD_TEST_SAMBA_CLI_H
#define ISTMD_TEST_SAMBA_CLI_H

#include <talloc.h>
#include <tevent.h>
#include <credentials.h>
#include <dcerpc.h>
#include <param.h>

struct samba_cli {
	TALLOC_CTX *mem;
	struct tevent_context *ev;
	struct loadparm_context *lp;
	struct cli_credentials *creds;
	const char *address;
	const char *options; /* binding options: "seal,ntlm", "sign,spnego", ... */
};

/* Sets C up on MEM for USER and PASSWORD against ADDRESS. The status of
 * dcerpc_init(). */
NTSTATUS samba_cli_init(struct samba_cli *c, TALLOC_CTX *mem, const char *address,
			const char *options, const char *user, const char *password);
/* A pipe to "ncacn_ip_tcp:ADDRESS[PORT,OPTIONS]" bound to TABLE; *BINDING
 * (may be NULL) gets that string. */
NTSTATUS samba_cli_connect(struct samba_cli *c, unsigned port,
			   const struct ndr_interface_table *table, struct dcerpc_pipe **p,
			   const char **binding);

#endif
