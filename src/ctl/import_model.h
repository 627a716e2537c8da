/* The desired state istmctl carries into istmd: what `import tgt`,
 * `import lio` and `config import` read (each from its own format), what
 * `config export` writes, and what import_apply.h makes istmd match.
 * Everything talloc'd on the state. */
#ifndef ISTMD_CTL_IMPORT_MODEL_H
#define ISTMD_CTL_IMPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <talloc.h>

struct imp_lun {
	uint32_t lun;     /* the LUN number initiators see */
	const char *path; /* the backing file as the source names it */
};

struct imp_initiator {
	uint32_t method; /* enum ctl_id_method */
	const char *value;
};

/* A CHAP account; user NULL: none. secret NULL: not known (tgtd does not
 * reveal it, or an export without --with-secrets). */
struct imp_chap {
	const char *user;
	const char *secret;
};

/* Negotiation parameters; 0 (and has_idle false): leave istmd's value. */
struct imp_params {
	uint32_t max_recv_data_segment_length;
	uint32_t first_burst_length;
	uint32_t max_burst_length;
	uint32_t num_recv_buffers;
	bool has_idle;
	bool enforce_idle_timeout;
};

struct imp_target {
	const char *name;
	const char *iqn;
	const char *description; /* NULL: leave as it is ("" on a new target) */
	bool enabled;
	struct imp_lun *luns;
	size_t n_luns;
	struct imp_initiator *initiators;
	size_t n_initiators;
	struct imp_chap chap, mutual;
	struct imp_params params;
};

struct imp_disk {
	const char *path;
	const char *description; /* NULL: "" */
};

struct imp_state {
	const char *source;     /* "targets.conf", "saveconfig.json"...: for messages */
	struct imp_disk *disks; /* registered even when no target maps them */
	size_t n_disks;
	struct imp_target *targets;
	size_t n_targets;
	/* What cannot be carried over, and what changes on the way. */
	char **problems;
	size_t n_problems;
	char **notes;
	size_t n_notes;
};

struct imp_state *imp_state_new(TALLOC_CTX *mem, const char *source);
/* Adds a target called by IQN's name (imp_target_name) and returns it; NULL
 * on allocation failure. Enabled, no LUN, no initiator, no CHAP. */
struct imp_target *imp_target_add(struct imp_state *s, const char *iqn);
struct imp_target *imp_target_find(struct imp_state *s, const char *iqn);
int imp_lun_add(struct imp_target *t, uint32_t lun, const char *path);
/* Adds an initiator once (equal values are merged). */
int imp_initiator_add(struct imp_target *t, uint32_t method, const char *value);
int imp_disk_add(struct imp_state *s, const char *path, const char *description);
void imp_problem(struct imp_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void imp_note(struct imp_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The name istmd gives a target it imports by IQN: the part after the last
 * ':' when that is a valid target name ([A-Za-z0-9.-], starting with a letter
 * or a digit), else the whole IQN: iscsi_target_name_from_iqn(), as istmd's
 * --adopt names them. */
char *imp_target_name(TALLOC_CTX *mem, const char *iqn);
/* The smallest LUN number at least MIN not used by T. */
uint32_t imp_free_lun(const struct imp_target *t, uint32_t min);

/* The `config export` document (docs/istmctl.md "config"): {"format":
 * "istmd-config", "version": 1, "disks": [...], "targets": [...]}, secrets
 * only where the state has them. */
json_t *imp_state_to_json(const struct imp_state *s);
/* Reads that document into a new state; NULL with *err (talloc'd on MEM). */
struct imp_state *imp_state_from_json(TALLOC_CTX *mem, json_t *doc, char **err);

#endif
