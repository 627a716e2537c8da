#include "ctl/errors.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "istmd/hresult.h"

/* Secrets need PKT_PRIVACY on the server unless [istm] allow_unsealed_secrets. */
#define SECRET_DENIED                                                                      \
	"access denied (a CHAP secret travels only encrypted: use --level privacy, the "   \
	"default, or an admin account)"

/* What a method's HRESULT means (MS-ISTM section 3, per method; docs/core.md
 * for the cases istmd adds). Entries with a method come first: the first
 * match wins. */
static const struct {
	const char *method; /* NULL: any method */
	uint32_t hr;
	const char *meaning;
} meanings[] = {
	/* targets (MS-ISTM 3.21, 3.25) */
	{ "GetHost", HR_WIN32(ERROR_FILE_NOT_FOUND), "no such target" },
	{ "GetSession", HR_WIN32(ERROR_FILE_NOT_FOUND), "no session has this TSIH" },
	{ "GetHostByTargetIQN", HR_WIN32(ERROR_FILE_NOT_FOUND), "no target has this IQN" },
	{ "DeleteHost", HR_WIN32(ERROR_FILE_NOT_FOUND), "no such target" },
	{ "NewHost", HR_WIN32(ERROR_FILE_EXISTS), "a target with this name already exists" },
	{ "NewHost", HR_WIN32(ERROR_INVALID_DATA),
	  "the server refused the target name (letters, digits, '.', ':' and '-')" },
	{ "Name", HR_WIN32(ERROR_FILE_EXISTS), "a target with this name already exists" },
	{ "Name", HR_WIN32(ERROR_INVALID_DATA), "the server refused the target name" },
	{ "TargetIQN", HR_WIN32(ERROR_INVALID_DATA), "not a valid iSCSI name (iqn., eui. or naa.)" },
	{ "TargetIQN", HR_WIN32(ERROR_FILE_EXISTS), "another target already has this IQN" },
	{ "AddID", HR_WIN32(ERROR_INVALID_DATA), "not a valid initiator identifier" },
	{ "AddID", HR_WIN32(ERROR_NOT_SUPPORTED),
	  "this server cannot enforce that kind of identifier (MAC addresses, NetBIOS names; "
	  "with the LIO backend IP addresses and DNS names too: allow the IQN)" },
	{ "AddID", E_INVALIDARG, "the server refused the identifier (too many on this target?)" },
	{ "AddWTDisk", HR_WIN32(ERROR_FILE_NOT_FOUND), "no such virtual disk" },
	{ "AddWTDisk", HR_WIN32(ERROR_HANDLE_EOF), "the target has as many LUNs as it can have" },
	{ "AddID", HR_WIN32(ERROR_HANDLE_EOF), "the target has as many initiators as it can have" },
	{ "RemoveWTDisk", HR_WIN32(ERROR_FILE_NOT_FOUND), "the disk is not mapped to this target" },
	{ "SetWTDiskLunMapping", HR_WIN32(ERROR_FILE_EXISTS), "the LUN number is taken on this target" },
	{ "SetWTDiskLunMapping", HR_WIN32(ERROR_FILE_NOT_FOUND), "the disk is not mapped to this target" },
	{ "SetWTDiskLunMapping", E_INVALIDARG, "the LUN number is outside the server's range" },
	{ "ValidateChapSecret", HR_WIN32(ERROR_BAD_LENGTH), "the server refuses a secret of this length" },
	{ "ValidateChapSecret", HR_WIN32(ERROR_DUP_NAME),
	  "the one-way and mutual CHAP secrets must differ" },
	{ "ValidateReverseChapSecret", HR_WIN32(ERROR_BAD_LENGTH),
	  "the server refuses a secret of this length" },
	{ "ValidateReverseChapSecret", HR_WIN32(ERROR_DUP_NAME),
	  "the one-way and mutual CHAP secrets must differ" },
	{ "CHAPUserName", E_INVALIDARG, "the server refused the CHAP user name" },
	{ "ReverseCHAPUserName", E_INVALIDARG, "the server refused the CHAP user name" },
	{ "CHAPSecret", E_INVALIDARG, "the server refused the CHAP secret" },
	{ "ReverseCHAPSecret", E_INVALIDARG, "the server refused the CHAP secret" },
	{ "Save", HR_WIN32(ERROR_FILE_EXISTS),
	  "the name, the IQN or a LUN number is taken by another target" },
	{ "Save", HR_WIN32(ERROR_DUP_NAME),
	  "the CHAP user name has another secret on another target" },
	{ "Save", HR_WIN32(ERROR_FILE_NOT_FOUND),
	  "the target, or a disk mapped to it, was deleted meanwhile" },
	{ "Save", E_INVALIDARG,
	  "the target's settings do not fit together (CHAP without a user name or secret, "
	  "mutual CHAP without one-way CHAP, FirstBurstLength above MaxBurstLength)" },
	{ "Save", HR_WIN32(ERROR_NOT_SUPPORTED),
	  "a mapped disk cannot be served as a LUN (dynamic and differencing VHDs need "
	  "istmd-vhdfs: see [vhd] in istmd.conf)" },
	/* virtual disks (MS-ISTM 3.43, 3.46) and files (3.30) */
	{ "GetWTDisk", HR_WIN32(ERROR_FILE_NOT_FOUND), "no such virtual disk" },
	{ "IsPathValid", E_FAIL, "the path is malformed, a directory, or not on a usable volume" },
	{ "IsPathValid", HR_WIN32(ERROR_DEVICE_IN_USE), "a virtual disk already uses this file" },
	{ "IsPathValid", HR_WIN32(ERROR_INVALID_DRIVE),
	  "the path is not under a storage root, or is on a volume mounted inside one" },
	{ "IsPathValid", HR_WIN32(ERROR_PATH_NOT_FOUND), "its directory does not exist" },
	{ "GetDriveInfo", HR_WIN32(ERROR_INVALID_DRIVE), "the path is not under a storage root" },
	{ "IsValidWtDevice", HR_WIN32(ERROR_INVALID_DATA), "the file is not a valid VHD" },
	{ "IsValidWtDevice", HR_WIN32(ERROR_FILE_NOT_FOUND), "the file does not exist" },
	{ "DoesFileExist", E_FAIL, "the file does not exist" },
	{ "CreateWtFile", E_INVALIDARG, "malformed path, a directory, or a size below 1 MiB" },
	{ "CreateWtFile", HR_WIN32(ERROR_BAD_LENGTH),
	  "the size is outside the server's limits (8 MiB to 2040 GiB, and the file system's)" },
	{ "CreateWtFile", HR_WIN32(ERROR_FILE_EXISTS), "the file already exists" },
	{ "CreateWtFile", HR_WIN32(ERROR_SHARING_VIOLATION), "a virtual disk uses this file" },
	{ "CreateWTDisk", E_FAIL, "the path is malformed or not a file" },
	{ "CreateWTDisk", HR_WIN32(ERROR_ALREADY_EXISTS), "a virtual disk already uses this path" },
	{ "CreateWTDisk", HR_WIN32(ERROR_INVALID_DATA), "the file is not a valid VHD" },
	{ "CreateWTDisk", HR_WIN32(ERROR_FILE_NOT_FOUND), "the file does not exist" },
	{ "DeleteWtFile", HR_WIN32(ERROR_FILE_NOT_FOUND), "the file does not exist" },
	{ "DeleteWtFile", HR_WIN32(ERROR_SHARING_VIOLATION), "a virtual disk still uses the file" },
	/* CHAP secrets travel only sealed unless the server allows less */
	{ "ValidateChapSecret", E_ACCESSDENIED, SECRET_DENIED },
	{ "ValidateReverseChapSecret", E_ACCESSDENIED, SECRET_DENIED },
	{ "CHAPSecret", E_ACCESSDENIED, SECRET_DENIED },
	{ "ReverseCHAPSecret", E_ACCESSDENIED, SECRET_DENIED },
	/* snapshots (cmd_snapshot.c) */
	{ "PrepareCreateSnapshot", HR_WIN32(ERROR_FILE_NOT_FOUND),
	  "no such virtual disk, or it is disabled" },
	{ "PrepareCreateSnapshot", HR_WIN32(ERROR_INVALID_FUNCTION),
	  "this disk cannot have snapshots (not a fixed VHD)" },
	{ "DoEndSnapshot", HR_WIN32(ERROR_INVALID_FUNCTION),
	  "this disk cannot have snapshots (not a fixed VHD)" },
	{ "PrepareCreateSnapshot", HR(0x8004230C),
	  "this disk cannot have snapshots: its file system cannot reflink (ext4, XFS without "
	  "reflink=1; see docs/snapshots.md)" },
	{ "DoEndSnapshot", HR(0x8004230C),
	  "this disk cannot have snapshots: its file system cannot reflink (ext4, XFS without "
	  "reflink=1; see docs/snapshots.md)" },
	{ "DoEndSnapshot", HR(0x80042317),
	  "the disk has as many snapshots as it may have (4096): delete some first" },
	{ "GetSnapshot", HR_WIN32(ERROR_FILE_NOT_FOUND), "no such snapshot" },
	{ "Rollback", HR_WIN32(ERROR_SHARING_VIOLATION),
	  "initiators are logged in to a target that maps the disk: log them out first" },
	{ "Rollback", HR_WIN32(ERROR_INVALID_HANDLE), "the disk is disabled" },
	{ "Rollback", HR_WIN32(ERROR_FILE_NOT_FOUND), "the snapshot's disk is gone" },
	{ "Rollback", HR(0x800703e5), "a rollback of this disk is under way" },
	{ "ExportAsWTDisk", E_ABORT, "the snapshot is exported already" },
	{ "DeleteSnapshot", HR_WIN32(ERROR_SHARING_VIOLATION),
	  "the snapshot is being exported or rolled back, or its exported disk is in use" },
	{ "DVSetSnapshotSchedule", HR_WIN32(ERROR_NOT_SUPPORTED),
	  "no storage root of this server can make snapshots" },
	/* istmd's own IIstmdSnapshotSchedules (idl/istmd-ext.idl) */
	{ "SetSchedule", HR_WIN32(ERROR_NOT_SUPPORTED),
	  "no storage root of this server can make snapshots" },
	{ "SetSchedule", E_INVALIDARG,
	  "bad schedule (name: 1-64 letters, digits, '.', '_', '-'; keep 1-4096; --days "
	  "needs --every of at most 1d)" },
	{ "SetSchedule", HR_WIN32(ERROR_FILE_NOT_FOUND), "no such virtual disk" },
	{ "SetSchedule", HR_WIN32(68u), "istmd keeps at most 64 snapshot schedules" },
	{ "GetSchedule", HR_WIN32(ERROR_NOT_FOUND), "no snapshot schedule has this name" },
	{ "ClearSchedule", HR_WIN32(ERROR_NOT_FOUND), "no snapshot schedule has this name" },
	/* any method */
	{ NULL, E_ACCESSDENIED,
	  "access denied (the account must be an istmd admin; paths must be under a storage root)" },
	{ NULL, E_INVALIDARG, "the server refused a value" },
	{ NULL, E_FAIL, "the operation failed" },
	{ NULL, E_NOTIMPL, "this server does not implement it" },
	{ NULL, E_OUTOFMEMORY, "the server is out of memory" },
	{ NULL, E_POINTER, "a required value is missing" },
	{ NULL, HR_WIN32(ERROR_FILE_NOT_FOUND), "not found" },
	{ NULL, HR_WIN32(ERROR_PATH_NOT_FOUND), "the path does not exist" },
	{ NULL, HR_WIN32(ERROR_INVALID_DATA), "the server refused the name or data" },
	{ NULL, HR_WIN32(ERROR_NOT_READY),
	  "the server is not ready (starting, stopping, or its iSCSI target is down)" },
	{ NULL, HR_WIN32(ERROR_BAD_LENGTH), "a size or length is outside the server's limits" },
	{ NULL, HR_WIN32(ERROR_SHARING_VIOLATION), "the file is in use" },
	{ NULL, HR_WIN32(ERROR_NOT_SUPPORTED), "this server does not support it" },
	{ NULL, HR_WIN32(ERROR_FILE_EXISTS), "it already exists" },
	{ NULL, HR_WIN32(ERROR_ALREADY_EXISTS), "it already exists" },
	{ NULL, HR_WIN32(ERROR_OBJECT_ALREADY_EXISTS), "it already exists" },
	{ NULL, HR_WIN32(ERROR_DRIVE_LOCKED),
	  "initiators are logged in to a target that uses this disk" },
	{ NULL, HR_WIN32(ERROR_DISK_FULL), "no space left on the storage" },
	{ NULL, HR_WIN32(ERROR_BUSY), "another operation on it is under way; try again" },
	{ NULL, HR_WIN32(ERROR_DEVICE_IN_USE), "a virtual disk already uses this file" },
	{ NULL, HR_WIN32(ERROR_HANDLE_EOF),
	  "a limit of the target is reached (LUNs, initiators or portals)" },
	{ NULL, HR_WIN32(ERROR_DUP_NAME), "the CHAP secret or user name is not unique" },
	{ "AddWTDisk", HR_WIN32(ERROR_NOT_SUPPORTED),
	  "the disk cannot be served as a LUN (dynamic and differencing VHDs need "
	  "istmd-vhdfs: see [vhd] in istmd.conf)" },
	{ NULL, HR_WIN32(ERROR_UNSUPPORTED_TYPE), "this kind of VHD is not supported" },
	{ NULL, HR_WIN32(ERROR_INVALID_DRIVE), "this volume cannot hold virtual disks" },
	{ NULL, HR_WIN32(ERROR_INVALID_NAME), "the name or path is not valid (too long?)" },
	{ NULL, HR_WIN32(ERROR_FILE_TOO_LARGE), "the file is too large for its file system" },
	{ NULL, HR_WIN32(ERROR_INVALID_FUNCTION), "not possible in the current state" },
	{ NULL, HR_WIN32(ERROR_DEPENDENT_RESOURCE_EXISTS), "a snapshot of the disk is mounted" },
};

