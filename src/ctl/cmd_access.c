/* istmctl allow|deny TARGET INITIATOR...: the target's initiator IDs through
 * IHost, as MS-ISTM 4.4 does: GetHost, AddID (or RemoveID) for each, Save.
 * Initiators are parsed by ctl_parse_initiator (IQN, address, DNS name...). */
#include "ctl/cmd_access.h"

#include <stdio.h>
#include <string.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/parse.h"
#include "ctl/remote.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/utf16.h"

static int change(const struct ctl_options *o, const char *who, char **args, int n, bool allow)
{
	/* Every identifier is checked before anything is sent. */
	struct ID *ids = talloc_zero_array(NULL, struct ID, n);
	if (ids == NULL)
		return CTL_EXIT_FAILURE;
	for (int i = 1; i < n; i++) {
		enum ctl_id_method method;
		const char *value;
		if (ctl_parse_initiator(args[i], &method, &value) != 0 ||
		    WSTR_SET(ids[i].szValue, value) != 0) {
			fprintf(stderr, "%s: '%s' is not an initiator identifier (IQN, address, "
					"DNS name, or METHOD:VALUE)\n", who, args[i]);
			talloc_free(ids);
			return CTL_EXIT_USAGE;
		}
		ids[i].eMethod = (enum IDMethod)method;
	}
	struct ctl_conn *c;
	struct dcom_iface *host;
	int ret = ctl_conn_open(o, who, &c);
	if (ret != 0) {
		talloc_free(ids);
		return ret;
	}
	talloc_steal(c, ids);
	const char *s = ctl_quote(c, args[0]);
	ret = ctl_target_open(c, args[0], &host);
	for (int i = 1; ret == 0 && i < n; i++) {
		const char *what = talloc_asprintf(c, "%s (%s)", s, args[i]);
		if (allow) {
			struct IHost_AddID r = { .in.pIDMethod = &ids[i] };
			ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_ADDID, &r, "AddID", what,
				       NULL);
		} else {
			struct IHost_RemoveID r = { .in.pIDMethod = &ids[i] };
			ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_REMOVEID, &r, "RemoveID",
				       what, NULL);
		}
	}
	if (ret == 0)
		ret = ctl_target_save(c, host, s);
	if (ret == 0)
		ret = ctl_show_target(c, host, o->json, "%s %d initiator%s %s target %s",
				      allow ? "allowed" : "denied", n - 1, n == 2 ? "" : "s",
				      allow ? "on" : "from", s);
	ctl_conn_close(c);
	return ret;
}

static int allow(const struct ctl_options *o, const char *who, char **args, int n)
{
	return change(o, who, args, n, true);
}

static int deny(const struct ctl_options *o, const char *who, char **args, int n)
{
	return change(o, who, args, n, false);
}

static const struct ctl_action allow_action = { "allow", "TARGET INITIATOR...", 2, -1, NULL,
						allow };
static const struct ctl_action deny_action = { "deny", "TARGET INITIATOR...", 2, -1, NULL, deny };

int cmd_allow(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_run(&allow_action, options, argc, argv, NULL);
}

int cmd_deny(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_run(&deny_action, options, argc, argv, NULL);
}
