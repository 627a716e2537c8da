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
};

/* tgtd PID's established TCP sockets. PROC is "/proc" (tests: a fake tree).
 * 0 or a negative errno (-ENOENT: no such process). */
int tgt_sockets_read(TALLOC_CTX *mem_ctx, const char *proc, pid_t pid,
		     struct tgt_socket **sockets, size_t *n);

/* Gives each connection of SESSIONS the ports (and the local address) of the
 * socket it must be: the only one of tgtd's from its initiator address.
 * Where several connections come from one address, nothing tells them apart
 * (tgtadm prints no port): they keep port 0. Strings are talloc'd on MEM. */
void tgt_sockets_match(TALLOC_CTX *mem, const struct tgt_socket *sockets, size_t n,
		       struct iscsi_session_info *sessions, size_t n_sessions);

#endif