const char *ctl_hresult_meaning(const char *method, uint32_t hr)
{
	for (size_t i = 0; i < sizeof(meanings) / sizeof(meanings[0]); i++) {
		if (meanings[i].hr != hr)
			continue;
		if (meanings[i].method == NULL ||
		    (method != NULL && strcmp(meanings[i].method, method) == 0))
			return meanings[i].meaning;
	}
	return HR_FAILED(hr) ? "the server reported an error" : "the call did not succeed";
}

enum ctl_exit ctl_hresult_exit(uint32_t hr)
{
	switch (hr) {
	case E_ACCESSDENIED:
	case HR_WIN32(ERROR_INVALID_DRIVE): /* a path outside the storage roots */
		return CTL_EXIT_DENIED;
	case E_INVALIDARG:
	case E_POINTER:
	case HR_WIN32(ERROR_INVALID_DATA):
	case HR_WIN32(ERROR_BAD_LENGTH):
	case HR_WIN32(ERROR_INVALID_NAME):
	case HR_WIN32(ERROR_HANDLE_EOF):
	case HR_WIN32(ERROR_DELETE_PENDING):
	case HR_WIN32(ERROR_FILE_TOO_LARGE):
	case HR_WIN32(ERROR_DISK_FULL):
		return CTL_EXIT_INVALID;
	case E_NOTIMPL:
	case HR_WIN32(ERROR_NOT_SUPPORTED):
	case HR_WIN32(ERROR_UNSUPPORTED_TYPE):
		return CTL_EXIT_UNSUPPORTED;
	case HR_WIN32(ERROR_FILE_NOT_FOUND):
	case HR_WIN32(ERROR_PATH_NOT_FOUND):
	case HR_WIN32(ERROR_NOT_FOUND):
		return CTL_EXIT_NOT_FOUND;
	case HR_WIN32(ERROR_FILE_EXISTS):
	case HR_WIN32(ERROR_ALREADY_EXISTS):
	case HR_WIN32(ERROR_OBJECT_ALREADY_EXISTS):
	case HR_WIN32(ERROR_DUP_NAME):
		return CTL_EXIT_EXISTS;
	case HR_WIN32(ERROR_DEVICE_IN_USE):
	case HR_WIN32(ERROR_DRIVE_LOCKED):
	case HR_WIN32(ERROR_SHARING_VIOLATION):
	case HR_WIN32(ERROR_BUSY):
	case HR_WIN32(ERROR_DEPENDENT_RESOURCE_EXISTS):
		return CTL_EXIT_BUSY;
	default:
		return CTL_EXIT_FAILURE;
	}
}

