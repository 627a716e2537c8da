/* The core against a real tgtd, with libiscsi's command-line initiator:
 *  - a disk on a new fixed VHD and a target mapping it to an allowed IQN:
 *    the LUN exists (iscsi-inq) with exactly the VHD's virtual size
 *    (iscsi-readcapacity16), and another IQN cannot log in;
 *  - a second core over the same state directory serves the same thing,
 *    without a second loop device;
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

#include "backend/storage_paths.h"
#include "core/core.h"
#include "istmd/config.h"
#include "tgtd_harness.h"

#define MiB (1024 * 1024ull)
#define ALLOWED "iqn.2025-01.org.istmd.test:allowed"
#define OTHER "iqn.2025-01.org.istmd.test:other"

struct env {
	TALLOC_CTX *mem;
	struct tevent_context *ev;
	char *dir, *root, *state;
	struct cfg *cfg;
	struct storage_paths *sp;
	struct tgtd tgtd;
	struct iscsi_backend *be;
	struct core *core;
	char *iqn; /* of target t1 */
};
static struct env E;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void timeout_handler(struct tevent_context *ev, struct tevent_timer *te,
			    struct timeval now, void *priv)
{
	*(bool *)priv = true;
}

static void run_for(unsigned ms)
{
	bool expired = false;
	tevent_add_timer(E.ev, E.mem, tevent_timeval_current_ofs(ms / 1000, (ms % 1000) * 1000),
			 timeout_handler, &expired);
	while (!expired)
		assert_int_equal(tevent_loop_once(E.ev), 0);
}

static void wait_req(struct tevent_req *req)
{
	bool expired = false;
	struct tevent_timer *te = tevent_add_timer(E.ev, req, tevent_timeval_current_ofs(60, 0),
						   timeout_handler, &expired);
	while (tevent_req_is_in_progress(req) && !expired)
		assert_int_equal(tevent_loop_once(E.ev), 0);
	assert_false(expired);
	talloc_free(te);
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
	return run(out, outlen, "iscsi-inq -i %s iscsi://%s/%s/1", initiator, E.tgtd.portal, E.iqn);
}

static long long capacity(const char *initiator)
{
	char out[512];
	if (run(out, sizeof(out), "iscsi-readcapacity16 -s -i %s iscsi://%s/%s/1", initiator,
		E.tgtd.portal, E.iqn) != 0)
		return -1;
	return atoll(out);
}

/* Loop devices whose backing file is PATH (from sysfs, not via the code
 * under test). */
static unsigned loops_over(const char *path)
{
	unsigned n = 0;
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		char sys[300], buf[4200] = "";
		snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", de->d_name);
		FILE *f = fopen(sys, "r");
		if (f == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL) {
			buf[strcspn(buf, "\n")] = '\0';
			if (strcmp(buf, path) == 0)
				n++;
		}
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return n;
}

/* Detaches every loop device over a file under our scratch directory. */
static void detach_ours(void)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		char sys[300], buf[4200] = "", dev[300];
		snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", de->d_name);
		FILE *f = fopen(sys, "r");
		if (f == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL && strncmp(buf, E.dir, strlen(E.dir)) == 0) {
			snprintf(dev, sizeof(dev), "/dev/%s", de->d_name);
			loopdev_detach(dev);
		}
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
}

static struct core *open_core(struct tevent_context *ev, struct iscsi_backend *be,
			      void (*crash)(const char *, void *), void *priv, char **why)
{
	struct core_options o;
	char *err = NULL;
	if (core_options_from_config(E.mem, E.cfg, &o, &err) != 0)
		return NULL;
	o.storage = E.sp;
	o.backend = be;
	o.crash_point = crash;
	o.crash_priv = priv;
	struct tevent_req *req = core_open_send(E.mem, ev, &o);
	if (ev == E.ev) {
		wait_req(req);
	} else {
		while (tevent_req_is_in_progress(req))
			if (tevent_loop_once(ev) != 0)
				return NULL;
	}
	struct core *c = NULL;
	int rc = core_open_recv(req, E.mem, &c, why);
	talloc_free(req);
	return rc == 0 ? c : NULL;
}

static void start_core(void)
{
	char *why = NULL;
	E.core = open_core(E.ev, E.be, NULL, NULL, &why);
	if (E.core == NULL)
		fail_msg("cannot open the core: %s", why ? why : "?");
	/* tgtd answers: wait for the UP event's pass */
	for (int i = 0; i < 100 && !iscsi_backend_is_up(E.be, NULL); i++)
		run_for(50);
	assert_true(iscsi_backend_is_up(E.be, NULL));
	struct tevent_req *req = core_reconcile_wait_send(E.mem, E.core);
	wait_req(req);
	assert_int_equal(core_reconcile_wait_recv(req), 0);
}

static void stop_core(void)
{
	struct tevent_req *req = core_close_send(E.mem, E.core);
	wait_req(req);
	assert_int_equal(core_close_recv(req), 0);
	TALLOC_FREE(E.core);
}

