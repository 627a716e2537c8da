/* Status notification registrations with [notify] set (general_notify.c,
 * notify_sink.c, notify_config.c): the configuration, refusals, limits per
 * account, and sinks that cannot be reached being dropped without blocking.
 * The calls themselves are tested against a console process:
 * tests/integration/notify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ndr.h>
#include <gen_ndr/dcerpc.h>

#include "dcom/objref.h"
#include "idl/ndr_ms_istm.h"
#include "istm/general_notify.h"
#include "istm/istm.h"
#include "istm/notify.h"
#include "istm/notify_sink.h"
#include "istmd/config.h"

static struct istm_notify_config *load(TALLOC_CTX *mem, const char *text, int *rc, char **err)
{
	struct cfg *cfg = cfg_parse(mem, "test", text, err);
	assert_non_null(cfg);
	struct istm_notify_config *c = NULL;
	*rc = istm_notify_config_load(cfg, mem, &c, err);
	return c;
}

static void test_config(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	int rc;
	char *err = NULL;
	struct istm_notify_config *c = load(mem, "", &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(c->auth_type, 0);
	assert_int_equal(c->timeout_ms, 5000);
	assert_int_equal(c->ping_period_s, 120);
	assert_int_equal(c->max_sinks_per_account, 16);
	assert_int_equal(c->queue, 64);
	assert_true(c->only_caller_address);

	load(mem, "[notify]\nauth = ntlm\n", &rc, &err);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, "user and password_file"));
	load(mem, "[notify]\nlevel = none\n", &rc, &err);
	assert_int_equal(rc, -EINVAL);
	load(mem, "[notify]\nping_period = 121\n", &rc, &err);
	assert_int_equal(rc, -EINVAL);

	char path[] = "/tmp/istmd-notify-pw-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3cret word\r\nignored\n", 21), 21);
	close(fd);
	char *text = talloc_asprintf(mem, "[notify]\nauth = ntlm\nuser = cb\ndomain = W\n"
				     "password_file = %s\nlevel = privacy\ntimeout = 2\n", path);
	c = load(mem, text, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(c->auth_type, DCERPC_AUTH_TYPE_NTLMSSP);
	assert_int_equal(c->auth_level, DCERPC_AUTH_LEVEL_PRIVACY);
	assert_string_equal(c->user, "cb");
	assert_string_equal(c->domain, "W");
	assert_string_equal(c->password, "s3cret word");
	assert_int_equal(c->timeout_ms, 2000);
	unlink(path);
	text = talloc_asprintf(mem, "[notify]\nauth = ntlm\nuser = cb\npassword_file = %s\n", path);
	load(mem, text, &rc, &err);
	assert_int_equal(rc, -EINVAL); /* the file is gone */
	talloc_free(mem);
}

/* An IStatusNotify OBJREF whose resolver binding is BINDING. */
static struct MInterfacePointer *objref(TALLOC_CTX *mem, uint64_t oid, const char *binding)
{
	size_t n = strlen(binding);
	uint16_t *arr = talloc_zero_array(mem, uint16_t, n + 5);
	arr[0] = 7;
	for (size_t i = 0; i < n; i++)
		arr[1 + i] = (uint16_t)binding[i];
	struct OBJREF o = { .signature = OBJREF_SIGNATURE, .flags = OBJREF_FLAG_STANDARD };
	o.iid = idl_iface_IStatusNotify.table->syntax_id.uuid;
	o.u_objref.u_standard.std = (struct STDOBJREF){ .cPublicRefs = 5, .oxid = 7, .oid = oid };
	o.u_objref.u_standard.std.ipid.time_low = (uint32_t)oid;
	o.u_objref.u_standard.saResAddr = (struct DUALSTRINGARRAY){
		.wNumEntries = (uint16_t)(n + 5), .wSecurityOffset = (uint16_t)(n + 3),
		.aStringArray = arr
	};
	struct MInterfacePointer *mip = NULL;
	assert_int_equal(dcom_objref_push(mem, &o, &mip), 0);
	return mip;
}

struct fx {
	TALLOC_CTX *mem;
	struct istm_notify_config config;
	struct istm_context *ctx;
};

static struct fx *fx_new(unsigned per_account)
{
	struct fx *f = talloc_zero(NULL, struct fx);
	f->mem = f;
	f->config = (struct istm_notify_config){ .user = "", .domain = "", .password = "",
						 .timeout_ms = 2000, .ping_period_s = 120,
						 .max_sinks_per_account = per_account, .queue = 4 };
	f->ctx = talloc_zero(f, struct istm_context);
	f->ctx->ev = tevent_context_init(f);
	f->ctx->notify_config = &f->config;
	return f;
}

static void tick(struct tevent_context *ev, struct tevent_timer *te, struct timeval now, void *p)
{
}

/* Runs the loop until no registration is left (at most 5 s). */
static void wait_empty(struct fx *f)
{
	for (int i = 0; i < 500 && istm_notify_count(f->ctx) > 0; i++) {
		TALLOC_CTX *t = talloc_new(f);
		tevent_add_timer(f->ctx->ev, t, tevent_timeval_current_ofs(0, 10000), tick, NULL);
		tevent_loop_once(f->ctx->ev);
		talloc_free(t);
	}
}

