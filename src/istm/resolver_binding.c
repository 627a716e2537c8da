/* Callback addresses of a client's OBJREF (resolver_binding.h). */
#include "istm/resolver_binding.h"

#include <stdlib.h>
#include <string.h>

/* An address as 16 bytes (IPv4 as IPv4-mapped IPv6). */
static bool ip_bytes(const char *text, unsigned char out[16])
{
	unsigned char v4[4];
	if (inet_pton(AF_INET, text, v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
		return true;
	}
	return inet_pton(AF_INET6, text, out) == 1;
}

bool istm_same_ip(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	return ip_bytes(a, x) && ip_bytes(b, y) && memcmp(x, y, 16) == 0;
}

bool istm_resolver_binding(const char *address, const char *caller, bool only_caller,
			   char host[ISTM_RESOLVER_HOST_LEN], uint16_t *port)
{
	unsigned long p = 135;
	const char *bracket = strchr(address, '[');
	size_t len = bracket ? (size_t)(bracket - address) : strlen(address);
	if (len == 0 || len >= ISTM_RESOLVER_HOST_LEN)
		return false;
	memcpy(host, address, len);
	host[len] = '\0';
	if (bracket != NULL) {
		char *end;
		p = strtoul(bracket + 1, &end, 10);
		if (end[0] != ']' || end[1] != '\0' || p == 0 || p > 65535)
			return false;
	}
	unsigned char buf[16];
	if (!ip_bytes(host, buf))
		return false;
	if (only_caller && caller != NULL && !istm_same_ip(host, caller))
		return false;
	*port = (uint16_t)p;
	return true;
}
