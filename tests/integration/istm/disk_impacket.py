#!/usr/bin/python3
"""Virtual disks and local devices over the wire, with impacket as the client
(an independent DCOM implementation) against a running istmd: the MS-ISTM
sequences 4.1 (both variants), 4.6 and 4.8, the VHD files checked with
qemu-img and vhdiinfo, the storage root as a drive and a volume, directory
listings, GetVdsLunInfo's structure, and IWTGeneral's Name persisted.

Run by tests/integration/rpc/with_istmd.sh (ISTMD_* variables): one case
per run (argument), each printing "ok - ..." lines; the first failure exits
non-zero. istm_client.py says how impacket is driven.
"""
import json
import os
import re
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from impacket.dcerpc.v5.dtypes import NULL  # noqa: E402

import istm_ndr as n  # noqa: E402
from istm_client import (DIR, admin, call, check, create_wt_disk, create_wt_file, hr,  # noqa: E402
                         interface, path_request, query)

STORAGE = os.path.join(DIR, "storage")
MIB = 1024 * 1024


def activate(clsid, iface):
    return admin().activate(clsid, iface)


# ---- calls ---------------------------------------------------------------------------------

def path_call(devices, name, path):
    """ILocalDeviceMgr's NAME (IsPathValid, DoesFileExist, ...) on PATH: its HRESULT."""
    return hr(devices, path_request(getattr(n, "ILocalDeviceMgr_" + name), path))


def new_wt_file(devices, path, size, sparse=False):
    return hr(devices, create_wt_file(path, size, sparse))


def new_wt_disk(disks, path, description, kind=n.WTD_TYPE_FILE):
    resp = call(disks, create_wt_disk(path, description, kind))
    return resp["ErrorCode"], resp["pWTD"]


def get_wt_disk(disks, wtd):
    resp = call(disks, n.IWTDiskMgr_GetWTDisk(nWTD=wtd))
    if resp["ErrorCode"] != n.S_OK:
        return resp["ErrorCode"], None
    return n.S_OK, interface(disks, resp["ppWTDisk"])


def disk_value(disk, prop, prefix="IWTDisk"):
    """Property PROP of DISK (through PREFIX's interface), asserting S_OK."""
    cls = getattr(n, "%s_get_%s" % (prefix, prop))
    resp = call(disk, cls())
    check(resp["ErrorCode"] == n.S_OK, "%s %s S_OK" % (prefix, prop))
    return resp[getattr(n, cls.__name__ + "Response").structure[0][0]]


def disk_string(disk, prop):
    return n.bstr_value(disk_value(disk, prop))


def delete_wt_disk(disks, wtd):
    return hr(disks, n.IWTDiskMgr_DeleteWTDisk(nWTD=wtd))


def qemu_size(path):
    out = subprocess.run(["qemu-img", "info", "-f", "vpc", "--output=json", path], check=True,
                         capture_output=True, timeout=30).stdout
    return json.loads(out)["virtual-size"]


def vhdiinfo(path):
    out = subprocess.run(["vhdiinfo", path], check=True, capture_output=True, timeout=30)
    text = out.stdout.decode()
    size = int(re.search(r"Media size\s*:.*\((\d+) bytes\)", text).group(1))
    kind = re.search(r"Disk type\s*:\s*(\w+)", text).group(1)
    return size, kind


def managers():
    return (activate(n.CLSID_LOCALDEVICEMGR, n.ILOCALDEVICEMGR3),
            activate(n.CLSID_WTDISKMGR, n.IWTDISKMGR4))


# ---- cases ---------------------------------------------------------------------------------

def create_64mib(devices, disks, name, description):
    """Sequence 4.1, first variant; returns the new WTD index."""
    path = "D:\\iSCSI_target_disks\\%s" % name
    check(path_call(devices, "IsPathValid", path) == n.S_OK, "4.1 IsPathValid %s: S_OK" % path)
    check(path_call(devices, "DoesFileExist", path) == n.E_FAIL,
          "4.1 DoesFileExist: exactly E_FAIL (no file yet)")
    check(new_wt_file(devices, path, 0x4000000) == n.S_OK, "4.1 CreateWtFile 64 MB: S_OK")
    code, wtd = new_wt_disk(disks, path, description)
    check(code == n.S_OK, "4.1 CreateWTDisk: S_OK, WTD %d" % wtd)
    return wtd


