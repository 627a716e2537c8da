/* Golden byte vectors, checked byte for byte in both directions (push gives
 * exactly these bytes, pull gives back the values).
 *
 * The specs carry almost no byte-level examples: the smallest DUALSTRINGARRAY
 * comes from [MS-DCOM] 2.2.19.1; every other vector is built by hand from the
 * NDR rules (C706 chapter 14, [MS-RPCE] 2.2.5) and the packet layouts of
 * [MS-DCOM] 2.2.18, each byte group explained beside it. Referent IDs are
 * what Windows (and libndr) write: 0x00020000, then +4 per non-NULL pointer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "istmd/utf16.h"
#include "ndr_test_util.h"

/* 12345678-9abc-def0-1122-334455667788 as a GUID puts it on the wire */
#define GUID1_BYTES 0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde, \
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88
static const struct GUID guid1 = { 0x12345678, 0x9abc, 0xdef0, { 0x11, 0x22 },
				   { 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 } };
/* IID_IUnknown, 00000000-0000-0000-c000-000000000046 */
#define IUNKNOWN_BYTES 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46
static const struct GUID iid_unknown = { 0, 0, 0, { 0xc0, 0 }, { 0, 0, 0, 0, 0, 0x46 } };

static void expect_bytes(DATA_BLOB got, const uint8_t *want, size_t len)
{
	if (got.length != len)
		fail_msg("pushed %zu bytes, expected %zu", got.length, len);
	for (size_t i = 0; i < len; i++) {
		if (got.data[i] != want[i])
			fail_msg("byte %zu is 0x%02x, expected 0x%02x", i, got.data[i], want[i]);
	}
}

static DATA_BLOB push(TALLOC_CTX *mem, ndr_push_flags_fn_t fn, int flags, const void *r)
{
	struct ndr_push *ndr = ndr_push_init_ctx(mem);

	assert_non_null(ndr);
	assert_int_equal(fn(ndr, flags, r), NDR_ERR_SUCCESS);
	return ndr_push_blob(ndr);
}

static void pull_all(TALLOC_CTX *mem, ndr_pull_flags_fn_t fn, int flags, const uint8_t *data, size_t len,
		     void *r)
{
	DATA_BLOB blob = { .data = discard_const_p(uint8_t, data), .length = len };
	struct ndr_pull *ndr = ndr_pull_init_blob(&blob, mem);

	assert_non_null(ndr);
	assert_int_equal(fn(ndr, flags, r), NDR_ERR_SUCCESS);
	assert_int_equal(ndr->offset, len);
	talloc_free(ndr);
}

static enum ndr_err_code pull_err(TALLOC_CTX *mem, ndr_pull_flags_fn_t fn, int flags, const uint8_t *data,
				  size_t len, void *r)
{
	DATA_BLOB blob = { .data = discard_const_p(uint8_t, data), .length = len };
	struct ndr_pull *ndr = ndr_pull_init_blob(&blob, mem);
	enum ndr_err_code err = fn(ndr, flags, r);

	talloc_free(ndr);
	return err;
}

/* The generated push/pull of structure NAME (from the test tables). */
static const struct idl_test_type *type(const char *name)
{
	for (size_t l = 0; test_type_tables[l] != NULL; l++) {
		for (const struct idl_test_type *t = test_type_tables[l]; t->name != NULL; t++) {
			if (strcmp(t->name, name) == 0)
				return t;
		}
	}
	fail_msg("no structure %s", name);
	return NULL;
}

/* ORPCTHIS ([MS-DCOM] 2.2.13.3) as every ORPC request starts: no extensions. */
static const uint8_t orpcthis_plain[] = {
	0x05, 0x00, 0x07, 0x00, /* version: COMVERSION 5.7, two uint16 */
	0x00, 0x00, 0x00, 0x00, /* flags */
	0x00, 0x00, 0x00, 0x00, /* reserved1 */
	GUID1_BYTES,            /* cid: uint32, uint16, uint16, 8 bytes, little-endian */
	0x00, 0x00, 0x00, 0x00, /* extensions: NULL unique pointer */
};

