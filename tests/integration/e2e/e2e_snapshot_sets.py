#!/usr/bin/python3
"""A snapshot set over two disks is taken at one instant (issue 13): istmd and
a private tgtd, a storage root on a loop-mounted XFS image (reflink=1), two
disks mapped as LUNs 1 and 2 of one target. An iSCSI writer
(snap_set_writer, libiscsi) alternates sequence numbers between the LUNs,
each write acknowledged before the next (k to A, k to B, k+1 to A...), while
`istmctl snapshot create A B` takes sets. Each set's snapshots are read (the
files, and the last held set also exported as disks and read through
iSCSI): at one instant A == B or A == B + 1; anything else is torn.

To make the check mean something, strace (on the daemon as shipped: no test
hook in istmd) delays every ioctl of istmd by DELAY, so that the two clones
of a set are DELAY apart (the writer makes several pairs meanwhile):
  - with istmd's hold (tgtd stopped around the clones): no set is torn,
    and istmd reports a hold of at least 2 x DELAY (the clones were inside);
  - with the hold made to fail (strace answers istmd's kill(tgtd, SIGSTOP)
    with ESRCH, which istmd takes as "no tgtd to hold" and goes on): the
    same checker finds torn sets. Without the delay the two clones are
    microseconds apart and a torn set is too rare to show."""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time

from e2e_env import Env, Failure, finish_on_image, skip_unless_possible

INI = "iqn.2024-02.org.example:snapsets"
WRITER = os.environ.get("SNAP_SET_WRITER", "")
DELAY_US = int(os.environ.get("SNAP_SET_DELAY_US", "150000"))
HELD_SETS = 6
UNHELD_SETS = 10


def traced(pid):
    """Whether every thread of PID is traced."""
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/status" % (pid, task)) as f:
                if re.search(r"^TracerPid:\s+0$", f.read(), flags=re.M):
                    return False
        return True
    except OSError:
        return False


class Strace:
    """strace on istmd delaying each ioctl (FICLONE) by DELAY_US, and, when
    NO_HOLD, failing kill (the SIGSTOP of tgtd) with ESRCH."""

    def __init__(self, env, no_hold):
        self.out = os.path.join(env.dir, "strace.out")
        cmd = ["strace", "-f", "-qq", "-p", str(env.istmd.pid), "-o", self.out,
               "-e", "trace=ioctl,kill", "-e", "inject=ioctl:delay_exit=%d" % DELAY_US]
        if no_hold:
            cmd += ["-e", "inject=kill:error=ESRCH"]
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while not traced(env.istmd.pid):
            if time.monotonic() > deadline or self.p.poll() is not None:
                self.p.kill()
                raise Failure("strace could not attach to istmd: %s"
                              % self.p.stderr.read().decode(errors="replace"))
            time.sleep(0.02)

    def stop(self):
        self.p.terminate()  # detaches; istmd goes on
        self.p.wait(timeout=30)
        with open(self.out, errors="replace") as f:
            return f.read()


def value(path):
    """The writer's sequence number in the first 4 KiB of PATH, or None when
    the block is not one value throughout (a torn write)."""
    with open(path, "rb") as f:
        words = struct.unpack("<1024I", f.read(4096))
    return words[0] if len(set(words)) == 1 else None


def create_set(env, wa, wb):
    """istmctl snapshot create A B. On this shared machine tgtd's threads
    may take longer than istmd's 500 ms to stop (the set then fails, as it
    should, "cannot hold the target's I/O"): tried again, at most 3 times."""
    cmd = [env.args.istmctl, "--server", env.server(), "--user", "alice",
           "--password-file", env.password_file, "snapshot", "create", str(wa), str(wb),
           "--json"]
    for _ in range(3):
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if r.returncode == 0:
            return json.loads(r.stdout)
        out = r.stdout + r.stderr
        env.check("cannot hold the target" in out, "a set failed only for the hold: "
                  + out.strip()[-200:])
    raise Failure("3 sets in a row could not hold tgtd's I/O")


def take_sets(env, wa, wb, n, stop_at_torn):
    """N sets of (A, B); returns [(set, a, b, torn)]."""
    guids = {d["wtd"]: d["guid"].lower()
             for d in env.istmctl("disk", "list", "--json", json_out=True)["disks"]}
    got = []
    for _ in range(n):
        pair = create_set(env, wa, wb)
        vals = {}
        for sn in pair:
            vals[sn["disk"]] = value(os.path.join(env.storage, ".istmd-snapshots",
                                                  guids[sn["disk"]], sn["id"] + ".vhd"))
        a, b = vals[wa], vals[wb]
        torn = a is None or b is None or a not in (b, b + 1)
        got.append((pair, a, b, torn))
        if torn and stop_at_torn:
            break
    return got


