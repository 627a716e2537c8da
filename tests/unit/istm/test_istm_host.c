/* IHost, IHost2, IHost3 properties (MS-ISTM 3.21.4.1-3.21.4.39,
 * 3.21.4.53-3.21.4.57, 3.23, 3.24): defaults (notes <22>-<30>), each
 * setter's checks and HRESULT, what Save makes of them (the live target in
 * the fake backend), the methods that stay E_NOTIMPL, and how two objects on
 * one target interact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/exporter.h"
#include "istm/istm.h"
#include "istmd/hresult.h"
#include "istm_fixture.h"


static void test_defaults(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = NULL;
	assert_int_equal(ix_new_host(x, "Fresh", &h), S_OK);
	struct IHost_get_Guid *g = ix_r(x, HOST, NDR_IHOST_GET_GUID);
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_GET_GUID, g), S_OK);
	assert_false(GUID_all_zero(g->out.pGuid));
	assert_true(ix_bool(x, h, NDR_IHOST_GET_ENABLE));
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_NAME), "Fresh");
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_DESCRIPTION), "");
	/* a new target's IQN, derived from its name until one is set */
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_TARGETIQN), IQN_OF("fresh"));
	assert_false(ix_bool(x, h, NDR_IHOST_GET_ENABLECHAP));
	assert_false(ix_bool(x, h, NDR_IHOST_GET_ENABLEREVERSECHAP));
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_CHAPUSERNAME), "");
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_CHAPSECRET), "");
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_REVERSECHAPUSERNAME), "");
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_REVERSECHAPSECRET), "");
	assert_int_equal(ix_u32(x, h, NDR_IHOST_GET_TARGETMAXRECVDATASEGMENTLENGTH), 65536);
	assert_int_equal(ix_u32(x, h, NDR_IHOST_GET_TARGETFIRSTBURSTLENGTH), 65536);
	assert_int_equal(ix_u32(x, h, NDR_IHOST_GET_TARGETMAXBURSTLENGTH), 262144);
	assert_int_equal(ix_u32(x, h, NDR_IHOST_GET_NUMRECVBUFFERS), 10);
	assert_true(ix_bool(x, h, NDR_IHOST_GET_ENFORCEIDLETIMEOUTDETECTION));
	assert_false(ix_bool(x, h, NDR_IHOST_GET_LISTENALLNETWORKADAPTERS));
	assert_string_equal(ix_str(x, h, NDR_IHOST2_GET_RESOURCENAME), "");
	assert_string_equal(ix_str(x, h, NDR_IHOST2_GET_RESOURCEGROUPNAME), "");
	struct IHost3_get_ResourceState *rs = ix_r(x, HOST, NDR_IHOST3_GET_RESOURCESTATE);
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST3_GET_RESOURCESTATE, rs), S_OK);
	assert_int_equal(*rs->out.ResourceState, -1); /* ClusterResourceStateUnknown */

	/* the GUID stays the target's after Save */
	struct GUID before = *g->out.pGuid;
	assert_int_equal(ix_save(x, h), S_OK);
	struct dcom_object *again = NULL;
	assert_int_equal(ix_get_host(x, "Fresh", &again), S_OK);
	g = ix_r(x, HOST, NDR_IHOST_GET_GUID);
	assert_int_equal(ix_call(x, again, HOST, NDR_IHOST_GET_GUID, g), S_OK);
	assert_true(GUID_equal(&before, g->out.pGuid));
}

/* Every settable property, saved, read back by another object and found in
 * the live target. */
