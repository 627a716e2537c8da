/* istmctl target create|list|show|set|enable|disable|delete: iSCSI targets
 * through IHostMgr and IHost, in the order a Windows console sends them
 * (MS-ISTM 4.2, 4.5): NewHost, the properties, Save; GetHost, the
 * properties changed, Save; GetHost for one target; EnumHosts for all;
 * DeleteHost. */
#include "ctl/cmd_target.h"

#include <stdio.h>
#include <string.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/model.h"
#include "ctl/parse.h"
#include "ctl/remote.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"

enum {
	OPT_DESCRIPTION = 1,
	OPT_IQN,
	OPT_DISABLED,
	OPT_ENABLE,
	OPT_DISABLE,
	OPT_NAME,
	OPT_MAX_RECV, /* the negotiation parameters (MS-ISTM 3.21.4.29-38) */
	OPT_FIRST_BURST,
	OPT_MAX_BURST,
	OPT_RECV_BUFFERS,
	OPT_IDLE_TIMEOUT,
	N_PARAMS = OPT_IDLE_TIMEOUT - OPT_MAX_RECV + 1,
};

static struct {
	const char *description;
	const char *iqn;
	const char *name;
	bool disabled;
	int enable; /* -1: leave it, 0 off, 1 on */
	bool has_param[N_PARAMS];
	uint32_t param[N_PARAMS];
} opt = { .enable = -1 };

static bool set_param(int o, const char *arg)
{
	const char *names[N_PARAMS] = { "--max-recv-data-segment-length", "--first-burst-length",
					"--max-burst-length", "--num-recv-buffers",
					"--idle-timeout-detection" };
	size_t i = (size_t)(o - OPT_MAX_RECV);
	if (o == OPT_IDLE_TIMEOUT) {
		bool on = strcmp(arg, "on") == 0;
		if (!on && strcmp(arg, "off") != 0) {
			ctl_error(0, "istmctl target: bad value '%s' for %s: expected on or off", arg,
				  names[i]);
			return false;
		}
		opt.param[i] = on;
	} else if (ctl_parse_u32(arg, 1, UINT32_MAX, &opt.param[i]) != 0) {
		ctl_error(0, "istmctl target: bad value '%s' for %s: expected a number", arg,
			  names[i]);
		return false;
	}
	opt.has_param[i] = true;
	return true;
}

static bool set_option(int o, const char *arg)
{
	switch (o) {
	case OPT_DESCRIPTION: opt.description = arg; return true;
	case OPT_IQN: opt.iqn = arg; return true;
	case OPT_NAME: opt.name = arg; return true;
	case OPT_DISABLED: opt.disabled = true; return true;
	case OPT_ENABLE:
	case OPT_DISABLE:
		if (opt.enable == (o == OPT_DISABLE)) {
			ctl_error(0, "istmctl target: --enable or --disable, not both");
			return false;
		}
		opt.enable = o == OPT_ENABLE;
		return true;
	default:
		return o >= OPT_MAX_RECV && o <= OPT_IDLE_TIMEOUT && set_param(o, arg);
	}
}

/* One [propput] of IHost with R (its in side set) unless SKIP. */
#define PUT(skip, r, OPNUM, method)                                                           \
	((skip) || ret != 0 ? ret :                                                          \
			      ctl_call(c, host, &idl_iface_IHost, OPNUM, &(r), method, s, NULL))

static int create(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct dcom_iface *mgr, *host;
	int ret = 0;
	const char *s = ctl_quote(c, args[0]);
	struct IHostMgr_NewHost r = { .in.HostName = args[0] };
	ret = ctl_manager(c, CTL_HOST_MGR, &mgr);
	if (ret == 0)
		ret = ctl_call(c, mgr, &idl_iface_IHostMgr, NDR_IHOSTMGR_NEWHOST, &r, "NewHost", s,
			       NULL);
	if (ret == 0)
		ret = ctl_unmarshal(c, *r.out.ppNewHost, "NewHost", &host);
	if (ret == 0 && opt.description != NULL) {
		struct IHost_put_Description p = { .in.Description = opt.description };
		ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_PUT_DESCRIPTION, &p,
			       "Description", s, NULL);
	}
	if (ret == 0 && opt.iqn != NULL) {
		struct IHost_put_TargetIQN p = { .in.TargetIQN = opt.iqn };
		ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_PUT_TARGETIQN, &p, "TargetIQN",
			       s, NULL);
	}
	if (ret == 0 && opt.disabled) {
		struct IHost_put_Enable p = { .in.bEnable = 0 };
		ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_PUT_ENABLE, &p, "Enable", s,
			       NULL);
	}
	if (ret == 0)
		ret = ctl_target_save(c, host, s);
	if (ret == 0)
		ret = ctl_show_target(c, host, o->json, "created target %s", s);
	return ret;
}

