#include "istmd/utf16.h"

#include <errno.h>
#include <string.h>

/* Decodes one UTF-8 sequence at *p; returns the code point or -1. */
static int32_t utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t cp;
	int extra;

	if (s[0] < 0x80) {
		*p = s + 1;
		return s[0];
	} else if ((s[0] & 0xE0) == 0xC0) {
		cp = s[0] & 0x1F;
		extra = 1;
	} else if ((s[0] & 0xF0) == 0xE0) {
		cp = s[0] & 0x0F;
		extra = 2;
	} else if ((s[0] & 0xF8) == 0xF0) {
		cp = s[0] & 0x07;
		extra = 3;
	} else {
		return -1;
	}
	for (int i = 1; i <= extra; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	static const uint32_t min_for_len[] = { 0, 0x80, 0x800, 0x10000 };
	if (cp < min_for_len[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1; /* overlong, out of range, or an encoded surrogate */
	*p = s + extra + 1;
	return (int32_t)cp;
}

uint16_t *utf8_to_utf16(TALLOC_CTX *mem_ctx, const char *s, size_t *units)
{
	size_t len = strlen(s);
	/* Each UTF-8 byte yields at most one UTF-16 unit. */
	uint16_t *out = talloc_array(mem_ctx, uint16_t, len + 1);
	if (out == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (*p) {
		int32_t cp = utf8_next(&p);
		if (cp < 0) {
			talloc_free(out);
			errno = EILSEQ;
			return NULL;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			out[n++] = (uint16_t)(0xD800 | (cp >> 10));
			out[n++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
		} else {
			out[n++] = (uint16_t)cp;
		}
	}
	out[n] = 0;
	if (units)
		*units = n;
	return out;
}

char *utf16_to_utf8(TALLOC_CTX *mem_ctx, const uint16_t *s, size_t units)
{
	char *out = talloc_array(mem_ctx, char, units * 3 + 1);
	if (out == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	size_t n = 0;
	for (size_t i = 0; i < units && s[i] != 0; i++) {
		uint32_t cp = s[i];
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (i + 1 >= units || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF)
				goto bad;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00);
			i++;
		} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
			goto bad;
		}
		if (cp < 0x80) {
			out[n++] = (char)cp;
		} else if (cp < 0x800) {
			out[n++] = (char)(0xC0 | (cp >> 6));
			out[n++] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			out[n++] = (char)(0xE0 | (cp >> 12));
			out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			out[n++] = (char)(0x80 | (cp & 0x3F));
		} else {
			out[n++] = (char)(0xF0 | (cp >> 18));
			out[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
			out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			out[n++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	out[n] = '\0';
	return out;
bad:
	talloc_free(out);
	errno = EILSEQ;
	return NULL;
}

int wstr_set(uint16_t *dst, size_t capacity, const char *s)
{
	size_t units;
	uint16_t *w = utf8_to_utf16(NULL, s, &units);
	if (w == NULL)
		return -errno;
	if (units + 1 > capacity) {
		talloc_free(w);
		return -ENAMETOOLONG;
	}
	memset(dst, 0, capacity * sizeof(uint16_t));
	memcpy(dst, w, units * sizeof(uint16_t));
	talloc_free(w);
	return 0;
}

char *wstr_get(TALLOC_CTX *mem_ctx, const uint16_t *src, size_t capacity)
{
	return utf16_to_utf8(mem_ctx, src, capacity);
}
