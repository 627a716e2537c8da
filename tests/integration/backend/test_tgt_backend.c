/* The tgt backend against a real tgtd, with libiscsi as the initiator:
 * LUN size through a loop device, data landing in the file, initiator ACLs,
 * one-way and mutual CHAP, disable/enable, 256 LUNs, list/sessions, and tgtd
 * killed and restarted. Loopback only; tgtd is ours and stopped by PID. */
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
#include <sys/time.h>
#include <unistd.h>

#include "backend/iscsi_backend.h"
#include "backend/loopdev.h"
#include "backend/tgt_backend.h"
#include "iscsi_initiator.h"
#include "istmd/log.h"
#include "tgtd_harness.h"

#define ALLOWED "iqn.2024-01.org.istmd.test:allowed"
#define OTHER "iqn.2024-01.org.istmd.test:other"
#define MiB (1024u * 1024u)

struct env {
	TALLOC_CTX *mem;
	struct tevent_context *ev;
	struct tgtd tgtd;
	struct iscsi_backend *be;
	char dir[256];
	/* events */
	unsigned ups, downs;
	uint64_t generation;
	struct timeval last_event;
	const char **files; /* every file made, for the final check */
	size_t n_files;
};

static struct env E;

static void on_event(enum iscsi_backend_event event, uint64_t generation, void *priv)
{
	struct env *e = priv;
	if (event == ISCSI_BACKEND_UP)
		e->ups++;
	else
		e->downs++;
	e->generation = generation;
	gettimeofday(&e->last_event, NULL);
}

static double elapsed_since(const struct timeval *t0)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_usec - t0->tv_usec) / 1e6;
}

static void tick(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		 void *priv)
{
}

/* Runs the loop until *COUNTER exceeds START or SECONDS pass. */
static bool wait_counter(unsigned *counter, unsigned start, double seconds)
{
	struct timeval t0;
	gettimeofday(&t0, NULL);
	while (*counter <= start && elapsed_since(&t0) < seconds) {
		/* a wake-up, so that the deadline is checked even if nothing happens */
		TALLOC_CTX *tmp = talloc_new(E.mem);
		tevent_add_timer(E.ev, tmp, tevent_timeval_current_ofs(0, 50000), tick, NULL);
		tevent_loop_once(E.ev);
		talloc_free(tmp);
	}
	return *counter > start;
}

static int apply(const struct iscsi_target *t)
{
	struct tevent_req *req = iscsi_backend_apply_send(E.mem, E.ev, E.be, t);
	assert_non_null(req);
	assert_true(tevent_req_poll(req, E.ev));
	int rc = iscsi_backend_apply_recv(req);
	talloc_free(req);
	return rc;
}

static int remove_target(const char *iqn)
{
	struct tevent_req *req = iscsi_backend_remove_send(E.mem, E.ev, E.be, iqn);
	assert_non_null(req);
	assert_true(tevent_req_poll(req, E.ev));
	int rc = iscsi_backend_remove_recv(req);
	talloc_free(req);
	return rc;
}

static const struct iscsi_target *find_live(TALLOC_CTX *mem, const char *iqn)
{
	struct iscsi_target *targets = NULL;
	size_t n = 0;
	struct tevent_req *req = iscsi_backend_list_send(mem, E.ev, E.be);
	assert_non_null(req);
	assert_true(tevent_req_poll(req, E.ev));
	assert_int_equal(iscsi_backend_list_recv(req, mem, &targets, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(targets[i].iqn, iqn) == 0)
			return &targets[i];
	return NULL;
}

static struct iscsi_context *login(const char *target, const struct ini_opts *o)
{
	char err[256] = "";
	struct iscsi_context *c = ini_login(E.tgtd.portal, target, o, err, sizeof(err));
	if (c == NULL)
		print_message("login to %s as %s refused: %s\n", target, o->initiator, err);
	return c;
}

static bool can_login(const char *target, const struct ini_opts *o)
{
	struct iscsi_context *c = login(target, o);
	ini_logout(c);
	return c != NULL;
}

/* A fixed-VHD-like file: DATA bytes then a 512-byte trailer of 0xEE. */
static char *make_file(const char *name, uint64_t data, bool trailer)
{
	char *path = talloc_asprintf(E.mem, "%s/%s", E.dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)data), 0);
	if (trailer) {
		unsigned char t[512];
		memset(t, 0xEE, sizeof(t));
		assert_int_equal(pwrite(fd, t, sizeof(t), (off_t)data), 512);
	}
	close(fd);
	E.files = talloc_realloc(E.mem, E.files, const char *, E.n_files + 1);
	assert_non_null(E.files);
	E.files[E.n_files++] = path;
	return path;
}

