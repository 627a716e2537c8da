#include "istmd/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CFG_MAX_FILE_SIZE (1024 * 1024)

struct cfg_entry {
	char *section;
	char *key;
	char *value;
	unsigned line;
	bool used;
};

struct cfg {
	char *name;
	struct cfg_entry *entries; /* talloc array */
	size_t count;
};

struct cfg *cfg_empty(TALLOC_CTX *mem_ctx)
{
	struct cfg *cfg = talloc_zero(mem_ctx, struct cfg);
	if (cfg == NULL)
		return NULL;
	cfg->name = talloc_strdup(cfg, "(defaults)");
	cfg->entries = talloc_array(cfg, struct cfg_entry, 0);
	return cfg;
}

const char *cfg_path(const struct cfg *cfg)
{
	return cfg->name;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Cuts an inline comment: ';' or '#' at the start or after white space. */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if ((*p == ';' || *p == '#') && (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

static bool valid_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	}
	return true;
}

static struct cfg_entry *find(struct cfg *cfg, const char *section, const char *key)
{
	for (size_t i = 0; i < cfg->count; i++) {
		if (strcasecmp(cfg->entries[i].section, section) == 0 &&
		    strcasecmp(cfg->entries[i].key, key) == 0)
			return &cfg->entries[i];
	}
	return NULL;
}

struct cfg *cfg_parse(TALLOC_CTX *mem_ctx, const char *name, const char *text, char **err)
{
	struct cfg *cfg = cfg_empty(mem_ctx);
	if (cfg == NULL) {
		*err = talloc_strdup(mem_ctx, "out of memory");
		return NULL;
	}
	talloc_free(cfg->name);
	cfg->name = talloc_strdup(cfg, name);

	char *copy = talloc_strdup(cfg, text);
	char *section = NULL;
	unsigned lineno = 0;
	char *save = NULL;

	/* strtok_r would merge empty lines and lose line numbers: split by hand. */
	for (char *line = copy; line != NULL; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;

		strip_comment(line);
		char *s = trim(line);
		if (*s == '\0')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL || trim(close + 1)[0] != '\0') {
				*err = talloc_asprintf(mem_ctx, "%s:%u: malformed section header",
						       name, lineno);
				goto fail;
			}
			*close = '\0';
			char *sec = trim(s + 1);
			if (!valid_name(sec)) {
				*err = talloc_asprintf(mem_ctx, "%s:%u: bad section name '%s'", name,
						       lineno, sec);
				goto fail;
			}
			section = talloc_strdup(cfg, sec);
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			*err = talloc_asprintf(mem_ctx, "%s:%u: expected 'key = value'", name, lineno);
			goto fail;
		}
		*eq = '\0';
		char *key = trim(s);
		char *value = trim(eq + 1);
		if (section == NULL) {
			*err = talloc_asprintf(mem_ctx, "%s:%u: key '%s' outside any [section]", name,
					       lineno, key);
			goto fail;
		}
		if (!valid_name(key)) {
			*err = talloc_asprintf(mem_ctx, "%s:%u: bad key name '%s'", name, lineno, key);
			goto fail;
		}
		struct cfg_entry *dup = find(cfg, section, key);
		if (dup != NULL) {
			*err = talloc_asprintf(mem_ctx, "%s:%u: [%s] %s already set on line %u", name,
					       lineno, section, key, dup->line);
			goto fail;
		}
		cfg->entries = talloc_realloc(cfg, cfg->entries, struct cfg_entry, cfg->count + 1);
		cfg->entries[cfg->count++] = (struct cfg_entry){
			.section = section,
			.key = talloc_strdup(cfg, key),
			.value = talloc_strdup(cfg, value),
			.line = lineno,
		};
	}
	talloc_free(copy);
	return cfg;
fail:
	talloc_free(cfg);
	return NULL;
}

