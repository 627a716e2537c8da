/* vhdcheck [--json] FILE...: validates VHD images with istmd's own validator
 * (the one behind IsValidWtDevice) and describes them. Exit status 0 when
 * every file is valid, 1 when one is not, 2 on usage or I/O errors. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/vhd.h"

static void print_uuid(const uint8_t u[16])
{
	printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
	       u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static void print_json_string(const char *s)
{
	putchar('"');
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_info(const char *file, const struct vhd_info *i, bool json)
{
	if (json) {
		printf("{\"file\": ");
		print_json_string(file);
		printf(", \"valid\": true, \"type\": \"%s\", \"virtual_size\": %" PRIu64
		       ", \"file_size\": %" PRIu64 ", \"allocated_size\": %" PRIu64 ", \"unique_id\": \"",
		       vhd_type_name(i->type), i->virtual_size, i->file_size, i->allocated_size);
		print_uuid(i->unique_id);
		printf("\"");
		if (i->type != VHD_TYPE_FIXED)
			printf(", \"block_size\": %" PRIu32 ", \"allocated_blocks\": %" PRIu32, i->block_size,
			       i->allocated_blocks);
		if (i->type == VHD_TYPE_DIFFERENCING) {
			printf(", \"parent_unique_id\": \"");
			print_uuid(i->parent_unique_id);
			printf("\", \"parent_name\": ");
			print_json_string(i->parent_name);
			printf(", \"parent_absolute_path\": ");
			print_json_string(i->parent_absolute_path);
			printf(", \"parent_relative_path\": ");
			print_json_string(i->parent_relative_path);
		}
		printf("}\n");
		return;
	}
	printf("%s: valid %s VHD\n  virtual size: %" PRIu64 "\n  file size: %" PRIu64
	       "\n  allocated: %" PRIu64 "\n  unique id: ",
	       file, vhd_type_name(i->type), i->virtual_size, i->file_size, i->allocated_size);
	print_uuid(i->unique_id);
	printf("\n  geometry: %u/%u/%u\n  creator: %s 0x%08" PRIx32 "\n", i->cylinders, i->heads,
	       i->sectors_per_track, i->creator_app, i->creator_version);
	if (i->type != VHD_TYPE_FIXED)
		printf("  blocks: %" PRIu32 " of %" PRIu32 " allocated, %" PRIu32 " bytes each\n",
		       i->allocated_blocks, i->max_table_entries, i->block_size);
	if (i->type == VHD_TYPE_DIFFERENCING) {
		printf("  parent unique id: ");
		print_uuid(i->parent_unique_id);
		printf("\n  parent name: %s\n  parent absolute path: %s\n  parent relative path: %s\n",
		       i->parent_name, i->parent_absolute_path ? i->parent_absolute_path : "-",
		       i->parent_relative_path ? i->parent_relative_path : "-");
	}
}

int main(int argc, char **argv)
{
	bool json = false;
	int first = 1, status = 0;

	if (argc > 1 && strcmp(argv[1], "--json") == 0) {
		json = true;
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: vhdcheck [--json] FILE...\n");
		return 2;
	}
	for (int a = first; a < argc; a++) {
		int fd = open(argv[a], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "vhdcheck: %s: %s\n", argv[a], strerror(errno));
			status = 2;
			continue;
		}
		char reason[VHD_REASON_LEN];
		struct vhd_info *info = NULL;
		int r = vhd_inspect(NULL, fd, &info, reason);
		close(fd);
		if (r == 0) {
			print_info(argv[a], info, json);
		} else if (json) {
			printf("{\"file\": ");
			print_json_string(argv[a]);
			printf(", \"valid\": false, \"error\": \"%s\", \"reason\": ", strerrorname_np(-r));
			print_json_string(reason);
			printf("}\n");
		} else {
			printf("%s: invalid (%s): %s\n", argv[a], strerrorname_np(-r), reason);
		}
		if (r != 0 && status == 0)
			status = 1;
		talloc_free(info);
	}
	return status;
}
