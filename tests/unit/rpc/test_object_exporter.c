/* The OXID resolver's bindings (MS-DCOM 2.2.19). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dcom/object_exporter.h"

static void put_ascii(uint16_t *dst, const char *s)
{
	while (*s)
		*dst++ = (uint16_t)*s++;
	*dst = 0;
}

static void test_one_address(void **unused)
{
	const char *addresses[] = { "127.0.0.2", NULL };
	uint16_t *a, n, sec;
	assert_int_equal(dcom_dualstringarray(NULL, addresses, "127.0.0.2", 135, &a, &n, &sec), 0);
	uint16_t want[24] = { 7 };
	put_ascii(want + 1, "127.0.0.2[135]");
	/* want[15] = NUL, want[16] = end of string bindings */
	static const uint16_t security[] = { 10, 0xffff, 0, 9, 0xffff, 0, 0 };
	memcpy(want + 17, security, sizeof(security));
	assert_int_equal(n, 24);
	assert_int_equal(sec, 17);
	assert_memory_equal(a, want, sizeof(want));
	talloc_free(a);
}

static void test_dialled_first_and_wildcards(void **unused)
{
	const char *addresses[] = { "127.0.0.3", "0.0.0.0", "127.0.0.2", "::1", NULL };
	uint16_t *a, n, sec;
	assert_int_equal(dcom_dualstringarray(NULL, addresses, "127.0.0.2", 1135, &a, &n, &sec), 0);
	/* 127.0.0.2[1135] (dialled), 127.0.0.3[1135], ::1[1135] */
	uint16_t want[64] = { 0 };
	size_t i = 0;
	const char *expect[] = { "127.0.0.2[1135]", "127.0.0.3[1135]", "::1[1135]" };
	for (size_t k = 0; k < 3; k++) {
		want[i++] = 7;
		put_ascii(want + i, expect[k]);
		i += strlen(expect[k]) + 1;
	}
	want[i++] = 0;
	assert_int_equal(sec, i);
	assert_int_equal(n, i + 7);
	assert_memory_equal(a, want, i * sizeof(uint16_t));
	assert_int_equal(a[sec], 10);
	assert_int_equal(a[sec + 3], 9);
	assert_int_equal(a[n - 1], 0);
	talloc_free(a);
}

static void test_refuses_missing_dialled(void **unused)
{
	const char *addresses[] = { "127.0.0.2", NULL };
	uint16_t *a, n, sec;
	assert_int_not_equal(dcom_dualstringarray(NULL, addresses, "", 135, &a, &n, &sec), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_address),
		cmocka_unit_test(test_dialled_first_and_wildcards),
		cmocka_unit_test(test_refuses_missing_dialled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
