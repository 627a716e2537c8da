"""The client side of the impacket tests (rpc/, dcom/, istm/, e2e/): the
daemon with_istmd.sh started, activations, MS-ISTM calls (istm_ndr.py) and
the "ok - ..." test output, which stops at the first failure.

impacket dials port 135 unless the target names a port, looks its resolver
up by the bare address, and sends a second bind on a bound connection for a
second activation (which istmd refuses, as Windows does): Client makes one
DCOMConnection per activation, to "ADDR[EPM_PORT]", with the resolver
pre-seeded in DCOMConnection.PORTMAPS.

    mgr = admin().activate(n.CLSID_HOSTMGR, n.IHOSTMGR3)
    host = interface(mgr, call(mgr, n.IHostMgr_NewHost(HostName=n.bstr("t1")))["ppNewHost"])
    expect(call(host, n.IHost_Save()), n.S_OK, "Save")
"""
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import time

from impacket.dcerpc.v5 import dcomrt
from impacket.dcerpc.v5.dcomrt import INTERFACE, DCOMConnection, PMInterfacePointer
from impacket.dcerpc.v5.dtypes import NULL
from impacket.uuid import string_to_bin

import istm_ndr as n

# ---- the daemon with_istmd.sh started ------------------------------------------------------

_DAEMON = {
    "ADDR": ("ISTMD_ADDR", str),
    "EPM_PORT": ("ISTMD_EPM_PORT", int),
    "OBJECT_PORT": ("ISTMD_OBJECT_PORT", int),
    "ADMIN": ("ISTMD_ADMIN", str),
    "ADMIN_PASSWORD": ("ISTMD_ADMIN_PASSWORD", str),
    "USER": ("ISTMD_USER", str),
    "USER_PASSWORD": ("ISTMD_USER_PASSWORD", str),
    "DIR": ("ISTMD_DIR", str),
    "LOG": ("ISTMD_LOG", str),
}


def __getattr__(name):
    """ADDR, EPM_PORT, OBJECT_PORT, ADMIN, ADMIN_PASSWORD, USER,
    USER_PASSWORD, DIR, LOG: what with_istmd.sh says (its ISTMD_* variables),
    read when asked for (the end-to-end tests have their own)."""
    if name in _DAEMON:
        var, kind = _DAEMON[name]
        return kind(os.environ[var])
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


_this = sys.modules[__name__]

# ---- a private tgtd (the tests that start their own) ------------------------------------

