"""MS-ISTM calls for impacket (which has no classes for them): one DCOMCALL
and its DCOMANSWER per method, named after the method, with the NDR types
they need. impacket finds a response class by the request's name plus
"Response", in this module. Shared by the tests in this folder; each family
has its own block.
"""
from impacket.dcerpc.v5.dcom.oaut import BSTR
from impacket.dcerpc.v5.dcomrt import DCOMANSWER, DCOMCALL, PMInterfacePointer
from impacket.dcerpc.v5.dtypes import BOOLEAN, GUID, LONG, LONGLONG, LPSTR, ULONG, USHORT
from impacket.dcerpc.v5.ndr import (NDRPOINTER, NDRSTRUCT, NDRUniConformantArray,
                                    NDRUniFixedArray)
from impacket.uuid import uuidtup_to_bin


def iid(text):
    return uuidtup_to_bin((text, "0.0"))


def wchars(data):
    """A fixed WCHAR array's text (up to its first NUL)."""
    return bytes(data).decode("utf-16le").split("\x00")[0]


# ---- LUN management, local devices, feature management (branch "disks") ---------------

IWTGENERAL = "d71b2cae-33e8-4567-ae96-3ccf31620be2"
IWTGENERAL2 = "3c73848a-a679-40c5-b101-c963e67f9949"
ILOCALDEVICEMGR = "8ad608a4-6c16-4405-8879-b27910a68995"
ILOCALDEVICEMGR2 = "b0d1ac4b-f87a-49b2-938f-d439248575b2"
ILOCALDEVICEMGR3 = "e645744b-cae5-4712-acaf-13057f7195af"
IWTDISKMGR = "52ba97e7-9364-4134-b9cb-f8415213bdd8"
IWTDISKMGR4 = "703e6b03-7ad1-4ded-ba0d-e90496ebc5de"
IWTDISK = "866a78bc-a2fb-4ac4-94d5-db3041b4ed75"
IWTDISK3 = "1822a95e-1c2b-4d02-ab25-cc116dd9dbde"
IENUMWTDISK = "56e65ea5-cdff-4391-ba76-006e42c2d746"
IENUMVOLUME2 = "8c58f6b3-4736-432a-891d-389de3505c7c"
IDIRECTORYENUM = "28bc8d5e-ca4b-4f54-973c-ed9622d2b3ac"

CLSID_WTGENERAL = "baa4a577-202d-49c7-a6bb-10ee914ee199"
CLSID_LOCALDEVICEMGR = "f1d3a46c-2e1b-4d84-97da-b3742ad67871"
CLSID_WTDISKMGR = "0144084b-e09e-4f45-a56b-dcdc9f379f5e"

# 2.2.3.10 WTDType, 2.2.3.9 VhdType, 2.2.3.8 Type (16-bit enums on the wire)
WTD_TYPE_VOLUME, WTD_TYPE_FILE, WTD_TYPE_RAM = 0, 1, 2
FIXED_VHD, DIFFERENCING_VHD, DYNAMIC_VHD = 1, 2, 3


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


class WCHAR512(WCHARS):
    UNITS = 512


class DRIVE_INFO(NDRSTRUCT):
    structure = (("szDrive", WCHAR20), ("hySize", LONGLONG), ("hyFreeSpace", LONGLONG),
                 ("bSupportSparseFiles", BOOLEAN))


class VOLUME2(NDRSTRUCT):
    structure = (("dwDiskIndex", ULONG), ("szGuid", WCHAR64), ("szMountPoint", WCHAR512),
                 ("szLabel", WCHAR64), ("szFileSystem", WCHAR64), ("bSystemVolume", BOOLEAN),
                 ("bPageFile", BOOLEAN), ("hyOffset", LONGLONG), ("hySize", LONGLONG),
                 ("hyTotalVolSize", LONGLONG), ("hyFreeSpace", LONGLONG),
                 ("bValidWTVolume", LONG), ("bIsContainedInExtendedPartition", LONG),
                 ("bIsOnDynamicDisk", LONG), ("bUnallocated", LONG),
                 ("bSupportSparseFiles", LONG), ("bIsQuorum", LONG),
                 ("szResourceGroup", WCHAR512), ("MaxFileSize", LONGLONG))


