/* Block engine over a VHD chain (vhd_io.h).
 *
 * Crash-safe order when a write needs a new block (dynamic and differencing
 * images; the file ends with the footer, every structure lies before it):
 *   1. the footer is written at its new place, NEW = old footer offset +
 *      bitmap + block size: the write that extends the file. The old footer
 *      stays where it was, so both ends of the file hold a valid footer and
 *      nothing references the space in between;
 *   2. the written data goes into the new block's data area, then the sector
 *      bitmap over the old footer (all ones for a dynamic image, whose unwritten
 *      sectors are file holes and read as zeros; the written sectors' bits for
 *      a differencing image, whose other sectors still come from the parent);
 *   3. fdatasync: the footer, data and bitmap are durable;
 *   4. only then the BAT entry is written (made durable by the next flush).
 * A crash before 4 leaves the old image plus unreferenced space before the
 * new footer (valid); after 4 the block is complete. The footer is moved
 * first, not last, because a BAT entry pointing at a block that still held
 * the footer would make the image invalid until the move.
 *
 * A differencing image's bits for sectors of an existing block are set in
 * the cached bitmap after their data is written and written to the file at
 * the next flush, after an fdatasync of the data: a bitmap never reaches the
 * disk before the data it marks. The cache never evicts an unwritten bitmap;
 * when half of it is dirty, the bitmaps are written early (same order).
 *
 * Bitmaps follow the specification's bit order: sector i of a block is bit
 * 7 - i % 8 of byte i / 8 (most significant bit first). */
#include "backend/vhd_io.h"
#include "backend/vhd_format.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int (*vhd_io_crash_hook)(int step);

struct bm_slot {
	uint32_t block; /* UINT32_MAX when free */
	bool dirty;
	uint64_t used;  /* LRU tick */
	uint8_t *bits;
};

struct vhd_io {
	int fd;
	bool writable;
	enum vhd_type type;
	uint64_t size;
	struct vhd_info *info;
	uint8_t footer_raw[VHD_FOOTER_SIZE];
	uint64_t footer_off;
	uint32_t block_size;
	uint32_t entries;
	uint64_t bat_off;
	uint64_t bitmap_bytes;
	uint32_t *bat;       /* host order */
	uint32_t *slot_of;   /* block -> cache slot + 1, 0 when not cached */
	uint8_t *full;       /* one bit per block: its bitmap is all ones */
	struct bm_slot *slots;
	unsigned nslots;
	unsigned ndirty;
	uint64_t tick;
	struct vhd_io *parent;
	unsigned depth;
	pthread_mutex_t lock;
	pthread_mutex_t rmw; /* serialises unaligned read-modify-writes */
	struct vhd_io_stats st;
};

static bool bit_get(const uint8_t *bm, uint64_t i)
{
	return (bm[i >> 3] >> (7 - (i & 7))) & 1;
}

static void bit_set(uint8_t *bm, uint64_t i)
{
	bm[i >> 3] |= (uint8_t)(0x80u >> (i & 7));
}

static bool full_get(const struct vhd_io *io, uint32_t b)
{
	return (io->full[b >> 3] >> (b & 7)) & 1;
}

static void full_set(struct vhd_io *io, uint32_t b)
{
	io->full[b >> 3] |= (uint8_t)(1u << (b & 7));
}

static int crash_point(int step)
{
	return vhd_io_crash_hook != NULL && vhd_io_crash_hook(step) != 0 ? -ECANCELED : 0;
}

static int sync_data(int fd)
{
	return fdatasync(fd) < 0 ? -errno : 0;
}

static uint64_t block_off(const struct vhd_io *io, uint32_t b)
{
	return (uint64_t)io->bat[b] * VHD_SECTOR_SIZE;
}

static bool bits_all_ones(const struct vhd_io *io, const uint8_t *bm)
{
	uint64_t sectors = io->block_size / VHD_SECTOR_SIZE;
	for (uint64_t i = 0; i < sectors / 8; i++)
		if (bm[i] != 0xff)
			return false;
	for (uint64_t i = sectors / 8 * 8; i < sectors; i++)
		if (!bit_get(bm, i))
			return false;
	return true;
}

