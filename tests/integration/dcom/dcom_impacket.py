#!/usr/bin/python3
"""istmd's DCOM runtime seen by impacket's DCOM client (dcomrt), an
independent implementation: activation of the seven MS-ISTM classes,
QueryInterface, IWTGeneral Name and Guid, RemRelease, pinging and garbage
collection, refusals, the other activation and resolver calls.

Run by with_istmd.sh (ISTMD_* variables). impacket dials port 135 unless the
target names a port: the DCOMConnection target is "ADDR[EPM_PORT]", and
DCOMConnection.PORTMAPS[ADDR] is pre-seeded with that connection because
impacket's interfaces (and its pinging) look the resolver up by the bare
address. impacket sends a second bind on its resolver connection for a second
activation, which a server refuses (as Windows does): one DCOMConnection per
activation. Every case prints "ok - ..." lines and exits non-zero at the first
failure.
"""
import os
import sqlite3
import sys
import threading
import time

from impacket.dcerpc.v5 import dcomrt
from impacket.dcerpc.v5.dcomrt import (DCOMCALL, DCOMANSWER, OBJREF_STANDARD, ComplexPing,
                                       IActivation, IID_IObjectExporter, IID_IRemUnknown,
                                       IRemoteSCMActivator, IRemUnknown2, OID, RemQueryInterface,
                                       RemRelease, REMINTERFACEREF, ResolveOxid2, SimplePing)
from impacket.dcerpc.v5.dtypes import NULL, ULONG
from impacket.uuid import bin_to_string, string_to_bin

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "istm"))
import istm_ndr as n  # noqa: E402
from istm_ndr import CLASSES, iid  # noqa: E402
from istm_client import (ADDR, ADMIN, DIR, EPM_PORT, LOG, OBJECT_PORT, USER,  # noqa: E402
                         USER_PASSWORD, admin, check, expect_error, interface, ok)

STATE_DIR = os.path.join(DIR, "state")
NAME = os.environ.get("ISTMD_NAME", "dcom-test")
UNKNOWN_IID = "12345678-1234-1234-1234-123456789abc"
IUNKNOWN = "00000000-0000-0000-c000-000000000046"


def connection(user=None, password=None):
    return admin(user, password).connection()


def activate(name, iface_uuid, user=None, password=None):
    clsid = CLASSES[name][0] if name in CLASSES else name
    return admin(user, password).activate(clsid, iface_uuid)


class Opnum0(DCOMCALL):
    """IUnknown's QueryInterface, which ORPC never dispatches."""
    opnum = 0
    structure = ()


class Opnum0Response(DCOMANSWER):
    structure = (("ErrorCode", ULONG),)


def rem_query(iface, iid_text, refs=1):
    """RemQueryInterface for one IID: (hResult, REMQIRESULT std)."""
    req = RemQueryInterface()
    req["ORPCthis"] = iface.get_cinstance().get_ORPCthis()
    req["ORPCthis"]["flags"] = 0
    req["ripid"] = iface.get_iPid()
    req["cRefs"] = refs
    req["cIids"] = 1
    i = dcomrt.IID()
    i["Data"] = iid(iid_text)
    req["iids"].append(i)
    resp = iface.request(req, IID_IRemUnknown, iface.get_ipidRemUnknown())
    return resp["ppQIResults"]["hResult"], resp["ppQIResults"]["std"]


def rem_release(iface, ipid, refs):
    req = RemRelease()
    req["ORPCthis"] = iface.get_cinstance().get_ORPCthis()
    req["ORPCthis"]["flags"] = 0
    req["cInterfaceRefs"] = 1
    ref = REMINTERFACEREF()
    ref["ipid"] = ipid
    ref["cPublicRefs"] = refs
    ref["cPrivateRefs"] = 0
    req["InterfaceRefs"].append(ref)
    return iface.request(req, IID_IRemUnknown, iface.get_ipidRemUnknown())["ErrorCode"]


def enum_sessions(sm):
    return sm.request(n.ISessionManager2_EnumSessions2(), iid(n.ISESSIONMANAGER2), sm.get_iPid())


