/* A session's authentication as first seen. Neither tgtd nor LIO says what
 * a session negotiated, but its target's settings at login time decide it
 * (both require CHAP when the target has it). Remembered per session from
 * the first look (the login poll's, within a second of the login), so that
 * a later change of the target's CHAP settings does not rewrite live
 * sessions. Used on the event loop by the tgt and LIO backends. */
#ifndef ISTMD_BACKEND_SESSION_AUTH_H
#define ISTMD_BACKEND_SESSION_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <talloc.h>

#include "backend/iscsi_backend.h"

struct session_auth;

struct session_auth *session_auth_new(TALLOC_CTX *mem_ctx);
/* Forgets everything (a new target daemon). */
void session_auth_reset(struct session_auth *m);
/* Gives each of SESSIONS its authentication as first seen, and remembers
 * the new ones. A session is its target IQN and TSIH (LIO numbers TSIHs per
 * TPG). COMPLETE: SESSIONS is every session (the others ended). */
void session_auth_first(struct session_auth *m, struct iscsi_session_info *sessions, size_t n,
			bool complete);

#endif
