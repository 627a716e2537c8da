/* The client side of the DCOM runtime (MS-DCOM 3.2) on the DCE/RPC client
 * (rpc/client.h): activation (IRemoteSCMActivator::RemoteCreateInstance),
 * OXID resolution, ORPC calls on the interfaces obtained, QueryInterface,
 * release and pinging. One dcom_client talks to one server: a connection to
 * its resolver (the endpoint-mapper port) and, opened on first use, one to
 * its object exporter (the binding of the OXID that names the address we
 * dialled, with its [port]), both authenticated with the same credentials.
 *
 * Asynchronous (tevent_req) and synchronous forms; sync ones run the
 * client's event loop until done. */
#ifndef ISTMD_DCOM_CLIENT_H
#define ISTMD_DCOM_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>
#include <ndr.h>

#include "rpc/client.h"

struct GUID;
struct MInterfacePointer;
struct ndr_interface_table;
struct dcom_client;

/* An interface pointer the client holds (the IPID entry of MS-DCOM 3.2.1):
 * talloc'd; freeing it does not release it on the server (dcom_client_release). */
struct dcom_iface {
	struct dcom_client *client;
	struct GUID iid;
	struct GUID ipid;
	uint64_t oxid;
	uint64_t oid;
	uint32_t public_refs; /* references the client owns */
	bool pinged;          /* not SORF_NOPING */
	struct dcom_iface *prev, *next; /* private: the client's list of held interfaces */
};

struct dcom_client_options {
	const char *host;
	uint16_t port;           /* the resolver's (endpoint-mapper) port; 0: 135 */
	struct rpc_client_auth auth;
	unsigned timeout_ms;     /* per operation; 0: 30 s */
};

struct tevent_req *dcom_client_connect_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    const struct dcom_client_options *options);
/* 0, or a negative errno (rpc_client_connect_recv's). */
int dcom_client_connect_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			     struct dcom_client **client);

/* Activates CLSID asking for NUM interfaces IIDS (RemoteCreateInstance).
 * *HRESULT is the activation's result; RESULTS[i] and IFACES[i] (talloc'd on
 * MEM_CTX, NULL where RESULTS[i] fails) the per-interface ones. */
struct tevent_req *dcom_client_activate_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					     struct dcom_client *client, const struct GUID *clsid,
					     uint32_t num, const struct GUID *iids);
/* 0 (then see *HRESULT), -EREMOTEIO (*FAULT set), or a negative errno. */
int dcom_client_activate_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx, uint32_t *hresult,
			      uint32_t *results, struct dcom_iface **ifaces, uint32_t *fault);

/* An ORPC call (MS-DCOM 3.2.4.2) of OPNUM of TABLE on IFACE: R is the
 * generated structure; its implicit ORPCTHIS is filled here. On 0, R's
 * [out] side (out.result included) is filled, allocated on R_MEM. */
struct tevent_req *dcom_client_call_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					 struct dcom_iface *iface,
					 const struct ndr_interface_table *table, uint32_t opnum,
					 TALLOC_CTX *r_mem, void *r);
/* 0, -EREMOTEIO (*FAULT set) or a negative errno. */
int dcom_client_call_recv(struct tevent_req *req, uint32_t *fault);

/* Makes an interface pointer of an OBJREF_STANDARD received in an [out]
 * parameter (its OXID must be this client's server's). 0, -EINVAL (not a
 * standard OBJREF), -ENOENT (unknown OXID: dcom_client_resolve_oxid first). */
int dcom_client_unmarshal(TALLOC_CTX *mem_ctx, struct dcom_client *client,
			  const struct MInterfacePointer *mip, struct dcom_iface **iface);

/* RemQueryInterface for IID on IFACE's object, asking REFS references. */
struct tevent_req *dcom_client_query_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					  struct dcom_iface *iface, const struct GUID *iid,
					  uint32_t refs);
int dcom_client_query_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx, uint32_t *hresult,
			   struct dcom_iface **out, uint32_t *fault);

/* RemRelease of all of IFACE's references (MS-DCOM 3.2.4.4.2). */
struct tevent_req *dcom_client_release_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					    struct dcom_iface *iface);
int dcom_client_release_recv(struct tevent_req *req, uint32_t *hresult, uint32_t *fault);

/* One ping of the OIDs of the interfaces this client holds and has not
 * released (MS-DCOM 3.2.6.1): ComplexPing to create or change the set,
 * SimplePing otherwise. *STATUS is the resolver's error_status_t. */
struct tevent_req *dcom_client_ping_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					 struct dcom_client *client);
int dcom_client_ping_recv(struct tevent_req *req, uint32_t *status, uint32_t *fault);

/* ResolveOxid2 (MS-DCOM 3.2.4.1.2.2) of OXID into the client's tables. */
struct tevent_req *dcom_client_resolve_oxid_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
						 struct dcom_client *client, uint64_t oxid);
int dcom_client_resolve_oxid_recv(struct tevent_req *req, uint32_t *status, uint32_t *fault);

/* Synchronous forms. */
int dcom_client_connect(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
			const struct dcom_client_options *options, struct dcom_client **client);
int dcom_client_activate(TALLOC_CTX *mem_ctx, struct dcom_client *client,
			 const struct GUID *clsid, uint32_t num, const struct GUID *iids,
			 uint32_t *hresult, uint32_t *results, struct dcom_iface **ifaces,
			 uint32_t *fault);
int dcom_client_call(struct dcom_iface *iface, TALLOC_CTX *mem_ctx,
		     const struct ndr_interface_table *table, uint32_t opnum, void *r,
		     uint32_t *fault);
int dcom_client_release(struct dcom_iface *iface, uint32_t *hresult, uint32_t *fault);

/* What activation or OXID resolution told about the server's exporter. */
uint64_t dcom_client_oxid(const struct dcom_client *client);
uint32_t dcom_client_authn_hint(const struct dcom_client *client);
const struct GUID *dcom_client_remunknown_ipid(const struct dcom_client *client);
/* "ADDRESS[PORT]" of the object exporter binding chosen, or NULL before. */
const char *dcom_client_exporter_binding(const struct dcom_client *client);
struct tevent_context *dcom_client_ev(const struct dcom_client *client);

#endif
