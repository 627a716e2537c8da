/* tgtd's TCP connections from procfs, and which is which connection
 * (tgt_sockets.h). The tables are read on a workpool (tgt_conn_ports.c). */
#include "backend/tgt_sockets.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TCP_ESTABLISHED_STATE 1
#define MAX_TGTD_SOCKETS 65536

/* The inodes of PID's sockets, sorted. */
static int socket_inodes(TALLOC_CTX *mem, const char *proc, pid_t pid, uint64_t **out, size_t *n)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%d/fd", proc, (int)pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return -errno;
	uint64_t *v = talloc_array(mem, uint64_t, 0);
	size_t count = 0;
	struct dirent *e;
	while (v != NULL && count < MAX_TGTD_SOCKETS && (e = readdir(d)) != NULL) {
		char target[64];
		if (e->d_name[0] == '.')
			continue;
		ssize_t len = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		unsigned long long ino;
		if (sscanf(target, "socket:[%llu]", &ino) != 1)
			continue;
		v = talloc_realloc(mem, v, uint64_t, count + 1);
		if (v != NULL)
			v[count++] = ino;
	}
	closedir(d);
	if (v == NULL)
		return -ENOMEM;
	*out = v;
	*n = count;
	return 0;
}

static bool has_inode(const uint64_t *v, size_t n, uint64_t ino)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == ino)
			return true;
	return false;
}

/* "0100007F:0CBC" (IPv4) or 32 hex digits and a port (IPv6): the kernel
 * prints each 32-bit word of the address in host order. */
static bool parse_endpoint(const char *s, bool v6, char *addr, size_t size, uint16_t *port)
{
	const char *colon = strchr(s, ':');
	size_t digits = v6 ? 32 : 8;
	if (colon == NULL || (size_t)(colon - s) != digits)
		return false;
	uint32_t words[4];
	for (size_t w = 0; w < digits / 8; w++) {
		char hex[9];
		memcpy(hex, s + 8 * w, 8);
		hex[8] = '\0';
		char *end;
		words[w] = (uint32_t)strtoul(hex, &end, 16);
		if (*end != '\0')
			return false;
	}
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 16);
	if (end == colon + 1 || p > UINT16_MAX)
		return false;
	*port = (uint16_t)p;
	if (!v6)
		return inet_ntop(AF_INET, words, addr, (socklen_t)size) != NULL;
	struct in6_addr a6;
	memcpy(&a6, words, sizeof(a6));
	if (IN6_IS_ADDR_V4MAPPED(&a6))
		return inet_ntop(AF_INET, &a6.s6_addr[12], addr, (socklen_t)size) != NULL;
	return inet_ntop(AF_INET6, &a6, addr, (socklen_t)size) != NULL;
}

/* Which sockets of a table are wanted: those with one of INODES (a
 * process's), or those whose local end is one of PORTALS (the kernel's own,
 * which no process holds). */
struct table_filter {
	const uint64_t *inodes;
	size_t n_inodes;
	const struct iscsi_portal *portals;
	size_t n_portals;
};

static bool same_address(const char *a, const char *b);

/* Whether LOCAL:PORT is one of the portals (a wildcard address matches any). */
static bool local_is_portal(const struct table_filter *f, const char *local, uint16_t port)
{
	for (size_t i = 0; i < f->n_portals; i++) {
		const char *a = f->portals[i].address;
		if (f->portals[i].port != port || a == NULL)
			continue;
		if (strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0 || same_address(a, local))
			return true;
	}
	return false;
}

static int read_table(TALLOC_CTX *mem, const char *path, bool v6, const struct table_filter *flt,
		      struct tgt_socket **v, size_t *n)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? 0 : -errno; /* no IPv6 here */
	/* One read() for the whole table where it fits: the kernel resumes a
	 * later read by position, and entries removed meanwhile (connections
	 * closing, TIME_WAIT expiring) would make it skip live ones. */
	setvbuf(f, NULL, _IOFBF, 256 * 1024);
	char line[512];
	if (fgets(line, sizeof(line), f) == NULL) { /* the header */
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char local[64], remote[64];
		unsigned state;
		unsigned long long ino;
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*s %63s %63s %x %*s %*s %*s %*s %*s %llu", local, remote, &state,
			   &ino) != 4)
			continue;
		if (state != TCP_ESTABLISHED_STATE ||
		    (flt->portals == NULL && !has_inode(flt->inodes, flt->n_inodes, ino)))
			continue;
		struct tgt_socket s = { .inode = ino };
		if (!parse_endpoint(local, v6, s.local, sizeof(s.local), &s.local_port) ||
		    !parse_endpoint(remote, v6, s.remote, sizeof(s.remote), &s.remote_port))
			continue;
		if (flt->portals != NULL && (ino == 0 || !local_is_portal(flt, s.local, s.local_port)))
			continue;
		struct tgt_socket *grown = talloc_realloc(mem, *v, struct tgt_socket, *n + 1);
		if (grown == NULL) {
			fclose(f);
			return -ENOMEM;
		}
		*v = grown;
		grown[(*n)++] = s;
	}
	fclose(f);
	return 0;
}

