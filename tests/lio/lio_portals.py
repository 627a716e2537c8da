#!/usr/bin/python3
"""SetPortalConfig and initiator IDs on LIO (issue 15).

- ILocalDeviceMgr::SetPortalConfig (MS-ISTM 3.30.4.16) switches the guest's
  portal 10.0.2.15:3260 off: the target's TPG has no np any more, a login
  is refused, GetPortal reports bListen = 0; switched on again: the np is
  back and the initiator logs in. The setting survives an istmd restart
  (re-applied from the store), and a listener switched on at another port
  appears in the TPG.
- LIO's node ACLs name IQNs only: IHost::AddID of an IPv4, IPv6 or DNS ID
  answers ERROR_NOT_SUPPORTED and adds nothing (istmctl allow exits 8),
  an IQN is accepted as before. An IP ID already in the database (put
  there while istmd is stopped, as a database from tgt would have it) is
  shown, gets no ACL, is named in the log as granting nothing, and
  RemoveID takes it away.

    lio_portals.py --istmd PATH --istmctl PATH --iscsi PATH --addr 127.0.35.N
        --tgt-port N --backend lio --lio-cache DIR
"""
import os
import re
import sqlite3
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "istm"))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "e2e"))
import istm_ndr as n  # noqa: E402
from istm_client import Client, call, hr, interface  # noqa: E402
from e2e_env import ADMIN, ADMIN_PASSWORD, EPM_PORT, Env  # noqa: E402

MIB = 1 << 20
INI = "iqn.2026-12.org.example:lio-portals"
CFS = "/sys/kernel/config/target"
GUEST = "10.0.2.15"
ERROR_NOT_SUPPORTED = 0x80070032
OLD_IP = "10.0.2.9"


def wait_until(pred, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.5)
    return pred()


def np_of(env, iqn):
    rc, out = env.guest.run("ls %s/iscsi/%s/tpgt_1/np" % (CFS, iqn))
    return sorted(out.split()) if rc == 0 else None


def login(env, iqn):
    rc, out = env.initiator(iqn, INI, "capacity", "1")
    return rc == 0 and out.strip().splitlines()[0] == str(16 * MIB)


def devices(env):
    return Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD).activate(
        n.CLSID_LOCALDEVICEMGR, n.ILOCALDEVICEMGR)


def set_portal(env, address, port, use):
    code = hr(devices(env), n.ILocalDeviceMgr_SetPortalConfig(
        IpAddress=n.bstr(address), nPort=port, bUse=1 if use else 0))
    env.check(code == n.S_OK, "SetPortalConfig(%s, %d, %s): 0x%08x" % (address, port, use, code))


def listening(env, address):
    resp = call(devices(env), n.ILocalDeviceMgr_GetPortal(IpAddress=n.bstr(address)))
    return resp["ErrorCode"], resp["pPortal"]["bListen"]


def portals(env, iqn):
    set_portal(env, GUEST, 3260, False)
    env.check(wait_until(lambda: np_of(env, iqn) == [], 10),
              "the TPG has no portal left: %s" % np_of(env, iqn))
    env.check(not login(env, iqn), "a login through the switched-off portal is refused")
    code, listen = listening(env, GUEST)
    env.check(code == n.S_OK and listen == 0, "GetPortal(%s): bListen 0 (0x%08x, %s)"
              % (GUEST, code, listen))

    # kept across a restart of istmd, and across a reconcile pass; the
    # restart also brings an IP ID into the database behind istmd's back
    # (as a database moved from tgt would have one)
    env.stop_istmd()
    db = sqlite3.connect(os.path.join(env.state, "istmd.db"))
    with db:
        db.execute("INSERT INTO target_ids (target, method, value) SELECT guid, 2, ? "
                   "FROM targets WHERE name = 'p'", (OLD_IP,))
    db.close()
    env.start_istmd()
    time.sleep(6)  # reconcile_interval = 5: a pass has run
    env.check(np_of(env, iqn) == [] and not login(env, iqn),
              "after an istmd restart and a reconcile pass the portal is still off")

    set_portal(env, GUEST, 3260, True)
    env.check(wait_until(lambda: np_of(env, iqn) == ["%s:3260" % GUEST], 10),
              "switched on: the TPG listens on %s:3260 again" % GUEST)
    env.check(wait_until(lambda: login(env, iqn), 20), "the initiator logs in again")
    code, listen = listening(env, GUEST)
    env.check(code == n.S_OK and listen == 1, "GetPortal(%s): bListen 1" % GUEST)

    set_portal(env, GUEST, 3262, True)
    env.check(wait_until(lambda: np_of(env, iqn) == ["%s:3260" % GUEST, "%s:3262" % GUEST], 10),
              "a listener switched on at port 3262 is added to the TPG: %s" % np_of(env, iqn))
    rc, out = env.guest.run("cat /proc/net/tcp | awk '$4 == \"0A\" { print $2 }'")
    env.check("0F02000A:0CBE" in out.upper(), "the kernel listens on %s:3262" % GUEST)
    set_portal(env, GUEST, 3262, False)
    env.check(wait_until(lambda: np_of(env, iqn) == ["%s:3260" % GUEST], 10),
              "and removed when switched off")
    env.check(login(env, iqn), "the initiator still logs in on 3260")


