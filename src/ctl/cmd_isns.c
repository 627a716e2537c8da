/* istmctl isns list [--json] | add SERVER[:PORT] | remove SERVER[:PORT] |
 * initiators [--json]: ISnsMgr EnumSnsServers, AddSnsServer,
 * RemoveSnsServer and EnumCachedInitiators (MS-ISTM 3.40). istmd registers
 * its targets with every listed server (docs/isns.md). */
#include "ctl/cmd_isns.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/parse.h"
#include "ctl/remote.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "istmd/utf16.h"

#define MAX_ITEMS 65536
#define FILETIME_UNIX_EPOCH 116444736000000000LL

/* Calls Next(1) on EN until S_FALSE; EACH gets every element. */
typedef int (*next_fn)(struct ctl_conn *c, struct dcom_iface *en, json_t *arr, uint32_t *hr);

static int next_server(struct ctl_conn *c, struct dcom_iface *en, json_t *arr, uint32_t *hr)
{
	struct SNS_SERVER in = { 0 };
	struct IEnumSnsServer_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
	int ret = ctl_call(c, en, &idl_iface_IEnumSnsServer, NDR_IENUMSNSSERVER_NEXT, &r,
			   "IEnumSnsServer::Next", NULL, hr);
	if (ret != 0 || *hr != S_OK || r.out.pNumElementsReturned == NULL ||
	    *r.out.pNumElementsReturned != 1)
		return ret;
	const char *name = WSTR_GET(c, r.out.pElements[0].szName);
	json_array_append_new(arr, json_string(name ? name : ""));
	return 0;
}

static int next_initiator(struct ctl_conn *c, struct dcom_iface *en, json_t *arr, uint32_t *hr)
{
	struct CACHED_INITIATOR in = { 0 };
	struct IEnumCachedInitiator_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
	int ret = ctl_call(c, en, &idl_iface_IEnumCachedInitiator, NDR_IENUMCACHEDINITIATOR_NEXT,
			   &r, "IEnumCachedInitiator::Next", NULL, hr);
	if (ret != 0 || *hr != S_OK || r.out.pNumElementsReturned == NULL ||
	    *r.out.pNumElementsReturned != 1)
		return ret;
	const struct CACHED_INITIATOR *e = &r.out.pElements[0];
	const char *iqn = WSTR_GET(c, e->szInitiatorIqn);
	int64_t ft = (int64_t)e->hyLastLoggedOnTime;
	json_int_t unix_s = ft > FILETIME_UNIX_EPOCH ? (ft - FILETIME_UNIX_EPOCH) / 10000000 : 0;
	json_array_append_new(arr, json_pack("{s:s, s:I}", "iqn", iqn ? iqn : "", "seen", unix_s));
	return 0;
}

static int drain(struct ctl_conn *c, struct dcom_iface *en, const char *what, next_fn next,
		 json_t **out)
{
	json_t *arr = json_array();
	if (arr == NULL)
		return CTL_EXIT_FAILURE;
	int ret = 0;
	for (size_t i = 0; i < MAX_ITEMS; i++) {
		uint32_t hr = S_FALSE;
		size_t before = json_array_size(arr);
		ret = next(c, en, arr, &hr);
		if (ret == 0 && HR_FAILED(hr))
			ret = ctl_fail(c, what, NULL, hr);
		if (ret != 0 || hr != S_OK || json_array_size(arr) == before)
			break;
	}
	if (ret != 0) {
		json_decref(arr);
		return ret;
	}
	*out = arr;
	return 0;
}

static int list(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)args;
	(void)n;
	struct dcom_iface *mgr, *en;
	struct ISnsMgr_EnumSnsServers e = { 0 };
	json_t *arr = NULL;
	int ret = ctl_manager(c, CTL_SNS_MGR, &mgr);
	if (ret == 0)
		ret = ctl_call(c, mgr, &idl_iface_ISnsMgr, NDR_ISNSMGR_ENUMSNSSERVERS, &e,
			       "EnumSnsServers", NULL, NULL);
	if (ret == 0)
		ret = ctl_unmarshal(c, *e.out.ppEnumSnsServer, "EnumSnsServers", &en);
	if (ret == 0)
		ret = drain(c, en, "IEnumSnsServer::Next", next_server, &arr);
	if (ret != 0)
		return ret;
	if (o->json)
		return ctl_emit(c, json_pack("{s:o}", "servers", arr));
	size_t i;
	json_t *s;
	json_array_foreach(arr, i, s) {
		printf("%s\n", json_string_value(s));
	}
	json_decref(arr);
	return 0;
}

