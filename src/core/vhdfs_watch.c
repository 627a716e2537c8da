/* Watching the istmd-vhdfs processes that serve dynamic and differencing
 * disks (docs/vhd-serving.md, "When the server dies"): every [vhd]
 * check_interval the pid of each served disk's process is checked (kill 0
 * and /proc/PID/comm: no I/O on the mount, nothing that can block); a dead
 * one marks its disk and targets dirty, and the reconcile pass that follows
 * starts a new process, attaches a new loop device and points the LUN at it. */
#include <inttypes.h>

#include "backend/vhdfs_ctl.h"
#include "core/core_internal.h"
#include "istmd/log.h"

static void watch(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		  void *priv)
{
	struct core *c = priv;
	c->vhdfs_watch = NULL;
	if (c->quiescing)
		return;
	for (size_t i = 0; i < c->model->n_disks; i++) {
		struct mdisk *md = c->model->disks[i];
		if (md == NULL || !md->live.attached || md->live.vhdfs_pid <= 0 ||
		    model_intent_for_disk(c->model, md->d->wtd) != NULL)
			continue; /* not served, or stopped on purpose (a growth) */
		if (vhdfs_pid_alive(md->live.vhdfs_pid))
			continue;
		log_warn("disk %" PRIu32 ": istmd-vhdfs %ld serving %s is gone; serving it again",
			 md->d->wtd, (long)md->live.vhdfs_pid, md->d->path);
		md->live.vhdfs_pid = 0;
		md->live.attached = false;
		reconciler_disk_changed(c, md->d->wtd);
	}
	vhdfs_watch_start(c);
}

void vhdfs_watch_start(struct core *c)
{
	if (c->vhdfs == NULL || c->vhdfs_watch != NULL)
		return;
	unsigned ms = c->vhdfs->check_interval_ms != 0 ? c->vhdfs->check_interval_ms : 1000;
	c->vhdfs_watch = tevent_add_timer(c->ev, c, tevent_timeval_current_ofs(ms / 1000, (ms % 1000) * 1000),
					  watch, c);
}