def case_create():
    devices, disks = managers()
    os.mkdir(os.path.join(STORAGE, "iSCSI_target_disks"))
    wtd = create_64mib(devices, disks, "VirtualDisk1.vhd", "Virtual Disk Number 1 - 64 MB")
    file = os.path.join(STORAGE, "iSCSI_target_disks", "VirtualDisk1.vhd")
    check(os.path.getsize(file) == 64 * MIB + 512, "the file is 64 MiB + the 512-byte footer")
    check(qemu_size(file) == 64 * MIB, "qemu-img info -f vpc: virtual size 64 MiB")
    size, kind = vhdiinfo(file)
    check(size == 64 * MIB and kind == "Fixed", "vhdiinfo: a fixed VHD of 64 MiB")
    code, disk = get_wt_disk(disks, wtd)
    check(code == n.S_OK, "GetWTDisk %d" % wtd)
    check(disk_value(disk, "Size") == 64 * MIB, "IWTDisk Size: the virtual size")
    check(disk_string(disk, "Description") == "Virtual Disk Number 1 - 64 MB",
          "IWTDisk Description as created")
    disk3 = query(disk, n.IWTDISK3)
    check(disk_value(disk3, "VhdType", "IWTDisk3") == n.FIXED_VHD,
          "QueryInterface to IWTDisk3: VhdType Fixed")
    check(path_call(devices, "IsPathValid", "D:\\iSCSI_target_disks\\VirtualDisk1.vhd")
          == n.ERROR_DEVICE_IN_USE, "IsPathValid of a used file: ERROR_DEVICE_IN_USE")

    # the alternative sequence: the VHD exists, IsValidWtDevice checks it
    path = "D:\\iSCSI_target_disks\\Existing.vhd"
    check(new_wt_file(devices, path, 32 * MIB, True) == n.S_OK, "a sparse 32 MB VHD made")
    check(path_call(devices, "IsPathValid", path) == n.S_OK, "4.1' IsPathValid: S_OK")
    check(path_call(devices, "DoesFileExist", path) == n.S_OK, "4.1' DoesFileExist: S_OK")
    check(path_call(devices, "IsValidWtDevice", path) == n.S_OK, "4.1' IsValidWtDevice: S_OK")
    code, wtd2 = new_wt_disk(disks, path, "existing")
    check(code == n.S_OK and wtd2 == wtd + 1, "4.1' CreateWTDisk: S_OK, WTD %d" % wtd2)
    file = os.path.join(STORAGE, "iSCSI_target_disks", "Existing.vhd")
    check(qemu_size(file) == 32 * MIB and vhdiinfo(file) == (32 * MIB, "Fixed"),
          "qemu-img and vhdiinfo read the sparse fixed VHD: 32 MiB")

    # refusals over the wire
    code, _ = new_wt_disk(disks, path, "again")
    check(code == n.ERROR_ALREADY_EXISTS, "CreateWTDisk of a used path: ERROR_ALREADY_EXISTS")
    code, _ = new_wt_disk(disks, None, "null")
    check(code == n.E_POINTER, "CreateWTDisk with a NULL DevicePath: E_POINTER")
    code, _ = new_wt_disk(disks, "D:\\x.vhd", "x", n.WTD_TYPE_VOLUME)
    check(code == n.E_INVALIDARG, "CreateWTDisk of the reserved volume type: E_INVALIDARG")
    code, _ = new_wt_disk(disks, "C:\\Windows\\x.vhd", "x")
    check(code == n.E_ACCESSDENIED, "CreateWTDisk outside the storage roots: E_ACCESSDENIED")
    check(new_wt_file(devices, "D:\\small.vhd", 4 * MIB) == n.ERROR_BAD_LENGTH,
          "CreateWtFile of 4 MB: ERROR_BAD_LENGTH (<62>)")
    check(new_wt_file(devices, "D:\\tiny.vhd", 1000) == n.E_INVALIDARG,
          "CreateWtFile below 1 MB: E_INVALIDARG (<61>)")
    check(path_call(devices, "IsValidWtDevice", "D:\\none.vhd") == n.ERROR_FILE_NOT_FOUND,
          "IsValidWtDevice of a missing file: ERROR_FILE_NOT_FOUND")
    # growing: the disk and its file follow
    req = n.ILocalDeviceMgr_GrowWtFile(FilePath=n.bstr("D:\\iSCSI_target_disks\\VirtualDisk1.vhd"),
                                       hyAdditionalSize=16 * MIB)
    check(hr(devices, req) == n.S_OK, "GrowWtFile by 16 MB")
    file = os.path.join(STORAGE, "iSCSI_target_disks", "VirtualDisk1.vhd")
    check(qemu_size(file) == 80 * MIB, "qemu-img: 80 MiB after GrowWtFile")
    check(disk_value(disk, "Size") == 80 * MIB, "IWTDisk Size: 80 MiB")


