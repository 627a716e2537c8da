/* The model's rules: names, IQNs, identifiers, CHAP, negotiation limits,
 * LUN numbering, portals; drafts and their three-way merge on save; disks
 * and files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/vhd.h"
#include "backend/vhdfs_ctl.h"
#include "core_testutil.h"

#define MiB (1024 * 1024ull)

static int setup(void **state)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tc_free(*state);
	return 0;
}

static struct core_target_draft *new_draft(struct tc *t, const char *name)
{
	int rc;
	struct core_target_draft *d = core_target_draft_new(t, t->core, name, &rc, NULL);
	assert_non_null(d);
	return d;
}

static void test_target_names(void **state)
{
	struct tc *t = *state;
	int rc;
	char *why = NULL;
	assert_null(core_target_draft_new(t, t->core, "", &rc, &why));
	assert_int_equal(rc, -EINVAL);
	assert_null(core_target_draft_new(t, t->core, "bad name", &rc, &why));
	assert_int_equal(rc, -EINVAL);
	assert_null(core_target_draft_new(t, t->core, "-x", &rc, &why));
	assert_int_equal(rc, -EINVAL);
	assert_null(core_target_draft_new(t, t->core, "caf\xc3\xa9", &rc, &why));
	assert_int_equal(rc, -EINVAL);
	/* a name whose IQN would exceed 223 characters */
	char longname[220];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_null(core_target_draft_new(t, t->core, longname, &rc, &why));
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(why, "IQN"));

	struct core_target_draft *d = new_draft(t, "Database.Target-1");
	assert_true(core_draft_is_new(d));
	assert_null(core_draft_target(d)->iqn);
	char *iqn = core_target_default_iqn(t, t->core, "Database.Target-1");
	assert_string_equal(iqn, "iqn.2025-01.org.istmd:testhost-database.target-1-target");
	assert_int_equal(tc_save(t, d), 0);
	assert_string_equal(core_target_by_name(t, t->core, "database.target-1")->iqn, iqn);
	/* names compare without case */
	assert_null(core_target_draft_new(t, t->core, "DATABASE.TARGET-1", &rc, &why));
	assert_int_equal(rc, -EEXIST);
	assert_non_null(core_target_by_iqn(t, t->core, "IQN.2025-01.ORG.ISTMD:TESTHOST-DATABASE.TARGET-1-TARGET"));
}

static void test_target_defaults(void **state)
{
	struct tc *t = *state;
	char guid[CORE_GUID_LEN + 1];
	assert_int_equal(tc_create_target(t, "t", guid), 0);
	struct core_target *tg = core_target_by_guid(t, t->core, guid);
	assert_non_null(tg);
	assert_int_equal(strlen(tg->guid), CORE_GUID_LEN);
	assert_int_equal(tg->guid[14], '4'); /* version 4 */
	assert_true(tg->enabled);
	assert_false(tg->chap_enabled);
	assert_int_equal(tg->max_recv_data_segment_length, 65536);
	assert_int_equal(tg->first_burst_length, 65536);
	assert_int_equal(tg->max_burst_length, 262144);
	assert_int_equal(tg->num_recv_buffers, 10);
	assert_true(tg->enforce_idle_timeout);
	assert_string_equal(tg->description, "");
	assert_int_equal(tg->n_ids + tg->n_luns + tg->n_portals, 0);
}

static void test_iqn_rules(void **state)
{
	struct tc *t = *state;
	assert_int_equal(tc_create_target(t, "a", NULL), 0);
	struct core_target_draft *d = new_draft(t, "b");
	char *why = NULL;
	assert_int_equal(core_draft_set_iqn(d, "not-an-iqn", &why), -EINVAL);
	assert_int_equal(core_draft_set_iqn(d, "iqn.2025-1.x", &why), -EINVAL);
	assert_int_equal(core_draft_set_iqn(d, core_target_by_name(t, t->core, "a")->iqn, &why),
			 -EEXIST);
	assert_int_equal(core_draft_set_iqn(d, "eui.0123456789ABCDEF", &why), 0);
	assert_int_equal(core_draft_set_iqn(d, "iqn.1991-05.com.microsoft:b", &why), 0);
	assert_int_equal(tc_save(t, d), 0);
	/* renaming a saved target keeps its IQN */
	assert_int_equal(core_draft_set_name(d, "c", &why), 0);
	assert_int_equal(tc_save(t, d), 0);
	assert_string_equal(core_target_by_name(t, t->core, "c")->iqn, "iqn.1991-05.com.microsoft:b");
	assert_int_equal(core_draft_set_name(d, "a", &why), -EEXIST);
}

