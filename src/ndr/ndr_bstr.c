/* BSTR on the wire: a unique pointer to FLAGGED_WORD_BLOB, [MS-OAUT] 2.2.23:
 *
 *   pointer (4)  max count = clSize (4)  cBytes (4)  clSize (4)  asData[clSize] (2 each)
 *
 * The FLAGGED_WORD_BLOB is a conformant structure, so its max count comes
 * first; it is little-endian whatever the data representation says. */
#include <errno.h>

#include "istmd/utf16.h"
#include "ndr/idl_runtime.h"
#include "ndr/ndr_bstr.h"

#define NULL_BSTR_BYTES 0xFFFFFFFFU

static enum ndr_err_code push_blob(struct ndr_push *ndr, const char *s)
{
	uint16_t *u = NULL;
	size_t units = 0;
	enum ndr_err_code err;

	if (s != NULL) {
		u = utf8_to_utf16(ndr, s, &units);
		if (u == NULL)
			return ndr_push_error(ndr, errno == ENOMEM ? NDR_ERR_ALLOC : NDR_ERR_CHARCNV,
					      "BSTR is not valid UTF-8");
		if (units > UINT32_MAX / 4) {
			talloc_free(u);
			return ndr_push_error(ndr, NDR_ERR_LENGTH, "BSTR too long");
		}
	}
	err = ndr_push_uint3264(ndr, NDR_SCALARS, (uint32_t)units);
	if (err == NDR_ERR_SUCCESS)
		err = ndr_push_uint32(ndr, NDR_SCALARS, s == NULL ? NULL_BSTR_BYTES : (uint32_t)(2 * units));
	if (err == NDR_ERR_SUCCESS)
		err = ndr_push_uint32(ndr, NDR_SCALARS, (uint32_t)units);
	if (err == NDR_ERR_SUCCESS)
		err = idl_push_uint16_array(ndr, u, (uint32_t)units);
	talloc_free(u);
	return err;
}

enum ndr_err_code ndr_push_BSTR(struct ndr_push *ndr, int ndr_flags, const char *const *r)
{
	uint32_t saved = ndr->flags;
	enum ndr_err_code err;

	NDR_PUSH_CHECK_FLAGS(ndr, ndr_flags);
	if (ndr_flags & NDR_SCALARS)
		NDR_CHECK(ndr_push_uint3264(ndr, NDR_SCALARS, IDL_BSTR_POINTER));
	if (!(ndr_flags & NDR_BUFFERS))
		return NDR_ERR_SUCCESS;
	ndr->flags |= LIBNDR_FLAG_LITTLE_ENDIAN;
	err = push_blob(ndr, *r);
	ndr->flags = saved;
	return err;
}

static enum ndr_err_code pull_blob(struct ndr_pull *ndr, const char **r)
{
	uint32_t max, bytes, size;
	uint16_t *u;
	enum ndr_err_code err;
	char *s;

	NDR_CHECK(ndr_pull_uint3264(ndr, NDR_SCALARS, &max));
	NDR_CHECK(ndr_pull_uint32(ndr, NDR_SCALARS, &bytes));
	NDR_CHECK(ndr_pull_uint32(ndr, NDR_SCALARS, &size));
	if (size != max)
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, "BSTR clSize %u, max count %u", size, max);
	if (bytes == NULL_BSTR_BYTES) {
		if (size != 0)
			return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, "NULL BSTR with %u characters", size);
		*r = NULL;
		return NDR_ERR_SUCCESS;
	}
	/* Text only: an odd byte count would be an ANSI or binary BSTR. */
	if (bytes / 2 != size || bytes % 2 != 0)
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, "BSTR cBytes %u, clSize %u", bytes, size);
	NDR_CHECK(idl_pull_check_count(ndr, size, 2));
	u = talloc_array(ndr, uint16_t, size + 1);
	if (u == NULL)
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "alloc BSTR failed");
	err = idl_pull_uint16_array(ndr, u, size);
	if (err != NDR_ERR_SUCCESS) {
		talloc_free(u);
		return err;
	}
	while (size > 0 && u[size - 1] == 0)
		size--;
	for (uint32_t i = 0; i < size; i++) {
		if (u[i] == 0) {
			talloc_free(u);
			return ndr_pull_error(ndr, NDR_ERR_STRING, "NUL inside a BSTR");
		}
	}
	_NDR_PULL_FIX_CURRENT_MEM_CTX(ndr);
	s = utf16_to_utf8(ndr->current_mem_ctx, u, size);
	talloc_free(u);
	if (s == NULL)
		return ndr_pull_error(ndr, NDR_ERR_CHARCNV, "BSTR is not valid UTF-16");
	*r = s;
	return NDR_ERR_SUCCESS;
}

enum ndr_err_code ndr_pull_BSTR(struct ndr_pull *ndr, int ndr_flags, const char **r)
{
	uint32_t saved = ndr->flags;
	enum ndr_err_code err;

	NDR_PULL_CHECK_FLAGS(ndr, ndr_flags);
	if (ndr_flags & NDR_SCALARS) {
		uint32_t ptr;

		NDR_CHECK(ndr_pull_generic_ptr(ndr, &ptr));
		if (ptr == 0) {
			*r = NULL;
		} else {
			/* a placeholder saying "the blob follows in the buffers" */
			_NDR_PULL_FIX_CURRENT_MEM_CTX(ndr);
			*r = talloc_strdup(ndr->current_mem_ctx, "");
			if (*r == NULL)
				return ndr_pull_error(ndr, NDR_ERR_ALLOC, "alloc BSTR failed");
		}
	}
	if (!(ndr_flags & NDR_BUFFERS) || *r == NULL)
		return NDR_ERR_SUCCESS;
	ndr->flags |= LIBNDR_FLAG_LITTLE_ENDIAN;
	err = pull_blob(ndr, r);
	ndr->flags = saved;
	return err;
}

void ndr_print_BSTR(struct ndr_print *ndr, const char *name, const char *const *r)
{
	idl_print_string(ndr, name, *r);
}
