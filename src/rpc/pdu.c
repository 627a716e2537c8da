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

void rpc_pdu_peek(const uint8_t *buf, struct rpc_pdu_hdr *hdr)
{
	hdr->rpc_vers = buf[0];
	hdr->rpc_vers_minor = buf[1];
	hdr->ptype = buf[2];
	hdr->pfc_flags = buf[3];
	memcpy(hdr->drep, buf + 4, 4);
	bool le = rpc_drep_is_le(hdr->drep);
	hdr->frag_length = get16(buf + 8, le);
	hdr->auth_length = get16(buf + 10, le);
	hdr->call_id = get32(buf + 12, le);
}

int rpc_pdu_pull(TALLOC_CTX *mem_ctx, const DATA_BLOB *blob, struct ncacn_packet *pkt)
{
	if (blob->length < RPC_HDR_LEN)
		return -EPROTO;
	struct ndr_pull *ndr = ndr_pull_init_blob(blob, mem_ctx);
	if (ndr == NULL)
		return -ENOMEM;
	if (!(blob->data[4] & DCERPC_DREP_LE))
		ndr->flags |= LIBNDR_FLAG_BIGENDIAN;
	if (blob->data[3] & DCERPC_PFC_FLAG_OBJECT_UUID)
		ndr->flags |= LIBNDR_FLAG_OBJECT_PRESENT;
	ndr->current_mem_ctx = mem_ctx;
	memset(pkt, 0, sizeof(*pkt));
	enum ndr_err_code err = ndr_pull_ncacn_packet(ndr, NDR_SCALARS | NDR_BUFFERS, pkt);
	talloc_free(ndr);
	if (!NDR_ERR_CODE_IS_SUCCESS(err))
		return err == NDR_ERR_ALLOC ? -ENOMEM : -EPROTO;
	if (pkt->frag_length != blob->length)
		return -EPROTO;
	return 0;
}

int rpc_pdu_check_header(const struct ncacn_packet *pkt, uint8_t ptype, size_t max_auth_info)
{
	if (pkt->rpc_vers != 5 || pkt->rpc_vers_minor != 0)
		return -EPROTO;
	if (pkt->ptype != ptype)
		return -EPROTO;
	if (pkt->auth_length > pkt->frag_length || pkt->auth_length > max_auth_info)
		return -EPROTO;
	/* Every pfc_flags bit is acceptable on the PDUs we receive (0x08 is
	 * undefined and ignored); the data representation must be ASCII, IEEE. */
	if ((pkt->drep[0] & ~DCERPC_DREP_LE) != 0 || pkt->drep[1] != 0 || pkt->drep[2] != 0 ||
	    pkt->drep[3] != 0)
		return -EPROTO;
	return 0;
}

int rpc_pdu_split_auth(const DATA_BLOB *payload, uint16_t auth_length, bool big_endian,
		       bool auth_data_only, struct dcerpc_auth *auth, size_t *data_len)
{
	memset(auth, 0, sizeof(*auth));
	if (auth_length == 0) {
		*data_len = payload->length;
		return 0;
	}
	if (payload->length < (size_t)RPC_AUTH_TRAILER_LEN + auth_length)
		return -EPROTO;
	size_t trailer_off = payload->length - auth_length - RPC_AUTH_TRAILER_LEN;
	const uint8_t *t = payload->data + trailer_off;
	bool le = !big_endian;

	auth->auth_type = t[0];
	auth->auth_level = t[1];
	auth->auth_pad_length = t[2];
	auth->auth_reserved = t[3];
	auth->auth_context_id = get32(t + 4, le);
	auth->credentials = data_blob_const(t + RPC_AUTH_TRAILER_LEN, auth_length);

	if (auth->auth_pad_length > trailer_off)
		return -EPROTO;
	if (auth_data_only && trailer_off != auth->auth_pad_length)
		return -EPROTO;
	*data_len = trailer_off - auth->auth_pad_length;
	return 0;
}

void rpc_pdu_init(struct ncacn_packet *pkt, uint8_t ptype, uint8_t pfc_flags, uint32_t call_id)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->rpc_vers = 5;
	pkt->rpc_vers_minor = 0;
	pkt->ptype = ptype;
	pkt->pfc_flags = pfc_flags;
	pkt->drep[0] = DCERPC_DREP_LE;
	pkt->call_id = call_id;
}

