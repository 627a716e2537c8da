/* The endpoint mapper's answers (MS-RPCE 2.2.1.2) over registered interfaces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rpc/epm.h"
#include "rpc/tower.h"
#include "rpc_test_iface.h"

struct fx {
	TALLOC_CTX *mem;
	struct tevent_context *ev;
	struct rpc_server *server;
};

static int setup(void **state)
{
	struct fx *f = talloc_zero(NULL, struct fx);
	f->mem = talloc_new(f);
	f->ev = tevent_context_init(f);
	f->server = test_server(f, f->ev, "object_port = 0");
	rpctest_register(f->server);                          /* both ports */
	rpctest_register_other(f->server, RPC_EP_OBJECT);      /* objects only */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	talloc_free(*state);
	return 0;
}

static DATA_BLOB map_tower(struct fx *f, const struct ndr_syntax_id *id)
{
	static const uint8_t any[4];
	DATA_BLOB t;
	assert_int_equal(rpc_tower_build_tcp(f->mem, id, 0, any, &t), 0);
	return t;
}

static void test_map(void **state)
{
	struct fx *f = *state;
	DATA_BLOB want = map_tower(f, &ndr_table_rpctest.syntax_id);
	DATA_BLOB *towers;
	uint32_t n;
	assert_int_equal(rpc_epm_map(f->server, f->mem, want.data, want.length, "127.0.0.1", 10,
				     &towers, &n), 0);
	assert_int_equal(n, 2);
	struct rpc_tower t;
	assert_int_equal(rpc_tower_parse(towers[0].data, towers[0].length, &t), 0);
	assert_true(t.tcp);
	assert_int_equal(t.port, rpc_server_port(f->server, RPC_EP_MAPPER));
	assert_int_equal(t.ipv4[0], 127);
	assert_int_equal(t.ipv4[3], 1);
	assert_int_equal(rpc_tower_parse(towers[1].data, towers[1].length, &t), 0);
	assert_int_equal(t.port, rpc_server_port(f->server, RPC_EP_OBJECT));

	/* max_towers bounds the answer */
	assert_int_equal(rpc_epm_map(f->server, f->mem, want.data, want.length, "::1", 1, &towers,
				     &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rpc_tower_parse(towers[0].data, towers[0].length, &t), 0);
	assert_int_equal(t.ipv4[0], 0); /* not an IPv4 client */

	/* the object-only interface maps to the object port */
	want = map_tower(f, &ndr_table_rpctest_other.syntax_id);
	assert_int_equal(rpc_epm_map(f->server, f->mem, want.data, want.length, "127.0.0.1", 10,
				     &towers, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rpc_tower_parse(towers[0].data, towers[0].length, &t), 0);
	assert_int_equal(t.port, rpc_server_port(f->server, RPC_EP_OBJECT));
}

static void test_map_refusals(void **state)
{
	struct fx *f = *state;
	DATA_BLOB *towers;
	uint32_t n;
	struct ndr_syntax_id id = ndr_table_rpctest.syntax_id;
	/* a newer minor version than served, another major version */
	id.if_version = 1 | 1 << 16;
	DATA_BLOB t = map_tower(f, &id);
	assert_int_equal(rpc_epm_map(f->server, f->mem, t.data, t.length, "127.0.0.1", 4, &towers, &n),
			 EPT_S_NOT_REGISTERED);
	id.if_version = 2;
	t = map_tower(f, &id);
	assert_int_equal(rpc_epm_map(f->server, f->mem, t.data, t.length, "127.0.0.1", 4, &towers, &n),
			 EPT_S_NOT_REGISTERED);
	/* NDR64 */
	t = map_tower(f, &ndr_table_rpctest.syntax_id);
	memcpy(t.data + 2 + 25 + 3, &ndr_transfer_syntax_ndr64.uuid, 4); /* garble the transfer UUID */
	assert_int_equal(rpc_epm_map(f->server, f->mem, t.data, t.length, "127.0.0.1", 4, &towers, &n),
			 EPT_S_NOT_REGISTERED);
	/* not TCP: the fourth floor says named pipe (0x0f) */
	t = map_tower(f, &ndr_table_rpctest.syntax_id);
	t.data[2 + 25 + 25 + 7 + 2] = 0x0f;
	assert_int_equal(rpc_epm_map(f->server, f->mem, t.data, t.length, "127.0.0.1", 4, &towers, &n),
			 EPT_S_NOT_REGISTERED);
	/* garbage */
	assert_int_equal(rpc_epm_map(f->server, f->mem, t.data, 5, "127.0.0.1", 4, &towers, &n),
			 EPT_S_CANT_PERFORM_OP);
}

static void test_lookup_paging(void **state)
{
	struct fx *f = *state;
	struct rpc_epm_entry e[4];
	uint32_t n, next;
	/* three entries: rpctest on both ports, rpctest_other on the object port */
	assert_int_equal(rpc_epm_lookup(f->server, RPC_C_EP_ALL_ELTS, NULL, NULL, RPC_C_VERS_ALL, 0, 4,
					e, &n, &next), 0);
	assert_int_equal(n, 3);
	assert_int_equal(next, 0);
	assert_int_equal(e[0].endpoint, RPC_EP_MAPPER);
	assert_int_equal(e[2].endpoint, RPC_EP_OBJECT);

	assert_int_equal(rpc_epm_lookup(f->server, RPC_C_EP_ALL_ELTS, NULL, NULL, RPC_C_VERS_ALL, 0, 2,
					e, &n, &next), 0);
	assert_int_equal(n, 2);
	assert_int_equal(next, 2);
	assert_int_equal(rpc_epm_lookup(f->server, RPC_C_EP_ALL_ELTS, NULL, NULL, RPC_C_VERS_ALL, next,
					2, e, &n, &next), 0);
	assert_int_equal(n, 1);
	assert_int_equal(next, 0);
	assert_ptr_equal(e[0].iface->idl, &idl_iface_rpctest_other);
	assert_int_equal(rpc_epm_lookup(f->server, RPC_C_EP_ALL_ELTS, NULL, NULL, RPC_C_VERS_ALL, 3,
					2, e, &n, &next), EPT_S_NOT_REGISTERED);

	/* by interface and version */
	struct ndr_syntax_id id = ndr_table_rpctest_other.syntax_id;
	assert_int_equal(rpc_epm_lookup(f->server, RPC_C_EP_MATCH_BY_IF, NULL, &id, RPC_C_VERS_EXACT,
					0, 4, e, &n, &next), 0);
	assert_int_equal(n, 1);
	id.if_version = 0;
	assert_int_equal(rpc_epm_lookup(f->server, RPC_C_EP_MATCH_BY_IF, NULL, &id, RPC_C_VERS_EXACT,
					0, 4, e, &n, &next), EPT_S_NOT_REGISTERED);
	assert_int_equal(rpc_epm_lookup(f->server, RPC_C_EP_MATCH_BY_IF, NULL, &id, RPC_C_VERS_UPTO,
					0, 4, e, &n, &next), EPT_S_NOT_REGISTERED);
	id.if_version = 5;
	assert_int_equal(rpc_epm_lookup(f->server, RPC_C_EP_MATCH_BY_IF, NULL, &id, RPC_C_VERS_UPTO,
					0, 4, e, &n, &next), 0);
	/* by a non-nil object: none of ours */
	struct GUID obj = { .time_low = 1 };
	assert_int_equal(rpc_epm_lookup(f->server, RPC_C_EP_MATCH_BY_OBJ, &obj, NULL, RPC_C_VERS_ALL,
					0, 4, e, &n, &next), EPT_S_NOT_REGISTERED);
}

static void test_versions(void **unused)
{
	uint32_t v12 = 1 | 2 << 16; /* 1.2 */
	assert_true(rpc_epm_version_matches(v12, 1 | 1 << 16, RPC_C_VERS_COMPATIBLE));
	assert_false(rpc_epm_version_matches(v12, 1 | 3 << 16, RPC_C_VERS_COMPATIBLE));
	assert_false(rpc_epm_version_matches(v12, 2, RPC_C_VERS_COMPATIBLE));
	assert_true(rpc_epm_version_matches(v12, 1 | 7 << 16, RPC_C_VERS_MAJOR_ONLY));
	assert_true(rpc_epm_version_matches(v12, 1 | 2 << 16, RPC_C_VERS_EXACT));
	assert_true(rpc_epm_version_matches(v12, 2, RPC_C_VERS_UPTO));
	assert_false(rpc_epm_version_matches(v12, 1 | 1 << 16, RPC_C_VERS_UPTO));
	assert_true(rpc_epm_version_matches(v12, 9, RPC_C_VERS_ALL));
	assert_false(rpc_epm_version_matches(v12, v12, 99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_paging, setup, teardown),
		cmocka_unit_test(test_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
