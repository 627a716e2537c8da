/* Reconciliation plans for tgt: from a live state and a desired target, the
 * exact requests, in a safe order; and nothing when they already match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/tgt_plan.h"

#define IQN "iqn.2024-01.org.istmd:t"

/* "mode op tid[/lun] body" per step, for readable assertions. */
static char *render(TALLOC_CTX *mem, const struct tgt_plan *p)
{
	char *s = talloc_strdup(mem, "");
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct tgt_request *r = &p->steps[i].req;
		char name[48];
		tgt_request_name(r, name, sizeof(name));
		s = talloc_asprintf_append(s, "%s %d", name, r->tid);
		if (r->mode == TGT_MODE_DEVICE)
			s = talloc_asprintf_append(s, "/%llu", (unsigned long long)r->lun);
		if (r->mode == TGT_MODE_ACCOUNT && r->ac_dir == TGT_ACCOUNT_OUTGOING)
			s = talloc_asprintf_append(s, " out");
		s = talloc_asprintf_append(s, " %s\n", r->body ? r->body : "");
	}
	return s;
}

static struct tgt_live empty_live(void)
{
	static struct iscsi_portal portal = { "127.0.0.1", 3260 };
	struct tgt_live l = { .portals = &portal, .n_portals = 1 };
	return l;
}

static void test_new_target(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_live live = empty_live();
	struct tgt_secrets secrets = { 0 };
	struct iscsi_lun lun = { .lun = 1, .path = "/dev/loop3", .serial = "S1",
				 .device_id = "ID1", .direct_io = true };
	struct iscsi_acl_entry acl[] = { { ISCSI_ACL_IQN, "iqn.2024-01.init:a" },
					 { ISCSI_ACL_ADDRESS, "10.0.0.0/8" } };
	struct iscsi_chap_account in = { "u", "secret-secret" }, out = { "o", "other-secret" };
	struct iscsi_portal portals[] = { { "127.0.0.1", 3260 }, { "::1", 3261 } };
	struct iscsi_target want = { .iqn = IQN, .enabled = true, .luns = &lun, .n_luns = 1,
				     .acl = acl, .n_acl = 2, .chap_in = &in, .n_chap_in = 1,
				     .chap_out = &out, .portals = portals, .n_portals = 2 };
	want.params.max_recv_data_segment_length = 65536;
	want.params.header_digest = ISCSI_YES;
	struct tgt_plan plan;
	char *why = NULL;
	assert_int_equal(tgt_plan_apply(mem, &live, &secrets, &want, NULL, 0, &plan, &why), 0);
	assert_string_equal(render(mem, &plan),
			    "portal new -1 portal=[::1]:3261\n"
			    "target new 1 targetname=" IQN "\n"
			    "target update 1 state=offline\n"
			    "target update 1 MaxRecvDataSegmentLength=65536\n"
			    "target update 1 HeaderDigest=CRC32C,None\n"
			    "account new -1 user=u,password=secret-secret\n"
			    "account new -1 user=o,password=other-secret\n"
			    "account bind 1 user=u\n"
			    "account bind 1 out user=o\n"
			    "logicalunit new 1/1 bsoflags=direct\n"
			    "logicalunit update 1/1 readonly=0,scsi_sn=S1,scsi_id=ID1,removable=0,"
			    "path=/dev/loop3\n"
			    "target bind 1 initiator-name=iqn.2024-01.init:a\n"
			    "target bind 1 initiator-address=10.0.0.0/8\n"
			    "target update 1 state=ready\n");
	assert_int_equal(plan.tid, 1);
	assert_false(plan.check_sessions);
	/* account creation carries the secret: never logged, and remembered */
	assert_true(plan.steps[5].req.body_secret);
	assert_string_equal(plan.steps[5].account_secret, "secret-secret");
	talloc_free(mem);
}

