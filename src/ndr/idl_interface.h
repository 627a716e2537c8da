/* What tools/idlc emits about each interface beyond Samba's ndr_interface_table:
 * inheritance, the [object] flag, and how to prepare a call's [out] side on the
 * server. Generated code defines one `idl_iface_<Name>` per interface. */
#ifndef ISTMD_IDL_INTERFACE_H
#define ISTMD_IDL_INTERFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ndr.h>

/* Prepares R->out after the server pulled R->in: [in,out] pointers point at their
 * [in] value, [out] ref pointers are allocated (zeroed) on MEM_CTX, [out] arrays
 * sized by [in] values get that many zeroed elements (at most
 * IDL_INIT_OUT_MAX_ELEMENTS). Returns false on allocation failure or a size
 * over that limit. */
typedef bool (*idl_init_out_fn)(TALLOC_CTX *mem_ctx, void *r);

struct idl_interface {
	const char *name;
	const struct ndr_interface_table *table; /* syntax id, calls[] by opnum */
	const struct idl_interface *base;        /* NULL for a root interface */
	bool object;                             /* [object]: ORPCTHIS/ORPCTHAT implicit */
	uint32_t first_opnum;                    /* first method this interface declares */
	const idl_init_out_fn *init_out;         /* [table->num_calls], NULL for opnums 0-2 of IUnknown */
	/* [table->num_calls]: offsetof(struct <call>, out.result), or
	 * IDL_NO_RESULT for methods returning void and reserved opnums. Lets a
	 * runtime set the HRESULT of any call generically (src/dcom). */
	const size_t *result_offset;
};

#define IDL_NO_RESULT SIZE_MAX

/* The out.result of call R at OPNUM of IFACE, or NULL when it has none. */
static inline uint32_t *idl_result_ptr(const struct idl_interface *iface, uint32_t opnum, void *r)
{
	if (iface->result_offset == NULL || opnum >= iface->table->num_calls ||
	    iface->result_offset[opnum] == IDL_NO_RESULT)
		return NULL;
	return (uint32_t *)((char *)r + iface->result_offset[opnum]);
}

/* True when IFACE is BASE or derives from it. */
static inline bool idl_interface_is_a(const struct idl_interface *iface,
				      const struct idl_interface *base)
{
	for (; iface != NULL; iface = iface->base) {
		if (iface == base)
			return true;
	}
	return false;
}

#endif
