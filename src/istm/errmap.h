/* From the core's negative errno to the HRESULT a method's section of MS-ISTM
 * asks for. Each handler keeps a small table of the cases that differ from
 * the generic mapping (include/istmd/hresult.h hresult_from_errno()):
 *
 *   static const struct istm_errmap new_host_errors[] = {
 *           { -EINVAL, HR_WIN32(ERROR_INVALID_DATA) },
 *           { -EEXIST, HR_WIN32(ERROR_FILE_EXISTS) },
 *           { 0, 0 },
 *   };
 *   dcom_call_done(call, istm_hr(rc, new_host_errors));
 *
 * docs/core.md lists the errno values of every core call. */
#ifndef ISTMD_ISTM_ERRMAP_H
#define ISTMD_ISTM_ERRMAP_H

#include <stdint.h>

struct istm_errmap {
	int err;     /* negative errno; 0 ends the table */
	uint32_t hr; /* the HRESULT for it */
};

/* S_OK for RC == 0; MAP's entry for RC; else hresult_from_errno(RC).
 * MAP may be NULL. */
uint32_t istm_hr(int rc, const struct istm_errmap *map);

#endif
