#include "ctl/cmd_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/errors.h"
#include "ctl/model.h"
#include "ctl/password.h"
#include "ctl/remote.h"

enum { OPT_JSON = 1000, OPT_HELP };

/* "Usage: istmctl [OPTIONS] disk create PATH ..." (FAMILY NULL for a command
 * that is one action). */
static void usage_line(FILE *out, const char *lead, const char *family, const struct ctl_action *a)
{
	fprintf(out, "%s istmctl [OPTIONS] %s%s%s%s%s\n", lead, family ? family : "",
		family ? " " : "", a->name, a->synopsis[0] ? " " : "", a->synopsis);
}

void ctl_family_usage(FILE *out, const char *family, const struct ctl_action *actions,
		      size_t n_actions)
{
	for (size_t i = 0; i < n_actions; i++)
		usage_line(out, i == 0 ? "Usage:" : "      ", family, &actions[i]);
	fprintf(out, "Every action takes --json (machine-readable output). See docs/istmctl.md.\n");
}

static const struct ctl_action *find_action(const struct ctl_action *actions, size_t n,
					    const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	}
	return NULL;
}

/* Whether the option getopt_long just returned was spelled out: getopt
 * accepts any unambiguous prefix, and "--secret VALUE" must never pass for
 * "--secret-file FILE" (a secret on the command line). */
static bool written_in_full(int argc, char **argv, const struct option *o)
{
	/* The option's word is the last one read, or the one before its value. */
	int at = optind - 1;
	if (o->has_arg == required_argument && at >= 1 && optarg == argv[at])
		at--;
	if (at < 1 || at >= argc || strncmp(argv[at], "--", 2) != 0)
		return false;
	size_t n = strlen(o->name);
	return strncmp(argv[at] + 2, o->name, n) == 0 &&
	       (argv[at][2 + n] == '\0' || argv[at][2 + n] == '=');
}

/* Runs action A of FAMILY (NULL: a command of one action) on ARGV (ARGV[0] is
 * the action's name, then its options and arguments); WHO names it in
 * messages. */
static int run_action(const char *who, const char *family, const struct ctl_action *a,
		      const struct ctl_options *options, int argc, char **argv,
		      bool (*set_option)(int opt, const char *arg))
{
	/* The action's options, then --json and --help. */
	size_t n_own = 0;
	while (a->options != NULL && a->options[n_own].name != NULL)
		n_own++;
	struct option *longopts = calloc(n_own + 3, sizeof(*longopts));
	if (longopts == NULL)
		return CTL_EXIT_FAILURE;
	if (n_own > 0)
		memcpy(longopts, a->options, n_own * sizeof(*longopts));
	longopts[n_own] = (struct option){ "json", no_argument, NULL, OPT_JSON };
	longopts[n_own + 1] = (struct option){ "help", no_argument, NULL, OPT_HELP };

	struct ctl_options o = *options;
	int ret = -1, opt, index = -1;
	optind = 0;
	opterr = 0; /* our messages name the command, not argv[0] */
	/* Options and operands in any order (GNU permutation); "--" ends the
	 * options, for an operand that starts with '-'. */
	while (ret < 0 && (opt = getopt_long(argc, argv, "", longopts, &index)) != -1) {
		if (opt == '?' || opt == ':') {
			fprintf(stderr, "%s: unknown option, or one without its value: %s\n", who,
				argv[optind - 1]);
			ret = CTL_EXIT_USAGE;
		} else if (!written_in_full(argc, argv, &longopts[index])) {
			fprintf(stderr, "%s: write options in full (--%s)\n", who, longopts[index].name);
			ret = CTL_EXIT_USAGE;
		} else if (opt == OPT_JSON) {
			o.json = true;
		} else if (opt == OPT_HELP) {
			usage_line(stdout, "Usage:", family, a);
			ret = 0;
		} else if (set_option == NULL || !set_option(opt, optarg)) {
			ret = CTL_EXIT_USAGE;
		}
	}
	int n_args = argc - optind;
	if (ret < 0 && (n_args < a->min_args || (a->max_args >= 0 && n_args > a->max_args))) {
		usage_line(stderr, "Usage:", family, a);
		ret = CTL_EXIT_USAGE;
	}
	if (ret < 0 && a->check != NULL && (ret = a->check(&o, who, argv + optind, n_args)) == 0)
		ret = -1; /* checked: go on */
	if (ret < 0) {
		struct ctl_conn *c;
		ret = ctl_conn_open(&o, who, &c);
		if (ret == 0) {
			ret = a->run(c, &o, argv + optind, n_args);
			ctl_conn_close(c);
		}
	}
	free(longopts);
	return ret;
}

