#!/usr/bin/python3
"""MS-ISTM calls for impacket, written from the IDL (MS-ISTM section 6,
idl/ms-istm.idl): the structures, the IHostMgr/IHostMgr2/IHostMgr3 and
IHost/IHost2/IHost3 methods, and Next/Skip/Reset/Clone of the target
enumerators (IEnumHost, IEnumIDMethod, IEnumWTDiskLunMapping, IEnumPortal,
IEnumSession2). A general module: other tests import it and add the
interfaces they need with method() and enumerator().

Naming: a call is <Interface>_<Method> (properties <Interface>_get_<Name> and
<Interface>_put_<Name>), its answer the same with "Response", as impacket looks
answers up by name in the request's module. Every answer ends with
ErrorCode (the HRESULT).

    c = Client(addr, epm_port, user, password)
    mgr = c.activate(CLSID_HOSTMGR, IID_IHOSTMGR3)
    resp = call(mgr, IHostMgr_NewHost(HostName=bstr("t1")))
    host = interface(mgr, resp["ppNewHost"])
    call(host, IHost_Save())["ErrorCode"] == 0

Run by the integration tests with /usr/bin/python3 (Debian's impacket).
"""
import sys

from impacket.dcerpc.v5 import dcomrt
from impacket.dcerpc.v5.dcom.oaut import BSTR
from impacket.dcerpc.v5.dcomrt import (DCOMANSWER, DCOMCALL, INTERFACE, DCOMConnection,
                                       PMInterfacePointer)
from impacket.dcerpc.v5.dtypes import GUID, LONG, LONGLONG, NULL, ULONG, ULONGLONG, USHORT
from impacket.dcerpc.v5.ndr import (NDRBOOLEAN, NDRSTRUCT, NDRUniConformantArray,
                                    NDRUniFixedArray)
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import string_to_bin, uuidtup_to_bin

# ---- identifiers (MS-ISTM 1.9, section 6) ----------------------------------------------

CLSID_WTGENERAL = "baa4a577-202d-49c7-a6bb-10ee914ee199"
CLSID_SESSIONMANAGER = "ad069971-edc5-4357-a132-430dad479d2b"
CLSID_LOCALDEVICEMGR = "f1d3a46c-2e1b-4d84-97da-b3742ad67871"
CLSID_WTDISKMGR = "0144084b-e09e-4f45-a56b-dcdc9f379f5e"
CLSID_SNAPSHOTMGR = "4e7645fa-1a95-416c-b38f-ad574a3c3e57"
CLSID_SNSMGR = "24f9c1a9-b22e-4e24-bec9-4af0a4d96736"
CLSID_HOSTMGR = "e14efe0b-fd3b-41ea-8e3b-88930445b944"

IID_IHOSTMGR = "b06a64e3-814e-4ff9-afac-597ad32517c7"
IID_IHOSTMGR2 = "dd6f0a28-248f-4dd3-afe9-71aed8f685c4"
IID_IHOSTMGR3 = "01454b97-c6a5-4685-bea8-9779c88ab990"
IID_IHOST = "b0076fec-a921-4034-a8ba-090bc6d03bde"
IID_IHOST2 = "b4fa8e86-2517-4a88-bd67-75447219eee4"
IID_IHOST3 = "fe7f99f9-1dfb-4afb-9d00-6a8dd0aabf2c"
IID_IENUMHOST = "e141fd54-b79e-4938-a6bb-d523c3d49ff1"
IID_IENUMIDMETHOD = "345b026b-5802-4e38-ac75-795e08b0b83f"
IID_IENUMWTDISKLUNMAPPING = "1396de6f-a794-4b11-b93f-6b69a5b47bae"
IID_IENUMPORTAL = "1995785d-2a1e-492f-8923-e621eaca39d9"
IID_IENUMSESSION2 = "442931d5-e522-4e64-a181-74e98a4e1748"

# HRESULTs (MS-ERREF; MS-ISTM 2.2.1)
S_OK = 0x00000000
S_FALSE = 0x00000001
E_NOTIMPL = 0x80004001
E_FAIL = 0x80004005
E_ACCESSDENIED = 0x80070005
E_INVALIDARG = 0x80070057


def hresult_from_win32(code):
    return 0x80070000 | code


