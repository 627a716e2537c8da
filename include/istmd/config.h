/* INI configuration file (documented in conf/istmd.conf).
 *
 *   [section]
 *   key = value        ; comment   (also "# comment"; inline comments need a space before them)
 *
 * Each layer reads its own section through the typed getters below, which
 * validate and report "FILE: [section] key: problem" so that a bad value stops
 * the daemon at start-up with a clear message instead of a surprise later. */
#ifndef ISTMD_CONFIG_H
#define ISTMD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <talloc.h>

struct cfg;

/* Parses FILE. On failure returns NULL and sets *err (talloc'd on mem_ctx). */
struct cfg *cfg_load(TALLOC_CTX *mem_ctx, const char *path, char **err);
/* Parses text already in memory (tests, embedded defaults). NAME is used in messages. */
struct cfg *cfg_parse(TALLOC_CTX *mem_ctx, const char *name, const char *text, char **err);
/* An empty configuration: every getter returns its default. */
struct cfg *cfg_empty(TALLOC_CTX *mem_ctx);

const char *cfg_path(const struct cfg *cfg);

/* Raw value or DEF when absent. Marks the key as used. */
const char *cfg_get(struct cfg *cfg, const char *section, const char *key, const char *def);

/* Typed getters: return 0 and set *out (DEF when absent), or -EINVAL with *err set. */
int cfg_get_uint(struct cfg *cfg, const char *section, const char *key, uint64_t def,
		 uint64_t min, uint64_t max, uint64_t *out, char **err);
int cfg_get_bool(struct cfg *cfg, const char *section, const char *key, bool def, bool *out,
		 char **err);
/* One of CHOICES (NULL-terminated); *out is its index. */
int cfg_get_enum(struct cfg *cfg, const char *section, const char *key, const char *def,
		 const char *const *choices, unsigned *out, char **err);
/* Comma- and/or space-separated list; *out is a NULL-terminated talloc array
 * (empty list when absent and DEF is NULL). */
int cfg_get_list(struct cfg *cfg, const char *section, const char *key, const char *def,
		 TALLOC_CTX *mem_ctx, char ***out, char **err);

/* Calls FN for each key no getter asked for (typos in the config file). */
void cfg_foreach_unused(struct cfg *cfg,
			void (*fn)(const char *section, const char *key, unsigned line, void *priv),
			void *priv);

#endif
