/* Flattening decoded calls into (path, value) fields (dump.h). The generated
 * ndr_print functions walk every field the IDL declares; a print callback
 * keeps each line with its depth, and the lines become paths: a line
 * followed by deeper ones is a container (struct, pointer, array, union),
 * any other a leaf "name : value". Byte arrays are joined into one hex value;
 * "abData" ones (interface pointers, MS-DCOM 2.2.14) are decoded as OBJREFs
 * and, for activation properties, their BLOB's properties (MS-DCOM 2.2.22),
 * and spliced in below the array's path. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dcom/actprops.h"
#include "idl/ndr_ms_dcom.h"
#include "ndr/idl_interface.h"
#include "replay/dump.h"

struct line {
	unsigned depth;
	char *text;
};

struct lines {
	TALLOC_CTX *mem;
	struct line *v;
	size_t n;
	bool failed;
};

static void collect(struct ndr_print *ndr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void collect(struct ndr_print *ndr, const char *fmt, ...)
{
	struct lines *l = ndr->private_data;
	va_list ap;
	/* libndr's DATA_BLOB hex dumps come in no_newline pieces: the
	 * "DATA_BLOB length=N" line stays, the dump itself is dropped (the
	 * BLOBs that matter, activation properties, are decoded instead) */
	if (l->failed || ndr->no_newline)
		return;
	struct line *v = talloc_realloc(l->mem, l->v, struct line, l->n + 1);
	if (v == NULL) {
		l->failed = true;
		return;
	}
	l->v = v;
	va_start(ap, fmt);
	v[l->n].text = talloc_vasprintf(l->mem, fmt, ap);
	va_end(ap);
	v[l->n].depth = ndr->depth;
	if (v[l->n].text == NULL)
		l->failed = true;
	else
		l->n++;
}

static int add_field(TALLOC_CTX *mem, struct rp_dump *d, const char *path, const char *value)
{
	struct rp_field *f = talloc_realloc(mem, d->f, struct rp_field, d->n + 1);
	if (f == NULL)
		return -ENOMEM;
	d->f = f;
	f[d->n].path = talloc_strdup(mem, path);
	f[d->n].value = talloc_strdup(mem, value);
	if (f[d->n].path == NULL || f[d->n].value == NULL)
		return -ENOMEM;
	d->n++;
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = 0;
	return s;
}

/* Splits "name   : value" / "name: struct X" into name and value. */
static void split(char *text, char **name, char **value)
{
	char *colon = strstr(text, ": ");
	if (colon == NULL) {
		size_t n = strlen(text);
		if (n > 0 && text[n - 1] == ':')
			text[n - 1] = 0;
		*name = trim(text);
		*value = text + strlen(text);
		return;
	}
	*colon = 0;
	*name = trim(text);
	*value = trim(colon + 2);
}

static int flatten_into(TALLOC_CTX *mem, const char *prefix, struct lines *l, struct rp_dump *d);

/* abData: an OBJREF; for an OBJREF_CUSTOM carrying activation properties,
 * their decoded contents too. */
