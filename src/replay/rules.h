/* A recording's rules file (docs/replay.md "Rules files"): the recorded
 * account's password, the live account, and masks of response fields that
 * legitimately differ between the recorded server and the live one. */
#ifndef ISTMD_REPLAY_RULES_H
#define ISTMD_REPLAY_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

struct rp_mask {
	const char *method; /* fnmatch pattern on "Interface.Method", "*" for all */
	const char *path;   /* fnmatch pattern on the field path */
	unsigned line;
};

struct rp_rules {
	const char *password;      /* of the recorded account (to read the capture) */
	const char *nt_hash;       /* or its NT hash, hex */
	const char *user;          /* live account */
	const char *live_password; /* its password */
	bool no_default_masks;     /* default_masks = no */
	struct rp_mask *masks;
	size_t num_masks;
	const char **skips;        /* methods whose responses are not compared */
	size_t num_skips;
};

struct rp_rules *rp_rules_empty(TALLOC_CTX *mem_ctx);
/* 0, or -EINVAL / -errno with *WHY (FILE:LINE: what). */
int rp_rules_load(TALLOC_CTX *mem_ctx, const char *path, struct rp_rules **out, const char **why);
int rp_rules_parse(TALLOC_CTX *mem_ctx, const char *text, const char *name, struct rp_rules **out,
		   const char **why);
bool rp_rules_masked(const struct rp_rules *r, const char *method, const char *path);
bool rp_rules_skipped(const struct rp_rules *r, const char *method);

/* The session log (sessionlog.c). */
struct rp_model;
bool rp_sessionlog_is(const uint8_t *data, size_t len);
int rp_sessionlog_read(TALLOC_CTX *mem_ctx, const char *text, size_t len, struct rp_model **out,
		       const char **why);

#endif
