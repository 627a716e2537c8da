/* One PDU (src/rpc/pdu.c, C706 12.6, MS-RPCE 2.2.2): the common header, the
 * whole-fragment pull on Samba's marshallers, the header checks and the
 * sec_trailer split of every PDU type that carries one, on both the server's
 * and the client's reading (bind_ack, response); then the pulled packet is
 * pushed back, as the engine builds its answers from such structures.
 * The harness sets frag_length to the input's length (the engine frames by
 * it; fuzz_rpc_conn covers lengths that disagree). */
#include <stdbool.h>

#include "fuzz_util.h"
#include "istmd/log.h"
#include "rpc/pdu.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LVL_ERR);
	return 0;
}

static void split(const DATA_BLOB *payload, const struct ncacn_packet *pkt, bool auth_data_only)
{
	struct dcerpc_auth auth;
	size_t data_len;
	if (pkt->auth_length == 0)
		return;
	(void)rpc_pdu_split_auth(payload, pkt->auth_length, !rpc_drep_is_le(pkt->drep),
				 auth_data_only, &auth, &data_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < RPC_HDR_LEN)
		return 0;
	struct rpc_pdu_hdr hdr;
	rpc_pdu_peek(data, &hdr);
	(void)rpc_ptype_name(hdr.ptype);
	TALLOC_CTX *mem = talloc_new(NULL);
	uint8_t *copy = talloc_memdup(mem, data, size);
	if (copy == NULL || size > UINT16_MAX) {
		talloc_free(mem);
		return 0;
	}
	bool le = rpc_drep_is_le(copy + 4);
	copy[le ? 8 : 9] = (uint8_t)size;
	copy[le ? 9 : 8] = (uint8_t)(size >> 8);
	DATA_BLOB blob = data_blob_const(copy, size);
	struct ncacn_packet pkt;
	if (rpc_pdu_pull(mem, &blob, &pkt) == 0) {
		switch (pkt.ptype) {
		case DCERPC_PKT_BIND:
		case DCERPC_PKT_ALTER:
			(void)rpc_pdu_check_header(&pkt, pkt.ptype, pkt.u.bind.auth_info.length);
			split(&pkt.u.bind.auth_info, &pkt, true);
			break;
		case DCERPC_PKT_BIND_ACK:
		case DCERPC_PKT_ALTER_RESP:
			split(&pkt.u.bind_ack.auth_info, &pkt, true);
			break;
		case DCERPC_PKT_AUTH3:
			split(&pkt.u.auth3.auth_info, &pkt, true);
			break;
		case DCERPC_PKT_REQUEST:
			(void)rpc_pdu_check_header(&pkt, DCERPC_PKT_REQUEST,
						   pkt.u.request.stub_and_verifier.length);
			split(&pkt.u.request.stub_and_verifier, &pkt, false);
			break;
		case DCERPC_PKT_RESPONSE:
			split(&pkt.u.response.stub_and_verifier, &pkt, false);
			break;
		default:
			break;
		}
		DATA_BLOB out;
		(void)rpc_pdu_push(mem, &pkt, NULL, &out);
	}
	talloc_free(mem);
	return 0;
}
