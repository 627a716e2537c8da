#include "ctl/import_model.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "backend/iscsi_backend.h"
#include "ctl/parse.h"

#define CONFIG_FORMAT "istmd-config"
#define CONFIG_VERSION 1

struct imp_state *imp_state_new(TALLOC_CTX *mem, const char *source)
{
	struct imp_state *s = talloc_zero(mem, struct imp_state);
	if (s != NULL)
		s->source = talloc_strdup(s, source);
	return s;
}

char *imp_target_name(TALLOC_CTX *mem, const char *iqn)
{
	return iscsi_target_name_from_iqn(mem, iqn);
}

struct imp_target *imp_target_add(struct imp_state *s, const char *iqn)
{
	struct imp_target *v = talloc_realloc(s, s->targets, struct imp_target, s->n_targets + 1);
	if (v == NULL)
		return NULL;
	s->targets = v;
	struct imp_target *t = &v[s->n_targets];
	*t = (struct imp_target){ .iqn = talloc_strdup(s, iqn), .enabled = true,
				  .name = imp_target_name(s, iqn) };
	if (t->iqn == NULL || t->name == NULL)
		return NULL;
	/* Two IQNs ending alike: the later is named by its whole IQN. */
	for (size_t i = 0; i < s->n_targets; i++) {
		if (strcasecmp(v[i].name, t->name) == 0)
			t->name = t->iqn;
	}
	s->n_targets++;
	return t;
}

struct imp_target *imp_target_find(struct imp_state *s, const char *iqn)
{
	for (size_t i = 0; i < s->n_targets; i++) {
		if (strcasecmp(s->targets[i].iqn, iqn) == 0)
			return &s->targets[i];
	}
	return NULL;
}

/* Array members of targets live on the state (talloc_parent of the array
 * is not the target: targets are realloc'd). */
static TALLOC_CTX *owner(const void *array)
{
	return talloc_parent(array);
}

int imp_lun_add(struct imp_target *t, uint32_t lun, const char *path)
{
	TALLOC_CTX *mem = t->luns ? owner(t->luns) : owner(t->iqn);
	struct imp_lun *v = talloc_realloc(mem, t->luns, struct imp_lun, t->n_luns + 1);
	if (v == NULL)
		return -1;
	t->luns = v;
	v[t->n_luns] = (struct imp_lun){ lun, talloc_strdup(mem, path) };
	t->n_luns++;
	return 0;
}

int imp_initiator_add(struct imp_target *t, uint32_t method, const char *value)
{
	for (size_t i = 0; i < t->n_initiators; i++) {
		if (t->initiators[i].method == method && strcasecmp(t->initiators[i].value, value) == 0)
			return 0;
	}
	TALLOC_CTX *mem = t->initiators ? owner(t->initiators) : owner(t->iqn);
	struct imp_initiator *v =
		talloc_realloc(mem, t->initiators, struct imp_initiator, t->n_initiators + 1);
	if (v == NULL)
		return -1;
	t->initiators = v;
	v[t->n_initiators] = (struct imp_initiator){ method, talloc_strdup(mem, value) };
	t->n_initiators++;
	return 0;
}

int imp_disk_add(struct imp_state *s, const char *path, const char *description)
{
	for (size_t i = 0; i < s->n_disks; i++) {
		if (strcmp(s->disks[i].path, path) == 0)
			return 0;
	}
	struct imp_disk *v = talloc_realloc(s, s->disks, struct imp_disk, s->n_disks + 1);
	if (v == NULL)
		return -1;
	s->disks = v;
	v[s->n_disks++] = (struct imp_disk){ talloc_strdup(s, path),
					     description ? talloc_strdup(s, description) : NULL };
	return 0;
}

static void add_line(struct imp_state *s, char ***list, size_t *n, const char *fmt, va_list ap)
{
	char *line = talloc_vasprintf(s, fmt, ap);
	char **v = line ? talloc_realloc(s, *list, char *, *n + 1) : NULL;
	if (v == NULL)
		return;
	*list = v;
	v[(*n)++] = line;
}

