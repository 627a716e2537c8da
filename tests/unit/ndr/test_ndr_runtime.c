/* The hand-written NDR runtime (src/ndr) at its edges: BSTRs that are NULL,
 * odd, inconsistent or not UTF-16; [string] pointers and fixed [string]
 * arrays; 16-bit enums; [range]; fixed WCHAR arrays in logs; secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "istmd/utf16.h"
#include "idl/ndr_ms_istm.h"
#include "idl/ndr_ms_rpce.h"
#include "idl/ndr_ms_vds.h"
#include "ndr/idl_runtime.h"

static enum ndr_err_code pull_bstr(TALLOC_CTX *mem, const uint8_t *data, size_t len, const char **s)
{
	DATA_BLOB blob = { .data = discard_const_p(uint8_t, data), .length = len };
	struct ndr_pull *ndr = ndr_pull_init_blob(&blob, mem);
	enum ndr_err_code err = ndr_pull_BSTR(ndr, NDR_SCALARS | NDR_BUFFERS, s);

	if (err == NDR_ERR_SUCCESS)
		assert_int_equal(ndr->offset, len);
	talloc_free(ndr);
	return err;
}

static void test_bstr_pull(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	const char *s = "x";
	/* pointer, max count, cBytes, clSize, data */
	static const uint8_t null_pointer[] = { 0, 0, 0, 0 };
	static const uint8_t any_pointer[] = { 4, 0, 2, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 'a', 0 };
	static const uint8_t trailing_nul[] = { 1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 'a', 0, 0, 0 };
	static const uint8_t odd_bytes[] = { 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 'a', 0 };
	static const uint8_t size_mismatch[] = { 1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 'a', 0, 'b', 0 };
	static const uint8_t null_with_data[] = { 1, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 'a', 0 };
	static const uint8_t lone_surrogate[] = { 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0x3d, 0xd8 };
	static const uint8_t inner_nul[] = { 1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0, 0, 'a', 0 };
	static const uint8_t too_long[] = { 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0x80, 0, 0, 0, 0x40, 'a', 0 };

	/* a NULL pointer is a NULL BSTR too (not what Windows sends, but valid NDR) */
	assert_int_equal(pull_bstr(mem, null_pointer, sizeof(null_pointer), &s), NDR_ERR_SUCCESS);
	assert_null(s);
	/* any non-zero referent ID will do, not only MIDL's "User" */
	assert_int_equal(pull_bstr(mem, any_pointer, sizeof(any_pointer), &s), NDR_ERR_SUCCESS);
	assert_string_equal(s, "a");
	assert_int_equal(pull_bstr(mem, trailing_nul, sizeof(trailing_nul), &s), NDR_ERR_SUCCESS);
	assert_string_equal(s, "a");
	assert_int_equal(pull_bstr(mem, odd_bytes, sizeof(odd_bytes), &s), NDR_ERR_ARRAY_SIZE);
	assert_int_equal(pull_bstr(mem, size_mismatch, sizeof(size_mismatch), &s), NDR_ERR_ARRAY_SIZE);
	assert_int_equal(pull_bstr(mem, null_with_data, sizeof(null_with_data), &s), NDR_ERR_ARRAY_SIZE);
	assert_int_equal(pull_bstr(mem, lone_surrogate, sizeof(lone_surrogate), &s), NDR_ERR_CHARCNV);
	assert_int_equal(pull_bstr(mem, inner_nul, sizeof(inner_nul), &s), NDR_ERR_STRING);
	assert_int_equal(pull_bstr(mem, too_long, sizeof(too_long), &s), NDR_ERR_ARRAY_SIZE);
	talloc_free(mem);
}

static void test_bstr_push_invalid_utf8(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ndr_push *ndr = ndr_push_init_ctx(mem);
	const char *bad = "\xff";

	assert_int_equal(ndr_push_BSTR(ndr, NDR_SCALARS | NDR_BUFFERS, &bad), NDR_ERR_CHARCNV);
	talloc_free(mem);
}

