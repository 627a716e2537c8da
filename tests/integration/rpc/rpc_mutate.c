/* A network-level mutation test (issue 9, tests/fuzz/README.md): valid
 * conversations with a running istmd, mutated, several PDUs per TCP segment,
 * with a liveness ept_map after every batch.
 *
 *   rpc_mutate ADDRESS EPM_PORT SEED CASES SECONDS
 *
 * Each case is one connection, one of:
 *  - unauthenticated streams to the endpoint-mapper port (bind + ept_map,
 *    bind + ServerAlive2/ResolveOxid2, activation) mutated anywhere, framing
 *    included, or ended by a PDU that makes the server close followed by more
 *    PDUs in the same segment;
 *  - an NTLM handshake (the project's own client, src/auth) as the admin
 *    (ISTMD_ADMIN, ISTMD_ADMIN_PASSWORD), then signed requests to one of the
 *    four MS-ISTM managers (activated beforehand, on the object port) or to
 *    the activation and resolver interfaces: stubs made by the generated
 *    test helpers, mutated, then signed, so that they pass the signature
 *    check and reach NDR and the ISTM layer; or mutated after signing.
 * Methods that create or grow files, mount, or call back are left out.
 *
 * Deterministic in what it sends (SEED); bounded by CASES and SECONDS. Exits
 * 1 if a liveness check fails (the daemon died or stopped answering);
 * with_istmd.sh then checks its exit and its log for sanitizer reports. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "dcom/client.h"
#include "idl/ndr_ms_dcom.h"
#include "idl/ndr_ms_istm.h"
#include "idl/ndr_ms_rpce.h"
#include "idl/test_ms_dcom.h"
#include "idl/test_ms_dtyp.h"
#include "idl/test_ms_istm.h"
#include "idl/test_ms_oaut.h"
#include "idl/test_ms_rpce.h"
#include "idl/test_ms_vds.h"
#include "istmd/log.h"
#include "ndr/idl_testing.h"
#include "rpc/pdu.h"

static const char *address;
static uint16_t epm_port, object_port;
static const char *user, *password;
static pid_t daemon_pid;

/* ---- deterministic randomness ------------------------------------------------ */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/* ---- sockets ------------------------------------------------------------------ */

static int tcp_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, address, &sin.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void send_blob(int fd, DATA_BLOB b)
{
	size_t off = 0;
	while (off < b.length) {
		ssize_t n = send(fd, b.data + off, b.length - off, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

/* Reads exactly LEN bytes within MS milliseconds. */
static bool read_full(int fd, uint8_t *buf, size_t len, int ms)
{
	size_t got = 0;
	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, ms) <= 0)
			return false;
		ssize_t n = recv(fd, buf + got, len - got, 0);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

/* The next PDU from the server, pulled into PKT (blobs on MEM). */
static bool recv_pkt(int fd, TALLOC_CTX *mem, struct ncacn_packet *pkt, int ms)
{
	uint8_t hdr[RPC_HDR_LEN];
	if (!read_full(fd, hdr, sizeof(hdr), ms))
		return false;
	struct rpc_pdu_hdr h;
	rpc_pdu_peek(hdr, &h);
	if (h.frag_length < RPC_HDR_LEN)
		return false;
	uint8_t *buf = talloc_size(mem, h.frag_length);
	memcpy(buf, hdr, sizeof(hdr));
	if (!read_full(fd, buf + RPC_HDR_LEN, h.frag_length - RPC_HDR_LEN, ms))
		return false;
	DATA_BLOB b = data_blob_const(buf, h.frag_length);
	return rpc_pdu_pull(mem, &b, pkt) == 0;
}

/* Reads and drops what the server sends until it closes or is quiet for
 * QUIET ms (at most 2 s in all). */
static void drain(int fd, int quiet)
{
	uint8_t buf[8192];
	for (int rounds = 0; rounds < 2000 / (quiet ? quiet : 1); rounds++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, quiet) <= 0)
			return;
		if (recv(fd, buf, sizeof(buf), 0) <= 0)
			return;
	}
}

/* ---- PDUs ---------------------------------------------------------------------- */

