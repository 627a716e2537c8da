/* Loop devices as sysfs shows them (not through the code under test), for
 * tests that must find or clean up what a target left attached. */
#ifndef ISTMD_TEST_LOOP_SCAN_H
#define ISTMD_TEST_LOOP_SCAN_H

#include <stdbool.h>

/* The loop devices whose backing file is PATH, or (UNDER) lies below the
 * directory PATH; DETACH detaches each. Their number. */
unsigned loops_backed_by(const char *path, bool under, bool detach);

#endif
