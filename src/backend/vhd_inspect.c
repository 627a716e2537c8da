/* Validation of any VHD image (IsValidWtDevice) and its description (IWTDisk3's
 * VhdType, ParentPath, AllocatedSize). Nothing in the file is trusted: every
 * offset and count is checked against the file size before it is used. */
#include "backend/vhd.h"
#include "backend/vhd_format.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "istmd/utf16.h"

const char *vhd_type_name(enum vhd_type type)
{
	switch (type) {
	case VHD_TYPE_FIXED:
		return "fixed";
	case VHD_TYPE_DYNAMIC:
		return "dynamic";
	case VHD_TYPE_DIFFERENCING:
		return "differencing";
	}
	return "unknown";
}

/* Checks the footer's own fields (not how it fits the file). */
static int check_footer(const uint8_t raw[VHD_FOOTER_SIZE], struct vhd_footer *f, char *reason)
{
	vhd_footer_decode(raw, f);
	if (memcmp(f->cookie, VHD_COOKIE, 8) != 0)
		return vhd_fail(reason, -EBADMSG, "no VHD footer: cookie is not \"conectix\"");
	uint32_t sum = vhd_checksum(raw, VHD_FOOTER_SIZE, VHD_FOOTER_CHECKSUM_OFFSET);
	if (sum != f->checksum)
		return vhd_fail(reason, -EBADMSG, "footer checksum 0x%08" PRIx32 " should be 0x%08" PRIx32,
				f->checksum, sum);
	if ((f->version >> 16) != 1)
		return vhd_fail(reason, -EOPNOTSUPP, "unsupported file format version %" PRIu32 ".%" PRIu32,
				f->version >> 16, f->version & 0xffff);
	if (f->features & ~(VHD_FEATURE_TEMPORARY | VHD_FEATURE_RESERVED))
		return vhd_fail(reason, -EBADMSG, "unknown footer features 0x%08" PRIx32, f->features);
	if (!(f->features & VHD_FEATURE_RESERVED))
		return vhd_fail(reason, -EBADMSG, "footer features: reserved bit 1 is not set");
	switch (f->disk_type) {
	case VHD_TYPE_FIXED:
	case VHD_TYPE_DYNAMIC:
	case VHD_TYPE_DIFFERENCING:
		break;
	case 0: /* none */
	case 1: /* deprecated */
	case 5:
	case 6:
		return vhd_fail(reason, -EOPNOTSUPP, "unsupported disk type %" PRIu32, f->disk_type);
	default:
		return vhd_fail(reason, -EBADMSG, "invalid disk type %" PRIu32, f->disk_type);
	}
	if (f->saved_state == 1)
		return vhd_fail(reason, -EOPNOTSUPP, "the disk is in a saved state");
	if (f->saved_state != 0)
		return vhd_fail(reason, -EBADMSG, "invalid saved state %u", f->saved_state);
	if (f->current_size == 0 || f->current_size % VHD_SECTOR_SIZE != 0)
		return vhd_fail(reason, -EBADMSG, "current size %" PRIu64 " is not a positive multiple of 512",
				f->current_size);
	if (f->current_size > VHD_MAX_VIRTUAL_SIZE)
		return vhd_fail(reason, -EOPNOTSUPP, "current size %" PRIu64 " exceeds 2040 GiB",
				f->current_size);
	if (f->cylinders == 0 || f->heads == 0 || f->heads > 16 || f->sectors == 0)
		return vhd_fail(reason, -EBADMSG, "invalid geometry %u/%u/%u", f->cylinders, f->heads,
				f->sectors);
	if (f->disk_type == VHD_TYPE_FIXED && f->data_offset != VHD_NO_OFFSET)
		return vhd_fail(reason, -EBADMSG, "fixed disk with data offset 0x%" PRIx64, f->data_offset);
	if (f->disk_type != VHD_TYPE_FIXED &&
	    (f->data_offset < VHD_FOOTER_SIZE || f->data_offset % VHD_SECTOR_SIZE != 0))
		return vhd_fail(reason, -EBADMSG, "invalid dynamic header offset 0x%" PRIx64, f->data_offset);
	return 0;
}