static struct {
	bool json;
	bool set;
	uint32_t hr;
	char message[1024];
} last_error;

void ctl_error(uint32_t hr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error.message, sizeof(last_error.message), fmt, ap);
	va_end(ap);
	last_error.set = true;
	last_error.hr = hr;
	fprintf(stderr, "%s\n", last_error.message);
}

void ctl_error_set_json(bool on)
{
	last_error.json = on;
}

bool ctl_error_json_wanted(void)
{
	return last_error.json;
}

const char *ctl_exit_name(int exit)
{
	static const char *const names[] = {
		[CTL_EXIT_OK] = "ok",		  [CTL_EXIT_FAILURE] = "failure",
		[CTL_EXIT_USAGE] = "usage",	  [CTL_EXIT_EXISTS] = "exists",
		[CTL_EXIT_NOT_FOUND] = "not-found", [CTL_EXIT_BUSY] = "busy",
		[CTL_EXIT_DENIED] = "denied",	  [CTL_EXIT_INVALID] = "invalid",
		[CTL_EXIT_UNSUPPORTED] = "unsupported", [CTL_EXIT_CONNECT] = "connect",
	};
	if (exit < 0 || (size_t)exit >= sizeof(names) / sizeof(names[0]))
		return "failure";
	return names[exit];
}

json_t *ctl_error_json(int exit)
{
	char buf[64];
	bool has_hr = last_error.set && last_error.hr != 0;
	const char *name = has_hr ? hresult_name(last_error.hr, buf, sizeof(buf)) :
				    ctl_exit_name(exit);
	const char *message = last_error.set ? last_error.message :
			      exit == CTL_EXIT_USAGE ? "usage error (see --help)" :
						       "the command failed";
	json_t *hr = has_hr ? json_integer(last_error.hr) : json_null();
	return json_pack("{s:{s:o, s:s, s:s, s:i}}", "error", "hresult", hr, "name", name,
			 "message", message, "exit", exit);
}

const char *ctl_safe_word(const char *word)
{
	size_t n = strlen(word);
	if (n == 0 || n > 24)
		return "(not shown)";
	for (size_t i = 0; i < n; i++) {
		char ch = word[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return "(not shown)";
	}
	return word;
}
