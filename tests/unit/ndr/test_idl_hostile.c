/* Hostile input for every call in both directions and for every structure:
 * each truncation of a valid buffer, byte and word corruptions, and random
 * buffers. A pull must fail cleanly or succeed; when it succeeds, what it
 * produced must push again, pull back to the same values and print. Run under
 * ASan+UBSan (build-asan) this also shows there is no overflow or leak.
 *
 * Budget: buffers up to FULL_SCAN bytes get every corruption position, longer
 * ones a deterministic sample, so the whole test stays well under a minute in
 * the sanitizer build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ndr_test_util.h"

#define FULL_SCAN 160      /* corrupt every position of buffers this short */
#define SAMPLES 128        /* else this many positions */
#define RANDOM_BUFFERS 16  /* per call and direction */

static uint32_t rng_state = 0x12345678;

static uint32_t rng(void)
{
	/* xorshift32: deterministic, so failures reproduce */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

struct target {
	const char *name;
	size_t struct_size;
	const struct idl_test_call *call; /* or */
	const struct idl_test_type *type;
	int flags;
	const void *in_from;              /* [in] values a client would hold */
	size_t pulls;
	size_t accepted;
};

static enum ndr_err_code pull_any(TALLOC_CTX *mem, struct target *tg, const DATA_BLOB *blob, void *r,
				  uint32_t *consumed)
{
	if (tg->call != NULL) {
		if (tg->flags == NDR_OUT && tg->call->copy_in != NULL)
			tg->call->copy_in(r, tg->in_from);
		return test_pull_call(mem, tg->call, tg->flags, blob, r, consumed);
	}
	return test_pull_type(mem, tg->type, blob, r, consumed);
}

static bool equal_any(const struct target *tg, const void *a, const void *b)
{
	return tg->call != NULL ? tg->call->equal(a, b, tg->flags) : tg->type->equal(a, b);
}

/* Pulls DATA; if accepted, checks that the result survives push, pull, print. */
static bool try_pull(struct target *tg, const uint8_t *data, size_t len)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	DATA_BLOB blob = { .data = discard_const_p(uint8_t, data), .length = len };
	void *r = talloc_zero_size(mem, tg->struct_size);
	void *r2 = talloc_zero_size(mem, tg->struct_size);
	bool accepted;

	assert_non_null(r);
	assert_non_null(r2);
	tg->pulls++;
	accepted = pull_any(mem, tg, &blob, r, NULL) == NDR_ERR_SUCCESS;
	if (accepted) {
		DATA_BLOB again = tg->call != NULL ? test_push_call(mem, tg->call, tg->flags, r)
						   : test_push_type(mem, tg->type, r);
		uint32_t consumed = 0;

		tg->accepted++;
		if (pull_any(mem, tg, &again, r2, &consumed) != NDR_ERR_SUCCESS || consumed != again.length)
			fail_msg("%s: re-pushed bytes of accepted input do not pull back", tg->name);
		if (!equal_any(tg, r, r2))
			fail_msg("%s: accepted input changes through push and pull", tg->name);
		/* printing is slow: every 16th accepted input */
		if (tg->accepted % 16 == 1 && tg->call != NULL)
			assert_non_null(ndr_print_function_string(mem, test_call_entry(tg->call)->ndr_print,
								   tg->name, tg->flags, r));
		else if (tg->accepted % 16 == 1)
			assert_non_null(ndr_print_struct_string(mem, tg->type->print, tg->name, r));
	}
	talloc_free(mem);
	return accepted;
}

static size_t position(size_t k, size_t len)
{
	return len <= FULL_SCAN ? k : (size_t)(((uint64_t)k * 2654435761u) % len);
}

