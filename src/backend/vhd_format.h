/* The VHD on-disk structures (big-endian) and their encoding; private to
 * vhd.c and vhd_inspect.c. Field offsets follow the VHD specification's
 * "Hard Disk Footer Format" and "Dynamic Disk Header Format" tables. */
#ifndef ISTMD_BACKEND_VHD_FORMAT_H
#define ISTMD_BACKEND_VHD_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend/vhd.h"

#define VHD_COOKIE "conectix"
#define VHD_DYNAMIC_COOKIE "cxsparse"
#define VHD_VERSION_1_0 0x00010000u
#define VHD_FEATURE_TEMPORARY 0x1u
#define VHD_FEATURE_RESERVED 0x2u /* "must always be set" */
#define VHD_NO_OFFSET UINT64_MAX
#define VHD_BAT_UNUSED UINT32_MAX
#define VHD_FOOTER_CHECKSUM_OFFSET 64
#define VHD_HEADER_CHECKSUM_OFFSET 36
#define VHD_PARENT_NAME_UNITS 256
#define VHD_LOCATORS 8
#define VHD_MAX_TABLE_ENTRIES (4u << 20)

/* What we write in the creator fields. Readers size an image either by its
 * CHS geometry (Virtual PC's "vpc ", old QEMU) or by the footer's current
 * size (Hyper-V's "win " and a few others), and pick by creator application;
 * an unknown one means CHS to qemu 7.2, which would hide the tail of most
 * sizes. Our images follow Windows' rule (the current size is the size, as
 * MS-ISTM's disks are made by Windows), so we write Windows' creator fields:
 * application "win ", version 10.0, host "Wi2k" (docs/vhd.md). */
#define VHD_CREATOR_APP "win "
#define VHD_CREATOR_VERSION 0x000a0000u
#define VHD_OS_WINDOWS 0x5769326bu /* "Wi2k" */

/* Parent locator platform codes. */
#define VHD_PLATFORM_NONE 0u
#define VHD_PLATFORM_WI2R 0x57693272u /* deprecated relative */
#define VHD_PLATFORM_WI2K 0x5769326bu /* deprecated absolute */
#define VHD_PLATFORM_W2RU 0x57327275u /* relative, UTF-16LE */
#define VHD_PLATFORM_W2KU 0x57326b75u /* absolute, UTF-16LE */
#define VHD_PLATFORM_MAC 0x4d616320u
#define VHD_PLATFORM_MACX 0x4d616358u

struct vhd_footer {
	char cookie[8];
	uint32_t features;
	uint32_t version;
	uint64_t data_offset;
	uint32_t timestamp;
	char creator_app[4];
	uint32_t creator_version;
	uint32_t creator_os;
	uint64_t original_size;
	uint64_t current_size;
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t disk_type;
	uint32_t checksum;
	uint8_t unique_id[16];
	uint8_t saved_state;
};

struct vhd_locator {
	uint32_t code;
	uint32_t space;  /* the spec says sectors; some writers store bytes */
	uint32_t length; /* bytes */
	uint64_t offset; /* absolute file offset */
};

struct vhd_header {
	char cookie[8];
	uint64_t data_offset;
	uint64_t table_offset;
	uint32_t version;
	uint32_t max_table_entries;
	uint32_t block_size;
	uint32_t checksum;
	uint8_t parent_unique_id[16];
	uint32_t parent_timestamp;
	uint8_t parent_name[VHD_PARENT_NAME_UNITS * 2]; /* UTF-16BE, raw */
	struct vhd_locator locators[VHD_LOCATORS];
};

/* One's complement of the byte sum, the checksum field counted as zero. */
uint32_t vhd_checksum(const uint8_t *buf, size_t len, size_t checksum_offset);

/* Encoding fills in the checksum (and stores it in F/H). */
void vhd_footer_encode(struct vhd_footer *f, uint8_t buf[VHD_FOOTER_SIZE]);
void vhd_footer_decode(const uint8_t buf[VHD_FOOTER_SIZE], struct vhd_footer *f);
void vhd_header_encode(struct vhd_header *h, uint8_t buf[VHD_DYNAMIC_HEADER_SIZE]);
void vhd_header_decode(const uint8_t buf[VHD_DYNAMIC_HEADER_SIZE], struct vhd_header *h);

/* A footer for a new image: cookie, features, version, time stamp, creator,
 * sizes, geometry, type and a random (RFC 4122 version 4) unique id. */
int vhd_footer_new(struct vhd_footer *f, enum vhd_type type, uint64_t size, uint64_t data_offset);

/* Bytes of a block's sector bitmap (rounded up to whole sectors). */
uint64_t vhd_bitmap_size(uint32_t block_size);
/* Bytes the BAT occupies on disk (rounded up to whole sectors). */
uint64_t vhd_bat_size(uint32_t entries);
/* A locator's reserved space in bytes, accepting both the spec's sectors and
 * the byte counts some writers store. */
uint64_t vhd_locator_space_bytes(const struct vhd_locator *l);

/* pread/pwrite of exactly LEN bytes: 0 or a negative errno (-EIO on a short read). */
int vhd_pread(int fd, void *buf, size_t len, uint64_t off);
int vhd_pwrite(int fd, const void *buf, size_t len, uint64_t off);

/* Reads the 512 bytes at OFFSET and checks them as a footer (its own fields
 * only, not how it fits the file). */
int vhd_read_footer(int fd, uint64_t offset, struct vhd_footer *f, uint8_t raw[VHD_FOOTER_SIZE],
		    char *reason);

/* snprintf into REASON (VHD_REASON_LEN) when not NULL; returns ERR. */
int vhd_fail(char *reason, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