class DIRECTORY_DATA(NDRSTRUCT):
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


# IWTGeneral (3.52, 3.54)
class PutName(DCOMCALL):
    opnum = 5
    structure = (("Name", BSTR),)


class PutNameResponse(DCOMANSWER):
    structure = (("ErrorCode", ULONG),)


class GetName(DCOMCALL):
    opnum = 4
    structure = ()


class GetNameResponse(DCOMANSWER):
    structure = (("pName", BSTR), ("ErrorCode", ULONG))


class CheckAccess(DCOMCALL):
    opnum = 8
    structure = ()


class CheckAccessResponse(DCOMANSWER):
    structure = (("ErrorCode", ULONG),)


class IsSnapshotsSupported(CheckAccess):
    opnum = 10


class IsSnapshotsSupportedResponse(CheckAccessResponse):
    pass


class IsClustered(CheckAccess):
    opnum = 15


class IsClusteredResponse(CheckAccessResponse):
    pass


# ILocalDeviceMgr (3.30, 3.32, 3.33)
class IsValidWtDevice(DCOMCALL):
    opnum = 6
    structure = (("DevicePath", BSTR),)


class IsValidWtDeviceResponse(DCOMANSWER):
    structure = (("ErrorCode", ULONG),)


class CreateWtFile(DCOMCALL):
    opnum = 8
    structure = (("FilePath", BSTR), ("hyFileSize", LONGLONG), ("bSparse", BOOLEAN))


class CreateWtFileResponse(IsValidWtDeviceResponse):
    pass


class GrowWtFile(DCOMCALL):
    opnum = 9
    structure = (("FilePath", BSTR), ("hyAdditionalSize", LONGLONG))


class GrowWtFileResponse(IsValidWtDeviceResponse):
    pass


class DeleteWtFile(IsValidWtDevice):
    opnum = 10


class DeleteWtFileResponse(IsValidWtDeviceResponse):
    pass


class IsPathValid(IsValidWtDevice):
    opnum = 11


class IsPathValidResponse(IsValidWtDeviceResponse):
    pass


class IsPathNtfs(IsValidWtDevice):
    opnum = 12


class IsPathNtfsResponse(IsValidWtDeviceResponse):
    pass


class DoesFileExist(IsValidWtDevice):
    opnum = 13


class DoesFileExistResponse(IsValidWtDeviceResponse):
    pass


class GetDriveInfo(DCOMCALL):
    opnum = 14
    structure = (("Drive", BSTR), ("pDriveInfo", DRIVE_INFO))


class GetDriveInfoResponse(DCOMANSWER):
    structure = (("pDriveInfo", DRIVE_INFO), ("ErrorCode", ULONG))


class EnumDirectory(DCOMCALL):
    opnum = 15
    structure = ()


class EnumDirectoryResponse(DCOMANSWER):
    structure = (("ppDirectoryEnum", PMInterfacePointer), ("ErrorCode", ULONG))


class EnumVolumes2(DCOMCALL):
    opnum = 22
    structure = ()


class EnumVolumes2Response(DCOMANSWER):
    structure = (("ppEnumVolume", PMInterfacePointer), ("ErrorCode", ULONG))


class GetVolumeInfo(DCOMCALL):
    opnum = 23
    structure = (("VolumePath", BSTR), ("pVolumeInfo", VOLUME2))


class GetVolumeInfoResponse(DCOMANSWER):
    structure = (("pVolumeInfo", VOLUME2), ("ErrorCode", ULONG))


class CreateDiffWtFile(DCOMCALL):
    opnum = 31
    structure = (("FilePath", BSTR), ("ParentPath", BSTR))


class CreateDiffWtFileResponse(IsValidWtDeviceResponse):
    pass


# IEnumVolume2 (3.18), IDirectoryEnum (3.3)
class VolumeNext(DCOMCALL):
    opnum = 3
    structure = (("ulNumElements", ULONG), ("pElements", VOLUME2))


class VolumeNextResponse(DCOMANSWER):
    structure = (("pElements", VOLUME2), ("pNumElementsReturned", ULONG), ("ErrorCode", ULONG))


