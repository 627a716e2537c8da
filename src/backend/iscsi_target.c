/* Checking, comparing and copying struct iscsi_target descriptions: the
 * rules every backend enforces before it touches its daemon. */
#include "backend/iscsi_backend.h"
#include "istmd/why.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Limits of the SCSI strings (SPC: INQUIRY vendor 8, product 16, revision 4;
 * tgt keeps serial and identifier in 36 bytes, LIO's unit serial is longer). */
#define LUN_SERIAL_MAX 36
#define LUN_VENDOR_MAX 8
#define LUN_PRODUCT_MAX 16
#define LUN_REVISION_MAX 4
#define CHAP_TEXT_MAX 255
#define LUN_PATH_MAX 1023 /* tgt copies the path into a 1024-byte buffer */

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return s[n] == '\0';
}

bool iscsi_name_valid(const char *name)
{
	if (name == NULL)
		return false;
	size_t len = strlen(name);
	if (len == 0 || len > ISCSI_NAME_MAX)
		return false;
	if (strncmp(name, "eui.", 4) == 0)
		return len == 20 && all_hex(name + 4, 16);
	if (strncmp(name, "naa.", 4) == 0)
		return (len == 20 && all_hex(name + 4, 16)) || (len == 36 && all_hex(name + 4, 32));
	if (strncmp(name, "iqn.", 4) != 0)
		return false;
	/* iqn.YYYY-MM.naming-authority[:anything]: RFC 3720 3.2.6.3.1. The
	 * characters are those stringprep leaves (3.2.6.2); upper case is accepted
	 * because initiators in the field send it and tgt compares exactly. */
	const char *p = name + 4;
	for (int i = 0; i < 7; i++) {
		if (i == 4 ? p[i] != '-' : !isdigit((unsigned char)p[i]))
			return false;
	}
	if (p[7] != '.' || p[8] == '\0' || p[8] == '.' || p[8] == ':')
		return false;
	for (const char *c = name; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.' && *c != ':')
			return false;
	}
	return true;
}

bool iscsi_address_valid(const char *addr)
{
	if (addr == NULL || *addr == '\0' || strlen(addr) >= INET6_ADDRSTRLEN + 4)
		return false;
	char buf[INET6_ADDRSTRLEN + 4];
	strcpy(buf, addr);
	char *slash = strchr(buf, '/');
	unsigned max_prefix;
	unsigned char bin[sizeof(struct in6_addr)];
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, bin) == 1)
		max_prefix = 32;
	else if (inet_pton(AF_INET6, buf, bin) == 1)
		max_prefix = 128;
	else
		return false;
	if (slash == NULL)
		return true;
	const char *digits = slash + 1;
	if (*digits == '\0' || strlen(digits) > 3)
		return false;
	for (const char *c = digits; *c; c++)
		if (!isdigit((unsigned char)*c))
			return false;
	return (unsigned)atoi(digits) <= max_prefix;
}

int iscsi_portal_parse(TALLOC_CTX *mem_ctx, const char *text, uint16_t default_port,
		       struct iscsi_portal *out)
{
	const char *addr = text, *port = NULL;
	size_t addr_len;

	if (text == NULL)
		return -EINVAL;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL)
			return -EINVAL;
		addr = text + 1;
		addr_len = (size_t)(close - addr);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return -EINVAL;
	} else {
		const char *colon = strchr(text, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			addr_len = strlen(text); /* a bare IPv6 address, no port */
		} else {
			addr_len = colon ? (size_t)(colon - text) : strlen(text);
			port = colon ? colon + 1 : NULL;
		}
	}
	char *a = talloc_strndup(mem_ctx, addr, addr_len);
	if (a == NULL)
		return -ENOMEM;
	if (strchr(a, '/') != NULL || !iscsi_address_valid(a)) {
		talloc_free(a);
		return -EINVAL;
	}
	unsigned long p = default_port;
	if (port != NULL) {
		char *end;
		if (!isdigit((unsigned char)*port)) {
			talloc_free(a);
			return -EINVAL;
		}
		p = strtoul(port, &end, 10);
		if (*end != '\0' || p == 0 || p > 65535) {
			talloc_free(a);
			return -EINVAL;
		}
	}
	out->address = a;
	out->port = (uint16_t)p;
	return 0;
}

