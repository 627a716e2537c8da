/* The [auth] section (conf/istmd.conf) and the defaults of the names the NTLM
 * server announces in its CHALLENGE_MESSAGE. */
#include "auth/auth.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "istmd/config.h"

#define NETBIOS_NAME_MAX 15

static char *host_name(TALLOC_CTX *mem_ctx)
{
	char buf[256];
	if (gethostname(buf, sizeof(buf) - 1) < 0 || buf[0] == '\0')
		strcpy(buf, "localhost");
	buf[sizeof(buf) - 1] = '\0';
	return talloc_strdup(mem_ctx, buf);
}

/* First DNS label, upper-cased, at most 15 characters (a NetBIOS name). */
static char *netbios_from(TALLOC_CTX *mem_ctx, const char *dns)
{
	size_t n = strcspn(dns, ".");
	if (n > NETBIOS_NAME_MAX)
		n = NETBIOS_NAME_MAX;
	char *nb = talloc_strndup(mem_ctx, dns, n);
	for (char *p = nb; p != NULL && *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return nb;
}

void auth_options_fill_defaults(TALLOC_CTX *mem_ctx, struct auth_server_options *o)
{
	if (o->dns_computer_name == NULL)
		o->dns_computer_name = host_name(mem_ctx);
	const char *dns = o->dns_computer_name != NULL ? o->dns_computer_name : "localhost";
	if (o->nb_computer_name == NULL)
		o->nb_computer_name = netbios_from(mem_ctx, dns);
	if (o->nb_domain_name == NULL)
		o->nb_domain_name = "WORKGROUP";
	if (o->dns_domain_name == NULL) {
		/* A workgroup machine announces its own name, as Windows does. */
		const char *dot = strchr(dns, '.');
		o->dns_domain_name = dot != NULL && dot[1] != '\0' ? dot + 1 : dns;
	}
}

/* NetBIOS names: 1-15 characters, none of the reserved ones. */
static bool netbios_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NETBIOS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || strchr("\\/:*?\"<>|.", c) != NULL)
			return false;
	}
	return true;
}

static bool dns_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '-' && c != '.')
			return false;
	}
	return true;
}

static int bad(TALLOC_CTX *mem_ctx, char **err, const struct cfg *cfg, const char *key,
	       const char *what)
{
	*err = talloc_asprintf(mem_ctx, "%s: [auth] %s: %s", cfg_path(cfg), key, what);
	return -EINVAL;
}

int auth_config_load(struct cfg *cfg, TALLOC_CTX *mem_ctx, struct auth_config **out, char **err)
{
	struct auth_config *c = talloc_zero(mem_ctx, struct auth_config);
	if (c == NULL)
		return -ENOMEM;
	int ret = cfg_get_bool(cfg, "auth", "allow_ntlmv1", false, &c->options.allow_ntlmv1, err);
	if (ret < 0)
		goto fail;
	c->users_file = talloc_strdup(c, cfg_get(cfg, "auth", "users_file", "/etc/istmd/users"));
	const char *nb = cfg_get(cfg, "auth", "netbios_name", NULL);
	const char *wg = cfg_get(cfg, "auth", "workgroup", NULL);
	const char *dns = cfg_get(cfg, "auth", "dns_name", NULL);
	const char *dom = cfg_get(cfg, "auth", "dns_domain", NULL);
	if (c->users_file == NULL || c->users_file[0] != '/') {
		ret = bad(mem_ctx, err, cfg, "users_file", "must be an absolute path");
		goto fail;
	}
	if ((nb != NULL && !netbios_valid(nb)) || (wg != NULL && !netbios_valid(wg))) {
		ret = bad(mem_ctx, err, cfg, nb != NULL && !netbios_valid(nb) ? "netbios_name" : "workgroup",
			  "must be 1-15 characters without spaces or \\/:*?\"<>|.");
		goto fail;
	}
	if ((dns != NULL && !dns_valid(dns)) || (dom != NULL && !dns_valid(dom))) {
		ret = bad(mem_ctx, err, cfg, dns != NULL && !dns_valid(dns) ? "dns_name" : "dns_domain",
			  "must be a DNS name (letters, digits, '-' and '.')");
		goto fail;
	}
	c->options.nb_computer_name = nb != NULL ? talloc_strdup(c, nb) : NULL;
	c->options.nb_domain_name = wg != NULL ? talloc_strdup(c, wg) : NULL;
	c->options.dns_computer_name = dns != NULL ? talloc_strdup(c, dns) : NULL;
	c->options.dns_domain_name = dom != NULL ? talloc_strdup(c, dom) : NULL;
	auth_options_fill_defaults(c, &c->options);
	*out = c;
	return 0;
fail:
	talloc_free(c);
	return ret;
}