/* The loop device over PATH's file (found by identity), or -errno. */
static int find_loop(const char *path, struct loopdev *d)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	return loopdev_find(st.st_dev, st.st_ino, 0, d);
}

/* loopdev_ensure() from a descriptor on PATH, as the core does. */
static int ensure_loop(const char *path, uint64_t size, struct loopdev *d)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = loopdev_ensure(fd, path, size, 0, d);
	close(fd);
	return rc;
}

/* Whether any loop device is still attached over PATH. */
static bool loop_over(const char *path)
{
	struct loopdev d;
	return find_loop(path, &d) == 0;
}

static int setup(void **unused)
{
	const char *why;
	if (!tgtd_available(&why)) {
		print_message("skipping: %s\n", why);
		return -1;
	}
	memset(&E, 0, sizeof(E));
	E.mem = talloc_new(NULL);
	E.ev = tevent_context_init(E.mem);
	snprintf(E.dir, sizeof(E.dir), "%s/tgt-test-XXXXXX", TEST_WORK_DIR);
	if (mkdtemp(E.dir) == NULL || !tgtd_pick(&E.tgtd, E.dir) || tgtd_start(&E.tgtd) != 0) {
		print_message("cannot start tgtd (log %s)\n", E.tgtd.log_path);
		return -1;
	}
	struct iscsi_portal portal = { "127.0.0.1", E.tgtd.iscsi_port };
	struct tgt_backend_options opts = {
		.control_port = E.tgtd.control_port,
		.portals = &portal,
		.n_portals = 1,
		.request_timeout_ms = 5000,
		.operation_timeout_ms = 60000,
		.watch_interval_ms = 100,
	};
	if (tgt_backend_new(E.mem, E.ev, &opts, &E.be) != 0)
		return -1;
	iscsi_backend_set_event_fn(E.be, on_event, &E);
	if (!wait_counter(&E.ups, 0, 5.0))
		return -1;
	return 0;
}

static int teardown(void **unused)
{
	tgtd_kill(&E.tgtd);
	/* a failed test may have left a loop device: never leak one */
	for (size_t i = 0; i < E.n_files; i++) {
		struct loopdev d;
		for (int tries = 0; tries < 10 && find_loop(E.files[i], &d) == 0; tries++) {
			print_message("detaching leftover %s\n", d.path);
			loopdev_detach(d.path);
			usleep(50000);
		}
	}
	TALLOC_FREE(E.mem);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", E.dir);
	if (E.dir[0] != '\0' && system(cmd) != 0)
		print_message("cannot remove %s\n", E.dir);
	return 0;
}

static struct iscsi_target basic_target(const char *iqn, struct iscsi_lun *luns, size_t n_luns,
					struct iscsi_acl_entry *acl, size_t n_acl)
{
	struct iscsi_target t = {
		.iqn = iqn, .enabled = true, .luns = luns, .n_luns = n_luns,
		.acl = acl, .n_acl = n_acl,
	};
	return t;
}

