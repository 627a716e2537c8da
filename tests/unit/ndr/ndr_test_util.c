#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ndr_test_util.h"

const struct idl_test_call *const test_call_tables[] = {
	idl_test_calls_ms_istm, idl_test_calls_ms_dcom, idl_test_calls_ms_rpce, idl_test_calls_idlc_features,
	idl_test_calls_istmd_ext, NULL,
};

const struct idl_test_type *const test_type_tables[] = {
	idl_test_types_ms_istm, idl_test_types_ms_dcom, idl_test_types_ms_rpce,
	idl_test_types_ms_vds, idl_test_types_ms_oaut, idl_test_types_ms_dtyp, idl_test_types_idlc_features,
	idl_test_types_istmd_ext, NULL,
};

static const struct idl_interface *const *const interface_lists[] = {
	idl_interfaces_ms_istm, idl_interfaces_ms_dcom, idl_interfaces_ms_rpce, idl_interfaces_idlc_features,
	idl_interfaces_istmd_ext, NULL,
};

const struct ndr_interface_call *test_call_entry(const struct idl_test_call *t)
{
	assert_true(t->opnum < t->table->num_calls);
	return &t->table->calls[t->opnum];
}

const struct idl_interface *test_call_interface(const struct idl_test_call *t)
{
	for (size_t l = 0; interface_lists[l] != NULL; l++) {
		for (size_t i = 0; interface_lists[l][i] != NULL; i++) {
			if (interface_lists[l][i]->table == t->table)
				return interface_lists[l][i];
		}
	}
	fail_msg("no idl_interface for %s", t->name);
	return NULL;
}

DATA_BLOB test_push_call(TALLOC_CTX *mem, const struct idl_test_call *t, int flags, const void *r)
{
	struct ndr_push *ndr = ndr_push_init_ctx(mem);
	enum ndr_err_code err;

	assert_non_null(ndr);
	err = test_call_entry(t)->ndr_push(ndr, flags, r);
	if (err != NDR_ERR_SUCCESS)
		fail_msg("push %s %s: %s", t->name, flags == NDR_IN ? "in" : "out", ndr_map_error2string(err));
	return ndr_push_blob(ndr);
}

enum ndr_err_code test_pull_call(TALLOC_CTX *mem, const struct idl_test_call *t, int flags,
				 const DATA_BLOB *blob, void *r, uint32_t *consumed)
{
	struct ndr_pull *ndr = ndr_pull_init_blob(blob, mem);
	enum ndr_err_code err;

	assert_non_null(ndr);
	err = test_call_entry(t)->ndr_pull(ndr, flags, r);
	if (consumed != NULL)
		*consumed = ndr->offset;
	talloc_free(ndr);
	return err;
}

DATA_BLOB test_push_type(TALLOC_CTX *mem, const struct idl_test_type *t, const void *r)
{
	struct ndr_push *ndr = ndr_push_init_ctx(mem);
	enum ndr_err_code err;

	assert_non_null(ndr);
	err = t->push(ndr, NDR_SCALARS | NDR_BUFFERS, r);
	if (err != NDR_ERR_SUCCESS)
		fail_msg("push %s: %s", t->name, ndr_map_error2string(err));
	return ndr_push_blob(ndr);
}

enum ndr_err_code test_pull_type(TALLOC_CTX *mem, const struct idl_test_type *t, const DATA_BLOB *blob,
				 void *r, uint32_t *consumed)
{
	struct ndr_pull *ndr = ndr_pull_init_blob(blob, mem);
	enum ndr_err_code err;

	assert_non_null(ndr);
	err = t->pull(ndr, NDR_SCALARS | NDR_BUFFERS, r);
	if (consumed != NULL)
		*consumed = ndr->offset;
	talloc_free(ndr);
	return err;
}
