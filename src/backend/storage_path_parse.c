/* The path grammar: Windows spellings (drive letters, "\\?\" forms, volume
 * GUIDs) and POSIX paths, mapped to one canonical pair (docs/paths.md).
 * Purely lexical: nothing here touches the disk. */
#include "backend/storage_paths.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "istmd/utf16.h"

static bool is_sep(char c)
{
	return c == '\\' || c == '/';
}

/* Characters Windows refuses in names; ':' also starts an alternate data stream. */
static bool win_bad_char(unsigned char c)
{
	return c < 0x20 || strchr("<>:\"|?*", c) != NULL;
}

/* CON, PRN, AUX, NUL, COM1-9, LPT1-9 (and the superscript-digit variants),
 * with or without an extension, trailing spaces ignored. */
static bool win_reserved(const char *c, size_t len)
{
	static const char *const names[] = { "CON", "PRN", "AUX", "NUL" };
	static const char *const digits[] = { "1", "2", "3", "4", "5", "6", "7", "8", "9",
					      "\xc2\xb9", "\xc2\xb2", "\xc2\xb3" };
	size_t base = 0;
	while (base < len && c[base] != '.')
		base++;
	while (base > 0 && c[base - 1] == ' ')
		base--;
	for (size_t i = 0; i < 4; i++)
		if (base == 3 && strncasecmp(c, names[i], 3) == 0)
			return true;
	if (base < 4 || (strncasecmp(c, "COM", 3) != 0 && strncasecmp(c, "LPT", 3) != 0))
		return false;
	for (size_t i = 0; i < sizeof(digits) / sizeof(digits[0]); i++)
		if (base - 3 == strlen(digits[i]) && memcmp(c + 3, digits[i], base - 3) == 0)
			return true;
	return false;
}

/* UTF-16 code units of a UTF-8 string (for Windows' MAX_PATH). */
static size_t utf16_units(const char *s, size_t len)
{
	size_t units = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];
		if ((b & 0xc0) != 0x80)
			units += b >= 0xf0 ? 2 : 1;
	}
	return units;
}

/* Appends component [C, C+LEN) to *REL; handles "." and "..". */
static int add_component(TALLOC_CTX *mem, char **rel, const char *c, size_t len)
{
	if (len == 1 && c[0] == '.')
		return 0;
	if (len == 2 && c[0] == '.' && c[1] == '.')
		return -EACCES; /* never climb: not even back into the root */
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	*rel = talloc_asprintf_append(*rel, "%s%.*s", (*rel)[0] != '\0' ? "/" : "", (int)len, c);
	return *rel != NULL ? 0 : -ENOMEM;
}

/* Components after the drive or volume prefix. LITERAL ("\\?\" paths) keeps
 * trailing dots and spaces and allows reserved names, as Windows does. */
static int win_components(TALLOC_CTX *mem, const char *p, const char *end, bool literal, char **rel)
{
	while (p < end) {
		while (p < end && is_sep(*p))
			p++;
		const char *c = p;
		while (p < end && !is_sep(*p))
			p++;
		size_t len = (size_t)(p - c);
		if (len == 0)
			break;
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.')) {
			int r = add_component(mem, rel, c, len);
			if (r < 0)
				return r;
			continue;
		}
		if (!literal) {
			while (len > 0 && (c[len - 1] == '.' || c[len - 1] == ' '))
				len--;
			if (len == 0)
				return -EINVAL;
		}
		for (size_t i = 0; i < len; i++)
			if (win_bad_char((unsigned char)c[i]))
				return -EINVAL;
		if (!literal && win_reserved(c, len))
			return -EINVAL;
		int r = add_component(mem, rel, c, len);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_windows(TALLOC_CTX *mem, const struct storage_paths *sp, const char *s, size_t len,
			 const struct storage_root **root, char **rel)
{
	const char *end = s + len;
	bool literal = false;

	if (len >= 4 && is_sep(s[0]) && is_sep(s[1]) && (s[2] == '?' || s[2] == '.') && is_sep(s[3])) {
		if (s[2] == '.')
			return -EINVAL; /* \\.\ device namespace: \\.\PhysicalDrive0, \\.\C: */
		literal = true;
		s += 4;
		len -= 4;
		if (len >= 4 && strncasecmp(s, "UNC", 3) == 0 && is_sep(s[3]))
			return -EACCES; /* \\?\UNC\server\share: not local */
		if (len >= 7 && strncasecmp(s, "Volume", 6) == 0 && s[6] == '{') {
			const char *close = memchr(s + 6, '}', len - 6);
			if (close == NULL || (close + 1 < end && !is_sep(close[1])))
				return -EINVAL;
			*root = storage_root_by_guid(sp, s + 6, (size_t)(close + 1 - (s + 6)));
			if (*root == NULL)
				return -EACCES;
			return win_components(mem, close + 1, end, literal, rel);
		}
		if (len < 2 || s[1] != ':' || (len > 2 && !is_sep(s[2])))
			return -EINVAL; /* \\?\GLOBALROOT\..., \\?\X:relative */
	} else if (len >= 2 && is_sep(s[0]) && is_sep(s[1])) {
		return -EACCES; /* \\server\share: not local */
	} else if (len >= 2 && s[0] == '\\' && s[1] == '?' ) {
		return -EINVAL; /* \??\ NT object names */
	}
	if (len < 2 || !isalpha((unsigned char)s[0]) || s[1] != ':')
		return -EINVAL; /* relative, or rooted on the current drive */
	if (len > 2 && !is_sep(s[2]))
		return -EINVAL; /* "D:dir": relative to D:'s current directory */
	*root = storage_root_by_letter(sp, s[0]);
	if (*root == NULL)
		return -EACCES;
	return win_components(mem, s + 2, end, literal, rel);
}

static int parse_posix(TALLOC_CTX *mem, const char *s, size_t len, char **abs)
{
	const char *end = s + len;
	char *rel = talloc_strdup(mem, "");
	while (rel != NULL && s < end) {
		while (s < end && *s == '/')
			s++;
		const char *c = s;
		while (s < end && *s != '/')
			s++;
		if (s == c)
			break;
		int r = add_component(mem, &rel, c, (size_t)(s - c));
		if (r < 0)
			return r;
	}
	if (rel == NULL)
		return -ENOMEM;
	*abs = talloc_asprintf(mem, "/%s", rel);
	return *abs != NULL ? 0 : -ENOMEM;
}

/* Remainder of ABS below BASE ("" for BASE itself), or NULL when not below. */
static const char *below(const char *abs, const char *base)
{
	size_t n = strlen(base);
	if (strcmp(base, "/") == 0)
		return abs + 1;
	if (strncmp(abs, base, n) != 0 || (abs[n] != '\0' && abs[n] != '/'))
		return NULL;
	return abs[n] == '/' ? abs + n + 1 : abs + n;
}

/* The root a normalized absolute path lies under: the deepest one, so that
 * nested roots give every file exactly one canonical spelling. */
static const struct storage_root *root_of(const struct storage_paths *sp, const char *abs,
					  const char **rel)
{
	const struct storage_root *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < sp->count; i++) {
		const char *bases[2] = { sp->roots[i].path, sp->roots[i].configured };
		for (int b = 0; b < 2; b++) {
			const char *r = bases[b] != NULL ? below(abs, bases[b]) : NULL;
			if (r != NULL && (best == NULL || strlen(bases[b]) > best_len)) {
				best = &sp->roots[i];
				best_len = strlen(bases[b]);
				*rel = r;
			}
		}
	}
	return best;
}

