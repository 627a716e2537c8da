/* The DCOM client's OXID entry, pinging and OXID resolution (MS-DCOM 3.2.1,
 * 3.2.4.2.2, 3.2.4.2.3): the exporter's bindings chosen and recorded, the
 * ping set kept in step with the interfaces held, ResolveOxid2. */
#include "dcom/client_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/internal.h"
#include "dcom/objref.h"
#include "idl/ndr_ms_dcom.h"
#include "istmd/hresult.h"
#include "istmd/log.h"
#include "istmd/treq.h"

/* ---- the OXID entry ------------------------------------------------------------- */

struct pick_state {
	const char *dialled;
	char *first, *preferred;
	TALLOC_CTX *mem;
};

static int pick_binding(uint16_t tower, const char *address, void *priv)
{
	struct pick_state *p = priv;
	if (tower != DCOM_TOWER_NCACN_IP_TCP)
		return 0;
	if (p->first == NULL)
		p->first = talloc_strdup(p->mem, address);
	size_t n = strlen(p->dialled);
	if (p->preferred == NULL && strncmp(address, p->dialled, n) == 0 &&
	    (address[n] == '[' || address[n] == '\0'))
		p->preferred = talloc_strdup(p->mem, address);
	return 0;
}

/* Records the exporter's OXID entry; its binding is the one naming the
 * address we dialled (the server's view of "where it is"), else the first
 * ncacn_ip_tcp one. "ADDRESS[PORT]": without a port there is no way to
 * reach the exporter. */
int dcom_client_set_oxid(struct dcom_client *client, uint64_t oxid,
			 const struct DUALSTRINGARRAY *bindings, const struct GUID *ipid_remunknown,
			 uint32_t authn_hint, const struct COMVERSION *version)
{
	if (bindings == NULL)
		return -EPROTO;
	struct pick_state p = { .dialled = rpc_client_remote_address(client->resolver),
				.mem = client };
	if (dcom_string_bindings(bindings->aStringArray, bindings->wNumEntries,
				 bindings->wSecurityOffset, pick_binding, &p) != 0)
		return -EPROTO;
	char *chosen = p.preferred ? p.preferred : p.first;
	char *bracket = chosen ? strchr(chosen, '[') : NULL;
	char *end = bracket ? strchr(bracket, ']') : NULL;
	if (end == NULL || end[1] != '\0') {
		log_warn("DCOM client: no ncacn_ip_tcp binding with a port for OXID %016llx",
			 (unsigned long long)oxid);
		return -EPROTO;
	}
	char *stop;
	unsigned long port = strtoul(bracket + 1, &stop, 10);
	if (stop != end || port == 0 || port > 65535)
		return -EPROTO;
	if (client->have_oxid && client->oxid != oxid)
		return -EPROTO; /* one exporter per server here */
	talloc_free(client->binding);
	talloc_free(client->exporter_host);
	client->binding = talloc_strdup(client, chosen);
	client->exporter_host = talloc_strndup(client, chosen, (size_t)(bracket - chosen));
	client->exporter_port = (uint16_t)port;
	client->oxid = oxid;
	client->ipid_remunknown = *ipid_remunknown;
	client->authn_hint = authn_hint;
	if (version->MajorVersion == DCOM_COM_VERSION_MAJOR &&
	    version->MinorVersion < client->version.MinorVersion)
		client->version.MinorVersion = version->MinorVersion;
	client->have_oxid = true;
	return client->binding && client->exporter_host ? 0 : -ENOMEM;
}

/* ---- pinging --------------------------------------------------------------------------- */

struct ping_state {
	struct dcom_client *client;
	struct IObjectExporter_SimplePing simple;
	struct IObjectExporter_ComplexPing complex;
	uint64_t setid_in, setid_out;
	uint16_t backoff;
	uint64_t *oids; /* the set after this ping */
	size_t num_oids;
	uint32_t status;
	uint32_t fault;
};

static void ping_done(struct tevent_req *subreq);

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool sorted_has(const uint64_t *set, size_t n, uint64_t v)
{
	return bsearch(&v, set, n, sizeof(v), cmp_u64) != NULL;
}

