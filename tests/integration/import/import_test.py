#!/usr/bin/python3
"""ImportWTDisk of a client's IWTDisk object (issue 12 item 4, MS-ISTM 3.46.4.9).

istmd (127.0.22.1, private tgtd on control port 2200) is given, over the
wire (impacket), the OBJREF of an IWTDisk object of import_console
(127.0.22.2: its own OXID resolver and exporter on istmd's RPC/DCOM server
code). istmd calls it back as account "istmdcb" (NTLM at integrity,
[notify]) for its DevicePath, a dynamic VHD made by qemu-img in the storage
root, and registers it: `istmctl disk list` shows it with its virtual size.
A second import of the same file is ERROR_ALREADY_EXISTS; a path outside
the roots E_ACCESSDENIED; with only_caller_address = yes the console (not
the caller's address) is refused without being called; a console that is
not there RPC_S_SERVER_UNAVAILABLE.
"""
import os
import re
import subprocess
import sys

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
from istm_client import Client, call  # noqa: E402
from e2e_env import ADMIN, ADMIN_PASSWORD, EPM_PORT, Env, Failure, skip_unless_possible  # noqa: E402

n.method("IWTDiskMgr", "ImportWTDisk", 11, ins=(("pWTDisk", PMInterfacePointer),))

CONSOLE_ADDR = "127.0.22.2"
CONSOLE_EPM, CONSOLE_OBJ = 2235, 2236
CB_USER, CB_PASSWORD = "istmdcb", "Secret-callback-1"
MIB = 1024 * 1024
E_ACCESSDENIED = 0x80070005
E_INVALIDARG = 0x80070057
ERROR_ALREADY_EXISTS = 0x800700B7
RPC_S_SERVER_UNAVAILABLE = 0x800706BA


class Console:
    def __init__(self, env):
        users = os.path.join(env.dir, "console_users")
        r = subprocess.run([env.args.istmctl, "user", "add", "--users-file", users, "--admin",
                            CB_USER], input=CB_PASSWORD + "\n", capture_output=True, text=True,
                           timeout=10)
        if r.returncode != 0:
            raise Failure("istmctl user add (console): " + r.stderr)
        self.p = subprocess.Popen([console_bin, "--listen", CONSOLE_ADDR, "--epm-port",
                                   str(CONSOLE_EPM), "--object-port", str(CONSOLE_OBJ),
                                   "--users", users],
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

    def new(self, path):
        return bytes.fromhex(self.cmd("new " + path).split()[1])

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def import_disk(mgr, data):
    req = n.IWTDiskMgr_ImportWTDisk()
    req["pWTDisk"]["ulCntData"] = len(data)
    req["pWTDisk"]["abData"] = list(data)
    return call(mgr, req)["ErrorCode"] & 0xFFFFFFFF


def manager(env):
    return Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD).activate(n.CLSID_WTDISKMGR,
                                                                      n.IWTDISKMGR)


def restart(env, only_caller):
    env.stop_istmd()
    env.extra_conf = [x for x in env.extra_conf if not x.startswith("only_caller_address")]
    env.extra_conf.append("only_caller_address = " + only_caller)
    env.start_istmd()
    return manager(env)


def body(env):
    vhd = os.path.join(env.storage, "dyn.vhd")
    r = subprocess.run(["qemu-img", "create", "-q", "-f", "vpc", "-o", "subformat=dynamic",
                        vhd, "64M"], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise Failure("qemu-img create: " + r.stderr)
    size = int(subprocess.run(["qemu-img", "info", "--output=json", "-f", "vpc", vhd],
                              capture_output=True, text=True, timeout=30).stdout
               .split('"virtual-size":')[1].split(",")[0])
    console = Console(env)
    try:
        mgr = manager(env)
        obj = console.new("D:\\dyn.vhd")
        hr = import_disk(mgr, obj)
        env.check(hr == 0, "ImportWTDisk of the console's object: 0x%08x" % hr)
        env.check(console.cmd("calls") == "calls 1", "istmd called get_DevicePath once")
        disks = env.istmctl("disk", "list", "--json", json_out=True)["disks"]
        env.check(len(disks) == 1 and disks[0]["path"] == "D:\\dyn.vhd"
                  and disks[0]["size"] == size,
                  "the dynamic VHD is registered with its virtual size (%d): %s" % (size, disks))
        hr = import_disk(mgr, console.new("D:\\dyn.vhd"))
        env.check(hr == ERROR_ALREADY_EXISTS, "the same file again: 0x%08x" % hr)
        hr = import_disk(mgr, console.new("/etc/passwd"))
        env.check(hr == E_ACCESSDENIED, "a path outside the roots: 0x%08x" % hr)
        # only_caller_address: the console is not where the caller is
        mgr = restart(env, "yes")
        hr = import_disk(mgr, console.new("D:\\dyn.vhd"))
        calls = console.cmd("calls")
        env.check(hr == E_INVALIDARG and calls == "calls 3",
                  "only_caller_address = yes: refused (0x%08x), the console not called (%s)"
                  % (hr, calls))
        mgr = restart(env, "no")
        dead = console.new("D:\\dyn.vhd")
    finally:
        console.stop()
    with open(os.path.join(env.dir, "console.err"), errors="replace") as f:
        env.check(not re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:", f.read()),
                  "no sanitizer report from the console")
    hr = import_disk(mgr, dead)
    env.check(hr == RPC_S_SERVER_UNAVAILABLE, "the console gone: 0x%08x" % hr)
    env.check(len(env.istmctl("disk", "list", "--json", json_out=True)["disks"]) == 1,
              "nothing else registered")


def main():
    skip_unless_possible()
    if console_bin is None:
        print("# skip: no --console")
        sys.exit(77)
    env = Env(__doc__)
    env.extra_conf += [
        "[notify]", "auth = ntlm", "user = " + CB_USER,
        "password_file = " + os.path.join(env.dir, "cb_password"), "level = integrity",
        "timeout = 4",
        # impacket calls from 127.0.22.1, the console is on .2
        "only_caller_address = no",
    ]
    with open(os.path.join(env.dir, "cb_password"), "w") as f:
        f.write(CB_PASSWORD + "\n")
    sys.exit(env.finish(body))


if __name__ == "__main__":
    main()
