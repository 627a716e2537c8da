/* The DCOM runtime of the daemon: one object exporter (one OXID) and the
 * object resolver next to it (MS-DCOM 3.1.1, 3.1.2), on the RPC server's
 * two ports: activation (IRemoteSCMActivator, IActivation) and the OXID
 * resolver (IObjectExporter) on the endpoint-mapper port, the Remote Unknown
 * (IRemUnknown2) and every object interface on the object port.
 * See docs/dcom.md. */
#ifndef ISTMD_DCOM_EXPORTER_H
#define ISTMD_DCOM_EXPORTER_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>

#include "dcom/dcom.h"

struct cfg;
struct rpc_server;
struct GUID;
struct DUALSTRINGARRAY;

/* [dcom] (conf/istmd.conf). */
struct dcom_config {
	unsigned ping_period;          /* seconds (MS-DCOM 3.1.2.2: at most and by default 120) */
	unsigned ping_timeout_periods; /* an object unpinged this many periods is released (3) */
	unsigned max_objects;          /* live objects at once */
	unsigned max_objects_per_client; /* objects one client (account, association) holds */
	unsigned max_ping_sets;        /* ping sets at once */
	unsigned max_ping_sets_per_account; /* ping sets one admin account makes */
};

void dcom_config_defaults(struct dcom_config *config);
/* 0, or -EINVAL with *ERR (talloc'd on MEM_CTX). */
int dcom_config_load(struct cfg *cfg, TALLOC_CTX *mem_ctx, struct dcom_config *config, char **err);

/* Creates the exporter and, when RPC is not NULL, serves IRemoteSCMActivator,
 * IActivation and IObjectExporter on its endpoint-mapper port and the Remote
 * Unknown on its object port. MIN_AUTH_LEVEL is [rpc] min_auth_level (the
 * authentication hint is at least connect: every ISTM call needs an
 * authenticated caller). NULL on failure with *ERR set. */
struct dcom_exporter *dcom_exporter_new(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					struct rpc_server *rpc, const struct dcom_config *config,
					uint8_t min_auth_level, char **err);

/* Binds CLSID to OBJ (held by the registry): activating CLSID returns OBJ's
 * interfaces (MS-DCOM 3.1.2.5.2.3; MS-ISTM 1.9, 3.1.3). Returns 0, -EEXIST
 * or -ENOMEM. */
int dcom_exporter_register_clsid(struct dcom_exporter *ex, const struct GUID *clsid,
				 struct dcom_object *obj);
struct dcom_object *dcom_exporter_find_clsid(struct dcom_exporter *ex, const struct GUID *clsid);

uint64_t dcom_exporter_oxid(const struct dcom_exporter *ex);
/* The object exporting IPID here, or NULL (an OBJREF naming our own OXID:
 * MS-ISTM ImportWTDisk given one of istmd's IWTDisk pointers). */
struct dcom_object *dcom_exporter_find_ipid(struct dcom_exporter *ex, const struct GUID *ipid);
const struct GUID *dcom_exporter_remunknown_ipid(const struct dcom_exporter *ex);
/* The authentication hint of activation and OXID resolution replies. */
uint32_t dcom_exporter_authn_hint(const struct dcom_exporter *ex);
struct tevent_context *dcom_exporter_ev(const struct dcom_exporter *ex);

/* The object exporter's bindings ("ADDRESS[object port]", the address the
 * client DIALLED first) or the resolver's ("ADDRESS", or
 * "ADDRESS[endpoint-mapper port]" for a port other than 135), with NTLMSSP
 * and SPNEGO security bindings. 0 or -errno. */
enum dcom_bindings_of { DCOM_BINDINGS_EXPORTER, DCOM_BINDINGS_RESOLVER };
int dcom_exporter_bindings(struct dcom_exporter *ex, TALLOC_CTX *mem_ctx, const char *dialled,
			   enum dcom_bindings_of which, struct DUALSTRINGARRAY **out);

/* ---- introspection and test hooks ----------------------------------------------- */

size_t dcom_exporter_num_objects(const struct dcom_exporter *ex);
size_t dcom_exporter_num_ipids(const struct dcom_exporter *ex);
size_t dcom_exporter_num_pingsets(const struct dcom_exporter *ex);
/* How many sweeps gave memory back to the system (malloc_trim). */
size_t dcom_exporter_num_trims(const struct dcom_exporter *ex);
/* Replaces the monotonic clock (milliseconds). */
void dcom_exporter_set_clock(struct dcom_exporter *ex, uint64_t (*clock)(void *priv), void *priv);
/* Runs one garbage-collection sweep now (the timer runs it every ping_period). */
void dcom_exporter_collect(struct dcom_exporter *ex);

/* An in-process ORPC call (no RPC connection): runs OBJ's handler for OPNUM
 * of IFACE on R (its [in] side set and [out] side prepared by the caller, e.g.
 * with the interface's init_out) as USER with admin rights ADMIN and level
 * AUTH_LEVEL, checks included. DONE runs once with the HRESULT when the
 * handler completes (R is not freed). Interface pointers it marshals carry
 * the bindings of the first listen address. Returns 0, -ENOENT (no such
 * handler context) or -ENOMEM. */
int dcom_call_local(TALLOC_CTX *mem_ctx, struct dcom_object *obj, const struct idl_interface *iface,
		    uint32_t opnum, void *r, const char *user, bool admin, uint8_t auth_level,
		    void (*done)(void *r, uint32_t hresult, void *priv), void *priv);

#endif
