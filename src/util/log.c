#include "istmd/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

static enum log_level current_level = LOG_LVL_INFO;
static int use_journal = -1; /* -1: decide on first use */

static const struct {
	const char *name;
	enum log_level level;
} level_names[] = {
	{ "error", LOG_LVL_ERR },     { "err", LOG_LVL_ERR },
	{ "warning", LOG_LVL_WARNING }, { "warn", LOG_LVL_WARNING },
	{ "notice", LOG_LVL_NOTICE }, { "info", LOG_LVL_INFO },
	{ "debug", LOG_LVL_DEBUG },
};

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

bool log_level_parse(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(name, level_names[i].name) == 0) {
			*level = level_names[i].level;
			return true;
		}
	}
	return false;
}

void log_set_journal(bool journal)
{
	use_journal = journal;
}

bool log_enabled(enum log_level level)
{
	return level <= current_level;
}

static const char *level_tag(enum log_level level)
{
	switch (level) {
	case LOG_LVL_ERR: return "error";
	case LOG_LVL_WARNING: return "warning";
	case LOG_LVL_NOTICE: return "notice";
	case LOG_LVL_INFO: return "info";
	case LOG_LVL_DEBUG: return "debug";
	}
	return "?";
}

void log_printf(enum log_level level, const char *file, int line, const char *func,
		const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (use_journal < 0)
		use_journal = getenv("JOURNAL_STREAM") != NULL;

	if (use_journal) {
		char code_line[16];
		snprintf(code_line, sizeof(code_line), "%d", line);
		sd_journal_send_with_location("CODE_FILE=", file, code_line, func,
					      "MESSAGE=%s", msg, "PRIORITY=%d", (int)level,
					      NULL);
		return;
	}

	struct timespec ts;
	struct tm tm;
	char stamp[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	const char *base = strrchr(file, '/');
	fprintf(stderr, "%s.%03ld %s: %s", stamp, ts.tv_nsec / 1000000, level_tag(level), msg);
	if (current_level >= LOG_LVL_DEBUG)
		fprintf(stderr, " [%s:%d]", base ? base + 1 : file, line);
	fputc('\n', stderr);
}
