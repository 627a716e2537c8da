/* IHost's lists (MS-ISTM 3.21.4.36-3.21.4.52): initiator IDs, LUN mappings
 * and portals, edited in the object's draft like every other property, and
 * their enumerations (IEnumIDMethod, IEnumWTDiskLunMapping, IEnumPortal). */
#include "istm/host.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "idl/ndr_ms_istm.h"
#include "istm/enumerator.h"
#include "istm/errmap.h"
#include "istmd/hresult.h"
#include "istmd/log.h"
#include "istmd/utf16.h"

#define DEFAULT_ISCSI_PORT 3260

/* An internal limit reached: what AddWTDisk answers (3.21.4.45, 3.22.4.1),
 * used for every list of the family. */
#define HR_LIMIT HR_WIN32(ERROR_HANDLE_EOF)

static const struct core_target *draft_target(const struct istm_host *h)
{
	return core_draft_target(h->draft);
}

/* ---- initiator IDs (3.21.4.40-3.21.4.43) ---- */

void host_enum_ids(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_EnumIDs *r = rv;
	const struct core_target *t = draft_target(host_of(object));
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumIDMethod);
	for (size_t i = 0; items != NULL && i < t->n_ids; i++) {
		struct ID *e = istm_enum_add_element(items);
		if (e == NULL || WSTR_SET(e->szValue, t->ids[i].value) != 0) {
			items = NULL; /* freed with the call */
			break;
		}
		e->eMethod = (enum IDMethod)t->ids[i].method; /* the same numbering */
	}
	dcom_call_done(call, items ? istm_enum_return(call, items, r->out.ppEnumIDMethod)
				   : E_OUTOFMEMORY);
}

/* The method and text of an ID: E_INVALIDARG for a reserved method value
 * (3.1.4.2.4, IDInvalid included) or text that is not UTF-16. */
static uint32_t parse_id(TALLOC_CTX *mem, const struct ID *id, enum core_id_method *m,
			 char **value)
{
	if (id == NULL || (int)id->eMethod < (int)IDNetBiosName ||
	    (int)id->eMethod > (int)IDIPv6Address)
		return E_INVALIDARG;
	*m = (enum core_id_method)id->eMethod;
	*value = WSTR_GET(mem, id->szValue);
	return *value != NULL ? S_OK : E_INVALIDARG;
}

static const struct istm_errmap add_id_errors[] = {
	{ -EINVAL, HR_WIN32(ERROR_INVALID_DATA) },
	{ -EOPNOTSUPP, HR_WIN32(ERROR_NOT_SUPPORTED) },
	{ -ERANGE, HR_LIMIT },
	{ 0, 0 },
};

void host_add_id(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_AddID *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	enum core_id_method m;
	char *value = NULL, *why = NULL;
	uint32_t hr = parse_id(r, r->in.pIDMethod, &m, &value);
	if (hr != S_OK) {
		dcom_call_done(call, hr);
		return;
	}
	/* Present already: S_OK (3.21.4.41). */
	int rc = core_draft_add_id(h->draft, m, value, &why);
	if (rc == -EOPNOTSUPP)
		log_info("%s: %s", dcom_call_user(call), why ? why : "identifier refused");
	else if (rc < 0)
		log_debug("AddID %s '%s' refused: %s", core_id_method_name(m), value,
			  why ? why : strerror(-rc));
	else
		host_changed(h, HOST_IDS);
	talloc_free(why);
	dcom_call_done(call, istm_hr(rc, add_id_errors));
}

void host_remove_id(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_RemoveID *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	enum core_id_method m;
	char *value = NULL;
	uint32_t hr = parse_id(r, r->in.pIDMethod, &m, &value);
	/* Not there: S_OK (3.21.4.42). Sessions it admitted end when the target
	 * is saved without it (the backend drops what its ACL no longer allows). */
	if (hr == S_OK && core_draft_remove_id(h->draft, m, value) == 0)
		host_changed(h, HOST_IDS);
	dcom_call_done(call, hr);
}

void host_remove_all_ids(struct dcom_call *call, void *object, void *rv)
{
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	if (draft_target(h)->n_ids > 0) {
		core_draft_remove_all_ids(h->draft);
		host_changed(h, HOST_IDS);
	}
	dcom_call_done(call, S_OK);
}

/* ---- LUN mappings (3.21.4.44-3.21.4.48) ---- */

