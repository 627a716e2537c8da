/* Parsers of tgtd's show replies: real replies of tgt 1.0.85, odd ones, and
 * garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "backend/tgt_parse.h"

static const char show_all[] =
	"Target 1: iqn.2024-01.test:t1\n"
	"    System information:\n"
	"        Driver: iscsi\n"
	"        State: ready\n"
	"    I_T nexus information:\n"
	"        I_T nexus: 2\n"
	"            Initiator: iqn.2024-01.init:a alias: host-a\n"
	"            Connection: 0\n"
	"                IP Address: 127.0.0.1\n"
	"    LUN information:\n"
	"        LUN: 0\n"
	"            Type: controller\n"
	"            SCSI ID: IET     00010000\n"
	"            SCSI SN: beaf10\n"
	"            Size: 0 MB, Block size: 1\n"
	"            Backing store path: None\n"
	"            Backing store flags: \n"
	"        LUN: 1\n"
	"            Type: disk\n"
	"            SCSI ID: abc\n"
	"            SCSI SN: SN123\n"
	"            Size: 10 MB, Block size: 512\n"
	"            Online: Yes\n"
	"            Readonly: Yes\n"
	"            Backing store type: rdwr\n"
	"            Backing store path: /tmp/f1.img\n"
	"            Backing store flags: direct\n"
	"        LUN: 300\n"
	"            Readonly: No\n"
	"            Backing store path: /dev/loop7\n"
	"            Backing store flags: \n"
	"    Account information:\n"
	"        u1\n"
	"        u3\n"
	"        u2 (outgoing)\n"
	"    ACL information:\n"
	"        127.0.0.1\n"
	"        iqn.2024-01.init:a\n"
	"        [::1]/128\n"
	"Target 12: iqn.2024-01.test:t2\n"
	"    System information:\n"
	"        Driver: iscsi\n"
	"        State: offline\n"
	"    I_T nexus information:\n"
	"    LUN information:\n"
	"        LUN: 0\n"
	"            Type: controller\n"
	"    Account information:\n"
	"    ACL information:\n";

static void test_targets(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_live_target *t = NULL;
	size_t n = 0;
	assert_int_equal(tgt_parse_targets(mem, show_all, &t, &n), 0);
	assert_int_equal(n, 2);

	assert_int_equal(t[0].tid, 1);
	assert_string_equal(t[0].iqn, "iqn.2024-01.test:t1");
	assert_string_equal(t[0].driver, "iscsi");
	assert_true(t[0].ready);
	assert_int_equal(t[0].n_luns, 2); /* LUN 0 is tgt's, not ours */
	assert_int_equal(t[0].luns[0].lun, 1);
	assert_string_equal(t[0].luns[0].path, "/tmp/f1.img");
	assert_string_equal(t[0].luns[0].serial, "SN123");
	assert_string_equal(t[0].luns[0].device_id, "abc");
	assert_true(t[0].luns[0].read_only);
	assert_true(t[0].luns[0].direct_io);
	assert_int_equal(t[0].luns[1].lun, 300);
	assert_string_equal(t[0].luns[1].path, "/dev/loop7");
	assert_false(t[0].luns[1].read_only);
	assert_false(t[0].luns[1].direct_io);
	assert_int_equal(t[0].n_in_users, 2);
	assert_string_equal(t[0].in_users[0], "u1");
	assert_string_equal(t[0].in_users[1], "u3");
	assert_string_equal(t[0].out_user, "u2");
	assert_int_equal(t[0].n_acl, 3);
	assert_string_equal(t[0].acl[2], "[::1]/128");
	assert_int_equal(t[0].n_nexus, 1);
	assert_int_equal(t[0].nexus[0].id, 2);
	assert_string_equal(t[0].nexus[0].initiator, "iqn.2024-01.init:a");
	assert_string_equal(t[0].nexus[0].alias, "host-a");
	assert_string_equal(t[0].nexus[0].address, "127.0.0.1");

	assert_int_equal(t[1].tid, 12);
	assert_false(t[1].ready);
	assert_int_equal(t[1].n_luns, 0);
	assert_null(t[1].out_user);
	assert_int_equal(t[1].n_acl, 0);
	talloc_free(mem);
}

