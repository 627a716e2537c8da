#include "istmd/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

static enum log_level current_level = LOG_LVL_INFO;
static int use_journal = -1; /* -1: decide on first use */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static log_sink_fn *sink;
static void *sink_priv;

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

void log_set_journal_auto(void)
{
	use_journal = -1;
}

void log_set_sink(log_sink_fn *fn, void *priv)
{
	sink = fn;
	sink_priv = priv;
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

/* systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connected
 * to stderr; an inherited value that names another file (stderr redirected
 * by a shell started from a unit, a bogus value) does not count. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	char tail;
	struct stat st;

	if (e == NULL || sscanf(e, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* sd_journal_send() reports success when the journal's socket does not exist
 * ("journal not available" is silent), so look first: a container without
 * journald, or /run not shared with the host. */
static bool journal_reachable(void)
{
	struct stat st;
	return stat(JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int journal_send(enum log_level level, const char *message_id, const char *file,
			int line, const char *func, const char *msg)
{
	char code_line[16];
	snprintf(code_line, sizeof(code_line), "%d", line);
	if (message_id != NULL)
		return sd_journal_send_with_location("CODE_FILE=", file, code_line, func,
						     "MESSAGE=%s", msg, "PRIORITY=%d", (int)level,
						     "SYSLOG_IDENTIFIER=istmd",
						     "MESSAGE_ID=%s", message_id, NULL);
	return sd_journal_send_with_location("CODE_FILE=", file, code_line, func, "MESSAGE=%s",
					     msg, "PRIORITY=%d", (int)level,
					     "SYSLOG_IDENTIFIER=istmd", NULL);
}

static void stderr_write(enum log_level level, const char *file, int line, const char *msg)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	const char *base = strrchr(file, '/');
	char where[128] = "";
	if (current_level >= LOG_LVL_DEBUG)
		snprintf(where, sizeof(where), " [%s:%d]", base ? base + 1 : file, line);
	/* One write per line, so threads' lines do not interleave. */
	fprintf(stderr, "%s.%03ld %s: %s%s\n", stamp, ts.tv_nsec / 1000000, level_tag(level), msg,
		where);
}

static void log_vemit(enum log_level level, const char *message_id, const char *file, int line,
		      const char *func, const char *fmt, va_list ap)
{
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);

	if (sink != NULL)
		sink(level, message_id, msg, sink_priv);
	if (use_journal < 0)
		use_journal = stderr_is_journal();
	/* The journal unreachable (not running, socket not mounted in): the
	 * line goes to stderr rather than nowhere. */
	if (use_journal && journal_reachable() &&
	    journal_send(level, message_id, file, line, func, msg) >= 0)
		return;
	stderr_write(level, file, line, msg);
}

void log_printf(enum log_level level, const char *file, int line, const char *func,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vemit(level, NULL, file, line, func, fmt, ap);
	va_end(ap);
}

void log_event_printf(enum log_level level, const char *message_id, const char *file, int line,
		      const char *func, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vemit(level, message_id, file, line, func, fmt, ap);
	va_end(ap);
}