static void test_initiator_ids(void **state)
{
	struct tc *t = *state;
	struct core_target_draft *d = new_draft(t, "t");
	char *why = NULL;
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, "iqn.1991-05.com.microsoft:h", &why), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, "iqn.1991-05.COM.MICROSOFT:H", &why), 0);
	assert_int_equal(core_draft_target(d)->n_ids, 1); /* the same name */
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, "nope", &why), -EINVAL);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IP, "10.0.0.300", &why), -EINVAL);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IP, "010.0.0.1", &why), -EINVAL);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IP, "::1", &why), -EINVAL);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IP, "10.1.0.0/16", &why), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IP, "10.1.0.0/33", &why), -EINVAL);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IPV6, "21DA:D3:0:2F3B:2AA:FF:FE28:9C5A", &why), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IPV6, "21da:d3::2f3b:2aa:ff:fe28:9c5a", &why), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IPV6, "[::1]", &why), -EINVAL);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IPV6, "fe80::1%eth0", &why), -EINVAL);
	assert_int_equal(core_draft_add_id(d, CORE_ID_DNS, "Host.Example.COM.", &why), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_DNS, "-bad.example", &why), -EINVAL);
	assert_int_equal(core_draft_add_id(d, CORE_ID_DNS, "a..b", &why), -EINVAL);
	/* what the backend cannot enforce is refused, never accepted and ignored */
	assert_int_equal(core_draft_add_id(d, CORE_ID_MAC, "00-11-22-33-44-55", &why), -EOPNOTSUPP);
	assert_non_null(strstr(why, "cannot be enforced"));
	assert_int_equal(core_draft_add_id(d, CORE_ID_NETBIOS, "HOST", &why), -EOPNOTSUPP);
	assert_int_equal(core_draft_add_id(d, (enum core_id_method)-1, "x", &why), -EINVAL);
	assert_int_equal(core_draft_add_id(d, (enum core_id_method)9, "x", &why), -EINVAL);
	char big[600];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(core_draft_add_id(d, CORE_ID_DNS, big, &why), -EINVAL);

	const struct core_target *e = core_draft_target(d);
	assert_int_equal(e->n_ids, 4);
	assert_string_equal(e->ids[1].value, "10.1.0.0/16");
	assert_string_equal(e->ids[2].value, "21da:d3:0:2f3b:2aa:ff:fe28:9c5a");
	assert_string_equal(e->ids[3].value, "host.example.com");
	assert_int_equal(core_draft_remove_id(d, CORE_ID_IPV6, "21DA:D3::2F3B:2AA:FF:FE28:9C5A"), 0);
	assert_int_equal(core_draft_remove_id(d, CORE_ID_IPV6, "21DA:D3::2F3B:2AA:FF:FE28:9C5A"),
			 -ENOENT);
	assert_int_equal(tc_save(t, d), 0);
	struct core_target *saved = core_target_by_name(t, t->core, "t");
	assert_int_equal(saved->n_ids, 3);
	core_draft_remove_all_ids(d);
	assert_int_equal(tc_save(t, d), 0);
	assert_int_equal(core_target_by_name(t, t->core, "t")->n_ids, 0);
}