ERROR_FILE_NOT_FOUND = hresult_from_win32(2)
ERROR_INVALID_DATA = hresult_from_win32(13)
ERROR_NOT_READY = hresult_from_win32(21)
ERROR_BAD_LENGTH = hresult_from_win32(24)
ERROR_HANDLE_EOF = hresult_from_win32(38)
ERROR_NOT_SUPPORTED = hresult_from_win32(50)
ERROR_DUP_NAME = hresult_from_win32(52)
ERROR_FILE_EXISTS = hresult_from_win32(80)
ERROR_BUSY = hresult_from_win32(170)
ERROR_DELETE_PENDING = hresult_from_win32(303)

# IDMethod (2.2.3.5), HostStatus (2.2.3.4), SessionType, AuthenticationMethod
ID_INVALID, ID_NETBIOS, ID_DNS, ID_IP, ID_MAC, ID_IQN, ID_IPV6 = -1, 0, 1, 2, 3, 4, 5
HOST_STATUS_IDLE, HOST_STATUS_CONNECTED = 0, 1


def iid(text):
    return uuidtup_to_bin((text, "0.0"))


class DCERPCSessionError(DCERPCException):
    """What impacket raises for a failed call made with checkError."""


# ---- NDR types ----------------------------------------------------------------------------

def wchar_array(count):
    """WCHAR x[COUNT] (2.2.4): a fixed array; set it from str, read it with wstr()."""
    class WCHAR_FIXED(NDRUniFixedArray):
        align = 2
        align64 = 2

        def getDataLen(self, data, offset=0):
            return count * 2

        def __setitem__(self, key, value):
            if key == "Data" and isinstance(value, str):
                raw = value.encode("utf-16le")
                if len(raw) > count * 2 - 2:
                    raise ValueError("%d characters do not fit WCHAR[%d]" % (len(value), count))
                value = raw + b"\x00" * (count * 2 - len(raw))
            return NDRUniFixedArray.__setitem__(self, key, value)

    WCHAR_FIXED.__name__ = "WCHAR_%d" % count
    return WCHAR_FIXED


def wstr(field):
    """The text of a WCHAR array, up to its first NUL."""
    raw = bytes(field) if isinstance(field, (bytes, bytearray)) else bytes(field["Data"])
    text = raw.decode("utf-16le", errors="replace")
    return text.split("\x00", 1)[0]


class ID(NDRSTRUCT):  # 2.2.4.7
    structure = (("eMethod", USHORT), ("szValue", wchar_array(512)))


class LUN_MAPPING(NDRSTRUCT):  # 2.2.4.10
    structure = (("dwLun", ULONG), ("dwWTD", ULONG))


class PORTAL(NDRSTRUCT):  # 2.2.4.13
    structure = (("Guid", GUID), ("szIpAddress", wchar_array(128)), ("dwPort", ULONG),
                 ("bListen", LONG), ("bSecure", LONG), ("bValid", LONG))


class SESSION2(NDRSTRUCT):  # 2.2.4.16
    structure = (("InitiatorIQN", wchar_array(256)), ("HostTargetIQN", wchar_array(256)),
                 ("HostName", wchar_array(512)), ("TSIH", USHORT), ("ISID", ULONGLONG),
                 ("eType", USHORT), ("eAuthMethod", USHORT))


class CHAR_ARRAY(NDRUniConformantArray):
    item = "c"


def bstr(text):
    """A BSTR parameter; None is a NULL BSTR."""
    b = BSTR()
    if text is None:
        return NULL
    b["asData"] = text
    return b


def bstr_value(field):
    """The text of a BSTR answer, None for a NULL BSTR (cBytes 0xFFFFFFFF,
    MS-OAUT 2.2.23.2, or a NULL pointer). impacket hands out a parsed
    pointer's referent, a FLAGGED_WORD_BLOB."""
    if field is None:
        return None
    blob = field
    if "cBytes" not in blob.fields:
        try:
            blob = field["Data"]
        except (KeyError, TypeError):
            return None
    if blob is None or blob["cBytes"] == 0xFFFFFFFF:
        return None
    return blob["asData"]


def id_struct(method, value):
    s = ID()
    s["eMethod"] = method & 0xFFFF
    s["szValue"] = value
    return s


# ---- calls --------------------------------------------------------------------------------

