#!/usr/bin/python3
"""Portals (issue 11 item 6): ILocalDeviceMgr EnumPortals, EnumLocalPortals
and GetPortal show the host's addresses (getifaddrs) with bListen as tgtd
listens; SetPortalConfig adds a listener on a second loopback address and
port that iscsi-ls (libiscsi) logs in through, the setting survives a
restart of istmd and of tgtd (both re-apply it), and disabling it stops new
logins, also across restarts; istmctl portal list/enable/disable do the same."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "istm"))
import istm_ndr as n  # noqa: E402
from istm_client import Client, call, enum_all, interface, query  # noqa: E402
from e2e_env import ADMIN, ADMIN_PASSWORD, EPM_PORT, TGTADM, Env, skip_unless_possible  # noqa: E402

INI = "iqn.2024-05.org.example:portals"
EXTRA = ("127.0.10.2", 3262)   # the listener SetPortalConfig adds
CTL = ("127.0.10.3", 3263)     # the one istmctl adds
OWN = ("127.0.10.4", 3264)     # a target's own portal (AddPortal), refused


def mgr(env):
    c = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD)
    return c.activate(n.CLSID_LOCALDEVICEMGR, n.ILOCALDEVICEMGR)


def portals(env, local=False):
    """{(address, port): bListen} from EnumPortals (or EnumLocalPortals)."""
    m = mgr(env)
    if local:
        resp = call(query(m, n.ILOCALDEVICEMGR2), n.ILocalDeviceMgr2_EnumLocalPortals(ResourceGroup=n.bstr("")))
    else:
        resp = call(m, n.ILocalDeviceMgr_EnumPortals())
    env.check(resp["ErrorCode"] == n.S_OK, "Enum%sPortals" % ("Local" if local else ""))
    e = interface(m, resp["ppEnumPortal"])
    return {(n.wchars(p["szIpAddress"]), p["dwPort"]): bool(p["bListen"])
            for p in enum_all(e, "IEnumPortal", n.PORTAL)}


def host(env):
    c = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD)
    hosts = c.activate(n.CLSID_HOSTMGR, n.IHOSTMGR)
    return interface(hosts, call(hosts, n.IHostMgr_GetHost(HostName=n.bstr("portals")))["ppHost"])


def add_portal(env, text):
    """IHost AddPortal then Save on target "portals": the first failure's HRESULT."""
    h = host(env)
    code = call(h, n.IHost_AddPortal(IpAddress=n.bstr(text)))["ErrorCode"]
    return code if code != n.S_OK else call(h, n.IHost_Save())["ErrorCode"]


def set_portal(env, addr, port, use):
    return call(mgr(env), n.ILocalDeviceMgr_SetPortalConfig(
        IpAddress=n.bstr(addr), nPort=port, bUse=1 if use else 0))["ErrorCode"]


def tgt_portals(env):
    out = subprocess.run([TGTADM, "-C", str(env.tgt_port), "--lld", "iscsi", "--mode", "portal",
                          "--op", "show"], capture_output=True, text=True, timeout=10).stdout
    return set((m.group(1), int(m.group(2)))
               for m in re.finditer(r"Portal: \[?([^\]\s]+?)\]?:(\d+),", out))


def iscsi_ls(addr, port):
    """Whether libiscsi logs in (discovery) through ADDR:PORT and sees a target."""
    r = subprocess.run(["timeout", "20", "iscsi-ls", "-i", INI, "iscsi://%s:%d" % (addr, port)],
                       capture_output=True, text=True)
    return r.returncode == 0 and "Target:" in r.stdout


def wait_listening(env, portal, want, limit=5.0):
    deadline = time.monotonic() + limit
    while (portal in tgt_portals(env)) != want and time.monotonic() < deadline:
        time.sleep(0.05)
    return (portal in tgt_portals(env)) == want


