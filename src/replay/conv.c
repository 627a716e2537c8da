/* DCE/RPC conversations of a capture (MS-RPCE 2.2.2, C706 12.6) into the
 * call model: PDUs framed in each direction, taken in the order the capture
 * saw them across all connections, fragments joined per call id, NTLMSSP
 * session keys derived from the captured exchange and the account's password
 * (MS-NLMP 3.3.2: NTLMv2 only), every protected fragment unsealed or checked
 * as the receiving side would. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ntlm_crypto.h"
#include "auth/ntlm_msg.h"
#include "auth/ntlm_session.h"
#include "auth/spnego_der.h"
#include "replay/capture.h"
#include "replay/model.h"
#include "rpc/pdu.h"

#define MAX_CTX 64
#define MAX_OPEN_CALLS 64
#define MAX_STUB (64u << 20)

struct partial {
	bool used;
	uint32_t call_id;
	DATA_BLOB data;
	size_t call; /* index of the call in the model (responses) */
};

struct conv {
	const struct cap_conn *cap;
	unsigned model_conn;
	struct {
		uint16_t id;
		struct ndr_syntax_id syntax;
	} ctx[MAX_CTX];
	size_t num_ctx;
	bool bound;
	uint8_t auth_type, auth_level;
	uint8_t challenge[8];
	bool have_challenge;
	struct ntlm_session *rx[2]; /* [0] reads client→server, [1] server→client */
	bool keyed;
	DATA_BLOB mech_types_der;   /* SPNEGO: the client's MechTypeList, for the MICs */
	bool spnego_reset;          /* SPNEGO: RC4 back to its start before the first call */
	struct partial req[MAX_OPEN_CALLS], resp[MAX_OPEN_CALLS];
};

struct pdu_ref {
	struct conv *conv;
	int dir;
	size_t off, len;
	uint64_t packet;
};

struct ctx {
	TALLOC_CTX *mem;
	struct rp_model *m;
	const struct rp_keys *keys;
	const char *why;
};

static int fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	c->why = talloc_vasprintf(c->mem, fmt, ap);
	va_end(ap);
	if (c->why == NULL)
		c->why = "out of memory";
	return -EINVAL;
}

struct rp_conn *rp_model_add_conn(struct rp_model *m)
{
	struct rp_conn *v = talloc_realloc(m, m->conns, struct rp_conn, m->num_conns + 1);
	if (v == NULL)
		return NULL;
	m->conns = v;
	memset(&v[m->num_conns], 0, sizeof(v[0]));
	return &v[m->num_conns++];
}

struct rp_call *rp_model_add_call(struct rp_model *m)
{
	struct rp_call *v = talloc_realloc(m, m->calls, struct rp_call, m->num_calls + 1);
	if (v == NULL)
		return NULL;
	m->calls = v;
	memset(&v[m->num_calls], 0, sizeof(v[0]));
	v[m->num_calls].number = (unsigned)m->num_calls + 1;
	return &v[m->num_calls++];
}

