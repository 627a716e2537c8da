/* What istmctl tells a user about a failed MS-ISTM call, and its exit codes.
 *
 * Every command that talks to istmd exits with one of these codes
 * (docs/istmctl.md "Exit status"); the class of an HRESULT decides which. */
#ifndef ISTMD_CTL_ERRORS_H
#define ISTMD_CTL_ERRORS_H

#include <stdint.h>

#include "istmd/hresult.h"

enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILURE = 1,      /* anything not below */
	CTL_EXIT_USAGE = 2,        /* bad command line (nothing was sent) */
	CTL_EXIT_EXISTS = 3,       /* the name, IQN, path or LUN is already taken */
	CTL_EXIT_NOT_FOUND = 4,    /* no such target, disk, file or mapping */
	CTL_EXIT_BUSY = 5,         /* in use: sessions, a disk on the file, an operation */
	CTL_EXIT_DENIED = 6,       /* not an admin, or a path outside the storage roots */
	CTL_EXIT_INVALID = 7,      /* the server refused a value (name, size, secret...) */
	CTL_EXIT_UNSUPPORTED = 8,  /* the server does not implement it (E_NOTIMPL...) */
	CTL_EXIT_CONNECT = 9,      /* cannot reach or log in to istmd */
};

/* What HR means to a user when METHOD (e.g. "GetHost", "CreateWTDisk")
 * returns it: a short phrase, never NULL ("error 0x..." for unknown ones). */
const char *ctl_hresult_meaning(const char *method, uint32_t hr);

/* The exit code for a failed HR. */
enum ctl_exit ctl_hresult_exit(uint32_t hr);

#endif
