/* The target management unit tests' fixture: the core over a scratch
 * directory with a fake iSCSI backend and fake loop devices
 * (tests/unit/core/core_testutil.h), a DCOM exporter and the ISTM managers on
 * the same event loop, and in-process ORPC calls (dcom_call_local) run to
 * completion, bounded in time. Objects returned through [out] interface
 * pointers are found again through their OBJREF's IPID. */
#ifndef ISTMD_TEST_ISTM_HOST_FIXTURE_H
#define ISTMD_TEST_ISTM_HOST_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "core_testutil.h"
#include "dcom/dcom.h"
#include "idl/ndr_ms_istm.h"

/* The interface every IHost call goes through (IHost3's chain serves them
 * all), and the IQN a target gets from its name on the fixture's host. */
#define HOST (&idl_iface_IHost3)
#define IQN_OF(name) "iqn.2025-01.org.istmd:testhost-" name "-target"

struct hx {
	struct tc *tc;             /* core, fake backend (tc->fb), event loop */
	TALLOC_CTX *mem;           /* scratch for one test */
	struct dcom_exporter *ex;
	struct istm_context *istm;
	struct dcom_object *mgr;   /* the IHostMgr singleton */
};

/* WITH_BACKEND: a fake backend that is up, its configured portal
 * 127.0.0.2:3260, and at most hx_max_luns LUNs per target if not 0. */
extern unsigned hx_max_luns;
struct hx *hx_new(bool with_backend);
void hx_free(struct hx *x);
/* cmocka setup and teardown: hx_new(true) (hx_max_luns reset) in *state. */
int hx_setup(void **state);
int hx_teardown(void **state);
/* Everything but the state directory goes (objects, managers, core) and
 * comes back, as after a restart of the daemon. */
void hx_restart(struct hx *x);

/* A zeroed call structure for OPNUM of IFACE; hx_call prepares its [out]. */
void *hx_r(struct hx *x, const struct idl_interface *iface, uint32_t opnum);
/* A call under way: DONE once its handler completed it with HR. */
struct hx_pending {
	bool done;
	uint32_t hr;
};
/* Starts OPNUM on OBJ as admin "alice" (the call and R on MEM: freeing MEM
 * abandons the call) and returns without waiting. */
void hx_call_start(struct hx *x, TALLOC_CTX *mem, struct dcom_object *obj,
		   const struct idl_interface *iface, uint32_t opnum, void *r,
		   struct hx_pending *p);
/* Runs the loop until P is done (at most 20 s). */
void hx_wait(struct hx *x, struct hx_pending *p);
/* Both: the HRESULT once done. */
uint32_t hx_call(struct hx *x, struct dcom_object *obj, const struct idl_interface *iface,
		 uint32_t opnum, void *r);
/* The object an [out] interface pointer names; IPID (may be NULL) gets its IPID. */
struct dcom_object *hx_object(struct hx *x, struct MInterfacePointer *mip,
			      const struct idl_interface *iface, struct GUID *ipid);
/* The client lets go of an object it got (all 5 references of IPID). */
void hx_release(struct hx *x, const struct GUID *ipid);

/* IHostMgr */
uint32_t hx_new_host(struct hx *x, const char *name, struct dcom_object **host);
uint32_t hx_get_host(struct hx *x, const char *name, struct dcom_object **host);
uint32_t hx_delete_host(struct hx *x, const char *name);
/* NewHost and Save: the object, asserting both succeed. */
struct dcom_object *hx_create(struct hx *x, const char *name);

/* IHost, by opnum, for the properties of one shape. */
uint32_t hx_save(struct hx *x, struct dcom_object *host);
uint32_t hx_put_str(struct hx *x, struct dcom_object *host, uint32_t opnum, const char *value);
uint32_t hx_get_str(struct hx *x, struct dcom_object *host, uint32_t opnum, const char **value);
/* The string getter's value, asserting S_OK. */
const char *hx_str(struct hx *x, struct dcom_object *host, uint32_t opnum);
uint32_t hx_put_bool(struct hx *x, struct dcom_object *host, uint32_t opnum, bool value);
bool hx_bool(struct hx *x, struct dcom_object *host, uint32_t opnum);
uint32_t hx_put_u32(struct hx *x, struct dcom_object *host, uint32_t opnum, uint32_t value);
uint32_t hx_u32(struct hx *x, struct dcom_object *host, uint32_t opnum);
/* A method taking one unsigned long (AddWTDisk, RemoveWTDisk). */
uint32_t hx_call_u32(struct hx *x, struct dcom_object *host, uint32_t opnum, uint32_t value);
/* A method without parameters (RemoveAll*, Save). */
uint32_t hx_call_void(struct hx *x, struct dcom_object *host, uint32_t opnum);
/* AddID / RemoveID. */
uint32_t hx_id(struct hx *x, struct dcom_object *host, uint32_t opnum, int method,
	       const char *value);

/* An enumerator from a method whose only [out] is the IEnum pointer
 * (EnumIDs, EnumWTDiskLunMappings, EnumPortals, EnumSessions, EnumHosts). */
struct dcom_object *hx_enum(struct hx *x, struct dcom_object *obj,
			    const struct idl_interface *iface, uint32_t opnum,
			    const struct idl_interface *enum_iface);
/* Next(1) on an IEnum* of structures: S_OK/S_FALSE, the element copied to
 * ELEMENT (of the enumeration's element size). */
uint32_t hx_next(struct hx *x, struct dcom_object *e, const struct idl_interface *enum_iface,
		 void *element, size_t size);
/* Next(0): how many are left. */
uint32_t hx_left(struct hx *x, struct dcom_object *e, const struct idl_interface *enum_iface);

/* A disk on a new fixed VHD of SIZE bytes (sparse) in the storage root. */
uint32_t hx_disk(struct hx *x, const char *file, uint64_t size);

#endif
