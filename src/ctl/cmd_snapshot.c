/* istmctl snapshot: snapshots through ISnapshotMgr and ISnapshot as a
 * console drives them: create = PrepareCreateSnapshot per disk, one
 * DoCreateSnapshot (the set is taken at one instant), DoEndSnapshot per
 * snapshot (MS-ISTM 3.38.4.3-5); list = EnumSnapshots and Next one at a
 * time; show/rollback/export = GetSnapshot then the ISnapshot method;
 * export --map = IHost AddWTDisk and Save; schedule: cmd_snapshot_schedule.c. */
#include "ctl/cmd_snapshot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/cmd_common.h"
#include "ctl/cmd_snapshot_schedule.h"
#include "ctl/errors.h"
#include "ctl/parse.h"
#include "ctl/remote.h"
#include "dcom/client.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"

#define MAX_SNAPSHOTS 100000
#define NO_WTD UINT32_MAX
#define FT_UNIX_EPOCH 116444736000000000LL
#define FT_PER_S 10000000LL

enum { OPT_MAP = 1 };

static struct {
	const char *map;
} opt;

static bool set_option(int o, const char *arg)
{
	bool ok;
	if (ctl_schedule_option(o, arg, &ok))
		return ok;
	switch (o) {
	case OPT_MAP: opt.map = arg; return true;
	default: return false;
	}
}

struct snap_info {
	char id[40];
	uint32_t orig_wtd, exported_wtd, status;
	int64_t timestamp;
	bool persistent;
};

static const char *guid_text(struct ctl_conn *c, const struct GUID *g)
{
	struct GUID_txt_buf b;
	return talloc_strdup(c, GUID_buf_string(g, &b));
}

