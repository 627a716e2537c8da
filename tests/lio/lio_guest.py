#!/usr/bin/python3
"""A QEMU (TCG) guest running Debian 12's stock kernel with LIO, for the LIO
tests: scripts/lio-guest.sh builds its kernel and initramfs (cached in the
build tree); this module boots it, runs commands in it and stops it by PID.

The guest sees the host's root read-only (9p) and WORK, a host directory,
read-write at the same path, so the host's build tree, istmd and its
libraries run unchanged in the guest (in a chroot into the host's root) and
the host reads the files the guest writes. Its TCP ports PORTS are forwarded
from ADDR (a host loopback address) with QEMU user networking (restrict=on:
the guest reaches nothing else). Guest address: 10.0.2.15.

    g = Guest(cache_dir, work_dir, "127.0.16.1", [3260])
    g.start()                 # bounded; Skip when it cannot run
    rc, out = g.run("ls /sys/kernel/config/target")
    g.stop()
"""
import os
import signal
import socket
import subprocess
import time

# the project's top directory (tests/lio/ is two levels down)
SOURCE_TREE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "lio-guest.sh")
GUEST_ADDR = "10.0.2.15"


class Skip(Exception):
    """The guest cannot run here (exit 77 with the reason)."""


class GuestError(Exception):
    pass


def prepare(cache_dir):
    """Builds (or reuses) the kernel and initramfs; raises Skip with the
    script's reason."""
    r = subprocess.run(["bash", SCRIPT, "build", cache_dir], capture_output=True, text=True,
                       timeout=600)
    if r.returncode == 77:
        raise Skip((r.stderr or r.stdout).strip())
    if r.returncode != 0:
        raise GuestError("lio-guest.sh build failed:\n" + r.stdout + r.stderr)


