/* Makes istmd hold what an imp_state describes, over the MS-ISTM calls the
 * other istmctl commands use (disk create, target create, allow, map, chap):
 *   - each disk path is kept when a disk already has it, registered as it is
 *     (IsPathValid, DoesFileExist, IsValidWtDevice, CreateWTDisk) when it is a
 *     VHD under the storage roots, and reported otherwise ("a raw file, not
 *     a VHD", "a raw block device", outside the roots...);
 *   - each target is created, or changed where it differs (description,
 *     enable, initiators, LUN mappings, CHAP, parameters), or kept when equal
 *     (matched by name);
 *   - a target whose CHAP secret is not known is created disabled, and its
 *     CHAP reported.
 * Without APPLY nothing is changed: the same plan is printed. */
#ifndef ISTMD_CTL_IMPORT_APPLY_H
#define ISTMD_CTL_IMPORT_APPLY_H

#include <stdbool.h>

#include "ctl/conn.h"
#include "ctl/import_model.h"

/* Prints the plan (or, with APPLY, what was done) and the report of what
 * could not be carried over; JSON: one object. 0 when everything was carried
 * over, CTL_EXIT_FAILURE when something was not (reported), or the exit
 * code of a failed call. */
int imp_apply(struct ctl_conn *c, struct imp_state *s, bool apply, bool json);

#endif