static int parse_id(const char *who, const char *text, struct GUID *g)
{
	const char *t = text;
	char buf[40];
	size_t n = strlen(t);
	if (n == 38 && t[0] == '{' && t[37] == '}') {
		memcpy(buf, t + 1, 36);
		buf[36] = '\0';
		t = buf;
	}
	if (!NT_STATUS_IS_OK(GUID_from_string(t, g))) {
		ctl_error(0, "%s: '%s' is not a snapshot id (a GUID)", who, text);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

static int read_snapshot(struct ctl_conn *c, struct dcom_iface *s, struct snap_info *out)
{
	struct ISnapshot_get_Id id = { 0 };
	struct ISnapshot_get_OrigWTD ow = { 0 };
	struct ISnapshot_get_ExportedWTD ew = { 0 };
	struct ISnapshot_get_Status st = { 0 };
	struct ISnapshot_get_TimeStamp ts = { 0 };
	struct ISnapshot_get_Persistent pe = { 0 };
	const struct idl_interface *I = &idl_iface_ISnapshot;
	int ret = ctl_call(c, s, I, NDR_ISNAPSHOT_GET_ID, &id, "Id", NULL, NULL);
	if (ret == 0)
		ret = ctl_call(c, s, I, NDR_ISNAPSHOT_GET_ORIGWTD, &ow, "OrigWTD", NULL, NULL);
	if (ret == 0)
		ret = ctl_call(c, s, I, NDR_ISNAPSHOT_GET_EXPORTEDWTD, &ew, "ExportedWTD", NULL,
			       NULL);
	if (ret == 0)
		ret = ctl_call(c, s, I, NDR_ISNAPSHOT_GET_STATUS, &st, "Status", NULL, NULL);
	if (ret == 0)
		ret = ctl_call(c, s, I, NDR_ISNAPSHOT_GET_TIMESTAMP, &ts, "TimeStamp", NULL, NULL);
	if (ret == 0)
		ret = ctl_call(c, s, I, NDR_ISNAPSHOT_GET_PERSISTENT, &pe, "Persistent", NULL, NULL);
	if (ret != 0)
		return ret;
	snprintf(out->id, sizeof(out->id), "%s", guid_text(c, id.out.pId));
	out->orig_wtd = *ow.out.pWTD;
	out->exported_wtd = *ew.out.pWTD;
	out->status = *st.out.pStatus;
	out->timestamp = *ts.out.pTimeStamp;
	out->persistent = *pe.out.pPersistent;
	return 0;
}

static char *time_text(struct ctl_conn *c, int64_t ft)
{
	time_t t = (time_t)((ft - FT_UNIX_EPOCH) / FT_PER_S);
	struct tm tm;
	char buf[64];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return talloc_strdup(c, buf);
}

static const char *status_text(uint32_t s)
{
	if (s & 4u)
		return "rolling back";
	if (s & 2u)
		return "mounted";
	if (s & 1u)
		return "exported";
	return "idle";
}

static json_t *snap_json(struct ctl_conn *c, const struct snap_info *s)
{
	return json_pack("{s:s, s:I, s:s, s:o, s:b, s:s, s:I}", "id", s->id, "disk",
			 (json_int_t)s->orig_wtd, "time", time_text(c, s->timestamp), "exported_wtd",
			 s->exported_wtd == NO_WTD ? json_null() : json_integer(s->exported_wtd),
			 "persistent", s->persistent, "status", status_text(s->status), "status_flags",
			 (json_int_t)s->status);
}

static void snap_print(struct ctl_conn *c, const struct snap_info *s, bool header)
{
	if (header)
		printf("%-36s  %5s  %-20s  %-8s  %s\n", "ID", "DISK", "TIME (UTC)", "EXPORTED",
		       "STATUS");
	char ex[16] = "-";
	if (s->exported_wtd != NO_WTD)
		snprintf(ex, sizeof(ex), "%" PRIu32, s->exported_wtd);
	printf("%-36s  %5" PRIu32 "  %-20s  %-8s  %s\n", s->id, s->orig_wtd,
	       time_text(c, s->timestamp), ex, status_text(s->status));
}

static int get_snapshot(struct ctl_conn *c, const char *text, struct dcom_iface **out)
{
	struct GUID g;
	struct dcom_iface *mgr;
	int ret = parse_id(c->who, text, &g);
	if (ret == 0)
		ret = ctl_manager(c, CTL_SNAPSHOT_MGR, &mgr);
	if (ret == 0) {
		struct ISnapshotMgr_GetSnapshot r = { .in.SnapshotId = g };
		ret = ctl_call(c, mgr, &idl_iface_ISnapshotMgr, NDR_ISNAPSHOTMGR_GETSNAPSHOT, &r,
			       "GetSnapshot", ctl_quote(c, text), NULL);
		if (ret == 0)
			ret = ctl_unmarshal(c, *r.out.ppSnapshot, "GetSnapshot", out);
	}
	return ret;
}

static int show_one(struct ctl_conn *c, const struct ctl_options *o, const char *id,
		    const char *what)
{
	struct dcom_iface *s;
	struct snap_info si;
	int ret = get_snapshot(c, id, &s);
	if (ret == 0)
		ret = read_snapshot(c, s, &si);
	if (ret != 0)
		return ret;
	if (o->json)
		return ctl_emit(c, snap_json(c, &si));
	if (what != NULL)
		printf("%s\n", what);
	snap_print(c, &si, true);
	return 0;
}

static int create(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	struct dcom_iface *mgr;
	struct GUID *ids = talloc_zero_array(c, struct GUID, n);
	int ret = ids ? ctl_manager(c, CTL_SNAPSHOT_MGR, &mgr) : CTL_EXIT_FAILURE;
	const struct idl_interface *M = &idl_iface_ISnapshotMgr;
	for (int i = 0; ret == 0 && i < n; i++) {
		uint32_t wtd;
		ret = ctl_disk_resolve(c, args[i], &wtd);
		if (ret != 0)
			break;
		struct GUID zero = { 0 };
		struct ISnapshotMgr_PrepareCreateSnapshot r = { .in.nWTD = wtd,
								.in.pSnapshotId = &zero };
		ret = ctl_call(c, mgr, M, NDR_ISNAPSHOTMGR_PREPARECREATESNAPSHOT, &r,
			       "PrepareCreateSnapshot", ctl_quote(c, args[i]), NULL);
		if (ret == 0)
			ids[i] = *r.out.pSnapshotId;
	}
	/* A set refused at one disk is refused as a whole: the snapshots
	 * prepared already are forgotten (DeleteSnapshot of a prepared id),
	 * or the server would take them with this client's next set. */
	for (int i = 0; ret != 0 && ids != NULL && i < n; i++) {
		if (GUID_all_zero(&ids[i]))
			continue;
		struct ISnapshotMgr_DeleteSnapshot d = { .in.SnapshotId = ids[i] };
		uint32_t dhr = 0; /* the set's error is the one reported */
		ctl_call(c, mgr, M, NDR_ISNAPSHOTMGR_DELETESNAPSHOT, &d, "DeleteSnapshot", NULL, &dhr);
	}
	if (ret == 0) {
		struct ISnapshotMgr_DoCreateSnapshot r = { .in.SnapshotId = ids[0] };
		ret = ctl_call(c, mgr, M, NDR_ISNAPSHOTMGR_DOCREATESNAPSHOT, &r, "DoCreateSnapshot",
			       NULL, NULL);
	}
	for (int i = 0; ret == 0 && i < n; i++) {
		struct ISnapshotMgr_DoEndSnapshot r = { .in.SnapshotId = ids[i] };
		ret = ctl_call(c, mgr, M, NDR_ISNAPSHOTMGR_DOENDSNAPSHOT, &r, "DoEndSnapshot",
			       ctl_quote(c, args[i]), NULL);
	}
	if (ret != 0)
		return ret;
	json_t *arr = o->json ? json_array() : NULL;
	for (int i = 0; i < n; i++) {
		struct dcom_iface *s;
		struct snap_info si;
		ret = get_snapshot(c, guid_text(c, &ids[i]), &s);
		if (ret == 0)
			ret = read_snapshot(c, s, &si);
		if (ret != 0)
			return ret;
		if (arr != NULL)
			json_array_append_new(arr, snap_json(c, &si));
		else
			snap_print(c, &si, i == 0);
	}
	return arr != NULL ? ctl_emit(c, arr) : 0;
}

static int list(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	uint32_t only = NO_WTD;
	struct dcom_iface *mgr, *en;
	int ret = n > 0 ? ctl_disk_resolve(c, args[0], &only) : 0;
	if (ret == 0)
		ret = ctl_manager(c, CTL_SNAPSHOT_MGR, &mgr);
	if (ret == 0) {
		struct ISnapshotMgr_EnumSnapshots r = { 0 };
		ret = ctl_call(c, mgr, &idl_iface_ISnapshotMgr, NDR_ISNAPSHOTMGR_ENUMSNAPSHOTS, &r,
			       "EnumSnapshots", NULL, NULL);
		if (ret == 0)
			ret = ctl_unmarshal(c, *r.out.ppEnumSnapshot, "EnumSnapshots", &en);
	}
	json_t *arr = o->json ? json_array() : NULL;
	size_t shown = 0;
	for (size_t i = 0; ret == 0 && i < MAX_SNAPSHOTS; i++) {
		struct MInterfacePointer *in = NULL;
		struct IEnumSnapshot_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
		uint32_t hr;
		ret = ctl_call(c, en, &idl_iface_IEnumSnapshot, NDR_IENUMSNAPSHOT_NEXT, &r,
			       "IEnumSnapshot::Next", NULL, &hr);
		if (ret == 0 && HR_FAILED(hr))
			ret = ctl_fail(c, "IEnumSnapshot::Next", NULL, hr);
		if (ret != 0 || hr != S_OK || *r.out.pNumElementsReturned != 1)
			break;
		struct dcom_iface *s;
		struct snap_info si;
		ret = ctl_unmarshal(c, r.out.pElements[0], "IEnumSnapshot::Next", &s);
		if (ret == 0)
			ret = read_snapshot(c, s, &si);
		if (ret != 0 || (only != NO_WTD && si.orig_wtd != only))
			continue;
		if (arr != NULL)
			json_array_append_new(arr, snap_json(c, &si));
		else
			snap_print(c, &si, shown == 0);
		shown++;
	}
	if (ret != 0)
		return ret;
	if (arr != NULL)
		return ctl_emit(c, arr);
	if (shown == 0)
		printf("no snapshots\n");
	return 0;
}

static int show(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	return show_one(c, o, args[0], NULL);
}

static int delete(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct GUID g;
	struct dcom_iface *mgr;
	int ret = parse_id(c->who, args[0], &g);
	if (ret == 0)
		ret = ctl_manager(c, CTL_SNAPSHOT_MGR, &mgr);
	if (ret == 0) {
		struct ISnapshotMgr_DeleteSnapshot r = { .in.SnapshotId = g };
		ret = ctl_call(c, mgr, &idl_iface_ISnapshotMgr, NDR_ISNAPSHOTMGR_DELETESNAPSHOT, &r,
			       "DeleteSnapshot", ctl_quote(c, args[0]), NULL);
	}
	if (ret != 0)
		return ret;
	if (o->json)
		return ctl_emit(c, json_pack("{s:s, s:b}", "id", guid_text(c, &g), "deleted", 1));
	printf("deleted snapshot %s\n", guid_text(c, &g));
	return 0;
}

static int rollback(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct dcom_iface *s;
	int ret = get_snapshot(c, args[0], &s);
	if (ret == 0) {
		struct ISnapshot_Rollback r = { 0 };
		ret = ctl_call(c, s, &idl_iface_ISnapshot, NDR_ISNAPSHOT_ROLLBACK, &r, "Rollback",
			       ctl_quote(c, args[0]), NULL);
	}
	return ret != 0 ? ret : show_one(c, o, args[0], "rolled the disk back to the snapshot");
}

static int export(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)n;
	struct dcom_iface *s, *host = NULL;
	uint32_t wtd = 0;
	int ret = get_snapshot(c, args[0], &s);
	if (ret == 0 && opt.map != NULL)
		ret = ctl_target_open(c, opt.map, &host); /* before: a typo costs nothing */
	if (ret == 0) {
		struct VDS_LUN_INFORMATION info = { 0 };
		struct ISnapshot_ExportAsWTDisk r = { .in.pVdsLunInfo = &info };
		ret = ctl_call(c, s, &idl_iface_ISnapshot, NDR_ISNAPSHOT_EXPORTASWTDISK, &r,
			       "ExportAsWTDisk", ctl_quote(c, args[0]), NULL);
		if (ret == 0)
			wtd = *r.out.pWTD;
	}
	if (ret == 0 && host != NULL) {
		struct IHost_AddWTDisk r = { .in.nWTD = wtd };
		ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_ADDWTDISK, &r, "AddWTDisk",
			       ctl_quote(c, opt.map), NULL);
		if (ret == 0)
			ret = ctl_target_save(c, host, ctl_quote(c, opt.map));
	}
	if (ret != 0)
		return ret;
	return ctl_show_disk(c, wtd, o->json, "exported snapshot %s as virtual disk %" PRIu32 "%s%s",
			     args[0], wtd, host ? ", mapped to target " : "",
			     host ? ctl_quote(c, opt.map) : "");
}

