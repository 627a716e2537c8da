/* Every method of every interface tools/idlc generated, in one list: the
 * index fuzz_ndr_in reads from its first two bytes, and the one
 * make_ndr_seeds writes into the seeds it generates. */
#ifndef ISTMD_FUZZ_NDR_CALLS_H
#define ISTMD_FUZZ_NDR_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "idl/ndr_ms_dcom.h"
#include "idl/ndr_ms_dtyp.h"
#include "idl/ndr_ms_istm.h"
#include "idl/ndr_ms_oaut.h"
#include "idl/ndr_ms_rpce.h"
#include "idl/ndr_ms_vds.h"

struct fuzz_ndr_call {
	const struct idl_interface *iface;
	uint32_t opnum;
};

#define FUZZ_NDR_MAX_CALLS 4096

/* Fills OUT (FUZZ_NDR_MAX_CALLS entries); returns how many. Each method once:
 * under the interface that declares it. */
static inline size_t fuzz_ndr_calls(struct fuzz_ndr_call *out)
{
	const struct idl_interface *const *const files[] = {
		idl_interfaces_ms_dcom, idl_interfaces_ms_dtyp, idl_interfaces_ms_istm,
		idl_interfaces_ms_oaut, idl_interfaces_ms_rpce, idl_interfaces_ms_vds,
	};
	size_t n = 0;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		for (const struct idl_interface *const *i = files[f]; *i != NULL; i++) {
			const struct ndr_interface_table *t = (*i)->table;
			for (uint32_t op = (*i)->first_opnum; op < t->num_calls; op++) {
				if (t->calls[op].ndr_pull == NULL || n == FUZZ_NDR_MAX_CALLS)
					continue;
				out[n].iface = *i;
				out[n].opnum = op;
				n++;
			}
		}
	}
	return n;
}

#endif
