#include "ctl/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndr.h>

#include "auth/auth.h"
#include "ctl/options.h"
#include "ctl/password.h"
#include "dcom/client.h"
#include "istmd/hresult.h"
#include "ndr/idl_interface.h"

#define ISTMD_DEFAULT_PORT 135

void ctl_report(const char *who, const char *what, int rc, uint32_t fault, uint32_t hresult)
{
	char buf[64];
	if (rc == -EREMOTEIO)
		fprintf(stderr, "%s: %s: the server answered with fault 0x%08x\n", who, what,
			(unsigned)fault);
	else if (rc == -EACCES)
		fprintf(stderr, "%s: %s: access denied (wrong user name or password?)\n", who,
			what);
	else if (rc != 0)
		fprintf(stderr, "%s: %s: %s\n", who, what, strerror(-rc));
	else
		fprintf(stderr, "%s: %s: %s\n", who, what,
			hresult == E_ACCESSDENIED ?
				"access denied (E_ACCESSDENIED): the account must be an istmd admin" :
				hresult_name(hresult, buf, sizeof(buf)));
}

int ctl_session_open(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		     const struct ctl_options *options, const char *who,
		     struct dcom_client **client)
{
	if (options->server == NULL || options->user == NULL) {
		fprintf(stderr, "%s: --server and --user are required\n", who);
		return 2;
	}
	char *host;
	uint16_t port;
	if (ctl_parse_server(options->server, ISTMD_DEFAULT_PORT, &host, &port) != 0) {
		fprintf(stderr, "%s: --server %s: expected HOST[:PORT]\n", who, options->server);
		return 2;
	}
	char *password = options->password_file ?
				 ctl_read_password_file(options->password_file, who) :
				 ctl_read_password(stdin, who);
	if (password == NULL) {
		free(host);
		return 1;
	}
	struct dcom_client_options o = {
		.host = host,
		.port = port,
		.auth = { .auth_type = options->auth_type,
			  .auth_level = options->auth_level,
			  .user = options->user,
			  .domain = options->domain ? options->domain : "",
			  .password = password },
		.timeout_ms = options->timeout_ms,
	};
	int rc = dcom_client_connect(mem_ctx, ev, &o, client);
	explicit_bzero(password, strlen(password));
	free(password);
	if (rc != 0) {
		char *what = talloc_asprintf(mem_ctx, "cannot connect to %s port %u", host, port);
		ctl_report(who, what ? what : "connect", rc, 0, 0);
		free(host);
		return 1;
	}
	free(host);
	return 0;
}

int ctl_session_activate(TALLOC_CTX *mem_ctx, struct dcom_client *client, const char *clsid,
			 const struct idl_interface *iface, const char *who,
			 struct dcom_iface **out)
{
	struct GUID c;
	uint32_t hr = 0, result = 0, fault = 0;
	if (!NT_STATUS_IS_OK(GUID_from_string(clsid, &c)))
		return 1;
	int rc = dcom_client_activate(mem_ctx, client, &c, 1, &iface->table->syntax_id.uuid, &hr,
				      &result, out, &fault);
	if (rc != 0 || HR_FAILED(hr) || HR_FAILED(result) || *out == NULL) {
		char *what = talloc_asprintf(mem_ctx, "activating %s", iface->name);
		ctl_report(who, what ? what : "activation", rc, fault, HR_FAILED(hr) ? hr : result);
		return 1;
	}
	return 0;
}
