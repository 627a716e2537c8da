/* Print helpers for generated ndr_print_*() functions (see idl_runtime.h). */
#include <string.h>

#include "istmd/utf16.h"
#include "ndr/idl_runtime.h"

bool idl_print_hide(struct ndr_print *ndr, const char *name)
{
	if (ndr->print_secrets)
		return false;
	ndr->print(ndr, "%-25s: <secret>", name);
	return true;
}

void idl_print_string(struct ndr_print *ndr, const char *name, const char *s)
{
	if (s == NULL)
		ndr->print(ndr, "%-25s: NULL", name);
	else
		ndr->print(ndr, "%-25s: '%s'", name, s);
}

void idl_print_fstring(struct ndr_print *ndr, const char *name, const char *a, uint32_t n)
{
	ndr->print(ndr, "%-25s: '%.*s'", name, (int)strnlen(a, n), a);
}

void idl_print_wchars(struct ndr_print *ndr, const char *name, const uint16_t *a, uint32_t n)
{
	char *s = wstr_get(NULL, a, n);

	if (s == NULL)
		ndr->print(ndr, "%-25s: <invalid UTF-16>", name);
	else
		ndr->print(ndr, "%-25s: '%s'", name, s);
	talloc_free(s);
}