def holds(env):
    return [int(h) for h in re.findall(r"2 disk\(s\) at one instant, content held for (\d+) us",
                                       env.log_tail(0, 10 ** 6))]


def read_export(env, back, lun, out):
    """The value at LBA 0 of LUN of BACK, via iSCSI (tgtd may get the LUN
    a moment after istmctl returns)."""
    for _ in range(20):
        rc, text = env.initiator(back, INI, "read", str(lun), "0", "8", out)
        if rc == 0:
            return value(out)
        time.sleep(0.5)
    env.check(rc == 0, "read LUN %d of the exports: %s" % (lun, text))


def body(env):
    a = os.path.join(env.storage, "a.vhd")
    b = os.path.join(env.storage, "b.vhd")
    wa = env.istmctl("disk", "create", a, "--size", "16M", "--json", json_out=True)["wtd"]
    wb = env.istmctl("disk", "create", b, "--size", "16M", "--json", json_out=True)["wtd"]
    live = env.istmctl("target", "create", "live", "--json", json_out=True)["iqn"]
    back = env.istmctl("target", "create", "back", "--json", json_out=True)["iqn"]
    for t in ("live", "back"):
        env.istmctl("allow", t, INI)
    env.istmctl("map", "live", str(wa))  # LUN 1
    env.istmctl("map", "live", str(wb))  # LUN 2
    writer = subprocess.Popen([WRITER, env.portal, live, INI, "1", "2"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        env.check(writer.stdout.readline().strip() == "ready", "the writer logged in, 0 on both")
        time.sleep(0.5)

        # with the hold
        tracer = Strace(env, no_hold=False)
        try:
            held = take_sets(env, wa, wb, HELD_SETS, False)
        finally:
            trace = tracer.stop()
        env.check("SIGSTOP" in trace and "SIGCONT" in trace, "istmd stopped and resumed tgtd")
        seen = [(x[1], x[2]) for x in held]
        env.check(len(set(seen)) >= 3, "the writer moved between the sets: %s" % seen)
        env.check(not any(x[3] for x in held), "%d sets with the hold: none torn %s"
                  % (len(held), seen))
        h = holds(env)
        env.check(len(h) >= HELD_SETS and min(h[-HELD_SETS:]) >= 2 * DELAY_US * 0.9,
                  "the hold covered both delayed clones: %s us" % h[-HELD_SETS:])

        # without the hold: the same checker sees torn sets
        tracer = Strace(env, no_hold=True)
        try:
            unheld = take_sets(env, wa, wb, UNHELD_SETS, True)
        finally:
            trace = tracer.stop()
        env.check("SIGSTOP" in trace and "ESRCH" in trace and "SIGCONT" not in trace,
                  "the hold was made to fail (kill(SIGSTOP) = ESRCH)")
        torn = [(x[1], x[2]) for x in unheld if x[3]]
        env.check(torn, "without the hold the checker finds a torn set (A, B) = %s in %d"
                  % (torn[:1], len(unheld)))
    finally:
        writer.stdin.close()
        tail = writer.stdout.read().strip()
        writer.wait(timeout=60)
    env.check(writer.returncode == 0, "the writer ran throughout (%s) %s"
              % (tail, writer.stderr.read().strip()[-200:]))

    # the last held set, exported as disks, read through iSCSI
    pair, va, vb = held[-1][0], held[-1][1], held[-1][2]
    ids = {sn["disk"]: sn["id"] for sn in pair}
    got = os.path.join(env.dir, "got")
    env.istmctl("snapshot", "export", ids[wa], "--map", "back")  # LUN 1
    env.istmctl("snapshot", "export", ids[wb], "--map", "back")  # LUN 2
    ea = read_export(env, back, 1, got)
    eb = read_export(env, back, 2, got)
    env.check((ea, eb) == (va, vb) and ea in (eb, eb + 1),
              "the set exported and read through iSCSI: (%s, %s), consistent" % (ea, eb))


def main():
    skip_unless_possible()
    if not WRITER or shutil.which("strace") is None:
        print("# skip: needs strace and SNAP_SET_WRITER")
        sys.exit(77)
    env = Env(__doc__)
    finish_on_image(env, body, "xfs")


if __name__ == "__main__":
    main()
