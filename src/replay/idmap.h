/* The identifier map of a replay: every identifier the recorded server
 * handed out (IPIDs, OXIDs, OIDs, SETIDs, and any GUID a response carried
 * first: target, disk and snapshot GUIDs...), as printed by libndr, mapped
 * to the value the live server handed out in the same field of the same
 * call. Later requests get the live values by substituting the recorded
 * ones' wire bytes (16-byte GUIDs, 8-byte random ids: a false match is as
 * likely as guessing a GUID). docs/replay.md "Identifiers". */
#ifndef ISTMD_REPLAY_IDMAP_H
#define ISTMD_REPLAY_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>
#include <ndr.h>

struct rp_id {
	const char *rec, *live;
	uint8_t rec_bytes[16], live_bytes[16];
	size_t len; /* 16, 8, 4, or 0 (not substituted) */
};

struct rp_idmap {
	struct rp_id *e;
	size_t n;
	const char **client; /* values the client chose (seen first in a request) */
	size_t num_client;
};

struct rp_idmap *rp_idmap_new(TALLOC_CTX *mem_ctx);
const char *rp_idmap_get(const struct rp_idmap *m, const char *recorded);
int rp_idmap_put(struct rp_idmap *m, const char *recorded, const char *live);
int rp_idmap_client(struct rp_idmap *m, const char *value);
bool rp_idmap_is_client(const struct rp_idmap *m, const char *value);
/* Replaces recorded identifiers of 16 and 8 bytes by live ones in DATA;
 * returns how many. 4-byte ones (WTD indices) are replay.c's: each
 * occurrence is checked by decoding (rp_substitute_small). */
size_t rp_idmap_substitute(const struct rp_idmap *m, uint8_t *data, size_t len);

/* A GUID as libndr prints it. */
bool rp_is_guid_text(const char *v);
/* Whether a field holds an identifier: any GUID, a 64-bit value in a field
 * named like an OXID, OID or SETID, or a 32-bit one named like a WTD index. */
bool rp_is_id_field(const char *path, const char *value);

#endif