static void test_chap_rules(void **state)
{
	struct tc *t = *state;
	struct core_target_draft *d = new_draft(t, "t");
	assert_int_equal(core_draft_set_chap_user(d, false, "has space"), -EINVAL);
	assert_int_equal(core_draft_set_chap_user(d, false, "a,b"), -EINVAL);
	assert_int_equal(core_draft_set_chap_secret(d, false, "short"), -EMSGSIZE);
	assert_int_equal(core_draft_set_chap_secret(d, false, "tab\there12345"), -EINVAL);
	assert_int_equal(core_draft_check_chap_secret(d, false, "12345678901"), -EMSGSIZE);
	assert_int_equal(core_draft_check_chap_secret(d, false, "123456789012"), 0);
	/* enabled without user and secret */
	core_draft_set_chap_enabled(d, false, true);
	assert_int_equal(tc_save(t, d), -EINVAL);
	assert_int_equal(core_draft_set_chap_user(d, false, "u1"), 0);
	assert_int_equal(core_draft_set_chap_secret(d, false, "secret-number-1"), 0);
	/* mutual CHAP needs its own, different secret */
	core_draft_set_chap_enabled(d, true, true);
	assert_int_equal(core_draft_set_chap_user(d, true, "r1"), 0);
	assert_int_equal(core_draft_set_chap_secret(d, true, "secret-number-1"), 0);
	assert_int_equal(core_draft_check_chap_secret(d, true, "secret-number-1"), -ENOTUNIQ);
	assert_int_equal(tc_save(t, d), -ENOTUNIQ);
	assert_int_equal(core_draft_set_chap_secret(d, true, "secret-number-2"), 0);
	assert_int_equal(tc_save(t, d), 0);
	/* mutual without one-way */
	core_draft_set_chap_enabled(d, false, false);
	assert_int_equal(tc_save(t, d), -EINVAL);
	core_draft_set_chap_enabled(d, false, true);

	/* one secret per user name across targets (tgt keeps accounts globally) */
	struct core_target_draft *o = new_draft(t, "other");
	core_draft_set_chap_enabled(o, false, true);
	assert_int_equal(core_draft_set_chap_user(o, false, "u1"), 0);
	assert_int_equal(core_draft_set_chap_secret(o, false, "a-different-1"), 0);
	assert_int_equal(tc_save(t, o), -ENOTUNIQ);
	assert_non_null(strstr(t->why, "u1"));
	assert_int_equal(core_draft_set_chap_secret(o, false, "secret-number-1"), 0);
	assert_int_equal(tc_save(t, o), 0);
	/* disabled CHAP on the draft keeps its values */
	core_draft_set_chap_enabled(o, false, false);
	assert_int_equal(tc_save(t, o), 0);
	struct core_target *saved = core_target_by_name(t, t->core, "other");
	assert_false(saved->chap_enabled);
	assert_string_equal(saved->chap_user, "u1");
}

static void test_params(void **state)
{
	struct tc *t = *state;
	struct core_target_draft *d = new_draft(t, "t");
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_MAX_RECV_DATA_SEGMENT_LENGTH, 511), -ERANGE);
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_MAX_RECV_DATA_SEGMENT_LENGTH, 16777216),
			 -ERANGE);
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_MAX_RECV_DATA_SEGMENT_LENGTH, 512), 0);
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_FIRST_BURST_LENGTH, 16777215), 0);
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_NUM_RECV_BUFFERS, 0), -ERANGE);
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_NUM_RECV_BUFFERS, 129), -ERANGE);
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_NUM_RECV_BUFFERS, 128), 0);
	/* RFC 3720 12.14: FirstBurstLength <= MaxBurstLength */
	assert_int_equal(tc_save(t, d), -EINVAL);
	assert_non_null(strstr(t->why, "FirstBurstLength"));
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_MAX_BURST_LENGTH, 16777215), 0);
	core_draft_set_enforce_idle_timeout(d, false);
	assert_int_equal(tc_save(t, d), 0);
	struct iscsi_target *live =
		fake_backend_target(t->fb, core_target_by_name(t, t->core, "t")->iqn);
	assert_int_equal(live->params.max_recv_data_segment_length, 512);
	assert_int_equal(live->params.nop_interval, 0);
}

