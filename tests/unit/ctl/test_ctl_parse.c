/* istmctl's command-line values and displayed values (src/ctl/parse.c) and
 * its HRESULT messages and exit codes (src/ctl/errors.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "ctl/errors.h"
#include "ctl/parse.h"
#include "istmd/hresult.h"

static void test_sizes(void **unused)
{
	uint64_t b;
	assert_int_equal(ctl_parse_size("67108864", &b), 0);
	assert_int_equal(b, 67108864u);
	assert_int_equal(ctl_parse_size("64M", &b), 0);
	assert_int_equal(b, 64u << 20);
	assert_int_equal(ctl_parse_size("64MiB", &b), 0);
	assert_int_equal(b, 64u << 20);
	assert_int_equal(ctl_parse_size("64m", &b), 0);
	assert_int_equal(b, 64u << 20);
	assert_int_equal(ctl_parse_size("1G", &b), 0);
	assert_int_equal(b, 1u << 30);
	assert_int_equal(ctl_parse_size("2T", &b), 0);
	assert_int_equal(b, 2ull << 40);
	assert_int_equal(ctl_parse_size("512K", &b), 0);
	assert_int_equal(b, 512u << 10);
	assert_int_equal(ctl_parse_size("512b", &b), 0);
	assert_int_equal(b, 512u);
	/* refused */
	/* "MB" is read as admins of Windows and targetcli mean it: binary */
	assert_int_equal(ctl_parse_size("64MB", &b), 0);
	assert_int_equal(b, 64ull << 20);
	assert_int_equal(ctl_parse_size("1GB", &b), 0);
	assert_int_equal(b, 1ull << 30);
	assert_int_equal(ctl_parse_size("1tb", &b), 0);
	assert_int_equal(b, 1ull << 40);
	assert_int_equal(ctl_parse_size("4KB", &b), 0);
	assert_int_equal(b, 4096);
	assert_int_equal(ctl_parse_size("64MBX", &b), -EINVAL);
	assert_int_equal(ctl_parse_size("64MiBB", &b), -EINVAL);
	assert_int_equal(ctl_parse_size("64Mi", &b), -EINVAL);
	assert_int_equal(ctl_parse_size("1e9", &b), -EINVAL);
	assert_int_equal(ctl_parse_size("0x10M", &b), -EINVAL);
	assert_int_equal(ctl_parse_size("", &b), -EINVAL);
	assert_int_equal(ctl_parse_size("0", &b), -EINVAL);
	assert_int_equal(ctl_parse_size("-1", &b), -EINVAL);
	assert_int_equal(ctl_parse_size(" 1", &b), -EINVAL);
	assert_int_equal(ctl_parse_size("1.5G", &b), -EINVAL);
	assert_int_equal(ctl_parse_size("12Q", &b), -EINVAL);
	assert_int_equal(ctl_parse_size("64 M", &b), -EINVAL);
	assert_int_equal(ctl_parse_size("M", &b), -EINVAL);
	/* hyper is signed: at most 2^63 - 1 bytes */
	assert_int_equal(ctl_parse_size("8388608T", &b), -ERANGE);
	assert_int_equal(ctl_parse_size("8388607T", &b), 0);
	assert_int_equal(ctl_parse_size("99999999999999999999999", &b), -ERANGE);
}

