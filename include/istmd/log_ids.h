/* Stable journald MESSAGE_IDs, one per kind of event an admin may want to
 * select (journalctl MESSAGE_ID=...) or alert on. Never change a value: they
 * are an interface, listed in docs/logging.md. Generated once at random
 * (128-bit, sd-id128 format). */
#ifndef ISTMD_LOG_IDS_H
#define ISTMD_LOG_IDS_H

/* istmd started serving (or stopped). */
#define LOG_ID_STARTUP "5ceb6425968b4012bed7c18b6374aa0e"
#define LOG_ID_SHUTDOWN "31480fc43e854b1ea0449cb0e88ba66e"
/* A client failed to authenticate (wrong password, unknown user, refused
 * protocol variant). */
#define LOG_ID_AUTH_FAILURE "8857ef86ee0b4f78921aca1cb824ec22"
/* A target or virtual disk was created, or deleted. */
#define LOG_ID_OBJECT_CREATED "83ff4ae84667473988798775f61b8d44"
#define LOG_ID_OBJECT_DELETED "6a210979522e47a1973fe2ebe64aa97c"
/* The iSCSI backend (tgtd) went down, or came (back) up. */
#define LOG_ID_BACKEND_DOWN "4679c41b3b5b48669e6ada068f141b70"
#define LOG_ID_BACKEND_UP "3233d6d8d7734e49956d1518b511c461"
/* The live iSCSI target differed from the desired state and was repaired. */
#define LOG_ID_DRIFT_REPAIRED "fbc6d1255263444197aac74fa1239988"

#endif
