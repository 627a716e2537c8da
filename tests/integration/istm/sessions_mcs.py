#!/usr/bin/python3
"""Multi-connection sessions (MC/S, issue 11 item 3) through ISessionManager2
(MS-ISTM 3.35) and istmctl: targets istmd creates offer MaxConnections 8
([iscsi] max_connections); mcs_initiator.py logs in, adds a second
connection to the session as Windows' AddIscsiConnection does (same ISID,
the TSIH returned, CID 1) and sends an INQUIRY on each; EnumConnections and
GetConnection then show both connections with their own initiator ports,
and after connection 1 logs out, one is left.

The same code for both backends (issue 15 item 4, as sessions_live.py):
with tgt run by with_istmd.sh with ISTMD_TGT_CONTROL_PORT, ISTMD_TGT_PORTAL,
ISTMCTL, ISCSI_HOLD and MCS_INITIATOR in the environment (exit status 77,
skipped, without root or tgtd); with LIO as sessions_mcs.py --backend lio
--istmd ... (e2e_env.py's options), istmd and LIO in the QEMU guest, where
every connection comes from QEMU's 10.0.2.2 with the host's port kept."""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import istm_ndr as n  # noqa: E402
from istm_client import admin, call, check, expect, ok, pdeathsig, start_tgtd  # noqa: E402
import sessions_live as live  # noqa: E402

MCS = os.environ["MCS_INITIATOR"]
# [iscsi] max_connections when the test sets it (MCS_MAX_CONNECTIONS), else
# the default, 8; the initiator offers 8
MAXCONN = os.environ.get("MCS_MAX_CONNECTIONS")
EXPECT = int(MAXCONN or 8)


def conn_count(tsih):
    """The connections the backend lists in session TSIH."""
    s = live.B.sessions().get(tsih)
    return s[2] if s else 0