int ctl_dispatch(const char *family, const struct ctl_action *actions, size_t n_actions,
		 const struct ctl_options *options, int argc, char **argv,
		 bool (*set_option)(int opt, const char *arg))
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		ctl_family_usage(argc < 2 ? stderr : stdout, family, actions, n_actions);
		return argc < 2 ? CTL_EXIT_USAGE : 0;
	}
	const struct ctl_action *a = find_action(actions, n_actions, argv[1]);
	if (a == NULL) {
		fprintf(stderr, "istmctl %s: unknown action '%s'\n", family, argv[1]);
		ctl_family_usage(stderr, family, actions, n_actions);
		return CTL_EXIT_USAGE;
	}
	char *who = NULL;
	if (asprintf(&who, "istmctl %s %s", family, a->name) < 0)
		return CTL_EXIT_FAILURE;
	int ret = run_action(who, family, a, options, argc - 1, argv + 1, set_option);
	free(who);
	return ret;
}

int ctl_run(const struct ctl_action *action, const struct ctl_options *options, int argc,
	    char **argv, bool (*set_option)(int opt, const char *arg))
{
	char *who = NULL;
	if (asprintf(&who, "istmctl %s", action->name) < 0)
		return CTL_EXIT_FAILURE;
	int ret = run_action(who, NULL, action, options, argc, argv, set_option);
	free(who);
	return ret;
}

int ctl_emit(struct ctl_conn *c, json_t *json)
{
	if (ctl_json_emit(stdout, json) != 0) {
		fprintf(stderr, "%s: cannot write JSON\n", c->who);
		return CTL_EXIT_FAILURE;
	}
	return 0;
}

static int vshow(struct ctl_conn *c, bool json, json_t *object, const char *fmt, va_list ap)
{
	if (json)
		return ctl_emit(c, object);
	vprintf(fmt, ap);
	putchar('\n');
	return 0;
}

int ctl_show_target(struct ctl_conn *c, struct dcom_iface *host, bool json, const char *fmt, ...)
{
	struct ctl_target t;
	if (json) {
		int ret = ctl_target_read(c, host, &t);
		if (ret != 0)
			return ret;
	}
	va_list ap;
	va_start(ap, fmt);
	int ret = vshow(c, json, json ? ctl_target_json(&t) : NULL, fmt, ap);
	va_end(ap);
	return ret;
}

int ctl_show_disk(struct ctl_conn *c, uint32_t wtd, bool json, const char *fmt, ...)
{
	struct ctl_disk d;
	struct dcom_iface *disk;
	if (json) {
		int ret = ctl_disk_open(c, wtd, &disk);
		if (ret == 0)
			ret = ctl_disk_read(c, disk, &d);
		if (ret != 0)
			return ret;
	}
	va_list ap;
	va_start(ap, fmt);
	int ret = vshow(c, json, json ? ctl_disk_json(&d) : NULL, fmt, ap);
	va_end(ap);
	return ret;
}

char *ctl_read_secret(const char *file, const char *who)
{
	if (file == NULL)
		return ctl_read_password(stdin, who);
	/* Not ctl_read_password_file(): its message names the file, and a
	 * mistyped command line may have put a secret there. */
	FILE *f = fopen(file, "re");
	if (f == NULL) {
		fprintf(stderr, "%s: cannot open the secret file: %s\n", who, strerror(errno));
		return NULL;
	}
	char *secret = ctl_read_password(f, who);
	fclose(f);
	return secret;
}
