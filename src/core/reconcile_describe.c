/* What the backend is told about a target, and what came of it. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/reconcile_internal.h"
#include "core/snapshots.h"
#include "istmd/log.h"

/* ---- describing a target for the backend ---- */

static const char *const *dns_lookup(const struct pass *p, const char *name, size_t *n)
{
	*n = 0;
	for (size_t i = 0; p != NULL && p->dns != NULL && i < p->dns->n; i++) {
		if (strcmp(p->dns->names[i].name, name) == 0) {
			*n = p->dns->names[i].n_addrs;
			return (const char *const *)p->dns->names[i].addrs;
		}
	}
	return NULL;
}

struct iscsi_target *reconcile_describe(TALLOC_CTX *mem, struct core *c, const struct pass *p,
					const struct mtarget *mt, unsigned *n_unserved,
					int *unserved_rc, char **why)
{
	const struct core_target *t = mt->t;
	struct iscsi_target *d = talloc_zero(mem, struct iscsi_target);
	if (d == NULL)
		return NULL;
	*n_unserved = 0;
	*unserved_rc = -ENODEV;
	*why = NULL;
	d->iqn = t->iqn;
	d->enabled = t->enabled;
	d->luns = talloc_zero_array(d, struct iscsi_lun, t->n_luns + 1);
	size_t n_acl = t->n_ids;
	for (size_t i = 0; i < t->n_ids; i++) {
		size_t n = 0;
		if (t->ids[i].method == CORE_ID_DNS)
			dns_lookup(p, t->ids[i].value, &n);
		n_acl += n;
	}
	d->acl = talloc_zero_array(d, struct iscsi_acl_entry, n_acl + 1);
	d->chap_in = talloc_zero_array(d, struct iscsi_chap_account, 2);
	d->portals = talloc_zero_array(d, struct iscsi_portal, t->n_portals + 1);
	if (!d->luns || !d->acl || !d->chap_in || !d->portals) {
		talloc_free(d);
		return NULL;
	}
	for (size_t i = 0; i < t->n_luns; i++) {
		const struct core_lun_mapping *l = &t->luns[i];
		const struct mdisk *md = model_disk(c->model, l->wtd);
		const char *problem = NULL;
		if (md == NULL)
			problem = "the disk does not exist";
		else if (!md->d->enabled)
			continue; /* disabled: hidden on purpose */
		else if (md->d->vhd_type != CORE_VHD_FIXED && !core_disk_uses_vhdfs(c, md->d))
			problem = "the VHD is not fixed";
		else if (l->lun < c->caps.min_lun || l->lun > c->caps.max_lun)
			problem = "the LUN number is outside the backend's range";
		else if (c->caps.file_luns && md->d->type != CORE_WTD_FILE)
			problem = "the backend serves files only";
		else if (!md->live.attached &&
			 (!c->caps.file_luns || core_disk_uses_vhdfs(c, md->d)))
			problem = md->live.reason ? md->live.reason : "no loop device";
		if (problem != NULL) {
			(*n_unserved)++;
			if (*why == NULL && md != NULL && md->live.error == -ESTALE)
				*unserved_rc = -ESTALE; /* the file is not the disk's any more */
			if (*why == NULL)
				*why = talloc_asprintf(mem, "LUN %" PRIu32 " (disk %" PRIu32
						       ") is not served: %s",
						       l->lun, l->wtd, problem);
			continue;
		}
		struct iscsi_lun *lun = &d->luns[d->n_luns++];
		lun->lun = l->lun;
		/* the file itself where the backend limits it to the virtual size
		 * (the footer stays outside the LUN), else its loop device (a
		 * dynamic or differencing VHD: over istmd-vhdfs's raw file) */
		lun->path = c->caps.file_luns && !core_disk_uses_vhdfs(c, md->d)
				    ? md->d->path
				    : md->live.loop != NULL ? md->live.loop->path : "";
		lun->size = md->d->size;
		lun->serial = md->d->serial;
		lun->device_id = md->d->device_id;
		lun->vendor = CORE_LUN_VENDOR;
		lun->product = CORE_LUN_PRODUCT;
		lun->revision = CORE_LUN_REVISION;
		lun->read_only = core_snapshot_export_read_only(c, md->d->wtd);
		lun->direct_io = true;
	}
	for (size_t i = 0; i < t->n_ids; i++) {
		const struct core_initiator_id *id = &t->ids[i];
		switch (id->method) {
		case CORE_ID_IQN:
			if (strcmp(id->value, "*") == 0)
				d->acl[d->n_acl++] = (struct iscsi_acl_entry){ ISCSI_ACL_ANY, NULL };
			else
				d->acl[d->n_acl++] = (struct iscsi_acl_entry){ ISCSI_ACL_IQN, id->value };
			break;
		case CORE_ID_IP:
		case CORE_ID_IPV6:
			/* An IQN-only backend (LIO) cannot hold it: it grants
			 * nothing there (logged at start, core.c), and asking
			 * for it would be drift at every pass. */
			if (!c->caps.iqn_acls_only)
				d->acl[d->n_acl++] =
					(struct iscsi_acl_entry){ ISCSI_ACL_ADDRESS, id->value };
			break;
		case CORE_ID_DNS: {
			if (c->caps.iqn_acls_only)
				break;
			size_t n;
			const char *const *addrs = dns_lookup(p, id->value, &n);
			for (size_t k = 0; k < n; k++)
				d->acl[d->n_acl++] =
					(struct iscsi_acl_entry){ ISCSI_ACL_ADDRESS, addrs[k] };
			break;
		}
		default:
			break; /* never accepted; grants nothing */
		}
	}
	if (t->chap_enabled) {
		d->chap_in[0] = (struct iscsi_chap_account){ t->chap_user, t->chap_secret };
		d->n_chap_in = 1;
		if (t->reverse_chap_enabled) {
			d->chap_out = &d->chap_in[1];
			*d->chap_out = (struct iscsi_chap_account){ t->reverse_chap_user,
								   t->reverse_chap_secret };
		}
	}
	d->params.max_recv_data_segment_length = t->max_recv_data_segment_length;
	d->params.first_burst_length = t->first_burst_length;
	d->params.max_burst_length = t->max_burst_length;
	d->params.max_connections = c->max_connections;
	d->params.nop_interval = t->enforce_idle_timeout ? CORE_IDLE_NOP_INTERVAL : 0;
	d->params.nop_count = t->enforce_idle_timeout ? CORE_IDLE_NOP_COUNT : 0;
	/* Without per-target portals a target's portal would become a listener
	 * for every target: the backend's own listeners serve it instead. */
	for (size_t i = 0; c->caps.per_target_portals && i < t->n_portals; i++)
		d->portals[d->n_portals++] =
			(struct iscsi_portal){ t->portals[i].address, t->portals[i].port };
	return d;
}

