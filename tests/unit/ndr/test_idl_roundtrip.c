/* Round trip of every call of every interface (MS-ISTM, DCOM, endpoint mapper)
 * in both directions, and of every structure: fill with non-default values,
 * push, pull, compare deeply, and push again to the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ndr_test_util.h"

static void roundtrip_direction(TALLOC_CTX *mem, const struct idl_test_call *t, const void *r, int flags)
{
	void *r2 = talloc_zero_size(mem, t->struct_size);
	DATA_BLOB blob, again;
	uint32_t consumed = 0;
	enum ndr_err_code err;
	char *text;

	assert_non_null(r2);
	blob = test_push_call(mem, t, flags, r);
	if (flags == NDR_OUT && t->copy_in != NULL)
		t->copy_in(r2, r); /* the client knows its [in] values (sizes of [out] arrays) */
	err = test_pull_call(mem, t, flags, &blob, r2, &consumed);
	if (err != NDR_ERR_SUCCESS)
		fail_msg("pull %s %s: %s", t->name, flags == NDR_IN ? "in" : "out", ndr_map_error2string(err));
	assert_int_equal(consumed, blob.length);
	if (!t->equal(r, r2, flags))
		fail_msg("%s %s: pulled values differ", t->name, flags == NDR_IN ? "in" : "out");
	again = test_push_call(mem, t, flags, r2);
	assert_int_equal(again.length, blob.length);
	assert_memory_equal(again.data, blob.data, blob.length);
	text = ndr_print_function_string(mem, test_call_entry(t)->ndr_print, t->name, flags, r2);
	assert_non_null(text);
	assert_non_null(strstr(text, t->name));
}

/* What the RPC engine does on the server: pull [in], then init_out. */
static void server_side(TALLOC_CTX *mem, const struct idl_test_call *t, const void *r)
{
	const struct idl_interface *iface = test_call_interface(t);
	void *rs = talloc_zero_size(mem, t->struct_size);
	DATA_BLOB blob = test_push_call(mem, t, NDR_IN, r);

	assert_non_null(rs);
	assert_int_equal(test_pull_call(mem, t, NDR_IN, &blob, rs, NULL), NDR_ERR_SUCCESS);
	assert_non_null(iface->init_out[t->opnum]);
	assert_true(iface->init_out[t->opnum](mem, rs));
}

static void test_every_call(void **state)
{
	size_t n = 0;

	for (size_t l = 0; test_call_tables[l] != NULL; l++) {
		for (const struct idl_test_call *t = test_call_tables[l]; t->name != NULL; t++) {
			for (uint32_t seed = 0; seed < 3; seed++) {
				TALLOC_CTX *mem = talloc_new(NULL);
				struct idl_fill f = { .mem = mem, .next = seed * 1000 };
				void *r = talloc_zero_size(mem, t->struct_size);

				assert_non_null(r);
				t->fill(&f, r);
				roundtrip_direction(mem, t, r, NDR_IN);
				roundtrip_direction(mem, t, r, NDR_OUT);
				server_side(mem, t, r);
				talloc_free(mem);
			}
			n++;
		}
	}
	/* 297 MS-ISTM methods; DCOM: IActivation 1, IRemoteSCMActivator 2 (its
	 * opnums 0-2 are not used on the wire), IObjectExporter 6, IRemUnknown 3,
	 * IRemUnknown2 1; the endpoint mapper's 7; idlc-features.idl's 3;
	 * istmd-ext.idl's 4 (IIstmdSnapshotSchedules) */
	assert_int_equal(n, 297 + 13 + 7 + 3 + 4);
}

static void test_every_istm_call_is_tested(void **state)
{
	size_t n = 0;

	for (const struct idl_test_call *t = idl_test_calls_ms_istm; t->name != NULL; t++)
		n++;
	assert_int_equal(n, 297);
}

static void test_every_type(void **state)
{
	for (size_t l = 0; test_type_tables[l] != NULL; l++) {
		for (const struct idl_test_type *t = test_type_tables[l]; t->name != NULL; t++) {
			TALLOC_CTX *mem = talloc_new(NULL);
			struct idl_fill f = { .mem = mem, .next = 7 };
			void *r = talloc_zero_size(mem, t->struct_size);
			void *r2 = talloc_zero_size(mem, t->struct_size);
			DATA_BLOB blob, again;
			uint32_t consumed = 0;
			enum ndr_err_code err;

			t->fill(&f, r);
			blob = test_push_type(mem, t, r);
			err = test_pull_type(mem, t, &blob, r2, &consumed);
			if (err != NDR_ERR_SUCCESS)
				fail_msg("pull %s: %s", t->name, ndr_map_error2string(err));
			assert_int_equal(consumed, blob.length);
			if (!t->equal(r, r2))
				fail_msg("%s: pulled values differ", t->name);
			again = test_push_type(mem, t, r2);
			assert_int_equal(again.length, blob.length);
			assert_memory_equal(again.data, blob.data, blob.length);
			assert_non_null(ndr_print_struct_string(mem, t->print, t->name, r2));
			talloc_free(mem);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_istm_call_is_tested),
		cmocka_unit_test(test_every_call),
		cmocka_unit_test(test_every_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
