/* A small open-addressing hash index (linear probing, backward-shift
 * deletion): keys -> pointers, for O(1) lookups in tables that reach
 * tens of thousands of entries (targets by GUID, name, IQN; disks by WTD).
 *
 * It is a multimap: the same key may be indexed with several values, and
 * hindex_del removes one (key, value) pair. String keys are not copied: the
 * caller keeps each indexed string alive, unchanged, until it deletes it. */
#ifndef ISTMD_HINDEX_H
#define ISTMD_HINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

enum hindex_kind {
	HINDEX_STR,    /* NUL-terminated strings, byte equality */
	HINDEX_STR_CI, /* ASCII case-insensitive strings (names, IQNs) */
	HINDEX_U64,    /* integers */
};

struct hindex;

struct hindex *hindex_new(TALLOC_CTX *mem, enum hindex_kind kind);
size_t hindex_count(const struct hindex *h);
/* Removes every entry (keeps the table's memory). */
void hindex_clear(struct hindex *h);

/* 0 or -ENOMEM (then nothing changed). VALUE must not be NULL. */
int hindex_put(struct hindex *h, const char *key, void *value);
int hindex_put_u64(struct hindex *h, uint64_t key, void *value);
/* Whether the pair was there (and is now gone). */
bool hindex_del(struct hindex *h, const char *key, const void *value);
bool hindex_del_u64(struct hindex *h, uint64_t key, const void *value);
/* A value indexed under KEY (the first found), or NULL. */
void *hindex_get(const struct hindex *h, const char *key);
void *hindex_get_u64(const struct hindex *h, uint64_t key);
/* Every value under KEY: start with *CURSOR = 0, call until NULL. The
 * index must not change meanwhile. */
void *hindex_next_u64(const struct hindex *h, uint64_t key, size_t *cursor);

#endif