int rpc_pdu_push(TALLOC_CTX *mem_ctx, struct ncacn_packet *pkt, const struct dcerpc_auth *auth,
		 DATA_BLOB *out)
{
	struct ndr_push *ndr = ndr_push_init_ctx(mem_ctx);
	if (ndr == NULL)
		return -ENOMEM;
	if (pkt->pfc_flags & DCERPC_PFC_FLAG_OBJECT_UUID)
		ndr->flags |= LIBNDR_FLAG_OBJECT_PRESENT;
	pkt->auth_length = auth ? (uint16_t)auth->credentials.length : 0;
	if (auth != NULL && auth->credentials.length > UINT16_MAX) {
		talloc_free(ndr);
		return -EINVAL;
	}
	enum ndr_err_code err = ndr_push_ncacn_packet(ndr, NDR_SCALARS | NDR_BUFFERS, pkt);
	if (NDR_ERR_CODE_IS_SUCCESS(err) && auth != NULL)
		err = ndr_push_dcerpc_auth(ndr, NDR_SCALARS | NDR_BUFFERS, auth);
	if (!NDR_ERR_CODE_IS_SUCCESS(err)) {
		talloc_free(ndr);
		return err == NDR_ERR_ALLOC ? -ENOMEM : -EINVAL;
	}
	DATA_BLOB blob = ndr_push_blob(ndr);
	if (blob.length > UINT16_MAX) {
		talloc_free(ndr);
		return -EINVAL;
	}
	talloc_steal(mem_ctx, blob.data);
	talloc_free(ndr);
	pkt->frag_length = (uint16_t)blob.length;
	blob.data[8] = (uint8_t)(blob.length & 0xff);
	blob.data[9] = (uint8_t)(blob.length >> 8);
	*out = blob;
	return 0;
}

int rpc_pdu_fault(TALLOC_CTX *mem_ctx, uint32_t call_id, uint16_t context_id, uint8_t extra_flags,
		  uint32_t status, DATA_BLOB *out)
{
	struct ncacn_packet pkt;
	rpc_pdu_init(&pkt, DCERPC_PKT_FAULT,
		     DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST | extra_flags, call_id);
	/* No stub data (MS-RPCE 2.2.2.8): alloc_hint covers the fault body itself,
	 * so that "alloc_hint - 0x20" extended-error bytes are none. */
	pkt.u.fault.alloc_hint = RPC_FAULT_LEN;
	pkt.u.fault.context_id = context_id;
	pkt.u.fault.status = status;
	return rpc_pdu_push(mem_ctx, &pkt, NULL, out);
}

int rpc_pdu_bind_nak(TALLOC_CTX *mem_ctx, uint32_t call_id, uint16_t reason, DATA_BLOB *out)
{
	static const uint8_t pad[3];
	struct dcerpc_bind_nak_version version = { .rpc_vers = 5, .rpc_vers_minor = 0 };
	struct ncacn_packet pkt;
	rpc_pdu_init(&pkt, DCERPC_PKT_BIND_NAK, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST,
		     call_id);
	pkt.u.bind_nak.reject_reason = reason;
	pkt.u.bind_nak.num_versions = 1;
	pkt.u.bind_nak.versions = &version;
	/* p_rt_versions_supported_t is followed by padding to 4 (C706 12.6.4.5). */
	pkt.u.bind_nak._pad = data_blob_const(pad, sizeof(pad));
	return rpc_pdu_push(mem_ctx, &pkt, NULL, out);
}

size_t rpc_pdu_max_stub_chunk(uint16_t max_xmit, size_t sig_size, bool with_auth)
{
	size_t chunk = max_xmit > RPC_RESPONSE_HDR_LEN ? max_xmit - RPC_RESPONSE_HDR_LEN : 0;
	if (with_auth)
		chunk = chunk > RPC_AUTH_TRAILER_LEN + sig_size ?
				chunk - RPC_AUTH_TRAILER_LEN - sig_size :
				0;
	chunk -= chunk % RPC_AUTH_PAD_ALIGN;
	return chunk;
}

const char *rpc_ptype_name(uint8_t ptype)
{
	static const char *const names[] = {
		[DCERPC_PKT_REQUEST] = "request",       [DCERPC_PKT_PING] = "ping",
		[DCERPC_PKT_RESPONSE] = "response",     [DCERPC_PKT_FAULT] = "fault",
		[DCERPC_PKT_WORKING] = "working",       [DCERPC_PKT_NOCALL] = "nocall",
		[DCERPC_PKT_REJECT] = "reject",         [DCERPC_PKT_ACK] = "ack",
		[DCERPC_PKT_CL_CANCEL] = "cl_cancel",   [DCERPC_PKT_FACK] = "fack",
		[DCERPC_PKT_CANCEL_ACK] = "cancel_ack", [DCERPC_PKT_BIND] = "bind",
		[DCERPC_PKT_BIND_ACK] = "bind_ack",     [DCERPC_PKT_BIND_NAK] = "bind_nak",
		[DCERPC_PKT_ALTER] = "alter_context",   [DCERPC_PKT_ALTER_RESP] = "alter_context_resp",
		[DCERPC_PKT_AUTH3] = "auth3",           [DCERPC_PKT_SHUTDOWN] = "shutdown",
		[DCERPC_PKT_CO_CANCEL] = "co_cancel",   [DCERPC_PKT_ORPHANED] = "orphaned",
		[DCERPC_PKT_RTS] = "rts",
	};
	if (ptype < sizeof(names) / sizeof(names[0]) && names[ptype] != NULL)
		return names[ptype];
	return "unknown";
}
