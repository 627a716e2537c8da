#include "dcom/actprops.h"

#include <errno.h>
#include <string.h>

#include "dcom/objref.h"
#include "idl/ndr_ms_dcom.h"

/* {0000XXXX-0000-0000-C000-000000000046}: COM's well-known GUIDs. */
#define WELL_KNOWN(n)                                                                       \
	{ .time_low = (n), .time_mid = 0, .time_hi_and_version = 0, .clock_seq = { 0xc0, 0 }, \
	  .node = { 0, 0, 0, 0, 0, 0x46 } }

const struct GUID dcom_CLSID_ActivationContextInfo = WELL_KNOWN(0x000001a5);
const struct GUID dcom_CLSID_ActivationPropertiesIn = WELL_KNOWN(0x00000338);
const struct GUID dcom_CLSID_ActivationPropertiesOut = WELL_KNOWN(0x00000339);
const struct GUID dcom_CLSID_InstanceInfo = WELL_KNOWN(0x000001ad);
const struct GUID dcom_CLSID_InstantiationInfo = WELL_KNOWN(0x000001ab);
const struct GUID dcom_CLSID_PropsOutInfo = WELL_KNOWN(0x00000339);
const struct GUID dcom_CLSID_ScmReplyInfo = WELL_KNOWN(0x000001b6);
const struct GUID dcom_CLSID_ScmRequestInfo = WELL_KNOWN(0x000001aa);
const struct GUID dcom_CLSID_SecurityInfo = WELL_KNOWN(0x000001a6);
const struct GUID dcom_CLSID_ServerLocationInfo = WELL_KNOWN(0x000001a4);
const struct GUID dcom_CLSID_SpecialSystemProperties = WELL_KNOWN(0x000001b9);
const struct GUID dcom_IID_IActivationPropertiesIn = WELL_KNOWN(0x000001a2);
const struct GUID dcom_IID_IActivationPropertiesOut = WELL_KNOWN(0x000001a3);

#define TS1_VERSION 1
#define TS1_LITTLE_ENDIAN 0x10
#define TS1_BIG_ENDIAN 0x00
#define TS1_HEADERS 16 /* common + private (MS-RPCE 2.2.6.1, 2.2.6.2) */
#define BLOB_PREFIX 8  /* dwSize, dwReserved */