def case_enumerate():
    devices, disks = managers()
    os.mkdir(os.path.join(STORAGE, "iSCSI_target_disks"))
    want = []
    for i in range(3):
        name = "Disk%d.vhd" % i
        want.append((create_64mib(devices, disks, name, name), "D:\\iSCSI_target_disks\\" + name))
    # sequence 4.6
    resp = call(disks, n.IWTDiskMgr_EnumWTDisks())
    check(resp["ErrorCode"] == n.S_OK, "4.6 EnumWTDisks: S_OK")
    enum = interface(disks, resp["ppEnumWTDisk"])
    for wtd, path in want:
        resp = call(enum, n.IEnumWTDisk_Next(ulNumElements=1, pElements=NULL))
        check(resp["ErrorCode"] == n.S_OK and resp["pNumElementsReturned"] == 1,
              "4.6 IEnumWTDisk::Next: S_OK, 1 element")
        disk = interface(enum, resp["pElements"])
        check(disk_value(disk, "WTD") == wtd, "4.6 IWTDisk WTD %d" % wtd)
        check(disk_string(disk, "DevicePath") == path, "4.6 IWTDisk DevicePath %s" % path)
    resp = call(enum, n.IEnumWTDisk_Next(ulNumElements=1, pElements=NULL))
    check(resp["ErrorCode"] == n.S_FALSE, "4.6 the last Next: S_FALSE")
    check(resp.fields["pElements"]["ReferentID"] == 0, "4.6 the last Next: a NULL element")
    check(resp["pNumElementsReturned"] == 0, "4.6 the last Next: 0 returned")


def case_delete():
    devices, disks = managers()
    os.mkdir(os.path.join(STORAGE, "iSCSI_target_disks"))
    wtd = create_64mib(devices, disks, "VirtualDisk1.vhd", "to delete")
    # sequence 4.8
    code, disk = get_wt_disk(disks, wtd)
    check(code == n.S_OK, "4.8 GetWTDisk %d: S_OK" % wtd)
    path = disk_string(disk, "DevicePath")
    check(path == "D:\\iSCSI_target_disks\\VirtualDisk1.vhd", "4.8 DevicePath %s" % path)
    check(path_call(devices, "DeleteWtFile", path) == n.ERROR_SHARING_VIOLATION,
          "DeleteWtFile of a file a disk uses: ERROR_SHARING_VIOLATION")
    check(delete_wt_disk(disks, wtd) == n.S_OK, "4.8 DeleteWTDisk: S_OK")
    check(path_call(devices, "DoesFileExist", path) == n.S_OK, "4.8 DoesFileExist: S_OK")
    check(path_call(devices, "DeleteWtFile", path) == n.S_OK, "4.8 DeleteWtFile: S_OK")
    check(not os.path.exists(os.path.join(STORAGE, "iSCSI_target_disks", "VirtualDisk1.vhd")),
          "the VHD file is gone")
    check(path_call(devices, "DoesFileExist", path) == n.E_FAIL, "DoesFileExist: E_FAIL now")
    check(delete_wt_disk(disks, wtd) == n.S_OK, "DeleteWTDisk of an unknown index: S_OK")
    code, _ = get_wt_disk(disks, wtd)
    check(code == n.ERROR_FILE_NOT_FOUND, "GetWTDisk of a deleted disk: ERROR_FILE_NOT_FOUND")
    check(hr(disk, n.IWTDisk_get_Description()) == n.ERROR_FILE_NOT_FOUND,
          "the old IWTDisk pointer: ERROR_FILE_NOT_FOUND")
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(DIR, "state", "istmd.db"), uri=True)
    rows = db.execute("SELECT COUNT(*) FROM disks").fetchone()[0]
    db.close()
    check(rows == 0, "the state database has no disk left")


