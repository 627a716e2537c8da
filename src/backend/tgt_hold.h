/* Holding tgtd's I/O briefly (tgt_hold.c). Blocking, thread-safe. */
#ifndef ISTMD_BACKEND_TGT_HOLD_H
#define ISTMD_BACKEND_TGT_HOLD_H

#include <stdbool.h>
#include <sys/types.h>

/* HOLD: stop tgtd (PID) and wait, at most TIMEOUT_MS, until none of its
 * threads is inside a system call (-ETIMEDOUT: resumed again). !HOLD:
 * resume it. 0 or a negative errno. */
int tgt_hold_io(pid_t pid, bool hold, unsigned timeout_ms);

#endif