static void test_loop_lun_size_and_data(void **unused)
{
	const uint64_t data = 8 * MiB;
	char *file = make_file("fixed.vhd", data, true);
	struct loopdev dev;
	assert_int_equal(ensure_loop(file, data, &dev), 0);
	assert_int_equal(dev.size, data);
	assert_true(dev.direct_io);
	/* idempotent: the same device again */
	struct loopdev again;
	assert_int_equal(ensure_loop(file, data, &again), 0);
	assert_string_equal(again.path, dev.path);

	struct iscsi_lun lun = { .lun = 1, .path = dev.path, .serial = "ISTMD0001",
				 .device_id = "istmd-disk-0001", .direct_io = true };
	struct iscsi_acl_entry acl = { ISCSI_ACL_IQN, ALLOWED };
	struct iscsi_target t = basic_target("iqn.2024-01.org.istmd.test:data", &lun, 1, &acl, 1);
	assert_int_equal(apply(&t), 0);

	struct ini_opts o = { .initiator = ALLOWED };
	struct iscsi_context *c = login(t.iqn, &o);
	assert_non_null(c);
	uint64_t bytes = 0;
	assert_int_equal(ini_capacity(c, 1, &bytes), 0);
	assert_int_equal(bytes, data); /* the trailer is not part of the LUN */

	unsigned char buf[4096], back[4096];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	assert_int_equal(ini_write(c, 1, 100, buf, sizeof(buf)), 0);
	assert_int_equal(ini_read(c, 1, 100, back, sizeof(back)), 0);
	assert_memory_equal(buf, back, sizeof(buf));
	/* the last sector is writable, the one after it (the trailer) is not */
	assert_int_equal(ini_write(c, 1, (uint32_t)(data / 512 - 1), buf, 512), 0);
	assert_int_not_equal(ini_write(c, 1, (uint32_t)(data / 512), buf, 512), 0);
	ini_logout(c);

	/* direct I/O all the way: the file has the data now, at the right place */
	int fd = open(file, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, back, sizeof(back), 100 * 512), (ssize_t)sizeof(back));
	assert_memory_equal(buf, back, sizeof(buf));
	unsigned char trailer[512], ee[512];
	memset(ee, 0xEE, sizeof(ee));
	assert_int_equal(pread(fd, trailer, sizeof(trailer), (off_t)data), 512);
	assert_memory_equal(trailer, ee, sizeof(ee));
	close(fd);

	/* list() reports what we applied */
	TALLOC_CTX *tmp = talloc_new(NULL);
	const struct iscsi_target *live = find_live(tmp, t.iqn);
	assert_non_null(live);
	char *why = NULL;
	if (!iscsi_target_matches(&t, live, tmp, &why))
		fail_msg("live target differs: %s", why);
	assert_string_equal(live->luns[0].serial, "ISTMD0001");
	talloc_free(tmp);

	assert_int_equal(remove_target(t.iqn), 0);
	assert_int_equal(remove_target(t.iqn), 0); /* absent: still fine */
	int rc = loopdev_detach(dev.path);
	assert_true(rc == 0 || rc == 1);
	for (int i = 0; i < 50 && loop_over(file); i++)
		usleep(20000);
	assert_false(loop_over(file));
}

static void test_initiator_access(void **unused)
{
	char *file = make_file("acl.img", 1 * MiB, false);
	struct iscsi_lun lun = { .lun = 1, .path = file };
	struct iscsi_acl_entry acl = { ISCSI_ACL_IQN, ALLOWED };
	struct iscsi_target t = basic_target("iqn.2024-01.org.istmd.test:acl", &lun, 1, NULL, 0);
	struct ini_opts allowed = { .initiator = ALLOWED }, other = { .initiator = OTHER };

	/* nothing allowed */
	assert_int_equal(apply(&t), 0);
	assert_false(can_login(t.iqn, &allowed));

	t.acl = &acl;
	t.n_acl = 1;
	assert_int_equal(apply(&t), 0);
	assert_true(can_login(t.iqn, &allowed));
	assert_false(can_login(t.iqn, &other));

	/* by address: the whole loopback network, then an address we are not */
	struct iscsi_acl_entry by_addr = { ISCSI_ACL_ADDRESS, "127.0.0.0/8" };
	t.acl = &by_addr;
	assert_int_equal(apply(&t), 0);
	assert_true(can_login(t.iqn, &other));
	by_addr.value = "192.0.2.1";
	assert_int_equal(apply(&t), 0);
	assert_false(can_login(t.iqn, &other));
	assert_false(can_login(t.iqn, &allowed));

	/* an established session of an initiator that loses access is closed */
	t.acl = &acl;
	assert_int_equal(apply(&t), 0);
	struct iscsi_context *c = login(t.iqn, &allowed);
	assert_non_null(c);
	t.n_acl = 0;
	assert_int_equal(apply(&t), 0);
	uint64_t bytes;
	assert_int_not_equal(ini_capacity(c, 1, &bytes), 0);
	ini_logout(c);

	/* bad descriptions never reach tgtd */
	struct iscsi_acl_entry bad = { ISCSI_ACL_IQN, "not an iqn" };
	t.acl = &bad;
	t.n_acl = 1;
	assert_int_equal(apply(&t), -EINVAL);
	struct iscsi_lun lun0 = { .lun = 0, .path = file };
	t.acl = &acl;
	t.luns = &lun0;
	assert_int_equal(apply(&t), -ERANGE);
	assert_int_equal(remove_target(t.iqn), 0);
}

