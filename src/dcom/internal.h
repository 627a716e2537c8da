/* The DCOM runtime's private structures, shared by the files of src/dcom and
 * its unit tests; object implementations use dcom.h only.
 *
 * Tables (MS-DCOM 3.1.1.1, 3.1.2.1): IPIDs (by GUID), exported objects (by
 * OID), ping sets (by SETID), the class registry (CLSID -> object). An
 * object is exported while it has IPIDs; it lives while it is exported or
 * held, or forever if its class is a singleton. */
#ifndef ISTMD_DCOM_INTERNAL_H
#define ISTMD_DCOM_INTERNAL_H

#include "istmd/dlist.h"
#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>
#include <ndr.h>

#include "dcom/dcom.h"
#include "dcom/exporter.h"
#include "dcom/idmap.h"
#include "dcom/object_exporter.h"
#include "idl/ndr_ms_dcom.h"

struct rpc_server;
struct rpc_call;
struct rpc_assoc;

/* Public references an OBJREF carries (MS-DCOM 3.1.1.5.1: "SHOULD be 5"). */
#define DCOM_MARSHAL_REFS 5


/* Private references of one client identity (MS-DCOM 1.3.6, 3.1.1.5.6.1.2). */
struct dcom_private_ref {
	struct dcom_private_ref *next;
	char *user;
	uint32_t count;
};

struct dcom_ipid {
	struct dcom_ipid *prev, *next; /* obj->ipids */
	struct GUID ipid;
	const struct idl_interface *iface; /* the IID it was created for */
	const struct dcom_chain *chain;    /* NULL for IUnknown */
	struct dcom_object *obj;
	uint32_t public_refs;              /* every client's, and nobody's (3.1.1.5.6) */
	uint32_t owned_refs;               /* the part CLIENT_REFS account for */
	struct dcom_peer_ref *peer_refs;
	struct dcom_private_ref *private_refs;
	bool permanent; /* the Remote Unknown's: never released */
};

/* A client: one account on one association group, or one account of
 * in-process calls (ASSOC NULL). peers.c. */
struct dcom_peer {
	struct dcom_peer *prev, *next; /* ex->peers */
	struct dcom_exporter *ex;
	struct rpc_assoc *assoc;
	char *user;
	struct dcom_peer_anchor *anchor; /* on the association's memory */
	struct dcom_peer_ref *refs;      /* what it holds */
	size_t num_objects;                /* objects it holds references on */
};

/* The public references client CLIENT holds on IPID. */
struct dcom_peer_ref {
	struct dcom_peer_ref *ipid_prev, *ipid_next;     /* ipid->peer_refs */
	struct dcom_peer_ref *client_prev, *client_next; /* client->refs */
	struct dcom_ipid *ipid;
	struct dcom_peer *client;
	uint32_t count;
};

struct dcom_hold {
	struct dcom_hold *prev, *next; /* obj->holds */
	struct dcom_object *obj;       /* NULL once the object went first */
};

struct dcom_object {
	struct dcom_object *prev, *next; /* ex->objects */
	struct dcom_exporter *ex;
	const struct dcom_class *cls;
	void *impl;
	uint64_t oid;              /* 0 while not exported */
	struct dcom_ipid *ipids;
	struct dcom_hold *holds;
	uint64_t last_activity_ms; /* marshalled, called or pinged (MS-DCOM 3.1.1.6.2) */
	bool released;             /* the release hook ran */
};

struct dcom_clsid_entry {
	struct dcom_clsid_entry *next;
	struct GUID clsid;
	struct dcom_hold *hold;
};

struct dcom_pingset {
	uint64_t setid;
	char *owner; /* the account that made it */
	uint16_t seq;
	uint64_t last_ping_ms;
	struct idmap *oids; /* OID -> (void *)1 */
};

struct dcom_registered_iface {
	struct dcom_registered_iface *next;
	const struct idl_interface *iface;
};

struct dcom_exporter {
	struct tevent_context *ev;
	struct rpc_server *rpc; /* NULL in unit tests without a server */
	struct dcom_config config;
	uint8_t min_auth_level;
	uint64_t oxid;
	struct dcom_object *objects; /* every live object */
	size_t num_objects;
	struct idmap *ipids; /* GUID -> struct dcom_ipid */
	struct idmap *oids;  /* OID -> struct dcom_object */
	struct idmap *sets;  /* SETID -> struct dcom_pingset */
	struct dcom_peer *peers;
	size_t num_trims; /* memory returned to the system after a large sweep */
	struct dcom_clsid_entry *clsids;
	struct dcom_registered_iface *registered;
	struct dcom_object *remunknown;
	struct GUID ipid_remunknown;
	struct tevent_timer *gc_timer;
	uint64_t (*clock)(void *priv);
	void *clock_priv;
	bool shutting_down;
};

/* exporter.c */
uint64_t dcom_now_ms(struct dcom_exporter *ex);
/* A random non-zero 64-bit identifier (OXID, OID, SETID) not used as a key of MAP. */
uint64_t dcom_new_id64(const struct idmap *map);
void dcom_new_guid(struct GUID *guid);
/* The interface of OBJ whose IID is IID (IUnknown included), or NULL. */
const struct idl_interface *dcom_object_find_iid(const struct dcom_object *obj,
						 const struct GUID *iid);
