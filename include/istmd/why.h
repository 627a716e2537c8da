/* Reasons: many functions return a negative errno and, for the log or the
 * user, a short sentence saying why (char **why, talloc'd, may be NULL). */
#ifndef ISTMD_WHY_H
#define ISTMD_WHY_H

#include <talloc.h>

/* Sets *WHY (when WHY is not NULL) to the formatted reason on MEM; returns RC. */
int why_set(TALLOC_CTX *mem, char **why, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