/* A byte range of the file that one structure owns. */
struct range {
	uint64_t start, end;
	const char *what;
	uint32_t index;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static const char *locator_name(uint32_t code)
{
	switch (code) {
	case VHD_PLATFORM_WI2R:
		return "Wi2r";
	case VHD_PLATFORM_WI2K:
		return "Wi2k";
	case VHD_PLATFORM_W2RU:
		return "W2ru";
	case VHD_PLATFORM_W2KU:
		return "W2ku";
	case VHD_PLATFORM_MAC:
		return "Mac";
	case VHD_PLATFORM_MACX:
		return "MacX";
	}
	return NULL;
}

/* Decodes a UTF-16 string of BYTES bytes, big- or little-endian, up to its first NUL. */
static char *decode_utf16(TALLOC_CTX *mem, const uint8_t *p, size_t bytes, bool big_endian)
{
	size_t units = bytes / 2;
	uint16_t *u = talloc_array(mem, uint16_t, units + 1);
	if (u == NULL)
		return NULL;
	for (size_t i = 0; i < units; i++)
		u[i] = big_endian ? (uint16_t)(p[2 * i] << 8 | p[2 * i + 1])
				  : (uint16_t)(p[2 * i + 1] << 8 | p[2 * i]);
	u[units] = 0;
	char *s = utf16_to_utf8(mem, u, units);
	talloc_free(u);
	return s;
}

struct inspect {
	TALLOC_CTX *tmp;
	int fd;
	uint64_t file_size;
	struct vhd_footer footer;
	struct vhd_header header;
	struct range *ranges;
	size_t nranges;
	struct vhd_info *info;
	char *reason;
};

static void add_range(struct inspect *in, uint64_t start, uint64_t len, const char *what, uint32_t index)
{
	in->ranges[in->nranges++] = (struct range){ start, start + len, what, index };
}

static int read_locators(struct inspect *in)
{
	struct vhd_header *h = &in->header;
	unsigned present = 0;

	for (unsigned i = 0; i < VHD_LOCATORS; i++) {
		const struct vhd_locator *l = &h->locators[i];
		if (l->code == VHD_PLATFORM_NONE)
			continue;
		const char *name = locator_name(l->code);
		if (name == NULL)
			return vhd_fail(in->reason, -EBADMSG, "parent locator %u: unknown platform code 0x%08" PRIx32,
					i, l->code);
		uint64_t space = vhd_locator_space_bytes(l);
		if (l->length == 0 || l->length > space)
			return vhd_fail(in->reason, -EBADMSG, "parent locator %u (%s): length %" PRIu32
					" does not fit its space %" PRIu64, i, name, l->length, space);
		if (l->offset % VHD_SECTOR_SIZE != 0 || l->offset > in->file_size ||
		    space > in->file_size - l->offset)
			return vhd_fail(in->reason, -EBADMSG, "parent locator %u (%s): data at 0x%" PRIx64
					" is outside the file", i, name, l->offset);
		add_range(in, l->offset, space, "parent locator", i);
		present++;

		if (l->code != VHD_PLATFORM_W2KU && l->code != VHD_PLATFORM_W2RU)
			continue;
		if (l->length % 2 != 0 || l->length > 64 * 1024)
			return vhd_fail(in->reason, -EBADMSG, "parent locator %u (%s): bad length %" PRIu32, i,
					name, l->length);
		uint8_t *buf = talloc_size(in->tmp, l->length);
		if (buf == NULL)
			return -ENOMEM;
		int r = vhd_pread(in->fd, buf, l->length, l->offset);
		if (r < 0)
			return vhd_fail(in->reason, r, "cannot read parent locator %u", i);
		char *s = decode_utf16(in->info != NULL ? (TALLOC_CTX *)in->info : in->tmp, buf, l->length,
				       false);
		if (s == NULL)
			return vhd_fail(in->reason, -EBADMSG, "parent locator %u (%s) is not valid UTF-16", i,
					name);
		if (in->info == NULL)
			continue;
		if (l->code == VHD_PLATFORM_W2KU)
			in->info->parent_absolute_path = s;
		else
			in->info->parent_relative_path = s;
	}
	if (in->footer.disk_type == VHD_TYPE_DIFFERENCING && present == 0)
		return vhd_fail(in->reason, -EBADMSG, "differencing disk without parent locators");
	return 0;
}

static int check_header(struct inspect *in)
{
	struct vhd_header *h = &in->header;
	uint8_t raw[VHD_DYNAMIC_HEADER_SIZE];
	int r;

	if (in->footer.data_offset > in->file_size - VHD_FOOTER_SIZE ||
	    in->file_size - VHD_FOOTER_SIZE - in->footer.data_offset < VHD_DYNAMIC_HEADER_SIZE)
		return vhd_fail(in->reason, -EBADMSG, "dynamic header at 0x%" PRIx64 " is outside the file",
				in->footer.data_offset);
	r = vhd_pread(in->fd, raw, sizeof(raw), in->footer.data_offset);
	if (r < 0)
		return vhd_fail(in->reason, r, "cannot read the dynamic header");
	vhd_header_decode(raw, h);
	if (memcmp(h->cookie, VHD_DYNAMIC_COOKIE, 8) != 0)
		return vhd_fail(in->reason, -EBADMSG, "dynamic header cookie is not \"cxsparse\"");
	uint32_t sum = vhd_checksum(raw, sizeof(raw), VHD_HEADER_CHECKSUM_OFFSET);
	if (sum != h->checksum)
		return vhd_fail(in->reason, -EBADMSG, "dynamic header checksum 0x%08" PRIx32
				" should be 0x%08" PRIx32, h->checksum, sum);
	if (h->data_offset != VHD_NO_OFFSET)
		return vhd_fail(in->reason, -EBADMSG, "dynamic header data offset is 0x%" PRIx64
				" instead of all ones", h->data_offset);
	if ((h->version >> 16) != 1)
		return vhd_fail(in->reason, -EOPNOTSUPP, "unsupported dynamic header version 0x%08" PRIx32,
				h->version);
	if (h->block_size < VHD_SECTOR_SIZE || h->block_size > (256u << 20) ||
	    (h->block_size & (h->block_size - 1)) != 0)
		return vhd_fail(in->reason, -EBADMSG, "invalid block size %" PRIu32, h->block_size);
	uint64_t needed = (in->footer.current_size + h->block_size - 1) / h->block_size;
	if (h->max_table_entries < needed)
		return vhd_fail(in->reason, -EBADMSG, "BAT of %" PRIu32 " entries cannot cover %" PRIu64
				" bytes", h->max_table_entries, in->footer.current_size);
	/* A bound on the memory a crafted BAT can make us use (16 MiB of BAT):
	 * four times what a 2040 GiB disk of 2 MiB blocks needs. */
	if (h->max_table_entries > VHD_MAX_TABLE_ENTRIES)
		return vhd_fail(in->reason, -EOPNOTSUPP, "BAT of %" PRIu32 " entries is larger than the %u "
				"accepted", h->max_table_entries, VHD_MAX_TABLE_ENTRIES);
	uint64_t bat = vhd_bat_size(h->max_table_entries);
	if (h->table_offset % VHD_SECTOR_SIZE != 0 || h->table_offset > in->file_size ||
	    bat > in->file_size - h->table_offset)
		return vhd_fail(in->reason, -EBADMSG, "BAT at 0x%" PRIx64 " (%" PRIu64
				" bytes) is outside the file", h->table_offset, bat);
	if (in->footer.disk_type == VHD_TYPE_DIFFERENCING) {
		static const uint8_t zero[16];
		if (memcmp(h->parent_unique_id, zero, 16) == 0)
			return vhd_fail(in->reason, -EBADMSG, "differencing disk with a zero parent unique id");
		char *name = decode_utf16(in->info != NULL ? (TALLOC_CTX *)in->info : in->tmp,
					  h->parent_name, sizeof(h->parent_name), true);
		if (name == NULL)
			return vhd_fail(in->reason, -EBADMSG, "parent name is not valid UTF-16");
		if (in->info != NULL)
			in->info->parent_name = name;
	}
	return 0;
}

/* Sorts the ranges and refuses any two that share a byte. */
static int check_overlaps(struct inspect *in)
{
	qsort(in->ranges, in->nranges, sizeof(*in->ranges), range_cmp);
	for (size_t i = 1; i < in->nranges; i++) {
		const struct range *a = &in->ranges[i - 1], *b = &in->ranges[i];
		if (b->start < a->end)
			return vhd_fail(in->reason, -EBADMSG, "%s %" PRIu32 " at 0x%" PRIx64
					" overlaps %s %" PRIu32 " at 0x%" PRIx64, b->what, b->index, b->start,
					a->what, a->index, a->start);
	}
	return 0;
}

/* Reads the BAT and checks that the metadata and every allocated block lie
 * inside the file, before the footer, without overlapping one another. */
static int check_layout(struct inspect *in)
{
	struct vhd_header *h = &in->header;
	uint32_t entries = h->max_table_entries;
	uint64_t bat_bytes = vhd_bat_size(entries);
	uint64_t block_bytes = vhd_bitmap_size(h->block_size) + h->block_size;
	uint64_t data_end = in->file_size - VHD_FOOTER_SIZE;
	int r;

	in->ranges = talloc_array(in->tmp, struct range, (size_t)entries + VHD_LOCATORS + 4);
	uint8_t *bat = talloc_size(in->tmp, bat_bytes);
	if (in->ranges == NULL || bat == NULL)
		return -ENOMEM;
	add_range(in, 0, VHD_FOOTER_SIZE, "footer copy", 0);
	add_range(in, in->footer.data_offset, VHD_DYNAMIC_HEADER_SIZE, "dynamic header", 0);
	add_range(in, h->table_offset, bat_bytes, "BAT", 0);
	add_range(in, data_end, VHD_FOOTER_SIZE, "footer", 0);
	r = read_locators(in);
	if (r == 0) /* metadata first, for a precise reason before the BAT is read */
		r = check_overlaps(in);
	if (r < 0)
		return r;

	r = vhd_pread(in->fd, bat, bat_bytes, h->table_offset);
	if (r < 0)
		return vhd_fail(in->reason, r, "cannot read the BAT");
	uint32_t allocated = 0;
	for (uint32_t i = 0; i < entries; i++) {
		const uint8_t *p = bat + 4 * (size_t)i;
		uint32_t sector = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if (sector == VHD_BAT_UNUSED)
			continue;
		uint64_t start = (uint64_t)sector * VHD_SECTOR_SIZE;
		if (start > data_end || block_bytes > data_end - start)
			return vhd_fail(in->reason, -EBADMSG, "BAT entry %" PRIu32 ": block at sector %" PRIu32
					" is outside the file", i, sector);
		add_range(in, start, block_bytes, "block", i);
		allocated++;
	}

	r = check_overlaps(in);
	if (r < 0)
		return r;
	if (in->info != NULL) {
		in->info->block_size = h->block_size;
		in->info->max_table_entries = entries;
		in->info->allocated_blocks = allocated;
		in->info->table_offset = h->table_offset;
	}
	return 0;
}

static int inspect(struct inspect *in)
{
	struct stat st;
	uint8_t raw[VHD_FOOTER_SIZE], copy[VHD_FOOTER_SIZE];
	int r;

	if (fstat(in->fd, &st) < 0)
		return vhd_fail(in->reason, -errno, "cannot stat the file");
	if (!S_ISREG(st.st_mode))
		return vhd_fail(in->reason, -EBADMSG, "not a regular file");
	in->file_size = (uint64_t)st.st_size;
	if (in->file_size < VHD_FOOTER_SIZE)
		return vhd_fail(in->reason, -EBADMSG, "file of %" PRIu64 " bytes is too small for a VHD",
				in->file_size);
	if (in->file_size % VHD_SECTOR_SIZE != 0)
		return vhd_fail(in->reason, -EBADMSG, "file size %" PRIu64 " is not a multiple of 512",
				in->file_size);
	r = vhd_pread(in->fd, raw, sizeof(raw), in->file_size - VHD_FOOTER_SIZE);
	if (r < 0)
		return vhd_fail(in->reason, r, "cannot read the footer");
	r = check_footer(raw, &in->footer, in->reason);
	if (r < 0)
		return r;

	struct vhd_footer *f = &in->footer;
	if (f->disk_type == VHD_TYPE_FIXED) {
		if (in->file_size != f->current_size + VHD_FOOTER_SIZE)
			return vhd_fail(in->reason, -EBADMSG, "file size %" PRIu64 " is not the virtual size %"
					PRIu64 " plus the footer", in->file_size, f->current_size);
	} else {
		if (in->file_size < VHD_FOOTER_SIZE * 2 + VHD_DYNAMIC_HEADER_SIZE)
			return vhd_fail(in->reason, -EBADMSG, "file too small for a dynamic VHD");
		r = vhd_pread(in->fd, copy, sizeof(copy), 0);
		if (r < 0)
			return vhd_fail(in->reason, r, "cannot read the footer copy");
		if (memcmp(copy, raw, sizeof(raw)) != 0)
			return vhd_fail(in->reason, -EBADMSG, "footer copy at offset 0 differs from the footer");
		r = check_header(in);
		if (r < 0)
			return r;
		r = check_layout(in);
		if (r < 0)
			return r;
	}

	if (in->info != NULL) {
		struct vhd_info *info = in->info;
		info->type = (enum vhd_type)f->disk_type;
		info->virtual_size = f->current_size;
		info->original_size = f->original_size;
		info->file_size = in->file_size;
		info->allocated_size = (uint64_t)st.st_blocks * 512;
		memcpy(info->unique_id, f->unique_id, 16);
		info->timestamp = f->timestamp;
		memcpy(info->creator_app, f->creator_app, 4);
		info->creator_app[4] = '\0';
		info->creator_version = f->creator_version;
		info->creator_os = f->creator_os;
		info->cylinders = f->cylinders;
		info->heads = f->heads;
		info->sectors_per_track = f->sectors;
		if (f->disk_type == VHD_TYPE_DIFFERENCING) {
			memcpy(info->parent_unique_id, in->header.parent_unique_id, 16);
			info->parent_timestamp = in->header.parent_timestamp;
		}
	}
	return 0;
}

int vhd_inspect(TALLOC_CTX *mem_ctx, int fd, struct vhd_info **info, char *reason)
{
	struct inspect in = { .fd = fd, .reason = reason };
	int r;

	if (reason != NULL)
		reason[0] = '\0';
	in.tmp = talloc_new(NULL);
	if (in.tmp == NULL)
		return -ENOMEM;
	if (info != NULL) {
		in.info = talloc_zero(in.tmp, struct vhd_info);
		if (in.info == NULL) {
			talloc_free(in.tmp);
			return -ENOMEM;
		}
	}
	r = inspect(&in);
	if (r == 0 && info != NULL)
		*info = talloc_steal(mem_ctx, in.info);
	if (r == -ENOMEM && reason != NULL && reason[0] == '\0')
		vhd_fail(reason, r, "out of memory");
	talloc_free(in.tmp);
	return r;
}

int vhd_read_footer(int fd, uint64_t offset, struct vhd_footer *f, uint8_t raw[VHD_FOOTER_SIZE],
		    char *reason)
{
	int r = vhd_pread(fd, raw, VHD_FOOTER_SIZE, offset);
	if (r < 0)
		return vhd_fail(reason, r, "cannot read a footer at 0x%" PRIx64, offset);
	return check_footer(raw, f, reason);
}
