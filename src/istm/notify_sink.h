/* One registered IStatusNotify object (a registration: the OBJREF received
 * in RegisterNotification and its cookie) and istmd's DCOM client to it
 * (notify_sink.c): resolve, bind, authenticate, call, ping, release.
 * Private to general_notify.c and notify_sink.c. */
#ifndef ISTMD_ISTM_NOTIFY_SINK_H
#define ISTMD_ISTM_NOTIFY_SINK_H

#include "istmd/dlist.h"
#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>

#include "core/core_events.h"
#include "idl/ms_dcom.h"
#include "idl/ms_istm.h"

struct istm_notify_config;

struct istm_notifications;

enum nsink_state {
	NSINK_IDLE,       /* registered; nothing contacted (no [notify] config) */
	NSINK_CONNECTING, /* resolver, OXID, exporter */
	NSINK_READY,
	NSINK_RETIRING,   /* unregistered: releasing its references */
};

struct nsink {
	struct nsink *prev, *next;
	struct istm_notifications *list;
	/* the registration */
	uint64_t oxid, oid;
	struct GUID ipid;
	uint32_t cookie;
	char *user;
	char *caller; /* the address it registered from (NULL: in-process) */
	struct MInterfacePointer *mip; /* as received */
	uint64_t id;                   /* for logs */
	/* the client side */
	enum nsink_state state;
	char **resolvers;  /* numeric resolver addresses of the OBJREF, in order */
	uint16_t *ports;
	size_t n_resolvers, next_resolver;
	struct dcom_client *client;
	struct dcom_iface *iface;
	struct tevent_req *step; /* connect, resolve, call or release under way */
	struct tevent_req *ping;
	struct tevent_timer *ping_timer;
	void *call_r;            /* the call's structure (talloc) */
	uint32_t call_opnum;
	bool released, final_ping; /* retiring */
	/* the queue: one LunListChanged pending at most (bursts coalesce), and
	 * LunStatusUpdate per disk (a newer status replaces a queued one) */
	bool list_pending;
	struct LUN_STATUS *statuses;
	size_t n_statuses;
	uint64_t sent, coalesced;
};

/* What the sinks share (general_notify.c). */
struct istm_notifications {
	struct tevent_context *ev;
	const struct istm_notify_config *config; /* NULL: nothing is sent */
	struct nsink *sinks;    /* registrations, newest first */
	size_t n;
	struct nsink *retiring; /* unregistered, releasing */
	uint64_t next_id;
	struct core_observer *observer;
	struct tevent_immediate *flush;
};

/* Starts contacting S (config set): 0, or -EINVAL when its OBJREF names no
 * resolver we can reach without a name lookup (then S is left alone). */
int nsink_start(struct nsink *s);
/* Queues E for S (bounded, coalescing); the caller kicks. */
void nsink_queue(struct nsink *s, const struct core_event *e);
/* Sends what is queued if S is ready and idle. */
void nsink_kick(struct nsink *s);
/* S was unregistered (already off the registration list): releases its
 * references and OID, then frees itself; or frees itself now. */
void nsink_retire(struct nsink *s);

/* general_notify.c: S failed; it leaves the list and is freed. */
void istm_notify_sink_failed(struct nsink *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
