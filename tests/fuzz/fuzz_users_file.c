/* The users file (src/auth/users_file.c): every line through the parser the
 * daemon and istmctl use and, for inputs starting with '#' (as the files
 * istmctl writes do), the whole text through users_list() from a file, as an
 * admin's careless edit could leave it. users_list() reads into a 1 MiB
 * buffer it wipes: only those inputs pay for it. */
#define _GNU_SOURCE 1
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/users_file.h"
#include "fuzz_util.h"
#include "istmd/log.h"

/* The file: a memfd, named through /proc (no disk I/O per input). */
static int memfd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LVL_ERR);
	memfd = memfd_create("fuzz-users", MFD_CLOEXEC);
	if (memfd < 0 || fchmod(memfd, 0600) != 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *text = fuzz_text(mem, data, size);
	if (text != NULL) {
		if (size > 0 && data[0] == '#' && ftruncate(memfd, 0) == 0 && pwrite(memfd, data, size, 0) == (ssize_t)size) {
			struct users_entry *entries;
			size_t n;
			(void)users_list(mem, path, &entries, &n);
		}
		for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			struct users_entry e;
			(void)users_parse_line(line, &e);
			(void)users_name_valid(line);
		}
	}
	talloc_free(mem);
	return 0;
}
