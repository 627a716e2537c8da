/* Reading a password or a secret for istmctl: one line (without its line
 * ending) from a stream, a file, or, when standard input is a terminal, a
 * prompt that does not echo. */
#ifndef ISTMD_CTL_PASSWORD_H
#define ISTMD_CTL_PASSWORD_H

#include <stdbool.h>
#include <stdio.h>

/* A malloc'd password (the caller wipes it with explicit_bzero and frees it),
 * or NULL after a message prefixed with WHO. */
char *ctl_read_password(FILE *in, const char *who);
/* The first line of PATH, the same way. Messages do not name PATH: a
 * mistyped command line may have put a secret there. */
char *ctl_read_password_file(const char *path, const char *who);

/* From standard input: on a terminal, PROMPT (on /dev/tty) and a line read
 * without echo; with CONFIRM, asked twice and refused when the two differ.
 * Elsewhere (a pipe, a file) the next line, as ctl_read_password(). */
char *ctl_ask_password(const char *who, const char *prompt, bool confirm);

#endif
