#include "istmd/why.h"

#include <stdarg.h>

int why_set(TALLOC_CTX *mem, char **why, int rc, const char *fmt, ...)
{
	if (why != NULL) {
		va_list ap;
		va_start(ap, fmt);
		*why = talloc_vasprintf(mem, fmt, ap);
		va_end(ap);
	}
	return rc;
}
