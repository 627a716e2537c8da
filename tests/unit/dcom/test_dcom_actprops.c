/* Activation properties BLOBs (MS-DCOM 2.2.22, MS-RPCE 2.2.6): impacket's
 * RemoteCreateInstance request as golden bytes (with its quirks: thisSize 0,
 * an ObjectBufferLength without the padding), our reply format, round trips,
 * and malformed BLOBs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "dcom/actprops.h"
#include "dcom/objref.h"
#include "idl/ndr_ms_dcom.h"

/* impacket 0.10 (Debian 12) IRemoteSCMActivator::RemoteCreateInstance for
 * CLSID baa4a577-202d-49c7-a6bb-10ee914ee199 (IWTGeneral's class) and IID
 * d71b2cae-33e8-4567-ae96-3ccf31620be2 (IWTGeneral): the abData of its
 * pActProperties, captured by tests/unit/dcom/capture_impacket_blob.py. */
static const uint8_t impacket_request[] = {
	0x4d, 0x45, 0x4f, 0x57, 0x04, 0x00, 0x00, 0x00, 0xa2, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46, 0x38, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46, 0x00, 0x00, 0x00, 0x00, 0x78, 0x01, 0x00, 0x00,
	0x68, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc,
	0x88, 0x00, 0x00, 0x00, 0xcc, 0xcc, 0xcc, 0xcc, 0x68, 0x01, 0x00, 0x00, 0x98, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xde, 0x0e, 0x00, 0x00,
	0x0c, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xab, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46, 0xa5, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46, 0xa4, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46, 0xaa, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46, 0x04, 0x00, 0x00, 0x00,
	0x58, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00,
	0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc, 0x44, 0x00, 0x00, 0x00, 0xcc, 0xcc, 0xcc, 0xcc,
	0x77, 0xa5, 0xa4, 0xba, 0x2d, 0x20, 0xc7, 0x49, 0xa6, 0xbb, 0x10, 0xee, 0x91, 0x4e, 0xe1, 0x99,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xaa, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x07, 0x00,
	0x01, 0x00, 0x00, 0x00, 0xae, 0x2c, 0x1b, 0xd7, 0xe8, 0x33, 0x67, 0x45, 0xae, 0x96, 0x3c, 0xcf,
	0x31, 0x62, 0x0b, 0xe2, 0xfa, 0xfa, 0xfa, 0xfa, 0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc,
	0x18, 0x00, 0x00, 0x00, 0xcc, 0xcc, 0xcc, 0xcc, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc, 0x10, 0x00, 0x00, 0x00, 0xcc, 0xcc, 0xcc, 0xcc,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc, 0x1a, 0x00, 0x00, 0x00, 0xcc, 0xcc, 0xcc, 0xcc,
	0x00, 0x00, 0x00, 0x00, 0x87, 0xa6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xaa, 0xaa,
	0x20, 0x18, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa,
};

/* Offsets in impacket_request: the OBJREF_CUSTOM header is 48 bytes, the
 * BLOB's prefix 8, the CustomHeader's TS1 headers 16; its pSizes array is at
 * NDR offset 120; ScmRequestInfoData (the fourth property) begins at 0x170. */
#define BLOB_OFFSET 48
#define PSIZES_OFFSET (BLOB_OFFSET + 8 + 16 + 120)
#define IMPACKET_SCM_REQUEST_OFFSET 0x170

static struct MInterfacePointer mip_of(const uint8_t *data, size_t len)
{
	struct MInterfacePointer m = { .ulCntData = (uint32_t)len, .abData = (uint8_t *)data };
	return m;
}

