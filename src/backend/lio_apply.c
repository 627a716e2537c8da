/* Making a LIO WWN match a target description, and removing it: plain
 * configfs writes (see docs/lio-backend.md for the layout and the order).
 * Runs on the backend's single worker thread. Idempotent: whatever already
 * matches is left as it is, so a second apply changes nothing and an
 * apply after a crash or a hand edit repairs the difference. */
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

struct ap {
	TALLOC_CTX *mem;
	TALLOC_CTX *out_mem; /* where *why lives */
	const struct lio_ctx *ctx;
	const struct iscsi_target *want;
	char *wwn, *tpg, *hba;
	int rc;
	char **why;
};

/* Records the first failure (and logs each). */
static int fail(struct ap *a, int rc, const char *what, const char *path)
{
	if (rc >= 0)
		return rc;
	log_warn("lio: %s %s: %s", what, path, strerror(-rc));
	if (a->rc == 0) {
		a->rc = rc;
		*a->why = talloc_asprintf(a->out_mem, "%s %s: %s", what, path, strerror(-rc));
	}
	return rc;
}

static int set_attr(struct ap *a, const char *dir, const char *name, const char *value)
{
	char *now = lio_read(a->mem, dir, name);
	if (now != NULL && strcmp(now, value) == 0)
		return 0;
	int rc = lio_write(dir, name, value);
	char *path = talloc_asprintf(a->mem, "%s/%s", dir, name);
	return fail(a, rc, "cannot write", path ? path : name);
}

/* Secrets: written without reading back into a log. */
static int set_secret(struct ap *a, const char *dir, const char *name, const char *value)
{
	char *now = lio_read(a->mem, dir, name);
	if (now != NULL && strcmp(now, value) == 0)
		return 0;
	int rc = lio_write(dir, name, value);
	return fail(a, rc, "cannot write", name);
}

static int set_uint(struct ap *a, const char *dir, const char *name, uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return set_attr(a, dir, name, buf);
}

/* ---- LUNs and their backstores ---- */

static char *lun_dir(struct ap *a, uint32_t lun)
{
	return talloc_asprintf(a->mem, "%s/lun/lun_%" PRIu32, a->tpg, lun);
}

/* The backstore a TPG LUN links to: its path, or NULL. */
static char *lun_backstore(TALLOC_CTX *mem, const char *dir)
{
	size_t n;
	char **names = lio_list_dir(mem, dir, &n);
	for (size_t i = 0; i < n; i++) {
		char *p = talloc_asprintf(mem, "%s/%s", dir, names[i]);
		struct stat st;
		if (p != NULL && lstat(p, &st) == 0 && S_ISLNK(st.st_mode)) {
			char *real = realpath(p, NULL);
			char *out = real ? talloc_strdup(mem, real) : NULL;
			free(real);
			return out;
		}
	}
	return NULL;
}

/* Unmaps LUN from every ACL, then removes the TPG LUN. */
static void drop_lun(struct ap *a, uint32_t lun)
{
	char *acls = talloc_asprintf(a->mem, "%s/acls", a->tpg);
	size_t n;
	char **names = lio_list_dir(a->mem, acls, &n);
	for (size_t i = 0; i < n; i++) {
		char *m = talloc_asprintf(a->mem, "%s/%s/lun_%" PRIu32, acls, names[i], lun);
		if (!lio_exists(m))
			continue;
		char *link = talloc_asprintf(a->mem, "%s/mapped", m);
		if (lio_exists(link) && unlink(link) != 0)
			fail(a, -errno, "cannot unmap", link);
		fail(a, lio_rmdir(m), "cannot remove", m);
	}
	char *dir = lun_dir(a, lun);
	char **links = lio_list_dir(a->mem, dir, &n);
	for (size_t i = 0; i < n; i++) {
		char *p = talloc_asprintf(a->mem, "%s/%s", dir, links[i]);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode) && unlink(p) != 0)
			fail(a, -errno, "cannot unlink", p);
	}
	fail(a, lio_rmdir(dir), "cannot remove", dir);
}

static void drop_backstore(struct ap *a, const char *name)
{
	char *bs = talloc_asprintf(a->mem, "%s/%s", a->hba, name);
	fail(a, lio_rmdir(bs), "cannot remove backstore", bs);
}

/* "Size: N" of a fileio backstore's info. */
static uint64_t info_size(const char *info)
{
	/* "... File: PATH  Size: N ..." (not the first line's SectorSize) */
	const char *f = info ? strstr(info, " File: ") : NULL;
	const char *s = f ? strstr(f, "  Size: ") : NULL;
	if (s != NULL)
		s += 2;
	return s ? strtoull(s + 6, NULL, 10) : 0;
}

