/* Listening sockets: every [rpc] listen address on the endpoint-mapper port
 * and on the object port (one port for all addresses, ephemeral when 0). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "istmd/log.h"
#include "rpc/internal.h"

#define RPC_ACCEPTS_PER_WAKEUP 32
#define RPC_MAX_REFUSING 16 /* over-the-limit clients we answer with a bind_nak */

struct rpc_listener {
	struct rpc_listener *next;
	struct rpc_server *server;
	int fd;
	enum rpc_endpoint endpoint;
	struct tevent_fd *fde;
	struct tevent_timer *backoff;
};

bool rpc_address_is_wildcard(const char *address)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, address, &a4) == 1)
		return a4.s_addr == htonl(INADDR_ANY);
	if (inet_pton(AF_INET6, address, &a6) == 1)
		return IN6_IS_ADDR_UNSPECIFIED(&a6);
	return false;
}

/* "127.0.0.2", "::1" or "[::1]". */
static int parse_address(const char *text, uint16_t port, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	char buf[64];
	size_t n = strlen(text);
	if (n >= 2 && text[0] == '[' && text[n - 1] == ']' && n - 2 < sizeof(buf)) {
		memcpy(buf, text + 1, n - 2);
		buf[n - 2] = '\0';
		text = buf;
	}
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -EINVAL;
}

char *rpc_address_canonical(TALLOC_CTX *mem_ctx, const char *text)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[INET6_ADDRSTRLEN];
	if (parse_address(text, 0, &ss, &len) != 0)
		return NULL;
	const void *a = ss.ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr :
						(const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	if (inet_ntop(ss.ss_family, a, buf, sizeof(buf)) == NULL)
		return NULL;
	return talloc_strdup(mem_ctx, buf);
}

static int listener_destructor(struct rpc_listener *l)
{
	close(l->fd);
	return 0;
}

static void resume_accepting(struct tevent_context *ev, struct tevent_timer *te,
			     struct timeval now, void *priv)
{
	struct rpc_listener *l = priv;
	l->backoff = NULL;
	tevent_fd_set_flags(l->fde, TEVENT_FD_READ);
}

static void on_accept(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags,
		      void *priv)
{
	struct rpc_listener *l = priv;
	struct rpc_server *s = l->server;

	for (int i = 0; i < RPC_ACCEPTS_PER_WAKEUP; i++) {
		struct sockaddr_storage peer = { 0 };
		socklen_t peer_len = sizeof(peer);
		int fd = accept4(l->fd, (struct sockaddr *)&peer, &peer_len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
			    errno == ECONNABORTED)
				return;
			/* Out of descriptors: pause this listener for a second
			 * rather than spin on it. */
			log_warn("accept on port %u: %s", l->endpoint == RPC_EP_MAPPER ?
				 s->mapper_port : s->object_port, strerror(errno));
			tevent_fd_set_flags(l->fde, 0);
			l->backoff = tevent_add_timer(ev, l, tevent_timeval_current_ofs(1, 0),
						      resume_accepting, l);
			return;
		}
		if (s->shutting_down) {
			close(fd);
			continue;
		}
		/* Full (in all, or for this client address): idle unauthenticated
		 * connections make room before anyone is refused (issue 9). */
		if (!rpc_server_admit(s, &peer)) {
			if (s->nrefusing >= RPC_MAX_REFUSING) {
				close(fd);
				continue;
			}
			rpc_conn_new(s, fd, l->endpoint, true);
			continue;
		}
		rpc_conn_new(s, fd, l->endpoint, false);
	}
}

static int open_listener(struct rpc_server *s, const char *address, uint16_t port,
			 enum rpc_endpoint endpoint, uint16_t *bound_port, char **err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (parse_address(address, port, &ss, &len) != 0) {
		*err = talloc_asprintf(s, "[rpc] listen: '%s' is not a numeric IPv4 or IPv6 address",
				       address);
		return -EINVAL;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto fail;
	if (ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 128) != 0)
		goto fail;
	struct sockaddr_storage got;
	socklen_t got_len = sizeof(got);
	if (getsockname(fd, (struct sockaddr *)&got, &got_len) != 0)
		goto fail;
	*bound_port = ntohs(got.ss_family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port :
						       ((struct sockaddr_in6 *)&got)->sin6_port);

	struct rpc_listener *l = talloc_zero(s, struct rpc_listener);
	if (l == NULL) {
		close(fd);
		return -ENOMEM;
	}
	l->server = s;
	l->fd = fd;
	l->endpoint = endpoint;
	talloc_set_destructor(l, listener_destructor);
	l->fde = tevent_add_fd(s->ev, l, fd, TEVENT_FD_READ, on_accept, l);
	if (l->fde == NULL) {
		talloc_free(l);
		return -ENOMEM;
	}
	l->next = s->listeners;
	s->listeners = l;
	log_info("listening on %s port %u (%s)", address, *bound_port,
		 endpoint == RPC_EP_MAPPER ? "endpoint mapper" : "objects");
	return 0;
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	*err = talloc_asprintf(s, "cannot listen on %s port %u: %s", address, port, strerror(e));
	return -e;
}

static void close_listeners(struct rpc_server *s, enum rpc_endpoint endpoint)
{
	struct rpc_listener **pl = &s->listeners;
	while (*pl != NULL) {
		struct rpc_listener *l = *pl;
		if (l->endpoint == endpoint) {
			*pl = l->next;
			talloc_free(l);
		} else {
			pl = &l->next;
		}
	}
}

/* Opens ENDPOINT on every address. Port 0 is picked on the first address and
 * must then be free on the others too; try a few times. */
static int listen_all(struct rpc_server *s, enum rpc_endpoint endpoint, uint16_t *port, char **err)
{
	bool ephemeral = *port == 0;
	int rc = 0;
	for (int attempt = 0; attempt < 8; attempt++) {
		uint16_t want = *port, got;
		rc = 0;
		for (size_t i = 0; s->addresses[i] != NULL && rc == 0; i++) {
			rc = open_listener(s, s->addresses[i], want, endpoint, &got, err);
			if (rc == 0)
				want = got;
		}
		if (rc == 0) {
			*port = want;
			return 0;
		}
		close_listeners(s, endpoint);
		if (!ephemeral || rc != -EADDRINUSE)
			return rc;
	}
	return rc;
}

int rpc_listen(struct rpc_server *s, char **err)
{
	int rc = listen_all(s, RPC_EP_MAPPER, &s->mapper_port, err);
	if (rc == 0)
		rc = listen_all(s, RPC_EP_OBJECT, &s->object_port, err);
	return rc;
}

void rpc_server_shutdown(struct rpc_server *s)
{
	s->shutting_down = true;
	while (s->listeners != NULL) {
		struct rpc_listener *l = s->listeners;
		s->listeners = l->next;
		talloc_free(l);
	}
	/* C706 12.6.4.11, MS-RPCE 3.3.3.4.2: a shutdown PDU asks bound clients
	 * to let go of the connection; then it is closed. */
	for (struct rpc_conn *c = s->conns; c != NULL; c = c->next) {
		struct ncacn_packet pkt;
		DATA_BLOB blob;
		rpc_pdu_init(&pkt, DCERPC_PKT_SHUTDOWN, DCERPC_PFC_FLAG_FIRST | DCERPC_PFC_FLAG_LAST, 0);
		if (c->bound && !c->refusing && rpc_pdu_push(c, &pkt, NULL, &blob) == 0)
			rpc_conn_send(c, blob);
		rpc_conn_terminate(c, "server stopping");
	}
}
