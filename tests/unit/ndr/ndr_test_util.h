/* Shared by the NDR tests: every generated call and type table, and push/pull
 * of one call or structure to and from a blob. */
#ifndef ISTMD_TEST_NDR_TEST_UTIL_H
#define ISTMD_TEST_NDR_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "idl/test_ms_dcom.h"
#include "idl/test_ms_istm.h"
#include "idl/test_ms_rpce.h"
#include "idl/test_idlc_features.h"
#include "idl/test_istmd_ext.h"

/* NULL-terminated lists of the generated tables of every IDL file with calls
 * (types: every file). */
extern const struct idl_test_call *const test_call_tables[];
extern const struct idl_test_type *const test_type_tables[];

const struct ndr_interface_call *test_call_entry(const struct idl_test_call *t);
const struct idl_interface *test_call_interface(const struct idl_test_call *t);

/* Pushes R (FLAGS: NDR_IN or NDR_OUT) into a blob on MEM; fails the test on error. */
DATA_BLOB test_push_call(TALLOC_CTX *mem, const struct idl_test_call *t, int flags, const void *r);
/* Pulls BLOB into R with allocations on MEM; on success *CONSUMED is the
 * number of bytes read. */
enum ndr_err_code test_pull_call(TALLOC_CTX *mem, const struct idl_test_call *t, int flags,
				 const DATA_BLOB *blob, void *r, uint32_t *consumed);

DATA_BLOB test_push_type(TALLOC_CTX *mem, const struct idl_test_type *t, const void *r);
enum ndr_err_code test_pull_type(TALLOC_CTX *mem, const struct idl_test_type *t, const DATA_BLOB *blob,
				 void *r, uint32_t *consumed);

#endif
