#include "dcom/object_exporter.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/internal.h"
#include "idl/ndr_ms_dcom.h"
#include "istmd/hresult.h"
#include "istmd/log.h"
#include "istmd/utf16.h"
#include "rpc/server.h"

struct dsa {
	uint16_t *a;
	size_t n, cap;
};

static int dsa_put(struct dsa *d, TALLOC_CTX *mem, uint16_t v)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		uint16_t *a = talloc_realloc(mem, d->a, uint16_t, cap);
		if (a == NULL)
			return -ENOMEM;
		d->a = a;
		d->cap = cap;
	}
	d->a[d->n++] = v;
	return 0;
}

static int put_binding(struct dsa *d, TALLOC_CTX *mem, const char *address, uint16_t port)
{
	char text[96];
	size_t units;
	if (port != 0)
		snprintf(text, sizeof(text), "%s[%u]", address, port);
	else
		snprintf(text, sizeof(text), "%s", address);
	uint16_t *w = utf8_to_utf16(mem, text, &units);
	if (w == NULL)
		return -ENOMEM;
	int rc = dsa_put(d, mem, DCOM_TOWER_NCACN_IP_TCP);
	for (size_t i = 0; rc == 0 && i <= units; i++) /* with its NUL */
		rc = dsa_put(d, mem, w[i]);
	talloc_free(w);
	return rc;
}

static bool listed_before(const char *const *addresses, size_t upto, const char *a,
			  const char *dialled)
{
	if (strcmp(a, dialled) == 0)
		return true; /* already first */
	for (size_t i = 0; i < upto; i++) {
		if (strcmp(addresses[i], a) == 0)
			return true;
	}
	return false;
}

int dcom_dualstringarray(TALLOC_CTX *mem_ctx, const char *const *addresses, const char *dialled,
			 uint16_t port, uint16_t **array, uint16_t *num_entries,
			 uint16_t *security_offset)
{
	struct dsa d = { 0 };
	int rc;

	if (dialled == NULL || dialled[0] == '\0')
		return -EINVAL;
	rc = put_binding(&d, mem_ctx, dialled, port);
	for (size_t i = 0; rc == 0 && addresses[i] != NULL; i++) {
		if (rpc_address_is_wildcard(addresses[i]) ||
		    listed_before(addresses, i, addresses[i], dialled))
			continue;
		rc = put_binding(&d, mem_ctx, addresses[i], port);
	}
	if (rc == 0)
		rc = dsa_put(&d, mem_ctx, 0); /* end of string bindings */
	size_t sec = d.n;
	/* SECURITYBINDING: wAuthnSvc, Reserved 0xffff, empty principal name */
	static const uint16_t security[] = { 10 /* NTLMSSP */, 0xffff, 0,
					     9 /* SPNEGO */,   0xffff, 0,
					     0 /* end of security bindings */ };
	for (size_t i = 0; rc == 0 && i < sizeof(security) / sizeof(security[0]); i++)
		rc = dsa_put(&d, mem_ctx, security[i]);
	if (rc == 0 && d.n > UINT16_MAX)
		rc = -E2BIG;
	if (rc != 0) {
		talloc_free(d.a);
		return rc;
	}
	*array = d.a;
	*num_entries = (uint16_t)d.n;
	*security_offset = (uint16_t)sec;
	return 0;
}

uint16_t dcom_resolver_binding_port(uint16_t mapper_port)
{
	return mapper_port == 135 ? 0 : mapper_port;
}

/* ServerAlive2 (MS-DCOM 3.1.2.5.1.6): our COMVERSION and the resolver's
 * bindings, which "MUST NOT" carry endpoints: no "[port]" on port 135, the
 * endpoint-mapper port only when it is nonstandard (clients could not
 * find the resolver otherwise; dcom_resolver_binding_port). */
static void server_alive2(struct rpc_call *call, struct IObjectExporter_ServerAlive2 *r,
			  struct dcom_exporter *ex)
{
	struct DUALSTRINGARRAY *dsa = NULL;
	if (dcom_exporter_bindings(ex, r, rpc_call_local_address(call), DCOM_BINDINGS_RESOLVER,
				   &dsa) != 0) {
		log_err("ServerAlive2: cannot build the resolver bindings");
		rpc_call_reject(call, DCERPC_FAULT_OUT_OF_RESOURCES);
		return;
	}
	r->out.pComVersion->MajorVersion = DCOM_COM_VERSION_MAJOR;
	r->out.pComVersion->MinorVersion = DCOM_COM_VERSION_MINOR;
	*r->out.ppdsaOrBindings = dsa;
	*r->out.pReserved = 0;
	r->out.result = 0;
	rpc_call_complete(call, 0);
}

bool dcom_protseqs_have_tcp(const uint16_t *protseqs, uint16_t count)
{
	if (count == 0)
		return true; /* "SHOULD be at least 1": take it as "whatever you have" */
	for (uint16_t i = 0; i < count; i++) {
		if (protseqs[i] == DCOM_TOWER_NCACN_IP_TCP)
			return true;
	}
	return false;
}