static DATA_BLOB bind_pdu(TALLOC_CTX *mem, uint8_t ptype, uint32_t call_id, uint32_t assoc,
			  const struct ndr_interface_table *table, const struct dcerpc_auth *auth)
{
	struct ncacn_packet pkt;
	struct dcerpc_ctx_list ctx = {
		.context_id = 0,
		.num_transfer_syntaxes = 1,
		.abstract_syntax = table->syntax_id,
		.transfer_syntaxes = discard_const_p(struct ndr_syntax_id, &ndr_transfer_syntax_ndr),
	};
	rpc_pdu_init(&pkt, ptype, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, call_id);
	pkt.u.bind.max_xmit_frag = 5840;
	pkt.u.bind.max_recv_frag = 5840;
	pkt.u.bind.assoc_group_id = assoc;
	pkt.u.bind.num_contexts = 1;
	pkt.u.bind.ctx_list = &ctx;
	DATA_BLOB out = data_blob_null;
	if (rpc_pdu_push(mem, &pkt, auth, &out) != 0)
		abort();
	return out;
}

/* A request; with SEC, signed (integrity) after everything else is final. */
static DATA_BLOB request_pdu(TALLOC_CTX *mem, uint32_t call_id, uint16_t opnum,
			     const struct GUID *object, DATA_BLOB stub, struct auth_ctx *sec)
{
	struct ncacn_packet pkt;
	rpc_pdu_init(&pkt, DCERPC_PKT_REQUEST, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
		     call_id);
	pkt.u.request.alloc_hint = (uint32_t)stub.length;
	pkt.u.request.context_id = 0;
	pkt.u.request.opnum = opnum;
	if (object != NULL) {
		pkt.pfc_flags |= DCERPC_PFC_FLAG_OBJECT_UUID;
		pkt.u.request.object.object = *object;
	}
	size_t pad = sec ? rpc_auth_pad(stub.length) : 0;
	DATA_BLOB body = data_blob_talloc_zero(mem, stub.length + pad + 1);
	if (stub.length != 0)
		memcpy(body.data, stub.data, stub.length);
	body.length = stub.length + pad;
	pkt.u.request.stub_and_verifier = body;
	size_t sig_size = sec ? auth_sig_size(sec) : 0;
	static const uint8_t zeros[64];
	struct dcerpc_auth auth = {
		.auth_type = AUTH_TYPE_NTLMSSP,
		.auth_level = DCERPC_AUTH_LEVEL_INTEGRITY,
		.auth_pad_length = (uint8_t)pad,
		.auth_context_id = 1,
		.credentials = data_blob_const(zeros, sig_size),
	};
	DATA_BLOB frag = data_blob_null;
	if (rpc_pdu_push(mem, &pkt, sec ? &auth : NULL, &frag) != 0)
		abort();
	if (sec != NULL) {
		size_t hdr = RPC_REQUEST_HDR_LEN + (object ? 16 : 0);
		size_t whole = frag.length - sig_size;
		DATA_BLOB sig = data_blob_null;
		if (auth_sign(sec, mem, frag.data + hdr, stub.length + pad, frag.data, whole, &sig) == 0 &&
		    sig.length == sig_size)
			memcpy(frag.data + whole, sig.data, sig.length);
	}
	return frag;
}

static void append(TALLOC_CTX *mem, DATA_BLOB *all, DATA_BLOB b)
{
	if (!data_blob_append(mem, all, b.data, b.length))
		abort();
}

/* ---- mutations ------------------------------------------------------------------ */

