#!/usr/bin/python3
"""The sessions capture of tests/replay/'s corpus (make_capture.sh with
REPLAY_SCENARIO=sessions): with sessions_state.sh's two initiators logged in
to target "sesst", impacket asks ISessionManager(2) and IHost(2) about them
(MS-ISTM 3.34, 3.35): EnumSessions, EnumSessions2, GetSession,
EnumConnections, GetConnection and their errors, IHost Status, LastLogIn,
IHost2 EnumSessions. Usage: scenario_sessions.py LEVEL (5 integrity, 6
privacy). Prints "ok - ..." lines."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration", "istm"))
import istm_ndr as n  # noqa: E402
import istm_client  # noqa: E402
from istm_client import call, check, enum_all, expect, interface, query  # noqa: E402

level = int(sys.argv[1])
client = istm_client.Client(istm_client.ADDR, istm_client.EPM_PORT, istm_client.ADMIN,
                            istm_client.ADMIN_PASSWORD, level=level)
sm = client.activate(n.CLSID_SESSIONMANAGER, n.ISESSIONMANAGER2)
e = interface(sm, expect(call(sm, n.ISessionManager2_EnumSessions2()), n.S_OK,
                         "EnumSessions2")["ppEnumSession"])
tsihs = sorted(s["TSIH"] for s in enum_all(e, "IEnumSession2", n.SESSION2))
check(len(tsihs) == 2, "two sessions held: %s" % tsihs)
e = interface(sm, expect(call(sm, n.ISessionManager_EnumSessions()), n.S_OK,
                         "EnumSessions")["ppEnumSession"])
check(len(enum_all(e, "IEnumSession", n.SESSION)) == 2, "EnumSessions: two")
for tsih in tsihs:
    expect(call(sm, n.ISessionManager2_GetSession(TSIH=tsih)), n.S_OK, "GetSession(%d)" % tsih)
    e = interface(sm, expect(call(sm, n.ISessionManager2_EnumConnections(TSIH=tsih)), n.S_OK,
                             "EnumConnections(%d)" % tsih)["ppEnumConnection"])
    check(len(enum_all(e, "IEnumConnection", n.CONNECTION)) == 1, "one connection")
    expect(call(sm, n.ISessionManager2_GetConnection(TSIH=tsih, CID=0)), n.S_OK,
           "GetConnection(%d, 0)" % tsih)
expect(call(sm, n.ISessionManager2_GetConnection(TSIH=tsihs[0], CID=7)),
       n.ERROR_FILE_NOT_FOUND, "GetConnection of an unknown CID")
expect(call(sm, n.ISessionManager2_GetSession(TSIH=4000)), n.ERROR_FILE_NOT_FOUND,
       "GetSession of an unknown TSIH")
expect(call(sm, n.ISessionManager2_EnumConnections(TSIH=4000)), n.ERROR_FILE_NOT_FOUND,
       "EnumConnections of an unknown TSIH")
expect(call(sm, n.ISessionManager2_GetSession(TSIH=0)), n.E_INVALIDARG, "GetSession(0)")

mgr = client.activate(n.CLSID_HOSTMGR, n.IHOSTMGR3)
host = interface(mgr, expect(call(mgr, n.IHostMgr_GetHost(HostName=n.bstr("sesst"))), n.S_OK,
                             "GetHost")["ppHost"])
status = expect(call(host, n.IHost_get_Status()), n.S_OK, "get Status")["pStatus"]
check(status == n.HOST_STATUS_CONNECTED, "the target is Connected")
expect(call(host, n.IHost_get_LastLogIn()), n.S_OK, "get LastLogIn")
expect(call(host, n.IHost_get_TargetIQN()), n.S_OK, "get TargetIQN")
e = interface(host, expect(call(query(host, n.IHOST3), n.IHost2_EnumSessions()), n.S_OK,
                           "IHost2 EnumSessions")["ppEnumSession"])
check(sorted(s["TSIH"] for s in enum_all(e, "IEnumSession2", n.SESSION2)) == tsihs,
      "IHost2 EnumSessions: both")
print("ok - sessions scenario done (TSIHs %s)" % tsihs)