/* The live state that the plan above produces, as tgtd would show it. */
static struct tgt_live applied_live(TALLOC_CTX *mem, struct tgt_secrets *secrets)
{
	struct tgt_live live = empty_live();
	struct tgt_live_target *t = talloc_zero(mem, struct tgt_live_target);
	t->tid = 4;
	t->iqn = IQN;
	t->driver = "iscsi";
	t->ready = true;
	t->luns = talloc_zero_array(mem, struct iscsi_lun, 1);
	t->luns[0] = (struct iscsi_lun){ .lun = 1, .path = "/dev/loop3", .serial = "S1",
					 .device_id = "ID1", .direct_io = true };
	t->n_luns = 1;
	static const char *acl[] = { "iqn.2024-01.init:a" };
	t->acl = acl;
	t->n_acl = 1;
	static const char *in[] = { "u" };
	t->in_users = in;
	t->n_in_users = 1;
	t->nexus = talloc_zero_array(mem, struct tgt_nexus, 1);
	t->n_nexus = 1;
	live.targets = t;
	live.n_targets = 1;
	static const char *accounts[] = { "u" };
	live.accounts = accounts;
	live.n_accounts = 1;
	live.params = tgt_default_params;
	assert_int_equal(tgt_secrets_set(mem, secrets, "u", "secret-secret"), 0);
	return live;
}

static struct iscsi_target applied_want(void)
{
	static struct iscsi_lun lun = { .lun = 1, .path = "/dev/loop3", .serial = "S1",
					.device_id = "ID1", .direct_io = true };
	static struct iscsi_acl_entry acl = { ISCSI_ACL_IQN, "iqn.2024-01.init:a" };
	static struct iscsi_chap_account in = { "u", "secret-secret" };
	struct iscsi_target want = { .iqn = IQN, .enabled = true, .luns = &lun, .n_luns = 1,
				     .acl = &acl, .n_acl = 1, .chap_in = &in, .n_chap_in = 1 };
	return want;
}

static void test_nothing_to_do(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_secrets secrets = { 0 };
	struct tgt_live live = applied_live(mem, &secrets);
	struct iscsi_target want = applied_want();
	struct iscsi_portal dflt = { "127.0.0.1", 3260 };
	struct tgt_plan plan;
	assert_int_equal(tgt_plan_apply(mem, &live, &secrets, &want, &dflt, 1, &plan, NULL), 0);
	assert_string_equal(render(mem, &plan), "");
	assert_int_equal(plan.tid, 4);
	assert_true(plan.check_sessions); /* it has a session: check who may stay */
	talloc_free(mem);
}

static void test_changes(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_secrets secrets = { 0 };
	struct tgt_live live = applied_live(mem, &secrets);
	struct iscsi_target want = applied_want();
	struct iscsi_lun luns[] = { { .lun = 1, .path = "/dev/loop3", .serial = "S1bis",
				      .device_id = "ID1", .read_only = true, .direct_io = true },
				    { .lun = 2, .path = "/srv/b.img" } };
	struct iscsi_acl_entry acl = { ISCSI_ACL_ANY, NULL };
	want.luns = luns;
	want.n_luns = 2;
	want.acl = &acl;
	want.enabled = false;
	want.n_chap_in = 0;
	struct tgt_plan plan;
	assert_int_equal(tgt_plan_apply(mem, &live, &secrets, &want, NULL, 0, &plan, NULL), 0);
	assert_string_equal(render(mem, &plan),
			    "target update 4 state=offline\n"
			    "account unbind 4 user=u\n"
			    "account delete -1 user=u\n"
			    "logicalunit update 4/1 readonly=1,scsi_sn=S1bis,scsi_id=ID1\n"
			    "logicalunit new 4/2 \n"
			    "logicalunit update 4/2 readonly=0,removable=0,path=/srv/b.img\n"
			    "target unbind 4 initiator-name=iqn.2024-01.init:a\n"
			    "target bind 4 initiator-address=ALL\n");

	/* a LUN on another path is replaced; a LUN no longer wanted goes */
	want = applied_want();
	struct iscsi_lun moved = { .lun = 1, .path = "/dev/loop9", .direct_io = true };
	want.luns = &moved;
	assert_int_equal(tgt_plan_apply(mem, &live, &secrets, &want, NULL, 0, &plan, NULL), 0);
	assert_string_equal(render(mem, &plan),
			    "logicalunit delete 4/1 \n"
			    "logicalunit new 4/1 bsoflags=direct\n"
			    "logicalunit update 4/1 readonly=0,removable=0,path=/dev/loop9\n");
	assert_true(plan.steps[0].flags & TGT_STEP_RETRY_BUSY);
	want.n_luns = 0;
	assert_int_equal(tgt_plan_apply(mem, &live, &secrets, &want, NULL, 0, &plan, NULL), 0);
	assert_string_equal(render(mem, &plan), "logicalunit delete 4/1 \n");
	talloc_free(mem);
}