def new_enumerator(sm):
    """ISessionManager2::EnumSessions2: a new IEnumSession2 object."""
    resp = enum_sessions(sm)
    check(resp["ErrorCode"] == 0, "EnumSessions2 S_OK")
    objref = OBJREF_STANDARD(b"".join(resp["ppEnumSession"]["abData"]))
    return interface(sm, resp["ppEnumSession"]), objref["std"]


def reset(e):
    return e.request(n.IEnumSession2_Reset(), iid(n.IENUMSESSION2), e.get_iPid())["ErrorCode"]


def get_name(g):
    return g.request(n.IWTGeneral_get_Name(), iid(n.IWTGENERAL), g.get_iPid())


def resolver(user=None, password=None):
    """A fresh, authenticated IObjectExporter connection (as impacket's pinging makes one)."""
    dce = connection(user, password).get_dce_rpc()
    dce.connect()
    dce.bind(IID_IObjectExporter)
    return dce


def new_ping_set(dce, oids):
    """ComplexPing with SETID 0: the response (its ErrorCode, pSetId)."""
    req = ComplexPing()
    req["pSetId"] = 0
    req["SequenceNum"] = 1
    req["cAddToSet"] = len(oids)
    req["cDelFromSet"] = 0
    for value in oids:
        oid = OID()
        oid["Data"] = value
        req["AddToSet"].append(oid)
    req["DelFromSet"] = NULL
    return dce.request(req)


def in_other_client(fn):
    """Runs FN in another thread: impacket opens one object-port connection
    per thread, so FN is another client (another association) of istmd."""
    errors = []

    def run():
        try:
            fn()
        except BaseException as e:  # reported in the main thread
            errors.append(e)
    t = threading.Thread(target=run)
    t.start()
    t.join(120)
    check(not t.is_alive() and not errors, "the other client's calls: %s" % errors)


# ---- cases -----------------------------------------------------------------------------

def case_activate():
    for name, (clsid, ifaces) in CLASSES.items():
        root = activate(name, ifaces[0])
        bindings = [b["aNetworkAddr"].rstrip("\x00") for b in root.get_cinstance().get_string_bindings()]
        want = "%s[%d]" % (ADDR, OBJECT_PORT)
        check(bindings[0] == want, "%s: activated, exporter binding %s" % (name, bindings[0]))
        # QueryInterface to every interface of the family, IUnknown, and an unknown one
        for other in ifaces[1:] + [IUNKNOWN]:
            hr, std = rem_query(root, other)
            check(hr == 0 and std["cPublicRefs"] == 1,
                  "%s: RemQueryInterface %s S_OK" % (name, other))
        expect_error(lambda: rem_query(root, UNKNOWN_IID), "E_NOINTERFACE",
                     "%s: RemQueryInterface of an unknown IID" % name)
        # the most derived interface at activation too
        activate(name, ifaces[-1])
        ok("%s: activated for %s" % (name, ifaces[-1]))
    expect_error(lambda: activate("HostMgr", UNKNOWN_IID), "E_NOINTERFACE",
                 "activation for an unknown IID")
    expect_error(lambda: activate("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", IUNKNOWN),
                 "REGDB_E_CLASSNOTREG", "activation of an unknown CLSID")


def case_general():
    g = activate("WTGeneral", n.IWTGENERAL)
    resp = get_name(g)
    name = resp["pName"]["asData"]
    check(resp["ErrorCode"] == 0 and name == NAME, "IWTGeneral Name is %r" % name)
    resp = g.request(n.IWTGeneral_get_Guid(), iid(n.IWTGENERAL), g.get_iPid())
    guid = bin_to_string(resp["pGuid"]).lower()
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(STATE_DIR, "istmd.db"), uri=True)
    persisted = db.execute("SELECT value FROM meta WHERE key = 'service_guid'").fetchone()[0].lower()
    db.close()
    check(guid == persisted, "IWTGeneral Guid %s is the one in [state] dir" % guid)
    # IUnknown's opnums are not remotable (MS-DCOM 3.1.1.5.8)
    expect_error(lambda: g.request(Opnum0(), iid(n.IWTGENERAL), g.get_iPid()), "nca_s_op_rng_error",
                 "opnum 0 (QueryInterface) is never dispatched")