static const struct option export_options[] = {
	{ "map", required_argument, NULL, OPT_MAP },
	{ NULL, 0, NULL, 0 },
};

static const struct ctl_action actions[] = {
	{ "create", "WTD|PATH... (one set, taken at one instant)", 1, 64, NULL, NULL, create },
	{ "list", "[WTD|PATH]", 0, 1, NULL, NULL, list },
	{ "show", "ID", 1, 1, NULL, NULL, show },
	{ "delete", "ID", 1, 1, NULL, NULL, delete },
	{ "rollback", "ID (no initiator may be logged in to the disk)", 1, 1, NULL, NULL,
	  rollback },
	{ "export", "ID [--map TARGET]", 1, 1, export_options, NULL, export },
	{ "schedule",
	  "set NAME (--disks WTD|PATH,...|--all) --every N(m|h|d|w) [--at HH:MM] "
	  "[--days mon,...] --keep N | show [NAME] | list | clear NAME | "
	  "set --at HH:MM (--every-day|--day DAY) | clear (the MS-ISTM default schedule)",
	  1, 2, ctl_schedule_options, ctl_schedule_check, ctl_schedule_run },
};

int cmd_snapshot(const struct ctl_options *options, int argc, char **argv)
{
	return ctl_dispatch("snapshot", actions, sizeof(actions) / sizeof(actions[0]), options,
			    argc, argv, set_option);
}
