#!/usr/bin/python3
"""First start of a packaged istmd (issue 10): no users file, a state dir that
does not exist yet, no tgtd. istmd must start (READY=1), say how to create the
first admin, ping the systemd watchdog from its event loop, and look for its
tgtd on control port 1 (istmd-tgtd.service), never Debian's 0.

Usage: first_start.py ISTMD
Talks to istmd as systemd would: NOTIFY_SOCKET and WATCHDOG_USEC."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

WATCHDOG_USEC = 400000  # pings expected every 0.2 s


def main():
    istmd = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="istmd-first-") as tmp:
        roots = os.path.join(tmp, "srv")
        os.mkdir(roots)
        state = os.path.join(tmp, "state")  # istmd creates it
        users = os.path.join(tmp, "users")  # never created
        conf = os.path.join(tmp, "istmd.conf")
        with open(conf, "w") as f:
            f.write("[rpc]\nlisten = 127.0.0.1\nendpoint_mapper_port = 0\nobject_port = 0\n"
                    "[auth]\nusers_file = %s\n[state]\ndir = %s\n[storage]\nroots = %s\n"
                    "[iscsi]\ntgt_socket_dir = %s\n" % (users, state, roots, tmp))
        notify_path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(notify_path)
        sock.settimeout(0.5)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC=str(WATCHDOG_USEC))
        env.pop("WATCHDOG_PID", None)
        env.pop("JOURNAL_STREAM", None)
        log_path = os.path.join(tmp, "stderr")
        with open(log_path, "w") as log:
            proc = subprocess.Popen([istmd, "--config", conf, "--foreground"], env=env,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        ready = False
        pings = 0
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline and not (ready and pings >= 3):
                if proc.poll() is not None:
                    break
                try:
                    data = sock.recv(4096).decode()
                except socket.timeout:
                    continue
                ready = ready or "READY=1" in data.split("\n")
                if ready and "WATCHDOG=1" in data.split("\n"):
                    pings += 1
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
        text = open(log_path).read()
        failures = []
        if not ready:
            failures.append("no READY=1")
        if pings < 3:
            failures.append("%d WATCHDOG=1 after READY=1, expected 3 or more" % pings)
        if "no accounts: create one with istmctl user add --admin NAME" not in text:
            failures.append("no 'no accounts' hint")
        # no tgt_control_port in the config: istmd-tgtd.service's port 1, not 0
        if "%s/socket.1)" % tmp not in text:
            failures.append("the default tgtd control socket is not socket.1")
        if not os.path.isdir(state):
            failures.append("state dir not created")
        if rc != 0:
            failures.append("exit status %d after SIGTERM" % rc)
        if failures:
            sys.stdout.write(text)
            print("FAIL: " + "; ".join(failures))
            return 1
        print("ok: started without accounts, READY=1, %d watchdog pings, hint logged" % pings)
        return 0


if __name__ == "__main__":
    sys.exit(main())
