#!/usr/bin/python3
"""The MS-ISTM section 4 sequences 4.1 to 4.8, as a Windows console sends
them, driven with impacket (tests/integration/istm/istm_client.py) against
istmd and a real tgtd; between them what an initiator sees (libiscsi):
the allowed IQN logs in and another is refused, one-way and mutual CHAP
work and a wrong secret fails, the LUN's size is exactly the VHD's virtual
size (READ CAPACITY 16, iscsi-readcapacity16 too), data written through
iSCSI is in the VHD file at the right offset, and the file stays valid for
qemu-img (-f vpc) and vhdiinfo, which read the same data."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "istm"))
import istm_ndr as n  # noqa: E402
from istm_client import (Client, call, create_wt_disk, create_wt_file, expect,  # noqa: E402
                         interface, is_null, path_request)
from impacket.dcerpc.v5.dtypes import NULL  # noqa: E402
from e2e_env import ADMIN, ADMIN_PASSWORD, EPM_PORT, Env, skip_unless_possible  # noqa: E402

MIB = 1 << 20
SIZE = 0x4000000  # 64 MB, as in 4.1
ALLOWED = "iqn.1991-05.com.contoso:test-server"  # 4.4
OTHER = "iqn.1991-05.com.contoso:another-server"
CHAP = ("contoso-ini", "ini-secret-1234")
MUTUAL = ("contoso-tgt", "tgt-secret-5678")


class Seq:
    def __init__(self, env):
        self.env = env
        c = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD)
        self.devices = c.activate(n.CLSID_LOCALDEVICEMGR, n.ILOCALDEVICEMGR)
        self.disks = c.activate(n.CLSID_WTDISKMGR, n.IWTDISKMGR)
        self.hosts = c.activate(n.CLSID_HOSTMGR, n.IHOSTMGR)

    def expect(self, obj, req, hr, what):
        return expect(call(obj, req), hr, what, self.env.check)

    # ILocalDeviceMgr and IWTDiskMgr
    def path_call(self, name, path, hr, what):
        """ILocalDeviceMgr's NAME (IsPathValid, DoesFileExist, ...) on PATH."""
        cls = getattr(n, "ILocalDeviceMgr_" + name)
        return self.expect(self.devices, path_request(cls, path), hr, what)

    def create_wt_file(self, path, size):
        self.expect(self.devices, create_wt_file(path, size), n.S_OK,
                    "4.1 CreateWtFile %s, %d bytes" % (path, size))

    def create_wt_disk(self, path, description):
        return self.expect(self.disks, create_wt_disk(path, description), n.S_OK,
                           "4.1 CreateWTDisk %s" % path)["pWTD"]

    def disk(self, wtd):
        resp = self.expect(self.disks, n.IWTDiskMgr_GetWTDisk(nWTD=wtd), n.S_OK,
                           "GetWTDisk %d" % wtd)
        return interface(self.disks, resp["ppWTDisk"])

    def disk_path(self, disk):
        resp = self.expect(disk, n.IWTDisk_get_DevicePath(), n.S_OK, "IWTDisk DevicePath")
        return n.bstr_value(resp["pDevicePath"])

    # IHostMgr and IHost
    def host(self, name, what):
        resp = self.expect(self.hosts, n.IHostMgr_GetHost(HostName=n.bstr(name)), n.S_OK,
                           "%s IHostMgr::GetHost %s" % (what, name))
        return interface(self.hosts, resp["ppHost"])

    def save(self, host, what):
        self.expect(host, n.IHost_Save(), n.S_OK, "%s IHost::Save" % what)


def vhd_readers_agree(env, path, size, offset, data):
    """qemu-img and vhdiinfo take the file for a fixed VHD of SIZE, and
    qemu-img reads DATA at OFFSET of the virtual disk."""
    q = subprocess.run(["qemu-img", "info", "-f", "vpc", "--output=json", path],
                       capture_output=True, text=True, timeout=30)
    v = subprocess.run(["vhdiinfo", path], capture_output=True, text=True, timeout=30)
    raw = os.path.join(env.dir, "raw.img")
    c = subprocess.run(["qemu-img", "convert", "-f", "vpc", "-O", "raw", path, raw],
                       capture_output=True, text=True, timeout=60)
    ok = (q.returncode == 0 and '"virtual-size": %d' % size in q.stdout and v.returncode == 0
          and re.search(r"Media size\s*:.*\(%d bytes\)" % size, v.stdout) is not None
          and re.search(r"Disk type\s*:\s*Fixed", v.stdout) is not None and c.returncode == 0)
    if ok:
        with open(raw, "rb") as f:
            f.seek(offset)
            ok = f.read(len(data)) == data
        os.unlink(raw)
    return ok


