/* The core against a real tgtd, with libiscsi's command-line initiator:
 *  - a disk on a new fixed VHD and a target mapping it to an allowed IQN:
 *    the LUN exists (iscsi-inq) with exactly the VHD's virtual size
 *    (iscsi-readcapacity16), and another IQN cannot log in;
 *  - a second core over the same state directory serves the same thing,
 *    without a second loop device;
 *  - reconcile passes over that healthy system find no drift and log
 *    nothing above debug, after the first apply and after a restart;
 *  - tgtd killed and restarted: the target is back within 2 s;
 *  - a process SIGKILLed in the middle of creating a disk: after a restart
 *    the disk is there wholly (file, row) or not at all (no file, no
 *    temporary, no loop device).
 * Loopback only; tgtd is ours (own control port), stopped by PID; every loop
 * device over our files is detached at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core_env.h"
#include "istmd/log.h"
#include "loop_scan.h"

#define MiB (1024 * 1024ull)
#define ALLOWED "iqn.2025-01.org.istmd.test:allowed"
#define OTHER "iqn.2025-01.org.istmd.test:other"

static struct core_env E;
static char *iqn; /* of target t1 */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs a command (bounded by timeout(1)); its exit status, its output in OUT. */
static int run(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run(char *out, size_t outlen, const char *fmt, ...)
{
	char cmd[1024], full[1100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "timeout 10 %s 2>&1", cmd);
	FILE *p = popen(full, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int inq(const char *initiator, char *out, size_t outlen)
{
	return run(out, outlen, "iscsi-inq -i %s iscsi://%s/%s/1", initiator, E.tgtd.portal, iqn);
}

static long long capacity(const char *initiator)
{
	char out[512];
	if (run(out, sizeof(out), "iscsi-readcapacity16 -s -i %s iscsi://%s/%s/1", initiator,
		E.tgtd.portal, iqn) != 0)
		return -1;
	return atoll(out);
}

static unsigned loops_over(const char *path)
{
	return loops_backed_by(path, false, false);
}

static int group_setup(void **state)
{
	if (access("/usr/bin/iscsi-inq", X_OK) != 0 ||
	    access("/usr/bin/iscsi-readcapacity16", X_OK) != 0) {
		fprintf(stderr, "skipped: libiscsi-bin is not installed\n");
		exit(77);
	}
	ce_start(&E, TEST_WORK_DIR, "core-tgt", "reconcile_interval = 5\n");
	return 0;
}

static int group_teardown(void **state)
{
	ce_stop(&E);
	return 0;
}

static void test_lun_has_the_vhd_size(void **unused)
{
	struct core_disk_spec spec = { .path = talloc_asprintf(E.mem, "%s/d1.vhd", E.root),
				       .description = "64 MiB", .type = CORE_WTD_FILE,
				       .new_size = 64 * MiB, .new_type = CORE_VHD_FIXED };
	struct tevent_req *req = core_disk_create_send(E.mem, E.core, &spec);
	ce_wait(&E, req);
	uint32_t wtd;
	char *why = NULL;
	assert_int_equal(core_disk_create_recv(req, E.mem, &wtd, &why), 0);
	struct stat st;
	assert_int_equal(stat(spec.path, &st), 0);
	assert_int_equal(st.st_size, 64 * MiB + 512); /* the footer is in the file */

	ce_target(&E, "t1", ALLOWED, wtd);
	struct core_target *t = core_target_by_name(E.mem, E.core, "t1");
	iqn = talloc_strdup(E.mem, t->iqn);
	struct core_target_state ts;
	assert_int_equal(core_target_state(E.mem, E.core, t->guid, &ts), 0);
	if (!ts.applied)
		fail_msg("not applied: %s", ts.reason ? ts.reason : "?");

	char out[4096];
	if (inq(ALLOWED, out, sizeof(out)) != 0)
		fail_msg("iscsi-inq failed: %s", out);
	assert_non_null(strstr(out, "ISTMD"));
	/* exactly the virtual size: the footer is not visible */
	assert_int_equal(capacity(ALLOWED), (long long)(64 * MiB));
	/* an initiator that was never allowed cannot log in */
	assert_int_not_equal(inq(OTHER, out, sizeof(out)), 0);
	assert_int_equal(loops_over(spec.path), 1);
}

/* Runs two reconcile passes with stderr captured at level info: what a pass
 * over a system that matches its desired state logs (nothing, issue 9
 * defect 8), and the drifts it counts. */
static void two_quiet_passes(const char *when)
{
	uint64_t passes0, drifts0, passes1, drifts1;
	core_reconcile_stats(E.core, &passes0, &drifts0);
	char *capture = talloc_asprintf(E.mem, "%s/passes.log", E.dir);
	fflush(stderr);
	int saved = dup(2);
	int fd = open(capture, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	log_set_journal(false);
	enum log_level level = log_get_level();
	log_set_level(LOG_LVL_INFO);
	for (int i = 0; i < 2; i++) {
		struct tevent_req *req = core_reconcile_check_send(E.mem, E.core);
		ce_wait(&E, req);
		assert_int_equal(core_reconcile_wait_recv(req), 0);
		talloc_free(req);
	}
	log_set_level(level);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	core_reconcile_stats(E.core, &passes1, &drifts1);
	char logged[2048] = "";
	FILE *f = fopen(capture, "r");
	assert_non_null(f);
	size_t n = fread(logged, 1, sizeof(logged) - 1, f);
	logged[n] = '\0';
	fclose(f);
	assert_true(passes1 >= passes0 + 2);
	if (drifts1 != drifts0 || n != 0)
		fail_msg("%s: %llu drift(s) in two passes over a healthy system; logged:\n%s", when,
			 (unsigned long long)(drifts1 - drifts0), logged);
}

static void test_no_false_drift(void **unused)
{
	two_quiet_passes("after the first apply");
}

static void test_second_core_same_state(void **unused)
{
	ce_close(&E);
	ce_open(&E);
	struct core_target *t = core_target_by_name(E.mem, E.core, "t1");
	assert_non_null(t);
	assert_int_equal(t->n_luns, 1);
	assert_int_equal(t->n_ids, 1);
	assert_string_equal(t->ids[0].value, ALLOWED);
	struct core_disk *d = core_disk_by_wtd(E.mem, E.core, t->luns[0].wtd);
	assert_non_null(d);
	assert_int_equal(d->size, 64 * MiB);
	assert_int_equal(capacity(ALLOWED), (long long)(64 * MiB));
	assert_int_equal(loops_over(d->path), 1); /* found again, not attached twice */
	two_quiet_passes("after a restart");
}

static void test_tgtd_restart(void **unused)
{
	tgtd_kill(&E.tgtd);
	ce_run_for(&E, 300); /* the backend notices */
	char out[4096];
	assert_int_not_equal(inq(ALLOWED, out, sizeof(out)), 0);
	assert_int_equal(tgtd_start(&E.tgtd), 0);
	double t0 = now_s();
	bool back = false;
	while (!back && now_s() - t0 < 2.0) {
		ce_run_for(&E, 100);
		back = inq(ALLOWED, out, sizeof(out)) == 0;
	}
	double took = now_s() - t0;
	if (!back)
		fail_msg("the target is not back 2 s after tgtd restarted");
	fprintf(stderr, "target back %.2f s after tgtd restarted\n", took);
	assert_int_equal(capacity(ALLOWED), (long long)(64 * MiB));
}

/* ---- SIGKILL while creating a disk ---- */

static int crash_pipe[2];

static void crash_hook(const char *point, void *priv)
{
	if (strcmp(point, (const char *)priv) != 0)
		return;
	/* tell the parent where we are, and wait for its SIGKILL */
	if (write(crash_pipe[1], "k", 1) != 1)
		_exit(9);
	for (;;)
		pause();
}

static void crash_child(const char *point)
{
	struct tevent_context *ev = tevent_context_init(NULL);
	struct core_options o;
	ce_options(&E, NULL, &o);
	o.crash_point = crash_hook;
	o.crash_priv = (void *)point;
	struct tevent_req *req = core_open_send(E.mem, ev, &o);
	while (tevent_req_is_in_progress(req))
		if (tevent_loop_once(ev) != 0)
			_exit(2);
	struct core *c = NULL;
	if (core_open_recv(req, E.mem, &c, NULL) != 0)
		_exit(2);
	struct core_disk_spec spec = { .path = talloc_asprintf(E.mem, "%s/crash.vhd", E.root),
				       .type = CORE_WTD_FILE, .new_size = 32 * MiB,
				       .new_type = CORE_VHD_FIXED };
	req = core_disk_create_send(NULL, c, &spec);
	while (tevent_req_is_in_progress(req))
		if (tevent_loop_once(ev) != 0)
			_exit(4);
	_exit(3); /* never reached the crash point */
}

static void crash_while_creating(const char *point, bool whole)
{
	char *file = talloc_asprintf(E.mem, "%s/crash.vhd", E.root);
	ce_close(&E); /* one core per state directory */
	assert_int_equal(pipe(crash_pipe), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		crash_child(point);
	close(crash_pipe[1]);
	char b;
	ssize_t n = read(crash_pipe[0], &b, 1); /* at the crash point, or dead */
	close(crash_pipe[0]);
	kill(pid, SIGKILL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(n, 1);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	ce_open(&E);
	struct core_disk *d = core_disk_by_path(E.mem, E.core, file, 0);
	struct stat st;
	if (whole) {
		assert_non_null(d);
		assert_int_equal(d->size, 32 * MiB);
		assert_int_equal(stat(file, &st), 0);
		assert_int_equal(st.st_size, 32 * MiB + 512);
		struct tevent_req *req = core_disk_delete_send(E.mem, E.core, d->wtd, true);
		ce_wait(&E, req);
		assert_int_equal(core_disk_delete_recv(req, E.mem, NULL), 0);
	} else {
		assert_null(d);
		assert_int_not_equal(stat(file, &st), 0);
	}
	/* no temporary file beside it, no loop device over it */
	DIR *dir = opendir(E.root);
	struct dirent *de;
	while ((de = readdir(dir)) != NULL)
		assert_true(strncmp(de->d_name, ".istmd", 6) != 0);
	closedir(dir);
	assert_int_equal(loops_over(file), 0);
	/* what was served before still is */
	assert_int_equal(capacity(ALLOWED), (long long)(64 * MiB));
}

static void test_sigkill_before_commit(void **unused)
{
	crash_while_creating("create.file", false);
}

static void test_sigkill_after_commit(void **unused)
{
	crash_while_creating("create.commit", true);
}

static void test_cleanup_detaches(void **unused)
{
	char *file = talloc_asprintf(E.mem, "%s/d1.vhd", E.root);
	struct tevent_req *req = core_target_delete_send(E.mem, E.core, "t1");
	ce_wait(&E, req);
	assert_int_equal(core_target_delete_recv(req, E.mem, NULL), 0);
	char out[4096];
	assert_int_not_equal(inq(ALLOWED, out, sizeof(out)), 0);
	ce_run_for(&E, 200); /* tgtd closes the device; autoclear finishes */
	assert_int_equal(loops_over(file), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lun_has_the_vhd_size),
		cmocka_unit_test(test_no_false_drift),
		cmocka_unit_test(test_second_core_same_state),
		cmocka_unit_test(test_tgtd_restart),
		cmocka_unit_test(test_sigkill_before_commit),
		cmocka_unit_test(test_sigkill_after_commit),
		cmocka_unit_test(test_cleanup_detaches),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