static int group_setup(void **state)
{
	const char *why = NULL;
	if (!tgtd_available(&why)) {
		fprintf(stderr, "skipped: %s\n", why);
		exit(77);
	}
	if (access("/usr/bin/iscsi-inq", X_OK) != 0 ||
	    access("/usr/bin/iscsi-readcapacity16", X_OK) != 0) {
		fprintf(stderr, "skipped: libiscsi-bin is not installed\n");
		exit(77);
	}
	E.mem = talloc_new(NULL);
	E.ev = tevent_context_init(E.mem);
	E.dir = talloc_asprintf(E.mem, "%s/core-tgt-XXXXXX", TEST_WORK_DIR);
	assert_non_null(mkdtemp(E.dir));
	E.root = talloc_asprintf(E.mem, "%s/storage", E.dir);
	E.state = talloc_asprintf(E.mem, "%s/state", E.dir);
	assert_int_equal(mkdir(E.root, 0755), 0);
	assert_true(tgtd_pick(&E.tgtd, E.dir));
	assert_int_equal(tgtd_start(&E.tgtd), 0);
	char *text = talloc_asprintf(E.mem,
				     "[state]\ndir = %s\nreconcile_interval = 5\n"
				     "[storage]\nroots = %s\n"
				     "[iscsi]\nbackend = tgt\ntgt_control_port = %u\nportal = %s\n",
				     E.state, E.root, E.tgtd.control_port, E.tgtd.portal);
	char *err = NULL;
	E.cfg = cfg_parse(E.mem, "test", text, &err);
	assert_non_null(E.cfg);
	assert_int_equal(storage_paths_from_config(E.mem, E.cfg, &E.sp, &err), 0);
	if (iscsi_backend_open(E.mem, E.ev, E.cfg, &E.be, &err) != 0)
		fail_msg("backend: %s", err);
	start_core();
	return 0;
}

static int group_teardown(void **state)
{
	if (E.core != NULL)
		stop_core();
	TALLOC_FREE(E.be);
	tgtd_kill(&E.tgtd);
	detach_ours();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", E.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", E.dir);
	talloc_free(E.mem);
	return 0;
}

static void test_lun_has_the_vhd_size(void **unused)
{
	struct core_disk_spec spec = { .path = talloc_asprintf(E.mem, "%s/d1.vhd", E.root),
				       .description = "64 MiB", .type = CORE_WTD_FILE,
				       .new_size = 64 * MiB, .new_type = CORE_VHD_FIXED };
	struct tevent_req *req = core_disk_create_send(E.mem, E.core, &spec);
	wait_req(req);
	uint32_t wtd;
	char *why = NULL;
	assert_int_equal(core_disk_create_recv(req, E.mem, &wtd, &why), 0);
	struct stat st;
	assert_int_equal(stat(spec.path, &st), 0);
	assert_int_equal(st.st_size, 64 * MiB + 512); /* the footer is in the file */

	int rc;
	struct core_target_draft *d = core_target_draft_new(E.mem, E.core, "t1", &rc, &why);
	assert_non_null(d);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, ALLOWED, &why), 0);
	uint32_t lun;
	assert_int_equal(core_draft_add_disk(d, wtd, &lun, &why), 0);
	assert_int_equal(lun, 1);
	req = core_target_save_send(E.mem, E.core, d);
	wait_req(req);
	if (core_target_save_recv(req, E.mem, &why) != 0)
		fail_msg("save: %s", why);
	struct core_target *t = core_target_by_name(E.mem, E.core, "t1");
	E.iqn = talloc_strdup(E.mem, t->iqn);
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

static void test_second_core_same_state(void **unused)
{
	stop_core();
	start_core();
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
}

static void test_tgtd_restart(void **unused)
{
	tgtd_kill(&E.tgtd);
	run_for(300); /* the backend notices */
	char out[4096];
	assert_int_not_equal(inq(ALLOWED, out, sizeof(out)), 0);
	assert_int_equal(tgtd_start(&E.tgtd), 0);
	double t0 = now_s();
	bool back = false;
	while (!back && now_s() - t0 < 2.0) {
		run_for(100);
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
	struct core *c = open_core(ev, NULL, crash_hook, (void *)point, NULL);
	if (c == NULL)
		_exit(2);
	struct core_disk_spec spec = { .path = talloc_asprintf(E.mem, "%s/crash.vhd", E.root),
				       .type = CORE_WTD_FILE, .new_size = 32 * MiB,
				       .new_type = CORE_VHD_FIXED };
	struct tevent_req *req = core_disk_create_send(NULL, c, &spec);
	while (tevent_req_is_in_progress(req))
		if (tevent_loop_once(ev) != 0)
			_exit(4);
	_exit(3); /* never reached the crash point */
}

static void crash_while_creating(const char *point, bool whole)
{
	char *file = talloc_asprintf(E.mem, "%s/crash.vhd", E.root);
	stop_core(); /* one core per state directory */
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

	start_core();
	struct core_disk *d = core_disk_by_path(E.mem, E.core, file, 0);
	struct stat st;
	if (whole) {
		assert_non_null(d);
		assert_int_equal(d->size, 32 * MiB);
		assert_int_equal(stat(file, &st), 0);
		assert_int_equal(st.st_size, 32 * MiB + 512);
		struct tevent_req *req = core_disk_delete_send(E.mem, E.core, d->wtd, true);
		wait_req(req);
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
	wait_req(req);
	assert_int_equal(core_target_delete_recv(req, E.mem, NULL), 0);
	char out[4096];
	assert_int_not_equal(inq(ALLOWED, out, sizeof(out)), 0);
	run_for(200); /* tgtd closes the device; autoclear finishes */
	assert_int_equal(loops_over(file), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lun_has_the_vhd_size),
		cmocka_unit_test(test_second_core_same_state),
		cmocka_unit_test(test_tgtd_restart),
		cmocka_unit_test(test_sigkill_before_commit),
		cmocka_unit_test(test_sigkill_after_commit),
		cmocka_unit_test(test_cleanup_detaches),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
