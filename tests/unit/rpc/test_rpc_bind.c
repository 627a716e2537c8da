/* Presentation context negotiation tables (C706 12.6.4.3, MS-RPCE 3.3.1.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <rpc_common.h>

#include "rpc/bind.h"
#include "rpc/server.h"
#include "rpc_test_iface.h"

static const struct rpc_interface test_iface = { .idl = &idl_iface_rpctest };
static const struct idl_interface other_idl = { .name = "other", .table = &ndr_table_rpctest_other };
static const struct rpc_interface other_iface = { .idl = &other_idl };
static bool serve_other;

static const struct rpc_interface *find(void *priv, const struct ndr_syntax_id *abstract)
{
	if (ndr_syntax_id_equal(abstract, &ndr_table_rpctest.syntax_id))
		return &test_iface;
	if (serve_other && ndr_syntax_id_equal(abstract, &ndr_table_rpctest_other.syntax_id))
		return &other_iface;
	return NULL;
}

struct fixture {
	TALLOC_CTX *mem;
	struct rpc_pctx *list;
	unsigned count;
	struct rpc_negotiation neg;
};

static int setup(void **state)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);
	f->mem = f;
	f->neg = (struct rpc_negotiation){ .find_iface = find, .is_bind = true, .max_contexts = 4 };
	serve_other = false;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	talloc_free(*state);
	return 0;
}

static int negotiate(struct fixture *f, unsigned n, struct dcerpc_ctx_list *ctx,
		     struct dcerpc_ack_ctx *acks, uint16_t *features, bool *has_features)
{
	struct dcerpc_bind b = { .num_contexts = (uint8_t)n, .ctx_list = ctx };
	memset(acks, 0, n * sizeof(*acks));
	return rpc_negotiate_contexts(&f->neg, &b, f->mem, &f->list, &f->count, acks, features,
				      has_features);
}

static void test_results_per_context(void **state)
{
	struct fixture *f = *state;
	const struct ndr_syntax_id *iface = &ndr_table_rpctest.syntax_id;
	const struct ndr_syntax_id *other = &ndr_table_rpctest_other.syntax_id;
	struct ndr_syntax_id features = dcerpc_construct_bind_time_features(
		DCERPC_BIND_TIME_SECURITY_CONTEXT_MULTIPLEXING |
		DCERPC_BIND_TIME_KEEP_CONNECTION_ON_ORPHAN | 0x80);
	struct dcerpc_ctx_list ctx[4] = {
		ctx_elem(f->mem, 0, iface, &ndr_transfer_syntax_ndr64),
		ctx_elem(f->mem, 1, iface, &ndr_transfer_syntax_ndr),
		ctx_elem(f->mem, 2, other, &ndr_transfer_syntax_ndr),
		ctx_elem(f->mem, 3, iface, &features),
	};
	struct dcerpc_ack_ctx acks[4];
	uint16_t feat;
	bool has;
	assert_int_equal(negotiate(f, 4, ctx, acks, &feat, &has), 0);

	/* NDR64 refused: provider rejection, proposed transfer syntaxes not supported */
	assert_int_equal(acks[0].result, DCERPC_BIND_ACK_RESULT_PROVIDER_REJECTION);
	assert_int_equal(acks[0].reason.value, DCERPC_BIND_ACK_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED);
	/* NDR 2.0 accepted */
	assert_int_equal(acks[1].result, DCERPC_BIND_ACK_RESULT_ACCEPTANCE);
	assert_true(ndr_syntax_id_equal(&acks[1].syntax, &ndr_transfer_syntax_ndr));
	/* an interface we do not serve */
	assert_int_equal(acks[2].result, DCERPC_BIND_ACK_RESULT_PROVIDER_REJECTION);
	assert_int_equal(acks[2].reason.value, DCERPC_BIND_ACK_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
	/* bind-time features: negotiate_ack with what we support, zero syntax */
	assert_int_equal(acks[3].result, DCERPC_BIND_ACK_RESULT_NEGOTIATE_ACK);
	assert_int_equal(acks[3].reason.negotiate, DCERPC_BIND_TIME_SECURITY_CONTEXT_MULTIPLEXING |
							   DCERPC_BIND_TIME_KEEP_CONNECTION_ON_ORPHAN);
	assert_true(GUID_all_zero(&acks[3].syntax.uuid));
	assert_true(has);
	assert_int_equal(feat, 3);

	assert_int_equal(f->count, 1);
	assert_int_equal(f->list->id, 1);
	assert_ptr_equal(f->list->iface, &test_iface);
}

