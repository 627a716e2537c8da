/* What generated NDR code (tools/idlc) calls besides libndr: bounded
 * allocation, [range] and enum checks, arrays of 16-bit values, [string]
 * pointers and fixed [string] arrays, [remaining] bytes, and print helpers.
 * Strings are UTF-8 in C and UTF-16LE / 8-bit on the wire (include/istmd/utf16.h).
 * See docs/idlc.md. */
#ifndef ISTMD_NDR_IDL_RUNTIME_H
#define ISTMD_NDR_IDL_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include <ndr.h>
#include <gen_ndr/ndr_misc.h>

#include "ndr/ndr_bstr.h"

/* The most elements idl_init_out_*() allocates for an [out] array sized by
 * [in] values (the largest the IDL allows is 65535: 16-bit counts). */
#define IDL_INIT_OUT_MAX_ELEMENTS 65536U

/* LV = zeroed TYPE on the pull context; fails the pull on ENOMEM. */
#define IDL_PULL_ZALLOC(ndr, lv, type) do { \
	_NDR_PULL_FIX_CURRENT_MEM_CTX(ndr); \
	(lv) = talloc_zero((ndr)->current_mem_ctx, type); \
	if ((lv) == NULL) { \
		return ndr_pull_error((ndr), NDR_ERR_ALLOC, "alloc %s failed", #type); \
	} \
} while (0)

/* LV = N zeroed TYPEs (a valid pointer even for N == 0). Callers bound N
 * with idl_pull_check_count() first. */
#define IDL_PULL_ZALLOC_N(ndr, lv, type, n) do { \
	_NDR_PULL_FIX_CURRENT_MEM_CTX(ndr); \
	(lv) = talloc_zero_array((ndr)->current_mem_ctx, type, (n)); \
	if ((lv) == NULL) { \
		return ndr_pull_error((ndr), NDR_ERR_ALLOC, "alloc %u x %s failed", (unsigned)(n), #type); \
	} \
} while (0)

/* Fails unless COUNT elements of at least MIN_SIZE wire bytes each can still
 * be in the buffer: no allocation is ever larger than the input allows. */
enum ndr_err_code idl_pull_check_count(struct ndr_pull *ndr, uint32_t count, uint32_t min_size);

/* [range(lo, hi)] on integers (MS-RPCE 2.2.4.14), checked both ways. */
enum ndr_err_code idl_push_range(struct ndr_push *ndr, int64_t v, int64_t lo, int64_t hi, const char *what);
enum ndr_err_code idl_pull_range(struct ndr_pull *ndr, int64_t v, int64_t lo, int64_t hi, const char *what);

/* Enums: 16-bit on the wire, values 0..32767 only (MS-RPCE 2.2.4.11, as MIDL
 * enforces); 32-bit signed with [v1_enum] (MS-RPCE 2.2.4.6). */
enum ndr_err_code idl_push_enum16(struct ndr_push *ndr, int64_t v);
enum ndr_err_code idl_pull_enum16(struct ndr_pull *ndr, int32_t *v);
enum ndr_err_code idl_push_enum32(struct ndr_push *ndr, int64_t v);
enum ndr_err_code idl_pull_enum32(struct ndr_pull *ndr, int32_t *v);

/* N 16-bit values (WCHAR arrays and the like), 2-byte aligned. */
enum ndr_err_code idl_push_uint16_array(struct ndr_push *ndr, const uint16_t *a, uint32_t n);
enum ndr_err_code idl_pull_uint16_array(struct ndr_pull *ndr, uint16_t *a, uint32_t n);

/* The referent of a [string] pointer: max count, offset 0, actual count
 * (terminator included), characters. 16-bit strings are UTF-16 on the wire
 * and UTF-8 in C; 8-bit strings are copied as they are. Pulling rejects a
 * missing terminator, a NUL inside the string and invalid UTF-16. */
enum ndr_err_code idl_push_string16(struct ndr_push *ndr, const char *s);
enum ndr_err_code idl_pull_string16(struct ndr_pull *ndr, const char **s);
enum ndr_err_code idl_push_string8(struct ndr_push *ndr, const char *s);
enum ndr_err_code idl_pull_string8(struct ndr_pull *ndr, const char **s);

/* [string] char a[N]: offset 0, actual count, characters (a varying string
 * in place, C706 14.3.4); A holds a NUL-terminated string. */
enum ndr_err_code idl_push_fstring(struct ndr_push *ndr, const char *a, uint32_t n);
enum ndr_err_code idl_pull_fstring(struct ndr_pull *ndr, char *a, uint32_t n);

/* [remaining] (docs/idlc.md): the rest of the buffer. */
enum ndr_err_code idl_pull_remaining(struct ndr_pull *ndr, DATA_BLOB *b);

/* Printing: fields and parameters whose names say secret, password or blob
 * print as <secret> unless ndr->print_secrets (returns true when hidden). */
bool idl_print_hide(struct ndr_print *ndr, const char *name);
void idl_print_string(struct ndr_print *ndr, const char *name, const char *s);
void idl_print_fstring(struct ndr_print *ndr, const char *name, const char *a, uint32_t n);
void idl_print_wchars(struct ndr_print *ndr, const char *name, const uint16_t *a, uint32_t n);

#endif