static const char *serial_of(const char *text)
{
	const char *p = text ? strstr(text, "Number: ") : NULL;
	return p ? p + 8 : "";
}

/* Whether the existing backstore BS already is LUN (path, size, identity). */
static bool backstore_matches(struct ap *a, const char *bs, const struct iscsi_lun *l)
{
	char *udev = lio_read(a->mem, bs, "udev_path");
	char *enable = lio_read(a->mem, bs, "enable");
	if (udev == NULL || strcmp(udev, l->path) != 0 || enable == NULL || strcmp(enable, "1"))
		return false;
	struct stat st;
	if (l->size != 0 && stat(l->path, &st) == 0 && S_ISREG(st.st_mode) &&
	    info_size(lio_read(a->mem, bs, "info")) != l->size)
		return false;
	char *wwn = talloc_asprintf(a->mem, "%s/wwn", bs);
	if (l->serial != NULL &&
	    strcmp(serial_of(lio_read(a->mem, wwn, "vpd_unit_serial")), l->serial) != 0)
		return false;
	if (l->vendor != NULL && !(lio_read(a->mem, wwn, "vendor_id") &&
				   strcmp(lio_read(a->mem, wwn, "vendor_id"), l->vendor) == 0))
		return false;
	if (l->product != NULL && !(lio_read(a->mem, wwn, "product_id") &&
				    strcmp(lio_read(a->mem, wwn, "product_id"), l->product) == 0))
		return false;
	return true;
}

/* Creates the backstore: a fileio one over the file (fd_dev_size = the
 * LUN's size, so a fixed VHD's footer stays outside the LUN) or over a block
 * device (its own size). */
static int make_backstore(struct ap *a, const char *bs, const struct iscsi_lun *l)
{
	struct stat st;
	if (stat(l->path, &st) != 0)
		return fail(a, -errno, "cannot serve", l->path);
	if (strchr(l->path, ',') != NULL || strchr(l->path, '\n') != NULL)
		return fail(a, -EINVAL, "LIO cannot take a path with a comma", l->path);
	int rc = fail(a, lio_mkdir(a->hba), "cannot create", a->hba);
	if (rc == 0)
		rc = fail(a, lio_mkdir(bs), "cannot create", bs);
	if (rc != 0)
		return rc;
	char *control;
	if (S_ISREG(st.st_mode))
		control = talloc_asprintf(a->mem, "fd_dev_name=%s,fd_dev_size=%" PRIu64, l->path,
					  l->size ? l->size : (uint64_t)st.st_size);
	else
		control = talloc_asprintf(a->mem, "fd_dev_name=%s", l->path);
	rc = fail(a, lio_write(bs, "control", control), "cannot configure", bs);
	if (rc == 0)
		rc = fail(a, lio_write(bs, "udev_path", l->path), "cannot configure", bs);
	if (rc == 0)
		rc = fail(a, lio_write(bs, "enable", "1"), "cannot enable", bs);
	if (rc != 0)
		return rc;
	/* identity before the LUN is exported (LIO refuses changes after) */
	char *wwn = talloc_asprintf(a->mem, "%s/wwn", bs);
	if (l->serial != NULL)
		lio_write(wwn, "vpd_unit_serial", l->serial);
	if (l->vendor != NULL)
		lio_write(wwn, "vendor_id", l->vendor);
	if (l->product != NULL)
		lio_write(wwn, "product_id", l->product);
	if (l->revision != NULL)
		lio_write(wwn, "revision", l->revision);
	return 0;
}

static void apply_lun(struct ap *a, const struct iscsi_lun *l)
{
	char *name = lio_backstore_name(a->mem, a->want->iqn, l->lun);
	char *bs = talloc_asprintf(a->mem, "%s/%s", a->hba, name);
	char *dir = lun_dir(a, l->lun);
	char *linked = lun_backstore(a->mem, dir);
	char *bs_real = realpath(bs, NULL);
	bool ok = lio_exists(bs) && backstore_matches(a, bs, l) && linked != NULL &&
		  bs_real != NULL && strcmp(linked, bs_real) == 0;
	free(bs_real);
	if (ok)
		return;
	if (lio_exists(dir))
		drop_lun(a, l->lun);
	if (lio_exists(bs) && !backstore_matches(a, bs, l))
		drop_backstore(a, name);
	if (!lio_exists(bs) && make_backstore(a, bs, l) != 0)
		return;
	if (fail(a, lio_mkdir(dir), "cannot create", dir) != 0)
		return;
	char *link = talloc_asprintf(a->mem, "%s/%s", dir, name);
	if (symlink(bs, link) != 0)
		fail(a, -errno, "cannot link", link);
}

