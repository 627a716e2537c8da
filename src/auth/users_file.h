/* The users file (docs/auth.md): one account per line,
 *
 *   NAME:ROLE:NTHASH     ROLE is "admin" or "user"; NTHASH is 32 hex digits,
 *                        the MD4 of the UTF-16LE password (the NT hash)
 *
 * with '#' comments and blank lines allowed. The daemon reads it through
 * auth_accounts_* (auth.h); istmctl edits it with the functions below, which
 * keep comments and lines they do not understand, and replace the file
 * atomically (temporary file in the same directory, fsync, rename, fsync of
 * the directory) with mode 0600 under an exclusive lock on the directory. */
#ifndef ISTMD_AUTH_USERS_FILE_H
#define ISTMD_AUTH_USERS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

#define USERS_NAME_MAX 64
#define USERS_FILE_MAX (1024 * 1024) /* larger files are refused */
#define USERS_PASSWORD_MAX 256       /* characters, as Windows */

/* 1-64 characters from [A-Za-z0-9._-], starting with a letter, digit or '_'. */
bool users_name_valid(const char *name);

struct users_entry {
	char name[USERS_NAME_MAX + 1];
	bool is_admin;
	uint8_t nt_hash[16];
};

/* Parses one line (without its newline): 1 and *OUT for an account, 0 for a
 * blank or comment line, -EINVAL for anything else. */
int users_parse_line(const char *line, struct users_entry *out);

/* Reads the file whole into a NUL-terminated talloc'd string. -ENOENT when it
 * does not exist, -EFBIG past USERS_FILE_MAX, -EINVAL if not a regular file or
 * it holds a NUL; with PRIVATE_ONLY (the daemon), -EPERM when group or others
 * have any permission on it. */
int users_read(TALLOC_CTX *mem_ctx, const char *path, bool private_only, char **text);

/* Editing (istmctl user). Each returns 0 or: -EINVAL (invalid name), -EEXIST
 * (add: the name exists, case-insensitively), -ENOENT (del: no such user),
 * -EILSEQ (password not UTF-8), -ERANGE (password empty or too long), or
 * another negative errno from the file system. */
int users_add(const char *path, const char *name, bool is_admin, const char *password);
int users_del(const char *path, const char *name);
/* The accounts in file order; a missing file has none. */
int users_list(TALLOC_CTX *mem_ctx, const char *path, struct users_entry **entries, size_t *n);

#endif
