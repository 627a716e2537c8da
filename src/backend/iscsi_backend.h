/* The iSCSI target backend: what the core model drives to make the live
 * iSCSI target (tgtd today, LIO later) match the desired state.
 *
 * Reconciliation, not commands: apply() takes the COMPLETE description of one
 * target and makes the live target equal to it (creating, changing or removing
 * whatever differs), so calling it twice is harmless and calling it after a
 * crash, a restart of the target daemon or a manual change repairs the drift.
 * list() returns the live state in the same structures, for the reconciler to
 * compare; sessions() the logged-in initiators (MS-ISTM 3.1.1.2).
 *
 * Every operation is asynchronous (tevent_req send/recv), bounded in time and
 * returns 0 or a negative errno. The backend knows nothing of DCOM, HRESULTs or
 * SQLite; MS-ISTM's data model (3.1.1.7) maps onto struct iscsi_target:
 *   Enable -> enabled; IDMethodList (IQN, IP/IPv6 address) -> acl;
 *   EnableCHAP/CHAPUserName/CHAPSecret -> chap_in; the reverse CHAP triple ->
 *   chap_out; TargetMaxRecvDataSegmentLength/FirstBurstLength/MaxBurstLength ->
 *   params; WTDiskLunMappings -> luns; portals -> portals.
 * DNS, NetBIOS and MAC identifiers are not target-level concepts: the core
 * resolves them to addresses (or refuses them) before calling apply(). */
#ifndef ISTMD_BACKEND_ISCSI_BACKEND_H
#define ISTMD_BACKEND_ISCSI_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>
#include <tevent.h>

struct cfg;

/* RFC 3720 3.2.6.1: an iSCSI name is at most 223 bytes. */
#define ISCSI_NAME_MAX 223

/* Who may log in. An empty list allows nobody: an initiator that matches no
 * entry cannot log in (nor see the target in discovery). */
enum iscsi_acl_kind {
	ISCSI_ACL_IQN,     /* value: the initiator's iSCSI name (iqn., eui., naa.) */
	ISCSI_ACL_ADDRESS, /* value: IPv4 or IPv6 literal, optionally "/prefix" */
	ISCSI_ACL_ANY,     /* every initiator; value is ignored (NULL) */
};

struct iscsi_acl_entry {
	enum iscsi_acl_kind kind;
	const char *value;
};

/* A CHAP account. In the live state (list()) secret is NULL: targets never
 * reveal secrets. Never log a secret. */
struct iscsi_chap_account {
	const char *user;
	const char *secret;
};

struct iscsi_lun {
	uint32_t lun;        /* the LUN number initiators see */
	const char *path;    /* absolute path of a block device or regular file */
	/* Desired: the size the LUN must have in bytes, 0 if the device decides.
	 * Backends without an offset/size limit (tgt) expose the whole device,
	 * so the caller passes a device of exactly this size (see loopdev.h).
	 * Live: the size as far as the backend can tell, 0 if unknown. */
	uint64_t size;
	const char *serial;    /* VPD page 0x80 unit serial number; NULL: backend default */
	const char *device_id; /* VPD page 0x83 identifier; NULL: backend default */
	const char *vendor;    /* INQUIRY vendor (8), product (16), revision (4); NULL: default */
	const char *product;
	const char *revision;
	bool read_only;
	bool direct_io; /* the target opens the path with O_DIRECT: no page cache in
			 * between, a completed write has reached the device */
};

/* For the yes/no negotiation keys: ISCSI_DEFAULT leaves the backend's value. */
enum iscsi_tristate {
	ISCSI_DEFAULT = 0,
	ISCSI_NO,
	ISCSI_YES,
};

/* Negotiation parameters (RFC 3720 12) the target offers. In a desired state 0
 * (or ISCSI_DEFAULT) means "the backend's default"; list() reports the values
 * in force. MS-ISTM ranges (notes <23>-<29>) are checked by the core. */
struct iscsi_negotiation {
	uint32_t max_recv_data_segment_length;
	uint32_t first_burst_length;
	uint32_t max_burst_length;
	uint32_t max_outstanding_r2t;
	uint32_t max_connections;
	uint32_t queue_depth;   /* commands queued per session (tgt MaxQueueCmd) */
	uint32_t nop_interval;  /* seconds between NOP-In pings; 0: off (idle detection) */
	uint32_t nop_count;     /* unanswered pings before the connection is dropped */
	enum iscsi_tristate initial_r2t;
	enum iscsi_tristate immediate_data;
	enum iscsi_tristate header_digest; /* YES: CRC32C offered (tgt always accepts None too) */
	enum iscsi_tristate data_digest;
};

