/* What istmctl tells a user about a failed MS-ISTM call, and its exit codes.
 *
 * Every command that talks to istmd exits with one of these codes
 * (docs/istmctl.md "Exit status"); the class of an HRESULT decides which. */
#ifndef ISTMD_CTL_ERRORS_H
#define ISTMD_CTL_ERRORS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "istmd/hresult.h"

enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILURE = 1,      /* anything not below */
	CTL_EXIT_USAGE = 2,        /* bad command line (nothing was sent) */
	CTL_EXIT_EXISTS = 3,       /* the name, IQN, path or LUN is already taken */
	CTL_EXIT_NOT_FOUND = 4,    /* no such target, disk, file or mapping */
	CTL_EXIT_BUSY = 5,         /* in use: sessions, a disk on the file, an operation */
	CTL_EXIT_DENIED = 6,       /* not an admin, or a path outside the storage roots
				    * (E_ACCESSDENIED or ERROR_INVALID_DRIVE, whichever
				    * call noticed) */
	CTL_EXIT_INVALID = 7,      /* the server refused a value (name, size, secret...) */
	CTL_EXIT_UNSUPPORTED = 8,  /* the server does not implement it (E_NOTIMPL...) */
	CTL_EXIT_CONNECT = 9,      /* cannot reach or log in to istmd */
};

/* What HR means to a user when METHOD (e.g. "GetHost", "CreateWTDisk")
 * returns it: a short phrase, never NULL ("error 0x..." for unknown ones). */
const char *ctl_hresult_meaning(const char *method, uint32_t hr);

/* The exit code for a failed HR. */
enum ctl_exit ctl_hresult_exit(uint32_t hr);

/* Reports an error: the message (printf-style, "WHO: ...", no newline) on
 * stderr, and remembered with HR (0: not a server's HRESULT) for
 * ctl_error_json(). Messages never carry a secret or an option's value that
 * might be one. */
void ctl_error(uint32_t hr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether errors are also wanted as JSON on stdout (--json seen anywhere). */
void ctl_error_set_json(bool on);
bool ctl_error_json_wanted(void);

/* {"error": {"hresult": N or null, "name": ..., "message": ..., "exit": N}}
 * for the last error reported, the command having failed with EXIT. */
json_t *ctl_error_json(int exit);

/* WORD when it looks like a command or action name, else a placeholder: a
 * stray word on a command line may be a secret. */
const char *ctl_safe_word(const char *word);

/* "usage", "exists", "not-found"...: the name of an exit code's class. */
const char *ctl_exit_name(int exit);

#endif
