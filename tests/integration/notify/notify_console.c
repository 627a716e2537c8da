/* A test "console" for status notifications (MS-ISTM 3.41): a separate
 * process exporting IStatusNotify objects through its own OXID resolver on
 * a loopback address, built on istmd's own RPC server and DCOM runtime
 * (src/rpc, src/dcom: docs/notifications.md says so; the independent peer
 * for the calls' encoding is the generated NDR both sides share, see the
 * limits there). It records every call it receives.
 *
 *   notify_console --listen ADDR --epm-port N --object-port N --users FILE
 *                  --log FILE [--ping-period S]
 *
 * Commands on standard input, one per line, answered on standard output:
 *   new ok|error     a new object; its calls answer S_OK or E_FAIL
 *                    -> "objref ID HEX" (the OBJREF, resolver = ADDR[N])
 *   fake ADDR PORT   an OBJREF whose resolver binding is ADDR[PORT] (a
 *                    hostile or dead "console") -> "objref 0 HEX"
 *   count            -> "objects N" (live IStatusNotify objects here: an
 *                    object nobody pings goes after 2 ping periods)
 * Log lines: "MS ID LunListChanged COOKIE" and
 *            "MS ID LunStatusUpdate COOKIE WTD STATUS PERCENT ERROR"
 * (MS: CLOCK_MONOTONIC milliseconds). SIGTERM or end of input: exit 0. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <talloc.h>
#include <tevent.h>

#include "auth/auth.h"
#include "dcom/exporter.h"
#include "dcom/internal.h"
#include "dcom/objref.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/config.h"
#include "istmd/hresult.h"
#include "istmd/log.h"
#include "rpc/epm.h"
#include "rpc/server.h"

struct console {
	struct tevent_context *ev;
	struct dcom_exporter *ex;
	const char *listen;
	FILE *log;
	unsigned next_id;
	unsigned live;
	char line[4096];
	size_t len;
	bool quit;
};

struct sink {
	struct console *c;
	unsigned id;
	bool fail;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void lun_list_changed(struct dcom_call *call, void *object, void *rv)
{
	struct sink *s = object;
	struct IStatusNotify_LunListChanged *r = rv;
	fprintf(s->c->log, "%llu %u LunListChanged %u\n", (unsigned long long)now_ms(), s->id,
		r->in.lCookie);
	fflush(s->c->log);
	dcom_call_done(call, s->fail ? E_FAIL : S_OK);
}

static void lun_status_update(struct dcom_call *call, void *object, void *rv)
{
	struct sink *s = object;
	struct IStatusNotify_LunStatusUpdate *r = rv;
	const struct LUN_STATUS *st = r->in.pLunStatus;
	fprintf(s->c->log, "%llu %u LunStatusUpdate %u %u %u %u %u\n",
		(unsigned long long)now_ms(), s->id, r->in.lCookie, st->dwLun,
		(unsigned)st->eStatus, st->dwProgressPercent, st->dwCompletionError);
	fflush(s->c->log);
	dcom_call_done(call, s->fail ? E_FAIL : S_OK);
}

static const dcom_method_fn sink_methods[] = {
	[NDR_ISTATUSNOTIFY_LUNLISTCHANGED] = lun_list_changed,
	[NDR_ISTATUSNOTIFY_LUNSTATUSUPDATE] = lun_status_update,
};

static const struct dcom_chain sink_chains[] = {
	DCOM_CHAIN(IStatusNotify, sink_methods),
};

static void sink_release(void *object)
{
	struct sink *s = object;
	s->c->live--;
}

static const struct dcom_class sink_class = {
	.name = "TestStatusNotify",
	.chains = sink_chains,
	.num_chains = 1,
	.release = sink_release,
};

static void print_objref(unsigned id, const struct MInterfacePointer *mip)
{
	printf("objref %u ", id);
	for (uint32_t i = 0; i < mip->ulCntData; i++)
		printf("%02x", mip->abData[i]);
	printf("\n");
}

/* A new object, exported with 5 references credited to in-process calls
 * (whoever registers it is not known here), alive while it has IPIDs: an
 * object nobody pings is collected (MS-DCOM 3.1.1.6.2). */
static int cmd_new(struct console *c, bool fail)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct sink *s = talloc_zero(NULL, struct sink);
	if (tmp == NULL || s == NULL)
		return -ENOMEM;
	s->c = c;
	s->id = ++c->next_id;
	s->fail = fail;
	struct dcom_object *obj = dcom_object_new(tmp, c->ex, &sink_class, s);
	struct dcom_peer *peer = dcom_peer_get(c->ex, NULL, "console");
	struct STDOBJREF std;
	struct MInterfacePointer *mip = NULL;
	int rc = -ENOMEM;
	if (obj != NULL && peer != NULL &&
	    dcom_export(obj, &idl_iface_IStatusNotify, 5, peer, &std) != NULL &&
	    dcom_objref_standard(tmp, c->ex, &idl_iface_IStatusNotify.table->syntax_id.uuid, &std,
				 c->listen, &mip) == 0) {
		c->live++;
		print_objref(s->id, mip);
		rc = 0;
	}
	talloc_free(tmp); /* the object now lives while exported */
	return rc;
}

