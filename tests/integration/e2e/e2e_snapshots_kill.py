#!/usr/bin/python3
"""Snapshots: istmd SIGKILLed during create, delete and rollback, then
restarted; 100 snapshots of one disk and the space they take (issue 13).

istmd and a private tgtd, the storage root on a loop-mounted XFS image
(reflink=1) or btrfs (E2E_SNAP_FS). To make the kill land inside an operation, strace holds one
system call of the running daemon (e2e_crash.py's way: no test hook in
istmd), the test SIGKILLs istmd while istmctl waits for its answer, then
starts istmd again and checks, through istmctl, iSCSI and the files:

  create, held at the clone (FICLONE of <id>.vhd.part): no snapshot, no file
    left; the disk reads what was written;
  create, held at the rename of <id>.vhd.part after the commit: the
    snapshot is there, whole (reads A), under its final name;
  delete, held at the rename to <id>.vhd.deleting (before the commit): the
    snapshot is still there and reads A;
  delete, held at the unlink of <id>.vhd.deleting (after the commit): the
    snapshot is gone, and so is its file;
  rollback, held at the rename of the copy over the disk's file: the disk
    has its previous content (B) whole, is served, no copy is left, the
    snapshot is kept; held at the directory's fsync just after that rename:
    the disk has the snapshot's content (A) whole. Never a mix.

Then 100 snapshots of one disk (impacket, one DCOM connection): the
volume's used space (statvfs, as df) grows by far less than one disk's
size; their extents are shared (FIEMAP: filefrag -v); the disk rewritten
through iSCSI diverges once: used space grows by about one disk, not by
100, and the disk's extents are no longer shared while the snapshots'
still are."""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "istm"))

import istm_ndr as n  # noqa: E402
from impacket.dcerpc.v5.dtypes import GUID, ULONG  # noqa: E402
from istm_client import Client, call  # noqa: E402
from e2e_crash import kill_inside  # noqa: E402
from e2e_env import (ADMIN, ADMIN_PASSWORD, EPM_PORT, Env, finish_on_image,  # noqa: E402
                     skip_unless_possible)

n.method("ISnapshotMgr", "PrepareCreateSnapshot", 5, ins=(("nWTD", ULONG), ("pSnapshotId", GUID)),
         outs=(("pSnapshotId", GUID),))
n.method("ISnapshotMgr", "DoCreateSnapshot", 6, ins=(("SnapshotId", GUID),))
n.method("ISnapshotMgr", "DoEndSnapshot", 7, ins=(("SnapshotId", GUID),))
n.IIDS.setdefault("ISnapshotMgr", n.ISNAPSHOTMGR)

INI = "iqn.2024-02.org.example:snapkill"
FS = os.environ.get("E2E_SNAP_FS", "xfs")
MIB = 1 << 20
SIZE = 16 * MIB


def pattern(path, byte, size):
    with open(path, "wb") as f:
        f.write(bytes([byte]) * size)


def content(path, offset=0, size=SIZE):
    with open(path, "rb") as f:
        f.seek(offset)
        return set(f.read(size))


def snap_dir_files(env):
    return sorted(os.path.join(r, f) for r, _, fs in
                  os.walk(os.path.join(env.storage, ".istmd-snapshots")) for f in fs)


def snapshots(env):
    return env.istmctl("snapshot", "list", "--json", json_out=True)


def snap_file(env, guid, sid):
    return os.path.join(env.storage, ".istmd-snapshots", guid, sid + ".vhd")


def used(path):
    os.sync()
    st = os.statvfs(path)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def shared(path):
    r = subprocess.run(["filefrag", "-v", path], capture_output=True, text=True, timeout=30)
    return len(re.findall(r"shared", r.stdout))


CHUNK = 1 << 20  # e2e_iscsi moves at most 1 MiB per command


