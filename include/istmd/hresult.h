/* HRESULT values (MS-ERREF 2.1, 2.2; MS-ISTM 2.2.1) and their names for logs.
 * Only what the project uses; add values as they are needed, with their source. */
#ifndef ISTMD_HRESULT_H
#define ISTMD_HRESULT_H

#include <stdbool.h>
#include <stdint.h>

/* HRESULTs are plain uint32_t here, as Samba's HRESULT is when
 * HAVE_IMMEDIATE_STRUCTURES is not defined (cmake/Dependencies.cmake makes sure
 * of that), so generated NDR code and our own code share one type. */
#define HR(x) ((uint32_t)(x))

#define S_OK HR(0x00000000)
#define S_FALSE HR(0x00000001)
#define E_NOTIMPL HR(0x80004001)
#define E_NOINTERFACE HR(0x80004002)
#define E_POINTER HR(0x80004003)
#define E_ABORT HR(0x80004004)
#define E_FAIL HR(0x80004005)
#define E_UNEXPECTED HR(0x8000FFFF)
#define E_ACCESSDENIED HR(0x80070005)
#define E_HANDLE HR(0x80070006)
#define E_OUTOFMEMORY HR(0x8007000E)
#define E_INVALIDARG HR(0x80070057)
#define REGDB_E_CLASSNOTREG HR(0x80040154)
#define CO_E_OBJNOTCONNECTED HR(0x800401FD)
#define RPC_E_INVALID_OXID HR(0x80010151)   /* MS-ERREF: OR_INVALID_OXID is 0x80070776 as Win32 */
#define RPC_E_VERSION_MISMATCH HR(0x80010110)
#define RPC_E_INVALID_HEADER HR(0x80010111)
#define RPC_E_DISCONNECTED HR(0x80010108)
#define RPC_E_INVALID_IPID HR(0x80010113)   /* MS-ERREF 2.1.1: object or interface does not exist */
#define RPC_E_INVALID_OBJECT HR(0x80010114)
#define RPC_E_INVALID_OBJREF HR(0x8001011D)
#define CO_E_OBJNOTREG HR(0x800401FB)
#define CO_S_NOTALLINTERFACES HR(0x00080012)

/* Win32 codes the OXID resolver returns as error_status_t (MS-ERREF 2.2). */
#define ERROR_OUTOFMEMORY 14u
#define RPC_S_PROTSEQ_NOT_SUPPORTED 1703u
#define OR_INVALID_OXID 1910u
#define OR_INVALID_OID 1911u
#define OR_INVALID_SET 1912u

/* Win32 error codes (MS-ERREF 2.2) used through HRESULT_FROM_WIN32. */
#define ERROR_FILE_NOT_FOUND 2u
#define ERROR_PATH_NOT_FOUND 3u
#define ERROR_ACCESS_DENIED 5u
#define ERROR_INVALID_DATA 13u
#define ERROR_NOT_READY 21u
#define ERROR_BAD_LENGTH 24u
#define ERROR_SHARING_VIOLATION 32u
#define ERROR_HANDLE_EOF 38u
#define ERROR_NOT_SUPPORTED 50u
#define ERROR_DUP_NAME 52u
#define ERROR_FILE_EXISTS 80u
/* Samba's core/ntstatus.h (through ndr.h) defines it as NT_STATUS(0x0057), the
 * same 87 without HAVE_IMMEDIATE_STRUCTURES: one definition for whichever
 * header comes first. */
#ifdef ERROR_INVALID_PARAMETER
#undef ERROR_INVALID_PARAMETER
#endif
#define ERROR_INVALID_PARAMETER 87u
#define ERROR_DRIVE_LOCKED 108u
#define ERROR_DISK_FULL 112u
#define ERROR_INVALID_NAME 123u
#define ERROR_ALREADY_EXISTS 183u
#define ERROR_FILE_TOO_LARGE 223u
#define ERROR_BUSY 170u
#define ERROR_MORE_DATA 234u
#define ERROR_NO_MORE_ITEMS 259u
#define ERROR_DELETE_PENDING 303u
#define ERROR_INVALID_STATE 5023u
#define ERROR_NOT_FOUND 1168u
#define ERROR_OBJECT_ALREADY_EXISTS 5010u
#define ERROR_DEVICE_IN_USE 2404u
#define ERROR_DIR_NOT_EMPTY 145u
/* LUN and local device management (MS-ISTM 3.30-3.51). */
#define ERROR_INVALID_FUNCTION 1u
#define ERROR_INVALID_HANDLE 6u
#define ERROR_INVALID_DRIVE 15u
#define ERROR_NO_MORE_FILES 18u
#define ERROR_UNSUPPORTED_TYPE 1630u
#define ERROR_INVALID_OPERATION 4317u
#define ERROR_DEPENDENT_RESOURCE_EXISTS 5001u
#define ERROR_FILE_INVALID 1006u /* the file was altered so that it is no longer valid */

/* MS-ERREF 2.1.2: HRESULT_FROM_WIN32 */
static inline uint32_t HRESULT_FROM_WIN32(uint32_t x)
{
	return (int32_t)x <= 0 ? x : HR((x & 0x0000FFFFu) | (7u << 16) | 0x80000000u);
}

/* The same for a positive code, as a constant expression (static tables). */
#define HR_WIN32(x) HR(0x80070000u | ((x) & 0x0000FFFFu))

static inline bool HR_FAILED(uint32_t hr)
{
	return (hr & 0x80000000u) != 0;
}

/* "E_INVALIDARG", "HRESULT_FROM_WIN32(ERROR_FILE_EXISTS)" or "0x8xxxxxxx". Static storage
 * for known values; BUF (>= 48 bytes) otherwise. */
const char *hresult_name(uint32_t hr, char *buf, unsigned bufsize);

/* An HRESULT for a negative errno from the system (the generic fallback mapping;
 * callers with a more precise meaning map themselves). */
uint32_t hresult_from_errno(int neg_errno);

#endif
