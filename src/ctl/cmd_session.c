/* istmctl session list [TARGET] [--json] | show TSIH [--json]: the iSCSI
 * sessions logged in now, as the backend reports them at the time of the
 * call. Every session of the server (ISessionManager2::EnumSessions2, MS-ISTM
 * 3.35.4.1) or of one target (IHost2::EnumSessions, 3.22.4.1), each with its
 * connections (EnumConnections, 3.35.4.2); one session (GetSession,
 * 3.35.4.3). */
#include "ctl/cmd_session.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/parse.h"
#include "ctl/remote.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "istmd/utf16.h"

/* Enumerations end well before this; a server that never says S_FALSE must
 * not keep us looping. */
#define MAX_ITEMS 100000

static const char *or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static json_t *session_json(struct ctl_conn *c, const struct SESSION2 *s)
{
	char isid[32];
	/* 6 bytes as the initiator sent them (RFC 3720 10.12.5), big-endian. */
	snprintf(isid, sizeof(isid), "%012" PRIx64, (uint64_t)(s->ISID & 0xffffffffffffULL));
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "tsih", (int)s->TSIH, "isid", isid,
			 "initiator", or_empty(WSTR_GET(c, s->InitiatorIQN)), "target",
			 or_empty(WSTR_GET(c, s->HostName)), "target_iqn",
			 or_empty(WSTR_GET(c, s->HostTargetIQN)), "type",
			 s->eType == Discovery ? "discovery" : s->eType == Normal ? "normal" : "invalid",
			 "auth", s->eAuthMethod == Chap ? "chap" : "none");
}

static json_t *connection_json(struct ctl_conn *c, const struct CONNECTION *e)
{
	return json_pack("{s:i, s:s, s:i, s:s, s:i, s:b, s:b}", "cid", (int)e->CID,
			 "initiator_address", or_empty(WSTR_GET(c, e->InitiatorIpAddress)),
			 "initiator_port", (int)e->InitiatorPort, "target_address",
			 or_empty(WSTR_GET(c, e->TargetIpAddress)), "target_port",
			 (int)e->TargetPort, "header_digest", e->HeaderDigestEnabled != 0,
			 "data_digest", e->DataDigestEnabled != 0);
}

/* EnumConnections(TSIH): a JSON array of the session's connections. A
 * session that ended since it was listed has none (not an error). */
static int connections(struct ctl_conn *c, uint16_t tsih, json_t **out)
{
	struct dcom_iface *sm, *en;
	struct ISessionManager2_EnumConnections e = { .in.TSIH = tsih };
	uint32_t hr = 0;
	int ret = ctl_manager(c, CTL_SESSION_MGR, &sm);
	if (ret == 0)
		ret = ctl_call(c, sm, &idl_iface_ISessionManager2,
			       NDR_ISESSIONMANAGER2_ENUMCONNECTIONS, &e, "EnumConnections", NULL, &hr);
	if (ret != 0)
		return ret;
	json_t *arr = json_array();
	if (arr == NULL)
		return CTL_EXIT_FAILURE;
	*out = arr;
	if (hr == HR_WIN32(ERROR_FILE_NOT_FOUND))
		return 0;
	if (HR_FAILED(hr))
		return ctl_fail(c, "EnumConnections", NULL, hr);
	ret = ctl_unmarshal(c, *e.out.ppEnumConnection, "EnumConnections", &en);
	for (size_t i = 0; ret == 0 && i < MAX_ITEMS; i++) {
		struct CONNECTION in = { 0 };
		struct IEnumConnection_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
		ret = ctl_call(c, en, &idl_iface_IEnumConnection, NDR_IENUMCONNECTION_NEXT, &r,
			       "IEnumConnection::Next", NULL, &hr);
		if (ret == 0 && HR_FAILED(hr))
			ret = ctl_fail(c, "IEnumConnection::Next", NULL, hr);
		if (ret != 0 || hr != S_OK || r.out.pNumElementsReturned == NULL ||
		    *r.out.pNumElementsReturned != 1)
			break;
		json_array_append_new(arr, connection_json(c, &r.out.pElements[0]));
	}
	return ret;
}

