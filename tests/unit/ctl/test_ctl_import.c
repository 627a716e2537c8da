/* The readers of istmctl import and config (src/ctl/import_*.c): tgt's
 * targets.conf with an include, tgtadm's listing, targetcli's
 * saveconfig.json (the sample of the end-to-end test), and the config
 * document read back; what each reports as not carried over. Nothing is
 * sent anywhere. */
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

#include "ctl/import_lio.h"
#include "ctl/import_model.h"
#include "ctl/import_tgt.h"
#include "ctl/parse.h"

static const struct imp_target *find(struct imp_state *s, const char *iqn)
{
	const struct imp_target *t = imp_target_find(s, iqn);
	assert_non_null(t);
	return t;
}

static bool reported(const struct imp_state *s, const char *needle)
{
	for (size_t i = 0; i < s->n_problems; i++) {
		if (strstr(s->problems[i], needle) != NULL)
			return true;
	}
	return false;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_target_name(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	assert_string_equal(imp_target_name(mem, "iqn.2024-05.com.example:web"), "web");
	assert_string_equal(imp_target_name(mem, "iqn.2024-05.com.example:disk_1"),
			    "iqn.2024-05.com.example:disk_1"); /* '_' is no name character */
	assert_string_equal(imp_target_name(mem, "eui.0123456789abcdef"), "eui.0123456789abcdef");
	assert_string_equal(imp_target_name(mem, "iqn.2024-05.com.example:"),
			    "iqn.2024-05.com.example:");
	struct imp_state *s = imp_state_new(mem, "test");
	assert_string_equal(imp_target_add(s, "iqn.2024-05.com.a:web")->name, "web");
	/* the same tail again: named by the whole IQN */
	assert_string_equal(imp_target_add(s, "iqn.2024-05.com.b:web")->name,
			    "iqn.2024-05.com.b:web");
	talloc_free(mem);
}

static void test_tgt_conf(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char dir[] = "/tmp/test_ctl_import.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sub = talloc_asprintf(mem, "%s/conf.d", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	char *main_conf = talloc_asprintf(mem, "%s/targets.conf", dir);
	char *part = talloc_asprintf(mem, "%s/a.conf", sub);
	write_file(main_conf,
		   "# comment\n"
		   "default-driver iscsi\n"
		   "include conf.d/*.conf\n"
		   "<target iqn.2024-05.com.example:one>\n"
		   "   backing-store /s/a.vhd   # trailing comment\n"
		   "   <backing-store /s/b.vhd>\n"
		   "      lun 1\n"
		   "   </backing-store>\n"
		   "   direct-store /dev/sdq\n"
		   "   initiator-address 10.0.0.1, 10.0.0.2\n"
		   "   initiator-name iqn.1993-08.org.debian:01:x\n"
		   "   incominguser u1 secret-one-12\n"
		   "   incominguser u2 secret-two-12\n"
		   "   outgoinguser o1 secret-out-12\n"
		   "</target>\n");
	write_file(part, "<target iqn.2024-05.com.example:two>\n"
			 "\tbacking-store /s/c.vhd\n"
			 "\tinitiator-address ALL\n"
			 "</target>\n"
			 "<target iqn.2024-05.com.example:three>\n"
			 "</target>\n");
	char *err = NULL;
	struct imp_state *s = imp_tgt_conf(mem, main_conf, &err);
	assert_null(err);
	assert_non_null(s);
	assert_int_equal(s->n_targets, 3);
	/* the include comes first, where it is written */
	assert_string_equal(s->targets[0].iqn, "iqn.2024-05.com.example:two");

	const struct imp_target *one = find(s, "iqn.2024-05.com.example:one");
	assert_string_equal(one->name, "one");
	assert_int_equal(one->n_luns, 2);
	assert_int_equal(one->luns[0].lun, 1); /* explicit first */
	assert_string_equal(one->luns[0].path, "/s/b.vhd");
	assert_int_equal(one->luns[1].lun, 2);
	assert_string_equal(one->luns[1].path, "/s/a.vhd");
	assert_int_equal(one->n_initiators, 3);
	assert_int_equal(one->initiators[0].method, CTL_ID_IPV4);
	assert_string_equal(one->initiators[1].value, "10.0.0.2");
	assert_int_equal(one->initiators[2].method, CTL_ID_IQN);
	assert_string_equal(one->chap.user, "u1");
	assert_string_equal(one->chap.secret, "secret-one-12");
	assert_string_equal(one->mutual.user, "o1");
	assert_true(reported(s, "/dev/sdq: a raw device passed through"));
	assert_true(reported(s, "CHAP account u2"));

	const struct imp_target *two = find(s, "iqn.2024-05.com.example:two");
	assert_int_equal(two->n_initiators, 1);
	assert_string_equal(two->initiators[0].value, "*");
	const struct imp_target *three = find(s, "iqn.2024-05.com.example:three");
	assert_int_equal(three->n_initiators, 1); /* none named: tgt-admin binds ALL */
	assert_string_equal(three->initiators[0].value, "*");
	assert_int_equal(three->n_luns, 0);

	/* errors name the place */
	s = imp_tgt_conf_text(mem, "x.conf", "<target iqn.2024-05.com.example:a>\n", &err);
	assert_null(s);
	assert_non_null(strstr(err, "is not closed"));
	s = imp_tgt_conf_text(mem, "x.conf", "\n<bogus>\n", &err);
	assert_null(s);
	assert_non_null(strstr(err, "x.conf:2: unexpected <bogus>"));
	assert_null(imp_tgt_conf(mem, "/nonexistent/targets.conf", &err));

	unlink(part);
	rmdir(sub);
	unlink(main_conf);
	rmdir(dir);
	talloc_free(mem);
}

static void test_tgt_live(void **unused)
{
	static const char show[] =
		"Target 1: iqn.2024-05.com.example:live\n"
		"    System information:\n"
		"        Driver: iscsi\n"
		"        State: ready\n"
		"    I_T nexus information:\n"
		"    LUN information:\n"
		"        LUN: 0\n"
		"            Type: controller\n"
		"            Backing store path: None\n"
		"        LUN: 3\n"
		"            Type: disk\n"
		"            Backing store path: /s/a.vhd\n"
		"    Account information:\n"
		"        u1\n"
		"        o1 (outgoing)\n"
		"    ACL information:\n"
		"        127.0.0.1\n"
		"        iqn.1993-08.org.debian:01:x\n"
		"        [::1]/128\n"
		"Target 2: iqn.2024-05.com.example:off\n"
		"    System information:\n"
		"        Driver: iscsi\n"
		"        State: offline\n"
		"    ACL information:\n"
		"        ALL\n";
	TALLOC_CTX *mem = talloc_new(NULL);
	char *err = NULL;
	struct imp_state *s = imp_tgt_live_text(mem, show, 171, &err);
	assert_non_null(s);
	assert_int_equal(s->n_targets, 2);
	const struct imp_target *t = find(s, "iqn.2024-05.com.example:live");
	assert_true(t->enabled);
	assert_int_equal(t->n_luns, 1);
	assert_int_equal(t->luns[0].lun, 3);
	assert_string_equal(t->chap.user, "u1");
	assert_null(t->chap.secret); /* tgtd keeps it */
	assert_string_equal(t->mutual.user, "o1");
	assert_int_equal(t->n_initiators, 3);
	assert_int_equal(t->initiators[0].method, CTL_ID_IPV4);
	assert_int_equal(t->initiators[1].method, CTL_ID_IQN);
	assert_int_equal(t->initiators[2].method, CTL_ID_IPV6);
	assert_string_equal(t->initiators[2].value, "::1/128");
	t = find(s, "iqn.2024-05.com.example:off");
	assert_false(t->enabled);
	assert_string_equal(t->initiators[0].value, "*");
	talloc_free(mem);
}

static void test_lio(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *err = NULL;
	struct imp_state *s = imp_lio_file(mem, SAMPLES "/lio/saveconfig.json", &err);
	assert_null(err);
	assert_non_null(s);
	assert_int_equal(s->n_targets, 2);
	const struct imp_target *web = find(s, "iqn.2024-05.com.example.files:web");
	assert_true(web->enabled);
	assert_int_equal(web->n_luns, 1);
	assert_int_equal(web->luns[0].lun, 1); /* LIO's 0 */
	assert_string_equal(web->luns[0].path, "@STORAGE@/web.vhd");
	assert_int_equal(web->n_initiators, 2);
	assert_string_equal(web->chap.user, "webuser");
	assert_string_equal(web->chap.secret, "web-secret-123");
	assert_null(web->mutual.user);
	const struct imp_target *db = find(s, "iqn.2024-05.com.example.files:db");
	assert_int_equal(db->n_luns, 3); /* data, logs, scratch; not the block device */
	assert_int_equal(db->luns[2].lun, 3);
	assert_string_equal(db->mutual.user, "dbtarget");
	assert_string_equal(db->mutual.secret, "db-target-secret-89");
	assert_true(reported(s, "/dev/sdz: a raw block device"));

	json_t *doc = json_loads("{\"storage_objects\": [], \"targets\": [{\"fabric\": \"iscsi\", "
				 "\"wwn\": \"iqn.2024-05.com.example:t\", \"tpgs\": [{\"tag\": 1, "
				 "\"enable\": 0, \"attributes\": {\"generate_node_acls\": 1}, "
				 "\"chap_userid\": \"a\", \"chap_password\": \"b-secret-1234\"}, "
				 "{\"tag\": 2}]}, {\"fabric\": \"loopback\", \"wwn\": \"naa.1\"}]}",
				 0, NULL);
	assert_non_null(doc);
	s = imp_lio_json(mem, "inline", doc, &err);
	json_decref(doc);
	assert_non_null(s);
	assert_int_equal(s->n_targets, 1);
	assert_false(s->targets[0].enabled);
	assert_string_equal(s->targets[0].initiators[0].value, "*"); /* demo mode */
	assert_string_equal(s->targets[0].chap.user, "a");
	assert_true(reported(s, "2 TPGs"));
	assert_true(reported(s, "a loopback target"));

	doc = json_loads("[1]", 0, NULL);
	assert_null(imp_lio_json(mem, "inline", doc, &err));
	json_decref(doc);
	assert_null(imp_lio_file(mem, "/nonexistent.json", &err));
	talloc_free(mem);
}

static void test_config_round_trip(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct imp_state *s = imp_state_new(mem, "test");
	assert_int_equal(imp_disk_add(s, "D:\\a.vhd", "first"), 0);
	struct imp_target *t = imp_target_add(s, "iqn.2024-05.com.example:t1");
	assert_non_null(t);
	t->description = "desc";
	t->enabled = false;
	assert_int_equal(imp_lun_add(t, 4, "D:\\a.vhd"), 0);
	assert_int_equal(imp_initiator_add(t, CTL_ID_IPV4, "10.0.0.1"), 0);
	assert_int_equal(imp_initiator_add(t, CTL_ID_IPV4, "10.0.0.1"), 0); /* once */
	t->chap = (struct imp_chap){ "u", "secret-12345" };
	t->mutual = (struct imp_chap){ "m", NULL };
	t->params.first_burst_length = 65536;
	t->params.has_idle = true;

	json_t *doc = imp_state_to_json(s);
	char *err = NULL;
	struct imp_state *back = imp_state_from_json(mem, doc, &err);
	json_decref(doc);
	assert_non_null(back);
	assert_int_equal(back->n_disks, 1);
	assert_string_equal(back->disks[0].description, "first");
	assert_int_equal(back->n_targets, 1);
	const struct imp_target *b = &back->targets[0];
	assert_string_equal(b->name, "t1");
	assert_string_equal(b->description, "desc");
	assert_false(b->enabled);
	assert_int_equal(b->n_luns, 1);
	assert_int_equal(b->luns[0].lun, 4);
	assert_int_equal(b->n_initiators, 1);
	assert_string_equal(b->chap.secret, "secret-12345");
	assert_string_equal(b->mutual.user, "m");
	assert_null(b->mutual.secret);
	assert_int_equal(b->params.first_burst_length, 65536);
	assert_true(b->params.has_idle);

	doc = json_loads("{\"format\": \"other\", \"version\": 1}", 0, NULL);
	assert_null(imp_state_from_json(mem, doc, &err));
	json_decref(doc);
	doc = json_loads("{\"format\": \"istmd-config\", \"version\": 2}", 0, NULL);
	assert_null(imp_state_from_json(mem, doc, &err));
	assert_non_null(strstr(err, "version 2"));
	json_decref(doc);
	doc = json_loads("{\"format\": \"istmd-config\", \"version\": 1, \"targets\": [{\"name\": "
			 "\"x\"}]}", 0, NULL);
	assert_null(imp_state_from_json(mem, doc, &err));
	assert_non_null(strstr(err, "targets[0]"));
	json_decref(doc);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_name),
		cmocka_unit_test(test_tgt_conf),
		cmocka_unit_test(test_tgt_live),
		cmocka_unit_test(test_lio),
		cmocka_unit_test(test_config_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
