#!/usr/bin/python3
"""The end-to-end tests' environment: a private tgtd and istmd on one
loopback address, in a temporary directory, started and stopped (or killed)
by PID; istmctl, the initiator (e2e_iscsi) and impacket against them.

Each test script makes one Env from its command line:

    e2e_xxx.py --istmd PATH --istmctl PATH --iscsi PATH --addr 127.0.0.N --tgt-port N

and runs its cases with env.check(). Everything is bounded: every wait has a
limit, the whole script an alarm (E2E_TIMEOUT seconds, default 240). At the
end (also after a failure or the alarm) istmd gets SIGTERM (a clean exit
within 5 s, status 0, no sanitizer report in its log are checked), tgtd
SIGKILL, loop devices over the test's files are detached, and the directory
is removed unless E2E_KEEP=1.
"""
import argparse
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ADMIN = "alice"
ADMIN_PASSWORD = "Secret-alice-1"
EPM_PORT = 1135
OBJECT_PORT = 1136
ISCSI_PORT = 3260
TGTD = "/usr/sbin/tgtd"
TGTADM = "/usr/sbin/tgtadm"

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In a child: SIGKILL when the test dies, and a session of its own (so
    a Ctrl-C reaches the test, which stops things in order)."""
    os.setsid()
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Failure(Exception):
    pass


class Env:
    def __init__(self, description):
        p = argparse.ArgumentParser(description=description)
        p.add_argument("--istmd", required=True)
        p.add_argument("--istmctl", required=True)
        p.add_argument("--iscsi", required=True, help="the e2e_iscsi initiator")
        p.add_argument("--addr", required=True)
        p.add_argument("--tgt-port", type=int, required=True)
        # LIO (issue 15): istmd and the kernel target run in a QEMU guest
        # (tests/lio/lio_guest.py) that shares self.dir; its ports are
        # forwarded from --addr
        p.add_argument("--backend", choices=("tgt", "lio"), default="tgt")
        p.add_argument("--lio-cache", help="kernel and initramfs cache (build/lio-guest)")
        self.args = p.parse_args()
        self.lio = self.args.backend == "lio"
        self.guest = None
        self.addr = self.args.addr
        self.portal = "%s:%d" % (self.addr, ISCSI_PORT)
        self.tgt_port = self.args.tgt_port
        self.dir = tempfile.mkdtemp(prefix="istmd-e2e-")
        self.storage = os.path.join(self.dir, "storage")
        self.state = os.path.join(self.dir, "state")
        self.log = os.path.join(self.dir, "istmd.log")
        self.tgtd_log = os.path.join(self.dir, "tgtd.log")
        self.conf = os.path.join(self.dir, "istmd.conf")
        self.password_file = os.path.join(self.dir, "password")
        os.makedirs(self.storage)
        self.istmd = None
        self.tgtd = None
        self.failed = False
        self.extra_conf = []
        signal.signal(signal.SIGALRM, self._timeout)
        signal.alarm(int(os.environ.get("E2E_TIMEOUT", "240")))
        self._users()

    # ---- reporting --------------------------------------------------------------------------

    def ok(self, what):
        print("ok - %s" % what, flush=True)

    def check(self, cond, what):
        if not cond:
            print("not ok - %s" % what, flush=True)
            raise Failure(what)
        self.ok(what)

    def _timeout(self, signum, frame):
        print("not ok - the test ran out of time", flush=True)
        raise Failure("timeout")

    # ---- daemons ----------------------------------------------------------------------------

    def _users(self):
        with open(self.password_file, "w") as f:
            f.write(ADMIN_PASSWORD + "\n")
        os.chmod(self.password_file, 0o600)
        r = subprocess.run([self.args.istmctl, "user", "add", "--users-file",
                            os.path.join(self.dir, "users"), "--admin", ADMIN],
                           input=ADMIN_PASSWORD + "\n", capture_output=True, text=True,
                           timeout=10)
        if r.returncode != 0:
            raise Failure("istmctl user add: " + r.stderr)

    def write_conf(self):
        lines = [
            "[log]", "level = debug",
            "[rpc]", "listen = " + self.addr,
            "endpoint_mapper_port = %d" % EPM_PORT, "object_port = %d" % OBJECT_PORT,
            "min_auth_level = integrity",
            "[general]", "name = e2e",
            "[auth]", "users_file = " + os.path.join(self.dir, "users"),
            "[state]", "dir = " + self.state, "reconcile_interval = 5",
            "[storage]", "roots = " + self.storage,
            "[iscsi]", "backend = tgt", "tgt_control_port = %d" % self.tgt_port,
            "portal = " + self.portal,
        ] + self.extra_conf
        if self.lio:
            lines = [_lio_line(line, self.addr) for line in lines]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def tgtd_answers(self):
        return subprocess.run([TGTADM, "-C", str(self.tgt_port), "--mode", "system", "--op",
                               "show"], capture_output=True, timeout=5).returncode == 0

    def start_tgtd(self):
        if self.lio:
            return self._start_guest()
        if self.tgtd_answers() and self.tgtd is None:
            raise Failure("a tgtd nobody started here answers on control port %d" % self.tgt_port)
        log = open(self.tgtd_log, "a")
        self.tgtd = subprocess.Popen([TGTD, "-f", "-C", str(self.tgt_port), "--iscsi",
                                      "portal=" + self.portal], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log, preexec_fn=_die_with_parent)
        log.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.tgtd.poll() is not None:
                raise Failure("tgtd exited with %d" % self.tgtd.returncode)
            if self.tgtd_answers():
                return time.monotonic()
            time.sleep(0.02)
        raise Failure("tgtd did not answer within 5 s")

    def kill_tgtd(self):
        """tgtd ignores SIGTERM: SIGKILL by PID."""
        if self.lio and self.guest is not None:
            self.guest.stop()
            self.guest = None
        if self.tgtd is not None:
            self.tgtd.kill()
            self.tgtd.wait(timeout=10)
            self.tgtd = None

    def start_istmd(self, *extra_args):
        """Starts istmd (with EXTRA_ARGS) and waits (at most 30 s) until it
        serves: it logs "started" once its state is loaded."""
        self.write_conf()
        start = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        log = open(self.log, "a")
        if self.lio:
            log.close()
            self.istmd = self._lio.GuestProcess(
                self.guest, [self.args.istmd, "--config", self.conf, "--foreground"]
                + list(extra_args), self.log)
        else:
            self.istmd = subprocess.Popen([self.args.istmd, "--config", self.conf,
                                           "--foreground"] + list(extra_args),
                                          stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                          preexec_fn=_die_with_parent)
            log.close()
        deadline = time.monotonic() + (90 if self.lio else 30)
        while time.monotonic() < deadline:
            if self.istmd.poll() is not None:
                self.istmd = None
                raise Failure("istmd exited at start:\n" + self.log_tail(start))
            with open(self.log, errors="replace") as f:
                f.seek(start)
                if re.search(r"istmd \S+ started: ", f.read()):
                    return
            time.sleep(0.05)
        raise Failure("istmd did not start within 30 s:\n" + self.log_tail(start))

    def stop_istmd(self):
        """SIGTERM; a clean exit (status 0) within 5 s is part of every test."""
        if self.istmd is None:
            return
        p, self.istmd = self.istmd, None
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            if self.lio:
                print("# guest processes:\n" + self.guest.run(
                    "ps -eo pid,stat,wchan:32,args | grep -v ' \\['")[1], flush=True)
            p.kill()
            p.wait(timeout=10)
            raise Failure("istmd did not stop within 5 s of SIGTERM")
        if rc != 0:
            raise Failure("istmd exited with status %d" % rc)

    def kill_istmd(self):
        if self.istmd is not None:
            self.istmd.kill()
            self.istmd.wait(timeout=10)
            self.istmd = None

    def log_tail(self, start=0, lines=60):
        try:
            with open(self.log, errors="replace") as f:
                f.seek(start)
                return "\n".join(f.read().splitlines()[-lines:])
        except OSError:
            return ""

    def detach_loops(self):
        for device in self.loops():
            if self.lio:
                self.guest.run("losetup -d " + device)
            else:
                subprocess.run(["losetup", "-d", device], timeout=10)

    def loops(self):
        """Loop devices over the test's files: {device: backing file}."""
        if self.lio:
            if self.guest is None:
                return {}
            out = self.guest.run("losetup --list --noheadings --output NAME,BACK-FILE")[1]
        else:
            out = subprocess.run(["losetup", "--list", "--noheadings", "--output",
                                  "NAME,BACK-FILE"], capture_output=True, text=True,
                                 timeout=10).stdout
        found = {}
        for line in out.splitlines():
            parts = line.split(None, 1)
            if len(parts) == 2 and parts[1].startswith(self.dir + "/"):
                found[parts[0]] = parts[1]
        return found

    def finish(self, body):
        """Runs BODY(self), then stops everything; the process's exit status."""
        status = 0
        try:
            self.start_tgtd()
            self.start_istmd()
            body(self)
            self.stop_istmd()
        except Failure as e:
            print("# failure: %s" % e, flush=True)
            status = 1
        except self._skip_types() as e:
            print("# skip: %s" % e, flush=True)
            status = 77
        except SystemExit as e:  # istm_client.check() exits at a failure
            status = e.code if isinstance(e.code, int) and e.code != 0 else 1
        except Exception as e:  # an unexpected error is a failure too, with its story
            import traceback
            traceback.print_exc()
            print("# error: %r" % e, flush=True)
            status = 1
        signal.alarm(0)
        for stop in ((self.kill_istmd, self.detach_loops, self.kill_tgtd) if self.lio
                     else (self.kill_istmd, self.kill_tgtd, self.detach_loops)):
            try:
                stop()
            except Exception as e:
                print("# cleanup: %r" % e, flush=True)
        if re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:", self.log_tail(0, 10**6)):
            print("not ok - sanitizer report in the daemon's log", flush=True)
            status = 1
        if status != 0:
            print("---- istmd log (last 80 lines) ----\n" + self.log_tail(0, 80), flush=True)
        if os.environ.get("E2E_KEEP") == "1":
            print("# kept " + self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return status

    # ---- clients ----------------------------------------------------------------------------

    def server(self):
        return "%s:%d" % (self.addr, EPM_PORT)

    def istmctl(self, *args, stdin=None, expect=0, json_out=False):
        """Runs istmctl as the admin; checks its exit status; its output
        (parsed when JSON_OUT)."""
        cmd = [self.args.istmctl, "--server", self.server(), "--user", ADMIN,
               "--password-file", self.password_file] + list(args)
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
        what = "istmctl " + " ".join(args)
        if r.returncode != expect:
            raise Failure("%s: exit %d, expected %d\nstdout: %s\nstderr: %s"
                          % (what, r.returncode, expect, r.stdout, r.stderr))
        if json_out and expect == 0:
            import json
            return json.loads(r.stdout)
        return r.stdout + r.stderr

    def initiator(self, target, initiator, *actions, chap=None, mutual=None):
        """e2e_iscsi: (exit status, output). CHAP and MUTUAL are (user, secret)."""
        cmd = [self.args.iscsi, self.portal, target, initiator]
        env = dict(os.environ)
        if chap:
            cmd += ["--chap", chap[0]]
            env["E2E_CHAP_SECRET"] = chap[1]
        if mutual:
            cmd += ["--mutual", mutual[0]]
            env["E2E_TARGET_SECRET"] = mutual[1]
        r = subprocess.run(cmd + list(actions), capture_output=True, text=True, timeout=60,
                           env=env)
        return r.returncode, r.stdout + r.stderr

    def tgt_show(self):
        """What tgtd has (tgtadm's target listing); with LIO the WWNs in configfs."""
        if self.lio:
            return self.guest.run("ls /sys/kernel/config/target/iscsi")[1]
        return subprocess.run([TGTADM, "-C", str(self.tgt_port), "--lld", "iscsi", "--mode",
                               "target", "--op", "show"], capture_output=True, text=True,
                              timeout=10).stdout


    # ---- LIO (issue 15) ----------------------------------------------------------------------

    @property
    def _lio(self):
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path.insert(0, os.path.join(here, "..", "..", "lio"))
        import lio_guest
        return lio_guest

    def _skip_types(self):
        return (self._lio.Skip,) if self.lio else ()

    def _start_guest(self):
        """Boots the LIO guest over self.dir (EPM, object and iSCSI ports forwarded)."""
        if self.guest is None:
            cache = self.args.lio_cache or os.path.join(os.getcwd(), "lio-guest")
            self.guest = self._lio.Guest(cache, self.dir, self.addr,
                                         [EPM_PORT, OBJECT_PORT, ISCSI_PORT])
            boot = self.guest.start()
            print("# LIO guest ready after %.1f s" % boot, flush=True)
        return time.monotonic()


def _lio_line(line, addr):
    """A configuration line for istmd in the LIO guest: it listens on the
    guest's address (where QEMU forwards to) and on ADDR (guest loopback),
    so that its DCOM string bindings name the address the host's clients
    use; LIO listens on the guest's address."""
    guest = "10.0.2.15"
    if line.startswith("listen = "):
        return "listen = %s, %s" % (guest, line[len("listen = "):])
    if line == "backend = tgt":
        return "backend = lio"
    if line.startswith("portal = "):
        return "portal = %s:%d" % (guest, ISCSI_PORT)
    return line


def port_open(addr, port):
    try:
        with socket.create_connection((addr, port), timeout=1):
            return True
    except OSError:
        return False


def skip_unless_possible():
    """Exit 77 (ctest's skip) where the test cannot run."""
    if "--backend=lio" in sys.argv or ("--backend" in sys.argv and "lio" in sys.argv):
        return  # the guest runs as root; a missing QEMU or kernel skips at start
    if os.geteuid() != 0 or not os.access(TGTD, os.X_OK):
        print("# skip: needs root and tgtd")
        sys.exit(77)


MKFS = {"xfs": ["mkfs.xfs", "-q", "-f", "-m", "reflink=1"],
        "btrfs": ["mkfs.btrfs", "-q", "-f"],
        "ext4": ["mkfs.ext4", "-q", "-F"]}


def finish_on_image(env, body, fs="xfs", size="512M"):
    """Runs BODY with env.storage on a loop-mounted FS image of SIZE (the
    snapshot tests: reflink needs XFS or btrfs), then unmounts it and exits
    with the test's status; 77 (skip) where no such image can be made."""
    img_dir = tempfile.mkdtemp(prefix="istmd-e2e-img-")
    img = os.path.join(img_dir, "root.img")
    try:
        subprocess.run(["truncate", "-s", size, img], check=True, timeout=30)
        subprocess.run(MKFS[fs] + [img], check=True, timeout=60, capture_output=True)
        subprocess.run(["mount", "-o", "loop", img, env.storage], check=True, timeout=30)
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        print("# skip: cannot make a %s image here: %s" % (fs, e))
        shutil.rmtree(img_dir, ignore_errors=True)
        shutil.rmtree(env.dir, ignore_errors=True)
        sys.exit(77)
    status = 1
    try:
        status = env.finish(body)
    finally:
        subprocess.run(["umount", "-l", env.storage], timeout=30)
        shutil.rmtree(img_dir, ignore_errors=True)
        shutil.rmtree(env.dir, ignore_errors=True)
    sys.exit(status)
