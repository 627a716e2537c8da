#!/usr/bin/python3
"""iSNS (issue 14 items 3-5): with a real open-isns isnsd on loopback (its own
configuration and database, stopped by PID), ISnsMgr AddSnsServer makes
istmd register its entity, portal and every enabled target (alias = the
target's name, portal group), `isnsadm` sees target creation, disabling and
deletion within 2 s, a target with initiator IQNs gets a discovery domain,
an initiator registered with isnsadm shows in EnumCachedInitiators, isnsd
killed and restarted with an empty database gets the registrations back
within the registration period, istmd deregisters at shutdown and
registers again at start, and RemoveSnsServer deregisters. istmctl isns
list/add/remove/initiators do the same."""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "istm"))
import istm_ndr as n  # noqa: E402
from impacket.dcerpc.v5.dtypes import LONG, ULONGLONG  # noqa: E402
from impacket.dcerpc.v5.dcomrt import PMInterfacePointer  # noqa: E402
from impacket.dcerpc.v5.ndr import NDRSTRUCT  # noqa: E402
from istm_client import Client, call, enum_all, interface  # noqa: E402
from e2e_env import (ADMIN, ADMIN_PASSWORD, EPM_PORT, Env, Failure, port_open,  # noqa: E402
                     skip_unless_possible)  # noqa: E402

ISNSD = "/usr/sbin/isnsd"
ISNSADM = "/usr/sbin/isnsadm"
ISNS_ADDR = "127.0.15.1"
ISNS_PORT = 3205
SERVER = "%s:%d" % (ISNS_ADDR, ISNS_PORT)
PERIOD = 8       # isnsd's RegistrationPeriod and istmd's [isns] period, seconds
INI = "iqn.2024-05.org.example:isns-ini"
ALLOWED = "iqn.2024-05.org.example:isns-allowed"
OTHER = "iqn.2024-05.org.example:isns-other"


class SNS_SERVER(NDRSTRUCT):  # 2.2.4.18
    structure = (("szName", n.WCHAR512), ("bDHCPDiscovered", LONG))


class CACHED_INITIATOR(NDRSTRUCT):  # 2.2.4.1
    structure = (("szInitiatorIqn", n.WCHAR512), ("hyLastLoggedOnTime", ULONGLONG))


n.method("ISnsMgr", "EnumSnsServers", 3, outs=(("ppEnumSnsServer", PMInterfacePointer),))
n.method("ISnsMgr", "AddSnsServer", 4, ins=(("SnsServerName", n.BSTR),))
n.method("ISnsMgr", "RemoveSnsServer", 5, ins=(("SnsServerName", n.BSTR),))
n.method("ISnsMgr", "EnumCachedInitiators", 6,
         outs=(("ppEnumCachedInitiator", PMInterfacePointer),))
n.enumerator("IEnumSnsServer", SNS_SERVER)
n.enumerator("IEnumCachedInitiator", CACHED_INITIATOR)
n.IIDS.update({"ISnsMgr": n.ISNSMGR, "IEnumSnsServer": "e2842c88-07c3-4eb0-b1a9-d3d95e76fef2",
               "IEnumCachedInitiator": "f093fe3d-8131-4b73-a742-ef54c20b337b"})


