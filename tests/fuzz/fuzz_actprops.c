/* Activation property BLOBs (src/dcom/actprops.c, MS-DCOM 2.2.22) inside
 * their OBJREF_CUSTOM: the server's reading of RemoteCreateInstance's
 * pActProperties (every property activation.c pulls) and the DCOM client's
 * reading of a reply. Input: the abData of the MInterfacePointer. */
#include <stdbool.h>

#include "dcom/actprops.h"
#include "fuzz_util.h"
#include "idl/ndr_ms_dcom.h"
#include "istmd/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LVL_ERR);
	return 0;
}

struct prop {
	const struct GUID *clsid;
	ndr_pull_flags_fn_t pull;
	size_t size;
};

static void pull_all(TALLOC_CTX *mem, const struct dcom_actprops *p, const struct prop *props,
		     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		void *v = talloc_zero_size(mem, props[i].size);
		if (v != NULL)
			(void)dcom_actprops_get(p, props[i].clsid, v, props[i].pull, v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#define P(clsid, type) { &clsid, (ndr_pull_flags_fn_t)ndr_pull_##type, sizeof(struct type) }
	static const struct prop in_props[] = {
		P(dcom_CLSID_InstantiationInfo, InstantiationInfoData),
		P(dcom_CLSID_ScmRequestInfo, ScmRequestInfoData),
		P(dcom_CLSID_ServerLocationInfo, LocationInfoData),
		P(dcom_CLSID_ActivationContextInfo, ActivationContextInfoData),
		P(dcom_CLSID_SecurityInfo, SecurityInfoData),
		P(dcom_CLSID_InstanceInfo, InstanceInfoData),
		P(dcom_CLSID_SpecialSystemProperties, SpecialPropertiesData),
		P(dcom_CLSID_SpecialSystemProperties, SpecialPropertiesData_Alternate),
	};
	static const struct prop out_props[] = {
		P(dcom_CLSID_ScmReplyInfo, ScmReplyInfoData),
		P(dcom_CLSID_PropsOutInfo, PropsOutInfo),
	};
#undef P
	TALLOC_CTX *mem = talloc_new(NULL);
	uint8_t *copy = talloc_memdup(mem, data, size ? size : 1);
	struct MInterfacePointer mip = { .ulCntData = (uint32_t)size, .abData = copy };
	struct dcom_actprops p;
	const char *why;
	if (copy != NULL) {
		if (dcom_actprops_unwrap(mem, &mip, &dcom_CLSID_ActivationPropertiesIn,
					 &dcom_IID_IActivationPropertiesIn, &p, &why) == 0)
			pull_all(mem, &p, in_props, sizeof(in_props) / sizeof(in_props[0]));
		if (dcom_actprops_unwrap(mem, &mip, &dcom_CLSID_ActivationPropertiesOut,
					 &dcom_IID_IActivationPropertiesOut, &p, &why) == 0)
			pull_all(mem, &p, out_props, sizeof(out_props) / sizeof(out_props[0]));
		/* the BLOB alone */
		DATA_BLOB blob = data_blob_const(copy, size);
		if (dcom_actprops_split(&blob, &p, &why) == 0)
			pull_all(mem, &p, in_props, sizeof(in_props) / sizeof(in_props[0]));
	}
	talloc_free(mem);
	return 0;
}
