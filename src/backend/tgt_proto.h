/* tgtd's management protocol, as tgtadm speaks it over the AF_UNIX stream
 * socket /var/run/tgtd/socket.N (tgt's usr/tgtadm.h and usr/mgmt.c): one
 * request per connection, a fixed header in host byte order followed by a
 * NUL-terminated "key=value,key=value" text; the reply is an 8-byte header
 * (error code, total length) and, on success, a NUL-terminated text.
 *
 * These are tgtd's private structures: we mirror their layout exactly (checked
 * at compile time) and keep the numbering of its enums. The layout has not
 * changed since tgt 1.0.30 (2012); Debian 12 ships 1.0.85. */
#ifndef ISTMD_BACKEND_TGT_PROTO_H
#define ISTMD_BACKEND_TGT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

enum tgt_mode {
	TGT_MODE_SYSTEM,
	TGT_MODE_TARGET,
	TGT_MODE_DEVICE, /* "logicalunit" */
	TGT_MODE_PORTAL,
	TGT_MODE_LLD,
	TGT_MODE_SESSION,
	TGT_MODE_CONNECTION,
	TGT_MODE_ACCOUNT,
};

enum tgt_op {
	TGT_OP_NEW,
	TGT_OP_DELETE,
	TGT_OP_SHOW,
	TGT_OP_BIND,
	TGT_OP_UNBIND,
	TGT_OP_UPDATE,
	TGT_OP_STATS,
	TGT_OP_START,
	TGT_OP_STOP,
};

/* tgtadm_error.h */
enum tgt_err {
	TGT_SUCCESS,
	TGT_UNKNOWN_ERR,
	TGT_NOMEM,
	TGT_NO_DRIVER,
	TGT_NO_TARGET,
	TGT_NO_LUN,
	TGT_NO_SESSION,
	TGT_NO_CONNECTION,
	TGT_NO_BINDING,
	TGT_TARGET_EXIST,
	TGT_LUN_EXIST,
	TGT_BINDING_EXIST,
	TGT_ACL_EXIST,
	TGT_ACL_NOEXIST,
	TGT_USER_EXIST,
	TGT_NO_USER,
	TGT_TOO_MANY_USER,
	TGT_INVALID_REQUEST,
	TGT_OUTACCOUNT_EXIST,
	TGT_TARGET_ACTIVE,
	TGT_LUN_ACTIVE,
	TGT_DRIVER_ACTIVE,
	TGT_UNSUPPORTED_OPERATION,
	TGT_UNKNOWN_PARAM,
	TGT_PREVENT_REMOVAL,
	TGT_ERR_COUNT
};

enum tgt_account_dir {
	TGT_ACCOUNT_INCOMING,
	TGT_ACCOUNT_OUTGOING,
};

#define TGT_LLD_NAME_LEN 64
#define TGT_GLOBAL_TID (-1) /* ~0U in tgtd: also "every target" for show */
#define TGT_NO_LUN_NUMBER UINT64_MAX
#define TGT_DEVICE_TYPE_DISK 0 /* SCSI peripheral device type */
/* tgtd refuses a request text longer than this (mgmt.c MAX_MGT_BUFSIZE). */
#define TGT_MAX_BODY 8192

/* struct tgtadm_req */
struct tgt_wire_req {
	uint32_t mode; /* enum tgtadm_mode: an int-sized enum */
	uint32_t op;
	char lld[TGT_LLD_NAME_LEN];
	uint32_t len; /* header + text */
	int32_t tid;
	uint64_t sid;
	uint64_t lun;
	uint32_t cid;
	uint32_t host_no;
	uint32_t device_type;
	uint32_t ac_dir;
	uint32_t pack;
	uint32_t force;
};

/* struct tgtadm_rsp */
struct tgt_wire_rsp {
	uint32_t err;
	uint32_t len; /* header + text */
};

/* One request, in our terms. */
struct tgt_request {
	enum tgt_mode mode;
	enum tgt_op op;
	int32_t tid;
	uint64_t sid;
	uint64_t lun;
	uint32_t cid;
	uint32_t ac_dir;
	bool force;
	const char *body;   /* NULL: no text */
	bool body_secret;   /* the text carries a CHAP secret: never log it */
};

/* A request with tgtadm's defaults: no target, no LUN, disk, incoming. */
struct tgt_request tgt_request_init(enum tgt_mode mode, enum tgt_op op);

/* The bytes to send (talloc'd on mem_ctx). 0, -EMSGSIZE (text too long for
 * tgtd) or -ENOMEM. */
int tgt_request_encode(TALLOC_CTX *mem_ctx, const struct tgt_request *r, uint8_t **bytes,
		       size_t *len);
/* A negative errno for a tgtadm error code (-EIO for unknown codes). */
int tgt_err_to_errno(uint32_t err);
/* tgtadm's wording of an error code, for logs. */
const char *tgt_err_string(uint32_t err);
/* "target new", "logicalunit update", ... for logs. */
const char *tgt_request_name(const struct tgt_request *r, char *buf, size_t size);

#endif
