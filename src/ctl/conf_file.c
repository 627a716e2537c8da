#include "ctl/conf_file.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/errors.h"

#define MAX_LINE 4096

char *ctl_conf_default_path(TALLOC_CTX *mem)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg != NULL && xdg[0] == '/') /* the spec ignores relative values */
		return talloc_asprintf(mem, "%s/istmctl.conf", xdg);
	const char *home = getenv("HOME");
	if (home != NULL && home[0] == '/')
		return talloc_asprintf(mem, "%s/.config/istmctl.conf", home);
	return NULL;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* A password file named in PATH: "~/x" is in $HOME, "x" next to PATH. */
static const char *file_near(TALLOC_CTX *mem, const char *path, const char *value)
{
	const char *home = getenv("HOME");
	if (strncmp(value, "~/", 2) == 0 && home != NULL)
		return talloc_asprintf(mem, "%s/%s", home, value + 2);
	if (value[0] == '/')
		return talloc_strdup(mem, value);
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return talloc_strdup(mem, value);
	return talloc_asprintf(mem, "%.*s/%s", (int)(slash - path), path, value);
}

static int apply(TALLOC_CTX *mem, const char *path, unsigned line, char *text,
		 struct ctl_options *o)
{
	char *eq = strchr(text, '=');
	if (eq == NULL) {
		ctl_error(0, "istmctl: %s:%u: expected 'key = value'", path, line);
		return CTL_EXIT_USAGE;
	}
	*eq = '\0';
	char *key = trim(text), *value = trim(eq + 1);
	if (strcmp(key, "password") == 0) {
		ctl_error(0, "istmctl: %s:%u: no password in the config file: put it in a file "
			     "only you can read and name that with password_file", path, line);
		return CTL_EXIT_USAGE;
	}
	const char *copy = strcmp(key, "password_file") == 0 ? file_near(mem, path, value) :
							        talloc_strdup(mem, value);
	if (copy == NULL) {
		ctl_error(0, "istmctl: out of memory");
		return CTL_EXIT_FAILURE;
	}
	int rc = value[0] == '\0' ? -EINVAL : ctl_options_set(o, key, copy);
	if (rc == -ENOENT) {
		ctl_error(0, "istmctl: %s:%u: unknown setting '%.64s' (server, user, password_file, "
			     "domain, auth, level, timeout)", path, line, key);
		return CTL_EXIT_USAGE;
	}
	if (rc != 0) {
		/* Not the value of password_file: a path is no secret, but keep
		 * to the rule that a file's name is not printed. */
		ctl_error(0, "istmctl: %s:%u: bad value '%.64s' for %s", path, line,
			  strcmp(key, "password_file") == 0 ? "..." : value, key);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

int ctl_conf_load(TALLOC_CTX *mem, const char *path, bool required, struct ctl_options *o)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		if (errno == ENOENT && !required)
			return 0;
		ctl_error(0, "istmctl: cannot read the config file %s: %s", path, strerror(errno));
		return CTL_EXIT_USAGE;
	}
	char buf[MAX_LINE];
	unsigned line = 0;
	int ret = 0;
	while (ret == 0 && fgets(buf, sizeof(buf), f) != NULL) {
		line++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			ctl_error(0, "istmctl: %s:%u: line too long", path, line);
			ret = CTL_EXIT_USAGE;
			break;
		}
		char *text = trim(buf);
		if (text[0] == '\0' || text[0] == '#' || text[0] == ';' ||
		    strcmp(text, "[istmctl]") == 0)
			continue;
		ret = apply(mem, path, line, text, o);
	}
	if (ret == 0 && ferror(f)) {
		ctl_error(0, "istmctl: cannot read the config file %s", path);
		ret = CTL_EXIT_USAGE;
	}
	fclose(f);
	return ret;
}
