#!/usr/bin/python3
"""istmd's DCE/RPC server seen by impacket, an independent client.

Run by with_istmd.sh, which sets ISTMD_ADDR, ISTMD_EPM_PORT, ISTMD_OBJECT_PORT
and the accounts. Every case prints "ok - ..." lines and exits non-zero on the
first failure. impacket assumes port 135 for DCOM, so everything here is plain
DCE/RPC on the configured ports.
"""
import os
import socket
import sys
import threading
import time

from impacket.dcerpc.v5 import epm, transport
from impacket.dcerpc.v5.dcomrt import (IID_IObjectExporter, ResolveOxid, ServerAlive,
                                       ServerAlive2)
from impacket.dcerpc.v5.rpcrt import (DCERPCException, RPC_C_AUTHN_LEVEL_CONNECT,
                                      RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
                                      RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_WINNT)
from impacket.uuid import uuidtup_to_bin

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "istm"))
from istm_client import (ADDR, ADMIN, ADMIN_PASSWORD, EPM_PORT, USER, USER_PASSWORD,  # noqa: E402
                         check)

LEVELS = {
    "connect": RPC_C_AUTHN_LEVEL_CONNECT,
    "integrity": RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    "privacy": RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
}


def dce_for(port=EPM_PORT, user=None, password=None, level=None):
    rpctransport = transport.DCERPCTransportFactory("ncacn_ip_tcp:%s[%d]" % (ADDR, port))
    rpctransport.set_connect_timeout(10)
    if user is not None:
        rpctransport.set_credentials(user, password, "", "", "")
    dce = rpctransport.get_dce_rpc()
    if user is not None:
        dce.set_auth_type(RPC_C_AUTHN_WINNT)
        dce.set_auth_level(level)
    dce.connect()
    return dce


def string_bindings(resp):
    """The (tower id, network address) pairs and security bindings of a DUALSTRINGARRAY."""
    words = list(resp["ppdsaOrBindings"]["aStringArray"])
    sec = resp["ppdsaOrBindings"]["wSecurityOffset"]
    bindings, cur = [], []
    for w in words[:sec]:
        if w == 0:
            if cur:
                bindings.append((cur[0], "".join(chr(c) for c in cur[1:])))
            cur = []
        else:
            cur.append(w)
    auth = [words[i] for i in range(sec, len(words) - 1, 3) if words[i] != 0]
    return bindings, auth


def check_alive2(resp, what):
    version = resp["pComVersion"]
    check((version["MajorVersion"], version["MinorVersion"]) == (5, 7), what + ": COMVERSION 5.7")
    bindings, auth = string_bindings(resp)
    want = "%s[%d]" % (ADDR, EPM_PORT)
    check((7, want) in bindings, what + ": string binding %s among %s" % (want, bindings))
    check(auth[:2] == [10, 9], what + ": security bindings NTLM and SPNEGO (%s)" % auth)


def case_epm():
    dce = dce_for()
    binding = epm.hept_map(ADDR, IID_IObjectExporter, protocol="ncacn_ip_tcp", dce=dce)
    check(binding == "ncacn_ip_tcp:%s[%d]" % (ADDR, EPM_PORT), "ept_map IObjectExporter: %s" % binding)
    dce.disconnect()

    dce = dce_for()
    unknown = uuidtup_to_bin(("12345678-1234-abcd-ef00-0123456789ab", "1.0"))
    try:
        epm.hept_map(ADDR, unknown, protocol="ncacn_ip_tcp", dce=dce)
        check(False, "ept_map of an unknown interface fails")
    except DCERPCException as e:
        check("ept_s_not_registered" in str(e).lower(), "ept_map of an unknown interface: %s" % e)
    dce.disconnect()

    dce = dce_for()
    entries = epm.hept_lookup(ADDR, dce=dce)
    check(len(entries) >= 2, "ept_lookup lists %d entries" % len(entries))
    dce.disconnect()


def case_alive2(level):
    dce = dce_for(user=ADMIN, password=ADMIN_PASSWORD, level=LEVELS[level])
    dce.bind(IID_IObjectExporter)
    resp = dce.request(ServerAlive2())
    check_alive2(resp, "ServerAlive2 with NTLM at %s" % level)
    resp = dce.request(ServerAlive())
    check(resp["ErrorCode"] == 0, "ServerAlive with NTLM at %s" % level)
    dce.disconnect()


def case_unauthenticated():
    dce = dce_for()
    dce.bind(IID_IObjectExporter)
    check_alive2(dce.request(ServerAlive2()), "ServerAlive2 unauthenticated (exempt)")
    request = ResolveOxid()
    request["pOxid"] = b"\x01" * 8
    request["cRequestedProtseqs"] = 1
    request["arRequestedProtseqs"].append(7)
    try:
        dce.request(request)
        check(False, "ResolveOxid below min_auth_level is refused")
    except DCERPCException as e:
        check("rpc_s_access_denied" in str(e), "ResolveOxid below min_auth_level refused: %s" % e)
    dce.disconnect()


