/* Comparing a live answer with the recorded one field by field (compare.c),
 * the differences found, and the report (text or JSON). */
#ifndef ISTMD_REPLAY_COMPARE_H
#define ISTMD_REPLAY_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include <talloc.h>

struct rp_dump;
struct rp_idmap;
struct rp_rules;

struct rp_diff {
	unsigned call;
	const char *method, *path, *recorded, *live;
	bool masked; /* kept only with show_masked */
};

struct rp_diffs {
	TALLOC_CTX *mem;
	struct rp_diff *v;
	size_t n;
	size_t masked;  /* differences a mask hid */
	size_t mapped;  /* identifiers mapped recorded → live */
	bool show_masked; /* keep masked differences to print them (--show-masked) */
	struct rp_diff *hidden; /* the masked ones, when kept */
	size_t n_hidden;
};

void rp_diff_add(struct rp_diffs *d, unsigned call, const char *method, const char *path,
		 const char *recorded, const char *live);

/* Compares REC and LIVE (both [out] sides): the HRESULT (out.result) first,
 * and when it agrees every other field; identifiers go through IDS (learnt
 * when first seen), masked fields (RULES, and the built-in masks of what
 * depends on the server's address) are skipped. */
void rp_compare(struct rp_diffs *d, struct rp_idmap *ids, const struct rp_rules *rules,
		unsigned call, const char *method, const struct rp_dump *rec,
		const struct rp_dump *live);
/* Only learns identifiers (calls whose answers are not compared). */
void rp_learn(struct rp_idmap *ids, const struct rp_dump *rec, const struct rp_dump *live);

/* Prints the differences and a summary; JSON: one object on stdout. */
void rp_report(const struct rp_diffs *d, size_t calls, size_t replayed, bool json);

#endif
