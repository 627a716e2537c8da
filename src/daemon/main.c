/* istmd: the MS-ISTM server daemon. Parses options and the config file, builds
 * the layers on one tevent loop, and runs until SIGTERM/SIGINT. SIGHUP re-reads
 * the users file. */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <systemd/sd-daemon.h>
#include <talloc.h>
#include <tevent.h>

#include "istmd/config.h"
#include "istmd/log.h"
#include "istmd/version.h"
#include "istmd/workpool.h"
#include "auth/auth.h"
#include "backend/iscsi_backend.h"
#include "backend/isns_agent.h"
#include "backend/storage_paths.h"
#include "core/core.h"
#include "daemon/adopt.h"
#include "dcom/exporter.h"
#include "istm/notify.h"
#include "istm/istm.h"
#include "rpc/epm.h"
#include "rpc/server.h"

#define DEFAULT_CONFIG "/etc/istmd/istmd.conf"

struct daemon_ctx {
	struct tevent_context *ev;
	struct cfg *cfg;
	struct auth_accounts *accounts;
	const struct auth_server_options *auth_options;
	struct rpc_server *rpc;
	struct dcom_exporter *dcom;
	struct istm_context *istm;
	struct istm_deps deps; /* storage paths, worker pool, iSCSI backend, core */
	bool adopt; /* --adopt: import the targets of a tgtd istmd does not own yet */
	bool stop;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: istmd [--config FILE] [--foreground] [--log-level LEVEL] [--adopt]\n"
		"       istmd --version\n"
		"\n"
		"  -c, --config FILE     configuration file (default " DEFAULT_CONFIG ")\n"
		"  -f, --foreground      stay in the foreground (the only mode; systemd\n"
		"                        supervises the process)\n"
		"  -l, --log-level LVL   error, warning, notice, info or debug; overrides\n"
		"                        [log] level\n"
		"      --adopt           on a first start (empty database), import the\n"
		"                        targets the tgtd instance has instead of refusing\n"
		"                        to start (see docs/tgt-backend.md)\n"
		"  -V, --version         print the version and exit\n");
}

static void on_stop_signal(struct tevent_context *ev, struct tevent_signal *se, int signum,
			   int count, void *siginfo, void *priv)
{
	struct daemon_ctx *d = priv;
	log_notice("received %s, stopping", strsignal(signum));
	d->stop = true;
}

static void on_reload_signal(struct tevent_context *ev, struct tevent_signal *se, int signum,
			     int count, void *siginfo, void *priv)
{
	struct daemon_ctx *d = priv;
	log_notice("received SIGHUP, re-reading the users file");
	if (d->accounts != NULL && auth_accounts_reload(d->accounts) != 0)
		log_warn("the users file could not be re-read; keeping the accounts known so far");
}

/* First start: no users file yet. istmd serves (the endpoint mapper and
 * ServerAlive need no account), but nobody can log on until an admin exists. */
static void check_accounts(const char *users_file)
{
	struct stat st;
	int rc = stat(users_file, &st) == 0 ? 0 : -errno;
	if (rc == -ENOENT || (rc == 0 && st.st_size == 0))
		log_warn("no accounts: create one with istmctl user add --admin NAME "
			 "(users file %s); until then nobody can log on", users_file);
}

/* [state] dir (created if missing; its parent must exist), then [auth]: the
 * users file and the names NTLM announces. */
static int open_state(struct daemon_ctx *d)
{
	const char *state = cfg_get(d->cfg, "state", "dir", "/var/lib/istmd");

	if (state[0] != '/') {
		log_err("%s: [state] dir must be an absolute path", cfg_path(d->cfg));
		return -1;
	}
	if (mkdir(state, 0700) != 0 && errno != EEXIST) {
		log_err("cannot create the state directory %s: %s", state, strerror(errno));
		return -1;
	}
	struct auth_config *auth;
	char *err = NULL;
	if (auth_config_load(d->cfg, d, &auth, &err) != 0) {
		log_err("%s", err);
		return -1;
	}
	d->accounts = auth_accounts_open(d, auth->users_file);
	if (d->accounts == NULL) {
		log_err("cannot open the users file %s", auth->users_file);
		return -1;
	}
	d->auth_options = &auth->options;
	check_accounts(auth->users_file);
	return 0;
}

