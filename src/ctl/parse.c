#include "ctl/parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int ctl_parse_u32(const char *text, uint32_t min, uint32_t max, uint32_t *value)
{
	if (text == NULL || !isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*value = (uint32_t)v;
	return 0;
}

int ctl_parse_size(const char *text, uint64_t *bytes)
{
	if (text == NULL || !isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		/* "MB" is binary too, as admins of Windows and targetcli read it */
		{ "", 0 },     { "b", 0 },    { "k", 10 },   { "kb", 10 },  { "kib", 10 },
		{ "m", 20 },   { "mb", 20 },  { "mib", 20 }, { "g", 30 },   { "gb", 30 },
		{ "gib", 30 }, { "t", 40 },   { "tb", 40 },  { "tib", 40 },
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].suffix) != 0)
			continue;
		if (v == 0)
			return -EINVAL;
		if (v > (UINT64_MAX >> 1) >> units[i].shift) /* MS-ISTM sizes are signed hypers */
			return -ERANGE;
		*bytes = (uint64_t)v << units[i].shift;
		return 0;
	}
	return -EINVAL;
}

bool ctl_is_iscsi_name(const char *s)
{
	return strncasecmp(s, "iqn.", 4) == 0 || strncasecmp(s, "eui.", 4) == 0 ||
	       strncasecmp(s, "naa.", 4) == 0;
}

static bool is_mac(const char *s)
{
	/* six pairs of hex digits separated by ':' or '-' */
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? (s[i] != ':' && s[i] != '-') : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* A numeric address of FAMILY, with an optional "/prefix". */
static bool is_address(int family, const char *s)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char addr[16];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(family, buf, addr) != 1)
		return false;
	if (slash == NULL)
		return true;
	uint32_t prefix;
	return ctl_parse_u32(slash + 1, 0, family == AF_INET ? 32 : 128, &prefix) == 0;
}

static const char *const method_names[] = {
	[CTL_ID_NETBIOS] = "netbios", [CTL_ID_DNS] = "dns", [CTL_ID_IPV4] = "ip",
	[CTL_ID_MAC] = "mac",         [CTL_ID_IQN] = "iqn", [CTL_ID_IPV6] = "ipv6",
};

const char *ctl_id_method_name(uint32_t method)
{
	return method < sizeof(method_names) / sizeof(method_names[0]) ? method_names[method] :
									 "unknown";
}

int ctl_parse_initiator(const char *text, enum ctl_id_method *method, const char **value)
{
	if (text == NULL || text[0] == '\0')
		return -EINVAL;
	const char *colon = strchr(text, ':');
	if (colon != NULL) {
		size_t n = (size_t)(colon - text);
		for (size_t m = 0; m < sizeof(method_names) / sizeof(method_names[0]); m++) {
			if (strlen(method_names[m]) == n && strncasecmp(text, method_names[m], n) == 0) {
				if (colon[1] == '\0')
					return -EINVAL;
				*method = (enum ctl_id_method)m;
				*value = colon + 1;
				return 0;
			}
		}
	}
	*value = text;
	if (strcmp(text, "*") == 0 || ctl_is_iscsi_name(text))
		*method = CTL_ID_IQN;
	else if (is_mac(text))
		*method = CTL_ID_MAC;
	else if (is_address(AF_INET, text))
		*method = CTL_ID_IPV4;
	else if (is_address(AF_INET6, text))
		*method = CTL_ID_IPV6;
	else if (colon == NULL)
		*method = CTL_ID_DNS;
	else
		return -EINVAL; /* "foo:bar": an unknown method, not a host name */
	return 0;
}

bool ctl_disk_is_index(const char *text, uint32_t *wtd)
{
	return ctl_parse_u32(text, 0, UINT32_MAX, wtd) == 0;
}

/* A Windows path without its "\\?\" prefix, or NULL for a POSIX one. */
static const char *windows_body(const char *p)
{
	if (p[0] == '/')
		return NULL;
	if (strncmp(p, "\\\\?\\", 4) == 0)
		return p + 4;
	return p;
}

bool ctl_path_same(const char *path, const char *device_path)
{
	if (path == NULL || device_path == NULL)
		return false;
	if (strcmp(path, device_path) == 0)
		return true;
	const char *a = windows_body(path), *b = windows_body(device_path);
	if (a == NULL || b == NULL || strlen(a) != strlen(b))
		return false;
	for (size_t i = 0; a[i] != '\0'; i++) {
		char x = a[i] == '/' ? '\\' : a[i], y = b[i] == '/' ? '\\' : b[i];
		if (i == 0 && isalpha((unsigned char)x) && a[1] == ':') { /* drive letter */
			x = (char)toupper((unsigned char)x);
			y = (char)toupper((unsigned char)y);
		}
		if (x != y)
			return false;
	}
	return true;
}

const char *ctl_filetime_text(int64_t filetime, char *buf, size_t size)
{
	/* 11644473600 s between 1601-01-01 and 1970-01-01 */
	const int64_t unix_offset = 116444736000000000LL;
	if (filetime <= 0 || filetime < unix_offset)
		return NULL;
	time_t t = (time_t)((filetime - unix_offset) / 10000000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return buf;
}

const char *ctl_size_text(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;
	while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes != 0 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, size, "%llu %s", (unsigned long long)bytes, units[u]);
	return buf;
}