/* An OBJREF of IStatusNotify naming resolver ADDR[PORT] and made-up IDs. */
static int cmd_fake(struct console *c, const char *addr, unsigned port)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char binding[128];
	snprintf(binding, sizeof(binding), "%s[%u]", addr, port);
	size_t n = strlen(binding);
	/* one ncacn_ip_tcp string binding, then an empty security part */
	uint16_t *arr = talloc_zero_array(tmp, uint16_t, n + 5);
	arr[0] = 7;
	for (size_t i = 0; i < n; i++)
		arr[1 + i] = (uint16_t)binding[i];
	struct OBJREF o = { .signature = OBJREF_SIGNATURE, .flags = OBJREF_FLAG_STANDARD };
	o.iid = idl_iface_IStatusNotify.table->syntax_id.uuid;
	o.u_objref.u_standard.std = (struct STDOBJREF){ .cPublicRefs = 5,
							.oxid = 0x5151515151515151ULL,
							.oid = 0x1000 + c->next_id++,
							.ipid = GUID_random() };
	o.u_objref.u_standard.saResAddr = (struct DUALSTRINGARRAY){
		.wNumEntries = (uint16_t)(n + 5), .wSecurityOffset = (uint16_t)(n + 3),
		.aStringArray = arr
	};
	struct MInterfacePointer *mip = NULL;
	int rc = dcom_objref_push(tmp, &o, &mip);
	if (rc == 0)
		print_objref(0, mip);
	talloc_free(tmp);
	return rc;
}

static void command(struct console *c, char *line)
{
	char a[64] = "", b[64] = "";
	unsigned port = 0;
	int rc = 0;
	if (sscanf(line, "new %63s", a) == 1) {
		rc = cmd_new(c, strcmp(a, "error") == 0);
	} else if (sscanf(line, "fake %63s %u", b, &port) == 2) {
		rc = cmd_fake(c, b, port);
	} else if (strcmp(line, "count") == 0) {
		printf("objects %u\n", c->live);
	} else if (strcmp(line, "quit") == 0) {
		c->quit = true;
	} else {
		printf("error unknown command\n");
	}
	if (rc != 0)
		printf("error %s\n", strerror(-rc));
	fflush(stdout);
}

static void on_stdin(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags, void *priv)
{
	struct console *c = priv;
	ssize_t n = read(STDIN_FILENO, c->line + c->len, sizeof(c->line) - 1 - c->len);
	if (n <= 0) {
		c->quit = true;
		return;
	}
	c->len += (size_t)n;
	char *nl;
	while ((nl = memchr(c->line, '\n', c->len)) != NULL) {
		*nl = '\0';
		command(c, c->line);
		size_t used = (size_t)(nl + 1 - c->line);
		memmove(c->line, nl + 1, c->len - used);
		c->len -= used;
	}
	if (c->len == sizeof(c->line) - 1)
		c->len = 0; /* an overlong line is dropped */
}

static void on_signal(struct tevent_context *ev, struct tevent_signal *se, int signum, int count,
		      void *siginfo, void *priv)
{
	struct console *c = priv;
	c->quit = true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "epm-port", required_argument, NULL, 'e' },
		{ "object-port", required_argument, NULL, 'o' },
		{ "users", required_argument, NULL, 'u' },
		{ "log", required_argument, NULL, 'g' },
		{ "ping-period", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = NULL, *users = NULL, *logfile = NULL;
	unsigned epm = 0, object = 0, ping = 2;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': listen = optarg; break;
		case 'e': epm = (unsigned)atoi(optarg); break;
		case 'o': object = (unsigned)atoi(optarg); break;
		case 'u': users = optarg; break;
		case 'g': logfile = optarg; break;
		case 'p': ping = (unsigned)atoi(optarg); break;
		default: return 2;
		}
	}
	if (listen == NULL || users == NULL || logfile == NULL || epm == 0 || object == 0) {
		fprintf(stderr, "usage: see the comment at the top of notify_console.c\n");
		return 2;
	}
	TALLOC_CTX *mem = talloc_new(NULL);
	struct console *c = talloc_zero(mem, struct console);
	c->ev = tevent_context_init(mem);
	c->listen = listen;
	c->log = fopen(logfile, "a");
	if (c->ev == NULL || c->log == NULL) {
		perror("notify_console");
		return 1;
	}
	char *text = talloc_asprintf(mem,
				     "[rpc]\nlisten = %s\nendpoint_mapper_port = %u\n"
				     "object_port = %u\nmin_auth_level = connect\n"
				     "[auth]\nusers_file = %s\n"
				     "[dcom]\nping_period = %u\nping_timeout_periods = 2\n",
				     listen, epm, object, users, ping);
	char *err = NULL;
	struct cfg *cfg = cfg_parse(mem, "notify_console", text, &err);
	struct auth_config *auth = NULL;
	if (cfg == NULL || auth_config_load(cfg, mem, &auth, &err) != 0) {
		fprintf(stderr, "notify_console: %s\n", err ? err : "config");
		return 1;
	}
	struct auth_accounts *accounts = auth_accounts_open(mem, auth->users_file);
	struct rpc_server *rpc = accounts ? rpc_server_new(mem, c->ev, cfg, accounts,
							   &auth->options, &err)
					  : NULL;
	struct dcom_config dconf;
	if (rpc == NULL || rpc_epm_register(rpc) != 0 ||
	    dcom_config_load(cfg, mem, &dconf, &err) != 0 ||
	    (c->ex = dcom_exporter_new(mem, c->ev, rpc, &dconf, rpc_server_min_auth_level(rpc),
				       &err)) == NULL) {
		fprintf(stderr, "notify_console: %s\n", err ? err : "cannot start");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	tevent_add_signal(c->ev, mem, SIGTERM, 0, on_signal, c);
	tevent_add_signal(c->ev, mem, SIGINT, 0, on_signal, c);
	tevent_add_fd(c->ev, mem, STDIN_FILENO, TEVENT_FD_READ, on_stdin, c);
	printf("ready\n");
	fflush(stdout);
	while (!c->quit && tevent_loop_once(c->ev) == 0)
		;
	fclose(c->log);
	talloc_free(mem);
	return 0;
}
