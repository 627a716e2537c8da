/* The store: every field survives a restart; migrations from every older
 * schema version keep the data; corrupt, foreign or newer databases are
 * refused and left untouched; permissions; the lock; concurrent mutations
 * are serialised and all persisted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_testutil.h"
#include "core/snapshot_schedules.h"
#include "core/snapshots.h"
#include "core/store.h"
#include "core/store_internal.h"
#include "core_testutil.h"

#define MiB (1024 * 1024ull)

static void assert_targets_equal(const struct core_target *a, const struct core_target *b)
{
	assert_string_equal(a->guid, b->guid);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->iqn, b->iqn);
	assert_string_equal(a->description, b->description);
	assert_int_equal(a->enabled, b->enabled);
	assert_int_equal(a->chap_enabled, b->chap_enabled);
	assert_string_equal(a->chap_user, b->chap_user);
	assert_string_equal(a->chap_secret, b->chap_secret);
	assert_int_equal(a->reverse_chap_enabled, b->reverse_chap_enabled);
	assert_string_equal(a->reverse_chap_user, b->reverse_chap_user);
	assert_string_equal(a->reverse_chap_secret, b->reverse_chap_secret);
	assert_int_equal(a->max_recv_data_segment_length, b->max_recv_data_segment_length);
	assert_int_equal(a->first_burst_length, b->first_burst_length);
	assert_int_equal(a->max_burst_length, b->max_burst_length);
	assert_int_equal(a->num_recv_buffers, b->num_recv_buffers);
	assert_int_equal(a->enforce_idle_timeout, b->enforce_idle_timeout);
	assert_int_equal(a->last_login, b->last_login);
	assert_string_equal(a->resource_name, b->resource_name);
	assert_string_equal(a->resource_group, b->resource_group);
	assert_int_equal(a->n_ids, b->n_ids);
	for (size_t i = 0; i < a->n_ids; i++) {
		assert_int_equal(a->ids[i].method, b->ids[i].method);
		assert_string_equal(a->ids[i].value, b->ids[i].value);
	}
	assert_int_equal(a->n_luns, b->n_luns);
	for (size_t i = 0; i < a->n_luns; i++) {
		assert_int_equal(a->luns[i].lun, b->luns[i].lun);
		assert_int_equal(a->luns[i].wtd, b->luns[i].wtd);
	}
	assert_int_equal(a->n_portals, b->n_portals);
	for (size_t i = 0; i < a->n_portals; i++) {
		assert_string_equal(a->portals[i].address, b->portals[i].address);
		assert_int_equal(a->portals[i].port, b->portals[i].port);
	}
}

static void assert_disks_equal(const struct core_disk *a, const struct core_disk *b)
{
	assert_int_equal(a->wtd, b->wtd);
	assert_string_equal(a->guid, b->guid);
	assert_string_equal(a->serial, b->serial);
	assert_string_equal(a->device_id, b->device_id);
	assert_string_equal(a->path, b->path);
	assert_string_equal(a->windows_path, b->windows_path);
	assert_string_equal(a->description, b->description);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->enabled, b->enabled);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->vhd_type, b->vhd_type);
	assert_string_equal(a->parent_path, b->parent_path);
	assert_int_equal(a->cache_parent, b->cache_parent);
	assert_string_equal(a->resource_name, b->resource_name);
	assert_string_equal(a->resource_group, b->resource_group);
}

static int update_disk(struct tc *t, uint32_t wtd, const struct core_disk_update *u)
{
	struct tevent_req *req = core_disk_update_send(t, t->core, wtd, u);
	tc_wait(t, req);
	return core_disk_update_recv(req, t, NULL);
}

static void test_round_trip_every_field(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	uint32_t base, child;
	assert_int_equal(tc_create_disk(t, "base.vhd", 8 * MiB, &base), 0);
	struct core_file_spec f = { .path = tc_path(t, "child.vhd"),
				    .type = CORE_VHD_DIFFERENCING, .parent = "D:\\base.vhd" };
	struct tevent_req *req = core_file_create_send(t, t->core, &f);
	tc_wait(t, req);
	assert_int_equal(core_file_create_recv(req, t, NULL), 0);
	assert_int_equal(tc_register_disk(t, "child.vhd", &child), 0);
	struct core_disk_update u = {
		.fields = CORE_DISK_SET_DESCRIPTION | CORE_DISK_SET_ENABLED |
			  CORE_DISK_SET_CACHE_PARENT | CORE_DISK_SET_RESOURCE_NAME,
		.description = "child \xe2\x82\xac 'quoted'", .enabled = false, .cache_parent = true,
		.resource_name = "Cluster Disk 1" };
	assert_int_equal(update_disk(t, child, &u), 0);

	int rc;
	struct core_target_draft *d = core_target_draft_new(t, t->core, "Full", &rc, NULL);
	assert_int_equal(core_draft_set_iqn(d, "iqn.2000-01.com.example:full", NULL), 0);
	assert_int_equal(core_draft_set_description(d, "every field; \"quotes\" \xc3\xa9"), 0);
	core_draft_set_enabled(d, false);
	core_draft_set_chap_enabled(d, false, true);
	assert_int_equal(core_draft_set_chap_user(d, false, "in-user"), 0);
	assert_int_equal(core_draft_set_chap_secret(d, false, "in secret 12"), 0);
	core_draft_set_chap_enabled(d, true, true);
	assert_int_equal(core_draft_set_chap_user(d, true, "out-user"), 0);
	assert_int_equal(core_draft_set_chap_secret(d, true, "out-secret-12"), 0);
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_MAX_RECV_DATA_SEGMENT_LENGTH, 8192), 0);
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_FIRST_BURST_LENGTH, 4096), 0);
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_MAX_BURST_LENGTH, 1048576), 0);
	assert_int_equal(core_draft_set_param(d, CORE_PARAM_NUM_RECV_BUFFERS, 64), 0);
	core_draft_set_enforce_idle_timeout(d, false);
	assert_int_equal(core_draft_set_resource_name(d, "iSCSI Target Full"), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, "iqn.1991-05.com.microsoft:a", NULL), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IP, "192.0.2.9", NULL), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IPV6, "2001:db8::9", NULL), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_DNS, "initiator.example.com", NULL), 0);
	assert_int_equal(core_draft_add_id(d, CORE_ID_IQN, "*", NULL), 0);
	assert_int_equal(core_draft_add_disk(d, base, NULL, NULL), 0);
	assert_int_equal(core_draft_set_lun(d, base, 42), 0);
	assert_int_equal(core_draft_add_portal(d, "127.0.0.1:3261"), 0);
	assert_int_equal(core_draft_add_portal(d, "[::1]"), 0);
	assert_int_equal(tc_save(t, d), 0);
	assert_int_equal(tc_create_target(t, "second", NULL), 0);
	/* a login, so last_login is set */
	struct core_target *full = core_target_by_name(t, t->core, "Full");
	fake_backend_add_session(t->fb, full->iqn, "iqn.1991-05.com.microsoft:a", 9);
	req = core_sessions_send(t, t->core, NULL);
	tc_wait(t, req);
	struct core_session *s;
	size_t ns;
	assert_int_equal(core_sessions_recv(req, t, &s, &ns), 0);
	req = core_service_set_name_send(t, t->core, "name with spaces");
	tc_wait(t, req);
	assert_int_equal(core_service_set_name_recv(req, t, NULL), 0);

	struct core_target **before;
	struct core_disk **disks_before;
	size_t nt, nd;
	assert_int_equal(core_target_list(t, t->core, &before, &nt), 0);
	assert_int_equal(core_disk_list(t, t->core, &disks_before, &nd), 0);
	assert_true(before[0]->last_login != 0);
	char guid[CORE_GUID_LEN + 1];
	snprintf(guid, sizeof(guid), "%s", core_service_guid(t->core));
	tc_close(t);

	assert_int_equal(tc_open(t), 0);
	struct core_target **after;
	struct core_disk **disks_after;
	size_t nt2, nd2;
	assert_int_equal(core_target_list(t, t->core, &after, &nt2), 0);
	assert_int_equal(core_disk_list(t, t->core, &disks_after, &nd2), 0);
	assert_int_equal(nt2, nt);
	assert_int_equal(nd2, nd);
	for (size_t i = 0; i < nt; i++) /* creation order too */
		assert_targets_equal(before[i], after[i]);
	for (size_t i = 0; i < nd; i++)
		assert_disks_equal(disks_before[i], disks_after[i]);
	assert_string_equal(core_service_guid(t->core), guid);
	assert_string_equal(core_service_name(t->core), "name with spaces");
	/* indices are never reused, even after a restart */
	assert_int_equal(tc_delete_disk(t, child, false), 0);
	uint32_t next;
	assert_int_equal(tc_create_disk(t, "next.vhd", 8 * MiB, &next), 0);
	assert_true(next > child);
	tc_free(t);
}

