/* targets.conf as tgt-admin reads it:
 *
 *   include conf.d/GLOB.conf      # globs; relative to this file
 *   <target iqn.2024-01.com.example:db>
 *       backing-store /srv/db.vhd            # LUN 1, 2... in file order
 *       <backing-store /srv/logs.vhd>
 *           lun 5                            # or an explicit number
 *       </backing-store>
 *       direct-store /dev/sdb                # a device passed through
 *       initiator-address 192.168.1.0/24     # none of these: everyone (ALL)
 *       initiator-name iqn.1993-08.org.debian:01:web
 *       incominguser alice secret12chars     # CHAP
 *       outgoinguser target tgtsecret1234    # mutual CHAP
 *   </target>
 *
 * and tgtadm's listing of a running tgtd (backend/tgt_parse.h reads it). */
#include "ctl/import_tgt.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/tgt_parse.h"
#include "ctl/parse.h"

#define MAX_INCLUDE_DEPTH 8
#define MAX_FILE_SIZE (4u << 20)

struct store {
	const char *path;
	uint32_t lun; /* 0: the next free one */
	bool direct;
	bool read_only;
};

struct conf {
	struct imp_state *s;
	char *err;
	/* The target being read (index: the array moves), -1 outside one. */
	long t;
	struct store *stores;
	size_t n_stores;
	struct store *block; /* inside <backing-store>/<direct-store> */
	bool acl;
	unsigned n_in, n_out;
	const char *where; /* "file:line" of the current line */
};

static struct imp_target *cur(struct conf *k)
{
	return &k->s->targets[k->t];
}

static char *read_file(TALLOC_CTX *mem, const char *path, char **err)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		*err = talloc_asprintf(mem, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *text = talloc_zero_array(mem, char, MAX_FILE_SIZE + 1);
	size_t n = text ? fread(text, 1, MAX_FILE_SIZE + 1, f) : 0;
	bool bad = ferror(f) || n > MAX_FILE_SIZE;
	fclose(f);
	if (text == NULL || bad) {
		*err = talloc_asprintf(mem, "%s: cannot read it (or larger than %u bytes)", path,
				       MAX_FILE_SIZE);
		return NULL;
	}
	return text;
}

static void target_begin(struct conf *k, const char *iqn)
{
	if (k->t >= 0) {
		k->err = talloc_asprintf(k->s, "%s: <target> inside <target>", k->where);
		return;
	}
	if (imp_target_find(k->s, iqn) != NULL) {
		k->err = talloc_asprintf(k->s, "%s: target %s defined twice", k->where, iqn);
		return;
	}
	if (imp_target_add(k->s, iqn) == NULL) {
		k->err = talloc_strdup(k->s, "out of memory");
		return;
	}
	k->t = (long)k->s->n_targets - 1;
	k->n_stores = 0;
	k->acl = false;
	k->n_in = k->n_out = 0;
	if (!ctl_is_iscsi_name(iqn))
		imp_problem(k->s, "target %s (%s): not an iSCSI name", iqn, k->where);
}

/* Numbers the LUNs (explicit ones first, then the rest in file order from
 * 1: tgt's LUN 0 is its controller) and settles the ACL. */
static void target_end(struct conf *k)
{
	struct imp_target *t = cur(k);
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < k->n_stores; i++) {
			struct store *st = &k->stores[i];
			if ((st->lun != 0) != (pass == 0))
				continue;
			if (st->direct) {
				imp_problem(k->s, "LUN of target %s on %s: a raw device passed through "
						  "(direct-store), not a VHD", t->iqn, st->path);
				continue;
			}
			uint32_t lun = st->lun != 0 ? st->lun : imp_free_lun(t, 1);
			if (st->read_only)
				imp_note(k->s, "LUN %u of target %s was read-only in tgt; istmd serves "
					       "it read-write", lun, t->iqn);
			imp_lun_add(t, lun, st->path);
		}
	}
	if (!k->acl) /* tgt-admin binds ALL when no initiator is named */
		imp_initiator_add(t, CTL_ID_IQN, "*");
	k->t = -1;
}