struct tevent_req *dcom_client_ping_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					 struct dcom_client *client)
{
	struct ping_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct ping_state);
	if (req == NULL)
		return NULL;
	s->client = client;
	/* The OIDs to keep alive: those of the interfaces held, once each. */
	size_t n = 0;
	for (struct dcom_iface *i = client->ifaces; i != NULL; i = i->next)
		n++;
	s->oids = talloc_array(s, uint64_t, n ? n : 1);
	if (tevent_req_nomem(s->oids, req))
		return tevent_req_post(req, ev);
	for (struct dcom_iface *i = client->ifaces; i != NULL; i = i->next) {
		if (i->pinged && i->oxid == client->oxid)
			s->oids[s->num_oids++] = i->oid;
	}
	qsort(s->oids, s->num_oids, sizeof(uint64_t), cmp_u64);
	size_t k = 0;
	for (size_t i = 0; i < s->num_oids; i++) {
		if (k == 0 || s->oids[k - 1] != s->oids[i])
			s->oids[k++] = s->oids[i];
	}
	s->num_oids = k;

	uint64_t *add = talloc_array(s, uint64_t, s->num_oids ? s->num_oids : 1);
	uint64_t *del = talloc_array(s, uint64_t, client->num_pinged ? client->num_pinged : 1);
	if (tevent_req_nomem(add, req) || tevent_req_nomem(del, req))
		return tevent_req_post(req, ev);
	size_t num_add = 0, num_del = 0;
	for (size_t i = 0; i < s->num_oids; i++) {
		if (client->setid == 0 ||
		    !sorted_has(client->pinged_oids, client->num_pinged, s->oids[i]))
			add[num_add++] = s->oids[i];
	}
	for (size_t i = 0; client->setid != 0 && i < client->num_pinged; i++) {
		if (!sorted_has(s->oids, s->num_oids, client->pinged_oids[i]))
			del[num_del++] = client->pinged_oids[i];
	}
	if (num_add > UINT16_MAX || num_del > UINT16_MAX) {
		tevent_req_error(req, E2BIG);
		return tevent_req_post(req, ev);
	}

	struct tevent_req *subreq;
	if (client->setid != 0 && num_add == 0 && num_del == 0) {
		s->setid_in = client->setid;
		s->simple.in.pSetId = &s->setid_in;
		subreq = rpc_client_call_send(s, ev, client->resolver, &ndr_table_IObjectExporter,
					      NDR_IOBJECTEXPORTER_SIMPLEPING, NULL, s, &s->simple);
	} else {
		s->setid_in = client->setid;
		s->complex.in.pSetId = &s->setid_in;
		s->complex.in.SequenceNum = (uint16_t)(client->seq + 1);
		s->complex.in.cAddToSet = (uint16_t)num_add;
		s->complex.in.cDelFromSet = (uint16_t)num_del;
		s->complex.in.AddToSet = num_add ? add : NULL;
		s->complex.in.DelFromSet = num_del ? del : NULL;
		s->complex.out.pSetId = &s->setid_out;
		s->complex.out.pPingBackoffFactor = &s->backoff;
		subreq = rpc_client_call_send(s, ev, client->resolver, &ndr_table_IObjectExporter,
					      NDR_IOBJECTEXPORTER_COMPLEXPING, NULL, s, &s->complex);
	}
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, ping_done, req);
	return req;
}

static void ping_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct ping_state *s = tevent_req_data(req, struct ping_state);
	struct dcom_client *client = s->client;
	int rc = rpc_client_call_recv(subreq, &s->fault);
	TALLOC_FREE(subreq);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	if (s->complex.in.pSetId != NULL) {
		s->status = s->complex.out.result;
		if (s->status == 0) {
			client->setid = s->setid_out;
			client->seq = s->complex.in.SequenceNum;
			talloc_free(client->pinged_oids);
			client->pinged_oids = talloc_steal(client, s->oids);
			client->num_pinged = s->num_oids;
		}
	} else {
		s->status = s->simple.out.result;
	}
	if (s->status == OR_INVALID_SET)
		client->setid = 0; /* expired: the next ping starts a new set */
	tevent_req_done(req);
}

int dcom_client_ping_recv(struct tevent_req *req, uint32_t *status, uint32_t *fault)
{
	struct ping_state *s = tevent_req_data(req, struct ping_state);
	int rc = treq_errno(req);
	if (fault != NULL)
		*fault = rc == -EREMOTEIO ? s->fault : 0;
	if (rc == 0)
		*status = s->status;
	return rc;
}

/* ---- OXID resolution ------------------------------------------------------------------- */

struct resolve_state {
	struct dcom_client *client;
	struct IObjectExporter_ResolveOxid2 r;
	uint64_t oxid;
	uint16_t protseq;
	struct DUALSTRINGARRAY *bindings;
	struct GUID ipid;
	uint32_t hint;
	struct COMVERSION version;
	uint32_t status, fault;
};

static void resolve_done(struct tevent_req *subreq);

struct tevent_req *dcom_client_resolve_oxid_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
						 struct dcom_client *client, uint64_t oxid)
{
	struct resolve_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s, struct resolve_state);
	if (req == NULL)
		return NULL;
	s->client = client;
	s->oxid = oxid;
	s->protseq = DCOM_TOWER_NCACN_IP_TCP;
	s->r.in.pOxid = &s->oxid;
	s->r.in.cRequestedProtseqs = 1;
	s->r.in.arRequestedProtseqs = &s->protseq;
	s->r.out.ppdsaOxidBindings = &s->bindings;
	s->r.out.pipidRemUnknown = &s->ipid;
	s->r.out.pAuthnHint = &s->hint;
	s->r.out.pComVersion = &s->version;
	struct tevent_req *subreq =
		rpc_client_call_send(s, ev, client->resolver, &ndr_table_IObjectExporter,
				     NDR_IOBJECTEXPORTER_RESOLVEOXID2, NULL, s, &s->r);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, resolve_done, req);
	return req;
}

static void resolve_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq, struct tevent_req);
	struct resolve_state *s = tevent_req_data(req, struct resolve_state);
	int rc = rpc_client_call_recv(subreq, &s->fault);
	TALLOC_FREE(subreq);
	if (rc != 0) {
		tevent_req_error(req, -rc);
		return;
	}
	s->status = s->r.out.result;
	if (s->status == 0) {
		rc = dcom_client_set_oxid(s->client, s->oxid, s->bindings, &s->ipid, s->hint, &s->version);
		if (rc != 0) {
			tevent_req_error(req, -rc);
			return;
		}
	}
	tevent_req_done(req);
}

int dcom_client_resolve_oxid_recv(struct tevent_req *req, uint32_t *status, uint32_t *fault)
{
	struct resolve_state *s = tevent_req_data(req, struct resolve_state);
	int rc = treq_errno(req);
	if (fault != NULL)
		*fault = rc == -EREMOTEIO ? s->fault : 0;
	if (rc == 0)
		*status = s->status;
	return rc;
}
