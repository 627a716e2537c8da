#include "backend/vhd_format.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Seconds from the Unix epoch to 2000-01-01 00:00:00 UTC, the VHD epoch. */
#define VHD_EPOCH_OFFSET 946684800

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

uint32_t vhd_checksum(const uint8_t *buf, size_t len, size_t checksum_offset)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < len; i++) {
		if (i >= checksum_offset && i < checksum_offset + 4)
			continue;
		sum += buf[i];
	}
	return ~sum;
}

void vhd_footer_encode(struct vhd_footer *f, uint8_t buf[VHD_FOOTER_SIZE])
{
	memset(buf, 0, VHD_FOOTER_SIZE);
	memcpy(buf + 0, f->cookie, 8);
	put32(buf + 8, f->features);
	put32(buf + 12, f->version);
	put64(buf + 16, f->data_offset);
	put32(buf + 24, f->timestamp);
	memcpy(buf + 28, f->creator_app, 4);
	put32(buf + 32, f->creator_version);
	put32(buf + 36, f->creator_os);
	put64(buf + 40, f->original_size);
	put64(buf + 48, f->current_size);
	put16(buf + 56, f->cylinders);
	buf[58] = f->heads;
	buf[59] = f->sectors;
	put32(buf + 60, f->disk_type);
	memcpy(buf + 68, f->unique_id, 16);
	buf[84] = f->saved_state;
	f->checksum = vhd_checksum(buf, VHD_FOOTER_SIZE, VHD_FOOTER_CHECKSUM_OFFSET);
	put32(buf + VHD_FOOTER_CHECKSUM_OFFSET, f->checksum);
}

void vhd_footer_decode(const uint8_t buf[VHD_FOOTER_SIZE], struct vhd_footer *f)
{
	memcpy(f->cookie, buf + 0, 8);
	f->features = get32(buf + 8);
	f->version = get32(buf + 12);
	f->data_offset = get64(buf + 16);
	f->timestamp = get32(buf + 24);
	memcpy(f->creator_app, buf + 28, 4);
	f->creator_version = get32(buf + 32);
	f->creator_os = get32(buf + 36);
	f->original_size = get64(buf + 40);
	f->current_size = get64(buf + 48);
	f->cylinders = get16(buf + 56);
	f->heads = buf[58];
	f->sectors = buf[59];
	f->disk_type = get32(buf + 60);
	f->checksum = get32(buf + 64);
	memcpy(f->unique_id, buf + 68, 16);
	f->saved_state = buf[84];
}

void vhd_header_encode(struct vhd_header *h, uint8_t buf[VHD_DYNAMIC_HEADER_SIZE])
{
	memset(buf, 0, VHD_DYNAMIC_HEADER_SIZE);
	memcpy(buf + 0, h->cookie, 8);
	put64(buf + 8, h->data_offset);
	put64(buf + 16, h->table_offset);
	put32(buf + 24, h->version);
	put32(buf + 28, h->max_table_entries);
	put32(buf + 32, h->block_size);
	memcpy(buf + 40, h->parent_unique_id, 16);
	put32(buf + 56, h->parent_timestamp);
	memcpy(buf + 64, h->parent_name, sizeof(h->parent_name));
	for (unsigned i = 0; i < VHD_LOCATORS; i++) {
		uint8_t *p = buf + 576 + 24 * i;
		put32(p + 0, h->locators[i].code);
		put32(p + 4, h->locators[i].space);
		put32(p + 8, h->locators[i].length);
		put64(p + 16, h->locators[i].offset);
	}
	h->checksum = vhd_checksum(buf, VHD_DYNAMIC_HEADER_SIZE, VHD_HEADER_CHECKSUM_OFFSET);
	put32(buf + VHD_HEADER_CHECKSUM_OFFSET, h->checksum);
}