def initiator_ids(env, iqn):
    c = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD)
    hosts = c.activate(n.CLSID_HOSTMGR, n.IHOSTMGR)
    host = interface(hosts, call(hosts, n.IHostMgr_GetHost(HostName=n.bstr("p")))["ppHost"])
    for method, value in ((n.ID_IP, "10.0.2.2"), (n.ID_IPV6, "fd00::2"),
                          (n.ID_DNS, "localhost")):
        code = hr(host, n.IHost_AddID(pIDMethod=n.id_struct(method, value)))
        env.check(code == ERROR_NOT_SUPPORTED,
                  "AddID(%d, %s) on LIO: ERROR_NOT_SUPPORTED (0x%08x)" % (method, value, code))
    code = hr(host, n.IHost_AddID(pIDMethod=n.id_struct(n.ID_IQN,
                                                         "iqn.2026-12.org.example:other")))
    env.check(code == n.S_OK, "AddID of an IQN is accepted (0x%08x)" % code)
    code = hr(host, n.IHost_Save())
    env.check(code == n.S_OK, "Save (0x%08x)" % code)
    out = env.istmctl("allow", "p", "10.0.2.2", expect=8)
    env.check("IQN" in out, "istmctl allow p 10.0.2.2 exits 8 and says why: %s" % out.strip())
    acls = env.guest.run("ls %s/iscsi/%s/tpgt_1/acls" % (CFS, iqn))[1].split()
    env.check(sorted(acls) == sorted([INI, "iqn.2026-12.org.example:other"]),
              "LIO's node ACLs: the two IQNs only: %s" % acls)
    shown = env.istmctl("target", "show", "p")
    env.check("10.0.2.2" not in shown and "fd00::2" not in shown,
              "no address ID was recorded")


def existing_ip_id(env, iqn):
    """An IP ID already in the database: shown, never an ACL, named in the
    log as granting nothing, removable."""
    env.check(OLD_IP in env.istmctl("target", "show", "p"), "the old IP ID is shown")
    env.check(re.search(r"target %s: .*%s grants nothing" % (re.escape(iqn),
                                                                  re.escape(OLD_IP)),
                        env.log_tail(0, 10 ** 6)) is not None,
              "istmd's log says the old IP ID grants nothing on LIO")
    acls = env.guest.run("ls %s/iscsi/%s/tpgt_1/acls" % (CFS, iqn))[1].split()
    env.check(OLD_IP not in " ".join(acls), "LIO has no ACL for it: %s" % acls)
    env.istmctl("deny", "p", OLD_IP)
    env.check(OLD_IP not in env.istmctl("target", "show", "p"), "RemoveID takes it away")


def body(env):
    path = os.path.join(env.storage, "p.vhd")
    env.istmctl("disk", "create", path, "--size", "16M", "--sparse")
    iqn = env.istmctl("target", "create", "p", "--json", json_out=True)["iqn"]
    env.istmctl("map", "p", path)
    env.istmctl("allow", "p", INI)
    env.check(wait_until(lambda: login(env, iqn), 30), "the initiator logs in")
    env.check(np_of(env, iqn) == ["%s:3260" % GUEST], "the TPG listens on the configured portal")
    initiator_ids(env, iqn)
    portals(env, iqn)
    existing_ip_id(env, iqn)


if __name__ == "__main__":
    sys.exit(Env(__doc__).finish(body))
