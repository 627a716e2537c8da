/* Logging: one line per event, to journald when started by systemd, else stderr.
 * Never log secrets (passwords, hashes, CHAP secrets, session keys). */
#ifndef ISTMD_LOG_H
#define ISTMD_LOG_H

#include <stdbool.h>

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
 * $JOURNAL_STREAM is set, i.e. when stderr is connected to the journal. */
void log_set_journal(bool journal);
bool log_enabled(enum log_level level);

void log_printf(enum log_level level, const char *file, int line, const char *func,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define log_msg(lvl, ...)                                                          \
	do {                                                                        \
		if (log_enabled(lvl))                                               \
			log_printf(lvl, __FILE__, __LINE__, __func__, __VA_ARGS__); \
	} while (0)
#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
