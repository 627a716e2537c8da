#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "istmd/utf16.h"

static void test_roundtrip(void **unused)
{
	/* ASCII, 2-byte, 3-byte and a 4-byte (surrogate pair) character */
	const char *s = "iqn.1991-05.com.microsoft:t\xc3\xa9st-\xe2\x82\xac-\xf0\x9f\x92\xbe";
	size_t units = 0;
	uint16_t *w = utf8_to_utf16(NULL, s, &units);
	assert_non_null(w);
	/* é, "st-", €, "-", and a surrogate pair */
	assert_int_equal(units, strlen("iqn.1991-05.com.microsoft:t") + 1 + 3 + 1 + 1 + 2);
	assert_int_equal(w[units - 2], 0xD83D);
	assert_int_equal(w[units - 1], 0xDCBE);
	assert_int_equal(w[units], 0);
	char *back = utf16_to_utf8(w, w, units);
	assert_string_equal(back, s);
	talloc_free(w);
}

static void test_invalid(void **unused)
{
	static const char *bad[] = { "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xff" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(utf8_to_utf16(NULL, bad[i], NULL));
		assert_int_equal(errno, EILSEQ);
	}
	const uint16_t lone_high[] = { 'a', 0xD800, 'b' };
	const uint16_t lone_low[] = { 0xDC00 };
	const uint16_t high_at_end[] = { 0xD800 };
	assert_null(utf16_to_utf8(NULL, lone_high, 3));
	assert_null(utf16_to_utf8(NULL, lone_low, 1));
	assert_null(utf16_to_utf8(NULL, high_at_end, 1));
}

static void test_fixed_arrays(void **unused)
{
	uint16_t name[8];
	memset(name, 0xAB, sizeof(name));
	assert_int_equal(WSTR_SET(name, "target"), 0);
	assert_int_equal(name[6], 0);
	assert_int_equal(name[7], 0);
	char *s = WSTR_GET(NULL, name);
	assert_string_equal(s, "target");
	talloc_free(s);
	/* 7 characters + NUL fit; 8 do not */
	assert_int_equal(WSTR_SET(name, "1234567"), 0);
	assert_int_equal(WSTR_SET(name, "12345678"), -ENAMETOOLONG);
	/* an array with no NUL is read up to its capacity */
	for (int i = 0; i < 8; i++)
		name[i] = 'x';
	s = WSTR_GET(NULL, name);
	assert_string_equal(s, "xxxxxxxx");
	talloc_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_fixed_arrays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
