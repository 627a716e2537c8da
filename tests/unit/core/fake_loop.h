/* Loop devices that are only lines in a file (core_loop_ops), so tests run
 * without touching the kernel's loop devices and a test can check, after a
 * crashed child process, which "devices" it left behind. Thread-safe. */
#ifndef ISTMD_TESTS_CORE_FAKE_LOOP_H
#define ISTMD_TESTS_CORE_FAKE_LOOP_H

#include <stdint.h>

#include "core/core.h"

extern const struct core_loop_ops fake_loop_ops;

/* Where the devices are recorded (the file is created empty). */
void fake_loop_init(const char *state_file);
/* Devices attached now, and over FILE (any size limit, 0 for SIZE; by inode). */
unsigned fake_loop_count(void);
unsigned fake_loop_count_over(const char *file, uint64_t size);
/* The next N ensure() calls fail with RC. */
void fake_loop_fail_next(int n, int rc);

#endif