static void test_round_trip(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "Props"), *g = NULL;
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_ENABLE, false), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_DESCRIPTION, "caf\xc3\xa9 \xe2\x82\xac"), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_TARGETIQN, "iqn.1991-05.com.contoso:props"),
			 S_OK);
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_ENABLECHAP, true), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPUSERNAME, "chapuser"), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPSECRET, "secret-of-12"), S_OK);
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_ENABLEREVERSECHAP, true), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_REVERSECHAPUSERNAME, "mutualuser"), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_REVERSECHAPSECRET, "other-secret-16!"),
			 S_OK);
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_TARGETMAXRECVDATASEGMENTLENGTH, 8192), S_OK);
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_TARGETFIRSTBURSTLENGTH, 16384), S_OK);
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_TARGETMAXBURSTLENGTH, 32768), S_OK);
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_NUMRECVBUFFERS, 128), S_OK);
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_ENFORCEIDLETIMEOUTDETECTION, false), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST2_PUT_RESOURCENAME, "resource"), S_OK);
	/* the object shows its draft before Save */
	assert_false(ix_bool(x, h, NDR_IHOST_GET_ENABLE));
	assert_int_equal(ix_get_host(x, "Props", &g), S_OK);
	assert_true(ix_bool(x, g, NDR_IHOST_GET_ENABLE)); /* others do not */
	assert_int_equal(ix_save(x, h), S_OK);

	assert_int_equal(ix_get_host(x, "Props", &g), S_OK);
	assert_false(ix_bool(x, g, NDR_IHOST_GET_ENABLE));
	assert_string_equal(ix_str(x, g, NDR_IHOST_GET_DESCRIPTION), "caf\xc3\xa9 \xe2\x82\xac");
	assert_string_equal(ix_str(x, g, NDR_IHOST_GET_TARGETIQN), "iqn.1991-05.com.contoso:props");
	assert_true(ix_bool(x, g, NDR_IHOST_GET_ENABLECHAP));
	assert_string_equal(ix_str(x, g, NDR_IHOST_GET_CHAPUSERNAME), "chapuser");
	/* MS-ISTM 3.21.4.18: the secret itself, to an administrator */
	assert_string_equal(ix_str(x, g, NDR_IHOST_GET_CHAPSECRET), "secret-of-12");
	assert_true(ix_bool(x, g, NDR_IHOST_GET_ENABLEREVERSECHAP));
	assert_string_equal(ix_str(x, g, NDR_IHOST_GET_REVERSECHAPUSERNAME), "mutualuser");
	assert_string_equal(ix_str(x, g, NDR_IHOST_GET_REVERSECHAPSECRET), "other-secret-16!");
	assert_int_equal(ix_u32(x, g, NDR_IHOST_GET_TARGETMAXRECVDATASEGMENTLENGTH), 8192);
	assert_int_equal(ix_u32(x, g, NDR_IHOST_GET_TARGETFIRSTBURSTLENGTH), 16384);
	assert_int_equal(ix_u32(x, g, NDR_IHOST_GET_TARGETMAXBURSTLENGTH), 32768);
	assert_int_equal(ix_u32(x, g, NDR_IHOST_GET_NUMRECVBUFFERS), 128);
	assert_false(ix_bool(x, g, NDR_IHOST_GET_ENFORCEIDLETIMEOUTDETECTION));
	assert_string_equal(ix_str(x, g, NDR_IHOST2_GET_RESOURCENAME), "resource");

	struct iscsi_target *live = fake_backend_target(x->tc->fb, "iqn.1991-05.com.contoso:props");
	assert_non_null(live);
	assert_null(fake_backend_target(x->tc->fb, IQN_OF("props"))); /* the old IQN went */
	assert_false(live->enabled);
	assert_int_equal(live->n_chap_in, 1);
	assert_string_equal(live->chap_in[0].user, "chapuser");
	assert_non_null(live->chap_out);
	assert_string_equal(live->chap_out->user, "mutualuser");
	assert_int_equal(live->params.max_recv_data_segment_length, 8192);
	assert_int_equal(live->params.first_burst_length, 16384);
	assert_int_equal(live->params.max_burst_length, 32768);
	assert_int_equal(live->params.nop_interval, 0); /* idle detection off */
}

static void test_name_and_iqn(void **state)
{
	struct ix *x = *state;
	ix_create(x, "other");
	struct dcom_object *h = NULL;
	assert_int_equal(ix_new_host(x, "draft", &h), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_NAME, NULL), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_NAME, "no spaces"),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_NAME, ""),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_NAME, "OTHER"),
			 HRESULT_FROM_WIN32(ERROR_FILE_EXISTS));
	/* renaming a new target renames its IQN-to-be */
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_NAME, "Renamed"), S_OK);
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_TARGETIQN), IQN_OF("renamed"));
	assert_int_equal(ix_save(x, h), S_OK);
	/* renaming a saved one keeps its IQN (4.5 sets both when it wants both) */
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_NAME, "DatabaseTarget"), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_NAME), "DatabaseTarget");
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_TARGETIQN), IQN_OF("renamed"));

	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_TARGETIQN, NULL), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_TARGETIQN, "not-an-iqn"),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_TARGETIQN, "iqn.1991-05.com.contoso"),
			 S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_TARGETIQN, "iqn.2025-1.bad.month"),
			 HRESULT_FROM_WIN32(ERROR_INVALID_DATA));
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_TARGETIQN, IQN_OF("other")),
			 HRESULT_FROM_WIN32(ERROR_FILE_EXISTS));
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_TARGETIQN, "eui.0123456789abcdef"), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
	assert_non_null(fake_backend_target(x->tc->fb, "eui.0123456789abcdef"));
}