static uint32_t get32(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24 :
		    (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* The headers of a serialized type at P (LEN bytes available): its
 * endianness and its ObjectBufferLength. */
static int ts1_headers(const uint8_t *p, size_t len, bool *be, uint32_t *buffer_length,
		       const char **why)
{
	if (len < TS1_HEADERS) {
		*why = "type serialization headers truncated";
		return -EINVAL;
	}
	/* The common header is little-endian whatever the data's order. */
	if (p[0] != TS1_VERSION || (p[1] != TS1_LITTLE_ENDIAN && p[1] != TS1_BIG_ENDIAN) ||
	    (p[2] | p[3] << 8) != 8) {
		*why = "not a type serialization version 1 header";
		return -EINVAL;
	}
	*be = p[1] == TS1_BIG_ENDIAN;
	*buffer_length = get32(p + 8, *be);
	return 0;
}

static enum ndr_err_code pull_type(const DATA_BLOB *ndr_data, bool be, TALLOC_CTX *mem,
				   ndr_pull_flags_fn_t pull, void *value, uint32_t *consumed)
{
	struct ndr_pull *ndr = ndr_pull_init_blob(ndr_data, mem);
	if (ndr == NULL)
		return NDR_ERR_ALLOC;
	if (be)
		ndr->flags |= LIBNDR_FLAG_BIGENDIAN;
	enum ndr_err_code err = pull(ndr, NDR_SCALARS | NDR_BUFFERS, value);
	if (consumed != NULL)
		*consumed = ndr->offset;
	talloc_free(ndr);
	return err;
}

int dcom_actprops_split(const DATA_BLOB *blob, struct dcom_actprops *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (blob->length < BLOB_PREFIX + TS1_HEADERS) {
		*why = "activation properties truncated";
		return -EINVAL;
	}
	const uint8_t *base = blob->data + BLOB_PREFIX; /* the CustomHeader */
	uint32_t dw_size = get32(blob->data, false);
	if (dw_size > blob->length - BLOB_PREFIX) {
		*why = "dwSize beyond the data";
		return -EINVAL;
	}
	bool be;
	uint32_t buffer_length;
	if (ts1_headers(base, dw_size, &be, &buffer_length, why) != 0)
		return -EINVAL;

	TALLOC_CTX *tmp = talloc_new(NULL);
	struct CustomHeader hdr = { 0 };
	uint32_t consumed;
	DATA_BLOB hdr_ndr = data_blob_const(base + TS1_HEADERS, dw_size - TS1_HEADERS);
	enum ndr_err_code err = pull_type(&hdr_ndr, be, tmp, (ndr_pull_flags_fn_t)ndr_pull_CustomHeader,
					  &hdr, &consumed);
	int rc = -EINVAL;
	if (!NDR_ERR_CODE_IS_SUCCESS(err) || hdr.pclsid == NULL || hdr.pSizes == NULL) {
		*why = "malformed CustomHeader";
		goto out;
	}
	/* Properties follow the header as its headerSize says; a header
	 * claiming less than it took is taken at its real, padded size. */
	size_t off = hdr.headerSize;
	if (off < TS1_HEADERS + (size_t)consumed)
		off = align8(TS1_HEADERS + (size_t)consumed);
	out->dest_ctx = hdr.destCtx;
	for (uint32_t i = 0; i < hdr.cIfs; i++) {
		uint32_t size = hdr.pSizes[i];
		if (off > dw_size || size > dw_size - off || size < TS1_HEADERS) {
			*why = "property outside the activation properties";
			goto out;
		}
		struct dcom_actprop *p = &out->props[out->num++];
		if (ts1_headers(base + off, size, &p->big_endian, &buffer_length, why) != 0)
			goto out;
		/* ObjectBufferLength may leave out the padding (impacket):
		 * the property runs to its pSizes end. */
		if (buffer_length > size - TS1_HEADERS) {
			*why = "ObjectBufferLength beyond the property";
			goto out;
		}
		p->clsid = hdr.pclsid[i];
		p->ndr = data_blob_const(base + off + TS1_HEADERS, size - TS1_HEADERS);
		off += size;
	}
	rc = 0;
out:
	talloc_free(tmp);
	if (rc != 0)
		out->num = 0;
	return rc;
}

int dcom_actprops_unwrap(TALLOC_CTX *mem_ctx, const struct MInterfacePointer *mip,
			 const struct GUID *clsid, const struct GUID *iid, struct dcom_actprops *out,
			 const char **why)
{
	struct OBJREF *o = talloc_zero(mem_ctx, struct OBJREF);
	if (o == NULL) {
		*why = "out of memory";
		return -ENOMEM;
	}
	if (dcom_objref_pull(o, mip, o) != 0) {
		*why = "malformed OBJREF";
		return -EINVAL;
	}
	if (o->flags != OBJREF_FLAG_CUSTOM || !GUID_equal(&o->u_objref.u_custom.clsid, clsid)) {
		*why = "not an OBJREF_CUSTOM of activation properties";
		return -EINVAL;
	}
	if (!GUID_equal(&o->iid, iid)) {
		*why = "unexpected IID of activation properties";
		return -EINVAL;
	}
	return dcom_actprops_split(&o->u_objref.u_custom.pObjectData, out, why);
}

int dcom_actprops_get(const struct dcom_actprops *props, const struct GUID *clsid,
		      TALLOC_CTX *mem_ctx, ndr_pull_flags_fn_t pull, void *value)
{
	for (uint32_t i = 0; i < props->num; i++) {
		const struct dcom_actprop *p = &props->props[i];
		if (!GUID_equal(&p->clsid, clsid))
			continue;
		enum ndr_err_code err = pull_type(&p->ndr, p->big_endian, mem_ctx, pull, value, NULL);
		return NDR_ERR_CODE_IS_SUCCESS(err) ? 0 : err == NDR_ERR_ALLOC ? -ENOMEM : -EINVAL;
	}
	return -ENOENT;
}

int dcom_ts1_encode(TALLOC_CTX *mem_ctx, ndr_push_flags_fn_t push, const void *value,
		    DATA_BLOB *out)
{
	struct ndr_push *ndr = ndr_push_init_ctx(mem_ctx);
	if (ndr == NULL)
		return -ENOMEM;
	enum ndr_err_code err = push(ndr, NDR_SCALARS | NDR_BUFFERS, value);
	if (!NDR_ERR_CODE_IS_SUCCESS(err)) {
		talloc_free(ndr);
		return err == NDR_ERR_ALLOC ? -ENOMEM : -EINVAL;
	}
	DATA_BLOB data = ndr_push_blob(ndr);
	size_t padded = align8(data.length);
	DATA_BLOB b = data_blob_talloc_zero(mem_ctx, TS1_HEADERS + padded);
	if (b.data == NULL) {
		talloc_free(ndr);
		return -ENOMEM;
	}
	static const uint8_t common[8] = { TS1_VERSION, TS1_LITTLE_ENDIAN, 8, 0,
					   0xcc, 0xcc, 0xcc, 0xcc };
	memcpy(b.data, common, sizeof(common));
	put32(b.data + 8, (uint32_t)padded); /* the padding included (2.2.6.2) */
	memcpy(b.data + TS1_HEADERS, data.data, data.length);
	talloc_free(ndr);
	*out = b;
	return 0;
}

int dcom_actprops_wrap(TALLOC_CTX *mem_ctx, const struct GUID *clsid, const struct GUID *iid,
		       uint32_t dest_ctx, const struct dcom_actprop_value *props, size_t num,
		       struct MInterfacePointer **out)
{
	if (num < 1 || num > DCOM_ACTPROPS_MAX)
		return -EINVAL;
	TALLOC_CTX *tmp = talloc_new(mem_ctx);
	if (tmp == NULL)
		return -ENOMEM;
	DATA_BLOB encoded[DCOM_ACTPROPS_MAX];
	struct GUID clsids[DCOM_ACTPROPS_MAX];
	uint32_t sizes[DCOM_ACTPROPS_MAX];
	size_t total_props = 0;
	int rc;
	for (size_t i = 0; i < num; i++) {
		rc = dcom_ts1_encode(tmp, props[i].push, props[i].value, &encoded[i]);
		if (rc != 0)
			goto out;
		clsids[i] = *props[i].clsid;
		sizes[i] = (uint32_t)encoded[i].length;
		total_props += encoded[i].length;
	}
	struct CustomHeader hdr = {
		.destCtx = dest_ctx,
		.cIfs = (uint32_t)num,
		.pclsid = clsids,
		.pSizes = sizes,
	};
	/* Its size does not depend on the sizes it records: encode it once
	 * to learn it, then with the final values. */
	DATA_BLOB h;
	rc = dcom_ts1_encode(tmp, (ndr_push_flags_fn_t)ndr_push_CustomHeader, &hdr, &h);
	if (rc != 0)
		goto out;
	hdr.headerSize = (uint32_t)h.length;
	hdr.totalSize = (uint32_t)(h.length + total_props);
	rc = dcom_ts1_encode(tmp, (ndr_push_flags_fn_t)ndr_push_CustomHeader, &hdr, &h);
	if (rc != 0)
		goto out;

	DATA_BLOB blob = data_blob_talloc_zero(tmp, BLOB_PREFIX + hdr.totalSize);
	if (blob.data == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	put32(blob.data, hdr.totalSize);
	size_t off = BLOB_PREFIX;
	memcpy(blob.data + off, h.data, h.length);
	off += h.length;
	for (size_t i = 0; i < num; i++) {
		memcpy(blob.data + off, encoded[i].data, encoded[i].length);
		off += encoded[i].length;
	}

	struct OBJREF o = {
		.signature = OBJREF_SIGNATURE,
		.flags = OBJREF_FLAG_CUSTOM,
		.iid = *iid,
	};
	o.u_objref.u_custom.clsid = *clsid;
	o.u_objref.u_custom.cbExtension = 0;
	/* "reserved": arbitrary (2.2.18.6); Windows and impacket put the size
	 * of what follows the clsid. */
	o.u_objref.u_custom.reserved = (uint32_t)(blob.length + 8);
	o.u_objref.u_custom.pObjectData = blob;
	rc = dcom_objref_push(mem_ctx, &o, out);
out:
	talloc_free(tmp);
	return rc;
}
