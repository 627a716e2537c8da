/* A map from 16-byte identifiers (IPIDs, or OIDs and SETIDs widened to 16
 * bytes) to pointers: the exporter's tables (MS-DCOM 3.1.1.1, 3.1.2.1).
 * Chained hashing over a table that doubles as it fills; keys are copied,
 * values are not owned. */
#ifndef ISTMD_DCOM_IDMAP_H
#define ISTMD_DCOM_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

struct GUID;

struct idmap_key {
	uint8_t b[16];
};

struct idmap;

struct idmap *idmap_new(TALLOC_CTX *mem_ctx);
/* 0, -EEXIST (the key is taken) or -ENOMEM. */
int idmap_put(struct idmap *map, const struct idmap_key *key, void *value);
void *idmap_get(const struct idmap *map, const struct idmap_key *key);
/* Removes KEY; returns its value, or NULL when absent. */
void *idmap_remove(struct idmap *map, const struct idmap_key *key);
size_t idmap_count(const struct idmap *map);
/* Calls FN for every entry; FN may remove the entry it is given (and no other). */
void idmap_foreach(struct idmap *map,
		   void (*fn)(const struct idmap_key *key, void *value, void *priv), void *priv);

struct idmap_key idmap_key_u64(uint64_t id);
struct idmap_key idmap_key_guid(const struct GUID *guid);

#endif