static void test_lun_numbering(void **state)
{
	struct tc *t = *state;
	uint32_t min, max, maxluns;
	core_lun_range(t->core, &min, &max, &maxluns);
	assert_int_equal(min, 1); /* the fake backend is tgt-like */
	assert_int_equal(maxluns, CORE_MAX_LUNS_PER_TARGET);
	uint32_t w[4];
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof(name), "d%d.vhd", i);
		assert_int_equal(tc_create_disk(t, name, 8 * MiB, &w[i]), 0);
	}
	assert_int_equal(w[0], 1); /* 0 is never an index */
	struct core_target_draft *d = new_draft(t, "t");
	uint32_t lun;
	char *why = NULL;
	assert_int_equal(core_draft_add_disk(d, w[0], &lun, &why), 0);
	assert_int_equal(lun, 1);
	assert_int_equal(core_draft_add_disk(d, w[1], &lun, &why), 0);
	assert_int_equal(lun, 2);
	assert_int_equal(core_draft_add_disk(d, w[0], &lun, &why), 0); /* already: same LUN */
	assert_int_equal(lun, 1);
	assert_int_equal(core_draft_set_lun(d, w[0], 0), -ERANGE);   /* tgt's controller */
	assert_int_equal(core_draft_set_lun(d, w[0], 16384), -ERANGE);
	assert_int_equal(core_draft_set_lun(d, w[0], 2), -EEXIST);
	assert_int_equal(core_draft_set_lun(d, w[2], 5), -ENOENT);  /* not mapped here */
	assert_int_equal(core_draft_set_lun(d, w[0], 7), 0);
	assert_int_equal(core_draft_add_disk(d, w[2], &lun, &why), 0);
	assert_int_equal(lun, 1); /* the first free number */
	assert_int_equal(core_draft_add_disk(d, 999, &lun, &why), -ENOENT);
	assert_int_equal(core_draft_remove_disk(d, w[3]), -ENOENT);
	assert_int_equal(tc_save(t, d), 0);
	struct core_target *tg = core_target_by_name(t, t->core, "t");
	assert_int_equal(tg->n_luns, 3);
	assert_int_equal(tg->luns[0].lun, 1); /* sorted */
	assert_int_equal(tg->luns[2].lun, 7);
	char **guids;
	size_t n;
	assert_int_equal(core_disk_targets(t, t->core, w[0], &guids, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(guids[0], tg->guid);
	/* a disk may be shared by targets */
	assert_int_equal(tc_create_target(t, "u", NULL), 0);
	assert_int_equal(tc_map(t, "u", w[0], 3), 0);
	assert_int_equal(core_disk_targets(t, t->core, w[0], &guids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(tc_map(t, "u", w[1], 3), -EEXIST);
	assert_int_equal(tc_map(t, "nope", w[1], CORE_LUN_AUTO), -ENOENT);
}

static void test_many_luns(void **state)
{
	struct tc *t = *state;
	/* 256 LUNs on one target (at least Windows' 128) */
	uint32_t wtd;
	struct core_target_draft *d = new_draft(t, "big");
	for (int i = 0; i < 256; i++) {
		char name[16];
		snprintf(name, sizeof(name), "d%03d.vhd", i);
		assert_int_equal(tc_create_disk(t, name, 1 * MiB, &wtd), 0);
		assert_int_equal(core_draft_add_disk(d, wtd, NULL, NULL), 0);
	}
	assert_int_equal(tc_save(t, d), 0);
	struct core_target *tg = core_target_by_name(t, t->core, "big");
	assert_int_equal(tg->n_luns, 256);
	struct iscsi_target *live = fake_backend_target(t->fb, tg->iqn);
	assert_int_equal(live->n_luns, 256);
	assert_int_equal(fake_loop_count(), 256);
}

static void test_dynamic_vhd_cannot_be_a_lun(void **state)
{
	struct tc *t = *state;
	struct core_disk_spec spec = { .path = tc_path(t, "dyn.vhd"), .type = CORE_WTD_FILE,
				       .new_size = 8 * MiB, .new_type = CORE_VHD_DYNAMIC };
	struct tevent_req *req = core_disk_create_send(t, t->core, &spec);
	tc_wait(t, req);
	uint32_t wtd;
	assert_int_equal(core_disk_create_recv(req, t, &wtd, NULL), 0);
	struct core_disk *dk = core_disk_by_wtd(t, t->core, wtd);
	assert_int_equal(dk->vhd_type, CORE_VHD_DYNAMIC);
	struct core_target_draft *d = new_draft(t, "t");
	char *why = NULL;
	assert_int_equal(core_draft_add_disk(d, wtd, NULL, &why), -EMEDIUMTYPE);
	assert_non_null(strstr(why, "only fixed"));
	/* dynamic VHDs grow (issue 12), the file with them */
	assert_int_equal(tc_grow(t, wtd, 16 * MiB), 0);
	dk = core_disk_by_wtd(t, t->core, wtd);
	assert_int_equal(dk->size, 16 * MiB);
	struct core_disk_update u = { .fields = CORE_DISK_SET_CACHE_PARENT, .cache_parent = true };
	req = core_disk_update_send(t, t->core, wtd, &u);
	tc_wait(t, req);
	assert_int_equal(core_disk_update_recv(req, t, NULL), -EMEDIUMTYPE);
}

/* A differencing disk and its parent are never LUNs at once (issue 12):
 * writes through the parent would change the child's data. */
static void test_parent_and_child_not_both_luns(void **state)
{
	struct tc *t = *state;
	/* a core that serves differencing disks (the server program is never
	 * started here: the fake backend has no LUN to serve) */
	tc_close(t);
	struct vhdfs_conf vc = { .binary = "/nonexistent/istmd-vhdfs", .run_dir = t->root };
	t->opts.vhdfs = &vc;
	assert_int_equal(tc_open(t), 0);
	uint32_t parent, child;
	assert_int_equal(tc_create_disk(t, "base.vhd", 8 * MiB, &parent), 0);
	int dirfd = open(t->root, O_RDONLY | O_DIRECTORY);
	int pfd = openat(dirfd, "base.vhd", O_RDONLY);
	char reason[VHD_REASON_LEN];
	struct vhd_parent ref = { pfd, "D:\\base.vhd", ".\\base.vhd" };
	assert_int_equal(vhd_create_differencing(dirfd, "child.vhd", &ref, NULL, reason), 0);
	close(pfd);
	close(dirfd);
	assert_int_equal(tc_register_disk(t, "child.vhd", &child), 0);
	char *why = NULL;
	/* either may be a LUN */
	struct core_target_draft *d = new_draft(t, "p");
	assert_int_equal(core_draft_add_disk(d, parent, NULL, &why), 0);
	d = new_draft(t, "c");
	assert_int_equal(core_draft_add_disk(d, child, NULL, &why), 0);
	assert_int_equal(tc_save(t, d), 0);
	/* not both */
	d = new_draft(t, "q");
	assert_int_equal(core_draft_add_disk(d, parent, NULL, &why), -EBUSY);
	assert_non_null(strstr(why, "cannot both be LUNs"));
	tc_close(t);
	t->opts.vhdfs = NULL;
	assert_int_equal(tc_open(t), 0);
}

static void test_disk_create_and_register(void **state)
{
	struct tc *t = *state;
	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "a.vhd", 64 * MiB, &wtd), 0);
	struct core_disk *d = core_disk_by_wtd(t, t->core, wtd);
	assert_int_equal(d->size, 64 * MiB);
	assert_int_equal(d->vhd_type, CORE_VHD_FIXED);
	assert_int_equal(d->type, CORE_WTD_FILE);
	assert_int_equal(d->flags, CORE_WTD_FLAG_ENABLE_LUN_MAPPING);
	assert_true(d->enabled);
	assert_string_equal(d->windows_path, "D:\\a.vhd");
	assert_int_equal(strlen(d->serial), 32);
	assert_string_equal(d->device_id, d->guid);
	/* the same disk by its Windows or POSIX path */
	assert_non_null(core_disk_by_path(t, t->core, "d:/a.vhd", 0));
	assert_non_null(core_disk_by_path(t, t->core, d->path, 0));
	assert_null(core_disk_by_path(t, t->core, "C:\\a.vhd", 0));
	assert_int_equal(errno, EACCES);
	/* twice on one path */
	assert_int_equal(tc_register_disk(t, "a.vhd", &wtd), -EEXIST);
	assert_int_equal(tc_create_disk(t, "a.vhd", 8 * MiB, &wtd), -EEXIST);
	/* a new VHD where a file exists */
	int fd = open(tc_path(t, "plain"), O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(tc_create_disk(t, "plain", 8 * MiB, &wtd), -EEXIST);
	/* registering something that is not a VHD, or nothing */
	assert_int_equal(tc_register_disk(t, "plain", &wtd), -EBADMSG);
	assert_int_equal(tc_register_disk(t, "missing.vhd", &wtd), -ENOENT);
	assert_int_equal(mkdir(tc_path(t, "dir"), 0700), 0);
	assert_int_equal(tc_register_disk(t, "dir", &wtd), -EISDIR);
	/* outside the roots, relative, with a NUL */
	struct core_disk_spec spec = { .path = "/etc/passwd", .type = CORE_WTD_FILE };
	struct tevent_req *req = core_disk_create_send(t, t->core, &spec);
	tc_wait(t, req);
	assert_int_equal(core_disk_create_recv(req, t, &wtd, NULL), -EACCES);
	spec.path = "a.vhd";
	req = core_disk_create_send(t, t->core, &spec);
	tc_wait(t, req);
	assert_int_equal(core_disk_create_recv(req, t, &wtd, NULL), -EINVAL);
	char *base = tc_path(t, "a.vhd");
	size_t blen = strlen(base);
	char *withnul = talloc_size(t, blen + 6);
	memcpy(withnul, base, blen);
	memcpy(withnul + blen, "\0.txt", 6); /* "...a.vhd\0.txt": must not become a.vhd */
	spec.path = withnul;
	spec.path_len = blen + 5;
	req = core_disk_create_send(t, t->core, &spec);
	tc_wait(t, req);
	assert_int_equal(core_disk_create_recv(req, t, &wtd, NULL), -EINVAL);
	/* sizes */
	assert_int_equal(tc_create_disk(t, "odd.vhd", 1000, &wtd), -ERANGE);
	assert_int_equal(tc_create_disk(t, "huge.vhd", 4096ull * 1024 * MiB, &wtd), -ERANGE);
	spec = (struct core_disk_spec){ .path = tc_path(t, "ram"), .type = CORE_WTD_RAM };
	req = core_disk_create_send(t, t->core, &spec);
	tc_wait(t, req);
	assert_int_equal(core_disk_create_recv(req, t, &wtd, NULL), -EOPNOTSUPP);
	/* nothing half-made remains */
	assert_int_equal(tc_count_files(t, ".istmd"), 0);
	size_t n;
	struct core_disk **all;
	assert_int_equal(core_disk_list(t, t->core, &all, &n), 0);
	assert_int_equal(n, 1);
}

static void test_disk_update(void **state)
{
	struct tc *t = *state;
	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "a.vhd", 8 * MiB, &wtd), 0);
	struct core_disk_update u = { .fields = CORE_DISK_SET_DESCRIPTION | CORE_DISK_SET_RESOURCE_NAME,
				      .description = "disk \xe2\x82\xac", .resource_name = "res" };
	struct tevent_req *req = core_disk_update_send(t, t->core, wtd, &u);
	tc_wait(t, req);
	assert_int_equal(core_disk_update_recv(req, t, NULL), 0);
	struct core_disk *d = core_disk_by_wtd(t, t->core, wtd);
	assert_string_equal(d->description, "disk \xe2\x82\xac");
	assert_string_equal(d->resource_name, "res");
	u.description = "bad \xff";
	req = core_disk_update_send(t, t->core, wtd, &u);
	tc_wait(t, req);
	assert_int_equal(core_disk_update_recv(req, t, NULL), -EINVAL);
	req = core_disk_update_send(t, t->core, 777, &u);
	tc_wait(t, req);
	assert_int_equal(core_disk_update_recv(req, t, NULL), -ENOENT);
}

