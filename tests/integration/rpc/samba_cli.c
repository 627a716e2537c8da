#include "samba_cli.h"

NTSTATUS samba_cli_init(struct samba_cli *c, TALLOC_CTX *mem, const char *address,
			const char *options, const char *user, const char *password)
{
	c->mem = mem;
	c->ev = tevent_context_init(mem);
	c->address = address;
	c->options = options;
	NTSTATUS status = dcerpc_init();
	if (!NT_STATUS_IS_OK(status))
		return status;
	c->lp = loadparm_init_global(false);
	lpcfg_set_cmdline(c->lp, "client ntlmv2 auth", "yes");
	c->creds = cli_credentials_init(mem);
	cli_credentials_set_conf(c->creds, c->lp);
	cli_credentials_set_username(c->creds, user, CRED_SPECIFIED);
	cli_credentials_set_password(c->creds, password, CRED_SPECIFIED);
	cli_credentials_set_domain(c->creds, "", CRED_SPECIFIED);
	cli_credentials_set_workstation(c->creds, "TESTCLIENT", CRED_SPECIFIED);
	cli_credentials_set_kerberos_state(c->creds, CRED_USE_KERBEROS_DISABLED, CRED_SPECIFIED);
	return NT_STATUS_OK;
}

NTSTATUS samba_cli_connect(struct samba_cli *c, unsigned port,
			   const struct ndr_interface_table *table, struct dcerpc_pipe **p,
			   const char **binding)
{
	char *text = talloc_asprintf(c->mem, "ncacn_ip_tcp:%s[%u,%s]", c->address, port, c->options);
	if (binding != NULL)
		*binding = text;
	struct dcerpc_binding *b;
	NTSTATUS status = dcerpc_parse_binding(c->mem, text, &b);
	if (!NT_STATUS_IS_OK(status))
		return status;
	*p = NULL;
	return dcerpc_pipe_connect_b(c->mem, p, b, table, c->creds, c->ev, c->lp);
}
