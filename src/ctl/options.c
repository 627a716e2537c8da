#include "ctl/options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"

#define AUTH_LEVEL_INTEGRITY 5 /* MS-RPCE 2.2.1.1.8 */
#define AUTH_LEVEL_PRIVACY 6

void ctl_options_init(struct ctl_options *o)
{
	*o = (struct ctl_options){ .auth_type = AUTH_TYPE_NTLMSSP,
				   .auth_level = AUTH_LEVEL_PRIVACY,
				   .timeout_ms = 30000 };
}

int ctl_options_set(struct ctl_options *o, const char *key, const char *value)
{
	if (strcmp(key, "server") == 0) {
		o->server = value;
	} else if (strcmp(key, "user") == 0) {
		o->user = value;
	} else if (strcmp(key, "password_file") == 0) {
		o->password_file = value;
	} else if (strcmp(key, "domain") == 0) {
		o->domain = value;
	} else if (strcmp(key, "auth") == 0) {
		if (strcmp(value, "ntlm") == 0)
			o->auth_type = AUTH_TYPE_NTLMSSP;
		else if (strcmp(value, "spnego") == 0)
			o->auth_type = AUTH_TYPE_SPNEGO;
		else
			return -EINVAL;
	} else if (strcmp(key, "level") == 0) {
		if (strcmp(value, "integrity") == 0)
			o->auth_level = AUTH_LEVEL_INTEGRITY;
		else if (strcmp(value, "privacy") == 0)
			o->auth_level = AUTH_LEVEL_PRIVACY;
		else
			return -EINVAL;
	} else if (strcmp(key, "timeout") == 0) {
		char *stop;
		errno = 0;
		unsigned long t = strtoul(value, &stop, 10);
		if (value[0] < '0' || value[0] > '9' || *stop != '\0' || errno != 0 || t == 0 ||
		    t > 3600)
			return -EINVAL;
		o->timeout_ms = (unsigned)t * 1000;
	} else {
		return -ENOENT;
	}
	return 0;
}

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
