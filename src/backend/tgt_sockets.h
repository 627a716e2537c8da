/* Which TCP ports tgtd's iSCSI connections use. tgtadm names a connection's
 * initiator address but neither port nor the local address it came in on;
 * the kernel knows both: tgtd's open sockets (/proc/PID/fd) looked up in
 * /proc/net/tcp and tcp6. */
#ifndef ISTMD_BACKEND_TGT_SOCKETS_H
#define ISTMD_BACKEND_TGT_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <talloc.h>

#include "backend/iscsi_backend.h"

/* One established TCP connection of tgtd's. Addresses numeric, IPv4-mapped
 * IPv6 addresses written as IPv4 (as tgtadm prints them). */
struct tgt_socket {
	char local[64];
	uint16_t local_port;
	char remote[64];
	uint16_t remote_port;
	uint64_t inode; /* the socket's inode: stable while it lives */
};

/* tgtd PID's established TCP sockets. PROC is "/proc" (tests: a fake tree).
 * 0 or a negative errno (-ENOENT: no such process). Blocking only on procfs:
 * callers on the event loop run it on a workpool (tgt_conn_ports.c). */
int tgt_sockets_read(TALLOC_CTX *mem_ctx, const char *proc, pid_t pid,
		     struct tgt_socket **sockets, size_t *n);

/* The established TCP connections whose local end is one of PORTALS (an
 * address "0.0.0.0" or "::" matches any local address), from PROC/net/tcp and
 * tcp6 ("/proc": this network namespace): the kernel's own sockets, which
 * no process holds (LIO's, lio_backend.c). Sockets without an inode are left
 * out. 0 or a negative errno; blocking on procfs: run on a workpool. */
int tgt_sockets_read_local(TALLOC_CTX *mem_ctx, const char *proc,
			   const struct iscsi_portal *portals, size_t n_portals,
			   struct tgt_socket **sockets, size_t *n);

/* Which socket is which connection (TSIH, CID), learnt over successive
 * looks and kept while both live. tgtadm prints no port, so a connection
 * is bound to a socket only when the choice is certain: at one look, it is
 * the only connection from its initiator address not bound yet, and one
 * socket alone from that address is not bound yet. Two connections from one
 * address that first appear at the same look stay unbound (port 0) until
 * one of them ends, or the next connection from that address is learnt on
 * its own; nothing is guessed. */
struct tgt_port_map;

struct tgt_port_map *tgt_port_map_new(TALLOC_CTX *mem_ctx);
/* Forgets everything (a new tgtd). */
void tgt_port_map_reset(struct tgt_port_map *m);
/* Whether a look at the connections could teach something new: a socket in
 * SOCKETS is not bound, and the unbound sockets are not those of the last
 * look that left them unbound. */
bool tgt_port_map_wants_look(const struct tgt_port_map *m, const struct tgt_socket *sockets,
			     size_t n);

/* Learns what it can from SOCKETS and the connections of SESSIONS (every
 * session of tgtd: a binding whose connection is not listed is dropped),
 * then gives each connection the ports (and local address) of its socket;
 * unknown ones keep port 0. Strings are talloc'd on MEM. M NULL: no memory
 * beyond this look. */
void tgt_sockets_match(struct tgt_port_map *m, TALLOC_CTX *mem, const struct tgt_socket *sockets,
		       size_t n, struct iscsi_session_info *sessions, size_t n_sessions);

#endif
