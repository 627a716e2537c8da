/* Parent locator resolution within the storage roots (vhd_parent.h). */
#include "backend/vhd_parent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/vhd_format.h"

char *vhd_parent_join(TALLOC_CTX *mem, const char *child_rel, const char *rel)
{
	if (rel == NULL || rel[0] == '\0' || rel[0] == '\\' || rel[0] == '/' ||
	    (rel[0] != '\0' && rel[1] == ':'))
		return NULL; /* absolute, or a drive-relative spelling */
	/* Components: the child's directory, then REL's. */
	const char *slash = strrchr(child_rel, '/');
	char *out = talloc_strndup(mem, child_rel, slash != NULL ? (size_t)(slash - child_rel) : 0);
	if (out == NULL)
		return NULL;
	const char *p = rel;
	while (*p != '\0') {
		size_t n = strcspn(p, "\\/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* empty or "." */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (out[0] == '\0') {
				talloc_free(out);
				return NULL; /* above the root */
			}
			char *s = strrchr(out, '/');
			if (s != NULL)
				*s = '\0';
			else
				out[0] = '\0';
		} else {
			out = talloc_asprintf_append(out, "%s%.*s", out[0] != '\0' ? "/" : "", (int)n, p);
			if (out == NULL)
				return NULL;
		}
		p += n;
		if (*p != '\0')
			p++;
	}
	if (out[0] == '\0') {
		talloc_free(out);
		return NULL;
	}
	return out;
}

int vhd_parent_resolver_init(TALLOC_CTX *mem, struct vhd_parent_resolver *r,
			     const struct storage_paths *sp, const char *top)
{
	struct storage_path *p;
	memset(r, 0, sizeof(*r));
	r->sp = sp;
	int rc = storage_path_parse(mem, sp, top, &p);
	if (rc < 0)
		return rc;
	r->paths[0] = talloc_strdup(mem, p->posix);
	r->count = 1;
	talloc_free(p);
	return r->paths[0] != NULL ? 0 : -ENOMEM;
}

/* Opens CANDIDATE (any accepted spelling) read-only; sets *POSIX. */
static int try_open(TALLOC_CTX *mem, const struct storage_paths *sp, const char *candidate,
		    char **posix)
{
	struct storage_path *p;
	int rc = storage_path_parse(mem, sp, candidate, &p);
	if (rc < 0)
		return rc;
	int fd = storage_path_open(p, O_RDONLY);
	if (fd >= 0)
		*posix = talloc_steal(mem, p->posix);
	talloc_free(p);
	return fd;
}

int vhd_parent_open(void *arg, const struct vhd_info *child, unsigned depth, char *reason)
{
	struct vhd_parent_resolver *r = arg;
	if (depth == 0 || depth >= sizeof(r->paths) / sizeof(r->paths[0]) || depth > r->count)
		return vhd_fail(reason, -ELOOP, "parent chain too deep");
	const char *child_posix = r->paths[depth - 1];
	struct storage_path *cp;
	int rc = storage_path_parse(r, r->sp, child_posix, &cp);
	if (rc < 0)
		return vhd_fail(reason, rc, "child path %s: %s", child_posix, strerror(-rc));

	const char *cands[3] = { NULL, NULL, NULL };
	char *rel = NULL, *by_name = NULL;
	if (child->parent_relative_path != NULL &&
	    (rel = vhd_parent_join(cp, cp->rel, child->parent_relative_path)) != NULL)
		cands[0] = talloc_asprintf(cp, "%s/%s", cp->root->path, rel);
	cands[1] = child->parent_absolute_path;
	if (child->parent_name != NULL && child->parent_name[0] != '\0' &&
	    strpbrk(child->parent_name, "\\/") == NULL &&
	    (by_name = vhd_parent_join(cp, cp->rel, child->parent_name)) != NULL)
		cands[2] = talloc_asprintf(cp, "%s/%s", cp->root->path, by_name);

	int last = -ENOENT;
	for (unsigned i = 0; i < 3; i++) {
		if (cands[i] == NULL)
			continue;
		char *posix = NULL;
		int fd = try_open(r, r->sp, cands[i], &posix);
		if (fd >= 0) {
			if (strcmp(posix, child_posix) == 0) { /* a disk cannot be its own parent */
				close(fd);
				last = -ELOOP;
				continue;
			}
			talloc_free(r->paths[depth]);
			r->paths[depth] = posix;
			r->count = depth + 1;
			talloc_free(cp);
			return fd;
		}
		last = fd;
	}
	vhd_fail(reason, last, "cannot find the parent %s (relative %s, absolute %s) within the "
		 "storage roots: %s", child->parent_name ? child->parent_name : "?",
		 child->parent_relative_path ? child->parent_relative_path : "-",
		 child->parent_absolute_path ? child->parent_absolute_path : "-", strerror(-last));
	talloc_free(cp);
	return last;
}