static void test_refusals_and_unreachable(void **unused)
{
	struct fx *f = fx_new(16);
	/* a host name only: resolving it would block */
	assert_int_equal(istm_notify_register(f->ctx, objref(f, 1, "console.example"), 1, "alice", NULL),
			 -EINVAL);
	assert_int_equal(istm_notify_count(f->ctx), 0);
	/* nobody listens there: the sink goes, the loop never blocked */
	assert_int_equal(istm_notify_register(f->ctx, objref(f, 2, "127.0.14.9[9]"), 2, "alice", NULL), 0);
	assert_int_equal(istm_notify_count(f->ctx), 1);
	wait_empty(f);
	assert_int_equal(istm_notify_count(f->ctx), 0);
	/* unregistered while connecting */
	struct MInterfacePointer *m = objref(f, 3, "127.0.14.9[9]");
	assert_int_equal(istm_notify_register(f->ctx, m, 3, "alice", NULL), 0);
	size_t removed = 0;
	assert_int_equal(istm_notify_unregister(f->ctx, m, &removed), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(istm_notify_count(f->ctx), 0);
	/* nothing of it is left on the loop (a 10 ms tick is all there is) */
	TALLOC_CTX *t = talloc_new(f);
	tevent_add_timer(f->ctx->ev, t, tevent_timeval_current_ofs(0, 10000), tick, NULL);
	struct timeval start = tevent_timeval_current(), end;
	tevent_loop_once(f->ctx->ev);
	end = tevent_timeval_current();
	struct timeval took = tevent_timeval_until(&start, &end);
	assert_true(took.tv_sec < 1);
	talloc_free(f);
}

static void test_limit_per_account(void **unused)
{
	struct fx *f = fx_new(2);
	for (uint64_t i = 0; i < 3; i++)
		assert_int_equal(istm_notify_register(f->ctx, objref(f, 10 + i, "127.0.14.9[9]"),
						      (uint32_t)i, "alice", NULL),
				 0);
	assert_int_equal(istm_notify_count(f->ctx), 2); /* alice's oldest went */
	assert_int_equal(istm_notify_register(f->ctx, objref(f, 20, "127.0.14.9[9]"), 1, "BOB", NULL), 0);
	assert_int_equal(istm_notify_register(f->ctx, objref(f, 21, "127.0.14.9[9]"), 1, "bob", NULL), 0);
	assert_int_equal(istm_notify_count(f->ctx), 4); /* bob's own two */
	/* the same object and cookie again replaces, whoever counts */
	assert_int_equal(istm_notify_register(f->ctx, objref(f, 21, "127.0.14.9[9]"), 1, "bob", NULL), 0);
	assert_int_equal(istm_notify_count(f->ctx), 4);
	talloc_free(f); /* connecting sinks are freed with everything */
}

/* only_caller_address: the console's own machine only */
static void test_only_caller(void **unused)
{
	struct fx *f = fx_new(16);
	f->config.only_caller_address = true;
	assert_int_equal(istm_notify_register(f->ctx, objref(f, 1, "127.0.14.9[9]"), 1, "alice",
					      "127.0.0.5"),
			 -EINVAL);
	assert_int_equal(istm_notify_count(f->ctx), 0);
	assert_int_equal(istm_notify_register(f->ctx, objref(f, 2, "127.0.0.5[9]"), 2, "alice",
					      "127.0.0.5"),
			 0);
	assert_int_equal(istm_notify_register(f->ctx, objref(f, 3, "127.0.0.5"), 3, "alice",
					      "::ffff:127.0.0.5"),
			 0);
	assert_int_equal(istm_notify_count(f->ctx), 2);
	talloc_free(f);
}

/* The queue of one sink: LunListChanged bursts are one call, a disk's newer
 * status replaces its queued one, and overflow becomes a LunListChanged. */
static void test_queue_coalescing(void **unused)
{
	struct fx *f = fx_new(16);
	struct istm_notifications list = { .ev = f->ctx->ev, .config = &f->config };
	struct nsink *s = talloc_zero(f, struct nsink);
	s->list = &list;
	s->statuses = talloc_zero_array(s, struct LUN_STATUS, f->config.queue); /* 4 */
	for (int i = 0; i < 10; i++)
		nsink_queue(s, &(struct core_event){ .kind = CORE_EVENT_LUN_LIST });
	assert_true(s->list_pending);
	assert_int_equal(s->coalesced, 9);
	for (uint32_t p = 10; p <= 30; p += 10)
		nsink_queue(s, &(struct core_event){ .kind = CORE_EVENT_LUN_STATUS, .wtd = 1,
						     .status = CORE_DEVICE_REVERTING,
						     .progress_percent = p });
	assert_int_equal(s->n_statuses, 1);
	assert_int_equal(s->statuses[0].dwProgressPercent, 30);
	assert_int_equal(s->statuses[0].eStatus, CORE_DEVICE_REVERTING);
	s->list_pending = false;
	for (uint32_t w = 2; w <= 5; w++)
		nsink_queue(s, &(struct core_event){ .kind = CORE_EVENT_LUN_STATUS, .wtd = w });
	assert_int_equal(s->n_statuses, 4);
	assert_true(s->list_pending); /* the fifth disk did not fit */
	assert_int_equal(s->statuses[3].dwLun, 4);
	nsink_kick(s); /* not connected: nothing is sent, nothing changes */
	assert_int_equal(s->n_statuses, 4);
	talloc_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_refusals_and_unreachable),
		cmocka_unit_test(test_limit_per_account),
		cmocka_unit_test(test_only_caller),
		cmocka_unit_test(test_queue_coalescing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
