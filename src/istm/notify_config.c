/* [notify]: how istmd calls consoles back (notify.h). */
#include "istm/notify.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "istmd/config.h"

static char *read_password(TALLOC_CTX *mem, const char *path, char **err)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		*err = talloc_asprintf(mem, "[notify] password_file %s: %s", path, strerror(errno));
		return NULL;
	}
	char buf[512];
	char *line = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (line == NULL) {
		*err = talloc_asprintf(mem, "[notify] password_file %s is empty", path);
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	char *password = talloc_strdup(mem, buf);
	explicit_bzero(buf, sizeof(buf));
	return password;
}

int istm_notify_config_load(struct cfg *cfg, TALLOC_CTX *mem, struct istm_notify_config **out,
			    char **err)
{
	static const char *const auths[] = { "none", "ntlm", NULL };
	static const char *const levels[] = { "connect", "integrity", "privacy", NULL };
	static const uint8_t level_values[] = { DCERPC_AUTH_LEVEL_CONNECT,
						DCERPC_AUTH_LEVEL_INTEGRITY,
						DCERPC_AUTH_LEVEL_PRIVACY };
	struct istm_notify_config *c = talloc_zero(mem, struct istm_notify_config);
	if (c == NULL) {
		*err = talloc_strdup(mem, "out of memory");
		return -ENOMEM;
	}
	unsigned auth, level;
	uint64_t v;
	if (cfg_get_enum(cfg, "notify", "auth", "none", auths, &auth, err) != 0 ||
	    cfg_get_enum(cfg, "notify", "level", "integrity", levels, &level, err) != 0)
		goto fail;
	c->auth_type = auth == 1 ? DCERPC_AUTH_TYPE_NTLMSSP : 0;
	c->auth_level = auth == 1 ? level_values[level] : DCERPC_AUTH_LEVEL_NONE;
	if (cfg_get_uint(cfg, "notify", "timeout", 5, 1, 300, &v, err) != 0)
		goto fail;
	c->timeout_ms = (unsigned)v * 1000;
	if (cfg_get_uint(cfg, "notify", "ping_period", 120, 1, 120, &v, err) != 0)
		goto fail;
	c->ping_period_s = (unsigned)v;
	if (cfg_get_uint(cfg, "notify", "max_sinks_per_account", 16, 1, 256, &v, err) != 0)
		goto fail;
	c->max_sinks_per_account = (unsigned)v;
	if (cfg_get_uint(cfg, "notify", "queue", 64, 1, 4096, &v, err) != 0)
		goto fail;
	c->queue = (unsigned)v;
	if (cfg_get_bool(cfg, "notify", "only_caller_address", true, &c->only_caller_address,
			 err) != 0)
		goto fail;
	c->user = talloc_strdup(c, cfg_get(cfg, "notify", "user", ""));
	c->domain = talloc_strdup(c, cfg_get(cfg, "notify", "domain", ""));
	c->password = talloc_strdup(c, "");
	if (c->auth_type != 0) {
		const char *file = cfg_get(cfg, "notify", "password_file", NULL);
		if (c->user[0] == '\0' || file == NULL) {
			*err = talloc_strdup(mem, "[notify] auth = ntlm needs user and password_file");
			goto fail;
		}
		c->password = read_password(c, file, err);
		if (c->password == NULL)
			goto fail;
	}
	*out = c;
	return 0;
fail:
	talloc_free(c);
	return -EINVAL;
}
