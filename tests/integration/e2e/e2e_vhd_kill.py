#!/usr/bin/python3
"""Crashes while dynamic and differencing VHDs are written over iSCSI
(issue 12 items 2 and 6). vhd_writer writes numbered 4 KiB slots (the first
128 each allocate a 2 MiB block) with a SYNCHRONIZE CACHE after every 8 and
retries a failed command after a new login, as an initiator does.

A. istmd SIGKILLed (then SIGTERMed) and restarted during the loop: istmd-vhdfs and tgtd carry
   on, so the initiator sees no error at all; the same istmd-vhdfs is found
   again; every flushed slot is there; the image validates.
B. istmd-vhdfs SIGKILLed during the loop: istmd notices, starts a new one
   and points the LUN at it; the initiator's retries succeed; every flushed
   slot is there; the child validates, the parent is unchanged.
C. both killed, then istmd started: the disk is served again and holds
   every flushed slot."""
import hashlib
import os
import re
import signal
import subprocess
import sys
import time

from e2e_env import Env, skip_unless_possible
from e2e_vhd import (INI, MIB, check_vhdfs_logs, cleanup_vhdfs, mk, serve, unserve, valid,
                     vhdfs_pids)

WRITER = os.environ.get("VHD_WRITER", "")
BLOCKS = 128


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def start_writer(env, lun, seconds):
    return subprocess.Popen([WRITER, env.portal, lun.iqn, INI, "1", "write", str(seconds),
                             str(BLOCKS)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def finish_writer(env, p, what):
    out, _ = p.communicate(timeout=120)
    synced = [int(x) for x in re.findall(r"^synced (\d+)$", out, flags=re.M)]
    retries = len(re.findall(r"^retry ", out, flags=re.M))
    env.check(p.returncode == 0 and synced, "%s: the write loop finished (%d slots flushed, %d "
              "retries)%s" % (what, synced[-1] if synced else 0, retries,
                              "" if p.returncode == 0 else ": " + out[-500:]))
    return synced[-1], retries


def verify(env, lun, count, what):
    r = subprocess.run([WRITER, env.portal, lun.iqn, INI, "1", "verify", str(count), str(BLOCKS)],
                       capture_output=True, text=True, timeout=120)
    env.check(r.returncode == 0, "%s: all %d flushed slots are there%s" % (
        what, count, "" if r.returncode == 0 else ": " + r.stdout + r.stderr))


def wait_pid_change(env, old, limit=15):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        pids = vhdfs_pids(env)
        if pids and pids != old:
            return pids
        time.sleep(0.1)
    return vhdfs_pids(env)


def kill_istmd(env):
    path = os.path.join(env.storage, "a.vhd")
    mk(env, "dynamic", path, str(256 * MIB))
    lun = serve(env, "a", path)
    before = vhdfs_pids(env)
    w = start_writer(env, lun, 6)
    time.sleep(1.5)
    env.kill_istmd()
    time.sleep(0.5)
    env.start_istmd()
    count, retries = finish_writer(env, w, "A")
    env.check(retries == 0, "A: an istmd crash and restart failed no I/O")
    env.check(vhdfs_pids(env) == before, "A: the restarted istmd kept the same istmd-vhdfs")
    verify(env, lun, count, "A")
    valid(env, path)
    # the same with a clean stop (SIGTERM) and start
    w = start_writer(env, lun, 5)
    time.sleep(1.5)
    env.stop_istmd()
    time.sleep(0.5)
    env.start_istmd()
    count, retries = finish_writer(env, w, "A (SIGTERM)")
    env.check(retries == 0, "A: an istmd stop and start failed no I/O")
    env.check(vhdfs_pids(env) == before, "A: still the same istmd-vhdfs")
    verify(env, lun, count, "A (SIGTERM)")
    unserve(env, "a", path)
    valid(env, path)


def kill_vhdfs(env):
    base = os.path.join(env.storage, "b0.vhd")
    child = os.path.join(env.storage, "b.vhd")
    mk(env, "fixed", base, str(256 * MIB))
    mk(env, "diff", child, base, "D:\\b0.vhd", ".\\b0.vhd")
    base_sum = sha(base)
    lun = serve(env, "b", child)
    before = vhdfs_pids(env)
    w = start_writer(env, lun, 8)
    time.sleep(1.5)
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    after = wait_pid_change(env, before)
    env.check(after and after != before, "B: istmd started a new istmd-vhdfs (%s -> %s)"
              % (before, after))
    count, retries = finish_writer(env, w, "B")
    verify(env, lun, count, "B")
    valid(env, child)
    env.check(sha(base) == base_sum, "B: the parent is unchanged")

    # C: both die; istmd's start serves the disk again.
    w = start_writer(env, lun, 4)
    time.sleep(1.0)
    env.kill_istmd()
    for pid in vhdfs_pids(env):
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    env.start_istmd()
    count, retries = finish_writer(env, w, "C")
    verify(env, lun, count, "C")
    unserve(env, "b", child)
    valid(env, child)
    env.check(sha(base) == base_sum, "C: the parent is unchanged")


def main():
    skip_unless_possible()
    if not os.access("/dev/fuse", os.W_OK) or not WRITER or not os.environ.get("VHDMK"):
        print("# skip: needs /dev/fuse, VHD_WRITER and VHDMK")
        sys.exit(77)
    env = Env(__doc__)
    env.extra_conf = ["[vhd]", "check_interval_ms = 200"]

    def body(env):
        kill_istmd(env)
        kill_vhdfs(env)
        check_vhdfs_logs(env)

    detach = env.detach_loops
    env.detach_loops = lambda: (cleanup_vhdfs(env), detach())
    sys.exit(env.finish(body))


if __name__ == "__main__":
    main()
