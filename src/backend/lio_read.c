/* Reading LIO's live state from configfs: the WWNs istmd owns as target
 * descriptions (foreign ones only named), and the sessions from each node
 * ACL's info file (real ISID and TSIH) and the TPG's dynamic_sessions. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/lio_internal.h"
#include "istmd/log.h"

static uint32_t read_u32(TALLOC_CTX *mem, const char *dir, const char *name)
{
	char *v = lio_read(mem, dir, name);
	return v ? (uint32_t)strtoul(v, NULL, 10) : 0;
}

static enum iscsi_tristate read_yes_no(TALLOC_CTX *mem, const char *dir, const char *name)
{
	char *v = lio_read(mem, dir, name);
	if (v == NULL)
		return ISCSI_DEFAULT;
	return strncasecmp(v, "Yes", 3) == 0 || strncasecmp(v, "CRC32C", 6) == 0 ? ISCSI_YES
										  : ISCSI_NO;
}

/* NULL for LIO's "no value" */
static const char *value_or_null(const char *v)
{
	return v == NULL || v[0] == '\0' || strcmp(v, "NULL") == 0 ? NULL : v;
}

static void read_lun(TALLOC_CTX *mem, const char *dir, uint32_t number, struct iscsi_lun *l)
{
	l->lun = number;
	size_t n;
	char **names = lio_list_dir(mem, dir, &n);
	for (size_t i = 0; i < n; i++) {
		char *p = talloc_asprintf(mem, "%s/%s", dir, names[i]);
		struct stat st;
		if (p == NULL || lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
			continue;
		char *real = realpath(p, NULL);
		if (real == NULL)
			continue;
		char *bs = talloc_strdup(mem, real);
		free(real);
		l->path = value_or_null(lio_read(mem, bs, "udev_path"));
		char *info = lio_read(mem, bs, "info");
		/* "... File: PATH  Size: N ..." (not the first line's SectorSize) */
		const char *f = info ? strstr(info, " File: ") : NULL;
		const char *s = f ? strstr(f, "  Size: ") : NULL;
		if (s != NULL)
			s += 2;
		l->size = s ? strtoull(s + 6, NULL, 10) : 0;
		/* over a block device LIO counts up to its last block's start */
		struct stat dev;
		if (l->size != 0 && l->path != NULL && stat(l->path, &dev) == 0 &&
		    S_ISBLK(dev.st_mode))
			l->size += read_u32(mem, talloc_asprintf(mem, "%s/attrib", bs), "block_size");
		l->direct_io = info != NULL && strstr(info, "O_DSYNC") != NULL;
		char *wwn = talloc_asprintf(mem, "%s/wwn", bs);
		char *serial = lio_read(mem, wwn, "vpd_unit_serial");
		const char *num = serial ? strstr(serial, "Number: ") : NULL;
		l->serial = num && num[8] ? talloc_strdup(mem, num + 8) : NULL;
		l->vendor = lio_read(mem, wwn, "vendor_id");
		l->product = lio_read(mem, wwn, "product_id");
		l->revision = lio_read(mem, wwn, "revision");
		break;
	}
}

/* Whether ACL maps exactly T's LUNs (same numbers). */
static bool acl_whole(TALLOC_CTX *mem, const char *acl, const struct iscsi_target *t)
{
	size_t n, mapped = 0;
	char **names = lio_list_dir(mem, acl, &n);
	for (size_t i = 0; i < n; i++) {
		uint32_t number;
		if (sscanf(names[i], "lun_%" SCNu32, &number) != 1)
			continue;
		bool known = false;
		for (size_t k = 0; k < t->n_luns && !known; k++)
			known = t->luns[k].lun == number;
		char *link = talloc_asprintf(mem, "%s/%s/mapped", acl, names[i]);
		if (!known || link == NULL || !lio_exists(link))
			return false;
		mapped++;
	}
	return mapped == t->n_luns;
}

static void read_auth(TALLOC_CTX *mem, const char *auth, struct iscsi_target *t)
{
	const char *user = value_or_null(lio_read(mem, auth, "userid"));
	const char *mutual = value_or_null(lio_read(mem, auth, "userid_mutual"));
	if (user != NULL) {
		t->chap_in = talloc_zero(mem, struct iscsi_chap_account);
		t->chap_in->user = user;
		t->n_chap_in = 1;
	}
	if (mutual != NULL) {
		t->chap_out = talloc_zero(mem, struct iscsi_chap_account);
		t->chap_out->user = mutual;
	}
}

static void read_target(TALLOC_CTX *mem, const struct lio_ctx *ctx, const char *iqn,
			struct iscsi_target *t)
{
	char *tpg = talloc_asprintf(mem, "%s/iscsi/%s/tpgt_1", ctx->root, iqn);
	char *attrib = talloc_asprintf(mem, "%s/attrib", tpg);
	char *param = talloc_asprintf(mem, "%s/param", tpg);
	t->iqn = talloc_strdup(mem, iqn);
	char *en = lio_read(mem, tpg, "enable");
	t->enabled = en != NULL && strcmp(en, "1") == 0;

	char *lundir = talloc_asprintf(mem, "%s/lun", tpg);
	size_t n;
	char **names = lio_list_dir(mem, lundir, &n);
	t->luns = talloc_zero_array(mem, struct iscsi_lun, n + 1);
	for (size_t i = 0; t->luns != NULL && i < n; i++) {
		uint32_t number;
		if (sscanf(names[i], "lun_%" SCNu32, &number) == 1)
			read_lun(mem, talloc_asprintf(mem, "%s/%s", lundir, names[i]), number,
				 &t->luns[t->n_luns++]);
	}

	char *acls = talloc_asprintf(mem, "%s/acls", tpg);
	names = lio_list_dir(mem, acls, &n);
	t->acl = talloc_zero_array(mem, struct iscsi_acl_entry, n + 2);
	/* an ACL counts only when it is whole: every LUN of the TPG mapped
	 * (and nothing else) and the same CHAP users as the first ACL; else
	 * it shows as missing, and drift repair rewrites it */
	char *users0 = NULL;
	for (size_t i = 0; t->acl != NULL && i < n; i++) {
		char *acl = talloc_asprintf(mem, "%s/%s", acls, names[i]);
		char *auth = talloc_asprintf(mem, "%s/auth", acl);
		char *users = talloc_asprintf(mem, "%s/%s", lio_read(mem, auth, "userid"),
					      lio_read(mem, auth, "userid_mutual"));
		if (users0 == NULL)
			users0 = users;
		if (acl_whole(mem, acl, t) && users != NULL && strcmp(users, users0) == 0)
			t->acl[t->n_acl++] = (struct iscsi_acl_entry){ ISCSI_ACL_IQN, names[i] };
	}
	bool demo = read_u32(mem, attrib, "generate_node_acls") == 1;
	if (demo && t->acl != NULL)
		t->acl[t->n_acl++] = (struct iscsi_acl_entry){ ISCSI_ACL_ANY, NULL };

	/* CHAP: the same account on every ACL (istmd writes it so); the first
	 * ACL's, or the TPG's in demo mode */
	if (read_u32(mem, attrib, "authentication") == 1) {
		if (n > 0)
			read_auth(mem, talloc_asprintf(mem, "%s/%s/auth", acls, names[0]), t);
		else
			read_auth(mem, talloc_asprintf(mem, "%s/auth", tpg), t);
	}
	if (n > 0) {
		char *aattr = talloc_asprintf(mem, "%s/%s/attrib", acls, names[0]);
		uint32_t iv = read_u32(mem, aattr, "nopin_timeout");
		uint32_t rt = read_u32(mem, aattr, "nopin_response_timeout");
		/* LIO always pings (default 15 s); that default counts as "off" */
		if (iv != 0 && iv != 15) {
			t->params.nop_interval = iv;
			t->params.nop_count = rt / iv;
		}
		uint32_t depth = read_u32(mem, talloc_asprintf(mem, "%s/%s", acls, names[0]),
					  "cmdsn_depth");
		t->params.queue_depth = depth;
	} else {
		t->params.queue_depth = read_u32(mem, attrib, "default_cmdsn_depth");
	}

	struct iscsi_negotiation *p = &t->params;
	p->max_recv_data_segment_length = read_u32(mem, param, "MaxRecvDataSegmentLength");
	p->first_burst_length = read_u32(mem, param, "FirstBurstLength");
	p->max_burst_length = read_u32(mem, param, "MaxBurstLength");
	p->max_outstanding_r2t = read_u32(mem, param, "MaxOutstandingR2T");
	p->max_connections = read_u32(mem, param, "MaxConnections");
	p->initial_r2t = read_yes_no(mem, param, "InitialR2T");
	p->immediate_data = read_yes_no(mem, param, "ImmediateData");
	p->header_digest = read_yes_no(mem, param, "HeaderDigest");
	p->data_digest = read_yes_no(mem, param, "DataDigest");

	char *np = talloc_asprintf(mem, "%s/np", tpg);
	names = lio_list_dir(mem, np, &n);
	t->portals = talloc_zero_array(mem, struct iscsi_portal, n + 1);
	for (size_t i = 0; t->portals != NULL && i < n; i++)
		if (lio_np_parse(mem, names[i], &t->portals[t->n_portals]) == 0)
			t->n_portals++;
}

static bool looks_like_wwn(const char *name)
{
	return strncmp(name, "iqn.", 4) == 0 || strncmp(name, "eui.", 4) == 0 ||
	       strncmp(name, "naa.", 4) == 0;
}

int lio_list(TALLOC_CTX *mem, const struct lio_ctx *ctx, struct iscsi_target **targets,
	     size_t *n_targets, char ***foreign, size_t *n_foreign)
{
	char *dir = talloc_asprintf(mem, "%s/iscsi", ctx->root);
	size_t n;
	char **names = lio_list_dir(mem, dir, &n);
	if (names == NULL && !lio_exists(dir))
		return -ENOTCONN;
	*targets = talloc_zero_array(mem, struct iscsi_target, n + 1);
	*foreign = talloc_zero_array(mem, char *, n + 1);
	*n_targets = *n_foreign = 0;
	if (*targets == NULL || *foreign == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!looks_like_wwn(names[i]))
			continue;
		if (!lio_owned(ctx, names[i])) {
			(*foreign)[(*n_foreign)++] = talloc_strdup(*foreign, names[i]);
			continue;
		}
		struct iscsi_target *t = &(*targets)[(*n_targets)++];
		read_target(*targets, ctx, names[i], t);
		struct iscsi_session_info *s;
		size_t ns = 0;
		if (lio_sessions(mem, ctx, names[i], &s, &ns) == 0)
			t->n_sessions = (unsigned)ns;
	}
	return 0;
}