static void test_impacket_request(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct MInterfacePointer mip = mip_of(impacket_request, sizeof(impacket_request));
	struct dcom_actprops p;
	const char *why = NULL;
	assert_int_equal(dcom_actprops_unwrap(mem, &mip, &dcom_CLSID_ActivationPropertiesIn,
					      &dcom_IID_IActivationPropertiesIn, &p, &why),
			 0);
	assert_int_equal(p.num, 4);
	assert_int_equal(p.dest_ctx, 2);
	assert_true(GUID_equal(&p.props[0].clsid, &dcom_CLSID_InstantiationInfo));
	assert_true(GUID_equal(&p.props[1].clsid, &dcom_CLSID_ActivationContextInfo));
	assert_true(GUID_equal(&p.props[2].clsid, &dcom_CLSID_ServerLocationInfo));
	assert_true(GUID_equal(&p.props[3].clsid, &dcom_CLSID_ScmRequestInfo));

	struct InstantiationInfoData inst = { 0 };
	assert_int_equal(dcom_actprops_get(&p, &dcom_CLSID_InstantiationInfo, mem,
					   (ndr_pull_flags_fn_t)ndr_pull_InstantiationInfoData, &inst),
			 0);
	struct GUID clsid, iid;
	assert_true(NT_STATUS_IS_OK(GUID_from_string("baa4a577-202d-49c7-a6bb-10ee914ee199", &clsid)));
	assert_true(NT_STATUS_IS_OK(GUID_from_string("d71b2cae-33e8-4567-ae96-3ccf31620be2", &iid)));
	assert_true(GUID_equal(&inst.classId, &clsid));
	assert_int_equal(inst.cIID, 1);
	assert_true(GUID_equal(&inst.pIID[0], &iid));
	assert_int_equal(inst.thisSize, 0); /* impacket's quirk: set after marshalling */

	struct ScmRequestInfoData scm = { 0 };
	assert_int_equal(dcom_actprops_get(&p, &dcom_CLSID_ScmRequestInfo, mem,
					   (ndr_pull_flags_fn_t)ndr_pull_ScmRequestInfoData, &scm),
			 0);
	assert_non_null(scm.remoteRequest);
	assert_int_equal(scm.remoteRequest->cRequestedProtseqs, 1);
	assert_int_equal(scm.remoteRequest->pRequestedProtseqs[0], 7);

	struct LocationInfoData loc = { 0 };
	assert_int_equal(dcom_actprops_get(&p, &dcom_CLSID_ServerLocationInfo, mem,
					   (ndr_pull_flags_fn_t)ndr_pull_LocationInfoData, &loc),
			 0);
	assert_null(loc.machineName);
	struct ActivationContextInfoData ctx = { 0 };
	assert_int_equal(dcom_actprops_get(&p, &dcom_CLSID_ActivationContextInfo, mem,
					   (ndr_pull_flags_fn_t)ndr_pull_ActivationContextInfoData,
					   &ctx),
			 0);
	assert_null(ctx.pIFDClientCtx);
	struct SecurityInfoData sec;
	assert_int_equal(dcom_actprops_get(&p, &dcom_CLSID_SecurityInfo, mem,
					   (ndr_pull_flags_fn_t)ndr_pull_SecurityInfoData, &sec),
			 -ENOENT);
	talloc_free(mem);
}

/* The quirk itself: ScmRequestInfoData's ObjectBufferLength is 26, its
 * pSizes entry 48 (the padding is counted in one and not the other). */
static void test_impacket_object_buffer_length(void **state)
{
	const uint8_t *priv = impacket_request + IMPACKET_SCM_REQUEST_OFFSET + 8;
	assert_int_equal(impacket_request[IMPACKET_SCM_REQUEST_OFFSET], 1); /* version */
	assert_int_equal(priv[0] | priv[1] << 8, 26);
}

/* Our reply layout: PropsOutInfo then ScmReplyInfoData, each padded to 8
 * with an ObjectBufferLength that counts the padding, a CustomHeader whose
 * headerSize and totalSize add up, and an OBJREF_CUSTOM around it. */
