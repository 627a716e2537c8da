#include "dcom/idmap.h"

#include <errno.h>
#include <string.h>

#include <ndr.h>

struct idmap_node {
	struct idmap_node *next;
	struct idmap_key key;
	void *value;
};

struct idmap {
	struct idmap_node **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
};

#define IDMAP_MIN_BUCKETS 64

/* splitmix64's finaliser over both halves: identifiers may be sequential or
 * random, the bucket index must be spread either way. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

static size_t bucket_of(const struct idmap_key *key, size_t nbuckets)
{
	uint64_t lo, hi;
	memcpy(&lo, key->b, 8);
	memcpy(&hi, key->b + 8, 8);
	return (size_t)(mix(lo ^ mix(hi)) & (nbuckets - 1));
}

struct idmap *idmap_new(TALLOC_CTX *mem_ctx)
{
	struct idmap *map = talloc_zero(mem_ctx, struct idmap);
	if (map == NULL)
		return NULL;
	map->buckets = talloc_zero_array(map, struct idmap_node *, IDMAP_MIN_BUCKETS);
	if (map->buckets == NULL) {
		talloc_free(map);
		return NULL;
	}
	map->nbuckets = IDMAP_MIN_BUCKETS;
	return map;
}

static void grow(struct idmap *map)
{
	size_t n = map->nbuckets * 2;
	struct idmap_node **b = talloc_zero_array(map, struct idmap_node *, n);
	if (b == NULL)
		return; /* keep the longer chains: still correct */
	for (size_t i = 0; i < map->nbuckets; i++) {
		struct idmap_node *node = map->buckets[i];
		while (node != NULL) {
			struct idmap_node *next = node->next;
			size_t k = bucket_of(&node->key, n);
			node->next = b[k];
			b[k] = node;
			node = next;
		}
	}
	talloc_free(map->buckets);
	map->buckets = b;
	map->nbuckets = n;
}

static struct idmap_node **find(const struct idmap *map, const struct idmap_key *key)
{
	struct idmap_node **pp = &map->buckets[bucket_of(key, map->nbuckets)];
	while (*pp != NULL && memcmp((*pp)->key.b, key->b, sizeof(key->b)) != 0)
		pp = &(*pp)->next;
	return pp;
}

int idmap_put(struct idmap *map, const struct idmap_key *key, void *value)
{
	struct idmap_node **pp = find(map, key);
	if (*pp != NULL)
		return -EEXIST;
	struct idmap_node *node = talloc(map, struct idmap_node);
	if (node == NULL)
		return -ENOMEM;
	node->key = *key;
	node->value = value;
	node->next = NULL;
	*pp = node;
	map->count++;
	if (map->count > map->nbuckets * 2)
		grow(map);
	return 0;
}

void *idmap_get(const struct idmap *map, const struct idmap_key *key)
{
	struct idmap_node *node = *find(map, key);
	return node != NULL ? node->value : NULL;
}

void *idmap_remove(struct idmap *map, const struct idmap_key *key)
{
	struct idmap_node **pp = find(map, key);
	struct idmap_node *node = *pp;
	if (node == NULL)
		return NULL;
	void *value = node->value;
	*pp = node->next;
	talloc_free(node);
	map->count--;
	return value;
}

size_t idmap_count(const struct idmap *map)
{
	return map->count;
}

void idmap_foreach(struct idmap *map,
		   void (*fn)(const struct idmap_key *key, void *value, void *priv), void *priv)
{
	for (size_t i = 0; i < map->nbuckets; i++) {
		struct idmap_node *node = map->buckets[i];
		while (node != NULL) {
			struct idmap_node *next = node->next; /* FN may remove NODE */
			fn(&node->key, node->value, priv);
			node = next;
		}
	}
}

struct idmap_key idmap_key_u64(uint64_t id)
{
	struct idmap_key k = { { 0 } };
	memcpy(k.b, &id, sizeof(id));
	return k;
}

struct idmap_key idmap_key_guid(const struct GUID *guid)
{
	struct idmap_key k;
	memcpy(k.b, &guid->time_low, 4);
	memcpy(k.b + 4, &guid->time_mid, 2);
	memcpy(k.b + 6, &guid->time_hi_and_version, 2);
	memcpy(k.b + 8, guid->clock_seq, 2);
	memcpy(k.b + 10, guid->node, 6);
	return k;
}
