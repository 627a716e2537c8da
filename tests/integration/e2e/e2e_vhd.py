#!/usr/bin/python3
"""Dynamic and differencing VHDs served as LUNs (issue 12 item 6): istmd
with a private tgtd serves them through istmd-vhdfs and a loop device.

- a dynamic disk: the LUN has the virtual size; 4 KiB written at scattered
  LBAs through iSCSI read back; the file grew by exactly the 2 MiB blocks
  written; it validates (our validator, vhdiinfo) and qemu-img and vhdimount
  read the same bytes;
- a differencing disk over a fixed parent holding a pattern: reads return
  the parent's data, writes land in the child (qemu-img reads them there),
  the parent's sha256 does not change;
- a three-level chain (fixed <- differencing <- differencing);
- unmapping stops the disk's istmd-vhdfs; a dead one is replaced.

Needs VHDMK and VHDCHECK in the environment (ctest sets them)."""
import hashlib
import os
import re
import signal
import subprocess
import sys
import time

from e2e_env import Env, skip_unless_possible

MIB = 1 << 20
INI = "iqn.2026-12.org.example:vhd"
VHDMK = os.environ.get("VHDMK", "")
VHDCHECK = os.environ.get("VHDCHECK", "")


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pattern(n, seed):
    return bytes(((i * 131 + seed) >> 3 ^ seed) & 0xFF for i in range(n))


def mk(env, *args):
    r = subprocess.run([VHDMK] + list(args), capture_output=True, text=True, timeout=30)
    env.check(r.returncode == 0, "vhdmk %s %s" % (args[0], os.path.basename(args[1]))
              + ("" if r.returncode == 0 else ": " + r.stderr))


def valid(env, path):
    r = subprocess.run([VHDCHECK, path], capture_output=True, text=True, timeout=30)
    env.check(r.returncode == 0, "%s validates (%s)" % (os.path.basename(path),
                                                      (r.stdout + r.stderr).strip()))


def vhdfs_pids(env):
    run = os.path.join(env.state, "vhdfs")
    pids = []
    if os.path.isdir(run):
        for name in os.listdir(run):
            if name.endswith(".pid"):
                try:
                    with open(os.path.join(run, name)) as f:
                        pids.append(int(f.read().strip()))
                except (OSError, ValueError):
                    pass
    return [p for p in pids if os.path.exists("/proc/%d" % p)]


def check_vhdfs_logs(env):
    """No sanitizer report in any istmd-vhdfs log (ASan builds)."""
    run = os.path.join(env.state, "vhdfs")
    bad = []
    if os.path.isdir(run):
        for name in os.listdir(run):
            if name.endswith(".log"):
                with open(os.path.join(run, name), errors="replace") as f:
                    text = f.read()
                if re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:", text):
                    bad.append(name + ":\n" + text[-3000:])
    env.check(not bad, "no sanitizer report from istmd-vhdfs" + "".join("\n" + b for b in bad))


def cleanup_vhdfs(env):
    for pid in vhdfs_pids(env):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    run = os.path.join(env.state, "vhdfs")
    if os.path.isdir(run):
        for name in os.listdir(run):
            p = os.path.join(run, name)
            if os.path.isdir(p):
                subprocess.run(["umount", "-l", p], capture_output=True, timeout=10)


class Lun:
    def __init__(self, env, target):
        self.env = env
        self.iqn = None
        self.target = target

    def write(self, lba, data):
        path = os.path.join(self.env.dir, "w.bin")
        with open(path, "wb") as f:
            f.write(data)
        rc, out = self.env.initiator(self.iqn, INI, "write", "1", str(lba), path)
        self.env.check(rc == 0, "write %d bytes at LBA %d of %s" % (len(data), lba, self.target)
                       + ("" if rc == 0 else ": " + out))

    def read(self, lba, blocks):
        path = os.path.join(self.env.dir, "r.bin")
        rc, out = self.env.initiator(self.iqn, INI, "read", "1", str(lba), str(blocks), path)
        if rc != 0:
            raise Exception("read at %d: %s" % (lba, out))
        with open(path, "rb") as f:
            return f.read()

    def capacity(self):
        rc, out = self.env.initiator(self.iqn, INI, "capacity", "1")
        self.last = out
        return int(out.strip().splitlines()[0]) if rc == 0 else -1


