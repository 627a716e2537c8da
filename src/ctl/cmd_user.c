/* istmctl user add|del|list --users-file FILE [--admin] NAME
 *
 * The password of "add" is one line read from standard input (its newline
 * stripped), so scripts can pipe it in; nothing else is read and nothing is
 * echoed. Only its NT hash is stored. Exit codes: 0 done, 1 failure, 2 usage,
 * 3 the user already exists (add), 4 no such user (del). */
#include "ctl/cmd_user.h"
#include "ctl/password.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/users_file.h"

enum { EXIT_USAGE = 2, EXIT_EXISTS = 3, EXIT_NO_USER = 4 };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: istmctl user add --users-file FILE [--admin] NAME   (password on stdin)\n"
		"       istmctl user del --users-file FILE NAME\n"
		"       istmctl user list --users-file FILE\n"
		"\n"
		"NAME: 1-%d characters from A-Z a-z 0-9 . _ -, starting with a letter, digit or _.\n"
		"Exit status: 0 done, 1 failure, 2 usage, 3 user exists, 4 no such user.\n",
		USERS_NAME_MAX);
}

static int add(const char *path, const char *name, bool admin)
{
	char *password = ctl_read_password(stdin, "istmctl user");
	if (password == NULL)
		return EXIT_FAILURE;
	int ret = users_add(path, name, admin, password);
	explicit_bzero(password, strlen(password));
	free(password);
	switch (ret) {
	case 0:
		printf("added %s '%s' to %s\n", admin ? "administrator" : "user", name, path);
		return 0;
	case -EEXIST:
		fprintf(stderr, "istmctl user: '%s' already exists in %s\n", name, path);
		return EXIT_EXISTS;
	case -ERANGE:
		fprintf(stderr, "istmctl user: the password must have 1 to %d characters\n",
			USERS_PASSWORD_MAX);
		return EXIT_FAILURE;
	case -EILSEQ:
		fprintf(stderr, "istmctl user: the password is not valid UTF-8\n");
		return EXIT_FAILURE;
	default:
		fprintf(stderr, "istmctl user: cannot update %s: %s\n", path, strerror(-ret));
		return EXIT_FAILURE;
	}
}

static int del(const char *path, const char *name)
{
	int ret = users_del(path, name);
	if (ret == 0) {
		printf("removed '%s' from %s\n", name, path);
		return 0;
	}
	if (ret == -ENOENT) {
		fprintf(stderr, "istmctl user: no user '%s' in %s\n", name, path);
		return EXIT_NO_USER;
	}
	fprintf(stderr, "istmctl user: cannot update %s: %s\n", path, strerror(-ret));
	return EXIT_FAILURE;
}

static int list(const char *path)
{
	struct users_entry *entries;
	size_t n;
	int ret = users_list(NULL, path, &entries, &n);
	if (ret < 0) {
		fprintf(stderr, "istmctl user: cannot read %s: %s\n", path, strerror(-ret));
		return EXIT_FAILURE;
	}
	for (size_t i = 0; i < n; i++)
		printf("%s\t%s\n", entries[i].name, entries[i].is_admin ? "admin" : "user");
	talloc_free(entries);
	return 0;
}

int cmd_user(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	const char *action = argv[1];
	static const struct option options[] = {
		{ "users-file", required_argument, NULL, 'f' },
		{ "admin", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool admin = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, "f:ah", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 'a':
			admin = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	int rest = argc - 1 - optind;
	char **args = argv + 1 + optind;
	bool is_list = strcmp(action, "list") == 0;
	bool known = is_list || strcmp(action, "add") == 0 || strcmp(action, "del") == 0;
	if (!known || path == NULL || rest != (is_list ? 0 : 1) || (admin && strcmp(action, "add") != 0)) {
		if (!known)
			fprintf(stderr, "istmctl user: unknown action '%s'\n", action);
		else if (path == NULL)
			fprintf(stderr, "istmctl user: --users-file FILE is required\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (is_list)
		return list(path);
	if (!users_name_valid(args[0])) {
		fprintf(stderr, "istmctl user: invalid user name '%s'\n", args[0]);
		usage(stderr);
		return EXIT_USAGE;
	}
	return strcmp(action, "add") == 0 ? add(path, args[0], admin) : del(path, args[0]);
}
