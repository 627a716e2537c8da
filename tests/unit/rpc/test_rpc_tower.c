/* Protocol towers (C706 appendix L) against a vector built by impacket's
 * EPMTower for IObjectExporter over NDR at 127.0.0.2:1136. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "rpc/tower.h"

static const uint8_t impacket_tower[75] = {
	0x05, 0x00, 0x13, 0x00, 0x0d, 0xc4, 0xfe, 0xfc, 0x99, 0x60, 0x52, 0x1b, 0x10, 0xbb, 0xcb,
	0x00, 0xaa, 0x00, 0x21, 0x34, 0x7a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x13, 0x00, 0x0d,
	0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48,
	0x60, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x07, 0x02, 0x00, 0x04, 0x70, 0x01, 0x00, 0x09, 0x04, 0x00, 0x7f, 0x00, 0x00, 0x02,
};

static struct ndr_syntax_id oxid(void)
{
	struct ndr_syntax_id id = { .if_version = 0 };
	assert_true(NT_STATUS_IS_OK(GUID_from_string("99fcfec4-5260-101b-bbcb-00aa0021347a", &id.uuid)));
	return id;
}

static void test_build_matches_impacket(void **unused)
{
	struct ndr_syntax_id id = oxid();
	static const uint8_t ip[4] = { 127, 0, 0, 2 };
	DATA_BLOB b;
	assert_int_equal(rpc_tower_build_tcp(NULL, &id, 1136, ip, &b), 0);
	assert_int_equal(b.length, sizeof(impacket_tower));
	assert_memory_equal(b.data, impacket_tower, sizeof(impacket_tower));
	talloc_free(b.data);
}

static void test_parse(void **unused)
{
	struct rpc_tower t;
	struct ndr_syntax_id id = oxid();
	assert_int_equal(rpc_tower_parse(impacket_tower, sizeof(impacket_tower), &t), 0);
	assert_true(ndr_syntax_id_equal(&t.iface, &id));
	assert_true(ndr_syntax_id_equal(&t.transfer, &ndr_transfer_syntax_ndr));
	assert_int_equal(t.rpc_protocol, EPM_PROTOCOL_NCACN);
	assert_true(t.tcp);
	assert_int_equal(t.port, 1136);
	assert_int_equal(t.ipv4[0], 127);
	assert_int_equal(t.ipv4[3], 2);

	/* only three floors: no transport */
	uint8_t three[75];
	memcpy(three, impacket_tower, sizeof(three));
	three[0] = 3;
	assert_int_equal(rpc_tower_parse(three, 2 + 25 + 25 + 7, &t), 0);
	assert_false(t.tcp);
}

static void test_parse_rejects_truncation(void **unused)
{
	struct rpc_tower t;
	/* every prefix is refused, never read past */
	for (size_t len = 0; len < 2 + 25 + 25 + 7; len++)
		assert_int_equal(rpc_tower_parse(impacket_tower, len, &t), -EINVAL);
	for (size_t len = 2 + 25 + 25 + 7; len < sizeof(impacket_tower); len++)
		assert_int_equal(rpc_tower_parse(impacket_tower, len, &t), -EINVAL);
	uint8_t bad[75];
	memcpy(bad, impacket_tower, sizeof(bad));
	bad[2] = 0xff; /* lhs length beyond the tower */
	assert_int_equal(rpc_tower_parse(bad, sizeof(bad), &t), -EINVAL);
	memcpy(bad, impacket_tower, sizeof(bad));
	bad[4] = 0x0c; /* not a UUID floor */
	assert_int_equal(rpc_tower_parse(bad, sizeof(bad), &t), -EINVAL);
	memcpy(bad, impacket_tower, sizeof(bad));
	bad[0] = 2;
	assert_int_equal(rpc_tower_parse(bad, sizeof(bad), &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_matches_impacket),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_rejects_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
