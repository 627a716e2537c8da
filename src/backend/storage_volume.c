/* Which file system holds a storage root, its stable volume GUID, and its
 * current size figures (docs/paths.md, "Volume GUIDs"). */
#include "backend/storage_volume.h"

#include <blkid.h>
#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "istmd/log.h"

void storage_volume_guid(const char *seed, const char *where, char out[STORAGE_GUID_LEN + 1])
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	static const char tag[] = "istmd-volume";

	sha256_init(&ctx);
	sha256_update(&ctx, sizeof(tag), (const uint8_t *)tag); /* with its NUL */
	sha256_update(&ctx, strlen(seed) + 1, (const uint8_t *)seed);
	sha256_update(&ctx, strlen(where), (const uint8_t *)where);
	sha256_digest(&ctx, sizeof(d), d);
	d[6] = (uint8_t)((d[6] & 0x0f) | 0x80); /* version 8: custom */
	d[8] = (uint8_t)((d[8] & 0x3f) | 0x80); /* RFC variant */
	snprintf(out, STORAGE_GUID_LEN + 1,
		 "{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x}", d[0], d[1], d[2],
		 d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r != '\0'; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Is MNT a path prefix of PATH at a component boundary? */
static bool under(const char *path, const char *mnt)
{
	size_t n = strlen(mnt);
	if (strcmp(mnt, "/") == 0)
		return path[0] == '/';
	return strncmp(path, mnt, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

struct mount_entry {
	char *fs_root, *mount_point, *fs_type, *source;
};

/* Splits one mountinfo line in place. */
static bool parse_line(char *line, unsigned *major, unsigned *minor, struct mount_entry *m)
{
	char *save = NULL, *f[6];
	for (int i = 0; i < 6; i++) {
		f[i] = strtok_r(i == 0 ? line : NULL, " ", &save);
		if (f[i] == NULL)
			return false;
	}
	if (sscanf(f[2], "%u:%u", major, minor) != 2)
		return false;
	char *tok;
	while ((tok = strtok_r(NULL, " ", &save)) != NULL && strcmp(tok, "-") != 0)
		;
	if (tok == NULL)
		return false;
	m->fs_root = f[3];
	m->mount_point = f[4];
	m->fs_type = strtok_r(NULL, " ", &save);
	m->source = strtok_r(NULL, " ", &save);
	if (m->fs_type == NULL || m->source == NULL)
		return false;
	unescape(m->fs_root);
	unescape(m->mount_point);
	unescape(m->source);
	return true;
}

static void probe_uuid(const char *device, char *out, size_t len)
{
	out[0] = '\0';
	if (strncmp(device, "/dev/", 5) != 0)
		return;
	blkid_probe pr = blkid_new_probe_from_filename(device);
	if (pr == NULL)
		return;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE);
	const char *uuid = NULL;
	if (blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, "UUID", &uuid, NULL) == 0 &&
	    uuid != NULL && strlen(uuid) < len)
		snprintf(out, len, "%s", uuid);
	blkid_free_probe(pr);
}

int storage_volume_identify(struct storage_root *root, const char *mountinfo, const char *machine_id)
{
	struct stat st;
	if (fstat(root->dirfd, &st) < 0)
		return -errno;
	root->dev = st.st_dev;

	char *text = talloc_strdup(root->path, mountinfo != NULL ? mountinfo : "");
	if (text == NULL)
		return -ENOMEM;
	struct mount_entry best = { 0 };
	size_t best_len = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		struct mount_entry m;
		if (!parse_line(line, &maj, &min, &m))
			continue;
		if (makedev(maj, min) != st.st_dev || !under(root->path, m.mount_point))
			continue;
		size_t l = strlen(m.mount_point);
		if (best.mount_point == NULL || l >= best_len) { /* later lines are mounted on top */
			best = m;
			best_len = l;
		}
	}

	const char *where;
	char *inside = NULL;
	root->fs_uuid[0] = '\0';
	if (best.mount_point != NULL) {
		snprintf(root->fs_type, sizeof(root->fs_type), "%s", best.fs_type);
		root->mount_point = talloc_strdup(root->path, best.mount_point);
		probe_uuid(best.source, root->fs_uuid, sizeof(root->fs_uuid));
		/* The root's path inside the file system: survives a change of mount point. */
		const char *suffix = root->path + (strcmp(best.mount_point, "/") == 0 ? 0 : best_len);
		inside = talloc_asprintf(text, "%s%s", strcmp(best.fs_root, "/") == 0 ? "" : best.fs_root,
					 suffix[0] != '\0' ? suffix : "/");
	} else {
		snprintf(root->fs_type, sizeof(root->fs_type), "unknown");
		root->mount_point = talloc_strdup(root->path, "/");
	}
	if (root->mount_point == NULL || (best.mount_point != NULL && inside == NULL)) {
		talloc_free(text);
		return -ENOMEM;
	}

	char *seed;
	if (root->fs_uuid[0] != '\0') {
		seed = talloc_asprintf(text, "uuid:%s", root->fs_uuid);
		where = inside;
	} else {
		/* No UUID (tmpfs, overlay, unreadable device): the machine and the
		 * root's absolute path are what stays the same across restarts. */
		seed = talloc_asprintf(text, "machine:%s", machine_id != NULL ? machine_id : "");
		where = root->path;
		log_info("storage: %s (%s) has no file system UUID; its volume GUID derives from the "
			 "machine id and the path", root->path, root->fs_type);
	}
	if (seed == NULL) {
		talloc_free(text);
		return -ENOMEM;
	}
	storage_volume_guid(seed, where, root->volume_guid);
	talloc_free(text);
	return 0;
}

/* Largest file per file system type, for VOLUME2.MaxFileSize; the block-size
 * dependent ones are computed from it. Unknown types report INT64_MAX. */
static uint64_t max_file_size(const char *type, uint64_t bsize)
{
	if (strcmp(type, "ext4") == 0)
		return (1ull << 32) * bsize;
	if (strcmp(type, "ext2") == 0 || strcmp(type, "ext3") == 0)
		return bsize >= 4096 ? 2ull << 40 : (16ull << 30) * (bsize / 1024);
	if (strcmp(type, "vfat") == 0 || strcmp(type, "msdos") == 0)
		return (4ull << 30) - 1;
	return INT64_MAX;
}

static bool supports_sparse(const char *type)
{
	static const char *const no[] = { "vfat", "msdos", "exfat", "hfsplus", "iso9660", "udf", "squashfs" };
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcmp(type, no[i]) == 0)
			return false;
	return true;
}

int storage_volume_info(const struct storage_root *root, struct storage_volume_info *out)
{
	struct statvfs sv;
	if (fstatvfs(root->dirfd, &sv) < 0)
		return -errno;
	memset(out, 0, sizeof(*out));
	snprintf(out->fs_type, sizeof(out->fs_type), "%s", root->fs_type);
	out->total_bytes = (uint64_t)sv.f_blocks * sv.f_frsize;
	out->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	out->max_file_size = max_file_size(root->fs_type, sv.f_bsize);
	out->sparse_files = supports_sparse(root->fs_type);
	return 0;
}
