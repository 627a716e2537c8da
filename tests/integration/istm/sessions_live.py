#!/usr/bin/python3
"""Live sessions and connections through ISessionManager, ISessionManager2
(MS-ISTM 3.34, 3.35) and IHost (Status, LastLogIn, IHost2 EnumSessions),
with two libiscsi initiators (iscsi_hold, chosen ISIDs) held logged in to a
private tgtd: the IQNs, TSIHs, addresses and ports every method reports,
checked against what the initiators and the backend know (tgtadm, or
LIO's configfs and the guest kernel's TCP table), and the errors of
GetSession/GetConnection/EnumConnections.

The same code for both backends (issue 15 item 4; e2e_backend.py says
where to look):
- tgt: run by with_istmd.sh, with ISTMD_TGT_CONTROL_PORT, ISTMD_TGT_PORTAL
  and ISCSI_HOLD (the initiator program) in the environment; exit status 77
  (skipped) without root or tgtd;
- LIO: sessions_live.py --backend lio --istmd ... (e2e_env.py's options):
  istmd and LIO in the QEMU guest (tests/lio/lio_guest.py), the initiators
  on the host; LIO's real ISIDs, TSIHs and the initiators' ports from the
  guest's /proc/net/tcp.
Prints "ok - ..." lines and stops at the first failure.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import json  # noqa: E402
import istm_client  # noqa: E402
import istm_ndr as n  # noqa: E402
from istm_client import (admin, call, check, enum_all, expect, interface, ok,  # noqa: E402
                         pdeathsig, query, start_tgtd)

import e2e_backend  # noqa: E402

CONTROL_PORT = os.environ.get("ISTMD_TGT_CONTROL_PORT", "0")
# where the host's initiators connect (with LIO: the forwarded port)
PORTAL = os.environ.get("ISTMD_TGT_PORTAL", "")
NAME = os.environ.get("ISTMD_NAME", "sess")
HOLD = os.environ.get("ISCSI_HOLD", "")
B = None  # the backend's view (e2e_backend.py), set by run()
TGTD = "/usr/sbin/tgtd"
TGTADM = "/usr/sbin/tgtadm"
INI1 = "iqn.1991-05.com.contoso:sess-one"
INI2 = "iqn.1991-05.com.contoso:sess-two"
TARGET = "SessTarget"
CHAP_TARGET = "SessChap"
INI3 = "iqn.1991-05.com.contoso:sess-chap"
INI4 = "iqn.1991-05.com.contoso:sess-mutual"
CHAP = ("sess-chap-user", "chap-secret-1234")
MUTUAL = ("sess-target-user", "target-secret-5678")
NO_ISID = "000000000000"  # istmctl's ISID where the backend cannot tell
AUTH_NONE, AUTH_CHAP = 0, 1  # MS-ISTM 2.2.3.1 AuthenticationMethod


def tgtadm(*args):
    return B.tgtadm(*args)


def wait_for_backend():
    for _ in range(300):
        with open(istm_client.LOG) as f:
            if re.search(r"iSCSI backend %s generation \d+" % B.name, f.read()):
                return
        time.sleep(0.1)
    check(False, "istmd sees the %s backend" % B.name)


def isid_text(tsih):
    """What istmctl shows as the session's ISID: the backend's, or 0s."""
    isid = B.sessions()[tsih][1]
    return NO_ISID if isid is None else "%012x" % isid


def port_seen(port):
    """Whether the target's kernel has a connection from the initiator's
    address and PORT on the portal (its TCP table, where the target runs)."""
    return (B.initiator_address, port) in B.portal_connections()


def filetime(unix_seconds):
    return int((unix_seconds + 11644473600) * 10000000)


def tgt_sessions():
    """TSIH -> initiator IQN, as the backend lists its sessions (tgtadm's
    I_T nexuses, LIO's ACL info files)."""
    return {tsih: s[0] for tsih, s in B.sessions().items()}


def hold(iqn, initiator, qualifier, *chap):
    """An initiator logged in until stop(): (process, its local TCP port). CHAP:
    user, secret (one-way), then the target's user and secret (mutual)."""
    p = subprocess.Popen([HOLD, PORTAL, iqn, initiator, str(qualifier)] + list(chap),
                         stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, preexec_fn=pdeathsig)
    line = p.stdout.readline().split()
    check(len(line) == 2 and line[0] == "ready", "%s logged in (%s)" % (initiator, line))
    return p, int(line[1])


def stop(p):
    p.stdin.close()
    try:
        p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def sessions2(sm):
    e = interface(sm, call(sm, n.ISessionManager2_EnumSessions2())["ppEnumSession"])
    return [{"ini": n.wchars(s["InitiatorIQN"]), "iqn": n.wchars(s["HostTargetIQN"]),
             "host": n.wchars(s["HostName"]), "tsih": s["TSIH"], "isid": s["ISID"],
             "auth": s["eAuthMethod"]}
            for s in enum_all(e, "IEnumSession2", n.SESSION2)]


def sessions1(sm):
    resp = expect(call(sm, n.ISessionManager_EnumSessions()), n.S_OK, "EnumSessions")
    e = interface(sm, resp["ppEnumSession"])
    return sorted((n.wchars(s["InitiatorIQN"]), n.wchars(s["HostTargetIQN"]))
                  for s in enum_all(e, "IEnumSession", n.SESSION))


def conn_tuple(c):
    return (c["CID"], n.wchars(c["InitiatorIpAddress"]), c["InitiatorPort"],
            n.wchars(c["TargetIpAddress"]), c["TargetPort"])


def connections(sm, tsih):
    resp = expect(call(sm, n.ISessionManager2_EnumConnections(TSIH=tsih)), n.S_OK,
                  "EnumConnections(%d)" % tsih)
    e = interface(sm, resp["ppEnumConnection"])
    return [conn_tuple(c) for c in enum_all(e, "IEnumConnection", n.CONNECTION)]


def host_view(mgr):
    resp = expect(call(mgr, n.IHostMgr_GetHost(HostName=n.bstr(TARGET))), n.S_OK, "GetHost")
    host = interface(mgr, resp["ppHost"])
    status = expect(call(host, n.IHost_get_Status()), n.S_OK, "get Status")["pStatus"]
    last = expect(call(host, n.IHost_get_LastLogIn()), n.S_OK, "get LastLogIn")["pTimeStamp"]
    e = interface(host, call(query(host, n.IHOST3), n.IHost2_EnumSessions())["ppEnumSession"])
    tsihs = sorted(s["TSIH"] for s in enum_all(e, "IEnumSession2", n.SESSION2))
    return status, last, tsihs


def istmctl(*args, expect_rc=0):
    """istmctl against the daemon with_istmd.sh started: (exit status, stdout)."""
    pw = os.path.join(istm_client.DIR, "admin.pw")
    with open(pw, "w") as f:
        f.write(istm_client.ADMIN_PASSWORD + "\n")
    r = subprocess.run(["timeout", "30", os.environ["ISTMCTL"], "--server",
                        "%s:%d" % (istm_client.ADDR, istm_client.EPM_PORT), "--user",
                        istm_client.ADMIN, "--password-file", pw] + list(args),
                       capture_output=True, text=True)
    check(r.returncode == expect_rc, "istmctl %s exits %d (%d: %s)" %
          (" ".join(args), expect_rc, r.returncode, r.stderr.strip()))
    return r.stdout


def check_istmctl(iqn, want):
    """istmctl session list/show (docs/istmctl.md) show WANT: {tsih: (initiator, isid,
    [(cid, address, port)])}."""
    got = json.loads(istmctl("session", "list", "--json"))["sessions"]
    seen = {s["tsih"]: (s["initiator"], s["isid"],
                        [(c["cid"], c["initiator_address"], c["initiator_port"])
                         for c in s["connections"]]) for s in got}
    check(seen == want, "istmctl session list --json: %s == %s" % (seen, want))
    check(all(s["target"] == TARGET and s["target_iqn"] == iqn and s["type"] == "normal"
              and s["auth"] == "none" for s in got), "istmctl: target, type, auth")
    by_target = json.loads(istmctl("session", "list", TARGET, "--json"))["sessions"]
    check(sorted(s["tsih"] for s in by_target) == sorted(want),
          "istmctl session list TARGET: the same sessions")
    text = istmctl("session", "list")
    for tsih, (ini, isid, _) in want.items():
        check(re.search(r"^%d\s+%s\s+1\s+%s\s+%s$" % (tsih, isid, TARGET, re.escape(ini)),
                        text, re.M), "istmctl session list shows %d: %s" % (tsih, text))
        one = json.loads(istmctl("session", "show", str(tsih), "--json"))
        check((one["tsih"], one["initiator"], one["isid"]) == (tsih, ini, isid) and
              [(c["cid"], c["initiator_address"], c["initiator_port"])
               for c in one["connections"]] == want[tsih][2],
              "istmctl session show %d --json: %s" % (tsih, one))
        text1 = istmctl("session", "show", str(tsih))
        check("Initiator:  %s" % ini in text1 and ("CID 0: %s:" % B.initiator_address) in text1,
              "istmctl session show %d: %s" % (tsih, text1))
    out = istmctl("session", "show", "65000", expect_rc=4)
    del out
    istmctl("session", "show", "0", expect_rc=2)
    istmctl("session", "list", "NoSuchTarget", expect_rc=4)


def make_chap_target(mgr):
    """A second target, CHAP and mutual CHAP on, for INI3 and INI4: its host."""
    resp = expect(call(mgr, n.IHostMgr_NewHost(HostName=n.bstr(CHAP_TARGET))), n.S_OK,
                  "NewHost %s" % CHAP_TARGET)
    host = interface(mgr, resp["ppNewHost"])
    for req in (n.IHost_AddID(pIDMethod=n.id_struct(n.ID_IQN, INI3)),
                n.IHost_AddID(pIDMethod=n.id_struct(n.ID_IQN, INI4)),
                n.IHost_put_CHAPUserName(UserName=n.bstr(CHAP[0])),
                n.IHost_put_CHAPSecret(Secret=n.bstr(CHAP[1])),
                n.IHost_put_EnableCHAP(bEnable=1),
                n.IHost_put_ReverseCHAPUserName(UserName=n.bstr(MUTUAL[0])),
                n.IHost_put_ReverseCHAPSecret(Secret=n.bstr(MUTUAL[1])),
                n.IHost_put_EnableReverseCHAP(bEnable=1),
                n.IHost_Save()):
        expect(call(host, req), n.S_OK, type(req).__name__)
    return host


def chap_sessions(mgr, sm, holders):
    """One-way and mutual CHAP sessions: SESSION2 eAuthMethod Chap (the protocol
    has no value for mutual CHAP), the others None; kept as negotiated when
    the target's CHAP is turned off under live sessions."""
    host = make_chap_target(mgr)
    iqn = n.bstr_value(call(host, n.IHost_get_TargetIQN())["pTargetIQN"])
    for ini, qualifier, chap in ((INI3, 0x3333, CHAP), (INI4, 0x4444, CHAP + MUTUAL)):
        p, _ = hold(iqn, ini, qualifier, *chap)
        holders.append(p)
    r = subprocess.run([HOLD, PORTAL, iqn, INI3, "0x3334", CHAP[0], "wrong-secret-000"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    check(r.returncode != 0, "a wrong CHAP secret does not log in")
    auth = {s["ini"]: s["auth"] for s in sessions2(sm)}
    check(auth.get(INI3) == AUTH_CHAP and auth.get(INI4) == AUTH_CHAP,
          "EnumSessions2: one-way and mutual CHAP sessions are Chap: %s" % auth)
    check(all(a == AUTH_NONE for i, a in auth.items() if i not in (INI3, INI4)),
          "sessions without CHAP are None: %s" % auth)
    tsih3 = [s["tsih"] for s in sessions2(sm) if s["ini"] == INI3][0]
    resp = expect(call(sm, n.ISessionManager2_GetSession(TSIH=tsih3)), n.S_OK, "GetSession")
    check(resp["pSessionInfo"]["eAuthMethod"] == AUTH_CHAP, "GetSession: Chap")
    shown = json.loads(istmctl("session", "show", str(tsih3), "--json"))
    check(shown["auth"] == "chap", "istmctl session show: auth chap")
    # CHAP off on the target: sessions logged in with CHAP still say so
    for req in (n.IHost_put_EnableReverseCHAP(bEnable=0), n.IHost_put_EnableCHAP(bEnable=0),
                n.IHost_Save()):
        expect(call(host, req), n.S_OK, type(req).__name__)
    still = {s["ini"]: s["auth"] for s in sessions2(sm)}
    check(still.get(INI3) == AUTH_CHAP and still.get(INI4) == AUTH_CHAP,
          "after CHAP is turned off, the live CHAP sessions still show Chap: %s" % still)


def make_target(mgr):
    resp = expect(call(mgr, n.IHostMgr_NewHost(HostName=n.bstr(TARGET))), n.S_OK, "NewHost")
    host = interface(mgr, resp["ppNewHost"])
    for ini in (INI1, INI2):
        expect(call(host, n.IHost_AddID(pIDMethod=n.id_struct(n.ID_IQN, ini))), n.S_OK,
               "AddID %s" % ini)
    expect(call(host, n.IHost_Save()), n.S_OK, "Save")
    iqn = n.bstr_value(call(host, n.IHost_get_TargetIQN())["pTargetIQN"])
    for _ in range(50):
        iqns = B.iqns()
        if iqns:
            break
        time.sleep(0.1)
    check(iqns == [iqn], "%s serves the target (%s)" % (B.name, iqns))
    return iqns[0]


def main():
    if os.geteuid() != 0 or not os.access(TGTD, os.X_OK):
        print("skipped: tgtd needs root and the tgt package")
        return 77
    global B
    B = e2e_backend.tgt_view(CONTROL_PORT, *PORTAL.rsplit(":", 1))
    tgtd = start_tgtd(CONTROL_PORT, PORTAL)
    try:
        return body()
    finally:
        tgtd.kill()
        tgtd.wait()


def body():
    """The test itself, with B set and the backend running."""
    PORTAL_ADDR, PORTAL_PORT = B.target_address, B.target_port
    ini_addr = B.initiator_address
    holders = []
    try:
        wait_for_backend()
        client = admin()
        mgr = client.activate(n.CLSID_HOSTMGR, n.IHOSTMGR3)
        sm = client.activate(n.CLSID_SESSIONMANAGER, n.ISESSIONMANAGER2)
        iqn = make_target(mgr)
        check(sessions2(sm) == [] and sessions1(sm) == [], "no session before any login")
        status, last, tsihs = host_view(mgr)
        check(status == n.HOST_STATUS_IDLE and last == 0 and tsihs == [],
              "IHost: Idle, LastLogIn 0, no session")

        # a login of about a second, over before anyone asks: the poll dates it
        # (with LIO in the emulated guest a poll takes longer: a few seconds)
        short = 1.3 if B.name == "tgt" else 4.0
        # (by the clock of the machine istmd runs on: the guest's may differ)
        before = filetime(B.now())
        p, _ = hold(iqn, INI1, 0x1111)
        time.sleep(short)
        stop(p)
        after = filetime(B.now())
        time.sleep(1.2)
        status, last, tsihs = host_view(mgr)
        check(status == n.HOST_STATUS_IDLE and tsihs == [], "the short login is over")
        check(before <= last <= after + 10000000,
              "LastLogIn dates the short login: %d in [%d, %d]" % (last, before, after))

        p1, port1 = hold(iqn, INI1, 0x1111)
        holders.append(p1)
        live = tgt_sessions()
        check(len(live) == 1, "tgtd has one nexus: %s" % live)
        tsih1 = list(live)[0]
        got = sessions2(sm)
        check([(s["ini"], s["iqn"], s["host"], s["tsih"]) for s in got] ==
              [(INI1, iqn, TARGET, tsih1)], "EnumSessions2: %s" % got)
        check(sessions1(sm) == [(INI1, iqn)], "EnumSessions (SESSION)")
        resp = expect(call(sm, n.ISessionManager2_GetSession(TSIH=tsih1)), n.S_OK,
                      "GetSession(%d)" % tsih1)
        s = resp["pSessionInfo"]
        check((n.wchars(s["InitiatorIQN"]), n.wchars(s["HostTargetIQN"]), s["TSIH"]) ==
              (INI1, iqn, tsih1), "GetSession: the initiator, the target, the TSIH")
        # one connection from 127.0.0.1 (loopback's source address; with LIO
        # in the guest QEMU's 10.0.2.2, the port kept): its ports are known
        check(port_seen(port1), "the target's TCP table has the connection from %s:%d"
              % (ini_addr, port1))
        want = (0, ini_addr, port1, PORTAL_ADDR, int(PORTAL_PORT))
        conns = connections(sm, tsih1)
        check(conns == [want], "EnumConnections: %s == %s" % (conns, [want]))
        resp = expect(call(sm, n.ISessionManager2_GetConnection(TSIH=tsih1, CID=0)), n.S_OK,
                      "GetConnection(%d, 0)" % tsih1)
        got = conn_tuple(resp["pConnectionInfo"])
        check(got == want, "GetConnection: CID, addresses, ports: %s" % (got,))
        expect(call(sm, n.ISessionManager2_GetConnection(TSIH=tsih1, CID=7)),
               n.ERROR_FILE_NOT_FOUND, "GetConnection of an unknown CID")
        unknown = (tsih1 + 100) % 65536 or 1
        expect(call(sm, n.ISessionManager2_GetSession(TSIH=unknown)), n.ERROR_FILE_NOT_FOUND,
               "GetSession of an unknown TSIH")
        expect(call(sm, n.ISessionManager2_EnumConnections(TSIH=unknown)),
               n.ERROR_FILE_NOT_FOUND, "EnumConnections of an unknown TSIH")
        expect(call(sm, n.ISessionManager2_GetSession(TSIH=0)), n.E_INVALIDARG,
               "GetSession(0)")
        expect(call(sm, n.ISessionManager2_EnumConnections(TSIH=0)), n.E_INVALIDARG,
               "EnumConnections(0)")
        status, last, tsihs = host_view(mgr)
        check(status == n.HOST_STATUS_CONNECTED and last > 0 and tsihs == [tsih1],
              "IHost: Connected, LastLogIn dated, EnumSessions [%d] (%s)" % (tsih1, tsihs))

        p2, port2 = hold(iqn, INI2, 0x2222)
        holders.append(p2)
        live = tgt_sessions()
        check(len(live) == 2, "tgtd has two nexuses: %s" % live)
        tsih2 = [t for t in live if t != tsih1][0]
        got = sorted((s["ini"], s["iqn"], s["tsih"]) for s in sessions2(sm))
        check(got == sorted([(INI1, iqn, tsih1), (INI2, iqn, tsih2)]),
              "EnumSessions2 lists both initiators with tgtd's TSIHs: %s" % got)
        check(sessions1(sm) == sorted([(INI1, iqn), (INI2, iqn)]), "EnumSessions lists both")
        # both connections come from one address and neither tgtadm nor LIO
        # prints a port: the first was learnt when it was the only one, so
        # the second is the other socket
        for tsih, port in ((tsih1, port1), (tsih2, port2)):
            c = connections(sm, tsih)
            check(c == [(0, ini_addr, port, PORTAL_ADDR, int(PORTAL_PORT))],
                  "EnumConnections(%d): %s" % (tsih, c))
        status, last2, tsihs = host_view(mgr)
        check(tsihs == sorted([tsih1, tsih2]) and last2 >= last,
              "IHost2 EnumSessions of the target: both")
        # ISIDs: LIO's own (the initiator's qualifier in its low 16 bits);
        # tgt reports none (docs/compat.md): 0
        isids = {s["tsih"]: s["isid"] for s in sessions2(sm)}
        if B.isid_known:
            live = B.sessions()
            check(all(isids[t] == live[t][1] for t in (tsih1, tsih2))
                  and isids[tsih1] & 0xffff == 0x1111 and isids[tsih2] & 0xffff == 0x2222,
                  "EnumSessions2: the backend's ISIDs, with the initiators' qualifiers: %s"
                  % {t: "%012x" % i for t, i in isids.items()})
        else:
            check(isids == {tsih1: 0, tsih2: 0}, "EnumSessions2: ISID 0 (%s)" % B.name)
        # istmctl session list/show, with the ports EnumConnections gives
        c1, c2 = connections(sm, tsih1), connections(sm, tsih2)
        check_istmctl(iqn, {tsih1: (INI1, isid_text(tsih1), [(0, ini_addr, c1[0][2])]),
                            tsih2: (INI2, isid_text(tsih2), [(0, ini_addr, c2[0][2])])})
        ok("istmctl session list and show")

        stop(p1)
        holders.remove(p1)
        for _ in range(50):
            if len(tgt_sessions()) == 1:
                break
            time.sleep(0.1)
        got = [(s["ini"], s["tsih"]) for s in sessions2(sm)]
        check(got == [(INI2, tsih2)], "after the first logs out, one session: %s" % got)
        want = (0, ini_addr, port2, PORTAL_ADDR, int(PORTAL_PORT))
        check(connections(sm, tsih2) == [want], "its connection's ports are known again")
        expect(call(sm, n.ISessionManager2_GetSession(TSIH=tsih1)), n.ERROR_FILE_NOT_FOUND,
               "GetSession of the ended session")
        chap_sessions(mgr, sm, holders)
        ok("sessions and connections from the live %s" % B.name)
    finally:
        for p in holders:
            stop(p)
    return 0


def lio_main(test, extra_conf=()):
    """TEST (a function of no arguments) against istmd and LIO in the QEMU
    guest: e2e_env.Env boots it and starts istmd there (EXTRA_CONF: lines
    for its [iscsi] section); the ISTMD_* variables with_istmd.sh would set
    name that istmd."""
    from e2e_env import ADMIN, ADMIN_PASSWORD, EPM_PORT, OBJECT_PORT, Env
    env = Env(__doc__)
    env.extra_conf = list(extra_conf)

    def body(env):
        global B, PORTAL
        os.environ.update({"ISTMD_ADDR": env.addr, "ISTMD_EPM_PORT": str(EPM_PORT),
                           "ISTMD_OBJECT_PORT": str(OBJECT_PORT), "ISTMD_ADMIN": ADMIN,
                           "ISTMD_ADMIN_PASSWORD": ADMIN_PASSWORD, "ISTMD_DIR": env.dir,
                           "ISTMD_LOG": env.log, "ISTMCTL": env.args.istmctl})
        PORTAL = env.portal
        B = e2e_backend.of_env(env)
        rc = test()
        if rc != 0:
            raise SystemExit(rc)

    return env.finish(body)


if __name__ == "__main__":
    if "--backend" in sys.argv and "lio" in sys.argv:
        sys.exit(lio_main(body))
    sys.exit(main())