def case_release():
    sm = activate("SessionManager", n.ISESSIONMANAGER2)
    e, std = new_enumerator(sm)
    check(reset(e) == 0, "IEnumSession2::Reset on the new enumerator")
    check(std["cPublicRefs"] == 5, "the OBJREF carries 5 public references")
    # impacket's own RemRelease releases one reference: the object stays
    IRemUnknown2(e).RemRelease()
    check(reset(e) == 0, "after releasing 1 of 5 references the enumerator stays")
    check(rem_release(sm, std["ipid"], 4) == 0, "RemRelease of the other 4")
    expect_error(lambda: reset(e), "RPC_E_DISCONNECTED", "the released enumerator is gone")
    with open(LOG) as f:
        check("IEnumSession2 object released" in f.read(), "the daemon freed it")
    # singletons stay whatever their references
    check(rem_release(sm, sm.get_iPid(), 5) == 0, "RemRelease of the session manager")
    sm2 = activate("SessionManager", n.ISESSIONMANAGER2)
    e2, _ = new_enumerator(sm2)
    check(reset(e2) == 0, "the session manager still serves")


def case_release_other():
    """One client's RemRelease cannot take another's references, nor the
    managers' (issue 9, defect 6)."""
    sm = activate("SessionManager", n.ISESSIONMANAGER2)
    e, std = new_enumerator(sm)
    check(reset(e) == 0, "client A's enumerator")

    def client_b():
        sm_b = activate("SessionManager", n.ISESSIONMANAGER2)
        check(rem_release(sm_b, std["ipid"], 1000) == 0,
              "client B: RemRelease(A's enumerator, 1000) answers S_OK")
        check(rem_release(sm_b, sm_b.get_iPid(), 1000) == 0,
              "client B: RemRelease(the session manager, 1000) answers S_OK")
    in_other_client(client_b)
    check(reset(e) == 0, "client A's enumerator survived B's RemRelease")
    check(enum_sessions(sm)["ErrorCode"] == 0, "client A's session manager still serves")
    check(rem_release(sm, std["ipid"], 1000) == 0, "client A releases its own enumerator")
    expect_error(lambda: reset(e), "RPC_E_DISCONNECTED", "A's release took it")


def case_ping_account():
    """A non-admin makes no ping sets; an admin's ComplexPing still works
    (issue 9, defect 3)."""
    dce = resolver(USER, USER_PASSWORD)
    expect_error(lambda: new_ping_set(dce, []), "0x5|ACCESS_DENIED",
                 "ComplexPing by %s (not an admin) refused" % USER)
    refused = 0
    for _ in range(50):
        try:
            new_ping_set(dce, [])
        except Exception:  # DCERPCSessionError
            refused += 1
    check(refused == 50, "50 more ComplexPings by %s refused" % USER)
    sm = activate("SessionManager", n.ISESSIONMANAGER2)
    _, std = new_enumerator(sm)
    resp = new_ping_set(resolver(), [std["oid"]])
    check(resp["ErrorCode"] == 0 and resp["pSetId"] != 0, "the admin's ComplexPing succeeds")


def case_ping():
    sm = activate("SessionManager", n.ISESSIONMANAGER2)
    pinged, pinged_std = new_enumerator(sm)
    unpinged, _ = new_enumerator(sm)
    dce = resolver()
    req = ComplexPing()
    req["pSetId"] = 0
    req["SequenceNum"] = 1
    req["cAddToSet"] = 1
    req["cDelFromSet"] = 0
    oid = OID()
    oid["Data"] = pinged_std["oid"]
    req["AddToSet"].append(oid)
    req["DelFromSet"] = NULL
    resp = dce.request(req)
    setid = resp["pSetId"]
    check(resp["ErrorCode"] == 0 and setid != 0, "ComplexPing creates a ping set")
    # ping_period 1 s, 3 periods: 6 s of pings keep it, the other one goes
    for _ in range(6):
        time.sleep(1)
        ping = SimplePing()
        ping["pSetId"] = setid
        check(dce.request(ping)["ErrorCode"] == 0, "SimplePing")
    check(reset(pinged) == 0, "the pinged enumerator is alive after 6 s")
    expect_error(lambda: reset(unpinged), "RPC_E_DISCONNECTED",
                 "the enumerator nobody pinged was released")
    # no more pings: the set expires and the object goes
    time.sleep(5)
    expect_error(lambda: reset(pinged), "RPC_E_DISCONNECTED",
                 "without pings the enumerator is released")
    ping = SimplePing()
    ping["pSetId"] = setid
    expect_error(lambda: dce.request(ping), "0x778|OR_INVALID_SET|1912", "the ping set expired")
    # singletons are never collected
    check(enum_sessions(sm)["ErrorCode"] == 0,
          "the unpinged session manager still serves")


