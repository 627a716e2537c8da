/* A DCOM session of one istmctl command with a running istmd: the server and
 * account of the global options (password from --password-file or standard
 * input), the MS-ISTM managers activated on first use, every call reported
 * the same way, and every interface pointer received released at the end.
 *
 * Functions returning int return a ctl_exit code (ctl/errors.h): 0, or the
 * code of a failure they already reported on stderr as
 * "WHO: METHOD SUBJECT: meaning [HRESULT name]". */
#ifndef ISTMD_CTL_CONN_H
#define ISTMD_CTL_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>
#include <tevent.h>

struct ctl_options;
struct dcom_client;
struct dcom_iface;
struct idl_interface;
struct MInterfacePointer;

enum ctl_manager {
	CTL_WT_GENERAL,      /* IWTGeneral */
	CTL_HOST_MGR,        /* IHostMgr */
	CTL_DISK_MGR,        /* IWTDiskMgr */
	CTL_LOCAL_DEVICE,    /* ILocalDeviceMgr */
	CTL_SESSION_MGR,     /* ISessionManager2 */
	CTL_SNAPSHOT_MGR,    /* ISnapshotMgr */
	CTL_SNS_MGR,         /* ISnsMgr */
	CTL_NUM_MANAGERS,
};

struct ctl_conn {
	TALLOC_CTX *mem; /* freed by ctl_conn_close() */
	struct tevent_context *ev;
	struct dcom_client *client;
	const char *who; /* "istmctl target create": prefix of every message */
	struct dcom_iface *managers[CTL_NUM_MANAGERS];
	struct dcom_iface **held; /* to release at the end */
	size_t n_held;
};

/* Connects as OPTIONS say. 0 (then *CONN is set), CTL_EXIT_USAGE (no
 * --server/--user), CTL_EXIT_CONNECT (unreachable, refused credentials). */
int ctl_conn_open(const struct ctl_options *options, const char *who, struct ctl_conn **conn);
/* Releases every interface pointer held (best effort: the server's garbage
 * collector reclaims the rest) and frees everything. NULL is fine. */
void ctl_conn_close(struct ctl_conn *conn);

/* The manager's interface pointer, activated on first use. */
int ctl_manager(struct ctl_conn *c, enum ctl_manager which, struct dcom_iface **out);

/* An ORPC call: OPNUM of IFACE (a generated idl_iface_*) on IP with R, the
 * generated structure (its [out] side is allocated on the connection).
 * METHOD names it in messages and picks the meaning of an HRESULT
 * (ctl_hresult_meaning); SUBJECT (may be NULL) says on what, e.g. "'db'".
 * With HR NULL a failed HRESULT is reported and returned as an exit code;
 * with HR set, the HRESULT is stored there and 0 returned (the caller
 * decides). Transport failures and faults are always reported. */
int ctl_call(struct ctl_conn *c, struct dcom_iface *ip, const struct idl_interface *iface,
	     uint32_t opnum, void *r, const char *method, const char *subject, uint32_t *hr);

/* Reports a failed HRESULT of METHOD and returns its exit code. */
int ctl_fail(struct ctl_conn *c, const char *method, const char *subject, uint32_t hr);

/* An interface pointer of an [out] parameter, held until close. NULL MIP:
 * CTL_EXIT_FAILURE (reported as METHOD returning nothing). */
int ctl_unmarshal(struct ctl_conn *c, const struct MInterfacePointer *mip, const char *method,
		  struct dcom_iface **out);

/* QueryInterface of IP for IFACE. *OUT NULL (and 0 returned) when the object
 * does not implement it. */
int ctl_query(struct ctl_conn *c, struct dcom_iface *ip, const struct idl_interface *iface,
	      struct dcom_iface **out);

#endif