static void test_chap_secrets(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_secrets secrets = { 0 };
	struct tgt_live live = applied_live(mem, &secrets);
	struct iscsi_target want = applied_want();
	struct tgt_plan plan;

	/* a secret we do not know (set before a restart of istmd): re-create */
	struct tgt_secrets none = { 0 };
	assert_int_equal(tgt_plan_apply(mem, &live, &none, &want, NULL, 0, &plan, NULL), 0);
	assert_string_equal(render(mem, &plan),
			    "account delete -1 user=u\n"
			    "account new -1 user=u,password=secret-secret\n"
			    "account bind 4 user=u\n");

	/* another target shares the user: it is bound again after re-creation */
	struct tgt_live_target two[2];
	two[0] = live.targets[0];
	memset(&two[1], 0, sizeof(two[1]));
	two[1].tid = 9;
	two[1].iqn = "iqn.2024-01.org.istmd:other";
	static const char *in[] = { "u" };
	two[1].out_user = "u";
	two[1].in_users = in;
	two[1].n_in_users = 1;
	live.targets = two;
	live.n_targets = 2;
	assert_int_equal(tgt_plan_apply(mem, &live, &none, &want, NULL, 0, &plan, NULL), 0);
	assert_string_equal(render(mem, &plan),
			    "account delete -1 user=u\n"
			    "account new -1 user=u,password=secret-secret\n"
			    "account bind 9 user=u\n"
			    "account bind 9 out user=u\n"
			    "account bind 4 user=u\n");

	/* a known, different secret of a shared user: refused, nothing planned */
	struct iscsi_chap_account other = { "u", "another-secret" };
	want.chap_in = &other;
	char *why = NULL;
	assert_int_equal(tgt_plan_apply(mem, &live, &secrets, &want, NULL, 0, &plan, &why),
			 -EEXIST);
	assert_non_null(why);
	assert_int_equal(plan.n_steps, 0);

	/* the same user both ways with two secrets cannot be */
	struct iscsi_chap_account same_out = { "u", "yet-another-secret" };
	want = applied_want();
	want.chap_out = &same_out;
	assert_int_equal(tgt_plan_apply(mem, &live, &secrets, &want, NULL, 0, &plan, &why),
			 -EINVAL);
	talloc_free(mem);
}

static void test_remove(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_secrets secrets = { 0 };
	struct tgt_live live = applied_live(mem, &secrets);
	struct tgt_plan plan;
	assert_int_equal(tgt_plan_remove(mem, &live, IQN, &plan), 0);
	assert_string_equal(render(mem, &plan), "target delete 4 \naccount delete -1 user=u\n");
	assert_true(plan.steps[0].req.force);
	assert_int_equal(tgt_plan_remove(mem, &live, "iqn.2024-01.org.istmd:absent", &plan), 0);
	assert_int_equal(plan.n_steps, 0);
	talloc_free(mem);
}