static int cmp_pdu(const void *a, const void *b)
{
	const struct pdu_ref *x = a, *y = b;
	if (x->packet != y->packet)
		return x->packet < y->packet ? -1 : 1;
	if (x->conv != y->conv)
		return x->conv->cap->index < y->conv->cap->index ? -1 : 1;
	if (x->dir != y->dir)
		return x->dir - y->dir;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The NTLMSSP message in an auth token: the token itself (auth type 10) or
 * inside SPNEGO's DER (auth type 9), found by its signature. */
static bool ntlm_token(const DATA_BLOB *cred, const uint8_t **msg, size_t *len)
{
	static const uint8_t sig[8] = "NTLMSSP";
	for (size_t i = 0; i + 8 <= cred->length; i++) {
		if (memcmp(cred->data + i, sig, 8) == 0) {
			*msg = cred->data + i;
			*len = cred->length - i;
			return true;
		}
	}
	return false;
}

/* MS-NLMP 3.3.2: from the AUTHENTICATE message and the password, the
 * exported session key; checks NTProofStr, so a wrong password is named. */
static int derive_keys(struct ctx *c, struct conv *v, const uint8_t *msg, size_t len)
{
	struct ntlm_authenticate a;
	uint8_t nt_hash[16], key[16], proof[16], base[16], exported[16];
	unsigned idx = v->cap->index;
	if (ntlm_parse_authenticate(msg, len, &a) != 0)
		return fail(c, "connection %u: malformed NTLM AUTHENTICATE message", idx);
	struct rp_conn *rc = &c->m->conns[v->model_conn];
	char *user = ntlm_utf8(c->mem, a.user.data, a.user.len);
	if (user != NULL)
		snprintf(rc->user, sizeof(rc->user), "%s", user);
	if (!v->have_challenge)
		return fail(c, "connection %u: NTLM AUTHENTICATE without a captured CHALLENGE", idx);
	if (c->keys == NULL || (c->keys->password == NULL && c->keys->nt_hash == NULL))
		return 1; /* no keys: protected stubs cannot be read */
	if (a.nt_response.len <= 24)
		return fail(c, "connection %u: NTLMv1 is not supported (only NTLMv2 keys can be "
			       "derived)", idx);
	if (c->keys->nt_hash != NULL)
		memcpy(nt_hash, c->keys->nt_hash, 16);
	else if (ntlm_nt_hash(c->keys->password, nt_hash) != 0)
		return fail(c, "the password is not valid UTF-8");
	const uint8_t *nt_proof = a.nt_response.data;
	const uint8_t *temp = a.nt_response.data + 16;
	size_t temp_len = a.nt_response.len - 16;
	if (ntlm_ntowfv2(nt_hash, a.user.data, a.user.len, a.domain.data, a.domain.len, key) != 0 ||
	    ntlm_v2_proof(key, v->challenge, temp, temp_len, proof) != 0)
		return fail(c, "connection %u: NTLM computation failed", idx);
	if (!ntlm_equal(proof, nt_proof, 16))
		return fail(c, "connection %u: the password (or NT hash) is not the one of account "
			       "\"%s\" in the captured NTLM exchange", idx, rc->user);
	struct ntlm_part p = { nt_proof, 16 };
	if (ntlm_hmac_md5(key, 16, &p, 1, base) != 0)
		return fail(c, "connection %u: NTLM computation failed", idx);
	memcpy(exported, base, 16);
	if (a.flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
		if (a.session_key.len != 16)
			return fail(c, "connection %u: KEY_EXCH without a 16-byte session key", idx);
		memcpy(exported, a.session_key.data, 16);
		if (ntlm_rc4k(base, exported, 16) != 0)
			return fail(c, "connection %u: RC4 failed", idx);
	}
	if (!(a.flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY))
		return fail(c, "connection %u: NTLM without extended session security is not "
			       "supported", idx);
	/* the server reads what the client sends, and the other way round */
	v->rx[0] = ntlm_session_new(c->mem, a.flags, exported, false);
	v->rx[1] = ntlm_session_new(c->mem, a.flags, exported, true);
	memset(exported, 0, 16);
	memset(base, 0, 16);
	memset(key, 0, 16);
	if (v->rx[0] == NULL || v->rx[1] == NULL)
		return fail(c, "out of memory");
	v->keyed = true;
	return 0;
}

/* A mechListMIC (MS-SPNG 3.1.5.1): the NTLM signature of the client's
 * MechTypeList, by the side that sent it; checking it moves that
 * direction's sequence number and RC4 state as it did for the peer. */
static int spnego_mic(struct ctx *c, struct conv *v, int dir, const DATA_BLOB *mic)
{
	if (!v->keyed || mic->length == 0)
		return 0;
	if (ntlm_session_check(v->rx[dir], v->mech_types_der.data, v->mech_types_der.length,
			       mic->data, mic->length) != 0)
		return fail(c, "connection %u: the %s's SPNEGO mechListMIC does not verify",
			    v->cap->index, dir == 0 ? "client" : "server");
	v->spnego_reset = true;
	return 0;
}

static int auth_leg(struct ctx *c, struct conv *v, const DATA_BLOB *info, int dir)
{
	struct dcerpc_auth auth;
	size_t data_len;
	const uint8_t *msg;
	size_t len;
	struct spnego_token sp = { .neg_state = SPNEGO_NO_STATE };
	bool spnego = false;
	if (info->length == 0)
		return 0;
	if (rpc_pdu_split_auth(info, (uint16_t)(info->length >= 8 ? info->length - 8 : 0), false, true,
			       &auth, &data_len) != 0)
		return 0; /* no sec_trailer we can read: nothing for us */
	if (dir == 0) {
		v->auth_type = auth.auth_type;
		v->auth_level = auth.auth_level;
	}
	if (auth.auth_type == DCERPC_AUTH_TYPE_SPNEGO &&
	    spnego_decode(c->mem, &auth.credentials, &sp) == 0) {
		spnego = true;
		if (sp.is_init && dir == 0)
			v->mech_types_der = sp.mech_types_der;
		msg = sp.mech_token.data;
		len = sp.mech_token.length;
		if (len == 0 || ntlm_msg_type(msg, len) < 0)
			return spnego_mic(c, v, dir, &sp.mech_list_mic);
	} else if (!ntlm_token(&auth.credentials, &msg, &len)) {
		return 0;
	}
	switch (ntlm_msg_type(msg, len)) {
	case NTLM_CHALLENGE: {
		struct ntlm_challenge ch;
		if (ntlm_parse_challenge(msg, len, &ch) != 0)
			return fail(c, "connection %u: malformed NTLM CHALLENGE", v->cap->index);
		memcpy(v->challenge, ch.server_challenge, 8);
		v->have_challenge = true;
		return spnego ? spnego_mic(c, v, dir, &sp.mech_list_mic) : 0;
	}
	case NTLM_AUTHENTICATE: {
		int rc = derive_keys(c, v, msg, len);
		if (rc < 0)
			return rc;
		return spnego ? spnego_mic(c, v, dir, &sp.mech_list_mic) : 0;
	}
	default:
		return 0;
	}
}

/* The slot of a call starting now (a call id seen again drops what was
 * left of the earlier call with that id). */
static struct partial *partial_start(struct ctx *c, struct conv *v, struct partial *set,
				     uint32_t call_id)
{
	struct partial *slot = NULL;
	for (size_t i = 0; i < MAX_OPEN_CALLS && slot == NULL; i++)
		if (set[i].used && set[i].call_id == call_id)
			slot = &set[i];
	for (size_t i = 0; i < MAX_OPEN_CALLS && slot == NULL; i++)
		if (!set[i].used)
			slot = &set[i];
	if (slot == NULL) {
		fail(c, "connection %u: more than %d calls open at once", v->cap->index,
		     MAX_OPEN_CALLS);
		return NULL;
	}
	if (slot->used)
		data_blob_free(&slot->data);
	slot->used = true;
	slot->call_id = call_id;
	slot->data = data_blob_null;
	return slot;
}

static struct partial *partial_find(struct partial *set, uint32_t call_id)
{
	for (size_t i = 0; i < MAX_OPEN_CALLS; i++)
		if (set[i].used && set[i].call_id == call_id)
			return &set[i];
	return NULL;
}

/* The stub of one request or response fragment, unsealed or checked.
 * FRAG is a private copy (unsealing writes into it). */
static int open_stub(struct ctx *c, struct conv *v, int dir, uint8_t *frag, size_t frag_len,
		     const DATA_BLOB *payload, uint16_t auth_length, size_t body_off,
		     DATA_BLOB *stub, uint32_t call_id)
{
	struct dcerpc_auth auth;
	size_t stub_len;
	if (rpc_pdu_split_auth(payload, auth_length, false, false, &auth, &stub_len) != 0)
		return fail(c, "connection %u call id %u: malformed sec_trailer", v->cap->index,
			    call_id);
	stub->data = frag + body_off;
	stub->length = stub_len;
	if (auth_length == 0 || auth.auth_level < DCERPC_AUTH_LEVEL_INTEGRITY)
		return 0;
	if (!v->keyed) {
		if (auth.auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
			return fail(c, "connection %u is sealed (privacy): give the account's "
				       "--password or --nt-hash", v->cap->index);
		return 0; /* signed only: readable, just not checked */
	}
	size_t whole = frag_len - auth.credentials.length;
	int rc;
	if (v->spnego_reset) {
		/* the first call after SPNEGO's MICs: RC4 as at the MICs' start
		 * (MS-SPNG 3.2.5.1, 3.3.5.1), sequence numbers kept */
		if (ntlm_session_reset_rc4(v->rx[0]) != 0 || ntlm_session_reset_rc4(v->rx[1]) != 0)
			return fail(c, "out of memory");
		v->spnego_reset = false;
	}
	if (auth.auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
		rc = ntlm_session_unseal(v->rx[dir], frag + body_off, stub_len + auth.auth_pad_length,
					 frag, whole, auth.credentials.data,
					 auth.credentials.length);
	else
		rc = ntlm_session_check(v->rx[dir], frag, whole, auth.credentials.data,
					auth.credentials.length);
	if (rc != 0)
		return fail(c, "connection %u call id %u: the %s's signature does not verify "
			       "(wrong keys, or PDUs missing from the capture)", v->cap->index, call_id,
			    dir == 0 ? "request" : "response");
	return 0;
}

static int append(struct ctx *c, struct partial *p, const DATA_BLOB *stub)
{
	if (p->data.length + stub->length > MAX_STUB)
		return fail(c, "a call's stub is larger than %u bytes", MAX_STUB);
	uint8_t *n = talloc_realloc_size(c->mem, p->data.data, p->data.length + stub->length);
	if (n == NULL && p->data.length + stub->length > 0)
		return fail(c, "out of memory");
	if (stub->length > 0)
		memcpy(n + p->data.length, stub->data, stub->length);
	p->data.data = n;
	p->data.length += stub->length;
	return 0;
}

static const struct ndr_syntax_id *ctx_syntax(struct conv *v, uint16_t id)
{
	for (size_t i = 0; i < v->num_ctx; i++)
		if (v->ctx[i].id == id)
			return &v->ctx[i].syntax;
	return NULL;
}

static int one_pdu(struct ctx *c, const struct pdu_ref *r)
{
	struct conv *v = r->conv;
	const uint8_t *src = v->cap->dir[r->dir].data + r->off;
	uint8_t *frag = talloc_memdup(c->mem, src, r->len);
	DATA_BLOB blob = { frag, r->len };
	struct ncacn_packet pkt;
	TALLOC_CTX *tmp = talloc_new(c->mem);
	int rc = 0;
	if (frag == NULL || tmp == NULL)
		return fail(c, "out of memory");
	if (!(src[4] & DCERPC_DREP_LE)) {
		rc = fail(c, "connection %u: big-endian PDUs are not supported", v->cap->index);
		goto out;
	}
	if (rpc_pdu_pull(tmp, &blob, &pkt) != 0) {
		rc = fail(c, "connection %u: malformed %s PDU at byte %zu (packet %llu)",
			  v->cap->index, rpc_ptype_name(src[2]), r->off,
			  (unsigned long long)r->packet);
		goto out;
	}
	struct rp_conn *mc = &c->m->conns[v->model_conn];
	if (!v->bound && pkt.ptype != DCERPC_PKT_BIND) {
		rc = fail(c, "connection %u (%s:%u - %s:%u): its start (bind, authentication) is "
			     "not in the capture: start capturing before the client connects",
			  v->cap->index, v->cap->client, v->cap->client_port, v->cap->server,
			  v->cap->server_port);
		goto out;
	}
	switch (pkt.ptype) {
	case DCERPC_PKT_BIND:
	case DCERPC_PKT_ALTER: {
		const struct dcerpc_bind *b = &pkt.u.bind;
		for (size_t i = 0; i < b->num_contexts; i++) {
			size_t k;
			for (k = 0; k < v->num_ctx; k++)
				if (v->ctx[k].id == b->ctx_list[i].context_id)
					break;
			if (k == MAX_CTX) {
				rc = fail(c, "connection %u: too many presentation contexts", v->cap->index);
				goto out;
			}
			v->ctx[k].id = b->ctx_list[i].context_id;
			v->ctx[k].syntax = b->ctx_list[i].abstract_syntax;
			if (k == v->num_ctx)
				v->num_ctx++;
		}
		if (!v->bound && b->num_contexts > 0) {
			v->bound = true;
			mc->first_iface = b->ctx_list[0].abstract_syntax;
			mc->to_resolver = rp_iface_on_resolver_port(&mc->first_iface);
		}
		rc = auth_leg(c, v, &b->auth_info, 0);
		mc->auth_type = v->auth_type;
		mc->auth_level = v->auth_level;
		break;
	}
	case DCERPC_PKT_BIND_ACK:
	case DCERPC_PKT_ALTER_RESP:
		rc = auth_leg(c, v, &pkt.u.bind_ack.auth_info, 1);
		break;
	case DCERPC_PKT_AUTH3:
		rc = auth_leg(c, v, &pkt.u.auth3.auth_info, 0);
		break;
	case DCERPC_PKT_REQUEST: {
		const struct dcerpc_request *q = &pkt.u.request;
		bool first = pkt.pfc_flags & DCERPC_PFC_FLAG_FIRST;
		size_t body_off = RPC_REQUEST_HDR_LEN +
				  (pkt.pfc_flags & DCERPC_PFC_FLAG_OBJECT_UUID ? 16 : 0);
		DATA_BLOB stub;
		rc = open_stub(c, v, 0, frag, r->len, &q->stub_and_verifier, pkt.auth_length,
			       body_off, &stub, pkt.call_id);
		if (rc != 0)
			break;
		struct partial *p = first ? partial_start(c, v, v->req, pkt.call_id)
					  : partial_find(v->req, pkt.call_id);
		if (p == NULL) {
			rc = first ? -EINVAL : fail(c, "connection %u call id %u: a request fragment "
						       "without its first", v->cap->index, pkt.call_id);
			break;
		}
		if (first) {
			const struct ndr_syntax_id *syn = ctx_syntax(v, q->context_id);
			if (syn == NULL) {
				rc = fail(c, "connection %u call id %u: presentation context %u was "
					     "never bound", v->cap->index, pkt.call_id, q->context_id);
				break;
			}
			struct rp_call *call = rp_model_add_call(c->m);
			if (call == NULL) {
				rc = fail(c, "out of memory");
				break;
			}
			call->conn = v->model_conn;
			call->call_id = pkt.call_id;
			call->iface = *syn;
			call->opnum = q->opnum;
			call->has_object = pkt.pfc_flags & DCERPC_PFC_FLAG_OBJECT_UUID;
			if (call->has_object)
				call->object = q->object.object;
			p->call = c->m->num_calls - 1;
		}
		rc = append(c, p, &stub);
		c->m->calls[p->call].req_frags++;
		if (rc == 0 && (pkt.pfc_flags & DCERPC_PFC_FLAG_LAST)) {
			struct rp_call *call = &c->m->calls[p->call];
			call->request = p->data;
			talloc_steal(c->m, call->request.data);
			/* the response to come finds its call through this slot */
			struct partial *resp = partial_start(c, v, v->resp, pkt.call_id);
			if (resp == NULL)
				rc = -EINVAL;
			else
				resp->call = p->call;
			p->used = false;
			p->data = data_blob_null;
		}
		break;
	}
	case DCERPC_PKT_RESPONSE:
	case DCERPC_PKT_FAULT: {
		struct partial *p = partial_find(v->resp, pkt.call_id);
		struct partial *q = p == NULL && pkt.ptype == DCERPC_PKT_FAULT
					    ? partial_find(v->req, pkt.call_id) : NULL;
		if (q != NULL) {
			/* refused while its fragments were still coming: the
			 * request stays incomplete (it will not decode) */
			struct rp_call *call = &c->m->calls[q->call];
			call->request = q->data;
			talloc_steal(c->m, call->request.data);
			call->answered = true;
			call->fault = true;
			call->fault_status = pkt.u.fault.status;
			q->used = false;
			q->data = data_blob_null;
			break;
		}
		if (p == NULL) {
			rc = fail(c, "connection %u call id %u: a %s without a request", v->cap->index,
				  pkt.call_id, rpc_ptype_name(pkt.ptype));
			break;
		}
		struct rp_call *call = &c->m->calls[p->call];
		if (pkt.ptype == DCERPC_PKT_FAULT) {
			call->answered = true;
			call->fault = true;
			call->fault_status = pkt.u.fault.status;
			p->used = false;
			break;
		}
		DATA_BLOB stub;
		rc = open_stub(c, v, 1, frag, r->len, &pkt.u.response.stub_and_verifier,
			       pkt.auth_length, RPC_RESPONSE_HDR_LEN, &stub, pkt.call_id);
		if (rc == 0)
			rc = append(c, p, &stub);
		call->resp_frags++;
		if (rc == 0 && (pkt.pfc_flags & DCERPC_PFC_FLAG_LAST)) {
			call->answered = true;
			call->response = p->data;
			talloc_steal(c->m, call->response.data);
			p->used = false;
			p->data = data_blob_null;
		}
		break;
	}
	default:
		break; /* bind_nak, shutdown, orphaned, co_cancel: nothing to replay */
	}
out:
	talloc_free(tmp);
	talloc_free(frag);
	return rc;
}

int rp_model_from_capture(TALLOC_CTX *mem_ctx, const struct capture *cap,
			  const struct rp_keys *keys, struct rp_model **out, const char **why)
{
	struct ctx c = { .mem = talloc_new(mem_ctx), .keys = keys };
	struct pdu_ref *refs = NULL;
	size_t num = 0;
	int rc = 0;
	*out = NULL;
	*why = NULL;
	if (c.mem == NULL || (c.m = talloc_zero(mem_ctx, struct rp_model)) == NULL) {
		*why = "out of memory";
		talloc_free(c.mem);
		return -ENOMEM;
	}
	struct conv *convs = talloc_zero_array(c.mem, struct conv, cap->num_conns + 1);
	if (convs == NULL) {
		rc = fail(&c, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < cap->num_conns && rc == 0; i++) {
		const struct cap_conn *cc = cap->conns[i];
		struct conv *v = &convs[i];
		v->cap = cc;
		if (keys != NULL && keys->server != NULL && strcmp(keys->server, cc->server) != 0)
			continue; /* another server's conversation (--server) */
		/* frame the PDUs of both directions */
		for (int d = 0; d < 2 && rc == 0; d++) {
			const struct cap_dir *dir = &cc->dir[d];
			size_t off = 0;
			while (off < dir->len) {
				if (dir->len - off < RPC_HDR_LEN) {
					rc = fail(&c, "connection %u: the capture ends inside a PDU "
						      "header (%s, byte %zu)", cc->index,
						  d == 0 ? "client" : "server", off);
					break;
				}
				const uint8_t *h = dir->data + off;
				if (h[0] != 5 || h[1] != 0) {
					if (off == 0 && d == 0) /* not DCE/RPC: skip the connection */
						break;
					rc = fail(&c, "connection %u: not a DCE/RPC PDU at byte %zu "
						      "of the %s's stream", cc->index, off,
						  d == 0 ? "client" : "server");
					break;
				}
				size_t flen = (size_t)h[8] | (size_t)h[9] << 8;
				if (!(h[4] & DCERPC_DREP_LE))
					flen = (size_t)h[9] | (size_t)h[8] << 8;
				if (flen < RPC_HDR_LEN) {
					rc = fail(&c, "connection %u: PDU at byte %zu has frag_length "
						      "%zu", cc->index, off, flen);
					break;
				}
				if (flen > dir->len - off) {
					rc = fail(&c, "connection %u: the capture ends inside a PDU "
						      "(%zu of %zu bytes at byte %zu of the %s's "
						      "stream): truncated capture", cc->index,
						  dir->len - off, flen, off,
						  d == 0 ? "client" : "server");
					break;
				}
				struct pdu_ref *n = talloc_realloc(c.mem, refs, struct pdu_ref, num + 1);
				if (n == NULL) {
					rc = fail(&c, "out of memory");
					break;
				}
				refs = n;
				refs[num++] = (struct pdu_ref){ v, d, off, flen,
								cap_dir_packet(dir, off) };
				off += flen;
			}
		}
	}
	if (rc != 0)
		goto done;
	if (num > 1)
		qsort(refs, num, sizeof(refs[0]), cmp_pdu);
	/* model connections for those that carried DCE/RPC, in capture order */
	for (size_t i = 0; i < cap->num_conns; i++) {
		bool has = false;
		for (size_t k = 0; k < num && !has; k++)
			has = refs[k].conv == &convs[i];
		if (!has)
			continue;
		struct rp_conn *mc = rp_model_add_conn(c.m);
		if (mc == NULL) {
			rc = fail(&c, "out of memory");
			goto done;
		}
		mc->index = cap->conns[i]->index;
		snprintf(mc->server, sizeof(mc->server), "%s", cap->conns[i]->server);
		mc->server_port = cap->conns[i]->server_port;
		mc->client_port = cap->conns[i]->client_port;
		mc->auth_level = DCERPC_AUTH_LEVEL_NONE;
		convs[i].model_conn = (unsigned)(c.m->num_conns - 1);
	}
	for (size_t k = 0; k < num && rc == 0; k++)
		rc = one_pdu(&c, &refs[k]);
done:
	if (rc != 0) {
		*why = talloc_steal(mem_ctx, c.why);
		talloc_free(c.m);
	} else {
		*out = c.m;
	}
	talloc_free(c.mem);
	return rc == 0 ? 0 : -EINVAL;
}