def method(prefix, name, opnum, ins=(), outs=()):
    """Defines PREFIX_NAME (a DCOMCALL) and PREFIX_NAMEResponse here, from the
    IDL's [in] and [out] parameters (name, NDR type). Returns the call class.
    Keyword arguments of the class set its fields."""
    def init(self, data=None, isNDR64=False, **fields):
        DCOMCALL.__init__(self, data, isNDR64)
        for k, v in fields.items():
            self[k] = v

    cls_name = "%s_%s" % (prefix, name)
    call_cls = type(cls_name, (DCOMCALL,),
                    {"opnum": opnum, "structure": tuple(ins), "__init__": init,
                     "__module__": __name__})
    resp_cls = type(cls_name + "Response", (DCOMANSWER,),
                    {"structure": tuple(outs) + (("ErrorCode", ULONG),), "__module__": __name__})
    globals()[cls_name] = call_cls
    globals()[cls_name + "Response"] = resp_cls
    return call_cls


def enumerator(prefix, element_type):
    """Next/Skip/Reset/Clone of an IEnum* interface (opnums 3-6): PREFIX_Next
    takes ulNumElements and pElements ([in, out] ELEMENT_TYPE)."""
    method(prefix, "Next", 3, ins=(("ulNumElements", ULONG), ("pElements", element_type)),
           outs=(("pElements", element_type), ("pNumElementsReturned", ULONG)))
    method(prefix, "Skip", 4, ins=(("ulNumElements", ULONG),))
    method(prefix, "Reset", 5)
    method(prefix, "Clone", 6, outs=(("ppNewEnum", PMInterfacePointer),))


def prop(prefix, name, get_opnum, kind, out_name, in_name):
    """A [propget]/[propput] pair at GET_OPNUM and GET_OPNUM + 1, with the
    IDL's parameter names."""
    method(prefix, "get_" + name, get_opnum, outs=((out_name, kind),))
    method(prefix, "put_" + name, get_opnum + 1, ins=((in_name, kind),))


# IHostMgr (3.25), IHostMgr2 (3.27), IHostMgr3 (3.29)
method("IHostMgr", "EnumHosts", 3, outs=(("ppEnumHost", PMInterfacePointer),))
method("IHostMgr", "NewHost", 4, ins=(("HostName", BSTR),),
       outs=(("ppNewHost", PMInterfacePointer),))
method("IHostMgr", "GetHost", 5, ins=(("HostName", BSTR),), outs=(("ppHost", PMInterfacePointer),))
method("IHostMgr", "GetHostByTargetIQN", 6, ins=(("TargetIQN", BSTR),),
       outs=(("ppHost", PMInterfacePointer),))
method("IHostMgr", "DeleteHost", 7, ins=(("HostName", BSTR),))
method("IHostMgr2", "NewHost2", 8, ins=(("HostName", BSTR), ("ResourceGroup", BSTR)),
       outs=(("ppNewHost", PMInterfacePointer),))
method("IHostMgr2", "NewHostNonPersistent", 9, ins=(("HostName", BSTR), ("ResourceName", BSTR)),
       outs=(("ppNewHost", PMInterfacePointer),))
method("IHostMgr2", "OpenHost", 10, ins=(("pStream", PMInterfacePointer), ("ResourceName", BSTR)),
       outs=(("ppHost", PMInterfacePointer),))
method("IHostMgr2", "CloseHost", 11, ins=(("HostName", BSTR),))
method("IHostMgr3", "EnumAllClusterHosts", 12, outs=(("EnumHost", PMInterfacePointer),))

