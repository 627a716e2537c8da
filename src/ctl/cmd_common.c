#include "ctl/cmd_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/args.h"
#include "ctl/errors.h"
#include "ctl/model.h"
#include "ctl/password.h"
#include "ctl/remote.h"

enum { OPT_JSON = 1000 };

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
	fprintf(out, "Every action takes --json (machine-readable output) and --help. "
		     "See docs/istmctl.md or istmctl(8).\n");
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

/* Runs action A of FAMILY (NULL: a command of one action) on ARGV (ARGV[0] is
 * the action's name, then its options and arguments); WHO names it in
 * messages. */
static int run_action(const char *who, const char *family, const struct ctl_action *a,
		      const struct ctl_options *options, int argc, char **argv,
		      bool (*set_option)(int opt, const char *arg))
{
	if (ctl_args_has(argc, argv, "--help")) {
		usage_line(stdout, "Usage:", family, a);
		printf("Every action takes --json (machine-readable output). "
		       "See docs/istmctl.md or istmctl(8).\n");
		return 0;
	}
	/* The action's options, then --json. */
	size_t n_own = 0;
	while (a->options != NULL && a->options[n_own].name != NULL)
		n_own++;
	struct option *longopts = calloc(n_own + 2, sizeof(*longopts));
	char **operands = calloc((size_t)argc + 1, sizeof(*operands));
	if (longopts == NULL || operands == NULL) {
		free(longopts);
		free(operands);
		return CTL_EXIT_FAILURE;
	}
	if (n_own > 0)
		memcpy(longopts, a->options, n_own * sizeof(*longopts));
	longopts[n_own] = (struct option){ "json", no_argument, NULL, OPT_JSON };

	struct ctl_options o = *options;
	/* Options and operands in any order; "--" ends the options, for an
	 * operand that starts with '-'. */
	struct ctl_args args = { .who = who, .argc = argc, .argv = argv, .longopts = longopts,
				 .operands = operands };
	int ret = -1, opt;
	while (ret < 0 && (opt = ctl_args_next(&args)) != CTL_ARGS_END) {
		if (opt == CTL_ARGS_ERROR)
			ret = CTL_EXIT_USAGE;
		else if (opt == OPT_JSON)
			o.json = true;
		else if (set_option == NULL || !set_option(opt, args.arg))
			ret = CTL_EXIT_USAGE;
	}
	int n_args = args.n_operands;
	if (ret < 0 && (n_args < a->min_args || (a->max_args >= 0 && n_args > a->max_args))) {
		ctl_error(0, "%s: %s operands", who, n_args < a->min_args ? "missing" : "too many");
		usage_line(stderr, "Usage:", family, a);
		ret = CTL_EXIT_USAGE;
	}
	if (ret < 0 && a->check != NULL && (ret = a->check(&o, who, operands, n_args)) == 0)
		ret = -1; /* checked: go on */
	if (ret < 0) {
		struct ctl_conn *c;
		ret = ctl_conn_open(&o, who, &c);
		if (ret == 0) {
			ret = a->run(c, &o, operands, n_args);
			ctl_conn_close(c);
		}
	}
	free(operands);
	free(longopts);
	return ret;
}

int ctl_dispatch(const char *family, const struct ctl_action *actions, size_t n_actions,
		 const struct ctl_options *options, int argc, char **argv,
		 bool (*set_option)(int opt, const char *arg))
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		if (argc < 2)
			ctl_error(0, "istmctl %s: which action?", family);
		ctl_family_usage(argc < 2 ? stderr : stdout, family, actions, n_actions);
		return argc < 2 ? CTL_EXIT_USAGE : 0;
	}
	const struct ctl_action *a = find_action(actions, n_actions, argv[1]);
	if (a == NULL) {
		ctl_error(0, "istmctl %s: unknown action '%s'", family, ctl_safe_word(argv[1]));
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
		ctl_error(0, "%s: cannot write JSON", c->who);
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
		return ctl_ask_password(who, "CHAP secret: ", true);
	/* Not ctl_read_password_file(): its message names the file, and a
	 * mistyped command line may have put a secret there. */
	FILE *f = fopen(file, "re");
	if (f == NULL) {
		ctl_error(0, "%s: cannot open the secret file: %s", who, strerror(errno));
		return NULL;
	}
	char *secret = ctl_read_password(f, who);
	fclose(f);
	return secret;
}
