/* The model's rules (docs/core.md, "Model rules"). */
#include "core/rules.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "istmd/utf16.h"
#include "istmd/why.h"


int rules_target_name(const char *name, TALLOC_CTX *mem, char **why)
{
	if (name == NULL || name[0] == '\0')
		return why_set(mem, why, -EINVAL, "the target name is empty");
	size_t len = strlen(name);
	if (len > CORE_TARGET_NAME_MAX)
		return why_set(mem, why, -EINVAL, "the target name is longer than %d characters",
			    CORE_TARGET_NAME_MAX);
	if (!isalnum((unsigned char)name[0]))
		return why_set(mem, why, -EINVAL, "a target name starts with a letter or a digit");
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != ':')
			return why_set(mem, why, -EINVAL,
				    "a target name has only letters, digits, '-', '.' and ':' "
				    "(it becomes part of the target's iSCSI name)");
	return 0;
}

int rules_iqn(const char *iqn, TALLOC_CTX *mem, char **why)
{
	if (!iscsi_name_valid(iqn))
		return why_set(mem, why, -EINVAL,
			    "'%s' is not a valid iSCSI name (iqn.YYYY-MM.domain[:id], eui. or naa.)",
			    iqn ? iqn : "");
	return 0;
}

int rules_text(const char *s, size_t max, bool empty_ok)
{
	if (s == NULL || (!empty_ok && s[0] == '\0') || strlen(s) > max)
		return -EINVAL;
	TALLOC_CTX *tmp = talloc_new(NULL);
	size_t units;
	bool ok = tmp != NULL && utf8_to_utf16(tmp, s, &units) != NULL;
	talloc_free(tmp);
	return ok ? 0 : -EINVAL;
}

static bool printable_ascii(const char *s, bool space_ok)
{
	for (const char *p = s; *p; p++) {
		if (*p < 0x21 || *p > 0x7e) {
			if (!(space_ok && *p == ' '))
				return false;
		}
	}
	return true;
}

int rules_chap_user(const char *user)
{
	if (user == NULL || strlen(user) > CORE_CHAP_USER_MAX || !printable_ascii(user, false) ||
	    strchr(user, ',') != NULL)
		return -EINVAL;
	return 0;
}

int rules_chap_secret(const char *secret)
{
	if (secret == NULL)
		return -EINVAL;
	size_t len = strlen(secret);
	if (len < CORE_CHAP_SECRET_MIN || len > CORE_CHAP_SECRET_MAX)
		return -EMSGSIZE;
	return printable_ascii(secret, true) ? 0 : -EINVAL;
}

int rules_param(enum core_param p, uint32_t value)
{
	switch (p) {
	case CORE_PARAM_MAX_RECV_DATA_SEGMENT_LENGTH:
	case CORE_PARAM_FIRST_BURST_LENGTH:
	case CORE_PARAM_MAX_BURST_LENGTH:
		return value >= CORE_LENGTH_MIN && value <= CORE_LENGTH_MAX ? 0 : -ERANGE;
	case CORE_PARAM_NUM_RECV_BUFFERS:
		return value >= CORE_RECV_BUFFERS_MIN && value <= CORE_RECV_BUFFERS_MAX ? 0
											 : -ERANGE;
	}
	return -EINVAL;
}

/* IPv4 or IPv6 literal with an optional "/prefix"; canonical text out. */
static int parse_address(const char *value, int family, TALLOC_CTX *mem, char **canon)
{
	char buf[INET6_ADDRSTRLEN + 8];
	if (strlen(value) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, value);
	char *slash = strchr(buf, '/');
	long prefix = -1;
	if (slash != NULL) {
		*slash = '\0';
		char *end;
		if (!isdigit((unsigned char)slash[1]))
			return -EINVAL;
		prefix = strtol(slash + 1, &end, 10);
		if (*end != '\0' || prefix > (family == AF_INET ? 32 : 128))
			return -EINVAL;
	}
	unsigned char bin[sizeof(struct in6_addr)];
	if (inet_pton(family, buf, bin) != 1)
		return -EINVAL;
	char out[INET6_ADDRSTRLEN];
	if (inet_ntop(family, bin, out, sizeof(out)) == NULL)
		return -EINVAL;
	*canon = prefix >= 0 ? talloc_asprintf(mem, "%s/%ld", out, prefix) : talloc_strdup(mem, out);
	return *canon != NULL ? 0 : -ENOMEM;
}