static void test_targets_empty_and_garbage(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_live_target *t = NULL;
	size_t n = 99;
	assert_int_equal(tgt_parse_targets(mem, "", &t, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tgt_parse_targets(mem, "\n\n", &t, &n), 0);
	assert_int_equal(tgt_parse_targets(mem, "hello\n", &t, &n), -EPROTO);
	assert_int_equal(tgt_parse_targets(mem, "Target x: iqn\n", &t, &n), -EPROTO);
	assert_int_equal(tgt_parse_targets(mem, "Target 99999999999: iqn\n", &t, &n), -EPROTO);
	assert_int_equal(tgt_parse_targets(mem, "Target 1 iqn\n", &t, &n), -EPROTO);
	assert_int_equal(tgt_parse_targets(mem, "Target 3: iqn.a:b\n    LUN information:\n"
					   "        LUN: zz\n", &t, &n), -EPROTO);
	/* truncated in the middle of a LUN: what was read is kept */
	assert_int_equal(tgt_parse_targets(mem, "Target 3: iqn.2024-01.a:b\n    LUN information:\n"
					   "        LUN: 4\n            Backing store pa", &t, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].n_luns, 1);
	assert_null(t[0].luns[0].path);
	/* unknown lines and sections are ignored */
	assert_int_equal(tgt_parse_targets(mem, "Target 3: iqn.2024-01.a:b\n    Future section:\n"
					   "        Whatever: 1\n\tSystem information:\n"
					   "\t\tState: ready\n", &t, &n), 0);
	assert_true(t[0].ready);
	talloc_free(mem);
}

static void test_params(void **unused)
{
	static const char text[] =
		"nop_interval=5\nnop_count=3\nMaxRecvDataSegmentLength=65536\n"
		"HeaderDigest=CRC32C\nDataDigest=None\nInitialR2T=No\nMaxOutstandingR2T=4\n"
		"ImmediateData=Yes\nFirstBurstLength=65536\nMaxBurstLength=262144\n"
		"OFMarkInt=Reject\nMaxConnections=1\nMaxQueueCmd=128\nBogus=zz\n";
	struct iscsi_negotiation p;
	assert_int_equal(tgt_parse_params(text, &p), 0);
	assert_int_equal(p.max_recv_data_segment_length, 65536);
	assert_int_equal(p.first_burst_length, 65536);
	assert_int_equal(p.max_burst_length, 262144);
	assert_int_equal(p.max_outstanding_r2t, 4);
	assert_int_equal(p.max_connections, 1);
	assert_int_equal(p.queue_depth, 128);
	assert_int_equal(p.nop_interval, 5);
	assert_int_equal(p.nop_count, 3);
	assert_int_equal(p.header_digest, ISCSI_YES);
	assert_int_equal(p.data_digest, ISCSI_NO);
	assert_int_equal(p.initial_r2t, ISCSI_NO);
	assert_int_equal(p.immediate_data, ISCSI_YES);
	assert_int_equal(tgt_parse_params("", &p), -EPROTO);
	assert_int_equal(tgt_parse_params("MaxBurstLength=99999999999999999999\n", &p), 0);
	assert_int_equal(p.max_burst_length, 0);
}

static void test_conns(void **unused)
{
	static const char text[] = "Connection: 9\n" /* before any session: ignored */
				   "Session: 2\n"
				   "    Connection: 0\n"
				   "        Initiator: iqn.2024-01.init:a\n"
				   "        IP Address: 127.0.0.1\n"
				   "Session: 7\n"
				   "    Connection: 1\n"
				   "        Initiator: iqn.2024-01.init:b\n"
				   "        IP Address: ::1\n";
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_conn *c = NULL;
	size_t n = 0;
	assert_int_equal(tgt_parse_conns(mem, text, &c, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].tsih, 2);
	assert_int_equal(c[0].cid, 0);
	assert_string_equal(c[0].initiator, "iqn.2024-01.init:a");
	assert_string_equal(c[0].address, "127.0.0.1");
	assert_int_equal(c[1].tsih, 7);
	assert_int_equal(c[1].cid, 1);
	assert_string_equal(c[1].address, "::1");
	assert_int_equal(tgt_parse_conns(mem, "Session: 70000\n    Connection: 1\n", &c, &n), 0);
	assert_int_equal(n, 0);
	talloc_free(mem);
}

static void test_portals_and_accounts(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct iscsi_portal *p = NULL;
	size_t n = 0;
	assert_int_equal(tgt_parse_portals(mem, "Portal: 127.0.0.1:3260,1\nPortal: [::1]:3261,1\n"
					   "Portal: nonsense\n", &p, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].address, "127.0.0.1");
	assert_int_equal(p[0].port, 3260);
	assert_string_equal(p[1].address, "::1");
	assert_int_equal(p[1].port, 3261);

	const char **users = NULL;
	assert_int_equal(tgt_parse_accounts(mem, "Account list:\n    u2\n    u1\n", &users, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(users[0], "u2");
	assert_string_equal(users[1], "u1");
	assert_int_equal(tgt_parse_accounts(mem, "", &users, &n), 0);
	assert_int_equal(n, 0);
	talloc_free(mem);
}

static void test_acl_kind(void **unused)
{
	assert_true(tgt_acl_is_address("ALL"));
	assert_true(tgt_acl_is_address("10.0.0.1"));
	assert_true(tgt_acl_is_address("10.0.0.0/8"));
	assert_true(tgt_acl_is_address("fe80::1"));
	assert_true(tgt_acl_is_address("[fe80::1]/64"));
	assert_false(tgt_acl_is_address("iqn.2024-01.init:a"));
	assert_false(tgt_acl_is_address("[fe80::1"));
	assert_false(tgt_acl_is_address("10.0.0.0/33"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_targets_empty_and_garbage),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_conns),
		cmocka_unit_test(test_portals_and_accounts),
		cmocka_unit_test(test_acl_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