/* [isns]: the iSNS agent (docs/isns.md) registers what the core holds with
 * ISnsMgr's servers, on a thread of its own. */
static int start_isns(struct daemon_ctx *d)
{
	struct isns_agent_options o;
	char *err = NULL;
	if (isns_agent_options_from_config(d, d->cfg, &o, &err) != 0) {
		log_err("%s", err != NULL ? err : "[isns]: out of memory");
		return -1;
	}
	d->deps.isns = isns_agent_start(d, &o);
	if (d->deps.isns == NULL || core_isns_feed(d->deps.core, d->deps.isns) < 0) {
		log_err("cannot start the iSNS agent: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* [storage], [iscsi] and [state]: the path mapping, the iSCSI backend (which
 * starts watching tgtd; a tgtd that is down is not an error, the core applies
 * the desired state when it comes up) and the core, whose start-up recovery
 * runs before we serve anyone. */
static int start_core(struct daemon_ctx *d)
{
	struct storage_paths *storage;
	struct core_options opts;
	char *err = NULL;
	int rc;

	d->deps.ev = d->ev;
	if (storage_paths_from_config(d, d->cfg, &storage, &err) != 0) {
		log_err("%s", err);
		return -1;
	}
	d->deps.storage = storage;
	d->deps.pool = workpool_create(d, d->ev, 4);
	if (d->deps.pool == NULL) {
		log_err("cannot create the worker pool");
		return -1;
	}
	rc = iscsi_backend_open(d, d->ev, d->cfg, &d->deps.backend, &err);
	if (rc != 0) {
		log_err("[iscsi]: %s", err ? err : strerror(-rc));
		return -1;
	}
	if (core_options_from_config(d, d->cfg, &opts, &err) != 0) {
		log_err("%s", err);
		return -1;
	}
	opts.storage = storage;
	opts.backend = d->deps.backend;
	opts.io_pool = d->deps.pool;
	opts.hostname = cfg_get(d->cfg, "general", "name", NULL);
	struct vhdfs_conf *vhdfs = NULL;
	if (core_vhdfs_from_config(d, d->cfg, opts.state_dir, storage, &vhdfs, &err) != 0) {
		log_err("%s", err);
		return -1;
	}
	opts.vhdfs = vhdfs;
	/* Foreign targets are looked at before the first reconcile pass, which
	 * would remove them. */
	opts.defer_reconcile = true;

	struct tevent_req *req = core_open_send(d, d->ev, &opts);
	if (req == NULL || !tevent_req_poll(req, d->ev)) {
		log_err("cannot start the core");
		return -1;
	}
	char *why = NULL;
	rc = core_open_recv(req, d, &d->deps.core, &why);
	talloc_free(req);
	if (rc != 0) {
		log_err("cannot open the state in %s: %s", opts.state_dir, why ? why : strerror(-rc));
		return -1;
	}
	if (daemon_check_foreign(d->ev, d->deps.core, d->deps.backend, storage, d->adopt, 2) != 0)
		return -1;
	if (core_reconcile_start(d->deps.core) < 0) {
		log_err("cannot start the reconciler");
		return -1;
	}
	return start_isns(d);
}

/* The iSNS agent's thread stops first: it deregisters from every server. */
static void stop_isns(struct daemon_ctx *d)
{
	if (d->deps.isns == NULL)
		return;
	if (d->deps.core != NULL)
		core_watch_targets(d->deps.core, NULL, NULL);
	isns_agent_stop(d->deps.isns);
	TALLOC_FREE(d->deps.isns);
}

/* Lets the core finish what it started (mutations, the reconcile pass, worker
 * jobs) so nothing is left half-done; it is crash-safe anyway. */
static void stop_core(struct daemon_ctx *d)
{
	stop_isns(d);
	if (d->deps.core == NULL)
		return;
	struct tevent_req *req = core_close_send(d, d->deps.core);
	if (req == NULL || !tevent_req_poll(req, d->ev) || core_close_recv(req) != 0)
		log_warn("the core did not stop cleanly");
	talloc_free(req);
	d->deps.core = NULL;
}

/* [dcom]: the object exporter, activation and the OXID resolver on the RPC
 * server; then the ISTM managers bound to their CLSIDs. */
static int start_dcom(struct daemon_ctx *d)
{
	struct dcom_config config;
	char *err = NULL;
	if (dcom_config_load(d->cfg, d, &config, &err) != 0) {
		log_err("%s", err);
		return -1;
	}
	d->dcom = dcom_exporter_new(d, d->ev, d->rpc, &config, rpc_server_min_auth_level(d->rpc),
				    &err);
	if (d->dcom == NULL) {
		log_err("%s", err);
		return -1;
	}
	/* Issue 9 defect 7: CHAP secrets only sealed unless this says otherwise. */
	if (cfg_get_bool(d->cfg, "istm", "allow_unsealed_secrets", false,
			 &d->deps.allow_unsealed_secrets, &err) != 0) {
		log_err("%s", err);
		return -1;
	}
	if (d->deps.allow_unsealed_secrets)
		log_warn("[istm] allow_unsealed_secrets: CHAP secrets may cross the network "
			 "signed but unencrypted");
	/* [notify]: how consoles' IStatusNotify objects are called back. */
	struct istm_notify_config *notify = NULL;
	if (istm_notify_config_load(d->cfg, d, &notify, &err) != 0) {
		log_err("%s", err);
		return -1;
	}
	d->deps.notify = notify;
	d->istm = istm_start(d, d->dcom, &d->deps, &err);
	if (d->istm == NULL) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

/* WatchdogSec= in the unit: systemd restarts istmd when the event loop stops
 * turning. The ping comes from the loop itself, at half the interval
 * (sd_watchdog_enabled(3)). */
static void on_watchdog(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
			void *priv)
{
	uint64_t *usec = priv;
	sd_notify(0, "WATCHDOG=1");
	if (tevent_add_timer(ev, usec, tevent_timeval_current_ofs(0, (uint32_t)(*usec / 2)),
			     on_watchdog, usec) == NULL)
		log_err("cannot re-arm the watchdog timer: out of memory");
}

static int start_watchdog(struct daemon_ctx *d)
{
	uint64_t usec = 0;
	int rc = sd_watchdog_enabled(0, &usec);
	if (rc <= 0) {
		if (rc < 0)
			log_warn("ignoring the watchdog settings: %s", strerror(-rc));
		return 0;
	}
	/* the interval in a struct timeval's microseconds: at most ~68 min */
	if (usec > (uint64_t)UINT32_MAX * 2)
		usec = (uint64_t)UINT32_MAX * 2;
	uint64_t *keep = talloc(d, uint64_t);
	if (keep == NULL)
		return -1;
	*keep = usec;
	log_debug("watchdog: pinging systemd every %" PRIu64 " ms", usec / 2000);
	on_watchdog(d->ev, NULL, tevent_timeval_current(), keep);
	return 0;
}

static void warn_unused_key(const char *section, const char *key, unsigned line, void *priv)
{
	log_warn("%s:%u: unknown key [%s] %s ignored", (const char *)priv, line, section, key);
}

static int configure_logging(struct cfg *cfg, const char *override)
{
	static const char *const levels[] = { "error", "warning", "notice", "info", "debug", NULL };
	static const enum log_level values[] = { LOG_LVL_ERR, LOG_LVL_WARNING, LOG_LVL_NOTICE,
						 LOG_LVL_INFO, LOG_LVL_DEBUG };
	char *err = NULL;
	unsigned idx;

	if (cfg_get_enum(cfg, "log", "level", "info", levels, &idx, &err) != 0) {
		log_err("%s", err);
		return -1;
	}
	log_set_level(values[idx]);
	if (override != NULL) {
		enum log_level lvl;
		if (!log_level_parse(override, &lvl)) {
			log_err("--log-level: unknown level '%s'", override);
			return -1;
		}
		log_set_level(lvl);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "adopt", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	bool adopt = false;
	const char *config_path = DEFAULT_CONFIG;
	const char *level_override = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "c:fl:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'f': break;
		case 'l': level_override = optarg; break;
		case 'V': printf("istmd %s\n", ISTMD_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		case 'A': adopt = true; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	TALLOC_CTX *mem = talloc_new(NULL);
	struct daemon_ctx *d = talloc_zero(mem, struct daemon_ctx);
	char *err = NULL;
	d->adopt = adopt;

	d->cfg = cfg_load(d, config_path, &err);
	if (d->cfg == NULL) {
		log_err("cannot read configuration: %s", err);
		talloc_free(mem);
		return 1;
	}
	if (configure_logging(d->cfg, level_override) != 0) {
		talloc_free(mem);
		return 1;
	}

	d->ev = tevent_context_init(d);
	if (d->ev == NULL) {
		log_err("cannot create the event loop");
		talloc_free(mem);
		return 1;
	}
	tevent_add_signal(d->ev, d, SIGTERM, 0, on_stop_signal, d);
	tevent_add_signal(d->ev, d, SIGINT, 0, on_stop_signal, d);
	tevent_add_signal(d->ev, d, SIGHUP, 0, on_reload_signal, d);
	signal(SIGPIPE, SIG_IGN);
	if (start_watchdog(d) != 0) {
		log_err("cannot start the watchdog timer: out of memory");
		talloc_free(mem);
		return 1;
	}

	if (open_state(d) != 0) {
		talloc_free(mem);
		return 1;
	}
	/* The core first: opening it runs the event loop (recovery, the first
	 * reconcile), and no client may connect before every interface is
	 * registered, so the listeners come after it and everything from here
	 * to the main loop is synchronous. */
	if (start_core(d) != 0) {
		stop_core(d);
		talloc_free(mem);
		return 1;
	}
	d->rpc = rpc_server_new(d, d->ev, d->cfg, d->accounts, d->auth_options, &err);
	if (d->rpc == NULL) {
		log_err("%s", err);
		stop_core(d);
		talloc_free(mem);
		return 1;
	}
	if (rpc_epm_register(d->rpc) != 0 || start_dcom(d) != 0) {
		log_err("cannot register the daemon's interfaces");
		stop_core(d);
		talloc_free(mem);
		return 1;
	}
	cfg_foreach_unused(d->cfg, warn_unused_key, (void *)cfg_path(d->cfg));

	log_event(LOG_LVL_NOTICE, LOG_ID_STARTUP,
		  "istmd %s started: endpoint mapper on port %u, objects on port %u", ISTMD_VERSION,
		  rpc_server_port(d->rpc, RPC_EP_MAPPER), rpc_server_port(d->rpc, RPC_EP_OBJECT));
	sd_notify(0, "READY=1\nSTATUS=serving");

	while (!d->stop) {
		if (tevent_loop_once(d->ev) != 0) {
			log_err("event loop failed");
			break;
		}
	}

	sd_notify(0, "STOPPING=1");
	rpc_server_shutdown(d->rpc);
	/* Objects before the server their interfaces are registered on. */
	TALLOC_FREE(d->istm);
	TALLOC_FREE(d->dcom);
	stop_core(d);
	talloc_free(mem);
	log_event(LOG_LVL_NOTICE, LOG_ID_SHUTDOWN, "istmd stopped");
	return 0;
}
