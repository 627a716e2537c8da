/* The fixture of the MS-ISTM objects' unit tests: the core of tests/unit/core
 * (a scratch storage root as drive D:, fake loop devices, optionally the fake
 * iSCSI backend), a worker pool, a DCOM exporter and the ISTM managers on the
 * same event loop, and in-process ORPC calls (dcom_call_local) run to
 * completion, bounded in time. Objects returned through [out] interface
 * pointers are found again through their OBJREF's IPID. */
#ifndef ISTMD_TEST_ISTM_FIXTURE_H
#define ISTMD_TEST_ISTM_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "core_testutil.h"
#include "dcom/dcom.h"
#include "dcom_test.h"
#include "idl/ndr_ms_istm.h"

/* The interface every IHost call goes through (IHost3's chain serves them
 * all), and the IQN a target gets from its name on the fixture's host. */
#define HOST (&idl_iface_IHost3)
#define IQN_OF(name) "iqn.2025-01.org.istmd:testhost-" name "-target"

struct workpool;

struct ix {
	struct tc *tc;             /* core, fake backend (tc->fb), event loop */
	TALLOC_CTX *mem;           /* scratch, until the next ix_restart */
	struct workpool *pool;
	struct dcom_exporter *ex;
	struct istm_context *istm;
	/* the managers */
	struct dcom_object *general, *devices, *disks, *hosts;
};

/* WITH_BACKEND: a fake backend that is up, its configured portal
 * 127.0.0.2:3260, and at most ix_max_luns LUNs per target if not 0. */
extern unsigned ix_max_luns;
struct ix *ix_new(bool with_backend);
void ix_free(struct ix *x);
/* cmocka setup and teardown: *state is the fixture (ix_max_luns reset). */
int ix_setup(void **state);            /* with the fake backend */
int ix_setup_no_backend(void **state);
int ix_teardown(void **state);
/* Everything but the state directory goes (objects, managers, core) and
 * comes back, as after a restart of the daemon. */
void ix_restart(struct ix *x);
/* The scratch storage root's path + "/" + NAME. */
char *ix_path(struct ix *x, const char *name);

/* A zeroed call structure for OPNUM of IFACE; the calls prepare its [out]. */
void *ix_r(struct ix *x, const struct idl_interface *iface, uint32_t opnum);
/* Starts OPNUM on OBJ as admin "alice" at privacy level (the call and R on
 * MEM: freeing MEM abandons the call) and returns without waiting. */
void ix_call_start(struct ix *x, TALLOC_CTX *mem, struct dcom_object *obj,
		   const struct idl_interface *iface, uint32_t opnum, void *r,
		   struct dcom_test_pending *p);
/* Runs the loop until P is done (at most 20 s). */
void ix_wait(struct ix *x, struct dcom_test_pending *p);
/* Both: the HRESULT once done. */
uint32_t ix_call(struct ix *x, struct dcom_object *obj, const struct idl_interface *iface,
		 uint32_t opnum, void *r);
/* The same with a chosen caller. */
uint32_t ix_call_as(struct ix *x, struct dcom_object *obj, const struct idl_interface *iface,
		    uint32_t opnum, void *r, const char *user, bool admin, uint8_t level);
/* The object an [out] interface pointer of IFACE names; IPID (may be NULL)
 * gets its IPID. */
struct dcom_object *ix_object(struct ix *x, const struct MInterfacePointer *mip,
			      const struct idl_interface *iface, struct GUID *ipid);
/* The client lets go of an object it got (all 5 references of IPID). */
void ix_release(struct ix *x, const struct GUID *ipid);

/* An enumerator from a method whose only [out] is the IEnum pointer
 * (EnumIDs, EnumWTDiskLunMappings, EnumPortals, EnumSessions, EnumHosts). */
struct dcom_object *ix_enum(struct ix *x, struct dcom_object *obj,
			    const struct idl_interface *iface, uint32_t opnum,
			    const struct idl_interface *enum_iface);
/* Next(1) on an IEnum* of structures: S_OK/S_FALSE, the element copied to
 * ELEMENT (of the enumeration's element size). */
uint32_t ix_next(struct ix *x, struct dcom_object *e, const struct idl_interface *enum_iface,
		 void *element, size_t size);
/* Next(0): how many are left. */
uint32_t ix_left(struct ix *x, struct dcom_object *e, const struct idl_interface *enum_iface);

/* ---- target management (istm_fixture_hosts.c) ---- */

/* IHostMgr */
uint32_t ix_new_host(struct ix *x, const char *name, struct dcom_object **host);
uint32_t ix_get_host(struct ix *x, const char *name, struct dcom_object **host);
uint32_t ix_delete_host(struct ix *x, const char *name);
/* NewHost and Save: the object, asserting both succeed. */
struct dcom_object *ix_create(struct ix *x, const char *name);

/* IHost, by opnum, for the properties of one shape. */
uint32_t ix_save(struct ix *x, struct dcom_object *host);
uint32_t ix_put_str(struct ix *x, struct dcom_object *host, uint32_t opnum, const char *value);
uint32_t ix_get_str(struct ix *x, struct dcom_object *host, uint32_t opnum, const char **value);
/* The string getter's value, asserting S_OK. */
const char *ix_str(struct ix *x, struct dcom_object *host, uint32_t opnum);
uint32_t ix_put_bool(struct ix *x, struct dcom_object *host, uint32_t opnum, bool value);
bool ix_bool(struct ix *x, struct dcom_object *host, uint32_t opnum);
uint32_t ix_put_u32(struct ix *x, struct dcom_object *host, uint32_t opnum, uint32_t value);
uint32_t ix_u32(struct ix *x, struct dcom_object *host, uint32_t opnum);
/* A method taking one unsigned long (AddWTDisk, RemoveWTDisk). */
uint32_t ix_call_u32(struct ix *x, struct dcom_object *host, uint32_t opnum, uint32_t value);
/* A method without parameters (RemoveAll*, Save). */
uint32_t ix_call_void(struct ix *x, struct dcom_object *host, uint32_t opnum);
/* AddID / RemoveID. */
uint32_t ix_id(struct ix *x, struct dcom_object *host, uint32_t opnum, int method,
	       const char *value);

/* A disk on a new fixed VHD of SIZE bytes (sparse) in the storage root. */
uint32_t ix_disk(struct ix *x, const char *file, uint64_t size);

#endif
