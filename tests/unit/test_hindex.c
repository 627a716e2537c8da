#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "istmd/hindex.h"

static void test_strings(void **unused)
{
	struct hindex *h = hindex_new(NULL, HINDEX_STR);
	int a, b;
	assert_null(hindex_get(h, "x"));
	assert_int_equal(hindex_put(h, "alpha", &a), 0);
	assert_int_equal(hindex_put(h, "beta", &b), 0);
	assert_ptr_equal(hindex_get(h, "alpha"), &a);
	assert_ptr_equal(hindex_get(h, "beta"), &b);
	assert_null(hindex_get(h, "ALPHA")); /* byte equality */
	assert_false(hindex_del(h, "alpha", &b)); /* the pair, not the key */
	assert_true(hindex_del(h, "alpha", &a));
	assert_null(hindex_get(h, "alpha"));
	assert_ptr_equal(hindex_get(h, "beta"), &b);
	assert_int_equal(hindex_count(h), 1);
	assert_int_equal(hindex_put(h, "x", NULL), -EINVAL);
	talloc_free(h);
}

static void test_case_insensitive(void **unused)
{
	struct hindex *h = hindex_new(NULL, HINDEX_STR_CI);
	int a;
	assert_int_equal(hindex_put(h, "iqn.1991-05.com.Microsoft:T1", &a), 0);
	assert_ptr_equal(hindex_get(h, "IQN.1991-05.COM.MICROSOFT:t1"), &a);
	assert_null(hindex_get(h, "iqn.1991-05.com.microsoft:t"));
	assert_true(hindex_del(h, "iqn.1991-05.com.microsoft:t1", &a));
	assert_int_equal(hindex_count(h), 0);
	talloc_free(h);
}

/* Many entries, deletions in between: every remaining key stays findable
 * (the backward shift keeps probe chains whole). */
static void test_many_with_deletions(void **unused)
{
	enum { N = 20000 };
	struct hindex *h = hindex_new(NULL, HINDEX_STR);
	struct key {
		char s[32];
	} *keyv = talloc_array(h, struct key, N);
	char(*keys)[32] = &keyv[0].s;
	int *vals = talloc_array(h, int, N);
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "target-%d", i);
		vals[i] = i;
		assert_int_equal(hindex_put(h, keys[i], &vals[i]), 0);
	}
	for (int i = 0; i < N; i += 3)
		assert_true(hindex_del(h, keys[i], &vals[i]));
	for (int i = 0; i < N; i++) {
		int *v = hindex_get(h, keys[i]);
		if (i % 3 == 0)
			assert_null(v);
		else
			assert_ptr_equal(v, &vals[i]);
	}
	assert_int_equal(hindex_count(h), N - (N + 2) / 3);
	hindex_clear(h);
	assert_int_equal(hindex_count(h), 0);
	assert_null(hindex_get(h, keys[1]));
	talloc_free(h);
}

/* A multimap of integers: WTD -> the targets that map it. */
static void test_u64_multi(void **unused)
{
	struct hindex *h = hindex_new(NULL, HINDEX_U64);
	int t[5];
	for (int i = 0; i < 5; i++)
		assert_int_equal(hindex_put_u64(h, 7, &t[i]), 0);
	assert_int_equal(hindex_put_u64(h, 8, &t[0]), 0);
	for (uint64_t k = 100; k < 3000; k++)
		assert_int_equal(hindex_put_u64(h, k, &t[k % 5]), 0);
	size_t cursor = 0, seen = 0;
	bool found[5] = { false };
	void *v;
	while ((v = hindex_next_u64(h, 7, &cursor)) != NULL) {
		found[(int *)v - t] = true;
		seen++;
	}
	assert_int_equal(seen, 5);
	for (int i = 0; i < 5; i++)
		assert_true(found[i]);
	assert_true(hindex_del_u64(h, 7, &t[2]));
	assert_false(hindex_del_u64(h, 7, &t[2]));
	cursor = 0;
	seen = 0;
	while ((v = hindex_next_u64(h, 7, &cursor)) != NULL) {
		assert_ptr_not_equal(v, &t[2]);
		seen++;
	}
	assert_int_equal(seen, 4);
	assert_ptr_equal(hindex_get_u64(h, 8), &t[0]);
	assert_null(hindex_get_u64(h, 9));
	assert_int_equal(hindex_put(h, "str", &t[0]), -EINVAL);
	talloc_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_many_with_deletions),
		cmocka_unit_test(test_u64_multi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
