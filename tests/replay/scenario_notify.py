#!/usr/bin/python3
"""The notification capture of tests/replay/'s corpus (make_capture.sh with
REPLAY_SCENARIO=notify): impacket registers an IStatusNotify object of
notify_console (tests/integration/notify, listening on CONSOLE_ADDR) with
IWTGeneral RegisterNotification (MS-ISTM 3.52.4.9), makes a virtual disk
(4.1: the LUN list changes, istmd calls the console back: checked in its
log), unregisters it (3.52.4.10), unregisters an object never registered
(S_OK) and registers bytes that are no OBJREF (E_INVALIDARG). The callback
traffic (istmd to the console) is left out of the capture: it is istmd's,
not the console's, and is not replayed (docs/replay.md).

Usage: scenario_notify.py LEVEL CONSOLE CONSOLE_ADDR CONSOLE_USERS (run by
with_istmd.sh, [notify] only_caller_address = no: impacket calls from
127.0.0.1). Prints "ok - ..." lines."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration", "istm"))
import istm_ndr as n  # noqa: E402
import istm_client  # noqa: E402
from istm_client import call, check, create_wt_disk, create_wt_file, expect  # noqa: E402
from impacket.dcerpc.v5.dcomrt import PMInterfacePointer  # noqa: E402
from impacket.dcerpc.v5.dtypes import ULONG  # noqa: E402

n.method("IWTGeneral", "RegisterNotification", 11,
         ins=(("pStatusNotify", PMInterfacePointer), ("lCookie", ULONG)))
n.method("IWTGeneral", "UnregisterNotification", 12, ins=(("pStatusNotify", PMInterfacePointer),))

level, console_bin, console_addr, users = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
log = os.path.join(istm_client.DIR, "console.log")
open(log, "w").close()
console = subprocess.Popen([console_bin, "--listen", console_addr, "--epm-port", "1135",
                            "--object-port", "1136", "--users", users, "--log", log,
                            "--ping-period", "2"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True)
try:
    check(console.stdout.readline().strip() == "ready", "the console started")
    console.stdin.write("new ok\n")
    console.stdin.flush()
    data = bytes.fromhex(console.stdout.readline().split()[2])

    def mip(cls, blob, **fields):
        req = cls(**fields)
        req["pStatusNotify"]["ulCntData"] = len(blob)
        req["pStatusNotify"]["abData"] = list(blob)
        return req

    client = istm_client.Client(istm_client.ADDR, istm_client.EPM_PORT, istm_client.ADMIN,
                                istm_client.ADMIN_PASSWORD, level=level)
    g = client.activate(n.CLSID_WTGENERAL, n.IWTGENERAL)
    r = call(g, mip(n.IWTGeneral_RegisterNotification, data, lCookie=4242))
    check(r["ErrorCode"] == n.S_OK, "RegisterNotification: S_OK (0x%08x)" % r["ErrorCode"])
    devices = client.activate(n.CLSID_LOCALDEVICEMGR, n.ILOCALDEVICEMGR)
    disks = client.activate(n.CLSID_WTDISKMGR, n.IWTDISKMGR)
    expect(call(devices, create_wt_file("D:\\notify.vhd", 8 << 20)), n.S_OK, "CreateWtFile")
    expect(call(disks, create_wt_disk("D:\\notify.vhd", "notify")), n.S_OK, "CreateWTDisk")
    for _ in range(50):
        with open(log) as f:
            if "LunListChanged 4242" in f.read():
                break
        time.sleep(0.1)
    with open(log) as f:
        check("LunListChanged 4242" in f.read(), "istmd called the console back")
    r = call(g, mip(n.IWTGeneral_UnregisterNotification, data))
    check(r["ErrorCode"] == n.S_OK, "UnregisterNotification: S_OK")
    r = call(g, mip(n.IWTGeneral_UnregisterNotification, data))
    check(r["ErrorCode"] == n.S_OK, "UnregisterNotification of an object no longer registered: S_OK")
    r = call(g, mip(n.IWTGeneral_RegisterNotification, b"not an OBJREF at all", lCookie=1))
    check(r["ErrorCode"] == n.E_INVALIDARG, "RegisterNotification of no OBJREF: E_INVALIDARG")
    print("ok - notification scenario done")
finally:
    console.stdin.close()
    try:
        console.wait(timeout=5)
    except subprocess.TimeoutExpired:
        console.kill()
        console.wait()
