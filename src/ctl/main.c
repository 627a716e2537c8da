/* istmctl: the command-line client of istmd. Subcommands dispatch from the
 * table below; each lives in its own file of src/ctl. */
#include <stdio.h>
#include <string.h>

#include "ctl/cmd_user.h"
#include "istmd/version.h"

struct ctl_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static int cmd_version(int argc, char **argv)
{
	printf("istmctl %s\n", ISTMD_VERSION);
	return 0;
}

static const struct ctl_command commands[] = {
	{ "version", "print the version", cmd_version },
	{ "user", "manage the accounts in the users file", cmd_user },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: istmctl COMMAND [ARGS...]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		return cmd_version(argc, argv);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "istmctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
