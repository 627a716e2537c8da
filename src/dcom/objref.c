#include "dcom/objref.h"

#include <errno.h>
#include <string.h>

#include "dcom/internal.h"
#include "idl/ndr_ms_dcom.h"
#include "istmd/utf16.h"

int dcom_objref_push(TALLOC_CTX *mem_ctx, const struct OBJREF *o, struct MInterfacePointer **out)
{
	struct ndr_push *ndr = ndr_push_init_ctx(mem_ctx);
	if (ndr == NULL)
		return -ENOMEM;
	enum ndr_err_code err = ndr_push_OBJREF(ndr, NDR_SCALARS | NDR_BUFFERS, o);
	if (!NDR_ERR_CODE_IS_SUCCESS(err)) {
		talloc_free(ndr);
		return err == NDR_ERR_ALLOC ? -ENOMEM : -EINVAL;
	}
	DATA_BLOB b = ndr_push_blob(ndr);
	struct MInterfacePointer *mip = talloc_zero(mem_ctx, struct MInterfacePointer);
	if (mip == NULL) {
		talloc_free(ndr);
		return -ENOMEM;
	}
	mip->ulCntData = (uint32_t)b.length;
	mip->abData = talloc_steal(mip, b.data);
	talloc_free(ndr);
	*out = mip;
	return 0;
}

int dcom_objref_pull(TALLOC_CTX *mem_ctx, const struct MInterfacePointer *mip, struct OBJREF *o)
{
	if (mip == NULL || mip->abData == NULL)
		return -EINVAL;
	DATA_BLOB b = data_blob_const(mip->abData, mip->ulCntData);
	struct ndr_pull *ndr = ndr_pull_init_blob(&b, mem_ctx);
	if (ndr == NULL)
		return -ENOMEM;
	/* The flags select the flavour; only the four single values exist. */
	if (b.length < 8) {
		talloc_free(ndr);
		return -EINVAL;
	}
	uint32_t flags = (uint32_t)b.data[4] | (uint32_t)b.data[5] << 8 | (uint32_t)b.data[6] << 16 |
			 (uint32_t)b.data[7] << 24;
	if (flags != OBJREF_FLAG_STANDARD && flags != OBJREF_FLAG_HANDLER &&
	    flags != OBJREF_FLAG_CUSTOM && flags != OBJREF_FLAG_EXTENDED) {
		talloc_free(ndr);
		return -EINVAL;
	}
	memset(o, 0, sizeof(*o));
	enum ndr_err_code err = ndr_pull_OBJREF(ndr, NDR_SCALARS | NDR_BUFFERS, o);
	talloc_free(ndr);
	if (!NDR_ERR_CODE_IS_SUCCESS(err) || o->signature != OBJREF_SIGNATURE)
		return -EINVAL;
	return 0;
}

int dcom_objref_standard(TALLOC_CTX *mem, struct dcom_exporter *ex, const struct GUID *iid,
			 const struct STDOBJREF *std, const char *dialled,
			 struct MInterfacePointer **out)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	struct DUALSTRINGARRAY *dsa;
	if (tmp == NULL)
		return -ENOMEM;
	/* saResAddr: the resolver's bindings (MS-DCOM 2.2.18.4, 3.1.1.5.1). */
	int rc = dcom_exporter_bindings(ex, tmp, dialled, DCOM_BINDINGS_RESOLVER, &dsa);
	if (rc == 0) {
		struct OBJREF o = {
			.signature = OBJREF_SIGNATURE,
			.flags = OBJREF_FLAG_STANDARD,
			.iid = *iid,
		};
		o.u_objref.u_standard.std = *std;
		o.u_objref.u_standard.saResAddr = *dsa;
		rc = dcom_objref_push(mem, &o, out);
	}
	talloc_free(tmp);
	return rc;
}

int dcom_string_bindings(const uint16_t *array, uint16_t num_entries, uint16_t security_offset,
			 int (*fn)(uint16_t tower_id, const char *address, void *priv), void *priv)
{
	if (security_offset > num_entries || array == NULL)
		return -EINVAL;
	size_t i = 0;
	while (i < security_offset && array[i] != 0) {
		uint16_t tower = array[i++];
		size_t start = i;
		while (i < security_offset && array[i] != 0)
			i++;
		if (i == security_offset)
			return -EINVAL; /* no terminator */
		char *addr = utf16_to_utf8(NULL, array + start, i - start);
		if (addr == NULL)
			return -EINVAL;
		int rc = fn(tower, addr, priv);
		talloc_free(addr);
		if (rc != 0)
			return rc;
		i++; /* the address's NUL */
	}
	return 0;
}