static void test_intents_round_trip(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *dir = tu_mkdtemp(mem, "/tmp");
	struct store *s;
	char *why = NULL;
	assert_int_equal(store_open(mem, dir, &s, &why), 0);
	struct intent i = { .id = 7, .kind = INTENT_GROW, .phase = 2, .wtd = 3, .path = "/x/y.vhd",
			    .tmp_name = ".t", .old_size = 512, .new_size = 1024, .delete_file = true };
	struct store_tx *tx = store_tx_new(mem);
	assert_int_equal(store_tx_put_intent(tx, &i), 0);
	assert_int_equal(store_tx_set_meta(tx, STORE_META_NEXT_WTD, "40"), 0);
	assert_int_equal(store_tx_run(s, tx, &why), 0);
	struct model *m;
	assert_int_equal(store_load(s, mem, &m, &why), 0);
	assert_int_equal(m->n_intents, 1);
	const struct intent *l = m->intents[0];
	assert_int_equal(l->id, 7);
	assert_int_equal(l->kind, INTENT_GROW);
	assert_int_equal(l->phase, 2);
	assert_int_equal(l->wtd, 3);
	assert_string_equal(l->path, "/x/y.vhd");
	assert_string_equal(l->tmp_name, ".t");
	assert_int_equal(l->old_size, 512);
	assert_int_equal(l->new_size, 1024);
	assert_true(l->delete_file);
	assert_int_equal(m->next_intent, 8);
	assert_int_equal(m->next_wtd, 40);
	/* a failing transaction changes nothing: the second op violates a key */
	tx = store_tx_new(mem);
	assert_int_equal(store_tx_delete_intent(tx, 7), 0);
	struct core_disk bad = { .wtd = 1, .guid = "g", .serial = "s", .device_id = "d",
				 .path = "/p", .description = "", .parent_path = "",
				 .resource_name = "", .resource_group = "" };
	assert_int_equal(store_tx_put_disk(tx, &bad), 0);
	struct core_target orphan = { .guid = "nope", .name = "n", .iqn = "iqn.2000-01.x:y",
				      .description = "", .chap_user = "", .chap_secret = "",
				      .reverse_chap_user = "", .reverse_chap_secret = "",
				      .resource_name = "", .resource_group = "" };
	struct core_lun_mapping lm = { .lun = 1, .wtd = 99 }; /* no such disk */
	orphan.luns = &lm;
	orphan.n_luns = 1;
	assert_int_equal(store_tx_put_target(tx, &orphan, 1), 0);
	assert_int_equal(store_tx_run(s, tx, &why), -ENOENT);
	assert_int_equal(store_load(s, mem, &m, &why), 0);
	assert_int_equal(m->n_intents, 1);
	assert_int_equal(m->n_disks, 0);
	assert_int_equal(m->n_targets, 0);
	talloc_free(mem);
}