void host_enum_luns(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_EnumWTDiskLunMappings *r = rv;
	const struct core_target *t = draft_target(host_of(object));
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumWTDiskLunMapping);
	for (size_t i = 0; items != NULL && i < t->n_luns; i++) {
		struct LUN_MAPPING *e = istm_enum_add_element(items);
		if (e == NULL) {
			items = NULL;
			break;
		}
		e->dwLun = t->luns[i].lun;
		e->dwWTD = t->luns[i].wtd;
	}
	dcom_call_done(call, items ? istm_enum_return(call, items, r->out.ppEnumWTDiskLunMapping)
				   : E_OUTOFMEMORY);
}

static const struct istm_errmap add_disk_errors[] = {
	{ -ENOENT, HR_WIN32(ERROR_FILE_NOT_FOUND) },
	/* a dynamic or differencing VHD where this server does not serve them
	 * ([vhd] serve = no, or no istmd-vhdfs): not ERROR_DELETE_PENDING, which
	 * says something else entirely (issue 12) */
	{ -EMEDIUMTYPE, HR_WIN32(ERROR_NOT_SUPPORTED) },
	/* the parent of a registered differencing disk (rules_disk_servable) */
	{ -EBUSY, HR_WIN32(ERROR_SHARING_VIOLATION) },
	{ -ERANGE, HR_LIMIT },
	{ 0, 0 },
};

void host_add_disk(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_AddWTDisk *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	char *why = NULL;
	uint32_t lun = 0;
	/* Mapped already: S_OK. Otherwise the first free LUN (3.21.4.45). */
	int rc = core_draft_add_disk(h->draft, r->in.nWTD, &lun, &why);
	if (rc < 0)
		log_debug("AddWTDisk %" PRIu32 " refused: %s", r->in.nWTD,
			  why ? why : strerror(-rc));
	else
		host_changed(h, HOST_LUNS);
	talloc_free(why);
	dcom_call_done(call, istm_hr(rc, add_disk_errors));
}

void host_remove_disk(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_RemoveWTDisk *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	/* Not assigned to this target: ERROR_FILE_NOT_FOUND (3.21.4.46). */
	int rc = core_draft_remove_disk(h->draft, r->in.nWTD);
	if (rc == 0)
		host_changed(h, HOST_LUNS);
	dcom_call_done(call, istm_hr(rc, NULL));
}

void host_remove_all_disks(struct dcom_call *call, void *object, void *rv)
{
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	if (draft_target(h)->n_luns > 0) {
		core_draft_remove_all_disks(h->draft);
		host_changed(h, HOST_LUNS);
	}
	dcom_call_done(call, S_OK);
}

/* 3.21.4.48, in its order: the LUN's range, the LUN free, then the disk
 * assigned here. */
void host_set_lun(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_SetWTDiskLunMapping *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	const struct core_target *t = draft_target(h);
	uint32_t min_lun, max_lun;
	core_lun_range(h->ctx->core, &min_lun, &max_lun, NULL);
	if (r->in.nNewLun < min_lun || r->in.nNewLun > max_lun) {
		dcom_call_done(call, E_INVALIDARG);
		return;
	}
	for (size_t i = 0; i < t->n_luns; i++) {
		if (t->luns[i].lun == r->in.nNewLun && t->luns[i].wtd != r->in.nWTD) {
			dcom_call_done(call, HR_WIN32(ERROR_FILE_EXISTS));
			return;
		}
	}
	int rc = core_draft_set_lun(h->draft, r->in.nWTD, r->in.nNewLun);
	if (rc == 0)
		host_changed(h, HOST_LUNS);
	dcom_call_done(call, rc == -ERANGE ? E_INVALIDARG : istm_hr(rc, NULL));
}

/* ---- portals (3.21.4.49-3.21.4.52; notes <37>-<40>: Windows does nothing) ---- */

/* The portals the target is reachable on: its own, or the backend's. */
static const struct core_portal *effective_portals(const struct istm_host *h, TALLOC_CTX *mem,
						   size_t *n)
{
	const struct core_target *t = draft_target(h);
	if (t->n_portals > 0 || h->ctx->backend == NULL) {
		*n = t->n_portals;
		return t->portals;
	}
	size_t nb = 0;
	const struct iscsi_portal *bp = iscsi_backend_portals(h->ctx->backend, &nb);
	struct core_portal *ps = talloc_zero_array(mem, struct core_portal, nb + 1);
	for (size_t i = 0; ps != NULL && i < nb; i++)
		ps[i] = (struct core_portal){ bp[i].address, bp[i].port };
	*n = ps ? nb : 0;
	return ps;
}