/* Printable ASCII without a comma: tgt's request syntax separates options with
 * commas, and newlines would break its replies. */
static bool text_ok(const char *s, size_t max, bool allow_space, bool allow_comma)
{
	if (s == NULL || *s == '\0' || strlen(s) > max)
		return false;
	for (const char *c = s; *c; c++) {
		if (*c < 0x20 || *c > 0x7e)
			return false;
		if ((*c == ' ' && !allow_space) || (*c == ',' && !allow_comma))
			return false;
	}
	return true;
}


static int validate_chap(const struct iscsi_chap_account *a, const char *what,
			 TALLOC_CTX *mem_ctx, char **why)
{
	if (!text_ok(a->user, CHAP_TEXT_MAX, false, false))
		return why_set(mem_ctx, why, -EINVAL, "%s CHAP user name is empty, too long or has a "
			    "space, comma or control character", what);
	if (!text_ok(a->secret, CHAP_TEXT_MAX, true, true))
		return why_set(mem_ctx, why, -EINVAL, "%s CHAP secret of user '%s' is empty, longer than %d "
			    "or not printable ASCII", what, a->user, CHAP_TEXT_MAX);
	return 0;
}

static int validate_lun(const struct iscsi_lun *l, const struct iscsi_backend_caps *caps,
			TALLOC_CTX *mem_ctx, char **why)
{
	if (l->lun < caps->min_lun || l->lun > caps->max_lun)
		return -ERANGE;
	if (l->path == NULL || l->path[0] != '/' ||
	    !text_ok(l->path, LUN_PATH_MAX, true, false))
		return why_set(mem_ctx, why, -EINVAL, "LUN %" PRIu32 ": the path must be absolute, printable "
			    "and without a comma", l->lun);
	const struct {
		const char *value;
		size_t max;
		const char *name;
	} strings[] = {
		{ l->serial, LUN_SERIAL_MAX, "serial" },
		{ l->device_id, LUN_SERIAL_MAX, "device identifier" },
		{ l->vendor, LUN_VENDOR_MAX, "vendor" },
		{ l->product, LUN_PRODUCT_MAX, "product" },
		{ l->revision, LUN_REVISION_MAX, "revision" },
	};
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		if (strings[i].value != NULL &&
		    !text_ok(strings[i].value, strings[i].max, true, false))
			return why_set(mem_ctx, why, -EINVAL, "LUN %" PRIu32 ": the %s must be 1 to %zu "
				    "printable characters without a comma", l->lun,
				    strings[i].name, strings[i].max);
	}
	return 0;
}

