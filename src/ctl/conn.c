#include "ctl/conn.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndr.h>

#include "auth/auth.h"
#include "ctl/errors.h"
#include "ctl/options.h"
#include "ctl/password.h"
#include "dcom/client.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "ndr/idl_interface.h"

#define ISTMD_DEFAULT_PORT 135

/* MS-ISTM 1.9 */
static const struct {
	const char *clsid;
	const struct idl_interface *iface;
} manager_classes[CTL_NUM_MANAGERS] = {
	[CTL_WT_GENERAL] = { "baa4a577-202d-49c7-a6bb-10ee914ee199", &idl_iface_IWTGeneral },
	[CTL_HOST_MGR] = { "e14efe0b-fd3b-41ea-8e3b-88930445b944", &idl_iface_IHostMgr },
	[CTL_DISK_MGR] = { "0144084b-e09e-4f45-a56b-dcdc9f379f5e", &idl_iface_IWTDiskMgr },
	[CTL_LOCAL_DEVICE] = { "f1d3a46c-2e1b-4d84-97da-b3742ad67871", &idl_iface_ILocalDeviceMgr },
	[CTL_SESSION_MGR] = { "ad069971-edc5-4357-a132-430dad479d2b", &idl_iface_ISessionManager2 },
	[CTL_SNAPSHOT_MGR] = { "4e7645fa-1a95-416c-b38f-ad574a3c3e57", &idl_iface_ISnapshotMgr },
	[CTL_SNS_MGR] = { "24f9c1a9-b22e-4e24-bec9-4af0a4d96736", &idl_iface_ISnsMgr },
};

/* A failure below the MS-ISTM layer: no connection, refused credentials, a
 * fault. */
static int transport_failure(struct ctl_conn *c, const char *what, int rc, uint32_t fault)
{
	char buf[64];
	if (rc == -EREMOTEIO) {
		ctl_error(0, "%s: %s: the server answered with fault %s", c->who, what,
			  hresult_name(fault, buf, sizeof(buf)));
		return CTL_EXIT_FAILURE;
	}
	if (rc == -EACCES)
		ctl_error(0, "%s: %s: access denied (wrong user name or password?)", c->who, what);
	else
		ctl_error(0, "%s: %s: %s", c->who, what, strerror(-rc));
	return CTL_EXIT_CONNECT;
}

int ctl_fail(struct ctl_conn *c, const char *method, const char *subject, uint32_t hr)
{
	char buf[64];
	ctl_error(hr, "%s: %s%s%s: %s [%s]", c->who, method, subject ? " " : "",
		  subject ? subject : "", ctl_hresult_meaning(method, hr),
		  hresult_name(hr, buf, sizeof(buf)));
	return ctl_hresult_exit(hr);
}