static int initiators(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)args;
	(void)n;
	struct dcom_iface *mgr, *en;
	struct ISnsMgr_EnumCachedInitiators e = { 0 };
	json_t *arr = NULL;
	int ret = ctl_manager(c, CTL_SNS_MGR, &mgr);
	if (ret == 0)
		ret = ctl_call(c, mgr, &idl_iface_ISnsMgr, NDR_ISNSMGR_ENUMCACHEDINITIATORS, &e,
			       "EnumCachedInitiators", NULL, NULL);
	if (ret == 0)
		ret = ctl_unmarshal(c, *e.out.ppEnumCachedInitiator, "EnumCachedInitiators", &en);
	if (ret == 0)
		ret = drain(c, en, "IEnumCachedInitiator::Next", next_initiator, &arr);
	if (ret != 0)
		return ret;
	if (o->json)
		return ctl_emit(c, json_pack("{s:o}", "initiators", arr));
	printf("%-60s %s\n", "INITIATOR", "LAST SEEN (UTC)");
	size_t i;
	json_t *e1;
	json_array_foreach(arr, i, e1) {
		char when[32] = "-";
		time_t t = (time_t)json_integer_value(json_object_get(e1, "seen"));
		struct tm tm;
		if (t != 0 && gmtime_r(&t, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		printf("%-60s %s\n", json_string_value(json_object_get(e1, "iqn")), when);
	}
	json_decref(arr);
	return 0;
}

static int check_server(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	(void)n;
	size_t len = strlen(args[0]);
	if (len == 0 || len > 263 || strpbrk(args[0], " \t/\\@") != NULL) {
		fprintf(stderr, "%s: %s: expected a host name or address and an optional port "
				"(SERVER[:PORT], [V6ADDR]:PORT)\n", who, args[0]);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

static int change(struct ctl_conn *c, const char *server, bool add, bool json)
{
	struct dcom_iface *mgr;
	const char *subject = talloc_asprintf(c, "iSNS server %s", server);
	int ret = ctl_manager(c, CTL_SNS_MGR, &mgr);
	if (ret == 0 && add) {
		struct ISnsMgr_AddSnsServer r = { .in.SnsServerName = server };
		ret = ctl_call(c, mgr, &idl_iface_ISnsMgr, NDR_ISNSMGR_ADDSNSSERVER, &r,
			       "AddSnsServer", subject, NULL);
	} else if (ret == 0) {
		struct ISnsMgr_RemoveSnsServer r = { .in.SnsServerName = server };
		ret = ctl_call(c, mgr, &idl_iface_ISnsMgr, NDR_ISNSMGR_REMOVESNSSERVER, &r,
			       "RemoveSnsServer", subject, NULL);
	}
	if (ret != 0)
		return ret;
	if (json)
		return ctl_emit(c, json_pack("{s:s, s:b}", "server", server, "present", add));
	printf("%s: %s\n", subject, add ? "added" : "removed");
	return 0;
}

static int add(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	return change(c, args[0], true, o->json);
}

static int remove_server(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	return change(c, args[0], false, o->json);
}

static const struct ctl_action actions[] = {
	{ "list", "[--json]", 0, 0, NULL, NULL, list },
	{ "add", "SERVER[:PORT]", 1, 1, NULL, check_server, add },
	{ "remove", "SERVER[:PORT]", 1, 1, NULL, check_server, remove_server },
	{ "initiators", "[--json]", 0, 0, NULL, NULL, initiators },
};

int cmd_isns(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_dispatch("isns", actions, sizeof(actions) / sizeof(actions[0]), options, argc,
			    argv, NULL);
}
