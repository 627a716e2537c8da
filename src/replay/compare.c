/* Field-by-field comparison of answers (compare.h). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "replay/compare.h"
#include "replay/dump.h"
#include "replay/idmap.h"
#include "replay/rules.h"

void rp_diff_add(struct rp_diffs *d, unsigned call, const char *method, const char *path,
		 const char *recorded, const char *live)
{
	struct rp_diff *v = talloc_realloc(d->mem, d->v, struct rp_diff, d->n + 1);
	if (v == NULL)
		return;
	d->v = v;
	v[d->n].call = call;
	v[d->n].method = talloc_strdup(d->mem, method);
	v[d->n].path = talloc_strdup(d->mem, path);
	v[d->n].recorded = talloc_strdup(d->mem, recorded);
	v[d->n].live = talloc_strdup(d->mem, live);
	d->n++;
}

static void masked_add(struct rp_diffs *d, unsigned call, const char *method, const char *path,
		       const char *recorded, const char *live)
{
	d->masked++;
	if (!d->show_masked)
		return;
	struct rp_diff *v = talloc_realloc(d->mem, d->hidden, struct rp_diff, d->n_hidden + 1);
	if (v == NULL)
		return;
	d->hidden = v;
	v[d->n_hidden] = (struct rp_diff){ call, talloc_strdup(d->mem, method),
					   talloc_strdup(d->mem, path),
					   talloc_strdup(d->mem, recorded),
					   talloc_strdup(d->mem, live), true };
	d->n_hidden++;
}

/* What depends on the address and ports the server was reached at: string
 * bindings and the sizes of what carries them (docs/replay.md). */
static bool address_dependent(const char *path)
{
	static const char *const suffixes[] = {
		".aStringArray", ".wNumEntries", ".wSecurityOffset", ".ulCntData",
		".u_custom.reserved", ".u_custom.pObjectData",
	};
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t s = strlen(suffixes[i]);
		if (n >= s && strcmp(path + n - s, suffixes[i]) == 0)
			return true;
	}
	return false;
}

static bool masked(const struct rp_rules *rules, const char *method, const char *path)
{
	return (!rules->no_default_masks && address_dependent(path)) ||
	       rp_rules_masked(rules, method, path);
}

static const struct rp_field *find(const struct rp_dump *d, const char *path, size_t *hint)
{
	for (size_t k = 0; k < d->n; k++) {
		size_t i = (*hint + k) % d->n;
		if (strcmp(d->f[i].path, path) == 0) {
			*hint = i + 1;
			return &d->f[i];
		}
	}
	return NULL;
}

/* Equal, or the identifier the recorded value maps to (learning it when the
 * recorded server handed it out first here). */
static bool same(struct rp_idmap *ids, const struct rp_field *rec, const struct rp_field *live,
		 size_t *mapped)
{
	bool id = rp_is_id_field(rec->path, rec->value) && rp_is_id_field(live->path, live->value);
	const char *known = id ? rp_idmap_get(ids, rec->value) : NULL;
	if (known != NULL)
		return strcasecmp(known, live->value) == 0;
	if (strcmp(rec->value, live->value) == 0) {
		if (id && !rp_idmap_is_client(ids, rec->value))
			rp_idmap_put(ids, rec->value, live->value);
		return true;
	}
	if (!id || rp_idmap_is_client(ids, rec->value))
		return false;
	rp_idmap_put(ids, rec->value, live->value);
	(*mapped)++;
	return true;
}

void rp_learn(struct rp_idmap *ids, const struct rp_dump *rec, const struct rp_dump *live)
{
	size_t hint = 0, mapped = 0;
	for (size_t i = 0; i < rec->n; i++) {
		const struct rp_field *l = find(live, rec->f[i].path, &hint);
		if (l != NULL)
			(void)same(ids, &rec->f[i], l, &mapped);
	}
}

void rp_compare(struct rp_diffs *d, struct rp_idmap *ids, const struct rp_rules *rules,
		unsigned call, const char *method, const struct rp_dump *rec,
		const struct rp_dump *live)
{
	size_t hint = 0;
	/* the HRESULT first: when it differs, the rest says nothing more */
	const struct rp_field *rr = find(rec, "out.result", &hint);
	const struct rp_field *lr = find(live, "out.result", &hint);
	if (rr != NULL && lr != NULL && strcmp(rr->value, lr->value) != 0) {
		if (masked(rules, method, "out.result")) {
			masked_add(d, call, method, "out.result", rr->value, lr->value);
		} else {
			rp_diff_add(d, call, method, "out.result", rr->value, lr->value);
			return;
		}
	}
	hint = 0;
	for (size_t i = 0; i < rec->n; i++) {
		const struct rp_field *f = &rec->f[i];
		const struct rp_field *l = find(live, f->path, &hint);
		if (l != NULL && same(ids, f, l, &d->mapped))
			continue;
		if (masked(rules, method, f->path)) {
			masked_add(d, call, method, f->path, f->value, l != NULL ? l->value : "(absent)");
			continue;
		}
		rp_diff_add(d, call, method, f->path, f->value, l != NULL ? l->value : "(absent)");
	}
	hint = 0;
	for (size_t i = 0; i < live->n; i++) {
		if (find(rec, live->f[i].path, &hint) != NULL)
			continue;
		if (masked(rules, method, live->f[i].path)) {
			masked_add(d, call, method, live->f[i].path, "(absent)", live->f[i].value);
			continue;
		}
		rp_diff_add(d, call, method, live->f[i].path, "(absent)", live->f[i].value);
	}
}

void rp_report(const struct rp_diffs *d, size_t calls, size_t replayed, bool json)
{
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < d->n; i++)
			json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:s, s:s}", "call",
							   (int)d->v[i].call, "method", d->v[i].method,
							   "path", d->v[i].path, "recorded",
							   d->v[i].recorded, "live", d->v[i].live));
		json_t *o = json_pack("{s:i, s:i, s:i, s:i, s:b, s:o}", "calls", (int)calls,
				      "replayed", (int)replayed, "masked", (int)d->masked,
				      "identifiers_mapped", (int)d->mapped, "ok", d->n == 0,
				      "differences", a);
		if (o != NULL) {
			json_dumpf(o, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
			json_decref(o);
		}
		return;
	}
	for (size_t i = 0; i < d->n_hidden; i++)
		printf("masked: call %u %s %s: recorded %s, live %s\n", d->hidden[i].call,
		       d->hidden[i].method, d->hidden[i].path, d->hidden[i].recorded,
		       d->hidden[i].live);
	unsigned last = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct rp_diff *x = &d->v[i];
		if (x->call != last)
			printf("call %u %s:\n", x->call, x->method);
		last = x->call;
		printf("  %s\n    recorded: %s\n    live:     %s\n", x->path, x->recorded, x->live);
	}
	printf("%zu of %zu calls replayed, %zu difference%s, %zu masked, %zu identifiers mapped\n",
	       replayed, calls, d->n, d->n == 1 ? "" : "s", d->masked, d->mapped);
}