/* The IEnumSession2 from EnumSessions2 or IHost2::EnumSessions, each session
 * with its connections, into ARR. */
static int drain_sessions(struct ctl_conn *c, struct dcom_iface *en, json_t *arr)
{
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < MAX_ITEMS; i++) {
		struct SESSION2 in = { 0 };
		struct IEnumSession2_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
		uint32_t hr;
		ret = ctl_call(c, en, &idl_iface_IEnumSession2, NDR_IENUMSESSION2_NEXT, &r,
			       "IEnumSession2::Next", NULL, &hr);
		if (ret == 0 && HR_FAILED(hr))
			ret = ctl_fail(c, "IEnumSession2::Next", NULL, hr);
		if (ret != 0 || hr != S_OK || r.out.pNumElementsReturned == NULL ||
		    *r.out.pNumElementsReturned != 1)
			break;
		json_t *s = session_json(c, &r.out.pElements[0]);
		json_t *conns = NULL;
		if (s == NULL)
			return CTL_EXIT_FAILURE;
		json_array_append_new(arr, s);
		ret = connections(c, r.out.pElements[0].TSIH, &conns);
		if (conns != NULL)
			json_object_set_new(s, "connections", conns);
	}
	return ret;
}

static int open_sessions(struct ctl_conn *c, const char *target, struct dcom_iface **en)
{
	struct MInterfacePointer **mip;
	int ret;
	if (target == NULL) {
		struct dcom_iface *sm;
		struct ISessionManager2_EnumSessions2 *e = talloc_zero(c, struct ISessionManager2_EnumSessions2);
		if (e == NULL)
			return CTL_EXIT_FAILURE;
		ret = ctl_manager(c, CTL_SESSION_MGR, &sm);
		if (ret == 0)
			ret = ctl_call(c, sm, &idl_iface_ISessionManager2,
				       NDR_ISESSIONMANAGER2_ENUMSESSIONS2, e, "EnumSessions2", NULL,
				       NULL);
		mip = e->out.ppEnumSession;
	} else {
		struct dcom_iface *host, *host2 = NULL;
		struct IHost2_EnumSessions *e = talloc_zero(c, struct IHost2_EnumSessions);
		if (e == NULL)
			return CTL_EXIT_FAILURE;
		ret = ctl_target_open(c, target, &host);
		if (ret == 0)
			ret = ctl_query(c, host, &idl_iface_IHost2, &host2);
		if (ret == 0 && host2 == NULL) {
			fprintf(stderr, "%s: the server's targets have no IHost2\n", c->who);
			ret = CTL_EXIT_FAILURE;
		}
		if (ret == 0)
			ret = ctl_call(c, host2, &idl_iface_IHost2, NDR_IHOST2_ENUMSESSIONS, e,
				       "EnumSessions", ctl_quote(c, target), NULL);
		mip = e->out.ppEnumSession;
	}
	if (ret != 0)
		return ret;
	return ctl_unmarshal(c, mip ? *mip : NULL, "EnumSessions", en);
}

static void print_connections(json_t *conns, const char *indent)
{
	size_t i;
	json_t *k;
	json_array_foreach(conns, i, k) {
		const char *ia = json_string_value(json_object_get(k, "initiator_address"));
		const char *ta = json_string_value(json_object_get(k, "target_address"));
		bool v6i = strchr(ia, ':') != NULL, v6t = strchr(ta, ':') != NULL;
		printf("%sCID %d: %s%s%s:%d -> %s%s%s:%d%s%s\n", indent,
		       (int)json_integer_value(json_object_get(k, "cid")), v6i ? "[" : "", ia,
		       v6i ? "]" : "", (int)json_integer_value(json_object_get(k, "initiator_port")),
		       v6t ? "[" : "", ta, v6t ? "]" : "",
		       (int)json_integer_value(json_object_get(k, "target_port")),
		       json_is_true(json_object_get(k, "header_digest")) ? ", header digest" : "",
		       json_is_true(json_object_get(k, "data_digest")) ? ", data digest" : "");
	}
}