static void test_one_transfer_syntax_per_interface(void **state)
{
	struct fixture *f = *state;
	const struct ndr_syntax_id *iface = &ndr_table_rpctest.syntax_id;
	struct ndr_syntax_id both[2] = { ndr_transfer_syntax_ndr64, ndr_transfer_syntax_ndr };
	struct dcerpc_ctx_list ctx[2] = {
		{ .context_id = 0, .num_transfer_syntaxes = 2, .abstract_syntax = *iface,
		  .transfer_syntaxes = both },
		ctx_elem(f->mem, 1, iface, &ndr_transfer_syntax_ndr),
	};
	struct dcerpc_ack_ctx acks[2];
	uint16_t feat;
	bool has;
	assert_int_equal(negotiate(f, 2, ctx, acks, &feat, &has), 0);
	/* NDR picked from a list offering NDR64 first */
	assert_int_equal(acks[0].result, DCERPC_BIND_ACK_RESULT_ACCEPTANCE);
	assert_true(ndr_syntax_id_equal(&acks[0].syntax, &ndr_transfer_syntax_ndr));
	assert_int_equal(acks[1].result, DCERPC_BIND_ACK_RESULT_PROVIDER_REJECTION);
	assert_int_equal(acks[1].reason.value, DCERPC_BIND_ACK_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED);
	assert_false(has);
	assert_int_equal(f->count, 1);
}

static void test_context_reuse(void **state)
{
	struct fixture *f = *state;
	const struct ndr_syntax_id *iface = &ndr_table_rpctest.syntax_id;
	struct dcerpc_ctx_list ctx = ctx_elem(f->mem, 7, iface, &ndr_transfer_syntax_ndr);
	struct dcerpc_ack_ctx acks[1];
	uint16_t feat;
	bool has;
	assert_int_equal(negotiate(f, 1, &ctx, acks, &feat, &has), 0);
	/* the same context again (auth legs resend it): accepted, not added */
	f->neg.is_bind = false;
	assert_int_equal(negotiate(f, 1, &ctx, acks, &feat, &has), 0);
	assert_int_equal(acks[0].result, DCERPC_BIND_ACK_RESULT_ACCEPTANCE);
	assert_int_equal(f->count, 1);
	/* the same id for an interface we do not serve: just rejected */
	struct dcerpc_ctx_list other = ctx_elem(f->mem, 7, &ndr_table_rpctest_other.syntax_id,
						&ndr_transfer_syntax_ndr);
	assert_int_equal(negotiate(f, 1, &other, acks, &feat, &has), 0);
	assert_int_equal(acks[0].result, DCERPC_BIND_ACK_RESULT_PROVIDER_REJECTION);
	assert_int_equal(acks[0].reason.value, DCERPC_BIND_ACK_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
	/* for another interface we serve it is a protocol error */
	serve_other = true;
	assert_int_equal(negotiate(f, 1, &other, acks, &feat, &has), -EPROTO);
	assert_int_equal(f->count, 1);
}

static void test_protocol_errors(void **state)
{
	struct fixture *f = *state;
	const struct ndr_syntax_id *iface = &ndr_table_rpctest.syntax_id;
	struct ndr_syntax_id features = dcerpc_construct_bind_time_features(1);
	struct dcerpc_ack_ctx acks[2];
	uint16_t feat;
	bool has;

	struct dcerpc_ctx_list none = ctx_elem(f->mem, 0, iface, NULL);
	assert_int_equal(negotiate(f, 1, &none, acks, &feat, &has), -EPROTO);

	struct dcerpc_ctx_list two[2] = { ctx_elem(f->mem, 0, iface, &features),
					  ctx_elem(f->mem, 1, iface, &features) };
	assert_int_equal(negotiate(f, 2, two, acks, &feat, &has), -EPROTO);

	/* on alter_context the feature syntax is just an unknown transfer syntax */
	f->neg.is_bind = false;
	assert_int_equal(negotiate(f, 1, two, acks, &feat, &has), 0);
	assert_int_equal(acks[0].result, DCERPC_BIND_ACK_RESULT_PROVIDER_REJECTION);
	assert_int_equal(acks[0].reason.value, DCERPC_BIND_ACK_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED);
	assert_int_equal(f->count, 0);
}

static void test_context_limit(void **state)
{
	struct fixture *f = *state;
	const struct ndr_syntax_id *iface = &ndr_table_rpctest.syntax_id;
	struct dcerpc_ack_ctx acks[1];
	uint16_t feat;
	bool has;
	for (uint16_t id = 0; id < 4; id++) {
		struct dcerpc_ctx_list c = ctx_elem(f->mem, id, iface, &ndr_transfer_syntax_ndr);
		assert_int_equal(negotiate(f, 1, &c, acks, &feat, &has), 0);
	}
	struct dcerpc_ctx_list c = ctx_elem(f->mem, 4, iface, &ndr_transfer_syntax_ndr);
	assert_int_equal(negotiate(f, 1, &c, acks, &feat, &has), -ENOSPC);
	assert_int_equal(f->count, 4);
	assert_null(rpc_pctx_find(f->list, 4));
	assert_non_null(rpc_pctx_find(f->list, 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_results_per_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_transfer_syntax_per_interface, setup, teardown),
		cmocka_unit_test_setup_teardown(test_context_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_context_limit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