int iscsi_target_validate(const struct iscsi_target *t, const struct iscsi_backend_caps *caps,
			  TALLOC_CTX *mem_ctx, char **why)
{
	if (why != NULL)
		*why = NULL;
	if (!iscsi_name_valid(t->iqn))
		return why_set(mem_ctx, why, -EINVAL, "'%s' is not a valid iSCSI target name",
			    t->iqn ? t->iqn : "(null)");
	if (t->n_luns > caps->max_luns_per_target)
		return why_set(mem_ctx, why, -EINVAL, "%zu LUNs, at most %" PRIu32 " per target", t->n_luns,
			    caps->max_luns_per_target);
	for (size_t i = 0; i < t->n_luns; i++) {
		int rc = validate_lun(&t->luns[i], caps, mem_ctx, why);
		if (rc == -ERANGE && why != NULL)
			*why = talloc_asprintf(mem_ctx, "LUN %" PRIu32 " is outside %" PRIu32
					       "..%" PRIu32, t->luns[i].lun, caps->min_lun,
					       caps->max_lun);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (t->luns[j].lun == t->luns[i].lun)
				return why_set(mem_ctx, why, -EINVAL, "LUN %" PRIu32 " is mapped twice",
					    t->luns[i].lun);
	}
	for (size_t i = 0; i < t->n_acl; i++) {
		const struct iscsi_acl_entry *a = &t->acl[i];
		if ((a->kind == ISCSI_ACL_IQN && !iscsi_name_valid(a->value)) ||
		    (a->kind == ISCSI_ACL_ADDRESS && !iscsi_address_valid(a->value)) ||
		    a->kind > ISCSI_ACL_ANY)
			return why_set(mem_ctx, why, -EINVAL, "initiator entry '%s' is not a valid %s",
				    a->value ? a->value : "(null)",
				    a->kind == ISCSI_ACL_IQN ? "iSCSI name" : "address");
	}
	for (size_t i = 0; i < t->n_chap_in; i++) {
		int rc = validate_chap(&t->chap_in[i], "incoming", mem_ctx, why);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(t->chap_in[j].user, t->chap_in[i].user) == 0)
				return why_set(mem_ctx, why, -EINVAL, "CHAP user '%s' is listed twice",
					    t->chap_in[i].user);
	}
	if (t->chap_out != NULL) {
		int rc = validate_chap(t->chap_out, "outgoing", mem_ctx, why);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < t->n_portals; i++) {
		const struct iscsi_portal *p = &t->portals[i];
		if (p->address == NULL || strchr(p->address, '/') != NULL ||
		    !iscsi_address_valid(p->address) || p->port == 0)
			return why_set(mem_ctx, why, -EINVAL, "portal '%s' port %u is not valid",
				    p->address ? p->address : "(null)", p->port);
	}
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static const struct iscsi_lun *find_lun(const struct iscsi_target *t, uint32_t lun)
{
	for (size_t i = 0; i < t->n_luns; i++)
		if (t->luns[i].lun == lun)
			return &t->luns[i];
	return NULL;
}

static bool acl_has(const struct iscsi_target *t, const struct iscsi_acl_entry *e)
{
	for (size_t i = 0; i < t->n_acl; i++)
		if (t->acl[i].kind == e->kind &&
		    (e->kind == ISCSI_ACL_ANY || str_eq(t->acl[i].value, e->value)))
			return true;
	return false;
}

static bool chap_has(const struct iscsi_target *t, const char *user)
{
	for (size_t i = 0; i < t->n_chap_in; i++)
		if (strcmp(t->chap_in[i].user, user) == 0)
			return true;
	return false;
}

/* A desired string left at the backend's default matches anything, and so
 * does one the backend does not report (NULL in the live state: tgt's show
 * never gives the INQUIRY strings). Comparing those would find drift on
 * every pass and re-apply forever (issue 9, defect 8). */
static bool reported_eq(const char *want, const char *live)
{
	return want == NULL || live == NULL || strcmp(want, live) == 0;
}

static bool lun_matches(const struct iscsi_lun *w, const struct iscsi_lun *l, TALLOC_CTX *mem,
			char **why)
{
	const char *diff = NULL;
	if (!str_eq(w->path, l->path))
		diff = "path";
	else if (w->read_only != l->read_only)
		diff = "read-only";
	else if (!reported_eq(w->serial, l->serial))
		diff = "serial";
	else if (!reported_eq(w->device_id, l->device_id))
		diff = "device identifier";
	else if (!reported_eq(w->vendor, l->vendor) || !reported_eq(w->product, l->product) ||
		 !reported_eq(w->revision, l->revision))
		diff = "inquiry strings";
	else if (w->size != 0 && l->size != 0 && w->size != l->size)
		diff = "size";
	else if (w->direct_io != l->direct_io)
		diff = "direct I/O";
	if (diff != NULL && why != NULL)
		*why = talloc_asprintf(mem, "LUN %" PRIu32 ": %s differs", w->lun, diff);
	return diff == NULL;
}

