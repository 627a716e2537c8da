/* Closed-loop load generator (B1, B2): CONNS connections, each with one call
 * in flight, for SECONDS after a warm-up; prints one line of figures:
 *
 *   mode=istm level=privacy conns=1 calls=... calls_s=... p50_us=... p99_us=...
 *   srv_cpu_s=... calls_per_srv_cpu_s=... req_bytes=... resp_bytes=...
 *
 * Modes:
 *  istm  IWTGeneral::get_Name (MS-ISTM 3.2.4.1) over DCOM, NTLMv2, at
 *        --level privacy (sealed) or integrity (signed): the istmd client
 *        library (src/dcom/client.c), as istmctl uses it;
 *  epm   unauthenticated ept_map (MS-RPCE 2.2.1.2.5) on the endpoint mapper;
 *  echo  a raw TCP exchange of --req bytes for --resp bytes (bench_echo);
 *  hold-tcp, hold-ntlm  (B5) open CONNS idle connections (plain TCP, or bound
 *        with NTLMv2 at privacy to IObjectExporter), print "held N", and wait
 *        for standard input to close.
 * --server-pid gives the server's CPU seconds over the measured window
 * (/proc/PID/stat) and the bytes it read/wrote per call (/proc/PID/io: use
 * them as the echo baseline's sizes). */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ndr.h>
#include <talloc.h>
#include <tevent.h>

#include "bench_common.h"
#include "dcom/client.h"
#include "idl/ndr_ms_dcom.h"
#include "idl/ndr_ms_istm.h"
#include "idl/ndr_ms_rpce.h"
#include "ndr/idl_interface.h"
#include "rpc/client.h"
#include "rpc/tower.h"

#define CLSID_WTGENERAL "baa4a577-202d-49c7-a6bb-10ee914ee199"

struct opts {
	const char *mode, *host, *user, *password, *level;
	uint16_t port;
	unsigned conns;
	double seconds, warmup;
	pid_t server_pid;
	size_t req, resp;
	int cpu;
};

struct run {
	struct opts *o;
	struct tevent_context *ev;
	uint64_t start_ns, end_ns;
	bool measuring, stopping;
	unsigned in_flight;
	uint64_t calls, errors;
	struct bench_lat lat;
};

struct slot {
	struct run *run;
	struct dcom_client *dc;
	struct dcom_iface *general;
	struct rpc_client *rc;
	twr_t tower;
	struct policy_handle handle;
	uint64_t t0;
	TALLOC_CTX *call_mem;
};

static void issue(struct slot *s);

static void finished(struct slot *s, int rc)
{
	struct run *r = s->run;
	uint64_t now = bench_now_ns();
	TALLOC_FREE(s->call_mem);
	r->in_flight--;
	if (rc != 0) {
		r->errors++;
		if (r->errors < 5)
			fprintf(stderr, "bench_load: call failed: %s\n", strerror(-rc));
		return; /* this connection stops */
	}
	if (r->measuring && now <= r->end_ns) {
		r->calls++;
		bench_lat_add(&r->lat, now - s->t0);
	}
	if (!r->measuring && now >= r->start_ns)
		r->measuring = true;
	if (now < r->end_ns)
		issue(s);
}

static void istm_done(struct tevent_req *req)
{
	struct slot *s = tevent_req_callback_data(req, struct slot);
	uint32_t fault = 0;
	int rc = dcom_client_call_recv(req, &fault);
	talloc_free(req);
	finished(s, rc);
}

static void epm_done(struct tevent_req *req)
{
	struct slot *s = tevent_req_callback_data(req, struct slot);
	uint32_t fault = 0;
	int rc = rpc_client_call_recv(req, &fault);
	talloc_free(req);
	finished(s, rc);
}

static void issue(struct slot *s)
{
	struct run *r = s->run;
	s->call_mem = talloc_new(s);
	s->t0 = bench_now_ns();
	struct tevent_req *req;
	if (strcmp(r->o->mode, "istm") == 0) {
		struct IWTGeneral_get_Name *n = talloc_zero(s->call_mem, struct IWTGeneral_get_Name);
		req = dcom_client_call_send(s->call_mem, r->ev, s->general, &ndr_table_IWTGeneral,
					    NDR_IWTGENERAL_GET_NAME, s->call_mem, n);
		if (req != NULL)
			tevent_req_set_callback(req, istm_done, s);
	} else {
		struct ept_map *m = talloc_zero(s->call_mem, struct ept_map);
		m->in.map_tower = &s->tower;
		m->in.entry_handle = &s->handle;
		m->in.max_towers = 4;
		req = rpc_client_call_send(s->call_mem, r->ev, s->rc, &ndr_table_ept, NDR_EPT_MAP,
					   NULL, s->call_mem, m);
		if (req != NULL)
			tevent_req_set_callback(req, epm_done, s);
	}
	if (req == NULL) {
		r->errors++;
		return;
	}
	r->in_flight++;
}

