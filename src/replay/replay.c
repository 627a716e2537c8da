/* Replaying a recorded session (replay.h): one live connection per recorded
 * one, opened when its first call comes, with fresh NTLMSSP authentication
 * at the level asked for; every call in recorded order, its request stub
 * with the recorded server's identifiers replaced by the live server's
 * (idmap.h), decoded with the generated NDR and sent through the project's
 * RPC client; each live answer compared with the recorded one field by
 * field (compare.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ndr/idl_interface.h"
#include "replay/compare.h"
#include "replay/dump.h"
#include "replay/idmap.h"
#include "replay/model.h"
#include "replay/replay.h"
#include "replay/rules.h"
#include "rpc/client.h"
#include "rpc/pdu.h"

struct live_conn {
	struct rpc_client *client;
	bool failed;
};

struct replay {
	TALLOC_CTX *mem;
	struct tevent_context *ev;
	const struct rp_model *m;
	const struct rp_rules *rules;
	const struct rp_options *o;
	struct rp_idmap *ids;
	struct live_conn *conns;
	uint16_t object_port;
	struct rp_diffs diffs;
};

/* The port of the first ncacn_ip_tcp binding ("7:addr[port]") in a
 * string-array field (dump.c's text form). */
static uint16_t binding_port(const char *text)
{
	const char *p = strstr(text, "7:");
	if (p == NULL || (p != text && p[-1] != ' '))
		return 0;
	const char *open = strchr(p, '['), *close = open ? strchr(open, ']') : NULL;
	const char *blank = strchr(p, ' ');
	if (open == NULL || close == NULL || (blank != NULL && blank < open))
		return 0;
	long port = strtol(open + 1, NULL, 10);
	return port > 0 && port < 65536 ? (uint16_t)port : 0;
}

static void learn_port(struct replay *rp, const struct rp_dump *live)
{
	if (rp->object_port != 0)
		return;
	for (size_t i = 0; i < live->n; i++) {
		const char *p = live->f[i].path;
		size_t n = strlen(p);
		/* the OXID's bindings: activation (remoteReply.pdsaOxidBindings)
		 * or the resolver's ResolveOxid(2) answer (ppdsaOxidBindings) */
		if (n >= 12 && strcmp(p + n - 12, "aStringArray") == 0 &&
		    strstr(p, "OxidBindings") != NULL) {
			rp->object_port = binding_port(live->f[i].value);
			if (rp->object_port != 0)
				return;
		}
	}
}

static int open_conn(struct replay *rp, unsigned slot, const char **why)
{
	const struct rp_conn *c = &rp->m->conns[slot];
	const struct idl_interface *iface = rp_iface_find(&c->first_iface);
	struct rpc_client_auth auth = {
		.auth_type = rp->o->auth_type ? rp->o->auth_type : 10, /* NTLMSSP */
		.auth_level = rp->o->level,
		.user = rp->o->user,
		.domain = rp->o->domain ? rp->o->domain : "",
		.password = rp->o->password,
	};
	uint16_t port = c->to_resolver ? rp->o->port : rp->object_port;
	if (iface == NULL) {
		*why = "its first interface is not one istmd-replay knows";
		return -EINVAL;
	}
	if (port == 0) {
		*why = "no object port: none learnt from the live answers yet; give --object-port";
		return -EINVAL;
	}
	/* recorded without authentication: replayed without */
	bool none = c->auth_level <= DCERPC_AUTH_LEVEL_NONE || c->auth_type == 0;
	int rc = rpc_client_connect(rp->mem, rp->ev, rp->o->addr, port, none ? NULL : &auth,
				    iface->table, rp->o->timeout_ms, &rp->conns[slot].client);
	if (rc != 0) {
		*why = talloc_asprintf(rp->mem, "connecting to %s port %u: %s", rp->o->addr, port,
				       strerror(-rc));
		return rc;
	}
	rpc_client_set_timeout(rp->conns[slot].client, rp->o->timeout_ms);
	return 0;
}