/* SetPortalConfig: add what is missing (any spelling of a live address
 * counts as live), delete the disabled that listen, touch nothing else. */
static void test_portals(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct iscsi_portal live_portals[] = { { "127.0.0.1", 3260 }, { "::1", 3261 },
					       { "127.0.0.9", 3260 } };
	struct tgt_live live = { .portals = live_portals, .n_portals = 3 };
	struct iscsi_portal listen[] = { { "127.0.0.1", 3260 }, { "0:0::1", 3261 },
					 { "127.0.0.2", 3262 }, { "::2", 3263 } };
	struct iscsi_portal unlisten[] = { { "127.0.0.9", 3260 }, { "127.0.0.5", 3260 } };
	struct tgt_plan plan;
	assert_int_equal(tgt_plan_portals(mem, &live, listen, 4, unlisten, 2, &plan), 0);
	assert_string_equal(render(mem, &plan),
			    "portal new -1 portal=127.0.0.2:3262\n"
			    "portal new -1 portal=[::2]:3263\n"
			    "portal delete -1 portal=127.0.0.9:3260\n");
	assert_true(plan.steps[0].flags & TGT_STEP_OK_EEXIST);
	assert_true(plan.steps[2].flags & TGT_STEP_OK_ENOENT);
	assert_int_equal(tgt_plan_portals(mem, &live, listen, 2, NULL, 0, &plan), 0);
	assert_int_equal(plan.n_steps, 0);
	talloc_free(mem);
}

static void test_evict(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct iscsi_acl_entry acl[] = { { ISCSI_ACL_IQN, "iqn.2024-01.init:a" },
					 { ISCSI_ACL_ADDRESS, "192.168.0.0/16" },
					 { ISCSI_ACL_ADDRESS, "[fd00::]/8" } };
	struct iscsi_target want = { .iqn = IQN, .enabled = true, .acl = acl, .n_acl = 3 };
	struct tgt_conn conns[] = {
		{ 1, 0, "iqn.2024-01.init:a", "10.1.1.1" },   /* by name */
		{ 2, 0, "iqn.2024-01.init:b", "192.168.4.4" }, /* by address */
		{ 3, 1, "iqn.2024-01.init:c", "10.1.1.2" },   /* neither */
		{ 4, 0, "iqn.2024-01.init:d", "fd12::1" },    /* by IPv6 prefix */
	};
	struct tgt_plan plan;
	assert_int_equal(tgt_plan_evict(mem, &want, 4, conns, 4, &plan), 0);
	assert_int_equal(plan.n_steps, 1);
	assert_int_equal(plan.steps[0].req.mode, TGT_MODE_CONNECTION);
	assert_int_equal(plan.steps[0].req.op, TGT_OP_DELETE);
	assert_int_equal(plan.steps[0].req.sid, 3);
	assert_int_equal(plan.steps[0].req.cid, 1);
	want.enabled = false; /* a disabled target keeps nobody */
	assert_int_equal(tgt_plan_evict(mem, &want, 4, conns, 4, &plan), 0);
	assert_int_equal(plan.n_steps, 4);
	talloc_free(mem);
}

static void test_params_back_to_default(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_secrets secrets = { 0 };
	struct tgt_live live = applied_live(mem, &secrets);
	struct iscsi_target want = applied_want();
	live.params.max_burst_length = 1048576; /* set by someone, default wanted */
	live.params.nop_interval = 10;
	struct tgt_plan plan;
	assert_int_equal(tgt_plan_apply(mem, &live, &secrets, &want, NULL, 0, &plan, NULL), 0);
	assert_string_equal(render(mem, &plan), "target update 4 MaxBurstLength=262144\n"
						"target update 4 nop_interval=0\n");
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_target),
		cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_portals),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_chap_secrets),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_evict),
		cmocka_unit_test(test_params_back_to_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