static int setup_slot(struct run *r, struct slot *s)
{
	struct opts *o = r->o;
	s->run = r;
	if (strcmp(o->mode, "istm") == 0) {
		struct dcom_client_options co = {
			.host = o->host,
			.port = o->port,
			.auth = { .auth_type = 10, /* NTLMSSP */
				  .auth_level = strcmp(o->level, "integrity") == 0 ? 5 : 6,
				  .user = o->user,
				  .domain = "",
				  .password = o->password },
			.timeout_ms = 30000,
		};
		int rc = dcom_client_connect(s, r->ev, &co, &s->dc);
		if (rc != 0)
			return rc;
		struct GUID clsid;
		GUID_from_string(CLSID_WTGENERAL, &clsid);
		uint32_t hr = 0, result = 0, fault = 0;
		rc = dcom_client_activate(s, s->dc, &clsid, 1, &ndr_table_IWTGeneral.syntax_id.uuid,
					  &hr, &result, &s->general, &fault);
		if (rc == 0 && (hr != 0 || result != 0 || s->general == NULL))
			rc = -EPROTO;
		return rc;
	}
	int rc = rpc_client_connect(s, r->ev, o->host, o->port, NULL, &ndr_table_ept, 30000, &s->rc);
	if (rc != 0)
		return rc;
	DATA_BLOB t;
	const uint8_t ip[4] = { 0, 0, 0, 0 };
	rc = rpc_tower_build_tcp(s, &ndr_table_IRemoteSCMActivator.syntax_id, 0, ip, &t);
	s->tower.tower_length = (uint32_t)t.length;
	s->tower.tower_octet_string = t.data;
	return rc;
}

/* ---- echo: plain sockets, poll() ---- */

static int echo_run(struct run *r)
{
	struct opts *o = r->o;
	unsigned n = o->conns;
	struct pollfd *pfd = calloc(n, sizeof(*pfd));
	size_t *got = calloc(n, sizeof(size_t));
	uint64_t *t0 = calloc(n, sizeof(uint64_t));
	char *req = calloc(1, o->req), *buf = malloc(o->resp > 65536 ? o->resp : 65536);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(o->port) };
	inet_pton(AF_INET, o->host, &a.sin_addr);
	for (unsigned i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			perror("bench_load: echo connect");
			return -1;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		pfd[i] = (struct pollfd){ .fd = fd, .events = POLLIN };
		t0[i] = bench_now_ns();
		if (send(fd, req, o->req, MSG_NOSIGNAL) != (ssize_t)o->req)
			return -1;
	}
	unsigned active = n;
	while (active > 0) {
		if (poll(pfd, n, 1000) < 0)
			return -1;
		for (unsigned i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			ssize_t k = recv(pfd[i].fd, buf, o->resp - got[i], 0);
			if (k <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				active--;
				r->errors++;
				continue;
			}
			got[i] += (size_t)k;
			if (got[i] < o->resp)
				continue;
			got[i] = 0;
			uint64_t now = bench_now_ns();
			if (!r->measuring && now >= r->start_ns)
				r->measuring = true;
			else if (r->measuring && now <= r->end_ns) {
				r->calls++;
				bench_lat_add(&r->lat, now - t0[i]);
			}
			if (now >= r->end_ns) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				active--;
				continue;
			}
			t0[i] = now;
			if (send(pfd[i].fd, req, o->req, MSG_NOSIGNAL) != (ssize_t)o->req)
				return -1;
		}
	}
	return 0;
}

