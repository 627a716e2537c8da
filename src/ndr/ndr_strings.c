/* 16-bit arrays and [string] data for generated NDR code (see idl_runtime.h).
 * C706 14.3.4: a string's counts include its terminator. */
#include <errno.h>
#include <string.h>

#include "istmd/utf16.h"
#include "ndr/idl_runtime.h"

enum ndr_err_code idl_push_uint16_array(struct ndr_push *ndr, const uint16_t *a, uint32_t n)
{
	if (n == 0)
		return NDR_ERR_SUCCESS;
	NDR_CHECK(ndr_push_align(ndr, 2));
	if (n > UINT32_MAX / 2)
		return ndr_push_error(ndr, NDR_ERR_LENGTH, "%u 16-bit values are too many", n);
	NDR_PUSH_NEED_BYTES(ndr, 2 * n);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *p = ndr->data + ndr->offset + 2 * i;

		if (NDR_BE(ndr)) {
			p[0] = (uint8_t)(a[i] >> 8);
			p[1] = (uint8_t)a[i];
		} else {
			p[0] = (uint8_t)a[i];
			p[1] = (uint8_t)(a[i] >> 8);
		}
	}
	ndr->offset += 2 * n;
	return NDR_ERR_SUCCESS;
}

enum ndr_err_code idl_pull_uint16_array(struct ndr_pull *ndr, uint16_t *a, uint32_t n)
{
	if (n == 0)
		return NDR_ERR_SUCCESS;
	NDR_CHECK(ndr_pull_align(ndr, 2));
	if (n > UINT32_MAX / 2)
		return ndr_pull_error(ndr, NDR_ERR_BUFSIZE, "%u 16-bit values are too many", n);
	NDR_PULL_NEED_BYTES(ndr, 2 * n);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p = ndr->data + ndr->offset + 2 * i;

		a[i] = NDR_BE(ndr) ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[0] | p[1] << 8);
	}
	ndr->offset += 2 * n;
	return NDR_ERR_SUCCESS;
}

/* Max count, offset and actual count of a conformant varying string. */
static enum ndr_err_code push_string_counts(struct ndr_push *ndr, uint32_t count)
{
	NDR_CHECK(ndr_push_uint3264(ndr, NDR_SCALARS, count));
	NDR_CHECK(ndr_push_uint3264(ndr, NDR_SCALARS, 0));
	return ndr_push_uint3264(ndr, NDR_SCALARS, count);
}

static enum ndr_err_code pull_string_counts(struct ndr_pull *ndr, uint32_t elem_size, uint32_t *count)
{
	uint32_t max, offset, actual;

	NDR_CHECK(ndr_pull_uint3264(ndr, NDR_SCALARS, &max));
	NDR_CHECK(ndr_pull_uint3264(ndr, NDR_SCALARS, &offset));
	NDR_CHECK(ndr_pull_uint3264(ndr, NDR_SCALARS, &actual));
	if (offset != 0 || actual > max || actual == 0)
		return ndr_pull_error(ndr, NDR_ERR_STRING,
				      "bad string counts: max %u, offset %u, actual %u", max, offset, actual);
	NDR_CHECK(idl_pull_check_count(ndr, actual, elem_size));
	*count = actual;
	return NDR_ERR_SUCCESS;
}

enum ndr_err_code idl_push_string16(struct ndr_push *ndr, const char *s)
{
	size_t units;
	uint16_t *u = utf8_to_utf16(ndr, s, &units);
	enum ndr_err_code err;

	if (u == NULL)
		return ndr_push_error(ndr, errno == ENOMEM ? NDR_ERR_ALLOC : NDR_ERR_CHARCNV,
				      "string is not valid UTF-8");
	if (units >= UINT32_MAX / 2) {
		talloc_free(u);
		return ndr_push_error(ndr, NDR_ERR_LENGTH, "string too long");
	}
	err = push_string_counts(ndr, (uint32_t)units + 1);
	if (err == NDR_ERR_SUCCESS)
		err = idl_push_uint16_array(ndr, u, (uint32_t)units + 1);
	talloc_free(u);
	return err;
}

enum ndr_err_code idl_pull_string16(struct ndr_pull *ndr, const char **s)
{
	enum ndr_err_code err;
	uint32_t count;
	uint16_t *u;
	char *out;