int tgt_sockets_read(TALLOC_CTX *mem_ctx, const char *proc, pid_t pid,
		     struct tgt_socket **sockets, size_t *n)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	uint64_t *inodes = NULL;
	size_t n_inodes = 0;
	if (tmp == NULL)
		return -ENOMEM;
	int rc = socket_inodes(tmp, proc, pid, &inodes, &n_inodes);
	struct tgt_socket *v = talloc_array(tmp, struct tgt_socket, 0);
	size_t count = 0;
	char path[PATH_MAX];
	if (rc == 0 && v == NULL)
		rc = -ENOMEM;
	/* The tables of tgtd's network namespace, which may not be ours. */
	struct table_filter flt = { .inodes = inodes, .n_inodes = n_inodes };
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/%d/net/tcp", proc, (int)pid);
		rc = read_table(tmp, path, false, &flt, &v, &count);
	}
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/%d/net/tcp6", proc, (int)pid);
		rc = read_table(tmp, path, true, &flt, &v, &count);
	}
	if (rc == 0) {
		*sockets = talloc_steal(mem_ctx, v);
		*n = count;
	}
	talloc_free(tmp);
	return rc;
}

int tgt_sockets_read_local(TALLOC_CTX *mem_ctx, const char *proc,
			   const struct iscsi_portal *portals, size_t n_portals,
			   struct tgt_socket **sockets, size_t *n)
{
	struct table_filter flt = { .portals = portals, .n_portals = n_portals };
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct tgt_socket *v = tmp ? talloc_array(tmp, struct tgt_socket, 0) : NULL;
	size_t count = 0;
	char path[PATH_MAX];
	int rc = v != NULL ? 0 : -ENOMEM;
	if (rc == 0 && n_portals > 0) {
		snprintf(path, sizeof(path), "%s/net/tcp", proc);
		rc = read_table(tmp, path, false, &flt, &v, &count);
	}
	if (rc == 0 && n_portals > 0) {
		snprintf(path, sizeof(path), "%s/net/tcp6", proc);
		rc = read_table(tmp, path, true, &flt, &v, &count);
	}
	if (rc == 0) {
		*sockets = talloc_steal(mem_ctx, v);
		*n = count;
	}
	talloc_free(tmp);
	return rc;
}

/* Whether two numeric addresses are the same (tgtadm and the kernel may
 * spell an IPv6 address differently). */
static bool same_address(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	if (inet_pton(AF_INET, a, x) == 1)
		return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
	if (inet_pton(AF_INET6, a, x) == 1)
		return inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
	return strcmp(a, b) == 0;
}

struct binding {
	uint64_t inode;
	uint16_t tsih;
	uint32_t cid;
};

struct tgt_port_map {
	struct binding *v;
	size_t n;
	uint64_t *unbound; /* the unbound sockets the last look could not bind */
	size_t n_unbound;
};

struct tgt_port_map *tgt_port_map_new(TALLOC_CTX *mem_ctx)
{
	return talloc_zero(mem_ctx, struct tgt_port_map);
}

void tgt_port_map_reset(struct tgt_port_map *m)
{
	TALLOC_FREE(m->v);
	TALLOC_FREE(m->unbound);
	m->n = m->n_unbound = 0;
}

static const struct binding *bound_socket(const struct tgt_port_map *m, uint64_t inode)
{
	for (size_t i = 0; m != NULL && i < m->n; i++)
		if (m->v[i].inode == inode)
			return &m->v[i];
	return NULL;
}

bool tgt_port_map_wants_look(const struct tgt_port_map *m, const struct tgt_socket *sockets,
			     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (bound_socket(m, sockets[i].inode) != NULL)
			continue;
		if (!has_inode(m->unbound, m->n_unbound, sockets[i].inode))
			return true;
	}
	return false;
}

static const struct tgt_socket *socket_of(const struct tgt_socket *sockets, size_t n,
					  uint64_t inode)
{
	for (size_t i = 0; i < n; i++)
		if (sockets[i].inode == inode)
			return &sockets[i];
	return NULL;
}

static const struct binding *bound_conn(const struct tgt_port_map *m, uint16_t tsih, uint32_t cid)
{
	for (size_t i = 0; m != NULL && i < m->n; i++)
		if (m->v[i].tsih == tsih && m->v[i].cid == cid)
			return &m->v[i];
	return NULL;
}