/* The canonical Windows spelling of ROOT + REL, or NULL when a name cannot
 * be written in Windows. */
static char *windows_form(TALLOC_CTX *mem, const struct storage_root *root, const char *rel)
{
	bool literal = false;
	char *s = talloc_asprintf(mem, "%c:\\", root->letter);
	const char *p = rel;
	while (s != NULL && *p != '\0') {
		size_t len = strcspn(p, "/");
		for (size_t i = 0; i < len; i++)
			if (win_bad_char((unsigned char)p[i]) || p[i] == '\\') {
				talloc_free(s);
				return NULL;
			}
		if (p[len - 1] == '.' || p[len - 1] == ' ' || win_reserved(p, len))
			literal = true;
		s = talloc_asprintf_append(s, "%s%.*s", p == rel ? "" : "\\", (int)len, p);
		p += len;
		if (*p == '/')
			p++;
	}
	if (s == NULL)
		return NULL;
	size_t units = 0;
	uint16_t *u = utf8_to_utf16(mem, s, &units);
	if (u == NULL) {
		talloc_free(s);
		return NULL;
	}
	talloc_free(u);
	if (units >= STORAGE_WIN_MAX_PATH)
		literal = true;
	if (literal)
		s = talloc_asprintf(mem, "\\\\?\\%s", s);
	return s;
}

int storage_path_parse_n(TALLOC_CTX *mem, const struct storage_paths *sp, const char *input,
			 size_t len, struct storage_path **out)
{
	TALLOC_CTX *tmp;
	const struct storage_root *root = NULL;
	char *abs = NULL;
	int r;

	if (input == NULL || len == 0 || memchr(input, '\0', len) != NULL)
		return -EINVAL;
	if (len > STORAGE_PATH_MAX_INPUT)
		return -ENAMETOOLONG;
	tmp = talloc_new(NULL);
	if (tmp == NULL)
		return -ENOMEM;
	if (input[0] == '/') {
		r = parse_posix(tmp, input, len, &abs);
	} else {
		char *rel = talloc_strdup(tmp, "");
		r = rel != NULL ? parse_windows(tmp, sp, input, len, &root, &rel) : -ENOMEM;
		bool literal = len >= 4 && is_sep(input[0]) && is_sep(input[1]) && input[2] == '?' &&
			       is_sep(input[3]);
		if (r == 0 && !literal && utf16_units(input, len) >= STORAGE_WIN_MAX_PATH)
			r = -ENAMETOOLONG;
		if (r == 0)
			abs = rel[0] != '\0' ? talloc_asprintf(tmp, "%s/%s", root->path, rel)
					     : talloc_strdup(tmp, root->path);
		if (r == 0 && abs == NULL)
			r = -ENOMEM;
	}
	if (r < 0)
		goto out;
	if (strlen(abs) >= PATH_MAX) {
		r = -ENAMETOOLONG;
		goto out;
	}

	const char *rel = NULL;
	root = root_of(sp, abs, &rel);
	if (root == NULL) {
		r = -EACCES;
		goto out;
	}
	struct storage_path *p = talloc_zero(mem, struct storage_path);
	if (p == NULL) {
		r = -ENOMEM;
		goto out;
	}
	p->root = root;
	p->rel = talloc_strdup(p, rel);
	p->posix = rel[0] != '\0' ? talloc_asprintf(p, "%s/%s", root->path, rel) : talloc_strdup(p, root->path);
	p->windows = windows_form(p, root, rel);
	if (p->rel == NULL || p->posix == NULL) {
		talloc_free(p);
		r = -ENOMEM;
		goto out;
	}
	*out = p;
	r = 0;
out:
	talloc_free(tmp);
	return r;
}

int storage_path_parse(TALLOC_CTX *mem, const struct storage_paths *sp, const char *input,
		       struct storage_path **out)
{
	return storage_path_parse_n(mem, sp, input, input != NULL ? strlen(input) : 0, out);
}
