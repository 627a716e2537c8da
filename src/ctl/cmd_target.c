/* istmctl target create|list|show|delete: iSCSI targets through IHostMgr and
 * IHost, in the order a Windows console sends them (MS-ISTM 4.2, 4.5):
 * NewHost, the properties, Save; GetHost for one target; EnumHosts for all;
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

enum { OPT_DESCRIPTION = 1, OPT_IQN, OPT_DISABLED };

static struct {
	const char *description;
	const char *iqn;
	bool disabled;
} opt;

static bool set_option(int o, const char *arg)
{
	switch (o) {
	case OPT_DESCRIPTION: opt.description = arg; return true;
	case OPT_IQN: opt.iqn = arg; return true;
	case OPT_DISABLED: opt.disabled = true; return true;
	default: return false;
	}
}

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

static const struct ctl_action actions[] = {
	{ "create", "NAME [--description TEXT] [--iqn IQN] [--disabled]", 1, 1, create_options,
	  NULL, create },
	{ "list", "", 0, 0, NULL, NULL, list },
	{ "show", "NAME|IQN", 1, 1, NULL, NULL, show },
	{ "delete", "NAME|IQN", 1, 1, NULL, NULL, delete },
};

int cmd_target(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_dispatch("target", actions, sizeof(actions) / sizeof(actions[0]), options, argc,
			    argv, set_option);
}
