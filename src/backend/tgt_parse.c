#include "backend/tgt_parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Walks TEXT line by line: *indent is the number of leading blanks, the line
 * is returned trimmed (a talloc'd copy on TMP), NULL at the end. With REUSE
 * the copy is one buffer, valid until the next line: for parsers that copy
 * what they keep (tgtd's target list has ~30 lines per target, polled every
 * second: one allocation per line was most of the poll's cost). */
struct line_iter {
	const char *p;
	TALLOC_CTX *tmp;
	bool reuse;
	char *buf;
	size_t cap;
};

static char *next_line(struct line_iter *it, unsigned *indent)
{
	while (*it->p != '\0') {
		const char *start = it->p;
		const char *end = strchr(start, '\n');
		if (end == NULL)
			end = start + strlen(start);
		it->p = *end ? end + 1 : end;
		unsigned n = 0;
		while (start < end && (*start == ' ' || *start == '\t')) {
			n += *start == '\t' ? 8 : 1;
			start++;
		}
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		if (end == start)
			continue;
		*indent = n;
		size_t len = (size_t)(end - start);
		if (!it->reuse)
			return talloc_strndup(it->tmp, start, len);
		if (it->cap < len + 1) {
			size_t cap = len + 1 < 256 ? 256 : (len + 1) * 2;
			char *b = talloc_realloc(it->tmp, it->buf, char, cap);
			if (b == NULL)
				return NULL;
			it->buf = b;
			it->cap = cap;
		}
		memcpy(it->buf, start, len);
		it->buf[len] = '\0';
		return it->buf;
	}
	return NULL;
}

/* "Key: value" -> value when LINE starts with KEY and ": " (or is "Key:"). */
static const char *value_of(const char *line, const char *key)
{
	size_t n = strlen(key);
	if (strncmp(line, key, n) != 0 || line[n] != ':')
		return NULL;
	line += n + 1;
	while (*line == ' ')
		line++;
	return line;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	if (s == NULL || !isdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0)
		return false;
	*out = v;
	return *end == '\0' || *end == ' ' || *end == ',';
}

/* Appends a zeroed element; the array grows geometrically (a tgtd with
 * 10,000 targets must not cost 10,000 reallocations and O(n^2) copies). */
#define GROW(mem, arr, n)                                                                  \
	((talloc_array_length(arr) > (n) ||                                                \
	  ((arr) = talloc_realloc((mem), (arr), __typeof__(*(arr)), (n) < 4 ? 4 : (n) * 2)) != \
		  NULL)                                                                    \
		 ? (memset(&(arr)[(n)], 0, sizeof(*(arr))), &(arr)[(n)++])                 \
		 : NULL)

bool tgt_acl_is_address(const char *acl)
{
	if (strcmp(acl, "ALL") == 0)
		return true;
	if (acl[0] == '[') {
		char buf[64];
		const char *close = strchr(acl, ']');
		if (close == NULL || (size_t)(close - acl - 1) >= sizeof(buf))
			return false;
		memcpy(buf, acl + 1, (size_t)(close - acl - 1));
		buf[close - acl - 1] = '\0';
		if (close[1] == '/')
			strncat(buf, close + 1, sizeof(buf) - strlen(buf) - 1);
		else if (close[1] != '\0')
			return false;
		return iscsi_address_valid(buf);
	}
	return iscsi_address_valid(acl);
}

enum section { SEC_NONE, SEC_SYSTEM, SEC_NEXUS, SEC_LUN, SEC_ACCOUNT, SEC_ACL };

struct targets_parse {
	TALLOC_CTX *mem;
	struct tgt_live_target *targets;
	size_t n;
	struct tgt_live_target *t;
	enum section sec;
	struct iscsi_lun *lun; /* the current LUN, NULL while skipping LUN 0 */
	struct tgt_nexus *nexus;
};

static int target_line(struct targets_parse *ps, const char *line)
{
	/* "Target 1: iqn...." */
	const char *colon = strchr(line, ':');
	char *digits_end;
	if (colon == NULL || !isdigit((unsigned char)line[7]))
		return -EPROTO;
	errno = 0;
	unsigned long long tid = strtoull(line + 7, &digits_end, 10);
	if (errno != 0 || digits_end != colon || tid > INT32_MAX)
		return -EPROTO;
	struct tgt_live_target *t = GROW(ps->mem, ps->targets, ps->n);
	if (t == NULL)
		return -ENOMEM;
	t->tid = (int32_t)tid;
	const char *iqn = colon + 1;
	while (*iqn == ' ')
		iqn++;
	t->iqn = talloc_strdup(ps->targets, iqn);
	if (t->iqn == NULL)
		return -ENOMEM;
	ps->t = t;
	ps->sec = SEC_NONE;
	ps->lun = NULL;
	ps->nexus = NULL;
	return 0;
}

static int lun_line(struct targets_parse *ps, const char *line)
{
	struct tgt_live_target *t = ps->t;
	const char *v;
	uint64_t n;

	if ((v = value_of(line, "LUN")) != NULL) {
		if (!parse_u64(v, &n))
			return -EPROTO;
		ps->lun = NULL;
		if (n == 0 || n > UINT32_MAX)
			return 0;
		ps->lun = GROW(ps->targets, t->luns, t->n_luns);
		if (ps->lun == NULL)
			return -ENOMEM;
		ps->lun->lun = (uint32_t)n;
		return 0;
	}
	struct iscsi_lun *l = ps->lun;
	if (l == NULL)
		return 0;
	if ((v = value_of(line, "SCSI ID")) != NULL)
		l->device_id = talloc_strdup(ps->targets, v);
	else if ((v = value_of(line, "SCSI SN")) != NULL)
		l->serial = talloc_strdup(ps->targets, v);
	else if ((v = value_of(line, "Readonly")) != NULL)
		l->read_only = strcmp(v, "Yes") == 0;
	else if ((v = value_of(line, "Backing store path")) != NULL)
		l->path = strcmp(v, "None") == 0 ? NULL : talloc_strdup(ps->targets, v);
	else if ((v = value_of(line, "Backing store flags")) != NULL)
		l->direct_io = strstr(v, "direct") != NULL;
	return 0;
}

static int nexus_line(struct targets_parse *ps, const char *line)
{
	struct tgt_live_target *t = ps->t;
	const char *v;
	uint64_t n;

	if ((v = value_of(line, "I_T nexus")) != NULL) {
		if (!parse_u64(v, &n))
			return -EPROTO;
		ps->nexus = GROW(ps->targets, t->nexus, t->n_nexus);
		if (ps->nexus == NULL)
			return -ENOMEM;
		ps->nexus->id = n;
		return 0;
	}
	struct tgt_nexus *x = ps->nexus;
	if (x == NULL)
		return 0;
	if ((v = value_of(line, "Initiator")) != NULL) {
		/* "iqn... alias: name" */
		const char *alias = strstr(v, " alias: ");
		size_t len = alias ? (size_t)(alias - v) : strlen(v);
		x->initiator = talloc_strndup(ps->targets, v, len);
		if (alias != NULL && strcmp(alias + 8, "none") != 0)
			x->alias = talloc_strdup(ps->targets, alias + 8);
	} else if ((v = value_of(line, "Connection")) != NULL && parse_u64(v, &n)) {
		x->cid = (uint32_t)n;
	} else if ((v = value_of(line, "IP Address")) != NULL) {
		x->address = talloc_strdup(ps->targets, v);
	}
	return 0;
}

static int list_line(struct targets_parse *ps, const char *line)
{
	struct tgt_live_target *t = ps->t;
	if (ps->sec == SEC_ACL) {
		const char **slot = GROW(ps->targets, t->acl, t->n_acl);
		if (slot == NULL)
			return -ENOMEM;
		*slot = talloc_strdup(ps->targets, line);
		return *slot ? 0 : -ENOMEM;
	}
	static const char outgoing[] = " (outgoing)";
	size_t len = strlen(line), olen = sizeof(outgoing) - 1;
	if (len > olen && strcmp(line + len - olen, outgoing) == 0) {
		t->out_user = talloc_strndup(ps->targets, line, len - olen);
		return t->out_user ? 0 : -ENOMEM;
	}
	const char **slot = GROW(ps->targets, t->in_users, t->n_in_users);
	if (slot == NULL)
		return -ENOMEM;
	*slot = talloc_strdup(ps->targets, line);
	return *slot ? 0 : -ENOMEM;
}

int tgt_parse_targets(TALLOC_CTX *mem_ctx, const char *text, struct tgt_live_target **targets,
		      size_t *n_targets)
{
	struct targets_parse ps = { .mem = NULL };
	struct line_iter it = { .p = text ? text : "", .tmp = talloc_new(NULL), .reuse = true };
	static const struct {
		const char *header;
		enum section sec;
	} sections[] = {
		{ "System information:", SEC_SYSTEM }, { "I_T nexus information:", SEC_NEXUS },
		{ "LUN information:", SEC_LUN },       { "Account information:", SEC_ACCOUNT },
		{ "ACL information:", SEC_ACL },
	};
	unsigned indent;
	char *line;
	int rc = 0;

	if (it.tmp == NULL)
		return -ENOMEM;
	ps.mem = it.tmp;
	ps.targets = talloc_array(it.tmp, struct tgt_live_target, 0);
	if (ps.targets == NULL) {
		talloc_free(it.tmp);
		return -ENOMEM;
	}
	while (rc == 0 && (line = next_line(&it, &indent)) != NULL) {
		if (indent == 0 && strncmp(line, "Target ", 7) == 0) {
			rc = target_line(&ps, line);
			continue;
		}
		if (ps.t == NULL) {
			rc = -EPROTO;
			break;
		}
		bool header = false;
		for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
			if (strcmp(line, sections[i].header) == 0) {
				ps.sec = sections[i].sec;
				header = true;
			}
		}
		if (header)
			continue;
		const char *v;
		switch (ps.sec) {
		case SEC_SYSTEM:
			if ((v = value_of(line, "Driver")) != NULL)
				ps.t->driver = talloc_strdup(ps.targets, v);
			else if ((v = value_of(line, "State")) != NULL)
				ps.t->ready = strcmp(v, "ready") == 0;
			break;
		case SEC_NEXUS:
			rc = nexus_line(&ps, line);
			break;
		case SEC_LUN:
			rc = lun_line(&ps, line);
			break;
		case SEC_ACCOUNT:
		case SEC_ACL:
			rc = list_line(&ps, line);
			break;
		case SEC_NONE:
			break;
		}
	}
	if (rc == 0) {
		*targets = talloc_steal(mem_ctx, ps.targets);
		*n_targets = ps.n;
	}
	talloc_free(it.tmp);
	return rc;
}

static bool set_tristate(const char *v, enum iscsi_tristate *out)
{
	if (strcmp(v, "Yes") == 0)
		*out = ISCSI_YES;
	else if (strcmp(v, "No") == 0)
		*out = ISCSI_NO;
	else
		return false;
	return true;
}

const struct tgt_number_param tgt_number_params[] = {
#define F(k, f) { k, offsetof(struct iscsi_negotiation, f) }
	F("MaxRecvDataSegmentLength", max_recv_data_segment_length),
	F("FirstBurstLength", first_burst_length),
	F("MaxBurstLength", max_burst_length),
	F("MaxOutstandingR2T", max_outstanding_r2t),
	F("MaxConnections", max_connections),
	F("MaxQueueCmd", queue_depth),
	F("nop_interval", nop_interval),
	F("nop_count", nop_count),
#undef F
};
const size_t tgt_n_number_params = sizeof(tgt_number_params) / sizeof(tgt_number_params[0]);

int tgt_parse_params(const char *text, struct iscsi_negotiation *out)
{
	struct line_iter it = { .p = text ? text : "", .tmp = talloc_new(NULL) };
	unsigned indent, seen = 0;
	char *line;

	if (it.tmp == NULL)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	while ((line = next_line(&it, &indent)) != NULL) {
		char *eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		const char *key = line, *v = eq + 1;
		uint64_t n;
		seen++;
		for (size_t i = 0; i < tgt_n_number_params; i++) {
			const struct tgt_number_param *p = &tgt_number_params[i];
			if (strcmp(key, p->key) == 0 && parse_u64(v, &n) && n <= UINT32_MAX)
				*(uint32_t *)((char *)out + p->offset) = (uint32_t)n;
		}
		if (strcmp(key, "InitialR2T") == 0)
			set_tristate(v, &out->initial_r2t);
		else if (strcmp(key, "ImmediateData") == 0)
			set_tristate(v, &out->immediate_data);
		else if (strcmp(key, "HeaderDigest") == 0)
			out->header_digest = strstr(v, "CRC32C") ? ISCSI_YES : ISCSI_NO;
		else if (strcmp(key, "DataDigest") == 0)
			out->data_digest = strstr(v, "CRC32C") ? ISCSI_YES : ISCSI_NO;
	}
	talloc_free(it.tmp);
	return seen > 0 ? 0 : -EPROTO;
}

int tgt_parse_conns(TALLOC_CTX *mem_ctx, const char *text, struct tgt_conn **conns,
		    size_t *n_conns)
{
	struct line_iter it = { .p = text ? text : "", .tmp = talloc_new(NULL) };
	struct tgt_conn *arr, *c = NULL;
	size_t n = 0;
	uint64_t tsih = 0, v64;
	bool have_session = false;
	unsigned indent;
	char *line;
	const char *v;

	if (it.tmp == NULL)
		return -ENOMEM;
	arr = talloc_array(it.tmp, struct tgt_conn, 0);
	while (arr != NULL && (line = next_line(&it, &indent)) != NULL) {
		if ((v = value_of(line, "Session")) != NULL) {
			have_session = parse_u64(v, &tsih) && tsih <= UINT16_MAX;
			c = NULL;
		} else if ((v = value_of(line, "Connection")) != NULL) {
			if (!have_session || !parse_u64(v, &v64) || v64 > UINT32_MAX) {
				c = NULL;
				continue;
			}
			c = GROW(it.tmp, arr, n);
			if (c == NULL)
				break;
			c->tsih = (uint16_t)tsih;
			c->cid = (uint32_t)v64;
		} else if (c != NULL && (v = value_of(line, "Initiator")) != NULL) {
			c->initiator = talloc_strdup(arr, v);
		} else if (c != NULL && (v = value_of(line, "IP Address")) != NULL) {
			c->address = talloc_strdup(arr, v);
		}
	}
	if (arr == NULL) {
		talloc_free(it.tmp);
		return -ENOMEM;
	}
	*conns = talloc_steal(mem_ctx, arr);
	*n_conns = n;
	talloc_free(it.tmp);
	return 0;
}

int tgt_parse_portals(TALLOC_CTX *mem_ctx, const char *text, struct iscsi_portal **portals,
		      size_t *n_portals)
{
	struct line_iter it = { .p = text ? text : "", .tmp = talloc_new(NULL) };
	struct iscsi_portal *arr;
	size_t n = 0;
	unsigned indent;
	char *line;
	const char *v;

	if (it.tmp == NULL)
		return -ENOMEM;
	arr = talloc_array(it.tmp, struct iscsi_portal, 0);
	while (arr != NULL && (line = next_line(&it, &indent)) != NULL) {
		if ((v = value_of(line, "Portal")) == NULL)
			continue;
		char *comma = strrchr(v, ','); /* ",TPGT" */
		if (comma != NULL)
			*comma = '\0';
		struct iscsi_portal p;
		if (iscsi_portal_parse(it.tmp, v, 3260, &p) != 0)
			continue;
		struct iscsi_portal *slot = GROW(it.tmp, arr, n);
		if (slot == NULL)
			break;
		slot->address = talloc_steal(arr, p.address);
		slot->port = p.port;
	}
	if (arr == NULL) {
		talloc_free(it.tmp);
		return -ENOMEM;
	}
	*portals = talloc_steal(mem_ctx, arr);
	*n_portals = n;
	talloc_free(it.tmp);
	return 0;
}

int tgt_parse_accounts(TALLOC_CTX *mem_ctx, const char *text, const char ***users,
		       size_t *n_users)
{
	struct line_iter it = { .p = text ? text : "", .tmp = talloc_new(NULL) };
	const char **arr;
	size_t n = 0;
	unsigned indent;
	char *line;

	if (it.tmp == NULL)
		return -ENOMEM;
	arr = talloc_array(it.tmp, const char *, 0);
	while (arr != NULL && (line = next_line(&it, &indent)) != NULL) {
		if (indent == 0) /* "Account list:" */
			continue;
		const char **slot = GROW(it.tmp, arr, n);
		if (slot == NULL)
			break;
		*slot = talloc_strdup(arr, line);
	}
	if (arr == NULL) {
		talloc_free(it.tmp);
		return -ENOMEM;
	}
	*users = talloc_steal(mem_ctx, arr);
	*n_users = n;
	talloc_free(it.tmp);
	return 0;
}
