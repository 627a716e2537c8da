/* pcap / pcapng → TCP streams (capture.h). Every length read from the file
 * is checked against what is left before it is used: captures are input
 * from users and the fuzz target feeds this file garbage. */
#include "replay/capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A segment held until the bytes before it arrive. */
struct cap_seg {
	struct cap_seg *next;
	uint32_t seq;
	uint64_t packet;
	size_t len;
	uint8_t data[];
};

#define CAP_MAX_PENDING (64u << 20) /* out-of-order bytes held per direction */

struct reader {
	TALLOC_CTX *mem;
	struct capture *cap;
	const char *why;
	uint64_t packet;
};

static uint16_t get16(const uint8_t *p, bool be)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t get32(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	r->why = talloc_vasprintf(r->mem, fmt, ap);
	va_end(ap);
	if (r->why == NULL)
		r->why = "out of memory";
	return -EINVAL;
}

uint64_t cap_dir_packet(const struct cap_dir *dir, size_t offset)
{
	uint64_t p = 0;
	/* marks are in offset order; the last one at or before OFFSET */
	size_t lo = 0, hi = dir->num_marks;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (dir->marks[mid].offset <= offset) {
			p = dir->marks[mid].packet;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return p;
}

static int dir_append(struct reader *r, struct cap_dir *d, const uint8_t *data, size_t len)
{
	if (len == 0)
		return 0;
	if (d->num_marks == 0 || d->marks[d->num_marks - 1].packet != r->packet) {
		struct cap_mark *m = talloc_realloc(r->cap, d->marks, struct cap_mark, d->num_marks + 1);
		if (m == NULL)
			return fail(r, "out of memory");
		d->marks = m;
		m[d->num_marks].offset = d->len;
		m[d->num_marks].packet = r->packet;
		d->num_marks++;
	}
	uint8_t *n = talloc_realloc_size(r->cap, d->data, d->len + len);
	if (n == NULL)
		return fail(r, "out of memory");
	memcpy(n + d->len, data, len);
	d->data = n;
	d->len += len;
	d->next_seq += (uint32_t)len;
	return 0;
}

/* Appends what of SEQ/DATA lies at or after next_seq; false when it starts
 * later (the caller holds it). */
static bool dir_take(struct reader *r, struct cap_dir *d, uint32_t seq, const uint8_t *data,
		     size_t len, int *rc)
{
	int32_t rel = (int32_t)(seq - d->next_seq);
	if (rel > 0)
		return false;
	size_t skip = (size_t)(-(int64_t)rel);
	*rc = skip < len ? dir_append(r, d, data + skip, len - skip) : 0;
	return true;
}

static int dir_segment(struct reader *r, struct cap_conn *c, int dir, uint32_t seq, bool syn,
		       const uint8_t *data, size_t len)
{
	struct cap_dir *d = &c->dir[dir];
	int rc = 0;
	if (syn) {
		d->next_seq = seq + 1;
		d->have_seq = 1;
		return 0;
	}
	if (len == 0)
		return 0;
	if (!d->have_seq) {
		d->next_seq = seq;
		d->have_seq = 1;
	}
	if (!dir_take(r, d, seq, data, len, &rc)) {
		if (d->pending_bytes + len > CAP_MAX_PENDING)
			return fail(r, "connection %u: more than %u out-of-order bytes", c->index,
				    CAP_MAX_PENDING);
		struct cap_seg *s = talloc_size(r->cap, sizeof(*s) + len);
		if (s == NULL)
			return fail(r, "out of memory");
		s->seq = seq;
		s->len = len;
		s->packet = r->packet;
		memcpy(s->data, data, len);
		s->next = d->pending;
		d->pending = s;
		d->pending_bytes += len;
		return 0;
	}
	if (rc != 0)
		return rc;
	/* The gap may have closed: take held segments until none fits. */
	bool progress = true;
	while (progress && d->pending != NULL) {
		progress = false;
		for (struct cap_seg **pp = &d->pending; *pp != NULL; pp = &(*pp)->next) {
			struct cap_seg *s = *pp;
			uint64_t saved = r->packet;
			r->packet = s->packet;
			bool took = dir_take(r, d, s->seq, s->data, s->len, &rc);
			r->packet = saved;
			if (rc != 0)
				return rc;
			if (took) {
				*pp = s->next;
				d->pending_bytes -= s->len;
				talloc_free(s);
				progress = true;
				break;
			}
		}
	}
	return 0;
}

static struct cap_conn *conn_find(struct reader *r, const char *a, uint16_t ap, const char *b,
				  uint16_t bp, int *dir)
{
	/* the latest connection with these ends (a port may be reused) */
	for (size_t i = r->cap->num_conns; i-- > 0;) {
		struct cap_conn *c = r->cap->conns[i];
		if (c->client_port == ap && c->server_port == bp && strcmp(c->client, a) == 0 &&
		    strcmp(c->server, b) == 0) {
			*dir = 0;
			return c;
		}
		if (c->client_port == bp && c->server_port == ap && strcmp(c->client, b) == 0 &&
		    strcmp(c->server, a) == 0) {
			*dir = 1;
			return c;
		}
	}
	return NULL;
}

static int tcp_packet(struct reader *r, const char *src, const char *dst, const uint8_t *p,
		      size_t len)
{
	if (len < 20)
		return fail(r, "packet %llu: TCP header cut off", (unsigned long long)r->packet);
	uint16_t sport = get16(p, true), dport = get16(p + 2, true);
	uint32_t seq = get32(p + 4, true);
	size_t hlen = (size_t)(p[12] >> 4) * 4;
	uint8_t flags = p[13];
	bool syn = flags & 0x02, ack = flags & 0x10;
	if (hlen < 20 || hlen > len)
		return fail(r, "packet %llu: bad TCP header length", (unsigned long long)r->packet);
	int dir;
	struct cap_conn *c = conn_find(r, src, sport, dst, dport, &dir);
	/* A SYN on ends whose connection already carried data is a new one. */
	if (c != NULL && syn && !ack && (c->dir[0].len > 0 || c->dir[1].len > 0))
		c = NULL;
	if (c == NULL) {
		if (len == hlen && !syn)
			return 0; /* a stray ACK or FIN of a connection we did not see */
		struct cap_conn **v = talloc_realloc(r->cap, r->cap->conns, struct cap_conn *,
						     r->cap->num_conns + 1);
		if (v == NULL)
			return fail(r, "out of memory");
		r->cap->conns = v;
		c = talloc_zero(r->cap, struct cap_conn);
		if (c == NULL)
			return fail(r, "out of memory");
		v[r->cap->num_conns++] = c;
		c->index = (unsigned)r->cap->num_conns;
		/* The sender of a SYN-ACK is the server; of anything else, the
		 * client (a DCE/RPC client speaks first). */
		bool from_server = syn && ack;
		snprintf(c->client, sizeof(c->client), "%s", from_server ? dst : src);
		snprintf(c->server, sizeof(c->server), "%s", from_server ? src : dst);
		c->client_port = from_server ? dport : sport;
		c->server_port = from_server ? sport : dport;
		dir = from_server ? 1 : 0;
	}
	return dir_segment(r, c, dir, seq, syn, p + hlen, len - hlen);
}

static int ip_packet(struct reader *r, const uint8_t *p, size_t len)
{
	char src[48], dst[48];
	if (len < 1)
		return fail(r, "packet %llu: empty IP packet", (unsigned long long)r->packet);
	if (p[0] >> 4 == 4) {
		if (len < 20)
			return fail(r, "packet %llu: IPv4 header cut off", (unsigned long long)r->packet);
		size_t ihl = (size_t)(p[0] & 15) * 4, total = get16(p + 2, true);
		if (ihl < 20 || total < ihl || total > len)
			return fail(r, "packet %llu: bad IPv4 lengths", (unsigned long long)r->packet);
		if (p[9] != 6)
			return 0;
		if ((get16(p + 6, true) & 0x3fff) != 0)
			return fail(r, "packet %llu: IPv4 fragments are not supported",
				    (unsigned long long)r->packet);
		inet_ntop(AF_INET, p + 12, src, sizeof(src));
		inet_ntop(AF_INET, p + 16, dst, sizeof(dst));
		return tcp_packet(r, src, dst, p + ihl, total - ihl);
	}
	if (p[0] >> 4 == 6) {
		if (len < 40)
			return fail(r, "packet %llu: IPv6 header cut off", (unsigned long long)r->packet);
		size_t plen = get16(p + 4, true), off = 40;
		uint8_t next = p[6];
		if (40 + plen > len)
			return fail(r, "packet %llu: bad IPv6 length", (unsigned long long)r->packet);
		/* hop-by-hop, routing and destination options headers */
		while (next == 0 || next == 43 || next == 60) {
			if (off + 8 > 40 + plen)
				return fail(r, "packet %llu: IPv6 extension cut off",
					    (unsigned long long)r->packet);
			size_t elen = ((size_t)p[off + 1] + 1) * 8;
			next = p[off];
			off += elen;
			if (off > 40 + plen)
				return fail(r, "packet %llu: IPv6 extension cut off",
					    (unsigned long long)r->packet);
		}
		if (next == 44)
			return fail(r, "packet %llu: IPv6 fragments are not supported",
				    (unsigned long long)r->packet);
		if (next != 6)
			return 0;
		inet_ntop(AF_INET6, p + 8, src, sizeof(src));
		inet_ntop(AF_INET6, p + 24, dst, sizeof(dst));
		return tcp_packet(r, src, dst, p + off, 40 + plen - off);
	}
	return 0; /* not IP */
}

/* LINKTYPE_* values (tcpdump.org link-layer header types) */
static int link_packet(struct reader *r, uint32_t linktype, const uint8_t *p, size_t caplen,
		       size_t origlen)
{
	r->packet++;
	if (caplen < origlen)
		return fail(r, "packet %llu was cut to %zu of %zu bytes by the snap length "
			       "(capture with a snap length of 0 or 262144)",
			    (unsigned long long)r->packet, caplen, origlen);
	size_t off;
	uint16_t proto;
	switch (linktype) {
	case 0: /* BSD loopback: the address family in the capturing host's order */
		if (caplen < 4)
			return 0;
		return ip_packet(r, p + 4, caplen - 4);
	case 1: /* Ethernet */
		if (caplen < 14)
			return 0;
		off = 12;
		proto = get16(p + off, true);
		while ((proto == 0x8100 || proto == 0x88a8) && off + 6 <= caplen) {
			off += 4;
			proto = get16(p + off, true);
		}
		off += 2;
		if (proto != 0x0800 && proto != 0x86dd)
			return 0;
		return ip_packet(r, p + off, caplen - off);
	case 12: case 14: case 101: case 228: case 229: /* raw IP */
		return ip_packet(r, p, caplen);
	case 113: /* Linux cooked v1 */
		if (caplen < 16)
			return 0;
		proto = get16(p + 14, true);
		if (proto != 0x0800 && proto != 0x86dd)
			return 0;
		return ip_packet(r, p + 16, caplen - 16);
	case 276: /* Linux cooked v2 */
		if (caplen < 20)
			return 0;
		proto = get16(p, true);
		if (proto != 0x0800 && proto != 0x86dd)
			return 0;
		return ip_packet(r, p + 20, caplen - 20);
	default:
		return fail(r, "packet %llu: link type %u is not supported",
			    (unsigned long long)r->packet, linktype);
	}
}

static int read_pcap(struct reader *r, const uint8_t *d, size_t len)
{
	uint32_t magic = get32(d, false);
	bool be = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	if (len < 24)
		return fail(r, "pcap file header cut off");
	uint32_t linktype = get32(d + 20, be) & 0x0fffffff;
	size_t off = 24;
	while (off < len) {
		if (len - off < 16)
			return fail(r, "capture truncated: packet header %llu cut off after %zu bytes",
				    (unsigned long long)r->packet + 1, off);
		size_t incl = get32(d + off + 8, be), orig = get32(d + off + 12, be);
		off += 16;
		if (incl > len - off)
			return fail(r, "capture truncated: packet %llu needs %zu bytes, %zu left",
				    (unsigned long long)r->packet + 1, incl, len - off);
		int rc = link_packet(r, linktype, d + off, incl, orig);
		if (rc != 0)
			return rc;
		off += incl;
	}
	return 0;
}

#define PCAPNG_MAX_IFACES 64

static int read_pcapng(struct reader *r, const uint8_t *d, size_t len)
{
	uint32_t linktypes[PCAPNG_MAX_IFACES];
	size_t num_ifaces = 0;
	bool be = false;
	size_t off = 0;
	while (off < len) {
		if (len - off < 12)
			return fail(r, "capture truncated: pcapng block cut off at byte %zu", off);
		uint32_t type = get32(d + off, be);
		if (type == 0x0A0D0D0A) {
			uint32_t bom = get32(d + off + 8, false);
			if (bom == 0x1A2B3C4D)
				be = false;
			else if (bom == 0x4D3C2B1A)
				be = true;
			else
				return fail(r, "pcapng section header at byte %zu: bad byte-order magic",
					    off);
			num_ifaces = 0; /* interface ids are per section */
		}
		size_t blen = get32(d + off + 4, be);
		if (blen < 12 || blen % 4 != 0)
			return fail(r, "pcapng block at byte %zu: bad length %zu", off, blen);
		if (blen > len - off)
			return fail(r, "capture truncated: pcapng block at byte %zu needs %zu bytes, "
				       "%zu left", off, blen, len - off);
		const uint8_t *b = d + off + 8;
		size_t body = blen - 12;
		int rc = 0;
		if (type == 1) { /* interface description */
			if (body < 8)
				return fail(r, "pcapng interface block at byte %zu cut off", off);
			if (num_ifaces == PCAPNG_MAX_IFACES)
				return fail(r, "more than %d pcapng interfaces", PCAPNG_MAX_IFACES);
			linktypes[num_ifaces++] = get16(b, be);
		} else if (type == 6) { /* enhanced packet */
			if (body < 20)
				return fail(r, "pcapng packet block at byte %zu cut off", off);
			uint32_t iface = get32(b, be);
			size_t caplen = get32(b + 12, be), orig = get32(b + 16, be);
			if (iface >= num_ifaces)
				return fail(r, "pcapng packet at byte %zu: unknown interface %u", off,
					    iface);
			if (caplen > body - 20)
				return fail(r, "pcapng packet at byte %zu: data longer than its block",
					    off);
			rc = link_packet(r, linktypes[iface], b + 20, caplen, orig);
		} else if (type == 3) { /* simple packet: interface 0 */
			if (body < 4 || num_ifaces == 0)
				return fail(r, "pcapng simple packet at byte %zu: malformed", off);
			size_t orig = get32(b, be);
			size_t caplen = orig < body - 4 ? orig : body - 4;
			rc = link_packet(r, linktypes[0], b + 4, caplen, orig);
		} else if (type == 2) { /* obsolete packet block */
			if (body < 20)
				return fail(r, "pcapng packet block at byte %zu cut off", off);
			uint16_t iface = get16(b, be);
			size_t caplen = get32(b + 12, be), orig = get32(b + 16, be);
			if (iface >= num_ifaces || caplen > body - 20)
				return fail(r, "pcapng packet at byte %zu: malformed", off);
			rc = link_packet(r, linktypes[iface], b + 20, caplen, orig);
		}
		if (rc != 0)
			return rc;
		off += blen;
	}
	return 0;
}

int capture_read(TALLOC_CTX *mem_ctx, const uint8_t *data, size_t len, struct capture **out,
		 const char **why)
{
	struct reader r = { .mem = mem_ctx };
	int rc;
	*out = NULL;
	*why = NULL;
	r.cap = talloc_zero(mem_ctx, struct capture);
	if (r.cap == NULL) {
		*why = "out of memory";
		return -ENOMEM;
	}
	uint32_t magic = len >= 4 ? get32(data, false) : 0;
	if (magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1 || magic == 0xa1b23c4d ||
	    magic == 0x4d3cb2a1)
		rc = read_pcap(&r, data, len);
	else if (magic == 0x0A0D0D0A)
		rc = read_pcapng(&r, data, len);
	else
		rc = fail(&r, "not a pcap or pcapng file (magic %08x)", magic);
	for (size_t i = 0; rc == 0 && i < r.cap->num_conns; i++) {
		struct cap_conn *c = r.cap->conns[i];
		for (int d = 0; d < 2; d++) {
			if (c->dir[d].pending != NULL)
				rc = fail(&r, "connection %u (%s:%u - %s:%u): %zu bytes %s came "
					      "after a gap: the capture lost packets",
					  c->index, c->client, c->client_port, c->server,
					  c->server_port, c->dir[d].pending_bytes,
					  d == 0 ? "from the client" : "from the server");
		}
	}
	if (rc != 0) {
		*why = r.why;
		talloc_free(r.cap);
		return rc;
	}
	r.cap->num_packets = r.packet;
	*out = r.cap;
	return 0;
}
