/* The connection state machine (src/rpc/conn.c, handshake.c, call.c, sec.c):
 * a byte stream written into one connection of a real server, several PDUs
 * per read, with the endpoint mapper and every generated DCOM/ISTM interface
 * registered (their calls complete with a fault, half of them later from the
 * loop, so that calls are pending while the connection changes state).
 *
 * Input: one flag byte (bit 0: the object endpoint instead of the mapper's;
 * bit 1: write the stream in two parts, the loop running in between, split
 * where the next byte says), that byte, then the stream. The connection is a
 * socketpair handed to rpc_conn_new(); after the stream the client side
 * half-closes and the loop runs until the server has freed the connection. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/users_file.h"
#include "fuzz_ndr_calls.h"
#include "fuzz_util.h"
#include "istmd/config.h"
#include "istmd/log.h"
#include "rpc/epm.h"
#include "rpc/internal.h"

static struct tevent_context *ev;
static struct rpc_server *server;
static struct cfg *cfg; /* kept: a leak checker must not see it lost */
static char users_path[4096];

static void remove_file(void)
{
	unlink(users_path);
}

static void complete_later(struct tevent_context *e, struct tevent_immediate *im, void *priv)
{
	rpc_call_complete(priv, DCERPC_FAULT_ACCESS_DENIED);
	talloc_free(im);
}

static void dispatch(struct rpc_call *call, uint32_t opnum, void *r, void *priv)
{
	struct tevent_immediate *im = (opnum & 1) ? tevent_create_immediate(NULL) : NULL;
	if (im == NULL) {
		rpc_call_complete(call, DCERPC_FAULT_ACCESS_DENIED);
		return;
	}
	tevent_schedule_immediate(im, ev, complete_later, call);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LVL_ERR);
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(users_path, sizeof(users_path), "%s/fuzz-conn-users.%ld", tmp, (long)getpid());
	unlink(users_path);
	if (users_add(users_path, "alice", true, "Secret-alice-1") != 0)
		abort();
	atexit(remove_file);
	struct auth_accounts *accounts = auth_accounts_open(NULL, users_path);
	static struct auth_server_options options = {
		.nb_computer_name = "ISTMD", .nb_domain_name = "WORKGROUP",
		.dns_computer_name = "istmd.test", .dns_domain_name = "test",
	};
	ev = tevent_context_init(NULL);
	char *err = NULL;
	/* ephemeral ports on 127.0.0.1: the listeners are never used */
	cfg = cfg_parse(NULL, "fuzz.conf",
				    "[rpc]\nlisten = 127.0.0.1\nendpoint_mapper_port = 0\n"
				    "object_port = 0\nmin_auth_level = none\n"
				    "max_pdu_size = 5840\nmax_request_size = 262144\n",
				    &err);
	if (ev == NULL || accounts == NULL || cfg == NULL)
		abort();
	server = rpc_server_new(NULL, ev, cfg, accounts, &options, &err);
	if (server == NULL || rpc_epm_register(server) != 0) {
		fprintf(stderr, "fuzz_rpc_conn: %s\n", err ? err : "rpc_epm_register failed");
		abort();
	}
	static struct fuzz_ndr_call calls[FUZZ_NDR_MAX_CALLS];
	size_t n = fuzz_ndr_calls(calls);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && calls[i - 1].iface == calls[i].iface)
			continue;
		const struct rpc_interface iface = {
			.idl = calls[i].iface,
			.endpoints = RPC_EP_MAPPER | RPC_EP_OBJECT,
			.dispatch = dispatch,
		};
		(void)rpc_server_register(server, &iface); /* -EEXIST: the EPM's own */
	}
	return 0;
}

static void drain(int fd)
{
	uint8_t buf[16384];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void wake(struct tevent_context *e, struct tevent_timer *te, struct timeval now, void *priv)
{
}

/* Runs the loop (never blocking more than 5 ms a turn) until the server has
 * no connection left or ROUNDS turns passed. */
static void pump(int client, unsigned rounds)
{
	for (unsigned i = 0; i < rounds && server->conns != NULL; i++) {
		drain(client);
		/* tevent frees a timer that fired: free it through a parent */
		TALLOC_CTX *turn = talloc_new(NULL);
		tevent_add_timer(ev, turn, tevent_timeval_current_ofs(0, 5000), wake, NULL);
		tevent_loop_once(ev);
		talloc_free(turn);
	}
	drain(client);
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0) {
			if (w < 0 && errno == EAGAIN) {
				pump(fd, 1);
				continue;
			}
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	enum rpc_endpoint ep = (data[0] & 1) ? RPC_EP_OBJECT : RPC_EP_MAPPER;
	const uint8_t *stream = data + 2;
	size_t len = size - 2, first = len;
	if (data[0] & 2)
		first = len * data[1] / 256;
	if (rpc_conn_new(server, sv[0], ep, false) == NULL)
		abort();
	send_all(sv[1], stream, first);
	if (first < len) {
		pump(sv[1], 4);
		send_all(sv[1], stream + first, len - first);
	}
	shutdown(sv[1], SHUT_WR);
	pump(sv[1], 2000);
	if (server->conns != NULL) {
		/* the server did not finish with a half-closed client: a hang */
		fprintf(stderr, "fuzz_rpc_conn: the connection is still open after the client closed\n");
		abort();
	}
	close(sv[1]);
	return 0;
}