/* 32-bit identifiers (WTD indices) are too short to replace blindly: each
 * 4-byte-aligned occurrence of a recorded value in the stub is replaced
 * only if decoding the stub then shows exactly one field changed, and
 * that field is one rp_is_id_field() names an identifier (C706 14.2.2:
 * NDR aligns a uint32 to 4 from the stub's start). */
static void substitute_small(TALLOC_CTX *mem, const struct idl_interface *iface, uint32_t opnum,
			     const struct rp_idmap *ids, DATA_BLOB *stub)
{
	struct rp_dump before;
	void *r;
	const char *why;
	for (size_t i = 0; i < ids->n; i++) {
		const struct rp_id *e = &ids->e[i];
		if (e->len != 4 || memcmp(e->rec_bytes, e->live_bytes, 4) == 0)
			continue;
		for (size_t off = 0; off + 4 <= stub->length; off += 4) {
			if (memcmp(stub->data + off, e->rec_bytes, 4) != 0)
				continue;
			if (rp_decode(mem, iface, opnum, stub, NULL, &r, &why) != 0 ||
			    rp_dump_call(mem, iface, opnum, NDR_IN, r, &before) != 0)
				return;
			memcpy(stub->data + off, e->live_bytes, 4);
			struct rp_dump after;
			size_t changed = 0, which = 0;
			bool ok = rp_decode(mem, iface, opnum, stub, NULL, &r, &why) == 0 &&
				  rp_dump_call(mem, iface, opnum, NDR_IN, r, &after) == 0 &&
				  after.n == before.n;
			for (size_t k = 0; ok && k < after.n; k++) {
				if (strcmp(after.f[k].path, before.f[k].path) != 0)
					ok = false;
				else if (strcmp(after.f[k].value, before.f[k].value) != 0) {
					changed++;
					which = k;
				}
			}
			if (!ok || changed != 1 ||
			    !rp_is_id_field(before.f[which].path, before.f[which].value) ||
			    strcmp(before.f[which].value, e->rec) != 0)
				memcpy(stub->data + off, e->rec_bytes, 4); /* not an identifier: back */
		}
	}
}

/* Values the client chose (GUIDs of the [in] side) are never taken for
 * identifiers the server handed out. */
static void note_client_values(struct replay *rp, const struct rp_dump *in)
{
	for (size_t i = 0; i < in->n; i++)
		if (rp_is_guid_text(in->f[i].value) && rp_idmap_get(rp->ids, in->f[i].value) == NULL)
			rp_idmap_client(rp->ids, in->f[i].value);
}