void vhd_header_decode(const uint8_t buf[VHD_DYNAMIC_HEADER_SIZE], struct vhd_header *h)
{
	memcpy(h->cookie, buf + 0, 8);
	h->data_offset = get64(buf + 8);
	h->table_offset = get64(buf + 16);
	h->version = get32(buf + 24);
	h->max_table_entries = get32(buf + 28);
	h->block_size = get32(buf + 32);
	h->checksum = get32(buf + 36);
	memcpy(h->parent_unique_id, buf + 40, 16);
	h->parent_timestamp = get32(buf + 56);
	memcpy(h->parent_name, buf + 64, sizeof(h->parent_name));
	for (unsigned i = 0; i < VHD_LOCATORS; i++) {
		const uint8_t *p = buf + 576 + 24 * i;
		h->locators[i].code = get32(p + 0);
		h->locators[i].space = get32(p + 4);
		h->locators[i].length = get32(p + 8);
		h->locators[i].offset = get64(p + 16);
	}
}

/* The specification's CHS algorithm ("Appendix: CHS Calculation"). */
void vhd_geometry(uint64_t size, uint16_t *cylinders, uint8_t *heads, uint8_t *sectors)
{
	uint64_t total = size / VHD_SECTOR_SIZE;
	uint64_t spt, hds, cyl_times_heads;

	if (total > 65535ull * 16 * 255)
		total = 65535ull * 16 * 255;
	if (total >= 65535ull * 16 * 63) {
		spt = 255;
		hds = 16;
		cyl_times_heads = total / spt;
	} else {
		spt = 17;
		cyl_times_heads = total / spt;
		hds = (cyl_times_heads + 1023) / 1024;
		if (hds < 4)
			hds = 4;
		if (cyl_times_heads >= hds * 1024 || hds > 16) {
			spt = 31;
			hds = 16;
			cyl_times_heads = total / spt;
		}
		if (cyl_times_heads >= hds * 1024) {
			spt = 63;
			hds = 16;
			cyl_times_heads = total / spt;
		}
	}
	*cylinders = (uint16_t)(cyl_times_heads / hds);
	*heads = (uint8_t)hds;
	*sectors = (uint8_t)spt;
}

uint32_t vhd_timestamp(time_t t)
{
	if (t < VHD_EPOCH_OFFSET)
		return 0;
	return (uint32_t)(t - VHD_EPOCH_OFFSET);
}

int vhd_footer_new(struct vhd_footer *f, enum vhd_type type, uint64_t size, uint64_t data_offset)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->cookie, VHD_COOKIE, 8);
	f->features = VHD_FEATURE_RESERVED;
	f->version = VHD_VERSION_1_0;
	f->data_offset = data_offset;
	f->timestamp = vhd_timestamp(time(NULL));
	memcpy(f->creator_app, VHD_CREATOR_APP, 4);
	f->creator_version = VHD_CREATOR_VERSION;
	f->creator_os = VHD_OS_WINDOWS;
	f->original_size = size;
	f->current_size = size;
	vhd_geometry(size, &f->cylinders, &f->heads, &f->sectors);
	f->disk_type = type;
	if (getrandom(f->unique_id, sizeof(f->unique_id), 0) != (ssize_t)sizeof(f->unique_id))
		return errno ? -errno : -EIO;
	f->unique_id[6] = (uint8_t)((f->unique_id[6] & 0x0f) | 0x40);
	f->unique_id[8] = (uint8_t)((f->unique_id[8] & 0x3f) | 0x80);
	return 0;
}

uint64_t vhd_bitmap_size(uint32_t block_size)
{
	uint64_t bits = block_size / VHD_SECTOR_SIZE;
	uint64_t bytes = (bits + 7) / 8;
	return (bytes + VHD_SECTOR_SIZE - 1) / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;
}

uint64_t vhd_bat_size(uint32_t entries)
{
	uint64_t bytes = (uint64_t)entries * 4;
	return (bytes + VHD_SECTOR_SIZE - 1) / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;
}

uint64_t vhd_locator_space_bytes(const struct vhd_locator *l)
{
	/* A data space below one sector's worth of bytes can only be a sector count. */
	if (l->space < VHD_SECTOR_SIZE)
		return (uint64_t)l->space * VHD_SECTOR_SIZE;
	return l->space;
}

int vhd_pread(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int vhd_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int vhd_fail(char *reason, int err, const char *fmt, ...)
{
	if (reason != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(reason, VHD_REASON_LEN, fmt, ap);
		va_end(ap);
	}
	return err;
}
