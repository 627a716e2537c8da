/* BSTR ([MS-OAUT] 2.2.23), presented to C as a UTF-8 `const char *`: NULL for a
 * NULL BSTR, "" for an empty one. Signatures follow the generated code's
 * convention (docs/idlc.md) with X = const char *. */
#ifndef ISTMD_NDR_NDR_BSTR_H
#define ISTMD_NDR_NDR_BSTR_H

#include <ndr.h>

/* The pointer MIDL writes for a BSTR (its user-marshal prefix, "User"). */
#define IDL_BSTR_POINTER 0x72657355U

/* NDR_SCALARS: the unique pointer, always non-NULL: a NULL BSTR is a
 * FLAGGED_WORD_BLOB with cBytes 0xFFFFFFFF (MS-OAUT 2.2.23.2).
 * NDR_BUFFERS: the FLAGGED_WORD_BLOB, little-endian whatever the data
 * representation (MS-OAUT 2.2.23.1). */
enum ndr_err_code ndr_push_BSTR(struct ndr_push *ndr, int ndr_flags, const char *const *r);
/* Accepts a NULL pointer or cBytes 0xFFFFFFFF as a NULL BSTR; rejects odd byte
 * counts, counts that disagree, NULs inside the text and invalid UTF-16
 * (trailing NULs are dropped). */
enum ndr_err_code ndr_pull_BSTR(struct ndr_pull *ndr, int ndr_flags, const char **r);
void ndr_print_BSTR(struct ndr_print *ndr, const char *name, const char *const *r);

#endif
