/* src/util/log.c: where lines go (journald or stderr) and what they carry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "istmd/log.h"

/* stderr goes to a temporary file for the whole test. */
static FILE *captured;

static char *captured_text(void)
{
	static char buf[8192];
	fflush(stderr);
	long len = ftell(captured);
	assert_true(len >= 0 && (size_t)len < sizeof(buf));
	assert_int_equal(pread(fileno(captured), buf, (size_t)len, 0), len);
	buf[len] = '\0';
	return buf;
}

static int setup(void **state)
{
	captured = tmpfile();
	assert_non_null(captured);
	assert_true(dup2(fileno(captured), STDERR_FILENO) >= 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	return 0;
}

/* Issue 10: a JOURNAL_STREAM inherited from elsewhere (here: a bogus value)
 * made every line go to sd_journal_send and vanish. It must not name stderr,
 * so the lines go to stderr. */
static void test_bogus_journal_stream(void **unused)
{
	setenv("JOURNAL_STREAM", "bogus", 1);
	log_set_journal_auto();
	log_notice("first line %d", 1);
	assert_non_null(strstr(captured_text(), "notice: first line 1"));

	setenv("JOURNAL_STREAM", "8:12345", 1); /* well-formed, another file */
	log_set_journal_auto();
	log_warn("second line");
	assert_non_null(strstr(captured_text(), "warning: second line"));
	unsetenv("JOURNAL_STREAM");
}

/* JOURNAL_STREAM names stderr, as systemd sets it, but no journald listens
 * (its socket is absent): the line still reaches stderr. */
static void test_journal_unreachable(void **unused)
{
	struct stat st;
	if (stat("/run/systemd/journal/socket", &st) == 0) {
		skip(); /* a real journal: the line would rightly go there */
		return;
	}
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	char value[64];
	snprintf(value, sizeof(value), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", value, 1);
	log_set_journal_auto();
	log_event(LOG_LVL_NOTICE, LOG_ID_STARTUP, "third line");
	assert_non_null(strstr(captured_text(), "notice: third line"));
	log_set_journal(true); /* forced, the same */
	log_err("fourth line");
	assert_non_null(strstr(captured_text(), "error: fourth line"));
	unsetenv("JOURNAL_STREAM");
	log_set_journal_auto();
}

struct seen {
	int n;
	enum log_level level;
	char id[40];
	char msg[64];
};

static void record(enum log_level level, const char *id, const char *msg, void *priv)
{
	struct seen *s = priv;
	s->n++;
	s->level = level;
	snprintf(s->id, sizeof(s->id), "%s", id ? id : "");
	snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

static void test_event_ids_and_levels(void **unused)
{
	struct seen s = { 0 };
	log_set_sink(record, &s);
	log_set_level(LOG_LVL_INFO);
	log_event(LOG_LVL_INFO, LOG_ID_OBJECT_CREATED, "target '%s' created", "t1");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.level, LOG_LVL_INFO);
	assert_string_equal(s.id, LOG_ID_OBJECT_CREATED);
	assert_string_equal(s.msg, "target 't1' created");
	log_debug("not shown at info");
	assert_int_equal(s.n, 1);
	log_info("no id");
	assert_int_equal(s.n, 2);
	assert_string_equal(s.id, "");
	log_set_sink(NULL, NULL);

	/* every id is 32 lower-case hex digits and unique */
	const char *ids[] = { LOG_ID_STARTUP,	     LOG_ID_SHUTDOWN,	    LOG_ID_AUTH_FAILURE,
			      LOG_ID_OBJECT_CREATED, LOG_ID_OBJECT_DELETED, LOG_ID_BACKEND_DOWN,
			      LOG_ID_BACKEND_UP,     LOG_ID_DRIFT_REPAIRED };
	size_t n = sizeof(ids) / sizeof(ids[0]);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(strlen(ids[i]), 32);
		assert_int_equal(strspn(ids[i], "0123456789abcdef"), 32);
		for (size_t j = i + 1; j < n; j++)
			assert_string_not_equal(ids[i], ids[j]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bogus_journal_stream),
		cmocka_unit_test(test_journal_unreachable),
		cmocka_unit_test(test_event_ids_and_levels),
	};
	int failed = cmocka_run_group_tests(tests, setup, NULL);
	if (failed) /* cmocka's messages went to the captured stderr */
		fputs(captured_text(), stdout);
	return failed;
}
