/* Helpers for the DCOM unit tests: an exporter without a server, in-process
 * calls (dcom_call_local) run to completion, a fake clock. */
#ifndef ISTMD_TEST_DCOM_H
#define ISTMD_TEST_DCOM_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>

#include "dcom/exporter.h"

struct MInterfacePointer;

struct dcom_test {
	TALLOC_CTX *mem;
	struct tevent_context *ev;
	struct dcom_exporter *ex;
	uint64_t now_ms; /* the exporter's clock */
};

/* An exporter with ping_period 1 s x 3 periods, min_auth_level integrity. */
struct dcom_test *dcom_test_new(void);
void dcom_test_free(struct dcom_test *t);
void dcom_test_advance(struct dcom_test *t, uint64_t ms);

/* A zeroed call structure for OPNUM of IFACE, [out] prepared by init_out
 * once the caller set [in] (call dcom_test_prepare then). */
void *dcom_test_new_r(TALLOC_CTX *mem, const struct idl_interface *iface, uint32_t opnum);
void dcom_test_prepare(const struct idl_interface *iface, uint32_t opnum, void *r);
/* Runs OPNUM of IFACE on OBJ as an admin at privacy level and returns the
 * HRESULT once the handler completed (pumping the loop, at most 3 s). */
uint32_t dcom_test_call(struct dcom_test *t, struct dcom_object *obj,
			const struct idl_interface *iface, uint32_t opnum, void *r);
/* The same with a chosen caller. */
uint32_t dcom_test_call_as(struct dcom_test *t, struct dcom_object *obj,
			   const struct idl_interface *iface, uint32_t opnum, void *r,
			   const char *user, bool admin, uint8_t level);

/* A call under way: DONE once its handler completed it with HR. */
struct dcom_test_pending {
	bool done;
	uint32_t hr;
};
/* Starts OPNUM of IFACE on OBJ as USER with the ORPCTHIS of a 5.7 client
 * (the call and R on MEM: freeing MEM abandons it); P says when it is done. */
void dcom_test_start(TALLOC_CTX *mem, struct dcom_object *obj, const struct idl_interface *iface,
		     uint32_t opnum, void *r, const char *user, bool admin, uint8_t level,
		     struct dcom_test_pending *p);

/* "alice" (the caller of dcom_test_call) lets go of the 5 references she
 * got on IPID. */
void dcom_test_release(struct dcom_test *t, const struct GUID *ipid);

/* The object of exporter EX an [out] interface pointer names: it must be of
 * IFACE (unless NULL); IPID (may be NULL) gets its IPID. */
struct dcom_object *dcom_test_object(TALLOC_CTX *mem, struct dcom_exporter *ex,
				     const struct MInterfacePointer *mip,
				     const struct idl_interface *iface, struct GUID *ipid);

#endif
