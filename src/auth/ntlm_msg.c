#include "auth/ntlm_msg.h"

#include <errno.h>
#include <string.h>

static const uint8_t ntlm_signature[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

/* Largest message we build: every length on the wire is 16-bit anyway, and a
 * DCE/RPC auth_length is too. */
#define NTLM_MAX_MSG 0xffff

int ntlm_msg_type(const uint8_t *msg, size_t len)
{
	if (msg == NULL || len < 12 || memcmp(msg, ntlm_signature, 8) != 0)
		return -EINVAL;
	uint32_t type = ntlm_get_u32(msg + 8);
	if (type < NTLM_NEGOTIATE || type > NTLM_AUTHENTICATE)
		return -EINVAL;
	return (int)type;
}

/* Reads the (Len, MaxLen, BufferOffset) triple at POS; MaxLen is ignored on
 * receipt (MS-NLMP 2.2.1). An empty field's offset is ignored too. */
static int get_field(const uint8_t *msg, size_t len, size_t pos, struct ntlm_bytes *out)
{
	size_t flen = ntlm_get_u16(msg + pos);
	size_t off = ntlm_get_u32(msg + pos + 4);
	if (flen == 0) {
		*out = (struct ntlm_bytes){ NULL, 0 };
		return 0;
	}
	if (off > len || flen > len - off)
		return -EINVAL;
	*out = (struct ntlm_bytes){ msg + off, flen };
	return 0;
}

int ntlm_parse_negotiate(const uint8_t *msg, size_t len, struct ntlm_negotiate *out)
{
	if (ntlm_msg_type(msg, len) != NTLM_NEGOTIATE || len < 16)
		return -EINVAL;
	out->flags = ntlm_get_u32(msg + 12);
	return 0;
}

int ntlm_parse_challenge(const uint8_t *msg, size_t len, struct ntlm_challenge *out)
{
	if (ntlm_msg_type(msg, len) != NTLM_CHALLENGE || len < 48)
		return -EINVAL;
	out->flags = ntlm_get_u32(msg + 20);
	memcpy(out->server_challenge, msg + 24, 8);
	if (get_field(msg, len, 12, &out->target_name) < 0 ||
	    get_field(msg, len, 40, &out->target_info) < 0)
		return -EINVAL;
	return 0;
}

int ntlm_parse_authenticate(const uint8_t *msg, size_t len, struct ntlm_authenticate *out)
{
	if (ntlm_msg_type(msg, len) != NTLM_AUTHENTICATE || len < NTLM_AUTH_HEADER_LEN)
		return -EINVAL;
	out->flags = ntlm_get_u32(msg + 60);
	if (get_field(msg, len, 12, &out->lm_response) < 0 ||
	    get_field(msg, len, 20, &out->nt_response) < 0 ||
	    get_field(msg, len, 28, &out->domain) < 0 || get_field(msg, len, 36, &out->user) < 0 ||
	    get_field(msg, len, 44, &out->workstation) < 0 ||
	    get_field(msg, len, 52, &out->session_key) < 0)
		return -EINVAL;
	return 0;
}

/* Walks LIST; calls back for each pair until EOL. Returns the list length
 * through EOL, or -EINVAL. */
static int av_walk(const uint8_t *list, size_t len, uint16_t want, struct ntlm_bytes *found,
		   int *hit)
{
	size_t pos = 0;
	while (pos + 4 <= len) {
		uint16_t id = ntlm_get_u16(list + pos);
		size_t vlen = ntlm_get_u16(list + pos + 2);
		if (vlen > len - pos - 4)
			return -EINVAL;
		if (id == MSV_AV_EOL) {
			if (vlen != 0)
				return -EINVAL;
			return (int)(pos + 4);
		}
		if (id == want && found != NULL && !*hit) {
			*found = (struct ntlm_bytes){ list + pos + 4, vlen };
			*hit = 1;
		}
		pos += 4 + vlen;
	}
	return -EINVAL; /* no MsvAvEOL */
}

int ntlm_av_find(const uint8_t *list, size_t len, uint16_t id, struct ntlm_bytes *value)
{
	int hit = 0;
	int ret = av_walk(list, len, id, value, &hit);
	return ret < 0 ? ret : hit;
}

int ntlm_av_validate(const uint8_t *list, size_t len)
{
	int hit = 0;
	return av_walk(list, len, MSV_AV_EOL, NULL, &hit);
}

void ntlm_buf_init(struct ntlm_buf *b, TALLOC_CTX *mem_ctx)
{
	b->data = talloc_array(mem_ctx, uint8_t, 256);
	b->len = 0;
	b->failed = b->data == NULL;
}

void ntlm_buf_put(struct ntlm_buf *b, const void *data, size_t len)
{
	if (b->failed || len == 0)
		return;
	if (len > NTLM_MAX_MSG || b->len + len > NTLM_MAX_MSG) {
		b->failed = true;
		return;
	}
	size_t cap = talloc_array_length(b->data);
	if (b->len + len > cap) {
		size_t ncap = cap * 2 > b->len + len ? cap * 2 : b->len + len;
		uint8_t *n = talloc_realloc(talloc_parent(b->data), b->data, uint8_t, ncap);
		if (n == NULL) {
			b->failed = true;
			return;
		}
		b->data = n;
	}
	if (data != NULL)
		memcpy(b->data + b->len, data, len);
	else
		memset(b->data + b->len, 0, len);
	b->len += len;
}

void ntlm_buf_put_zero(struct ntlm_buf *b, size_t len)
{
	ntlm_buf_put(b, NULL, len);
}

void ntlm_buf_put_u16(struct ntlm_buf *b, uint16_t v)
{
	uint8_t t[2];
	ntlm_set_u16(t, v);
	ntlm_buf_put(b, t, 2);
}

void ntlm_buf_put_u32(struct ntlm_buf *b, uint32_t v)
{
	uint8_t t[4];
	ntlm_set_u32(t, v);
	ntlm_buf_put(b, t, 4);
}

void ntlm_buf_put_u64(struct ntlm_buf *b, uint64_t v)
{
	ntlm_buf_put_u32(b, (uint32_t)v);
	ntlm_buf_put_u32(b, (uint32_t)(v >> 32));
}

void ntlm_av_put(struct ntlm_buf *b, uint16_t id, const void *value, size_t len)
{
	if (len > 0xffff) {
		b->failed = true;
		return;
	}
	ntlm_buf_put_u16(b, id);
	ntlm_buf_put_u16(b, (uint16_t)len);
	ntlm_buf_put(b, value, len);
}

uint8_t *ntlm_build(TALLOC_CTX *mem_ctx, const uint8_t *hdr, size_t header_len,
		    const size_t *field_pos, const struct ntlm_bytes *fields, size_t n, size_t *len)
{
	struct ntlm_buf b;
	ntlm_buf_init(&b, mem_ctx);
	ntlm_buf_put(&b, hdr, header_len);
	for (size_t i = 0; i < n && !b.failed; i++) {
		if (fields[i].len > 0xffff) {
			b.failed = true;
			break;
		}
		if (b.len % 2) /* keep Unicode strings 2-byte aligned (MS-NLMP 2.2.1.2) */
			ntlm_buf_put_zero(&b, 1);
		size_t off = b.len;
		ntlm_buf_put(&b, fields[i].data, fields[i].len);
		if (b.failed)
			break;
		uint8_t *slot = b.data + field_pos[i];
		ntlm_set_u16(slot, (uint16_t)fields[i].len);
		ntlm_set_u16(slot + 2, (uint16_t)fields[i].len);
		ntlm_set_u32(slot + 4, (uint32_t)off);
	}
	if (b.failed) {
		talloc_free(b.data);
		return NULL;
	}
	*len = b.len;
	return b.data;
}