static void test_chap(void **unused)
{
	char *file = make_file("chap.img", 1 * MiB, false);
	struct iscsi_lun lun = { .lun = 1, .path = file };
	struct iscsi_acl_entry acl = { ISCSI_ACL_IQN, ALLOWED };
	struct iscsi_chap_account in = { "istmd-user", "0123456789abcdef" };
	struct iscsi_chap_account out = { "istmd-target", "fedcba9876543210" };
	struct iscsi_target t = basic_target("iqn.2024-01.org.istmd.test:chap", &lun, 1, &acl, 1);
	t.chap_in = &in;
	t.n_chap_in = 1;
	assert_int_equal(apply(&t), 0);

	struct ini_opts none = { .initiator = ALLOWED };
	struct ini_opts good = { .initiator = ALLOWED, .chap_user = in.user,
				 .chap_secret = in.secret };
	struct ini_opts wrong = { .initiator = ALLOWED, .chap_user = in.user,
				  .chap_secret = "0123456789abcdeX" };
	assert_false(can_login(t.iqn, &none));
	assert_false(can_login(t.iqn, &wrong));
	assert_true(can_login(t.iqn, &good));

	/* a new secret replaces the old one */
	in.secret = "a-new-secret-1234";
	assert_int_equal(apply(&t), 0);
	assert_false(can_login(t.iqn, &good));
	good.chap_secret = in.secret;
	assert_true(can_login(t.iqn, &good));

	/* mutual CHAP */
	t.chap_out = &out;
	assert_int_equal(apply(&t), 0);
	struct ini_opts mutual = good, mutual_wrong = good;
	mutual.target_user = out.user;
	mutual.target_secret = out.secret;
	mutual_wrong.target_user = out.user;
	mutual_wrong.target_secret = "not-the-target-secret";
	assert_true(can_login(t.iqn, &mutual));
	assert_false(can_login(t.iqn, &mutual_wrong));

	TALLOC_CTX *tmp = talloc_new(NULL);
	const struct iscsi_target *live = find_live(tmp, t.iqn);
	assert_non_null(live);
	assert_true(iscsi_target_matches(&t, live, tmp, NULL));
	assert_null(live->chap_in[0].secret); /* never revealed */

	/* another target may not give the same user another secret (tgt's
	 * accounts are global) */
	struct iscsi_chap_account clash = { "istmd-user", "some-other-secret" };
	struct iscsi_target t2 = basic_target("iqn.2024-01.org.istmd.test:chap2", NULL, 0, &acl, 1);
	t2.chap_in = &clash;
	t2.n_chap_in = 1;
	assert_int_equal(apply(&t2), -EEXIST);
	clash.secret = in.secret; /* the same secret is fine */
	assert_int_equal(apply(&t2), 0);
	assert_int_equal(remove_target(t2.iqn), 0);
	assert_true(can_login(t.iqn, &mutual)); /* still bound to the first one */

	/* CHAP off again */
	t.chap_in = NULL;
	t.n_chap_in = 0;
	t.chap_out = NULL;
	assert_int_equal(apply(&t), 0);
	assert_true(can_login(t.iqn, &none));
	live = find_live(tmp, t.iqn);
	assert_int_equal(live->n_chap_in, 0);
	assert_null(live->chap_out);
	talloc_free(tmp);
	assert_int_equal(remove_target(t.iqn), 0);
}

