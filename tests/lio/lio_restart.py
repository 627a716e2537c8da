#!/usr/bin/python3
"""LIO in the guest (issue 15): ownership, the sessions view, drift repair,
restarts and kill -9 of istmd.

- A WWN made by hand in configfs before istmd starts is foreign: istmd
  names it in its log and never changes or removes it, even after drift
  repair and restarts.
- Targets, LUNs, ACLs and CHAP set with istmctl are in configfs; an
  initiator logs in with one-way and mutual CHAP.
- The sessions view (ISessionManager2, IHost2 EnumSessions) reports LIO's
  own TSIH and ISID (from the ACL's info file) and the initiator's address.
- Drift: an ACL removed and the TPG disabled by hand are repaired by the
  next reconcile pass.
- After SIGTERM and after SIGKILL istmd starts again with the same targets,
  configfs is the same, and the initiator logs in as before.

    lio_restart.py --istmd PATH --istmctl PATH --iscsi PATH --addr 127.0.16.N
        --tgt-port N --backend lio --lio-cache DIR --hold ISCSI_HOLD
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "istm"))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "e2e"))
hold_path = None
for i, a in enumerate(list(sys.argv)):
    if a == "--hold":
        hold_path = sys.argv[i + 1]
        del sys.argv[i:i + 2]
        break
import istm_ndr as n  # noqa: E402
from istm_client import Client, call, enum_all, interface, query  # noqa: E402
from e2e_env import ADMIN, ADMIN_PASSWORD, EPM_PORT, Env  # noqa: E402

MIB = 1 << 20
INI = "iqn.2024-02.org.example:lio-restart"
CHAP = ("l-user", "l-secret-01234")
MUTUAL = ("l-target", "l-target-5678")
FOREIGN = "iqn.2003-01.org.linux-iscsi.someone-else:kept"
CFS = "/sys/kernel/config/target"

FOREIGN_SETUP = """set -e
mkdir -p {cfs}/iscsi/{wwn}/tpgt_1/np/10.0.2.15:3261
mkdir -p {cfs}/iscsi/{wwn}/tpgt_1/acls/iqn.2000-01.org.example:theirs
echo 1 > {cfs}/iscsi/{wwn}/tpgt_1/enable
"""

# What configfs holds of a WWN: one line per fact, sorted.
SNAPSHOT = r"""cd {cfs}/iscsi || exit 1
for w in iqn.* ; do
  g=$w/tpgt_1
  echo "$w enable=$(cat $g/enable) auth=$(cat $g/attrib/authentication)"
  for l in $g/lun/lun_*; do [ -d "$l" ] && echo "$l"; done
  for a in $g/acls/*; do
    [ -d "$a" ] || continue
    echo "$a user=$(cat $a/auth/userid) mutual=$(cat $a/auth/userid_mutual)"
    for m in $a/lun_*; do [ -d "$m" ] && echo "$m"; done
  done
  for p in $g/np/*; do [ -d "$p" ] && echo "$p"; done
done | sort
"""


def snapshot(env):
    rc, out = env.guest.run(SNAPSHOT.format(cfs=CFS))
    env.check(rc == 0, "configfs snapshot")
    return out


def state(env):
    targets = env.istmctl("target", "list", "--json", json_out=True)["targets"]
    disks = env.istmctl("disk", "list", "--json", json_out=True)["disks"]
    for t in targets:
        t.pop("last_login", None)
    return targets, disks


def login_ok(env, iqn, size, chap=True):
    rc, out = env.initiator(iqn, INI, "capacity", "1", chap=CHAP if chap else None,
                            mutual=MUTUAL if chap else None)
    if rc != 0:
        print("# initiator: %d %s" % (rc, out.strip()))
        print("# " + snapshot(env).replace("\n", "\n# "))
    return rc == 0 and out.split()[0] == str(size)


def wait_until(cond, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.5)
    return cond()


def sessions_view(env, iqn):
    """Hold a session (libiscsi, ISID qualifier 0x4242) and compare what
    MS-ISTM reports with LIO's own record of it."""
    if hold_path is None:
        return
    p = subprocess.Popen([hold_path, env.portal, iqn, INI, str(0x4242)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline().split()
        env.check(len(line) == 2 and line[0] == "ready", "iscsi_hold logged in: %s" % line)
        info = env.guest.run("cat %s/iscsi/%s/tpgt_1/acls/%s/info" % (CFS, iqn, INI))[1]
        m = re.search(r"ISID: 0x([0-9a-f ]+?)\s+TSIH: (\d+)", info)
        env.check(m is not None, "LIO's ACL info has the session: %s" % info.splitlines()[:3])
        isid = int(m.group(1).replace(" ", ""), 16)
        tsih = int(m.group(2))
        c = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD)
        sm = c.activate(n.CLSID_SESSIONMANAGER, n.ISESSIONMANAGER2)
        e = interface(sm, call(sm, n.ISessionManager2_EnumSessions2())["ppEnumSession"])
        got = [(n.wchars(s["InitiatorIQN"]), n.wchars(s["HostTargetIQN"]), s["TSIH"], s["ISID"])
               for s in enum_all(e, "IEnumSession2", n.SESSION2)]
        env.check(got == [(INI, iqn, tsih, isid)],
                  "EnumSessions2: LIO's TSIH %d and ISID %#x: %s" % (tsih, isid, got))
        env.check(isid & 0xffff == 0x4242, "the ISID carries the initiator's qualifier")
        resp = call(sm, n.ISessionManager2_EnumConnections(TSIH=tsih))
        env.check(resp["ErrorCode"] == n.S_OK, "EnumConnections(%d)" % tsih)
        conns = [(c_["CID"], n.wchars(c_["InitiatorIpAddress"]), n.wchars(c_["TargetIpAddress"]),
                  c_["TargetPort"])
                 for c_ in enum_all(interface(sm, resp["ppEnumConnection"]), "IEnumConnection",
                                    n.CONNECTION)]
        env.check(len(conns) == 1 and conns[0][0] == 0 and conns[0][1] == "10.0.2.2"
                  and conns[0][2] == "10.0.2.15" and conns[0][3] == 3260,
                  "one connection, CID 0, from QEMU's host address to the portal: %s" % conns)
        hosts = c.activate(n.CLSID_HOSTMGR, n.IHOSTMGR3)
        host = interface(hosts, call(hosts, n.IHostMgr_GetHost(HostName=n.bstr("one")))["ppHost"])
        e = interface(host, call(query(host, n.IHOST3), n.IHost2_EnumSessions())["ppEnumSession"])
        tsihs = [s["TSIH"] for s in enum_all(e, "IEnumSession2", n.SESSION2)]
        env.check(tsihs == [tsih], "IHost2::EnumSessions of 'one': [%d]" % tsih)
    finally:
        p.stdin.close()
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def body(env):
    rc, out = env.guest.run(FOREIGN_SETUP.format(cfs=CFS, wwn=FOREIGN))
    env.check(rc == 0, "a foreign WWN made by hand in configfs: %s" % out)
    foreign_before = env.guest.run("ls -R %s/iscsi/%s" % (CFS, FOREIGN))[1]

    a = os.path.join(env.storage, "a.vhd")
    b = os.path.join(env.storage, "b.vhd")
    wa = env.istmctl("disk", "create", a, "--size", "16M", "--json", json_out=True)["wtd"]
    wb = env.istmctl("disk", "create", b, "--size", "8M", "--json", json_out=True)["wtd"]
    t1 = env.istmctl("target", "create", "one", "--iqn", "iqn.2024-02.org.example:lio-one",
                     "--json", json_out=True)["iqn"]
    env.istmctl("target", "create", "two", "--disabled")
    env.istmctl("map", "one", str(wa))
    env.istmctl("map", "one", str(wb), "--lun", "7")
    env.istmctl("allow", "one", INI)
    env.istmctl("allow", "two", "*")
    env.check(login_ok(env, t1, 16 * MIB, chap=False), "an initiator logs in (no CHAP yet)")
    rc, out = env.initiator(t1, INI, "login", chap=CHAP)
    env.check(rc == 0, "an initiator that offers CHAP logs in without it while the target "
              "has none (as with tgt): %s" % out.strip())
    sessions_view(env, t1)
    env.istmctl("chap", "one", "--user", CHAP[0], stdin=CHAP[1] + "\n")
    env.istmctl("chap", "one", "--mutual", "--user", MUTUAL[0], stdin=MUTUAL[1] + "\n")
    env.check(login_ok(env, t1, 16 * MIB), "the initiator logs in with one-way and mutual CHAP")
    rc, _ = env.initiator(t1, INI, "login", chap=(CHAP[0], "wrong-secret-000"))
    env.check(rc == 3, "a wrong CHAP secret is refused")

    # the negotiation parameters IHost exposes reach the TPG's param files
    c = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD)
    hosts = c.activate(n.CLSID_HOSTMGR, n.IHOSTMGR)
    host = interface(hosts, call(hosts, n.IHostMgr_GetHost(HostName=n.bstr("one")))["ppHost"])
    for req in (n.IHost_put_TargetMaxRecvDataSegmentLength(nLength=131072),
                n.IHost_put_TargetFirstBurstLength(nLength=32768),
                n.IHost_put_TargetMaxBurstLength(nLength=524288),
                n.IHost_Save()):
        env.check(call(host, req)["ErrorCode"] == n.S_OK, "impacket: %s" % type(req).__name__)
    params = env.guest.run("cd %s/iscsi/%s/tpgt_1/param && cat MaxRecvDataSegmentLength "
                           "FirstBurstLength MaxBurstLength" % (CFS, t1))[1].split()
    env.check(params == ["131072", "32768", "524288"],
              "LIO's TPG has MaxRecvDataSegmentLength, FirstBurstLength, MaxBurstLength: %s"
              % params)
    env.check(login_ok(env, t1, 16 * MIB), "the initiator logs in with them")

    live = snapshot(env)
    t2 = [t["iqn"] for t in state(env)[0] if t["name"] == "two"][0]
    env.check(("%s/tpgt_1/lun/lun_1" % t1) in live and ("%s/tpgt_1/lun/lun_7" % t1) in live
              and ("%s/tpgt_1/acls/%s user=%s mutual=%s" % (t1, INI, CHAP[0], MUTUAL[0]))
              in live and ("%s enable=0" % t2) in live and ("%s enable=1" % t1) in live,
              "configfs: LUNs 1 and 7, the ACL with both CHAP users, 'two' disabled")
    owned = open(os.path.join(env.state, "lio-owned")).read().split()
    env.check(sorted(owned) == sorted([t1, t2]), "istmd owns exactly its two WWNs: %s" % owned)

    # drift: an ACL removed and the TPG disabled by hand
    env.guest.run("G=%s/iscsi/%s/tpgt_1; echo 0 > $G/enable; for m in $G/acls/%s/lun_*; do "
                  "rm $m/mapped; rmdir $m; done; rmdir $G/acls/%s" % (CFS, t1, INI, INI))
    ok = wait_until(lambda: snapshot(env) == live, 20)
    if not ok:
        now = snapshot(env)
        print("# expected:\n# " + live.replace("\n", "\n# ") + "\n# now:\n# "
              + now.replace("\n", "\n# "))
    env.check(ok, "drift (an ACL removed, the TPG disabled by hand) repaired within 20 s")

    # drift inside an ACL: one mapped LUN removed, the CHAP user changed
    env.guest.run("A=%s/iscsi/%s/tpgt_1/acls/%s; rm $A/lun_7/mapped; rmdir $A/lun_7; "
                  "printf someone-else > $A/auth/userid" % (CFS, t1, INI))
    env.check(wait_until(lambda: snapshot(env) == live, 20),
              "drift inside the ACL (a LUN unmapped, the CHAP user changed) repaired")

    before = state(env)
    for how in ("SIGTERM", "SIGKILL"):
        if how == "SIGTERM":
            env.stop_istmd()
        else:
            env.kill_istmd()
        env.start_istmd()
        env.check(state(env) == before, "after %s and a restart: the same targets and disks"
                  % how)
        env.check(wait_until(lambda: snapshot(env) == live, 10), "configfs is the same")
        env.check(login_ok(env, t1, 16 * MIB), "the initiator logs in as before")

    env.check(env.guest.run("ls -R %s/iscsi/%s" % (CFS, FOREIGN))[1] == foreign_before,
              "the foreign WWN is untouched")
    env.check(FOREIGN in env.log_tail(0, 10**6) and "not created by istmd"
              in env.log_tail(0, 10**6), "istmd's log names the foreign WWN")
    env.istmctl("target", "delete", "two")
    env.check(wait_until(lambda: t2 not in snapshot(env), 10), "a deleted target leaves LIO")
    env.check(os.path.exists(a) and os.path.getsize(a) == 16 * MIB + 512,
              "the VHD files stay")


if __name__ == "__main__":
    env = Env(__doc__)
    env.extra_conf = []
    raise SystemExit(env.finish(body))