static void test_reply_round_trip(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct GUID iids[2];
	assert_true(NT_STATUS_IS_OK(GUID_from_string("d71b2cae-33e8-4567-ae96-3ccf31620be2", &iids[0])));
	iids[1] = iids[0];
	iids[1].time_low ^= 1;
	uint32_t hr[2] = { 0, 0x80004002 };
	uint8_t objref_bytes[] = { 'M', 'E', 'O', 'W' };
	struct MInterfacePointer ip = mip_of(objref_bytes, sizeof(objref_bytes));
	struct MInterfacePointer *ips[2] = { &ip, NULL };
	struct PropsOutInfo out = { .cIfs = 2, .piid = iids, .phresults = hr, .ppIntfData = ips };
	uint16_t strings[] = { 7, '1', 0, 0, 10, 0xffff, 0, 0 };
	struct DUALSTRINGARRAY dsa = { .wNumEntries = 8, .wSecurityOffset = 4,
				       .aStringArray = strings };
	struct customREMOTE_REPLY_SCM_INFO reply = { .Oxid = 0x1122334455667788ULL,
						     .pdsaOxidBindings = &dsa,
						     .authnHint = 5,
						     .serverVersion = { 5, 7 } };
	struct ScmReplyInfoData scm = { .remoteReply = &reply };
	const struct dcom_actprop_value props[] = {
		{ &dcom_CLSID_PropsOutInfo, (ndr_push_flags_fn_t)ndr_push_PropsOutInfo, &out },
		{ &dcom_CLSID_ScmReplyInfo, (ndr_push_flags_fn_t)ndr_push_ScmReplyInfoData, &scm },
	};
	struct MInterfacePointer *wrapped;
	assert_int_equal(dcom_actprops_wrap(mem, &dcom_CLSID_ActivationPropertiesOut,
					    &dcom_IID_IActivationPropertiesOut, 2, props, 2, &wrapped),
			 0);

	/* OBJREF_CUSTOM: signature, flags 4, iid, clsid, cbExtension 0, size */
	struct OBJREF o;
	assert_int_equal(dcom_objref_pull(mem, wrapped, &o), 0);
	assert_int_equal(o.flags, OBJREF_FLAG_CUSTOM);
	const DATA_BLOB *blob = &o.u_objref.u_custom.pObjectData;
	assert_int_equal(o.u_objref.u_custom.reserved, blob->length + 8);
	const uint8_t *b = blob->data;
	uint32_t dw_size = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
	assert_int_equal(dw_size + 8, blob->length);
	/* CustomHeader: TS1 common header 01 10 08 00 cc cc cc cc */
	static const uint8_t common[] = { 1, 0x10, 8, 0, 0xcc, 0xcc, 0xcc, 0xcc };
	assert_memory_equal(b + 8, common, 8);
	uint32_t header_obl = b[16] | b[17] << 8;
	assert_int_equal(header_obl % 8, 0);
	/* every property: the same common header, a padded ObjectBufferLength */
	struct dcom_actprops p;
	const char *why = NULL;
	assert_int_equal(dcom_actprops_split(blob, &p, &why), 0);
	assert_int_equal(p.num, 2);
	assert_true(GUID_equal(&p.props[0].clsid, &dcom_CLSID_PropsOutInfo));
	assert_true(GUID_equal(&p.props[1].clsid, &dcom_CLSID_ScmReplyInfo));
	for (uint32_t i = 0; i < p.num; i++) {
		const uint8_t *hdr = p.props[i].ndr.data - 16;
		assert_memory_equal(hdr, common, 8);
		uint32_t obl = hdr[8] | hdr[9] << 8 | hdr[10] << 16 | (uint32_t)hdr[11] << 24;
		assert_int_equal(obl % 8, 0);
		assert_int_equal(obl, p.props[i].ndr.length);
	}

	struct PropsOutInfo out2 = { 0 };
	assert_int_equal(dcom_actprops_get(&p, &dcom_CLSID_PropsOutInfo, mem,
					   (ndr_pull_flags_fn_t)ndr_pull_PropsOutInfo, &out2),
			 0);
	assert_int_equal(out2.cIfs, 2);
	assert_true(GUID_equal(&out2.piid[1], &iids[1]));
	assert_int_equal(out2.phresults[1], 0x80004002);
	assert_non_null(out2.ppIntfData[0]);
	assert_null(out2.ppIntfData[1]);
	assert_memory_equal(out2.ppIntfData[0]->abData, objref_bytes, 4);
	struct ScmReplyInfoData scm2 = { 0 };
	assert_int_equal(dcom_actprops_get(&p, &dcom_CLSID_ScmReplyInfo, mem,
					   (ndr_pull_flags_fn_t)ndr_pull_ScmReplyInfoData, &scm2),
			 0);
	assert_int_equal(scm2.remoteReply->Oxid, 0x1122334455667788ULL);
	assert_int_equal(scm2.remoteReply->authnHint, 5);
	assert_int_equal(scm2.remoteReply->pdsaOxidBindings->wSecurityOffset, 4);
	talloc_free(mem);
}

