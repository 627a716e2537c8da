/* istmctl: the command-line client of istmd. Global options (which server,
 * which account) come before the command; subcommands dispatch from the table
 * below; each lives in its own file of src/ctl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "ctl/args.h"
#include "ctl/cmd_access.h"
#include "ctl/cmd_chap.h"
#include "ctl/cmd_config.h"
#include "ctl/cmd_disk.h"
#include "ctl/cmd_import.h"
#include "ctl/cmd_portal.h"
#include "ctl/cmd_session.h"
#include "ctl/cmd_isns.h"
#include "ctl/cmd_info.h"
#include "ctl/cmd_lun.h"
#include "ctl/cmd_snapshot.h"
#include "ctl/cmd_target.h"
#include "ctl/cmd_user.h"
#include "ctl/conf_file.h"
#include "ctl/errors.h"
#include "ctl/model.h"
#include "ctl/options.h"
#include "istmd/version.h"

struct ctl_command {
	const char *name;
	const char *summary;
	int (*run)(const struct ctl_options *options, int argc, char **argv);
};

static int cmd_version(const struct ctl_options *options, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (options->json)
		return ctl_json_emit(stdout, json_pack("{s:s}", "version", ISTMD_VERSION)) ?
			       CTL_EXIT_FAILURE : 0;
	printf("istmctl %s\n", ISTMD_VERSION);
	return 0;
}

static int cmd_help(const struct ctl_options *options, int argc, char **argv);

static const struct ctl_command commands[] = {
	{ "help", "help on istmctl, or on a command: help COMMAND [ACTION]", cmd_help },
	{ "version", "print the version", cmd_version },
	{ "user", "manage the accounts in the users file", cmd_user },
	{ "info", "print the name and GUID of a running istmd", cmd_info },
	{ "target", "create, list, show, change, enable, disable or delete iSCSI targets",
	  cmd_target },
	{ "disk", "create, list, show, change or delete virtual disks (VHD files)", cmd_disk },
	{ "map", "assign a virtual disk to a target as a LUN", cmd_map },
	{ "unmap", "take a virtual disk away from a target", cmd_unmap },
	{ "allow", "let initiators (IQN, address, DNS name) log in to a target", cmd_allow },
	{ "deny", "take initiators off a target's list", cmd_deny },
	{ "chap", "set one-way or mutual CHAP of a target (secret on stdin or in a file)",
	  cmd_chap },
	{ "import", "carry targets over from tgt (targets.conf, tgtd) or LIO (saveconfig)", cmd_import },
	{ "config", "export istmd's whole configuration as JSON, or import it", cmd_config },
	{ "portal", "list the portals, or make the iSCSI target listen or not on one", cmd_portal },
	{ "session", "list the iSCSI sessions logged in now, or show one with its connections",
	  cmd_session },
	{ "snapshot", "create, list, show, delete, roll back, export or schedule snapshots",
	  cmd_snapshot },
	{ "isns", "list, add or remove iSNS servers; the initiators they report", cmd_isns },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: istmctl [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"Options for commands that talk to istmd (also from the config file):\n"
		"  -s, --server HOST[:PORT]   istmd's address and endpoint-mapper port (135)\n"
		"  -u, --user NAME            an admin account of istmd's users file\n"
		"  -p, --password-file FILE   read the password from FILE (default:\n"
		"                             $ISTMCTL_PASSWORD_FILE, the config file, a prompt\n"
		"                             on a terminal, else the first line of stdin)\n"
		"      --domain NAME          the account's domain (default: none)\n"
		"      --auth ntlm|spnego     security package (default ntlm)\n"
		"      --level integrity|privacy  protection of the calls (default privacy)\n"
		"      --timeout SECONDS      per operation (default 30)\n"
		"      --config FILE          settings (default $XDG_CONFIG_HOME/istmctl.conf\n"
		"                             or ~/.config/istmctl.conf)\n"
		"      --json                 machine-readable output, errors too (also after\n"
		"                             the command)\n"
		"  -V, --version, -h, --help\n"
		"\n"
		"Commands (all but help, version and user talk to istmd):\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'istmctl help COMMAND' or 'istmctl COMMAND --help' tells more; see also "
		     "istmctl(8) and docs/istmctl.md.\n");
}

static const struct ctl_command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	}
	return NULL;
}

static int unknown_command(const char *name)
{
	ctl_error(0, "istmctl: unknown command '%s' (see istmctl help)", ctl_safe_word(name));
	return CTL_EXIT_USAGE;
}

/* help [COMMAND [ACTION]]: the command's own --help. */
static int cmd_help(const struct ctl_options *options, int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	const struct ctl_command *c = find_command(argv[1]);
	if (c == NULL)
		return unknown_command(argv[1]);
	if (argc > 3) {
		ctl_error(0, "istmctl help: expected COMMAND [ACTION]");
		return CTL_EXIT_USAGE;
	}
	if (c->run == cmd_help || c->run == cmd_version) {
		printf("istmctl %s: %s\n", c->name, c->summary);
		return 0;
	}
	char *words[] = { argv[1], argc == 3 ? argv[2] : "--help", "--help", NULL };
	return c->run(options, argc == 3 ? 3 : 2, words);
}