def lun_write(env, iqn, byte):
    """Writes BYTE over the whole LUN through iSCSI (16 writes of 1 MiB)."""
    f = os.path.join(env.dir, "pattern-%02x" % byte)
    pattern(f, byte, CHUNK)
    actions = []
    for k in range(SIZE // CHUNK):
        actions += ["write", "1", str(k * CHUNK // 512), f]
    rc, out = env.initiator(iqn, INI, *actions)
    return rc == 0


def lun_reads(env, iqn, byte):
    """Whether the whole LUN reads BYTE through iSCSI."""
    actions, files = [], []
    for k in range(SIZE // CHUNK):
        files.append(os.path.join(env.dir, "got%d" % k))
        actions += ["read", "1", str(k * CHUNK // 512), str(CHUNK // 512), files[-1]]
    rc, out = env.initiator(iqn, INI, *actions)
    if rc != 0:
        print("# initiator: exit %d: %s" % (rc, out.strip()[-300:]))
        return False
    seen = set()
    for f in files:
        seen |= content(f, 0, CHUNK)
    if seen != {byte}:
        print("# the LUN reads %s" % sorted(seen)[:8])
    return seen == {byte}


def kills(env, wtd, guid, disk, live):
    # create, held at the clone
    kill_inside(env, ["snapshot", "create", str(wtd)], "ioctl", r"\.vhd\.part",
                what="snapshot create (clone)")
    env.start_istmd()
    env.check(snapshots(env) == [] and snap_dir_files(env) == [],
              "killed at the clone: no snapshot, no file left")
    env.check(content(disk, 0, SIZE) == {0xAA}, "the disk's file reads A")
    env.check(lun_reads(env, live, 0xAA), "the LUN reads A")

    # create, held at the rename after the commit
    kill_inside(env, ["snapshot", "create", str(wtd)], "rename,renameat,renameat2",
                r"\.vhd\.part", what="snapshot create (rename after commit)")
    env.start_istmd()
    snaps = snapshots(env)
    env.check(len(snaps) == 1, "killed after the commit: the snapshot is there")
    sid = snaps[0]["id"]
    env.check(snap_dir_files(env) == [snap_file(env, guid, sid)]
              and content(snap_file(env, guid, sid)) == {0xAA},
              "whole, under its final name, reading A")

    # delete, held before its commit
    kill_inside(env, ["snapshot", "delete", sid], "rename,renameat,renameat2",
                r"\.vhd\.deleting", what="snapshot delete (rename before commit)")
    env.start_istmd()
    env.check([s["id"] for s in snapshots(env)] == [sid]
              and snap_dir_files(env) == [snap_file(env, guid, sid)]
              and content(snap_file(env, guid, sid)) == {0xAA},
              "killed before the delete's commit: the snapshot is still there, reading A")

    # rollback: B written, held at the rename of the copy, then after it
    env.check(lun_write(env, live, 0xBB) and lun_reads(env, live, 0xBB),
              "pattern B written through iSCSI")
    kill_inside(env, ["snapshot", "rollback", sid], "rename,renameat,renameat2",
                r"rollback-", what="snapshot rollback (before the rename)")
    env.start_istmd()
    env.check(content(disk, 0, SIZE) == {0xBB} and lun_reads(env, live, 0xBB),
              "killed before the rollback's rename: the disk reads B, whole, and is served")
    env.check(snap_dir_files(env) == [snap_file(env, guid, sid)] and len(snapshots(env)) == 1,
              "no copy left, the snapshot kept")
    kill_inside(env, ["snapshot", "rollback", sid], "fsync", r"fsync\(\d+<%s>\)"
                % re.escape(os.path.realpath(env.storage)), path=env.storage,
                what="snapshot rollback (after the rename)")
    env.start_istmd()
    env.check(content(disk, 0, SIZE) == {0xAA} and lun_reads(env, live, 0xAA),
              "killed after the rollback's rename: the disk reads A, whole, and is served")
    env.check(snap_dir_files(env) == [snap_file(env, guid, sid)] and len(snapshots(env)) == 1,
              "no copy left, the snapshot kept")

    # delete, held after its commit
    kill_inside(env, ["snapshot", "delete", sid], "unlink,unlinkat", r"\.vhd\.deleting",
                what="snapshot delete (unlink after commit)")
    env.start_istmd()
    env.check(snapshots(env) == [] and snap_dir_files(env) == [],
              "killed after the delete's commit: the snapshot is gone, and its file")
    env.check(content(disk, 0, SIZE) == {0xAA}, "the disk still reads A")


def hundred(env, wtd, disk, live):
    before = used(env.storage)
    mgr = Client(env.addr, EPM_PORT, ADMIN, ADMIN_PASSWORD).activate(n.CLSID_SNAPSHOTMGR,
                                                                      n.ISNAPSHOTMGR)
    for i in range(100):
        g = GUID()
        g["Data"] = b"\0" * 16
        r = call(mgr, n.ISnapshotMgr_PrepareCreateSnapshot(nWTD=wtd, pSnapshotId=g))
        sid = r["pSnapshotId"]
        hrs = (r["ErrorCode"], call(mgr, n.ISnapshotMgr_DoCreateSnapshot(SnapshotId=sid))[
            "ErrorCode"], call(mgr, n.ISnapshotMgr_DoEndSnapshot(SnapshotId=sid))["ErrorCode"])
        if any(hrs):
            env.check(False, "snapshot %d: HRESULTs %s" % (i, hrs))
    listed = snapshots(env)
    env.check(len(listed) == 100 and len(snap_dir_files(env)) == 100,
              "100 snapshots of one disk, listed, 100 files")
    grew = used(env.storage) - before
    env.check(grew < SIZE // 2, "the volume's used space grew by %d KiB for 100 snapshots of "
              "a %d MiB disk (statvfs)" % (grew // 1024, SIZE // MIB))
    files = snap_dir_files(env)
    env.check(shared(disk) > 0 and all(shared(f) > 0 for f in (files[0], files[50], files[-1])),
              "the disk and its snapshots share extents (FIEMAP)")
    before = used(env.storage)
    env.check(lun_write(env, live, 0xCC) and lun_reads(env, live, 0xCC),
              "the disk rewritten through iSCSI")
    grew = used(env.storage) - before
    env.check(SIZE // 2 < grew < 3 * SIZE,
              "it diverged once: used space grew by %d KiB (one disk: %d KiB), not 100 times"
              % (grew // 1024, SIZE // 1024))
    env.check(content(files[0]) == {0xAA} and content(files[-1]) == {0xAA},
              "the snapshots still read A")
    r = subprocess.run(["filefrag", "-v", disk], capture_output=True, text=True, timeout=30)
    data = [line for line in r.stdout.splitlines() if re.match(r"\s*\d+:", line)]
    env.check(shared(files[0]) > 0, "the snapshots still share their extents among themselves")
    env.check(data and "shared" not in data[0],
              "the disk's rewritten extents are its own now: " + (data[0].strip() if data
                                                                  else "?"))


def body(env):
    disk = os.path.join(env.storage, "k.vhd")
    d = env.istmctl("disk", "create", disk, "--size", "16M", "--json", json_out=True)
    wtd = d["wtd"]
    guid = [x["guid"] for x in env.istmctl("disk", "list", "--json", json_out=True)["disks"]
            if x["wtd"] == wtd][0].lower()
    live = env.istmctl("target", "create", "live", "--json", json_out=True)["iqn"]
    env.istmctl("allow", "live", INI)
    env.istmctl("map", "live", str(wtd))
    env.check(lun_write(env, live, 0xAA), "pattern A written through iSCSI")
    kills(env, wtd, guid, disk, live)
    hundred(env, wtd, disk, live)


def main():
    skip_unless_possible()
    if shutil.which("strace") is None:
        print("# skip: no strace")
        sys.exit(77)
    env = Env(__doc__)
    finish_on_image(env, body, FS)


if __name__ == "__main__":
    main()