/* What each schema version could hold, written as that version's SQL. */
static void fill_version(struct store *s, int version)
{
	char *why = NULL;
	if (version >= 1) {
		assert_int_equal(
			store_exec(s,
				   "INSERT INTO meta VALUES ('next_wtd', '5');"
				   "INSERT INTO targets (seq, guid, name, iqn, description, enabled,"
				   " chap_enabled, chap_user, chap_secret)"
				   " VALUES (1, '11111111-2222-4333-8444-555555555555', 'old',"
				   " 'iqn.2000-01.com.example:old', 'from v1', 0, 1, 'u', 'secret-from-v1');"
				   "INSERT INTO target_ids VALUES ('11111111-2222-4333-8444-555555555555', 4,"
				   " 'iqn.1991-05.com.microsoft:old');"
				   "INSERT INTO disks (wtd, guid, serial, path, description, size, vhd_type)"
				   " VALUES (3, 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', 'SER', '/nowhere/old.vhd',"
				   " 'old disk', 8388608, 1);"
				   "INSERT INTO lun_mappings VALUES ('11111111-2222-4333-8444-555555555555', 3, 2);",
				   &why),
			0);
	}
	if (version >= 2)
		assert_int_equal(store_exec(s,
					    "INSERT INTO target_portals VALUES"
					    " ('11111111-2222-4333-8444-555555555555', '127.0.0.1', 3262);",
					    &why),
				 0);
	if (version >= 3) /* v3's code wrote the identifier with the disk */
		assert_int_equal(store_exec(s, "UPDATE disks SET device_id = guid;", &why), 0);
	if (version >= 6 && version < 8) /* v6's one schedule: weekly, disks 3 */
		assert_int_equal(store_exec(s,
					    "INSERT INTO snapshot_schedules VALUES"
					    " (1, '3', 130000000000000000, 604800, 5, 0);",
					    &why),
				 0);
}

