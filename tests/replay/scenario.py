#!/usr/bin/python3
"""The sessions of tests/replay/'s corpus: impacket driving istmd through
MS-ISTM sequences (4.1 creating a virtual disk, 4.2 creating a target,
4.3 assigning the disk, 4.4 an initiator ID, 4.5 target properties, the
enumerations), run under with_istmd.sh while make_capture.sh records the
traffic. Usage: scenario.py LEVEL NAME (LEVEL 5 integrity, 6 privacy;
NAME a prefix for the objects). Prints "ok - ..." lines."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration", "istm"))
import istm_ndr as n  # noqa: E402
import istm_client  # noqa: E402
from istm_client import (call, create_wt_disk, create_wt_file, enum_all, expect,  # noqa: E402
                         interface)

level, name = int(sys.argv[1]), sys.argv[2]
if os.environ.get("REPLAY_FRAGMENT") == "1":
    # every request of every connection in 256-byte fragments, each signed
    # or sealed on its own
    from impacket.dcerpc.v5 import rpcrt
    _send = rpcrt.DCERPC_v5.call

    def fragmenting_call(self, *args, **kwargs):
        self.set_max_fragment_size(256)
        return _send(self, *args, **kwargs)
    rpcrt.DCERPC_v5.call = fragmenting_call
client = istm_client.Client(istm_client.ADDR, istm_client.EPM_PORT, istm_client.ADMIN,
                            istm_client.ADMIN_PASSWORD, level=level)

general = client.activate(n.CLSID_WTGENERAL, n.IWTGENERAL)
expect(call(general, n.IWTGeneral_get_Guid()), n.S_OK, "IWTGeneral Guid")
expect(call(general, n.IWTGeneral_get_Name()), n.S_OK, "IWTGeneral Name")

# 4.1: a virtual disk
devices = client.activate(n.CLSID_LOCALDEVICEMGR, n.ILOCALDEVICEMGR)
disks = client.activate(n.CLSID_WTDISKMGR, n.IWTDISKMGR)
path = "D:\\%s.vhd" % name
expect(call(devices, n.ILocalDeviceMgr_IsPathValid(FilePath=n.bstr(path))), n.S_OK, "IsPathValid")
expect(call(devices, create_wt_file(path, 8 << 20)), n.S_OK, "CreateWtFile 8 MB")
resp = expect(call(disks, create_wt_disk(path, "replay " + name)), n.S_OK, "CreateWTDisk")
wtd = resp["pWTD"]
disk = interface(disks, expect(call(disks, n.IWTDiskMgr_GetWTDisk(nWTD=wtd)), n.S_OK,
                               "GetWTDisk")["ppWTDisk"])
expect(call(disk, n.IWTDisk_get_Description()), n.S_OK, "disk Description")
expect(call(disk, n.IWTDisk_get_Size()), n.S_OK, "disk Size")

# 4.2, 4.4, 4.5: a target with an initiator ID and properties
mgr = client.activate(n.CLSID_HOSTMGR, n.IHOSTMGR3)
host = interface(mgr, expect(call(mgr, n.IHostMgr_NewHost(HostName=n.bstr(name))), n.S_OK,
                             "NewHost")["ppNewHost"])
expect(call(host, n.IHost_put_Description(Description=n.bstr("made by " + name))), n.S_OK,
       "put Description")
expect(call(host, n.IHost_put_TargetMaxBurstLength(nLength=131072)), n.S_OK, "put MaxBurst")
expect(call(host, n.IHost_AddID(pIDMethod=n.id_struct(n.ID_IQN, "iqn.1991-05.com.contoso:" + name))),
       n.S_OK, "AddID")
expect(call(host, n.IHost_AddWTDisk(nWTD=wtd)), n.S_OK, "AddWTDisk")
if os.environ.get("REPLAY_CHAP") == "1":
    # CHAP (privacy only): the secret must not reach a session log
    expect(call(host, n.IHost_put_EnableCHAP(bEnable=1)), n.S_OK, "put EnableCHAP")
    expect(call(host, n.IHost_put_CHAPUserName(UserName=n.bstr("chapuser"))), n.S_OK,
           "put CHAPUserName")
    expect(call(host, n.IHost_put_CHAPSecret(Secret=n.bstr("Sessionlog-Secret-77"))), n.S_OK,
           "put CHAPSecret")
    expect(call(host, n.IHost_get_CHAPSecret()), n.S_OK, "get CHAPSecret")
call(host, n.IHost_Save())
again = interface(mgr, expect(call(mgr, n.IHostMgr_GetHost(HostName=n.bstr(name))), n.S_OK,
                              "GetHost")["ppHost"])
for prop in ("Guid", "Name", "Description", "TargetIQN", "TargetMaxBurstLength", "Enable"):
    expect(call(again, getattr(n, "IHost_get_" + prop)()), n.S_OK, "get " + prop)
ids = interface(again, expect(call(again, n.IHost_EnumIDs()), n.S_OK, "EnumIDs")["ppEnumIDMethod"])
enum_all(ids, "IEnumIDMethod", n.ID)
hosts = interface(mgr, expect(call(mgr, n.IHostMgr_EnumHosts()), n.S_OK, "EnumHosts")["ppEnumHost"])
enum_all(hosts, "IEnumHost", n.PMInterfacePointer)
code = call(mgr, n.IHostMgr_GetHost(HostName=n.bstr("no-such-" + name)))["ErrorCode"]
print("ok - GetHost of a missing target: 0x%08x" % code)
print("ok - scenario %s done" % name)
