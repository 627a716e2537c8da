#include "istm/enumerator.h"

#include <errno.h>
#include <string.h>

#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "istmd/log.h"

/* The snapshot: immutable once returned, shared by an enumerator and its
 * clones, freed with the last of them. */
struct istm_enum_items {
	const struct istm_enum_kind *kind;
	unsigned refs; /* enumerators using it (after istm_enum_return) */
	size_t count, alloc;
	void **elements; /* structure kinds: talloc'd elements */
	struct object_element *objects;
	istm_enum_make_fn make;
	void *make_priv;
};

/* Object kinds: an object the snapshot holds, or the key to make one. */
struct object_element {
	struct dcom_hold *hold;
	void *key;
};

struct enumerator {
	struct istm_enum_items *items;
	size_t pos;
};

struct istm_enum_items *istm_enum_items_new(TALLOC_CTX *mem_ctx, const struct istm_enum_kind *kind)
{
	struct istm_enum_items *items = talloc_zero(mem_ctx, struct istm_enum_items);
	if (items != NULL)
		items->kind = kind;
	return items;
}

static int grow(struct istm_enum_items *items)
{
	if (items->count < items->alloc)
		return 0;
	size_t alloc = items->alloc ? items->alloc * 2 : 16;
	if (items->kind->element_size != 0) {
		void **e = talloc_realloc(items, items->elements, void *, alloc);
		if (e == NULL)
			return -ENOMEM;
		items->elements = e;
	} else {
		struct object_element *o =
			talloc_realloc(items, items->objects, struct object_element, alloc);
		if (o == NULL)
			return -ENOMEM;
		items->objects = o;
	}
	items->alloc = alloc;
	return 0;
}

void *istm_enum_add_element(struct istm_enum_items *items)
{
	if (items->kind->element_size == 0 || grow(items) != 0)
		return NULL;
	void *e = talloc_zero_size(items, items->kind->element_size);
	if (e != NULL)
		items->elements[items->count++] = e;
	return e;
}

int istm_enum_add_object(struct istm_enum_items *items, struct dcom_object *obj)
{
	if (items->kind->element_size != 0)
		return -EINVAL;
	if (grow(items) != 0)
		return -ENOMEM;
	struct dcom_hold *h = dcom_object_hold(items, obj);
	if (h == NULL)
		return -ENOMEM;
	items->objects[items->count++] = (struct object_element){ .hold = h };
	return 0;
}

void istm_enum_set_maker(struct istm_enum_items *items, istm_enum_make_fn make, void *priv)
{
	items->make = make;
	items->make_priv = priv;
}

int istm_enum_add_key(struct istm_enum_items *items, const void *key, size_t size)
{
	if (items->kind->element_size != 0 || items->make == NULL)
		return -EINVAL;
	if (grow(items) != 0)
		return -ENOMEM;
	void *k = talloc_memdup(items, key, size);
	if (k == NULL)
		return -ENOMEM;
	items->objects[items->count++] = (struct object_element){ .key = k };
	return 0;
}

size_t istm_enum_count(const struct istm_enum_items *items)
{
	return items->count;
}

/* The release hook of every enumerator class. */
static void enumerator_release(void *object)
{
	struct enumerator *e = object;
	if (e->items != NULL && --e->items->refs == 0)
		talloc_free(e->items);
	e->items = NULL;
}

/* A new enumerator object over ITEMS at POS (ITEMS gains a user only if it
 * is created), marshalled into *OUT. */
static uint32_t new_enumerator(struct dcom_call *call, struct istm_enum_items *items, size_t pos,
			       struct MInterfacePointer **out)
{
	const struct istm_enum_kind *kind = items->kind;
	struct enumerator *e = talloc_zero(NULL, struct enumerator);
	if (e == NULL)
		return E_OUTOFMEMORY;
	e->items = items;
	e->pos = pos;
	struct dcom_object *obj = dcom_object_new(call, dcom_call_exporter(call), kind->cls, e);
	if (obj == NULL)
		return E_OUTOFMEMORY; /* E freed, ITEMS untouched */
	items->refs++;
	return dcom_marshal(call, obj, kind->iface, out);
}