static void test_migrations_from_every_version(void **unused)
{
	int latest = store_schema_latest();
	assert_true(latest >= 3);
	/* the versions are 1..latest, each once, in order */
	size_t nm;
	const struct store_migration *mg = store_migrations(&nm);
	assert_int_equal(nm, (size_t)latest);
	for (size_t k = 0; k < nm; k++)
		assert_int_equal(mg[k].version, (int)k + 1);
	for (int v = 0; v < latest; v++) {
		struct tc *t = tc_new(true);
		struct store *s;
		char *why = NULL;
		assert_int_equal(store_open_at_version(t, t->state, v, &s, &why), 0);
		assert_int_equal(store_version(s), v);
		fill_version(s, v);
		talloc_free(s);

		assert_int_equal(tc_open(t), 0);
		struct core_target *tg = core_target_by_name(t, t->core, "old");
		if (v == 0) {
			assert_null(tg);
			assert_int_equal(strlen(core_service_guid(t->core)), CORE_GUID_LEN);
			tc_free(t);
			continue;
		}
		assert_non_null(tg);
		assert_string_equal(tg->description, "from v1");
		assert_false(tg->enabled);
		assert_true(tg->chap_enabled);
		assert_string_equal(tg->chap_secret, "secret-from-v1");
		assert_int_equal(tg->n_ids, 1);
		assert_int_equal(tg->n_luns, 1);
		assert_int_equal(tg->luns[0].lun, 2);
		assert_int_equal(tg->last_login, 0);          /* added by v3 */
		assert_string_equal(tg->resource_name, "");   /* added by v3 */
		assert_int_equal(tg->n_portals, v >= 2 ? 1 : 0);
		struct core_disk *d = core_disk_by_wtd(t, t->core, 3);
		assert_non_null(d);
		assert_string_equal(d->device_id, d->guid); /* derived by v3 */
		assert_false(d->cache_parent);
		/* added by v4, not recorded: outside the roots, never learned */
		assert_true(d->file_dev == 0 && d->file_ino == 0);
		/* added by v8: no snapshots yet */
		struct core_snapshot **snaps = NULL;
		size_t n_snaps = 1;
		assert_int_equal(core_snapshot_list(t, t->core, CORE_NO_WTD, &snaps, &n_snaps), 0);
		assert_int_equal(n_snaps, 0);
		/* v6's one schedule became the one named default (v8) */
		struct core_snapshot_schedule *sch = core_snapshot_schedule_get(t, t->core);
		assert_string_equal(sch->name, CORE_SCHEDULE_DEFAULT);
		assert_int_equal(sch->start, v >= 6 ? 130000000000000000LL : 0);
		if (v >= 6) {
			assert_int_equal(sch->interval_s, 604800);
			assert_int_equal(sch->keep, 5);
			assert_int_equal(sch->days, 0);
			assert_int_equal(sch->n_wtds, 1);
			assert_int_equal(sch->wtds[0], 3);
		}
		uint32_t wtd;
		/* the root is elsewhere but the next index still follows meta */
		assert_int_equal(tc_create_disk(t, "new.vhd", 8 * MiB, &wtd), 0);
		assert_int_equal(wtd, 5);
		tc_close(t);
		/* and the result is the latest version */
		assert_int_equal(store_open(t, t->state, &s, &why), 0);
		assert_int_equal(store_version(s), latest);
		talloc_free(s);
		tc_free(t);
	}
}

