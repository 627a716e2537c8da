#include "istm/service_id.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ndr.h>

#include "istmd/log.h"

#define GUID_FILE "service-guid"

static int read_guid(TALLOC_CTX *mem, const char *path, struct GUID *guid, char **err)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e != ENOENT)
			*err = talloc_asprintf(mem, "%s: %s", path, strerror(e));
		return -e;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int e = errno;
	close(fd);
	if (n < 0) {
		*err = talloc_asprintf(mem, "%s: %s", path, strerror(e));
		return -e;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!NT_STATUS_IS_OK(GUID_from_string(buf, guid)) || GUID_all_zero(guid)) {
		*err = talloc_asprintf(mem, "%s does not hold a GUID; restore it or remove it "
					    "to give the service a new identity", path);
		return -EINVAL;
	}
	return 0;
}

/* Writes a new GUID to a temporary file and links it into place: link()
 * fails if another process got there first, and nobody ever sees a
 * partial file. */
static int create_guid(TALLOC_CTX *mem, const char *dir, const char *path, char **err)
{
	char *tmp = talloc_asprintf(mem, "%s/." GUID_FILE ".XXXXXX", dir);
	if (tmp == NULL)
		return -ENOMEM;
	int fd = mkstemp(tmp);
	if (fd < 0) {
		*err = talloc_asprintf(mem, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	struct GUID g = GUID_random();
	char *text = GUID_string(mem, &g);
	char *line = text ? talloc_asprintf(mem, "%s\n", text) : NULL;
	int rc = 0;
	if (line == NULL) {
		rc = -ENOMEM;
	} else if (write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd) != 0) {
		rc = -errno;
		*err = talloc_asprintf(mem, "%s: %s", tmp, strerror(errno));
	}
	close(fd);
	if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST) {
		rc = -errno;
		*err = talloc_asprintf(mem, "%s: %s", path, strerror(errno));
	}
	unlink(tmp);
	return rc;
}

int istm_service_guid(TALLOC_CTX *mem_ctx, const char *state_dir, struct GUID *guid, char **err)
{
	char *path = talloc_asprintf(mem_ctx, "%s/" GUID_FILE, state_dir);
	if (path == NULL)
		return -ENOMEM;
	int rc = read_guid(mem_ctx, path, guid, err);
	if (rc != -ENOENT)
		return rc;
	rc = create_guid(mem_ctx, state_dir, path, err);
	if (rc != 0)
		return rc;
	rc = read_guid(mem_ctx, path, guid, err);
	if (rc == 0)
		log_notice("ISTM service GUID created in %s", path);
	return rc;
}