uint32_t istm_enum_return(struct dcom_call *call, struct istm_enum_items *items,
			  struct MInterfacePointer **out)
{
	*out = NULL;
	/* The snapshot belongs to its enumerators from now on. */
	talloc_steal(NULL, items);
	uint32_t hr = new_enumerator(call, items, 0, out);
	if (items->refs == 0)
		talloc_free(items);
	return hr;
}

/* ---- the methods (MS-ISTM 3.1.4.2.2) ---------------------------------------------- */

static void clear_element(const struct istm_enum_kind *kind, void *elements)
{
	if (kind->element_size != 0)
		memset(elements, 0, kind->element_size);
	else
		*(struct MInterfacePointer **)elements = NULL;
}

/* The object of element E->pos for CALL: 0, -ENOENT (gone) or -errno. */
static int element_object(struct dcom_call *call, struct enumerator *e, struct dcom_object **obj)
{
	const struct object_element *o = &e->items->objects[e->pos];
	if (o->hold != NULL) {
		*obj = dcom_hold_object(o->hold);
		return *obj != NULL ? 0 : -ENOENT;
	}
	return e->items->make(call, e->items->make_priv, o->key, obj);
}

/* ELEMENTS is the method's out.pElements: a structure, or a
 * `struct MInterfacePointer **` for object kinds. */
static void enum_next(struct dcom_call *call, struct enumerator *e, uint32_t num, void *elements,
		      uint32_t *returned)
{
	const struct istm_enum_kind *kind = e->items->kind;
	struct dcom_object *obj = NULL;
	int rc = -ENOENT;

	/* Object kinds: the next element whose object can be made (a target
	 * deleted since the snapshot is skipped). */
	while (num == 1 && kind->element_size == 0 && e->pos < e->items->count &&
	       (rc = element_object(call, e, &obj)) == -ENOENT)
		e->pos++;
	if (num == 1 && kind->element_size == 0 && rc != 0 && rc != -ENOENT) {
		clear_element(kind, elements);
		*returned = 0;
		dcom_call_done(call, E_OUTOFMEMORY);
		return;
	}
	size_t left = e->items->count - e->pos;

	*returned = 0;
	if (num > 1) { /* <12>, <13>: one element per call */
		clear_element(kind, elements);
		dcom_call_done(call, E_FAIL);
		return;
	}
	if (num == 0 || left == 0) {
		/* 3.1.4.2.2.1: 0 asks how many are left; none left is S_FALSE */
		clear_element(kind, elements);
		*returned = num == 0 ? (uint32_t)(left > UINT32_MAX ? UINT32_MAX : left) : 0;
		dcom_call_done(call, left != 0 ? S_OK : S_FALSE);
		return;
	}
	if (kind->element_size != 0) {
		memcpy(elements, e->items->elements[e->pos], kind->element_size);
	} else {
		/* E_OUTOFMEMORY when this client holds its quota of objects */
		uint32_t hr = dcom_marshal(call, obj, kind->element_iface, elements);
		if (hr != S_OK) {
			dcom_call_done(call, hr);
			return;
		}
	}
	e->pos++;
	*returned = 1;
	dcom_call_done(call, S_OK);
}

