#include "backend/tgt_proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* tgtadm_req on every Linux ABI tgt builds for: enums are ints, the uint64_t
 * fields are 8-aligned. A mismatch would silently garble every request. */
_Static_assert(sizeof(struct tgt_wire_req) == 120, "struct tgtadm_req layout");
_Static_assert(offsetof(struct tgt_wire_req, len) == 72, "struct tgtadm_req layout");
_Static_assert(offsetof(struct tgt_wire_req, sid) == 80, "struct tgtadm_req layout");
_Static_assert(offsetof(struct tgt_wire_req, force) == 116, "struct tgtadm_req layout");
_Static_assert(sizeof(struct tgt_wire_rsp) == 8, "struct tgtadm_rsp layout");

struct tgt_request tgt_request_init(enum tgt_mode mode, enum tgt_op op)
{
	struct tgt_request r = {
		.mode = mode,
		.op = op,
		.tid = TGT_GLOBAL_TID,
		.lun = TGT_NO_LUN_NUMBER,
		.ac_dir = TGT_ACCOUNT_INCOMING,
	};
	return r;
}

int tgt_request_encode(TALLOC_CTX *mem_ctx, const struct tgt_request *r, uint8_t **bytes,
		       size_t *len)
{
	/* tgtd reads the text with strstr() and friends: it must end with a NUL,
	 * which counts in the length (as tgtadm's concat_buf does). */
	size_t body_len = r->body ? strlen(r->body) + 1 : 0;
	if (body_len > TGT_MAX_BODY)
		return -EMSGSIZE;

	struct tgt_wire_req h;
	memset(&h, 0, sizeof(h));
	h.mode = (uint32_t)r->mode;
	h.op = (uint32_t)r->op;
	snprintf(h.lld, sizeof(h.lld), "%s", "iscsi");
	h.len = (uint32_t)(sizeof(h) + body_len);
	h.tid = r->tid;
	h.sid = r->sid;
	h.lun = r->lun;
	h.cid = r->cid;
	h.device_type = TGT_DEVICE_TYPE_DISK;
	h.ac_dir = r->ac_dir;
	h.force = r->force ? 1 : 0;

	uint8_t *buf = talloc_array(mem_ctx, uint8_t, h.len);
	if (buf == NULL)
		return -ENOMEM;
	memcpy(buf, &h, sizeof(h));
	if (body_len > 0)
		memcpy(buf + sizeof(h), r->body, body_len);
	*bytes = buf;
	*len = h.len;
	return 0;
}

int tgt_err_to_errno(uint32_t err)
{
	switch (err) {
	case TGT_SUCCESS:
		return 0;
	case TGT_NOMEM:
		return -ENOMEM;
	case TGT_NO_DRIVER:
		return -ENODEV;
	case TGT_NO_TARGET:
	case TGT_NO_LUN:
	case TGT_NO_SESSION:
	case TGT_NO_CONNECTION:
	case TGT_NO_BINDING:
	case TGT_ACL_NOEXIST:
	case TGT_NO_USER:
		return -ENOENT;
	case TGT_TARGET_EXIST:
	case TGT_LUN_EXIST:
	case TGT_BINDING_EXIST:
	case TGT_ACL_EXIST:
	case TGT_USER_EXIST:
	case TGT_OUTACCOUNT_EXIST:
		return -EEXIST;
	case TGT_TOO_MANY_USER:
		return -ENOSPC;
	case TGT_INVALID_REQUEST:
	case TGT_UNKNOWN_PARAM:
		return -EINVAL;
	case TGT_TARGET_ACTIVE:
	case TGT_LUN_ACTIVE:
	case TGT_DRIVER_ACTIVE:
	case TGT_PREVENT_REMOVAL:
		return -EBUSY;
	case TGT_UNSUPPORTED_OPERATION:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

const char *tgt_err_string(uint32_t err)
{
	static const char *const names[TGT_ERR_COUNT] = {
		[TGT_SUCCESS] = "success",
		[TGT_UNKNOWN_ERR] = "unknown error",
		[TGT_NOMEM] = "out of memory",
		[TGT_NO_DRIVER] = "can't find the driver",
		[TGT_NO_TARGET] = "can't find the target",
		[TGT_NO_LUN] = "can't find the logical unit",
		[TGT_NO_SESSION] = "can't find the session",
		[TGT_NO_CONNECTION] = "can't find the connection",
		[TGT_NO_BINDING] = "can't find the binding",
		[TGT_TARGET_EXIST] = "this target already exists",
		[TGT_LUN_EXIST] = "this logical unit number already exists",
		[TGT_BINDING_EXIST] = "this binding already exists",
		[TGT_ACL_EXIST] = "this access control rule already exists",
		[TGT_ACL_NOEXIST] = "this access control rule does not exist",
		[TGT_USER_EXIST] = "this account already exists",
		[TGT_NO_USER] = "can't find the account",
		[TGT_TOO_MANY_USER] = "too many accounts",
		[TGT_INVALID_REQUEST] = "invalid request",
		[TGT_OUTACCOUNT_EXIST] = "this target already has an outgoing account",
		[TGT_TARGET_ACTIVE] = "this target is still active",
		[TGT_LUN_ACTIVE] = "this logical unit is still active",
		[TGT_DRIVER_ACTIVE] = "this driver is busy",
		[TGT_UNSUPPORTED_OPERATION] = "this operation isn't supported",
		[TGT_UNKNOWN_PARAM] = "unknown parameter",
		[TGT_PREVENT_REMOVAL] = "this device has Prevent Removal set",
	};
	return err < TGT_ERR_COUNT ? names[err] : "(unknown tgtadm error)";
}

const char *tgt_request_name(const struct tgt_request *r, char *buf, size_t size)
{
	static const char *const modes[] = { "system",  "target",  "logicalunit", "portal",
					     "lld",     "session", "connection",  "account" };
	static const char *const ops[] = { "new",    "delete", "show",  "bind", "unbind",
					   "update", "stat",   "start", "stop" };
	snprintf(buf, size, "%s %s", (unsigned)r->mode < 8 ? modes[r->mode] : "?",
		 (unsigned)r->op < 9 ? ops[r->op] : "?");
	return buf;
}