/* VDS_LUN_INFORMATION's [string] char * fields: max count, offset 0, actual
 * count, characters with the terminator. */
static void test_string8(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ndr_push *push = ndr_push_init_ctx(mem);
	DATA_BLOB blob;
	const char *s = NULL;
	static const uint8_t want[] = { 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 'M', 'S', 'F', 0 };
	static const uint8_t no_nul[] = { 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 'M', 'S', 'F' };
	static const uint8_t offset[] = { 4, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 'S', 'F', 0 };
	static const uint8_t over[] = { 2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 'M', 'S', 'F', 0 };
	struct ndr_pull *pull;

	assert_int_equal(idl_push_string8(push, "MSF"), NDR_ERR_SUCCESS);
	blob = ndr_push_blob(push);
	assert_int_equal(blob.length, sizeof(want));
	assert_memory_equal(blob.data, want, sizeof(want));
	pull = ndr_pull_init_blob(&blob, mem);
	assert_int_equal(idl_pull_string8(pull, &s), NDR_ERR_SUCCESS);
	assert_string_equal(s, "MSF");
	for (size_t i = 0; i < 3; i++) {
		const uint8_t *bad[] = { no_nul, offset, over };
		size_t len[] = { sizeof(no_nul), sizeof(offset), sizeof(over) };
		DATA_BLOB b = { .data = discard_const_p(uint8_t, bad[i]), .length = len[i] };

		pull = ndr_pull_init_blob(&b, mem);
		assert_int_not_equal(idl_pull_string8(pull, &s), NDR_ERR_SUCCESS);
	}
	talloc_free(mem);
}

/* ept_entry_t.annotation, [string] char[64]: offset, actual count, chars. */
static void test_fixed_string(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ndr_push *push = ndr_push_init_ctx(mem);
	char a[8] = "abc", back[8];
	static const uint8_t want[] = { 0, 0, 0, 0, 4, 0, 0, 0, 'a', 'b', 'c', 0 };
	static const uint8_t too_long[] = { 0, 0, 0, 0, 9, 0, 0, 0, '1', '2', '3', '4', '5', '6', '7', '8', 0 };
	DATA_BLOB blob;
	struct ndr_pull *pull;

	assert_int_equal(idl_push_fstring(push, a, sizeof(a)), NDR_ERR_SUCCESS);
	blob = ndr_push_blob(push);
	assert_int_equal(blob.length, sizeof(want));
	assert_memory_equal(blob.data, want, sizeof(want));
	memset(back, 'x', sizeof(back));
	pull = ndr_pull_init_blob(&blob, mem);
	assert_int_equal(idl_pull_fstring(pull, back, sizeof(back)), NDR_ERR_SUCCESS);
	assert_memory_equal(back, "abc\0\0\0\0\0", 8);
	blob = (DATA_BLOB){ .data = discard_const_p(uint8_t, too_long), .length = sizeof(too_long) };
	pull = ndr_pull_init_blob(&blob, mem);
	assert_int_equal(idl_pull_fstring(pull, back, sizeof(back)), NDR_ERR_STRING);
	memset(a, 'z', sizeof(a)); /* no terminator within the array */
	assert_int_equal(idl_push_fstring(ndr_push_init_ctx(mem), a, sizeof(a)), NDR_ERR_STRING);
	talloc_free(mem);
}

/* MS-RPCE 2.2.4.11: 16-bit enums carry 0..32767 only. MS-ISTM's
 * IDInvalid = -1 therefore cannot go on the wire (idl/README.md). */
