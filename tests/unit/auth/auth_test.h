/* Helpers shared by the src/auth unit tests. */
#ifndef ISTMD_TEST_AUTH_H
#define ISTMD_TEST_AUTH_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <talloc.h>

/* Decodes HEX (spaces ignored) into a talloc'd buffer; *LEN gets its size. */
static inline uint8_t *test_hex(TALLOC_CTX *mem_ctx, const char *hex, size_t *len)
{
	uint8_t *out = talloc_zero_array(mem_ctx, uint8_t, strlen(hex) / 2 + 1);
	size_t n = 0;
	int hi = -1;
	for (const char *p = hex; *p; p++) {
		int v;
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			v = *p - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_int_equal(hi, -1);
	if (len != NULL)
		*len = n;
	return out;
}

/* Asserts that BUF[0..LEN) equals HEX. */
#define assert_hex_equal(buf, len, hex)                                      \
	do {                                                                 \
		size_t expected_len_;                                        \
		uint8_t *expected_ = test_hex(NULL, (hex), &expected_len_);  \
		assert_int_equal((len), expected_len_);                      \
		assert_memory_equal((buf), expected_, expected_len_);        \
		talloc_free(expected_);                                      \
	} while (0)

#endif
