/* Sends a corpus of malformed and hostile PDUs to a running istmd, one
 * connection each, and checks that each gets a fault, a bind_nak or a closed
 * connection within a few seconds; then a well-behaved client must still be
 * served (bind + IObjectExporter::ServerAlive, unauthenticated).
 *
 *   rpc_malformed ADDRESS PORT [OBJECT_PORT]
 *
 * With OBJECT_PORT, the cases that once crashed the daemon (a PDU that makes
 * it close the connection, followed by an alter_context in the same TCP
 * segment: issue 9) run on that port too.
 *
 * The PDUs are built byte by byte here, independently of the server's code. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { PKT_REQUEST = 0, PKT_RESPONSE = 2, PKT_FAULT = 3, PKT_BIND = 11, PKT_BIND_ACK = 12,
       PKT_BIND_NAK = 13, PKT_ALTER = 14, PKT_AUTH3 = 16 };

static const char *address;
static int port, object_port;
static int failures;

/* ---- a tiny byte writer ------------------------------------------------------- */

struct buf {
	uint8_t d[70000];
	size_t n;
};

static void u8(struct buf *b, uint8_t v) { b->d[b->n++] = v; }
static void u16(struct buf *b, uint16_t v) { u8(b, v & 0xff); u8(b, v >> 8); }
static void u32(struct buf *b, uint32_t v) { u16(b, v & 0xffff); u16(b, v >> 16); }
static void bytes(struct buf *b, const void *p, size_t n) { memcpy(b->d + b->n, p, n); b->n += n; }

/* IObjectExporter 99fcfec4-5260-101b-bbcb-00aa0021347a v0.0 (MS-DCOM 3.1.2.5.1) */
static const uint8_t oxid_uuid[16] = { 0xc4, 0xfe, 0xfc, 0x99, 0x60, 0x52, 0x1b, 0x10,
				       0xbb, 0xcb, 0x00, 0xaa, 0x00, 0x21, 0x34, 0x7a };
/* NDR 8a885d04-1ceb-11c9-9fe8-08002b104860 v2 */
static const uint8_t ndr_uuid[16] = { 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
				      0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 };

static void header(struct buf *b, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
	b->n = 0;
	u8(b, 5);
	u8(b, 0);
	u8(b, ptype);
	u8(b, flags);
	u32(b, 0x10); /* little-endian, ASCII, IEEE */
	u16(b, 0);    /* frag_length, fixed by finish() */
	u16(b, 0);    /* auth_length */
	u32(b, call_id);
}

static void finish(struct buf *b, uint16_t auth_length)
{
	b->d[8] = b->n & 0xff;
	b->d[9] = (uint8_t)(b->n >> 8);
	b->d[10] = auth_length & 0xff;
	b->d[11] = (uint8_t)(auth_length >> 8);
}

/* bind/alter_context with NCTX contexts of the OXID interface (NTS transfer syntaxes each) */
static void bind_pdu(struct buf *b, uint8_t ptype, uint32_t call_id, unsigned nctx, unsigned nts)
{
	header(b, ptype, 3, call_id);
	u16(b, 5840);
	u16(b, 5840);
	u32(b, 0);
	u8(b, (uint8_t)nctx);
	u8(b, 0);
	u16(b, 0);
	for (unsigned i = 0; i < nctx; i++) {
		u16(b, (uint16_t)i);
		u8(b, (uint8_t)nts);
		u8(b, 0);
		bytes(b, oxid_uuid, 16);
		u32(b, 0);
		for (unsigned j = 0; j < nts; j++) {
			bytes(b, ndr_uuid, 16);
			u32(b, 2);
		}
	}
	finish(b, 0);
}

static void request_pdu(struct buf *b, uint32_t call_id, uint8_t flags, uint32_t alloc_hint,
			uint16_t ctx, uint16_t opnum, size_t stub_len)
{
	header(b, PKT_REQUEST, flags, call_id);
	u32(b, alloc_hint);
	u16(b, ctx);
	u16(b, opnum);
	for (size_t i = 0; i < stub_len; i++)
		u8(b, 0);
	finish(b, 0);
}

static void sec_trailer(struct buf *b, uint8_t type, uint8_t level, uint8_t pad, uint32_t ctx_id,
			size_t token_len)
{
	u8(b, type);
	u8(b, level);
	u8(b, pad);
	u8(b, 0);
	u32(b, ctx_id);
	for (size_t i = 0; i < token_len; i++)
		u8(b, (uint8_t)i);
}