static void test_isns_servers_persist(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	char *why = NULL;
	const char *add[] = { "isns.example.com", "127.0.15.1:3205", "[::1]:3205", "ISNS.example.com" };
	for (size_t i = 0; i < 4; i++) {
		struct tevent_req *req = core_isns_server_add_send(t, t->core, add[i]);
		tc_wait(t, req);
		assert_int_equal(core_isns_server_change_recv(req, t, &why), 0);
	}
	struct tevent_req *req = core_isns_server_add_send(t, t->core, "bad host:99999");
	tc_wait(t, req);
	assert_int_equal(core_isns_server_change_recv(req, t, &why), -EINVAL);
	req = core_isns_server_remove_send(t, t->core, "nowhere");
	tc_wait(t, req);
	assert_int_equal(core_isns_server_change_recv(req, t, &why), -ENOENT);
	req = core_isns_server_remove_send(t, t->core, "127.0.15.1:3205");
	tc_wait(t, req);
	assert_int_equal(core_isns_server_change_recv(req, t, &why), 0);
	tc_close(t);

	assert_int_equal(tc_open(t), 0);
	char **names;
	size_t n;
	assert_int_equal(core_isns_servers(t, t->core, &names, &n), 0);
	assert_int_equal(n, 2); /* the duplicate (other case) was not added */
	assert_string_equal(names[0], "isns.example.com");
	assert_string_equal(names[1], "[::1]:3205");
	tc_close(t);
	tc_free(t);
}

static void count_fire(void *priv)
{
	(*(unsigned *)priv)++;
}

/* The iSNS agent's watcher: once per loop turn after a target change or a
 * server change, not for unrelated work. */
static void test_isns_watch_fires(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	unsigned fired = 0;
	assert_int_equal(core_watch_targets(t->core, count_fire, &fired), 0);
	char guid[CORE_GUID_LEN + 1];
	assert_int_equal(tc_create_target(t, "watched", guid), 0);
	tc_run_for(t, 20);
	assert_true(fired >= 1);
	unsigned before = fired;
	struct tevent_req *req = core_target_set_enabled_send(t, t->core, "watched", false);
	tc_wait(t, req);
	assert_int_equal(core_target_change_recv(req, t, NULL), 0);
	tc_run_for(t, 20);
	assert_true(fired > before);
	before = fired;
	req = core_isns_server_add_send(t, t->core, "isns.example.com");
	tc_wait(t, req);
	assert_int_equal(core_isns_server_change_recv(req, t, NULL), 0);
	tc_run_for(t, 20);
	assert_int_equal(fired, before + 1);
	before = fired;
	req = core_target_delete_send(t, t->core, "watched");
	tc_wait(t, req);
	assert_int_equal(core_target_delete_recv(req, t, NULL), 0);
	tc_run_for(t, 20);
	assert_true(fired > before);
	before = fired;
	assert_int_equal(core_watch_targets(t->core, NULL, NULL), 0);
	req = core_isns_server_remove_send(t, t->core, "isns.example.com");
	tc_wait(t, req);
	assert_int_equal(core_isns_server_change_recv(req, t, NULL), 0);
	tc_run_for(t, 20);
	assert_int_equal(fired, before); /* removed: no more calls */
	tc_close(t);
	tc_free(t);
}

static void test_isns_server_names(void **unused)
{
	const char *good[] = { "isns", "isns.example.com", "isns-1.example.com:3205",
			       "192.0.2.1", "192.0.2.1:1", "[2001:db8::1]:3205", "2001:db8::1",
			       "[::1]" };
	const char *bad[] = { "", "isns example", "host:0", "host:65536", "host:", ":3205",
			      "[::1", "[zz]:3205", "-lead", "a/b", "host:12x", NULL };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(core_isns_server_name_valid(good[i]));
	for (size_t i = 0; bad[i] != NULL; i++)
		assert_false(core_isns_server_name_valid(bad[i]));
	assert_false(core_isns_server_name_valid(NULL));
}

static uint8_t *read_all(TALLOC_CTX *mem, const char *path, size_t *len)
{
	return tu_read_file(mem, path, len);
}

static void test_garbage_refused_untouched(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(mkdir(t->state, 0700), 0);
	char *db = talloc_asprintf(t, "%s/%s", t->state, STORE_DB_NAME);
	const char junk[] = "this is not an SQLite database, just some bytes.........."
			    "...............................................................";
	tu_write_file(db, junk, sizeof(junk));
	assert_int_equal(tc_open(t), -EBADMSG);
	assert_non_null(t->why);
	assert_non_null(strstr(t->why, db));
	size_t len;
	uint8_t *now = read_all(t, db, &len);
	assert_int_equal(len, sizeof(junk));
	assert_memory_equal(now, junk, len);
	tc_free(t);
}

