/* The fixture of the LUN and local device management tests: the core of
 * tests/unit/core (a scratch storage root as drive D:, fake loop devices,
 * optionally the fake backend, which lets a test log initiators in), the
 * ISTM objects on an exporter over the same event loop, and in-process
 * DCOM calls (tests/unit/dcom/dcom_test.h). */
#ifndef ISTMD_TESTS_ISTM_DISK_UTIL_H
#define ISTMD_TESTS_ISTM_DISK_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "core_testutil.h"
#include "dcom_test.h"
#include "istm/istm.h"

struct MInterfacePointer;

struct it {
	struct tc *tc;
	struct dcom_test *t; /* its ev is tc->ev */
	struct istm_context *istm;
	struct dcom_object *general, *devices, *disks; /* the managers */
};

struct it *it_new(bool with_backend);
void it_free(struct it *f);
/* cmocka setup and teardown: *state is the fixture. */
int it_setup(void **state);         /* without a backend */
int it_setup_backend(void **state); /* with the fake backend, up */
int it_teardown(void **state);

/* A zeroed call structure for OPNUM of IFACE (talloc'd on the fixture). */
void *it_r(struct it *f, const struct idl_interface *iface, uint32_t opnum);
/* Prepares R's [out] side from its [in] side and runs the call as an admin. */
uint32_t it_call(struct it *f, struct dcom_object *obj, const struct idl_interface *iface,
		 uint32_t opnum, void *r);
/* The object an interface pointer the server returned names; it must be of
 * IFACE. */
struct dcom_object *it_object(struct it *f, const struct MInterfacePointer *mip,
			      const struct idl_interface *iface);

/* The scratch storage root's path + "/" + NAME. */
char *it_path(struct it *f, const char *name);

#endif
