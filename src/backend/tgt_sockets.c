/* tgtd's TCP connections from procfs (tgt_sockets.h). procfs reads do not
 * block on I/O; the tables are read once per sessions() call. */
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

static int read_table(TALLOC_CTX *mem, const char *path, bool v6, const uint64_t *inodes,
		      size_t n_inodes, struct tgt_socket **v, size_t *n)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? 0 : -errno; /* no IPv6 here */
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
		if (state != TCP_ESTABLISHED_STATE || !has_inode(inodes, n_inodes, ino))
			continue;
		struct tgt_socket s;
		if (!parse_endpoint(local, v6, s.local, sizeof(s.local), &s.local_port) ||
		    !parse_endpoint(remote, v6, s.remote, sizeof(s.remote), &s.remote_port))
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
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/%d/net/tcp", proc, (int)pid);
		rc = read_table(tmp, path, false, inodes, n_inodes, &v, &count);
	}
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/%d/net/tcp6", proc, (int)pid);
		rc = read_table(tmp, path, true, inodes, n_inodes, &v, &count);
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

void tgt_sockets_match(TALLOC_CTX *mem, const struct tgt_socket *sockets, size_t n,
		       struct iscsi_session_info *sessions, size_t n_sessions)
{
	for (size_t i = 0; i < n_sessions; i++) {
		for (size_t j = 0; j < sessions[i].n_conns; j++) {
			struct iscsi_connection_info *ci = &sessions[i].conns[j];
			const struct tgt_socket *only = NULL;
			size_t found = 0;
			for (size_t k = 0; ci->initiator_address != NULL && k < n; k++)
				if (same_address(sockets[k].remote, ci->initiator_address)) {
					only = &sockets[k];
					found++;
				}
			if (found != 1)
				continue;
			const char *local = talloc_strdup(mem, only->local);
			if (local == NULL)
				continue;
			ci->initiator_port = only->remote_port;
			ci->target_address = local;
			ci->target_port = only->local_port;
		}
	}
}