/* A portal: an IPv4 or IPv6 literal (no brackets) and a TCP port. */
struct iscsi_portal {
	const char *address;
	uint16_t port;
};

/* One target, desired (apply) or live (list). Arrays need not be sorted. */
struct iscsi_target {
	const char *iqn;
	bool enabled; /* false: no new logins, and existing sessions are closed */
	struct iscsi_lun *luns;
	size_t n_luns;
	struct iscsi_acl_entry *acl;
	size_t n_acl;
	/* Incoming CHAP: an initiator must authenticate with one of these.
	 * Empty: no authentication. */
	struct iscsi_chap_account *chap_in;
	size_t n_chap_in;
	/* Outgoing (mutual) CHAP: what the target answers an initiator that asks
	 * it to authenticate itself. NULL: none. */
	struct iscsi_chap_account *chap_out;
	struct iscsi_negotiation params;
	/* Where the target is reachable. Empty: the backend's configured portals.
	 * Backends without per-target portals (caps.per_target_portals) make each
	 * listed portal listen for all targets. */
	struct iscsi_portal *portals;
	size_t n_portals;
	/* Live only: the number of sessions logged in. */
	unsigned n_sessions;
};

/* MS-ISTM 2.2.3.1 AuthenticationMethod values. */
enum iscsi_auth_method {
	ISCSI_AUTH_NONE = 0,
	ISCSI_AUTH_CHAP = 1,
};

/* MS-ISTM 2.2.4.2 CONNECTION. Unknown strings are NULL, unknown ports 0. */
struct iscsi_connection_info {
	uint32_t cid;
	const char *initiator_address;
	uint16_t initiator_port;
	const char *target_address;
	uint16_t target_port;
	bool header_digest;
	bool data_digest;
};

/* MS-ISTM 3.1.1.2.1 / 2.2.4.16 SESSION2. */
struct iscsi_session_info {
	const char *target_iqn;
	const char *initiator_iqn;
	const char *initiator_alias; /* NULL if none */
	uint16_t tsih;
	uint64_t isid; /* 48-bit ISID; 0 when the backend cannot tell (caps.session_isid) */
	bool discovery;
	enum iscsi_auth_method auth;
	struct iscsi_connection_info *conns;
	size_t n_conns;
};

/* What a backend can and cannot do; the core adapts (e.g. LUN numbering). */
struct iscsi_backend_caps {
	uint32_t min_lun; /* tgt: 1 (its LUN 0 is the target's controller) */
	uint32_t max_lun;
	uint32_t max_luns_per_target;
	bool per_target_portals; /* false: portals listen for every target */
	bool global_chap_users;  /* true: one secret per CHAP user name across targets */
	bool session_isid;       /* sessions() reports ISIDs */
	bool exact_lun_size;     /* list() reports exact LUN sizes */
	/* The backend serves a regular file itself, limited to the LUN's size
	 * (LIO's fd_dev_size): a fixed VHD needs no loop device. */
	bool file_luns;
	/* Access control by initiator IQN only (LIO's node ACLs): IP, IPv6
	 * and DNS initiator IDs could not be enforced, so the core refuses
	 * them (ERROR_NOT_SUPPORTED) instead of promising a restriction. */
	bool iqn_acls_only;
};

/* The backend daemon (tgtd) went away, or is (back) up. Each UP carries a new
 * generation number for a new daemon instance: everything applied before is
 * gone and the core re-applies its whole desired state. Reported within 2 s. */
enum iscsi_backend_event {
	ISCSI_BACKEND_DOWN,
	ISCSI_BACKEND_UP,
};

typedef void (*iscsi_backend_event_fn)(enum iscsi_backend_event event, uint64_t generation,
				       void *priv);

struct iscsi_backend;

/* The table a backend implements. Each send/recv pair follows tevent's
 * conventions; recv returns 0 or a negative errno. A send function never
 * keeps pointers into its arguments beyond the call (it copies what it needs). */