static int expand_objref(TALLOC_CTX *mem, const char *path, const uint8_t *data, size_t len,
			 struct rp_dump *d)
{
	DATA_BLOB b = { (uint8_t *)data, len };
	TALLOC_CTX *tmp = talloc_new(mem);
	struct OBJREF o;
	int rc = 0;
	struct ndr_pull *pull = ndr_pull_init_blob(&b, tmp);
	if (pull == NULL || ndr_pull_OBJREF(pull, NDR_SCALARS | NDR_BUFFERS, &o) != NDR_ERR_SUCCESS) {
		talloc_free(tmp);
		return 1; /* not an OBJREF: keep the bytes */
	}
	struct lines l = { .mem = tmp };
	struct ndr_print pr = { .print = collect, .private_data = &l };
	ndr_print_OBJREF(&pr, "objref", &o);
	char *p = talloc_asprintf(tmp, "%s.objref", path);
	/* flatten_into starts paths at the top line's name: give it ours */
	rc = l.failed || p == NULL ? -ENOMEM : flatten_into(mem, path, &l, d);
	if (rc == 0 && o.flags == OBJREF_FLAG_CUSTOM) {
		DATA_BLOB blob = o.u_objref.u_custom.pObjectData;
		struct dcom_actprops props;
		const char *why;
		if (dcom_actprops_split(&blob, &props, &why) == 0) {
			static const struct {
				const struct GUID *clsid;
				size_t size;
				ndr_pull_flags_fn_t pull;
				ndr_print_fn_t print;
				const char *name;
			} kinds[] = {
#define K(c, t) { &dcom_CLSID_##c, sizeof(struct t), (ndr_pull_flags_fn_t)ndr_pull_##t, \
		  (ndr_print_fn_t)ndr_print_##t, #c }
				K(ScmReplyInfo, ScmReplyInfoData),
				K(PropsOutInfo, PropsOutInfo),
				K(ScmRequestInfo, ScmRequestInfoData),
				K(InstantiationInfo, InstantiationInfoData),
				K(ActivationContextInfo, ActivationContextInfoData),
				K(SecurityInfo, SecurityInfoData),
				K(ServerLocationInfo, LocationInfoData),
				K(InstanceInfo, InstanceInfoData),
				K(SpecialSystemProperties, SpecialPropertiesData),
#undef K
			};
			for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && rc == 0; k++) {
				void *v = talloc_zero_size(tmp, kinds[k].size);
				if (v == NULL ||
				    dcom_actprops_get(&props, kinds[k].clsid, tmp, kinds[k].pull, v) != 0)
					continue;
				struct lines l2 = { .mem = tmp };
				struct ndr_print pr2 = { .print = collect, .private_data = &l2 };
				kinds[k].print(&pr2, kinds[k].name, v);
				rc = l2.failed ? -ENOMEM : flatten_into(mem, path, &l2, d);
			}
		}
	}
	talloc_free(tmp);
	return rc;
}

static bool byte_value(const char *value, uint8_t *out)
{
	unsigned v;
	if (sscanf(value, "0x%2x", &v) != 1)
		return false;
	*out = (uint8_t)v;
	return true;
}

/* DUALSTRINGARRAY.aStringArray (MS-DCOM 2.2.19.1) as text: each string
 * binding "towerid:text", a blank between them, "|" before the security
 * bindings. The element lines are "[k] : 0x0031 (49)". */
static int string_array(TALLOC_CTX *mem, struct rp_dump *d, const char *path, struct lines *l,
			size_t i, size_t *end)
{
	char *text = talloc_strdup(mem, "");
	bool start = true;
	unsigned zeros = 0;
	size_t j;
	for (j = i + 1; j < l->n && l->v[j].depth > l->v[i].depth && text != NULL; j++) {
		const char *v = strstr(l->v[j].text, ": ");
		unsigned x;
		if (v == NULL || sscanf(v + 2, "0x%x", &x) != 1)
			continue;
		if (x == 0) {
			if (++zeros == 2)
				text = talloc_asprintf_append(text, " |");
			start = true;
			continue;
		}
		zeros = 0;
		if (start)
			text = talloc_asprintf_append(text, " %u:", x);
		else if (x >= 0x20 && x < 0x7f)
			text = talloc_asprintf_append(text, "%c", (char)x);
		else
			text = talloc_asprintf_append(text, "\\u%04x", x);
		start = false;
	}
	*end = j;
	if (text == NULL)
		return -ENOMEM;
	return add_field(mem, d, path, text[0] == ' ' ? text + 1 : text);
}

#define MAX_DEPTH 64

