/* Open addressing with linear probing; the table is at most half full, so a
 * probe sequence stays short, and deletion shifts entries back instead of
 * leaving tombstones (lookups never slow down after many deletions). */
#include "istmd/hindex.h"

#include <errno.h>
#include <string.h>

#define MIN_SLOTS 16u

struct slot {
	uint64_t hash;
	const char *skey;
	uint64_t ukey;
	void *value; /* NULL: empty */
};

struct hindex {
	enum hindex_kind kind;
	struct slot *slots;
	size_t mask; /* number of slots - 1; 0 before the first put */
	size_t count;
};

struct hindex *hindex_new(TALLOC_CTX *mem, enum hindex_kind kind)
{
	struct hindex *h = talloc_zero(mem, struct hindex);
	if (h != NULL)
		h->kind = kind;
	return h;
}

size_t hindex_count(const struct hindex *h)
{
	return h->count;
}

void hindex_clear(struct hindex *h)
{
	if (h->slots != NULL)
		memset(h->slots, 0, (h->mask + 1) * sizeof(*h->slots));
	h->count = 0;
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* FNV-1a, then a final mix so that the low bits (the slot) depend on all. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t hash_str(const char *s, bool ci)
{
	uint64_t x = 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)s; *p != 0; p++) {
		x ^= ci ? lower(*p) : *p;
		x *= 0x100000001b3ULL;
	}
	return mix(x);
}

static bool str_eq(const char *a, const char *b, bool ci)
{
	if (!ci)
		return strcmp(a, b) == 0;
	for (;; a++, b++) {
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return false;
		if (*a == 0)
			return true;
	}
}

static bool key_eq(const struct hindex *h, const struct slot *s, uint64_t hash, const char *skey,
		   uint64_t ukey)
{
	if (s->hash != hash)
		return false;
	if (h->kind == HINDEX_U64)
		return s->ukey == ukey;
	return str_eq(s->skey, skey, h->kind == HINDEX_STR_CI);
}

static void place(struct slot *slots, size_t mask, const struct slot *e)
{
	size_t i = e->hash & mask;
	while (slots[i].value != NULL)
		i = (i + 1) & mask;
	slots[i] = *e;
}

static int grow(struct hindex *h)
{
	size_t n = h->mask == 0 ? MIN_SLOTS : (h->mask + 1) * 2;
	struct slot *slots = talloc_zero_array(h, struct slot, n);
	if (slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; h->slots != NULL && i <= h->mask; i++)
		if (h->slots[i].value != NULL)
			place(slots, n - 1, &h->slots[i]);
	talloc_free(h->slots);
	h->slots = slots;
	h->mask = n - 1;
	return 0;
}

static int put(struct hindex *h, uint64_t hash, const char *skey, uint64_t ukey, void *value)
{
	if (value == NULL)
		return -EINVAL;
	if ((h->count + 1) * 2 > h->mask + 1 || h->slots == NULL) {
		int rc = grow(h);
		if (rc < 0)
			return rc;
	}
	struct slot e = { .hash = hash, .skey = skey, .ukey = ukey, .value = value };
	place(h->slots, h->mask, &e);
	h->count++;
	return 0;
}

/* Empties slot I and shifts back the entries after it whose home slot is
 * not between I and where they are. */
static void remove_at(struct hindex *h, size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & h->mask;
		if (h->slots[j].value == NULL)
			break;
		size_t k = h->slots[j].hash & h->mask;
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		h->slots[i] = h->slots[j];
		i = j;
	}
	memset(&h->slots[i], 0, sizeof(h->slots[i]));
	h->count--;
}

static bool del(struct hindex *h, uint64_t hash, const char *skey, uint64_t ukey,
		const void *value)
{
	if (h->slots == NULL)
		return false;
	for (size_t i = hash & h->mask; h->slots[i].value != NULL; i = (i + 1) & h->mask) {
		if (h->slots[i].value == value && key_eq(h, &h->slots[i], hash, skey, ukey)) {
			remove_at(h, i);
			return true;
		}
	}
	return false;
}

static void *next(const struct hindex *h, uint64_t hash, const char *skey, uint64_t ukey,
		  size_t *cursor)
{
	if (h->slots == NULL)
		return NULL;
	for (size_t i = (hash + *cursor) & h->mask; h->slots[i].value != NULL;
	     i = (i + 1) & h->mask) {
		(*cursor)++;
		if (key_eq(h, &h->slots[i], hash, skey, ukey))
			return h->slots[i].value;
	}
	return NULL;
}

int hindex_put(struct hindex *h, const char *key, void *value)
{
	if (key == NULL || h->kind == HINDEX_U64)
		return -EINVAL;
	return put(h, hash_str(key, h->kind == HINDEX_STR_CI), key, 0, value);
}

int hindex_put_u64(struct hindex *h, uint64_t key, void *value)
{
	if (h->kind != HINDEX_U64)
		return -EINVAL;
	return put(h, mix(key), NULL, key, value);
}

bool hindex_del(struct hindex *h, const char *key, const void *value)
{
	if (key == NULL || h->kind == HINDEX_U64)
		return false;
	return del(h, hash_str(key, h->kind == HINDEX_STR_CI), key, 0, value);
}

bool hindex_del_u64(struct hindex *h, uint64_t key, const void *value)
{
	return h->kind == HINDEX_U64 && del(h, mix(key), NULL, key, value);
}

void *hindex_get(const struct hindex *h, const char *key)
{
	size_t cursor = 0;
	if (key == NULL || h->kind == HINDEX_U64)
		return NULL;
	return next(h, hash_str(key, h->kind == HINDEX_STR_CI), key, 0, &cursor);
}

void *hindex_get_u64(const struct hindex *h, uint64_t key)
{
	size_t cursor = 0;
	return hindex_next_u64(h, key, &cursor);
}

void *hindex_next_u64(const struct hindex *h, uint64_t key, size_t *cursor)
{
	if (h->kind != HINDEX_U64)
		return NULL;
	return next(h, mix(key), NULL, key, cursor);
}