static void put_le(uint8_t *p, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* 1-4 changes to B: bits, bytes, interesting 16/32-bit values (lengths,
 * counts, offsets), truncation, insertion, duplication. */
static void mutate(TALLOC_CTX *mem, DATA_BLOB *b)
{
	static const uint32_t interesting[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
						0x10000, 0x7fffffff, 0x80000000, 0xffffffff };
	unsigned n = 1 + below(4);
	for (unsigned i = 0; i < n && b->length > 0; i++) {
		size_t at = below((uint32_t)b->length);
		switch (below(7)) {
		case 0:
			b->data[at] ^= (uint8_t)(1u << below(8));
			break;
		case 1:
			b->data[at] = (uint8_t)rnd();
			break;
		case 2:
		case 3: {
			int w = below(2) ? 4 : 2;
			if (at + (size_t)w <= b->length)
				put_le(b->data + at, interesting[below(12)], w);
			break;
		}
		case 4:
			b->length = at; /* truncate */
			break;
		case 5: { /* insert random bytes */
			size_t k = 1 + below(16);
			uint8_t *d = talloc_size(mem, b->length + k);
			memcpy(d, b->data, at);
			for (size_t j = 0; j < k; j++)
				d[at + j] = (uint8_t)rnd();
			memcpy(d + at + k, b->data + at, b->length - at);
			*b = data_blob_const(d, b->length + k);
			break;
		}
		default: { /* duplicate a chunk */
			size_t k = 1 + below((uint32_t)(b->length - at < 64 ? b->length - at : 64));
			uint8_t *d = talloc_size(mem, b->length + k);
			memcpy(d, b->data, at + k);
			memcpy(d + at + k, b->data + at, b->length - at);
			*b = data_blob_const(d, b->length + k);
			break;
		}
		}
	}
}

/* ---- valid stubs ----------------------------------------------------------------- */

static const struct idl_test_call *const test_tables[] = {
	idl_test_calls_ms_dcom, idl_test_calls_ms_dtyp, idl_test_calls_ms_istm,
	idl_test_calls_ms_oaut, idl_test_calls_ms_rpce, idl_test_calls_ms_vds,
};

/* OPNUM of IFACE as declared (by IFACE or a base). */
static const struct idl_test_call *find_call(const struct idl_interface *iface, uint32_t opnum)
{
	while (iface != NULL && opnum < iface->first_opnum)
		iface = iface->base;
	if (iface == NULL)
		return NULL;
	for (size_t t = 0; t < sizeof(test_tables) / sizeof(test_tables[0]); t++)
		for (const struct idl_test_call *c = test_tables[t]; c->table != NULL; c++)
			if (c->table == iface->table && c->opnum == opnum)
				return c;
	return NULL;
}

static bool harmless(const char *name)
{
	static const char *const risky[] = { "Create", "Grow", "Import", "Mount", "Snapshot",
					     "Notification", "Rollback", "Export", "Rescan" };
	for (size_t i = 0; i < sizeof(risky) / sizeof(risky[0]); i++)
		if (strstr(name, risky[i]) != NULL)
			return false;
	return true;
}

/* A valid [in] stub of OPNUM of IFACE from the generated fill (ORPCTHIS made
 * acceptable for [object] interfaces), or false when the method is left out. */
static bool valid_stub(TALLOC_CTX *mem, const struct idl_interface *iface, uint32_t opnum,
		       DATA_BLOB *stub)
{
	const struct idl_test_call *c = find_call(iface, opnum);
	if (c == NULL || !harmless(c->name))
		return false;
	struct idl_fill f = { .mem = mem, .next = rnd() | 1 };
	void *r = talloc_zero_size(mem, c->struct_size);
	c->fill(&f, r);
	if (iface->object) {
		struct ORPCTHIS *o = r; /* the first [in] member (generated code) */
		o->version.MajorVersion = 5;
		o->version.MinorVersion = 7;
		o->flags = 0;
		o->reserved1 = 0;
		o->extensions = NULL;
	}
	struct ndr_push *push = ndr_push_init_ctx(mem);
	if (push == NULL || !NDR_ERR_CODE_IS_SUCCESS(c->table->calls[opnum].ndr_push(push, NDR_IN, r)))
		return false;
	*stub = ndr_push_blob(push);
	return true;
}

/* A little-endian byte writer for the hand-made ept_map stub. */
struct wbuf {
	uint8_t d[256];
	size_t n;
};

static void w_bytes(struct wbuf *b, const void *p, size_t n)
{
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void w_u16(struct wbuf *b, uint16_t v)
{
	put_le(b->d + b->n, v, 2);
	b->n += 2;
}

static void w_u32(struct wbuf *b, uint32_t v)
{
	put_le(b->d + b->n, v, 4);
	b->n += 4;
}

static void w_guid(struct wbuf *b, const struct GUID *g)
{
	w_u32(b, g->time_low);
	w_u16(b, g->time_mid);
	w_u16(b, g->time_hi_and_version);
	w_bytes(b, g->clock_seq, 2);
	w_bytes(b, g->node, 6);
}

/* One tower floor: LHS (protocol id byte, then DATA) and RHS. */
static void w_floor(struct wbuf *b, uint8_t id, const struct GUID *uuid, uint16_t vers,
		    const void *rhs, uint16_t rhs_len)
{
	w_u16(b, uuid ? 19 : 1);
	w_bytes(b, &id, 1);
	if (uuid != NULL) {
		w_guid(b, uuid);
		w_u16(b, vers);
	}
	w_u16(b, rhs_len);
	w_bytes(b, rhs, rhs_len);
}

/* ept_map for IObjectExporter over ncacn_ip_tcp (C706 appendix L, O). */
static DATA_BLOB ept_map_stub(TALLOC_CTX *mem)
{
	static const uint8_t zero[4];
	struct wbuf t = { .n = 0 }, b = { .n = 0 };
	const struct ndr_syntax_id *oxid = &ndr_table_IObjectExporter.syntax_id;
	w_u16(&t, 5);
	w_floor(&t, 0x0d, &oxid->uuid, (uint16_t)oxid->if_version, zero, 2);
	w_floor(&t, 0x0d, &ndr_transfer_syntax_ndr.uuid, 2, zero, 2);
	w_floor(&t, 0x0b, NULL, 0, zero, 2); /* RPC connection-oriented */
	w_floor(&t, 0x07, NULL, 0, zero, 2); /* TCP port */
	w_floor(&t, 0x09, NULL, 0, zero, 4); /* IP address */
	w_u32(&b, 1); /* object: a unique pointer to the nil UUID */
	w_bytes(&b, (uint8_t[16]){ 0 }, 16);
	w_u32(&b, 2); /* map_tower */
	w_u32(&b, (uint32_t)t.n);
	w_u32(&b, (uint32_t)t.n);
	w_bytes(&b, t.d, t.n);
	while (b.n % 4)
		b.d[b.n++] = 0;
	w_bytes(&b, (uint8_t[20]){ 0 }, 20); /* entry_handle */
	w_u32(&b, 4);                        /* max_towers */
	return data_blob_talloc(mem, b.d, b.n);
}

/* ---- liveness ------------------------------------------------------------------- */

static bool alive(TALLOC_CTX *mem)
{
	if (daemon_pid > 0 && kill(daemon_pid, 0) != 0)
		return false;
	int fd = tcp_connect(epm_port);
	if (fd < 0)
		return false;
	DATA_BLOB all = data_blob_null;
	append(mem, &all, bind_pdu(mem, DCERPC_PKT_BIND, 1, 0, &ndr_table_ept, NULL));
	append(mem, &all, request_pdu(mem, 2, 3, NULL, ept_map_stub(mem), NULL));
	send_blob(fd, all);
	struct ncacn_packet ack, resp;
	bool ok = recv_pkt(fd, mem, &ack, 5000) && ack.ptype == DCERPC_PKT_BIND_ACK &&
		  recv_pkt(fd, mem, &resp, 5000) && resp.ptype == DCERPC_PKT_RESPONSE;
	close(fd);
	return ok;
}

/* ---- cases ---------------------------------------------------------------------- */

struct target {
	const struct idl_interface *iface;
	const struct GUID *ipid; /* NULL: not an object interface */
	uint16_t port;
};

static struct target targets[8];
static size_t ntargets;

/* Sends ALL in one segment or, now and then, in two with a pause. */
static void send_stream(int fd, DATA_BLOB all)
{
	if (all.length > 1 && below(4) == 0) {
		size_t cut = 1 + below((uint32_t)all.length - 1);
		send_blob(fd, data_blob_const(all.data, cut));
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		send_blob(fd, data_blob_const(all.data + cut, all.length - cut));
	} else {
		send_blob(fd, all);
	}
}

static void case_unauthenticated(TALLOC_CTX *mem)
{
	int fd = tcp_connect(epm_port);
	if (fd < 0)
		return;
	DATA_BLOB all = data_blob_null;
	uint32_t kind = below(4);
	if (kind == 0) {
		append(mem, &all, bind_pdu(mem, DCERPC_PKT_BIND, 1, 0, &ndr_table_ept, NULL));
		append(mem, &all, request_pdu(mem, 2, 3, NULL, ept_map_stub(mem), NULL));
	} else if (kind == 1) {
		DATA_BLOB stub;
		append(mem, &all, bind_pdu(mem, DCERPC_PKT_BIND, 1, 0, &ndr_table_IObjectExporter, NULL));
		append(mem, &all, request_pdu(mem, 2, 5, NULL, data_blob_null, NULL)); /* ServerAlive2 */
		if (valid_stub(mem, &idl_iface_IObjectExporter, 4, &stub)) /* ResolveOxid2 */
			append(mem, &all, request_pdu(mem, 3, 4, NULL, stub, NULL));
	} else if (kind == 2) {
		DATA_BLOB stub;
		append(mem, &all, bind_pdu(mem, DCERPC_PKT_BIND, 1, 0, &ndr_table_IRemoteSCMActivator, NULL));
		if (valid_stub(mem, &idl_iface_IRemoteSCMActivator, 4, &stub))
			append(mem, &all, request_pdu(mem, 2, 4, NULL, stub, NULL));
	} else {
		/* a PDU that makes the server close (a request before any bind, or
		 * a bind to an association group that does not exist), then more
		 * in the same segment: issue 9 defect 1 */
		if (below(2))
			append(mem, &all, request_pdu(mem, 1, 3, NULL, ept_map_stub(mem), NULL));
		else
			append(mem, &all, bind_pdu(mem, DCERPC_PKT_BIND, 1, 0x7000 + below(0x1000),
						   &ndr_table_ept, NULL));
		for (unsigned i = 0, n = 1 + below(3); i < n; i++) {
			uint8_t ptype = below(2) ? DCERPC_PKT_ALTER : DCERPC_PKT_BIND;
			append(mem, &all, below(3) ? bind_pdu(mem, ptype, 2 + i, 0, &ndr_table_ept, NULL) :
						     request_pdu(mem, 2 + i, 3, NULL,
								 ept_map_stub(mem), NULL));
		}
	}
	if (kind != 3 || below(2))
		mutate(mem, &all);
	send_stream(fd, all);
	drain(fd, 20);
	close(fd);
}

/* NTLM bind (integrity) of TABLE on a fresh connection to PORT as the admin.
 * Returns the socket and *SEC, or -1. */
static int ntlm_bind(TALLOC_CTX *mem, uint16_t port, const struct ndr_interface_table *table,
		     struct auth_ctx **sec)
{
	int fd = tcp_connect(port);
	if (fd < 0)
		return -1;
	struct auth_ctx *a = auth_client_new(mem, AUTH_TYPE_NTLMSSP, user, "", password);
	DATA_BLOB empty = data_blob_null, tok;
	if (a == NULL || auth_update(a, mem, &empty, &tok) != 1)
		goto fail;
	struct dcerpc_auth auth = { .auth_type = AUTH_TYPE_NTLMSSP,
				    .auth_level = DCERPC_AUTH_LEVEL_INTEGRITY,
				    .auth_context_id = 1,
				    .credentials = tok };
	send_blob(fd, bind_pdu(mem, DCERPC_PKT_BIND, 1, 0, table, &auth));
	struct ncacn_packet ack;
	struct dcerpc_auth in;
	size_t dl;
	if (!recv_pkt(fd, mem, &ack, 3000) || ack.ptype != DCERPC_PKT_BIND_ACK ||
	    rpc_pdu_split_auth(&ack.u.bind_ack.auth_info, ack.auth_length, false, true, &in, &dl) != 0 ||
	    auth_update(a, mem, &in.credentials, &tok) != 0)
		goto fail;
	struct ncacn_packet pkt;
	rpc_pdu_init(&pkt, DCERPC_PKT_AUTH3, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 1);
	auth.credentials = tok;
	DATA_BLOB out;
	if (rpc_pdu_push(mem, &pkt, &auth, &out) != 0)
		goto fail;
	send_blob(fd, out);
	*sec = a;
	return fd;
fail:
	close(fd);
	return -1;
}

static unsigned signed_requests;

static void case_signed(TALLOC_CTX *mem)
{
	const struct target *t = &targets[below((uint32_t)ntargets)];
	struct auth_ctx *sec;
	int fd = ntlm_bind(mem, t->port, t->iface->table, &sec);
	if (fd < 0)
		return;
	DATA_BLOB all = data_blob_null;
	uint32_t ncalls = t->iface->table->num_calls;
	bool frame_mutation = below(5) == 0;
	for (unsigned i = 0, n = 1 + below(4); i < n; i++) {
		uint32_t opnum = 3 + below(ncalls > 3 ? ncalls - 3 : 1);
		DATA_BLOB stub;
		if (!valid_stub(mem, t->iface, opnum, &stub))
			continue;
		if (below(4) != 0)
			mutate(mem, &stub);
		if (below(16) == 0)
			opnum = (uint16_t)rnd(); /* out of range, signed */
		append(mem, &all, request_pdu(mem, 2 + i, (uint16_t)opnum, t->ipid, stub, sec));
		signed_requests++;
	}
	if (frame_mutation)
		mutate(mem, &all); /* after signing: framing and signature checks */
	send_stream(fd, all);
	drain(fd, 30);
	close(fd);
}

/* ---- set-up ---------------------------------------------------------------------- */

static int activate(TALLOC_CTX *mem, struct tevent_context *ev)
{
	static const struct {
		const char *clsid;
		const struct idl_interface *iface;
	} managers[] = {
		{ "baa4a577-202d-49c7-a6bb-10ee914ee199", &idl_iface_IWTGeneral },
		{ "e14efe0b-fd3b-41ea-8e3b-88930445b944", &idl_iface_IHostMgr },
		{ "0144084b-e09e-4f45-a56b-dcdc9f379f5e", &idl_iface_IWTDiskMgr },
		{ "f1d3a46c-2e1b-4d84-97da-b3742ad67871", &idl_iface_ILocalDeviceMgr },
	};
	struct dcom_client_options opts = {
		.host = address,
		.port = epm_port,
		.auth = { .auth_type = AUTH_TYPE_NTLMSSP, .auth_level = DCERPC_AUTH_LEVEL_INTEGRITY,
			  .user = user, .domain = "", .password = password },
		.timeout_ms = 10000,
	};
	struct dcom_client *client;
	int rc = dcom_client_connect(mem, ev, &opts, &client);
	if (rc != 0) {
		fprintf(stderr, "rpc_mutate: DCOM connect: %s\n", strerror(-rc));
		return -1;
	}
	for (size_t i = 0; i < sizeof(managers) / sizeof(managers[0]); i++) {
		struct GUID clsid;
		uint32_t hr = 0, result = 0, fault = 0;
		struct dcom_iface *ip = NULL;
		GUID_from_string(managers[i].clsid, &clsid);
		rc = dcom_client_activate(mem, client, &clsid, 1,
					  &managers[i].iface->table->syntax_id.uuid, &hr, &result, &ip,
					  &fault);
		if (rc != 0 || ip == NULL) {
			fprintf(stderr, "rpc_mutate: activating %s: %d hr 0x%08x\n",
				managers[i].iface->name, rc, hr);
			return -1;
		}
		const char *binding = dcom_client_exporter_binding(client);
		const char *br = binding ? strrchr(binding, '[') : NULL;
		if (br == NULL)
			return -1;
		object_port = (uint16_t)atoi(br + 1);
		targets[ntargets++] = (struct target){ managers[i].iface, &ip->ipid, object_port };
	}
	targets[ntargets++] = (struct target){ &idl_iface_IRemoteSCMActivator, NULL, epm_port };
	targets[ntargets++] = (struct target){ &idl_iface_IObjectExporter, NULL, epm_port };
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: rpc_mutate ADDRESS EPM_PORT SEED CASES SECONDS\n");
		return 2;
	}
	address = argv[1];
	epm_port = (uint16_t)atoi(argv[2]);
	rng_state = strtoull(argv[3], NULL, 0) * 0x9e3779b97f4a7c15ull + 1;
	unsigned cases = (unsigned)atoi(argv[4]);
	double seconds = atof(argv[5]);
	user = getenv("ISTMD_ADMIN");
	password = getenv("ISTMD_ADMIN_PASSWORD");
	daemon_pid = getenv("ISTMD_PID") ? (pid_t)atoi(getenv("ISTMD_PID")) : 0;
	if (user == NULL || password == NULL) {
		fprintf(stderr, "rpc_mutate: ISTMD_ADMIN and ISTMD_ADMIN_PASSWORD must be set\n");
		return 2;
	}
	log_set_level(LOG_LVL_ERR);
	signal(SIGPIPE, SIG_IGN);
	TALLOC_CTX *top = talloc_new(NULL);
	struct tevent_context *ev = tevent_context_init(top);
	if (activate(top, ev) != 0)
		return 1;

	const unsigned batch = 20;
	double start = now();
	unsigned done = 0;
	while (done < cases && now() - start < seconds) {
		for (unsigned i = 0; i < batch && done < cases; i++, done++) {
			TALLOC_CTX *mem = talloc_new(top);
			if (below(2))
				case_unauthenticated(mem);
			else
				case_signed(mem);
			talloc_free(mem);
		}
		TALLOC_CTX *mem = talloc_new(top);
		bool ok = alive(mem);
		talloc_free(mem);
		if (!ok) {
			fprintf(stderr, "rpc_mutate: FAILED: no answer to ept_map after case %u (seed %s)\n",
				done, argv[3]);
			return 1;
		}
	}
	printf("rpc_mutate: %u cases (%u signed requests) in %.1f s, the daemon answered after every "
	       "batch of %u\n", done, signed_requests, now() - start, batch);
	talloc_free(top);
	return 0;
}
