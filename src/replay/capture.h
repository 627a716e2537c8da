/* Reading a packet capture into TCP byte streams: pcap and pcapng files
 * (our own reader: the formats are small and a reader of our own is easy to
 * fuzz), Ethernet / Linux cooked / raw IP / BSD loopback link layers, IPv4
 * and IPv6, and a simple TCP reassembly per connection and direction
 * (segments ordered by sequence number, retransmitted bytes taken once,
 * out-of-order segments held until the gap fills). docs/replay.md. */
#ifndef ISTMD_REPLAY_CAPTURE_H
#define ISTMD_REPLAY_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

/* Bytes of one direction with, for every stretch, the number of the packet
 * that brought it (so that PDUs of several connections can be put back in
 * the order they travelled). */
struct cap_mark {
	size_t offset;   /* first byte of the stretch */
	uint64_t packet; /* 1-based packet number in the file */
};

struct cap_dir {
	uint8_t *data;
	size_t len;
	struct cap_mark *marks;
	size_t num_marks;
	/* reassembly state */
	uint32_t next_seq;
	int have_seq;
	struct cap_seg *pending; /* out-of-order segments */
	size_t pending_bytes;
};

/* One TCP connection: dir[0] client to server, dir[1] server to client. */
struct cap_conn {
	unsigned index; /* 1-based, in order of first packet */
	char client[48], server[48];
	uint16_t client_port, server_port;
	struct cap_dir dir[2];
};

struct capture {
	struct cap_conn **conns;
	size_t num_conns;
	uint64_t num_packets;
};

/* Reads DATA (a whole pcap or pcapng file). 0 and *OUT on MEM_CTX, or -EINVAL
 * with *WHY (static or on MEM_CTX) saying what is wrong: not a capture,
 * truncated file, packet cut by the snap length, a connection with missing
 * bytes, an unsupported link type. Only TCP is kept. */
int capture_read(TALLOC_CTX *mem_ctx, const uint8_t *data, size_t len, struct capture **out,
		 const char **why);

/* The packet number of the byte at OFFSET of DIR. */
uint64_t cap_dir_packet(const struct cap_dir *dir, size_t offset);

#endif