static const struct iscsi_lun *want_lun(const struct iscsi_target *t, uint32_t lun)
{
	for (size_t i = 0; i < t->n_luns; i++)
		if (t->luns[i].lun == lun)
			return &t->luns[i];
	return NULL;
}

static void apply_luns(struct ap *a)
{
	char *luns = talloc_asprintf(a->mem, "%s/lun", a->tpg);
	size_t n;
	char **names = lio_list_dir(a->mem, luns, &n);
	for (size_t i = 0; i < n; i++) {
		uint32_t lun;
		if (sscanf(names[i], "lun_%" SCNu32, &lun) != 1 || want_lun(a->want, lun) != NULL)
			continue;
		drop_lun(a, lun);
		drop_backstore(a, lio_backstore_name(a->mem, a->want->iqn, lun));
	}
	for (size_t i = 0; i < a->want->n_luns; i++)
		apply_lun(a, &a->want->luns[i]);
}

/* ---- ACLs, CHAP, attributes ---- */

static void apply_auth(struct ap *a, const char *dir)
{
	const struct iscsi_target *w = a->want;
	const struct iscsi_chap_account *in = w->n_chap_in ? &w->chap_in[0] : NULL;
	const struct iscsi_chap_account *out = in ? w->chap_out : NULL;
	/* LIO takes "NULL" for "no value" */
	set_attr(a, dir, "userid", in ? in->user : "NULL");
	set_secret(a, dir, "password", in && in->secret ? in->secret : "NULL");
	set_attr(a, dir, "userid_mutual", out ? out->user : "NULL");
	set_secret(a, dir, "password_mutual", out && out->secret ? out->secret : "NULL");
}

static bool want_acl(const struct iscsi_target *t, const char *iqn)
{
	for (size_t i = 0; i < t->n_acl; i++)
		if (t->acl[i].kind == ISCSI_ACL_IQN && strcasecmp(t->acl[i].value, iqn) == 0)
			return true;
	return false;
}

static void apply_acl(struct ap *a, const char *acls, const char *iqn)
{
	char *acl = talloc_asprintf(a->mem, "%s/%s", acls, iqn);
	if (fail(a, lio_mkdir(acl), "cannot create", acl) != 0)
		return;
	char *auth = talloc_asprintf(a->mem, "%s/auth", acl);
	apply_auth(a, auth);
	const struct iscsi_negotiation *p = &a->want->params;
	if (p->queue_depth)
		set_uint(a, acl, "cmdsn_depth", p->queue_depth);
	if (p->nop_interval) {
		char *attrib = talloc_asprintf(a->mem, "%s/attrib", acl);
		uint32_t iv = p->nop_interval < 3 ? 3 : p->nop_interval > 60 ? 60 : p->nop_interval;
		uint32_t rt = iv * (p->nop_count ? p->nop_count : 1);
		set_uint(a, attrib, "nopin_timeout", iv);
		set_uint(a, attrib, "nopin_response_timeout", rt > 60 ? 60 : rt);
	}
	/* mapped LUNs: exactly the target's, same numbers */
	size_t n;
	char **names = lio_list_dir(a->mem, acl, &n);
	for (size_t i = 0; i < n; i++) {
		uint32_t lun;
		if (sscanf(names[i], "lun_%" SCNu32, &lun) != 1 || want_lun(a->want, lun) != NULL)
			continue;
		char *m = talloc_asprintf(a->mem, "%s/%s", acl, names[i]);
		char *link = talloc_asprintf(a->mem, "%s/mapped", m);
		if (lio_exists(link) && unlink(link) != 0)
			fail(a, -errno, "cannot unmap", link);
		fail(a, lio_rmdir(m), "cannot remove", m);
	}
	for (size_t i = 0; i < a->want->n_luns; i++) {
		const struct iscsi_lun *l = &a->want->luns[i];
		char *m = talloc_asprintf(a->mem, "%s/lun_%" PRIu32, acl, l->lun);
		char *link = talloc_asprintf(a->mem, "%s/mapped", m);
		if (fail(a, lio_mkdir(m), "cannot create", m) != 0)
			continue;
		if (!lio_exists(link) && symlink(lun_dir(a, l->lun), link) != 0)
			fail(a, -errno, "cannot map", link);
		set_attr(a, m, "write_protect", l->read_only ? "1" : "0");
	}
}

