/* istmctl import tgt [--config FILE | --from-tgtd PORT] [--apply] and
 * istmctl import lio FILE [--apply]: the source is read before anything is
 * sent (a file that cannot be read changes nothing), then import_apply.h
 * prints the plan or carries it out. */
#include "ctl/cmd_import.h"

#include <stdio.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/import_apply.h"
#include "ctl/import_lio.h"
#include "ctl/import_tgt.h"
#include "ctl/parse.h"

#define DEFAULT_TGT_CONFIG "/etc/tgt/targets.conf"

enum { OPT_CONFIG = 1, OPT_FROM_TGTD, OPT_APPLY };

static struct {
	const char *config;
	bool from_tgtd;
	uint32_t port;
	bool apply;
	struct imp_state *state; /* read by the check, applied by the run */
} opt;

static bool set_option(int o, const char *arg)
{
	switch (o) {
	case OPT_CONFIG: opt.config = arg; return true;
	case OPT_APPLY: opt.apply = true; return true;
	case OPT_FROM_TGTD:
		if (ctl_parse_u32(arg, 0, 32767, &opt.port) != 0) {
			fprintf(stderr, "istmctl import tgt: --from-tgtd %s: expected tgtd's control "
					"port (tgtd -C N)\n", arg);
			return false;
		}
		opt.from_tgtd = true;
		return true;
	default: return false;
	}
}

static int loaded(const char *who, struct imp_state *s, char *err)
{
	if (s == NULL) {
		fprintf(stderr, "%s: %s\n", who, err ? err : "cannot read the source");
		talloc_free(err);
		return CTL_EXIT_FAILURE;
	}
	opt.state = s;
	return 0;
}

static int check_tgt(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	(void)args;
	(void)n;
	char *err = NULL;
	if (opt.config != NULL && opt.from_tgtd) {
		fprintf(stderr, "%s: give either --config FILE or --from-tgtd PORT\n", who);
		return CTL_EXIT_USAGE;
	}
	if (opt.from_tgtd)
		return loaded(who, imp_tgt_live(NULL, opt.port, &err), err);
	return loaded(who, imp_tgt_conf(NULL, opt.config ? opt.config : DEFAULT_TGT_CONFIG, &err),
		      err);
}

static int check_lio(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	(void)n;
	char *err = NULL;
	return loaded(who, imp_lio_file(NULL, args[0], &err), err);
}

static int run(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)args;
	(void)n;
	return imp_apply(c, opt.state, opt.apply, o->json);
}

static const struct option tgt_options[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "from-tgtd", required_argument, NULL, OPT_FROM_TGTD },
	{ "apply", no_argument, NULL, OPT_APPLY },
	{ NULL, 0, NULL, 0 },
};

static const struct option lio_options[] = {
	{ "apply", no_argument, NULL, OPT_APPLY },
	{ NULL, 0, NULL, 0 },
};

static const struct ctl_action actions[] = {
	{ "tgt", "[--config FILE | --from-tgtd PORT] [--apply]", 0, 0, tgt_options, check_tgt,
	  run },
	{ "lio", "SAVECONFIG.JSON [--apply]", 1, 1, lio_options, check_lio, run },
};

int cmd_import(const struct ctl_options *options, int argc, char **argv)
{
	int ret = ctl_dispatch("import", actions, sizeof(actions) / sizeof(actions[0]), options,
			       argc, argv, set_option);
	TALLOC_FREE(opt.state);
	return ret;
}