class Guest:
    def __init__(self, cache_dir, work_dir, addr, ports, memory_mb=768, scratch_mb=0):
        self.cache = os.path.abspath(cache_dir)
        self.work = os.path.abspath(work_dir)
        self.addr = addr
        self.ports = list(ports)
        self.memory_mb = memory_mb
        self.scratch_mb = scratch_mb
        self.console = os.path.join(self.work, "guest-console.log")
        self.sock_path = os.path.join(self.work, "guest-ctl.sock")
        self.proc = None
        self.sock = None
        self.buf = b""
        self.next_id = 0
        self.boot_seconds = None

    def start(self, timeout=150):
        prepare(self.cache)
        os.makedirs(os.path.join(self.work, ".guest"), exist_ok=True)
        for p in self.ports:
            if _port_open(self.addr, p):
                raise GuestError("%s:%d is already in use" % (self.addr, p))
        fwd = ",".join("hostfwd=tcp:%s:%d-%s:%d" % (self.addr, p, GUEST_ADDR, p)
                       for p in self.ports)
        cmd = ["qemu-system-x86_64", "-machine", "q35,accel=tcg", "-cpu", "max",
               "-smp", "1", "-m", str(self.memory_mb), "-nographic", "-no-reboot",
               "-nodefaults", "-kernel", os.path.join(self.cache, "vmlinuz"),
               "-initrd", os.path.join(self.cache, "initrd.gz"),
               "-append", "console=ttyS0 loglevel=4 panic=-1 edd=off istmd.work=" + self.work,
               "-serial", "file:" + self.console,
               "-chardev", "socket,id=ctl,path=%s,server=on,wait=off" % self.sock_path,
               "-serial", "chardev:ctl",
               "-netdev", "user,id=n0,restrict=on,net=10.0.2.0/24" + ("," + fwd if fwd else ""),
               "-device", "virtio-net-pci,netdev=n0,romfile=",
               "-fsdev", "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap",
               "-device", "virtio-9p-pci,fsdev=root,mount_tag=hostroot",
               "-fsdev", "local,id=work,path=%s,security_model=passthrough,multidevs=remap"
               % self.work,
               "-device", "virtio-9p-pci,fsdev=work,mount_tag=work"]
        # The guest mounts tmpfs on /tmp and /run: a source or build tree
        # there (a CI clone in /tmp) is shared on its own, read-only.
        trees = []
        for t in (SOURCE_TREE, os.path.dirname(self.cache)):
            t = os.path.realpath(t)
            if (t.startswith(("/tmp/", "/run/")) and
                    not any(t == u or t.startswith(u + "/") for u in trees)):
                trees.append(t)
        for i, t in enumerate(trees):
            cmd += ["-fsdev", "local,id=tree%d,path=%s,security_model=none,readonly=on,"
                    "multidevs=remap" % (i, t),
                    "-device", "virtio-9p-pci,fsdev=tree%d,mount_tag=tree%d" % (i, i)]
        if trees:
            cmd[cmd.index("-append") + 1] += " istmd.trees=" + ":".join(trees)
        if self.scratch_mb:
            img = os.path.join(self.work, "scratch.img")
            with open(img, "wb") as f:
                f.truncate(self.scratch_mb << 20)
            subprocess.run(["mkfs.ext4", "-q", "-F", img], check=True, timeout=60,
                           capture_output=True)
            cmd += ["-drive", "file=%s,format=raw,if=virtio,cache=unsafe" % img]
        for old in (self.console, self.sock_path):
            if os.path.exists(old):
                os.unlink(old)  # not to take the last boot's READY for this one's
        started = time.monotonic()
        log = open(os.path.join(self.work, "qemu.log"), "w")
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         preexec_fn=os.setsid)
        except FileNotFoundError:
            raise Skip("qemu-system-x86_64 is not installed")
        finally:
            log.close()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise GuestError("QEMU exited with %d:\n%s" % (self.proc.returncode,
                                                              self.tail()))
            if "LIO-GUEST-READY" in self._console():
                break
            time.sleep(0.2)
        else:
            raise GuestError("the guest was not ready within %d s:\n%s" % (timeout, self.tail()))
        self.boot_seconds = time.monotonic() - started
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.sock_path)
        return self.boot_seconds

    def _console(self):
        try:
            with open(self.console, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def tail(self, lines=40):
        out = self._console().splitlines()[-lines:]
        try:
            with open(os.path.join(self.work, "qemu.log"), errors="replace") as f:
                out += f.read().splitlines()[-10:]
        except OSError:
            pass
        return "\n".join(out)

    def run(self, command, timeout=60):
        """Runs COMMAND (a shell script, in the chroot into the host's root)
        in the guest: (exit status, output)."""
        self.next_id += 1
        ident = "c%d" % self.next_id
        # the command goes through the shared directory, only its name
        # through the serial line
        with open(os.path.join(self.work, ".guest", ident + ".sh"), "w") as f:
            f.write(command + "\n")
        self.sock.sendall(("%s\n" % ident).encode())
        want = ("DONE %s " % ident).encode()
        deadline = time.monotonic() + timeout
        while True:
            nl = self.buf.find(b"\n")
            while nl >= 0:
                line, self.buf = self.buf[:nl].strip(), self.buf[nl + 1:]
                if line.startswith(want):
                    out_path = os.path.join(self.work, ".guest", ident + ".out")
                    with open(out_path, errors="replace") as f:
                        out = f.read()
                    os.unlink(out_path)
                    os.unlink(os.path.join(self.work, ".guest", ident + ".sh"))
                    return int(line[len(want):]), out
                nl = self.buf.find(b"\n")
            left = deadline - time.monotonic()
            if left <= 0 or (self.proc and self.proc.poll() is not None):
                raise GuestError("guest command timed out: %s\n%s" % (command, self.tail()))
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not data:
                raise GuestError("the guest's command channel closed\n" + self.tail())
            self.buf += data

    def script(self, text, timeout=60):
        """Runs the shell script TEXT in the guest: (exit status, output)."""
        return self.run(text, timeout)

    def check(self, command, timeout=60):
        rc, out = self.run(command, timeout)
        if rc != 0:
            raise GuestError("guest: %s: exit %d\n%s" % (command, rc, out))
        return out

    def stop(self):
        """Stops QEMU by its PID (SIGTERM, then SIGKILL)."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is None:
            return
        p, self.proc = self.proc, None
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        for f in (self.sock_path,):
            try:
                os.unlink(f)
            except OSError:
                pass


def _port_open(addr, port):
    try:
        with socket.create_connection((addr, port), timeout=1):
            return True
    except OSError:
        return False


class GuestProcess:
    """A process started in the guest, with the parts of subprocess.Popen
    the end-to-end environment uses (poll, wait, send_signal, kill). Its PID
    and, once it has ended, its exit status are files in the shared work
    directory."""

    def __init__(self, guest, argv, log):
        self.guest = guest
        guest.next_id += 1
        base = os.path.join(guest.work, ".guest", "p%d" % guest.next_id)
        self.pid_file = base + ".pid"
        self.rc_file = base + ".rc"
        self.returncode = None
        quoted = " ".join("'%s'" % a.replace("'", "'\\''") for a in argv)
        rc, out = guest.run("( sh -c 'echo $$ > %s.tmp; mv %s.tmp %s; exec %s >> %s 2>&1' "
                            "< /dev/null; echo $? > %s.tmp; mv %s.tmp %s ) > /dev/null 2>&1 &"
                            % (self.pid_file, self.pid_file, self.pid_file,
                               quoted.replace("'", "'\\''"), log,
                               self.rc_file, self.rc_file, self.rc_file))
        if rc != 0:
            raise GuestError("cannot start %s in the guest: %s" % (argv[0], out))
        deadline = time.monotonic() + 10
        while not os.path.exists(self.pid_file) and time.monotonic() < deadline:
            time.sleep(0.05)
        with open(self.pid_file) as f:
            self.pid = int(f.read().strip() or 0)

    def poll(self):
        if self.returncode is None and os.path.exists(self.rc_file):
            with open(self.rc_file) as f:
                rc = int(f.read().strip() or 0)
            # sh reports death by signal N as 128 + N; Popen as -N
            self.returncode = -(rc - 128) if rc > 128 else rc
        return self.returncode

    def wait(self, timeout=None):
        deadline = time.monotonic() + (timeout if timeout is not None else 3600)
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("guest pid %d" % self.pid, timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, sig):
        if self.poll() is None:
            self.guest.run("kill -%d %d" % (int(sig), self.pid))

    def kill(self):
        self.send_signal(signal.SIGKILL)