class Isnsd:
    """A private isnsd on ISNS_ADDR:ISNS_PORT."""

    def __init__(self, base):
        self.dir = os.path.join(base, "isns")
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "isnsd.conf")
        self.adm_conf = os.path.join(self.dir, "isnsadm.conf")
        self.proc = None
        with open(self.adm_conf, "w") as f:
            f.write("ServerAddress = %s\nSecurity = 0\nControlSocket = %s/isnsctl\n"
                    "SourceName = %s\n" % (SERVER, self.dir, INI))

    def start(self, fresh=False):
        db = os.path.join(self.dir, "db")
        if fresh:
            subprocess.run(["rm", "-rf", db])
        os.makedirs(db, exist_ok=True)
        with open(self.conf, "w") as f:
            f.write("SourceName = isns.e2e.server\nDatabase = %s\nBindAddress = %s\n"
                    "ControlSocket = %s/isnsctl\nPIDFile = %s/isnsd.pid\n"
                    "RegistrationPeriod = %d\nSecurity = 0\nSLPRegister = 0\n"
                    "DefaultDiscoveryDomain = 1\nESIMinInterval = 60\n"
                    % (db, SERVER, self.dir, self.dir, PERIOD))
        log = open(os.path.join(self.dir, "isnsd.log"), "a")
        self.proc = subprocess.Popen([ISNSD, "-c", self.conf, "-f"], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure("isnsd exited with %d" % self.proc.returncode)
            if os.path.exists(os.path.join(self.dir, "isnsctl")) and port_open(ISNS_ADDR, ISNS_PORT):
                return
            time.sleep(0.05)
        raise Failure("isnsd did not listen within 10 s")

    def kill(self):
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None
        try:
            os.unlink(os.path.join(self.dir, "isnsctl"))
        except FileNotFoundError:
            pass

    def adm(self, *args, local=True):
        cmd = [ISNSADM, "-c", self.adm_conf] + (["--local"] if local else []) + list(args)
        r = subprocess.run(["timeout", "10"] + cmd, capture_output=True, text=True)
        return r.returncode, r.stdout + r.stderr

    def as_initiator(self, source, *args):
        """isnsadm over TCP with SOURCE as its Source attribute."""
        conf = os.path.join(self.dir, "adm-%s.conf" % source.rsplit(":", 1)[-1])
        with open(conf, "w") as f:
            f.write("ServerAddress = %s\nSecurity = 0\nSourceName = %s\n" % (SERVER, source))
        r = subprocess.run(["timeout", "10", ISNSADM, "-c", conf] + list(args),
                           capture_output=True, text=True)
        return r.returncode, r.stdout + r.stderr

    def register_initiator(self, iqn):
        return self.as_initiator(iqn, "--register", "initiator=" + iqn)

    def visible(self, iqn):
        """The iSCSI names the initiator IQN (registered) may discover."""
        return set(re.findall(r'iSCSI name = "([^"]+)"', self.as_initiator(iqn, "--query",
                                                                          "iscsi-name")[1]))

    def nodes(self):
        """{iSCSI name: (type, alias)} of the nodes INI may see (a source
        registered in isnsd, and allowed on every target with a discovery
        domain here: isnsadm cannot be a control node without security)."""
        self.register_initiator(INI)
        return self.parse_nodes(self.as_initiator(INI, "--query", "iscsi-name")[1])

    def listed_nodes(self):
        """The same from --list nodes over the control socket (it shows the
        alias, but not the nodes of discovery domains other than the default)."""
        return self.parse_nodes(self.adm("--list", "nodes")[1])

    @staticmethod
    def parse_nodes(out):
        nodes = {}
        for block in re.split(r"(?:object\[\d+\] = |Object \d+:)", out):
            m = re.search(r'iSCSI name = "([^"]+)"', block)
            if m is None:
                continue
            t = re.search(r"iSCSI node type = (\w+)", block)
            a = re.search(r'iSCSI alias = "([^"]*)"', block)
            nodes[m.group(1)] = (t.group(1) if t else "", a.group(1) if a else None)
        return nodes

    def portals(self):
        out = self.adm("--list", "portals")[1]
        return set(re.findall(r"Portal IP address = (\S+)\s*\n\s*\S+\s+\S+\s*: "
                              r"Portal TCP/UDP port = (\d+)", out))

    def text(self, kind):
        return self.adm("--list", kind)[1]


def sns(env):
    c = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD)
    return c.activate(n.CLSID_SNSMGR, n.ISNSMGR)


def servers(env):
    m = sns(env)
    r = call(m, n.ISnsMgr_EnumSnsServers())
    env.check(r["ErrorCode"] == n.S_OK, "EnumSnsServers: S_OK")
    e = interface(m, r["ppEnumSnsServer"])
    return [n.wchars(s["szName"]) for s in enum_all(e, "IEnumSnsServer", SNS_SERVER)]


def cached(env):
    m = sns(env)
    r = call(m, n.ISnsMgr_EnumCachedInitiators())
    if r["ErrorCode"] != n.S_OK:
        raise Failure("EnumCachedInitiators: 0x%08x" % r["ErrorCode"])
    e = interface(m, r["ppEnumCachedInitiator"])
    return {n.wchars(s["szInitiatorIqn"]): s["hyLastLoggedOnTime"]
            for s in enum_all(e, "IEnumCachedInitiator", CACHED_INITIATOR)}