static void test_files(void **state)
{
	struct tc *t = *state;
	struct core_file_spec f = { .path = tc_path(t, "f.vhd"), .type = CORE_VHD_FIXED,
				    .size = 8 * MiB };
	struct tevent_req *req = core_file_create_send(t, t->core, &f);
	tc_wait(t, req);
	assert_int_equal(core_file_create_recv(req, t, NULL), 0);
	req = core_file_create_send(t, t->core, &f);
	tc_wait(t, req);
	assert_int_equal(core_file_create_recv(req, t, NULL), -EEXIST);
	f.overwrite = true;
	req = core_file_create_send(t, t->core, &f);
	tc_wait(t, req);
	assert_int_equal(core_file_create_recv(req, t, NULL), 0);
	/* a differencing child of it */
	struct core_file_spec c = { .path = tc_path(t, "child.vhd"), .type = CORE_VHD_DIFFERENCING,
				    .parent = "D:\\f.vhd" };
	req = core_file_create_send(t, t->core, &c);
	tc_wait(t, req);
	assert_int_equal(core_file_create_recv(req, t, NULL), 0);
	uint32_t wtd;
	assert_int_equal(tc_register_disk(t, "child.vhd", &wtd), 0);
	struct core_disk *d = core_disk_by_wtd(t, t->core, wtd);
	assert_int_equal(d->vhd_type, CORE_VHD_DIFFERENCING);
	assert_string_equal(d->parent_path, "D:\\f.vhd");
	/* a disk's file is not replaced or removed under it */
	f.path = tc_path(t, "child.vhd");
	req = core_file_create_send(t, t->core, &f);
	tc_wait(t, req);
	assert_int_equal(core_file_create_recv(req, t, NULL), -EBUSY);
	req = core_file_delete_send(t, t->core, "D:\\child.vhd", 0);
	tc_wait(t, req);
	assert_int_equal(core_file_delete_recv(req, t, NULL), -EBUSY);
	/* growing a plain file, and a disk's file through the disk */
	uint64_t size;
	req = core_file_grow_send(t, t->core, "D:\\f.vhd", 0, 8 * MiB);
	tc_wait(t, req);
	assert_int_equal(core_file_grow_recv(req, t, &size, NULL), 0);
	assert_int_equal(size, 16 * MiB);
	assert_int_equal(tc_create_disk(t, "g.vhd", 8 * MiB, &wtd), 0);
	req = core_file_grow_send(t, t->core, "D:\\g.vhd", 0, 4 * MiB);
	tc_wait(t, req);
	assert_int_equal(core_file_grow_recv(req, t, &size, NULL), 0);
	assert_int_equal(size, 12 * MiB);
	assert_int_equal(core_disk_by_wtd(t, t->core, wtd)->size, 12 * MiB);
	req = core_file_grow_send(t, t->core, "D:\\g.vhd", 0, 100);
	tc_wait(t, req);
	assert_int_equal(core_file_grow_recv(req, t, &size, NULL), -EINVAL);
	/* deleting */
	req = core_file_delete_send(t, t->core, "D:\\f.vhd", 0);
	tc_wait(t, req);
	assert_int_equal(core_file_delete_recv(req, t, NULL), 0);
	assert_false(tc_exists(t, "f.vhd"));
	req = core_file_delete_send(t, t->core, "D:\\f.vhd", 0);
	tc_wait(t, req);
	assert_int_equal(core_file_delete_recv(req, t, NULL), -ENOENT);
}

