/* Start-up recovery of intents left by a crash (recover.c). */
#ifndef ISTMD_CORE_RECOVER_H
#define ISTMD_CORE_RECOVER_H

#include "core/core_internal.h"

struct store;

/* Rolls every CREATE_FILE intent, and GROW intents in phase 1, forward or
 * back, keeping the store and M in step. Blocking: for the store thread. */
void recover_intents(struct store *s, const struct storage_paths *sp, struct model *m);

#endif
