/* The ept interface (MS-RPCE 2.2.1.2) on the endpoint-mapper port: the
 * generated stubs of idl/ms-rpce.idl on top of rpc/epm.c. Every opnum is
 * reachable without authentication. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "idl/ndr_ms_rpce.h"
#include "istmd/log.h"
#include "rpc/epm.h"
#include "rpc/internal.h"

/* ept_lookup's context handle carries where the next call starts, and a
 * per-server cookie so that a made-up handle is recognised as such. */
struct epm_state {
	struct rpc_server *server;
	struct GUID cookie;
};

static void handle_encode(const struct epm_state *st, uint32_t next, struct policy_handle *h)
{
	memset(h, 0, sizeof(*h));
	if (next == 0)
		return; /* the null handle: nothing left */
	h->uuid = st->cookie;
	h->uuid.time_low = next;
}

static bool handle_decode(const struct epm_state *st, const struct policy_handle *h,
			  uint32_t *start)
{
	if (h->handle_type == 0 && GUID_all_zero(&h->uuid)) {
		*start = 0;
		return true;
	}
	struct GUID g = h->uuid;
	*start = g.time_low;
	g.time_low = st->cookie.time_low;
	return *start != 0 && GUID_equal(&g, &st->cookie);
}

static void do_map(struct rpc_call *call, struct epm_state *st, struct ept_map *r)
{
	DATA_BLOB *towers = NULL;
	uint32_t count = 0;
	uint32_t status = EPT_S_NOT_REGISTERED;

	memset(r->out.entry_handle, 0, sizeof(*r->out.entry_handle));
	if (r->in.map_tower != NULL)
		status = rpc_epm_map(st->server, r, r->in.map_tower->tower_octet_string,
				     r->in.map_tower->tower_length, rpc_call_local_address(call),
				     r->in.max_towers, &towers, &count);
	for (uint32_t i = 0; i < count; i++) {
		struct twr_t *t = talloc_zero(r, struct twr_t);
		if (t == NULL) {
			rpc_call_reject(call, DCERPC_FAULT_OUT_OF_RESOURCES);
			return;
		}
		t->tower_length = (uint32_t)towers[i].length;
		t->tower_octet_string = towers[i].data;
		r->out.ITowers[i] = t;
	}
	*r->out.num_towers = count;
	*r->out.status = status;
	rpc_call_complete(call, 0);
}

static void do_lookup(struct rpc_call *call, struct epm_state *st, struct ept_lookup *r)
{
	uint32_t start, count = 0, next = 0, status;

	if (!handle_decode(st, r->in.entry_handle, &start)) {
		/* MS-RPCE 3.3.1.4.1: a context handle of another association */
		rpc_call_reject(call, DCERPC_NCA_S_FAULT_CONTEXT_MISMATCH);
		return;
	}
	struct ndr_syntax_id ifid = { .if_version = 0 };
	if (r->in.Ifid != NULL) {
		ifid.uuid = r->in.Ifid->Uuid;
		ifid.if_version = (uint32_t)r->in.Ifid->VersMajor |
				  (uint32_t)r->in.Ifid->VersMinor << 16;
	}
	struct rpc_epm_entry *entries = talloc_array(r, struct rpc_epm_entry,
						     r->in.max_ents ? r->in.max_ents : 1);
	if (entries == NULL) {
		rpc_call_reject(call, DCERPC_FAULT_OUT_OF_RESOURCES);
		return;
	}
	status = rpc_epm_lookup(st->server, r->in.inquiry_type, r->in.object,
				r->in.Ifid ? &ifid : NULL, r->in.vers_option, start, r->in.max_ents,
				entries, &count, &next);
	for (uint32_t i = 0; i < count; i++) {
		struct ept_entry_t *e = &r->out.entries[i];
		DATA_BLOB tower;
		e->tower = talloc_zero(r, struct twr_t);
		if (e->tower == NULL || rpc_epm_entry_tower(st->server, r, &entries[i],
							    rpc_call_local_address(call),
							    &tower) != 0) {
			rpc_call_reject(call, DCERPC_FAULT_OUT_OF_RESOURCES);
			return;
		}
		e->tower->tower_length = (uint32_t)tower.length;
		e->tower->tower_octet_string = tower.data;
		snprintf(e->annotation, sizeof(e->annotation), "%s",
			 entries[i].iface->idl->table->name);
	}
	handle_encode(st, next, r->out.entry_handle);
	*r->out.num_ents = count;
	*r->out.status = status;
	rpc_call_complete(call, 0);
}

static void dispatch(struct rpc_call *call, uint32_t opnum, void *r, void *private_data)
{
	struct epm_state *st = private_data;

	switch (opnum) {
	case NDR_EPT_MAP:
		do_map(call, st, r);
		break;
	case NDR_EPT_LOOKUP:
		do_lookup(call, st, r);
		break;
	case NDR_EPT_LOOKUP_HANDLE_FREE: {
		struct ept_lookup_handle_free *f = r;
		memset(f->out.entry_handle, 0, sizeof(*f->out.entry_handle));
		*f->out.status = 0;
		rpc_call_complete(call, 0);
		break;
	}
	default:
		/* ept_insert, ept_delete, ept_inq_object, ept_mgmt_delete: what
		 * Windows answers (MS-RPCE <28>-<31>). */
		rpc_call_reject(call, EPT_S_CANT_PERFORM_OP);
		break;
	}
}

int rpc_epm_register(struct rpc_server *server)
{
	struct epm_state *st = talloc_zero(server, struct epm_state);
	if (st == NULL)
		return -ENOMEM;
	st->server = server;
	st->cookie = GUID_random();
	const struct rpc_interface iface = {
		.idl = &idl_iface_ept,
		.endpoints = RPC_EP_MAPPER,
		.auth_exempt_opnums = RPC_ALL_OPNUMS,
		.dispatch = dispatch,
		.private_data = st,
	};
	return rpc_server_register(server, &iface);
}
