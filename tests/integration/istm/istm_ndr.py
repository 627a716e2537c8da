"""MS-ISTM calls for impacket (which has no classes for them), with the NDR
types they need and the protocol's constants (CLSIDs, IIDs, HRESULTs).

Every call is declared from the IDL in one line, with method(), prop() and
enumerator(): the request is <Interface>_<Method> (properties
<Interface>_get_<Name>, <Interface>_put_<Name>), a DCOMCALL whose keyword
arguments set its [in] parameters, named as in the IDL; its answer, found by
impacket by the request's name plus "Response" in this module, has the [out]
parameters and ErrorCode. IIDS says which interface a prefix's calls go to.

    mgr = istm_client.admin().activate(CLSID_HOSTMGR, IHOSTMGR3)
    host = interface(mgr, call(mgr, IHostMgr_NewHost(HostName=bstr("t1")))["ppNewHost"])

The client side (activation, calls, "ok - ..." output) is istm_client.py.
"""
from impacket.dcerpc.v5.dcom.oaut import BSTR
from impacket.dcerpc.v5.dcomrt import DCOMANSWER, DCOMCALL, PMInterfacePointer
from impacket.dcerpc.v5.dtypes import (BOOLEAN, GUID, LONG, LONGLONG, LPSTR, NULL, ULONG,
                                       ULONGLONG, USHORT)
from impacket.dcerpc.v5.ndr import (NDRBOOLEAN, NDRPOINTER, NDRSTRUCT, NDRUniConformantArray,
                                    NDRUniFixedArray)
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import uuidtup_to_bin


def iid(text):
    return uuidtup_to_bin((text, "0.0"))


class DCERPCSessionError(DCERPCException):
    """What impacket raises for a failed call made with checkError."""


# ---- classes and interfaces (MS-ISTM 1.9) ----------------------------------------------

CLSID_WTGENERAL = "baa4a577-202d-49c7-a6bb-10ee914ee199"
CLSID_SESSIONMANAGER = "ad069971-edc5-4357-a132-430dad479d2b"
CLSID_LOCALDEVICEMGR = "f1d3a46c-2e1b-4d84-97da-b3742ad67871"
CLSID_WTDISKMGR = "0144084b-e09e-4f45-a56b-dcdc9f379f5e"
CLSID_SNAPSHOTMGR = "4e7645fa-1a95-416c-b38f-ad574a3c3e57"
CLSID_SNSMGR = "24f9c1a9-b22e-4e24-bec9-4af0a4d96736"
CLSID_HOSTMGR = "e14efe0b-fd3b-41ea-8e3b-88930445b944"

IWTGENERAL = "d71b2cae-33e8-4567-ae96-3ccf31620be2"
IWTGENERAL2 = "3c73848a-a679-40c5-b101-c963e67f9949"
ISESSIONMANAGER = "8d7ae740-b9c5-49fc-a11e-89171907cb86"
ISESSIONMANAGER2 = "c10a76d8-1fe4-4c2f-b70d-665265215259"
ILOCALDEVICEMGR = "8ad608a4-6c16-4405-8879-b27910a68995"
ILOCALDEVICEMGR2 = "b0d1ac4b-f87a-49b2-938f-d439248575b2"
ILOCALDEVICEMGR3 = "e645744b-cae5-4712-acaf-13057f7195af"
IWTDISKMGR = "52ba97e7-9364-4134-b9cb-f8415213bdd8"
IWTDISKMGR2 = "592381e5-8d3c-42e9-b7de-4e77a1f75ae4"
IWTDISKMGR3 = "d6bd6d63-e8cb-4905-ab34-8a278c93197a"
IWTDISKMGR4 = "703e6b03-7ad1-4ded-ba0d-e90496ebc5de"
ISNAPSHOTMGR = "4e65a71e-4ede-4886-be67-3c90a08d1f29"
ISNSMGR = "1b1c4d1c-abc4-4d3a-8c22-547fba3aa8a0"
IHOSTMGR = "b06a64e3-814e-4ff9-afac-597ad32517c7"
IHOSTMGR2 = "dd6f0a28-248f-4dd3-afe9-71aed8f685c4"
IHOSTMGR3 = "01454b97-c6a5-4685-bea8-9779c88ab990"
IWTDISK = "866a78bc-a2fb-4ac4-94d5-db3041b4ed75"
IWTDISK3 = "1822a95e-1c2b-4d02-ab25-cc116dd9dbde"
IHOST = "b0076fec-a921-4034-a8ba-090bc6d03bde"
IHOST2 = "b4fa8e86-2517-4a88-bd67-75447219eee4"
IHOST3 = "fe7f99f9-1dfb-4afb-9d00-6a8dd0aabf2c"
IENUMWTDISK = "56e65ea5-cdff-4391-ba76-006e42c2d746"
IENUMVOLUME2 = "8c58f6b3-4736-432a-891d-389de3505c7c"
IDIRECTORYENUM = "28bc8d5e-ca4b-4f54-973c-ed9622d2b3ac"
IENUMHOST = "e141fd54-b79e-4938-a6bb-d523c3d49ff1"
IENUMIDMETHOD = "345b026b-5802-4e38-ac75-795e08b0b83f"
IENUMWTDISKLUNMAPPING = "1396de6f-a794-4b11-b93f-6b69a5b47bae"
IENUMPORTAL = "1995785d-2a1e-492f-8923-e621eaca39d9"
IENUMSESSION2 = "442931d5-e522-4e64-a181-74e98a4e1748"
IENUMSESSION = "40cc8569-6d23-4005-9958-e37f08ae192b"
IENUMCONNECTION = "6aea6b26-0680-411d-8877-a148df3087d5"