static bool is_wildcard(const char *address)
{
	return strcmp(address, "0.0.0.0") == 0 || strcmp(address, "::") == 0;
}

static const unsigned char *sockaddr_bytes(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET
		       ? (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr
		       : (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
}

/* Whether ADDRESS is one of this host's, the wildcard, or in a loopback
 * interface's network (all of 127.0.0.0/8 answers locally): PORTAL bValid. */
static bool address_is_local(const char *address, const struct ifaddrs *ifs)
{
	if (is_wildcard(address))
		return true;
	unsigned char want[sizeof(struct in6_addr)];
	int family = strchr(address, ':') ? AF_INET6 : AF_INET;
	size_t len = family == AF_INET ? 4 : 16;
	if (inet_pton(family, address, want) != 1)
		return false;
	for (const struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != family)
			continue;
		const unsigned char *have = sockaddr_bytes(i->ifa_addr);
		const unsigned char *mask = (i->ifa_flags & IFF_LOOPBACK) && i->ifa_netmask
						    ? sockaddr_bytes(i->ifa_netmask)
						    : NULL;
		bool same = true;
		for (size_t k = 0; k < len && same; k++)
			same = mask ? (have[k] & mask[k]) == (want[k] & mask[k]) : have[k] == want[k];
		if (same)
			return true;
	}
	return false;
}

/* PORTAL's Guid: the same portal always gets the same one (FNV-1a over
 * "address:port", two seeds, stamped as an RFC 9562 version 8 UUID). */
static void portal_guid(const struct core_portal *p, struct GUID *out)
{
	char text[INET6_ADDRSTRLEN + 8];
	snprintf(text, sizeof(text), "%s:%u", p->address, p->port);
	uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
	for (const char *c = text; *c; c++) {
		a = (a ^ (unsigned char)*c) * 0x100000001b3ULL;
		b = (b ^ (unsigned char)*c) * 0x100000001b3ULL;
	}
	out->time_low = (uint32_t)(a >> 32);
	out->time_mid = (uint16_t)(a >> 16);
	out->time_hi_and_version = (uint16_t)((a & 0x0fff) | 0x8000);
	out->clock_seq[0] = (uint8_t)(((b >> 56) & 0x3f) | 0x80);
	out->clock_seq[1] = (uint8_t)(b >> 48);
	for (int i = 0; i < 6; i++)
		out->node[i] = (uint8_t)(b >> (40 - 8 * i));
}

void host_enum_portals(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_EnumPortals *r = rv;
	struct istm_host *h = host_of(object);
	const struct core_target *t = draft_target(h);
	size_t n = 0;
	const struct core_portal *ps = effective_portals(h, call, &n);
	/* Listening: the backend is up and carries this target as saved. */
	struct core_target_state st = { 0 };
	bool listening = h->ctx->backend != NULL && iscsi_backend_is_up(h->ctx->backend, NULL) &&
			 core_target_state(call, h->ctx->core, t->guid, &st) == 0 && st.applied;
	struct ifaddrs *ifs = NULL;
	if (getifaddrs(&ifs) != 0)
		ifs = NULL;
	struct istm_enum_items *items = istm_enum_items_new(call, &istm_enum_IEnumPortal);
	for (size_t i = 0; items != NULL && i < n; i++) {
		struct PORTAL *e = istm_enum_add_element(items);
		if (e == NULL || WSTR_SET(e->szIpAddress, ps[i].address) != 0) {
			items = NULL;
			break;
		}
		portal_guid(&ps[i], &e->Guid);
		e->dwPort = ps[i].port;
		e->bListen = listening;
		e->bSecure = false; /* no IPsec (note <6>) */
		e->bValid = address_is_local(ps[i].address, ifs);
	}
	if (ifs != NULL)
		freeifaddrs(ifs);
	dcom_call_done(call, items ? istm_enum_return(call, items, r->out.ppEnumPortal)
				   : E_OUTOFMEMORY);
}

/* -ENOTSUP: tgt cannot bind a portal to one target (docs/compat.md). The
 * spec lists only E_NOTIMPL (Windows, note <38>); the method is implemented
 * here, only this request cannot be honoured: ERROR_NOT_SUPPORTED. */
static const struct istm_errmap portal_errors[] = {
	{ -ERANGE, HR_LIMIT },
	{ -ENOTSUP, HR_WIN32(ERROR_NOT_SUPPORTED) },
	{ 0, 0 },
};

/* "ADDRESS", "ADDRESS:PORT" or "[IPV6]:PORT" (port 3260 by default); a
 * host name or anything else: E_INVALIDARG. */
void host_add_portal(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_AddPortal *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	int rc = r->in.IpAddress ? core_draft_add_portal(h->draft, r->in.IpAddress) : -EINVAL;
	if (rc == 0)
		host_changed(h, HOST_PORTALS);
	dcom_call_done(call, istm_hr(rc, portal_errors));
}

void host_remove_portal(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_RemovePortal *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	/* Absent: S_OK, as Windows (note <39>); malformed: E_INVALIDARG. */
	int rc = r->in.IpAddress ? core_draft_remove_portal(h->draft, r->in.IpAddress) : -EINVAL;
	if (rc == 0)
		host_changed(h, HOST_PORTALS);
	dcom_call_done(call, rc == -ENOENT ? S_OK : istm_hr(rc, NULL));
}

void host_remove_all_portals(struct dcom_call *call, void *object, void *rv)
{
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	if (draft_target(h)->n_portals > 0) {
		core_draft_remove_all_portals(h->draft);
		host_changed(h, HOST_PORTALS);
	}
	dcom_call_done(call, S_OK);
}

/* ListenAllNetworkAdapters (3.21.4.36, 3.21.4.37) is a view of the portals:
 * true when the target is reachable on a wildcard address. */
static bool listens_everywhere(const struct istm_host *h, TALLOC_CTX *mem)
{
	size_t n = 0;
	const struct core_portal *ps = effective_portals(h, mem, &n);
	for (size_t i = 0; i < n; i++)
		if (is_wildcard(ps[i].address))
			return true;
	return false;
}

void host_get_listen_all(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_get_ListenAllNetworkAdapters *r = rv;
	*r->out.pListenAll = listens_everywhere(host_of(object), call);
	dcom_call_done(call, S_OK);
}

/* True adds the IPv4 wildcard portal on the port the target uses; false
 * removes the target's wildcard portals. When the wildcard is the
 * configured [iscsi] portal of a target without portals of its own, it
 * cannot be taken away from one target: ERROR_NOT_SUPPORTED. */
void host_put_listen_all(struct dcom_call *call, void *object, void *rv)
{
	struct IHost_put_ListenAllNetworkAdapters *r = rv;
	struct istm_host *h = host_of(object);
	if (!host_may_edit(call, h))
		return;
	bool want = r->in.bListenAll != 0;
	if (want == listens_everywhere(h, call)) {
		dcom_call_done(call, S_OK);
		return;
	}
	const struct core_target *t = draft_target(h);
	int rc = 0;
	if (want) {
		size_t n = 0;
		const struct core_portal *ps = effective_portals(h, call, &n);
		char *text = talloc_asprintf(call, "0.0.0.0:%u",
					     n > 0 ? ps[0].port : DEFAULT_ISCSI_PORT);
		rc = text ? core_draft_add_portal(h->draft, text) : -ENOMEM;
	} else {
		size_t keep = 0, nb = 0;
		for (size_t i = 0; i < t->n_portals; i++)
			keep += !is_wildcard(t->portals[i].address);
		const struct iscsi_portal *bp =
			h->ctx->backend ? iscsi_backend_portals(h->ctx->backend, &nb) : NULL;
		bool configured_wildcard = false;
		for (size_t i = 0; i < nb; i++)
			configured_wildcard |= is_wildcard(bp[i].address);
		if (keep == 0 && configured_wildcard) {
			log_info("%s: a target cannot stop listening on every address while [iscsi] "
				 "portal is a wildcard address; give it portals of its own",
				 dcom_call_user(call));
			dcom_call_done(call, HR_WIN32(ERROR_NOT_SUPPORTED));
			return;
		}
		for (size_t i = t->n_portals; rc == 0 && i-- > 0;) {
			t = draft_target(h);
			if (is_wildcard(t->portals[i].address)) {
				char *text = talloc_asprintf(call, strchr(t->portals[i].address, ':')
									   ? "[%s]:%u"
									   : "%s:%u",
							     t->portals[i].address,
							     t->portals[i].port);
				rc = text ? core_draft_remove_portal(h->draft, text) : -ENOMEM;
			}
		}
	}
	if (rc == 0)
		host_changed(h, HOST_PORTALS);
	dcom_call_done(call, istm_hr(rc, portal_errors));
}
