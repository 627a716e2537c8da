/* Logging: one line per event, to journald when started by systemd, else stderr.
 * Never log secrets (passwords, hashes, CHAP secrets, session keys).
 * Events an admin selects or alerts on carry a MESSAGE_ID (log_event(),
 * istmd/log_ids.h, docs/logging.md). */
#ifndef ISTMD_LOG_H
#define ISTMD_LOG_H

#include <stdbool.h>

#include "istmd/log_ids.h"

enum log_level {
	LOG_LVL_ERR = 3,     /* syslog priorities, so journald can use them as-is */
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warning", "notice", "info", "debug"; false if unknown. */
bool log_level_parse(const char *name, enum log_level *level);
/* Route to journald (true) or stderr (false). Default: journald when
 * $JOURNAL_STREAM names stderr (its device:inode), i.e. when systemd connected
 * stderr to the journal. A line the journal does not take goes to stderr. */
void log_set_journal(bool journal);
/* Back to the default: decide from $JOURNAL_STREAM on the next line. */
void log_set_journal_auto(void);
/* For tests: every line logged is also handed to SINK (NULL: none).
 * MESSAGE_ID is NULL for lines without one. */
typedef void log_sink_fn(enum log_level level, const char *message_id, const char *message,
			 void *priv);
void log_set_sink(log_sink_fn *sink, void *priv);
bool log_enabled(enum log_level level);

void log_printf(enum log_level level, const char *file, int line, const char *func,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same with a journald MESSAGE_ID (a LOG_ID_* of istmd/log_ids.h). */
void log_event_printf(enum log_level level, const char *message_id, const char *file, int line,
		      const char *func, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#define log_msg(lvl, ...)                                                          \
	do {                                                                        \
		if (log_enabled(lvl))                                               \
			log_printf(lvl, __FILE__, __LINE__, __func__, __VA_ARGS__); \
	} while (0)
/* log_event(LOG_LVL_NOTICE, LOG_ID_STARTUP, "fmt", ...) */
#define log_event(lvl, id, ...)                                                            \
	do {                                                                                \
		if (log_enabled(lvl))                                                       \
			log_event_printf(lvl, id, __FILE__, __LINE__, __func__, __VA_ARGS__); \
	} while (0)
#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