static void test_description(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "described");
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_DESCRIPTION, "something"), S_OK);
	/* a NULL BSTR is an empty string (MS-OAUT 2.2.23) */
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_DESCRIPTION, NULL), S_OK);
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_DESCRIPTION), "");
	char *text = talloc_zero_size(x->mem, 4098);
	memset(text, 'd', 4096);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_DESCRIPTION, text), S_OK);
	text[4096] = 'd';
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_DESCRIPTION, text), E_INVALIDARG);
	assert_int_equal(strlen(ix_str(x, h, NDR_IHOST_GET_DESCRIPTION)), 4096);
}

static void test_chap(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "chap");
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPUSERNAME, "has space"), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPUSERNAME, "a,b"), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPSECRET, "short"),
			 HRESULT_FROM_WIN32(ERROR_BAD_LENGTH));
	char longer[300];
	memset(longer, 'x', sizeof(longer));
	longer[256] = '\0';
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPSECRET, longer),
			 HRESULT_FROM_WIN32(ERROR_BAD_LENGTH));
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPSECRET, "tab\tinside-it"), E_INVALIDARG);

	/* Save checks the whole: CHAP without credentials */
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_ENABLECHAP, true), S_OK);
	assert_int_equal(ix_save(x, h), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPUSERNAME, "user1"), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPSECRET, "0123456789ab"), S_OK);
	/* mutual CHAP without its own credentials, then with the same secret */
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_ENABLEREVERSECHAP, true), S_OK);
	assert_int_equal(ix_save(x, h), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_REVERSECHAPUSERNAME, "user2"), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_REVERSECHAPSECRET, "0123456789ab"), S_OK);
	assert_int_equal(ix_save(x, h), HRESULT_FROM_WIN32(ERROR_DUP_NAME));
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_REVERSECHAPSECRET, "ba9876543210"), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
	/* mutual CHAP needs one-way CHAP */
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_ENABLECHAP, false), S_OK);
	assert_int_equal(ix_save(x, h), E_INVALIDARG);
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_ENABLECHAP, true), S_OK);

	/* tgt keeps one secret per user name: another target cannot reuse it */
	struct dcom_object *o = ix_create(x, "chap2");
	assert_int_equal(ix_put_bool(x, o, NDR_IHOST_PUT_ENABLECHAP, true), S_OK);
	assert_int_equal(ix_put_str(x, o, NDR_IHOST_PUT_CHAPUSERNAME, "user1"), S_OK);
	assert_int_equal(ix_put_str(x, o, NDR_IHOST_PUT_CHAPSECRET, "another-secret"), S_OK);
	assert_int_equal(ix_save(x, o), HRESULT_FROM_WIN32(ERROR_DUP_NAME));
	assert_int_equal(ix_put_str(x, o, NDR_IHOST_PUT_CHAPSECRET, "0123456789ab"), S_OK);
	assert_int_equal(ix_save(x, o), S_OK);
	/* "" clears a secret */
	assert_int_equal(ix_put_str(x, o, NDR_IHOST_PUT_CHAPSECRET, ""), S_OK);
	assert_string_equal(ix_str(x, o, NDR_IHOST_GET_CHAPSECRET), "");
}

static uint32_t validate(struct ix *x, struct dcom_object *h, uint32_t opnum, const char *s)
{
	struct IHost_ValidateChapSecret *r = ix_r(x, HOST, opnum);
	r->in.Secret = s;
	return ix_call(x, h, HOST, opnum, r);
}