struct cfg *cfg_load(TALLOC_CTX *mem_ctx, const char *path, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = talloc_asprintf(mem_ctx, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > CFG_MAX_FILE_SIZE) {
		*err = talloc_asprintf(mem_ctx, "%s: not a regular file of at most %d bytes", path,
				       CFG_MAX_FILE_SIZE);
		close(fd);
		return NULL;
	}
	char *text = talloc_size(mem_ctx, (size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	text[got] = '\0';
	if (strlen(text) != got) {
		*err = talloc_asprintf(mem_ctx, "%s: contains a NUL byte", path);
		talloc_free(text);
		return NULL;
	}
	struct cfg *cfg = cfg_parse(mem_ctx, path, text, err);
	talloc_free(text);
	return cfg;
}

const char *cfg_get(struct cfg *cfg, const char *section, const char *key, const char *def)
{
	struct cfg_entry *e = find(cfg, section, key);
	if (e == NULL)
		return def;
	e->used = true;
	return e->value;
}

static char *bad_value(struct cfg *cfg, const char *section, const char *key, const char *value,
		       const char *why)
{
	struct cfg_entry *e = find(cfg, section, key);
	return talloc_asprintf(cfg, "%s:%u: [%s] %s = '%s': %s", cfg->name, e ? e->line : 0,
			       section, key, value, why);
}

int cfg_get_uint(struct cfg *cfg, const char *section, const char *key, uint64_t def,
		 uint64_t min, uint64_t max, uint64_t *out, char **err)
{
	const char *v = cfg_get(cfg, section, key, NULL);
	if (v == NULL) {
		*out = def;
		return 0;
	}
	char *end = NULL;
	errno = 0;
	if (v[0] == '-' || v[0] == '\0') {
		*err = bad_value(cfg, section, key, v, "not a non-negative integer");
		return -EINVAL;
	}
	unsigned long long n = strtoull(v, &end, 0);
	if (errno != 0 || *end != '\0') {
		*err = bad_value(cfg, section, key, v, "not a non-negative integer");
		return -EINVAL;
	}
	if (n < min || n > max) {
		*err = bad_value(cfg, section, key, v,
				 talloc_asprintf(cfg, "must be between %" PRIu64 " and %" PRIu64,
						 min, max));
		return -EINVAL;
	}
	*out = n;
	return 0;
}

int cfg_get_bool(struct cfg *cfg, const char *section, const char *key, bool def, bool *out,
		 char **err)
{
	static const char *const yes[] = { "1", "yes", "true", "on", NULL };
	static const char *const no[] = { "0", "no", "false", "off", NULL };
	const char *v = cfg_get(cfg, section, key, NULL);
	if (v == NULL) {
		*out = def;
		return 0;
	}
	for (int i = 0; yes[i]; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	*err = bad_value(cfg, section, key, v, "expected yes or no");
	return -EINVAL;
}

int cfg_get_enum(struct cfg *cfg, const char *section, const char *key, const char *def,
		 const char *const *choices, unsigned *out, char **err)
{
	const char *v = cfg_get(cfg, section, key, def);
	for (unsigned i = 0; choices[i] != NULL; i++) {
		if (strcasecmp(v, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	char *list = talloc_strdup(cfg, "expected one of:");
	for (unsigned i = 0; choices[i] != NULL; i++)
		list = talloc_asprintf_append(list, " %s", choices[i]);
	*err = bad_value(cfg, section, key, v, list);
	return -EINVAL;
}

int cfg_get_list(struct cfg *cfg, const char *section, const char *key, const char *def,
		 TALLOC_CTX *mem_ctx, char ***out, char **err)
{
	const char *v = cfg_get(cfg, section, key, def);
	char **list = talloc_array(mem_ctx, char *, 1);
	size_t n = 0;
	list[0] = NULL;
	if (v != NULL) {
		char *copy = talloc_strdup(mem_ctx, v);
		char *save = NULL;
		for (char *tok = strtok_r(copy, ", \t", &save); tok;
		     tok = strtok_r(NULL, ", \t", &save)) {
			list = talloc_realloc(mem_ctx, list, char *, n + 2);
			list[n++] = talloc_strdup(list, tok);
			list[n] = NULL;
		}
		talloc_free(copy);
	}
	(void)err;
	*out = list;
	return 0;
}

void cfg_foreach_unused(struct cfg *cfg,
			void (*fn)(const char *section, const char *key, unsigned line, void *priv),
			void *priv)
{
	for (size_t i = 0; i < cfg->count; i++) {
		if (!cfg->entries[i].used)
			fn(cfg->entries[i].section, cfg->entries[i].key, cfg->entries[i].line, priv);
	}
}
