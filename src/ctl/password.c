#include "ctl/password.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *ctl_read_password(FILE *in, const char *who)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, in);
	if (n <= 0) {
		fprintf(stderr, "%s: no password to read\n", who);
		free(line);
		return NULL;
	}
	if (line[n - 1] == '\n')
		line[--n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	if (strlen(line) != (size_t)n) {
		fprintf(stderr, "%s: the password contains a NUL byte\n", who);
		explicit_bzero(line, cap);
		free(line);
		return NULL;
	}
	return line;
}

char *ctl_read_password_file(const char *path, const char *who)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", who, path, strerror(errno));
		return NULL;
	}
	char *password = ctl_read_password(f, who);
	fclose(f);
	return password;
}
