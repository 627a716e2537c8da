#!/usr/bin/python3
"""Restarts (issue 5 item 8): after istmd stops (SIGTERM) or dies (SIGKILL)
and starts again, every target, mapping and property is still there, in
istmd and in tgtd, and initiators log in as before; after tgtd is killed and
a new one started, istmd has put every target back within 2 s."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "istm"))
import istm_ndr as n  # noqa: E402
from istm_client import Client, call, interface  # noqa: E402
from e2e_env import ADMIN, ADMIN_PASSWORD, EPM_PORT, Env, skip_unless_possible  # noqa: E402

MIB = 1 << 20
INI = "iqn.2024-02.org.example:restart"
CHAP = ("r-user", "r-secret-01234")
MUTUAL = ("r-target", "r-target-5678")


def state(env):
    """What istmctl shows of every target and disk."""
    targets = env.istmctl("target", "list", "--json", json_out=True)["targets"]
    disks = env.istmctl("disk", "list", "--json", json_out=True)["disks"]
    return targets, disks


def tgt_targets(env):
    """tgtd's targets: {iqn: (state, LUN numbers, ACL lines, accounts)}."""
    show = env.tgt_show()
    found = {}
    for block in re.split(r"^Target \d+: ", show, flags=re.M)[1:]:
        name = block.splitlines()[0].strip()
        st = re.search(r"^\s+State: (\S+)", block, flags=re.M)
        luns = tuple(re.findall(r"^\s+LUN: (\d+)", block, flags=re.M))
        acl = tuple(sorted(re.findall(r"^\s+ACL information:\s*\n((?:\s{8}\S.*\n?)*)", block,
                                      flags=re.M)))
        accounts = tuple(sorted(re.findall(r"^\s+Account information:\s*\n((?:\s{8}\S.*\n?)*)",
                                           block, flags=re.M)))
        found[name] = (st.group(1) if st else None, luns, acl, accounts)
    return found


def set_the_rest(env, wtd):
    """What istmctl does not set, through impacket: the negotiation
    parameters, idle timeout detection, a portal, a disk's description."""
    c = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD)
    hosts = c.activate(n.CLSID_HOSTMGR, n.IHOSTMGR)
    host = interface(hosts, call(hosts, n.IHostMgr_GetHost(HostName=n.bstr("one")))["ppHost"])
    for req in (n.IHost_put_TargetMaxRecvDataSegmentLength(nLength=131072),
                n.IHost_put_TargetFirstBurstLength(nLength=32768),
                n.IHost_put_TargetMaxBurstLength(nLength=524288),
                n.IHost_put_NumRecvBuffers(nNumBuffers=20),
                n.IHost_put_EnforceIdleTimeoutDetection(bEnable=0),
                n.IHost_AddPortal(IpAddress=n.bstr(env.portal)),
                n.IHost_Save()):
        env.check(call(host, req)["ErrorCode"] == n.S_OK, "impacket: %s" % type(req).__name__)
    disks = c.activate(n.CLSID_WTDISKMGR, n.IWTDISKMGR)
    disk = interface(disks, call(disks, n.IWTDiskMgr_GetWTDisk(nWTD=wtd))["ppWTDisk"])
    req = n.IWTDisk_put_Description(Description=n.bstr("disk b, described by IWTDisk"))
    env.check(call(disk, req)["ErrorCode"] == n.S_OK
              and call(disk, n.IWTDisk_Save())["ErrorCode"] == n.S_OK,
              "impacket: IWTDisk Description and Save")


def login_ok(env, iqn, lun_size):
    rc, out = env.initiator(iqn, INI, "capacity", "1", chap=CHAP, mutual=MUTUAL)
    return rc == 0 and out.split()[0] == str(lun_size)


def body(env):
    a = os.path.join(env.storage, "a.vhd")
    b = os.path.join(env.storage, "sub", "b.vhd")
    os.makedirs(os.path.dirname(b))
    wa = env.istmctl("disk", "create", a, "--size", "16M", "--description", "disk a",
                     "--json", json_out=True)["wtd"]
    wb = env.istmctl("disk", "create", b, "--size", "24M", "--sparse", "--json",
                     json_out=True)["wtd"]
    t1 = env.istmctl("target", "create", "one", "--description", "first",
                     "--iqn", "iqn.2024-02.org.example:restart-one", "--json",
                     json_out=True)["iqn"]
    env.istmctl("target", "create", "two", "--description", "second, disabled", "--disabled")
    env.istmctl("map", "one", str(wa))
    env.istmctl("map", "one", b, "--lun", "7")
    env.istmctl("map", "two", str(wb))
    env.istmctl("allow", "one", INI, "192.0.2.0/24", "fd00::/8", "dns:host.invalid")
    env.istmctl("allow", "two", "*")
    env.istmctl("chap", "one", "--user", CHAP[0], stdin=CHAP[1] + "\n")
    env.istmctl("chap", "one", "--mutual", "--user", MUTUAL[0], stdin=MUTUAL[1] + "\n")
    env.check(login_ok(env, t1, 16 * MIB), "an initiator logs in with one-way and mutual CHAP")
    set_the_rest(env, wb)
    before = state(env)
    one = [t for t in before[0] if t["name"] == "one"][0]
    env.check(one["parameters"] == {"max_recv_data_segment_length": 131072,
                                    "first_burst_length": 32768, "max_burst_length": 524288,
                                    "num_recv_buffers": 20,
                                    "enforce_idle_timeout_detection": False}
              and {"address": env.addr, "port": 3260} in one["portals"],
              "istmctl shows the parameters and the portal")
    live = tgt_targets(env)
    t2 = [t["iqn"] for t in before[0] if t["name"] == "two"][0]
    env.check(sorted(live) == sorted([t1, t2]) and live[t1][:2] == ("ready", ("0", "1", "7"))
              and live[t2][0] == "offline",
              "tgtd serves 'one' (LUNs 1 and 7); the disabled 'two' is offline: %s"
              % {k: v[:2] for k, v in live.items()})
    env.check(len(before[0]) == 2 and len(before[1]) == 2, "two targets, two disks")

    for how in ("SIGTERM", "SIGKILL"):
        if how == "SIGTERM":
            env.stop_istmd()
        else:
            env.kill_istmd()
        env.start_istmd()
        after = state(env)
        for t in before[0] + after[0]:
            t.pop("last_login", None)  # the logins above date it
        env.check(after == before, "after %s and a restart, every target, mapping and property "
                  "is the same (istmctl's JSON)" % how)
        env.check(tgt_targets(env) == live, "tgtd has the same targets, LUNs, ACLs and accounts")
        env.check(login_ok(env, t1, 16 * MIB), "the initiator logs in as before")
        before = after

    # tgtd killed: a new one gets every target within 2 s.
    env.kill_tgtd()
    time.sleep(0.5)
    up = env.start_tgtd()
    while tgt_targets(env) != live and time.monotonic() - up < 5:
        time.sleep(0.02)
    took = time.monotonic() - up
    env.check(tgt_targets(env) == live, "the new tgtd has every target again")
    env.check(took <= 2.0, "within 2 s of its start (%.2f s)" % took)
    env.check(login_ok(env, t1, 16 * MIB), "the initiator logs in to the new tgtd")
    after = state(env)
    for t in after[0]:
        t.pop("last_login", None)
    env.check(after == before, "istmd's targets and disks did not change")
    out = env.log_tail(0, 10**6)
    env.check("generation 2" in out, "istmd saw the new tgtd (generation 2)")


if __name__ == "__main__":
    skip_unless_possible()
    raise SystemExit(Env(__doc__).finish(body))