def body(env):
    iqn = env.istmctl("target", "create", "portals", "--json", json_out=True)["iqn"]
    env.istmctl("allow", "portals", INI)
    configured = (env.addr, 3260)

    # The host's addresses, bListen where tgtd listens.
    seen = portals(env)
    env.check(seen.get(configured) is True, "EnumPortals: the configured portal listens: %s"
              % seen)
    env.check(seen.get(("127.0.0.1", 3260)) is False,
              "EnumPortals: the host's 127.0.0.1 (getifaddrs), not listening: %s" % seen)
    env.check(portals(env, local=True) == seen, "EnumLocalPortals: the same")
    env.check(not iscsi_ls(*EXTRA), "nothing listens on %s:%d yet" % EXTRA)

    # Errors.
    env.check(set_portal(env, EXTRA[0], 0, True) == n.E_INVALIDARG, "port 0: E_INVALIDARG")
    env.check(set_portal(env, "198.51.100.77", 3260, True) == n.ERROR_FILE_NOT_FOUND,
              "an address not on this host: ERROR_FILE_NOT_FOUND")

    # Enabling a listener at run time.
    env.check(set_portal(env, EXTRA[0], EXTRA[1], True) == n.S_OK, "SetPortalConfig(bUse true)")
    env.check(EXTRA in tgt_portals(env), "tgtd listens on %s:%d" % EXTRA)
    env.check(iscsi_ls(*EXTRA), "iscsi-ls logs in through %s:%d and sees the target" % EXTRA)
    env.check(portals(env).get(EXTRA) is True, "EnumPortals shows it listening")
    r = call(mgr(env), n.ILocalDeviceMgr_GetPortal(IpAddress=n.bstr(EXTRA[0])))
    env.check(r["ErrorCode"] == n.S_OK and r["pPortal"]["dwPort"] == EXTRA[1]
              and r["pPortal"]["bListen"], "GetPortal: port %d, listening" % EXTRA[1])
    env.check(configured in tgt_portals(env), "the configured portal still listens")

    # istmd restarted over a new tgtd: istmd re-applies the stored setting.
    env.stop_istmd()
    env.kill_tgtd()
    time.sleep(0.3)
    env.start_tgtd()
    env.check(EXTRA not in tgt_portals(env), "a new tgtd knows only the configured portal")
    env.start_istmd()
    env.check(wait_listening(env, EXTRA, True), "after istmd's restart the portal is back")
    env.check(iscsi_ls(*EXTRA), "and iscsi-ls logs in through it")
    # tgtd restarted under a running istmd.
    env.kill_tgtd()
    time.sleep(0.3)
    env.start_tgtd()
    env.check(wait_listening(env, EXTRA, True), "after tgtd's restart the portal is back")

    # A target's own portal (IHost AddPortal): tgt has none per target, so only a
    # portal that serves every target already is taken; no listener is made for it.
    env.check(add_portal(env, "%s:%d" % EXTRA) == n.S_OK,
              "AddPortal of a portal tgtd listens on for every target: S_OK")
    env.check(add_portal(env, "%s:%d" % configured) == n.S_OK and
              add_portal(env, configured[0]) == n.S_OK, "AddPortal of the configured portal")
    env.check(add_portal(env, "%s:%d" % OWN) == n.ERROR_NOT_SUPPORTED,
              "AddPortal of a portal nobody listens on: ERROR_NOT_SUPPORTED")
    env.check(OWN not in tgt_portals(env), "and tgtd does not listen on %s:%d" % OWN)
    env.check(call(host(env), n.IHost_RemovePortal(IpAddress=n.bstr("%s:%d" % EXTRA)))
              ["ErrorCode"] == n.S_OK, "RemovePortal: S_OK")

    # Disabling it.
    env.check(set_portal(env, EXTRA[0], EXTRA[1], False) == n.S_OK, "SetPortalConfig(bUse false)")
    env.check(EXTRA not in tgt_portals(env), "tgtd no longer listens on %s:%d" % EXTRA)
    env.check(not iscsi_ls(*EXTRA), "iscsi-ls cannot log in through it")
    env.check(portals(env).get(EXTRA) is False, "EnumPortals shows it not listening")
    env.check(iscsi_ls(*configured), "the configured portal still serves")
    env.stop_istmd()
    env.start_istmd()
    time.sleep(0.5)
    env.check(EXTRA not in tgt_portals(env), "still off after istmd's restart")

    # The configured portal goes only when told so, and comes back.
    env.check(set_portal(env, configured[0], configured[1], False) == n.S_OK,
              "SetPortalConfig(configured portal, false)")
    env.check(not iscsi_ls(*configured), "the configured portal no longer serves")
    env.kill_tgtd()
    time.sleep(0.3)
    env.start_tgtd()
    env.check(wait_listening(env, configured, False),
              "a new tgtd (started with it) stops listening there again")
    env.check(set_portal(env, configured[0], configured[1], True) == n.S_OK,
              "SetPortalConfig(configured portal, true)")
    env.check(iscsi_ls(*configured), "it serves again")

    # istmctl.
    listed = env.istmctl("portal", "list", "--json", json_out=True)["portals"]
    env.check({"address": configured[0], "port": configured[1], "listen": True, "valid": True}
              in listed and {"address": "127.0.0.1", "port": 3260, "listen": False,
                             "valid": True} in listed,
              "istmctl portal list --json: %s" % listed)
    env.istmctl("portal", "enable", "%s:%d" % CTL)
    env.check(CTL in tgt_portals(env) and iscsi_ls(*CTL), "istmctl portal enable: listening")
    env.istmctl("portal", "disable", "%s:%d" % CTL)
    env.check(CTL not in tgt_portals(env), "istmctl portal disable: not listening")
    out = env.istmctl("portal", "enable", "198.51.100.77", expect=4)
    env.check("198.51.100.77" in out, "istmctl portal enable of a foreign address fails: %s" % out)
    del iqn


if __name__ == "__main__":
    skip_unless_possible()
    if subprocess.run(["which", "iscsi-ls"], capture_output=True).returncode != 0:
        print("# skipped: iscsi-ls (libiscsi-bin) is not installed")
        raise SystemExit(77)
    raise SystemExit(Env(__doc__).finish(body))