# IHost (3.21): properties by their propget opnum
method("IHost", "get_Guid", 3, outs=(("pGuid", GUID),))
prop("IHost", "Enable", 4, NDRBOOLEAN, "pEnable", "bEnable")
prop("IHost", "Name", 6, BSTR, "pName", "Name")
prop("IHost", "Description", 8, BSTR, "pDescription", "Description")
prop("IHost", "TargetIQN", 10, BSTR, "pTargetIQN", "TargetIQN")
method("IHost", "get_Status", 12, outs=(("pStatus", USHORT),))
method("IHost", "put_Status", 13, ins=(("eStatus", USHORT),))
method("IHost", "get_LastLogIn", 14, outs=(("pTimeStamp", LONGLONG),))
method("IHost", "put_LastLogIn", 15, ins=(("hyTimeStamp", LONGLONG),))
prop("IHost", "EnableCHAP", 16, NDRBOOLEAN, "pEnable", "bEnable")
prop("IHost", "CHAPUserName", 18, BSTR, "pUserName", "UserName")
prop("IHost", "CHAPSecret", 20, BSTR, "pSecret", "Secret")
prop("IHost", "EnableReverseCHAP", 22, NDRBOOLEAN, "pEnable", "bEnable")
prop("IHost", "ReverseCHAPUserName", 24, BSTR, "pUserName", "UserName")
prop("IHost", "ReverseCHAPSecret", 26, BSTR, "pSecret", "Secret")
prop("IHost", "TargetMaxRecvDataSegmentLength", 28, ULONG, "pLength", "nLength")
prop("IHost", "TargetFirstBurstLength", 30, ULONG, "pLength", "nLength")
prop("IHost", "TargetMaxBurstLength", 32, ULONG, "pLength", "nLength")
prop("IHost", "NumRecvBuffers", 34, ULONG, "pNumBuffers", "nNumBuffers")
prop("IHost", "EnforceIdleTimeoutDetection", 36, NDRBOOLEAN, "pEnable", "bEnable")
prop("IHost", "ListenAllNetworkAdapters", 38, NDRBOOLEAN, "pListenAll", "bListenAll")
prop("IHost", "Processor", 40, ULONG, "pProcessor", "nProcessor")
method("IHost", "EnumIDs", 42, outs=(("ppEnumIDMethod", PMInterfacePointer),))
method("IHost", "AddID", 43, ins=(("pIDMethod", ID),))
method("IHost", "RemoveID", 44, ins=(("pIDMethod", ID),))
method("IHost", "RemoveAllIDs", 45)
method("IHost", "EnumWTDiskLunMappings", 46, outs=(("ppEnumWTDiskLunMapping", PMInterfacePointer),))
method("IHost", "AddWTDisk", 47, ins=(("nWTD", ULONG),))
method("IHost", "RemoveWTDisk", 48, ins=(("nWTD", ULONG),))
method("IHost", "RemoveAllWTDisks", 49)
method("IHost", "SetWTDiskLunMapping", 50, ins=(("nWTD", ULONG), ("nNewLun", ULONG)))
method("IHost", "EnumPortals", 51, outs=(("ppEnumPortal", PMInterfacePointer),))
method("IHost", "AddPortal", 52, ins=(("IpAddress", BSTR),))
method("IHost", "RemovePortal", 53, ins=(("IpAddress", BSTR),))
method("IHost", "RemoveAllPortals", 54)
method("IHost", "SetCHAPInfoByBlob", 55, ins=(("nBlobSize", ULONG), ("Blob", CHAR_ARRAY)))
method("IHost", "Save", 56)
method("IHost", "ValidateChapSecret", 57, ins=(("Secret", BSTR),))
method("IHost", "ValidateReverseChapSecret", 58, ins=(("Secret", BSTR),))
method("IHost", "CheckTargetRedirect", 59, ins=(("LocalConnectAddr", BSTR),),
       outs=(("pRedirectAddr", BSTR),))
# IHost2 (3.23), IHost3 (3.24)
prop("IHost2", "ResourceName", 60, BSTR, "pResourceName", "ResourceName")
prop("IHost2", "ResourceGroupName", 62, BSTR, "pResourceGroup", "ResourceGroup")
method("IHost2", "SaveToStream", 64, ins=(("pStream", PMInterfacePointer),))
method("IHost2", "EnumSessions", 65, outs=(("ppEnumSession", PMInterfacePointer),))
method("IHost3", "get_ResourceState", 66, outs=(("ResourceState", LONG),))
method("IHost3", "put_ResourceState", 67, ins=(("ResourceState", LONG),))

# the enumerators of target management
enumerator("IEnumHost", PMInterfacePointer)
enumerator("IEnumIDMethod", ID)
enumerator("IEnumWTDiskLunMapping", LUN_MAPPING)
enumerator("IEnumPortal", PORTAL)
enumerator("IEnumSession2", SESSION2)