/* The global options as given, applied after the config file. */
struct given {
	const char *key;
	const char *option;
	const char *value;
};

/* Parses the options before the command into GIVEN (room for ARGC); returns
 * the command's index in ARGV, -1 after a message (usage error), -2 for
 * --version, -3 for --help. */
static int parse_options(int argc, char **argv, struct given *given, size_t *n_given,
			 const char **config, bool *json)
{
	enum { OPT_DOMAIN = 256, OPT_AUTH, OPT_LEVEL, OPT_TIMEOUT, OPT_JSON, OPT_CONFIG };
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "domain", required_argument, NULL, OPT_DOMAIN },
		{ "auth", required_argument, NULL, OPT_AUTH },
		{ "level", required_argument, NULL, OPT_LEVEL },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_args a = { .who = "istmctl", .argc = argc, .argv = argv, .longopts = opts,
			      .shortopts = "s:u:p:Vh", .in_order = true };
	int c;
	*n_given = 0;
	while ((c = ctl_args_next(&a)) != CTL_ARGS_END) {
		const char *key = NULL, *option = NULL;
		switch (c) {
		case 's': key = "server"; option = "--server"; break;
		case 'u': key = "user"; option = "--user"; break;
		case 'p': key = "password_file"; option = "--password-file"; break;
		case OPT_DOMAIN: key = "domain"; option = "--domain"; break;
		case OPT_AUTH: key = "auth"; option = "--auth"; break;
		case OPT_LEVEL: key = "level"; option = "--level"; break;
		case OPT_TIMEOUT: key = "timeout"; option = "--timeout"; break;
		case OPT_CONFIG: *config = a.arg; break;
		case OPT_JSON: *json = true; break;
		case 'V': return -2;
		case 'h': return -3;
		default:
			return -1;
		}
		if (key != NULL)
			given[(*n_given)++] = (struct given){ key, option, a.arg };
	}
	return a.next;
}

/* Defaults, the config file, $ISTMCTL_PASSWORD_FILE, the command line:
 * each overrides the one before. */
static int gather_options(TALLOC_CTX *mem, const struct given *given, size_t n_given,
			  const char *config, struct ctl_options *o)
{
	const char *path = config ? config : ctl_conf_default_path(mem);
	int ret = path != NULL ? ctl_conf_load(mem, path, config != NULL, o) : 0;
	if (ret != 0)
		return ret;
	const char *env = getenv("ISTMCTL_PASSWORD_FILE");
	if (env != NULL && env[0] != '\0')
		o->password_file = env;
	for (size_t i = 0; i < n_given; i++) {
		if (ctl_options_set(o, given[i].key, given[i].value) != 0) {
			/* The values of these options are never secrets. */
			ctl_error(0, "istmctl: bad value '%s' for %s", given[i].value,
				  given[i].option);
			return CTL_EXIT_USAGE;
		}
	}
	return 0;
}

static int run(TALLOC_CTX *mem, int argc, char **argv)
{
	struct ctl_options options;
	ctl_options_init(&options);
	struct given *given = talloc_array(mem, struct given, (size_t)argc);
	size_t n_given = 0;
	const char *config = NULL;
	if (given == NULL)
		return CTL_EXIT_FAILURE;
	int first = parse_options(argc, argv, given, &n_given, &config, &options.json);
	if (first == -2)
		return cmd_version(&options, 0, NULL);
	if (first == -3) {
		usage(stdout);
		return 0;
	}
	if (first < 0)
		return CTL_EXIT_USAGE;
	if (first >= argc) {
		ctl_error(0, "istmctl: which command? (see istmctl help)");
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	const struct ctl_command *c = find_command(argv[first]);
	if (c == NULL)
		return unknown_command(argv[first]);
	/* help and version work whatever the config file says. */
	bool local = c->run == cmd_help || c->run == cmd_version;
	int ret = local ? 0 : gather_options(mem, given, n_given, config, &options);
	if (ret != 0)
		return ret;
	return c->run(&options, argc - first, argv + first);
}

int main(int argc, char **argv)
{
	/* --json anywhere: errors are JSON on stdout too (docs/istmctl.md). */
	ctl_error_set_json(ctl_args_has(argc, argv, "--json"));
	TALLOC_CTX *mem = talloc_new(NULL);
	int ret = mem != NULL ? run(mem, argc, argv) : CTL_EXIT_FAILURE;
	talloc_free(mem);
	if (ret != 0 && ctl_error_json_wanted() && !ctl_json_emitted())
		(void)ctl_json_emit(stdout, ctl_error_json(ret));
	return ret;
}
