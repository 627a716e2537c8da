/* A libiscsi initiator for integration tests: log in with a chosen name and
 * CHAP credentials, then synchronous SCSI commands, each bounded in time. */
#ifndef ISTMD_TEST_ISCSI_INITIATOR_H
#define ISTMD_TEST_ISCSI_INITIATOR_H

#include <stddef.h>
#include <stdint.h>

struct iscsi_context;

struct ini_opts {
	const char *initiator;     /* initiator IQN */
	const char *chap_user;     /* one-way CHAP (NULL: none) */
	const char *chap_secret;
	const char *target_user;   /* mutual CHAP: what the target must answer */
	const char *target_secret;
};

/* NULL on failure, with libiscsi's reason in ERR. */
struct iscsi_context *ini_login(const char *portal, const char *target,
				const struct ini_opts *o, char *err, size_t errlen);
void ini_logout(struct iscsi_context *iscsi);
/* Bytes of LUN by READ CAPACITY(16). 0 or -1. */
int ini_capacity(struct iscsi_context *iscsi, int lun, uint64_t *bytes);
int ini_write(struct iscsi_context *iscsi, int lun, uint32_t lba, const void *buf, size_t len);
int ini_read(struct iscsi_context *iscsi, int lun, uint32_t lba, void *buf, size_t len);
/* The number of LUNs REPORT LUNS lists, and whether HIGHEST is among them. */
int ini_report_luns(struct iscsi_context *iscsi, unsigned *count, unsigned highest,
		    int *has_highest);

#endif