def serve(env, name, path):
    env.istmctl("disk", "create", path)
    t = env.istmctl("target", "create", name, "--json", json_out=True)
    env.istmctl("map", name, path)
    env.istmctl("allow", name, INI)
    lun = Lun(env, name)
    lun.iqn = t["iqn"] if "iqn" in t else t["target"]["iqn"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if lun.capacity() > 0:
            return lun
        time.sleep(0.2)
    raise Exception("%s never served: %s" % (name, lun.last))


def unserve(env, name, path):
    env.istmctl("target", "delete", name)
    env.istmctl("disk", "delete", path)


def dynamic(env):
    path = os.path.join(env.storage, "dyn.vhd")
    mk(env, "dynamic", path, str(64 * MIB))
    empty = os.path.getsize(path)
    lun = serve(env, "dyn", path)
    env.check(lun.capacity() == 64 * MIB, "the dynamic LUN has the virtual size")
    lbas = [0, 5000, 70000, 131000]  # blocks 0, 1, 17, 31
    model = {}
    for i, lba in enumerate(lbas):
        model[lba] = pattern(4096, i + 1)
        lun.write(lba, model[lba])
    env.check(all(lun.read(lba, 8) == model[lba] for lba in lbas), "scattered writes read back")
    env.check(lun.read(20000, 8) == bytes(4096), "unwritten blocks read zeros")
    env.check(os.path.getsize(path) == empty + 4 * (2 * MIB + 512),
              "the file grew by the 4 blocks written (%d -> %d)" % (empty, os.path.getsize(path)))
    valid(env, path)
    out = subprocess.run(["vhdiinfo", path], capture_output=True, text=True, timeout=30).stdout
    env.check("Dynamic" in out, "vhdiinfo: a dynamic disk")
    raw = os.path.join(env.dir, "dyn.raw")
    subprocess.run(["qemu-img", "convert", "-f", "vpc", "-O", "raw", path, raw], check=True,
                   timeout=60)
    with open(raw, "rb") as f:
        data = f.read()
    env.check(all(data[lba * 512:lba * 512 + 4096] == model[lba] for lba in lbas),
              "qemu-img reads the same bytes")
    mnt = os.path.join(env.dir, "vhdimount")
    os.makedirs(mnt)
    r = subprocess.run(["timeout", "20", "vhdimount", path, mnt], capture_output=True, text=True)
    if r.returncode == 0:
        try:
            with open(os.path.join(mnt, "vhdi1"), "rb") as f:
                ok = True
                for lba in lbas:
                    f.seek(lba * 512)
                    ok = ok and f.read(4096) == model[lba]
            env.check(ok, "vhdimount (read-only) shows the same bytes")
        finally:
            subprocess.run(["fusermount", "-u", mnt], capture_output=True, timeout=10)
    else:
        print("# vhdimount unavailable: %s" % r.stderr.strip())
    pids = vhdfs_pids(env)
    env.check(len(pids) == 1, "one istmd-vhdfs serves the dynamic disk")
    unserve(env, "dyn", path)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and vhdfs_pids(env):
        time.sleep(0.1)
    env.check(vhdfs_pids(env) == [], "unmapping stopped istmd-vhdfs")
    valid(env, path)


def grow(env):
    """GrowWtFile (MS-ISTM 3.30.4.7) of a served dynamic disk: the LUN shows
    the new size, old data stays, the new space is writable."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "istm"))
    import istm_ndr as n
    from istm_client import Client, hr
    from e2e_env import ADMIN, ADMIN_PASSWORD, EPM_PORT
    path = os.path.join(env.storage, "g.vhd")
    mk(env, "dynamic", path, str(16 * MIB))
    lun = serve(env, "g", path)
    old = pattern(4096, 21)
    lun.write(2048, old)
    devices = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD).activate(
        n.CLSID_LOCALDEVICEMGR, n.ILOCALDEVICEMGR3)
    req = n.ILocalDeviceMgr_GrowWtFile(FilePath=n.bstr("D:\\g.vhd"), hyAdditionalSize=48 * MIB)
    code = hr(devices, req)
    env.check(code == n.S_OK, "GrowWtFile of a served dynamic disk by 48 MiB (0x%08x)" % code)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and lun.capacity() != 64 * MIB:
        time.sleep(0.2)
    env.check(lun.capacity() == 64 * MIB, "the LUN shows 64 MiB")
    env.check(lun.read(2048, 8) == old, "the data written before the growth is there")
    new = pattern(4096, 22)
    lun.write(60 * 2048, new)
    env.check(lun.read(60 * 2048, 8) == new, "the new space takes writes")
    unserve(env, "g", path)
    valid(env, path)


def fixed_parent(env, name, size):
    path = os.path.join(env.storage, name)
    mk(env, "fixed", path, str(size))
    with open(path, "r+b") as f:
        chunk = pattern(MIB, 0x5A)
        for off in range(0, size, MIB):
            f.write(chunk)
    return path


def differencing(env):
    base = fixed_parent(env, "base.vhd", 32 * MIB)
    child = os.path.join(env.storage, "child.vhd")
    mk(env, "diff", child, base, "D:\\base.vhd", ".\\base.vhd")
    before = sha(base)
    lun = serve(env, "diff", child)
    env.check(lun.capacity() == 32 * MIB, "the differencing LUN has the parent's size")
    env.check(lun.read(2048, 16) == pattern(MIB, 0x5A)[:8192], "reads return the parent's data")
    new = pattern(4096, 7)
    lun.write(2048 + 8, new)
    got = lun.read(2048, 16)
    env.check(got[4096:8192] == new and got[:4096] == pattern(MIB, 0x5A)[:4096],
              "the write reads back, the parent's data around it too")
    env.check(sha(base) == before, "the parent's sha256 is unchanged")
    unserve(env, "diff", child)
    valid(env, child)
    raw = os.path.join(env.dir, "child.raw")
    subprocess.run(["qemu-img", "convert", "-f", "vpc", "-O", "raw", child, raw], check=True,
                   timeout=60)
    with open(raw, "rb") as f:
        f.seek((2048 + 8) * 512)
        env.check(f.read(4096) == new, "the write landed in the child (qemu-img reads it there)")
    env.check(sha(base) == before, "the parent is still unchanged")


def chain(env):
    base = fixed_parent(env, "l0.vhd", 16 * MIB)
    mid = os.path.join(env.storage, "l1.vhd")
    top = os.path.join(env.storage, "l2.vhd")
    mk(env, "diff", mid, base, "D:\\l0.vhd", ".\\l0.vhd")
    lun = serve(env, "mid", mid)
    mid_data = pattern(8192, 9)
    lun.write(100, mid_data)
    unserve(env, "mid", mid)
    mk(env, "diff", top, mid, "D:\\l1.vhd")  # absolute locator only
    sums = (sha(base), sha(mid))
    lun = serve(env, "top", top)
    top_data = pattern(4096, 11)
    lun.write(104, top_data)
    got = lun.read(96, 32)
    want = pattern(MIB, 0x5A)[96 * 512:128 * 512]
    want = want[:4 * 512] + mid_data[:4 * 512] + top_data + mid_data[12 * 512:] + want[20 * 512:]
    env.check(got == want, "a three-level chain reads base, middle and top data")
    env.check((sha(base), sha(mid)) == sums, "neither parent changed")
    unserve(env, "top", top)
    valid(env, top)


def main():
    skip_unless_possible()
    if not os.access("/dev/fuse", os.W_OK) or not VHDMK or not VHDCHECK:
        print("# skip: needs /dev/fuse, VHDMK and VHDCHECK")
        sys.exit(77)
    env = Env(__doc__)

    def body(env):
        dynamic(env)
        grow(env)
        differencing(env)
        chain(env)
        check_vhdfs_logs(env)

    detach = env.detach_loops
    env.detach_loops = lambda: (cleanup_vhdfs(env), detach())  # before the directory goes
    sys.exit(env.finish(body))


if __name__ == "__main__":
    main()