# each class and its interfaces, from the root to the most derived
CLASSES = {
    "WTGeneral": (CLSID_WTGENERAL, [IWTGENERAL, IWTGENERAL2]),
    "SessionManager": (CLSID_SESSIONMANAGER, [ISESSIONMANAGER, ISESSIONMANAGER2]),
    "LocalDeviceMgr": (CLSID_LOCALDEVICEMGR, [ILOCALDEVICEMGR, ILOCALDEVICEMGR2,
                                              ILOCALDEVICEMGR3]),
    "WTDiskMgr": (CLSID_WTDISKMGR, [IWTDISKMGR, IWTDISKMGR2, IWTDISKMGR3, IWTDISKMGR4]),
    "SnapshotMgr": (CLSID_SNAPSHOTMGR, [ISNAPSHOTMGR]),
    "SnsMgr": (CLSID_SNSMGR, [ISNSMGR]),
    "HostMgr": (CLSID_HOSTMGR, [IHOSTMGR, IHOSTMGR2, IHOSTMGR3]),
}

# ---- HRESULTs (MS-ERREF; MS-ISTM 2.2.1) ----------------------------------------------------

S_OK = 0x00000000
S_FALSE = 0x00000001
E_NOTIMPL = 0x80004001
E_POINTER = 0x80004003
E_FAIL = 0x80004005
E_ACCESSDENIED = 0x80070005
E_INVALIDARG = 0x80070057


def hresult_from_win32(code):
    return 0x80070000 | code


ERROR_FILE_NOT_FOUND = hresult_from_win32(2)
ERROR_PATH_NOT_FOUND = hresult_from_win32(3)
ERROR_INVALID_DATA = hresult_from_win32(13)
ERROR_INVALID_DRIVE = hresult_from_win32(15)
ERROR_NO_MORE_FILES = hresult_from_win32(18)
ERROR_NOT_READY = hresult_from_win32(21)
ERROR_BAD_LENGTH = hresult_from_win32(24)
ERROR_SHARING_VIOLATION = hresult_from_win32(32)
ERROR_HANDLE_EOF = hresult_from_win32(38)
ERROR_NOT_SUPPORTED = hresult_from_win32(50)
ERROR_DUP_NAME = hresult_from_win32(52)
ERROR_FILE_EXISTS = hresult_from_win32(80)
ERROR_BUSY = hresult_from_win32(170)
ERROR_ALREADY_EXISTS = hresult_from_win32(183)
ERROR_DELETE_PENDING = hresult_from_win32(303)
ERROR_DEVICE_IN_USE = hresult_from_win32(2404)

# ---- enumerations (16-bit on the wire) -----------------------------------------------------