static void test_disable_enable_and_params(void **unused)
{
	char *file = make_file("en.img", 1 * MiB, false);
	struct iscsi_lun lun = { .lun = 3, .path = file, .read_only = true };
	struct iscsi_acl_entry acl = { ISCSI_ACL_IQN, ALLOWED };
	struct iscsi_target t = basic_target("iqn.2024-01.org.istmd.test:enable", &lun, 1, &acl, 1);
	t.params.max_recv_data_segment_length = 65536;
	t.params.first_burst_length = 131072;
	t.params.max_burst_length = 524288;
	t.params.nop_interval = 5;
	t.params.nop_count = 3;
	assert_int_equal(apply(&t), 0);

	struct ini_opts o = { .initiator = ALLOWED };
	struct iscsi_context *c = login(t.iqn, &o);
	assert_non_null(c);
	unsigned char buf[512] = { 1 };
	assert_int_not_equal(ini_write(c, 3, 0, buf, sizeof(buf)), 0); /* read-only */
	assert_int_equal(ini_read(c, 3, 0, buf, sizeof(buf)), 0);

	TALLOC_CTX *tmp = talloc_new(NULL);
	struct tevent_req *req = iscsi_backend_sessions_send(tmp, E.ev, E.be, t.iqn);
	assert_true(tevent_req_poll(req, E.ev));
	struct iscsi_session_info *s = NULL;
	size_t n = 0;
	assert_int_equal(iscsi_backend_sessions_recv(req, tmp, &s, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].initiator_iqn, ALLOWED);
	assert_string_equal(s[0].target_iqn, t.iqn);
	assert_int_not_equal(s[0].tsih, 0);
	assert_int_equal(s[0].n_conns, 1);
	assert_string_equal(s[0].conns[0].initiator_address, "127.0.0.1");
	assert_int_equal(s[0].conns[0].target_port, E.tgtd.iscsi_port);

	const struct iscsi_target *live = find_live(tmp, t.iqn);
	assert_non_null(live);
	assert_int_equal(live->params.max_recv_data_segment_length, 65536);
	assert_int_equal(live->params.first_burst_length, 131072);
	assert_int_equal(live->params.max_burst_length, 524288);
	assert_int_equal(live->params.nop_interval, 5);
	assert_true(live->luns[0].read_only);
	assert_int_equal(live->n_sessions, 1);
	assert_true(iscsi_target_matches(&t, live, tmp, NULL));

	/* disabling closes the session and refuses new ones */
	t.enabled = false;
	assert_int_equal(apply(&t), 0);
	uint64_t bytes;
	assert_int_not_equal(ini_capacity(c, 3, &bytes), 0);
	ini_logout(c);
	assert_false(can_login(t.iqn, &o));
	live = find_live(tmp, t.iqn);
	assert_false(live->enabled);
	t.enabled = true;
	assert_int_equal(apply(&t), 0);
	assert_true(can_login(t.iqn, &o));
	talloc_free(tmp);
	assert_int_equal(remove_target(t.iqn), 0);
}

static void test_256_luns(void **unused)
{
	enum { N = 256 };
	struct iscsi_lun *luns = talloc_zero_array(E.mem, struct iscsi_lun, N);
	for (unsigned i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "lun%u.img", i + 1);
		luns[i].lun = i + 1;
		luns[i].path = make_file(name, 1 * MiB, false);
		luns[i].serial = talloc_asprintf(luns, "SN%04u", i + 1);
	}
	struct iscsi_acl_entry acl = { ISCSI_ACL_IQN, ALLOWED };
	struct iscsi_target t = basic_target("iqn.2024-01.org.istmd.test:many", luns, N, &acl, 1);
	struct timeval t0;
	gettimeofday(&t0, NULL);
	assert_int_equal(apply(&t), 0);
	print_message("256 LUNs applied in %.2f s\n", elapsed_since(&t0));
	gettimeofday(&t0, NULL);
	assert_int_equal(apply(&t), 0); /* nothing to do */
	print_message("re-applied (no change) in %.2f s\n", elapsed_since(&t0));

	struct ini_opts o = { .initiator = ALLOWED };
	struct iscsi_context *c = login(t.iqn, &o);
	assert_non_null(c);
	unsigned count = 0;
	int has_last = 0;
	assert_int_equal(ini_report_luns(c, &count, N, &has_last), 0);
	assert_int_equal(count, N + 1); /* and tgt's controller at LUN 0 */
	assert_true(has_last);
	uint64_t bytes = 0;
	/* libiscsi sends the LUN number as is: above 255 the initiator itself
	 * must use flat space addressing (01b in the top bits) */
	assert_int_equal(ini_capacity(c, 0x4000 | N, &bytes), 0);
	assert_int_equal(bytes, 1 * MiB);
	ini_logout(c);

	TALLOC_CTX *tmp = talloc_new(NULL);
	const struct iscsi_target *live = find_live(tmp, t.iqn);
	assert_non_null(live);
	assert_int_equal(live->n_luns, N);
	assert_true(iscsi_target_matches(&t, live, tmp, NULL));
	/* drop half of them */
	t.n_luns = N / 2;
	assert_int_equal(apply(&t), 0);
	live = find_live(tmp, t.iqn);
	assert_int_equal(live->n_luns, N / 2);
	talloc_free(tmp);
	assert_int_equal(remove_target(t.iqn), 0);
}

