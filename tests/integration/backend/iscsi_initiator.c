#include "iscsi_initiator.h"

#include <stdio.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#define INI_TIMEOUT_S 10

struct iscsi_context *ini_login(const char *portal, const char *target,
				const struct ini_opts *o, char *err, size_t errlen)
{
	struct iscsi_context *iscsi = iscsi_create_context(o->initiator);
	if (iscsi == NULL) {
		snprintf(err, errlen, "cannot create a libiscsi context");
		return NULL;
	}
	iscsi_set_timeout(iscsi, INI_TIMEOUT_S);
	iscsi_set_noautoreconnect(iscsi, 1);
	iscsi_set_targetname(iscsi, target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	if (o->chap_user != NULL)
		iscsi_set_initiator_username_pwd(iscsi, o->chap_user, o->chap_secret);
	if (o->target_user != NULL)
		iscsi_set_target_username_pwd(iscsi, o->target_user, o->target_secret);
	if (iscsi_connect_sync(iscsi, portal) != 0 || iscsi_login_sync(iscsi) != 0) {
		snprintf(err, errlen, "%s", iscsi_get_error(iscsi));
		iscsi_destroy_context(iscsi);
		return NULL;
	}
	return iscsi;
}

void ini_logout(struct iscsi_context *iscsi)
{
	if (iscsi == NULL)
		return;
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
}

/* The first command after login may meet a unit attention; retry once. */
static struct scsi_task *with_retry(struct scsi_task *(*fn)(void *), void *arg)
{
	for (int i = 0; i < 3; i++) {
		struct scsi_task *t = fn(arg);
		if (t == NULL)
			return NULL;
		if (t->status == SCSI_STATUS_CHECK_CONDITION &&
		    t->sense.key == SCSI_SENSE_UNIT_ATTENTION) {
			scsi_free_scsi_task(t);
			continue;
		}
		return t;
	}
	return NULL;
}

struct cap_arg {
	struct iscsi_context *iscsi;
	int lun;
};

static struct scsi_task *do_cap(void *p)
{
	struct cap_arg *a = p;
	return iscsi_readcapacity16_sync(a->iscsi, a->lun);
}

int ini_capacity(struct iscsi_context *iscsi, int lun, uint64_t *bytes)
{
	struct cap_arg a = { iscsi, lun };
	struct scsi_task *t = with_retry(do_cap, &a);
	if (t == NULL || t->status != SCSI_STATUS_GOOD) {
		if (t)
			scsi_free_scsi_task(t);
		return -1;
	}
	struct scsi_readcapacity16 *rc16 = scsi_datain_unmarshall(t);
	int rc = -1;
	if (rc16 != NULL) {
		*bytes = (rc16->returned_lba + 1) * rc16->block_length;
		rc = 0;
	}
	scsi_free_scsi_task(t);
	return rc;
}

struct rw_arg {
	struct iscsi_context *iscsi;
	int lun;
	uint32_t lba;
	void *buf;
	size_t len;
	int write;
};

static struct scsi_task *do_rw(void *p)
{
	struct rw_arg *a = p;
	if (a->write)
		return iscsi_write10_sync(a->iscsi, a->lun, a->lba, a->buf, (uint32_t)a->len, 512,
					  0, 0, 0, 0, 0);
	return iscsi_read10_sync(a->iscsi, a->lun, a->lba, (uint32_t)a->len, 512, 0, 0, 0, 0, 0);
}

int ini_write(struct iscsi_context *iscsi, int lun, uint32_t lba, const void *buf, size_t len)
{
	struct rw_arg a = { iscsi, lun, lba, (void *)buf, len, 1 };
	struct scsi_task *t = with_retry(do_rw, &a);
	int rc = t != NULL && t->status == SCSI_STATUS_GOOD ? 0 : -1;
	if (t)
		scsi_free_scsi_task(t);
	return rc;
}

int ini_read(struct iscsi_context *iscsi, int lun, uint32_t lba, void *buf, size_t len)
{
	struct rw_arg a = { iscsi, lun, lba, NULL, len, 0 };
	struct scsi_task *t = with_retry(do_rw, &a);
	int rc = -1;
	if (t != NULL && t->status == SCSI_STATUS_GOOD && t->datain.size == (int)len) {
		memcpy(buf, t->datain.data, len);
		rc = 0;
	}
	if (t)
		scsi_free_scsi_task(t);
	return rc;
}

static struct scsi_task *do_report(void *p)
{
	struct cap_arg *a = p;
	return iscsi_reportluns_sync(a->iscsi, 0, 65536);
}

int ini_report_luns(struct iscsi_context *iscsi, unsigned *count, unsigned highest,
		    int *has_highest)
{
	struct cap_arg a = { iscsi, 0 };
	struct scsi_task *t = with_retry(do_report, &a);
	if (t == NULL || t->status != SCSI_STATUS_GOOD) {
		if (t)
			scsi_free_scsi_task(t);
		return -1;
	}
	struct scsi_reportluns_list *list = scsi_datain_unmarshall(t);
	int rc = -1;
	if (list != NULL) {
		*count = list->num;
		*has_highest = 0;
		for (uint32_t i = 0; i < list->num; i++) {
			/* LUNs above 255 use flat space addressing (SAM: 01b + 14 bits) */
			unsigned v = list->luns[i];
			if ((v >> 14) == 1)
				v &= 0x3fff;
			if (v == highest)
				*has_highest = 1;
		}
		rc = 0;
	}
	scsi_free_scsi_task(t);
	return rc;
}