# 2.2.3.10 WTDType, 2.2.3.9 VhdType, 2.2.3.8 Type
WTD_TYPE_VOLUME, WTD_TYPE_FILE, WTD_TYPE_RAM = 0, 1, 2
FIXED_VHD, DIFFERENCING_VHD, DYNAMIC_VHD = 1, 2, 3
# IDMethod (2.2.3.5), HostStatus (2.2.3.4)
ID_INVALID, ID_NETBIOS, ID_DNS, ID_IP, ID_MAC, ID_IQN, ID_IPV6 = -1, 0, 1, 2, 3, 4, 5
HOST_STATUS_IDLE, HOST_STATUS_CONNECTED = 0, 1

# ---- NDR types -----------------------------------------------------------------------------


class WCHARS(NDRUniFixedArray):
    """WCHAR x[UNITS]: zeros until set (impacket sends nothing for empty data)."""
    UNITS = 0

    def __init__(self, data=None, isNDR64=False):
        NDRUniFixedArray.__init__(self, data, isNDR64)
        if data is None:
            self["Data"] = b"\x00" * (2 * self.UNITS)

    def getDataLen(self, data, offset=0):
        return 2 * self.UNITS


class WCHAR20(WCHARS):
    UNITS = 20


class WCHAR64(WCHARS):
    UNITS = 64


class WCHAR128(WCHARS):
    UNITS = 128


class WCHAR256(WCHARS):
    UNITS = 256


class WCHAR512(WCHARS):
    UNITS = 512


def wchars(data):
    """A fixed WCHAR array's text (up to its first NUL)."""
    return bytes(data).decode("utf-16le").split("\x00")[0]


def wchar_data(text, units):
    """TEXT as the data of a WCHAR[UNITS] array (NUL-padded)."""
    raw = text.encode("utf-16le")
    if len(raw) > 2 * units - 2:
        raise ValueError("%d characters do not fit WCHAR[%d]" % (len(text), units))
    return raw + b"\x00" * (2 * units - len(raw))


def bstr(text):
    """A BSTR parameter; None is a NULL BSTR."""
    b = BSTR()
    if text is None:
        return NULL
    b["asData"] = text
    return b


def bstr_value(field):
    """The text of a BSTR answer, None for a NULL BSTR (cBytes 0xFFFFFFFF,
    MS-OAUT 2.2.23.2, or a NULL pointer). impacket hands out a parsed
    pointer's referent, a FLAGGED_WORD_BLOB."""
    if field is None:
        return None
    blob = field
    if "cBytes" not in blob.fields:
        try:
            blob = field["Data"]
        except (KeyError, TypeError):
            return None
    if blob is None or blob["cBytes"] == 0xFFFFFFFF:
        return None
    return blob["asData"]


class DRIVE_INFO(NDRSTRUCT):  # 2.2.4.3
    structure = (("szDrive", WCHAR20), ("hySize", LONGLONG), ("hyFreeSpace", LONGLONG),
                 ("bSupportSparseFiles", BOOLEAN))


class VOLUME2(NDRSTRUCT):  # 2.2.4.18
    structure = (("dwDiskIndex", ULONG), ("szGuid", WCHAR64), ("szMountPoint", WCHAR512),
                 ("szLabel", WCHAR64), ("szFileSystem", WCHAR64), ("bSystemVolume", BOOLEAN),
                 ("bPageFile", BOOLEAN), ("hyOffset", LONGLONG), ("hySize", LONGLONG),
                 ("hyTotalVolSize", LONGLONG), ("hyFreeSpace", LONGLONG),
                 ("bValidWTVolume", LONG), ("bIsContainedInExtendedPartition", LONG),
                 ("bIsOnDynamicDisk", LONG), ("bUnallocated", LONG),
                 ("bSupportSparseFiles", LONG), ("bIsQuorum", LONG),
                 ("szResourceGroup", WCHAR512), ("MaxFileSize", LONGLONG))


class DIRECTORY_DATA(NDRSTRUCT):  # 2.2.4.2
    structure = (("szFileName", WCHAR512), ("szFullPath", WCHAR512), ("eType", USHORT))