/* "0x80 01 23 45 00 07" -> 0x800123450007 */
static uint64_t parse_isid(const char *s)
{
	uint64_t v = 0;
	if (strncmp(s, "0x", 2) == 0)
		s += 2;
	for (int bytes = 0; bytes < 6; bytes++) {
		while (*s == ' ')
			s++;
		char *end;
		unsigned long b = strtoul(s, &end, 16);
		if (end == s)
			return 0;
		v = (v << 8) | (b & 0xff);
		s = end;
	}
	return v;
}

int lio_parse_acl_info(TALLOC_CTX *mem, const char *target_iqn, const char *text,
		       struct iscsi_session_info **out, size_t *n)
{
	const char *name = strstr(text, "InitiatorName: ");
	if (name == NULL)
		return 0;
	name += 15;
	char *initiator = talloc_strndup(mem, name, strcspn(name, "\r\n"));
	const char *alias = strstr(text, "InitiatorAlias: ");
	char *alias_v = NULL;
	if (alias != NULL) {
		alias += 16;
		size_t len = strcspn(alias, "\r\n");
		while (len > 0 && alias[len - 1] == ' ')
			len--;
		alias_v = len ? talloc_strndup(mem, alias, len) : NULL;
	}
	for (const char *s = strstr(text, "LIO Session ID:"); s != NULL;
	     s = strstr(s + 1, "LIO Session ID:")) {
		struct iscsi_session_info *more =
			talloc_realloc(mem, *out, struct iscsi_session_info, *n + 1);
		if (more == NULL)
			return -ENOMEM;
		*out = more;
		struct iscsi_session_info *si = &more[(*n)++];
		memset(si, 0, sizeof(*si));
		si->target_iqn = talloc_strdup(more, target_iqn);
		si->initiator_iqn = talloc_strdup(more, initiator);
		si->initiator_alias = alias_v ? talloc_strdup(more, alias_v) : NULL;
		const char *isid = strstr(s, "ISID: ");
		const char *tsih = strstr(s, "TSIH: ");
		const char *type = strstr(s, "SessionType: ");
		const char *next = strstr(s + 1, "LIO Session ID:");
		if (isid != NULL && (next == NULL || isid < next))
			si->isid = parse_isid(isid + 6);
		if (tsih != NULL && (next == NULL || tsih < next))
			si->tsih = (uint16_t)strtoul(tsih + 6, NULL, 10);
		si->discovery = type != NULL && (next == NULL || type < next) &&
				strncmp(type + 13, "Discovery", 9) == 0;
		/* connections: "CID: N ..." then "   Address A TCP ..." */
		for (const char *c = strstr(s, "CID: "); c != NULL && (next == NULL || c < next);
		     c = strstr(c + 1, "CID: ")) {
			struct iscsi_connection_info *cs = talloc_realloc(
				more, si->conns, struct iscsi_connection_info, si->n_conns + 1);
			if (cs == NULL)
				return -ENOMEM;
			si->conns = cs;
			struct iscsi_connection_info *ci = &cs[si->n_conns++];
			memset(ci, 0, sizeof(*ci));
			ci->cid = (uint32_t)strtoul(c + 5, NULL, 10);
			const char *a = strstr(c, "Address ");
			if (a != NULL && (next == NULL || a < next)) {
				a += 8;
				ci->initiator_address = talloc_strndup(cs, a, strcspn(a, " \r\n"));
			}
		}
	}
	return 0;
}

