/* Replaying a recorded session against a live istmd and comparing the
 * answers (replay.c, compare.c, idmap in replay.c). docs/replay.md. */
#ifndef ISTMD_REPLAY_REPLAY_H
#define ISTMD_REPLAY_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>

struct rp_model;
struct rp_rules;

struct rp_options {
	const char *addr;
	uint16_t port;        /* endpoint mapper / activation / resolver */
	uint16_t object_port; /* 0: learnt from the live answers' string bindings */
	const char *user;
	const char *domain;
	const char *password;
	uint8_t level;        /* DCERPC_AUTH_LEVEL_INTEGRITY or _PRIVACY */
	uint8_t auth_type;    /* 10 NTLMSSP (default) or 9 SPNEGO */
	bool stop_at_first;
	bool json;
	bool show_masked;     /* also print the differences masks hid */
	unsigned timeout_ms;
};

/* Replays MODEL, printing the differences RULES do not mask (text or JSON
 * on stdout). 0 no difference, 1 differences, -errno when the replay could
 * not be carried out (connection refused, a call that could not be sent). */
int rp_replay(TALLOC_CTX *mem_ctx, const struct rp_model *model, const struct rp_rules *rules,
	      const struct rp_options *o);

#endif
