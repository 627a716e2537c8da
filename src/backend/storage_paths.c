/* Storage roots, drive letters and the path grammar (docs/paths.md). */
#include "backend/storage_paths.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend/storage_volume.h"

/* ---- loading the roots ----------------------------------------------------- */

static int storage_paths_destructor(struct storage_paths *sp)
{
	for (size_t i = 0; sp->roots != NULL && i < talloc_array_length(sp->roots); i++)
		if (sp->roots[i].dirfd >= 0)
			close(sp->roots[i].dirfd);
	return 0;
}

static char *read_small_file(TALLOC_CTX *mem, const char *path)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	char *buf = talloc_size(mem, 1 << 20);
	size_t n = buf != NULL ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (buf != NULL)
		buf[n] = '\0';
	return buf;
}

/* Lexical clean-up of a configured path: no duplicate or trailing slashes. */
static char *clean_posix(TALLOC_CTX *mem, const char *in)
{
	char *out = talloc_strdup(mem, "");
	const char *p = in;
	while (out != NULL && *p != '\0') {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n > 0)
			out = talloc_asprintf_append(out, "/%.*s", (int)n, p);
		p += n;
	}
	if (out != NULL && out[0] == '\0')
		out = talloc_strdup_append(out, "/");
	return out;
}

static int fail(TALLOC_CTX *mem, char **err, int r, const char *fmt, const char *arg)
{
	if (err != NULL)
		*err = talloc_asprintf(mem, fmt, arg);
	return r;
}

/* Finds the root index whose canonical path is PATH (resolved), or -1. */
static int root_index_of(const struct storage_paths *sp, const char *path)
{
	char *real = realpath(path, NULL);
	int idx = -1;
	for (size_t i = 0; real != NULL && i < sp->count; i++)
		if (strcmp(sp->roots[i].path, real) == 0)
			idx = (int)i;
	free(real);
	return idx;
}

static int assign_letters(struct storage_paths *sp, const char *const *letters, TALLOC_CTX *mem,
			  char **err)
{
	for (size_t i = 0; letters != NULL && letters[i] != NULL; i++) {
		const char *e = letters[i];
		if (!isalpha((unsigned char)e[0]) || e[1] != '=' || e[2] == '\0')
			return fail(mem, err, -EINVAL, "drive_letters: \"%s\" is not LETTER=PATH", e);
		char letter = (char)toupper((unsigned char)e[0]);
		int idx = root_index_of(sp, e + 2);
		if (idx < 0)
			return fail(mem, err, -EINVAL, "drive_letters: %s is not one of the roots", e + 2);
		for (size_t j = 0; j < sp->count; j++)
			if (sp->roots[j].letter == letter && (int)j != idx)
				return fail(mem, err, -EINVAL, "drive_letters: letter in \"%s\" used twice", e);
		if (sp->roots[idx].letter != 0 && sp->roots[idx].letter != letter)
			return fail(mem, err, -EINVAL, "drive_letters: root %s has two letters", e + 2);
		sp->roots[idx].letter = letter;
	}
	/* The rest: the first free letters from D:, in roots order. */
	char next = 'D';
	for (size_t i = 0; i < sp->count; i++) {
		if (sp->roots[i].letter != 0)
			continue;
		while (next <= 'Z' && storage_root_by_letter(sp, next) != NULL)
			next++;
		if (next > 'Z')
			return fail(mem, err, -EINVAL, "roots: no drive letter left for %s", sp->roots[i].path);
		sp->roots[i].letter = next++;
	}
	for (size_t i = 0; i < sp->count; i++) {
		struct storage_root *r = &sp->roots[i];
		snprintf(r->drive, sizeof(r->drive), "%c:\\", r->letter);
		r->volume_name = talloc_asprintf(sp, "\\\\?\\Volume%s\\", r->volume_guid);
		if (r->volume_name == NULL)
			return -ENOMEM;
	}
	return 0;
}

