/* NDR pull of every generated method (idl/, tools/idlc), as src/rpc/call.c
 * pulls a request's stub: the [in] side with LIBNDR_FLAG_REF_ALLOC, then the
 * server's init_out for it. Flag bit 1 pulls the [out] side instead, as the
 * DCOM client and istmctl read replies.
 *
 * Input: 2 bytes (little-endian) picking the method from fuzz_ndr_calls()
 * (modulo their number), 1 flag byte (bit 0: big-endian data), the stub.
 * make_ndr_seeds writes a valid stub of every method in this form. */
#include <stdbool.h>

#include "fuzz_ndr_calls.h"
#include "fuzz_util.h"
#include "istmd/log.h"

static struct fuzz_ndr_call calls[FUZZ_NDR_MAX_CALLS];
static size_t ncalls;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LVL_ERR);
	ncalls = fuzz_ndr_calls(calls);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || ncalls == 0)
		return 0;
	const struct fuzz_ndr_call *c = &calls[(data[0] | data[1] << 8) % ncalls];
	uint8_t flags = data[2];
	const struct ndr_interface_call *ic = &c->iface->table->calls[c->opnum];
	TALLOC_CTX *mem = talloc_new(NULL);
	DATA_BLOB blob = data_blob_const(data + 3, size - 3);
	struct ndr_pull *pull = ndr_pull_init_blob(&blob, mem);
	void *r = talloc_zero_size(mem, ic->struct_size);
	if (pull != NULL && r != NULL) {
		pull->flags |= LIBNDR_FLAG_REF_ALLOC;
		if (flags & 1)
			pull->flags |= LIBNDR_FLAG_BIGENDIAN;
		pull->current_mem_ctx = r;
		int side = (flags & 2) ? NDR_OUT : NDR_IN;
		enum ndr_err_code err = ic->ndr_pull(pull, side, r);
		if (NDR_ERR_CODE_IS_SUCCESS(err) && side == NDR_IN) {
			idl_init_out_fn init_out =
				c->iface->init_out ? c->iface->init_out[c->opnum] : NULL;
			if (init_out != NULL)
				(void)init_out(r, r);
		}
	}
	talloc_free(mem);
	return 0;
}
