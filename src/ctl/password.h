/* Reading a password for istmctl: one line (without its line ending) from a
 * stream, standard input or a file. */
#ifndef ISTMD_CTL_PASSWORD_H
#define ISTMD_CTL_PASSWORD_H

#include <stdio.h>

/* A malloc'd password (the caller wipes it with explicit_bzero and frees it),
 * or NULL after a message on stderr prefixed with WHO. */
char *ctl_read_password(FILE *in, const char *who);
/* The first line of PATH, the same way. */
char *ctl_read_password_file(const char *path, const char *who);

#endif