static void test_corrupt_page_refused(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	for (int i = 0; i < 40; i++) { /* enough rows for several pages */
		char name[16];
		snprintf(name, sizeof(name), "target%02d", i);
		assert_int_equal(tc_create_target(t, name, NULL), 0);
	}
	tc_close(t);
	char *db = talloc_asprintf(t, "%s/%s", t->state, STORE_DB_NAME);
	size_t len;
	uint8_t *data = read_all(t, db, &len);
	assert_true(len >= 3 * 4096);
	/* scribble over the middle of the second and third pages */
	for (size_t off = 4096 + 200; off < 3 * 4096 - 200; off += 7)
		data[off] ^= 0x5a;
	tu_write_file(db, data, len);
	assert_int_equal(tc_open(t), -EBADMSG);
	tc_free(t);
}

static void test_broken_reference_refused(void **unused)
{
	struct tc *t = tc_new(true);
	struct store *s;
	char *why = NULL;
	assert_int_equal(store_open(t, t->state, &s, &why), 0);
	/* written by hand with the checks off: a mapping to no disk */
	assert_int_equal(store_exec(s,
				    "PRAGMA foreign_keys = OFF;"
				    "INSERT INTO targets (seq, guid, name, iqn) VALUES (1, 'g', 'n',"
				    " 'iqn.2000-01.x:n');"
				    "INSERT INTO lun_mappings VALUES ('g', 77, 1);",
				    &why),
			 0);
	talloc_free(s);
	assert_int_equal(tc_open(t), -EBADMSG);
	assert_non_null(strstr(t->why, "lun_mappings"));
	tc_free(t);
}

static void test_newer_version_refused(void **unused)
{
	struct tc *t = tc_new(true);
	struct store *s;
	char *why = NULL;
	assert_int_equal(store_open(t, t->state, &s, &why), 0);
	assert_int_equal(store_exec(s, "UPDATE schema_version SET version = 999", &why), 0);
	talloc_free(s);
	assert_int_equal(tc_open(t), -EPROTO);
	assert_non_null(strstr(t->why, "999"));
	tc_free(t);
}

