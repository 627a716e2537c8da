/* Identifying the file system under a storage root; private to storage_paths.c. */
#ifndef ISTMD_BACKEND_STORAGE_VOLUME_H
#define ISTMD_BACKEND_STORAGE_VOLUME_H

#include <stdint.h>

#include "backend/storage_paths.h"

/* Fills ROOT's dev, fs_type, mount_point, fs_uuid and volume_guid from its
 * dirfd and path. MOUNTINFO is the text of /proc/self/mountinfo (a parameter
 * so tests can feed their own); MACHINE_ID seeds the GUID of file systems
 * without a UUID. */
int storage_volume_identify(struct storage_root *root, const char *mountinfo, const char *machine_id);

/* The volume GUID: the first 16 bytes of SHA-256 over "istmd-volume",
 * SEED (the file system UUID, or "machine:" + machine id) and WHERE (the
 * root's path inside the file system, or its absolute path), marked as an
 * RFC 9562 version 8 UUID, written "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}". */
void storage_volume_guid(const char *seed, const char *where, char out[STORAGE_GUID_LEN + 1]);

#endif
