/* The core model: iSCSI targets and virtual disks as MS-ISTM describes them
 * (3.1.1.7 target management, 3.1.1.4 LUN management), independent of DCOM
 * and of the backend. These are plain values: every structure the core hands
 * out is a deep copy talloc'd on the caller's context. docs/core.md explains
 * each field, its limits, and how it reaches the backend. */
#ifndef ISTMD_CORE_MODEL_H
#define ISTMD_CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

/* GUIDs are lower-case text, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
#define CORE_GUID_LEN 36

/* Limits (docs/core.md "Limits"). */
#define CORE_TARGET_NAME_MAX 223   /* an iSCSI name's limit (RFC 3720 3.2.6.1) */
#define CORE_TEXT_MAX 4096         /* descriptions, bytes of UTF-8 */
#define CORE_ID_VALUE_MAX 511      /* ID.szValue is WCHAR[512] (MS-ISTM 2.2.4.7) */
#define CORE_RESOURCE_NAME_MAX 511 /* MAX_RESOURCE_GROUP_NAME (MS-ISTM 2.2.2.2) */
#define CORE_CHAP_USER_MAX 255
/* RFC 3720 8.2.1: a CHAP secret of at least 96 bits; the backend's limit above.
 * (Windows' own policy, note <42>, is 12 to 16 characters: Microsoft's
 * initiator cannot use longer secrets, Linux initiators can.) */
#define CORE_CHAP_SECRET_MIN 12
#define CORE_CHAP_SECRET_MAX 255
/* LUN mappings per target: Windows allows 128 (notes <35>, <36>); we allow
 * this many, or fewer if the backend says so. Each LUN costs a loop device. */
#define CORE_MAX_LUNS_PER_TARGET 1024

/* Negotiation parameters: Windows' defaults and ranges, MS-ISTM notes <22>-<30>. */
#define CORE_DEFAULT_MAX_RECV_DATA_SEGMENT_LENGTH 65536u
#define CORE_DEFAULT_FIRST_BURST_LENGTH 65536u
#define CORE_DEFAULT_MAX_BURST_LENGTH 262144u
#define CORE_DEFAULT_NUM_RECV_BUFFERS 10u
#define CORE_DEFAULT_ENFORCE_IDLE_TIMEOUT true
#define CORE_LENGTH_MIN 512u
#define CORE_LENGTH_MAX 16777215u /* 2^24 - 1, RFC 3720 12.12 */
#define CORE_RECV_BUFFERS_MIN 1u
#define CORE_RECV_BUFFERS_MAX 128u
/* EnforceIdleTimeoutDetection = true becomes NOP-In pings every
 * CORE_IDLE_NOP_INTERVAL seconds, the connection dropped after
 * CORE_IDLE_NOP_COUNT unanswered ones. */
#define CORE_IDLE_NOP_INTERVAL 10u
#define CORE_IDLE_NOP_COUNT 3u

/* MS-ISTM 2.2.3.5 IDMethod values. */
enum core_id_method {
	CORE_ID_NETBIOS = 0,
	CORE_ID_DNS = 1,
	CORE_ID_IP = 2,
	CORE_ID_MAC = 3,
	CORE_ID_IQN = 4,
	CORE_ID_IPV6 = 5,
};

/* An initiator allowed to log in (MS-ISTM 3.1.1.7 IDMethodList). IQN "*"
 * allows every initiator. */
struct core_initiator_id {
	enum core_id_method method;
	const char *value;
};

/* MS-ISTM 2.2.4.10: LUN number as initiators see it -> virtual disk index. */
struct core_lun_mapping {
	uint32_t lun;
	uint32_t wtd;
};

/* An IP literal (no brackets) and a TCP port. */
struct core_portal {
	const char *address;
	uint16_t port;
};

/* MS-ISTM 3.1.1.7. Strings are never NULL except iqn in a draft of a new
 * target that never had one set (the IQN is then derived from the name when
 * it is saved: core_target_default_iqn()). Empty string = not set. */
