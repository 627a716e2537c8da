/* Watches tgtd: holds one idle connection to its control socket, which the
 * kernel closes the instant tgtd dies, and reconnects every INTERVAL_MS until
 * tgtd is back. tgtd serves each management connection on its event loop and
 * simply waits for a request header that never comes, so the idle connection
 * costs it nothing. The peer's pid (SO_PEERCRED) tells a restarted tgtd from
 * a connection that merely broke. */
#ifndef ISTMD_BACKEND_TGT_MONITOR_H
#define ISTMD_BACKEND_TGT_MONITOR_H

#include <stdbool.h>
#include <sys/types.h>
#include <talloc.h>
#include <tevent.h>

struct tgt_monitor;

/* UP with the daemon's pid when a (new) tgtd answers, DOWN (pid 0) when it is
 * gone. Called from the event loop; the first call is UP or DOWN at start-up. */
typedef void (*tgt_monitor_fn)(bool up, pid_t pid, void *priv);

/* Freeing the monitor stops it. */
struct tgt_monitor *tgt_monitor_start(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
				      const char *socket_path, unsigned interval_ms,
				      tgt_monitor_fn fn, void *priv);

#endif
