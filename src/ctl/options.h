/* istmctl's global options (before the command): which server, which
 * account, which security. They come from the command line, then
 * $ISTMCTL_PASSWORD_FILE, then the config file (ctl/conf_file.h), then the
 * defaults; main.c gathers them, the commands that talk to a daemon use
 * them. */
#ifndef ISTMD_CTL_OPTIONS_H
#define ISTMD_CTL_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

struct ctl_options {
	const char *server;        /* HOST[:PORT] or [IPV6]:PORT; NULL if not given */
	const char *user;
	const char *password_file; /* NULL: the password is read from standard input */
	const char *domain;
	uint8_t auth_type;  /* 10 NTLMSSP (default) or 9 SPNEGO */
	uint8_t auth_level; /* DCERPC_AUTH_LEVEL_INTEGRITY or _PRIVACY (default) */
	unsigned timeout_ms;
	bool json;          /* --json: machine-readable output (docs/istmctl.md) */
};

/* The defaults: NTLM, privacy, 30 s. */
void ctl_options_init(struct ctl_options *o);

/* Sets the setting KEY ("server", "user", "password_file", "domain", "auth",
 * "level", "timeout") from VALUE, which must outlive O. 0; -EINVAL for a bad
 * value (VALUE may be shown); -ENOENT for an unknown key. */
int ctl_options_set(struct ctl_options *o, const char *key, const char *value);

/* Splits SERVER into a host (malloc'd) and a port (DEFAULT_PORT when none).
 * Returns 0 or -EINVAL. */
int ctl_parse_server(const char *server, uint16_t default_port, char **host, uint16_t *port);

#endif