# MS-VDS 2.2.1.3.13-16
class BYTE_ARRAY(NDRUniConformantArray):
    item = "c"


class PBYTE_ARRAY(NDRPOINTER):
    referent = (("Data", BYTE_ARRAY),)


class VDS_STORAGE_IDENTIFIER(NDRSTRUCT):
    # enums are 16 bits on the wire (no [v1_enum] in MS-VDS's IDL)
    structure = (("m_CodeSet", USHORT), ("m_Type", USHORT), ("m_cbIdentifier", ULONG),
                 ("m_rgbIdentifier", PBYTE_ARRAY))


class VDS_STORAGE_IDENTIFIER_ARRAY(NDRUniConformantArray):
    item = VDS_STORAGE_IDENTIFIER


class PVDS_STORAGE_IDENTIFIER_ARRAY(NDRPOINTER):
    referent = (("Data", VDS_STORAGE_IDENTIFIER_ARRAY),)


class VDS_STORAGE_DEVICE_ID_DESCRIPTOR(NDRSTRUCT):
    structure = (("m_version", ULONG), ("m_cIdentifiers", ULONG),
                 ("m_rgIdentifiers", PVDS_STORAGE_IDENTIFIER_ARRAY))


class VDS_INTERCONNECT(NDRSTRUCT):
    structure = (("m_addressType", USHORT), ("m_cbPort", ULONG), ("m_pbPort", PBYTE_ARRAY),
                 ("m_cbAddress", ULONG), ("m_pbAddress", PBYTE_ARRAY))


class VDS_INTERCONNECT_ARRAY(NDRUniConformantArray):
    item = VDS_INTERCONNECT


class PVDS_INTERCONNECT_ARRAY(NDRPOINTER):
    referent = (("Data", VDS_INTERCONNECT_ARRAY),)


class VDS_LUN_INFORMATION(NDRSTRUCT):
    structure = (("m_version", ULONG), ("m_DeviceType", "B=0"), ("m_DeviceTypeModifier", "B=0"),
                 ("m_bCommandQueuing", LONG), ("m_BusType", USHORT),
                 ("m_szVendorId", LPSTR), ("m_szProductId", LPSTR),
                 ("m_szProductRevision", LPSTR), ("m_szSerialNumber", LPSTR),
                 ("m_diskSignature", GUID),
                 ("m_deviceIdDescriptor", VDS_STORAGE_DEVICE_ID_DESCRIPTOR),
                 ("m_cInterconnects", ULONG), ("m_rgInterconnects", PVDS_INTERCONNECT_ARRAY))


class ID(NDRSTRUCT):  # 2.2.4.7
    structure = (("eMethod", USHORT), ("szValue", WCHAR512))


def id_struct(method, value):
    s = ID()
    s["eMethod"] = method & 0xFFFF
    s["szValue"] = wchar_data(value, WCHAR512.UNITS)
    return s


class LUN_MAPPING(NDRSTRUCT):  # 2.2.4.10
    structure = (("dwLun", ULONG), ("dwWTD", ULONG))


class PORTAL(NDRSTRUCT):  # 2.2.4.13
    structure = (("Guid", GUID), ("szIpAddress", WCHAR128), ("dwPort", ULONG),
                 ("bListen", LONG), ("bSecure", LONG), ("bValid", LONG))


class SESSION(NDRSTRUCT):  # 2.2.4.15
    structure = (("InitiatorIQN", WCHAR256), ("HostTargetIQN", WCHAR256))


class CONNECTION(NDRSTRUCT):  # 2.2.4.2
    structure = (("CID", ULONG), ("InitiatorIpAddress", WCHAR128), ("InitiatorPort", ULONG),
                 ("TargetIpAddress", WCHAR128), ("TargetPort", ULONG),
                 ("HeaderDigestEnabled", BOOLEAN), ("DataDigestEnabled", BOOLEAN))


class SESSION2(NDRSTRUCT):  # 2.2.4.16
    structure = (("InitiatorIQN", WCHAR256), ("HostTargetIQN", WCHAR256), ("HostName", WCHAR512),
                 ("TSIH", USHORT), ("ISID", ULONGLONG),
                 ("eType", USHORT), ("eAuthMethod", USHORT))


