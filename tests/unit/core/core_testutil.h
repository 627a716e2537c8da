/* The core's test fixture: a scratch directory with a state directory and a
 * storage root, a fake backend and fake loop devices, and helpers that run
 * the event loop until a request is done (bounded in time). */
#ifndef ISTMD_TESTS_CORE_TESTUTIL_H
#define ISTMD_TESTS_CORE_TESTUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/storage_paths.h"
#include "core/core.h"
#include "fake_backend.h"
#include "fake_loop.h"

struct tc {
	TALLOC_CTX *mem;
	struct tevent_context *ev;
	char *dir;   /* scratch, removed at the end */
	char *state; /* dir/state */
	char *root;  /* dir/storage: the storage root */
	struct storage_paths *sp;
	struct fake_backend *fb; /* NULL without backend */
	struct core_options opts;
	struct core *core;
	char *why; /* of the last failed call */
};

/* A fresh fixture (WITH_BACKEND: a fake backend that is up). */
struct tc *tc_new(bool with_backend);
void tc_free(struct tc *t);
/* Opens the core over t->state and waits for its first reconcile pass. */
int tc_open(struct tc *t);
void tc_close(struct tc *t);
/* Runs the loop until REQ is done (at most 20 s, then the test fails). */
void tc_wait(struct tc *t, struct tevent_req *req);
/* Runs the loop for MS milliseconds. */
void tc_run_for(struct tc *t, unsigned ms);
/* Waits for the next reconcile pass. */
void tc_reconcile(struct tc *t);

/* t->root + "/" + NAME */
char *tc_path(struct tc *t, const char *name);
/* Creates a disk on a new fixed VHD; 0 or errno, *wtd. */
int tc_create_disk(struct tc *t, const char *name, uint64_t size, uint32_t *wtd);
/* Registers an existing file. */
int tc_register_disk(struct tc *t, const char *name, uint32_t *wtd);
/* Creates and saves a target; *guid (may be NULL) gets its GUID. */
int tc_create_target(struct tc *t, const char *name, char guid[CORE_GUID_LEN + 1]);
int tc_save(struct tc *t, struct core_target_draft *d);
int tc_map(struct tc *t, const char *target, uint32_t wtd, uint32_t lun);
int tc_delete_disk(struct tc *t, uint32_t wtd, bool delete_file);
int tc_grow(struct tc *t, uint32_t wtd, uint64_t new_size);
int tc_delete_target(struct tc *t, const char *name);

/* Files in the storage root whose name starts with PREFIX. */
unsigned tc_count_files(struct tc *t, const char *prefix);
bool tc_exists(struct tc *t, const char *name);

#endif
