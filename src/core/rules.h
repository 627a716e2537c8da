/* The model's rules: what a valid name, IQN, CHAP account, parameter,
 * initiator ID or portal is, and what a complete target must satisfy before
 * it is committed (docs/core.md, "Model rules"). Pure functions of their
 * arguments and the model; no I/O. *why, where given, is talloc'd on MEM. */
#ifndef ISTMD_CORE_RULES_H
#define ISTMD_CORE_RULES_H

#include "core/core_internal.h"

#define RULES_MAX_IDS 1024    /* initiator IDs per target */
#define RULES_MAX_PORTALS 64  /* portals per target */

/* Target names: 1..CORE_TARGET_NAME_MAX of [A-Za-z0-9.:-], starting with a
 * letter or digit. -EINVAL. */
int rules_target_name(const char *name, TALLOC_CTX *mem, char **why);
/* An iSCSI name (RFC 3720 3.2.6). -EINVAL. */
int rules_iqn(const char *iqn, TALLOC_CTX *mem, char **why);
/* UTF-8 text of at most MAX bytes; EMPTY_OK. -EINVAL. */
int rules_text(const char *s, size_t max, bool empty_ok);
int rules_chap_user(const char *user);
int rules_chap_secret(const char *secret);
int rules_param(enum core_param p, uint32_t value);

/* Checks an initiator ID and writes its canonical form to *canon (talloc'd
 * on MEM): IP addresses as inet_ntop writes them, DNS names in lower case.
 * -EINVAL (syntax), -EOPNOTSUPP (MAC, NetBIOS). */
int rules_id(enum core_id_method m, const char *value, TALLOC_CTX *mem, char **canon,
	     char **why);
/* Whether two IDs (canonical) are the same initiator entry. */
bool rules_id_equal(const struct core_initiator_id *a, const struct core_initiator_id *b);

/* "ADDR[:PORT]" -> canonical portal. -EINVAL. */
int rules_portal(const char *text, TALLOC_CTX *mem, struct core_portal *out);

/* The IQN derived from a target name. NULL on allocation failure. */
char *rules_default_iqn(TALLOC_CTX *mem, const struct core *c, const char *name);

/* Everything a target must satisfy to be committed, given the model (the
 * target itself, if it is there, is skipped in uniqueness checks). Errors
 * as core_target_save_send(). */
int rules_target(const struct core *c, const struct core_target *t, TALLOC_CTX *mem, char **why);

/* Whether disk D can be a LUN: 0, -EMEDIUMTYPE (not a fixed VHD), -EBUSY
 * (an operation on it is pending). */
int rules_disk_servable(const struct core *c, const struct core_disk *d, TALLOC_CTX *mem,
			char **why);

#endif