/* Two drafts of one target changed in different places both stay. */
static void test_merge(void **state)
{
	struct tc *t = *state;
	uint32_t w1, w2, w3;
	assert_int_equal(tc_create_disk(t, "1.vhd", 8 * MiB, &w1), 0);
	assert_int_equal(tc_create_disk(t, "2.vhd", 8 * MiB, &w2), 0);
	assert_int_equal(tc_create_disk(t, "3.vhd", 8 * MiB, &w3), 0);
	char guid[CORE_GUID_LEN + 1];
	assert_int_equal(tc_create_target(t, "t", guid), 0);
	assert_int_equal(tc_map(t, "t", w1, 4), 0);
	assert_int_equal(tc_map(t, "t", w3, 6), 0);
	struct core_target_draft *a = core_target_draft_open(t, t->core, guid);
	struct core_target_draft *b = core_target_draft_open(t, t->core, guid);
	assert_int_equal(core_draft_set_description(a, "from a"), 0);
	assert_int_equal(core_draft_add_id(a, CORE_ID_IQN, "iqn.2000-01.com.example:a", NULL), 0);
	assert_int_equal(core_draft_add_disk(a, w2, NULL, NULL), 0);
	assert_int_equal(core_draft_remove_disk(a, w3), 0);
	assert_int_equal(core_draft_set_param(b, CORE_PARAM_NUM_RECV_BUFFERS, 20), 0);
	assert_int_equal(core_draft_add_id(b, CORE_ID_IP, "192.0.2.1", NULL), 0);
	assert_int_equal(core_draft_set_lun(b, w1, 9), 0);
	assert_int_equal(core_draft_add_portal(b, "127.0.0.1:3261"), 0);
	assert_int_equal(tc_save(t, a), 0);
	assert_int_equal(tc_save(t, b), 0);
	struct core_target *tg = core_target_by_guid(t, t->core, guid);
	assert_string_equal(tg->description, "from a");
	assert_int_equal(tg->num_recv_buffers, 20);
	assert_int_equal(tg->n_ids, 2);
	assert_int_equal(tg->n_portals, 1);
	assert_int_equal(tg->n_luns, 2); /* w1 renumbered by b, w2 added by a, w3 removed by a */
	assert_int_equal(tg->luns[0].wtd, w2);
	assert_int_equal(tg->luns[1].wtd, w1);
	assert_int_equal(tg->luns[1].lun, 9);
	/* after a save the draft shows the merged state */
	assert_int_equal(core_draft_target(b)->n_luns, 2);
	assert_string_equal(core_draft_target(b)->description, "from a");
	/* the same LUN given to two disks by two drafts: the second save fails */
	struct core_target_draft *c1 = core_target_draft_open(t, t->core, guid);
	struct core_target_draft *c2 = core_target_draft_open(t, t->core, guid);
	assert_int_equal(core_draft_add_disk(c1, w3, NULL, NULL), 0);
	assert_int_equal(core_draft_set_lun(c1, w3, 30), 0);
	assert_int_equal(core_draft_set_lun(c2, w2, 30), 0);
	assert_int_equal(tc_save(t, c1), 0);
	assert_int_equal(tc_save(t, c2), -EEXIST);
	/* a deleted target cannot be saved */
	assert_int_equal(tc_delete_target(t, "t"), 0);
	assert_int_equal(tc_save(t, a), -ENOENT);
}

