#!/usr/bin/python3
"""Snapshots end to end (issue 13): istmd and a private tgtd with two storage
roots, one on a loop-mounted XFS image (reflink=1) or btrfs (E2E_SNAP_FS),
one on ext4 (the scratch directory's file system). Through istmctl and a
libiscsi initiator:

  pattern A written through iSCSI, snapshot, pattern B written; the snapshot
  exported as a disk and mapped to a second target reads A while the live
  LUN reads B; the snapshot shares its extents (FIEMAP: filefrag -v);
  rollback is refused (ERROR_SHARING_VIOLATION) while an initiator is logged
  in, then, logged out, the LUN reads A; a set over two disks; snapshots and
  the schedule survive a restart (SIGTERM) and a SIGKILL; delete removes the
  export; a disk on the ext4 root is refused, and its snapshot storage is
  empty. The image is unmounted and removed at the end."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from e2e_env import Env, skip_unless_possible

INI = "iqn.2024-02.org.example:snap"
HOLD = os.environ.get("ISCSI_HOLD", "")
FS = os.environ.get("E2E_SNAP_FS", "xfs")
BLOCKS = 128  # 64 KiB patterns
SETS = int(os.environ.get("E2E_SNAP_SETS", "12"))  # under the alternating writer


def pattern(path, byte):
    with open(path, "wb") as f:
        f.write(bytes([byte]) * (BLOCKS * 512))


def read_lun(env, iqn, out):
    rc, text = env.initiator(iqn, INI, "read", "1", "0", str(BLOCKS), out)
    env.check(rc == 0, "read LUN 1 of %s" % iqn)
    with open(out, "rb") as f:
        return set(f.read())


def shared_extents(path):
    """Extents filefrag reports as shared."""
    r = subprocess.run(["filefrag", "-v", path], capture_output=True, text=True, timeout=30)
    return len(re.findall(r"shared", r.stdout))


def torn_pairs(env, live, wa, wb):
    """A writer alternating between two disks (value k to disk a, then k to
    disk b, each write acknowledged before the next) while sets of both are
    taken: in every set, a is b or b + 1, never a torn pair."""
    import struct
    import threading
    env.istmctl("map", "live", str(wb))  # LUN 2
    vals = os.path.join(env.dir, "vals")
    os.makedirs(vals, exist_ok=True)

    def value_file(k):
        path = os.path.join(vals, str(k))
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(struct.pack("<I", k) * 128)
        return path

    rc, _ = env.initiator(live, INI, "write", "1", "0", value_file(0),
                          "write", "2", "0", value_file(0))
    env.check(rc == 0, "both disks start at 0")
    done = threading.Event()
    failures = []

    def writer():
        k = 1
        while not done.is_set() and k < 20000:
            actions = []
            for v in range(k, k + 300):
                f = value_file(v)
                actions += ["write", "1", "0", f, "write", "2", "0", f]
            r = subprocess.run([env.args.iscsi, env.portal, live, INI] + actions,
                               capture_output=True, timeout=60)
            if r.returncode != 0:
                failures.append(r.stderr)
                return
            k += 300
    t = threading.Thread(target=writer)
    t.start()
    sets = []
    try:
        for _ in range(SETS):
            sets.append(env.istmctl("snapshot", "create", str(wa), str(wb), "--json",
                                    json_out=True))
    finally:
        done.set()
        t.join(timeout=90)
    env.check(not failures, "the writer ran")
    guids = {d["wtd"]: d["guid"] for d in env.istmctl("disk", "list", "--json",
                                                       json_out=True)["disks"]}
    torn, seen = [], []
    for pair in sets:
        got = {}
        for sn in pair:
            path = os.path.join(env.storage, ".istmd-snapshots", guids[sn["disk"]].lower(),
                                sn["id"] + ".vhd")
            with open(path, "rb") as f:
                got[sn["disk"]] = struct.unpack("<I", f.read(4))[0]
        seen.append((got[wa], got[wb]))
        if got[wa] not in (got[wb], got[wb] + 1):
            torn.append(got)
        for sn in pair:
            env.istmctl("snapshot", "delete", sn["id"])
    moving = len(set(seen)) >= 3
    env.check(moving, "the writer moved between the sets: %s" % seen[:6])
    env.check(not torn, "%d sets under an alternating writer, none torn %s"
              % (len(sets), torn[:3]))
    hold = re.findall(r"2 disk\(s\) at one instant, content held for (\d+) us",
                      env.log_tail(0, 10 ** 6))
    # The < 50 ms goal is measured by tests/bench/bench_snapshot on a quiet
    # machine; here (sanitizers, parallel tests) only a hold that lasts
    # long enough to hurt initiators fails.
    env.check(hold and max(int(h) for h in hold) < 1000000,
              "I/O held at most %s us for a set of 2 (< 1 s here; goal < 50 ms: bench)"
              % (max(int(h) for h in hold) if hold else "?"))
    env.istmctl("unmap", "live", str(wb))


def body(env, ext4_root):
    a = os.path.join(env.storage, "a.vhd")
    b = os.path.join(env.storage, "b.vhd")
    wa = env.istmctl("disk", "create", a, "--size", "16M", "--json", json_out=True)["wtd"]
    wb = env.istmctl("disk", "create", b, "--size", "16M", "--json", json_out=True)["wtd"]
    live = env.istmctl("target", "create", "live", "--json", json_out=True)["iqn"]
    back = env.istmctl("target", "create", "back", "--json", json_out=True)["iqn"]
    for t in ("live", "back"):
        env.istmctl("allow", t, INI)
    env.istmctl("map", "live", str(wa))
    fa, fb, got = (os.path.join(env.dir, n) for n in ("A", "B", "got"))
    pattern(fa, 0xAA)
    pattern(fb, 0xBB)

    rc, _ = env.initiator(live, INI, "write", "1", "0", fa)
    env.check(rc == 0, "pattern A written through iSCSI")
    snaps = env.istmctl("snapshot", "create", str(wa), "--json", json_out=True)
    env.check(len(snaps) == 1 and snaps[0]["disk"] == wa and snaps[0]["status"] == "idle",
              "snapshot create: %s" % snaps[0]["id"])
    sid = snaps[0]["id"]
    rc, _ = env.initiator(live, INI, "write", "1", "0", fb)
    env.check(rc == 0, "pattern B written through iSCSI")

    snap_file = os.path.join(env.storage, ".istmd-snapshots")
    files = [os.path.join(r, f) for r, _, fs in os.walk(snap_file) for f in fs]
    env.check(len(files) == 1, "one snapshot file in the hidden directory")
    env.check(shared_extents(files[0]) > 0, "the snapshot shares extents with the disk (FIEMAP)")

    out = env.istmctl("snapshot", "export", sid, "--map", "back", "--json", json_out=True)
    ex = out["wtd"]
    env.check(read_lun(env, back, got) == {0xAA}, "the exported snapshot reads A")
    env.check(read_lun(env, live, got) == {0xBB}, "the live LUN reads B")
    rc, _ = env.initiator(back, INI, "write", "1", "0", fb)
    env.check(rc == 1, "the exported snapshot is read-only (a WRITE fails)")
    env.check(read_lun(env, back, got) == {0xAA}, "and still reads A")
    shown = env.istmctl("snapshot", "show", sid, "--json", json_out=True)
    env.check(shown["exported_wtd"] == ex and shown["status"] == "exported",
              "snapshot show: exported as disk %d" % ex)

    # rollback: refused while an initiator is logged in, done once it left
    if HOLD:
        p = subprocess.Popen([HOLD, env.portal, live, INI, "0x77"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        line = p.stdout.readline().split()
        env.check(line[:1] == ["ready"], "an initiator stays logged in")
        out = env.istmctl("snapshot", "rollback", sid, expect=5)
        env.check("logged in" in out, "rollback refused while in use: " + out.strip())
        p.stdin.close()
        p.wait(timeout=30)
    env.istmctl("snapshot", "rollback", sid)
    env.check(read_lun(env, live, got) == {0xAA}, "after rollback the live LUN reads A")

    # a set over two disks
    two = env.istmctl("snapshot", "create", str(wa), str(wb), "--json", json_out=True)
    env.check(len(two) == 2 and two[0]["time"] == two[1]["time"],
              "a set of two disks at one instant")
    listed = env.istmctl("snapshot", "list", "--json", json_out=True)
    env.check(len(listed) == 3, "snapshot list: 3")
    env.check(len(env.istmctl("snapshot", "list", str(wb), "--json", json_out=True)) == 1,
              "snapshot list DISK: 1")

    env.istmctl("snapshot", "schedule", "set", "--every-day", "--at", "03:30")
    sched = env.istmctl("snapshot", "schedule", "show", "--json", json_out=True)
    env.check(sched["scheduled"] and sched["every_day"], "schedule set, shown")

    env.stop_istmd()
    env.start_istmd()
    env.check(len(env.istmctl("snapshot", "list", "--json", json_out=True)) == 3,
              "restart (SIGTERM): snapshots kept")
    env.check(env.istmctl("snapshot", "schedule", "show", "--json", json_out=True)["scheduled"],
              "restart: schedule kept")
    # istmd killed while it held tgtd for a set: tgtd stopped, the marker
    # beside its socket; the next istmd resumes it
    env.kill_istmd()
    os.kill(env.tgtd.pid, signal.SIGSTOP)
    with open("/var/run/tgtd/socket.%d.istmd-held" % env.tgt_port, "w") as f:
        f.write("%d\n" % env.tgtd.pid)
    env.start_istmd()
    env.check(len(env.istmctl("snapshot", "list", "--json", json_out=True)) == 3,
              "restart after SIGKILL: snapshots kept")
    with open("/proc/%d/stat" % env.tgtd.pid) as f:
        st = f.read().rsplit(")", 1)[1].split()[0]
    env.check(st not in ("T", "t"), "a tgtd left held is resumed (state %s)" % st)
    env.check(read_lun(env, back, got) == {0xAA}, "after the restarts the export still reads A")

    env.istmctl("unmap", "back", str(ex))
    env.istmctl("snapshot", "delete", sid)
    disks = [d["wtd"] for d in env.istmctl("disk", "list", "--json", json_out=True)["disks"]]
    env.check(ex not in disks, "delete: the exported disk went with the snapshot")
    env.istmctl("snapshot", "schedule", "clear")
    env.check(not env.istmctl("snapshot", "schedule", "show", "--json",
                              json_out=True)["scheduled"], "schedule cleared")

    torn_pairs(env, live, wa, wb)

    # the ext4 root: refused, and said so
    e = os.path.join(ext4_root, "e.vhd")
    we = env.istmctl("disk", "create", e, "--size", "8M", "--json", json_out=True)["wtd"]
    out = env.istmctl("snapshot", "create", str(we), expect=1)
    env.check("reflink" in out or "cannot have snapshots" in out,
              "a disk on ext4: refused: " + out.strip().splitlines()[-1])


def main():
    skip_unless_possible()
    env = Env(__doc__)
    img_dir = tempfile.mkdtemp(prefix="istmd-e2e-img-")
    img = os.path.join(img_dir, "root.img")
    mkfs = (["mkfs.xfs", "-q", "-f", "-m", "reflink=1"] if FS == "xfs"
            else ["mkfs.btrfs", "-q", "-f"])
    try:
        subprocess.run(["truncate", "-s", "512M", img], check=True, timeout=30)
        subprocess.run(mkfs + [img], check=True, timeout=60, capture_output=True)
        subprocess.run(["mount", "-o", "loop", img, env.storage], check=True, timeout=30)
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        print("# skip: cannot make a %s image here: %s" % (FS, e))
        shutil.rmtree(img_dir, ignore_errors=True)
        shutil.rmtree(env.dir, ignore_errors=True)
        sys.exit(77)
    ext4_root = os.path.join(env.dir, "plain")
    os.makedirs(ext4_root)
    plain_write_conf = env.write_conf

    def write_conf():  # two roots: the image and the ext4 directory
        plain_write_conf()
        with open(env.conf) as f:
            text = f.read()
        with open(env.conf, "w") as f:
            f.write(text.replace("roots = " + env.storage,
                                 "roots = %s, %s" % (env.storage, ext4_root)))
    env.write_conf = write_conf
    try:
        status = env.finish(lambda e: body(e, ext4_root))
    finally:
        subprocess.run(["umount", "-l", env.storage], timeout=30)
        shutil.rmtree(img_dir, ignore_errors=True)
        shutil.rmtree(env.dir, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
