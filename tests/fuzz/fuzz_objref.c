/* OBJREFs (src/dcom/objref.c, MS-DCOM 2.2.18): every flavour from the
 * abData of an MInterfacePointer, and the string bindings of the standard
 * flavour's resolver addresses, as the DCOM client reads an activation reply
 * and the exporter reads what clients hand back. */
#include <stdbool.h>

#include "dcom/objref.h"
#include "fuzz_util.h"
#include "istmd/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LVL_ERR);
	return 0;
}

static int count_binding(uint16_t tower_id, const char *address, void *priv)
{
	(*(unsigned *)priv) += tower_id + (address[0] != '\0');
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	uint8_t *copy = talloc_memdup(mem, data, size ? size : 1);
	struct MInterfacePointer mip = { .ulCntData = (uint32_t)size, .abData = copy };
	struct OBJREF o;
	if (copy != NULL && dcom_objref_pull(mem, &mip, &o) == 0) {
		const struct DUALSTRINGARRAY *dsa = NULL;
		if (o.flags == OBJREF_FLAG_STANDARD)
			dsa = &o.u_objref.u_standard.saResAddr;
		else if (o.flags == OBJREF_FLAG_HANDLER)
			dsa = &o.u_objref.u_handler.saResAddr;
		else if (o.flags == OBJREF_FLAG_EXTENDED)
			dsa = &o.u_objref.u_extended.saResAddr;
		unsigned n = 0;
		if (dsa != NULL)
			(void)dcom_string_bindings(dsa->aStringArray, dsa->wNumEntries,
						   dsa->wSecurityOffset, count_binding, &n);
		/* what we pulled must marshal again */
		struct MInterfacePointer *back;
		(void)dcom_objref_push(mem, &o, &back);
	}
	talloc_free(mem);
	return 0;
}
