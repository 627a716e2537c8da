/* Target management objects (MS-ISTM 3.21-3.24): the IHost class, shared by
 * host.c (the class and the properties), host_lists.c (initiator IDs, LUN
 * mappings, portals), host_live.c (Save, and what comes from the backend:
 * Status, LastLogIn, sessions) and host_mgr.c (IHostMgr, which makes them).
 *
 * Every IHost object edits its own draft of one target (core drafts,
 * docs/core.md): setters change the draft, Save commits it as a whole. An
 * object without unsaved changes follows the target: before each call its
 * draft is opened again, so it shows what other objects saved. Two objects
 * editing one target both keep their changes on Save (the core's three-way
 * merge); the later Save wins for a property both changed. docs/istm-targets.md
 * has the decisions. */
#ifndef ISTMD_ISTM_HOST_H
#define ISTMD_ISTM_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "istm/istm.h"

struct core_target_draft;

/* What a setter changed, for Save's log line (never the values: secrets). */
enum host_prop {
	HOST_ENABLE,
	HOST_NAME,
	HOST_DESCRIPTION,
	HOST_IQN,
	HOST_CHAP,
	HOST_CHAP_USER,
	HOST_CHAP_SECRET,
	HOST_REVERSE_CHAP,
	HOST_REVERSE_CHAP_USER,
	HOST_REVERSE_CHAP_SECRET,
	HOST_PARAMS,
	HOST_IDLE_TIMEOUT,
	HOST_IDS,
	HOST_LUNS,
	HOST_PORTALS,
	HOST_RESOURCE_NAME,
	HOST_PROP_COUNT
};

/* An IHost object's state. */
struct istm_host {
	struct istm_context *ctx;
	struct core_target_draft *draft; /* a talloc child of this structure */
	uint32_t changed;                /* 1 << enum host_prop, since opened or saved */
	bool saving;                     /* a Save is under way */
};

extern const struct dcom_class istm_host_class;

/* A new IHost object editing DRAFT, which it takes over (freed with the
 * object, or at once on failure). HOLDER as for dcom_object_new(). NULL on
 * ENOMEM or when the exporter has too many objects. */
struct dcom_object *istm_host_new(TALLOC_CTX *holder, struct istm_context *ctx,
				  struct core_target_draft *draft);

/* Brings a draft without unsaved changes up to date with its target. Every
 * method calls it first (through host_of). */
struct istm_host *host_of(void *object);
/* Before a setter: false when a Save is under way on this object (the call
 * is then completed with ERROR_BUSY: its change could be lost). */
bool host_may_edit(struct dcom_call *call, struct istm_host *h);
/* A setter succeeded. */
void host_changed(struct istm_host *h, enum host_prop what);
/* Comma-separated names of the properties in CHANGED, for logs. */
char *host_changed_names(TALLOC_CTX *mem, uint32_t changed);

/* The saved target's name (NULL for a target never saved, or deleted):
 * what sessions are looked up by. */
char *host_saved_name(TALLOC_CTX *mem, const struct istm_host *h);

/* host_lists.c */
void host_enum_ids(struct dcom_call *call, void *object, void *r);
void host_add_id(struct dcom_call *call, void *object, void *r);
void host_remove_id(struct dcom_call *call, void *object, void *r);
void host_remove_all_ids(struct dcom_call *call, void *object, void *r);
void host_enum_luns(struct dcom_call *call, void *object, void *r);
void host_add_disk(struct dcom_call *call, void *object, void *r);
void host_remove_disk(struct dcom_call *call, void *object, void *r);
void host_remove_all_disks(struct dcom_call *call, void *object, void *r);
void host_set_lun(struct dcom_call *call, void *object, void *r);
void host_enum_portals(struct dcom_call *call, void *object, void *r);
void host_add_portal(struct dcom_call *call, void *object, void *r);
void host_remove_portal(struct dcom_call *call, void *object, void *r);
void host_remove_all_portals(struct dcom_call *call, void *object, void *r);
void host_get_listen_all(struct dcom_call *call, void *object, void *r);
void host_put_listen_all(struct dcom_call *call, void *object, void *r);

/* host_live.c */
void host_save(struct dcom_call *call, void *object, void *r);
void host_get_status(struct dcom_call *call, void *object, void *r);
void host_get_last_login(struct dcom_call *call, void *object, void *r);
void host_enum_sessions(struct dcom_call *call, void *object, void *r);

#endif