/* ---- the client --------------------------------------------------------------- */

static int dial(void)
{
	int fd = socket(strchr(address, ':') ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (strchr(address, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, address, &s6->sin6_addr);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, address, &s4->sin_addr);
		len = sizeof(*s4);
	}
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
	const uint8_t *d = p;
	while (n > 0) {
		ssize_t w = send(fd, d, n, MSG_NOSIGNAL);
		if (w <= 0)
			return; /* the server may close early: that is allowed */
		d += w;
		n -= (size_t)w;
	}
}

/* What came back: the first PDU's type and status, or that the connection closed. */
struct reply {
	bool closed;   /* EOF or reset before any PDU */
	bool timeout;  /* nothing at all within the time limit */
	int ptype;
	uint32_t status; /* fault status or bind_nak reason */
	uint8_t flags;
	uint32_t call_id;
};

static int read_n(int fd, uint8_t *p, size_t n, int ms)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, ms);
		if (r == 0)
			return -2;
		if (r < 0)
			return -1;
		ssize_t k = recv(fd, p + got, n - got, 0);
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

static struct reply read_reply(int fd)
{
	struct reply r = { .ptype = -1 };
	uint8_t h[16];
	int rc = read_n(fd, h, sizeof(h), 3000);
	if (rc == -2) {
		r.timeout = true;
		return r;
	}
	if (rc != 0) {
		r.closed = true;
		return r;
	}
	uint16_t frag = (uint16_t)(h[8] | h[9] << 8);
	r.ptype = h[2];
	r.flags = h[3];
	r.call_id = (uint32_t)h[12] | (uint32_t)h[13] << 8 | (uint32_t)h[14] << 16 |
		    (uint32_t)h[15] << 24;
	uint8_t body[65536];
	if (frag < 16 || read_n(fd, body, frag - 16u, 3000) != 0) {
		r.closed = true;
		return r;
	}
	if (r.ptype == PKT_FAULT && frag >= 32)
		r.status = (uint32_t)body[8] | (uint32_t)body[9] << 8 | (uint32_t)body[10] << 16 |
			   (uint32_t)body[11] << 24;
	if (r.ptype == PKT_BIND_NAK && frag >= 18)
		r.status = (uint32_t)(body[0] | body[1] << 8);
	return r;
}

/* True when the server closes the connection within 3 s (reading what it sends). */
static bool closes(int fd)
{
	uint8_t buf[4096];
	time_t end = time(NULL) + 3;
	while (time(NULL) <= end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 500) > 0) {
			ssize_t k = recv(fd, buf, sizeof(buf), 0);
			if (k <= 0)
				return true;
		}
	}
	return false;
}

static void result(const char *name, bool ok, const struct reply *r)
{
	if (ok) {
		printf("ok - %s\n", name);
		return;
	}
	failures++;
	printf("not ok - %s (closed=%d timeout=%d ptype=%d status=0x%08x flags=0x%02x)\n", name,
	       r->closed, r->timeout, r->ptype, r->status, r->flags);
}

enum expect { FAULT, NAK, CLOSE, FAULT_OR_CLOSE };

/* One case: PRE (may be empty: a bind first) then the hostile bytes. */
static void run_case(const char *name, const struct buf *pre, const struct buf *pdu, size_t send_len,
		     bool half_close, enum expect want, uint32_t status, bool then_closes)
{
	int fd = dial();
	if (fd < 0) {
		printf("not ok - %s: cannot connect: %s\n", name, strerror(errno));
		failures++;
		return;
	}
	if (pre != NULL) {
		send_all(fd, pre->d, pre->n);
		struct reply ack = read_reply(fd);
		if (ack.ptype != PKT_BIND_ACK) {
			result(name, false, &ack);
			close(fd);
			return;
		}
	}
	send_all(fd, pdu->d, send_len ? send_len : pdu->n);
	if (half_close)
		shutdown(fd, SHUT_WR);
	struct reply r = read_reply(fd);
	bool ok;
	switch (want) {
	case FAULT:
		ok = r.ptype == PKT_FAULT && (status == 0 || r.status == status);
		break;
	case NAK:
		ok = r.ptype == PKT_BIND_NAK && r.status == status;
		break;
	case CLOSE:
		ok = r.closed;
		break;
	default:
		ok = r.closed || r.ptype == PKT_FAULT || r.ptype == PKT_BIND_NAK;
		break;
	}
	if (ok && then_closes && !r.closed)
		ok = closes(fd);
	result(name, ok, &r);
	close(fd);
}