/* Notes <42>, <43>: length, and not the target's other secret. */
static void test_validate_secret(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = NULL;
	assert_int_equal(ix_new_host(x, "validate", &h), S_OK);
	for (uint32_t op = NDR_IHOST_VALIDATECHAPSECRET; op <= NDR_IHOST_VALIDATEREVERSECHAPSECRET;
	     op++) {
		assert_int_equal(validate(x, h, op, "0123456789a"), HRESULT_FROM_WIN32(ERROR_BAD_LENGTH));
		assert_int_equal(validate(x, h, op, ""), HRESULT_FROM_WIN32(ERROR_BAD_LENGTH));
		assert_int_equal(validate(x, h, op, NULL), HRESULT_FROM_WIN32(ERROR_BAD_LENGTH));
		assert_int_equal(validate(x, h, op, "0123456789ab"), S_OK);
		assert_int_equal(validate(x, h, op, "0123456789abcdef0"), S_OK); /* above Windows' 16 */
		assert_int_equal(validate(x, h, op, "bell\a-in-secret"), E_INVALIDARG);
	}
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_CHAPSECRET, "one-way-secret"), S_OK);
	assert_int_equal(validate(x, h, NDR_IHOST_VALIDATEREVERSECHAPSECRET, "one-way-secret"),
			 HRESULT_FROM_WIN32(ERROR_DUP_NAME));
	assert_int_equal(validate(x, h, NDR_IHOST_VALIDATECHAPSECRET, "one-way-secret"), S_OK);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_REVERSECHAPSECRET, "mutual-secret"), S_OK);
	assert_int_equal(validate(x, h, NDR_IHOST_VALIDATECHAPSECRET, "mutual-secret"),
			 HRESULT_FROM_WIN32(ERROR_DUP_NAME));
}

/* One secret-carrying call (a BSTR in or out) at LEVEL. */
static uint32_t secret_call(struct ix *x, struct dcom_object *h, uint32_t opnum, uint8_t level)
{
	struct IHost_put_Name *r = ix_r(x, HOST, opnum); /* every BSTR setter's shape */
	bool put = opnum == NDR_IHOST_PUT_CHAPSECRET || opnum == NDR_IHOST_PUT_REVERSECHAPSECRET ||
		   opnum == NDR_IHOST_VALIDATECHAPSECRET ||
		   opnum == NDR_IHOST_VALIDATEREVERSECHAPSECRET;
	if (put)
		r->in.Name = opnum == NDR_IHOST_PUT_REVERSECHAPSECRET ||
					     opnum == NDR_IHOST_VALIDATEREVERSECHAPSECRET
				     ? "mutual-secret-1"
				     : "one-way-secret";
	return ix_call_as(x, h, HOST, opnum, r, "alice", true, level);
}

/* Issue 9 defect 7: a CHAP secret is never sent signed only. Every method
 * that carries one needs PKT_PRIVACY (E_ACCESSDENIED below it) unless
 * [istm] allow_unsealed_secrets says otherwise; the rest of IHost stays
 * usable at integrity. */
static void test_secrets_need_privacy(void **state)
{
	struct ix *x = *state;
	static const uint32_t ops[] = {
		NDR_IHOST_PUT_CHAPSECRET,     NDR_IHOST_GET_CHAPSECRET,
		NDR_IHOST_PUT_REVERSECHAPSECRET, NDR_IHOST_GET_REVERSECHAPSECRET,
		NDR_IHOST_VALIDATECHAPSECRET, NDR_IHOST_VALIDATEREVERSECHAPSECRET,
	};
	struct dcom_object *h = ix_create(x, "sealed");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		assert_int_equal(secret_call(x, h, ops[i], DCERPC_AUTH_LEVEL_INTEGRITY),
				 E_ACCESSDENIED);
		assert_int_equal(secret_call(x, h, ops[i], DCERPC_AUTH_LEVEL_PRIVACY), S_OK);
	}
	/* nothing was set at integrity: the values are those put at privacy */
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_CHAPSECRET), "one-way-secret");
	struct IHost_put_Name *r = ix_r(x, HOST, NDR_IHOST_PUT_CHAPUSERNAME);
	r->in.Name = "user-at-integrity";
	assert_int_equal(ix_call_as(x, h, HOST, NDR_IHOST_PUT_CHAPUSERNAME, r, "alice", true,
				    DCERPC_AUTH_LEVEL_INTEGRITY),
			 S_OK);

	x->istm->allow_unsealed_secrets = true;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		assert_int_equal(secret_call(x, h, ops[i], DCERPC_AUTH_LEVEL_INTEGRITY), S_OK);
	x->istm->allow_unsealed_secrets = false;
}