	NDR_CHECK(pull_string_counts(ndr, 2, &count));
	u = talloc_array(ndr, uint16_t, count);
	if (u == NULL)
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "alloc string failed");
	err = idl_pull_uint16_array(ndr, u, count);
	if (err != NDR_ERR_SUCCESS) {
		talloc_free(u);
		return err;
	}
	if (u[count - 1] != 0) {
		talloc_free(u);
		return ndr_pull_error(ndr, NDR_ERR_STRING, "string without terminator");
	}
	for (uint32_t i = 0; i + 1 < count; i++) {
		if (u[i] == 0) {
			talloc_free(u);
			return ndr_pull_error(ndr, NDR_ERR_STRING, "NUL inside a string");
		}
	}
	_NDR_PULL_FIX_CURRENT_MEM_CTX(ndr);
	out = utf16_to_utf8(ndr->current_mem_ctx, u, count - 1);
	talloc_free(u);
	if (out == NULL)
		return ndr_pull_error(ndr, NDR_ERR_CHARCNV, "string is not valid UTF-16");
	*s = out;
	return NDR_ERR_SUCCESS;
}

enum ndr_err_code idl_push_string8(struct ndr_push *ndr, const char *s)
{
	size_t len = strlen(s);

	if (len >= UINT32_MAX)
		return ndr_push_error(ndr, NDR_ERR_LENGTH, "string too long");
	NDR_CHECK(push_string_counts(ndr, (uint32_t)len + 1));
	return ndr_push_bytes(ndr, (const uint8_t *)s, (uint32_t)len + 1);
}

enum ndr_err_code idl_pull_string8(struct ndr_pull *ndr, const char **s)
{
	uint32_t count;
	char *out;

	NDR_CHECK(pull_string_counts(ndr, 1, &count));
	NDR_PULL_NEED_BYTES(ndr, count);
	if (ndr->data[ndr->offset + count - 1] != 0 ||
	    memchr(ndr->data + ndr->offset, 0, count - 1) != NULL)
		return ndr_pull_error(ndr, NDR_ERR_STRING, "string without terminator or with a NUL inside");
	_NDR_PULL_FIX_CURRENT_MEM_CTX(ndr);
	out = talloc_memdup(ndr->current_mem_ctx, ndr->data + ndr->offset, count);
	if (out == NULL)
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "alloc string failed");
	ndr->offset += count;
	*s = out;
	return NDR_ERR_SUCCESS;
}

enum ndr_err_code idl_push_fstring(struct ndr_push *ndr, const char *a, uint32_t n)
{
	size_t len = strnlen(a, n);

	if (len == n)
		return ndr_push_error(ndr, NDR_ERR_STRING, "fixed string of %u has no terminator", n);
	NDR_CHECK(ndr_push_uint3264(ndr, NDR_SCALARS, 0));
	NDR_CHECK(ndr_push_uint3264(ndr, NDR_SCALARS, (uint32_t)len + 1));
	return ndr_push_bytes(ndr, (const uint8_t *)a, (uint32_t)len + 1);
}

enum ndr_err_code idl_pull_fstring(struct ndr_pull *ndr, char *a, uint32_t n)
{
	uint32_t offset, actual;

	NDR_CHECK(ndr_pull_uint3264(ndr, NDR_SCALARS, &offset));
	NDR_CHECK(ndr_pull_uint3264(ndr, NDR_SCALARS, &actual));
	if (offset != 0 || actual == 0 || actual > n)
		return ndr_pull_error(ndr, NDR_ERR_STRING, "fixed string of %u: offset %u, actual %u",
				      n, offset, actual);
	NDR_PULL_NEED_BYTES(ndr, actual);
	if (ndr->data[ndr->offset + actual - 1] != 0 ||
	    memchr(ndr->data + ndr->offset, 0, actual - 1) != NULL)
		return ndr_pull_error(ndr, NDR_ERR_STRING, "fixed string without terminator or with a NUL inside");
	memcpy(a, ndr->data + ndr->offset, actual);
	memset(a + actual, 0, n - actual);
	ndr->offset += actual;
	return NDR_ERR_SUCCESS;
}