class CHAR_ARRAY(NDRUniConformantArray):
    item = "c"


# ---- declaring calls -----------------------------------------------------------------------

def method(prefix, name, opnum, ins=(), outs=()):
    """Defines PREFIX_NAME (a DCOMCALL) and PREFIX_NAMEResponse here, from the
    IDL's [in] and [out] parameters (name, NDR type). Returns the call class.
    Keyword arguments of the class set its fields."""
    def init(self, data=None, isNDR64=False, **fields):
        DCOMCALL.__init__(self, data, isNDR64)
        for k, v in fields.items():
            self[k] = v

    cls_name = "%s_%s" % (prefix, name)
    call_cls = type(cls_name, (DCOMCALL,),
                    {"opnum": opnum, "structure": tuple(ins), "__init__": init,
                     "__module__": __name__})
    resp_cls = type(cls_name + "Response", (DCOMANSWER,),
                    {"structure": tuple(outs) + (("ErrorCode", ULONG),), "__module__": __name__})
    globals()[cls_name] = call_cls
    globals()[cls_name + "Response"] = resp_cls
    return call_cls


def enumerator(prefix, element_type):
    """Next/Skip/Reset/Clone of an IEnum* interface (opnums 3-6): PREFIX_Next
    takes ulNumElements and pElements ([in, out] ELEMENT_TYPE)."""
    method(prefix, "Next", 3, ins=(("ulNumElements", ULONG), ("pElements", element_type)),
           outs=(("pElements", element_type), ("pNumElementsReturned", ULONG)))
    method(prefix, "Skip", 4, ins=(("ulNumElements", ULONG),))
    method(prefix, "Reset", 5)
    method(prefix, "Clone", 6, outs=(("ppNewEnum", PMInterfacePointer),))


def prop(prefix, name, get_opnum, kind, out_name, in_name):
    """A [propget]/[propput] pair at GET_OPNUM and GET_OPNUM + 1, with the
    IDL's parameter names."""
    method(prefix, "get_" + name, get_opnum, outs=((out_name, kind),))
    method(prefix, "put_" + name, get_opnum + 1, ins=((in_name, kind),))


def getter(prefix, name, opnum, kind, out_name):
    """A [propget] without its [propput] (or with one no test calls)."""
    method(prefix, "get_" + name, opnum, outs=((out_name, kind),))


# ---- LUN management, local devices, feature management (3.3, 3.18-3.19, 3.30-3.54) ----

# IWTGeneral (3.52), IWTGeneral2 (3.54)
getter("IWTGeneral", "Guid", 3, GUID, "pGuid")
prop("IWTGeneral", "Name", 4, BSTR, "pName", "Name")
method("IWTGeneral", "CheckAccess", 8)
method("IWTGeneral", "IsSnapshotsSupported", 10)
method("IWTGeneral2", "IsClustered", 15)

# ISessionManager2 (3.51)
method("ISessionManager", "EnumSessions", 3, outs=(("ppEnumSession", PMInterfacePointer),))
method("ISessionManager2", "EnumSessions2", 4, outs=(("ppEnumSession", PMInterfacePointer),))
method("ISessionManager2", "EnumConnections", 5, ins=(("TSIH", USHORT),),
       outs=(("ppEnumConnection", PMInterfacePointer),))
method("ISessionManager2", "GetSession", 6, ins=(("TSIH", USHORT),),
       outs=(("pSessionInfo", SESSION2),))
method("ISessionManager2", "GetConnection", 7, ins=(("TSIH", USHORT), ("CID", ULONG)),
       outs=(("pConnectionInfo", CONNECTION),))

# ILocalDeviceMgr (3.30), ILocalDeviceMgr2 (3.32), ILocalDeviceMgr3 (3.33)
method("ILocalDeviceMgr", "IsValidWtDevice", 6, ins=(("DevicePath", BSTR),))
method("ILocalDeviceMgr", "CreateWtFile", 8,
       ins=(("FilePath", BSTR), ("hyFileSize", LONGLONG), ("bSparse", BOOLEAN)))