static const char *params_diff(const struct iscsi_negotiation *w,
			       const struct iscsi_negotiation *l)
{
#define NUM(f, name) \
	if (w->f != 0 && w->f != l->f) \
		return name;
#define TRI(f, name) \
	if (w->f != ISCSI_DEFAULT && w->f != l->f) \
		return name;
	NUM(max_recv_data_segment_length, "MaxRecvDataSegmentLength")
	NUM(first_burst_length, "FirstBurstLength")
	NUM(max_burst_length, "MaxBurstLength")
	NUM(max_outstanding_r2t, "MaxOutstandingR2T")
	NUM(max_connections, "MaxConnections")
	NUM(queue_depth, "queue depth")
	TRI(initial_r2t, "InitialR2T")
	TRI(immediate_data, "ImmediateData")
	TRI(header_digest, "HeaderDigest")
	TRI(data_digest, "DataDigest")
#undef NUM
#undef TRI
	/* 0 is meaningful here (off), and it is also every backend's default */
	if (w->nop_interval != l->nop_interval)
		return "NOP-In interval";
	if (w->nop_interval != 0 && w->nop_count != 0 && w->nop_count != l->nop_count)
		return "NOP-In count";
	return NULL;
}

bool iscsi_target_matches(const struct iscsi_target *want, const struct iscsi_target *live,
			  TALLOC_CTX *mem_ctx, char **why)
{
	char *dummy = NULL;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (!str_eq(want->iqn, live->iqn)) {
		*why = talloc_strdup(mem_ctx, "the target name differs");
		return false;
	}
	if (want->enabled != live->enabled) {
		*why = talloc_strdup(mem_ctx, want->enabled ? "disabled" : "enabled");
		return false;
	}
	if (want->n_luns != live->n_luns) {
		*why = talloc_asprintf(mem_ctx, "%zu LUNs instead of %zu", live->n_luns,
				       want->n_luns);
		return false;
	}
	for (size_t i = 0; i < want->n_luns; i++) {
		const struct iscsi_lun *l = find_lun(live, want->luns[i].lun);
		if (l == NULL) {
			*why = talloc_asprintf(mem_ctx, "LUN %" PRIu32 " is missing",
					       want->luns[i].lun);
			return false;
		}
		if (!lun_matches(&want->luns[i], l, mem_ctx, why))
			return false;
	}
	for (size_t i = 0; i < want->n_acl; i++)
		if (!acl_has(live, &want->acl[i])) {
			*why = talloc_asprintf(mem_ctx, "initiator entry '%s' is missing",
					       want->acl[i].value ? want->acl[i].value : "any");
			return false;
		}
	for (size_t i = 0; i < live->n_acl; i++)
		if (!acl_has(want, &live->acl[i])) {
			*why = talloc_asprintf(mem_ctx, "initiator entry '%s' is extra",
					       live->acl[i].value ? live->acl[i].value : "any");
			return false;
		}
	if (want->n_chap_in != live->n_chap_in) {
		*why = talloc_strdup(mem_ctx, "the incoming CHAP accounts differ");
		return false;
	}
	for (size_t i = 0; i < want->n_chap_in; i++)
		if (!chap_has(live, want->chap_in[i].user)) {
			*why = talloc_strdup(mem_ctx, "the incoming CHAP accounts differ");
			return false;
		}
	if ((want->chap_out == NULL) != (live->chap_out == NULL) ||
	    (want->chap_out != NULL && !str_eq(want->chap_out->user, live->chap_out->user))) {
		*why = talloc_strdup(mem_ctx, "the outgoing CHAP account differs");
		return false;
	}
	const char *p = params_diff(&want->params, &live->params);
	if (p != NULL) {
		*why = talloc_asprintf(mem_ctx, "%s differs", p);
		return false;
	}
	for (size_t i = 0; i < want->n_portals; i++) {
		bool found = false;
		for (size_t j = 0; j < live->n_portals && !found; j++)
			found = str_eq(want->portals[i].address, live->portals[j].address) &&
				want->portals[i].port == live->portals[j].port;
		if (!found) {
			*why = talloc_asprintf(mem_ctx, "portal %s:%u is missing",
					       want->portals[i].address, want->portals[i].port);
			return false;
		}
	}
	return true;
}

