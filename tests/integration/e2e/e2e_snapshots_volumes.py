#!/usr/bin/python3
"""Snapshots per volume, and ImportSnapshot, over the wire (issue 13).

istmd and a private tgtd with TWO storage roots, each a loop-mounted image:
XFS with reflink=1 (D:) and ext4 (E:). Through impacket (MS-ISTM over DCOM)
and istmctl:

- IWTGeneral IsSnapshotsSupported is S_OK (a root can); IWTDisk
  SnapshotStoragePath / SnapshotStorageSize tell the truth per disk: the
  XFS disk's own volume "D:\\" and -1 (as large as needed), the ext4 disk's
  "" and 0;
- pattern A written through iSCSI to the XFS disk, snapshot, pattern B: the
  snapshot reads A (and shares the disk's extents), the LUN reads B;
- the ext4 disk: PrepareCreateSnapshot is VSS_E_VOLUME_NOT_SUPPORTED
  (MS-ISTM 2.2.1, "shadow copying the specified volume is not supported"),
  `istmctl snapshot create` says why, nothing is left on either volume;
- a set over both disks is refused as a whole: no snapshot, no file, and
  the next snapshot of the XFS disk alone is one snapshot (the refused set
  left nothing prepared behind);
- ImportSnapshot (MS-ISTM 3.38.4.7): istmd's own ISnapshot pointer of a
  registered snapshot is ERROR_ALREADY_EXISTS; a snapshot file restored
  after a delete (a backup's copy) is imported by the ISnapshot object of a
  console (import_console, on 127.0.32.3, called back by istmd for Id,
  OrigWTD and TimeStamp) and reads A; the console's object naming the wrong
  disk is E_INVALIDARG, an id without a file ERROR_FILE_NOT_FOUND; an
  imported snapshot survives a restart and rolls the disk back to A.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "istm"))

import istm_ndr as n  # noqa: E402
from impacket.dcerpc.v5.dcom.oaut import BSTR  # noqa: E402
from impacket.dcerpc.v5.dcomrt import PMInterfacePointer  # noqa: E402
from impacket.dcerpc.v5.dtypes import GUID, LONGLONG, ULONG  # noqa: E402
from impacket.uuid import string_to_bin  # noqa: E402
from istm_client import Client, call, interface  # noqa: E402
from e2e_env import (ADMIN, ADMIN_PASSWORD, EPM_PORT, Env, Failure,  # noqa: E402
                     skip_unless_possible)

n.method("IWTDisk", "get_SnapshotStoragePath", 20, outs=(("pSnapshotStoragePath", BSTR),))
n.method("IWTDisk", "get_SnapshotStorageSize", 22, outs=(("pSize", LONGLONG),))
n.method("ISnapshotMgr", "GetSnapshot", 4, ins=(("SnapshotId", GUID),),
         outs=(("ppSnapshot", PMInterfacePointer),))
n.method("ISnapshotMgr", "PrepareCreateSnapshot", 5, ins=(("nWTD", ULONG), ("pSnapshotId", GUID)),
         outs=(("pSnapshotId", GUID),))
n.method("ISnapshotMgr", "DeleteSnapshot", 8, ins=(("SnapshotId", GUID),))
n.method("ISnapshotMgr", "ImportSnapshot", 9, ins=(("pSnapshot", PMInterfacePointer),))
n.IIDS.setdefault("ISnapshotMgr", n.ISNAPSHOTMGR)

INI = "iqn.2024-02.org.example:snapvol"
BLOCKS = 128
CONSOLE = os.environ.get("IMPORT_CONSOLE", "")
CONSOLE_ADDR, CONSOLE_EPM, CONSOLE_OBJ = "127.0.32.3", 3235, 3236
CB_USER, CB_PASSWORD = "istmdcb", "Secret-callback-1"
S_OK = 0
E_INVALIDARG = 0x80070057
ERROR_FILE_NOT_FOUND = 0x80070002
ERROR_ALREADY_EXISTS = 0x800700B7
VSS_E_VOLUME_NOT_SUPPORTED = 0x8004230C


def u32(x):
    return x & 0xFFFFFFFF


def guid(text):
    g = GUID()
    g["Data"] = string_to_bin(text) if text else b"\0" * 16
    return g


def pattern(path, byte):
    with open(path, "wb") as f:
        f.write(bytes([byte]) * (BLOCKS * 512))


def first_bytes(path):
    with open(path, "rb") as f:
        return set(f.read(BLOCKS * 512))


def files_below(path):
    return [os.path.join(r, f) for r, _, fs in os.walk(path) for f in fs]


class Console:
    """import_console: an ISnapshot object server of a test console."""

    def __init__(self, env):
        users = os.path.join(env.dir, "console_users")
        r = subprocess.run([env.args.istmctl, "user", "add", "--users-file", users, "--admin",
                            CB_USER], input=CB_PASSWORD + "\n", capture_output=True, text=True,
                           timeout=10)
        if r.returncode != 0:
            raise Failure("istmctl user add (console): " + r.stderr)
        self.p = subprocess.Popen([CONSOLE, "--listen", CONSOLE_ADDR, "--epm-port",
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

    def snapshot(self, sid, wtd, filetime):
        return bytes.fromhex(self.cmd("snapshot %s %d %d" % (sid, wtd, filetime)).split()[1])

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def client(env):
    return Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD)


def import_snapshot(mgr, data):
    req = n.ISnapshotMgr_ImportSnapshot()
    req["pSnapshot"]["ulCntData"] = len(data)
    req["pSnapshot"]["abData"] = list(data)
    return u32(call(mgr, req)["ErrorCode"])


def storage_of(env, wtd):
    dm = client(env).activate(n.CLSID_WTDISKMGR, n.IWTDISKMGR)
    r = call(dm, n.IWTDiskMgr_GetWTDisk(nWTD=wtd))
    env.check(u32(r["ErrorCode"]) == S_OK, "GetWTDisk %d" % wtd)
    disk = interface(dm, r["ppWTDisk"])
    p = call(disk, n.IWTDisk_get_SnapshotStoragePath())
    s = call(disk, n.IWTDisk_get_SnapshotStorageSize())
    env.check(u32(p["ErrorCode"]) == S_OK and u32(s["ErrorCode"]) == S_OK,
              "IWTDisk %d snapshot storage answered" % wtd)
    return n.bstr_value(p["pSnapshotStoragePath"]), s["pSize"]


def body(env, plain):
    a = os.path.join(env.storage, "a.vhd")
    wa = env.istmctl("disk", "create", a, "--size", "16M", "--json", json_out=True)["wtd"]
    we = env.istmctl("disk", "create", os.path.join(plain, "e.vhd"), "--size", "16M", "--json",
                     json_out=True)["wtd"]
    gen = client(env).activate(n.CLSID_WTGENERAL, n.IWTGENERAL)
    env.check(u32(call(gen, n.IWTGeneral_IsSnapshotsSupported())["ErrorCode"]) == S_OK,
              "IsSnapshotsSupported: S_OK (the XFS root can)")
    path, size = storage_of(env, wa)
    env.check(path == "D:\\" and size == -1,
              "XFS disk: SnapshotStoragePath %r, SnapshotStorageSize %d" % (path, size))
    path, size = storage_of(env, we)
    env.check(path == "" and size == 0,
              "ext4 disk: SnapshotStoragePath %r, SnapshotStorageSize %d" % (path, size))

    live = env.istmctl("target", "create", "live", "--json", json_out=True)["iqn"]
    env.istmctl("allow", "live", INI)
    env.istmctl("map", "live", str(wa))
    fa, fb, got = (os.path.join(env.dir, x) for x in ("A", "B", "got"))
    pattern(fa, 0xAA)
    pattern(fb, 0xBB)
    rc, _ = env.initiator(live, INI, "write", "1", "0", fa)
    env.check(rc == 0, "pattern A written through iSCSI to the XFS disk")
    snap = env.istmctl("snapshot", "create", str(wa), "--json", json_out=True)[0]
    sid = snap["id"]
    rc, _ = env.initiator(live, INI, "write", "1", "0", fb)
    env.check(rc == 0, "pattern B written")
    snap_files = files_below(os.path.join(env.storage, ".istmd-snapshots"))
    env.check(len(snap_files) == 1 and first_bytes(snap_files[0]) == {0xAA},
              "the XFS disk's snapshot reads A")
    rc, _ = env.initiator(live, INI, "read", "1", "0", str(BLOCKS), got)
    env.check(rc == 0 and first_bytes(got) == {0xBB}, "the LUN reads B")
    fr = subprocess.run(["filefrag", "-v", snap_files[0]], capture_output=True, text=True,
                        timeout=30)
    env.check("shared" in fr.stdout, "the snapshot shares extents with the disk (FIEMAP)")

    # the ext4 disk: refused with the right HRESULT, nothing left behind
    mgr = client(env).activate(n.CLSID_SNAPSHOTMGR, n.ISNAPSHOTMGR)
    r = call(mgr, n.ISnapshotMgr_PrepareCreateSnapshot(nWTD=we, pSnapshotId=guid(None)))
    env.check(u32(r["ErrorCode"]) == VSS_E_VOLUME_NOT_SUPPORTED,
              "PrepareCreateSnapshot of the ext4 disk: 0x%08x (VSS_E_VOLUME_NOT_SUPPORTED)"
              % u32(r["ErrorCode"]))
    out = env.istmctl("snapshot", "create", str(we), expect=1)
    env.check("VSS_E_VOLUME_NOT_SUPPORTED" in out and "reflink" in out,
              "istmctl says why: " + out.strip().splitlines()[-1])
    env.check(files_below(os.path.join(plain, ".istmd-snapshots")) == [],
              "nothing on the ext4 volume")
    # a set over both disks: refused as a whole
    out = env.istmctl("snapshot", "create", str(wa), str(we), expect=1)
    env.check(len(env.istmctl("snapshot", "list", "--json", json_out=True)) == 1
              and len(files_below(os.path.join(env.storage, ".istmd-snapshots"))) == 1
              and files_below(os.path.join(plain, ".istmd-snapshots")) == [],
              "a set over both disks is refused as a whole: no snapshot, no file")
    two = env.istmctl("snapshot", "create", str(wa), "--json", json_out=True)
    env.check(len(two) == 1
              and len(env.istmctl("snapshot", "list", "--json", json_out=True)) == 2,
              "the next snapshot of the XFS disk is one snapshot (nothing left prepared)")
    env.istmctl("snapshot", "delete", two[0]["id"])

    # ImportSnapshot: istmd's own pointer of a registered snapshot
    r = call(mgr, n.ISnapshotMgr_GetSnapshot(SnapshotId=guid(sid)))
    own = b"".join(r["ppSnapshot"]["abData"])
    hr = import_snapshot(mgr, own)
    env.check(hr == ERROR_ALREADY_EXISTS, "ImportSnapshot of a registered snapshot: 0x%08x" % hr)
    # a backup of the snapshot's file; the snapshot deleted; the file restored
    saved = os.path.join(env.storage, "saved.bak")
    subprocess.run(["cp", "--reflink=always", snap_files[0], saved], check=True, timeout=30)
    env.istmctl("snapshot", "delete", sid)
    env.check(not os.path.exists(snap_files[0]), "deleted: its file is gone")
    hr = import_snapshot(mgr, own)
    env.check(hr == ERROR_FILE_NOT_FOUND, "ImportSnapshot without its file: 0x%08x" % hr)
    os.makedirs(os.path.dirname(snap_files[0]), exist_ok=True)
    subprocess.run(["cp", "--reflink=always", saved, snap_files[0]], check=True, timeout=30)
    ft = 133000000000000000
    console = Console(env)
    try:
        hr = import_snapshot(mgr, console.snapshot(sid, we, ft))
        env.check(hr == E_INVALIDARG, "the console's ISnapshot naming the ext4 disk: 0x%08x"
                  % hr)
        unknown = "0badc0de-0000-4000-8000-000000000001"
        hr = import_snapshot(mgr, console.snapshot(unknown, wa, ft))
        env.check(hr == ERROR_FILE_NOT_FOUND, "an id without a file: 0x%08x" % hr)
        hr = import_snapshot(mgr, console.snapshot(sid, wa, ft))
        env.check(hr == S_OK, "ImportSnapshot of the console's ISnapshot: 0x%08x" % hr)
        calls = console.cmd("calls")
        env.check(calls == "calls 9", "istmd called Id, OrigWTD and TimeStamp back (%s)" % calls)
    finally:
        console.stop()
    with open(os.path.join(env.dir, "console.err"), errors="replace") as f:
        env.check(not re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:", f.read()),
                  "no sanitizer report from the console")
    shown = env.istmctl("snapshot", "show", sid, "--json", json_out=True)
    env.check(shown["disk"] == wa and shown["id"] == sid,
              "imported: snapshot %s of disk %d, with its id" % (sid, wa))
    env.stop_istmd()
    env.start_istmd()
    env.check(any(s["id"] == sid for s in env.istmctl("snapshot", "list", "--json",
                                                       json_out=True)),
              "restart: the imported snapshot is kept")
    env.istmctl("snapshot", "rollback", sid)
    rc, _ = env.initiator(live, INI, "read", "1", "0", str(BLOCKS), got)
    env.check(rc == 0 and first_bytes(got) == {0xAA},
              "rollback from the imported snapshot: the LUN reads A")


def main():
    skip_unless_possible()
    if not CONSOLE:
        print("# skip: no IMPORT_CONSOLE")
        sys.exit(77)
    env = Env(__doc__)
    img_dir = tempfile.mkdtemp(prefix="istmd-e2e-img-")
    plain = os.path.join(env.dir, "plain")
    os.makedirs(plain)
    mounted = []
    try:
        for img, mkfs, where in (
                (os.path.join(img_dir, "xfs.img"), ["mkfs.xfs", "-q", "-f", "-m", "reflink=1"],
                 env.storage),
                (os.path.join(img_dir, "ext4.img"), ["mkfs.ext4", "-q", "-F"], plain)):
            subprocess.run(["truncate", "-s", "320M", img], check=True, timeout=30)
            subprocess.run(mkfs + [img], check=True, timeout=60, capture_output=True)
            subprocess.run(["mount", "-o", "loop", img, where], check=True, timeout=30)
            mounted.append(where)
        os.rmdir(os.path.join(plain, "lost+found"))
    except (subprocess.CalledProcessError, FileNotFoundError, OSError) as e:
        print("# skip: cannot make the XFS and ext4 images here: %s" % e)
        for m in mounted:
            subprocess.run(["umount", "-l", m], timeout=30)
        shutil.rmtree(img_dir, ignore_errors=True)
        shutil.rmtree(env.dir, ignore_errors=True)
        sys.exit(77)
    plain_write_conf = env.write_conf

    def write_conf():  # two roots: D: on XFS, E: on ext4
        plain_write_conf()
        with open(env.conf) as f:
            text = f.read()
        with open(env.conf, "w") as f:
            f.write(text.replace("roots = " + env.storage,
                                 "roots = %s, %s" % (env.storage, plain)))
    env.write_conf = write_conf
    env.extra_conf += [
        "[notify]", "auth = ntlm", "user = " + CB_USER,
        "password_file = " + os.path.join(env.dir, "cb_password"), "level = integrity",
        "timeout = 4",
        "only_caller_address = no",  # impacket calls from .1, the console is on .3
    ]
    with open(os.path.join(env.dir, "cb_password"), "w") as f:
        f.write(CB_PASSWORD + "\n")
    status = 1
    try:
        status = env.finish(lambda e: body(e, plain))
    finally:
        for m in mounted:
            subprocess.run(["umount", "-l", m], timeout=30)
        shutil.rmtree(img_dir, ignore_errors=True)
        shutil.rmtree(env.dir, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