/* Malformed BLOBs are refused, never read beyond their end. */
static void test_hostile(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct MInterfacePointer mip;
	struct dcom_actprops p;
	const char *why;

	/* every truncation */
	for (size_t len = 0; len < sizeof(impacket_request); len++) {
		uint8_t *copy = talloc_memdup(mem, impacket_request, len ? len : 1);
		mip = mip_of(copy, len);
		why = NULL;
		int rc = dcom_actprops_unwrap(mem, &mip, &dcom_CLSID_ActivationPropertiesIn,
					      &dcom_IID_IActivationPropertiesIn, &p, &why);
		assert_int_not_equal(rc, 0);
		assert_non_null(why);
		talloc_free(copy);
	}
	/* every single-byte corruption of the BLOB either parses into
	 * properties inside it or is refused */
	for (size_t i = BLOB_OFFSET; i < sizeof(impacket_request); i++) {
		uint8_t *copy = talloc_memdup(mem, impacket_request, sizeof(impacket_request));
		copy[i] ^= 0xff;
		DATA_BLOB b = data_blob_const(copy + BLOB_OFFSET,
					      sizeof(impacket_request) - BLOB_OFFSET);
		if (dcom_actprops_split(&b, &p, &why) == 0) {
			for (uint32_t k = 0; k < p.num; k++) {
				assert_true(p.props[k].ndr.data >= copy);
				assert_true(p.props[k].ndr.data + p.props[k].ndr.length <=
					    copy + sizeof(impacket_request));
			}
			struct InstantiationInfoData inst;
			(void)dcom_actprops_get(&p, &dcom_CLSID_InstantiationInfo, copy,
						(ndr_pull_flags_fn_t)ndr_pull_InstantiationInfoData,
						&inst);
		}
		talloc_free(copy);
	}
	/* a wrong CLSID or IID in the OBJREF_CUSTOM */
	mip = mip_of(impacket_request, sizeof(impacket_request));
	assert_int_not_equal(dcom_actprops_unwrap(mem, &mip, &dcom_CLSID_ActivationPropertiesOut,
						  &dcom_IID_IActivationPropertiesIn, &p, &why),
			     0);
	assert_int_not_equal(dcom_actprops_unwrap(mem, &mip, &dcom_CLSID_ActivationPropertiesIn,
						  &dcom_IID_IActivationPropertiesOut, &p, &why),
			     0);
	/* a pSizes entry pointing past dwSize */
	uint8_t *copy = talloc_memdup(mem, impacket_request, sizeof(impacket_request));
	DATA_BLOB blob = data_blob_const(copy + BLOB_OFFSET, sizeof(impacket_request) - BLOB_OFFSET);
	assert_int_equal(dcom_actprops_split(&blob, &p, &why), 0);
	copy[PSIZES_OFFSET + 1] = 0xff; /* the first property: 88 -> 65368 bytes */
	assert_int_not_equal(dcom_actprops_split(&blob, &p, &why), 0);
	copy[PSIZES_OFFSET + 1] = 0;
	copy[PSIZES_OFFSET] = 8; /* shorter than its own headers */
	assert_int_not_equal(dcom_actprops_split(&blob, &p, &why), 0);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impacket_request),
		cmocka_unit_test(test_impacket_object_buffer_length),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