int storage_paths_new(TALLOC_CTX *mem, const char *const *roots, const char *const *letters,
		      struct storage_paths **out, char **err)
{
	struct storage_paths *sp = talloc_zero(mem, struct storage_paths);
	size_t n = 0;
	int r;

	if (sp == NULL)
		return -ENOMEM;
	while (roots != NULL && roots[n] != NULL)
		n++;
	if (n == 0) {
		talloc_free(sp);
		return fail(mem, err, -EINVAL, "roots: %s", "no storage root configured");
	}
	sp->roots = talloc_zero_array(sp, struct storage_root, n);
	if (sp->roots == NULL) {
		talloc_free(sp);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		sp->roots[i].dirfd = -1;
	talloc_set_destructor(sp, storage_paths_destructor);
	char *machine_id = read_small_file(sp, "/etc/machine-id");
	if (machine_id != NULL)
		machine_id[strcspn(machine_id, "\n")] = '\0';
	char *mountinfo = read_small_file(sp, "/proc/self/mountinfo");

	for (size_t i = 0; i < n; i++) {
		struct storage_root *root = &sp->roots[i];
		if (roots[i][0] != '/') {
			r = fail(mem, err, -EINVAL, "roots: %s is not an absolute path", roots[i]);
			goto fail;
		}
		char *real = realpath(roots[i], NULL);
		if (real == NULL) {
			r = -errno;
			fail(mem, err, r, "roots: %s: cannot resolve it", roots[i]);
			goto fail;
		}
		root->path = talloc_strdup(sp, real);
		free(real);
		root->configured = clean_posix(sp, roots[i]);
		if (root->path == NULL || root->configured == NULL) {
			r = -ENOMEM;
			goto fail;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(sp->roots[j].path, root->path) == 0) {
				r = fail(mem, err, -EINVAL, "roots: %s is listed twice", root->path);
				goto fail;
			}
		root->dirfd = open(root->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root->dirfd < 0) {
			r = -errno;
			fail(mem, err, r, "roots: %s: cannot open the directory", root->path);
			goto fail;
		}
		r = storage_volume_identify(root, mountinfo, machine_id);
		if (r < 0) {
			fail(mem, err, r, "roots: %s: cannot identify its file system", root->path);
			goto fail;
		}
	}
	sp->count = n;
	r = assign_letters(sp, letters, mem, err);
	if (r < 0)
		goto fail;
	talloc_free(mountinfo);
	talloc_free(machine_id);
	*out = sp;
	return 0;
fail:
	talloc_free(sp);
	return r;
}

int storage_paths_from_config(TALLOC_CTX *mem, struct cfg *cfg, struct storage_paths **out,
			      char **err)
{
	char **roots = NULL, **letters = NULL;
	int r = cfg_get_list(cfg, "storage", "roots", "/srv/iscsi", mem, &roots, err);
	if (r == 0)
		r = cfg_get_list(cfg, "storage", "drive_letters", NULL, mem, &letters, err);
	if (r == 0)
		r = storage_paths_new(mem, (const char *const *)roots, (const char *const *)letters, out, err);
	talloc_free(roots);
	talloc_free(letters);
	return r;
}

const struct storage_root *storage_root_by_letter(const struct storage_paths *sp, char letter)
{
	letter = (char)toupper((unsigned char)letter);
	for (size_t i = 0; i < sp->count; i++)
		if (sp->roots[i].letter == letter)
			return &sp->roots[i];
	return NULL;
}

const struct storage_root *storage_root_by_guid(const struct storage_paths *sp, const char *guid,
						 size_t len)
{
	if (len == STORAGE_GUID_LEN - 2) {
		for (size_t i = 0; i < sp->count; i++)
			if (strncasecmp(sp->roots[i].volume_guid + 1, guid, len) == 0)
				return &sp->roots[i];
	} else if (len == STORAGE_GUID_LEN) {
		for (size_t i = 0; i < sp->count; i++)
			if (strncasecmp(sp->roots[i].volume_guid, guid, len) == 0)
				return &sp->roots[i];
	}
	return NULL;
}