/* The same with one ORPC_EXTENT: a deferred structure holding a conformant
 * array of pointers, one of them to a conformant structure. */
static const uint8_t orpcthis_extent[] = {
	0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, GUID1_BYTES,
	0x00, 0x00, 0x02, 0x00, /* 28: extensions: referent ID 0x00020000 */
	/* 32: deferred ORPC_EXTENT_ARRAY (2.2.13.2), aligned to 4 */
	0x01, 0x00, 0x00, 0x00, /* size: 1 extent */
	0x00, 0x00, 0x00, 0x00, /* reserved */
	0x04, 0x00, 0x02, 0x00, /* extent: referent ID 0x00020004 */
	/* 44: deferred extent[]: [size_is((size+1)&~1)] => 2 pointers */
	0x02, 0x00, 0x00, 0x00, /* max count 2 */
	0x08, 0x00, 0x02, 0x00, /* extent[0]: referent ID 0x00020008 */
	0x00, 0x00, 0x00, 0x00, /* extent[1]: NULL */
	/* 56: deferred *extent[0], ORPC_EXTENT (2.2.13.1), a conformant structure:
	 * the max count of data[] comes before the structure */
	0x08, 0x00, 0x00, 0x00, /* max count (size+7)&~7 = 8 */
	IUNKNOWN_BYTES,         /* id */
	0x05, 0x00, 0x00, 0x00, /* size 5 */
	'h', 'e', 'l', 'l', 'o', 0x00, 0x00, 0x00, /* data[8] */
};

static void test_orpcthis(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ORPCTHIS this = { .version = { 5, 7 }, .cid = guid1 };
	struct ORPCTHIS back;
	struct ORPC_EXTENT ext = { .id = iid_unknown, .size = 5 };
	struct ORPC_EXTENT *extents[2] = { &ext, NULL };
	struct ORPC_EXTENT_ARRAY array = { .size = 1, .extent = extents };
	uint8_t data[8] = { 'h', 'e', 'l', 'l', 'o', 0, 0, 0 };

	expect_bytes(push(mem, type("ORPCTHIS")->push, NDR_SCALARS | NDR_BUFFERS, &this), orpcthis_plain,
		     sizeof(orpcthis_plain));
	memset(&back, 0xff, sizeof(back));
	pull_all(mem, type("ORPCTHIS")->pull, NDR_SCALARS | NDR_BUFFERS, orpcthis_plain, sizeof(orpcthis_plain), &back);
	assert_int_equal(back.version.MajorVersion, 5);
	assert_int_equal(back.version.MinorVersion, 7);
	assert_true(GUID_equal(&back.cid, &guid1));
	assert_null(back.extensions);

	ext.data = data;
	this.extensions = &array;
	expect_bytes(push(mem, type("ORPCTHIS")->push, NDR_SCALARS | NDR_BUFFERS, &this), orpcthis_extent,
		     sizeof(orpcthis_extent));
	memset(&back, 0, sizeof(back));
	pull_all(mem, type("ORPCTHIS")->pull, NDR_SCALARS | NDR_BUFFERS, orpcthis_extent, sizeof(orpcthis_extent), &back);
	assert_non_null(back.extensions);
	assert_int_equal(back.extensions->size, 1);
	assert_non_null(back.extensions->extent[0]);
	assert_null(back.extensions->extent[1]);
	assert_true(GUID_equal(&back.extensions->extent[0]->id, &iid_unknown));
	assert_int_equal(back.extensions->extent[0]->size, 5);
	assert_memory_equal(back.extensions->extent[0]->data, data, 8);
	talloc_free(mem);
}

/* IHost::put_Name (opnum 7) request: ORPCTHIS, then the BSTR ([MS-OAUT] 2.2.23). */
static const uint8_t put_name_hi[] = {
	0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, GUID1_BYTES,
	0x00, 0x00, 0x00, 0x00, /* ORPCTHIS.extensions NULL (32 bytes of ORPCTHIS) */
	0x55, 0x73, 0x65, 0x72, /* BSTR pointer: MIDL's user-marshal marker "User" */
	0x02, 0x00, 0x00, 0x00, /* FLAGGED_WORD_BLOB is conformant: max count = clSize */
	0x04, 0x00, 0x00, 0x00, /* cBytes 4 */
	0x02, 0x00, 0x00, 0x00, /* clSize 2 */
	'H', 0x00, 'i', 0x00,   /* asData, UTF-16LE, no terminator */
};