static int one_call(struct replay *rp, const struct rp_call *k)
{
	TALLOC_CTX *tmp = talloc_new(rp->mem);
	const char *method = rp_call_name(tmp, k), *why = NULL;
	const struct idl_interface *iface = rp_iface_find(&k->iface);
	struct live_conn *lc = &rp->conns[k->conn];
	int rc = 0;
	if (iface == NULL || k->opnum >= iface->table->num_calls ||
	    iface->table->calls[k->opnum].ndr_pull == NULL) {
		rp_diff_add(&rp->diffs, k->number, method, "call", "an interface or opnum istmd-replay cannot decode",
			    "not replayed");
		goto out;
	}
	/* the recorded call, decoded */
	void *rec = NULL;
	struct rp_dump rec_in = { 0 }, rec_out = { 0 }, live_out = { 0 };
	bool rec_ok = k->answered && !k->fault;
	if (rp_decode(tmp, iface, k->opnum, &k->request, rec_ok ? &k->response : NULL, &rec, &why) != 0) {
		rp_diff_add(&rp->diffs, k->number, method, "call", why, "not replayed");
		goto out;
	}
	rp_dump_call(tmp, iface, k->opnum, NDR_IN, rec, &rec_in);
	note_client_values(rp, &rec_in);
	if (rec_ok)
		rp_dump_call(tmp, iface, k->opnum, NDR_OUT, rec, &rec_out);

	/* the live request: the recorded stub with live identifiers */
	DATA_BLOB stub = data_blob_talloc(tmp, k->request.data, k->request.length);
	if (k->request.length > 0 && stub.data == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rp_idmap_substitute(rp->ids, stub.data, stub.length);
	substitute_small(tmp, iface, k->opnum, rp->ids, &stub);
	struct GUID object = k->object;
	if (k->has_object) {
		struct GUID_txt_buf b;
		const char *live = rp_idmap_get(rp->ids, GUID_buf_string(&k->object, &b));
		if (live != NULL)
			GUID_from_string(live, &object);
	}
	void *r = NULL;
	if (rp_decode(tmp, iface, k->opnum, &stub, NULL, &r, &why) != 0) {
		rp_diff_add(&rp->diffs, k->number, method, "call", "the substituted request does not decode",
			    "not replayed");
		goto out;
	}

	if (lc->client == NULL && !lc->failed) {
		if (open_conn(rp, k->conn, &why) != 0) {
			lc->failed = true;
			fprintf(stderr, "istmd-replay: connection %u: %s\n", rp->m->conns[k->conn].index, why);
			rc = -ECONNREFUSED;
			goto out;
		}
	}
	if (lc->failed || rpc_client_broken(lc->client)) {
		rp_diff_add(&rp->diffs, k->number, method, "call", "sent", "the live connection is gone");
		goto out;
	}
	uint32_t fault = 0;
	int crc = rpc_client_call(lc->client, r, iface->table, k->opnum,
				  k->has_object ? &object : NULL, r, &fault);
	if (crc != 0 && crc != -EREMOTEIO) {
		rp_diff_add(&rp->diffs, k->number, method, "call", "answered",
			    talloc_asprintf(tmp, "no answer: %s", strerror(-crc)));
		goto out;
	}
	/* faults first, then the HRESULT, then every field (compare.c) */
	bool live_fault = crc == -EREMOTEIO;
	if (k->answered && (k->fault || live_fault)) {
		if (k->fault != live_fault || k->fault_status != fault)
			rp_diff_add(&rp->diffs, k->number, method, "fault",
				    k->fault ? talloc_asprintf(tmp, "0x%08x", k->fault_status) : "none",
				    live_fault ? talloc_asprintf(tmp, "0x%08x", fault) : "none");
		goto out;
	}
	if (!k->answered)
		goto out; /* nothing recorded to compare with */
	rp_dump_call(tmp, iface, k->opnum, NDR_OUT, r, &live_out);
	learn_port(rp, &live_out);
	if (!rp_rules_skipped(rp->rules, method))
		rp_compare(&rp->diffs, rp->ids, rp->rules, k->number, method, &rec_out, &live_out);
	else
		rp_learn(rp->ids, &rec_out, &live_out);
out:
	talloc_free(tmp);
	return rc;
}

int rp_replay(TALLOC_CTX *mem_ctx, const struct rp_model *model, const struct rp_rules *rules,
	      const struct rp_options *o)
{
	struct replay rp = { .m = model, .rules = rules, .o = o, .object_port = o->object_port };
	int rc = 0;
	rp.mem = talloc_new(mem_ctx);
	rp.ev = rp.mem ? tevent_context_init(rp.mem) : NULL;
	rp.ids = rp.mem ? rp_idmap_new(rp.mem) : NULL;
	rp.conns = rp.mem ? talloc_zero_array(rp.mem, struct live_conn, model->num_conns + 1) : NULL;
	rp.diffs.mem = rp.mem;
	rp.diffs.show_masked = o->show_masked;
	if (rp.ev == NULL || rp.ids == NULL || rp.conns == NULL) {
		talloc_free(rp.mem);
		return -ENOMEM;
	}
	size_t done = 0;
	for (size_t i = 0; i < model->num_calls; i++) {
		rc = one_call(&rp, &model->calls[i]);
		done++;
		if (rc != 0 || (o->stop_at_first && rp.diffs.n > 0))
			break;
	}
	rp_report(&rp.diffs, model->num_calls, done, o->json);
	int result = rc != 0 ? rc : rp.diffs.n > 0 ? 1 : 0;
	talloc_free(rp.mem);
	return result;
}