struct core_target {
	char guid[CORE_GUID_LEN + 1];
	const char *name;
	const char *iqn;
	const char *description;
	bool enabled;

	bool chap_enabled;
	const char *chap_user;
	const char *chap_secret;
	bool reverse_chap_enabled;
	const char *reverse_chap_user;
	const char *reverse_chap_secret;

	uint32_t max_recv_data_segment_length;
	uint32_t first_burst_length;
	uint32_t max_burst_length;
	uint32_t num_recv_buffers;
	bool enforce_idle_timeout;

	/* FILETIME (100 ns since 1601) of the last login the core observed; 0: none. */
	int64_t last_login;
	const char *resource_name;
	const char *resource_group;

	struct core_initiator_id *ids;
	size_t n_ids;
	struct core_lun_mapping *luns; /* sorted by LUN */
	size_t n_luns;
	struct core_portal *portals; /* empty: the backend's configured portals */
	size_t n_portals;
};

/* MS-ISTM 2.2.3.10 WTDType. Only file-based disks exist here. */
enum core_wtd_type {
	CORE_WTD_VOLUME = 0,
	CORE_WTD_FILE = 1,
	CORE_WTD_RAM = 2,
};

/* MS-ISTM 2.2.3.9 VhdType (note: not the footer's disk type numbering). */
enum core_vhd_type {
	CORE_VHD_INVALID = 0,
	CORE_VHD_FIXED = 1,
	CORE_VHD_DIFFERENCING = 2,
	CORE_VHD_DYNAMIC = 3,
};

/* MS-ISTM 3.1.1.4 Flags. */
#define CORE_WTD_FLAG_ENABLE_LUN_MAPPING 1u
#define CORE_WTD_FLAG_SHADOW_LUN 2u

/* MS-ISTM 2.2.3.3 DeviceStatus. */
enum core_device_status {
	CORE_DEVICE_IDLE = 0,
	CORE_DEVICE_IN_USE = 1,
	CORE_DEVICE_REVERTING = 2,
};

/* MS-ISTM 3.1.1.4, a virtual disk. */
struct core_disk {
	uint32_t wtd; /* WTDIndex: never reused */
	char guid[CORE_GUID_LEN + 1];
	const char *serial;    /* SerialNumber; also the LUN's VPD 0x80 unit serial */
	const char *device_id; /* the LUN's VPD 0x83 identifier */
	const char *path;      /* canonical POSIX path of the VHD file */
	/* DevicePath as Windows consoles see it ("D:\dir\a.vhd"); NULL when the
	 * file's name cannot be written in Windows or its storage root is no
	 * longer configured: report path then. */
	const char *windows_path;
	const char *description;
	enum core_wtd_type type;
	uint32_t flags;
	bool enabled;
	uint64_t size; /* virtual size in bytes: what initiators see */
	enum core_vhd_type vhd_type;
	/* Differencing disks: the parent as the VHD names it (W2ku locator,
	 * a Windows path); "" otherwise. */
	const char *parent_path;
	bool cache_parent;
	const char *resource_name;
	const char *resource_group;
	/* The file's identity (st_dev, st_ino) recorded when the disk was
	 * created: a loop device is only ever attached to that file, opened
	 * beneath the storage root without symlinks (docs/paths.md). 0/0: not
	 * recorded yet (a database from before), filled in at the next pass. */
	uint64_t file_dev, file_ino;
	/* Derived, not stored: served by the backend now (a loop device is
	 * attached and a target carries the LUN). */
	enum core_device_status status;
};

/* Deep copies (NULL on allocation failure). */
struct core_target *core_target_dup(TALLOC_CTX *mem, const struct core_target *t);
struct core_disk *core_disk_dup(TALLOC_CTX *mem, const struct core_disk *d);

/* MS-ISTM's names for logs and istmctl ("IQN", "IPAddress", ...). */
const char *core_id_method_name(enum core_id_method m);
const char *core_vhd_type_name(enum core_vhd_type t);

#endif