/* Notes <23>, <25>, <27>, <29>. */
static void test_params(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "params");
	const uint32_t lengths[] = { NDR_IHOST_PUT_TARGETMAXRECVDATASEGMENTLENGTH,
				     NDR_IHOST_PUT_TARGETFIRSTBURSTLENGTH,
				     NDR_IHOST_PUT_TARGETMAXBURSTLENGTH };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ix_put_u32(x, h, lengths[i], 511), E_INVALIDARG);
		assert_int_equal(ix_put_u32(x, h, lengths[i], 16777216), E_INVALIDARG);
		assert_int_equal(ix_put_u32(x, h, lengths[i], 0), E_INVALIDARG);
		assert_int_equal(ix_put_u32(x, h, lengths[i], 512), S_OK);
		assert_int_equal(ix_put_u32(x, h, lengths[i], 16777215), S_OK);
		assert_int_equal(ix_u32(x, h, lengths[i] - 1), 16777215);
	}
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_NUMRECVBUFFERS, 0), E_INVALIDARG);
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_NUMRECVBUFFERS, 129), E_INVALIDARG);
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_NUMRECVBUFFERS, 1), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
	/* FirstBurstLength above MaxBurstLength: Save refuses (RFC 3720 12.14) */
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_TARGETMAXBURSTLENGTH, 4096), S_OK);
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_TARGETFIRSTBURSTLENGTH, 8192), S_OK);
	assert_int_equal(ix_save(x, h), E_INVALIDARG);
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_TARGETFIRSTBURSTLENGTH, 4096), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
}

/* Windows does not do these either; docs/compat.md says why they stay so. */
static void test_not_implemented(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "notimpl");
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_STATUS, 1), E_NOTIMPL);
	struct IHost_put_LastLogIn *ll = ix_r(x, HOST, NDR_IHOST_PUT_LASTLOGIN);
	ll->in.hyTimeStamp = 1;
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_PUT_LASTLOGIN, ll), E_NOTIMPL);
	assert_int_equal(ix_call_void(x, h, NDR_IHOST_GET_PROCESSOR), E_NOTIMPL);
	assert_int_equal(ix_put_u32(x, h, NDR_IHOST_PUT_PROCESSOR, 1), E_NOTIMPL);
	struct IHost_SetCHAPInfoByBlob *b = ix_r(x, HOST, NDR_IHOST_SETCHAPINFOBYBLOB);
	uint8_t blob[4] = { 1, 2, 3, 4 };
	b->in.nBlobSize = 4;
	b->in.Blob = blob;
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_SETCHAPINFOBYBLOB, b), E_NOTIMPL);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST2_PUT_RESOURCEGROUPNAME, "group"), E_NOTIMPL);
	struct IHost3_put_ResourceState *rs = ix_r(x, HOST, NDR_IHOST3_PUT_RESOURCESTATE);
	rs->in.ResourceState = 2;
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST3_PUT_RESOURCESTATE, rs), E_NOTIMPL);
	/* the stream is the remote caller's object: E_ACCESSDENIED (3.23.4.5) */
	assert_int_equal(ix_call_void(x, h, NDR_IHOST2_SAVETOSTREAM), E_ACCESSDENIED);
	/* no redirection: S_FALSE (<44>) and a NULL address */
	struct IHost_CheckTargetRedirect *cr = ix_r(x, HOST, NDR_IHOST_CHECKTARGETREDIRECT);
	cr->in.LocalConnectAddr = "127.0.0.2:3260";
	assert_int_equal(ix_call(x, h, HOST, NDR_IHOST_CHECKTARGETREDIRECT, cr), S_FALSE);
	assert_null(*cr->out.pRedirectAddr);
}

static void test_resource_name(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "resource");
	assert_int_equal(ix_put_str(x, h, NDR_IHOST2_PUT_RESOURCENAME, NULL), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST2_PUT_RESOURCENAME, ""), E_INVALIDARG);
	char *big = talloc_zero_size(x->mem, 600);
	memset(big, 'r', 512);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST2_PUT_RESOURCENAME, big), E_INVALIDARG);
	assert_int_equal(ix_put_str(x, h, NDR_IHOST2_PUT_RESOURCENAME, "iSCSI Target resource"),
			 S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
	struct dcom_object *g = NULL;
	assert_int_equal(ix_get_host(x, "resource", &g), S_OK);
	assert_string_equal(ix_str(x, g, NDR_IHOST2_GET_RESOURCENAME), "iSCSI Target resource");
}

