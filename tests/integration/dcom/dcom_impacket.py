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
import re
import sys
import time

from impacket.dcerpc.v5 import dcomrt
from impacket.dcerpc.v5.dcom.oaut import BSTR
from impacket.dcerpc.v5.dcomrt import (DCOMANSWER, DCOMCALL, INTERFACE, OBJREF_STANDARD,
                                       ComplexPing, DCOMConnection, IActivation,
                                       IID_IObjectExporter, IID_IRemUnknown, IRemoteSCMActivator,
                                       IRemUnknown2, OID, PMInterfacePointer, RemQueryInterface,
                                       RemRelease, REMINTERFACEREF, ResolveOxid2, SimplePing)
from impacket.dcerpc.v5.dtypes import GUID, NULL, ULONG
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import bin_to_string, string_to_bin, uuidtup_to_bin

ADDR = os.environ["ISTMD_ADDR"]
EPM_PORT = int(os.environ["ISTMD_EPM_PORT"])
OBJECT_PORT = int(os.environ["ISTMD_OBJECT_PORT"])
ADMIN = os.environ["ISTMD_ADMIN"]
ADMIN_PASSWORD = os.environ["ISTMD_ADMIN_PASSWORD"]
USER = os.environ["ISTMD_USER"]
USER_PASSWORD = os.environ["ISTMD_USER_PASSWORD"]
STATE_DIR = os.path.join(os.environ["ISTMD_DIR"], "state")
LOG = os.environ["ISTMD_LOG"]
NAME = os.environ.get("ISTMD_NAME", "dcom-test")


def iid(s):
    return uuidtup_to_bin((s, "0.0"))


# MS-ISTM 1.9: each class, its interfaces from the root to the most derived
CLASSES = {
    "WTGeneral": ("baa4a577-202d-49c7-a6bb-10ee914ee199",
                  ["d71b2cae-33e8-4567-ae96-3ccf31620be2", "3c73848a-a679-40c5-b101-c963e67f9949"]),
    "SessionManager": ("ad069971-edc5-4357-a132-430dad479d2b",
                       ["8d7ae740-b9c5-49fc-a11e-89171907cb86",
                        "c10a76d8-1fe4-4c2f-b70d-665265215259"]),
    "LocalDeviceMgr": ("f1d3a46c-2e1b-4d84-97da-b3742ad67871",
                       ["8ad608a4-6c16-4405-8879-b27910a68995",
                        "b0d1ac4b-f87a-49b2-938f-d439248575b2",
                        "e645744b-cae5-4712-acaf-13057f7195af"]),
    "WTDiskMgr": ("0144084b-e09e-4f45-a56b-dcdc9f379f5e",
                  ["52ba97e7-9364-4134-b9cb-f8415213bdd8", "592381e5-8d3c-42e9-b7de-4e77a1f75ae4",
                   "d6bd6d63-e8cb-4905-ab34-8a278c93197a", "703e6b03-7ad1-4ded-ba0d-e90496ebc5de"]),
    "SnapshotMgr": ("4e7645fa-1a95-416c-b38f-ad574a3c3e57",
                    ["4e65a71e-4ede-4886-be67-3c90a08d1f29"]),
    "SnsMgr": ("24f9c1a9-b22e-4e24-bec9-4af0a4d96736", ["1b1c4d1c-abc4-4d3a-8c22-547fba3aa8a0"]),
    "HostMgr": ("e14efe0b-fd3b-41ea-8e3b-88930445b944",
                ["b06a64e3-814e-4ff9-afac-597ad32517c7", "dd6f0a28-248f-4dd3-afe9-71aed8f685c4",
                 "01454b97-c6a5-4685-bea8-9779c88ab990"]),
}
UNKNOWN_IID = "12345678-1234-1234-1234-123456789abc"
IUNKNOWN = "00000000-0000-0000-c000-000000000046"
IWTGENERAL = CLASSES["WTGeneral"][1][0]
ISESSIONMANAGER2 = CLASSES["SessionManager"][1][1]
IENUMSESSION2 = "442931d5-e522-4e64-a181-74e98a4e1748"


def ok(what):
    print("ok - %s" % what, flush=True)


def check(cond, what):
    if not cond:
        print("not ok - %s" % what, flush=True)
        sys.exit(1)
    ok(what)


def expect_error(fn, pattern, what):
    try:
        fn()
    except Exception as e:  # DCERPCException, DCOMSessionError
        check(re.search(pattern, str(e)) is not None, "%s: %s" % (what, str(e).strip()))
        return
    check(False, what + " (no error)")


def connection(user=ADMIN, password=ADMIN_PASSWORD):
    c = DCOMConnection("%s[%d]" % (ADDR, EPM_PORT), user, password)
    DCOMConnection.PORTMAPS[ADDR] = c.get_dce_rpc()
    return c


def activate(name, iface_uuid, user=ADMIN, password=ADMIN_PASSWORD):
    clsid = string_to_bin(CLASSES[name][0]) if name in CLASSES else string_to_bin(name)
    return connection(user, password).CoCreateInstanceEx(clsid, iid(iface_uuid))


