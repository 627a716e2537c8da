/* Helpers shared by the backend unit tests: scratch directories, whole-file
 * I/O and running the independent VHD readers (qemu-img, vhdiinfo). */
#ifndef ISTMD_TESTS_BACKEND_TESTUTIL_H
#define ISTMD_TESTS_BACKEND_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

/* A fresh directory under BASE (e.g. "/tmp"); removed by its destructor. */
char *tu_mkdtemp(TALLOC_CTX *mem, const char *base);
/* A fresh directory under /tmp and an O_DIRECTORY descriptor of it (in
 * *DIRFD); both go away when *DIR is freed. */
char *tu_scratch_dir(TALLOC_CTX *mem, int *dirfd);
/* rm -rf PATH (no symlink is followed). */
void tu_rmtree(const char *path);

/* Reads the whole file (at most 64 MiB). */
uint8_t *tu_read_file(TALLOC_CTX *mem, const char *path, size_t *len);
void tu_write_file(const char *path, const void *data, size_t len);

/* Runs a shell command (bounded by timeout(1) at 60 s); returns its standard
 * output, and its exit status in *status. */
char *tu_run(TALLOC_CTX *mem, int *status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The number after "KEY": in JSON text (first occurrence), or -1. */
long long tu_json_number(const char *json, const char *key);

#endif