method("ILocalDeviceMgr", "GrowWtFile", 9, ins=(("FilePath", BSTR), ("hyAdditionalSize", LONGLONG)))
method("ILocalDeviceMgr", "DeleteWtFile", 10, ins=(("FilePath", BSTR),))
method("ILocalDeviceMgr", "IsPathValid", 11, ins=(("FilePath", BSTR),))
method("ILocalDeviceMgr", "IsPathNtfs", 12, ins=(("Path", BSTR),))
method("ILocalDeviceMgr", "DoesFileExist", 13, ins=(("FilePath", BSTR),))
method("ILocalDeviceMgr", "GetDriveInfo", 14, ins=(("Drive", BSTR), ("pDriveInfo", DRIVE_INFO)),
       outs=(("pDriveInfo", DRIVE_INFO),))
method("ILocalDeviceMgr", "EnumDirectory", 15, outs=(("ppDirectoryEnum", PMInterfacePointer),))
method("ILocalDeviceMgr", "EnumPortals", 16, outs=(("ppEnumPortal", PMInterfacePointer),))
method("ILocalDeviceMgr", "GetPortal", 17, ins=(("IpAddress", BSTR),), outs=(("pPortal", PORTAL),))
method("ILocalDeviceMgr", "SetPortalConfig", 18,
       ins=(("IpAddress", BSTR), ("nPort", ULONG), ("bUse", BOOLEAN)))
method("ILocalDeviceMgr2", "EnumLocalPortals", 29, ins=(("ResourceGroup", BSTR),),
       outs=(("ppEnumPortal", PMInterfacePointer),))
method("ILocalDeviceMgr2", "EnumVolumes2", 22, outs=(("ppEnumVolume", PMInterfacePointer),))
method("ILocalDeviceMgr2", "GetVolumeInfo", 23,
       ins=(("VolumePath", BSTR), ("pVolumeInfo", VOLUME2)), outs=(("pVolumeInfo", VOLUME2),))
method("ILocalDeviceMgr3", "CreateDiffWtFile", 31, ins=(("FilePath", BSTR), ("ParentPath", BSTR)))

# IDirectoryEnum (3.3)
method("IDirectoryEnum", "FindFirst", 4,
       ins=(("bstrSearchPath", BSTR), ("pDirectoryData", DIRECTORY_DATA)),
       outs=(("pDirectoryData", DIRECTORY_DATA),))
method("IDirectoryEnum", "FindNext", 5, ins=(("pDirectoryData", DIRECTORY_DATA),),
       outs=(("pDirectoryData", DIRECTORY_DATA),))

# IWTDiskMgr (3.46)
method("IWTDiskMgr", "EnumWTDisks", 3, outs=(("ppEnumWTDisk", PMInterfacePointer),))
method("IWTDiskMgr", "CreateWTDisk", 4,
       ins=(("eDeviceType", USHORT), ("DevicePath", BSTR), ("Description", BSTR),
            ("bClearPartTable", BOOLEAN), ("bForceDismount", BOOLEAN)),
       outs=(("pWTD", ULONG),))
method("IWTDiskMgr", "DeleteWTDisk", 6, ins=(("nWTD", ULONG),))
method("IWTDiskMgr", "GetWTDisk", 7, ins=(("nWTD", ULONG),),
       outs=(("ppWTDisk", PMInterfacePointer),))

# IWTDisk (3.43), IWTDisk3 (3.45)
getter("IWTDisk", "WTD", 5, ULONG, "pWTD")
prop("IWTDisk", "Description", 15, BSTR, "pDescription", "Description")
getter("IWTDisk", "DevicePath", 17, BSTR, "pDevicePath")
getter("IWTDisk", "Size", 19, LONGLONG, "pSize")
method("IWTDisk", "Save", 36)
method("IWTDisk", "GetVdsLunInfo", 40, ins=(("pVdsLunInfo", VDS_LUN_INFORMATION),),
       outs=(("pVdsLunInfo", VDS_LUN_INFORMATION),))
getter("IWTDisk3", "VhdType", 50, USHORT, "Type")
getter("IWTDisk3", "ParentPath", 51, BSTR, "ParentPath")
getter("IWTDisk3", "AllocatedSize", 52, LONGLONG, "Size")