def mcs(iqn, initiator, pause, between=None):
    """The MC/S initiator holding its two connections: (process, port0, port1,
    MaxConnections). With BETWEEN, called after the leading login, before the
    second (then PAUSE is ignored)."""
    addr, port = live.PORTAL.rsplit(":", 1)
    p = subprocess.Popen(["/usr/bin/python3", MCS, addr, port, iqn,
                          initiator, "wait" if between else str(pause)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, preexec_fn=pdeathsig)
    if between:
        check(p.stdout.readline().split() == ["leading"], "%s: leading login" % initiator)
        between()
        p.stdin.write("add\n")
        p.stdin.flush()
    line = p.stdout.readline().split()
    check(len(line) == 6 and line[0] == "ready", "MC/S initiator logged in twice (%s)" % line)
    return p, int(line[1]), int(line[2]), line[4]


def main():
    if os.geteuid() != 0 or not os.access(live.TGTD, os.X_OK):
        print("skipped: tgtd needs root and the tgt package")
        return 77
    live.B = live.e2e_backend.tgt_view(live.CONTROL_PORT, *live.PORTAL.rsplit(":", 1))
    tgtd = start_tgtd(live.CONTROL_PORT, live.PORTAL)
    try:
        return body()
    finally:
        tgtd.kill()
        tgtd.wait()


def body():
    B = live.B
    holders = []
    try:
        live.wait_for_backend()
        client = admin()
        mgr = client.activate(n.CLSID_HOSTMGR, n.IHOSTMGR3)
        sm = client.activate(n.CLSID_SESSIONMANAGER, n.ISESSIONMANAGER2)
        iqn = live.make_target(mgr)
        check(B.max_connections(iqn) == EXPECT, "the target offers MaxConnections=%d "
              "([iscsi] max_connections%s)" % (EXPECT, "" if MAXCONN else ", the default"))
        # the reconciler (every 2 s with tgt, 5 s with LIO here) sets it again
        B.set_max_connections(iqn, 1)
        check(B.max_connections(iqn) == 1, "MaxConnections changed behind istmd's back")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and B.max_connections(iqn) != EXPECT:
            time.sleep(0.2)
        check(B.max_connections(iqn) == EXPECT, "the reconciler set MaxConnections=%d again"
              % EXPECT)

        # AddIscsiConnection once the session exists and has been looked at (a
        # console's refresh here; istmd's login poll does the same within a second):
        # the new connection is then the only new one from its address (docs/compat.md)
        def look():
            sessions = live.tgt_sessions()
            check(len(sessions) == 1, "the leading login made a session: %s" % sessions)
            got = live.connections(sm, list(sessions)[0])
            check(len(got) == 1 and got[0][0] == 0 and got[0][2] != 0,
                  "EnumConnections after the leading login: CID 0 with its port (%s)" % got)

        p, port0, port1, maxconn = mcs(iqn, live.INI1, 0, look)
        holders.append(p)
        check(maxconn == str(EXPECT), "MaxConnections negotiated: %s" % maxconn)
        sessions = live.tgt_sessions()
        check(len(sessions) == 1, "one session in tgtd: %s" % sessions)
        tsih = list(sessions)[0]
        check(conn_count(tsih) == 2, "%s lists two connections in session %d" % (B.name, tsih))
        check(live.port_seen(port0) and live.port_seen(port1),
              "the target's TCP table has both connections (ports %d, %d)" % (port0, port1))
        target = (B.target_address, B.target_port)
        ini = B.initiator_address
        want = sorted([(0, ini, port0) + target, (1, ini, port1) + target])
        got = sorted(live.connections(sm, tsih))
        check(got == want, "EnumConnections: two connections, their own ports: %s == %s"
              % (got, want))
        for cid, port in ((0, port0), (1, port1)):
            resp = expect(call(sm, n.ISessionManager2_GetConnection(TSIH=tsih, CID=cid)),
                          n.S_OK, "GetConnection(%d, %d)" % (tsih, cid))
            check(live.conn_tuple(resp["pConnectionInfo"]) == (cid, ini, port) + target,
                  "GetConnection(%d, %d): port %d" % (tsih, cid, port))
        got = [(s["ini"], s["tsih"]) for s in live.sessions2(sm)]
        check(got == [(live.INI1, tsih)], "EnumSessions2: one session, %s" % got)
        shown = json.loads(live.istmctl("session", "show", str(tsih), "--json"))
        check(sorted((c["cid"], c["initiator_port"]) for c in shown["connections"]) ==
              [(0, port0), (1, port1)], "istmctl session show: both connections")
        text = live.istmctl("session", "list")
        check(re.search(r"^%d\s+\S+\s+2\s+" % tsih, text, re.M),
              "istmctl session list: 2 connections (%s)" % text)

        # two connections at once from one address: never swapped
        q, qport0, qport1, _ = mcs(iqn, live.INI2, 0)
        holders.append(q)
        tsih2 = [t for t in live.tgt_sessions() if t != tsih][0]
        got = dict((c[0], c[2]) for c in live.connections(sm, tsih2))
        check(set(got) == {0, 1} and got[0] in (0, qport0) and got[1] in (0, qport1),
              "a session whose connections came together: ports right or 0, %s" % got)

        # connection 1 logs out: one is left, with its port
        p.stdin.write("logout 1\n")
        p.stdin.flush()
        check(p.stdout.readline().split() == ["closed", "1"], "connection 1 logged out")
        for _ in range(50):
            if conn_count(tsih) == 1:
                break
            time.sleep(0.1)
        got = live.connections(sm, tsih)
        check(got == [(0, ini, port0) + target],
              "after the logout of CID 1, one connection: %s" % got)
        expect(call(sm, n.ISessionManager2_GetConnection(TSIH=tsih, CID=1)),
               n.ERROR_FILE_NOT_FOUND, "GetConnection of the closed connection")
        ok("multi-connection sessions on %s" % B.name)
    finally:
        for h in holders:
            live.stop(h)
    return 0


if __name__ == "__main__":
    if "--backend" in sys.argv and "lio" in sys.argv:
        sys.exit(live.lio_main(body, ["max_connections = %s" % MAXCONN] if MAXCONN else []))
    sys.exit(main())
