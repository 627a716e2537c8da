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

/* An initiator identifier (MS-ISTM 2.2.4.7) of a command-line word, or -1
 * after a message. */
static int id_of(const char *who, const char *text, struct ID *id)
{
	enum ctl_id_method method;
	const char *value;
	if (ctl_parse_initiator(text, &method, &value) != 0 || WSTR_SET(id->szValue, value) != 0) {
		ctl_error(0, "%s: '%s' is not an initiator identifier (IQN, address, DNS name, "
				"or METHOD:VALUE)", who, text);
		return -1;
	}
	id->eMethod = (enum IDMethod)method;
	return 0;
}

/* Every identifier is checked before anything is sent. */
static int check(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	struct ID id;
	for (int i = 1; i < n; i++) {
		if (id_of(who, args[i], &id) != 0)
			return CTL_EXIT_USAGE;
	}
	return 0;
}

static int change(struct ctl_conn *c, const struct ctl_options *o, char **args, int n, bool allow)
{
	struct dcom_iface *host;
	const char *s = ctl_quote(c, args[0]);
	int ret = ctl_target_open(c, args[0], &host);
	for (int i = 1; ret == 0 && i < n; i++) {
		const char *what = talloc_asprintf(c, "%s (%s)", s, args[i]);
		struct ID id = { 0 };
		if (id_of(c->who, args[i], &id) != 0)
			return CTL_EXIT_USAGE;
		if (allow) {
			struct IHost_AddID r = { .in.pIDMethod = &id };
			ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_ADDID, &r, "AddID", what,
				       NULL);
		} else {
			struct IHost_RemoveID r = { .in.pIDMethod = &id };
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
	return ret;
}

static int allow(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	return change(c, o, args, n, true);
}

static int deny(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	return change(c, o, args, n, false);
}

static const struct ctl_action allow_action = { "allow", "TARGET INITIATOR...", 2, -1, NULL,
						check, allow };
static const struct ctl_action deny_action = { "deny", "TARGET INITIATOR...", 2, -1, NULL, check,
					       deny };

int cmd_allow(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_run(&allow_action, options, argc, argv, NULL);
}

int cmd_deny(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_run(&deny_action, options, argc, argv, NULL);
}