def case_lun_info():
    devices, disks = managers()
    check(new_wt_file(devices, "D:\\lun.vhd", 8 * MIB) == n.S_OK, "CreateWtFile D:\\lun.vhd")
    code, wtd = new_wt_disk(disks, "D:\\lun.vhd", "lun")
    check(code == n.S_OK, "CreateWTDisk")
    code, disk = get_wt_disk(disks, wtd)
    req = n.IWTDisk_GetVdsLunInfo()
    req["pVdsLunInfo"]["m_szVendorId"] = NULL
    req["pVdsLunInfo"]["m_szProductId"] = NULL
    req["pVdsLunInfo"]["m_szProductRevision"] = NULL
    req["pVdsLunInfo"]["m_szSerialNumber"] = NULL
    req["pVdsLunInfo"]["m_deviceIdDescriptor"]["m_rgIdentifiers"] = NULL
    req["pVdsLunInfo"]["m_rgInterconnects"] = NULL
    resp = call(disk, req)
    check(resp["ErrorCode"] == n.S_OK, "GetVdsLunInfo: S_OK")
    info = resp["pVdsLunInfo"]
    check(info["m_version"] == 1 and info["m_BusType"] == 1, "version 1, VDSBusTypeScsi")
    check(info["m_szVendorId"].rstrip("\x00") == "ISTMD   ", "vendor ISTMD (INQUIRY's 8 bytes)")
    serial = info["m_szSerialNumber"].rstrip("\x00")
    check(re.fullmatch(r"[0-9a-f]{32}", serial) is not None, "serial number %s" % serial)
    ids = info["m_deviceIdDescriptor"]["m_rgIdentifiers"]
    check(info["m_deviceIdDescriptor"]["m_cIdentifiers"] == 2 and len(ids) == 2,
          "two storage identifiers")
    naa = b"".join(ids[0]["m_rgbIdentifier"])
    check(ids[0]["m_Type"] == 3 and len(naa) == 16 and naa[0] >> 4 == 6,
          "the first: an FC-PH name, an NAA 6 designator")
    wt = b"".join(ids[1]["m_rgbIdentifier"])
    check(ids[1]["m_Type"] == 0 and len(wt) == 180 and wt.startswith(b"sapporo21\x00"),
          "the second: WINTARGET_DISK_DEVICE_IDENTIFIER")
    check(int.from_bytes(wt[160:164], "little") == wtd, "its dwLun is the WTD index")