static int target_sessions(TALLOC_CTX *mem, const struct lio_ctx *ctx, const char *iqn,
			   struct iscsi_session_info **out, size_t *n)
{
	char *tpg = talloc_asprintf(mem, "%s/iscsi/%s/tpgt_1", ctx->root, iqn);
	char *acls = talloc_asprintf(mem, "%s/acls", tpg);
	bool chap = read_u32(mem, talloc_asprintf(mem, "%s/attrib", tpg), "authentication") == 1;
	size_t start = *n, count;
	char **names = lio_list_dir(mem, acls, &count);
	for (size_t i = 0; i < count; i++) {
		char *info = lio_read(mem, talloc_asprintf(mem, "%s/%s", acls, names[i]), "info");
		if (info != NULL && lio_parse_acl_info(mem, iqn, info, out, n) != 0)
			return -ENOMEM;
	}
	/* demo mode: initiator names only */
	char *dyn = lio_read(mem, tpg, "dynamic_sessions");
	for (char *line = dyn ? strtok(dyn, "\n") : NULL; line != NULL; line = strtok(NULL, "\n")) {
		if (line[0] == '\0')
			continue;
		struct iscsi_session_info *more =
			talloc_realloc(mem, *out, struct iscsi_session_info, *n + 1);
		if (more == NULL)
			return -ENOMEM;
		*out = more;
		memset(&more[*n], 0, sizeof(more[*n]));
		more[*n].target_iqn = talloc_strdup(more, iqn);
		more[*n].initiator_iqn = talloc_strdup(more, line);
		(*n)++;
	}
	/* the target side of each connection: the TPG's portal when it has one */
	char *np = talloc_asprintf(mem, "%s/np", tpg);
	char **nps = lio_list_dir(mem, np, &count);
	struct iscsi_portal portal = { 0 };
	bool have_portal = count == 1 && lio_np_parse(mem, nps[0], &portal) == 0;
	for (size_t i = start; i < *n; i++) {
		(*out)[i].auth = chap ? ISCSI_AUTH_CHAP : ISCSI_AUTH_NONE;
		for (size_t k = 0; have_portal && k < (*out)[i].n_conns; k++) {
			(*out)[i].conns[k].target_address = talloc_strdup(*out, portal.address);
			(*out)[i].conns[k].target_port = portal.port;
		}
	}
	return 0;
}

