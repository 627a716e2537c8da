/* OBJREFs (MS-DCOM 2.2.18) in and out of MInterfacePointers (2.2.14), on the
 * generated [packet] marshallers of idl/ms-dcom.idl. */
#ifndef ISTMD_DCOM_OBJREF_H
#define ISTMD_DCOM_OBJREF_H

#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

#include "idl/ms_dcom.h"

/* Marshals O into a new MInterfacePointer on MEM_CTX. 0, -EINVAL or -ENOMEM. */
int dcom_objref_push(TALLOC_CTX *mem_ctx, const struct OBJREF *o, struct MInterfacePointer **out);
/* Unmarshals MIP into O (allocations on MEM_CTX). Checks the signature and
 * that FLAGS names exactly one flavour (MS-DCOM 3.2.4.1.2). 0 or -EINVAL. */
int dcom_objref_pull(TALLOC_CTX *mem_ctx, const struct MInterfacePointer *mip, struct OBJREF *o);

/* The STRINGBINDINGs of a DUALSTRINGARRAY (2.2.19.3): calls FN with the tower
 * id and the network address (UTF-8) of each, in order. Returns 0, -EINVAL
 * when the array is malformed, or FN's first non-zero return value. */
int dcom_string_bindings(const uint16_t *array, uint16_t num_entries, uint16_t security_offset,
			 int (*fn)(uint16_t tower_id, const char *address, void *priv), void *priv);

#endif