static void drop_acl(struct ap *a, const char *acls, const char *iqn)
{
	char *acl = talloc_asprintf(a->mem, "%s/%s", acls, iqn);
	size_t n;
	char **names = lio_list_dir(a->mem, acl, &n);
	for (size_t i = 0; i < n; i++) {
		if (strncmp(names[i], "lun_", 4) != 0)
			continue;
		char *m = talloc_asprintf(a->mem, "%s/%s", acl, names[i]);
		char *link = talloc_asprintf(a->mem, "%s/mapped", m);
		if (lio_exists(link) && unlink(link) != 0)
			fail(a, -errno, "cannot unmap", link);
		fail(a, lio_rmdir(m), "cannot remove", m);
	}
	fail(a, lio_rmdir(acl), "cannot remove", acl);
}

static void apply_acls(struct ap *a)
{
	const struct iscsi_target *w = a->want;
	char *acls = talloc_asprintf(a->mem, "%s/acls", a->tpg);
	size_t n;
	char **names = lio_list_dir(a->mem, acls, &n);
	for (size_t i = 0; i < n; i++)
		if (!want_acl(w, names[i]))
			drop_acl(a, acls, names[i]);
	bool any = false;
	for (size_t i = 0; i < w->n_acl; i++) {
		if (w->acl[i].kind == ISCSI_ACL_IQN)
			apply_acl(a, acls, w->acl[i].value);
		else if (w->acl[i].kind == ISCSI_ACL_ANY)
			any = true;
		else
			log_warn("lio: target %s: LIO has no address-based access control; "
				    "the entry %s grants nothing", w->iqn, w->acl[i].value);
	}
	/* "every initiator": LIO's demo mode (dynamic ACLs), writable, with the
	 * TPG's own CHAP */
	char *attrib = talloc_asprintf(a->mem, "%s/attrib", a->tpg);
	set_attr(a, attrib, "demo_mode_write_protect", "0");
	set_attr(a, attrib, "cache_dynamic_acls", any ? "1" : "0");
	set_attr(a, attrib, "generate_node_acls", any ? "1" : "0");
	char *auth = talloc_asprintf(a->mem, "%s/auth", a->tpg);
	apply_auth(a, auth);
}

static const char *yes_no(enum iscsi_tristate t)
{
	return t == ISCSI_YES ? "Yes" : "No";
}

static void apply_params(struct ap *a)
{
	const struct iscsi_negotiation *p = &a->want->params;
	char *param = talloc_asprintf(a->mem, "%s/param", a->tpg);
	char *attrib = talloc_asprintf(a->mem, "%s/attrib", a->tpg);
	bool chap = a->want->n_chap_in > 0;
	set_attr(a, attrib, "authentication", chap ? "1" : "0");
	/* without CHAP only None: an initiator that offers CHAP,None then logs
	 * in without it, as with tgt (LIO would pick CHAP and fail) */
	set_attr(a, param, "AuthMethod", chap ? "CHAP" : "None");
	if (p->max_recv_data_segment_length)
		set_uint(a, param, "MaxRecvDataSegmentLength", p->max_recv_data_segment_length);
	if (p->first_burst_length)
		set_uint(a, param, "FirstBurstLength", p->first_burst_length);
	if (p->max_burst_length)
		set_uint(a, param, "MaxBurstLength", p->max_burst_length);
	if (p->max_outstanding_r2t)
		set_uint(a, param, "MaxOutstandingR2T", p->max_outstanding_r2t);
	if (p->max_connections)
		set_uint(a, param, "MaxConnections", p->max_connections);
	if (p->queue_depth)
		set_uint(a, attrib, "default_cmdsn_depth", p->queue_depth);
	if (p->initial_r2t != ISCSI_DEFAULT)
		set_attr(a, param, "InitialR2T", yes_no(p->initial_r2t));
	if (p->immediate_data != ISCSI_DEFAULT)
		set_attr(a, param, "ImmediateData", yes_no(p->immediate_data));
	if (p->header_digest != ISCSI_DEFAULT)
		set_attr(a, param, "HeaderDigest",
			 p->header_digest == ISCSI_YES ? "CRC32C,None" : "None");
	if (p->data_digest != ISCSI_DEFAULT)
		set_attr(a, param, "DataDigest",
			 p->data_digest == ISCSI_YES ? "CRC32C,None" : "None");
}

static bool want_portal(const struct iscsi_portal *ps, size_t n, const struct iscsi_portal *p)
{
	for (size_t i = 0; i < n; i++)
		if (ps[i].port == p->port && iscsi_same_address(ps[i].address, p->address))
			return true;
	return false;
}