def pdeathsig():
    """preexec_fn: the child dies with the test (PR_SET_PDEATHSIG)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def start_tgtd(control_port, portal):
    """Starts tgtd -f -C CONTROL_PORT on PORTAL, logging to DIR/tgtd.log, and
    waits (5 s) for its control socket; returns the process."""
    log = open(os.path.join(_this.DIR, "tgtd.log"), "ab")
    p = subprocess.Popen(["/usr/sbin/tgtd", "-f", "-C", str(control_port), "--iscsi",
                          "portal=" + portal], stdin=subprocess.DEVNULL, stdout=log,
                         stderr=log, preexec_fn=pdeathsig)
    path = "/var/run/tgtd/socket.%s" % control_port
    for _ in range(100):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            s.close()
            return p
        except OSError:
            if p.poll() is not None:
                break
            time.sleep(0.05)
    p.kill()
    p.wait()
    check(False, "tgtd started on control port %s" % control_port)


# ---- activation ----------------------------------------------------------------------------


class Client:
    """Connections and activations against istmd at ADDR (endpoint mapper
    on EPM_PORT) as USER."""

    def __init__(self, addr, epm_port, user, password, level=6):
        """LEVEL: the authentication level, PKT_PRIVACY (6) unless told."""
        self.addr, self.epm_port, self.user, self.password = addr, epm_port, user, password
        self.level = level

    def connection(self):
        c = DCOMConnection("%s[%d]" % (self.addr, self.epm_port), self.user, self.password,
                           authLevel=self.level)
        DCOMConnection.PORTMAPS[self.addr] = c.get_dce_rpc()
        return c

    def activate(self, clsid, iface_iid):
        obj = self.connection().CoCreateInstanceEx(string_to_bin(clsid), n.iid(iface_iid))
        # impacket calls objects at the server's authnHint (its min_auth_level,
        # integrity in these tests); CHAP secrets need privacy (docs/istm.md).
        obj.get_cinstance().set_auth_level(self.level)
        return obj


def admin(user=None, password=None):
    """A Client of the daemon with_istmd.sh started, as its admin unless
    USER and PASSWORD say otherwise."""
    if user is None:
        user, password = _this.ADMIN, _this.ADMIN_PASSWORD
    return Client(_this.ADDR, _this.EPM_PORT, user, password)


# ---- calls ---------------------------------------------------------------------------------

def call(obj, req, iface_iid=None):
    """Calls REQ on OBJ (an impacket INTERFACE) and returns the answer, whatever
    its HRESULT (answer["ErrorCode"]). The interface is the one of REQ's
    prefix (istm_ndr.IIDS) unless IFACE_IID says otherwise."""
    if iface_iid is None:
        iface_iid = n.IIDS[type(req).__name__.split("_", 1)[0]]
    req["ORPCthis"] = obj.get_cinstance().get_ORPCthis()
    req["ORPCthis"]["flags"] = 0
    obj.connect(n.iid(iface_iid))
    return obj.get_dce_rpc().request(req, obj.get_iPid(), checkError=False)


def hr(obj, req, iface_iid=None):
    """The HRESULT of call()."""
    return call(obj, req, iface_iid)["ErrorCode"]


def query(obj, iface_iid):
    """QueryInterface (RemQueryInterface, one reference): OBJ as IFACE_IID."""
    return dcomrt.IRemUnknown2(obj).RemQueryInterface(1, [n.iid(iface_iid)])


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


def enum_all(e, prefix, element_type, limit=100000):
    """Every element left in enumerator E, with Next(1) until S_FALSE."""
    out = []
    next_cls = getattr(n, prefix + "_Next")
    for _ in range(limit):
        req = next_cls(ulNumElements=1,
                       pElements=NULL if element_type is PMInterfacePointer else element_type())
        resp = call(e, req)
        if resp["ErrorCode"] == n.S_FALSE:
            return out
        if resp["ErrorCode"] != n.S_OK or resp["pNumElementsReturned"] != 1:
            raise n.DCERPCSessionError(error_code=resp["ErrorCode"])
        out.append(resp["pElements"])
    raise RuntimeError("more than %d elements" % limit)


# The disk family's common requests (sequence 4.1): a path (None: a NULL BSTR).

def path_request(cls, path):
    """A request whose only [in] parameter is a path (IsPathValid, DoesFileExist, ...)."""
    return cls(**{cls.structure[0][0]: n.bstr(path)})


def create_wt_file(path, size, sparse=False):
    return n.ILocalDeviceMgr_CreateWtFile(FilePath=n.bstr(path), hyFileSize=size,
                                          bSparse=1 if sparse else 0)


def create_wt_disk(path, description, kind=n.WTD_TYPE_FILE):
    return n.IWTDiskMgr_CreateWTDisk(eDeviceType=kind, DevicePath=n.bstr(path),
                                     Description=n.bstr(description), bClearPartTable=0,
                                     bForceDismount=0)


# ---- test output: "ok - ..." lines, stop at the first failure -----------------------------

def ok(what):
    print("ok - %s" % what, flush=True)


def check(cond, what):
    if not cond:
        print("not ok - %s" % what, flush=True)
        sys.exit(1)
    ok(what)


def hr_name(code):
    """The name istm_ndr gives an HRESULT, else its hexadecimal value."""
    names = {v: k for k, v in vars(n).items()
             if k.isupper() and isinstance(v, int) and k.startswith(("S_", "E_", "ERROR_"))}
    return names.get(code, "0x%08x" % code)


def expect(resp, code, what, check=check):
    """Checks an answer's HRESULT (with CHECK); returns the answer."""
    got = resp["ErrorCode"]
    check(got == code, "%s: %s%s" % (what, hr_name(code),
                                     "" if got == code else " (got %s)" % hr_name(got)))
    return resp


def expect_error(fn, pattern, what):
    """FN() must raise an error whose text matches PATTERN."""
    try:
        fn()
    except Exception as e:  # DCERPCException, DCOMSessionError
        check(re.search(pattern, str(e)) is not None, "%s: %s" % (what, str(e).strip()))
        return
    check(False, what + " (no error)")
