/* istmctl user add|del|list --users-file FILE [--admin] NAME [--json]
 *
 * The password of "add" is asked twice without echo on a terminal, else it
 * is one line read from standard input (its newline stripped), so scripts
 * can pipe it in; nothing is echoed. Only its NT hash is stored. Exit codes:
 * 0 done, 1 failure, 2 usage, 3 the user already exists (add), 4 no such
 * user (del). */
#include "ctl/cmd_user.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/users_file.h"
#include "ctl/args.h"
#include "ctl/errors.h"
#include "ctl/model.h"
#include "ctl/password.h"

#define WHO "istmctl user"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: istmctl user add --users-file FILE [--admin] NAME   (password asked, "
		"or on stdin)\n"
		"       istmctl user del --users-file FILE NAME\n"
		"       istmctl user list --users-file FILE\n"
		"Every action takes --json.\n"
		"\n"
		"NAME: 1-%d characters from A-Z a-z 0-9 . _ -, starting with a letter, digit or _.\n"
		"Exit status: 0 done, 1 failure, 2 usage, 3 user exists, 4 no such user.\n",
		USERS_NAME_MAX);
}

static int emit(json_t *j)
{
	if (ctl_json_emit(stdout, j) != 0) {
		ctl_error(0, WHO ": cannot write JSON");
		return CTL_EXIT_FAILURE;
	}
	return 0;
}

static int add(const char *path, const char *name, bool admin, bool json)
{
	char *prompt = NULL;
	if (asprintf(&prompt, "Password for the new %s '%s': ", admin ? "admin" : "user",
		     name) < 0)
		return CTL_EXIT_FAILURE;
	char *password = ctl_ask_password(WHO, prompt, true);
	free(prompt);
	if (password == NULL)
		return CTL_EXIT_FAILURE;
	int ret = users_add(path, name, admin, password);
	explicit_bzero(password, strlen(password));
	free(password);
	switch (ret) {
	case 0:
		if (json)
			return emit(json_pack("{s:s, s:b, s:b}", "user", name, "admin", admin,
					      "added", 1));
		printf("added %s '%s' to %s\n", admin ? "administrator" : "user", name, path);
		return 0;
	case -EEXIST:
		ctl_error(0, WHO ": '%s' already exists in %s", name, path);
		return CTL_EXIT_EXISTS;
	case -ERANGE:
		ctl_error(0, WHO ": the password must have 1 to %d characters", USERS_PASSWORD_MAX);
		return CTL_EXIT_FAILURE;
	case -EILSEQ:
		ctl_error(0, WHO ": the password is not valid UTF-8");
		return CTL_EXIT_FAILURE;
	default:
		ctl_error(0, WHO ": cannot update %s: %s", path, strerror(-ret));
		return CTL_EXIT_FAILURE;
	}
}

static int del(const char *path, const char *name, bool json)
{
	int ret = users_del(path, name);
	if (ret == 0 && json)
		return emit(json_pack("{s:s, s:b}", "user", name, "deleted", 1));
	if (ret == 0) {
		printf("removed '%s' from %s\n", name, path);
		return 0;
	}
	if (ret == -ENOENT) {
		ctl_error(0, WHO ": no user '%s' in %s", name, path);
		return CTL_EXIT_NOT_FOUND;
	}
	ctl_error(0, WHO ": cannot update %s: %s", path, strerror(-ret));
	return CTL_EXIT_FAILURE;
}

static int list(const char *path, bool json)
{
	struct users_entry *entries;
	size_t n;
	int ret = users_list(NULL, path, &entries, &n);
	if (ret < 0) {
		ctl_error(0, WHO ": cannot read %s: %s", path, strerror(-ret));
		return CTL_EXIT_FAILURE;
	}
	json_t *users = json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		if (json)
			json_array_append_new(users, json_pack("{s:s, s:b}", "name",
							       entries[i].name, "admin",
							       entries[i].is_admin));
		else
			printf("%s\t%s\n", entries[i].name, entries[i].is_admin ? "admin" : "user");
	}
	talloc_free(entries);
	return json ? emit(json_pack("{s:o}", "users", users)) : 0;
}

int cmd_user(const struct ctl_options *options, int argc, char **argv)
{
	if (argc < 2 || ctl_args_has(argc, argv, "--help") || strcmp(argv[1], "-h") == 0) {
		if (argc < 2)
			ctl_error(0, WHO ": which action?");
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_EXIT_USAGE : 0;
	}
	const char *action = argv[1];
	enum { OPT_FILE = 1, OPT_ADMIN, OPT_JSON };
	static const struct option longopts[] = {
		{ "users-file", required_argument, NULL, OPT_FILE },
		{ "admin", no_argument, NULL, OPT_ADMIN },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool admin = false, json = options->json;
	char *operands[argc];
	struct ctl_args a = { .who = WHO, .argc = argc - 1, .argv = argv + 1,
			      .longopts = longopts, .operands = operands };
	int opt;
	while ((opt = ctl_args_next(&a)) != CTL_ARGS_END) {
		switch (opt) {
		case OPT_FILE: path = a.arg; break;
		case OPT_ADMIN: admin = true; break;
		case OPT_JSON: json = true; break;
		default:
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	bool is_list = strcmp(action, "list") == 0;
	bool is_add = strcmp(action, "add") == 0;
	bool known = is_list || is_add || strcmp(action, "del") == 0;
	const char *problem = !known ? "unknown action" :
			      path == NULL ? "--users-file FILE is required" :
			      a.n_operands != (is_list ? 0 : 1) ? "wrong number of operands" :
			      admin && !is_add ? "--admin goes with add" : NULL;
	if (problem != NULL) {
		if (!known)
			ctl_error(0, WHO ": unknown action '%s'", ctl_safe_word(action));
		else
			ctl_error(0, WHO ": %s", problem);
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (is_list)
		return list(path, json);
	if (!users_name_valid(operands[0])) {
		ctl_error(0, WHO ": invalid user name '%s'", operands[0]);
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	return is_add ? add(path, operands[0], admin, json) : del(path, operands[0], json);
}
