/* Rules files (rules.h): one directive per line, '#' or ';' starts a comment.
 *   password = SECRET            the recorded account's password
 *   nt_hash = 32 hex digits      or its NT hash
 *   user = NAME                  the live account (default: the recorded one)
 *   live_password = SECRET       its password (default: password)
 *   default_masks = no           do not mask string bindings and their sizes
 *   mask [METHOD] PATH           ignore response fields matching PATH
 *   skip METHOD                  do not compare these calls' responses */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "replay/rules.h"

struct rp_rules *rp_rules_empty(TALLOC_CTX *mem_ctx)
{
	return talloc_zero(mem_ctx, struct rp_rules);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = 0;
	return s;
}

int rp_rules_parse(TALLOC_CTX *mem_ctx, const char *text, const char *name, struct rp_rules **out,
		   const char **why)
{
	struct rp_rules *r = rp_rules_empty(mem_ctx);
	char *copy = talloc_strdup(r, text);
	unsigned lineno = 0;
	if (r == NULL || copy == NULL) {
		*why = "out of memory";
		talloc_free(r);
		return -ENOMEM;
	}
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		/* comments: '#' anywhere, ';' after a blank (passwords may hold ';') */
		char *hash = strchr(line, '#');
		if (hash != NULL && (hash == line || hash[-1] == ' ' || hash[-1] == '\t'))
			*hash = 0;
		char *semi = strstr(line, " ;");
		if (semi != NULL)
			*semi = 0;
		if (line[0] == ';')
			line[0] = 0;
		char *l = trim(line);
		if (*l == 0)
			continue;
		char *eq = strchr(l, '=');
		if (strncmp(l, "mask", 4) == 0 && (l[4] == ' ' || l[4] == '\t')) {
			char *a = trim(l + 5), *b = a;
			while (*b && *b != ' ' && *b != '\t')
				b++;
			struct rp_mask m = { .method = "*", .line = lineno };
			if (*b) {
				*b = 0;
				m.method = talloc_strdup(r, a);
				m.path = talloc_strdup(r, trim(b + 1));
			} else {
				m.path = talloc_strdup(r, a);
			}
			struct rp_mask *v = talloc_realloc(r, r->masks, struct rp_mask, r->num_masks + 1);
			if (v == NULL || m.path == NULL || m.method == NULL)
				goto nomem;
			r->masks = v;
			v[r->num_masks++] = m;
		} else if (strncmp(l, "skip", 4) == 0 && (l[4] == ' ' || l[4] == '\t')) {
			const char **v = talloc_realloc(r, r->skips, const char *, r->num_skips + 1);
			if (v == NULL)
				goto nomem;
			r->skips = v;
			if ((v[r->num_skips++] = talloc_strdup(r, trim(l + 5))) == NULL)
				goto nomem;
		} else if (eq != NULL) {
			*eq = 0;
			char *key = trim(l), *val = talloc_strdup(r, trim(eq + 1));
			if (val == NULL)
				goto nomem;
			if (strcmp(key, "password") == 0)
				r->password = val;
			else if (strcmp(key, "nt_hash") == 0)
				r->nt_hash = val;
			else if (strcmp(key, "user") == 0)
				r->user = val;
			else if (strcmp(key, "live_password") == 0)
				r->live_password = val;
			else if (strcmp(key, "default_masks") == 0)
				r->no_default_masks = strcmp(val, "no") == 0 || strcmp(val, "off") == 0;
			else {
				*why = talloc_asprintf(mem_ctx, "%s:%u: unknown key \"%s\"", name, lineno,
						       key);
				talloc_free(r);
				return -EINVAL;
			}
		} else {
			*why = talloc_asprintf(mem_ctx, "%s:%u: expected KEY = VALUE, mask or skip",
					       name, lineno);
			talloc_free(r);
			return -EINVAL;
		}
	}
	talloc_free(copy);
	*out = r;
	return 0;
nomem:
	*why = "out of memory";
	talloc_free(r);
	return -ENOMEM;
}

int rp_rules_load(TALLOC_CTX *mem_ctx, const char *path, struct rp_rules **out, const char **why)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		*why = strerror(errno);
		return -errno;
	}
	char *text = talloc_strdup(mem_ctx, "");
	char buf[4096];
	size_t n;
	while (text != NULL && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		text = talloc_strndup_append(text, buf, n);
	fclose(f);
	if (text == NULL) {
		*why = "out of memory";
		return -ENOMEM;
	}
	int rc = rp_rules_parse(mem_ctx, text, path, out, why);
	talloc_free(text);
	return rc;
}

bool rp_rules_masked(const struct rp_rules *r, const char *method, const char *path)
{
	for (size_t i = 0; i < r->num_masks; i++)
		if (fnmatch(r->masks[i].method, method, 0) == 0 &&
		    fnmatch(r->masks[i].path, path, 0) == 0)
			return true;
	return false;
}

bool rp_rules_skipped(const struct rp_rules *r, const char *method)
{
	for (size_t i = 0; i < r->num_skips; i++)
		if (fnmatch(r->skips[i], method, 0) == 0)
			return true;
	return false;
}
