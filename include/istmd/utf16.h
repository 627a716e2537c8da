/* UTF-8 (our C strings) <-> UTF-16LE (the wire: BSTR, WCHAR arrays).
 * Strict: invalid UTF-8 or unpaired surrogates are errors, never replaced. */
#ifndef ISTMD_UTF16_H
#define ISTMD_UTF16_H

#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

/* Converts S (NUL-terminated UTF-8) to UTF-16 code units in host order.
 * Returns a talloc'd, NUL-terminated array and its length without the NUL in
 * *units, or NULL (errno EILSEQ or ENOMEM). */
uint16_t *utf8_to_utf16(TALLOC_CTX *mem_ctx, const char *s, size_t *units);
/* Converts UNITS code units (a NUL among them ends the string) to UTF-8.
 * Returns NULL with errno EILSEQ or ENOMEM. */
char *utf16_to_utf8(TALLOC_CTX *mem_ctx, const uint16_t *s, size_t units);

/* Fixed WCHAR arrays (e.g. WCHAR szName[512]): store S with a terminating NUL
 * and zero the rest. Returns 0, -EILSEQ, or -ENAMETOOLONG if it does not fit. */
int wstr_set(uint16_t *dst, size_t capacity, const char *s);
/* Reads up to the first NUL or CAPACITY units. NULL on invalid UTF-16. */
char *wstr_get(TALLOC_CTX *mem_ctx, const uint16_t *src, size_t capacity);

#define WSTR_SET(arr, s) wstr_set((arr), sizeof(arr) / sizeof((arr)[0]), (s))
#define WSTR_GET(mem, arr) wstr_get((mem), (arr), sizeof(arr) / sizeof((arr)[0]))

#endif
