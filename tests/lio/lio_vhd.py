#!/usr/bin/python3
"""Dynamic and differencing VHDs on LIO (issue 15): istmd in the guest
serves them through istmd-vhdfs (FUSE), a loop device and a fileio
backstore over it, as it does for tgt (docs/vhd-serving.md).

- a dynamic VHD (made with vhdmk, registered through MS-ISTM: IsValidWtDevice,
  CreateWTDisk), mapped: the LUN has the virtual size; 4 KiB written at
  scattered LBAs by libiscsi on the host read back; unwritten space reads
  zeros; the file grew by exactly the blocks written;
- GrowWtFile (MS-ISTM 3.30.4.7) of the mapped dynamic disk: the LUN shows
  the new size, the old data is there, the new space takes writes;
- after unmapping: istmd-vhdfs is gone, the file validates (vhdcheck) and
  qemu-img on the host reads every write at its byte offset;
- a differencing VHD made through MS-ISTM (CreateWtFile for the fixed
  parent, ILocalDeviceMgr3::CreateDiffWtFile for the child): reads return
  the parent's data, a write reads back and lands in the child at its
  offset and nowhere else (qemu-img), the parent's sha256 does not change.

    lio_vhd.py --istmd PATH --istmctl PATH --iscsi PATH --addr 127.0.35.N
        --tgt-port N --backend lio --lio-cache DIR
Needs VHDMK and VHDCHECK in the environment (ctest sets them).
"""
import hashlib
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "istm"))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "e2e"))
import istm_ndr as n  # noqa: E402
from istm_client import Client, hr  # noqa: E402
from e2e_env import ADMIN, ADMIN_PASSWORD, EPM_PORT, Env  # noqa: E402

MIB = 1 << 20
INI = "iqn.2026-12.org.example:lio-vhd"
VHDMK = os.environ.get("VHDMK", "")
VHDCHECK = os.environ.get("VHDCHECK", "")
SERVE_WAIT = 60  # TCG: a new istmd-vhdfs, a loop device and a backstore


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pattern(size, seed):
    return bytes(((i * 131 + seed) >> 3 ^ seed) & 0xFF for i in range(size))


def valid(env, path):
    r = subprocess.run([VHDCHECK, path], capture_output=True, text=True, timeout=60)
    env.check(r.returncode == 0, "%s validates (%s)" % (os.path.basename(path),
                                                      (r.stdout + r.stderr).strip()))


def raw_of(env, path):
    raw = os.path.join(env.dir, os.path.basename(path) + ".raw")
    subprocess.run(["qemu-img", "convert", "-f", "vpc", "-O", "raw", path, raw], check=True,
                   timeout=120)
    with open(raw, "rb") as f:
        data = f.read()
    os.unlink(raw)
    return data


def vhdfs_count(env):
    """istmd-vhdfs processes in the guest serving this test's disks."""
    out = env.guest.run("ps -eo args | grep '^[^ ]*istmd-vhdfs ' | grep -c -- '%s' || true"
                        % env.dir)[1]
    return int(out.strip().splitlines()[-1] or 0)


class Lun:
    def __init__(self, env, name, iqn):
        self.env, self.name, self.iqn, self.last = env, name, iqn, ""

    def capacity(self):
        rc, out = self.env.initiator(self.iqn, INI, "capacity", "1")
        self.last = out
        return int(out.strip().splitlines()[0]) if rc == 0 and out.strip() else -1

    def write(self, lba, data):
        path = os.path.join(self.env.dir, "w.bin")
        with open(path, "wb") as f:
            f.write(data)
        rc, out = self.env.initiator(self.iqn, INI, "write", "1", str(lba), path)
        self.env.check(rc == 0, "write %d bytes at LBA %d of %s" % (len(data), lba, self.name)
                       + ("" if rc == 0 else ": " + out))

    def read(self, lba, blocks):
        path = os.path.join(self.env.dir, "r.bin")
        rc, out = self.env.initiator(self.iqn, INI, "read", "1", str(lba), str(blocks), path)
        if rc != 0:
            raise Exception("read at %d of %s: %s" % (lba, self.name, out))
        with open(path, "rb") as f:
            return f.read()

    def wait_capacity(self, size):
        deadline = time.monotonic() + SERVE_WAIT
        while time.monotonic() < deadline:
            if self.capacity() == size:
                return True
            time.sleep(0.5)
        return False