static void test_numbers(void **unused)
{
	uint32_t v;
	assert_int_equal(ctl_parse_u32("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ctl_parse_u32("4294967295", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(ctl_parse_u32("4294967296", 0, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(ctl_parse_u32("11", 0, 10, &v), -ERANGE);
	assert_int_equal(ctl_parse_u32("1x", 0, 10, &v), -EINVAL);
	assert_int_equal(ctl_parse_u32("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(ctl_parse_u32("", 0, 10, &v), -EINVAL);
}

static void expect_id(const char *text, enum ctl_id_method method, const char *value)
{
	enum ctl_id_method m;
	const char *v;
	assert_int_equal(ctl_parse_initiator(text, &m, &v), 0);
	assert_int_equal(m, method);
	assert_string_equal(v, value);
}

static void test_initiators(void **unused)
{
	expect_id("iqn.1991-05.com.contoso:test-server", CTL_ID_IQN,
		  "iqn.1991-05.com.contoso:test-server");
	expect_id("eui.02004567A425678D", CTL_ID_IQN, "eui.02004567A425678D");
	expect_id("naa.52004567BA64678D", CTL_ID_IQN, "naa.52004567BA64678D");
	expect_id("*", CTL_ID_IQN, "*");
	expect_id("IQN:*", CTL_ID_IQN, "*");
	expect_id("iqn:iqn.2000-01.x:y", CTL_ID_IQN, "iqn.2000-01.x:y");
	expect_id("10.0.0.1", CTL_ID_IPV4, "10.0.0.1");
	expect_id("10.0.0.0/8", CTL_ID_IPV4, "10.0.0.0/8");
	expect_id("::1", CTL_ID_IPV6, "::1");
	expect_id("fe80::1/64", CTL_ID_IPV6, "fe80::1/64");
	expect_id("ipv6:::1", CTL_ID_IPV6, "::1");
	expect_id("ip:192.168.1.2", CTL_ID_IPV4, "192.168.1.2");
	expect_id("host.example.org", CTL_ID_DNS, "host.example.org");
	expect_id("DNS:host", CTL_ID_DNS, "host");
	expect_id("00:11:22:33:44:55", CTL_ID_MAC, "00:11:22:33:44:55");
	expect_id("mac:00-11-22-33-44-55", CTL_ID_MAC, "00-11-22-33-44-55");
	expect_id("netbios:WIN01", CTL_ID_NETBIOS, "WIN01");
	/* a prefix that is not an address stays a host name */
	expect_id("10.0.0.1/33", CTL_ID_DNS, "10.0.0.1/33");

	enum ctl_id_method m;
	const char *v;
	assert_int_equal(ctl_parse_initiator("", &m, &v), -EINVAL);
	assert_int_equal(ctl_parse_initiator("iqn:", &m, &v), -EINVAL);
	assert_int_equal(ctl_parse_initiator("foo:bar", &m, &v), -EINVAL);
	assert_string_equal(ctl_id_method_name(CTL_ID_IPV6), "ipv6");
	assert_string_equal(ctl_id_method_name(4), "iqn");
	assert_string_equal(ctl_id_method_name(99), "unknown");
	assert_string_equal(ctl_id_method_name(UINT32_MAX), "unknown");
}

static void test_disks_and_paths(void **unused)
{
	uint32_t wtd;
	assert_true(ctl_disk_is_index("3", &wtd));
	assert_int_equal(wtd, 3);
	assert_false(ctl_disk_is_index("D:\\a.vhd", &wtd));
	assert_false(ctl_disk_is_index("/srv/3", &wtd));
	assert_false(ctl_disk_is_index("3.vhd", &wtd));

	assert_true(ctl_path_same("D:\\dir\\a.vhd", "D:\\dir\\a.vhd"));
	assert_true(ctl_path_same("d:/dir/a.vhd", "D:\\dir\\a.vhd"));
	assert_true(ctl_path_same("\\\\?\\D:\\dir\\a.vhd", "D:\\dir\\a.vhd"));
	assert_true(ctl_path_same("/srv/iscsi/a.vhd", "/srv/iscsi/a.vhd"));
	assert_false(ctl_path_same("D:\\dir\\A.vhd", "D:\\dir\\a.vhd")); /* Linux names */
	assert_false(ctl_path_same("E:\\dir\\a.vhd", "D:\\dir\\a.vhd"));
	assert_false(ctl_path_same("/srv/iscsi/a.vhd", "D:\\a.vhd"));
	assert_false(ctl_path_same("D:\\a.vhd", NULL));
	assert_false(ctl_path_same("D:\\a.vhdx", "D:\\a.vhd"));
}

static void test_display(void **unused)
{
	char buf[64];
	assert_null(ctl_filetime_text(0, buf, sizeof(buf)));
	assert_null(ctl_filetime_text(-5, buf, sizeof(buf)));
	/* 2024-01-02T03:04:05Z = 1704164645 s after 1970 */
	int64_t ft = (1704164645LL + 11644473600LL) * 10000000LL + 1234567;
	assert_string_equal(ctl_filetime_text(ft, buf, sizeof(buf)), "2024-01-02T03:04:05Z");
	assert_string_equal(ctl_size_text(64u << 20, buf, sizeof(buf)), "64 MiB");
	assert_string_equal(ctl_size_text(1536u << 20, buf, sizeof(buf)), "1536 MiB");
	assert_string_equal(ctl_size_text(1u << 30, buf, sizeof(buf)), "1 GiB");
	assert_string_equal(ctl_size_text(513, buf, sizeof(buf)), "513 bytes");
	assert_string_equal(ctl_size_text(0, buf, sizeof(buf)), "0 bytes");
}

static void test_errors(void **unused)
{
	const uint32_t not_found = HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
	/* the method picks the meaning, else the generic one */
	assert_string_equal(ctl_hresult_meaning("GetHost", not_found), "no such target");
	assert_string_equal(ctl_hresult_meaning("GetWTDisk", not_found), "no such virtual disk");
	assert_string_equal(ctl_hresult_meaning("Whatever", not_found), "not found");
	assert_string_equal(ctl_hresult_meaning(NULL, not_found), "not found");
	assert_non_null(strstr(ctl_hresult_meaning("Save", HRESULT_FROM_WIN32(ERROR_DUP_NAME)),
			       "CHAP user name"));
	assert_string_equal(ctl_hresult_meaning("DoesFileExist", E_FAIL), "the file does not exist");
	assert_string_equal(ctl_hresult_meaning("X", 0x8004DEADu), "the server reported an error");

	assert_int_equal(ctl_hresult_exit(not_found), CTL_EXIT_NOT_FOUND);
	assert_int_equal(ctl_hresult_exit(HRESULT_FROM_WIN32(ERROR_FILE_EXISTS)), CTL_EXIT_EXISTS);
	assert_int_equal(ctl_hresult_exit(HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)), CTL_EXIT_EXISTS);
	assert_int_equal(ctl_hresult_exit(HRESULT_FROM_WIN32(ERROR_DRIVE_LOCKED)), CTL_EXIT_BUSY);
	assert_int_equal(ctl_hresult_exit(HRESULT_FROM_WIN32(ERROR_DEVICE_IN_USE)), CTL_EXIT_BUSY);
	assert_int_equal(ctl_hresult_exit(E_ACCESSDENIED), CTL_EXIT_DENIED);
	/* a path outside the storage roots, whichever call noticed: 6 */
	assert_int_equal(ctl_hresult_exit(HRESULT_FROM_WIN32(ERROR_INVALID_DRIVE)),
			 CTL_EXIT_DENIED);
	assert_int_equal(ctl_hresult_exit(E_INVALIDARG), CTL_EXIT_INVALID);
	assert_int_equal(ctl_hresult_exit(HRESULT_FROM_WIN32(ERROR_BAD_LENGTH)), CTL_EXIT_INVALID);
	assert_int_equal(ctl_hresult_exit(E_NOTIMPL), CTL_EXIT_UNSUPPORTED);
	assert_int_equal(ctl_hresult_exit(E_FAIL), CTL_EXIT_FAILURE);
	assert_int_equal(ctl_hresult_exit(0x8004DEADu), CTL_EXIT_FAILURE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_initiators),
		cmocka_unit_test(test_disks_and_paths),
		cmocka_unit_test(test_display),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