def case_devices():
    devices = activate(n.CLSID_LOCALDEVICEMGR, n.ILOCALDEVICEMGR3)
    resp = call(devices, n.ILocalDeviceMgr_GetDriveInfo(Drive=n.bstr("D:\\")))
    check(resp["ErrorCode"] == n.S_OK, "GetDriveInfo D:\\")
    di = resp["pDriveInfo"]
    st = os.statvfs(STORAGE)
    check(n.wchars(di["szDrive"]) == "D:\\" and di["hySize"] == st.f_blocks * st.f_frsize,
          "DRIVE_INFO: D:\\, the file system's size")
    req = n.ILocalDeviceMgr_GetDriveInfo(Drive=n.bstr("C:\\"))
    check(hr(devices, req) == n.ERROR_INVALID_DRIVE,
          "GetDriveInfo C:\\: ERROR_INVALID_DRIVE")
    resp = call(devices, n.ILocalDeviceMgr2_EnumVolumes2())
    check(resp["ErrorCode"] == n.S_OK, "EnumVolumes2")
    enum = interface(devices, resp["ppEnumVolume"])
    req = n.IEnumVolume2_Next(ulNumElements=1)
    resp = call(enum, req)
    check(resp["ErrorCode"] == n.S_OK, "IEnumVolume2::Next: the storage root")
    volume = resp["pElements"]
    name = n.wchars(volume["szGuid"])
    check(re.fullmatch(r"\\\\\?\\Volume\{[0-9a-f-]{36}\}\\", name) is not None,
          "VOLUME2 szGuid %s" % name)
    check(n.wchars(volume["szMountPoint"]) == "D:\\", "VOLUME2 szMountPoint D:\\")
    check(volume["bSupportSparseFiles"] == 1 and volume["MaxFileSize"] > 0, "sparse, MaxFileSize")
    resp = call(enum, req)
    check(resp["ErrorCode"] == n.S_FALSE, "one volume only")
    # what the server reported is accepted back
    resp = call(devices, n.ILocalDeviceMgr2_GetVolumeInfo(VolumePath=n.bstr(name)))
    check(resp["ErrorCode"] == n.S_OK and n.wchars(resp["pVolumeInfo"]["szGuid"]) == name,
          "GetVolumeInfo of the volume name")
    check(path_call(devices, "IsPathNtfs", "D:\\x.vhd") == n.S_OK, "IsPathNtfs D:\\: S_OK")
    # a directory listing
    os.mkdir(os.path.join(STORAGE, "sub"))
    with open(os.path.join(STORAGE, "a.vhd"), "w") as f:
        f.write("x")
    resp = call(devices, n.ILocalDeviceMgr_EnumDirectory())
    check(resp["ErrorCode"] == n.S_OK, "EnumDirectory")
    de = interface(devices, resp["ppDirectoryEnum"])
    resp = call(de, n.IDirectoryEnum_FindFirst(bstrSearchPath=n.bstr("D:\\*")))
    seen = []
    while resp["ErrorCode"] == n.S_OK:
        d = resp["pDirectoryData"]
        seen.append((n.wchars(d["szFileName"]), n.wchars(d["szFullPath"]), d["eType"]))
        resp = call(de, n.IDirectoryEnum_FindNext())
    check(resp["ErrorCode"] == n.ERROR_NO_MORE_FILES, "FindNext at the end: ERROR_NO_MORE_FILES")
    check(seen == [("a.vhd", "D:\\a.vhd", 1), ("sub", "D:\\sub", 0)],
          "the root lists a.vhd (file) and sub (directory): %r" % seen)
    resp = call(de, n.IDirectoryEnum_FindFirst(bstrSearchPath=n.bstr("C:\\")))
    check(resp["ErrorCode"] == n.E_ACCESSDENIED, "FindFirst outside the roots: E_ACCESSDENIED")


def case_general():
    g = activate(n.CLSID_WTGENERAL, n.IWTGENERAL2)
    check(hr(g, n.IWTGeneral_put_Name(Name=n.bstr("Storage \u00e9 server"))) == n.S_OK,
          "IWTGeneral put_Name")
    name = n.bstr_value(call(g, n.IWTGeneral_get_Name())["pName"])
    check(name == "Storage \u00e9 server", "Name reads back %r" % name)
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(DIR, "state", "istmd.db"), uri=True)
    stored = [r[0] for r in db.execute("SELECT value FROM meta")]
    db.close()
    check("Storage \u00e9 server" in stored, "the name is in the state database")
    check(hr(g, n.IWTGeneral_put_Name(Name=NULL)) == n.E_INVALIDARG,
          "put_Name of a NULL name: E_INVALIDARG")
    check(hr(g, n.IWTGeneral_CheckAccess()) in (n.S_OK, n.ERROR_NOT_READY),
          "CheckAccess: S_OK, or ERROR_NOT_READY while no tgtd answers")
    check(hr(g, n.IWTGeneral_IsSnapshotsSupported()) == n.S_FALSE, "IsSnapshotsSupported: S_FALSE")
    check(hr(g, n.IWTGeneral2_IsClustered()) == n.S_FALSE, "IsClustered: S_FALSE")


CASES = {
    "create": case_create,
    "enumerate": case_enumerate,
    "delete": case_delete,
    "lun-info": case_lun_info,
    "devices": case_devices,
    "general": case_general,
}

if __name__ == "__main__":
    for name in sys.argv[1:]:
        CASES[name]()