# ---- calls impacket has no classes for -------------------------------------------------

class GetGuid(DCOMCALL):
    opnum = 3
    structure = ()


class GetGuidResponse(DCOMANSWER):
    structure = (("pGuid", GUID), ("ErrorCode", ULONG))


class Opnum0(DCOMCALL):
    opnum = 0
    structure = ()


class Opnum0Response(DCOMANSWER):
    structure = (("ErrorCode", ULONG),)


class GetName(DCOMCALL):
    opnum = 4
    structure = ()


class GetNameResponse(DCOMANSWER):
    structure = (("pName", BSTR), ("ErrorCode", ULONG))


class EnumSessions2(DCOMCALL):
    opnum = 4
    structure = ()


class EnumSessions2Response(DCOMANSWER):
    structure = (("ppEnumSession", PMInterfacePointer), ("ErrorCode", ULONG))


class Reset(DCOMCALL):
    opnum = 5
    structure = ()


class ResetResponse(DCOMANSWER):
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


def new_enumerator(sm):
    """ISessionManager2::EnumSessions2: a new IEnumSession2 object."""
    resp = sm.request(EnumSessions2(), iid(ISESSIONMANAGER2), sm.get_iPid())
    check(resp["ErrorCode"] == 0, "EnumSessions2 S_OK")
    data = b"".join(resp["ppEnumSession"]["abData"])
    objref = OBJREF_STANDARD(data)
    e = INTERFACE(sm.get_cinstance(), data, sm.get_ipidRemUnknown(), target=sm.get_target())
    return e, objref["std"]


def reset(e):
    return e.request(Reset(), iid(IENUMSESSION2), e.get_iPid())["ErrorCode"]


def resolver():
    """A fresh, authenticated IObjectExporter connection (as impacket's pinging makes one)."""
    dce = connection().get_dce_rpc()
    dce.connect()
    dce.bind(IID_IObjectExporter)
    return dce


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
    g = activate("WTGeneral", IWTGENERAL)
    resp = g.request(GetName(), iid(IWTGENERAL), g.get_iPid())
    name = resp["pName"]["asData"]
    check(resp["ErrorCode"] == 0 and name == NAME, "IWTGeneral Name is %r" % name)
    resp = g.request(GetGuid(), iid(IWTGENERAL), g.get_iPid())
    guid = bin_to_string(resp["pGuid"]).lower()
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(STATE_DIR, "istmd.db"), uri=True)
    persisted = db.execute("SELECT value FROM meta WHERE key = 'service_guid'").fetchone()[0].lower()
    db.close()
    check(guid == persisted, "IWTGeneral Guid %s is the one in [state] dir" % guid)
    # IUnknown's opnums are not remotable (MS-DCOM 3.1.1.5.8)
    expect_error(lambda: g.request(Opnum0(), iid(IWTGENERAL), g.get_iPid()), "nca_s_op_rng_error",
                 "opnum 0 (QueryInterface) is never dispatched")


def case_release():
    sm = activate("SessionManager", ISESSIONMANAGER2)
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
    sm2 = activate("SessionManager", ISESSIONMANAGER2)
    e2, _ = new_enumerator(sm2)
    check(reset(e2) == 0, "the session manager still serves")


def case_ping():
    sm = activate("SessionManager", ISESSIONMANAGER2)
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
    check(sm.request(EnumSessions2(), iid(ISESSIONMANAGER2), sm.get_iPid())["ErrorCode"] == 0,
          "the unpinged session manager still serves")


def case_refused():
    expect_error(lambda: activate("WTGeneral", IWTGENERAL, USER, USER_PASSWORD), "E_ACCESSDENIED",
                 "activation by a user who is not an admin")
    expect_error(lambda: activate("WTGeneral", IWTGENERAL, "", ""), "access_denied",
                 "unauthenticated activation")
    expect_error(lambda: activate("WTGeneral", IWTGENERAL, ADMIN, "wrong-password"),
                 "access_denied", "a wrong password")


def case_other_activations():
    scm = IRemoteSCMActivator(connection().get_dce_rpc())
    g = scm.RemoteGetClassObject(string_to_bin(CLASSES["WTGeneral"][0]), iid(IWTGENERAL))
    resp = g.request(GetName(), iid(IWTGENERAL), g.get_iPid())
    check(resp["pName"]["asData"] == NAME, "RemoteGetClassObject, then Name")
    act = IActivation(connection().get_dce_rpc())
    g = act.RemoteActivation(string_to_bin(CLASSES["WTGeneral"][0]), iid(IWTGENERAL))
    resp = g.request(GetName(), iid(IWTGENERAL), g.get_iPid())
    check(resp["pName"]["asData"] == NAME, "IActivation::RemoteActivation, then Name")


def case_resolve():
    g = activate("WTGeneral", IWTGENERAL)
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


CASES = {
    "activate": case_activate,
    "general": case_general,
    "release": case_release,
    "ping": case_ping,
    "refused": case_refused,
    "other-activations": case_other_activations,
    "resolve": case_resolve,
}

if __name__ == "__main__":
    for arg in sys.argv[1:]:
        CASES[arg]()
    sys.exit(0)