/* RFC 1123 host name; canonical: lower case, no trailing dot. */
static int parse_dns(const char *value, TALLOC_CTX *mem, char **canon)
{
	size_t len = strlen(value);
	if (len > 0 && value[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return -EINVAL;
	char *out = talloc_strndup(mem, value, len);
	if (out == NULL)
		return -ENOMEM;
	size_t label = 0;
	for (size_t i = 0; i <= len; i++) {
		char ch = out[i];
		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63 || out[i - 1] == '-') {
				talloc_free(out);
				return -EINVAL;
			}
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)ch) && !(ch == '-' && label > 0)) {
			talloc_free(out);
			return -EINVAL;
		}
		out[i] = (char)tolower((unsigned char)ch);
		label++;
	}
	*canon = out;
	return 0;
}

int rules_id(enum core_id_method m, const char *value, TALLOC_CTX *mem, char **canon,
	     char **why)
{
	if (value == NULL || value[0] == '\0' || strlen(value) > CORE_ID_VALUE_MAX)
		return why_set(mem, why, -EINVAL, "an initiator identifier is 1 to %d characters",
			    CORE_ID_VALUE_MAX);
	int rc;
	switch (m) {
	case CORE_ID_IQN:
		if (strcmp(value, "*") != 0 && !iscsi_name_valid(value))
			return why_set(mem, why, -EINVAL, "'%s' is not a valid iSCSI name", value);
		*canon = talloc_strdup(mem, value);
		return *canon ? 0 : -ENOMEM;
	case CORE_ID_IP:
	case CORE_ID_IPV6:
		rc = parse_address(value, m == CORE_ID_IP ? AF_INET : AF_INET6, mem, canon);
		if (rc == -EINVAL)
			return why_set(mem, why, rc, "'%s' is not an %s address (optionally /prefix)",
				    value, m == CORE_ID_IP ? "IPv4" : "IPv6");
		return rc;
	case CORE_ID_DNS:
		rc = parse_dns(value, mem, canon);
		if (rc == -EINVAL)
			return why_set(mem, why, rc, "'%s' is not a valid DNS name", value);
		return rc;
	case CORE_ID_MAC:
	case CORE_ID_NETBIOS:
		/* Nothing on the iSCSI login path carries them and the backend
		 * filters by name and address only: accepting one would promise
		 * a restriction we do not apply. */
		return why_set(mem, why, -EOPNOTSUPP,
			    "%s identifiers cannot be enforced by the iSCSI target; use the "
			    "initiator's IQN or IP address",
			    core_id_method_name(m));
	}
	return why_set(mem, why, -EINVAL, "unknown identification method %d", (int)m);
}

bool rules_id_equal(const struct core_initiator_id *a, const struct core_initiator_id *b)
{
	/* iSCSI and DNS names are case-insensitive; addresses are canonical */
	return a->method == b->method && core_str_ieq(a->value, b->value);
}

int rules_portal(const char *text, TALLOC_CTX *mem, struct core_portal *out)
{
	struct iscsi_portal p;
	if (text == NULL || iscsi_portal_parse(mem, text, 3260, &p) != 0)
		return -EINVAL;
	char *canon = NULL;
	int rc = parse_address(p.address, strchr(p.address, ':') ? AF_INET6 : AF_INET, mem,
			       &canon);
	CORE_FREE_CONST(p.address);
	if (rc < 0)
		return rc;
	out->address = canon;
	out->port = p.port;
	return 0;
}

