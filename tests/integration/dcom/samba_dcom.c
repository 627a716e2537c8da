/* istmd's DCOM runtime seen by Samba's client library, which verifies the
 * server's signatures and seals on every PDU: RemoteCreateInstance for
 * IWTGeneral and IWTGeneral2 on the endpoint-mapper port, ResolveOxid2, then
 * on the object port IWTGeneral Name and Guid through the IPIDs it returned
 * (the object UUID of each request), and RemRelease through the Remote
 * Unknown. The activation properties are built and read with src/dcom's
 * actprops (the generated NDR types inside); the transport, security and
 * the calls are Samba's.
 *
 *   samba_dcom ADDRESS PORT OPTIONS USER PASSWORD NAME
 *
 * OPTIONS: binding options such as "seal,ntlm" or "sign,spnego"; NAME the
 * IWTGeneral Name expected. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcom/actprops.h"
#include "dcom/objref.h"
#include "idl/ndr_ms_dcom.h"
#include "idl/ndr_ms_istm.h"
#include "samba_cli.h"

static TALLOC_CTX *mem;
static struct samba_cli cli;
static const char *address, *options;

static void fail(const char *what, const char *detail)
{
	printf("not ok - %s: %s\n", what, detail);
	exit(1);
}

static void check_status(const char *what, NTSTATUS status)
{
	if (!NT_STATUS_IS_OK(status))
		fail(what, nt_errstr(status));
}

static struct dcerpc_pipe *connect_pipe(unsigned port, const struct ndr_interface_table *table)
{
	const char *text = NULL;
	struct dcerpc_pipe *p = NULL;
	NTSTATUS status = samba_cli_connect(&cli, port, table, &p, &text);
	check_status(text, status);
	return p;
}

static struct ORPCTHIS orpcthis(void)
{
	struct ORPCTHIS t = { .version = { 5, 7 } };
	t.cid = GUID_random();
	return t;
}

static struct MInterfacePointer *activation_properties(const struct GUID *clsid,
						       struct GUID *iids, uint32_t n)
{
	uint16_t tcp = 7;
	struct InstantiationInfoData inst = { .classId = *clsid, .cIID = n, .pIID = iids,
					      .clientCOMVersion = { 5, 7 } };
	struct LocationInfoData location = { 0 };
	struct customREMOTE_REQUEST_SCM_INFO request = { .cRequestedProtseqs = 1,
							 .pRequestedProtseqs = &tcp };
	struct ScmRequestInfoData scm = { .remoteRequest = &request };
	const struct dcom_actprop_value props[] = {
		{ &dcom_CLSID_InstantiationInfo,
		  (ndr_push_flags_fn_t)ndr_push_InstantiationInfoData, &inst },
		{ &dcom_CLSID_ServerLocationInfo, (ndr_push_flags_fn_t)ndr_push_LocationInfoData,
		  &location },
		{ &dcom_CLSID_ScmRequestInfo, (ndr_push_flags_fn_t)ndr_push_ScmRequestInfoData,
		  &scm },
	};
	struct MInterfacePointer *mip;
	if (dcom_actprops_wrap(mem, &dcom_CLSID_ActivationPropertiesIn,
			       &dcom_IID_IActivationPropertiesIn, 2, props, 3, &mip) != 0)
		fail("activation properties", "cannot build");
	return mip;
}

static int find_port(uint16_t tower, const char *addr, void *priv)
{
	const char *b = strchr(addr, '[');
	if (tower == 7 && b != NULL && strncmp(addr, address, strlen(address)) == 0)
		*(unsigned *)priv = (unsigned)strtoul(b + 1, NULL, 10);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: samba_dcom ADDRESS PORT OPTIONS USER PASSWORD NAME\n");
		return 2;
	}
	address = argv[1];
	unsigned epm_port = (unsigned)atoi(argv[2]);
	options = argv[3];
	const char *expected_name = argv[6];
	mem = talloc_new(NULL);
	check_status("dcerpc_init", samba_cli_init(&cli, mem, address, options, argv[4], argv[5]));

	/* RemoteCreateInstance (MS-DCOM 3.1.2.5.2.3.3) */
	struct dcerpc_pipe *scm_pipe = connect_pipe(epm_port, &ndr_table_IRemoteSCMActivator);
	struct GUID clsid;
	GUID_from_string("baa4a577-202d-49c7-a6bb-10ee914ee199", &clsid);
	struct GUID iids[2] = { ndr_table_IWTGeneral.syntax_id.uuid,
				ndr_table_IWTGeneral2.syntax_id.uuid };
	struct ORPCTHIS this = orpcthis();
	struct ORPCTHAT that;
	struct MInterfacePointer *reply = NULL;
	struct IRemoteSCMActivator_RemoteCreateInstance create = {
		.in = { .orpcthis = &this, .pActProperties = activation_properties(&clsid, iids, 2) },
		.out = { .orpcthat = &that, .ppActProperties = &reply },
	};
	check_status("RemoteCreateInstance",
		     dcerpc_binding_handle_call(scm_pipe->binding_handle, NULL,
						&ndr_table_IRemoteSCMActivator,
						NDR_IREMOTESCMACTIVATOR_REMOTECREATEINSTANCE, mem,
						&create));
	if (create.out.result != 0 || reply == NULL)
		fail("RemoteCreateInstance", "failed");
	struct dcom_actprops props;
	const char *why = "";
	struct PropsOutInfo out = { 0 };
	struct ScmReplyInfoData scm = { 0 };
	if (dcom_actprops_unwrap(mem, reply, &dcom_CLSID_ActivationPropertiesOut,
				 &dcom_IID_IActivationPropertiesOut, &props, &why) != 0 ||
	    dcom_actprops_get(&props, &dcom_CLSID_PropsOutInfo, mem,
			      (ndr_pull_flags_fn_t)ndr_pull_PropsOutInfo, &out) != 0 ||
	    dcom_actprops_get(&props, &dcom_CLSID_ScmReplyInfo, mem,
			      (ndr_pull_flags_fn_t)ndr_pull_ScmReplyInfoData, &scm) != 0 ||
	    out.cIfs != 2 || scm.remoteReply == NULL)
		fail("activation reply", why);
	const struct customREMOTE_REPLY_SCM_INFO *r = scm.remoteReply;
	unsigned object_port = 0;
	const struct DUALSTRINGARRAY *dsa = r->pdsaOxidBindings;
	dcom_string_bindings(dsa->aStringArray, dsa->wNumEntries, dsa->wSecurityOffset, find_port,
			     &object_port);
	if (object_port == 0 || r->authnHint < 2 || r->serverVersion.MinorVersion != 7)
		fail("ScmReplyInfoData", "no binding with the address dialled and a port");
	struct GUID ipids[2];
	for (int i = 0; i < 2; i++) {
		struct OBJREF o;
		if (out.phresults[i] != 0 || dcom_objref_pull(mem, out.ppIntfData[i], &o) != 0 ||
		    o.flags != OBJREF_FLAG_STANDARD || o.u_objref.u_standard.std.oxid != r->Oxid)
			fail("PropsOutInfo", "not an OBJREF_STANDARD of the exporter");
		ipids[i] = o.u_objref.u_standard.std.ipid;
	}
	printf("ok - %s: RemoteCreateInstance of IWTGeneral and IWTGeneral2, exporter on port %u\n",
	       options, object_port);

	/* ResolveOxid2 on the resolver (3.1.2.5.1.5) */
	struct dcerpc_pipe *resolver = connect_pipe(epm_port, &ndr_table_IObjectExporter);
	uint64_t oxid = r->Oxid;
	uint16_t tcp = 7;
	struct DUALSTRINGARRAY *bindings = NULL;
	struct GUID remunknown;
	uint32_t hint;
	struct COMVERSION version;
	struct IObjectExporter_ResolveOxid2 resolve = {
		.in = { .pOxid = &oxid, .cRequestedProtseqs = 1, .arRequestedProtseqs = &tcp },
		.out = { .ppdsaOxidBindings = &bindings, .pipidRemUnknown = &remunknown,
			 .pAuthnHint = &hint, .pComVersion = &version },
	};
	check_status("ResolveOxid2",
		     dcerpc_binding_handle_call(resolver->binding_handle, NULL,
						&ndr_table_IObjectExporter,
						NDR_IOBJECTEXPORTER_RESOLVEOXID2, mem, &resolve));
	if (resolve.out.result != 0 || !GUID_equal(&remunknown, &r->ipidRemUnknown))
		fail("ResolveOxid2", "a different Remote Unknown");
	printf("ok - %s: ResolveOxid2\n", options);

	/* ORPC calls on the object port, the IPID as object UUID (3.2.4.2) */
	struct dcerpc_pipe *general = connect_pipe(object_port, &ndr_table_IWTGeneral);
	for (int i = 0; i < 3; i++) {
		const char *name = NULL;
		struct IWTGeneral_get_Name get_name = { .in.ORPCthis = orpcthis() };
		get_name.out.ORPCthat = &that;
		get_name.out.pName = &name;
		check_status("IWTGeneral Name",
			     dcerpc_binding_handle_call(general->binding_handle, &ipids[i % 2],
							&ndr_table_IWTGeneral,
							NDR_IWTGENERAL_GET_NAME, mem, &get_name));
		if (get_name.out.result != 0 || name == NULL || strcmp(name, expected_name) != 0)
			fail("IWTGeneral Name", name ? name : "(null)");
	}
	struct GUID service;
	struct IWTGeneral_get_Guid get_guid = { .in.ORPCthis = orpcthis() };
	get_guid.out.ORPCthat = &that;
	get_guid.out.pGuid = &service;
	check_status("IWTGeneral Guid",
		     dcerpc_binding_handle_call(general->binding_handle, &ipids[0],
						&ndr_table_IWTGeneral, NDR_IWTGENERAL_GET_GUID, mem,
						&get_guid));
	if (get_guid.out.result != 0 || GUID_all_zero(&service))
		fail("IWTGeneral Guid", "failed");
	printf("ok - %s: IWTGeneral Name \"%s\" and Guid %s through both IPIDs\n", options,
	       expected_name, GUID_string(mem, &service));

	/* RemRelease through the Remote Unknown (3.1.1.5.6.1.3) */
	struct dcerpc_pipe *rem = connect_pipe(object_port, &ndr_table_IRemUnknown);
	struct REMINTERFACEREF refs[2] = { { .ipid = ipids[0], .cPublicRefs = 5 },
					   { .ipid = ipids[1], .cPublicRefs = 5 } };
	struct IRemUnknown_RemRelease release = { .in = { .ORPCthis = orpcthis(),
							  .cInterfaceRefs = 2,
							  .InterfaceRefs = refs } };
	release.out.ORPCthat = &that;
	check_status("RemRelease",
		     dcerpc_binding_handle_call(rem->binding_handle, &r->ipidRemUnknown,
						&ndr_table_IRemUnknown, NDR_IREMUNKNOWN_REMRELEASE,
						mem, &release));
	if (release.out.result != 0)
		fail("RemRelease", "failed");
	printf("ok - %s: RemRelease of both interfaces\n", options);
	talloc_free(mem);
	return 0;
}
