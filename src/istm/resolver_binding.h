/* The OXID resolver bindings of a client's OBJREF (MS-DCOM 2.2.19.3) that
 * istmd calls back: the notifier (notify_sink.c) and ImportWTDisk
 * (through client_object.c: ImportWTDisk and ImportSnapshot) share the rule. */
#ifndef ISTMD_ISTM_RESOLVER_BINDING_H
#define ISTMD_ISTM_RESOLVER_BINDING_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>

#define ISTM_RESOLVER_HOST_LEN (INET6_ADDRSTRLEN + 1)

/* ADDRESS is "HOST" or "HOST[PORT]" (port 135 by default). Only numeric
 * hosts are taken: a name would need a blocking lookup, and Windows lists
 * its addresses anyway. With ONLY_CALLER, only CALLER's address (CALLER
 * NULL: in-process, any). True, with HOST and PORT set, when usable. */
bool istm_resolver_binding(const char *address, const char *caller, bool only_caller,
			   char host[ISTM_RESOLVER_HOST_LEN], uint16_t *port);

/* Whether two numeric addresses are the same (IPv4 and IPv4-mapped IPv6
 * alike). */
bool istm_same_ip(const char *a, const char *b);

#endif