/* Two objects on one target: a clean object follows what others save; two
 * that edit different properties both keep their change (the core merges);
 * the later Save wins for a property both changed. */
static void test_two_objects(void **state)
{
	struct ix *x = *state;
	ix_create(x, "shared");
	struct dcom_object *a = NULL, *b = NULL;
	assert_int_equal(ix_get_host(x, "shared", &a), S_OK);
	assert_int_equal(ix_get_host(x, "shared", &b), S_OK);
	assert_int_equal(ix_put_str(x, a, NDR_IHOST_PUT_DESCRIPTION, "from a"), S_OK);
	assert_int_equal(ix_put_bool(x, b, NDR_IHOST_PUT_ENABLE, false), S_OK);
	assert_int_equal(ix_save(x, a), S_OK);
	/* B has unsaved changes: it shows its own draft */
	assert_string_equal(ix_str(x, b, NDR_IHOST_GET_DESCRIPTION), "");
	assert_int_equal(ix_save(x, b), S_OK);
	assert_string_equal(ix_str(x, b, NDR_IHOST_GET_DESCRIPTION), "from a");
	/* A is clean again: it follows the target */
	assert_false(ix_bool(x, a, NDR_IHOST_GET_ENABLE));
	/* both change the description: the later Save wins */
	assert_int_equal(ix_put_str(x, a, NDR_IHOST_PUT_DESCRIPTION, "a again"), S_OK);
	assert_int_equal(ix_put_str(x, b, NDR_IHOST_PUT_DESCRIPTION, "b again"), S_OK);
	assert_int_equal(ix_save(x, b), S_OK);
	assert_int_equal(ix_save(x, a), S_OK);
	assert_string_equal(ix_str(x, b, NDR_IHOST_GET_DESCRIPTION), "a again");
}

/* While its Save is under way an object refuses changes (they could be
 * lost when the saved target replaces the draft); reads go on. */
static void test_busy_while_saving(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "busy");
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_DESCRIPTION, "saving"), S_OK);
	struct dcom_test_pending p;
	ix_call_start(x, x->mem, h, HOST, NDR_IHOST_SAVE, ix_r(x, HOST, NDR_IHOST_SAVE), &p);
	assert_false(p.done); /* the store thread has it */
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_ENABLE, false),
			 HRESULT_FROM_WIN32(ERROR_BUSY));
	assert_int_equal(ix_save(x, h), HRESULT_FROM_WIN32(ERROR_BUSY));
	assert_string_equal(ix_str(x, h, NDR_IHOST_GET_DESCRIPTION), "saving");
	ix_wait(x, &p);
	assert_int_equal(p.hr, S_OK);
	assert_int_equal(ix_put_bool(x, h, NDR_IHOST_PUT_ENABLE, false), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
}

/* A Save whose client went away still commits (the core finishes), and the
 * object can save again. */
static void test_save_abandoned(void **state)
{
	struct ix *x = *state;
	struct dcom_object *h = ix_create(x, "abandoned");
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_DESCRIPTION, "kept"), S_OK);
	TALLOC_CTX *call_mem = talloc_new(x->mem);
	void *r = talloc_zero_size(call_mem, HOST->table->calls[NDR_IHOST_SAVE].struct_size);
	struct dcom_test_pending p;
	ix_call_start(x, call_mem, h, HOST, NDR_IHOST_SAVE, r, &p);
	talloc_free(call_mem); /* the call goes, with its request */
	for (int i = 0; i < 50; i++) {
		struct core_target *t = core_target_by_name(x->mem, x->tc->core, "abandoned");
		if (strcmp(t->description, "kept") == 0)
			break;
		tc_run_for(x->tc, 100);
	}
	assert_false(p.done);
	struct dcom_object *g = NULL;
	assert_int_equal(ix_get_host(x, "abandoned", &g), S_OK);
	assert_string_equal(ix_str(x, g, NDR_IHOST_GET_DESCRIPTION), "kept");
	assert_int_equal(ix_put_str(x, h, NDR_IHOST_PUT_DESCRIPTION, "again"), S_OK);
	assert_int_equal(ix_save(x, h), S_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_name_and_iqn, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_description, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_chap, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_validate_secret, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_secrets_need_privacy, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_params, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_not_implemented, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_resource_name, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_two_objects, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_busy_while_saving, ix_setup, ix_teardown),
		cmocka_unit_test_setup_teardown(test_save_abandoned, ix_setup, ix_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