/* Writes the dirty bitmaps (after an fdatasync of the data they mark). Lock held. */
static int write_dirty_bitmaps(struct vhd_io *io)
{
	if (io->ndirty == 0)
		return 0;
	int r = sync_data(io->fd);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < io->nslots; i++) {
		struct bm_slot *s = &io->slots[i];
		if (!s->dirty)
			continue;
		r = vhd_pwrite(io->fd, s->bits, io->bitmap_bytes, block_off(io, s->block));
		if (r < 0)
			return r;
		s->dirty = false;
		io->ndirty--;
	}
	return 0;
}

/* The cached bitmap of allocated block B, loaded if needed. Lock held. */
static int bitmap_get(struct vhd_io *io, uint32_t b, struct bm_slot **out)
{
	uint32_t idx = io->slot_of[b];
	if (idx != 0) {
		*out = &io->slots[idx - 1];
		(*out)->used = ++io->tick;
		return 0;
	}
	struct bm_slot *victim = NULL;
	for (unsigned i = 0; i < io->nslots; i++) {
		struct bm_slot *s = &io->slots[i];
		if (s->block == UINT32_MAX) {
			victim = s;
			break;
		}
		if (!s->dirty && (victim == NULL || s->used < victim->used))
			victim = s;
	}
	if (victim == NULL) { /* every slot dirty: write them, then take the LRU */
		int r = write_dirty_bitmaps(io);
		if (r < 0)
			return r;
		return bitmap_get(io, b, out);
	}
	if (victim->block != UINT32_MAX)
		io->slot_of[victim->block] = 0;
	victim->block = UINT32_MAX;
	int r = vhd_pread(io->fd, victim->bits, io->bitmap_bytes, block_off(io, b));
	if (r < 0)
		return r;
	io->st.bitmap_cache_misses++;
	if (bits_all_ones(io, victim->bits)) {
		full_set(io, b); /* no slot needed from now on */
		*out = NULL;
		return 0;
	}
	victim->block = b;
	victim->dirty = false;
	victim->used = ++io->tick;
	io->slot_of[b] = (uint32_t)(victim - io->slots) + 1;
	*out = victim;
	return 0;
}

/* Reads [IN, IN+N) of block B's virtual range where the image has no data. */
static int read_below(struct vhd_io *io, uint32_t b, uint64_t in, uint8_t *buf, size_t n)
{
	if (io->parent == NULL) {
		memset(buf, 0, n);
		return 0;
	}
	return vhd_io_pread(io->parent, buf, n, (uint64_t)b * io->block_size + in);
}

static int read_block(struct vhd_io *io, uint32_t b, uint64_t in, uint8_t *buf, size_t n)
{
	uint8_t stack[1024];
	uint8_t *bm = NULL;
	int r;

	pthread_mutex_lock(&io->lock);
	if (io->bat[b] == VHD_BAT_UNUSED) {
		pthread_mutex_unlock(&io->lock);
		return read_below(io, b, in, buf, n);
	}
	uint64_t data = block_off(io, b) + io->bitmap_bytes;
	struct bm_slot *s = NULL;
	if (!full_get(io, b)) {
		r = bitmap_get(io, b, &s);
		if (r < 0) {
			pthread_mutex_unlock(&io->lock);
			return r;
		}
	}
	if (s != NULL) { /* a copy, to read outside the lock */
		bm = io->bitmap_bytes <= sizeof(stack) ? stack : malloc(io->bitmap_bytes);
		if (bm == NULL) {
			pthread_mutex_unlock(&io->lock);
			return -ENOMEM;
		}
		memcpy(bm, s->bits, io->bitmap_bytes);
	}
	pthread_mutex_unlock(&io->lock);
	if (bm == NULL)
		return vhd_pread(io->fd, buf, n, data + in);

	/* Runs of sectors with the same bit: from this file or from below. */
	r = 0;
	uint64_t pos = in, end = in + n;
	while (pos < end && r == 0) {
		uint64_t sec = pos / VHD_SECTOR_SIZE;
		bool here = bit_get(bm, sec);
		uint64_t stop = (sec + 1) * VHD_SECTOR_SIZE;
		while (stop < end && bit_get(bm, stop / VHD_SECTOR_SIZE) == here)
			stop += VHD_SECTOR_SIZE;
		if (stop > end)
			stop = end;
		uint8_t *dst = buf + (pos - in);
		if (here)
			r = vhd_pread(io->fd, dst, stop - pos, data + pos);
		else
			r = read_below(io, b, pos, dst, stop - pos);
		pos = stop;
	}
	if (bm != stack)
		free(bm);
	return r;
}