def case_wrong_password():
    dce = dce_for(user=ADMIN, password="not-the-password", level=RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    try:
        dce.bind(IID_IObjectExporter)
        dce.request(ServerAlive2())
        check(False, "a wrong password is refused")
    except DCERPCException as e:
        check("rpc_s_access_denied" in str(e), "a wrong password is refused: %s" % e)
    try:
        dce.disconnect()
    except Exception:
        pass
    # the daemon keeps serving
    case_alive2("privacy")


def case_parallel(clients, calls):
    errors = []

    def worker(n):
        try:
            user, password = (ADMIN, ADMIN_PASSWORD) if n % 2 else (USER, USER_PASSWORD)
            dce = dce_for(user=user, password=password, level=RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
            dce.bind(IID_IObjectExporter)
            for _ in range(calls):
                resp = dce.request(ServerAlive2())
                if resp["ErrorCode"] != 0:
                    raise RuntimeError("status %#x" % resp["ErrorCode"])
            dce.disconnect()
        except Exception as e:  # reported below
            errors.append("client %d: %r" % (n, e))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    check(not errors and not any(t.is_alive() for t in threads),
          "%d parallel clients x %d calls: %s" % (clients, calls, errors[:3] or "all succeeded"))


def case_switches(count):
    """One connection, COUNT interface switches: impacket's alter_ctx starts a
    fresh NTLM context each time (issue 9: refused after about 60)."""
    dce = dce_for(user=ADMIN, password=ADMIN_PASSWORD, level=RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.bind(IID_IObjectExporter)
    for i in range(count):
        try:
            dce = dce.alter_ctx(IID_IObjectExporter)
            resp = dce.request(ServerAlive2())
        except DCERPCException as e:
            check(False, "interface switch %d of %d: %s" % (i + 1, count, e))
        if resp["ErrorCode"] != 0:
            check(False, "ServerAlive2 after switch %d: %#x" % (i + 1, resp["ErrorCode"]))
    check(True, "%d interface switches with a new NTLM context each on one connection" % count)
    dce.disconnect()


def silent_sockets(count):
    socks = []
    for _ in range(count):
        s = socket.create_connection((ADDR, EPM_PORT), timeout=5)
        socks.append(s)
    return socks


def closed_within(sock, seconds):
    """True when the server closes SOCK within SECONDS."""
    sock.settimeout(seconds)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def case_exhaustion(silent, handshake_timeout):
    """SILENT sockets that never send a byte (more than max_connections) do
    not lock an authenticated client out, and each is closed after
    HANDSHAKE_TIMEOUT seconds (issue 9)."""
    start = time.monotonic()
    socks = silent_sockets(silent)
    case_alive2("privacy")
    deadline = start + int(handshake_timeout) + 5
    lingering = [s for s in socks if not closed_within(s, max(0.1, deadline - time.monotonic()))]
    check(not lingering, "%d silent sockets closed within %s s (+5): %d left" %
          (silent, handshake_timeout, len(lingering)))
    for s in socks:
        s.close()


def case_per_peer(limit):
    """LIMIT authenticated connections from one address fill its share; one
    more from there is refused with bind_nak (local limit exceeded)."""
    held = []
    for _ in range(limit):
        dce = dce_for(user=ADMIN, password=ADMIN_PASSWORD, level=RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
        dce.bind(IID_IObjectExporter)
        dce.request(ServerAlive2())
        held.append(dce)
    try:
        dce = dce_for(user=ADMIN, password=ADMIN_PASSWORD, level=RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
        dce.bind(IID_IObjectExporter)
        check(False, "connection %d from one address is refused" % (limit + 1))
    except DCERPCException as e:
        # impacket names bind_nak reasons from the bind_ack table: reason 2
        # (local limit exceeded) shows as proposed_transfer_syntaxes_not_supported
        check("proposed_transfer_syntaxes_not_supported" in str(e),
              "connection %d from one address is refused (bind_nak 2): %s" % (limit + 1, e))
    for dce in held:
        dce.disconnect()
    time.sleep(0.5)
    case_alive2("privacy")


def main():
    """Runs each case named on the command line, e.g. "epm alive2:privacy parallel:20:50"."""
    cases = {
        "epm": case_epm,
        "alive2": case_alive2,
        "unauthenticated": case_unauthenticated,
        "wrong-password": case_wrong_password,
        "parallel": lambda clients, calls: case_parallel(int(clients), int(calls)),
        "switches": lambda count: case_switches(int(count)),
        "exhaustion": lambda silent, timeout: case_exhaustion(int(silent), timeout),
        "per-peer": lambda limit: case_per_peer(int(limit)),
    }
    for arg in sys.argv[1:]:
        name, *params = arg.split(":")
        if name not in cases:
            print("unknown case %s" % name, file=sys.stderr)
            sys.exit(2)
        cases[name](*params)


if __name__ == "__main__":
    main()
