/* A call's decoded fields as (path, value) pairs, made with the generated
 * ndr_print functions (so that every field the IDL declares is there, with
 * its IDL name) and flattened into paths like "out.ppHost.abData"; OBJREFs
 * inside interface pointers and activation property BLOBs are decoded and
 * spliced in, so that IPIDs, OXIDs and OIDs are fields too. */
#ifndef ISTMD_REPLAY_DUMP_H
#define ISTMD_REPLAY_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include <talloc.h>
#include <ndr.h>

struct idl_interface;

struct rp_field {
	const char *path;
	const char *value;
};

struct rp_dump {
	struct rp_field *f;
	size_t n;
};

/* Decodes STUB (the [in] side with NDR_IN, or the [out] side with NDR_OUT
 * after REQUEST's [in]) of IFACE's OPNUM and flattens it. 0 or -EINVAL
 * (*WHY) when the stub does not decode. *R_OUT (may be NULL) gets the
 * decoded call structure, on MEM_CTX. */
int rp_decode(TALLOC_CTX *mem_ctx, const struct idl_interface *iface, uint32_t opnum,
	      const DATA_BLOB *request, const DATA_BLOB *response, void **r_out, const char **why);

/* Flattens the FLAGS (NDR_IN or NDR_OUT) side of call R. */
int rp_dump_call(TALLOC_CTX *mem_ctx, const struct idl_interface *iface, uint32_t opnum,
		 int flags, const void *r, struct rp_dump *out);

#endif