int vhd_io_pread(struct vhd_io *io, void *buf, size_t len, uint64_t off)
{
	if (off > io->size || len > io->size - off)
		return -EINVAL;
	if (io->type == VHD_TYPE_FIXED)
		return vhd_pread(io->fd, buf, len, off);
	uint8_t *p = buf;
	while (len > 0) {
		uint32_t b = (uint32_t)(off / io->block_size);
		uint64_t in = off % io->block_size;
		size_t n = io->block_size - in < len ? (size_t)(io->block_size - in) : len;
		int r = read_block(io, b, in, p, n);
		if (r < 0)
			return r;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* Adds block B holding [IN, IN+N) = BUF (the order at the top). Lock held. */
static int allocate_block(struct vhd_io *io, uint32_t b, uint64_t in, const uint8_t *buf, size_t n)
{
	uint64_t start = io->footer_off;
	uint64_t new_footer = start + io->bitmap_bytes + io->block_size;
	if (start / VHD_SECTOR_SIZE >= VHD_BAT_UNUSED)
		return -EFBIG; /* the 32-bit BAT cannot address it */
	int r = crash_point(1);
	if (r == 0)
		r = vhd_pwrite(io->fd, io->footer_raw, VHD_FOOTER_SIZE, new_footer);
	if (r == 0)
		r = crash_point(2);
	if (r == 0)
		r = vhd_pwrite(io->fd, buf, n, start + io->bitmap_bytes + in);
	uint8_t *bm = calloc(1, io->bitmap_bytes);
	if (bm == NULL)
		return -ENOMEM;
	if (io->type == VHD_TYPE_DYNAMIC) {
		memset(bm, 0xff, io->bitmap_bytes);
	} else {
		for (uint64_t s = in / VHD_SECTOR_SIZE; s < (in + n) / VHD_SECTOR_SIZE; s++)
			bit_set(bm, s);
	}
	if (r == 0)
		r = vhd_pwrite(io->fd, bm, io->bitmap_bytes, start);
	free(bm);
	if (r == 0)
		r = crash_point(3);
	if (r == 0)
		r = sync_data(io->fd);
	if (r == 0)
		r = crash_point(4);
	if (r < 0)
		return r;
	/* The BAT sector holding the entry (other entries from memory). */
	uint8_t sec[VHD_SECTOR_SIZE];
	uint32_t first = b / (VHD_SECTOR_SIZE / 4) * (VHD_SECTOR_SIZE / 4);
	uint32_t sector_no = (uint32_t)(start / VHD_SECTOR_SIZE);
	for (uint32_t i = 0; i < VHD_SECTOR_SIZE / 4; i++) {
		uint32_t v = first + i < io->entries ? io->bat[first + i] : VHD_BAT_UNUSED;
		if (first + i == b)
			v = sector_no;
		sec[4 * i] = (uint8_t)(v >> 24);
		sec[4 * i + 1] = (uint8_t)(v >> 16);
		sec[4 * i + 2] = (uint8_t)(v >> 8);
		sec[4 * i + 3] = (uint8_t)v;
	}
	r = vhd_pwrite(io->fd, sec, sizeof(sec), io->bat_off + (uint64_t)first * 4);
	if (r < 0)
		return r;
	io->bat[b] = sector_no;
	io->footer_off = new_footer;
	io->st.blocks_allocated++;
	if (io->type == VHD_TYPE_DYNAMIC || (in == 0 && n == io->block_size))
		full_set(io, b);
	return 0;
}

/* Whether every sector of [IN, IN+N) has its bit set. */
static bool range_present(const uint8_t *bm, uint64_t in, size_t n)
{
	for (uint64_t s = in / VHD_SECTOR_SIZE; s < (in + n) / VHD_SECTOR_SIZE; s++)
		if (!bit_get(bm, s))
			return false;
	return true;
}

static int write_block(struct vhd_io *io, uint32_t b, uint64_t in, const uint8_t *buf, size_t n)
{
	struct bm_slot *s = NULL;
	int r;

	pthread_mutex_lock(&io->lock);
	if (io->bat[b] == VHD_BAT_UNUSED) {
		r = allocate_block(io, b, in, buf, n);
		pthread_mutex_unlock(&io->lock);
		return r;
	}
	uint64_t data = block_off(io, b) + io->bitmap_bytes;
	if (!full_get(io, b) && (r = bitmap_get(io, b, &s)) < 0) {
		pthread_mutex_unlock(&io->lock);
		return r;
	}
	bool present = s == NULL || range_present(s->bits, in, n);
	pthread_mutex_unlock(&io->lock);

	r = vhd_pwrite(io->fd, buf, n, data + in);
	if (r < 0 || present)
		return r;

	/* New sectors of this image: mark them now that their data is written. */
	pthread_mutex_lock(&io->lock);
	if (!full_get(io, b) && (r = bitmap_get(io, b, &s)) == 0 && s != NULL) {
		for (uint64_t sec = in / VHD_SECTOR_SIZE; sec < (in + n) / VHD_SECTOR_SIZE; sec++)
			bit_set(s->bits, sec);
		if (!s->dirty) {
			s->dirty = true;
			io->ndirty++;
		}
		if (io->ndirty > io->nslots / 2)
			r = write_dirty_bitmaps(io);
	}
	pthread_mutex_unlock(&io->lock);
	return r;
}

static int write_aligned(struct vhd_io *io, const uint8_t *p, size_t len, uint64_t off)
{
	if (io->type == VHD_TYPE_FIXED)
		return vhd_pwrite(io->fd, p, len, off);
	while (len > 0) {
		uint32_t b = (uint32_t)(off / io->block_size);
		uint64_t in = off % io->block_size;
		size_t n = io->block_size - in < len ? (size_t)(io->block_size - in) : len;
		int r = write_block(io, b, in, p, n);
		if (r < 0)
			return r;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int vhd_io_pwrite(struct vhd_io *io, const void *buf, size_t len, uint64_t off)
{
	if (!io->writable)
		return -EROFS;
	if (off > io->size || len > io->size - off)
		return -EINVAL;
	if (off % VHD_SECTOR_SIZE == 0 && len % VHD_SECTOR_SIZE == 0)
		return write_aligned(io, buf, len, off);

	/* Partial sectors: read the enclosing sectors through the chain, merge. */
	uint64_t a0 = off / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;
	uint64_t a1 = (off + len + VHD_SECTOR_SIZE - 1) / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;
	uint8_t *tmp = malloc(a1 - a0);
	if (tmp == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&io->rmw);
	int r = vhd_io_pread(io, tmp, a1 - a0, a0);
	if (r == 0) {
		memcpy(tmp + (off - a0), buf, len);
		r = write_aligned(io, tmp, a1 - a0, a0);
	}
	pthread_mutex_unlock(&io->rmw);
	free(tmp);
	return r;
}

int vhd_io_flush(struct vhd_io *io)
{
	if (!io->writable)
		return 0;
	pthread_mutex_lock(&io->lock);
	int r = write_dirty_bitmaps(io);
	if (r == 0)
		r = sync_data(io->fd);
	io->st.flushes++;
	pthread_mutex_unlock(&io->lock);
	return r;
}

uint64_t vhd_io_size(const struct vhd_io *io)
{
	return io->size;
}

enum vhd_type vhd_io_type(const struct vhd_io *io)
{
	return io->type;
}

unsigned vhd_io_depth(const struct vhd_io *io)
{
	return io->parent != NULL ? 1 + vhd_io_depth(io->parent) : 1;
}

void vhd_io_stats(const struct vhd_io *io, struct vhd_io_stats *st)
{
	*st = io->st;
	st->bitmaps_cached = 0;
	for (unsigned i = 0; i < io->nslots; i++)
		if (io->slots[i].block != UINT32_MAX)
			st->bitmaps_cached++;
}

static int io_destructor(struct vhd_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	pthread_mutex_destroy(&io->lock);
	pthread_mutex_destroy(&io->rmw);
	return 0;
}

static int load_bat(struct vhd_io *io, char *reason)
{
	struct vhd_info *info = io->info;
	io->block_size = info->block_size;
	io->entries = info->max_table_entries;
	io->bat_off = info->table_offset;
	io->bitmap_bytes = vhd_bitmap_size(io->block_size);
	uint64_t bytes = vhd_bat_size(io->entries);
	uint8_t *raw = talloc_size(io, bytes);
	io->bat = talloc_array(io, uint32_t, io->entries);
	io->slot_of = talloc_zero_array(io, uint32_t, io->entries);
	io->full = talloc_zero_array(io, uint8_t, io->entries / 8 + 1);
	io->slots = talloc_zero_array(io, struct bm_slot, io->nslots);
	if (raw == NULL || io->bat == NULL || io->slot_of == NULL || io->full == NULL || io->slots == NULL)
		return vhd_fail(reason, -ENOMEM, "out of memory for the BAT");
	for (unsigned i = 0; i < io->nslots; i++) {
		io->slots[i].block = UINT32_MAX;
		if ((io->slots[i].bits = talloc_size(io->slots, io->bitmap_bytes)) == NULL)
			return vhd_fail(reason, -ENOMEM, "out of memory for the bitmap cache");
	}
	int r = vhd_pread(io->fd, raw, bytes, io->bat_off);
	if (r < 0)
		return vhd_fail(reason, r, "cannot read the BAT");
	for (uint32_t i = 0; i < io->entries; i++) {
		const uint8_t *p = raw + 4 * (size_t)i;
		io->bat[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	}
	talloc_free(raw);
	return 0;
}

static int open_chain(TALLOC_CTX *mem, int fd, const struct vhd_io_options *opt, bool writable,
		      unsigned depth, struct vhd_io **out, char *reason)
{
	struct vhd_io *io = talloc_zero(mem, struct vhd_io);
	if (io == NULL) {
		close(fd);
		return vhd_fail(reason, -ENOMEM, "out of memory");
	}
	io->fd = fd;
	pthread_mutex_init(&io->lock, NULL);
	pthread_mutex_init(&io->rmw, NULL);
	talloc_set_destructor(io, io_destructor);
	io->writable = writable;
	io->depth = depth;
	io->nslots = opt->bitmap_cache != 0 ? opt->bitmap_cache : VHD_IO_DEFAULT_BITMAP_CACHE;

	int r = vhd_inspect(io, fd, &io->info, reason);
	if (r < 0 && writable && vhd_io_repair(fd, NULL) == 1)
		r = vhd_inspect(io, fd, &io->info, reason);
	if (r < 0)
		goto fail;
	io->type = io->info->type;
	io->size = io->info->virtual_size;
	io->footer_off = io->info->file_size - VHD_FOOTER_SIZE;
	if ((r = vhd_pread(fd, io->footer_raw, VHD_FOOTER_SIZE, io->footer_off)) < 0) {
		vhd_fail(reason, r, "cannot read the footer");
		goto fail;
	}
	if (io->type != VHD_TYPE_FIXED && (r = load_bat(io, reason)) < 0)
		goto fail;
	if (io->type == VHD_TYPE_DIFFERENCING) {
		unsigned max = opt->max_depth != 0 ? opt->max_depth : VHD_IO_DEFAULT_MAX_DEPTH;
		if (depth >= max) {
			r = vhd_fail(reason, -ELOOP, "parent chain deeper than %u images", max);
			goto fail;
		}
		if (opt->open_parent == NULL) {
			r = vhd_fail(reason, -EOPNOTSUPP, "no way to open the parent");
			goto fail;
		}
		int pfd = opt->open_parent(opt->open_parent_arg, io->info, depth + 1, reason);
		if (pfd < 0) {
			r = pfd;
			goto fail;
		}
		char preason[VHD_REASON_LEN];
		r = open_chain(io, pfd, opt, false, depth + 1, &io->parent, preason);
		if (r < 0) {
			vhd_fail(reason, r, "parent %s: %s", io->info->parent_name, preason);
			goto fail;
		}
		if (memcmp(io->parent->info->unique_id, io->info->parent_unique_id, 16) != 0) {
			r = vhd_fail(reason, -EBADMSG, "parent %s is not the image this disk was made from "
				     "(unique id differs)", io->info->parent_name);
			goto fail;
		}
		if (io->parent->size < io->size) {
			r = vhd_fail(reason, -EBADMSG, "parent %s is smaller than the disk",
				     io->info->parent_name);
			goto fail;
		}
	}
	*out = io;
	return 0;
fail:
	talloc_free(io);
	return r;
}

int vhd_io_open(TALLOC_CTX *mem, int fd, const struct vhd_io_options *opt, struct vhd_io **out,
		char *reason)
{
	if (reason != NULL)
		reason[0] = '\0';
	return open_chain(mem, fd, opt, opt->writable, 0, out, reason);
}

int vhd_io_repair(int fd, char *reason)
{
	struct stat st;
	struct vhd_footer f, copy;
	uint8_t raw[VHD_FOOTER_SIZE], craw[VHD_FOOTER_SIZE];
	uint8_t hraw[VHD_DYNAMIC_HEADER_SIZE];
	struct vhd_header h;

	if (fstat(fd, &st) < 0)
		return vhd_fail(reason, -errno, "cannot stat the image");
	uint64_t size = (uint64_t)st.st_size;
	if (size >= VHD_FOOTER_SIZE && size % VHD_SECTOR_SIZE == 0 &&
	    vhd_read_footer(fd, size - VHD_FOOTER_SIZE, &f, raw, NULL) == 0)
		return 0;
	int r = vhd_read_footer(fd, 0, &copy, craw, reason);
	if (r < 0)
		return r;
	if (copy.disk_type == VHD_TYPE_FIXED)
		return vhd_fail(reason, -EBADMSG, "a fixed image without a footer cannot be repaired");
	if ((r = vhd_pread(fd, hraw, sizeof(hraw), copy.data_offset)) < 0)
		return vhd_fail(reason, r, "cannot read the dynamic header");
	vhd_header_decode(hraw, &h);
	if (memcmp(h.cookie, VHD_DYNAMIC_COOKIE, 8) != 0 ||
	    vhd_checksum(hraw, sizeof(hraw), VHD_HEADER_CHECKSUM_OFFSET) != h.checksum ||
	    h.max_table_entries > VHD_MAX_TABLE_ENTRIES || h.block_size < VHD_SECTOR_SIZE ||
	    (h.block_size & (h.block_size - 1)) != 0)
		return vhd_fail(reason, -EBADMSG, "dynamic header damaged: cannot repair");
	uint64_t end = copy.data_offset + VHD_DYNAMIC_HEADER_SIZE;
	uint64_t bat_bytes = vhd_bat_size(h.max_table_entries);
	if (h.table_offset + bat_bytes > end)
		end = h.table_offset + bat_bytes;
	for (unsigned i = 0; i < VHD_LOCATORS; i++)
		if (h.locators[i].code != VHD_PLATFORM_NONE &&
		    h.locators[i].offset + vhd_locator_space_bytes(&h.locators[i]) > end)
			end = h.locators[i].offset + vhd_locator_space_bytes(&h.locators[i]);
	uint8_t *bat = malloc(bat_bytes);
	if (bat == NULL)
		return -ENOMEM;
	if ((r = vhd_pread(fd, bat, bat_bytes, h.table_offset)) < 0) {
		free(bat);
		return vhd_fail(reason, r, "cannot read the BAT");
	}
	uint64_t block_bytes = vhd_bitmap_size(h.block_size) + h.block_size;
	for (uint32_t i = 0; i < h.max_table_entries; i++) {
		const uint8_t *p = bat + 4 * (size_t)i;
		uint32_t s = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if (s != VHD_BAT_UNUSED && (uint64_t)s * VHD_SECTOR_SIZE + block_bytes > end)
			end = (uint64_t)s * VHD_SECTOR_SIZE + block_bytes;
	}
	free(bat);
	if (end > size)
		return vhd_fail(reason, -EBADMSG, "the BAT references space beyond the end of the file");
	if ((r = vhd_pwrite(fd, craw, sizeof(craw), end)) < 0)
		return vhd_fail(reason, r, "cannot write the footer");
	if (ftruncate(fd, (off_t)(end + VHD_FOOTER_SIZE)) < 0 || fsync(fd) < 0)
		return vhd_fail(reason, -errno, "cannot cut the file after the footer");
	return 1;
}
