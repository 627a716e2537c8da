/* The generic enumerator (MS-ISTM 3.1.4.2.2): one implementation of Next,
 * Skip, Reset and Clone for all 17 IEnum* interfaces, over a snapshot of a
 * collection taken when the enumerator is created. Elements are either
 * structures (DISK, SESSION2, ...; copied into *pElements) or objects (IHost,
 * IWTDisk, ISnapshot; marshalled into *pElements). An object element is an
 * existing object the snapshot holds, or a key (a target's GUID, a disk's
 * index) from which Next makes the object when it hands it out: an
 * enumeration of thousands of targets costs one object, not thousands
 * (issue 9). A key whose thing is gone by then is skipped.
 *
 *   struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumSession2);
 *   struct SESSION2 *s = istm_enum_add_element(items);   // strings: talloc them on s
 *   ...
 *   dcom_call_done(call, istm_enum_return(call, items, r->out.ppEnumSession));
 *
 * Semantics (Windows, MS-ISTM <12>-<14>): Next returns at most one element
 * per call: ulNumElements 1 gives S_OK and the element, or S_FALSE and none
 * at the end; 0 returns the number of elements left in *pNumElementsReturned
 * (S_OK, S_FALSE when none are left); more than 1 is E_FAIL. Skip(n) advances
 * (n MUST be > 0: E_INVALIDARG otherwise), S_FALSE when it went past the end
 * (the iterator then stays at the end). Reset always succeeds. Clone returns
 * a new enumerator over the same snapshot, at the same position, whose
 * iterator then moves independently. */
#ifndef ISTMD_ISTM_ENUMERATOR_H
#define ISTMD_ISTM_ENUMERATOR_H

#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

#include "dcom/dcom.h"

struct MInterfacePointer;

/* What an enumerator interface enumerates. */
struct istm_enum_kind {
	const struct idl_interface *iface;         /* IEnumX */
	const struct dcom_class *cls;              /* the enumerator objects' class */
	size_t element_size;                       /* structure elements; 0 for objects */
	const struct idl_interface *element_iface; /* object elements: marshalled as this */
};

extern const struct istm_enum_kind istm_enum_IEnumCachedInitiator, istm_enum_IEnumConnection,
	istm_enum_IEnumDisk, istm_enum_IEnumDisk2, istm_enum_IEnumHost, istm_enum_IEnumIDMethod,
	istm_enum_IEnumLMMountPoint, istm_enum_IEnumPortal, istm_enum_IEnumResourceGroup,
	istm_enum_IEnumSession, istm_enum_IEnumSession2, istm_enum_IEnumSnapshot,
	istm_enum_IEnumSnsServer, istm_enum_IEnumVolume, istm_enum_IEnumVolume2,
	istm_enum_IEnumWTDisk, istm_enum_IEnumWTDiskLunMapping;
/* The 17, NULL-terminated. */
extern const struct istm_enum_kind *const istm_enum_kinds[];

/* A collection being built, talloc'd on MEM_CTX until istm_enum_return()
 * takes it. NULL on ENOMEM. */
struct istm_enum_items *istm_enum_items_new(TALLOC_CTX *mem_ctx, const struct istm_enum_kind *kind);
/* Structure kinds: appends a zeroed element and returns it (a talloc
 * context: allocate the element's strings on it). NULL on ENOMEM. */
void *istm_enum_add_element(struct istm_enum_items *items);
/* Object kinds: appends OBJ (held until the last enumerator over the
 * snapshot goes). 0 or -ENOMEM. */
int istm_enum_add_object(struct istm_enum_items *items, struct dcom_object *obj);
/* Makes the object of KEY for CALL (held by the call): 0, -ENOENT when
 * KEY's thing is gone (the element is skipped), or another -errno. */
typedef int (*istm_enum_make_fn)(struct dcom_call *call, void *priv, const void *key,
				 struct dcom_object **obj);
/* Object kinds: the elements added with istm_enum_add_key are made by MAKE
 * (PRIV must outlive the snapshot). */
void istm_enum_set_maker(struct istm_enum_items *items, istm_enum_make_fn make, void *priv);
/* Object kinds: appends a copy of the SIZE bytes at KEY. 0, -EINVAL (no
 * maker) or -ENOMEM. */
int istm_enum_add_key(struct istm_enum_items *items, const void *key, size_t size);
size_t istm_enum_count(const struct istm_enum_items *items);

/* Creates an enumerator over ITEMS (taken over, freed on failure), positioned
 * at the first element, and marshals it into *OUT. Returns S_OK,
 * E_OUTOFMEMORY or E_NOINTERFACE. */
uint32_t istm_enum_return(struct dcom_call *call, struct istm_enum_items *items,
			  struct MInterfacePointer **out);

#endif