/* ResolveOxid/ResolveOxid2 (MS-DCOM 3.1.2.5.1.1, 3.1.2.5.1.5): the object
 * exporter's bindings, with the object port and the address the client
 * dialled first. Returns an error_status_t. */
static uint32_t resolve_oxid(struct rpc_call *call, struct dcom_exporter *ex, uint64_t oxid,
			     const uint16_t *protseqs, uint16_t count, TALLOC_CTX *mem,
			     struct DUALSTRINGARRAY **bindings, struct GUID *ipid_remunknown,
			     uint32_t *authn_hint)
{
	*bindings = NULL;
	if (oxid != dcom_exporter_oxid(ex))
		return OR_INVALID_OXID;
	if (!dcom_protseqs_have_tcp(protseqs, count))
		return RPC_S_PROTSEQ_NOT_SUPPORTED;
	if (dcom_exporter_bindings(ex, mem, rpc_call_local_address(call), DCOM_BINDINGS_EXPORTER,
				   bindings) != 0)
		return ERROR_OUTOFMEMORY;
	*ipid_remunknown = *dcom_exporter_remunknown_ipid(ex);
	*authn_hint = dcom_exporter_authn_hint(ex);
	return 0;
}

static void dispatch(struct rpc_call *call, uint32_t opnum, void *r, void *private_data)
{
	struct dcom_exporter *ex = private_data;

	switch (opnum) {
	case NDR_IOBJECTEXPORTER_RESOLVEOXID: {
		struct IObjectExporter_ResolveOxid *a = r;
		a->out.result = resolve_oxid(call, ex, *a->in.pOxid, a->in.arRequestedProtseqs,
					     a->in.cRequestedProtseqs, a, a->out.ppdsaOxidBindings,
					     a->out.pipidRemUnknown, a->out.pAuthnHint);
		rpc_call_complete(call, 0);
		break;
	}
	case NDR_IOBJECTEXPORTER_RESOLVEOXID2: {
		struct IObjectExporter_ResolveOxid2 *a = r;
		a->out.result = resolve_oxid(call, ex, *a->in.pOxid, a->in.arRequestedProtseqs,
					     a->in.cRequestedProtseqs, a, a->out.ppdsaOxidBindings,
					     a->out.pipidRemUnknown, a->out.pAuthnHint);
		a->out.pComVersion->MajorVersion = DCOM_COM_VERSION_MAJOR;
		a->out.pComVersion->MinorVersion = DCOM_COM_VERSION_MINOR;
		rpc_call_complete(call, 0);
		break;
	}
	case NDR_IOBJECTEXPORTER_SIMPLEPING: {
		struct IObjectExporter_SimplePing *a = r;
		a->out.result = dcom_simple_ping(ex, rpc_call_user(call), *a->in.pSetId);
		rpc_call_complete(call, 0);
		break;
	}
	case NDR_IOBJECTEXPORTER_COMPLEXPING: {
		struct IObjectExporter_ComplexPing *a = r;
		*a->out.pSetId = *a->in.pSetId;
		a->out.result = dcom_complex_ping(
			ex, rpc_call_user(call), rpc_call_is_admin(call), a->out.pSetId,
			a->in.SequenceNum, a->in.AddToSet,
			a->in.AddToSet ? a->in.cAddToSet : 0, a->in.DelFromSet,
			a->in.DelFromSet ? a->in.cDelFromSet : 0);
		*a->out.pPingBackoffFactor = 0; /* <55> */
		rpc_call_complete(call, 0);
		break;
	}
	case NDR_IOBJECTEXPORTER_SERVERALIVE:
		/* MS-DCOM 3.1.2.5.1.4: no permission check, always 0 */
		((struct IObjectExporter_ServerAlive *)r)->out.result = 0;
		rpc_call_complete(call, 0);
		break;
	case NDR_IOBJECTEXPORTER_SERVERALIVE2:
		server_alive2(call, r, ex);
		break;
	default:
		rpc_call_reject(call, DCERPC_NCA_S_OP_RNG_ERROR);
		break;
	}
}

int dcom_object_exporter_register(struct rpc_server *server, struct dcom_exporter *ex)
{
	const struct rpc_interface iface = {
		.idl = &idl_iface_IObjectExporter,
		.endpoints = RPC_EP_MAPPER,
		/* MS-DCOM 3.1.2.5.1.4, 3.1.2.5.1.6: no permission check */
		.auth_exempt_opnums = RPC_OPNUM_BIT(NDR_IOBJECTEXPORTER_SERVERALIVE) |
				      RPC_OPNUM_BIT(NDR_IOBJECTEXPORTER_SERVERALIVE2),
		.dispatch = dispatch,
		.private_data = ex,
	};
	return rpc_server_register(server, &iface);
}
