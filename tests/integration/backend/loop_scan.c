#include "loop_scan.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "backend/loopdev.h"

static bool matches(const char *backing, const char *path, bool under)
{
	size_t n = strlen(path);
	if (!under)
		return strcmp(backing, path) == 0;
	return strncmp(backing, path, n) == 0 && backing[n] == '/';
}

unsigned loops_backed_by(const char *path, bool under, bool detach)
{
	unsigned n = 0;
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		char sys[300], buf[4200] = "";
		snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", de->d_name);
		FILE *f = fopen(sys, "r");
		if (f == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL) {
			buf[strcspn(buf, "\n")] = '\0';
			if (matches(buf, path, under)) {
				n++;
				char dev[300];
				snprintf(dev, sizeof(dev), "/dev/%s", de->d_name);
				if (detach)
					loopdev_detach(dev);
			}
		}
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return n;
}