def case_refused():
    expect_error(lambda: activate("WTGeneral", n.IWTGENERAL, USER, USER_PASSWORD), "E_ACCESSDENIED",
                 "activation by a user who is not an admin")
    expect_error(lambda: activate("WTGeneral", n.IWTGENERAL, "", ""), "access_denied",
                 "unauthenticated activation")
    expect_error(lambda: activate("WTGeneral", n.IWTGENERAL, ADMIN, "wrong-password"),
                 "access_denied", "a wrong password")


def case_other_activations():
    scm = IRemoteSCMActivator(connection().get_dce_rpc())
    g = scm.RemoteGetClassObject(string_to_bin(n.CLSID_WTGENERAL), iid(n.IWTGENERAL))
    check(get_name(g)["pName"]["asData"] == NAME, "RemoteGetClassObject, then Name")
    act = IActivation(connection().get_dce_rpc())
    g = act.RemoteActivation(string_to_bin(n.CLSID_WTGENERAL), iid(n.IWTGENERAL))
    check(get_name(g)["pName"]["asData"] == NAME, "IActivation::RemoteActivation, then Name")


def case_resolve():
    g = activate("WTGeneral", n.IWTGENERAL)
    dce = resolver()
    req = ResolveOxid2()
    req["pOxid"] = g.get_oxid()
    req["cRequestedProtseqs"] = 1
    req["arRequestedProtseqs"].append(7)
    resp = dce.request(req)
    words = list(resp["ppdsaOxidBindings"]["aStringArray"])
    text = "".join(chr(w) if w else "|" for w in words[:resp["ppdsaOxidBindings"]["wSecurityOffset"]])
    want = "%s[%d]" % (ADDR, OBJECT_PORT)
    check(want in text, "ResolveOxid2 bindings %s contain %s" % (text, want))
    check(resp["pipidRemUnknown"] == g.get_ipidRemUnknown(), "ResolveOxid2: the Remote Unknown's IPID")
    check((resp["pComVersion"]["MajorVersion"], resp["pComVersion"]["MinorVersion"]) == (5, 7),
          "ResolveOxid2: COMVERSION 5.7")
    req["pOxid"] = 42
    expect_error(lambda: dce.request(req), "0x776|OR_INVALID_OXID|1910", "an unknown OXID")
    # the resolver's bindings carry no port on 135 (MS-DCOM 3.1.2.5.1.6),
    # the port when it is nonstandard
    resp = dce.request(dcomrt.ServerAlive2())
    words = list(resp["ppdsaOrBindings"]["aStringArray"])
    text = "".join(chr(w) if w else "|" for w in words[:resp["ppdsaOrBindings"]["wSecurityOffset"]])
    bindings = [b[1:] for b in text.split("|") if b]  # each after its tower id
    want = ADDR if EPM_PORT == 135 else "%s[%d]" % (ADDR, EPM_PORT)
    check(bindings[0] == want and (EPM_PORT != 135 or "[" not in text),
          "ServerAlive2 bindings %s: %s first" % (bindings, want))


CASES = {
    "activate": case_activate,
    "general": case_general,
    "release": case_release,
    "ping": case_ping,
    "release-other": case_release_other,
    "ping-account": case_ping_account,
    "refused": case_refused,
    "other-activations": case_other_activations,
    "resolve": case_resolve,
}

if __name__ == "__main__":
    for arg in sys.argv[1:]:
        CASES[arg]()
    sys.exit(0)
