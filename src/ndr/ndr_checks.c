/* Bounds, ranges and enums for generated NDR code (see idl_runtime.h). */
#include "ndr/idl_runtime.h"

static uint32_t bytes_left(const struct ndr_pull *ndr)
{
	return ndr->offset <= ndr->data_size ? ndr->data_size - ndr->offset : 0;
}

enum ndr_err_code idl_pull_check_count(struct ndr_pull *ndr, uint32_t count, uint32_t min_size)
{
	uint32_t left = bytes_left(ndr);

	if (min_size == 0)
		min_size = 1;
	if (count > left / min_size)
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
				      "%u elements cannot fit in the %u bytes left", count, left);
	return NDR_ERR_SUCCESS;
}

enum ndr_err_code idl_push_range(struct ndr_push *ndr, int64_t v, int64_t lo, int64_t hi, const char *what)
{
	if (v < lo || v > hi)
		return ndr_push_error(ndr, NDR_ERR_RANGE, "%s: %lld is outside [range(%lld,%lld)]",
				      what, (long long)v, (long long)lo, (long long)hi);
	return NDR_ERR_SUCCESS;
}

enum ndr_err_code idl_pull_range(struct ndr_pull *ndr, int64_t v, int64_t lo, int64_t hi, const char *what)
{
	if (v < lo || v > hi)
		return ndr_pull_error(ndr, NDR_ERR_RANGE, "%s: %lld is outside [range(%lld,%lld)]",
				      what, (long long)v, (long long)lo, (long long)hi);
	return NDR_ERR_SUCCESS;
}

enum ndr_err_code idl_push_enum16(struct ndr_push *ndr, int64_t v)
{
	if (v < 0 || v > 0x7FFF)
		return ndr_push_error(ndr, NDR_ERR_RANGE, "enum value %lld does not fit 16-bit NDR", (long long)v);
	return ndr_push_uint16(ndr, NDR_SCALARS, (uint16_t)v);
}

enum ndr_err_code idl_pull_enum16(struct ndr_pull *ndr, int32_t *v)
{
	uint16_t u;

	NDR_CHECK(ndr_pull_uint16(ndr, NDR_SCALARS, &u));
	if (u > 0x7FFF)
		return ndr_pull_error(ndr, NDR_ERR_RANGE, "enum value %u does not fit 16-bit NDR", u);
	*v = u;
	return NDR_ERR_SUCCESS;
}

enum ndr_err_code idl_push_enum32(struct ndr_push *ndr, int64_t v)
{
	if (v < INT32_MIN || v > INT32_MAX)
		return ndr_push_error(ndr, NDR_ERR_RANGE, "enum value %lld does not fit 32 bits", (long long)v);
	return ndr_push_int32(ndr, NDR_SCALARS, (int32_t)v);
}

enum ndr_err_code idl_pull_enum32(struct ndr_pull *ndr, int32_t *v)
{
	return ndr_pull_int32(ndr, NDR_SCALARS, v);
}

enum ndr_err_code idl_pull_remaining(struct ndr_pull *ndr, DATA_BLOB *b)
{
	uint32_t left = bytes_left(ndr);

	_NDR_PULL_FIX_CURRENT_MEM_CTX(ndr);
	*b = data_blob_talloc(ndr->current_mem_ctx, ndr->data + ndr->offset, left);
	if (left != 0 && b->data == NULL)
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "alloc %u bytes failed", left);
	ndr->offset += left;
	return NDR_ERR_SUCCESS;
}
