/* Writes a seed for fuzz_ndr_in per generated method: the generated test
 * helpers fill the call (idl_test_calls_<file>[]), its [in] side is pushed
 * and prefixed with the method's index in fuzz_ndr_calls().
 *
 *   make_ndr_seeds DIR
 *
 * The build runs it (tests/fuzz/CMakeLists.txt), so the seeds follow the IDL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ndr_calls.h"
#include "idl/test_ms_dcom.h"
#include "idl/test_ms_dtyp.h"
#include "idl/test_ms_istm.h"
#include "idl/test_ms_oaut.h"
#include "idl/test_ms_rpce.h"
#include "idl/test_ms_vds.h"
#include "ndr/idl_testing.h"

static struct fuzz_ndr_call calls[FUZZ_NDR_MAX_CALLS];

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_ndr_seeds DIR\n");
		return 2;
	}
	size_t ncalls = fuzz_ndr_calls(calls);
	const struct idl_test_call *const tables[] = {
		idl_test_calls_ms_dcom, idl_test_calls_ms_dtyp, idl_test_calls_ms_istm,
		idl_test_calls_ms_oaut, idl_test_calls_ms_rpce, idl_test_calls_ms_vds,
	};
	unsigned written = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct idl_test_call *tc = tables[t]; tc->table != NULL; tc++) {
			size_t idx = 0;
			while (idx < ncalls && !(calls[idx].iface->table == tc->table &&
						 calls[idx].opnum == tc->opnum))
				idx++;
			if (idx == ncalls)
				continue;
			TALLOC_CTX *mem = talloc_new(NULL);
			struct idl_fill f = { .mem = mem, .next = 1 };
			void *r = talloc_zero_size(mem, tc->struct_size);
			tc->fill(&f, r);
			struct ndr_push *push = ndr_push_init_ctx(mem);
			if (push == NULL ||
			    !NDR_ERR_CODE_IS_SUCCESS(tc->table->calls[tc->opnum].ndr_push(push, NDR_IN, r))) {
				fprintf(stderr, "make_ndr_seeds: cannot push %s\n", tc->name);
				talloc_free(mem);
				continue;
			}
			DATA_BLOB b = ndr_push_blob(push);
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[1], tc->name);
			FILE *fp = fopen(path, "wb");
			uint8_t hdr[3] = { (uint8_t)idx, (uint8_t)(idx >> 8), 0 };
			if (fp == NULL || fwrite(hdr, 1, 3, fp) != 3 ||
			    fwrite(b.data, 1, b.length, fp) != b.length || fclose(fp) != 0) {
				perror(path);
				return 1;
			}
			written++;
			talloc_free(mem);
		}
	}
	printf("make_ndr_seeds: %u seeds of %zu methods in %s\n", written, ncalls, argv[1]);
	return written > 0 ? 0 : 1;
}
