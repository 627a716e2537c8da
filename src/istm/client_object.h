/* Calling a client's DCOM object back from within a call (ImportWTDisk,
 * ImportSnapshot): the OBJREF's usable OXID resolver bindings
 * (resolver_binding.c) tried in turn with [notify]'s credentials and
 * timeout, ResolveOxid2, then the object unmarshalled; the caller makes its
 * calls and gives the OBJREF's reference back with the release. */
#ifndef ISTMD_ISTM_CLIENT_OBJECT_H
#define ISTMD_ISTM_CLIENT_OBJECT_H

#include <stdint.h>
#include <talloc.h>
#include <tevent.h>

#include "idl/ms_dcom.h"

struct istm_notify_config;
struct OBJREF;

struct istm_client_object {
	struct dcom_client *client;
	struct dcom_iface *iface; /* what the calls go to */
};

/* Reaches the object of the standard OBJREF O, whose wire form is MIP (both
 * copied). CALLER: the calling client's address (NULL: in-process), for
 * only_caller_address. WHAT names the method in logs. */
struct tevent_req *istm_client_object_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
					   const struct istm_notify_config *config,
					   const char *caller, const struct MInterfacePointer *mip,
					   const struct OBJREF *o, const char *what);
/* S_OK with *CO (on MEM_CTX), or the HRESULT to answer with *WHY:
 * E_INVALIDARG for an OBJREF with nothing to call or no such object,
 * otherwise istm_client_hr's. */
uint32_t istm_client_object_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
				 struct istm_client_object **co, char **why);

/* A failed call-back step: a timeout is ERROR_TIMEOUT, anything else the
 * object's server being unreachable (RPC_S_SERVER_UNAVAILABLE). */
uint32_t istm_client_hr(int rc);

/* RemRelease of the reference the OBJREF gave us (a failure only logged),
 * then CO's connection closed. */
struct tevent_req *istm_client_object_release_send(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
						   struct istm_client_object *co,
						   const char *what);
void istm_client_object_release_recv(struct tevent_req *req);

#endif
