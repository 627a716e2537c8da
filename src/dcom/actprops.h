/* Activation properties BLOBs (MS-DCOM 2.2.22): the pObjectData of the
 * OBJREF_CUSTOM that IRemoteSCMActivator passes both ways. A BLOB is dwSize,
 * dwReserved, a CustomHeader and up to 10 properties, each of them one type
 * serialized with NDR type serialization version 1 (MS-RPCE 2.2.6: an 8-byte
 * common header, an 8-byte private header, the NDR, padding to 8). The
 * generated ndr_push/pull functions do the NDR of each type; this file does
 * the headers, sizes and alignment, tolerating what real clients send
 * (impacket: thisSize 0, ObjectBufferLength without the padding). */
#ifndef ISTMD_DCOM_ACTPROPS_H
#define ISTMD_DCOM_ACTPROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>
#include <ndr.h>

#include "idl/ms_dcom.h"

/* MS-DCOM 1.9 */
extern const struct GUID dcom_CLSID_ActivationContextInfo;
extern const struct GUID dcom_CLSID_ActivationPropertiesIn;
extern const struct GUID dcom_CLSID_ActivationPropertiesOut;
extern const struct GUID dcom_CLSID_InstanceInfo;
extern const struct GUID dcom_CLSID_InstantiationInfo;
extern const struct GUID dcom_CLSID_PropsOutInfo; /* = ActivationPropertiesOut */
extern const struct GUID dcom_CLSID_ScmReplyInfo;
extern const struct GUID dcom_CLSID_ScmRequestInfo;
extern const struct GUID dcom_CLSID_SecurityInfo;
extern const struct GUID dcom_CLSID_ServerLocationInfo;
extern const struct GUID dcom_CLSID_SpecialSystemProperties;
extern const struct GUID dcom_IID_IActivationPropertiesIn;
extern const struct GUID dcom_IID_IActivationPropertiesOut;

#define DCOM_ACTPROPS_MAX 10 /* MAX_ACTPROP_LIMIT */

/* One property of a BLOB, still serialized. */
struct dcom_actprop {
	struct GUID clsid;
	DATA_BLOB ndr;   /* the type's NDR (after both headers), up to the property's end */
	bool big_endian; /* common header endianness 0x00 */
};

struct dcom_actprops {
	uint32_t dest_ctx;
	uint32_t num;
	struct dcom_actprop props[DCOM_ACTPROPS_MAX];
};

/* Unwraps MIP: an OBJREF_CUSTOM whose clsid is CLSID and iid IID, whose
 * pObjectData is a BLOB; splits the BLOB into OUT (pointing into memory on
 * MEM_CTX). Returns 0 or -EINVAL with *WHY saying what is wrong. */
int dcom_actprops_unwrap(TALLOC_CTX *mem_ctx, const struct MInterfacePointer *mip,
			 const struct GUID *clsid, const struct GUID *iid, struct dcom_actprops *out,
			 const char **why);
/* The same for the BLOB alone. */
int dcom_actprops_split(const DATA_BLOB *blob, struct dcom_actprops *out, const char **why);

/* Unmarshals the property CLSID into VALUE (allocations on MEM_CTX) with PULL.
 * Returns 0, -ENOENT (absent) or -EINVAL (malformed). */
int dcom_actprops_get(const struct dcom_actprops *props, const struct GUID *clsid,
		      TALLOC_CTX *mem_ctx, ndr_pull_flags_fn_t pull, void *value);

/* A property to marshal. */
struct dcom_actprop_value {
	const struct GUID *clsid;
	ndr_push_flags_fn_t push;
	const void *value;
};

/* Serializes one type with its type serialization 1 headers and padding. */
int dcom_ts1_encode(TALLOC_CTX *mem_ctx, ndr_push_flags_fn_t push, const void *value,
		    DATA_BLOB *out);
/* Builds the BLOB of PROPS (1..10) and wraps it into an OBJREF_CUSTOM with
 * CLSID and IID in a new MInterfacePointer. 0, -EINVAL or -ENOMEM. */
int dcom_actprops_wrap(TALLOC_CTX *mem_ctx, const struct GUID *clsid, const struct GUID *iid,
		       uint32_t dest_ctx, const struct dcom_actprop_value *props, size_t num,
		       struct MInterfacePointer **out);

#endif