static void enum_skip(struct dcom_call *call, struct enumerator *e, uint32_t num)
{
	size_t left = e->items->count - e->pos;
	if (num == 0) { /* 3.x.4.2: "MUST be greater than zero" */
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	if (num > left) {
		e->pos = e->items->count;
		dcom_call_done(call, S_FALSE);
		return;
	}
	e->pos += num;
	dcom_call_done(call, S_OK);
}

static void enum_reset(struct dcom_call *call, struct enumerator *e)
{
	e->pos = 0;
	dcom_call_done(call, S_OK); /* <14> */
}

static void enum_clone(struct dcom_call *call, struct enumerator *e, struct MInterfacePointer **out)
{
	*out = NULL;
	dcom_call_done(call, new_enumerator(call, e->items, e->pos, out));
}

/* One class per IEnum* interface; Next, Skip, Reset and Clone are opnums
 * 3, 4, 5 and 6 of every one of them (MS-ISTM 3.4.4 ... 3.20.4). */
#define ENUM_KIND(I, element_sz, element_if)                                                  \
	static void I##_next(struct dcom_call *call, void *object, void *rv)                   \
	{                                                                                      \
		struct I##_Next *r = rv;                                                       \
		enum_next(call, object, r->in.ulNumElements, r->out.pElements,                  \
			  r->out.pNumElementsReturned);                                        \
	}                                                                                      \
	static void I##_skip(struct dcom_call *call, void *object, void *rv)                   \
	{                                                                                      \
		struct I##_Skip *r = rv;                                                       \
		enum_skip(call, object, r->in.ulNumElements);                                  \
	}                                                                                      \
	static void I##_reset(struct dcom_call *call, void *object, void *rv)                  \
	{                                                                                      \
		enum_reset(call, object);                                                      \
	}                                                                                      \
	static void I##_clone(struct dcom_call *call, void *object, void *rv)                  \
	{                                                                                      \
		struct I##_Clone *r = rv;                                                      \
		enum_clone(call, object, r->out.ppNewEnum);                                    \
	}                                                                                      \
	static const dcom_method_fn I##_methods[] = {                                          \
		[3] = I##_next, [4] = I##_skip, [5] = I##_reset, [6] = I##_clone,              \
	};                                                                                     \
	static const struct dcom_chain I##_chains[] = { DCOM_CHAIN(I, I##_methods) };          \
	static const struct dcom_class I##_class = {                                           \
		.name = #I,                                                                    \
		.chains = I##_chains,                                                          \
		.num_chains = 1,                                                               \
		.release = enumerator_release,                                                 \
	};                                                                                     \
	const struct istm_enum_kind istm_enum_##I = {                                          \
		.iface = &idl_iface_##I,                                                       \
		.cls = &I##_class,                                                             \
		.element_size = (element_sz),                                                  \
		.element_iface = (element_if),                                                 \
	}

#define STRUCT_KIND(I, T) ENUM_KIND(I, sizeof(struct T), NULL)
#define OBJECT_KIND(I, E) ENUM_KIND(I, 0, &idl_iface_##E)

STRUCT_KIND(IEnumCachedInitiator, CACHED_INITIATOR);
STRUCT_KIND(IEnumConnection, CONNECTION);
STRUCT_KIND(IEnumDisk, DISK);
STRUCT_KIND(IEnumDisk2, DISK2);
OBJECT_KIND(IEnumHost, IHost);
STRUCT_KIND(IEnumIDMethod, ID);
STRUCT_KIND(IEnumLMMountPoint, MOUNT_POINT);
STRUCT_KIND(IEnumPortal, PORTAL);
STRUCT_KIND(IEnumResourceGroup, RESOURCE_GROUP);
STRUCT_KIND(IEnumSession, SESSION);
STRUCT_KIND(IEnumSession2, SESSION2);
OBJECT_KIND(IEnumSnapshot, ISnapshot);
STRUCT_KIND(IEnumSnsServer, SNS_SERVER);
STRUCT_KIND(IEnumVolume, VOLUME);
STRUCT_KIND(IEnumVolume2, VOLUME2);
OBJECT_KIND(IEnumWTDisk, IWTDisk);
STRUCT_KIND(IEnumWTDiskLunMapping, LUN_MAPPING);

const struct istm_enum_kind *const istm_enum_kinds[] = {
	&istm_enum_IEnumCachedInitiator, &istm_enum_IEnumConnection, &istm_enum_IEnumDisk,
	&istm_enum_IEnumDisk2, &istm_enum_IEnumHost, &istm_enum_IEnumIDMethod,
	&istm_enum_IEnumLMMountPoint, &istm_enum_IEnumPortal, &istm_enum_IEnumResourceGroup,
	&istm_enum_IEnumSession, &istm_enum_IEnumSession2, &istm_enum_IEnumSnapshot,
	&istm_enum_IEnumSnsServer, &istm_enum_IEnumVolume, &istm_enum_IEnumVolume2,
	&istm_enum_IEnumWTDisk, &istm_enum_IEnumWTDiskLunMapping, NULL,
};