/* A well-behaved unauthenticated client: bind, ServerAlive (opnum 3). */
static bool good_client(void)
{
	struct buf b;
	int fd = dial();
	if (fd < 0)
		return false;
	bind_pdu(&b, PKT_BIND, 1, 1, 1);
	send_all(fd, b.d, b.n);
	struct reply r = read_reply(fd);
	if (r.ptype != PKT_BIND_ACK) {
		close(fd);
		return false;
	}
	request_pdu(&b, 2, 3, 0, 0, 3, 0);
	send_all(fd, b.d, b.n);
	r = read_reply(fd);
	close(fd);
	return r.ptype == PKT_RESPONSE && r.call_id == 2;
}

/* A PDU after which the server closes the connection, and an alter_context
 * in the same segment: the server answers the first, never the second, and
 * keeps serving (issue 9: the alter_context reached a NULL association). */
static void close_then_alter(const char *port_name)
{
	static struct buf first, alter, both;
	bind_pdu(&alter, PKT_ALTER, 2, 1, 1);
	char name[160];

	request_pdu(&first, 1, 3, 0, 0, 3, 0);
	memcpy(both.d, first.d, first.n);
	memcpy(both.d + first.n, alter.d, alter.n);
	both.n = first.n + alter.n;
	snprintf(name, sizeof(name), "%s: request before bind + alter_context in one segment",
		 port_name);
	run_case(name, NULL, &both, 0, false, NAK, 4, true);

	bind_pdu(&first, PKT_BIND, 1, 1, 1);
	first.d[20] = 0x78; /* assoc_group_id 0x12345678: no such group */
	first.d[21] = 0x56;
	first.d[22] = 0x34;
	first.d[23] = 0x12;
	memcpy(both.d, first.d, first.n);
	memcpy(both.d + first.n, alter.d, alter.n);
	both.n = first.n + alter.n;
	snprintf(name, sizeof(name), "%s: unknown assoc_group_id + alter_context in one segment",
		 port_name);
	run_case(name, NULL, &both, 0, false, NAK, 0, true);

	/* and the port still answers a bind */
	bind_pdu(&first, PKT_BIND, 1, 1, 1);
	snprintf(name, sizeof(name), "%s: still answers a bind", port_name);
	int fd = dial();
	struct reply r = { .closed = true };
	if (fd >= 0) {
		send_all(fd, first.d, first.n);
		r = read_reply(fd);
		close(fd);
	}
	result(name, r.ptype == PKT_BIND_ACK, &r);
}

