/* Test support for generated code (library istmd_idl_test, never linked into
 * the daemon): deterministic values for the generated idl_fill_*() functions,
 * comparison helpers for idl_equal_*(), and the tables tests iterate over.
 * See docs/idlc.md, "Test helpers". */
#ifndef ISTMD_NDR_IDL_TESTING_H
#define ISTMD_NDR_IDL_TESTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <ndr.h>
#include <gen_ndr/ndr_misc.h>

/* Where fill values come from: NEXT advances with every value handed out, so
 * two fills from the same start are equal and neighbouring fields differ. */
struct idl_fill {
	TALLOC_CTX *mem;
	uint32_t next;
};

/* Allocation failures abort: these are test helpers. */
#define IDL_FILL_ALLOC(f, lv, type) do { \
	(lv) = talloc_zero((f)->mem, type); \
	if ((lv) == NULL) \
		abort(); \
} while (0)
#define IDL_FILL_ALLOC_N(f, lv, type, n) do { \
	(lv) = talloc_zero_array((f)->mem, type, (n) ? (n) : 1); \
	if ((lv) == NULL) \
		abort(); \
} while (0)

uint32_t idl_fill_u32(struct idl_fill *f);                 /* never 0 */
uint64_t idl_fill_u64(struct idl_fill *f);                 /* never 0, high half too */
int64_t idl_fill_range(struct idl_fill *f, int64_t lo, int64_t hi);
/* An array length: 2 or 3, kept inside [LO, HI]. */
uint32_t idl_fill_count(struct idl_fill *f, int64_t lo, int64_t hi);
int64_t idl_fill_pick(struct idl_fill *f, const int64_t *values, size_t n);
/* A fresh string: WIDE ones hold non-ASCII and a surrogate pair. */
const char *idl_fill_string(struct idl_fill *f, bool wide);
void idl_fill_wchars(struct idl_fill *f, uint16_t *a, size_t n);
void idl_fill_fstring(struct idl_fill *f, char *a, size_t n);
void idl_fill_GUID(struct idl_fill *f, struct GUID *g);
void idl_fill_policy_handle(struct idl_fill *f, struct policy_handle *h);
DATA_BLOB idl_fill_blob(struct idl_fill *f);

/* Reports the first difference on stderr; returns false. */
bool idl_mismatch(const char *what);
/* NULL-aware string equality. */
bool idl_equal_string(const char *a, const char *b);

/* One call of an interface: the round-trip and hostile-input tests iterate
 * over the generated idl_test_calls_<file>[] tables. */
struct idl_test_call {
	const struct ndr_interface_table *table;  /* the interface declaring it */
	uint32_t opnum;
	const char *name;
	size_t struct_size;
	void (*fill)(struct idl_fill *f, void *r);            /* both in and out */
	bool (*equal)(const void *a, const void *b, int flags); /* NDR_IN and/or NDR_OUT */
	void (*copy_in)(void *dst, const void *src);         /* NULL without [in] */
};

/* One structure: idl_test_types_<file>[]. */
struct idl_test_type {
	const char *name;
	size_t struct_size;
	ndr_push_flags_fn_t push;
	ndr_pull_flags_fn_t pull;
	ndr_print_fn_t print;
	void (*fill)(struct idl_fill *f, void *r);
	bool (*equal)(const void *a, const void *b);
};

#endif
