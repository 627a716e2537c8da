/* The two PDUs of every call, framed by hand (issue 16: a cheaper sealed
 * call): the request's header is read in place and the response fragment is
 * laid out in the caller's buffer, with none of the NDR engine's
 * allocations and copies. The bytes are those of Samba's ncacn_packet
 * marshallers (C706 12.6.4.9-10, MS-RPCE 2.2.2.11); tests/unit/rpc compares
 * both ways. */
#include "rpc/pdu.h"

#include <errno.h>
#include <string.h>

static uint16_t get16(const uint8_t *p, bool le)
{
	return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[1] | p[0] << 8);
}

static uint32_t get32(const uint8_t *p, bool le)
{
	if (le)
		return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		       (uint32_t)p[3] << 24;
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int rpc_pdu_pull_request(const DATA_BLOB *blob, struct ncacn_packet *pkt)
{
	const uint8_t *b = blob->data;
	if (blob->length < RPC_REQUEST_HDR_LEN)
		return -EPROTO;
	memset(pkt, 0, sizeof(*pkt));
	pkt->rpc_vers = b[0];
	pkt->rpc_vers_minor = b[1];
	pkt->ptype = b[2];
	pkt->pfc_flags = b[3];
	memcpy(pkt->drep, b + 4, 4);
	bool le = (b[4] & DCERPC_DREP_LE) != 0;
	pkt->frag_length = get16(b + 8, le);
	pkt->auth_length = get16(b + 10, le);
	pkt->call_id = get32(b + 12, le);
	if (pkt->ptype != DCERPC_PKT_REQUEST || pkt->frag_length != blob->length)
		return -EPROTO;
	struct dcerpc_request *req = &pkt->u.request;
	req->alloc_hint = get32(b + 16, le);
	req->context_id = get16(b + 20, le);
	req->opnum = get16(b + 22, le);
	size_t off = RPC_REQUEST_HDR_LEN;
	if (pkt->pfc_flags & DCERPC_PFC_FLAG_OBJECT_UUID) {
		if (blob->length < off + 16)
			return -EPROTO;
		/* A GUID as NDR reads it: the first three fields in drep order. */
		struct GUID *g = &req->object.object;
		g->time_low = get32(b + off, le);
		g->time_mid = get16(b + off + 4, le);
		g->time_hi_and_version = get16(b + off + 6, le);
		memcpy(g->clock_seq, b + off + 8, 2);
		memcpy(g->node, b + off + 10, 6);
		off += 16;
	}
	req->stub_and_verifier = data_blob_const(b + off, blob->length - off);
	return 0;
}

size_t rpc_pdu_put_response(uint8_t *buf, size_t size, uint8_t pfc_flags, uint32_t call_id,
			    uint32_t alloc_hint, uint16_t context_id, uint8_t cancel_count,
			    const uint8_t *stub, size_t stub_len, const struct dcerpc_auth *auth)
{
	size_t pad = auth != NULL ? auth->auth_pad_length : 0;
	size_t sig = auth != NULL ? auth->credentials.length : 0;
	size_t len = RPC_RESPONSE_HDR_LEN + stub_len + pad +
		     (auth != NULL ? RPC_AUTH_TRAILER_LEN + sig : 0);
	if (len > size || len > UINT16_MAX || sig > UINT16_MAX)
		return 0;
	buf[0] = 5;
	buf[1] = 0;
	buf[2] = DCERPC_PKT_RESPONSE;
	buf[3] = pfc_flags;
	buf[4] = DCERPC_DREP_LE;
	buf[5] = buf[6] = buf[7] = 0;
	put16(buf + 8, (uint16_t)len);
	put16(buf + 10, (uint16_t)sig);
	put32(buf + 12, call_id);
	put32(buf + 16, alloc_hint);
	put16(buf + 20, context_id);
	buf[22] = cancel_count;
	buf[23] = 0;
	uint8_t *p = buf + RPC_RESPONSE_HDR_LEN;
	if (stub_len != 0)
		memcpy(p, stub, stub_len);
	p += stub_len;
	if (auth == NULL)
		return len;
	memset(p, 0, pad);
	p += pad;
	p[0] = auth->auth_type;
	p[1] = auth->auth_level;
	p[2] = auth->auth_pad_length;
	p[3] = auth->auth_reserved;
	put32(p + 4, auth->auth_context_id);
	p += RPC_AUTH_TRAILER_LEN;
	if (sig != 0)
		memcpy(p, auth->credentials.data, sig);
	return len;
}