struct iscsi_backend_ops {
	const char *name;
	struct tevent_req *(*apply_send)(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					 struct iscsi_backend *be,
					 const struct iscsi_target *want);
	int (*apply_recv)(struct tevent_req *req);
	struct tevent_req *(*remove_send)(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					  struct iscsi_backend *be, const char *iqn);
	int (*remove_recv)(struct tevent_req *req);
	struct tevent_req *(*list_send)(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					struct iscsi_backend *be);
	int (*list_recv)(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			 struct iscsi_target **targets, size_t *n_targets);
	struct tevent_req *(*sessions_send)(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    struct iscsi_backend *be, const char *iqn);
	int (*sessions_recv)(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			     struct iscsi_session_info **sessions, size_t *n_sessions);
	/* Optional (NULL: -ENOSYS): make the live listeners match
	 * iscsi_backend_listeners() and the disabled settings, then report them. */
	struct tevent_req *(*portals_send)(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					   struct iscsi_backend *be);
	int (*portals_recv)(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			    struct iscsi_portal **live, size_t *n_live);
	/* Optional (NULL: -ENOTSUP): the sessions of every target, cheaply
	 * (target IQN, initiator IQN, TSIH; no connection), for polling. */
	struct tevent_req *(*nexus_send)(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					 struct iscsi_backend *be);
	int (*nexus_recv)(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			  struct iscsi_session_info **sessions, size_t *n_sessions);
	/* Optional (NULL: -ENOTSUP): hold (or resume) the daemon's I/O to its
	 * backing stores: when it returns 0 with HOLD, every write acknowledged
	 * to an initiator is in its file and no new one starts until resumed.
	 * Blocking, bounded, callable from a worker thread (snapshot sets). */
	int (*hold_io)(struct iscsi_backend *be, bool hold);
};

/* An administrator's listener setting (MS-ISTM 3.30.4.16 SetPortalConfig):
 * listen, or not, on ADDRESS:PORT, whatever [iscsi] portal says. */
struct iscsi_portal_setting {
	const char *address;
	uint16_t port;
	bool listen;
};

/* The common part of every backend; an implementation allocates its own
 * structure with this one as its first member (see iscsi_backend_init). */
struct iscsi_backend {
	const struct iscsi_backend_ops *ops;
	struct iscsi_backend_caps caps;
	struct tevent_context *ev;
	iscsi_backend_event_fn event_fn;
	void *event_priv;
	bool up;
	uint64_t generation;
	struct tevent_immediate *replay; /* delivers the current state to a new event_fn */
	/* The portals targets get when their description names none (the
	 * configured ones); set by the implementation. */
	const struct iscsi_portal *portals;
	size_t n_portals;
	/* SetPortalConfig's settings, on top of the configured portals. */
	struct iscsi_portal_setting *settings;
	size_t n_settings;
};

/* Reads [iscsi] (backend, tgt_control_port, portal, tgt_socket_dir,
 * request_timeout_ms, operation_timeout_ms) and creates the backend. Returns 0,
 * -EINVAL (*err says why), or -ENOSYS for a backend not implemented yet. The
 * backend starts watching its daemon at once; the first UP event comes as soon
 * as the daemon answers. */
int iscsi_backend_open(TALLOC_CTX *mem_ctx, struct tevent_context *ev, struct cfg *cfg,
		       struct iscsi_backend **out, char **err);

/* Receive UP/DOWN events. If the backend is up already, an UP event with the
 * current generation follows at once (from the event loop, not from here). */
void iscsi_backend_set_event_fn(struct iscsi_backend *be, iscsi_backend_event_fn fn,
				void *priv);
/* The current state, without waiting for an event. */
bool iscsi_backend_is_up(const struct iscsi_backend *be, uint64_t *generation);
const struct iscsi_backend_caps *iscsi_backend_caps(const struct iscsi_backend *be);
const char *iscsi_backend_name(const struct iscsi_backend *be);
/* ops->hold_io, or -ENOTSUP. */
int iscsi_backend_hold_io(struct iscsi_backend *be, bool hold);
/* The portals every target listens on unless it names its own ([iscsi]
 * portal). The array lives as long as the backend. */
const struct iscsi_portal *iscsi_backend_portals(const struct iscsi_backend *be, size_t *n);

/* Replaces the listener settings (copied). 0 or -ENOMEM. They take effect
 * at the next apply() or portals call. */
int iscsi_backend_set_portal_settings(struct iscsi_backend *be,
				      const struct iscsi_portal_setting *settings, size_t n);
/* Whether SETTING is a disabled listener. */
bool iscsi_backend_portal_disabled(const struct iscsi_backend *be, const char *address,
				   uint16_t port);
/* Where the backend must listen: the configured portals and the settings
 * that listen, minus the settings that do not. On MEM. 0 or -ENOMEM. */
int iscsi_backend_listeners(const struct iscsi_backend *be, TALLOC_CTX *mem,
			    struct iscsi_portal **out, size_t *n);
/* Makes the live listeners match (adds the missing listeners, removes the
 * disabled ones, leaves any other alone) and reports the live listeners.
 * -ENOSYS for a backend without the operation. */
struct tevent_req *iscsi_backend_portals_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					      struct iscsi_backend *be);
int iscsi_backend_portals_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			       struct iscsi_portal **live, size_t *n_live);
/* The same address, whatever its spelling ("::1" and "0:0::1"). */
bool iscsi_same_address(const char *a, const char *b);