void imp_problem(struct imp_state *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_line(s, &s->problems, &s->n_problems, fmt, ap);
	va_end(ap);
}

void imp_note(struct imp_state *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_line(s, &s->notes, &s->n_notes, fmt, ap);
	va_end(ap);
}

uint32_t imp_free_lun(const struct imp_target *t, uint32_t min)
{
	for (uint32_t lun = min;; lun++) {
		bool used = false;
		for (size_t i = 0; i < t->n_luns && !used; i++)
			used = t->luns[i].lun == lun;
		if (!used)
			return lun;
	}
}

/* ---- the config document ---- */

static json_t *chap_json(const struct imp_chap *c)
{
	if (c->user == NULL)
		return json_null();
	return json_pack("{s:s, s:s*}", "user", c->user, "secret", c->secret);
}

static json_t *target_json(const struct imp_target *t)
{
	json_t *luns = json_array(), *ids = json_array();
	for (size_t i = 0; i < t->n_luns; i++)
		json_array_append_new(luns, json_pack("{s:I, s:s}", "lun", (json_int_t)t->luns[i].lun,
						      "path", t->luns[i].path));
	for (size_t i = 0; i < t->n_initiators; i++)
		json_array_append_new(ids, json_pack("{s:s, s:s}", "method",
						     ctl_id_method_name(t->initiators[i].method),
						     "value", t->initiators[i].value));
	json_t *params = json_pack("{s:I, s:I, s:I, s:I, s:b}",
				   "max_recv_data_segment_length",
				   (json_int_t)t->params.max_recv_data_segment_length,
				   "first_burst_length", (json_int_t)t->params.first_burst_length,
				   "max_burst_length", (json_int_t)t->params.max_burst_length,
				   "num_recv_buffers", (json_int_t)t->params.num_recv_buffers,
				   "enforce_idle_timeout_detection", t->params.enforce_idle_timeout);
	return json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o}", "name", t->name, "iqn",
			 t->iqn, "description", t->description ? t->description : "", "enabled",
			 t->enabled, "initiators", ids, "luns", luns, "chap", chap_json(&t->chap),
			 "mutual_chap", chap_json(&t->mutual), "parameters", params);
}

json_t *imp_state_to_json(const struct imp_state *s)
{
	json_t *disks = json_array(), *targets = json_array();
	for (size_t i = 0; i < s->n_disks; i++)
		json_array_append_new(disks, json_pack("{s:s, s:s}", "path", s->disks[i].path,
						       "description", s->disks[i].description
									? s->disks[i].description : ""));
	for (size_t i = 0; i < s->n_targets; i++)
		json_array_append_new(targets, target_json(&s->targets[i]));
	return json_pack("{s:s, s:i, s:o, s:o}", "format", CONFIG_FORMAT, "version",
			 CONFIG_VERSION, "disks", disks, "targets", targets);
}

static bool read_chap(TALLOC_CTX *mem, json_t *j, struct imp_chap *c)
{
	const char *user = NULL, *secret = NULL;
	if (j == NULL || json_is_null(j))
		return true;
	if (json_unpack(j, "{s:s, s?s}", "user", &user, "secret", &secret) != 0)
		return false;
	c->user = talloc_strdup(mem, user);
	c->secret = secret ? talloc_strdup(mem, secret) : NULL;
	return true;
}

static bool method_of(const char *name, uint32_t *method)
{
	for (uint32_t m = 0; m <= CTL_ID_IPV6; m++) {
		if (strcmp(ctl_id_method_name(m), name) == 0) {
			*method = m;
			return true;
		}
	}
	return false;
}

