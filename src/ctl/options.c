#include "ctl/options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ctl_parse_server(const char *server, uint16_t default_port, char **host, uint16_t *port)
{
	const char *port_text = NULL;
	size_t host_len;

	if (server == NULL || server[0] == '\0')
		return -EINVAL;
	if (server[0] == '[') { /* [IPV6]:PORT */
		const char *end = strchr(server, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return -EINVAL;
		server++;
		host_len = (size_t)(end - server);
		if (end[1] == ':')
			port_text = end + 2;
	} else {
		const char *colon = strchr(server, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			host_len = strlen(server); /* a bare IPv6 address */
		} else {
			host_len = colon ? (size_t)(colon - server) : strlen(server);
			if (colon != NULL)
				port_text = colon + 1;
		}
	}
	if (host_len == 0)
		return -EINVAL;
	*port = default_port;
	if (port_text != NULL) {
		char *stop;
		unsigned long p = strtoul(port_text, &stop, 10);
		if (port_text[0] == '\0' || *stop != '\0' || p == 0 || p > 65535)
			return -EINVAL;
		*port = (uint16_t)p;
	}
	*host = strndup(server, host_len);
	return *host != NULL ? 0 : -ENOMEM;
}