def body(env):
    s = Seq(env)
    os.makedirs(os.path.join(env.storage, "iSCSI_target_disks"))
    path = "D:\\iSCSI_target_disks\\VirtualDisk1.vhd"
    posix = os.path.join(env.storage, "iSCSI_target_disks", "VirtualDisk1.vhd")

    # ---- 4.1 Creating a virtual disk (both variants) ----
    s.path_call("IsPathValid", path, n.S_OK, "4.1 IsPathValid")
    s.path_call("DoesFileExist", path, n.E_FAIL, "4.1 DoesFileExist: exactly E_FAIL, no file yet")
    s.create_wt_file(path, SIZE)
    wtd = s.create_wt_disk(path, "Virtual Disk Number 1 - 64 MB")
    env.check(os.path.getsize(posix) == SIZE + 512, "the file is the VHD: 64 MiB and its footer")
    # the alternative: a file that exists, here a fixed VHD qemu-img made
    other = os.path.join(env.storage, "qemu.vhd")
    subprocess.run(["qemu-img", "create", "-q", "-f", "vpc", "-o",
                    "subformat=fixed,force_size=on", other, "32M"], check=True, timeout=30)
    s.path_call("IsPathValid", "D:\\qemu.vhd", n.S_OK, "4.1 (alternative) IsPathValid")
    s.path_call("DoesFileExist", "D:\\qemu.vhd", n.S_OK, "4.1 (alternative) DoesFileExist")
    s.path_call("IsValidWtDevice", "D:\\qemu.vhd", n.S_OK, "4.1 (alternative) IsValidWtDevice")
    wtd2 = s.create_wt_disk("D:\\qemu.vhd", "made by qemu-img")
    env.check(wtd2 != wtd, "two WTD indexes (%d, %d)" % (wtd, wtd2))

    # ---- 4.2 Creating a target ----
    resp = s.expect(s.hosts, n.IHostMgr_NewHost(HostName=n.bstr("DatabaseTarget")), n.S_OK,
                    "4.2 IHostMgr::NewHost DatabaseTarget")
    host = interface(s.hosts, resp["ppNewHost"])
    s.expect(host, n.IHost_put_Description(Description=n.bstr("ISTM Test target")), n.S_OK,
             "4.2 IHost::Description")
    s.save(host, "4.2")
    iqn = n.bstr_value(s.expect(host, n.IHost_get_TargetIQN(), n.S_OK,
                                "IHost TargetIQN")["pTargetIQN"])

    # ---- 4.3 Assigning a virtual disk to a target ----
    host = s.host("DatabaseTarget", "4.3")
    s.expect(host, n.IHost_AddWTDisk(nWTD=wtd), n.S_OK, "4.3 IHost::AddWTDisk %d" % wtd)
    s.save(host, "4.3")

    # nobody may log in yet: an initiator must be allowed explicitly
    rc, _ = env.initiator(iqn, ALLOWED, "login")
    env.check(rc == 3, "before 4.4 no initiator may log in")

    # ---- 4.4 Enabling an initiator to connect to a target ----
    host = s.host("DatabaseTarget", "4.4")
    s.expect(host, n.IHost_AddID(pIDMethod=n.id_struct(n.ID_IQN, ALLOWED)), n.S_OK,
             "4.4 IHost::AddID IQN " + ALLOWED)
    s.save(host, "4.4")

    # ---- what the initiator sees ----
    rc, out = env.initiator(iqn, ALLOWED, "capacity", "1")
    env.check(rc == 0 and out.split()[0] == str(SIZE),
              "the allowed IQN logs in; READ CAPACITY(16) of LUN 1: %s bytes, the virtual size"
              % out.split()[0] if rc == 0 else out)
    r = subprocess.run(["iscsi-readcapacity16", "-i", ALLOWED,
                        "iscsi://%s/%s/1" % (env.portal, iqn)],
                       capture_output=True, text=True, timeout=30)
    env.check(r.returncode == 0 and "Totalsize:%d" % SIZE in r.stdout.replace(" ", ""),
              "iscsi-readcapacity16 agrees: Total size %d" % SIZE)
    rc, out = env.initiator(iqn, OTHER, "login")
    env.check(rc == 3, "another IQN is refused")

    pattern = os.urandom(8 * 512)
    tail = os.urandom(512)
    last_lba = SIZE // 512 - 1
    src = os.path.join(env.dir, "pattern")
    with open(src, "wb") as f:
        f.write(pattern)
    with open(src + ".tail", "wb") as f:
        f.write(tail)
    rc, out = env.initiator(iqn, ALLOWED, "write", "1", "2048", src,
                            "write", "1", str(last_lba), src + ".tail",
                            "read", "1", "2048", "8", src + ".back")
    env.check(rc == 0, "8 blocks written at LBA 2048 and one at the last LBA, through iSCSI")
    with open(src + ".back", "rb") as f:
        env.check(f.read() == pattern, "and read back through iSCSI")
    with open(posix, "rb") as f:
        f.seek(2048 * 512)
        at = f.read(len(pattern))
        f.seek(last_lba * 512)
        end = f.read(512)
        footer = f.read()
    env.check(at == pattern, "the data is in the VHD file at byte 2048 * 512")
    env.check(end == tail and len(footer) == 512 and footer.startswith(b"conectix"),
              "the last block is just before the footer, which is intact")
    rc, _ = env.initiator(iqn, ALLOWED, "write", "1", str(last_lba + 1), src + ".tail")
    env.check(rc == 1, "a write past the virtual size fails (the footer is not on the LUN)")
    env.check(vhd_readers_agree(env, posix, SIZE, 2048 * 512, pattern),
              "qemu-img (-f vpc) and vhdiinfo: a valid fixed VHD of 64 MiB; qemu-img reads the "
              "data where it was written")

    # CHAP, one-way then mutual, set as a console does
    host = s.host("DatabaseTarget", "CHAP:")
    s.expect(host, n.IHost_ValidateChapSecret(Secret=n.bstr(CHAP[1])), n.S_OK,
             "IHost::ValidateChapSecret")
    s.expect(host, n.IHost_put_CHAPUserName(UserName=n.bstr(CHAP[0])), n.S_OK,
             "IHost::CHAPUserName")
    s.expect(host, n.IHost_put_CHAPSecret(Secret=n.bstr(CHAP[1])), n.S_OK, "IHost::CHAPSecret")
    s.expect(host, n.IHost_put_EnableCHAP(bEnable=1), n.S_OK, "IHost::EnableCHAP")
    s.save(host, "CHAP:")
    rc, _ = env.initiator(iqn, ALLOWED, "login")
    env.check(rc == 3, "one-way CHAP: without credentials the login is refused")
    rc, _ = env.initiator(iqn, ALLOWED, "login", chap=(CHAP[0], "wrong-secret-99"))
    env.check(rc == 3, "one-way CHAP: a wrong secret is refused")
    rc, _ = env.initiator(iqn, ALLOWED, "capacity", "1", chap=CHAP)
    env.check(rc == 0, "one-way CHAP: the right secret logs in")
    s.expect(host, n.IHost_ValidateReverseChapSecret(Secret=n.bstr(CHAP[1])), n.ERROR_DUP_NAME,
             "IHost::ValidateReverseChapSecret refuses the one-way secret")
    s.expect(host, n.IHost_put_ReverseCHAPUserName(UserName=n.bstr(MUTUAL[0])), n.S_OK,
             "IHost::ReverseCHAPUserName")
    s.expect(host, n.IHost_put_ReverseCHAPSecret(Secret=n.bstr(MUTUAL[1])), n.S_OK,
             "IHost::ReverseCHAPSecret")
    s.expect(host, n.IHost_put_EnableReverseCHAP(bEnable=1), n.S_OK, "IHost::EnableReverseCHAP")
    s.save(host, "mutual CHAP:")
    rc, _ = env.initiator(iqn, ALLOWED, "login", chap=CHAP, mutual=MUTUAL)
    env.check(rc == 0, "mutual CHAP: the target proves itself with its secret")
    rc, _ = env.initiator(iqn, ALLOWED, "login", chap=CHAP, mutual=(MUTUAL[0], "not-the-secret"))
    env.check(rc == 3, "mutual CHAP: an initiator expecting another secret refuses the target")
    rc, _ = env.initiator(iqn, OTHER, "login", chap=CHAP, mutual=MUTUAL)
    env.check(rc == 3, "CHAP does not let in an IQN that is not allowed")

    # ---- 4.5 Modifying target properties ----
    resp = s.expect(s.hosts, n.IHostMgr_NewHost(HostName=n.bstr("ISTMTarget")), n.S_OK,
                    "IHostMgr::NewHost ISTMTarget")
    s.save(interface(s.hosts, resp["ppNewHost"]), "ISTMTarget")
    host = s.host("ISTMTarget", "4.5")
    new_iqn = "iqn.1991-05.com.contoso:test-server-istmtarget-target"
    s.expect(host, n.IHost_put_Name(Name=n.bstr("DatabaseTarget2")), n.S_OK, "4.5 IHost::Name")
    s.expect(host, n.IHost_put_Description(Description=n.bstr("ISTM Test target updated")),
             n.S_OK, "4.5 IHost::Description")
    s.expect(host, n.IHost_put_TargetIQN(TargetIQN=n.bstr(new_iqn)), n.S_OK,
             "4.5 IHost::TargetIQN")
    s.save(host, "4.5")
    renamed = s.host("DatabaseTarget2", "after 4.5")
    env.check(n.bstr_value(call(renamed, n.IHost_get_Description())["pDescription"])
              == "ISTM Test target updated"
              and n.bstr_value(call(renamed, n.IHost_get_TargetIQN())["pTargetIQN"]) == new_iqn,
              "4.5's name, description and IQN are saved")
    s.expect(s.hosts, n.IHostMgr_GetHost(HostName=n.bstr("ISTMTarget")), n.ERROR_FILE_NOT_FOUND,
             "the old name is gone")
    env.check(new_iqn in env.tgt_show(), "tgtd serves the target under its new IQN")

    # ---- 4.6 Enumerating existing virtual disks ----
    resp = s.expect(s.disks, n.IWTDiskMgr_EnumWTDisks(), n.S_OK, "4.6 IWTDiskMgr::EnumWTDisks")
    e = interface(s.disks, resp["ppEnumWTDisk"])
    seen = {}
    for i in range(3):
        resp = call(e, n.IEnumWTDisk_Next(ulNumElements=1, pElements=NULL))
        if i == 2:
            env.check(resp["ErrorCode"] == n.S_FALSE and resp["pNumElementsReturned"] == 0
                      and is_null(resp["pElements"]),
                      "4.6 the third IEnumWTDisk::Next: S_FALSE, nothing returned")
            break
        env.check(resp["ErrorCode"] == n.S_OK and resp["pNumElementsReturned"] == 1,
                  "4.6 IEnumWTDisk::Next %d: S_OK, one disk" % (i + 1))
        d = interface(s.disks, resp["pElements"])
        number = s.expect(d, n.IWTDisk_get_WTD(), n.S_OK, "4.6 IWTDisk WTD")["pWTD"]
        seen[number] = s.disk_path(d)
    env.check(seen == {wtd: path, wtd2: "D:\\qemu.vhd"}, "4.6 both disks, with their paths")

    # ---- 4.7 Removing a virtual disk from a target ----
    host = s.host("DatabaseTarget", "4.7")
    s.expect(host, n.IHost_RemoveWTDisk(nWTD=wtd), n.S_OK, "4.7 IHost::RemoveWTDisk %d" % wtd)
    s.save(host, "4.7")
    rc, _ = env.initiator(iqn, ALLOWED, "capacity", "1", chap=CHAP, mutual=MUTUAL)
    env.check(rc == 1, "LUN 1 is gone from the target")

    # ---- 4.8 Deleting a virtual disk ----
    d = s.disk(wtd)
    dev = s.disk_path(d)
    env.check(dev == path, "4.8 IWTDisk DevicePath: %s" % dev)
    s.expect(s.disks, n.IWTDiskMgr_DeleteWTDisk(nWTD=wtd), n.S_OK,
             "4.8 IWTDiskMgr::DeleteWTDisk %d" % wtd)
    s.path_call("DoesFileExist", dev, n.S_OK, "4.8 DoesFileExist: the file is still there")
    s.path_call("DeleteWtFile", dev, n.S_OK, "4.8 DeleteWtFile")
    s.path_call("DoesFileExist", dev, n.E_FAIL, "DoesFileExist: E_FAIL now")
    env.check(not os.path.exists(posix), "the VHD file is gone")
    s.expect(s.disks, n.IWTDiskMgr_GetWTDisk(nWTD=wtd), n.ERROR_FILE_NOT_FOUND,
             "GetWTDisk of the deleted index")
    env.check(list(env.loops().values()) == [], "no loop device over the test's files")


if __name__ == "__main__":
    skip_unless_possible()
    raise SystemExit(Env(__doc__).finish(body))