static void add_store(struct conf *k, const char *path, bool direct)
{
	struct store *v = talloc_realloc(k->s, k->stores, struct store, k->n_stores + 1);
	if (v == NULL) {
		k->err = talloc_strdup(k->s, "out of memory");
		return;
	}
	k->stores = v;
	v[k->n_stores] = (struct store){ .path = talloc_strdup(k->s, path), .direct = direct };
	k->block = &v[k->n_stores++];
}

/* initiator-address / initiator-name: one or more values, blank or comma
 * separated. */
static void add_initiators(struct conf *k, char *value, bool by_name)
{
	char *save = NULL;
	for (char *v = strtok_r(value, " \t,", &save); v; v = strtok_r(NULL, " \t,", &save)) {
		k->acl = true;
		uint32_t method = by_name ? CTL_ID_IQN : strchr(v, ':') ? CTL_ID_IPV6 : CTL_ID_IPV4;
		if (!by_name && strcasecmp(v, "ALL") == 0)
			imp_initiator_add(cur(k), CTL_ID_IQN, "*");
		else
			imp_initiator_add(cur(k), method, v);
	}
}

static void add_user(struct conf *k, char *value, bool outgoing)
{
	char *save = NULL;
	char *user = strtok_r(value, " \t", &save), *secret = strtok_r(NULL, " \t", &save);
	struct imp_target *t = cur(k);
	if (user == NULL || secret == NULL) {
		imp_problem(k->s, "%s: %s needs a user and a secret", k->where,
			    outgoing ? "outgoinguser" : "incominguser");
		return;
	}
	unsigned *n = outgoing ? &k->n_out : &k->n_in;
	if ((*n)++ > 0) {
		imp_problem(k->s, "%s account %s of target %s: istmd has one %s account per target; "
				  "the first one is carried over", outgoing ? "outgoing" : "CHAP", user,
			    t->iqn, outgoing ? "mutual CHAP" : "CHAP");
		return;
	}
	struct imp_chap *c = outgoing ? &t->mutual : &t->chap;
	c->user = talloc_strdup(k->s, user);
	c->secret = talloc_strdup(k->s, secret);
}

static int parse_text(struct conf *k, const char *path, char *text, unsigned depth);

static void include(struct conf *k, const char *from, const char *pattern, unsigned depth)
{
	if (depth >= MAX_INCLUDE_DEPTH) {
		k->err = talloc_asprintf(k->s, "%s: includes nested too deep", k->where);
		return;
	}
	char *full = (char *)pattern;
	if (pattern[0] != '/') {
		char *copy = talloc_strdup(k->s, from);
		full = talloc_asprintf(k->s, "%s/%s", dirname(copy), pattern);
	}
	glob_t g;
	int rc = glob(full, 0, NULL, &g);
	if (rc == GLOB_NOMATCH)
		return; /* tgt-admin: an include matching nothing is fine */
	if (rc != 0) {
		k->err = talloc_asprintf(k->s, "%s: include %s: cannot expand it", k->where, pattern);
		return;
	}
	for (size_t i = 0; i < g.gl_pathc && k->err == NULL; i++) {
		char *text = read_file(k->s, g.gl_pathv[i], &k->err);
		if (text != NULL)
			parse_text(k, g.gl_pathv[i], text, depth + 1);
	}
	globfree(&g);
}

static void global_key(struct conf *k, const char *path, const char *key, char *value,
		       unsigned depth)
{
	if (strcmp(key, "include") == 0)
		include(k, path, value, depth);
	else if (strcmp(key, "default-driver") == 0 && strcmp(value, "iscsi") != 0)
		imp_note(k->s, "%s: default-driver %s: istmd imports iSCSI targets only", k->where,
			 value);
	else if (strcmp(key, "default-driver") != 0 && strcmp(key, "ignore-errors") != 0 &&
		 strcmp(key, "control-port") != 0)
		imp_note(k->s, "%s: '%s' is not carried over", k->where, key);
}