static int hold(struct run *r, bool ntlm)
{
	struct opts *o = r->o;
	unsigned held = 0;
	for (unsigned i = 0; i < o->conns; i++) {
		if (ntlm) {
			struct rpc_client_auth auth = { .auth_type = 10, .auth_level = 6,
							.user = o->user, .domain = "",
							.password = o->password };
			struct rpc_client *c;
			if (rpc_client_connect(r->ev, r->ev, o->host, o->port, &auth,
					       &ndr_table_IObjectExporter, 30000, &c) != 0)
				break;
		} else {
			struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(o->port) };
			inet_pton(AF_INET, o->host, &a.sin_addr);
			int fd = socket(AF_INET, SOCK_STREAM, 0);
			if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
				break;
		}
		held++;
	}
	printf("held %u\n", held);
	fflush(stdout);
	char c;
	while (read(0, &c, 1) > 0)
		;
	return held == o->conns ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_load --mode istm|epm|echo --host ADDR --port N [--conns N]\n"
		"       [--seconds S] [--warmup S] [--server-pid PID] [--cpu N]\n"
		"       istm: --user U --password P [--level privacy|integrity]\n"
		"       echo: --req BYTES --resp BYTES\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .mode = "istm", .host = "127.0.17.1", .level = "privacy", .conns = 1,
			  .seconds = 5, .warmup = 1, .req = 96, .resp = 96, .cpu = -1 };
	static const struct option lo[] = {
		{ "mode", 1, 0, 'm' },     { "host", 1, 0, 'H' },   { "port", 1, 0, 'p' },
		{ "user", 1, 0, 'u' },     { "password", 1, 0, 'P' }, { "level", 1, 0, 'l' },
		{ "conns", 1, 0, 'c' },    { "seconds", 1, 0, 's' }, { "warmup", 1, 0, 'w' },
		{ "server-pid", 1, 0, 'S' }, { "req", 1, 0, 'q' },  { "resp", 1, 0, 'r' },
		{ "cpu", 1, 0, 'C' },      { 0, 0, 0, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'm': o.mode = optarg; break;
		case 'H': o.host = optarg; break;
		case 'p': o.port = (uint16_t)atoi(optarg); break;
		case 'u': o.user = optarg; break;
		case 'P': o.password = optarg; break;
		case 'l': o.level = optarg; break;
		case 'c': o.conns = (unsigned)atoi(optarg); break;
		case 's': o.seconds = atof(optarg); break;
		case 'w': o.warmup = atof(optarg); break;
		case 'S': o.server_pid = atoi(optarg); break;
		case 'q': o.req = (size_t)atol(optarg); break;
		case 'r': o.resp = (size_t)atol(optarg); break;
		case 'C': o.cpu = atoi(optarg); break;
		default: usage();
		}
	}
	if (o.port == 0 || o.conns == 0 || o.req == 0 || o.resp == 0 ||
	    ((strcmp(o.mode, "istm") == 0 || strcmp(o.mode, "hold-ntlm") == 0) &&
	     (o.user == NULL || o.password == NULL)))
		usage();
	bench_pin(o.cpu);
	TALLOC_CTX *mem = talloc_new(NULL);
	struct run r = { .o = &o, .ev = tevent_context_init(mem) };
	/* each slot its own talloc context: connections and calls hang on it */
	struct slot **slots = talloc_zero_array(mem, struct slot *, o.conns);
	for (unsigned i = 0; i < o.conns; i++)
		slots[i] = talloc_zero(slots, struct slot);
	bool echo = strcmp(o.mode, "echo") == 0;
	if (strncmp(o.mode, "hold-", 5) == 0)
		return hold(&r, strcmp(o.mode, "hold-ntlm") == 0);
	for (unsigned i = 0; !echo && i < o.conns; i++) {
		int rc = setup_slot(&r, slots[i]);
		if (rc != 0) {
			fprintf(stderr, "bench_load: connection %u: %s\n", i, strerror(-rc));
			return 1;
		}
	}
	/* The window opens after the warm-up; CPU and bytes are read at its
	 * edges (the first completion after start, and the end). */
	uint64_t now = bench_now_ns();
	r.start_ns = now + (uint64_t)(o.warmup * 1e9);
	r.end_ns = r.start_ns + (uint64_t)(o.seconds * 1e9);
	double cpu0 = -1, cpu1 = -1;
	/* request and response bytes per call: what this process's sockets
	 * carried (TCP_INFO), not the server's view */
	long long rc0 = -1, wc0 = -1, rc1 = -1, wc1 = -1;
	int rc = 0;
	if (echo) {
		/* the warm-up is short and CPU read around the whole run */
		if (o.server_pid)
			cpu0 = bench_proc_cpu(o.server_pid);
		r.start_ns = now;
		r.end_ns = now + (uint64_t)(o.seconds * 1e9);
		rc = echo_run(&r);
	} else {
		for (unsigned i = 0; i < o.conns; i++)
			issue(slots[i]);
		bool sampled = false;
		while (r.in_flight > 0) {
			tevent_loop_once(r.ev);
			if (!sampled && r.measuring) {
				if (o.server_pid)
					cpu0 = bench_proc_cpu(o.server_pid);
				bench_self_tcp_bytes(&wc0, &rc0);
				sampled = true;
			}
		}
	}
	if (o.server_pid)
		cpu1 = bench_proc_cpu(o.server_pid);
	if (!echo)
		bench_self_tcp_bytes(&wc1, &rc1);
	if (rc != 0 || r.calls == 0) {
		fprintf(stderr, "bench_load: no calls measured (%llu errors)\n",
			(unsigned long long)r.errors);
		return 1;
	}
	double secs = o.seconds;
	double srv = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
	printf("mode=%s level=%s conns=%u calls=%llu errors=%llu calls_s=%.0f p50_us=%.1f "
	       "p99_us=%.1f srv_cpu_s=%.2f calls_per_srv_cpu_s=%.0f req_bytes=%.0f "
	       "resp_bytes=%.0f\n",
	       o.mode, echo ? "-" : (strcmp(o.mode, "istm") == 0 ? o.level : "none"), o.conns,
	       (unsigned long long)r.calls, (unsigned long long)r.errors, (double)r.calls / secs,
	       (double)bench_lat_pct(&r.lat, 50) / 1e3, (double)bench_lat_pct(&r.lat, 99) / 1e3,
	       srv, srv > 0 ? (double)r.calls / srv : 0.0,
	       echo ? (double)o.req : (double)(wc1 - wc0) / (double)r.calls,
	       echo ? (double)o.resp : (double)(rc1 - rc0) / (double)r.calls);
	bench_lat_free(&r.lat);
	talloc_free(mem);
	return 0;
}
