/* Identifiers the recorded server handed out, mapped to the ones the live
 * server hands out (idmap.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "replay/idmap.h"

bool rp_is_guid_text(const char *v)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	if (strlen(v) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		bool hex = (v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f') ||
			   (v[i] >= 'A' && v[i] <= 'F');
		if (shape[i] == '-' ? v[i] != '-' : !hex)
			return false;
	}
	return true;
}

/* "0x%016llx (%lld)": a 64-bit value as libndr prints hyper / udlong */
static bool u64_text(const char *v, uint64_t *out)
{
	unsigned long long x;
	int n = 0;
	if (sscanf(v, "0x%16llx%n", &x, &n) != 1 || n != 18)
		return false;
	*out = x;
	return true;
}

/* "0x%08x (%u)": a 32-bit value as libndr prints uint32 */
static bool u32_text(const char *v, uint32_t *out)
{
	unsigned x;
	int n = 0;
	if (sscanf(v, "0x%8x%n", &x, &n) != 1 || n != 10 || v[n] != ' ')
		return false;
	*out = x;
	return true;
}

static void last_lower(const char *path, char *low, size_t size)
{
	const char *last = strrchr(path, '.');
	last = last ? last + 1 : path;
	size_t i;
	for (i = 0; last[i] && i < size - 1; i++)
		low[i] = (char)(last[i] >= 'A' && last[i] <= 'Z' ? last[i] + 32 : last[i]);
	low[i] = 0;
}

bool rp_is_id_field(const char *path, const char *value)
{
	if (rp_is_guid_text(value))
		return true;
	char low[64];
	uint64_t x;
	uint32_t y;
	last_lower(path, low, sizeof(low));
	if (u64_text(value, &x))
		/* OXIDs, OIDs and SETIDs (MS-DCOM 2.2.x): oxid, poxid, oid, setid,
		 * psetid, addtoset[n] */
		return strstr(low, "oxid") != NULL || strcmp(low, "oid") == 0 ||
		       strstr(low, "setid") != NULL || strstr(low, "addtoset") != NULL ||
		       strstr(low, "delfromset") != NULL;
	/* a virtual disk's index (MS-ISTM: pWTD, nWTD, WTD) */
	return u32_text(value, &y) && strstr(low, "wtd") != NULL;
}

/* The wire (NDR, little-endian) bytes of a printed identifier. */
static size_t wire_bytes(const char *v, uint8_t out[16])
{
	uint64_t x;
	if (rp_is_guid_text(v)) {
		struct GUID g;
		if (!NT_STATUS_IS_OK(GUID_from_string(v, &g)))
			return 0;
		out[0] = (uint8_t)g.time_low;
		out[1] = (uint8_t)(g.time_low >> 8);
		out[2] = (uint8_t)(g.time_low >> 16);
		out[3] = (uint8_t)(g.time_low >> 24);
		out[4] = (uint8_t)g.time_mid;
		out[5] = (uint8_t)(g.time_mid >> 8);
		out[6] = (uint8_t)g.time_hi_and_version;
		out[7] = (uint8_t)(g.time_hi_and_version >> 8);
		memcpy(out + 8, g.clock_seq, 2);
		memcpy(out + 10, g.node, 6);
		return 16;
	}
	if (u64_text(v, &x)) {
		for (int i = 0; i < 8; i++)
			out[i] = (uint8_t)(x >> (8 * i));
		return 8;
	}
	uint32_t y;
	if (u32_text(v, &y)) {
		for (int i = 0; i < 4; i++)
			out[i] = (uint8_t)(y >> (8 * i));
		return 4;
	}
	return 0;
}

struct rp_idmap *rp_idmap_new(TALLOC_CTX *mem_ctx)
{
	return talloc_zero(mem_ctx, struct rp_idmap);
}

const char *rp_idmap_get(const struct rp_idmap *m, const char *recorded)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcasecmp(m->e[i].rec, recorded) == 0)
			return m->e[i].live;
	return NULL;
}

int rp_idmap_put(struct rp_idmap *m, const char *recorded, const char *live)
{
	struct rp_id *e = talloc_realloc(m, m->e, struct rp_id, m->n + 1);
	if (e == NULL)
		return -ENOMEM;
	m->e = e;
	memset(&e[m->n], 0, sizeof(e[0]));
	e[m->n].rec = talloc_strdup(m, recorded);
	e[m->n].live = talloc_strdup(m, live);
	if (e[m->n].rec == NULL || e[m->n].live == NULL)
		return -ENOMEM;
	e[m->n].len = wire_bytes(recorded, e[m->n].rec_bytes);
	if (wire_bytes(live, e[m->n].live_bytes) != e[m->n].len)
		e[m->n].len = 0;
	m->n++;
	return 0;
}

int rp_idmap_client(struct rp_idmap *m, const char *value)
{
	for (size_t i = 0; i < m->num_client; i++)
		if (strcasecmp(m->client[i], value) == 0)
			return 0;
	const char **v = talloc_realloc(m, m->client, const char *, m->num_client + 1);
	if (v == NULL)
		return -ENOMEM;
	m->client = v;
	if ((v[m->num_client] = talloc_strdup(m, value)) == NULL)
		return -ENOMEM;
	m->num_client++;
	return 0;
}

bool rp_idmap_is_client(const struct rp_idmap *m, const char *value)
{
	for (size_t i = 0; i < m->num_client; i++)
		if (strcasecmp(m->client[i], value) == 0)
			return true;
	return false;
}

static bool trivial(const struct rp_id *e)
{
	/* 8-byte values with many zero bytes could occur by chance in a
	 * stub: only random-looking ones are substituted */
	if (e->len != 8)
		return false;
	int zeros = 0;
	for (int i = 0; i < 8; i++)
		zeros += e->rec_bytes[i] == 0;
	return zeros > 2;
}

size_t rp_idmap_substitute(const struct rp_idmap *m, uint8_t *data, size_t len)
{
	size_t count = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct rp_id *e = &m->e[i];
		if (e->len < 8 || memcmp(e->rec_bytes, e->live_bytes, e->len) == 0 || trivial(e))
			continue;
		for (size_t off = 0; off + e->len <= len; off++) {
			if (memcmp(data + off, e->rec_bytes, e->len) == 0) {
				memcpy(data + off, e->live_bytes, e->len);
				off += e->len - 1;
				count++;
			}
		}
	}
	return count;
}
