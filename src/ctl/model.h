/* What istmctl knows of a target or a virtual disk after reading it from
 * istmd (ctl/remote.h), and how it shows it: human text or JSON with the
 * stable field names of docs/istmctl.md "JSON output". Everything talloc'd. */
#ifndef ISTMD_CTL_MODEL_H
#define ISTMD_CTL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct ctl_initiator {
	uint32_t method; /* MS-ISTM IDMethod (ctl/parse.h enum ctl_id_method) */
	const char *value;
};

struct ctl_lun {
	uint32_t lun;
	uint32_t wtd;
};

struct ctl_portal {
	const char *address;
	uint32_t port;
};

/* MS-ISTM 3.1.1.7 (secrets are never read). */
struct ctl_target {
	const char *name;
	const char *iqn;
	const char *guid;
	const char *description;
	bool enabled;
	bool connected;     /* HostStatus */
	int64_t last_login; /* FILETIME, 0: never */
	bool chap;
	const char *chap_user;
	bool mutual_chap;
	const char *mutual_chap_user;
	uint32_t max_recv_data_segment_length;
	uint32_t first_burst_length;
	uint32_t max_burst_length;
	uint32_t num_recv_buffers;
	bool enforce_idle_timeout_detection;
	struct ctl_initiator *initiators;
	size_t n_initiators;
	struct ctl_lun *luns;
	size_t n_luns;
	bool has_portals; /* false: the server does not enumerate them */
	struct ctl_portal *portals;
	size_t n_portals;
};

/* MS-ISTM 3.1.1.4 */
struct ctl_disk {
	uint32_t wtd;
	const char *guid;
	const char *serial_number;
	const char *path;        /* DevicePath, as the server reports it */
	const char *description;
	uint64_t size;           /* virtual size in bytes */
	uint32_t status;         /* DeviceStatus: 0 idle, 1 in use, 2 reverting */
	bool assigned;           /* mapped to at least one target */
	bool has_enabled;        /* IWTDisk2 answered */
	bool enabled;
	uint32_t vhd_type;       /* IWTDisk3 VhdType; 0 unknown */
	const char *parent_path; /* differencing VHDs; NULL otherwise */
};

json_t *ctl_target_json(const struct ctl_target *t);
json_t *ctl_disk_json(const struct ctl_disk *d);
/* {"targets": [...]} and {"disks": [...]}. */
json_t *ctl_targets_json(const struct ctl_target *t, size_t n);
json_t *ctl_disks_json(const struct ctl_disk *d, size_t n);

/* Writes JSON (2-space indent, keys in insertion order) and a newline, then
 * drops the reference. 0, or -1 when JSON is NULL or writing failed. */
int ctl_json_emit(FILE *out, json_t *json);
/* Whether a JSON document went to standard output: a command that printed
 * its result (import's report, say) and then failed gets no second,
 * error, document (--json output is always exactly one document). */
bool ctl_json_emitted(void);

/* Human output: one target or disk in "Key: value" lines, many as a table. */
void ctl_target_print(FILE *out, const struct ctl_target *t);
void ctl_disk_print(FILE *out, const struct ctl_disk *d);
void ctl_targets_print(FILE *out, const struct ctl_target *t, size_t n);
void ctl_disks_print(FILE *out, const struct ctl_disk *d, size_t n);

/* "idle", "in-use", "reverting"; "fixed", "dynamic", "differencing", "unknown". */
const char *ctl_disk_status_name(uint32_t status);
const char *ctl_vhd_type_name(uint32_t vhd_type);

#endif