static int list(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	struct dcom_iface *en;
	int ret = open_sessions(c, n > 0 ? args[0] : NULL, &en);
	if (ret != 0)
		return ret;
	json_t *arr = json_array();
	if (arr == NULL)
		return CTL_EXIT_FAILURE;
	ret = drain_sessions(c, en, arr);
	if (ret != 0) {
		json_decref(arr);
		return ret;
	}
	if (o->json)
		return ctl_emit(c, json_pack("{s:o}", "sessions", arr));
	printf("%-6s %-12s %-5s %-20s %s\n", "TSIH", "ISID", "CONNS", "TARGET", "INITIATOR");
	size_t i;
	json_t *s;
	json_array_foreach(arr, i, s) {
		printf("%-6d %-12s %-5zu %-20s %s\n", (int)json_integer_value(json_object_get(s, "tsih")),
		       json_string_value(json_object_get(s, "isid")),
		       json_array_size(json_object_get(s, "connections")),
		       json_string_value(json_object_get(s, "target")),
		       json_string_value(json_object_get(s, "initiator")));
	}
	json_decref(arr);
	return 0;
}

static int check_tsih(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	(void)n;
	uint32_t tsih;
	if (ctl_parse_u32(args[0], 1, 65535, &tsih) != 0) {
		fprintf(stderr, "%s: %s: a TSIH is a number from 1 to 65535\n", who, args[0]);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

static int show(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	uint32_t tsih;
	struct dcom_iface *sm;
	ctl_parse_u32(args[0], 1, 65535, &tsih); /* checked before */
	struct ISessionManager2_GetSession r = { .in.TSIH = (uint16_t)tsih };
	const char *subject = talloc_asprintf(c, "TSIH %u", tsih);
	int ret = ctl_manager(c, CTL_SESSION_MGR, &sm);
	if (ret == 0)
		ret = ctl_call(c, sm, &idl_iface_ISessionManager2, NDR_ISESSIONMANAGER2_GETSESSION,
			       &r, "GetSession", subject, NULL);
	if (ret != 0)
		return ret;
	json_t *s = session_json(c, r.out.pSessionInfo);
	json_t *conns = NULL;
	if (s == NULL)
		return CTL_EXIT_FAILURE;
	ret = connections(c, (uint16_t)tsih, &conns);
	if (conns != NULL)
		json_object_set_new(s, "connections", conns);
	if (ret != 0) {
		json_decref(s);
		return ret;
	}
	if (o->json)
		return ctl_emit(c, s);
	printf("TSIH:       %d\n", (int)tsih);
	printf("ISID:       %s\n", json_string_value(json_object_get(s, "isid")));
	printf("Initiator:  %s\n", json_string_value(json_object_get(s, "initiator")));
	printf("Target:     %s (%s)\n", json_string_value(json_object_get(s, "target")),
	       json_string_value(json_object_get(s, "target_iqn")));
	printf("Type:       %s\n", json_string_value(json_object_get(s, "type")));
	printf("Auth:       %s\n", json_string_value(json_object_get(s, "auth")));
	printf("Connections: %zu\n", json_array_size(conns));
	print_connections(conns, "  ");
	json_decref(s);
	return 0;
}

static const struct ctl_action actions[] = {
	{ "list", "[TARGET] [--json]", 0, 1, NULL, NULL, list },
	{ "show", "TSIH [--json]", 1, 1, NULL, check_tsih, show },
};

int cmd_session(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_dispatch("session", actions, sizeof(actions) / sizeof(actions[0]), options,
			    argc, argv, NULL);
}
