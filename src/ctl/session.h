/* A DCOM session with a running istmd for istmctl's commands: the server and
 * account of the global options, the password from --password-file or
 * standard input. */
#ifndef ISTMD_CTL_SESSION_H
#define ISTMD_CTL_SESSION_H

#include <stdint.h>

#include <talloc.h>
#include <tevent.h>

struct ctl_options;
struct dcom_client;
struct dcom_iface;
struct GUID;
struct idl_interface;

/* Connects (messages on stderr prefixed with WHO). 0, or 1 on failure. */
int ctl_session_open(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		     const struct ctl_options *options, const char *who,
		     struct dcom_client **client);

/* Activates CLSID for IFACE. 0, or 1 on failure (reported). */
int ctl_session_activate(TALLOC_CTX *mem_ctx, struct dcom_client *client, const char *clsid,
			 const struct idl_interface *iface, const char *who,
			 struct dcom_iface **out);

/* Reports a failed call: a negative errno, a fault, or an HRESULT. */
void ctl_report(const char *who, const char *what, int rc, uint32_t fault, uint32_t hresult);

#endif