int main(int argc, char **argv)
{
	static struct buf pre, b;
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: rpc_malformed ADDRESS PORT [OBJECT_PORT]\n");
		return 2;
	}
	address = argv[1];
	port = atoi(argv[2]);
	object_port = argc == 4 ? atoi(argv[3]) : 0;

	close_then_alter("endpoint-mapper port");
	if (object_port != 0) {
		int mapper_port = port;
		port = object_port;
		close_then_alter("object port");
		port = mapper_port;
	}
	bind_pdu(&pre, PKT_BIND, 1, 1, 1);

	/* framing */
	bind_pdu(&b, PKT_BIND, 1, 1, 1);
	run_case("truncated header", NULL, &b, 7, true, CLOSE, 0, false);
	run_case("frag_length past the end of the data", NULL, &b, b.n - 10, true, CLOSE, 0, false);
	b.d[8] = 10;
	b.d[9] = 0;
	run_case("frag_length shorter than a header", NULL, &b, 16, false, CLOSE, 0, false);
	bind_pdu(&b, PKT_BIND, 1, 1, 1);
	b.d[10] = 0xff;
	b.d[11] = 0x7f;
	/* a bind is answered with bind_ack or bind_nak only (Windows: reason 4) */
	run_case("auth_length larger than the fragment", NULL, &b, 0, false, NAK, 4, true);

	/* bind */
	bind_pdu(&b, PKT_BIND, 1, 0, 1);
	run_case("bind with zero contexts", NULL, &b, 0, false, NAK, 4, true);
	bind_pdu(&b, PKT_BIND, 1, 1, 0);
	run_case("bind context without transfer syntaxes", NULL, &b, 0, false, NAK, 0, true);
	bind_pdu(&b, PKT_BIND, 1, 1, 1);
	b.d[24] = 200; /* num_contexts far beyond the data */
	run_case("bind with more contexts than data", NULL, &b, 0, false, FAULT_OR_CLOSE, 0, true);
	bind_pdu(&b, PKT_BIND, 1, 1, 1);
	b.d[0] = 6;
	run_case("bind in protocol version 6", NULL, &b, 0, false, NAK, 4, true);
	bind_pdu(&b, PKT_BIND, 1, 1, 1);
	size_t body = b.n;
	sec_trailer(&b, 68, 5, 0, 1, 16); /* schannel: not offered */
	finish(&b, 16);
	run_case("bind with an unknown auth type", NULL, &b, 0, false, NAK, 8, true);
	b.n = body;
	sec_trailer(&b, 10, 5, 9, 1, 16); /* pad length claims bytes that are not padding */
	finish(&b, 16);
	run_case("bind with a bad auth_pad_length", NULL, &b, 0, false, NAK, 4, true);
	b.n = body;
	sec_trailer(&b, 10, 9, 0, 1, 16); /* auth level 9 */
	finish(&b, 16);
	run_case("bind with an invalid auth level", NULL, &b, 0, false, NAK, 0, true);

	/* first PDU not a bind */
	request_pdu(&b, 1, 3, 0, 0, 3, 0);
	run_case("request before bind", NULL, &b, 0, false, NAK, 4, true);
	header(&b, 99, 3, 1);
	finish(&b, 0);
	run_case("unknown packet type", NULL, &b, 0, false, FAULT, 0x1c01000b, true);
	header(&b, PKT_RESPONSE, 3, 1);
	u32(&b, 0);
	u32(&b, 0);
	finish(&b, 0);
	run_case("response sent to the server", &pre, &b, 0, false, FAULT, 0x1c01000b, true);

	/* requests */
	request_pdu(&b, 2, 3, 0, 7, 3, 0);
	run_case("request on an unbound context", &pre, &b, 0, false, FAULT, 0x1c010003, false);
	request_pdu(&b, 2, 3, 0, 0, 99, 0);
	run_case("opnum out of range", &pre, &b, 0, false, FAULT, 0x1c010002, false);
	request_pdu(&b, 2, 1, 0xffffffff, 0, 3, 16);
	run_case("enormous alloc_hint", &pre, &b, 0, false, FAULT, 5, true);
	request_pdu(&b, 2, 0, 0, 0, 3, 16);
	run_case("middle fragment without a first", &pre, &b, 0, false, FAULT, 0x1c01000b, true);
	request_pdu(&b, 2, 2, 0, 0, 3, 16);
	run_case("last fragment without a first", &pre, &b, 0, false, FAULT, 0x1c01000b, true);
	request_pdu(&b, 2, 3, 0, 0, 3, 60000);
	run_case("fragment above max_pdu_size", &pre, &b, 0, false, FAULT, 0x1c01000b, true);
	request_pdu(&b, 2, 3, 0, 0, 3, 0);
	sec_trailer(&b, 10, 6, 0, 0x4242, 16);
	finish(&b, 16);
	run_case("request naming an unknown security context", &pre, &b, 0, false, FAULT, 5, true);
	request_pdu(&b, 2, 3, 0, 0, 3, 8);
	sec_trailer(&b, 10, 6, 200, 0x4242, 16);
	finish(&b, 16);
	run_case("request with padding longer than the stub", &pre, &b, 0, false, FAULT, 0x1c01000b,
		 true);
	header(&b, PKT_AUTH3, 3, 2);
	u32(&b, 0);
	sec_trailer(&b, 10, 6, 0, 1, 16);
	finish(&b, 16);
	run_case("auth3 without a security context", &pre, &b, 0, false, FAULT, 0x1c01000b, true);
	bind_pdu(&b, PKT_ALTER, 2, 0, 1);
	run_case("alter_context with zero contexts", &pre, &b, 0, false, FAULT, 0x1c01000b, true);

	/* noise */
	for (size_t i = 0; i < 2000; i++)
		b.d[i] = (uint8_t)(i * 131 + 7);
	b.n = 2000;
	run_case("random bytes", NULL, &b, 0, true, FAULT_OR_CLOSE, 0, true);
	b.n = 0;
	run_case("connect and say nothing", NULL, &b, 0, true, CLOSE, 0, false);

	bool good = good_client();
	printf("%s - a good client is served afterwards\n", good ? "ok" : "not ok");
	if (!good)
		failures++;
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