/* ---- recording outcomes, logging each distinct cause once ---- */

void reconcile_target_outcome(struct mtarget *mt, int rc, const char *why, unsigned n_unserved,
			      int unserved_rc)
{
	struct target_live *l = &mt->live;
	l->n_unserved = n_unserved;
	if (rc == 0 && n_unserved == 0) {
		if (l->error != 0)
			log_notice("target '%s' (%s) is applied again", mt->t->name, mt->t->iqn);
		l->applied = true;
		l->error = 0;
		TALLOC_FREE(l->reason);
		l->failures = 0;
		l->dirty = false;
		return;
	}
	if (rc == 0)
		rc = unserved_rc; /* applied, but some LUNs are missing */
	l->applied = false;
	l->failures++;
	l->dirty = true;
	l->next_try = reconcile_backoff(l->failures);
	if (l->error != rc || l->reason == NULL || why == NULL || strcmp(l->reason, why) != 0) {
		log_warn("target '%s' (%s): %s (%s); retrying with back-off", mt->t->name,
			 mt->t->iqn, why ? why : strerror(-rc), strerror(-rc));
		talloc_free(l->reason);
		l->reason = talloc_strdup(mt, why ? why : strerror(-rc));
	}
	l->error = rc;
}

void reconcile_disk_outcome(struct mdisk *md, const struct loop_item *it)
{
	struct disk_live *l = &md->live;
	if (it->rc == 0) {
		if (l->error != 0)
			log_notice("disk %" PRIu32 " (%s) is served again", md->d->wtd, md->d->path);
		l->error = 0;
		TALLOC_FREE(l->reason);
		l->dirty = false;
		if (it->attach && l->loop == NULL)
			l->loop = talloc(md, struct loopdev);
		if (it->attach && l->loop == NULL) {
			l->attached = false; /* out of memory: the next pass tries again */
			l->dirty = true;
		} else if (it->attach) {
			l->attached = true;
			*l->loop = *it->dev;
			l->vhdfs_pid = it->vhdfs_pid;
		} else {
			l->attached = false;
			l->vhdfs_pid = 0;
		}
		return;
	}
	if (it->attach)
		l->attached = false;
	if (l->error != it->rc || l->reason == NULL || strcmp(l->reason, it->reason) != 0) {
		log_warn("disk %" PRIu32 ": %s", md->d->wtd, it->reason);
		talloc_free(l->reason);
		l->reason = talloc_strdup(md, it->reason);
	}
	l->error = it->rc;
	l->dirty = true;
}