class FindFirst(DCOMCALL):
    opnum = 4
    structure = (("bstrSearchPath", BSTR), ("pDirectoryData", DIRECTORY_DATA))


class FindFirstResponse(DCOMANSWER):
    structure = (("pDirectoryData", DIRECTORY_DATA), ("ErrorCode", ULONG))


class FindNext(DCOMCALL):
    opnum = 5
    structure = (("pDirectoryData", DIRECTORY_DATA),)


class FindNextResponse(FindFirstResponse):
    pass


# IWTDiskMgr (3.46)
class EnumWTDisks(DCOMCALL):
    opnum = 3
    structure = ()


class EnumWTDisksResponse(DCOMANSWER):
    structure = (("ppEnumWTDisk", PMInterfacePointer), ("ErrorCode", ULONG))


class CreateWTDisk(DCOMCALL):
    opnum = 4
    structure = (("eDeviceType", USHORT), ("DevicePath", BSTR), ("Description", BSTR),
                 ("bClearPartTable", BOOLEAN), ("bForceDismount", BOOLEAN))


class CreateWTDiskResponse(DCOMANSWER):
    structure = (("pWTD", ULONG), ("ErrorCode", ULONG))


class DeleteWTDisk(DCOMCALL):
    opnum = 6
    structure = (("nWTD", ULONG),)


class DeleteWTDiskResponse(DCOMANSWER):
    structure = (("ErrorCode", ULONG),)


class GetWTDisk(DCOMCALL):
    opnum = 7
    structure = (("nWTD", ULONG),)


class GetWTDiskResponse(DCOMANSWER):
    structure = (("ppWTDisk", PMInterfacePointer), ("ErrorCode", ULONG))


# IEnumWTDisk (3.19): pElements is [in, out] IWTDisk **, NULL in the request (4.6)
class WTDiskNext(DCOMCALL):
    opnum = 3
    structure = (("ulNumElements", ULONG), ("pElements", PMInterfacePointer))


class WTDiskNextResponse(DCOMANSWER):
    structure = (("pElements", PMInterfacePointer), ("pNumElementsReturned", ULONG),
                 ("ErrorCode", ULONG))


# IWTDisk (3.43-3.45)
class GetWTD(DCOMCALL):
    opnum = 5
    structure = ()


class GetWTDResponse(DCOMANSWER):
    structure = (("pWTD", ULONG), ("ErrorCode", ULONG))


class GetDescription(DCOMCALL):
    opnum = 15
    structure = ()


class GetDescriptionResponse(DCOMANSWER):
    structure = (("pDescription", BSTR), ("ErrorCode", ULONG))


class PutDescription(DCOMCALL):
    opnum = 16
    structure = (("Description", BSTR),)


class PutDescriptionResponse(DeleteWTDiskResponse):
    pass


class GetDevicePath(GetDescription):
    opnum = 17


class GetDevicePathResponse(GetDescriptionResponse):
    pass


class GetSize(DCOMCALL):
    opnum = 19
    structure = ()


class GetSizeResponse(DCOMANSWER):
    structure = (("pSize", LONGLONG), ("ErrorCode", ULONG))


class Save(DCOMCALL):
    opnum = 36
    structure = ()


class SaveResponse(DeleteWTDiskResponse):
    pass


class GetVdsLunInfo(DCOMCALL):
    opnum = 40
    structure = (("pVdsLunInfo", VDS_LUN_INFORMATION),)


class GetVdsLunInfoResponse(DCOMANSWER):
    structure = (("pVdsLunInfo", VDS_LUN_INFORMATION), ("ErrorCode", ULONG))


class GetVhdType(DCOMCALL):
    opnum = 50
    structure = ()


class GetVhdTypeResponse(DCOMANSWER):
    structure = (("Type", USHORT), ("ErrorCode", ULONG))


class GetAllocatedSize(GetSize):
    opnum = 52


class GetAllocatedSizeResponse(GetSizeResponse):
    pass


class GetParentPath(GetDescription):
    opnum = 51


class GetParentPathResponse(GetDescriptionResponse):
    pass

# ---- end of branch "disks" -------------------------------------------------------------
