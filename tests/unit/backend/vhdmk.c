/* vhdmk: makes VHD files for the integration tests with istmd's own code.
 *   vhdmk dynamic FILE SIZE
 *   vhdmk fixed FILE SIZE              (sparse)
 *   vhdmk diff FILE PARENT ABSOLUTE [RELATIVE]
 * ABSOLUTE and RELATIVE are the parent locators (Windows or POSIX spellings).
 * Exit 0, or 1 with the reason on stderr. */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/vhd.h"

int main(int argc, char **argv)
{
	char reason[VHD_REASON_LEN] = "";
	if (argc < 4) {
		fprintf(stderr, "usage: vhdmk dynamic|fixed FILE SIZE | diff FILE PARENT ABS [REL]\n");
		return 2;
	}
	char *copy = strdup(argv[2]);
	char *copy2 = strdup(argv[2]);
	int dirfd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	const char *name = basename(copy2);
	if (dirfd < 0) {
		perror(argv[2]);
		return 1;
	}
	int r;
	if (strcmp(argv[1], "dynamic") == 0) {
		r = vhd_create_dynamic(dirfd, name, strtoull(argv[3], NULL, 0), NULL, reason);
	} else if (strcmp(argv[1], "fixed") == 0) {
		struct vhd_create_options o = { .sparse = true };
		r = vhd_create_fixed(dirfd, name, strtoull(argv[3], NULL, 0), &o, reason);
	} else if (strcmp(argv[1], "diff") == 0 && argc >= 5) {
		struct vhd_parent p = { open(argv[3], O_RDONLY), argv[4], argc > 5 ? argv[5] : NULL };
		if (p.fd < 0) {
			perror(argv[3]);
			return 1;
		}
		r = vhd_create_differencing(dirfd, name, &p, NULL, reason);
		close(p.fd);
	} else {
		fprintf(stderr, "vhdmk: unknown kind %s\n", argv[1]);
		return 2;
	}
	close(dirfd);
	free(copy);
	free(copy2);
	if (r != 0) {
		fprintf(stderr, "vhdmk: %s: %s\n", argv[2], reason);
		return 1;
	}
	return 0;
}
