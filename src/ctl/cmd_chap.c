/* istmctl chap TARGET --user NAME [--secret-file FILE] [--mutual] | --off:
 * CHAP of a target through IHost: GetHost, ValidateChapSecret (or
 * ValidateReverseChapSecret), the user name and secret properties, the
 * enable flag, Save. The secret comes from FILE or standard input, is wiped
 * after use and never printed. */
#include "ctl/cmd_chap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/remote.h"
#include "idl/ndr_ms_istm.h"

enum { OPT_USER = 1, OPT_SECRET_FILE, OPT_MUTUAL, OPT_OFF };

static struct {
	const char *user;
	const char *secret_file;
	bool mutual;
	bool off;
} opt;

static bool set_option(int o, const char *arg)
{
	switch (o) {
	case OPT_USER: opt.user = arg; return true;
	case OPT_SECRET_FILE: opt.secret_file = arg; return true;
	case OPT_MUTUAL: opt.mutual = true; return true;
	case OPT_OFF: opt.off = true; return true;
	default: return false;
	}
}

static int enable(struct ctl_conn *c, struct dcom_iface *host, const char *s, bool mutual,
		  bool on)
{
	if (mutual) {
		struct IHost_put_EnableReverseCHAP r = { .in.bEnable = on };
		return ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_PUT_ENABLEREVERSECHAP, &r,
				"EnableReverseCHAP", s, NULL);
	}
	struct IHost_put_EnableCHAP r = { .in.bEnable = on };
	return ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_PUT_ENABLECHAP, &r, "EnableCHAP", s,
			NULL);
}

/* Validate, user name, secret, enable: one direction. */
static int set_credentials(struct ctl_conn *c, struct dcom_iface *host, const char *s,
			   const char *secret)
{
	int ret;
	if (opt.mutual) {
		struct IHost_ValidateReverseChapSecret v = { .in.Secret = secret };
		struct IHost_put_ReverseCHAPUserName u = { .in.UserName = opt.user };
		struct IHost_put_ReverseCHAPSecret p = { .in.Secret = secret };
		ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_VALIDATEREVERSECHAPSECRET, &v,
			       "ValidateReverseChapSecret", s, NULL);
		if (ret == 0)
			ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_PUT_REVERSECHAPUSERNAME,
				       &u, "ReverseCHAPUserName", s, NULL);
		if (ret == 0)
			ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_PUT_REVERSECHAPSECRET, &p,
				       "ReverseCHAPSecret", s, NULL);
	} else {
		struct IHost_ValidateChapSecret v = { .in.Secret = secret };
		struct IHost_put_CHAPUserName u = { .in.UserName = opt.user };
		struct IHost_put_CHAPSecret p = { .in.Secret = secret };
		ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_VALIDATECHAPSECRET, &v,
			       "ValidateChapSecret", s, NULL);
		if (ret == 0)
			ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_PUT_CHAPUSERNAME, &u,
				       "CHAPUserName", s, NULL);
		if (ret == 0)
			ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_PUT_CHAPSECRET, &p,
				       "CHAPSecret", s, NULL);
	}
	return ret;
}

static int check(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	(void)args;
	(void)n;
	if (opt.off == (opt.user != NULL) || (opt.off && opt.secret_file != NULL)) {
		ctl_error(0, "%s: give either --user NAME (and the secret on standard input "
				"or in --secret-file) or --off", who);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

static int chap(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct dcom_iface *host;
	char *secret = NULL;
	int ret = 0;
	const char *s = ctl_quote(c, args[0]);
	/* After the connection: a password from standard input comes first. */
	if (!opt.off && (secret = ctl_read_secret(opt.secret_file, c->who)) == NULL)
		ret = CTL_EXIT_USAGE;
	if (ret == 0)
		ret = ctl_target_open(c, args[0], &host);
	if (ret == 0 && opt.off) {
		/* Mutual CHAP needs one-way CHAP: turning that off turns both off. */
		ret = enable(c, host, s, true, false);
		if (ret == 0 && !opt.mutual)
			ret = enable(c, host, s, false, false);
	} else if (ret == 0) {
		ret = set_credentials(c, host, s, secret);
		if (ret == 0)
			ret = enable(c, host, s, opt.mutual, true);
	}
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	if (ret == 0)
		ret = ctl_target_save(c, host, s);
	if (ret == 0)
		ret = ctl_show_target(c, host, o->json, "%s is %s for target %s",
				      opt.mutual ? "mutual CHAP" : opt.off ? "CHAP" : "one-way CHAP",
				      opt.off ? "off" : "on", s);
	return ret;
}

static const struct option chap_options[] = {
	{ "user", required_argument, NULL, OPT_USER },
	{ "secret-file", required_argument, NULL, OPT_SECRET_FILE },
	{ "mutual", no_argument, NULL, OPT_MUTUAL },
	{ "off", no_argument, NULL, OPT_OFF },
	{ NULL, 0, NULL, 0 },
};

static const struct ctl_action chap_action = {
	"chap", "TARGET (--user NAME [--secret-file FILE] | --off) [--mutual]", 1, 1, chap_options,
	check, chap
};

int cmd_chap(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_run(&chap_action, options, argc, argv, set_option);
}
