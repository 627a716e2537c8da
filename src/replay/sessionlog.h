/* istmd's session log: shared by the writer (src/rpc/session_log.c) and
 * istmd-replay's reader (sessionlog.c). docs/replay.md "Session logs". */
#ifndef ISTMD_REPLAY_SESSIONLOG_H
#define ISTMD_REPLAY_SESSIONLOG_H

#define RP_SESSIONLOG_MAGIC "# istmd session log 1"

#endif
