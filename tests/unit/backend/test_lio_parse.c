/* The LIO backend's readers: an ACL's info file (sessions with their ISID,
 * TSIH and connections, as Linux 6.1 writes it), backstore and portal
 * names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "backend/lio_internal.h"

static const char info[] =
	"InitiatorName: iqn.1991-05.com.contoso:allowed\n"
	"InitiatorAlias: host1 \n"
	"LIO Session ID: 1   ISID: 0x80 01 23 45 00 07  TSIH: 3  SessionType: Normal\n"
	"Session State: TARG_SESS_STATE_LOGGED_IN\n"
	"---------------------[iSCSI Session Values]-----------------------\n"
	"  CmdSN/WR  :  CmdSN/WC  :  ExpCmdSN  :  MaxCmdSN  :     ITT    :     TTT\n"
	" 0x00000040   0x00000040   0x671c5f08   0x671c5f47   0x778d6c64   0x00000000\n"
	"----------------------[iSCSI Connections]-------------------------\n"
	"CID: 0  Connection State: TARG_CONN_STATE_LOGGED_IN\n"
	"   Address 10.0.2.2 TCP  StatSN: 0xf4b5d0be\n"
	"CID: 1  Connection State: TARG_CONN_STATE_LOGGED_IN\n"
	"   Address fd00::2 TCP  StatSN: 0x00000001\n";

static void test_acl_info(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct iscsi_session_info *s = NULL;
	size_t n = 0;
	assert_int_equal(lio_parse_acl_info(mem, "iqn.2003-01.t:x", info, &s, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].target_iqn, "iqn.2003-01.t:x");
	assert_string_equal(s[0].initiator_iqn, "iqn.1991-05.com.contoso:allowed");
	assert_string_equal(s[0].initiator_alias, "host1");
	assert_true(s[0].isid == 0x800123450007ull);
	assert_int_equal(s[0].tsih, 3);
	assert_false(s[0].discovery);
	assert_int_equal(s[0].n_conns, 2);
	assert_int_equal(s[0].conns[0].cid, 0);
	assert_string_equal(s[0].conns[0].initiator_address, "10.0.2.2");
	assert_int_equal(s[0].conns[1].cid, 1);
	assert_string_equal(s[0].conns[1].initiator_address, "fd00::2");

	/* no session */
	s = NULL;
	n = 0;
	assert_int_equal(lio_parse_acl_info(mem, "iqn.2003-01.t:x",
					    "InitiatorName: iqn.2000-01.a:b\n"
					    "No active iSCSI Session for Initiator Endpoint: "
					    "iqn.2000-01.a:b\n", &s, &n), 0);
	assert_int_equal(n, 0);
	/* garbage */
	assert_int_equal(lio_parse_acl_info(mem, "iqn.2003-01.t:x", "", &s, &n), 0);
	assert_int_equal(lio_parse_acl_info(mem, "iqn.2003-01.t:x",
					    "InitiatorName: x\nLIO Session ID: 1 ISID: zz",
					    &s, &n), 0);
	assert_int_equal(n, 1);
	assert_true(s[0].isid == 0);
	talloc_free(mem);
}

static void test_names(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *a = lio_backstore_name(mem, "iqn.2024-01.org.example:one", 1);
	char *b = lio_backstore_name(mem, "IQN.2024-01.ORG.EXAMPLE:ONE", 1);
	char *c = lio_backstore_name(mem, "iqn.2024-01.org.example:two", 1);
	assert_string_equal(a, b); /* IQNs compare without case */
	assert_string_not_equal(a, c);
	assert_int_equal(strncmp(a, "istmd_", 6), 0);
	assert_non_null(strstr(a, "_1"));

	struct iscsi_portal p4 = { "10.0.2.15", 3260 }, p6 = { "fd00::1", 3261 }, out;
	assert_string_equal(lio_np_name(mem, &p4), "10.0.2.15:3260");
	assert_string_equal(lio_np_name(mem, &p6), "[fd00::1]:3261");
	assert_int_equal(lio_np_parse(mem, "[fd00::1]:3261", &out), 0);
	assert_string_equal(out.address, "fd00::1");
	assert_int_equal(out.port, 3261);
	assert_int_not_equal(lio_np_parse(mem, "not a portal", &out), 0);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acl_info),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