# IEnumWTDisk (3.19): pElements is [in, out] IWTDisk **, NULL in the request (4.6);
# IEnumVolume2 (3.18)
enumerator("IEnumWTDisk", PMInterfacePointer)
enumerator("IEnumVolume2", VOLUME2)

# ---- target management (3.8-3.29) -----------------------------------------------------------

# IHostMgr (3.25), IHostMgr2 (3.27), IHostMgr3 (3.29)
method("IHostMgr", "EnumHosts", 3, outs=(("ppEnumHost", PMInterfacePointer),))
method("IHostMgr", "NewHost", 4, ins=(("HostName", BSTR),),
       outs=(("ppNewHost", PMInterfacePointer),))
method("IHostMgr", "GetHost", 5, ins=(("HostName", BSTR),), outs=(("ppHost", PMInterfacePointer),))
method("IHostMgr", "GetHostByTargetIQN", 6, ins=(("TargetIQN", BSTR),),
       outs=(("ppHost", PMInterfacePointer),))
method("IHostMgr", "DeleteHost", 7, ins=(("HostName", BSTR),))
method("IHostMgr2", "NewHost2", 8, ins=(("HostName", BSTR), ("ResourceGroup", BSTR)),
       outs=(("ppNewHost", PMInterfacePointer),))
method("IHostMgr2", "NewHostNonPersistent", 9, ins=(("HostName", BSTR), ("ResourceName", BSTR)),
       outs=(("ppNewHost", PMInterfacePointer),))
method("IHostMgr2", "OpenHost", 10, ins=(("pStream", PMInterfacePointer), ("ResourceName", BSTR)),
       outs=(("ppHost", PMInterfacePointer),))
method("IHostMgr2", "CloseHost", 11, ins=(("HostName", BSTR),))
method("IHostMgr3", "EnumAllClusterHosts", 12, outs=(("EnumHost", PMInterfacePointer),))

# IHost (3.21): properties by their propget opnum
getter("IHost", "Guid", 3, GUID, "pGuid")
prop("IHost", "Enable", 4, NDRBOOLEAN, "pEnable", "bEnable")
prop("IHost", "Name", 6, BSTR, "pName", "Name")
prop("IHost", "Description", 8, BSTR, "pDescription", "Description")
prop("IHost", "TargetIQN", 10, BSTR, "pTargetIQN", "TargetIQN")
getter("IHost", "Status", 12, USHORT, "pStatus")
method("IHost", "put_Status", 13, ins=(("eStatus", USHORT),))
getter("IHost", "LastLogIn", 14, LONGLONG, "pTimeStamp")
method("IHost", "put_LastLogIn", 15, ins=(("hyTimeStamp", LONGLONG),))
prop("IHost", "EnableCHAP", 16, NDRBOOLEAN, "pEnable", "bEnable")
prop("IHost", "CHAPUserName", 18, BSTR, "pUserName", "UserName")
prop("IHost", "CHAPSecret", 20, BSTR, "pSecret", "Secret")
prop("IHost", "EnableReverseCHAP", 22, NDRBOOLEAN, "pEnable", "bEnable")
prop("IHost", "ReverseCHAPUserName", 24, BSTR, "pUserName", "UserName")
prop("IHost", "ReverseCHAPSecret", 26, BSTR, "pSecret", "Secret")
prop("IHost", "TargetMaxRecvDataSegmentLength", 28, ULONG, "pLength", "nLength")
prop("IHost", "TargetFirstBurstLength", 30, ULONG, "pLength", "nLength")
prop("IHost", "TargetMaxBurstLength", 32, ULONG, "pLength", "nLength")
prop("IHost", "NumRecvBuffers", 34, ULONG, "pNumBuffers", "nNumBuffers")
prop("IHost", "EnforceIdleTimeoutDetection", 36, NDRBOOLEAN, "pEnable", "bEnable")
prop("IHost", "ListenAllNetworkAdapters", 38, NDRBOOLEAN, "pListenAll", "bListenAll")
prop("IHost", "Processor", 40, ULONG, "pProcessor", "nProcessor")
method("IHost", "EnumIDs", 42, outs=(("ppEnumIDMethod", PMInterfacePointer),))
method("IHost", "AddID", 43, ins=(("pIDMethod", ID),))
method("IHost", "RemoveID", 44, ins=(("pIDMethod", ID),))
method("IHost", "RemoveAllIDs", 45)
method("IHost", "EnumWTDiskLunMappings", 46, outs=(("ppEnumWTDiskLunMapping", PMInterfacePointer),))
method("IHost", "AddWTDisk", 47, ins=(("nWTD", ULONG),))
method("IHost", "RemoveWTDisk", 48, ins=(("nWTD", ULONG),))
method("IHost", "RemoveAllWTDisks", 49)
method("IHost", "SetWTDiskLunMapping", 50, ins=(("nWTD", ULONG), ("nNewLun", ULONG)))
method("IHost", "EnumPortals", 51, outs=(("ppEnumPortal", PMInterfacePointer),))
method("IHost", "AddPortal", 52, ins=(("IpAddress", BSTR),))
method("IHost", "RemovePortal", 53, ins=(("IpAddress", BSTR),))
method("IHost", "RemoveAllPortals", 54)
method("IHost", "SetCHAPInfoByBlob", 55, ins=(("nBlobSize", ULONG), ("Blob", CHAR_ARRAY)))
method("IHost", "Save", 56)
method("IHost", "ValidateChapSecret", 57, ins=(("Secret", BSTR),))
method("IHost", "ValidateReverseChapSecret", 58, ins=(("Secret", BSTR),))
method("IHost", "CheckTargetRedirect", 59, ins=(("LocalConnectAddr", BSTR),),
       outs=(("pRedirectAddr", BSTR),))
