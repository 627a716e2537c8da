#!/usr/bin/python3
"""Status notifications (issue 14 items 1-2, MS-ISTM 3.41, 3.42, 3.52.4.9-10).

istmd (127.0.14.1, private tgtd on control port 1400) calls back the
IStatusNotify objects of notify_console (127.0.14.2: its own OXID resolver
and exporter, built on istmd's RPC/DCOM server code) as account "istmdcb"
with NTLM at integrity ([notify]). Checked:
 - every event of 3.42.4.1 gives LunListChanged(cookie) within 1 s of the
   change's completion, device status changes give LunStatusUpdate;
 - istmd pings the sink's OID (the console collects objects nobody pings
   after 2 x 2 s): a registered object survives, an unregistered one goes;
 - UnregisterNotification stops the calls;
 - a sink returning an error gets no more calls;
 - a sink whose resolver accepts TCP and never answers (127.0.14.3) and one
   whose address drops SYNs (127.0.14.4, a full accept queue) slow neither a
   burst of 100 target changes (measured against the same burst without
   them) nor the good sink;
 - restart: registrations are dropped (docs/notifications.md says why), a
   console registers again.
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "istm"))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

console_bin = None
if "--console" in sys.argv:
    i = sys.argv.index("--console")
    console_bin = sys.argv[i + 1]
    del sys.argv[i:i + 2]

import istm_ndr as n  # noqa: E402
from impacket.dcerpc.v5.dcomrt import PMInterfacePointer  # noqa: E402
from impacket.dcerpc.v5.dtypes import ULONG  # noqa: E402
from istm_client import Client, call, interface  # noqa: E402
from e2e_env import ADMIN, ADMIN_PASSWORD, EPM_PORT, Env, Failure, skip_unless_possible  # noqa: E402

n.method("IWTGeneral", "RegisterNotification", 11,
         ins=(("pStatusNotify", PMInterfacePointer), ("lCookie", ULONG)))
n.method("IWTGeneral", "UnregisterNotification", 12, ins=(("pStatusNotify", PMInterfacePointer),))

CONSOLE_ADDR = "127.0.14.2"
HANG_ADDR = "127.0.14.3"
DROP_ADDR = "127.0.14.4"
CONSOLE_EPM, CONSOLE_OBJ = 1135, 1136
CB_USER, CB_PASSWORD = "istmdcb", "Secret-callback-1"


class Console:
    def __init__(self, env):
        self.env = env
        self.log = os.path.join(env.dir, "console.log")
        users = os.path.join(env.dir, "console_users")
        r = subprocess.run([env.args.istmctl, "user", "add", "--users-file", users, "--admin",
                            CB_USER], input=CB_PASSWORD + "\n", capture_output=True, text=True,
                           timeout=10)
        if r.returncode != 0:
            raise Failure("istmctl user add (console): " + r.stderr)
        open(self.log, "w").close()
        self.p = subprocess.Popen([console_bin, "--listen", CONSOLE_ADDR, "--epm-port",
                                   str(CONSOLE_EPM), "--object-port", str(CONSOLE_OBJ),
                                   "--users", users, "--log", self.log, "--ping-period", "2"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=open(os.path.join(env.dir, "console.err"), "w"),
                                  text=True)
        if self.p.stdout.readline().strip() != "ready":
            raise Failure("the console did not start")

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        out = self.p.stdout.readline().strip()
        if out.startswith("error") or not out:
            raise Failure("console %s: %s" % (line, out))
        return out

    def new(self, mode="ok"):
        _, oid, hexdata = self.cmd("new " + mode).split()
        return int(oid), bytes.fromhex(hexdata)

    def fake(self, addr, port):
        return bytes.fromhex(self.cmd("fake %s %d" % (addr, port)).split()[2])

    def count(self):
        return int(self.cmd("count").split()[1])

    def calls(self, since=0.0):
        """[(monotonic seconds, object id, method, cookie, rest...)]"""
        out = []
        with open(self.log) as f:
            for line in f:
                p = line.split()
                if len(p) >= 4 and int(p[0]) / 1000.0 >= since:
                    out.append((int(p[0]) / 1000.0, int(p[1]), p[2], int(p[3])) + tuple(
                        int(x) for x in p[4:]))
        return out

    def wait_call(self, since, oid, method, limit=1.0, extra=None):
        """The first METHOD call to object OID at or after SINCE, waiting at
        most LIMIT seconds after SINCE; None if none came."""
        deadline = since + limit + 0.5
        while time.monotonic() < deadline:
            for c in self.calls(since):
                if c[1] == oid and c[2] == method and (extra is None or extra(c)):
                    return c
            time.sleep(0.02)
        return None

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def general(env):
    c = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD)
    return c.activate(n.CLSID_WTGENERAL, n.IWTGENERAL)


def mip_request(cls, data, **fields):
    req = cls(**fields)
    req["pStatusNotify"]["ulCntData"] = len(data)
    req["pStatusNotify"]["abData"] = list(data)
    return req


def register(env, g, data, cookie):
    r = call(g, mip_request(n.IWTGeneral_RegisterNotification, data, lCookie=cookie))
    return r["ErrorCode"]


def unregister(env, g, data):
    return call(g, mip_request(n.IWTGeneral_UnregisterNotification, data))["ErrorCode"]


class HangListener:
    """Accepts TCP connections and never reads or answers."""

    def __init__(self, addr, port):
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind((addr, port))
        self.s.listen(16)
        self.conns = []
        self.stop = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        self.s.settimeout(0.2)
        while not self.stop:
            try:
                self.conns.append(self.s.accept()[0])
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.t.join(2)
        for c in self.conns:
            c.close()
        self.s.close()


class DropListener:
    """An address that drops SYNs: a listener whose accept queue is full
    (backlog 0, one connection waiting, never accepted)."""

    def __init__(self, addr, port):
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind((addr, port))
        self.s.listen(0)
        self.fillers = []
        for _ in range(2):
            f = socket.socket()
            f.setblocking(False)
            try:
                f.connect((addr, port))
            except BlockingIOError:
                pass
            self.fillers.append(f)
        time.sleep(0.2)

    def close(self):
        for f in self.fillers:
            f.close()
        self.s.close()


def istmctl_timed(env, *args):
    """Runs istmctl; (when it started, when it ended): the change happens
    in between, its notification is due within 1 s of the end."""
    start = time.monotonic()
    env.istmctl(*args)
    return start, time.monotonic()


def body(env):
    console = Console(env)
    env.console = console
    try:
        run(env, console)
    finally:
        console.stop()
    with open(os.path.join(env.dir, "console.err"), errors="replace") as f:
        env.check(not re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:", f.read()),
                  "no sanitizer report from the console")


def run(env, console):
    g = general(env)
    a_id, a = console.new("ok")
    t0 = time.monotonic()
    env.check(register(env, g, a, 101) == n.S_OK, "RegisterNotification of console object A")
    env.check(time.monotonic() - t0 < 1.0, "RegisterNotification answers at once")

    # Pinging: the console collects objects nobody pings after 2 x 2 s.
    time.sleep(5.5)
    env.check(console.count() == 1, "A is still alive after 5.5 s: istmd pings its OID")

    vhd = os.path.join(env.storage, "a.vhd")

    def expect_list(what, t):
        c = console.wait_call(t[0], a_id, "LunListChanged", limit=t[1] - t[0] + 1.0)
        env.check(c is not None and c[3] == 101,
                  "%s: LunListChanged(101) within 1 s (%s)"
                  % (what, "%+.0f ms after the change's end" % ((c[0] - t[1]) * 1000)
                     if c else "none"))

    def expect_status(what, t, wtd, status):
        c = console.wait_call(t[0], a_id, "LunStatusUpdate", limit=t[1] - t[0] + 1.0,
                              extra=lambda c: c[4] == wtd and c[5] == status)
        env.check(c is not None and c[3] == 101,
                  "%s: LunStatusUpdate(101, wtd %d, status %d) within 1 s" % (what, wtd, status))

    t = istmctl_timed(env, "disk", "create", vhd, "--size", "16M")
    expect_list("a LUN created", t)
    wtd = env.istmctl("disk", "list", "--json", json_out=True)["disks"][0]["wtd"]
    env.istmctl("target", "create", "t1")
    t = istmctl_timed(env, "map", "t1", str(wtd))
    expect_list("a LUN assignment added", t)
    expect_status("the device is in use", t, wtd, 1)
    t = istmctl_timed(env, "target", "disable", "t1")
    expect_list("a target stopped using a LUN", t)
    t = istmctl_timed(env, "target", "enable", "t1")
    expect_list("a target started using a LUN", t)
    t = istmctl_timed(env, "disk", "set", str(wtd), "--disable")
    expect_list("a disk disabled", t)
    t = istmctl_timed(env, "disk", "set", str(wtd), "--enable")
    expect_list("a disk enabled", t)
    t = istmctl_timed(env, "unmap", "t1", str(wtd))
    expect_list("a LUN assignment removed", t)
    expect_status("the device is idle", t, wtd, 0)
    t = istmctl_timed(env, "disk", "delete", str(wtd))
    expect_list("a LUN deleted", t)

    # A sink that returns an error gets no more calls (3.42.4.x).
    b_id, b = console.new("error")
    env.check(register(env, g, b, 202) == n.S_OK, "RegisterNotification of B (answers E_FAIL)")
    time.sleep(0.5)
    since = time.monotonic()
    env.istmctl("disk", "create", os.path.join(env.storage, "b.vhd"), "--size", "8M")
    time.sleep(0.3)
    env.istmctl("disk", "create", os.path.join(env.storage, "c.vhd"), "--size", "8M")
    time.sleep(1.0)
    got_b = [c for c in console.calls(since) if c[1] == b_id]
    got_a = [c for c in console.calls(since) if c[1] == a_id]
    env.check(len(got_b) == 1, "B got one call, then no more (%d)" % len(got_b))
    env.check(len(got_a) >= 2, "A got both (%d)" % len(got_a))

    # The burst: 100 target changes (a LUN's target enabled and disabled
    # through IHost), without then with hostile sinks.
    disks = env.istmctl("disk", "list", "--json", json_out=True)["disks"]
    env.istmctl("map", "t1", str(disks[0]["wtd"]))
    hosts = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD).activate(n.CLSID_HOSTMGR,
                                                                       n.IHOSTMGR)
    host = interface(hosts, call(hosts, n.IHostMgr_GetHost(HostName=n.bstr("t1")))["ppHost"])

    def burst():
        """100 changes: (start, start of the last change, end)."""
        start = time.monotonic()
        for i in range(100):
            last = time.monotonic()
            for req in (n.IHost_put_Enable(bEnable=i % 2), n.IHost_Save()):
                if call(host, req)["ErrorCode"] != n.S_OK:
                    raise Failure("burst: %s failed" % type(req).__name__)
        return start, last, time.monotonic()

    s0, l0, e0 = burst()
    baseline = e0 - s0
    env.ok("burst of 100 target changes without hostile sinks: %.2f s" % baseline)
    last = console.wait_call(l0, a_id, "LunListChanged", limit=e0 - l0 + 1.0)
    env.check(last is not None, "A hears about the end of the burst within 1 s")

    hang = HangListener(HANG_ADDR, 1135)
    drop = DropListener(DROP_ADDR, 1135)
    try:
        t0 = time.monotonic()
        env.check(register(env, g, console.fake(HANG_ADDR, 1135), 303) == n.S_OK
                  and register(env, g, console.fake(DROP_ADDR, 1135), 404) == n.S_OK,
                  "RegisterNotification of a hanging and a dropping sink")
        env.check(time.monotonic() - t0 < 1.0, "both registrations answered at once")
        # Another account registering more than max_sinks_per_account (6)
        # loses its own oldest registration, not A.
        r = subprocess.run([env.args.istmctl, "user", "add", "--users-file",
                            os.path.join(env.dir, "users"), "--admin", "carol"],
                           input="Secret-carol-3\n", capture_output=True, text=True, timeout=10)
        env.check(r.returncode == 0, "a second admin account, carol")
        time.sleep(1.1)  # the users file is read again at most once a second
        fakes = [console.fake(HANG_ADDR, 1135) for _ in range(7)]
        results = []

        def as_carol():
            # impacket shares object connections per thread: carol's own
            gc = Client(env.addr, EPM_PORT, "carol", "Secret-carol-3").activate(
                n.CLSID_WTGENERAL, n.IWTGENERAL)
            for cookie, data in zip(range(600, 607), fakes):
                results.append(register(env, gc, data, cookie))

        t = threading.Thread(target=as_carol)
        t.start()
        t.join(30)
        env.check(results == [n.S_OK] * 7, "carol registered 7 sinks")
        with open(env.log, errors="replace") as f:
            text = f.read()
        env.check("carol has 6 registrations (max_sinks_per_account): the oldest (cookie 600)"
                  in text, "carol's 7th registration dropped her oldest one")
        s1, l1, e1 = burst()
        with_hostile = e1 - s1
        env.check(with_hostile <= baseline * 2 + 1.0,
                  "burst with hostile sinks: %.2f s (without: %.2f s; bound 2x + 1 s)"
                  % (with_hostile, baseline))
        last = console.wait_call(l1, a_id, "LunListChanged", limit=e1 - l1 + 1.0)
        env.check(last is not None, "A still hears about the end of the burst within 1 s")
        calls = [c for c in console.calls(s1) if c[1] == a_id]
        env.check(len(calls) >= 2, "A got %d calls for 100 changes (bursts coalesce)" % len(calls))
        # the hostile sinks are given up within [notify] timeout
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with open(env.log, errors="replace") as f:
                text = f.read()
            if "(cookie 303) stopped" in text and "(cookie 404) stopped" in text:
                break
            time.sleep(0.2)
        env.check("(cookie 303) stopped" in text and "(cookie 404) stopped" in text,
                  "the hanging and dropping sinks were given up after the timeout")
    finally:
        hang.close()
        drop.close()

    # UnregisterNotification stops the calls, and the pings: the console
    # collects A.
    env.check(unregister(env, g, a) == n.S_OK, "UnregisterNotification of A")
    since = time.monotonic()
    env.istmctl("target", "disable", "t1")
    time.sleep(1.5)
    env.check(not [c for c in console.calls(since) if c[1] == a_id],
              "no call to A after UnregisterNotification")
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and console.count() != 0:
        time.sleep(0.2)
    env.check(console.count() == 0, "A was collected once istmd stopped pinging it")
    with open(env.log, errors="replace") as f:
        env.check("status notifications: sink 1 released" in f.read(),
                  "istmd sent RemRelease for A's references")

    # Restart: registrations are dropped (docs/notifications.md).
    c_id, c = console.new("ok")
    env.check(register(env, g, c, 505) == n.S_OK, "RegisterNotification of C")
    env.stop_istmd()
    env.start_istmd()
    since = time.monotonic()
    env.istmctl("target", "enable", "t1")
    time.sleep(1.5)
    env.check(not [x for x in console.calls(since) if x[1] == c_id],
              "after a restart, C is no longer called (registrations are dropped)")
    g = general(env)
    env.check(register(env, g, c, 506) == n.S_OK, "C registers again")
    t = istmctl_timed(env, "target", "disable", "t1")
    x = console.wait_call(t[0], c_id, "LunListChanged", limit=t[1] - t[0] + 1.0)
    env.check(x is not None and x[3] == 506, "C is called with its new cookie")


def main():
    skip_unless_possible()
    if console_bin is None:
        print("# skip: no --console")
        sys.exit(77)
    env = Env(__doc__)
    env.extra_conf += [
        "[notify]", "auth = ntlm", "user = " + CB_USER,
        "password_file = " + os.path.join(env.dir, "cb_password"), "level = integrity",
        "timeout = 4", "ping_period = 1", "max_sinks_per_account = 6",
        # the console and the hostile sinks are not where impacket calls from
        "only_caller_address = no",
    ]
    with open(os.path.join(env.dir, "cb_password"), "w") as f:
        f.write(CB_PASSWORD + "\n")
    sys.exit(env.finish(body))


if __name__ == "__main__":
    main()
