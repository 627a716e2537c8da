#include "rpc/tower.h"

#include <errno.h>
#include <string.h>

/* Floor layout (C706 L.2): floor_count, then per floor lhs_length (2),
 * lhs (protocol id + data), rhs_length (2), rhs. Lengths and UUID-floor
 * versions are little-endian; ports and addresses network order. */

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

struct cursor {
	const uint8_t *p;
	size_t left;
};

static int next_floor(struct cursor *c, const uint8_t **lhs, uint16_t *lhs_len,
		      const uint8_t **rhs, uint16_t *rhs_len)
{
	if (c->left < 2)
		return -EINVAL;
	*lhs_len = le16(c->p);
	c->p += 2;
	c->left -= 2;
	if (*lhs_len < 1 || c->left < (size_t)*lhs_len + 2)
		return -EINVAL;
	*lhs = c->p;
	c->p += *lhs_len;
	c->left -= *lhs_len;
	*rhs_len = le16(c->p);
	c->p += 2;
	c->left -= 2;
	if (c->left < *rhs_len)
		return -EINVAL;
	*rhs = c->p;
	c->p += *rhs_len;
	c->left -= *rhs_len;
	return 0;
}

static int uuid_floor(const uint8_t *lhs, uint16_t lhs_len, const uint8_t *rhs, uint16_t rhs_len,
		      struct ndr_syntax_id *id)
{
	if (lhs_len != 19 || lhs[0] != EPM_PROTOCOL_UUID || rhs_len != 2)
		return -EINVAL;
	DATA_BLOB b = data_blob_const(lhs + 1, 16);
	if (!NT_STATUS_IS_OK(GUID_from_ndr_blob(&b, &id->uuid)))
		return -EINVAL;
	id->if_version = (uint32_t)le16(lhs + 17) | (uint32_t)le16(rhs) << 16;
	return 0;
}

int rpc_tower_parse(const uint8_t *data, size_t length, struct rpc_tower *tower)
{
	struct cursor c = { data, length };
	const uint8_t *lhs, *rhs;
	uint16_t lhs_len, rhs_len;

	memset(tower, 0, sizeof(*tower));
	if (length < 2)
		return -EINVAL;
	uint16_t floors = le16(data);
	c.p += 2;
	c.left -= 2;
	if (floors < 3)
		return -EINVAL;
	if (next_floor(&c, &lhs, &lhs_len, &rhs, &rhs_len) != 0 ||
	    uuid_floor(lhs, lhs_len, rhs, rhs_len, &tower->iface) != 0)
		return -EINVAL;
	if (next_floor(&c, &lhs, &lhs_len, &rhs, &rhs_len) != 0 ||
	    uuid_floor(lhs, lhs_len, rhs, rhs_len, &tower->transfer) != 0)
		return -EINVAL;
	if (next_floor(&c, &lhs, &lhs_len, &rhs, &rhs_len) != 0)
		return -EINVAL;
	tower->rpc_protocol = lhs[0];
	if (floors < 5)
		return 0;
	if (next_floor(&c, &lhs, &lhs_len, &rhs, &rhs_len) != 0)
		return -EINVAL;
	if (lhs[0] != EPM_PROTOCOL_TCP)
		return 0;
	if (rhs_len != 2)
		return -EINVAL;
	tower->port = (uint16_t)(rhs[0] << 8 | rhs[1]);
	if (next_floor(&c, &lhs, &lhs_len, &rhs, &rhs_len) != 0)
		return -EINVAL;
	if (lhs[0] != EPM_PROTOCOL_IP || rhs_len != 4)
		return -EINVAL;
	memcpy(tower->ipv4, rhs, 4);
	tower->tcp = true;
	return 0;
}

static void put16(uint8_t **p, uint16_t v)
{
	(*p)[0] = v & 0xff;
	(*p)[1] = (uint8_t)(v >> 8);
	*p += 2;
}

static void put_uuid_floor(uint8_t **p, const struct ndr_syntax_id *id)
{
	struct GUID_ndr_buf guid;
	GUID_to_ndr_buf(&id->uuid, &guid);
	put16(p, 19);
	*(*p)++ = EPM_PROTOCOL_UUID;
	memcpy(*p, guid.buf, 16);
	*p += 16;
	put16(p, (uint16_t)(id->if_version & 0xffff));
	put16(p, 2);
	put16(p, (uint16_t)(id->if_version >> 16));
}

int rpc_tower_build_tcp(TALLOC_CTX *mem_ctx, const struct ndr_syntax_id *iface, uint16_t port,
			const uint8_t ipv4[4], DATA_BLOB *out)
{
	/* 2 + 2 UUID floors (2+19+2+2) + protocol (2+1+2+2) + TCP (2+1+2+2) + IP (2+1+2+4) */
	size_t len = 2 + 2 * 25 + 7 + 7 + 9;
	*out = data_blob_talloc(mem_ctx, NULL, len);
	if (out->data == NULL)
		return -ENOMEM;
	uint8_t *p = out->data;
	put16(&p, 5);
	put_uuid_floor(&p, iface);
	put_uuid_floor(&p, &ndr_transfer_syntax_ndr);
	put16(&p, 1);
	*p++ = EPM_PROTOCOL_NCACN;
	put16(&p, 2);
	put16(&p, 0); /* minor version of the connection-oriented protocol */
	put16(&p, 1);
	*p++ = EPM_PROTOCOL_TCP;
	put16(&p, 2);
	*p++ = (uint8_t)(port >> 8);
	*p++ = port & 0xff;
	put16(&p, 1);
	*p++ = EPM_PROTOCOL_IP;
	put16(&p, 4);
	memcpy(p, ipv4, 4);
	p += 4;
	return (size_t)(p - out->data) == len ? 0 : -EINVAL;
}