/* Keeps the bindings whose socket still lives (a connection ends with its
 * socket; a reinstated connection comes with a new socket). */
static void prune(struct tgt_port_map *m, const struct tgt_socket *sockets, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++)
		if (socket_of(sockets, n, m->v[i].inode) != NULL)
			m->v[k++] = m->v[i];
	m->n = k;
}

static void bind_conn(struct tgt_port_map *m, uint64_t inode, uint16_t tsih, uint32_t cid)
{
	struct binding *v = talloc_realloc(m, m->v, struct binding, m->n + 1);
	if (v == NULL)
		return; /* only knowledge lost */
	m->v = v;
	v[m->n++] = (struct binding){ inode, tsih, cid };
}

/* Whether the connection has a live binding to a socket from its address. */
static const struct tgt_socket *known_socket(const struct tgt_port_map *m,
					     const struct tgt_socket *sockets, size_t n,
					     uint16_t tsih, const struct iscsi_connection_info *ci)
{
	const struct binding *b = bound_conn(m, tsih, ci->cid);
	const struct tgt_socket *s = b ? socket_of(sockets, n, b->inode) : NULL;
	if (s == NULL || ci->initiator_address == NULL ||
	    !same_address(s->remote, ci->initiator_address))
		return NULL;
	return s;
}

/* The one socket from ADDRESS that no connection is bound to, if exactly
 * one; *COUNT says how many there are. */
static const struct tgt_socket *lone_unbound(const struct tgt_port_map *m,
					     const struct tgt_socket *sockets, size_t n,
					     const char *address, size_t *count)
{
	const struct tgt_socket *only = NULL;
	*count = 0;
	for (size_t k = 0; k < n; k++)
		if (bound_socket(m, sockets[k].inode) == NULL &&
		    same_address(sockets[k].remote, address)) {
			only = &sockets[k];
			(*count)++;
		}
	return *count == 1 ? only : NULL;
}

void tgt_sockets_match(struct tgt_port_map *m, TALLOC_CTX *mem, const struct tgt_socket *sockets,
		       size_t n, struct iscsi_session_info *sessions, size_t n_sessions)
{
	struct tgt_port_map *scratch = NULL;
	if (m == NULL)
		m = scratch = tgt_port_map_new(NULL);
	if (m == NULL)
		return;
	prune(m, sockets, n);
	/* Learn: an unbound connection that is the only one from its address,
	 * facing the only unbound socket from that address. */
	for (size_t i = 0; i < n_sessions; i++) {
		for (size_t j = 0; j < sessions[i].n_conns; j++) {
			const struct iscsi_connection_info *ci = &sessions[i].conns[j];
			if (ci->initiator_address == NULL ||
			    known_socket(m, sockets, n, sessions[i].tsih, ci) != NULL)
				continue;
			size_t unbound_conns = 0, count;
			for (size_t a = 0; a < n_sessions; a++)
				for (size_t b = 0; b < sessions[a].n_conns; b++) {
					const struct iscsi_connection_info *o = &sessions[a].conns[b];
					if (o->initiator_address != NULL &&
					    same_address(o->initiator_address, ci->initiator_address) &&
					    known_socket(m, sockets, n, sessions[a].tsih, o) == NULL)
						unbound_conns++;
				}
			const struct tgt_socket *s =
				lone_unbound(m, sockets, n, ci->initiator_address, &count);
			if (unbound_conns == 1 && s != NULL)
				bind_conn(m, s->inode, sessions[i].tsih, ci->cid);
		}
	}
	/* Tell. */
	for (size_t i = 0; i < n_sessions; i++) {
		for (size_t j = 0; j < sessions[i].n_conns; j++) {
			struct iscsi_connection_info *ci = &sessions[i].conns[j];
			const struct tgt_socket *s = known_socket(m, sockets, n, sessions[i].tsih, ci);
			const char *local = s ? talloc_strdup(mem, s->local) : NULL;
			if (local == NULL)
				continue;
			ci->initiator_port = s->remote_port;
			ci->target_address = local;
			ci->target_port = s->local_port;
		}
	}
	/* Remember what this look could not bind, not to look again for it. */
	uint64_t *unbound = talloc_array(m, uint64_t, n + 1);
	size_t n_unbound = 0;
	for (size_t k = 0; unbound != NULL && k < n; k++)
		if (bound_socket(m, sockets[k].inode) == NULL)
			unbound[n_unbound++] = sockets[k].inode;
	talloc_free(m->unbound);
	m->unbound = unbound;
	m->n_unbound = unbound ? n_unbound : 0;
	talloc_free(scratch);
}