# Which interface each prefix's calls go to (the presentation context). An
# IPID serves its own interface and those it derives from: IHost2 and IHost3
# methods need the pointer query() returns for them (IHost pointers come from
# IHostMgr and IEnumHost).
IIDS = {"IHostMgr": IID_IHOSTMGR, "IHostMgr2": IID_IHOSTMGR2, "IHostMgr3": IID_IHOSTMGR3,
        "IHost": IID_IHOST, "IHost2": IID_IHOST2, "IHost3": IID_IHOST3,
        "IEnumHost": IID_IENUMHOST, "IEnumIDMethod": IID_IENUMIDMETHOD,
        "IEnumWTDiskLunMapping": IID_IENUMWTDISKLUNMAPPING, "IEnumPortal": IID_IENUMPORTAL,
        "IEnumSession2": IID_IENUMSESSION2}


# ---- a client -----------------------------------------------------------------------------

class Client:
    """Activations against istmd at ADDR (endpoint mapper on EPM_PORT).
    impacket dials port 135 unless the target names a port, looks its
    resolver up by the bare address, and sends a second bind on a bound
    connection for a second activation (which istmd refuses, as Windows
    does): one DCOMConnection per activation, the resolver pre-seeded."""

    def __init__(self, addr, epm_port, user, password):
        self.addr, self.epm_port, self.user, self.password = addr, epm_port, user, password

    def activate(self, clsid, iface_iid):
        c = DCOMConnection("%s[%d]" % (self.addr, self.epm_port), self.user, self.password)
        DCOMConnection.PORTMAPS[self.addr] = c.get_dce_rpc()
        return c.CoCreateInstanceEx(string_to_bin(clsid), iid(iface_iid))


def call(obj, req, iface_iid=None):
    """Calls REQ on OBJ (an impacket INTERFACE) and returns the answer, whatever
    its HRESULT (answer["ErrorCode"]). The interface is the one of REQ's
    prefix unless IFACE_IID says otherwise."""
    if iface_iid is None:
        iface_iid = IIDS[type(req).__name__.split("_", 1)[0]]
    req["ORPCthis"] = obj.get_cinstance().get_ORPCthis()
    req["ORPCthis"]["flags"] = 0
    obj.connect(iid(iface_iid))
    return obj.get_dce_rpc().request(req, obj.get_iPid(), checkError=False)


def query(obj, iface_iid):
    """QueryInterface (RemQueryInterface, one reference): OBJ as IFACE_IID."""
    return dcomrt.IRemUnknown2(obj).RemQueryInterface(1, [iid(iface_iid)])


def interface(parent, pointer):
    """The object an [out] interface pointer of an answer names."""
    data = b"".join(pointer["abData"])
    return INTERFACE(parent.get_cinstance(), data, parent.get_ipidRemUnknown(),
                     target=parent.get_target())


def is_null(pointer):
    try:
        return pointer is None or pointer["ulCntData"] == 0
    except (KeyError, TypeError):
        return True


# ---- test output: "ok - ..." lines, stop at the first failure -----------------------------

def ok(what):
    print("ok - %s" % what, flush=True)


def check(cond, what):
    if not cond:
        print("not ok - %s" % what, flush=True)
        sys.exit(1)
    ok(what)


def hr_name(hr):
    """The name of an HRESULT this module knows, else its hexadecimal value."""
    names = {v: k for k, v in globals().items()
             if k.isupper() and isinstance(v, int) and k.startswith(("S_", "E_", "ERROR_"))}
    return names.get(hr, "0x%08x" % hr)


def expect(resp, hr, what):
    """Checks an answer's HRESULT; returns the answer."""
    got = resp["ErrorCode"]
    check(got == hr, "%s: %s%s" % (what, hr_name(hr), "" if got == hr else " (got %s)" % hr_name(got)))
    return resp


def enum_all(e, prefix, element_type, limit=100000):
    """Every element left in enumerator E, with Next(1) until S_FALSE."""
    out = []
    next_cls = globals()[prefix + "_Next"]
    for _ in range(limit):
        req = next_cls()
        req["ulNumElements"] = 1
        if element_type is PMInterfacePointer:
            req["pElements"] = NULL
        else:
            elem = element_type()
            for name, kind in element_type.structure:
                if isinstance(kind, type) and issubclass(kind, NDRUniFixedArray):
                    elem[name] = ""
            req["pElements"] = elem
        resp = call(e, req)
        if resp["ErrorCode"] == S_FALSE:
            return out
        if resp["ErrorCode"] != S_OK or resp["pNumElementsReturned"] != 1:
            raise DCERPCSessionError(error_code=resp["ErrorCode"])
        out.append(resp["pElements"])
    raise RuntimeError("more than %d elements" % limit)