def wait_for(cond, limit):
    deadline = time.monotonic() + limit
    while True:
        if cond():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def body(env):
    isns = env.isnsd
    iqn1 = env.istmctl("target", "create", "isns-one", "--json", json_out=True)["iqn"]
    env.check(iqn1 not in isns.nodes(), "no server configured: nothing registered")

    m = sns(env)
    env.check(call(m, n.ISnsMgr_AddSnsServer(SnsServerName=n.bstr(SERVER)))["ErrorCode"] == n.S_OK,
              "AddSnsServer(%s)" % SERVER)
    env.check(call(m, n.ISnsMgr_AddSnsServer(SnsServerName=n.bstr(SERVER)))["ErrorCode"] == n.S_OK,
              "AddSnsServer again: S_OK (3.40.4.2)")
    env.check(call(m, n.ISnsMgr_AddSnsServer(SnsServerName=n.bstr("bad name:0")))["ErrorCode"]
              == n.E_INVALIDARG, "AddSnsServer of a malformed name: E_INVALIDARG")
    env.check(servers(env) == [SERVER], "EnumSnsServers lists it once")
    env.check(wait_for(lambda: iqn1 in isns.nodes(), 2),
              "isnsadm sees the target within 2 s: %s" % isns.nodes())
    env.check(isns.listed_nodes()[iqn1] == ("Target", "isns-one"),
              "as a target whose alias is its name: %s" % (isns.listed_nodes()[iqn1],))
    env.check((env.addr, "3260") in isns.portals(), "and istmd's portal %s:3260: %s"
              % (env.addr, isns.portals()))
    pgs = isns.text("portal-groups")
    env.check(re.search(r'Portal group name = "%s"\s*\n.*Portal group address = %s\s*\n'
                        r'.*Portal group port = 3260/tcp\s*\n.*Portal group tag = 1'
                        % (re.escape(iqn1), re.escape(env.addr)), pgs) is not None,
              "a portal group (tag 1) ties them: %s" % pgs[:400])
    entity = isns.text("entities")
    env.check("istmd:" in entity, "the network entity is istmd's: %s" % entity[:300])

    # Changes reach the server within 2 s.
    t0 = time.monotonic()
    iqn2 = env.istmctl("target", "create", "isns-two", "--json", json_out=True)["iqn"]
    env.check(wait_for(lambda: iqn2 in isns.nodes(), 2), "a created target shows within 2 s (%.2f s)"
              % (time.monotonic() - t0))
    env.istmctl("target", "set", "isns-two", "--name", "isns-2")
    env.check(wait_for(lambda: isns.listed_nodes().get(iqn2, ("", ""))[1] == "isns-2", 2),
              "a renamed target's alias follows within 2 s: %s" % (isns.listed_nodes().get(iqn2),))
    extra = ("127.0.15.4", "3262")
    env.istmctl("portal", "enable", "%s:%s" % extra)
    env.check(wait_for(lambda: extra in isns.portals(), 2),
              "a listener added with SetPortalConfig is registered within 2 s: %s" % isns.portals())
    env.istmctl("portal", "disable", "%s:%s" % extra)
    env.check(wait_for(lambda: extra not in isns.portals(), 2),
              "and deregistered within 2 s when disabled: %s" % isns.portals())
    env.istmctl("target", "disable", "isns-2")
    env.check(wait_for(lambda: iqn2 not in isns.nodes(), 2), "a disabled target goes within 2 s")
    env.istmctl("target", "enable", "isns-2")
    env.check(wait_for(lambda: iqn2 in isns.nodes(), 2), "enabled again: back within 2 s")
    env.istmctl("target", "delete", "isns-2")
    env.check(wait_for(lambda: iqn2 not in isns.nodes(), 2), "a deleted target goes within 2 s")
    env.check(iqn1 in isns.nodes(), "the other target stays")

    # Discovery domain of a target with initiator IQNs: only they discover it.
    for ini in (ALLOWED, OTHER):
        rc, out = isns.register_initiator(ini)
        env.check(rc == 0, "isnsadm --register initiator=%s: %s" % (ini, out.strip()))
    env.check(iqn1 in isns.visible(OTHER), "with no initiator IDs every initiator discovers it")
    env.istmctl("allow", "isns-one", ALLOWED, INI)
    env.check(wait_for(lambda: iqn1 in isns.visible(ALLOWED) and iqn1 not in isns.visible(OTHER), 3),
              "allowed %s: a discovery domain; %s no longer discovers it"
              % (ALLOWED, OTHER))

    # An initiator registered in isnsd and allowed shows in EnumCachedInitiators.
    rc, out = isns.register_initiator(INI)
    env.check(rc == 0, "isnsadm --register initiator=%s: %s" % (INI, out.strip()))
    env.check(wait_for(lambda: INI in cached(env) and ALLOWED in cached(env), 4),
              "EnumCachedInitiators lists %s and %s: %s" % (INI, ALLOWED, cached(env)))
    got = cached(env)
    env.check(OTHER not in got, "but not %s, which none of istmd's targets sees" % OTHER)
    env.check(got[INI] > 116444736000000000, "with a FILETIME: %d" % got[INI])
    listed = env.istmctl("isns", "initiators", "--json", json_out=True)["initiators"]
    env.check(any(i["iqn"] == INI for i in listed), "istmctl isns initiators: %s" % listed)

    # isnsd killed and restarted with an empty database: back within the period.
    isns.kill()
    isns.start(fresh=True)
    env.check(iqn1 not in isns.nodes(), "a fresh isnsd knows nothing")
    t0 = time.monotonic()
    env.check(wait_for(lambda: iqn1 in isns.nodes(), PERIOD),
              "after isnsd's restart the registration is back within the period (%.1f s)"
              % (time.monotonic() - t0))

    # istmd stops: deregistered; starts: registered again.
    env.stop_istmd()
    env.check(iqn1 not in isns.nodes(), "istmd's shutdown deregisters: %s" % isns.nodes())
    env.start_istmd()
    env.check(servers(env) == [SERVER], "the server list survives istmd's restart")
    env.check(wait_for(lambda: iqn1 in isns.nodes(), 3), "istmd's start registers again: %s"
              % isns.nodes())

    # istmctl
    listed = env.istmctl("isns", "list", "--json", json_out=True)["servers"]
    env.check(listed == [SERVER], "istmctl isns list: %s" % listed)
    env.istmctl("isns", "add", "127.0.15.9")
    env.check("127.0.15.9" in servers(env), "istmctl isns add")
    env.istmctl("isns", "remove", "127.0.15.9")
    env.istmctl("isns", "remove", "127.0.15.9", expect=4)
    env.check(servers(env) == [SERVER], "istmctl isns remove (and again: exit 4)")

    # RemoveSnsServer deregisters.
    m = sns(env)  # the one from before istmd's restart is gone
    env.check(call(m, n.ISnsMgr_RemoveSnsServer(SnsServerName=n.bstr("nowhere")))["ErrorCode"]
              == n.hresult_from_win32(2), "RemoveSnsServer of an unknown server: ERROR_FILE_NOT_FOUND")
    env.check(call(m, n.ISnsMgr_RemoveSnsServer(SnsServerName=n.bstr(SERVER)))["ErrorCode"] == n.S_OK,
              "RemoveSnsServer")
    env.check(wait_for(lambda: iqn1 not in isns.nodes(), 2), "its registrations are gone within 2 s")
    env.check(servers(env) == [], "EnumSnsServers: empty")
    env.check(wait_for(lambda: cached(env) == {}, 2), "EnumCachedInitiators: empty without servers")


if __name__ == "__main__":
    skip_unless_possible()
    if not (os.access(ISNSD, os.X_OK) and os.access(ISNSADM, os.X_OK)):
        print("# skipped: isnsd/isnsadm (open-isns-server, open-isns-utils) are not installed")
        raise SystemExit(77)
    if port_open(ISNS_ADDR, ISNS_PORT):
        print("# skipped: something (a system isnsd on the wildcard address?) listens on %s"
              % SERVER)
        raise SystemExit(77)
    env = Env(__doc__)
    env.extra_conf = ["[isns]", "period = %d" % PERIOD, "query_interval = 1", "timeout_ms = 1000"]
    env.isnsd = Isnsd(env.dir)

    def run(e):
        try:
            env.isnsd.start(fresh=True)
            body(e)
        finally:
            env.isnsd.kill()
    raise SystemExit(env.finish(run))