int lio_sessions(TALLOC_CTX *mem, const struct lio_ctx *ctx, const char *iqn,
		 struct iscsi_session_info **sessions, size_t *n_sessions)
{
	*sessions = talloc_zero_array(mem, struct iscsi_session_info, 0);
	*n_sessions = 0;
	if (*sessions == NULL)
		return -ENOMEM;
	TALLOC_CTX *tmp = talloc_new(mem);
	int rc = 0;
	if (iqn != NULL) {
		if (lio_owned(ctx, iqn))
			rc = target_sessions(mem, ctx, iqn, sessions, n_sessions);
	} else {
		size_t n;
		char **owned = lio_owned_read(tmp, ctx, &n);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = target_sessions(mem, ctx, owned[i], sessions, n_sessions);
	}
	talloc_free(tmp);
	return rc;
}

int lio_all_portals(TALLOC_CTX *mem, const struct lio_ctx *ctx, struct iscsi_portal **out,
		    size_t *n)
{
	*out = talloc_zero_array(mem, struct iscsi_portal, 0);
	*n = 0;
	if (*out == NULL)
		return -ENOMEM;
	char *dir = talloc_asprintf(mem, "%s/iscsi", ctx->root);
	size_t nw, nt, np;
	char **wwns = lio_list_dir(mem, dir, &nw);
	for (size_t w = 0; w < nw; w++) {
		if (!looks_like_wwn(wwns[w]))
			continue;
		char *wwn = talloc_asprintf(mem, "%s/%s", dir, wwns[w]);
		char **tpgs = lio_list_dir(mem, wwn, &nt);
		for (size_t t = 0; t < nt; t++) {
			if (strncmp(tpgs[t], "tpgt_", 5) != 0)
				continue;
			char *npdir = talloc_asprintf(mem, "%s/%s/np", wwn, tpgs[t]);
			char **nps = lio_list_dir(mem, npdir, &np);
			for (size_t i = 0; i < np; i++) {
				struct iscsi_portal *more =
					talloc_realloc(mem, *out, struct iscsi_portal, *n + 1);
				if (more == NULL)
					return -ENOMEM;
				*out = more;
				if (lio_np_parse(more, nps[i], &more[*n]) == 0)
					(*n)++;
			}
		}
	}
	return 0;
}
