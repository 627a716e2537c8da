/* Test support for generated code: see idl_testing.h. */
#include <stdio.h>
#include <string.h>

#include "istmd/utf16.h"
#include "ndr/idl_testing.h"

uint32_t idl_fill_u32(struct idl_fill *f)
{
	/* a bijective mix of the counter: distinct, non-zero, all bits used */
	uint32_t x = ++f->next * 0x9E3779B1U;

	x ^= x >> 15;
	x *= 0x85EBCA77U;
	x ^= x >> 13;
	return x != 0 ? x : 1;
}

uint64_t idl_fill_u64(struct idl_fill *f)
{
	uint64_t hi = idl_fill_u32(f);

	return hi << 32 | idl_fill_u32(f);
}

int64_t idl_fill_range(struct idl_fill *f, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;

	if (span == 0)
		return lo + (int64_t)idl_fill_u64(f);
	return lo + (int64_t)(idl_fill_u64(f) % span);
}

uint32_t idl_fill_count(struct idl_fill *f, int64_t lo, int64_t hi)
{
	int64_t n = 2 + (int64_t)(idl_fill_u32(f) % 2);

	if (n > hi)
		n = hi;
	if (n < lo)
		n = lo;
	return (uint32_t)n;
}

int64_t idl_fill_pick(struct idl_fill *f, const int64_t *values, size_t n)
{
	return values[idl_fill_u32(f) % n];
}

const char *idl_fill_string(struct idl_fill *f, bool wide)
{
	uint32_t v = idl_fill_u32(f);
	char *s = wide ? talloc_asprintf(f->mem, "s%08x-\xc3\xa9t\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80", v)
		       : talloc_asprintf(f->mem, "str-%08x", v);

	if (s == NULL)
		abort();
	return s;
}

void idl_fill_wchars(struct idl_fill *f, uint16_t *a, size_t n)
{
	char text[32];

	snprintf(text, sizeof(text), "w%x-\xc3\xa9", idl_fill_u32(f));
	text[n > 1 && n - 1 < sizeof(text) ? n - 1 : sizeof(text) - 1] = '\0';
	if (wstr_set(a, n, text) != 0)
		abort();
}

void idl_fill_fstring(struct idl_fill *f, char *a, size_t n)
{
	char text[32];

	snprintf(text, sizeof(text), "fs-%x", idl_fill_u32(f));
	memset(a, 0, n);
	memcpy(a, text, strnlen(text, n - 1));
}

void idl_fill_GUID(struct idl_fill *f, struct GUID *g)
{
	g->time_low = idl_fill_u32(f);
	g->time_mid = (uint16_t)idl_fill_u32(f);
	g->time_hi_and_version = (uint16_t)idl_fill_u32(f);
	for (size_t i = 0; i < sizeof(g->clock_seq); i++)
		g->clock_seq[i] = (uint8_t)idl_fill_u32(f);
	for (size_t i = 0; i < sizeof(g->node); i++)
		g->node[i] = (uint8_t)idl_fill_u32(f);
}

void idl_fill_policy_handle(struct idl_fill *f, struct policy_handle *h)
{
	h->handle_type = idl_fill_u32(f);
	idl_fill_GUID(f, &h->uuid);
}

DATA_BLOB idl_fill_blob(struct idl_fill *f)
{
	DATA_BLOB b = data_blob_talloc(f->mem, NULL, 5 + idl_fill_u32(f) % 7);

	if (b.data == NULL)
		abort();
	for (size_t i = 0; i < b.length; i++)
		b.data[i] = (uint8_t)idl_fill_u32(f);
	return b;
}

bool idl_mismatch(const char *what)
{
	fprintf(stderr, "idl: values differ at %s\n", what);
	return false;
}

bool idl_equal_string(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}