/* Make the live target WANT->iqn match WANT exactly. Errors: -EINVAL (invalid
 * description, logged with the reason), -ERANGE (a LUN outside caps), -EEXIST
 * (a CHAP user name already used with another secret where users are global),
 * -ENOTCONN (daemon down), -ETIMEDOUT, -EIO and friends from the daemon. */
struct tevent_req *iscsi_backend_apply_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    struct iscsi_backend *be,
					    const struct iscsi_target *want);
int iscsi_backend_apply_recv(struct tevent_req *req);

/* Remove the target (closing its sessions). Removing an absent target is 0. */
struct tevent_req *iscsi_backend_remove_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					     struct iscsi_backend *be, const char *iqn);
int iscsi_backend_remove_recv(struct tevent_req *req);

/* Every live target. */
struct tevent_req *iscsi_backend_list_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					   struct iscsi_backend *be);
int iscsi_backend_list_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			    struct iscsi_target **targets, size_t *n_targets);

/* Sessions of one target (IQN) or of all (NULL). */
struct tevent_req *iscsi_backend_sessions_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					       struct iscsi_backend *be, const char *iqn);
int iscsi_backend_sessions_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
				struct iscsi_session_info **sessions, size_t *n_sessions);

/* Every session's target IQN, initiator IQN and TSIH, in one cheap request
 * (connections are left out). -ENOTSUP when the backend cannot. */
struct tevent_req *iscsi_backend_nexus_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    struct iscsi_backend *be);
int iscsi_backend_nexus_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			     struct iscsi_session_info **sessions, size_t *n_sessions);

/* Helpers shared by backends and the core. */

/* 0, or -EINVAL with *why (talloc'd on mem_ctx) naming the first problem:
 * iSCSI names, LUN numbers (unique, within caps), paths, CHAP accounts,
 * addresses. Backends call it before touching anything. */
int iscsi_target_validate(const struct iscsi_target *t, const struct iscsi_backend_caps *caps,
			  TALLOC_CTX *mem_ctx, char **why);
/* RFC 3720 3.2.6.3 name forms: "iqn.YYYY-MM.reversed.domain[:any]", "eui." + 16
 * hex digits, "naa." + 16 or 32 hex digits; lower case, at most 223 bytes. */
bool iscsi_name_valid(const char *name);
/* An IPv4/IPv6 literal with an optional "/prefix". */
bool iscsi_address_valid(const char *addr);
/* "ADDR[:PORT]" or "[V6ADDR][:PORT]" into OUT (address talloc'd on mem_ctx,
 * without brackets); DEFAULT_PORT when none is given. 0 or -EINVAL. */
int iscsi_portal_parse(TALLOC_CTX *mem_ctx, const char *text, uint16_t default_port,
		       struct iscsi_portal *out);
/* The NAA IEEE Registered Extended designator (SPC-4 7.8.6.6.5, 16 bytes,
 * big-endian) a LUN whose device_id is DEVICE_ID shows in VPD page 0x83:
 * the identifier's characters read as hexadecimal digits (any other
 * character counts as 0), the last 32 kept, the NAA field set to 6. tgt
 * derives it so; other backends must show the same. */
void iscsi_lun_naa_designator(const char *device_id, uint8_t out[16]);
/* Whether LIVE (from list()) already matches WANT, ignoring what a backend
 * cannot report (secrets, unknown sizes, parameters left at default). *why
 * names the first difference. For drift detection. */
bool iscsi_target_matches(const struct iscsi_target *want, const struct iscsi_target *live,
			  TALLOC_CTX *mem_ctx, char **why);
/* A deep copy on mem_ctx (secrets included). */
struct iscsi_target *iscsi_target_copy(TALLOC_CTX *mem_ctx, const struct iscsi_target *t);

/* For implementations. */

void iscsi_backend_init(struct iscsi_backend *be, const struct iscsi_backend_ops *ops,
			struct tevent_context *ev);
/* Records the daemon state and tells the event_fn. UP with a generation
 * different from the last one is a new daemon instance. */
void iscsi_backend_notify(struct iscsi_backend *be, enum iscsi_backend_event event,
			  uint64_t generation);

/* A target name for a live target istmd did not create (adoption, import):
 * IQN's part after its last ':' when that is a valid target name (starts
 * with a letter or digit; letters, digits, '-', '.'), else the whole IQN.
 * On MEM; NULL on allocation failure. */
char *iscsi_target_name_from_iqn(TALLOC_CTX *mem, const char *iqn);

#endif