static void target_key(struct conf *k, const char *key, char *value)
{
	struct imp_target *t = cur(k);
	if (strcmp(key, "backing-store") == 0) {
		add_store(k, value, false);
		k->block = NULL;
	} else if (strcmp(key, "direct-store") == 0) {
		add_store(k, value, true);
		k->block = NULL;
	} else if (strcmp(key, "initiator-address") == 0) {
		add_initiators(k, value, false);
	} else if (strcmp(key, "initiator-name") == 0) {
		add_initiators(k, value, true);
	} else if (strcmp(key, "incominguser") == 0) {
		add_user(k, value, false);
	} else if (strcmp(key, "outgoinguser") == 0) {
		add_user(k, value, true);
	} else if (strcmp(key, "lun") == 0 && k->block != NULL) {
		uint32_t lun;
		if (ctl_parse_u32(value, 1, 16383, &lun) != 0)
			imp_problem(k->s, "%s: lun %s: tgt's LUNs are 1 to 16383", k->where, value);
		else
			k->block->lun = lun;
	} else if (strcmp(key, "readonly") == 0 && k->block != NULL) {
		k->block->read_only = strcmp(value, "1") == 0 || strcasecmp(value, "yes") == 0;
	} else if (strcmp(key, "driver") == 0 && strcmp(value, "iscsi") != 0) {
		imp_problem(k->s, "target %s: driver %s: istmd serves iSCSI only", t->iqn, value);
	} else if (strcmp(key, "driver") != 0 && strcmp(key, "bs-type") != 0) {
		imp_note(k->s, "%s: '%s' of target %s is not carried over (istmd sets it)", k->where,
			 key, t->iqn);
	}
}

