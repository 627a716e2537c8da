/* istmd seen by Samba's own client library, which (unlike impacket) verifies
 * the server's signatures and seals: connects with dcerpc_pipe_connect_b and
 * calls IObjectExporter::ServerAlive2 through our generated
 * ndr_table_IObjectExporter.
 *
 *   samba_client ADDRESS PORT OPTIONS USER PASSWORD [expect-failure]
 *
 * OPTIONS are binding options such as "sign,ntlm", "seal,ntlm" or
 * "seal,spnego". With expect-failure the connection must be refused. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idl/ndr_ms_dcom.h"
#include "samba_cli.h"

static int fail(const char *what, NTSTATUS status)
{
	printf("not ok - %s: %s\n", what, nt_errstr(status));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: samba_client ADDRESS PORT OPTIONS USER PASSWORD [expect-failure]\n");
		return 2;
	}
	const char *address = argv[1], *port = argv[2];
	bool expect_failure = argc > 6 && strcmp(argv[6], "expect-failure") == 0;
	TALLOC_CTX *mem = talloc_new(NULL);
	struct samba_cli c;
	NTSTATUS status = samba_cli_init(&c, mem, address, argv[3], argv[4], argv[5]);
	if (!NT_STATUS_IS_OK(status))
		return fail("dcerpc_init", status);

	const char *text = NULL;
	struct dcerpc_pipe *p = NULL;
	status = samba_cli_connect(&c, (unsigned)atoi(port), &ndr_table_IObjectExporter, &p, &text);
	if (expect_failure && NT_STATUS_IS_OK(status)) {
		/* With NTLMSSP in auth3 the client learns of a refusal only from
		 * its first request (MS-RPCE 3.3.1.5.2.1). */
		struct IObjectExporter_ServerAlive r = { 0 };
		status = dcerpc_binding_handle_call(p->binding_handle, NULL, &ndr_table_IObjectExporter,
						    NDR_IOBJECTEXPORTER_SERVERALIVE, mem, &r);
	}
	if (expect_failure) {
		if (NT_STATUS_IS_OK(status)) {
			printf("not ok - %s: a wrong password was accepted\n", text);
			return 1;
		}
		printf("ok - %s refused: %s\n", text, nt_errstr(status));
		talloc_free(mem);
		return 0;
	}
	if (!NT_STATUS_IS_OK(status))
		return fail(text, status);

	for (int i = 0; i < 3; i++) {
		struct IObjectExporter_ServerAlive2 r = { 0 };
		struct COMVERSION version = { 0 };
		struct DUALSTRINGARRAY *bindings = NULL;
		uint32_t reserved = 1;
		r.out.pComVersion = &version;
		r.out.ppdsaOrBindings = &bindings;
		r.out.pReserved = &reserved;
		status = dcerpc_binding_handle_call(p->binding_handle, NULL, &ndr_table_IObjectExporter,
						    NDR_IOBJECTEXPORTER_SERVERALIVE2, mem, &r);
		if (!NT_STATUS_IS_OK(status))
			return fail("ServerAlive2", status);
		if (r.out.result != 0 || version.MajorVersion != 5 || version.MinorVersion != 7 ||
		    bindings == NULL || bindings->wNumEntries == 0 || reserved != 0) {
			printf("not ok - ServerAlive2 answer: result %u, version %u.%u\n",
			       (unsigned)r.out.result, version.MajorVersion, version.MinorVersion);
			return 1;
		}
		/* the first string binding is the address we dialled, with its port */
		char first[80] = { 0 };
		for (size_t k = 1; k < bindings->wNumEntries && k < sizeof(first) &&
				   bindings->aStringArray[k] != 0;
		     k++)
			first[k - 1] = (char)bindings->aStringArray[k];
		char want[80];
		snprintf(want, sizeof(want), "%s[%s]", address, port);
		if (bindings->aStringArray[0] != 7 || strcmp(first, want) != 0) {
			printf("not ok - first string binding is '%s', expected '%s'\n", first, want);
			return 1;
		}
	}
	printf("ok - %s: ServerAlive2 x3 verified by Samba's client\n", text);
	talloc_free(mem);
	return 0;
}