# IHost2 (3.23), IHost3 (3.24)
prop("IHost2", "ResourceName", 60, BSTR, "pResourceName", "ResourceName")
prop("IHost2", "ResourceGroupName", 62, BSTR, "pResourceGroup", "ResourceGroup")
method("IHost2", "SaveToStream", 64, ins=(("pStream", PMInterfacePointer),))
method("IHost2", "EnumSessions", 65, outs=(("ppEnumSession", PMInterfacePointer),))
prop("IHost3", "ResourceState", 66, LONG, "ResourceState", "ResourceState")

# the enumerators of target management
enumerator("IEnumHost", PMInterfacePointer)
enumerator("IEnumIDMethod", ID)
enumerator("IEnumWTDiskLunMapping", LUN_MAPPING)
enumerator("IEnumPortal", PORTAL)
enumerator("IEnumSession2", SESSION2)
enumerator("IEnumSession", SESSION)
enumerator("IEnumConnection", CONNECTION)

# Which interface each prefix's calls go to (the presentation context). An
# IPID serves its own interface and those it derives from: IHost2 and IHost3
# methods need the pointer istm_client.query() returns for them (IHost
# pointers come from IHostMgr and IEnumHost).
IIDS = {"IWTGeneral": IWTGENERAL, "IWTGeneral2": IWTGENERAL2,
        "ISessionManager": ISESSIONMANAGER, "ISessionManager2": ISESSIONMANAGER2,
        "ILocalDeviceMgr": ILOCALDEVICEMGR, "ILocalDeviceMgr2": ILOCALDEVICEMGR2,
        "ILocalDeviceMgr3": ILOCALDEVICEMGR3, "IDirectoryEnum": IDIRECTORYENUM,
        "IWTDiskMgr": IWTDISKMGR, "IWTDisk": IWTDISK, "IWTDisk3": IWTDISK3,
        "IEnumWTDisk": IENUMWTDISK, "IEnumVolume2": IENUMVOLUME2,
        "IHostMgr": IHOSTMGR, "IHostMgr2": IHOSTMGR2, "IHostMgr3": IHOSTMGR3,
        "IHost": IHOST, "IHost2": IHOST2, "IHost3": IHOST3,
        "IEnumHost": IENUMHOST, "IEnumIDMethod": IENUMIDMETHOD,
        "IEnumWTDiskLunMapping": IENUMWTDISKLUNMAPPING, "IEnumPortal": IENUMPORTAL,
        "IEnumSession2": IENUMSESSION2, "IEnumSession": IENUMSESSION,
        "IEnumConnection": IENUMCONNECTION}