/* The properties given, in the order of MS-ISTM 3.21.4 (Enable last: a
 * target comes up with its new settings), then Save. */
static int change(struct ctl_conn *c, struct dcom_iface *host, const char *s)
{
	int ret = 0;
	struct IHost_put_Name name = { .in.Name = opt.name };
	struct IHost_put_Description description = { .in.Description = opt.description };
	struct IHost_put_TargetIQN iqn = { .in.TargetIQN = opt.iqn };
	struct IHost_put_TargetMaxRecvDataSegmentLength mrdsl = { .in.nLength = opt.param[0] };
	struct IHost_put_TargetFirstBurstLength fbl = { .in.nLength = opt.param[1] };
	struct IHost_put_TargetMaxBurstLength mbl = { .in.nLength = opt.param[2] };
	struct IHost_put_NumRecvBuffers nrb = { .in.nNumBuffers = opt.param[3] };
	struct IHost_put_EnforceIdleTimeoutDetection idle = { .in.bEnable = opt.param[4] != 0 };
	struct IHost_put_Enable enable = { .in.bEnable = opt.enable == 1 };
	ret = PUT(opt.name == NULL, name, NDR_IHOST_PUT_NAME, "Name");
	ret = PUT(opt.description == NULL, description, NDR_IHOST_PUT_DESCRIPTION, "Description");
	ret = PUT(opt.iqn == NULL, iqn, NDR_IHOST_PUT_TARGETIQN, "TargetIQN");
	ret = PUT(!opt.has_param[0], mrdsl, NDR_IHOST_PUT_TARGETMAXRECVDATASEGMENTLENGTH,
		  "TargetMaxRecvDataSegmentLength");
	ret = PUT(!opt.has_param[1], fbl, NDR_IHOST_PUT_TARGETFIRSTBURSTLENGTH,
		  "TargetFirstBurstLength");
	ret = PUT(!opt.has_param[2], mbl, NDR_IHOST_PUT_TARGETMAXBURSTLENGTH,
		  "TargetMaxBurstLength");
	ret = PUT(!opt.has_param[3], nrb, NDR_IHOST_PUT_NUMRECVBUFFERS, "NumRecvBuffers");
	ret = PUT(!opt.has_param[4], idle, NDR_IHOST_PUT_ENFORCEIDLETIMEOUTDETECTION,
		  "EnforceIdleTimeoutDetection");
	ret = PUT(opt.enable < 0, enable, NDR_IHOST_PUT_ENABLE, "Enable");
	if (ret == 0)
		ret = ctl_target_save(c, host, s);
	return ret;
}

