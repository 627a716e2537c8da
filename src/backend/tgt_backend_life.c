/* The tgt backend's life: creation, watching tgtd come and go (a new tgtd
 * is a new generation), and holding its I/O for snapshot sets. The
 * operations are in tgt_backend.c. */
#include "backend/tgt_backend.h"
#include "backend/tgt_backend_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/tgt_cache.h"
#include "backend/tgt_hold.h"
#include "backend/tgt_ipc.h"
#include "backend/tgt_monitor.h"
#include "istmd/log.h"

/* Snapshot sets (tgt_hold.c); the pid is read on a worker thread. A marker
 * beside tgtd's socket names a tgtd held now, so that one an istmd killed
 * mid-hold left stopped is resumed when the backend sees it again. */
int tgt_backend_hold(struct iscsi_backend *be, bool hold)
{
	struct tgt_backend *tb = (struct tgt_backend *)be;
	pid_t pid = __atomic_load_n(&tb->tgtd_pid, __ATOMIC_ACQUIRE);
	char marker[PATH_MAX];
	snprintf(marker, sizeof(marker), "%s.istmd-held", tb->socket_path);
	if (hold && pid > 0) {
		FILE *f = fopen(marker, "we");
		if (f != NULL) {
			fprintf(f, "%d\n", (int)pid);
			fclose(f);
		}
	}
	int rc = tgt_hold_io(pid, hold, 500);
	if (!hold || rc < 0)
		unlink(marker);
	return rc;
}

static void resume_if_held(struct tgt_backend *tb, pid_t pid)
{
	char marker[PATH_MAX];
	snprintf(marker, sizeof(marker), "%s.istmd-held", tb->socket_path);
	FILE *f = fopen(marker, "re");
	if (f == NULL)
		return;
	int held = 0;
	if (fscanf(f, "%d", &held) == 1 && held == (int)pid && kill(pid, SIGCONT) == 0)
		log_warn("tgtd (pid %d) was left held by an interrupted snapshot: resumed",
			 (int)pid);
	fclose(f);
	unlink(marker);
}

struct tgt_ports *tgt_backend_ports(struct iscsi_backend *be)
{
	return tgt_of(be)->ports;
}

/* Watching tgtd. */

static void isns_off_done(struct tevent_req *subreq)
{
	int rc = tgt_ipc_recv(subreq, NULL, NULL, NULL);
	if (rc < 0)
		log_warn("tgtd: cannot make sure its iSNS client is off: %s", strerror(-rc));
	talloc_free(subreq);
}

static void on_tgtd(bool up, pid_t pid, void *priv)
{
	struct tgt_backend *tb = priv;
	tgt_cache_invalidate(tb->cache);
	if (!up) {
		log_event(LOG_LVL_WARNING, LOG_ID_BACKEND_DOWN, "tgtd (socket %s) is down",
			  tb->socket_path);
		__atomic_store_n(&tb->tgtd_pid, 0, __ATOMIC_RELEASE);
		tgt_ports_set_pid(tb->ports, 0);
		iscsi_backend_notify(&tb->base, ISCSI_BACKEND_DOWN, tb->generation);
		return;
	}
	__atomic_store_n(&tb->tgtd_pid, pid, __ATOMIC_RELEASE);
	tgt_ports_set_pid(tb->ports, pid);
	resume_if_held(tb, pid);
	/* A new tgtd knows none of our accounts. */
	TALLOC_FREE(tb->secrets_mem);
	memset(&tb->secrets, 0, sizeof(tb->secrets));
	tb->secrets_mem = talloc_new(tb);
	tb->generation++;
	log_event(LOG_LVL_NOTICE, LOG_ID_BACKEND_UP,
		  "tgtd (socket %s, pid %d) is up, generation %" PRIu64, tb->socket_path, (int)pid,
		  tb->generation);
	/* tgtd's own iSNS client busy-loops once it has targets; it must stay
	 * off (istmd registers with iSNS itself). Off is its default: this only
	 * undoes someone else's "tgtadm --name iSNS --value On". */
	struct tgt_request r = tgt_request_init(TGT_MODE_SYSTEM, TGT_OP_UPDATE);
	r.body = "iSNS=Off";
	struct tevent_req *subreq = tgt_ipc_send(tb, tb->ev, tb->socket_path, &r, tb->request_ms);
	if (subreq != NULL)
		tevent_req_set_callback(subreq, isns_off_done, NULL);
	iscsi_backend_notify(&tb->base, ISCSI_BACKEND_UP, tb->generation);
}

int tgt_backend_new(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		    const struct tgt_backend_options *opts, struct iscsi_backend **out)
{
	struct tgt_backend *tb = talloc_zero(mem_ctx, struct tgt_backend);
	if (tb == NULL)
		return -ENOMEM;
	iscsi_backend_init(&tb->base, &tgt_ops, ev);
	tb->base.caps = (struct iscsi_backend_caps){
		.min_lun = TGT_MIN_LUN,
		.max_lun = TGT_MAX_LUN,
		.max_luns_per_target = TGT_MAX_LUN,
		.per_target_portals = false,
		.global_chap_users = true,
		.session_isid = false,
		.exact_lun_size = false,
	};
	tb->ev = ev;
	tb->socket_path = talloc_asprintf(tb, "%s/socket.%u",
					  opts->socket_dir ? opts->socket_dir : "/var/run/tgtd",
					  opts->control_port);
	tb->request_ms = opts->request_timeout_ms ? opts->request_timeout_ms : 5000;
	tb->operation_ms = opts->operation_timeout_ms ? opts->operation_timeout_ms : 60000;
	tb->portals = talloc_zero_array(tb, struct iscsi_portal, opts->n_portals);
	tb->queue = tevent_queue_create(tb, "tgt");
	tb->secrets_mem = talloc_new(tb);
	tb->ports = tgt_ports_new(tb, ev, &tgt_raw, "/proc");
	tb->cache = tgt_cache_new(tb);
	if (tb->cache == NULL || tb->socket_path == NULL || tb->portals == NULL ||
	    tb->queue == NULL || tb->secrets_mem == NULL || tb->ports == NULL)
		goto nomem;
	for (size_t i = 0; i < opts->n_portals; i++) {
		tb->portals[i].address = talloc_strdup(tb->portals, opts->portals[i].address);
		tb->portals[i].port = opts->portals[i].port;
		if (tb->portals[i].address == NULL)
			goto nomem;
	}
	tb->n_portals = opts->n_portals;
	tb->base.portals = tb->portals;
	tb->base.n_portals = tb->n_portals;
	tb->monitor = tgt_monitor_start(tb, ev, tb->socket_path, opts->watch_interval_ms,
					on_tgtd, tb);
	if (tb->monitor == NULL)
		goto nomem;
	*out = &tb->base;
	return 0;
nomem:
	talloc_free(tb);
	return -ENOMEM;
}