static void test_tgtd_restart(void **unused)
{
	char *file = make_file("restart.img", 1 * MiB, false);
	struct iscsi_lun lun = { .lun = 1, .path = file };
	struct iscsi_acl_entry acl = { ISCSI_ACL_IQN, ALLOWED };
	struct iscsi_chap_account in = { "restart-user", "restart-secret-12" };
	struct iscsi_target t = basic_target("iqn.2024-01.org.istmd.test:restart", &lun, 1, &acl,
					     1);
	t.chap_in = &in;
	t.n_chap_in = 1;
	assert_int_equal(apply(&t), 0);
	uint64_t gen0 = 0;
	assert_true(iscsi_backend_is_up(E.be, &gen0));

	unsigned downs = E.downs, ups = E.ups;
	struct timeval t0;
	gettimeofday(&t0, NULL);
	tgtd_kill(&E.tgtd);
	assert_true(wait_counter(&E.downs, downs, 2.0));
	print_message("tgtd death seen after %.3f s\n", elapsed_since(&t0));
	assert_false(iscsi_backend_is_up(E.be, NULL));

	/* while it is down, operations fail quickly and cleanly */
	assert_int_equal(apply(&t), -ENOTCONN);

	assert_int_equal(tgtd_start(&E.tgtd), 0);
	gettimeofday(&t0, NULL);
	assert_true(wait_counter(&E.ups, ups, 2.0));
	print_message("tgtd back seen after %.3f s\n", elapsed_since(&t0));
	uint64_t gen1 = 0;
	assert_true(iscsi_backend_is_up(E.be, &gen1));
	assert_true(gen1 > gen0);

	TALLOC_CTX *tmp = talloc_new(NULL);
	assert_null(find_live(tmp, t.iqn)); /* a new tgtd knows nothing */
	assert_int_equal(apply(&t), 0);
	const struct iscsi_target *live = find_live(tmp, t.iqn);
	assert_non_null(live);
	assert_true(iscsi_target_matches(&t, live, tmp, NULL));
	struct ini_opts o = { .initiator = ALLOWED, .chap_user = in.user, .chap_secret = in.secret };
	assert_true(can_login(t.iqn, &o));
	talloc_free(tmp);
	assert_int_equal(remove_target(t.iqn), 0);
}

/* A tgtd that stops answering (SIGSTOP) makes requests time out, in time. */
static void test_hung_tgtd_times_out(void **unused)
{
	struct iscsi_portal portal = { "127.0.0.1", E.tgtd.iscsi_port };
	struct tgt_backend_options opts = {
		.control_port = E.tgtd.control_port,
		.portals = &portal,
		.n_portals = 1,
		.request_timeout_ms = 300,
		.operation_timeout_ms = 2000,
	};
	struct iscsi_backend *be = NULL;
	assert_int_equal(tgt_backend_new(E.mem, E.ev, &opts, &be), 0);
	struct iscsi_target t = basic_target("iqn.2024-01.org.istmd.test:hung", NULL, 0, NULL, 0);

	assert_int_equal(kill(E.tgtd.pid, SIGSTOP), 0);
	struct timeval t0;
	gettimeofday(&t0, NULL);
	struct tevent_req *req = iscsi_backend_apply_send(E.mem, E.ev, be, &t);
	assert_true(tevent_req_poll(req, E.ev));
	int rc = iscsi_backend_apply_recv(req);
	double took = elapsed_since(&t0);
	assert_int_equal(kill(E.tgtd.pid, SIGCONT), 0);
	talloc_free(req);
	assert_int_equal(rc, -ETIMEDOUT);
	assert_true(took < 1.5);
	print_message("hung tgtd: -ETIMEDOUT after %.2f s\n", took);

	/* and once it answers again, all is well */
	req = iscsi_backend_apply_send(E.mem, E.ev, be, &t);
	assert_true(tevent_req_poll(req, E.ev));
	assert_int_equal(iscsi_backend_apply_recv(req), 0);
	talloc_free(req);
	talloc_free(be);
	assert_int_equal(remove_target(t.iqn), 0);
}

int main(void)
{
	const char *why;
	if (!tgtd_available(&why)) {
		printf("skipping: %s\n", why);
		return 77; /* ctest SKIP_RETURN_CODE */
	}
	log_set_level(LOG_LVL_WARNING);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_lun_size_and_data),
		cmocka_unit_test(test_initiator_access),
		cmocka_unit_test(test_chap),
		cmocka_unit_test(test_disable_enable_and_params),
		cmocka_unit_test(test_256_luns),
		cmocka_unit_test(test_hung_tgtd_times_out),
		cmocka_unit_test(test_tgtd_restart),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