static const char *dup_or_null(TALLOC_CTX *mem, const char *s, bool *ok)
{
	if (s == NULL)
		return NULL;
	char *d = talloc_strdup(mem, s);
	if (d == NULL)
		*ok = false;
	return d;
}

struct iscsi_target *iscsi_target_copy(TALLOC_CTX *mem_ctx, const struct iscsi_target *t)
{
	struct iscsi_target *c = talloc_zero(mem_ctx, struct iscsi_target);
	bool ok = c != NULL;
	if (!ok)
		return NULL;
	*c = *t;
	c->iqn = dup_or_null(c, t->iqn, &ok);
	c->luns = talloc_zero_array(c, struct iscsi_lun, t->n_luns);
	c->acl = talloc_zero_array(c, struct iscsi_acl_entry, t->n_acl);
	c->chap_in = talloc_zero_array(c, struct iscsi_chap_account, t->n_chap_in);
	c->portals = talloc_zero_array(c, struct iscsi_portal, t->n_portals);
	ok = ok && c->luns && c->acl && c->chap_in && c->portals;
	for (size_t i = 0; ok && i < t->n_luns; i++) {
		struct iscsi_lun *d = &c->luns[i];
		*d = t->luns[i];
		d->path = dup_or_null(c, t->luns[i].path, &ok);
		d->serial = dup_or_null(c, t->luns[i].serial, &ok);
		d->device_id = dup_or_null(c, t->luns[i].device_id, &ok);
		d->vendor = dup_or_null(c, t->luns[i].vendor, &ok);
		d->product = dup_or_null(c, t->luns[i].product, &ok);
		d->revision = dup_or_null(c, t->luns[i].revision, &ok);
	}
	for (size_t i = 0; ok && i < t->n_acl; i++) {
		c->acl[i].kind = t->acl[i].kind;
		c->acl[i].value = dup_or_null(c, t->acl[i].value, &ok);
	}
	for (size_t i = 0; ok && i < t->n_chap_in; i++) {
		c->chap_in[i].user = dup_or_null(c, t->chap_in[i].user, &ok);
		c->chap_in[i].secret = dup_or_null(c, t->chap_in[i].secret, &ok);
	}
	if (ok && t->chap_out != NULL) {
		c->chap_out = talloc_zero(c, struct iscsi_chap_account);
		ok = c->chap_out != NULL;
		if (ok) {
			c->chap_out->user = dup_or_null(c, t->chap_out->user, &ok);
			c->chap_out->secret = dup_or_null(c, t->chap_out->secret, &ok);
		}
	}
	for (size_t i = 0; ok && i < t->n_portals; i++) {
		c->portals[i].address = dup_or_null(c, t->portals[i].address, &ok);
		c->portals[i].port = t->portals[i].port;
	}
	if (!ok) {
		talloc_free(c);
		return NULL;
	}
	return c;
}

void iscsi_lun_naa_designator(const char *device_id, uint8_t out[16])
{
	/* A 128-bit shift register fed one hexadecimal digit per character,
	 * as tgt builds its VPD 0x83 NAA designator from scsi_id. */
	memset(out, 0, 16);
	for (const char *p = device_id; *p != '\0'; p++) {
		int c = (unsigned char)*p;
		uint8_t digit = isxdigit(c) ? (uint8_t)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10) : 0;
		for (int i = 0; i < 15; i++)
			out[i] = (uint8_t)(out[i] << 4 | out[i + 1] >> 4);
		out[15] = (uint8_t)(out[15] << 4 | digit);
	}
	out[0] = (uint8_t)((out[0] & 0x0F) | 0x60);
}