static int check_set(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	(void)args;
	(void)n;
	bool any = opt.name || opt.description || opt.iqn || opt.enable >= 0;
	for (size_t i = 0; i < N_PARAMS; i++)
		any = any || opt.has_param[i];
	if (!any) {
		ctl_error(0, "%s: nothing to change (see --help)", who);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

static int set(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct dcom_iface *host;
	const char *s = ctl_quote(c, args[0]);
	int ret = ctl_target_open(c, args[0], &host);
	if (ret == 0)
		ret = change(c, host, s);
	if (ret == 0)
		ret = ctl_show_target(c, host, o->json, "changed target %s", s);
	return ret;
}

/* target enable|disable NAME: "set --enable" in a word. */
static int toggle(struct ctl_conn *c, const struct ctl_options *o, const char *name, bool on)
{
	opt.enable = on;
	struct dcom_iface *host;
	const char *s = ctl_quote(c, name);
	int ret = ctl_target_open(c, name, &host);
	if (ret == 0)
		ret = change(c, host, s);
	if (ret == 0)
		ret = ctl_show_target(c, host, o->json, "%s target %s", on ? "enabled" : "disabled",
				      s);
	return ret;
}

static int enable(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	return toggle(c, o, args[0], true);
}

static int disable(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	return toggle(c, o, args[0], false);
}

static int list(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)args;
	(void)n;
	struct ctl_target *targets;
	size_t count;
	int ret = 0;
	ret = ctl_target_list(c, &targets, &count);
	if (ret == 0 && o->json)
		return ctl_emit(c, ctl_targets_json(targets, count));
	if (ret == 0)
		ctl_targets_print(stdout, targets, count);
	return ret;
}

static int show(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct dcom_iface *host;
	struct ctl_target t;
	int ret = 0;
	ret = ctl_target_open(c, args[0], &host);
	if (ret == 0)
		ret = ctl_target_read(c, host, &t);
	if (ret == 0 && o->json)
		return ctl_emit(c, ctl_target_json(&t));
	if (ret == 0)
		ctl_target_print(stdout, &t);
	return ret;
}

static int delete(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct dcom_iface *mgr, *host;
	const char *name = args[0];
	uint32_t hr;
	int ret = 0;
	struct IHostMgr_DeleteHost r = { .in.HostName = name };
	ret = ctl_manager(c, CTL_HOST_MGR, &mgr);
	if (ret == 0)
		ret = ctl_call(c, mgr, &idl_iface_IHostMgr, NDR_IHOSTMGR_DELETEHOST, &r, "DeleteHost",
			       ctl_quote(c, name), &hr);
	/* DeleteHost takes a name: for an IQN, find the target's name first. */
	bool by_iqn = ret == 0 && hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) &&
		      ctl_is_iscsi_name(name);
	if (by_iqn && (ret = ctl_target_open(c, name, &host)) == 0) {
		struct IHost_get_Name g = { 0 };
		ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_GET_NAME, &g, "Name",
			       ctl_quote(c, name), NULL);
		if (ret == 0) {
			name = *g.out.pName;
			r.in.HostName = name;
			ret = ctl_call(c, mgr, &idl_iface_IHostMgr, NDR_IHOSTMGR_DELETEHOST, &r,
				       "DeleteHost", ctl_quote(c, name), &hr);
		}
	}
	if (ret == 0 && HR_FAILED(hr))
		ret = ctl_fail(c, "DeleteHost", ctl_quote(c, name), hr);
	if (ret == 0 && o->json)
		ret = ctl_emit(c, json_pack("{s:s, s:b}", "target", name, "deleted", 1));
	else if (ret == 0)
		printf("deleted target %s\n", ctl_quote(c, name));
	return ret;
}

static const struct option create_options[] = {
	{ "description", required_argument, NULL, OPT_DESCRIPTION },
	{ "iqn", required_argument, NULL, OPT_IQN },
	{ "disabled", no_argument, NULL, OPT_DISABLED },
	{ NULL, 0, NULL, 0 },
};

static const struct option set_options[] = {
	{ "name", required_argument, NULL, OPT_NAME },
	{ "description", required_argument, NULL, OPT_DESCRIPTION },
	{ "iqn", required_argument, NULL, OPT_IQN },
	{ "enable", no_argument, NULL, OPT_ENABLE },
	{ "disable", no_argument, NULL, OPT_DISABLE },
	{ "max-recv-data-segment-length", required_argument, NULL, OPT_MAX_RECV },
	{ "first-burst-length", required_argument, NULL, OPT_FIRST_BURST },
	{ "max-burst-length", required_argument, NULL, OPT_MAX_BURST },
	{ "num-recv-buffers", required_argument, NULL, OPT_RECV_BUFFERS },
	{ "idle-timeout-detection", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

static const struct ctl_action actions[] = {
	{ "create", "NAME [--description TEXT] [--iqn IQN] [--disabled]", 1, 1, create_options,
	  NULL, create },
	{ "list", "", 0, 0, NULL, NULL, list },
	{ "show", "NAME|IQN", 1, 1, NULL, NULL, show },
	{ "set",
	  "NAME|IQN [--name NEW] [--description TEXT] [--iqn IQN] [--enable|--disable] "
	  "[--max-recv-data-segment-length N] [--first-burst-length N] [--max-burst-length N] "
	  "[--num-recv-buffers N] [--idle-timeout-detection on|off]",
	  1, 1, set_options, check_set, set },
	{ "enable", "NAME|IQN", 1, 1, NULL, NULL, enable },
	{ "disable", "NAME|IQN", 1, 1, NULL, NULL, disable },
	{ "delete", "NAME|IQN", 1, 1, NULL, NULL, delete },
};

int cmd_target(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_dispatch("target", actions, sizeof(actions) / sizeof(actions[0]), options, argc,
			    argv, set_option);
}