static void attack(struct target *tg, const DATA_BLOB *valid, bool truncation_must_fail)
{
	size_t len = valid->length;
	uint8_t *buf = talloc_memdup(NULL, valid->data, len + 1);
	size_t positions = len <= FULL_SCAN ? len : SAMPLES;

	assert_non_null(buf);
	assert_true(try_pull(tg, valid->data, len));

	/* every truncation: a valid pull reads every byte, so a prefix cannot do */
	for (size_t n = 0; n < len; n++) {
		bool ok = try_pull(tg, valid->data, n);

		if (ok && truncation_must_fail)
			fail_msg("%s: accepted %zu of %zu bytes", tg->name, n, len);
	}
	/* bytes: zero, all ones, one bit flipped */
	for (size_t k = 0; k < positions; k++) {
		size_t i = position(k, len);
		static const uint8_t values[] = { 0x00, 0xff };

		for (size_t v = 0; v < 3; v++) {
			buf[i] = v < 2 ? values[v] : (uint8_t)(valid->data[i] ^ (1u << (k % 8)));
			try_pull(tg, buf, len);
		}
		buf[i] = valid->data[i];
	}
	/* 32-bit words where counts, sizes and pointers live */
	for (size_t k = 0; k < positions / 4 + 1 && len >= 4; k++) {
		size_t i = position(k, len - 3) & ~(size_t)3;
		static const uint32_t words[] = { 0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu, 0x00020000u, 0x10000u };

		for (size_t v = 0; v < sizeof(words) / sizeof(words[0]); v++) {
			memcpy(buf + i, &words[v], 4);
			try_pull(tg, buf, len);
		}
		memcpy(buf + i, valid->data + i, 4);
	}
	/* trailing garbage must not make a pull read past the end either */
	buf[len] = 0xee;
	try_pull(tg, buf, len + 1);
	/* random buffers, and random tails after a valid head */
	for (size_t k = 0; k < RANDOM_BUFFERS; k++) {
		size_t n = rng() % (len + 64);
		uint8_t *rnd = talloc_array(NULL, uint8_t, n + 1);
		size_t keep = k % 2 ? rng() % (len + 1) : 0;

		assert_non_null(rnd);
		for (size_t i = 0; i < n; i++)
			rnd[i] = i < keep && i < len ? valid->data[i] : (uint8_t)rng();
		try_pull(tg, rnd, n);
		talloc_free(rnd);
	}
	talloc_free(buf);
}

static void test_calls(void **state)
{
	size_t pulls = 0, accepted = 0, calls = 0;

	for (size_t l = 0; test_call_tables[l] != NULL; l++) {
		for (const struct idl_test_call *t = test_call_tables[l]; t->name != NULL; t++) {
			TALLOC_CTX *mem = talloc_new(NULL);
			struct idl_fill f = { .mem = mem, .next = 42 };
			void *r = talloc_zero_size(mem, t->struct_size);

			assert_non_null(r);
			t->fill(&f, r);
			for (int flags = NDR_IN; flags <= NDR_OUT; flags <<= 1) {
				struct target tg = { .name = t->name, .struct_size = t->struct_size, .call = t,
						     .flags = flags, .in_from = r };
				DATA_BLOB valid = test_push_call(mem, t, flags, r);

				attack(&tg, &valid, true);
				pulls += tg.pulls;
				accepted += tg.accepted;
			}
			calls++;
			talloc_free(mem);
		}
	}
	print_message("%zu calls, %zu hostile pulls, %zu accepted\n", calls, pulls, accepted);
	assert_true(pulls > 100000);
}

static void test_types(void **state)
{
	size_t pulls = 0;

	for (size_t l = 0; test_type_tables[l] != NULL; l++) {
		for (const struct idl_test_type *t = test_type_tables[l]; t->name != NULL; t++) {
			TALLOC_CTX *mem = talloc_new(NULL);
			struct idl_fill f = { .mem = mem, .next = 99 };
			void *r = talloc_zero_size(mem, t->struct_size);
			struct target tg = { .name = t->name, .struct_size = t->struct_size, .type = t };
			DATA_BLOB valid;

			assert_non_null(r);
			t->fill(&f, r);
			valid = test_push_type(mem, t, r);
			/* [remaining] (OBJREF_CUSTOM) takes whatever is left, so a
			 * truncated OBJREF may still parse */
			attack(&tg, &valid, strstr(t->name, "OBJREF") == NULL);
			pulls += tg.pulls;
			talloc_free(mem);
		}
	}
	print_message("%zu hostile pulls of structures\n", pulls);
}

/* Counts that claim more than the buffer holds must fail before allocating. */
static void test_huge_counts(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	/* IRemUnknown::RemRelease [in]: ORPCTHIS, cInterfaceRefs, InterfaceRefs[] */
	static const uint8_t rem_release[] = {
		0x05, 0x00, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		0, 0, 0, 0,             /* ORPCTHIS */
		0xff, 0xff, 0x00, 0x00, /* cInterfaceRefs 65535 (and 2 bytes of padding) */
		0xff, 0xff, 0x00, 0x00, /* max count 65535: 1.5 MB of REMINTERFACEREF claimed */
		0, 0, 0, 0,
	};
	DATA_BLOB blob = { .data = discard_const_p(uint8_t, rem_release), .length = sizeof(rem_release) };
	struct IRemUnknown_RemRelease r = { 0 };
	struct ndr_pull *ndr = ndr_pull_init_blob(&blob, mem);

	assert_int_equal(ndr_pull_IRemUnknown_RemRelease(ndr, NDR_IN, &r), NDR_ERR_ARRAY_SIZE);
	assert_null(r.in.InterfaceRefs);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