static void test_portals(void **state)
{
	struct tc *t = *state;
	struct core_target_draft *d = new_draft(t, "t");
	assert_int_equal(core_draft_add_portal(d, "127.0.0.1"), 0);
	assert_int_equal(core_draft_add_portal(d, "127.0.0.1:3260"), 0); /* the same */
	assert_int_equal(core_draft_add_portal(d, "[::1]:3261"), 0);
	assert_int_equal(core_draft_add_portal(d, "host:3260"), -EINVAL);
	assert_int_equal(core_draft_add_portal(d, "10.0.0.1/8"), -EINVAL);
	assert_int_equal(core_draft_target(d)->n_portals, 2);
	assert_int_equal(core_draft_remove_portal(d, "127.0.0.2"), -ENOENT);
	assert_int_equal(core_draft_remove_portal(d, "127.0.0.1"), 0);
	assert_int_equal(tc_save(t, d), 0);
	struct core_target *tg = core_target_by_name(t, t->core, "t");
	assert_int_equal(tg->n_portals, 1);
	assert_string_equal(tg->portals[0].address, "::1");
	assert_int_equal(tg->portals[0].port, 3261);
	core_draft_remove_all_portals(d);
	assert_int_equal(tc_save(t, d), 0);
	assert_int_equal(core_target_by_name(t, t->core, "t")->n_portals, 0);
}

