/* VHD images (src/backend/vhd_inspect.c): footer, footer copy, dynamic
 * header, BAT and parent locators, as IsValidWtDevice reads a file an admin
 * dropped into a storage root.
 *
 * Input: one flag byte, then the image. Flag bit 0 recomputes the footer
 * checksums (the last 512 bytes and the copy at 0) and bit 1 the dynamic
 * header's at the footer's data offset, so that mutations get past the
 * checksums to the checks behind them. */
#define _GNU_SOURCE 1
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend/vhd_format.h"
#include "fuzz_util.h"
#include "istmd/log.h"

static int memfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LVL_ERR);
	memfd = memfd_create("fuzz-vhd", MFD_CLOEXEC);
	if (memfd < 0)
		abort();
	return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void fix_footer(uint8_t *f)
{
	put_be32(f + VHD_FOOTER_CHECKSUM_OFFSET,
		 vhd_checksum(f, VHD_FOOTER_SIZE, VHD_FOOTER_CHECKSUM_OFFSET));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	size_t len = size - 1;
	uint8_t *img = malloc(len ? len : 1);
	if (img == NULL)
		return 0;
	memcpy(img, data + 1, len);
	if ((flags & 1) && len >= VHD_FOOTER_SIZE) {
		fix_footer(img + len - VHD_FOOTER_SIZE);
		fix_footer(img);
	}
	if ((flags & 2) && len >= VHD_FOOTER_SIZE) {
		uint64_t off = get_be64(img + len - VHD_FOOTER_SIZE + 16);
		if (off <= len && len - off >= VHD_DYNAMIC_HEADER_SIZE)
			put_be32(img + off + VHD_HEADER_CHECKSUM_OFFSET,
				 vhd_checksum(img + off, VHD_DYNAMIC_HEADER_SIZE,
					      VHD_HEADER_CHECKSUM_OFFSET));
	}
	if (ftruncate(memfd, 0) == 0 && pwrite(memfd, img, len, 0) == (ssize_t)len) {
		TALLOC_CTX *mem = talloc_new(NULL);
		struct vhd_info *info = NULL;
		char reason[VHD_REASON_LEN];
		(void)vhd_inspect(mem, memfd, &info, reason);
		talloc_free(mem);
	}
	free(img);
	return 0;
}
