/* The request encoding of tgtd's management protocol. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "backend/tgt_proto.h"

static void test_header_and_text(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_request r = tgt_request_init(TGT_MODE_DEVICE, TGT_OP_UPDATE);
	r.tid = 7;
	r.lun = 300;
	r.body = "readonly=1,path=/dev/loop3";
	uint8_t *b = NULL;
	size_t len = 0;
	assert_int_equal(tgt_request_encode(mem, &r, &b, &len), 0);
	size_t text = strlen(r.body) + 1; /* the NUL travels too */
	assert_int_equal(len, 120 + text);

	struct tgt_wire_req h;
	memcpy(&h, b, sizeof(h));
	assert_int_equal(h.mode, 2); /* MODE_DEVICE */
	assert_int_equal(h.op, 5);   /* OP_UPDATE */
	assert_string_equal(h.lld, "iscsi");
	assert_int_equal(h.len, len);
	assert_int_equal(h.tid, 7);
	assert_int_equal(h.lun, 300);
	assert_int_equal(h.sid, 0);
	assert_int_equal(h.device_type, 0);
	assert_int_equal(h.ac_dir, 0);
	assert_int_equal(h.force, 0);
	assert_memory_equal(b + 120, r.body, text);
	assert_int_equal(b[len - 1], 0);
	talloc_free(mem);
}

static void test_defaults_and_flags(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_request r = tgt_request_init(TGT_MODE_TARGET, TGT_OP_SHOW);
	uint8_t *b;
	size_t len;
	assert_int_equal(tgt_request_encode(mem, &r, &b, &len), 0);
	assert_int_equal(len, 120); /* no text at all */
	struct tgt_wire_req h;
	memcpy(&h, b, sizeof(h));
	assert_int_equal(h.tid, -1); /* every target */
	assert_true(h.lun == UINT64_MAX);

	r = tgt_request_init(TGT_MODE_ACCOUNT, TGT_OP_BIND);
	r.ac_dir = TGT_ACCOUNT_OUTGOING;
	r.force = true;
	r.body = "user=x";
	assert_int_equal(tgt_request_encode(mem, &r, &b, &len), 0);
	memcpy(&h, b, sizeof(h));
	assert_int_equal(h.mode, 7);
	assert_int_equal(h.op, 3);
	assert_int_equal(h.ac_dir, 1);
	assert_int_equal(h.force, 1);
	talloc_free(mem);
}

static void test_too_long(void **unused)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *big = talloc_array(mem, char, TGT_MAX_BODY + 1);
	memset(big, 'a', TGT_MAX_BODY);
	big[TGT_MAX_BODY] = '\0';
	struct tgt_request r = tgt_request_init(TGT_MODE_TARGET, TGT_OP_BIND);
	r.body = big;
	uint8_t *b;
	size_t len;
	assert_int_equal(tgt_request_encode(mem, &r, &b, &len), -EMSGSIZE);
	big[TGT_MAX_BODY - 1] = '\0'; /* exactly the limit with its NUL */
	assert_int_equal(tgt_request_encode(mem, &r, &b, &len), 0);
	talloc_free(mem);
}

static void test_errors(void **unused)
{
	assert_int_equal(tgt_err_to_errno(TGT_SUCCESS), 0);
	assert_int_equal(tgt_err_to_errno(TGT_NO_TARGET), -ENOENT);
	assert_int_equal(tgt_err_to_errno(TGT_TARGET_EXIST), -EEXIST);
	assert_int_equal(tgt_err_to_errno(TGT_LUN_ACTIVE), -EBUSY);
	assert_int_equal(tgt_err_to_errno(TGT_INVALID_REQUEST), -EINVAL);
	assert_int_equal(tgt_err_to_errno(TGT_UNSUPPORTED_OPERATION), -EOPNOTSUPP);
	assert_int_equal(tgt_err_to_errno(12345), -EIO);
	assert_string_equal(tgt_err_string(TGT_NO_USER), "can't find the account");
	assert_string_equal(tgt_err_string(999), "(unknown tgtadm error)");
	char buf[48];
	struct tgt_request r = tgt_request_init(TGT_MODE_DEVICE, TGT_OP_NEW);
	assert_string_equal(tgt_request_name(&r, buf, sizeof(buf)), "logicalunit new");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_and_text),
		cmocka_unit_test(test_defaults_and_flags),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
