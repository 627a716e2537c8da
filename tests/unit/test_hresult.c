#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "istmd/hresult.h"

static void test_values(void **unused)
{
	/* MS-ERREF 2.1.1 / 2.1.2 */
	assert_int_equal(E_ACCESSDENIED, 0x80070005u);
	assert_int_equal(HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED), E_ACCESSDENIED);
	assert_int_equal(HRESULT_FROM_WIN32(ERROR_FILE_EXISTS), 0x80070050u);
	assert_int_equal(HRESULT_FROM_WIN32(0), S_OK);
	/* the values MS-ISTM's target methods list (3.21.4.x, 3.25.4.x) */
	assert_int_equal(HRESULT_FROM_WIN32(ERROR_HANDLE_EOF), 0x80070026u);
	assert_int_equal(HRESULT_FROM_WIN32(ERROR_DUP_NAME), 0x80070034u);
	assert_int_equal(HRESULT_FROM_WIN32(ERROR_DELETE_PENDING), 0x8007012fu);
	/* the constant form for static tables */
	static const uint32_t table[] = { HR_WIN32(ERROR_DRIVE_LOCKED) };
	assert_int_equal(table[0], HRESULT_FROM_WIN32(ERROR_DRIVE_LOCKED));
	assert_int_equal(HR_WIN32(ERROR_UNSUPPORTED_TYPE), 0x8007065Eu);
	assert_true(HR_FAILED(E_FAIL));
	assert_false(HR_FAILED(S_FALSE));
}

static void test_names(void **unused)
{
	char buf[64];
	assert_string_equal(hresult_name(E_INVALIDARG, buf, sizeof(buf)), "E_INVALIDARG");
	assert_string_equal(hresult_name(HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS), buf, sizeof(buf)),
			    "HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)");
	assert_string_equal(hresult_name(HRESULT_FROM_WIN32(ERROR_DUP_NAME), buf, sizeof(buf)),
			    "HRESULT_FROM_WIN32(ERROR_DUP_NAME)");
	assert_string_equal(hresult_name(0x8004230Du, buf, sizeof(buf)), "0x8004230D");
	assert_int_equal(hresult_from_errno(-ENOENT), 0x80070002u);
	assert_int_equal(hresult_from_errno(-EACCES), E_ACCESSDENIED);
	assert_int_equal(hresult_from_errno(-EIO), E_FAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