static const char *read_target(struct imp_state *s, json_t *j)
{
	const char *name, *iqn, *description = NULL;
	int enabled = 1;
	json_t *ids = NULL, *luns = NULL, *chap = NULL, *mutual = NULL, *params = NULL;
	if (json_unpack(j, "{s:s, s:s, s?s, s?b, s?o, s?o, s?o, s?o, s?o}", "name", &name, "iqn",
			&iqn, "description", &description, "enabled", &enabled, "initiators", &ids,
			"luns", &luns, "chap", &chap, "mutual_chap", &mutual, "parameters",
			&params) != 0)
		return "a target needs \"name\" and \"iqn\" strings";
	struct imp_target *t = imp_target_add(s, iqn);
	if (t == NULL)
		return "out of memory";
	t->name = talloc_strdup(s, name);
	t->description = description ? talloc_strdup(s, description) : NULL;
	t->enabled = enabled;
	size_t i;
	json_t *e;
	json_array_foreach(ids, i, e) {
		const char *m = NULL, *v = NULL;
		uint32_t method;
		if (json_unpack(e, "{s:s, s:s}", "method", &m, "value", &v) != 0 ||
		    !method_of(m, &method))
			return "an initiator needs \"method\" (iqn, ip, ipv6, dns, mac, netbios) "
			       "and \"value\"";
		imp_initiator_add(t, method, v);
	}
	json_array_foreach(luns, i, e) {
		json_int_t lun;
		const char *path;
		if (json_unpack(e, "{s:I, s:s}", "lun", &lun, "path", &path) != 0 || lun < 0 ||
		    lun > UINT32_MAX)
			return "a LUN needs \"lun\" (a number) and \"path\"";
		imp_lun_add(t, (uint32_t)lun, path);
	}
	if (!read_chap(s, chap, &t->chap) || !read_chap(s, mutual, &t->mutual))
		return "\"chap\" and \"mutual_chap\" are null or {\"user\": ..., \"secret\": ...}";
	if (params != NULL) {
		json_int_t mrdsl = 0, fbl = 0, mbl = 0, nrb = 0;
		int idle = -1;
		if (json_unpack(params, "{s?I, s?I, s?I, s?I, s?b}", "max_recv_data_segment_length",
				&mrdsl, "first_burst_length", &fbl, "max_burst_length", &mbl,
				"num_recv_buffers", &nrb, "enforce_idle_timeout_detection",
				&idle) != 0)
			return "bad \"parameters\"";
		t->params = (struct imp_params){ (uint32_t)mrdsl, (uint32_t)fbl, (uint32_t)mbl,
						 (uint32_t)nrb, idle >= 0, idle > 0 };
	}
	return NULL;
}

struct imp_state *imp_state_from_json(TALLOC_CTX *mem, json_t *doc, char **err)
{
	const char *format = NULL;
	int version = 0;
	json_t *disks = NULL, *targets = NULL;
	if (json_unpack(doc, "{s:s, s:i, s?o, s?o}", "format", &format, "version", &version,
			"disks", &disks, "targets", &targets) != 0 ||
	    strcmp(format, CONFIG_FORMAT) != 0) {
		*err = talloc_strdup(mem, "not an istmctl config export (no \"format\": \""
				     CONFIG_FORMAT "\")");
		return NULL;
	}
	if (version != CONFIG_VERSION) {
		*err = talloc_asprintf(mem, "version %d of the format is not known here (%d is)",
				       version, CONFIG_VERSION);
		return NULL;
	}
	struct imp_state *s = imp_state_new(mem, "the configuration file");
	size_t i;
	json_t *e;
	json_array_foreach(disks, i, e) {
		const char *path = NULL, *description = NULL;
		if (json_unpack(e, "{s:s, s?s}", "path", &path, "description", &description) != 0) {
			*err = talloc_asprintf(mem, "disks[%zu]: a disk needs a \"path\"", i);
			talloc_free(s);
			return NULL;
		}
		imp_disk_add(s, path, description);
	}
	json_array_foreach(targets, i, e) {
		const char *why = read_target(s, e);
		if (why != NULL) {
			*err = talloc_asprintf(mem, "targets[%zu]: %s", i, why);
			talloc_free(s);
			return NULL;
		}
	}
	return s;
}