def serve(env, name, path, size):
    """MS-ISTM 4.1-4.3 through istmctl: the disk, a target, the mapping and
    the initiator allowed; waits until the LUN answers with SIZE."""
    env.istmctl("disk", "create", path)
    t = env.istmctl("target", "create", name, "--json", json_out=True)
    env.istmctl("map", name, path)
    env.istmctl("allow", name, INI)
    lun = Lun(env, name, t["iqn"] if "iqn" in t else t["target"]["iqn"])
    started = time.monotonic()
    ok = lun.wait_capacity(size)
    env.check(ok, "%s is served with %d bytes (%.1f s)%s"
              % (name, size, time.monotonic() - started, "" if ok else ": " + lun.last))
    return lun


def unserve(env, name, path):
    env.istmctl("target", "delete", name)
    env.istmctl("disk", "delete", path)


def devices(env):
    return Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD).activate(
        n.CLSID_LOCALDEVICEMGR, n.ILOCALDEVICEMGR3)


def dynamic(env):
    path = os.path.join(env.storage, "dyn.vhd")
    r = subprocess.run([VHDMK, "dynamic", path, str(64 * MIB)], capture_output=True,
                       text=True, timeout=30)
    env.check(r.returncode == 0, "vhdmk dynamic dyn.vhd 64 MiB" + r.stderr)
    empty = os.path.getsize(path)
    lun = serve(env, "dyn", path, 64 * MIB)
    env.check(vhdfs_count(env) == 1, "one istmd-vhdfs in the guest serves it")
    lbas = [0, 5000, 70000, 131000]  # 2 MiB blocks 0, 1, 17, 31
    model = {lba: pattern(4096, i + 1) for i, lba in enumerate(lbas)}
    for lba in lbas:
        lun.write(lba, model[lba])
    env.check(all(lun.read(lba, 8) == model[lba] for lba in lbas), "scattered writes read back")
    env.check(lun.read(20000, 8) == bytes(4096), "unwritten blocks read zeros")
    env.check(os.path.getsize(path) == empty + 4 * (2 * MIB + 512),
              "the file grew by the 4 blocks written (%d -> %d)" % (empty, os.path.getsize(path)))

    # GrowWtFile of the mapped disk
    code = hr(devices(env), n.ILocalDeviceMgr_GrowWtFile(FilePath=n.bstr("D:\\dyn.vhd"),
                                                         hyAdditionalSize=64 * MIB))
    env.check(code == n.S_OK, "GrowWtFile of the mapped dynamic disk by 64 MiB (0x%08x)" % code)
    started = time.monotonic()
    ok = lun.wait_capacity(128 * MIB)
    env.check(ok, "the LUN shows 128 MiB after the growth (%.1f s)%s"
              % (time.monotonic() - started, "" if ok else ": capacity " + lun.last))
    env.check(lun.read(5000, 8) == model[5000], "the data written before the growth is there")
    new_lba = 100 * 2048 + 24  # 100 MiB + 12 KiB: in the new space
    model[new_lba] = pattern(4096, 99)
    lun.write(new_lba, model[new_lba])
    env.check(lun.read(new_lba, 8) == model[new_lba], "the new space takes writes")

    unserve(env, "dyn", path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and vhdfs_count(env):
        time.sleep(0.5)
    env.check(vhdfs_count(env) == 0, "unmapping stopped istmd-vhdfs")
    valid(env, path)
    data = raw_of(env, path)
    env.check(len(data) == 128 * MIB, "qemu-img: 128 MiB of data")
    env.check(all(data[lba * 512:lba * 512 + 4096] == model[lba] for lba in model),
              "qemu-img reads every write at its byte offset in the VHD")
    env.check(data[20000 * 512:20000 * 512 + 4096] == bytes(4096), "and zeros elsewhere")


def differencing(env):
    base = os.path.join(env.storage, "base.vhd")
    child = os.path.join(env.storage, "child.vhd")
    mgr = devices(env)
    code = hr(mgr, n.ILocalDeviceMgr_CreateWtFile(FilePath=n.bstr("D:\\base.vhd"),
                                                  hyFileSize=32 * MIB, bSparse=1))
    env.check(code == n.S_OK, "CreateWtFile D:\\base.vhd, 32 MiB (0x%08x)" % code)
    parent_data = pattern(MIB, 0x5A) * 32
    with open(base, "r+b") as f:  # a fixed VHD: the data from offset 0
        f.write(parent_data)
    code = hr(mgr, n.ILocalDeviceMgr3_CreateDiffWtFile(FilePath=n.bstr("D:\\child.vhd"),
                                                       ParentPath=n.bstr("D:\\base.vhd")))
    env.check(code == n.S_OK, "CreateDiffWtFile D:\\child.vhd over D:\\base.vhd (0x%08x)" % code)
    before = sha(base)
    lun = serve(env, "diff", child, 32 * MIB)
    env.check(lun.read(2048, 16) == parent_data[2048 * 512:2064 * 512],
              "reads return the parent's data")
    new = pattern(4096, 7)
    lun.write(2048 + 8, new)
    got = lun.read(2048, 16)
    env.check(got[4096:] == new and got[:4096] == parent_data[2048 * 512:2056 * 512],
              "the write reads back, the parent's data around it too")
    env.check(sha(base) == before, "the parent's sha256 is unchanged")
    unserve(env, "diff", child)
    valid(env, child)
    data = raw_of(env, child)
    off = (2048 + 8) * 512
    env.check(data[off:off + 4096] == new, "the write landed in the child (qemu-img reads it)")
    # qemu's vpc driver does not read through to the parent: the sectors
    # the child does not hold read as zeros there
    env.check(data[:off].count(0) == off and data[off + 4096:].count(0) == len(data) - off - 4096,
              "the child holds nothing else (qemu-img reads zeros around the write)")
    env.check(sha(base) == before, "the parent is still unchanged")


def check_vhdfs_logs(env):
    """No sanitizer report from istmd-vhdfs in the guest (ASan builds):
    its logs are in the shared state directory."""
    run = os.path.join(env.state, "vhdfs")
    bad = []
    for name in sorted(os.listdir(run)) if os.path.isdir(run) else []:
        if name.endswith(".log"):
            with open(os.path.join(run, name), errors="replace") as f:
                text = f.read()
            if re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:", text):
                bad.append(name + ":\n" + text[-3000:])
    env.check(not bad, "no sanitizer report from istmd-vhdfs" + "".join("\n" + b for b in bad))


def body(env):
    rc, out = env.guest.run("test -c /dev/fuse && test -e /dev/loop-control && "
                            "grep -qw fuse /proc/filesystems && echo ok")
    if "ok" not in out:
        raise env._lio.Skip("the guest has no FUSE or loop devices (rebuild the guest "
                            "with scripts/lio-guest.sh): " + out.strip())
    vhdfs = os.path.join(os.path.dirname(env.args.istmd), "istmd-vhdfs")
    env.check(os.access(vhdfs, os.X_OK), "istmd-vhdfs is built next to istmd")
    dynamic(env)
    differencing(env)
    check_vhdfs_logs(env)


def main():
    if not VHDMK or not VHDCHECK:
        print("# skip: needs VHDMK and VHDCHECK")
        sys.exit(77)
    env = Env(__doc__)
    sys.exit(env.finish(body))


if __name__ == "__main__":
    main()
