/* Change events for observers (core_events.h): a digest of what MS-ISTM
 * 3.42.4.1 lists, and each disk's device status, compared with the last
 * look. */
#include "core/core_events.h"

#include <string.h>

#include "core/core_internal.h"
#include "istmd/log.h"

struct core_observer {
	struct core_observer *prev, *next;
	struct core_events *owner;
	core_event_fn fn;
	void *priv;
};

struct disk_status {
	uint32_t wtd;
	enum core_device_status status;
	bool reported; /* set by core_events_lun_status(): a restore's */
};

struct core_events {
	struct core *c;
	struct core_observer *observers;
	bool primed;          /* the first look only records */
	uint64_t lun_digest;
	struct disk_status *disks;
	size_t n_disks;
};

static int events_destructor(struct core_events *e)
{
	for (struct core_observer *o = e->observers; o != NULL; o = o->next)
		o->owner = NULL;
	e->c->events = NULL;
	return 0;
}

static struct core_events *events_of(struct core *c)
{
	if (c->events == NULL) {
		c->events = talloc_zero(c, struct core_events);
		if (c->events != NULL) {
			c->events->c = c;
			talloc_set_destructor(c->events, events_destructor);
		}
	}
	return c->events;
}

static int observer_destructor(struct core_observer *o)
{
	struct core_events *e = o->owner;
	if (e == NULL)
		return 0; /* the core went first */
	if (o->prev != NULL)
		o->prev->next = o->next;
	else
		e->observers = o->next;
	if (o->next != NULL)
		o->next->prev = o->prev;
	return 0;
}

struct core_observer *core_observe(TALLOC_CTX *mem, struct core *c, core_event_fn fn, void *priv)
{
	struct core_events *e = events_of(c);
	struct core_observer *o = e ? talloc_zero(mem, struct core_observer) : NULL;
	if (o == NULL)
		return NULL;
	o->owner = e;
	o->fn = fn;
	o->priv = priv;
	o->next = e->observers;
	if (e->observers != NULL)
		e->observers->prev = o;
	e->observers = o;
	talloc_set_destructor(o, observer_destructor);
	if (!e->primed)
		core_events_check(c); /* the state to compare the next one with */
	return o;
}

static void emit(struct core_events *e, const struct core_event *ev)
{
	struct core_observer *next;
	for (struct core_observer *o = e->observers; o != NULL; o = next) {
		next = o->next; /* an observer may free itself */
		o->fn(ev, o->priv);
	}
}

/* FNV-1a over the bytes that make up the LUN list. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* What 3.42.4.1 lists: which targets use which LUNs (and whether they do
 * now: enabled and applied by the backend), which disks exist and whether
 * they are enabled. */
static uint64_t lun_digest(const struct core *c)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < c->model->n_targets; i++) {
		const struct mtarget *mt = c->model->targets[i];
		if (mt->t->n_luns == 0)
			continue; /* uses no LUN, whatever its state */
		unsigned char using = (mt->t->enabled ? 1 : 0) | (mt->live.applied ? 2 : 0);
		h = mix(h, mt->t->guid, strlen(mt->t->guid));
		h = mix(h, &using, 1);
		for (size_t j = 0; j < mt->t->n_luns; j++)
			h = mix(h, &mt->t->luns[j], sizeof(mt->t->luns[j]));
	}
	for (size_t i = 0; i < c->model->n_disks; i++) {
		const struct core_disk *d = c->model->disks[i]->d;
		unsigned char enabled = d->enabled;
		h = mix(h, &d->wtd, sizeof(d->wtd));
		h = mix(h, &enabled, 1);
	}
	return h;
}

static struct disk_status *find_disk(struct core_events *e, uint32_t wtd)
{
	for (size_t i = 0; i < e->n_disks; i++)
		if (e->disks[i].wtd == wtd)
			return &e->disks[i];
	return NULL;
}

void core_events_check(struct core *c)
{
	struct core_events *e = c->events;
	if (e == NULL || e->observers == NULL || c->model == NULL)
		return; /* nobody listens: nothing to compare with later either */
	uint64_t digest = lun_digest(c);
	bool list_changed = e->primed && digest != e->lun_digest;
	e->lun_digest = digest;

	/* Device status: one LunStatusUpdate per disk whose status changed
	 * (new disks are covered by the LunListChanged). */
	struct disk_status *now = talloc_array(e, struct disk_status, c->model->n_disks + 1);
	if (now == NULL) {
		log_err("core events: out of memory");
		return;
	}
	size_t n = 0;
	struct core_event status_events[16];
	size_t n_status = 0;
	bool overflow = false;
	for (size_t i = 0; i < c->model->n_disks; i++) {
		const struct core_disk *d = c->model->disks[i]->d;
		struct disk_status *old = find_disk(e, d->wtd);
		now[n] = (struct disk_status){ .wtd = d->wtd, .status = d->status };
		if (old != NULL && old->reported) {
			now[n] = *old; /* a restore in progress speaks for itself */
		} else if (e->primed && old != NULL && old->status != d->status) {
			if (n_status < sizeof(status_events) / sizeof(status_events[0]))
				status_events[n_status++] = (struct core_event){
					.kind = CORE_EVENT_LUN_STATUS, .wtd = d->wtd, .status = d->status
				};
			else
				overflow = true; /* many at once: the list event says "look" */
		}
		n++;
	}
	talloc_free(e->disks);
	e->disks = now;
	e->n_disks = n;
	e->primed = true;
	if (list_changed || overflow)
		emit(e, &(struct core_event){ .kind = CORE_EVENT_LUN_LIST });
	for (size_t i = 0; i < n_status; i++)
		emit(e, &status_events[i]);
}

void core_events_lun_status(struct core *c, uint32_t wtd, enum core_device_status status,
			    uint32_t progress_percent, uint32_t completion_error)
{
	struct core_events *e = events_of(c);
	if (e == NULL)
		return;
	struct disk_status *d = find_disk(e, wtd);
	if (d != NULL)
		*d = (struct disk_status){ .wtd = wtd, .status = status,
					   .reported = status == CORE_DEVICE_REVERTING };
	emit(e, &(struct core_event){ .kind = CORE_EVENT_LUN_STATUS,
				      .wtd = wtd,
				      .status = status,
				      .progress_percent = progress_percent,
				      .completion_error = completion_error });
}
