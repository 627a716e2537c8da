/* istmctl: the command-line client of istmd. Global options (which server,
 * which account) come before the command; subcommands dispatch from the table
 * below; each lives in its own file of src/ctl. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "ctl/cmd_access.h"
#include "ctl/cmd_chap.h"
#include "ctl/cmd_config.h"
#include "ctl/cmd_disk.h"
#include "ctl/cmd_import.h"
#include "ctl/cmd_info.h"
#include "ctl/cmd_lun.h"
#include "ctl/cmd_target.h"
#include "ctl/cmd_user.h"
#include "ctl/errors.h"
#include "ctl/options.h"
#include "istmd/version.h"

#define AUTH_LEVEL_INTEGRITY 5 /* MS-RPCE 2.2.1.1.8 */
#define AUTH_LEVEL_PRIVACY 6

struct ctl_command {
	const char *name;
	const char *summary;
	int (*run)(const struct ctl_options *options, int argc, char **argv);
};

static int cmd_version(const struct ctl_options *options, int argc, char **argv)
{
	printf("istmctl %s\n", ISTMD_VERSION);
	return 0;
}

static int run_user(const struct ctl_options *options, int argc, char **argv)
{
	return cmd_user(argc, argv);
}

static const struct ctl_command commands[] = {
	{ "version", "print the version", cmd_version },
	{ "user", "manage the accounts in the users file", run_user },
	{ "info", "print the name and GUID of a running istmd", cmd_info },
	{ "target", "create, list, show or delete iSCSI targets", cmd_target },
	{ "disk", "create, list, show or delete virtual disks (VHD files)", cmd_disk },
	{ "map", "assign a virtual disk to a target as a LUN", cmd_map },
	{ "unmap", "take a virtual disk away from a target", cmd_unmap },
	{ "allow", "let initiators (IQN, address, DNS name) log in to a target", cmd_allow },
	{ "deny", "take initiators off a target's list", cmd_deny },
	{ "chap", "set one-way or mutual CHAP of a target (secret on stdin or in a file)",
	  cmd_chap },
	{ "import", "carry targets over from tgt (targets.conf, tgtd) or LIO (saveconfig)", cmd_import },
	{ "config", "export istmd's whole configuration as JSON, or import it", cmd_config },
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: istmctl [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"Options for commands that talk to istmd:\n"
		"  -s, --server HOST[:PORT]   istmd's address and endpoint-mapper port (135)\n"
		"  -u, --user NAME            an admin account of istmd's users file\n"
		"  -p, --password-file FILE   read the password from FILE (default: stdin)\n"
		"      --domain NAME          the account's domain (default: none)\n"
		"      --auth ntlm|spnego     security package (default ntlm)\n"
		"      --level integrity|privacy  protection of the calls (default privacy)\n"
		"      --timeout SECONDS      per operation (default 30)\n"
		"      --json                 machine-readable output (also after the command)\n"
		"\n"
		"Commands (all but version and user talk to istmd; see docs/istmctl.md):\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

/* Parses the options before the command; returns the command's index in
 * ARGV, or -1 after a message (usage error). */
static int parse_options(int argc, char **argv, struct ctl_options *o)
{
	enum { OPT_DOMAIN = 256, OPT_AUTH, OPT_LEVEL, OPT_TIMEOUT, OPT_JSON };
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "domain", required_argument, NULL, OPT_DOMAIN },
		{ "auth", required_argument, NULL, OPT_AUTH },
		{ "level", required_argument, NULL, OPT_LEVEL },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct ctl_options){ .auth_type = AUTH_TYPE_NTLMSSP,
				   .auth_level = AUTH_LEVEL_PRIVACY,
				   .timeout_ms = 30000 };
	int c;
	char *stop;
	/* "+": stop at the command, whose own options follow it. */
	while ((c = getopt_long(argc, argv, "+s:u:p:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 's': o->server = optarg; break;
		case 'u': o->user = optarg; break;
		case 'p': o->password_file = optarg; break;
		case OPT_DOMAIN: o->domain = optarg; break;
		case OPT_JSON: o->json = true; break;
		case OPT_AUTH:
			if (strcmp(optarg, "ntlm") == 0)
				o->auth_type = AUTH_TYPE_NTLMSSP;
			else if (strcmp(optarg, "spnego") == 0)
				o->auth_type = AUTH_TYPE_SPNEGO;
			else
				goto bad;
			break;
		case OPT_LEVEL:
			if (strcmp(optarg, "integrity") == 0)
				o->auth_level = AUTH_LEVEL_INTEGRITY;
			else if (strcmp(optarg, "privacy") == 0)
				o->auth_level = AUTH_LEVEL_PRIVACY;
			else
				goto bad;
			break;
		case OPT_TIMEOUT: {
			unsigned long t = strtoul(optarg, &stop, 10);
			if (*optarg == '\0' || *stop != '\0' || t == 0 || t > 3600)
				goto bad;
			o->timeout_ms = (unsigned)t * 1000;
			break;
		}
		case 'V':
			return -2;
		case 'h':
			return -3;
		default:
			usage(stderr);
			return -1;
		}
	}
	return optind;
bad:
	fprintf(stderr, "istmctl: bad value '%s' for %s\n", optarg, argv[optind - 1]);
	return -1;
}

int main(int argc, char **argv)
{
	struct ctl_options options;
	int first = parse_options(argc, argv, &options);
	if (first == -2)
		return cmd_version(&options, argc, argv);
	if (first == -3) {
		usage(stdout);
		return 0;
	}
	if (first < 0)
		return CTL_EXIT_USAGE;
	if (first >= argc) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[first], commands[i].name) == 0) {
			optind = 0; /* commands parse their own options from scratch */
			return commands[i].run(&options, argc - first, argv + first);
		}
	}
	fprintf(stderr, "istmctl: unknown command '%s'\n", argv[first]);
	usage(stderr);
	return CTL_EXIT_USAGE;
}
