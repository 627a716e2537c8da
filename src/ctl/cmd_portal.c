/* istmctl portal list [--json] | enable ADDR[:PORT] | disable ADDR[:PORT]:
 * the host's addresses with the port the iSCSI target listens on there
 * (ILocalDeviceMgr::EnumPortals, MS-ISTM 3.30.4.14), and listening or not
 * on one address and port (SetPortalConfig, 3.30.4.16; kept across
 * restarts by istmd). */
#include "ctl/cmd_portal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/parse.h"
#include "ctl/remote.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "istmd/utf16.h"

#define ISCSI_DEFAULT_PORT 3260
#define MAX_PORTALS 4096

static int list(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)args;
	(void)n;
	struct dcom_iface *ldm, *en;
	struct ILocalDeviceMgr_EnumPortals e = { 0 };
	int ret = ctl_manager(c, CTL_LOCAL_DEVICE, &ldm);
	if (ret == 0)
		ret = ctl_call(c, ldm, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_ENUMPORTALS, &e,
			       "EnumPortals", NULL, NULL);
	if (ret == 0)
		ret = ctl_unmarshal(c, *e.out.ppEnumPortal, "EnumPortals", &en);
	if (ret != 0)
		return ret;
	json_t *arr = json_array();
	if (arr == NULL)
		return CTL_EXIT_FAILURE;
	for (size_t i = 0; i < MAX_PORTALS; i++) {
		struct PORTAL in = { 0 };
		struct IEnumPortal_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
		uint32_t hr;
		ret = ctl_call(c, en, &idl_iface_IEnumPortal, NDR_IENUMPORTAL_NEXT, &r,
			       "IEnumPortal::Next", NULL, &hr);
		if (ret == 0 && HR_FAILED(hr))
			ret = ctl_fail(c, "IEnumPortal::Next", NULL, hr);
		if (ret != 0 || hr != S_OK || r.out.pNumElementsReturned == NULL ||
		    *r.out.pNumElementsReturned != 1)
			break;
		const struct PORTAL *p = &r.out.pElements[0];
		const char *address = WSTR_GET(c, p->szIpAddress);
		json_array_append_new(arr, json_pack("{s:s, s:i, s:b, s:b}", "address",
						     address ? address : "", "port",
						     (int)p->dwPort, "listen", p->bListen != 0,
						     "valid", p->bValid != 0));
	}
	if (ret != 0) {
		json_decref(arr);
		return ret;
	}
	if (o->json)
		return ctl_emit(c, json_pack("{s:o}", "portals", arr));
	printf("%-40s %6s  %s\n", "ADDRESS", "PORT", "LISTEN");
	size_t i;
	json_t *p;
	json_array_foreach(arr, i, p) {
		printf("%-40s %6d  %s\n", json_string_value(json_object_get(p, "address")),
		       (int)json_integer_value(json_object_get(p, "port")),
		       json_is_true(json_object_get(p, "listen")) ? "yes" : "no");
	}
	json_decref(arr);
	return 0;
}

/* "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT" (a bare IPv6 address has no
 * port). Copies the address into ADDR. */
static bool parse_portal(const char *text, char addr[INET6_ADDRSTRLEN], uint32_t *port)
{
	const char *port_text = NULL;
	size_t len;
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return false;
		len = (size_t)(end - text - 1);
		text++;
		port_text = end[1] == ':' ? end + 2 : NULL;
	} else {
		const char *colon = strchr(text, ':');
		bool v4 = colon != NULL && strchr(colon + 1, ':') == NULL;
		len = v4 ? (size_t)(colon - text) : strlen(text);
		port_text = v4 ? colon + 1 : NULL;
	}
	if (len == 0 || len >= INET6_ADDRSTRLEN)
		return false;
	memcpy(addr, text, len);
	addr[len] = '\0';
	unsigned char bin[16];
	if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1)
		return false;
	*port = ISCSI_DEFAULT_PORT;
	return port_text == NULL || ctl_parse_u32(port_text, 1, 65535, port) == 0;
}

static int check_portal(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	(void)n;
	char addr[INET6_ADDRSTRLEN];
	uint32_t port;
	if (!parse_portal(args[0], addr, &port)) {
		fprintf(stderr, "%s: %s: expected an IPv4 or IPv6 address and an optional port "
				"(ADDR[:PORT], [V6ADDR]:PORT)\n", who, args[0]);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

static int set_listen(struct ctl_conn *c, const char *text, bool listen, bool json)
{
	char addr[INET6_ADDRSTRLEN];
	uint32_t port;
	struct dcom_iface *ldm;
	parse_portal(text, addr, &port); /* checked before */
	const char *subject = talloc_asprintf(c, "%s port %u", addr, port);
	struct ILocalDeviceMgr_SetPortalConfig r = { .in.IpAddress = addr, .in.nPort = port,
						     .in.bUse = listen };
	int ret = ctl_manager(c, CTL_LOCAL_DEVICE, &ldm);
	if (ret == 0)
		ret = ctl_call(c, ldm, &idl_iface_ILocalDeviceMgr,
			       NDR_ILOCALDEVICEMGR_SETPORTALCONFIG, &r, "SetPortalConfig", subject,
			       NULL);
	if (ret != 0)
		return ret;
	if (json)
		return ctl_emit(c, json_pack("{s:s, s:i, s:b}", "address", addr, "port", (int)port,
					     "listen", listen));
	printf("%s: %s\n", subject, listen ? "listening" : "not listening");
	return 0;
}

static int enable(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	return set_listen(c, args[0], true, o->json);
}

static int disable(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	return set_listen(c, args[0], false, o->json);
}

static const struct ctl_action actions[] = {
	{ "list", "[--json]", 0, 0, NULL, NULL, list },
	{ "enable", "ADDR[:PORT]", 1, 1, NULL, check_portal, enable },
	{ "disable", "ADDR[:PORT]", 1, 1, NULL, check_portal, disable },
};

int cmd_portal(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_dispatch("portal", actions, sizeof(actions) / sizeof(actions[0]), options, argc,
			    argv, NULL);
}
