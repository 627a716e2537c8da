/* Parsers for tgtd's "show" replies (the text tgtadm prints). They accept
 * unknown lines and odd spacing, and never trust the text to be well formed:
 * anything they cannot read is skipped, and a reply that is not what it should
 * be at all gives -EPROTO. Everything is talloc'd on the given context. */
#ifndef ISTMD_BACKEND_TGT_PARSE_H
#define ISTMD_BACKEND_TGT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

#include "backend/iscsi_backend.h"

/* One I_T nexus (an iSCSI session) as "show target" lists it. */
struct tgt_nexus {
	uint64_t id; /* the TSIH for iSCSI */
	const char *initiator;
	const char *alias; /* NULL when "none" */
	uint32_t cid;
	const char *address;
};

/* One target of "--mode target --op show" without a tid. */
struct tgt_live_target {
	int32_t tid;
	const char *iqn;
	const char *driver;
	bool ready; /* State: ready (else offline) */
	/* LUN 0 (tgt's controller) is left out. size is 0: tgt prints megabytes. */
	struct iscsi_lun *luns;
	size_t n_luns;
	const char **acl; /* addresses and initiator names, as tgt keeps them */
	size_t n_acl;
	const char **in_users;
	size_t n_in_users;
	const char *out_user; /* NULL if none */
	struct tgt_nexus *nexus;
	size_t n_nexus;
};

/* One connection of "--mode conn --op show --tid N". */
struct tgt_conn {
	uint16_t tsih;
	uint32_t cid;
	const char *initiator;
	const char *address;
};

int tgt_parse_targets(TALLOC_CTX *mem_ctx, const char *text, struct tgt_live_target **targets,
		      size_t *n_targets);
/* "--mode target --op show --tid N" (also a session's parameters): name=value
 * lines into OUT; keys it does not know are ignored. */
int tgt_parse_params(const char *text, struct iscsi_negotiation *out);
/* tgt's numeric target parameters: their names in "show" and "update", and
 * where they live in struct iscsi_negotiation. */
struct tgt_number_param {
	const char *key;
	size_t offset;
};
extern const struct tgt_number_param tgt_number_params[];
extern const size_t tgt_n_number_params;

int tgt_parse_conns(TALLOC_CTX *mem_ctx, const char *text, struct tgt_conn **conns,
		    size_t *n_conns);
/* "--mode portal --op show": "Portal: ADDR:PORT,TPGT" lines. */
int tgt_parse_portals(TALLOC_CTX *mem_ctx, const char *text, struct iscsi_portal **portals,
		      size_t *n_portals);
/* "--mode account --op show": the user names. */
int tgt_parse_accounts(TALLOC_CTX *mem_ctx, const char *text, const char ***users,
		       size_t *n_users);

/* Whether a tgt ACL string is an address rule (ALL, IPv4/IPv6 with an optional
 * prefix, IPv6 possibly in brackets) rather than an initiator name: tgt keeps
 * both in one list and prints them together. */
bool tgt_acl_is_address(const char *acl);

#endif