static void test_enum16(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	enum IDMethod m = IDInvalid;
	struct ndr_push *push = ndr_push_init_ctx(mem);
	static const uint8_t big[] = { 0x00, 0x80 };
	static const uint8_t iqn[] = { 0x04, 0x00 };
	DATA_BLOB blob = { .data = discard_const_p(uint8_t, big), .length = 2 };
	struct ndr_pull *pull;

	assert_int_equal(ndr_push_IDMethod(push, NDR_SCALARS, &m), NDR_ERR_RANGE);
	pull = ndr_pull_init_blob(&blob, mem);
	assert_int_equal(ndr_pull_IDMethod(pull, NDR_SCALARS, &m), NDR_ERR_RANGE);
	blob.data = discard_const_p(uint8_t, iqn);
	pull = ndr_pull_init_blob(&blob, mem);
	assert_int_equal(ndr_pull_IDMethod(pull, NDR_SCALARS, &m), NDR_ERR_SUCCESS);
	assert_int_equal(m, IDIQN);
	talloc_free(mem);
}

/* ept_lookup's [in, range(0,500)] max_ents, both ways. */
static void test_range(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct policy_handle h = { 0 };
	struct ept_lookup r = { .in = { .entry_handle = &h, .max_ents = 501 } };
	struct ept_lookup back = { 0 };
	struct ndr_push *push = ndr_push_init_ctx(mem);
	DATA_BLOB blob;
	struct ndr_pull *pull;

	assert_int_equal(ndr_push_ept_lookup(push, NDR_IN, &r), NDR_ERR_RANGE);
	r.in.max_ents = 500;
	push = ndr_push_init_ctx(mem);
	assert_int_equal(ndr_push_ept_lookup(push, NDR_IN, &r), NDR_ERR_SUCCESS);
	blob = ndr_push_blob(push);
	/* inquiry_type, object NULL, Ifid NULL, vers_option, handle (20), max_ents */
	assert_int_equal(blob.length, 4 + 4 + 4 + 4 + 20 + 4);
	blob.data[blob.length - 2] = 0x01; /* max_ents 0x000101f4 */
	pull = ndr_pull_init_blob(&blob, mem);
	assert_int_equal(ndr_pull_ept_lookup(pull, NDR_IN, &back), NDR_ERR_RANGE);
	talloc_free(mem);
}

static char printed[4096];

static void capture(struct ndr_print *ndr, const char *fmt, ...) PRINTF_ATTRIBUTE(2, 3);
static void capture(struct ndr_print *ndr, const char *fmt, ...)
{
	va_list ap;
	size_t used = strlen(printed);

	va_start(ap, fmt);
	vsnprintf(printed + used, sizeof(printed) - used, fmt, ap);
	va_end(ap);
	strncat(printed, "\n", sizeof(printed) - strlen(printed) - 1);
}

/* Logs show WCHAR arrays as text and never CHAP secrets. */
static void test_print(void **state)
{
	struct ndr_print pr = { .print = capture };
	struct SESSION s = { 0 };
	struct IHost_put_CHAPSecret r = { .in = { .Secret = "hunter2hunter2" } };

	assert_int_equal(WSTR_SET(s.InitiatorIQN, "iqn.1991-05.com.microsoft:x"), 0);
	printed[0] = '\0';
	ndr_print_SESSION(&pr, "s", &s);
	assert_non_null(strstr(printed, "'iqn.1991-05.com.microsoft:x'"));
	printed[0] = '\0';
	ndr_print_IHost_put_CHAPSecret(&pr, "r", NDR_IN, &r);
	assert_null(strstr(printed, "hunter2"));
	assert_non_null(strstr(printed, "<secret>"));
	printed[0] = '\0';
	pr.print_secrets = true;
	ndr_print_IHost_put_CHAPSecret(&pr, "r", NDR_IN, &r);
	assert_non_null(strstr(printed, "hunter2hunter2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bstr_pull),
		cmocka_unit_test(test_bstr_push_invalid_utf8),
		cmocka_unit_test(test_string8),
		cmocka_unit_test(test_fixed_string),
		cmocka_unit_test(test_enum16),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