int ctl_conn_open(const struct ctl_options *options, const char *who, struct ctl_conn **conn)
{
	if (options->server == NULL || options->user == NULL) {
		ctl_error(0, "%s: --server and --user are required (or server and user in the "
			     "config file)", who);
		return CTL_EXIT_USAGE;
	}
	char *host;
	uint16_t port;
	if (ctl_parse_server(options->server, ISTMD_DEFAULT_PORT, &host, &port) != 0) {
		ctl_error(0, "%s: bad value '%s' for --server: expected HOST[:PORT] or [IPV6]:PORT",
			  who, options->server);
		return CTL_EXIT_USAGE;
	}
	/* Resolved here first so that an unknown name says so (the RPC client
	 * reports any failure to resolve as "no route to host"). */
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int gai = getaddrinfo(host, NULL, &hints, &ai);
	if (gai != 0) {
		ctl_error(0, "%s: cannot resolve host '%s': %s", who, host,
			  gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
		free(host);
		return CTL_EXIT_CONNECT;
	}
	freeaddrinfo(ai);
	struct ctl_conn *c = talloc_zero(NULL, struct ctl_conn);
	if (c == NULL || (c->ev = tevent_context_init(c)) == NULL) {
		ctl_error(0, "%s: out of memory", who);
		talloc_free(c);
		free(host);
		return CTL_EXIT_FAILURE;
	}
	c->mem = c;
	c->who = who;
	char *prompt = talloc_asprintf(c, "Password for %s@%s: ", options->user, host);
	char *password = options->password_file ?
				 ctl_read_password_file(options->password_file, who) :
				 ctl_ask_password(who, prompt ? prompt : "Password: ", false);
	if (password == NULL) {
		talloc_free(c);
		free(host);
		return CTL_EXIT_FAILURE;
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
	int rc = dcom_client_connect(c, c->ev, &o, &c->client);
	explicit_bzero(password, strlen(password));
	free(password);
	if (rc != 0) {
		char *what = talloc_asprintf(c, "cannot connect to %s port %u", host, port);
		int ret = transport_failure(c, what ? what : "connect", rc, 0);
		free(host);
		talloc_free(c);
		return ret == CTL_EXIT_FAILURE ? CTL_EXIT_CONNECT : ret;
	}
	free(host);
	*conn = c;
	return 0;
}

static int hold(struct ctl_conn *c, struct dcom_iface *ip)
{
	struct dcom_iface **held = talloc_realloc(c, c->held, struct dcom_iface *, c->n_held + 1);
	if (held == NULL) {
		ctl_error(0, "%s: out of memory", c->who);
		return CTL_EXIT_FAILURE;
	}
	c->held = held;
	c->held[c->n_held++] = ip;
	return 0;
}

void ctl_conn_close(struct ctl_conn *c)
{
	if (c == NULL)
		return;
	/* All releases at once; the client queues them on its connection. */
	struct tevent_req **reqs = talloc_zero_array(c, struct tevent_req *, c->n_held);
	for (size_t i = 0; reqs != NULL && i < c->n_held; i++)
		reqs[i] = dcom_client_release_send(reqs, c->ev, c->held[i]);
	for (size_t i = 0; reqs != NULL && i < c->n_held; i++) {
		if (reqs[i] != NULL && tevent_req_poll(reqs[i], c->ev)) {
			uint32_t hr, fault;
			(void)dcom_client_release_recv(reqs[i], &hr, &fault);
		}
	}
	talloc_free(c);
}

int ctl_manager(struct ctl_conn *c, enum ctl_manager which, struct dcom_iface **out)
{
	if (c->managers[which] != NULL) {
		*out = c->managers[which];
		return 0;
	}
	const struct idl_interface *iface = manager_classes[which].iface;
	struct GUID clsid;
	uint32_t hr = 0, result = 0, fault = 0;
	struct dcom_iface *ip = NULL;
	if (!NT_STATUS_IS_OK(GUID_from_string(manager_classes[which].clsid, &clsid)))
		return CTL_EXIT_FAILURE;
	char *what = talloc_asprintf(c, "activating %s", iface->name);
	int rc = dcom_client_activate(c, c->client, &clsid, 1, &iface->table->syntax_id.uuid, &hr,
				      &result, &ip, &fault);
	if (rc != 0)
		return transport_failure(c, what ? what : "activation", rc, fault);
	if (HR_FAILED(hr) || HR_FAILED(result) || ip == NULL)
		return ctl_fail(c, what ? what : "activation", NULL,
				HR_FAILED(hr) ? hr : HR_FAILED(result) ? result : E_FAIL);
	int ret = hold(c, ip);
	if (ret == 0)
		*out = c->managers[which] = ip;
	return ret;
}

int ctl_call(struct ctl_conn *c, struct dcom_iface *ip, const struct idl_interface *iface,
	     uint32_t opnum, void *r, const char *method, const char *subject, uint32_t *hr)
{
	uint32_t fault = 0;
	int rc = dcom_client_call(ip, c, iface->table, opnum, r, &fault);
	if (rc != 0) {
		char *what = talloc_asprintf(c, "%s%s%s", method, subject ? " " : "",
					     subject ? subject : "");
		return transport_failure(c, what ? what : method, rc, fault);
	}
	const uint32_t *result = idl_result_ptr(iface, opnum, r);
	uint32_t value = result ? *result : S_OK;
	if (hr != NULL) {
		*hr = value;
		return 0;
	}
	return HR_FAILED(value) ? ctl_fail(c, method, subject, value) : 0;
}

int ctl_unmarshal(struct ctl_conn *c, const struct MInterfacePointer *mip, const char *method,
		  struct dcom_iface **out)
{
	if (mip == NULL) {
		ctl_error(0, "%s: %s returned no interface pointer", c->who, method);
		return CTL_EXIT_FAILURE;
	}
	int rc = dcom_client_unmarshal(c, c->client, mip, out);
	if (rc != 0) {
		ctl_error(0, "%s: %s returned an interface pointer we cannot use: %s", c->who,
			  method, strerror(-rc));
		return CTL_EXIT_FAILURE;
	}
	return hold(c, *out);
}

int ctl_query(struct ctl_conn *c, struct dcom_iface *ip, const struct idl_interface *iface,
	      struct dcom_iface **out)
{
	uint32_t hr = 0, fault = 0;
	*out = NULL;
	struct tevent_req *req =
		dcom_client_query_send(c, c->ev, ip, &iface->table->syntax_id.uuid, 1);
	if (req == NULL || !tevent_req_poll(req, c->ev)) {
		ctl_error(0, "%s: out of memory", c->who);
		return CTL_EXIT_FAILURE;
	}
	int rc = dcom_client_query_recv(req, c, &hr, out, &fault);
	talloc_free(req);
	if (rc != 0)
		return transport_failure(c, "QueryInterface", rc, fault);
	if (*out == NULL)
		return 0;
	return hold(c, *out);
}