static int flatten_into(TALLOC_CTX *mem, const char *prefix, struct lines *l, struct rp_dump *d)
{
	const char *stack[MAX_DEPTH];
	unsigned base = l->n > 0 ? l->v[0].depth : 0;
	int rc = 0;
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		unsigned depth = l->v[i].depth - base;
		if (l->v[i].depth < base || depth >= MAX_DEPTH)
			continue;
		char *name, *value;
		split(l->v[i].text, &name, &value);
		/* the path: the containers above, without a pointer's repeated name */
		char *path = talloc_strdup(mem, prefix != NULL ? prefix : "");
		for (unsigned k = 0; k < depth && path != NULL; k++) {
			if (k > 0 && strcmp(stack[k], stack[k - 1]) == 0)
				continue;
			path = talloc_asprintf_append(path, "%s%s", path[0] == 0 || stack[k][0] == '[' ? "" : ".",
						      stack[k]);
		}
		if (path == NULL)
			return -ENOMEM;
		if (!(depth > 0 && strcmp(name, stack[depth - 1]) == 0))
			path = talloc_asprintf_append(path, "%s%s", path[0] == 0 || name[0] == '[' ? "" : ".",
						      name);
		if (path == NULL)
			return -ENOMEM;
		bool container = i + 1 < l->n && l->v[i + 1].depth > l->v[i].depth;
		if (!container) {
			rc = add_field(mem, d, path, value);
			continue;
		}
		stack[depth] = name;
		if (strncmp(value, "ARRAY(", 6) == 0) {
			/* a byte array: all children "[k] : 0x.. (n)" leaves */
			size_t count = 0, j = i + 1;
			uint8_t *bytes = talloc_size(mem, l->n);
			bool all_bytes = bytes != NULL;
			for (; j < l->n && l->v[j].depth > l->v[i].depth; j++) {
				char *n2, *v2;
				char *copy = talloc_strdup(mem, l->v[j].text);
				if (copy == NULL || l->v[j].depth != l->v[i].depth + 1) {
					all_bytes = false;
					break;
				}
				split(copy, &n2, &v2);
				if (n2[0] != '[' || strstr(v2, "(") == NULL || strlen(v2) > 12 ||
				    !byte_value(v2, &bytes[count])) {
					all_bytes = false;
					break;
				}
				count++;
			}
			if (!all_bytes && strcmp(name, "aStringArray") == 0) {
				rc = string_array(mem, d, path, l, i, &j);
				if (rc == 0)
					i = j - 1;
				continue;
			}
			if (all_bytes && count > 0) {
				char *hex = talloc_strdup(mem, "");
				for (size_t k = 0; k < count && hex != NULL; k++)
					hex = talloc_asprintf_append(hex, "%02x", bytes[k]);
				if (hex == NULL)
					return -ENOMEM;
				int er = 1;
				size_t nlen = strlen(name);
				if (nlen >= 6 && strcmp(name + nlen - 6, "abData") == 0)
					er = expand_objref(mem, path, bytes, count, d);
				if (er < 0)
					return er;
				if (er > 0)
					rc = add_field(mem, d, path, hex);
				i = j - 1;
			}
		}
	}
	return rc;
}

int rp_dump_call(TALLOC_CTX *mem_ctx, const struct idl_interface *iface, uint32_t opnum,
		 int flags, const void *r, struct rp_dump *out)
{
	TALLOC_CTX *tmp = talloc_new(mem_ctx);
	struct lines l = { .mem = tmp };
	struct ndr_print pr = { .print = collect, .private_data = &l };
	out->f = NULL;
	out->n = 0;
	if (tmp == NULL)
		return -ENOMEM;
	iface->table->calls[opnum].ndr_print(&pr, iface->table->calls[opnum].name, flags, r);
	/* skip the function's own line and the "in"/"out" line: paths start
	 * at "in." / "out." */
	size_t skip = 0;
	while (skip < l.n && strncmp(trim(l.v[skip].text), flags & NDR_IN ? "in" : "out", flags & NDR_IN ? 2 : 3) != 0)
		skip++;
	struct lines sub = { .mem = tmp, .v = l.v + skip, .n = l.n - skip };
	int rc = l.failed ? -ENOMEM : flatten_into(mem_ctx, NULL, &sub, out);
	talloc_free(tmp);
	return rc;
}

int rp_decode(TALLOC_CTX *mem_ctx, const struct idl_interface *iface, uint32_t opnum,
	      const DATA_BLOB *request, const DATA_BLOB *response, void **r_out, const char **why)
{
	const struct ndr_interface_call *c = &iface->table->calls[opnum];
	if (opnum >= iface->table->num_calls || c->ndr_pull == NULL) {
		*why = "no NDR for this opnum";
		return -EINVAL;
	}
	void *r = talloc_zero_size(mem_ctx, c->struct_size);
	if (r == NULL) {
		*why = "out of memory";
		return -ENOMEM;
	}
	struct ndr_pull *pull = ndr_pull_init_blob(request, r);
	if (pull == NULL || c->ndr_pull(pull, NDR_IN, r) != NDR_ERR_SUCCESS) {
		*why = "the request stub does not decode";
		talloc_free(r);
		return -EINVAL;
	}
	if (response != NULL) {
		pull = ndr_pull_init_blob(response, r);
		if (pull == NULL || c->ndr_pull(pull, NDR_OUT, r) != NDR_ERR_SUCCESS) {
			*why = "the response stub does not decode";
			talloc_free(r);
			return -EINVAL;
		}
	}
	if (r_out != NULL)
		*r_out = r;
	else
		talloc_free(r);
	return 0;
}