static void test_service_identity(void **state)
{
	struct tc *t = *state;
	char guid[CORE_GUID_LEN + 1];
	snprintf(guid, sizeof(guid), "%s", core_service_guid(t->core));
	assert_int_equal(strlen(guid), CORE_GUID_LEN);
	assert_string_equal(core_service_name(t->core), "testhost");
	struct tevent_req *req = core_service_set_name_send(t, t->core, "storage-1");
	tc_wait(t, req);
	assert_int_equal(core_service_set_name_recv(req, t, NULL), 0);
	req = core_service_set_name_send(t, t->core, "");
	tc_wait(t, req);
	assert_int_equal(core_service_set_name_recv(req, t, NULL), -EINVAL);
	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	assert_string_equal(core_service_guid(t->core), guid); /* stable across starts */
	assert_string_equal(core_service_name(t->core), "storage-1");
}

static void test_no_backend(void **state)
{
	(void)state;
	struct tc *t = tc_new(false);
	assert_int_equal(tc_open(t), 0);
	uint32_t min;
	core_lun_range(t->core, &min, NULL, NULL);
	assert_int_equal(min, 0);
	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "a.vhd", 8 * MiB, &wtd), 0);
	assert_int_equal(tc_create_target(t, "t", NULL), 0);
	assert_int_equal(tc_map(t, "t", wtd, 0), 0);
	assert_int_equal(fake_loop_count(), 0); /* nothing to serve with */
	struct tevent_req *req = core_sessions_send(t, t->core, NULL);
	tc_wait(t, req);
	struct core_session *s;
	size_t n;
	assert_int_equal(core_sessions_recv(req, t, &s, &n), -ENOTCONN);
	tc_free(t);
}

static void test_closed_core_refuses(void **state)
{
	struct tc *t = *state;
	struct tevent_req *close = core_close_send(t, t->core);
	struct tevent_req *req = core_target_delete_send(t, t->core, "x");
	tc_wait(t, req);
	assert_int_equal(core_target_delete_recv(req, t, NULL), -ESHUTDOWN);
	tc_wait(t, close);
	assert_int_equal(core_close_recv(close), 0);
	TALLOC_FREE(t->core);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_target_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iqn_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiator_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chap_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lun_numbering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_luns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dynamic_vhd_cannot_be_a_lun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_and_child_not_both_luns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_create_and_register, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_portals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service_identity, setup, teardown),
		cmocka_unit_test(test_no_backend),
		cmocka_unit_test_setup_teardown(test_closed_core_refuses, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