static void apply_portals(struct ap *a, const struct iscsi_portal *ps, size_t n_ps)
{
	char *np = talloc_asprintf(a->mem, "%s/np", a->tpg);
	size_t n;
	char **names = lio_list_dir(a->mem, np, &n);
	for (size_t i = 0; i < n; i++) {
		struct iscsi_portal p;
		if (lio_np_parse(a->mem, names[i], &p) == 0 && want_portal(ps, n_ps, &p))
			continue;
		char *dir = talloc_asprintf(a->mem, "%s/%s", np, names[i]);
		fail(a, lio_rmdir(dir), "cannot remove portal", dir);
	}
	for (size_t i = 0; i < n_ps; i++) {
		char *dir = talloc_asprintf(a->mem, "%s/%s", np, lio_np_name(a->mem, &ps[i]));
		if (!lio_exists(dir))
			fail(a, lio_mkdir(dir), "cannot listen on", dir);
	}
}

int lio_apply(TALLOC_CTX *mem, const struct lio_ctx *ctx, const struct iscsi_target *want,
	      const struct iscsi_portal *portals, size_t n_portals, char **why)
{
	struct ap a = { .mem = talloc_new(mem), .out_mem = mem, .ctx = ctx, .want = want, .why = why };
	if (a.mem == NULL)
		return -ENOMEM;
	a.wwn = talloc_asprintf(a.mem, "%s/iscsi/%s", ctx->root, want->iqn);
	a.tpg = talloc_asprintf(a.mem, "%s/tpgt_1", a.wwn);
	a.hba = talloc_asprintf(a.mem, "%s/core/%s", ctx->root, ctx->hba);
	int rc = 0;
	if (lio_exists(a.wwn) && !lio_owned(ctx, want->iqn)) {
		*why = talloc_asprintf(mem, "LIO already has target %s, which istmd did not "
					    "create; left alone", want->iqn);
		rc = -EEXIST;
		goto out;
	}
	/* owned before it exists: a crash in between leaves nothing unowned */
	rc = lio_owned_set(ctx, want->iqn, true);
	if (rc != 0) {
		*why = talloc_asprintf(mem, "cannot record %s as istmd's in %s: %s", want->iqn,
				       ctx->owned, strerror(-rc));
		goto out;
	}
	if (fail(&a, lio_mkdir(a.wwn), "cannot create", a.wwn) != 0 ||
	    fail(&a, lio_mkdir(a.tpg), "cannot create", a.tpg) != 0) {
		rc = a.rc;
		goto out;
	}
	if (!want->enabled)
		set_attr(&a, a.tpg, "enable", "0");
	apply_params(&a);
	apply_luns(&a);
	apply_acls(&a);
	apply_portals(&a, want->n_portals ? want->portals : portals,
		      want->n_portals ? want->n_portals : n_portals);
	if (want->enabled)
		set_attr(&a, a.tpg, "enable", "1");
	rc = a.rc;
out:
	talloc_free(a.mem);
	return rc;
}

int lio_remove(TALLOC_CTX *mem, const struct lio_ctx *ctx, const char *iqn, char **why)
{
	struct ap a = { .mem = talloc_new(mem), .out_mem = mem, .ctx = ctx, .why = why };
	if (a.mem == NULL)
		return -ENOMEM;
	struct iscsi_target none = { .iqn = iqn };
	a.want = &none;
	a.wwn = talloc_asprintf(a.mem, "%s/iscsi/%s", ctx->root, iqn);
	a.tpg = talloc_asprintf(a.mem, "%s/tpgt_1", a.wwn);
	a.hba = talloc_asprintf(a.mem, "%s/core/%s", ctx->root, ctx->hba);
	int rc = 0;
	if (!lio_owned(ctx, iqn)) {
		if (lio_exists(a.wwn))
			log_notice("lio: target %s is not istmd's; not removed", iqn);
		goto out;
	}
	if (lio_exists(a.tpg)) {
		lio_write(a.tpg, "enable", "0");
		char *acls = talloc_asprintf(a.mem, "%s/acls", a.tpg);
		size_t n;
		char **names = lio_list_dir(a.mem, acls, &n);
		for (size_t i = 0; i < n; i++)
			drop_acl(&a, acls, names[i]);
		apply_luns(&a); /* no LUN wanted: every LUN and backstore goes */
		apply_portals(&a, NULL, 0);
		fail(&a, lio_rmdir(a.tpg), "cannot remove", a.tpg);
	}
	fail(&a, lio_rmdir(a.wwn), "cannot remove", a.wwn);
	if (a.rc == 0)
		a.rc = lio_owned_set(ctx, iqn, false);
	rc = a.rc;
out:
	talloc_free(a.mem);
	return rc;
}
