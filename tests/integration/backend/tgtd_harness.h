/* A private tgtd for an integration test: started with its own control port
 * and a loopback portal, stopped by PID. */
#ifndef ISTMD_TEST_TGTD_HARNESS_H
#define ISTMD_TEST_TGTD_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct tgtd {
	pid_t pid;
	unsigned control_port; /* tgtd -C N */
	uint16_t iscsi_port;   /* 127.0.0.1:PORT */
	char socket_path[100];
	char portal[64]; /* "127.0.0.1:PORT" */
	char log_path[256];
};

/* Picks a control port and a TCP port nobody uses (derived from our PID).
 * Returns false if none is free. */
bool tgtd_pick(struct tgtd *t, const char *log_dir);
/* Starts tgtd in the foreground and waits (at most 5 s) until its control
 * socket answers. 0 or a negative errno. */
int tgtd_start(struct tgtd *t);
/* SIGKILL and reap. */
void tgtd_kill(struct tgtd *t);
/* Whether tgtd can run here (root, tgtd installed). */
bool tgtd_available(const char **why);

#endif