char *rules_default_iqn(TALLOC_CTX *mem, const struct core *c, const char *name)
{
	char *host = talloc_strdup(mem, c->hostname);
	char *lname = talloc_strdup(mem, name ? name : "");
	if (host == NULL || lname == NULL)
		return NULL;
	for (char *p = host; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			*p = '-';
	}
	for (char *p = lname; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	char *iqn = talloc_asprintf(mem, "%s:%s-%s-target", c->iqn_prefix, host, lname);
	talloc_free(host);
	talloc_free(lname);
	return iqn;
}

int rules_disk_servable(const struct core *c, const struct core_disk *d, TALLOC_CTX *mem,
			char **why)
{
	if (d->type != CORE_WTD_FILE ||
	    (d->vhd_type != CORE_VHD_FIXED && !core_disk_uses_vhdfs(c, d)))
		return why_set(mem, why, -EMEDIUMTYPE,
			    "disk %" PRIu32 " is a %s VHD: this server serves only fixed VHDs "
			    "([vhd] serve = no, or istmd-vhdfs unavailable)",
			    d->wtd, core_vhd_type_name(d->vhd_type));
	/* A differencing disk and its parent are never LUNs at once: the child
	 * reads the parent, which initiators of the parent's LUN would change
	 * behind its back (Windows: a sharing violation when the second opens
	 * the file; docs/vhd-serving.md). Direct parents only. */
	TALLOC_CTX *tmp = talloc_new(NULL);
	int rc = 0;
	for (size_t i = 0; tmp != NULL && rc == 0 && i < c->model->n_disks; i++) {
		const struct core_disk *x = c->model->disks[i]->d;
		const struct core_disk *child = NULL, *parent = NULL;
		if (x->vhd_type == CORE_VHD_DIFFERENCING && x != d)
			child = x, parent = d;       /* is D the parent of X? */
		else if (x == d || d->vhd_type != CORE_VHD_DIFFERENCING)
			continue;
		else
			child = d, parent = x;       /* is X the parent of D? */
		struct storage_path *pp = NULL;
		if (child->parent_path == NULL || child->parent_path[0] == '\0' ||
		    storage_path_parse(tmp, c->sp, child->parent_path, &pp) != 0 ||
		    strcmp(pp->posix, parent->path) != 0)
			continue;
		if (model_disk_mapped(c->model, x->wtd))
			rc = why_set(mem, why, -EBUSY,
				     "disk %" PRIu32 " is the parent of differencing disk %" PRIu32
				     ", and disk %" PRIu32 " is a LUN already: a differencing disk and "
				     "its parent cannot both be LUNs",
				     parent->wtd, child->wtd, x->wtd);
	}
	talloc_free(tmp);
	if (rc < 0)
		return rc;
	return 0;
}

/* CHAP accounts the backend would hold if T were saved, against the others. */
static int rules_chap(const struct core *c, const struct core_target *t, TALLOC_CTX *mem,
		      char **why)
{
	if (t->chap_enabled) {
		if (t->chap_user[0] == '\0' || t->chap_secret[0] == '\0')
			return why_set(mem, why, -EINVAL, "CHAP is enabled without a user name and "
				    "secret");
	}
	if (t->reverse_chap_enabled) {
		if (!t->chap_enabled)
			return why_set(mem, why, -EINVAL, "mutual CHAP needs CHAP to be enabled too");
		if (t->reverse_chap_user[0] == '\0' || t->reverse_chap_secret[0] == '\0')
			return why_set(mem, why, -EINVAL, "mutual CHAP is enabled without a user "
				    "name and secret");
	}
	const char *users[2] = { t->chap_user, t->reverse_chap_user };
	const char *secrets[2] = { t->chap_secret, t->reverse_chap_secret };
	bool on[2] = { t->chap_enabled, t->reverse_chap_enabled };
	for (int k = 0; k < 2; k++) {
		if (users[k][0] != '\0' && rules_chap_user(users[k]) < 0)
			return why_set(mem, why, -EINVAL, "the %sCHAP user name is not printable ASCII "
				    "without spaces and commas, or is too long",
				    k ? "mutual " : "");
		if (secrets[k][0] != '\0' && rules_chap_secret(secrets[k]) < 0)
			return why_set(mem, why, rules_chap_secret(secrets[k]),
				    "the %sCHAP secret must be %d to %d printable characters",
				    k ? "mutual " : "", CORE_CHAP_SECRET_MIN, CORE_CHAP_SECRET_MAX);
	}
	if (on[0] && on[1] && strcmp(secrets[0], secrets[1]) == 0)
		return why_set(mem, why, -ENOTUNIQ, "the CHAP and mutual CHAP secrets must differ "
			    "(RFC 3720 8.2.1)");
	if (on[0] && on[1] && strcmp(users[0], users[1]) == 0)
		return why_set(mem, why, -ENOTUNIQ, "the CHAP and mutual CHAP user names must differ");
	if (!c->caps.global_chap_users || (!on[0] && !on[1]))
		return 0;
	/* One secret per user name across every target. */
	for (size_t i = 0; i < c->model->n_targets; i++) {
		const struct core_target *o = c->model->targets[i]->t;
		if (strcmp(o->guid, t->guid) == 0)
			continue;
		const char *ousers[2] = { o->chap_user, o->reverse_chap_user };
		const char *osecrets[2] = { o->chap_secret, o->reverse_chap_secret };
		bool oon[2] = { o->chap_enabled, o->reverse_chap_enabled };
		for (int k = 0; k < 2; k++)
			for (int j = 0; j < 2; j++)
				if (on[k] && oon[j] && strcmp(users[k], ousers[j]) == 0 &&
				    strcmp(secrets[k], osecrets[j]) != 0)
					return why_set(mem, why, -ENOTUNIQ,
						    "CHAP user '%s' is used by target '%s' with "
						    "another secret; the backend keeps one secret "
						    "per user name",
						    users[k], o->name);
	}
	return 0;
}

static int rules_luns(const struct core *c, const struct core_target *t, TALLOC_CTX *mem,
		      char **why)
{
	uint32_t min_lun, max_lun, max_luns;
	core_lun_range(c, &min_lun, &max_lun, &max_luns);
	if (t->n_luns > max_luns)
		return why_set(mem, why, -ERANGE, "%zu LUNs, at most %" PRIu32 " per target",
			    t->n_luns, max_luns);
	for (size_t i = 0; i < t->n_luns; i++) {
		const struct core_lun_mapping *l = &t->luns[i];
		const struct mdisk *md = model_disk(c->model, l->wtd);
		if (md == NULL)
			return why_set(mem, why, -ENOENT, "disk %" PRIu32 " does not exist", l->wtd);
		int rc = rules_disk_servable(c, md->d, mem, why);
		if (rc < 0)
			return rc;
		if (l->lun < min_lun || l->lun > max_lun)
			return why_set(mem, why, -ERANGE,
				    "LUN %" PRIu32 " is outside %" PRIu32 "..%" PRIu32, l->lun,
				    min_lun, max_lun);
		for (size_t j = 0; j < i; j++) {
			if (t->luns[j].lun == l->lun)
				return why_set(mem, why, -EEXIST, "LUN %" PRIu32 " is mapped twice",
					    l->lun);
			if (t->luns[j].wtd == l->wtd)
				return why_set(mem, why, -EEXIST, "disk %" PRIu32 " is mapped twice",
					    l->wtd);
		}
	}
	return 0;
}

int rules_target(const struct core *c, const struct core_target *t, TALLOC_CTX *mem, char **why)
{
	int rc = rules_target_name(t->name, mem, why);
	if (rc < 0)
		return rc;
	const struct mtarget *o = model_target_by_name(c->model, t->name);
	if (o != NULL && strcmp(o->t->guid, t->guid) != 0)
		return why_set(mem, why, -EEXIST, "a target called '%s' exists", t->name);
	if ((rc = rules_iqn(t->iqn, mem, why)) < 0)
		return rc;
	o = model_target_by_iqn(c->model, t->iqn);
	if (o != NULL && strcmp(o->t->guid, t->guid) != 0)
		return why_set(mem, why, -EEXIST, "target '%s' has the IQN %s", o->t->name, t->iqn);
	if (rules_text(t->description, CORE_TEXT_MAX, true) < 0)
		return why_set(mem, why, -EINVAL, "the description is not UTF-8 of at most %d bytes",
			    CORE_TEXT_MAX);
	if (rules_text(t->resource_name, CORE_RESOURCE_NAME_MAX, true) < 0 ||
	    rules_text(t->resource_group, CORE_RESOURCE_NAME_MAX, true) < 0)
		return why_set(mem, why, -EINVAL, "a resource name is not UTF-8 of at most %d bytes",
			    CORE_RESOURCE_NAME_MAX);
	if ((rc = rules_chap(c, t, mem, why)) < 0)
		return rc;
	if (rules_param(CORE_PARAM_MAX_RECV_DATA_SEGMENT_LENGTH, t->max_recv_data_segment_length) <
		    0 ||
	    rules_param(CORE_PARAM_FIRST_BURST_LENGTH, t->first_burst_length) < 0 ||
	    rules_param(CORE_PARAM_MAX_BURST_LENGTH, t->max_burst_length) < 0 ||
	    rules_param(CORE_PARAM_NUM_RECV_BUFFERS, t->num_recv_buffers) < 0)
		return why_set(mem, why, -ERANGE, "a negotiation parameter is out of range");
	if (t->first_burst_length > t->max_burst_length)
		return why_set(mem, why, -EINVAL,
			    "FirstBurstLength (%" PRIu32 ") exceeds MaxBurstLength (%" PRIu32
			    ") (RFC 3720 12.14)",
			    t->first_burst_length, t->max_burst_length);
	if (t->n_ids > RULES_MAX_IDS)
		return why_set(mem, why, -ERANGE, "more than %d initiator identifiers", RULES_MAX_IDS);
	for (size_t i = 0; i < t->n_ids; i++) {
		char *canon = NULL;
		if ((rc = rules_id(t->ids[i].method, t->ids[i].value, mem, &canon, why)) < 0)
			return rc;
		talloc_free(canon);
	}
	if (t->n_portals > RULES_MAX_PORTALS)
		return why_set(mem, why, -ERANGE, "more than %d portals", RULES_MAX_PORTALS);
	for (size_t i = 0; i < t->n_portals; i++)
		if (!iscsi_address_valid(t->portals[i].address) || t->portals[i].port == 0)
			return why_set(mem, why, -EINVAL, "portal %s:%u is not valid",
				    t->portals[i].address, t->portals[i].port);
	return rules_luns(c, t, mem, why);
}
