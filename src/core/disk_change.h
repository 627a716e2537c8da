/* Shared by disk_change.c and file_ops.c. */
#ifndef ISTMD_CORE_DISK_CHANGE_H
#define ISTMD_CORE_DISK_CHANGE_H

#include "core/core_internal.h"

/* Runs the growth of disk WTD to NEW_SIZE as OP's remaining work (OP holds
 * the turn); on success the result is the new size (uint64_t). */
void disk_grow_begin(struct op *op, uint32_t wtd, uint64_t new_size);

#endif