/* Exports OBJ's IFACE: its OID and the IPID for IFACE, created as needed,
 * plus REFS public references (MS-DCOM 3.1.1.5.1) given to CLIENT (NULL:
 * to nobody, the server's); fills STD. Returns the IPID entry or NULL
 * (E_NOINTERFACE when OBJ lacks IFACE, CLIENT's object quota reached,
 * ENOMEM). */
struct dcom_ipid *dcom_export(struct dcom_object *obj, const struct idl_interface *iface,
			      uint32_t refs, struct dcom_peer *client, struct STDOBJREF *std);
struct dcom_ipid *dcom_ipid_find(struct dcom_exporter *ex, const struct GUID *ipid);
/* Adds/removes CLIENT's references (MS-DCOM 3.1.1.5.6.1.2-3): removal takes
 * at most what CLIENT holds (NULL: the server's own) and, when none are left
 * on the IPID, removes it (and, after the last one, unexports the object and
 * frees it unless held). A singleton's IPIDs are never removed. CLIENT's
 * account owns its private references. addref: 0, -ENOMEM or -EDQUOT. */
int dcom_ipid_addref(struct dcom_ipid *ipid, struct dcom_peer *client, uint32_t public_refs,
		     uint32_t private_refs);
void dcom_ipid_release(struct dcom_ipid *ipid, struct dcom_peer *client, uint32_t public_refs,
		       uint32_t private_refs);
/* Drops every IPID of OBJ (garbage collection, MS-DCOM 3.1.1.6.2). */
void dcom_object_reclaim(struct dcom_object *obj);
void dcom_object_touch(struct dcom_object *obj);
/* Registers the ORPC interfaces of CLS's chains (and their bases) on the
 * object port. */
int dcom_serve_class(struct dcom_exporter *ex, const struct dcom_class *cls);

/* objref.c */
/* An OBJREF_STANDARD for STD and IID with the resolver's bindings for
 * DIALLED, as an MInterfacePointer on MEM. */
int dcom_objref_standard(TALLOC_CTX *mem, struct dcom_exporter *ex, const struct GUID *iid,
			 const struct STDOBJREF *std, const char *dialled,
			 struct MInterfacePointer **out);

/* orpc.c: the dispatch of every ORPC interface */
void dcom_orpc_dispatch(struct rpc_call *rpc, uint32_t opnum, void *r, void *private_data);

/* The client CALL is made by (dcom_peer_get); NULL on ENOMEM. */
struct dcom_peer *dcom_call_peer(struct dcom_call *call);

/* remunknown.c: the Remote Unknown object (IRemUnknown2) */
extern const struct dcom_class dcom_remunknown_class;

/* peers.c: the server's clients (peers) and their references (issue 9) */
/* The client of ASSOC (NULL: in-process) and USER, made on first use. NULL on ENOMEM. */
struct dcom_peer *dcom_peer_get(struct dcom_exporter *ex, struct rpc_assoc *assoc,
				    const char *user);
struct dcom_peer *dcom_peer_of_rpc(struct dcom_exporter *ex, struct rpc_call *call);
/* False when CLIENT may not take references on one more object. */
bool dcom_peer_may_hold(const struct dcom_peer *client, const struct dcom_object *obj);
/* Credits REFS of IPID to CLIENT (nothing for NULL or a singleton): 0,
 * -EDQUOT (its quota of objects) or -ENOMEM. */
int dcom_peer_credit(struct dcom_peer *client, struct dcom_ipid *ipid, uint32_t refs);
/* Takes up to REFS of IPID back from CLIENT (NULL: the unowned ones);
 * returns how many it held and gave back. */
uint32_t dcom_peer_debit(struct dcom_peer *client, struct dcom_ipid *ipid, uint32_t refs);
/* IPID goes: every client forgets it. */
void dcom_peer_refs_ipid_gone(struct dcom_ipid *ipid);
size_t dcom_peer_num_objects(const struct dcom_peer *client);

/* pingset.c: ping sets (MS-DCOM 3.1.2.5.1.2-3, 3.1.2.6) */
void dcom_pingsets_expire(struct dcom_exporter *ex, uint64_t now);
void dcom_pingsets_touch_all(struct dcom_exporter *ex, uint64_t now);
/* USER is the caller's account, ADMIN whether it is an admin of the users
 * file: a set belongs to the account that made it (issue 9). */
uint32_t dcom_simple_ping(struct dcom_exporter *ex, const char *user, uint64_t setid);
uint32_t dcom_complex_ping(struct dcom_exporter *ex, const char *user, bool admin,
			   uint64_t *setid, uint16_t seq, const uint64_t *add, uint16_t num_add,
			   const uint64_t *del, uint16_t num_del);

/* activation.c: IRemoteSCMActivator and IActivation on the mapper port */
int dcom_activation_register(struct rpc_server *rpc, struct dcom_exporter *ex);

#endif