/* IHost::get_Name (opnum 6) response: ORPCTHAT, BSTR "é€😀", HRESULT. */
static const uint8_t get_name_unicode[] = {
	0x00, 0x00, 0x00, 0x00, /* ORPCTHAT.flags */
	0x00, 0x00, 0x00, 0x00, /* ORPCTHAT.extensions NULL */
	0x55, 0x73, 0x65, 0x72, /* *pName: BSTR pointer */
	0x04, 0x00, 0x00, 0x00, /* max count 4 */
	0x08, 0x00, 0x00, 0x00, /* cBytes 8 */
	0x04, 0x00, 0x00, 0x00, /* clSize 4 */
	0xe9, 0x00, 0xac, 0x20, /* U+00E9, U+20AC */
	0x3d, 0xd8, 0x00, 0xde, /* U+1F600 as the surrogate pair D83D DE00 */
	0x00, 0x00, 0x00, 0x00, /* result S_OK */
};

/* A NULL BSTR is sent as a blob with cBytes 0xFFFFFFFF, an empty one with 0. */
static const uint8_t get_name_null[] = {
	0, 0, 0, 0, 0, 0, 0, 0,
	0x55, 0x73, 0x65, 0x72, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x05, 0x40, 0x00, 0x80, /* result E_FAIL 0x80004005 */
};
static const uint8_t get_name_empty[] = {
	0, 0, 0, 0, 0, 0, 0, 0,
	0x55, 0x73, 0x65, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

static void test_bstr(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct IHost_put_Name put = { .in = { .ORPCthis = { .version = { 5, 7 }, .cid = guid1 }, .Name = "Hi" } };
	struct IHost_put_Name put_back = { 0 };
	struct ORPCTHAT that = { 0 };
	const char *name = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	struct IHost_get_Name get = { .out = { .ORPCthat = &that, .pName = &name } };
	struct IHost_get_Name get_back = { 0 };

	expect_bytes(push(mem, idl_thunk_push_IHost_put_Name, NDR_IN, &put), put_name_hi, sizeof(put_name_hi));
	pull_all(mem, idl_thunk_pull_IHost_put_Name, NDR_IN, put_name_hi, sizeof(put_name_hi), &put_back);
	assert_string_equal(put_back.in.Name, "Hi");

	expect_bytes(push(mem, idl_thunk_push_IHost_get_Name, NDR_OUT, &get), get_name_unicode,
		     sizeof(get_name_unicode));
	pull_all(mem, idl_thunk_pull_IHost_get_Name, NDR_OUT, get_name_unicode, sizeof(get_name_unicode),
		 &get_back);
	assert_string_equal(*get_back.out.pName, name);
	assert_int_equal(get_back.out.result, 0);

	name = NULL;
	get.out.result = 0x80004005;
	expect_bytes(push(mem, idl_thunk_push_IHost_get_Name, NDR_OUT, &get), get_name_null, sizeof(get_name_null));
	memset(&get_back, 0, sizeof(get_back));
	pull_all(mem, idl_thunk_pull_IHost_get_Name, NDR_OUT, get_name_null, sizeof(get_name_null), &get_back);
	assert_null(*get_back.out.pName);
	assert_int_equal(get_back.out.result, 0x80004005);

	name = "";
	get.out.result = 0;
	expect_bytes(push(mem, idl_thunk_push_IHost_get_Name, NDR_OUT, &get), get_name_empty,
		     sizeof(get_name_empty));
	memset(&get_back, 0, sizeof(get_back));
	pull_all(mem, idl_thunk_pull_IHost_get_Name, NDR_OUT, get_name_empty, sizeof(get_name_empty), &get_back);
	assert_string_equal(*get_back.out.pName, "");
	talloc_free(mem);
}

/* [MS-DCOM] 2.2.19.1: "The smallest possible DUALSTRINGARRAY structure consists
 * of wNumEntries=0x0004 and wSecurityOffset=0x0002 followed by an array of 4
 * unsigned shorts. Each array element has a value 0x0000." Here in its IDL form
 * (2.2.19.2), the [out] of IObjectExporter::ServerAlive2 (opnum 5). */
static const uint8_t server_alive2_out[] = {
	0x05, 0x00, 0x07, 0x00, /* *pComVersion 5.7 */
	0x00, 0x00, 0x02, 0x00, /* *ppdsaOrBindings: referent ID (the outer pointer is [ref]) */
	0x04, 0x00, 0x00, 0x00, /* DUALSTRINGARRAY is conformant: max count 4 */
	0x04, 0x00,             /* wNumEntries 4 */
	0x02, 0x00,             /* wSecurityOffset 2 */
	0, 0, 0, 0, 0, 0, 0, 0, /* aStringArray[4] */
	0x00, 0x00, 0x00, 0x00, /* *pReserved */
	0x00, 0x00, 0x00, 0x00, /* result: error_status_t 0 */
};

static void test_dualstringarray(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	uint16_t zeros[4] = { 0 };
	struct DUALSTRINGARRAY dsa = { .wNumEntries = 4, .wSecurityOffset = 2, .aStringArray = zeros };
	struct DUALSTRINGARRAY *pdsa = &dsa;
	struct COMVERSION version = { 5, 7 };
	uint32_t reserved = 0;
	struct IObjectExporter_ServerAlive2 r = {
		.out = { .pComVersion = &version, .ppdsaOrBindings = &pdsa, .pReserved = &reserved } };
	struct IObjectExporter_ServerAlive2 back = { 0 };

	expect_bytes(push(mem, idl_thunk_push_IObjectExporter_ServerAlive2, NDR_OUT, &r), server_alive2_out,
		     sizeof(server_alive2_out));
	pull_all(mem, idl_thunk_pull_IObjectExporter_ServerAlive2, NDR_OUT, server_alive2_out,
		 sizeof(server_alive2_out), &back);
	assert_int_equal(back.out.pComVersion->MinorVersion, 7);
	assert_non_null(*back.out.ppdsaOrBindings);
	assert_int_equal((*back.out.ppdsaOrBindings)->wNumEntries, 4);
	assert_int_equal((*back.out.ppdsaOrBindings)->wSecurityOffset, 2);
	assert_memory_equal((*back.out.ppdsaOrBindings)->aStringArray, zeros, sizeof(zeros));
	talloc_free(mem);
}

/* An OBJREF_STANDARD ([MS-DCOM] 2.2.18.1-4, 2.2.19.1): a packet, not NDR. */
static const uint8_t objref_standard[] = {
	0x4d, 0x45, 0x4f, 0x57, /* signature 0x574f454d, "MEOW" */
	0x01, 0x00, 0x00, 0x00, /* flags OBJREF_STANDARD */
	IUNKNOWN_BYTES,         /* iid */
	/* 24: std, STDOBJREF (packet version, 2.2.18.2), 40 bytes */
	0x00, 0x10, 0x00, 0x00, /* flags SORF_NOPING */
	0x05, 0x00, 0x00, 0x00, /* cPublicRefs 5 */
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* oxid 0x8877665544332211 */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* oid 1 */
	GUID1_BYTES,            /* ipid */
	/* 64: saResAddr, DUALSTRINGARRAY packet version: no max count */
	0x10, 0x00,             /* wNumEntries 16 */
	0x0c, 0x00,             /* wSecurityOffset 12 */
	0x07, 0x00,             /* STRINGBINDING.wTowerId 7: ncacn_ip_tcp */
	'1', 0, '2', 0, '7', 0, '.', 0, '0', 0, '.', 0, '0', 0, '.', 0, '2', 0, 0, 0, /* "127.0.0.2" */
	0x00, 0x00,             /* nullterm1 */
	0x0a, 0x00,             /* SECURITYBINDING.wAuthnSvc 10: NTLM */
	0xff, 0xff,             /* Reserved */
	0x00, 0x00,             /* aPrincName: "" */
	0x00, 0x00,             /* nullterm2 */
};

static void test_objref_standard(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	uint16_t bindings[16] = { 7, '1', '2', '7', '.', '0', '.', '0', '.', '2', 0, 0, 10, 0xffff, 0, 0 };
	struct OBJREF o = {
		.signature = OBJREF_SIGNATURE, .flags = OBJREF_FLAG_STANDARD, .iid = iid_unknown,
		.u_objref.u_standard = {
			.std = { .flags = SORF_NOPING, .cPublicRefs = 5, .oxid = 0x8877665544332211ULL, .oid = 1,
				 .ipid = guid1 },
			.saResAddr = { .wNumEntries = 16, .wSecurityOffset = 12, .aStringArray = bindings } } };
	struct OBJREF back = { 0 };
	struct MInterfacePointer mip, mip_back = { 0 };
	DATA_BLOB blob;

	blob = push(mem, type("OBJREF")->push, NDR_SCALARS | NDR_BUFFERS, &o);
	expect_bytes(blob, objref_standard, sizeof(objref_standard));
	pull_all(mem, type("OBJREF")->pull, NDR_SCALARS | NDR_BUFFERS, objref_standard, sizeof(objref_standard), &back);
	assert_int_equal(back.flags, OBJREF_FLAG_STANDARD);
	assert_int_equal(back.u_objref.u_standard.std.oxid, 0x8877665544332211ULL);
	assert_int_equal(back.u_objref.u_standard.saResAddr.wNumEntries, 16);
	assert_memory_equal(back.u_objref.u_standard.saResAddr.aStringArray, bindings, sizeof(bindings));

	/* An OBJREF travels in an MInterfacePointer (2.2.14), a conformant NDR
	 * structure: max count, ulCntData, then the OBJREF bytes. */
	mip.ulCntData = (uint32_t)blob.length;
	mip.abData = blob.data;
	blob = push(mem, type("MInterfacePointer")->push, NDR_SCALARS | NDR_BUFFERS, &mip);
	assert_int_equal(blob.length, 8 + sizeof(objref_standard));
	assert_int_equal(blob.data[0], sizeof(objref_standard)); /* max count */
	assert_int_equal(blob.data[4], sizeof(objref_standard)); /* ulCntData */
	assert_memory_equal(blob.data + 8, objref_standard, sizeof(objref_standard));
	pull_all(mem, type("MInterfacePointer")->pull, NDR_SCALARS | NDR_BUFFERS, blob.data, blob.length, &mip_back);
	assert_int_equal(mip_back.ulCntData, sizeof(objref_standard));
	assert_memory_equal(mip_back.abData, objref_standard, sizeof(objref_standard));
	talloc_free(mem);
}

/* SESSION2 ([MS-ISTM] 2.2.4.16): fixed WCHAR arrays, a DWORDLONG that forces
 * 8-byte alignment, and two 16-bit enums. 2068 bytes:
 *     0  InitiatorIQN[256]   512 bytes of UTF-16LE, the rest zero
 *   512  HostTargetIQN[256]
 *  1024  HostName[512]       1024 bytes
 *  2048  TSIH                uint16
 *  2050  6 bytes of padding  (ISID aligns to 8)
 *  2056  ISID                uint64
 *  2064  eType               enum, 16 bits on the wire
 *  2066  eAuthMethod         enum, 16 bits */
static void put_utf16(uint8_t *at, const char *ascii)
{
	for (size_t i = 0; ascii[i] != '\0'; i++) {
		at[2 * i] = (uint8_t)ascii[i];
		at[2 * i + 1] = 0;
	}
}

static void test_session2(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct SESSION2 s = { .TSIH = 0x1234, .ISID = 0x0000023d00010000ULL, .eType = Normal, .eAuthMethod = Chap };
	struct SESSION2 back = { 0 };
	uint8_t want[2068] = { 0 };

	assert_int_equal(WSTR_SET(s.InitiatorIQN, "iqn.1991-05.com.microsoft:client"), 0);
	assert_int_equal(WSTR_SET(s.HostTargetIQN, "iqn.2024-01.org.istmd:t1"), 0);
	assert_int_equal(WSTR_SET(s.HostName, "client.example"), 0);
	put_utf16(want + 0, "iqn.1991-05.com.microsoft:client");
	put_utf16(want + 512, "iqn.2024-01.org.istmd:t1");
	put_utf16(want + 1024, "client.example");
	want[2048] = 0x34;
	want[2049] = 0x12;
	want[2056] = 0x00; /* ISID little-endian: 00 00 01 00 3d 02 00 00 */
	want[2057] = 0x00;
	want[2058] = 0x01;
	want[2059] = 0x00;
	want[2060] = 0x3d;
	want[2061] = 0x02;
	want[2064] = 0x02; /* Normal */
	want[2066] = 0x01; /* Chap */
	expect_bytes(push(mem, type("SESSION2")->push, NDR_SCALARS | NDR_BUFFERS, &s), want, sizeof(want));
	pull_all(mem, type("SESSION2")->pull, NDR_SCALARS | NDR_BUFFERS, want, sizeof(want), &back);
	assert_memory_equal(&back, &s, sizeof(s));
	assert_string_equal(WSTR_GET(mem, back.HostTargetIQN), "iqn.2024-01.org.istmd:t1");
	talloc_free(mem);
}

/* IHost::SetCHAPInfoByBlob (opnum 55) request: a top-level conformant array. */
static const uint8_t set_chap_blob[] = {
	0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, GUID1_BYTES,
	0x00, 0x00, 0x00, 0x00, /* ORPCTHIS */
	0x03, 0x00, 0x00, 0x00, /* nBlobSize 3 */
	0x03, 0x00, 0x00, 0x00, /* Blob: max count (a top-level [ref] array: no pointer on the wire) */
	0xaa, 0xbb, 0xcc,       /* Blob[3] */
};

static void test_conformant_array(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	uint8_t blob[3] = { 0xaa, 0xbb, 0xcc };
	struct IHost_SetCHAPInfoByBlob r = {
		.in = { .ORPCthis = { .version = { 5, 7 }, .cid = guid1 }, .nBlobSize = 3, .Blob = blob } };
	struct IHost_SetCHAPInfoByBlob back = { 0 };
	uint8_t bad[sizeof(set_chap_blob) + 1];

	assert_int_equal(NDR_IHOST_SETCHAPINFOBYBLOB, 55);
	expect_bytes(push(mem, idl_thunk_push_IHost_SetCHAPInfoByBlob, NDR_IN, &r), set_chap_blob,
		     sizeof(set_chap_blob));
	pull_all(mem, idl_thunk_pull_IHost_SetCHAPInfoByBlob, NDR_IN, set_chap_blob, sizeof(set_chap_blob), &back);
	assert_int_equal(back.in.nBlobSize, 3);
	assert_memory_equal(back.in.Blob, blob, 3);

	/* max count 4 with nBlobSize 3 is inconsistent (MS-RPCE 3.1.1.5.3.2) */
	memcpy(bad, set_chap_blob, sizeof(set_chap_blob));
	bad[36] = 0x04;
	bad[sizeof(set_chap_blob)] = 0xdd;
	memset(&back, 0, sizeof(back));
	assert_int_equal(pull_err(mem, idl_thunk_pull_IHost_SetCHAPInfoByBlob, NDR_IN, bad, sizeof(bad), &back),
			 NDR_ERR_ARRAY_SIZE);
	talloc_free(mem);
}

/* Generator features the protocol files do not use (idlc-features.idl). */
/* A non-encapsulated union: its discriminant travels as the field named by
 * [switch_is] and again in front of the arm (MS-RPCE 2.2.4.8); [v1_enum] is
 * 32 bits, other enums 16. */
static const uint8_t tagged[] = {
	0x01, 0x00,             /* kind 1 */
	0x01, 0x00,             /* the union's discriminant, unsigned short */
	0x44, 0x33, 0x22, 0x11, /* arm l, aligned to 4 */
	0x00, 0x00, 0x01, 0x00, /* v1: V1_BIG 0x10000, 32 bits */
	0xff, 0x7f,             /* e16: E16_B 32767, 16 bits */
};

/* A conformant structure inside another: its max count moves to the front
 * of the outer structure (C706 14.3.7.1). */
static const uint8_t outer_conf[] = {
	0x02, 0x00, 0x00, 0x00, /* max count of inner.values, hoisted */
	0x00, 0x00, 0x00, 0x00, /* padding: OUTER_CONF aligns to 8 (its hyper) */
	0x01, 0, 0, 0, 0, 0, 0, 0, /* h */
	0x02, 0x00, 0x00, 0x00, /* inner.count */
	0x05, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, /* inner.values[2] */
};

/* A conformant varying structure: max count in front, offset and actual
 * count in place of the array (C706 14.3.7.2). */
static const uint8_t varying[] = {
	0x04, 0x00, 0x00, 0x00, /* max count (size_is(max)) */
	0x04, 0x00, 0x00, 0x00, /* max */
	0x02, 0x00, 0x00, 0x00, /* len */
	0x00, 0x00, 0x00, 0x00, /* offset */
	0x02, 0x00, 0x00, 0x00, /* actual count (length_is(len)) */
	'a', 0x00, 'b', 0x00,   /* text[0..1]: only the transmitted part */
};

static void test_features(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct TAGGED t = { .kind = 1, .u.l = 0x11223344, .v1 = V1_BIG, .e16 = E16_B }, tb = { 0 };
	uint32_t values[2] = { 5, 6 };
	struct OUTER_CONF o = { .h = 1, .inner = { .count = 2, .values = values } }, ob = { 0 };
	uint16_t text[4] = { 'a', 'b', 'c', 'd' };
	struct VARYING v = { .max = 4, .len = 2, .text = text }, vb = { 0 };
	uint8_t bad[sizeof(tagged)];

	expect_bytes(push(mem, type("TAGGED")->push, NDR_SCALARS | NDR_BUFFERS, &t), tagged, sizeof(tagged));
	pull_all(mem, type("TAGGED")->pull, NDR_SCALARS | NDR_BUFFERS, tagged, sizeof(tagged), &tb);
	assert_int_equal(tb.u.l, 0x11223344);
	assert_int_equal(tb.v1, V1_BIG);
	/* the two copies of the discriminant must agree */
	memcpy(bad, tagged, sizeof(bad));
	bad[2] = 0x03;
	assert_int_equal(pull_err(mem, type("TAGGED")->pull, NDR_SCALARS | NDR_BUFFERS, bad, sizeof(bad), &tb),
			 NDR_ERR_BAD_SWITCH);

	expect_bytes(push(mem, type("OUTER_CONF")->push, NDR_SCALARS | NDR_BUFFERS, &o), outer_conf, sizeof(outer_conf));
	pull_all(mem, type("OUTER_CONF")->pull, NDR_SCALARS | NDR_BUFFERS, outer_conf, sizeof(outer_conf), &ob);
	assert_int_equal(ob.inner.count, 2);
	assert_memory_equal(ob.inner.values, values, sizeof(values));

	expect_bytes(push(mem, type("VARYING")->push, NDR_SCALARS | NDR_BUFFERS, &v), varying, sizeof(varying));
	pull_all(mem, type("VARYING")->pull, NDR_SCALARS | NDR_BUFFERS, varying, sizeof(varying), &vb);
	assert_int_equal(vb.max, 4);
	assert_int_equal(vb.len, 2);
	assert_int_equal(vb.text[0], 'a');
	assert_int_equal(vb.text[1], 'b');
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orpcthis),
		cmocka_unit_test(test_bstr),
		cmocka_unit_test(test_dualstringarray),
		cmocka_unit_test(test_objref_standard),
		cmocka_unit_test(test_session2),
		cmocka_unit_test(test_conformant_array),
		cmocka_unit_test(test_features),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