/* One line, comments and blanks already stripped. */
static void parse_line(struct conf *k, const char *path, char *s, unsigned depth)
{
	size_t n = strlen(s);
	if (s[0] == '<') {
		if (s[n - 1] != '>') {
			k->err = talloc_asprintf(k->s, "%s: a tag without '>'", k->where);
			return;
		}
		s[n - 1] = '\0';
		bool closing = s[1] == '/';
		char *tag = s + (closing ? 2 : 1), *arg = tag + strcspn(tag, " \t");
		if (*arg != '\0')
			*arg++ = '\0';
		arg += strspn(arg, " \t");
		for (char *e = arg + strlen(arg); e > arg && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		if (strcmp(tag, "target") == 0 && !closing && arg[0] != '\0')
			target_begin(k, arg);
		else if (strcmp(tag, "target") == 0 && closing && k->t >= 0)
			target_end(k);
		else if ((strcmp(tag, "backing-store") == 0 || strcmp(tag, "direct-store") == 0) &&
			 k->t >= 0 && !closing && arg[0] != '\0')
			add_store(k, arg, tag[0] == 'd');
		else if ((strcmp(tag, "backing-store") == 0 || strcmp(tag, "direct-store") == 0) &&
			 closing)
			k->block = NULL;
		else
			k->err = talloc_asprintf(k->s, "%s: unexpected <%s%s>", k->where,
						 closing ? "/" : "", tag);
		return;
	}
	char *key = s, *value = s + strcspn(s, " \t=");
	if (*value != '\0')
		*value++ = '\0';
	value += strspn(value, " \t=");
	if (k->t >= 0)
		target_key(k, key, value);
	else
		global_key(k, path, key, value, depth);
}

static int parse_text(struct conf *k, const char *path, char *text, unsigned depth)
{
	unsigned lineno = 0;
	for (char *l = text, *next; l != NULL && k->err == NULL; l = next) {
		next = strchr(l, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		char *hash = strchr(l, '#');
		if (hash != NULL)
			*hash = '\0';
		l += strspn(l, " \t\r");
		for (char *e = l + strlen(l); e > l && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		if (l[0] == '\0')
			continue;
		k->where = talloc_asprintf(k->s, "%s:%u", path, lineno);
		parse_line(k, path, l, depth);
	}
	return k->err ? -1 : 0;
}

struct imp_state *imp_tgt_conf_text(TALLOC_CTX *mem, const char *path, const char *text,
				    char **err)
{
	struct conf k = { .s = imp_state_new(mem, path), .t = -1 };
	char *copy = k.s ? talloc_strdup(k.s, text) : NULL;
	if (copy == NULL) {
		*err = talloc_strdup(mem, "out of memory");
		return NULL;
	}
	parse_text(&k, path, copy, 0);
	if (k.err == NULL && k.t >= 0)
		k.err = talloc_asprintf(k.s, "%s: <target %s> is not closed", path, cur(&k)->iqn);
	if (k.err != NULL) {
		*err = talloc_steal(mem, k.err);
		talloc_free(k.s);
		return NULL;
	}
	return k.s;
}

struct imp_state *imp_tgt_conf(TALLOC_CTX *mem, const char *path, char **err)
{
	char *text = read_file(mem, path, err);
	if (text == NULL)
		return NULL;
	struct imp_state *s = imp_tgt_conf_text(mem, path, text, err);
	talloc_free(text);
	return s;
}

/* ---- a running tgtd ---- */

struct imp_state *imp_tgt_live_text(TALLOC_CTX *mem, const char *text, unsigned port,
				    char **err)
{
	struct imp_state *s = imp_state_new(mem, "tgtd");
	if (s != NULL)
		s->source = talloc_asprintf(s, "tgtd on control port %u", port);
	struct tgt_live_target *live = NULL;
	size_t n = 0;
	if (s == NULL || tgt_parse_targets(s, text, &live, &n) < 0) {
		*err = talloc_strdup(mem, "cannot read tgtadm's listing of the targets");
		talloc_free(s);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct tgt_live_target *l = &live[i];
		if (l->driver != NULL && strcmp(l->driver, "iscsi") != 0)
			continue;
		struct imp_target *t = imp_target_add(s, l->iqn);
		if (t == NULL)
			break;
		t->enabled = l->ready;
		for (size_t j = 0; j < l->n_luns; j++)
			imp_lun_add(t, l->luns[j].lun, l->luns[j].path);
		for (size_t j = 0; j < l->n_acl; j++) {
			const char *v = l->acl[j];
			if (strcasecmp(v, "ALL") == 0)
				imp_initiator_add(t, CTL_ID_IQN, "*");
			else if (ctl_is_iscsi_name(v))
				imp_initiator_add(t, CTL_ID_IQN, v);
			else if (v[0] == '[') /* tgt shows IPv6 as "[::1]/128" */
				imp_initiator_add(t, CTL_ID_IPV6,
						  talloc_asprintf(s, "%.*s%s",
								  (int)strcspn(v + 1, "]"), v + 1,
								  v + 1 + strcspn(v + 1, "]") +
									  (strchr(v, ']') ? 1 : 0)));
			else
				imp_initiator_add(t, strchr(v, ':') ? CTL_ID_IPV6 : CTL_ID_IPV4, v);
		}
		/* Secrets stay in tgtd: the user name only (reported by the apply). */
		if (l->n_in_users > 0)
			t->chap.user = talloc_strdup(s, l->in_users[0]);
		for (size_t j = 1; j < l->n_in_users; j++)
			imp_problem(s, "CHAP account %s of target %s: istmd has one CHAP account per "
				       "target; the first one is carried over", l->in_users[j], l->iqn);
		if (l->out_user != NULL)
			t->mutual.user = talloc_strdup(s, l->out_user);
	}
	return s;
}

struct imp_state *imp_tgt_live(TALLOC_CTX *mem, unsigned port, char **err)
{
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "tgtadm -C %u --lld iscsi --mode target --op show", port);
	FILE *p = popen(cmd, "re");
	if (p == NULL) {
		*err = talloc_asprintf(mem, "cannot run tgtadm: %s", strerror(errno));
		return NULL;
	}
	char *text = talloc_zero_array(mem, char, MAX_FILE_SIZE + 1);
	size_t n = text ? fread(text, 1, MAX_FILE_SIZE, p) : 0;
	int status = pclose(p);
	(void)n;
	if (text == NULL || status != 0) {
		talloc_free(text);
		*err = talloc_asprintf(mem, "tgtadm -C %u could not list the targets (is a tgtd "
					    "running with -C %u? tgtadm needs root)", port, port);
		return NULL;
	}
	struct imp_state *s = imp_tgt_live_text(mem, text, port, err);
	talloc_free(text);
	return s;
}
