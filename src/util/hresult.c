#include "istmd/hresult.h"

#include <errno.h>
#include <stdio.h>

static const struct {
	uint32_t hr;
	const char *name;
} hresult_names[] = {
	{ S_OK, "S_OK" },
	{ S_FALSE, "S_FALSE" },
	{ E_NOTIMPL, "E_NOTIMPL" },
	{ E_NOINTERFACE, "E_NOINTERFACE" },
	{ E_POINTER, "E_POINTER" },
	{ E_ABORT, "E_ABORT" },
	{ E_FAIL, "E_FAIL" },
	{ E_UNEXPECTED, "E_UNEXPECTED" },
	{ E_ACCESSDENIED, "E_ACCESSDENIED" },
	{ E_HANDLE, "E_HANDLE" },
	{ E_OUTOFMEMORY, "E_OUTOFMEMORY" },
	{ E_INVALIDARG, "E_INVALIDARG" },
	{ REGDB_E_CLASSNOTREG, "REGDB_E_CLASSNOTREG" },
	{ CO_E_OBJNOTCONNECTED, "CO_E_OBJNOTCONNECTED" },
	{ CO_E_OBJNOTREG, "CO_E_OBJNOTREG" },
	{ CO_S_NOTALLINTERFACES, "CO_S_NOTALLINTERFACES" },
	{ RPC_E_INVALID_OXID, "RPC_E_INVALID_OXID" },
	{ RPC_E_VERSION_MISMATCH, "RPC_E_VERSION_MISMATCH" },
	{ RPC_E_INVALID_HEADER, "RPC_E_INVALID_HEADER" },
	{ RPC_E_DISCONNECTED, "RPC_E_DISCONNECTED" },
	{ RPC_E_INVALID_IPID, "RPC_E_INVALID_IPID" },
	{ RPC_E_INVALID_OBJECT, "RPC_E_INVALID_OBJECT" },
	{ RPC_E_INVALID_OBJREF, "RPC_E_INVALID_OBJREF" },
};

static const struct {
	uint32_t code;
	const char *name;
} win32_names[] = {
	{ ERROR_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND" },
	{ ERROR_PATH_NOT_FOUND, "ERROR_PATH_NOT_FOUND" },
	{ ERROR_INVALID_DATA, "ERROR_INVALID_DATA" },
	{ ERROR_NOT_READY, "ERROR_NOT_READY" },
	{ ERROR_BAD_LENGTH, "ERROR_BAD_LENGTH" },
	{ ERROR_SHARING_VIOLATION, "ERROR_SHARING_VIOLATION" },
	{ ERROR_HANDLE_EOF, "ERROR_HANDLE_EOF" },
	{ ERROR_NOT_SUPPORTED, "ERROR_NOT_SUPPORTED" },
	{ ERROR_DUP_NAME, "ERROR_DUP_NAME" },
	{ ERROR_FILE_EXISTS, "ERROR_FILE_EXISTS" },
	{ ERROR_DRIVE_LOCKED, "ERROR_DRIVE_LOCKED" },
	{ ERROR_DISK_FULL, "ERROR_DISK_FULL" },
	{ ERROR_INVALID_NAME, "ERROR_INVALID_NAME" },
	{ ERROR_ALREADY_EXISTS, "ERROR_ALREADY_EXISTS" },
	{ ERROR_FILE_TOO_LARGE, "ERROR_FILE_TOO_LARGE" },
	{ ERROR_BUSY, "ERROR_BUSY" },
	{ ERROR_NO_MORE_ITEMS, "ERROR_NO_MORE_ITEMS" },
	{ ERROR_DELETE_PENDING, "ERROR_DELETE_PENDING" },
	{ ERROR_NOT_FOUND, "ERROR_NOT_FOUND" },
	{ ERROR_OBJECT_ALREADY_EXISTS, "ERROR_OBJECT_ALREADY_EXISTS" },
	{ ERROR_DEVICE_IN_USE, "ERROR_DEVICE_IN_USE" },
	{ ERROR_DIR_NOT_EMPTY, "ERROR_DIR_NOT_EMPTY" },
};

const char *hresult_name(uint32_t hr, char *buf, unsigned bufsize)
{
	for (unsigned i = 0; i < sizeof(hresult_names) / sizeof(hresult_names[0]); i++) {
		if (hresult_names[i].hr == hr)
			return hresult_names[i].name;
	}
	if ((hr & 0xFFFF0000u) == 0x80070000u) {
		uint32_t code = hr & 0xFFFFu;
		for (unsigned i = 0; i < sizeof(win32_names) / sizeof(win32_names[0]); i++) {
			if (win32_names[i].code == code) {
				snprintf(buf, bufsize, "HRESULT_FROM_WIN32(%s)", win32_names[i].name);
				return buf;
			}
		}
	}
	snprintf(buf, bufsize, "0x%08X", hr);
	return buf;
}

uint32_t hresult_from_errno(int neg_errno)
{
	switch (-neg_errno) {
	case 0: return S_OK;
	case ENOMEM: return E_OUTOFMEMORY;
	case EINVAL: return E_INVALIDARG;
	case EACCES:
	case EPERM: return E_ACCESSDENIED;
	case ENOENT: return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
	case ENOTDIR: return HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND);
	case EEXIST: return HRESULT_FROM_WIN32(ERROR_FILE_EXISTS);
	case ENOSPC:
	case EDQUOT: return HRESULT_FROM_WIN32(ERROR_DISK_FULL);
	case EFBIG: return HRESULT_FROM_WIN32(ERROR_FILE_TOO_LARGE);
	case EBUSY: return HRESULT_FROM_WIN32(ERROR_BUSY);
	case ENOTSUP: return E_NOTIMPL;
	case ENAMETOOLONG: return HRESULT_FROM_WIN32(ERROR_INVALID_NAME);
	case ENOTEMPTY: return HRESULT_FROM_WIN32(ERROR_DIR_NOT_EMPTY);
	default: return E_FAIL;
	}
}
