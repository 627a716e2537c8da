/* Status notifications to consoles (MS-ISTM 3.42, docs/notifications.md):
 * istmd as the DCOM client of each registered IStatusNotify object. The
 * registrations themselves are general_notify.h's; this is [notify], the
 * configuration of how istmd reaches and authenticates to consoles. */
#ifndef ISTMD_ISTM_NOTIFY_H
#define ISTMD_ISTM_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <talloc.h>

struct cfg;

struct istm_notify_config {
	uint8_t auth_type;   /* 0 (none) or AUTH_TYPE_NTLMSSP */
	uint8_t auth_level;  /* DCERPC_AUTH_LEVEL_CONNECT, _INTEGRITY, _PRIVACY */
	const char *user;    /* NTLM: the account istmd calls consoles as */
	const char *domain;
	const char *password;
	unsigned timeout_ms;            /* every connect, call and ping */
	unsigned ping_period_s;         /* MS-DCOM 3.2.6.1: 120 */
	unsigned max_sinks_per_account; /* registrations one account keeps */
	unsigned queue;                 /* LunStatusUpdate calls waiting per sink */
	/* Call back only the address RegisterNotification came from (the
	 * console's own machine): an OBJREF naming another host is refused, so
	 * that nobody can make istmd authenticate to a host of their choice. */
	bool only_caller_address;
};

/* Reads [notify] (conf/istmd.conf); the password from password_file (read
 * once, now). 0, or -EINVAL with *ERR (talloc'd on MEM). */
int istm_notify_config_load(struct cfg *cfg, TALLOC_CTX *mem, struct istm_notify_config **out,
			    char **err);

#endif