static void test_permissions_and_lock(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(mkdir(t->state, 0755), 0); /* too open: tightened */
	assert_int_equal(tc_open(t), 0);
	struct stat st;
	assert_int_equal(stat(t->state, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	char *db = talloc_asprintf(t, "%s/%s", t->state, STORE_DB_NAME);
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tc_create_target(t, "t", NULL), 0);
	char *wal = talloc_asprintf(t, "%s-wal", db);
	if (stat(wal, &st) == 0)
		assert_int_equal(st.st_mode & 0077, 0);
	/* one core per state directory */
	struct core *first = t->core;
	t->core = NULL;
	assert_int_equal(tc_open(t), -EBUSY);
	assert_non_null(strstr(t->why, "another istmd"));
	t->core = first;
	tc_close(t);
	/* a database opened with other permissions is tightened too */
	assert_int_equal(chmod(db, 0644), 0);
	assert_int_equal(tc_open(t), 0);
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	tc_free(t);
}

static int saves_done, saves_ok, saves_exist;

static void save_done(struct tevent_req *req)
{
	int rc = core_target_save_recv(req, NULL, NULL);
	saves_done++;
	saves_ok += rc == 0;
	saves_exist += rc == -EEXIST;
	talloc_free(req);
}

static void test_concurrent_mutations_serialised(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	saves_done = saves_ok = saves_exist = 0;
	enum { N = 40 };
	/* 40 new targets at once, two of each name: one of each pair wins */
	for (int i = 0; i < N; i++) {
		char name[16];
		snprintf(name, sizeof(name), "c%02d", i / 2);
		int rc;
		struct core_target_draft *d = core_target_draft_new(t, t->core, name, &rc, NULL);
		assert_non_null(d);
		assert_int_equal(core_draft_set_description(d, name), 0);
		struct tevent_req *req = core_target_save_send(t, t->core, d);
		tevent_req_set_callback(req, save_done, NULL);
		talloc_free(d); /* the caller may go away: the save still happens */
	}
	bool expired = false;
	for (int guard = 0; saves_done < N && guard < 100000 && !expired; guard++)
		assert_int_equal(tevent_loop_once(t->ev), 0);
	assert_int_equal(saves_done, N);
	assert_int_equal(saves_ok, N / 2);
	assert_int_equal(saves_exist, N / 2);
	/* a request freed before it ran still runs to its end */
	int rc;
	struct core_target_draft *d = core_target_draft_new(t, t->core, "abandoned", &rc, NULL);
	struct tevent_req *req = core_target_save_send(t, t->core, d);
	talloc_free(req);
	/* operations run in order: when the next one ends, that one has */
	assert_int_equal(tc_delete_target(t, "no-such-target"), -ENOENT);
	assert_non_null(core_target_by_name(t, t->core, "abandoned"));

	struct core_target **list;
	size_t n;
	assert_int_equal(core_target_list(t, t->core, &list, &n), 0);
	assert_int_equal(n, N / 2 + 1);
	for (size_t i = 0; i < N / 2; i++) { /* in the order they were sent */
		char name[16];
		snprintf(name, sizeof(name), "c%02zu", i);
		assert_string_equal(list[i]->name, name);
	}
	tc_close(t);
	assert_int_equal(tc_open(t), 0);
	struct core_target **again;
	assert_int_equal(core_target_list(t, t->core, &again, &n), 0);
	assert_int_equal(n, N / 2 + 1);
	for (size_t i = 0; i < n; i++)
		assert_targets_equal(list[i], again[i]);
	tc_free(t);
}

/* Schema 4: a disk from before identities were recorded (0/0) gets the
 * identity of its file, reached beneath the root without symlinks, at its
 * first attach, and keeps it; from then on a replaced file is refused. */
static void test_identity_learned_for_old_disks(void **unused)
{
	struct tc *t = tc_new(true);
	assert_int_equal(tc_open(t), 0);
	uint32_t wtd;
	assert_int_equal(tc_create_disk(t, "legacy.vhd", 8 * MiB, &wtd), 0);
	assert_int_equal(tc_create_target(t, "legacy", NULL), 0);
	assert_int_equal(tc_map(t, "legacy", wtd, 1), 0);
	struct stat st;
	assert_int_equal(stat(tc_path(t, "legacy.vhd"), &st), 0);
	struct core_disk *d = core_disk_by_wtd(t, t->core, wtd);
	assert_true(d->file_dev == (uint64_t)st.st_dev && d->file_ino == (uint64_t)st.st_ino);
	tc_close(t);

	/* as a database migrated from version 3 has it */
	struct store *s;
	char *why = NULL;
	assert_int_equal(store_open(t, t->state, &s, &why), 0);
	assert_int_equal(store_exec(s, "UPDATE disks SET file_dev = 0, file_ino = 0;", &why), 0);
	talloc_free(s);
	assert_int_equal(tc_open(t), 0);
	tc_reconcile(t);
	d = core_disk_by_wtd(t, t->core, wtd);
	assert_true(d->file_dev == (uint64_t)st.st_dev && d->file_ino == (uint64_t)st.st_ino);
	tc_close(t);

	/* recorded for good; another file in its place is not the disk's */
	assert_int_equal(rename(tc_path(t, "legacy.vhd"), tc_path(t, "legacy.aside")), 0);
	int fd = open(tc_path(t, "legacy.vhd"), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(8 * MiB + 512)), 0);
	close(fd);
	assert_int_equal(tc_open(t), 0);
	d = core_disk_by_wtd(t, t->core, wtd);
	assert_true(d->file_ino == (uint64_t)st.st_ino);
	struct core_target *tg = core_target_by_name(t, t->core, "legacy");
	struct core_target_state ts;
	assert_int_equal(core_target_state(t, t->core, tg->guid, &ts), 0);
	assert_int_equal(ts.error, -ESTALE);
	assert_int_equal(ts.n_luns_unserved, 1);
	tc_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_field),
		cmocka_unit_test(test_intents_round_trip),
		cmocka_unit_test(test_migrations_from_every_version),
		cmocka_unit_test(test_isns_servers_persist),
		cmocka_unit_test(test_isns_watch_fires),
		cmocka_unit_test(test_isns_server_names),
		cmocka_unit_test(test_identity_learned_for_old_disks),
		cmocka_unit_test(test_garbage_refused_untouched),
		cmocka_unit_test(test_corrupt_page_refused),
		cmocka_unit_test(test_broken_reference_refused),
		cmocka_unit_test(test_newer_version_refused),
		cmocka_unit_test(test_permissions_and_lock),
		cmocka_unit_test(test_concurrent_mutations_serialised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
