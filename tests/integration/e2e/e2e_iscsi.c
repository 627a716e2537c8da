/* The initiator of the end-to-end tests: one libiscsi login (through
 * tests/integration/backend/iscsi_initiator.c), then the actions asked, then
 * logout. The secrets come from the environment (E2E_CHAP_SECRET,
 * E2E_TARGET_SECRET), as a test's tool may.
 *
 *   e2e_iscsi PORTAL TARGET INITIATOR [--chap USER] [--mutual USER] ACTION...
 *     login                 log in and out (exit 0), or exit 3 if refused
 *     capacity LUN          print the LUN's size in bytes (READ CAPACITY 16)
 *     write LUN LBA FILE    write FILE (a multiple of 512 bytes) at LBA
 *     read LUN LBA N FILE   read N blocks at LBA into FILE
 * Exit: 0 done, 1 a SCSI command failed, 2 usage, 3 login refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi_initiator.h"

static int usage(void)
{
	fprintf(stderr, "usage: e2e_iscsi PORTAL TARGET INITIATOR [--chap USER] [--mutual USER] "
			"login | capacity LUN | write LUN LBA FILE | read LUN LBA N FILE ...\n");
	return 2;
}

static unsigned long number(const char *s, int *bad)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0)
		*bad = 1;
	return v;
}

static int do_write(struct iscsi_context *iscsi, int lun, unsigned long lba, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return 1;
	}
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n == 0 || n % 512 != 0) {
		fprintf(stderr, "%s: %zu bytes, not a multiple of 512 up to 1 MiB\n", path, n);
		return 1;
	}
	if (ini_write(iscsi, lun, (uint32_t)lba, buf, n) != 0) {
		fprintf(stderr, "WRITE at LBA %lu of LUN %d failed\n", lba, lun);
		return 1;
	}
	return 0;
}

static int do_read(struct iscsi_context *iscsi, int lun, unsigned long lba, unsigned long blocks,
		   const char *path)
{
	static char buf[1 << 20];
	if (blocks == 0 || blocks > sizeof(buf) / 512)
		return 1;
	if (ini_read(iscsi, lun, (uint32_t)lba, buf, blocks * 512) != 0) {
		fprintf(stderr, "READ at LBA %lu of LUN %d failed\n", lba, lun);
		return 1;
	}
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 512, blocks, f) != blocks) {
		perror(path);
		if (f)
			fclose(f);
		return 1;
	}
	return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return usage();
	struct ini_opts o = { .initiator = argv[3] };
	int i = 4;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--chap") == 0) {
			o.chap_user = argv[i + 1];
			o.chap_secret = getenv("E2E_CHAP_SECRET");
		} else if (strcmp(argv[i], "--mutual") == 0) {
			o.target_user = argv[i + 1];
			o.target_secret = getenv("E2E_TARGET_SECRET");
		} else {
			return usage();
		}
	}
	if (i >= argc || (o.chap_user && !o.chap_secret) || (o.target_user && !o.target_secret))
		return usage();

	char err[256];
	struct iscsi_context *iscsi = ini_login(argv[1], argv[2], &o, err, sizeof(err));
	if (iscsi == NULL) {
		fprintf(stderr, "login to %s at %s as %s refused: %s\n", argv[2], argv[1], argv[3],
			err);
		return 3;
	}
	int ret = 0, bad = 0;
	while (ret == 0 && i < argc) {
		const char *action = argv[i++];
		if (strcmp(action, "login") == 0) {
			continue;
		} else if (strcmp(action, "capacity") == 0 && i + 1 <= argc) {
			int lun = (int)number(argv[i++], &bad);
			uint64_t bytes;
			if (bad || ini_capacity(iscsi, lun, &bytes) != 0)
				ret = bad ? 2 : 1;
			else
				printf("%llu\n", (unsigned long long)bytes);
		} else if (strcmp(action, "write") == 0 && i + 3 <= argc) {
			int lun = (int)number(argv[i], &bad);
			unsigned long lba = number(argv[i + 1], &bad);
			ret = bad ? 2 : do_write(iscsi, lun, lba, argv[i + 2]);
			i += 3;
		} else if (strcmp(action, "read") == 0 && i + 4 <= argc) {
			int lun = (int)number(argv[i], &bad);
			unsigned long lba = number(argv[i + 1], &bad);
			unsigned long n = number(argv[i + 2], &bad);
			ret = bad ? 2 : do_read(iscsi, lun, lba, n, argv[i + 3]);
			i += 4;
		} else {
			ret = usage();
		}
	}
	ini_logout(iscsi);
	return ret;
}
