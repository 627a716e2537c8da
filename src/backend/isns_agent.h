/* The iSNS agent (RFC 4171, MS-ISTM 3.40; docs/isns.md): registers this
 * host's network entity, its portals and the enabled targets with every
 * configured iSNS server, keeps the registrations fresh, and caches the
 * initiators the servers report.
 *
 * All iSNS I/O (libisns, blocking) runs on one thread of the agent's own;
 * the event loop only hands it a complete picture of what to register
 * (isns_agent_set_view: a deep copy, swapped in under a mutex) and reads the
 * last cache of initiators (a copy made under the same mutex). Neither call
 * ever waits for the network. */
#ifndef ISTMD_BACKEND_ISNS_AGENT_H
#define ISTMD_BACKEND_ISNS_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

#include "backend/iscsi_backend.h"

struct cfg;
struct isns_agent;

#define ISNS_DEFAULT_PORT 3205

struct isns_agent_options {
	/* Entity identifier (EID) istmd registers; default "istmd:" + host name. */
	const char *entity;
	/* Seconds between re-registrations; 0: half the registration period the
	 * server grants (at most 300 s). */
	unsigned refresh_s;
	/* Seconds between queries for initiators (EnumCachedInitiators); 0:
	 * the refresh interval. */
	unsigned query_s;
	/* Milliseconds one iSNS exchange may take before the server counts as
	 * down for this round. */
	unsigned timeout_ms;
	/* Registration period istmd asks for (RFC 4171 6.2.6), seconds. */
	unsigned period_s;
};

/* Reads [isns] (entity, refresh, query_interval, timeout_ms, period). 0 or
 * -EINVAL with *err. */
int isns_agent_options_from_config(TALLOC_CTX *mem, struct cfg *cfg, struct isns_agent_options *o,
				   char **err);

struct isns_view_target {
	const char *iqn;
	const char *alias;  /* the target's name */
	/* Initiator IQNs allowed to log in (IQN IDs). None, or ANY_INITIATOR:
	 * no discovery domain of its own (the server's default domain). */
	const char **initiators;
	size_t n_initiators;
	bool any_initiator;
	/* Where it is reachable (resolved: no wildcard addresses). */
	struct iscsi_portal *portals;
	size_t n_portals;
};

/* What to register, with every server in SERVERS ("HOST" or "HOST:PORT"). */
struct isns_view {
	const char **servers;
	size_t n_servers;
	struct isns_view_target *targets; /* enabled targets only */
	size_t n_targets;
};

struct isns_cached_initiator {
	const char *iqn;
	int64_t seen; /* FILETIME of the last registration the server reported; 0 unknown */
};

/* Starts the agent's thread. NULL on failure (errno). */
struct isns_agent *isns_agent_start(TALLOC_CTX *mem, const struct isns_agent_options *o);
/* Replaces what the agent registers (copied). 0 or -ENOMEM. Servers that
 * are no longer listed are deregistered from. */
int isns_agent_set_view(struct isns_agent *a, const struct isns_view *v);
/* The initiators the servers reported at the last query (merged, each IQN
 * once). 0 or -ENOMEM. */
int isns_agent_initiators(struct isns_agent *a, TALLOC_CTX *mem,
			  struct isns_cached_initiator **out, size_t *n);
/* Number of successful registrations so far (tests, logs). */
uint64_t isns_agent_registrations(struct isns_agent *a);
/* Deregisters from every server (each bounded by timeout_ms) and stops the
 * thread. Blocks the caller: for shutdown only. Also done by talloc_free. */
void isns_agent_stop(struct isns_agent *a);

#endif
